//! The pickle opcode decoder: every instruction of arbitrary bytes, from any start, under
//! every dialect and reading (bytes, a file without peek, a buffered file of any buffer
//! size), without panicking or reading past the input; offsets only move forward.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_formats::pickle::{
    Decoder, Dialect, Source, divergent_readings, may_be_unframed, starts_with_proto,
};

fuzz_target!(|input: (u8, u8, u16, &[u8])| {
    let (start, reading, buffer_size, data) = input;
    let _ = (starts_with_proto(data), may_be_unframed(data));
    let dialect = if reading & 1 == 0 { Dialect::C } else { Dialect::Python };
    let source = match (reading >> 1) % 3 {
        0 => Source::Bytes,
        1 => Source::File,
        _ => Source::BufferedFile {
            buffer_size: usize::from(buffer_size),
        },
    };
    let mut decoder = Decoder::with(data, usize::from(start), dialect, source);
    let mut last = usize::from(start).min(data.len());
    while let Some(decoded) = decoder.next() {
        let offset = decoder.offset();
        assert!(offset >= last && offset <= data.len(), "the decoder must advance within the input");
        last = offset;
        match decoded {
            Ok(instruction) => {
                assert!(instruction.offset < data.len());
                let _ = instruction.op.code();
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    if reading == 0 {
        let _ = divergent_readings(data, usize::from(start));
    }
});
