//! Proving a log intact, and saying where it is not.

use std::path::Path;

use modelseal_sign::PublicKey;
use serde::Serialize;

use super::entry::{Entry, Line, leaf_hash};
use super::note::{Checkpoint, NoteError};
use super::tree::Growing;
use super::{AuditError, lines, read_log};

/// What kind of tampering or damage a problem shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A line is not a valid entry or checkpoint (edited into invalid JSON, or torn).
    Malformed,
    /// The entry on this line was changed after it was written.
    Edited,
    /// Entries are missing before this one.
    Removed,
    /// This entry is out of order or was inserted.
    Reordered,
    /// A checkpoint does not match the entries before it.
    CheckpointMismatch,
    /// A checkpoint's signature does not verify with the given key.
    BadSignature,
    /// The log is shorter than a checkpoint says it was.
    Truncated,
}

/// One sign of tampering or damage in a log.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// 1-based line number where the problem is.
    pub line: usize,
    /// What was found, in words.
    pub message: String,
}

/// The result of checking a whole log.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// How many entries the log holds.
    pub entries: u64,
    /// Hex Merkle root of all entries.
    pub root: String,
    /// Checkpoints whose root matched (and, with a key, whose signature verified).
    pub checkpoints_verified: u64,
    /// Whether checkpoint signatures were checked (a key was given).
    pub signatures_checked: bool,
    /// Every problem found; empty when the log is intact.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// Whether no problem was found.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the log at `path`. With `key`, every checkpoint's signature is checked; with
/// `trusted` (a checkpoint note kept elsewhere, signed by `key`), the log must still contain
/// the entries it covers, unchanged.
pub fn verify(
    path: &Path,
    key: Option<&PublicKey>,
    trusted: Option<&str>,
) -> Result<VerifyReport, AuditError> {
    verify_bytes(&read_log(path)?, key, trusted)
}

/// [`verify`] for a log already in memory.
pub fn verify_bytes(
    data: &[u8],
    key: Option<&PublicKey>,
    trusted: Option<&str>,
) -> Result<VerifyReport, AuditError> {
    let trusted = match (trusted, key) {
        (Some(note), Some(key)) => Some(Checkpoint::verify(note, key)?),
        (Some(note), None) => Some(Checkpoint::parse(note)?.0),
        (None, _) => None,
    };
    let line_count = lines(data).count();
    let mut walk = Walk {
        key,
        trusted_covered: trusted.as_ref().is_some_and(|t| t.size == 0),
        trusted,
        ..Walk::default()
    };
    for (number, line) in lines(data) {
        match Line::parse(line) {
            Ok(Line::Entry(entry)) => walk.entry(number, line, &entry),
            Ok(Line::Checkpoint(note)) => walk.checkpoint(number, &note),
            Err(e) => {
                let why = if number == line_count && !data.ends_with(b"\n") {
                    "the last line is incomplete (a torn write)".to_owned()
                } else {
                    format!("not a valid entry or checkpoint ({e}): edited or corrupted")
                };
                walk.problem(ProblemKind::Malformed, number, why);
            }
        }
    }
    if let Some(t) = &walk.trusted
        && !walk.trusted_covered
    {
        let message = format!(
            "the trusted checkpoint covers {} entries but the log holds {}: it was truncated",
            t.size,
            walk.tree.size()
        );
        walk.problem(ProblemKind::Truncated, line_count, message);
    }
    Ok(VerifyReport {
        entries: walk.tree.size(),
        root: hex::encode(walk.tree.root()),
        checkpoints_verified: walk.checkpoints_verified,
        signatures_checked: key.is_some(),
        problems: walk.problems,
    })
}

/// The state of a verification, line by line.
#[derive(Default)]
struct Walk<'k> {
    key: Option<&'k PublicKey>,
    trusted: Option<Checkpoint>,
    trusted_covered: bool,
    tree: Growing,
    /// Line number and leaf hash of the last entry.
    previous: Option<(usize, [u8; 32])>,
    expected_index: u64,
    checkpoints_verified: u64,
    /// (entries covered, line) of the last checkpoint that matched.
    last_good: (u64, usize),
    problems: Vec<Problem>,
}

impl Walk<'_> {
    fn problem(&mut self, kind: ProblemKind, line: usize, message: String) {
        self.problems.push(Problem {
            kind,
            line,
            message,
        });
    }

    fn entry(&mut self, number: usize, line: &[u8], entry: &Entry) {
        let chained = match self.previous {
            Some((_, prev)) => entry.prev == hex::encode(prev),
            None => entry.prev.is_empty(),
        };
        let expected = self.expected_index;
        if entry.index > expected {
            let message = format!(
                "entry {} appears where entry {expected} belongs: {} entries were removed before it",
                entry.index,
                entry.index - expected
            );
            self.problem(ProblemKind::Removed, number, message);
        } else if entry.index < expected {
            let message = format!(
                "entry {} appears where entry {expected} belongs: entries were reordered or inserted",
                entry.index
            );
            self.problem(ProblemKind::Reordered, number, message);
        } else if !chained {
            // The previous entry no longer hashes to what this one recorded when it was
            // written: that entry is the one that changed.
            let at = self.previous.map_or(number, |(line, _)| line);
            let message = format!(
                "this entry was edited after it was written (entry {} recorded a different hash for it)",
                entry.index
            );
            self.problem(ProblemKind::Edited, at, message);
        }
        self.expected_index = entry.index.saturating_add(1);
        self.tree.push(line);
        self.previous = Some((number, leaf_hash(line)));
        if let Some(t) = &self.trusted
            && self.tree.size() == t.size
        {
            self.trusted_covered = true;
            if self.tree.root() != t.root {
                let message = format!(
                    "the first {} entries do not match the trusted checkpoint: the log was rewritten",
                    t.size
                );
                self.problem(ProblemKind::CheckpointMismatch, number, message);
            }
        }
    }

    fn checkpoint(&mut self, number: usize, note: &str) {
        let checkpoint = match self.key {
            Some(key) => Checkpoint::verify(note, key),
            None => Checkpoint::parse(note).map(|(c, _)| c),
        };
        let checkpoint = match checkpoint {
            Ok(c) => c,
            Err(e) => {
                let kind = match e {
                    NoteError::Malformed(_) | NoteError::WrongOrigin(_) => ProblemKind::Malformed,
                    NoteError::NoSignatureByKey | NoteError::BadSignature => {
                        ProblemKind::BadSignature
                    }
                };
                self.problem(kind, number, format!("checkpoint: {e}"));
                return;
            }
        };
        if checkpoint.size != self.tree.size() {
            let message = format!(
                "the checkpoint covers {} entries but {} precede it: entries were removed or inserted",
                checkpoint.size,
                self.tree.size()
            );
            self.problem(ProblemKind::CheckpointMismatch, number, message);
        } else if checkpoint.root == self.tree.root() {
            self.checkpoints_verified += 1;
            self.last_good = (checkpoint.size, number);
        } else {
            let message = format!(
                "entries {}..{} (lines {}..{number}) do not match the checkpoint: they were altered and the chain rewritten",
                self.last_good.0,
                checkpoint.size,
                self.last_good.1 + 1
            );
            self.problem(ProblemKind::CheckpointMismatch, number, message);
        }
    }
}
