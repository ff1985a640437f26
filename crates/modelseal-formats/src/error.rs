//! The one error every parser returns: what went wrong, as a kind with its numbers.

/// Why a header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The input ends before `what` (which needs `needed` bytes at `offset`).
    #[error("{what} needs {needed} bytes at offset {offset} but the input ends at {end}")]
    Truncated {
        what: &'static str,
        offset: u64,
        needed: u64,
        end: u64,
    },
    /// `what` claims `size`, more than `limit`.
    #[error("{what} claims {size}, more than the limit of {limit}")]
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    /// The input does not start with the format's signature.
    #[error("not {format}: the signature is missing")]
    BadMagic { format: &'static str },
    /// A version of the format this parser does not know.
    #[error("{format} version {version} is not supported")]
    Unsupported { format: &'static str, version: u64 },
    /// A feature of the format this parser does not implement (a compression method...).
    #[error("{what} {value} is not supported")]
    UnsupportedFeature { what: &'static str, value: u64 },
    /// `what` at `offset` breaks the format's rules.
    #[error("invalid {what} at offset {offset}")]
    Invalid { what: &'static str, offset: u64 },
    /// Arithmetic on `what` overflows: no real file is that large.
    #[error("{what} overflows")]
    Overflow { what: &'static str },
    /// `count` bytes follow `what` that belong to nothing.
    #[error("{count} bytes follow {what} at offset {offset}")]
    TrailingBytes {
        what: &'static str,
        offset: u64,
        count: u64,
    },
    /// Data does not match the CRC-32 recorded for it.
    #[error("CRC-32 {actual:#010x} does not match the recorded {expected:#010x}")]
    CrcMismatch { expected: u32, actual: u32 },
    /// An encrypted member: its data cannot be read.
    #[error("the member is encrypted")]
    Encrypted,
    /// Reading the underlying file failed.
    #[error("read failed: {kind}")]
    Io { kind: std::io::ErrorKind },
}

impl FormatError {
    /// For parsers that read from a file: an early end is truncation, anything else is I/O.
    pub(crate) fn from_io(
        e: &std::io::Error,
        what: &'static str,
        offset: u64,
        needed: u64,
    ) -> Self {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            FormatError::Truncated {
                what,
                offset,
                needed,
                end: offset,
            }
        } else {
            FormatError::Io { kind: e.kind() }
        }
    }
}
