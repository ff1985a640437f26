//! The audit log: append-only JSON lines, one event per line, each a leaf of an RFC 6962
//! Merkle tree (leaf = SHA-256(0x00 ‖ line), node = SHA-256(0x01 ‖ left ‖ right)), each also
//! chained to the one before it, with signed checkpoints (tree size and root) between them.
//!
//! The chain locates an edited, removed or reordered entry. The chain can be recomputed by
//! anyone who can write the file, so only checkpoints authenticate: signed by a key the
//! writer of a forgery does not hold (every entry must be covered by one), or kept where the
//! log's writer cannot rewrite them (a witness directory, a note saved elsewhere), which also
//! catches truncation. Logs are read line by line, each line bounded.

mod entry;
mod log;
mod note;
mod proof;
mod read;
mod tree;
mod verify;
mod witness;

use std::path::PathBuf;

pub use entry::{Entry, Event, Line, leaf_hash};
pub use log::{
    Actor, CheckpointPolicy, MAX_ENTRY_BYTES, MAX_TAIL_SCAN, Recorder, append, checkpoint,
    checkpoint_with_witness,
};
pub(crate) use log::{cap_text, summarise};
pub use note::{Checkpoint, NoteError};
pub use proof::{ConsistencyProof, InclusionProof, prove_consistency, prove_inclusion};
pub use read::MAX_LINE_BYTES;
pub use verify::{
    MAX_PENDING, MAX_PROBLEMS, Pending, Problem, ProblemKind, VerifyOptions, VerifyReport, verify,
    verify_bytes, verify_with, witness_notes,
};
pub use witness::{MAX_NOTE_BYTES, note_path};

/// Why reading, appending to or proving the audit log failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A file-system operation failed.
    #[error(transparent)]
    Fs(#[from] modelseal_fs::FsError),
    /// An entry could not be serialized.
    #[error("cannot write an entry of {}: {source}", path.display())]
    Encode {
        /// The log.
        path: PathBuf,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
    /// The checkpoint could not be signed.
    #[error("cannot sign the checkpoint: {0}")]
    Sign(#[source] modelseal_sign::SignError),
    /// A checkpoint given as trusted does not parse or verify.
    #[error("the trusted checkpoint is not valid: {0}")]
    Checkpoint(#[from] NoteError),
    /// A proof asked for an index or size the log does not have.
    #[error("{0}")]
    OutOfRange(String),
    /// The log's last index is `u64::MAX`; another entry would have no index.
    #[error(
        "cannot append to {}: its last entry has the largest index there is",
        path.display()
    )]
    IndexOverflow {
        /// The log.
        path: PathBuf,
    },
    /// No entry was found in the bounded tail read to find the last index, so the log is damaged or padded.
    #[error(
        "cannot append to {}: its last {searched} bytes hold no entry (the log is damaged or \
         padded; run `modelseal audit verify` on it)",
        path.display()
    )]
    NoEntryInTail {
        /// The log.
        path: PathBuf,
        /// How many bytes from the end were read.
        searched: u64,
    },
    /// A checkpoint kept outside the log cannot be used (not a note, or not signed by the key).
    #[error("{source_name}: {error}")]
    Trusted {
        /// Where the checkpoint came from (a file name).
        source_name: String,
        /// Why it cannot be used.
        #[source]
        error: NoteError,
    },
    /// The witness already holds a checkpoint of this size with another root: the log forked
    /// (or was rewritten) since that checkpoint was made.
    #[error(
        "{}: the witness holds a checkpoint of this size with a different root: the log was \
         rewritten since",
        path.display()
    )]
    WitnessConflict {
        /// The witness note that disagrees.
        path: PathBuf,
    },
    /// The file is not an audit log: its first line is neither an entry nor a checkpoint,
    /// nor recognisably one that was damaged (a config file, a model's weights).
    #[error("not a modelseal audit log: {}", path.display())]
    NotALog {
        /// The file.
        path: PathBuf,
    },
    /// The log holds no entry: a checkpoint of nothing would "match" every log, forged or
    /// not, so none is written.
    #[error(
        "{} holds no entries: a checkpoint of nothing authenticates nothing, so none is written",
        path.display()
    )]
    EmptyLog {
        /// The log.
        path: PathBuf,
    },
}

/// RFC 3339 in UTC, as every record here writes time.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The lines of `data` with their 1-based numbers, without newlines; a final line without a
/// newline is included (it is a torn write).
pub(crate) fn lines(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    body.split(|b| *b == b'\n')
        .enumerate()
        .filter(move |_| !data.is_empty())
        .map(|(i, line)| (i + 1, line))
}

/// The most entry bytes a proof holds in memory (proofs need every leaf; verifying and
/// checkpointing stream instead): about ten million entries.
pub const MAX_LOG_BYTES: u64 = 4 << 30;
