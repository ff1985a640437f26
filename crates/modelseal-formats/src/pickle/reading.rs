//! The readings a loader may give one stream, and which of them disagree.
//!
//! A scanner cannot know whether a file will be opened with `pickle.load(open(p, "rb"))`,
//! `pickle.loads(f.read())`, `torch.load` (an `io.BytesIO` inside a zip) or joblib's
//! pure-Python unpickler; for an ordinary pickle all of them decode the same instructions.
//! [`divergent_readings`] finds the streams for which they do not (an opcode straddling the
//! end of a frame that is `read` whole, a number only one dialect accepts, a STOP inside a
//! frame that moves where the next `load` starts), so the scanner analyses each reading that
//! differs and an attacker cannot hide a payload in the one it skipped.
//!
//! A `BufferedReader` whose buffer holds a whole frame peeks it and reads contiguously, as
//! bytes are read; one whose buffer is smaller reads the frame whole, as a file without `peek`
//! does. The readings here cover both ends and the two usual buffer sizes; a file system with
//! another block size can mix the two per frame differently (a known limit).

use super::decoder::Decoder;
use super::dialect::{Dialect, Source};
use super::op::Op;

/// One way a loader reads a stream: which unpickler, from what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The unpickler.
    pub dialect: Dialect,
    /// What it reads from.
    pub source: Source,
}

impl Reading {
    /// `pickle.loads(data)`: the C unpickler over bytes (the decoder's default).
    pub const LOADS: Reading = Reading {
        dialect: Dialect::C,
        source: Source::Bytes,
    };
    /// `pickle.load(open(path, "rb"))`, and `torch.load`/`numpy.load` given a path to a
    /// non-zip file: the C unpickler over a `BufferedReader` of the usual 4096 bytes.
    pub const LOAD_FILE: Reading = Reading {
        dialect: Dialect::C,
        source: Source::OPEN,
    };
    /// `pickle.load` of a file whose `BufferedReader` has Python's default 8192 bytes
    /// (`io.DEFAULT_BUFFER_SIZE`, used where the file system reports no block size).
    pub const LOAD_FILE_8K: Reading = Reading {
        dialect: Dialect::C,
        source: Source::BufferedFile { buffer_size: 8192 },
    };
    /// `torch.load` of a zip archive's `data.pkl`, or any `pickle.load` of an `io.BytesIO`:
    /// the C unpickler over a file object without `peek`.
    pub const LOAD_BYTES_IO: Reading = Reading {
        dialect: Dialect::C,
        source: Source::File,
    };
    /// joblib's `NumpyUnpickler` and `pickle._load(s)`: the pure-Python unpickler.
    pub const PYTHON: Reading = Reading {
        dialect: Dialect::Python,
        source: Source::Bytes,
    };
    /// Every reading, the default first.
    pub const ALL: [Reading; 5] = [
        Reading::LOADS,
        Reading::LOAD_FILE,
        Reading::LOAD_FILE_8K,
        Reading::LOAD_BYTES_IO,
        Reading::PYTHON,
    ];

    /// A decoder of `data` from `position` under this reading.
    pub fn decoder(self, data: &[u8], position: usize) -> Decoder<'_> {
        Decoder::with(data, position, self.dialect, self.source)
    }
}

/// The readings of [`Reading::ALL`] under which `data[position..]` (every stream in it, one
/// after another, as repeated `load` calls on one file read them) decodes to instructions
/// other than under [`Reading::LOADS`]. Empty for ordinary pickles. Costs one decoding pass
/// per reading (decoding builds no values), after one pass that finds most inputs cannot
/// diverge at all.
pub fn divergent_readings(data: &[u8], position: usize) -> Vec<Reading> {
    if every_reading_agrees(data, position) {
        return Vec::new();
    }
    compare_readings(data, position)
}

fn compare_readings(data: &[u8], position: usize) -> Vec<Reading> {
    Reading::ALL[1..]
        .iter()
        .copied()
        .filter(|reading| {
            let ours = Reading::LOADS.decoder(data, position);
            let theirs = reading.decoder(data, position);
            // Equal when every instruction is, errors compared as "an error here".
            !ours.zip_longest_eq(theirs)
        })
        .collect()
}

/// One cheap pass that proves every reading decodes what [`Reading::LOADS`] decodes (see
/// [`AgreementCheck`]); the per-reading comparison (eight decoding passes on a 50 MB data
/// pickle) is then skipped.
fn every_reading_agrees(data: &[u8], position: usize) -> bool {
    let mut decoder = Reading::LOADS.decoder(data, position);
    let mut check = AgreementCheck::new(data.len());
    while let Some(next) = decoder.next() {
        let Ok(instruction) = next else {
            return false;
        };
        if !check.observe(&instruction.op, decoder.offset()) {
            return false;
        }
    }
    check.agrees()
}

/// Watches the instructions of a [`Reading::LOADS`] pass for anything that could make another
/// reading differ: for the pickles CPython writes, readings differ only where an opcode
/// straddles a frame's end, a frame starts inside another, a frame or a STOP leaves bytes of
/// its frame unread, a text argument is parsed (numbers, lines, escapes: the dialects differ
/// there) or decoding fails. A scanner that decodes the stream anyway feeds its own pass here
/// and calls [`divergent_readings_after`] instead of paying for a pass of its own.
#[derive(Debug, Clone)]
pub struct AgreementCheck {
    len: usize,
    frame_end: Option<usize>,
    agrees: bool,
}

impl AgreementCheck {
    /// A check over an input of `len` bytes.
    pub fn new(len: usize) -> Self {
        AgreementCheck {
            len,
            frame_end: None,
            agrees: true,
        }
    }

    /// Records one decoded instruction that ends at `end`; false once readings may differ.
    pub fn observe(&mut self, op: &Op<'_>, end: usize) -> bool {
        if !self.agrees {
            return false;
        }
        if let Some(frame) = self.frame_end {
            if end > frame {
                return self.differ();
            }
            if end == frame {
                self.frame_end = None;
            }
        }
        match op {
            Op::Frame(length) => {
                if self.frame_end.is_some() {
                    return self.differ();
                }
                let Some(frame) = usize::try_from(*length)
                    .ok()
                    .and_then(|length| end.checked_add(length))
                    .filter(|frame| *frame <= self.len)
                else {
                    return self.differ();
                };
                self.frame_end = (frame > end).then_some(frame);
            }
            Op::Stop if self.frame_end.is_some() => return self.differ(),
            Op::Int(_)
            | Op::Long(_)
            | Op::Float(_)
            | Op::String(_)
            | Op::Unicode(_)
            | Op::Get(_)
            | Op::Put(_)
            | Op::Global { .. }
            | Op::Inst { .. }
            | Op::PersId(_) => return self.differ(),
            _ => {}
        }
        true
    }

    /// Records that decoding failed or stopped short: readings may differ there.
    pub fn fail(&mut self) {
        self.agrees = false;
    }

    fn differ(&mut self) -> bool {
        self.agrees = false;
        false
    }

    /// Whether every reading decodes what this pass decoded (a frame left open does not).
    pub fn agrees(&self) -> bool {
        self.agrees && self.frame_end.is_none()
    }
}

/// [`divergent_readings`] for a caller that already watched a whole [`Reading::LOADS`] pass
/// from `position` with `check`.
pub fn divergent_readings_after(
    check: &AgreementCheck,
    data: &[u8],
    position: usize,
) -> Vec<Reading> {
    if check.agrees() {
        return Vec::new();
    }
    compare_readings(data, position)
}

impl Decoder<'_> {
    /// Whether two decoders yield the same instructions and fail at the same place.
    fn zip_longest_eq(mut self, mut other: Decoder<'_>) -> bool {
        loop {
            match (self.next(), other.next()) {
                (None, None) => return true,
                (Some(Ok(a)), Some(Ok(b))) if a == b => {}
                (Some(Err(_)), Some(Err(_))) => return self.offset() == other.offset(),
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `FRAME n` followed by `body`.
    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = vec![0x80, 4, 0x95];
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn regular_frames_of_binary_opcodes_agree_in_one_pass() {
        // EMPTY_LIST, BININT1 1, APPEND, STOP: one frame ending at STOP, as CPython writes.
        let pickle = framed(b"]K\x01a.");
        assert!(every_reading_agrees(&pickle, 0));
        assert!(divergent_readings(&pickle, 0).is_empty());
    }

    #[test]
    fn straddles_text_arguments_and_unread_frame_bytes_need_the_full_comparison() {
        // The frame ends inside BININT1's argument.
        let mut straddle = framed(b"]K");
        straddle.extend_from_slice(b"\x01a.");
        assert!(!every_reading_agrees(&straddle, 0));
        // A text number: the dialects parse it differently.
        assert!(!every_reading_agrees(b"I1_0\n.", 0));
        // STOP before the frame's end.
        assert!(!every_reading_agrees(&framed(b"N.N"), 0));
        // A frame longer than the input.
        let mut short = framed(b"N.");
        short.truncate(short.len() - 1);
        assert!(!every_reading_agrees(&short, 0));
    }
}
