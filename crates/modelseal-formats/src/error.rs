//! The one error every parser returns: what went wrong, as a kind with its numbers.

/// Why a header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The input ends before `what` (which needs `needed` bytes at `offset`).
    #[error("{what} needs {needed} bytes at offset {offset} but the input ends at {end}")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Where the read starts in the whole input.
        offset: u64,
        /// How many bytes the read needs (a count from the input may be absurd).
        needed: u64,
        /// Where the input ends.
        end: u64,
    },
    /// `what` claims `size`, more than `limit`.
    #[error("{what} claims {size}, more than the limit of {limit}")]
    TooLarge {
        /// The structure whose size is claimed.
        what: &'static str,
        /// The size (or count) the input claims.
        size: u64,
        /// The largest this parser accepts.
        limit: u64,
    },
    /// The input does not start with the format's signature.
    #[error("not {format}: the signature is missing")]
    BadMagic {
        /// The format the input was expected to be.
        format: &'static str,
    },
    /// A version of the format this parser does not know.
    #[error("{format} version {version} is not supported")]
    Unsupported {
        /// The format.
        format: &'static str,
        /// The version the input declares.
        version: u64,
    },
    /// A feature of the format this parser does not implement (a compression method...).
    #[error("{what} {value} is not supported")]
    UnsupportedFeature {
        /// The feature (a compression method...).
        what: &'static str,
        /// Its value in the input.
        value: u64,
    },
    /// `what` at `offset` breaks the format's rules.
    #[error("invalid {what} at offset {offset}")]
    Invalid {
        /// The rule or structure that is broken.
        what: &'static str,
        /// Where the offending structure starts in the whole input.
        offset: u64,
    },
    /// A byte where an opcode must start that is none (the C unpickler's "invalid load key").
    #[error("unknown opcode {code:#04x} at offset {offset}")]
    UnknownOpcode {
        /// The byte found.
        code: u8,
        /// Where it is in the whole input.
        offset: u64,
    },
    /// Arithmetic on `what` overflows: no real file is that large.
    #[error("{what} overflows")]
    Overflow {
        /// The quantity whose arithmetic overflows.
        what: &'static str,
    },
    /// `count` bytes follow `what` that belong to nothing.
    #[error("{count} bytes follow {what} at offset {offset}")]
    TrailingBytes {
        /// The structure the bytes follow.
        what: &'static str,
        /// Where the unclaimed bytes start.
        offset: u64,
        /// How many there are.
        count: u64,
    },
    /// Data does not match the CRC-32 recorded for it.
    #[error("CRC-32 {actual:#010x} does not match the recorded {expected:#010x}")]
    CrcMismatch {
        /// The CRC-32 the format records.
        expected: u32,
        /// The CRC-32 of the data as read.
        actual: u32,
    },
    /// An encrypted member: its data cannot be read.
    #[error("the member is encrypted")]
    Encrypted,
    /// Reading the underlying file failed.
    #[error("read failed: {kind}")]
    Io {
        /// What kind of I/O error (the path belongs to the caller, which opened the file).
        kind: std::io::ErrorKind,
    },
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
