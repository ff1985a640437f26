//! How a FRAME is read from a file object versus bytes: the bypass of a payload placed after
//! a frame whose last opcode runs past its end (issue 13: "a pickle whose FRAME sits at the C
//! unpickler's 128 KiB prefetch boundary when read with `pickle.load(file)`"). The C
//! unpickler `read`s a frame of 128 KiB or more whole into its buffer; an argument that runs
//! past the frame's end is then read from the file's position, after the frame, and the
//! frame's last bytes are skipped. `pickle.loads` of the same bytes reads on contiguously.
//! `scripts/scan-corpus/stream.py` writes the same shapes, proven under `pickle.load`.

use modelseal_formats::pickle::{Decoder, Dialect, Op, Reading, Source, divergent_readings};

/// The C unpickler's `PREFETCH`: a frame this long is always `read`, never peeked.
const PREFETCH: usize = 128 * 1024;

const PAYLOAD: &[u8] = b"cos\nsystem\n(S'touch CANARY'\ntR.";

fn frame(len: usize) -> Vec<u8> {
    let mut out = vec![0x95];
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out
}

/// PROTO 4, then a frame of `frame_len` bytes ending inside a BINUNICODE whose argument the
/// file reading takes from after the frame. The bytes reading swallows the payload in a
/// BINBYTES and stops cleanly; the file reading runs it.
fn straddled_string(frame_len: usize) -> Vec<u8> {
    // The frame's last bytes, skipped by the file reading; as long as a BINBYTES header.
    let tail = b"hello";
    let zs = 10;
    let mut body = Vec::new();
    // Filler inside the frame: one BINUNICODE and a POP.
    let filler = frame_len - (1 + 4 + tail.len()) - (1 + 4) - 1;
    body.push(b'X');
    body.extend_from_slice(&(filler as u32).to_le_bytes());
    body.extend(std::iter::repeat_n(b'a', filler));
    body.push(b'0');
    // The straddling opcode: K bytes of argument, `tail` inside the frame.
    let k = zs + tail.len();
    body.push(b'X');
    body.extend_from_slice(&(k as u32).to_le_bytes());
    body.extend_from_slice(tail);
    assert_eq!(body.len(), frame_len);
    // After the frame: what both readings take as string, then a BINBYTES header that only
    // the bytes reading decodes (the file reading's string ends with it) and that swallows
    // the payload, then the payload, then the bytes reading's clean ending.
    let mut after = vec![b'z'; zs];
    after.push(b'B');
    after.extend_from_slice(&(PAYLOAD.len() as u32).to_le_bytes());
    after.extend_from_slice(PAYLOAD);
    after.extend_from_slice(b"0N.");
    [b"\x80\x04".to_vec(), frame(frame_len), body, after].concat()
}

fn globals(decoder: Decoder<'_>) -> (Vec<String>, bool) {
    let mut names = Vec::new();
    for decoded in decoder {
        match decoded {
            Ok(instruction) => match instruction.op {
                Op::Global { module, name } => names.push(format!("{module}.{name}")),
                Op::Stop => return (names, true),
                _ => {}
            },
            Err(_) => return (names, false),
        }
    }
    (names, false)
}

#[test]
fn frame_straddled_at_the_128k_prefetch_boundary_is_decoded_as_pickle_load_reads_it() {
    let data = straddled_string(PREFETCH);
    let (bytes, stopped) = globals(Decoder::new(&data, 0));
    assert!(
        bytes.is_empty() && stopped,
        "pickle.loads sees data only: {bytes:?}"
    );
    for source in [
        Source::OPEN,
        Source::File,
        Source::BufferedFile { buffer_size: 65536 },
    ] {
        let (file, stopped) = globals(Decoder::with(&data, 0, Dialect::C, source));
        assert_eq!(file, ["os.system"], "{source:?}");
        assert!(stopped);
    }
    // A buffer that holds the whole file peeks the frame and reads on contiguously.
    let whole = Source::BufferedFile {
        buffer_size: 1 << 20,
    };
    assert!(
        globals(Decoder::with(&data, 0, Dialect::C, whole))
            .0
            .is_empty()
    );
    assert_eq!(
        divergent_readings(&data, 0),
        [
            Reading::LOAD_FILE,
            Reading::LOAD_FILE_8K,
            Reading::LOAD_BYTES_IO,
            Reading::PYTHON
        ]
    );
}

#[test]
fn frame_straddled_below_the_prefetch_depends_on_what_peek_returns() {
    // 8 KiB: more than a 4096-byte BufferedReader peeks, so it is read whole (skipped tail);
    // a reader whose buffer holds the frame peeks it and reads on contiguously.
    let data = straddled_string(8192);
    let (small_buffer, _) = globals(Decoder::with(&data, 0, Dialect::C, Source::OPEN));
    assert_eq!(small_buffer, ["os.system"]);
    let big = Source::BufferedFile { buffer_size: 65536 };
    let (big_buffer, _) = globals(Decoder::with(&data, 0, Dialect::C, big));
    assert!(big_buffer.is_empty());
}

#[test]
fn python_unframer_refuses_a_read_past_the_frame() {
    let data = straddled_string(PREFETCH);
    let (names, stopped) = globals(Reading::PYTHON.decoder(&data, 0));
    assert!(names.is_empty() && !stopped);
}

#[test]
fn line_straddling_a_frame_end_is_read_from_the_file_position() {
    // The frame ends inside a GLOBAL's module line: the file reading drops `bu` and reads the
    // line from after the frame.
    let mut body = vec![b'X'];
    let filler = PREFETCH - 5 - 1 - 3;
    body.extend_from_slice(&(filler as u32).to_le_bytes());
    body.extend(std::iter::repeat_n(b'a', filler));
    body.extend_from_slice(b"0cbu");
    let data = [
        b"\x80\x04".to_vec(),
        frame(PREFETCH),
        body,
        b"os\nsystem\n0N.".to_vec(),
    ]
    .concat();
    assert_eq!(globals(Decoder::new(&data, 0)).0, ["buos.system"]);
    assert_eq!(
        globals(Reading::LOAD_FILE.decoder(&data, 0)).0,
        ["os.system"]
    );
}

#[test]
fn bytes_straddling_a_frame_end_are_read_contiguously_by_every_c_reading() {
    // BINBYTES is copied with _Unpickler_ReadInto: buffer rest, then the file — contiguous.
    let mut body = vec![b'X'];
    let filler = PREFETCH - 5 - 1 - 7;
    body.extend_from_slice(&(filler as u32).to_le_bytes());
    body.extend(std::iter::repeat_n(b'a', filler));
    body.extend_from_slice(b"0B\x20\x00\x00\x00ab");
    let data = [
        b"\x80\x04".to_vec(),
        frame(PREFETCH),
        body,
        vec![b'c'; 30],
        b"0N.".to_vec(),
    ]
    .concat();
    assert_eq!(divergent_readings(&data, 0), [Reading::PYTHON]);
}

#[test]
fn stop_inside_a_frame_moves_the_next_load_to_the_frame_end() {
    // First pickle: STOP inside a frame read whole; the rest of the frame is a second pickle
    // for `pickle.loads`-style readers, while a second `pickle.load(f)` starts after it.
    let second_by_bytes = b"\x80\x04N.";
    let mut body = vec![b'X'];
    let filler = PREFETCH - 5 - 2 - second_by_bytes.len();
    body.extend_from_slice(&(filler as u32).to_le_bytes());
    body.extend(std::iter::repeat_n(b'a', filler));
    body.extend_from_slice(b"0N");
    // The frame must end after STOP: put STOP as the frame's first extra byte.
    body.push(b'.');
    body.extend_from_slice(&second_by_bytes[..second_by_bytes.len() - 1]);
    let data = [
        b"\x80\x04".to_vec(),
        frame(PREFETCH),
        body,
        PAYLOAD.to_vec(),
    ]
    .concat();
    let mut file = Reading::LOAD_FILE.decoder(&data, 0);
    for decoded in file.by_ref() {
        if decoded.unwrap().op == Op::Stop {
            break;
        }
    }
    assert_eq!(
        file.offset(),
        2 + 9 + PREFETCH,
        "the next load starts at the frame's end"
    );
    let mut bytes = Decoder::new(&data, 0);
    for decoded in bytes.by_ref() {
        if decoded.unwrap().op == Op::Stop {
            break;
        }
    }
    assert!(bytes.offset() < 2 + 9 + PREFETCH);
}

#[test]
fn ordinary_pickles_have_one_reading() {
    let mut data = b"\x80\x04".to_vec();
    data.extend(frame(12));
    data.extend_from_slice(b"\x8c\x05hello\x94]\x94(e.");
    data.truncate(2 + 9 + 12);
    data.push(b'.');
    assert!(divergent_readings(&data, 0).is_empty(), "{data:?}");
}
