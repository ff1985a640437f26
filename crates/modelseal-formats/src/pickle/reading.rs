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
/// per reading; decoding builds no values.
pub fn divergent_readings(data: &[u8], position: usize) -> Vec<Reading> {
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
