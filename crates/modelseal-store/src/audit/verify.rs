//! Proving a log intact, and saying where it is not.
//!
//! The hash chain and the Merkle tree only show that the log agrees with itself: whoever can
//! write the file can rewrite every entry and recompute both. What makes a log trustworthy is
//! a checkpoint the rewriter cannot make or cannot reach: signed by a key they do not hold
//! (`key`: every entry must then be covered by a signed checkpoint), or kept outside the log
//! (`trusted`: a witness directory, a note saved elsewhere). [`VerifyReport`] says which of
//! these were checked, and which entries nothing covers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use modelseal_sign::PublicKey;
use serde::Serialize;

use super::AuditError;
use super::entry::{Entry, Line, leaf_hash};
use super::note::{Checkpoint, NoteError};
use super::read::{LogLine, for_each_line, open};
use super::tree::Growing;

/// What kind of tampering or damage a problem shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A line is not a valid entry or checkpoint (edited into invalid JSON, torn, or longer
    /// than any entry is written).
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
    /// With a key: entries that no checkpoint signed by it covers (they could have been
    /// rewritten freely).
    Uncovered,
    /// The file's lines end in `\r\n`: it went through a text tool (the entries themselves
    /// are checked with the `\r` removed).
    CrlfLineEndings,
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

/// An intent entry (a quarantine or release about to happen) that no later entry completes:
/// the command was interrupted between announcing the action and recording its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// The intent entry's index.
    pub index: u64,
    /// Its line number in the log (1-based).
    pub line: usize,
    /// The action announced (`quarantine`, `release`).
    pub action: String,
    /// What it was about, when the entry names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// How far to trust a log: what authenticates it.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions<'a> {
    /// The public key checkpoints must be signed with. With a key, every entry must be
    /// covered by a signed checkpoint (or by a trusted one).
    pub key: Option<&'a PublicKey>,
    /// Checkpoint notes kept outside the log (`--trusted-checkpoint`, a witness directory),
    /// each with where it came from. Signed by `key` when a key is given.
    pub trusted: Vec<(String, String)>,
    /// With a key, accept this many entries or fewer after the last covering checkpoint: the
    /// entries written since the last checkpoint was due.
    pub allow_uncovered_tail: Option<u64>,
}

/// The result of checking a whole log.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// How many entries the log holds.
    pub entries: u64,
    /// Hex Merkle root of all entries.
    pub root: String,
    /// Checkpoints in the log whose root matched (and, with a key, whose signature verified).
    pub checkpoints_verified: u64,
    /// Whether checkpoint signatures were checked (a key was given). Without a key the log
    /// only agrees with itself: anyone who can write it can rewrite it to agree.
    pub signatures_checked: bool,
    /// Trusted checkpoints (kept outside the log) whose entries the log still holds unchanged.
    pub trusted_matched: u64,
    /// How many of the first entries an authenticated checkpoint covers (signed by the key,
    /// or trusted).
    pub covered: u64,
    /// With a key: entries after the last covering checkpoint that were accepted as a young
    /// tail (`allow_uncovered_tail`).
    pub uncovered_accepted: u64,
    /// The problems found, the first [`MAX_PROBLEMS`] of them; empty when the log is intact.
    pub problems: Vec<Problem>,
    /// Problems found beyond the first [`MAX_PROBLEMS`], counted but not described: a log of
    /// millions of damaged lines makes a report of the same size otherwise.
    #[serde(skip_serializing_if = "is_zero")]
    pub problems_omitted: u64,
    /// Intents never completed (informational: not tampering), the first [`MAX_PENDING`].
    pub pending: Vec<Pending>,
    /// Intents announced while [`MAX_PENDING`] others were still open: not tracked, so at
    /// most this many more were never completed.
    #[serde(skip_serializing_if = "is_zero")]
    pub pending_omitted: u64,
}

impl VerifyReport {
    /// No problem found. Without a key or a trusted checkpoint this means only that the log
    /// agrees with itself; see [`VerifyReport::authenticated`].
    pub fn intact(&self) -> bool {
        self.problems.is_empty() && self.problems_omitted == 0
    }

    /// How many problems were found, described or not.
    pub fn problem_count(&self) -> u64 {
        (self.problems.len() as u64).saturating_add(self.problems_omitted)
    }

    /// Something the log's writer cannot forge vouched for it: a checkpoint signed by the key
    /// or a trusted checkpoint, covering at least one entry. A key alone proves nothing when
    /// no checkpoint it signed covers anything: a log written without the key (or an empty
    /// one) has no signature to check, and a young tail accepted with no checkpoint before it
    /// is the whole log.
    pub fn authenticated(&self) -> bool {
        (self.signatures_checked && self.covered > 0) || self.trusted_matched > 0
    }

    /// With a key: no checkpoint signed by it covers any entry of a non-empty log (the log
    /// is younger than the checkpoint interval, or was written without the key).
    pub fn no_signed_checkpoint_yet(&self) -> bool {
        self.signatures_checked && self.covered == 0 && self.entries > 0
    }
}

/// Verifies the log at `path`. With `key`, every checkpoint's signature is checked and every
/// entry must be covered by one; with `trusted` (a checkpoint note kept elsewhere, signed by
/// `key` when one is given), the log must still contain the entries it covers, unchanged.
pub fn verify(
    path: &Path,
    key: Option<&PublicKey>,
    trusted: Option<&str>,
) -> Result<VerifyReport, AuditError> {
    verify_with(path, &VerifyOptions::of(key, trusted))
}

impl<'a> VerifyOptions<'a> {
    /// A key and at most one trusted checkpoint note, the options [`verify`] takes.
    fn of(key: Option<&'a PublicKey>, trusted: Option<&str>) -> Self {
        VerifyOptions {
            key,
            trusted: trusted
                .map(|note| vec![("the trusted checkpoint".to_owned(), note.to_owned())])
                .unwrap_or_default(),
            allow_uncovered_tail: None,
        }
    }
}

/// [`verify`] with every option.
pub fn verify_with(path: &Path, options: &VerifyOptions<'_>) -> Result<VerifyReport, AuditError> {
    verify_reader(open(path)?, path, options)
}

/// [`verify`] for a log already in memory.
pub fn verify_bytes(
    data: &[u8],
    key: Option<&PublicKey>,
    trusted: Option<&str>,
) -> Result<VerifyReport, AuditError> {
    verify_reader(
        data,
        Path::new("<memory>"),
        &VerifyOptions::of(key, trusted),
    )
}

fn verify_reader<R: std::io::Read>(
    reader: R,
    path: &Path,
    options: &VerifyOptions<'_>,
) -> Result<VerifyReport, AuditError> {
    let mut trusted: BTreeMap<u64, Vec<(String, Checkpoint)>> = BTreeMap::new();
    for (source, note) in &options.trusted {
        let checkpoint = match options.key {
            Some(key) => Checkpoint::verify(note, key),
            None => Checkpoint::parse(note).map(|(c, _)| c),
        }
        .map_err(|e| AuditError::Trusted {
            source_name: source.clone(),
            error: e,
        })?;
        trusted
            .entry(checkpoint.size)
            .or_default()
            .push((source.clone(), checkpoint));
    }
    let mut walk = Walk {
        key: options.key,
        trusted,
        ..Walk::default()
    };
    // A size-0 checkpoint covers nothing: it "matches" every log, forged or not, so it
    // authenticates nothing and is not counted as matched.
    walk.trusted.remove(&0);
    let reader = sniff(reader, path)?;
    for_each_line(reader, path, |line| walk.line(line))?;
    Ok(walk.finish(options.allow_uncovered_tail))
}

/// Bytes read to tell an audit log from any other file: a log's first line (an entry of at
/// most [`super::MAX_ENTRY_BYTES`], or a checkpoint) ends well within them.
pub(crate) const SNIFF_BYTES: usize = super::MAX_ENTRY_BYTES + 2;

/// Reads the first [`SNIFF_BYTES`] of `reader` and refuses a file that does not begin as an
/// audit log ([`AuditError::NotALog`]) before the rest is read: a 50 MB weights file or a
/// config is not reported as a million lines of tampering. Returns the whole input again.
fn sniff<R: std::io::Read>(mut reader: R, path: &Path) -> Result<impl std::io::Read, AuditError> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| modelseal_fs::FsError::io(modelseal_fs::Op::Read, path, e))?;
    refuse_non_log(&head, path)?;
    Ok(std::io::Cursor::new(head).chain(reader))
}

/// Refuses ([`AuditError::NotALog`]) a file whose first bytes, `head` (at least its first
/// [`SNIFF_BYTES`] when it has them), do not begin as an audit log. An empty file is a log of
/// nothing. The one test `audit verify` and every appender apply, so a file the one calls
/// "not a log" is never written to by the other.
pub(crate) fn refuse_non_log(head: &[u8], path: &Path) -> Result<(), AuditError> {
    if head.is_empty() || begins_as_a_log(head) {
        Ok(())
    } else {
        Err(AuditError::NotALog {
            path: path.to_path_buf(),
        })
    }
}

/// Whether `head`, the first bytes of a file, begins as an audit log: its first line is an
/// entry or a checkpoint, or recognisably one that was edited or torn (a JSON object with an
/// `index` or `checkpoint` key, or a line that starts as one). Damage to a log's first line
/// is tampering to report (exit 1), not a reason to call the log something else.
fn begins_as_a_log(head: &[u8]) -> bool {
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    if Line::parse(first).is_ok() {
        return true;
    }
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(first) {
        return object.contains_key("index") || object.contains_key("checkpoint");
    }
    first.strip_prefix(b"{").is_some_and(|rest| {
        let rest = rest.trim_ascii_start();
        rest.starts_with(b"\"index\"") || rest.starts_with(b"\"checkpoint\"")
    })
}

/// The state of a verification, line by line.
#[derive(Default)]
struct Walk<'k> {
    key: Option<&'k PublicKey>,
    /// Trusted checkpoints not reached yet, by size.
    trusted: BTreeMap<u64, Vec<(String, Checkpoint)>>,
    trusted_matched: u64,
    tree: Growing,
    /// Line number and leaf hash of the last entry.
    previous: Option<(usize, [u8; 32])>,
    expected_index: u64,
    /// The last entry had index `u64::MAX`: no entry may follow.
    index_exhausted: bool,
    checkpoints_verified: u64,
    /// (entries covered, line) of the last checkpoint that matched.
    last_good: (u64, usize),
    /// Entries covered by an authenticated checkpoint that matched.
    covered: u64,
    /// Line of each entry after `covered`, to say where the uncovered ones are: (index into
    /// the tree, line). Only the first and last are kept.
    first_after_covered: Option<usize>,
    last_line: usize,
    last_entry_line: usize,
    crlf: Option<(usize, u64)>,
    torn_last: bool,
    open_intents: BTreeMap<u64, Pending>,
    /// Intents announced while [`MAX_PENDING`] were open, not tracked.
    intents_untracked: u64,
    problems: Vec<Problem>,
    problems_omitted: u64,
}

/// Problems described at most; the rest are counted ([`VerifyReport::problems_omitted`]).
pub const MAX_PROBLEMS: usize = 1000;

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Open intents kept at most: a log of nothing but intents cannot grow the report unbounded.
pub const MAX_PENDING: usize = 1000;

impl Walk<'_> {
    fn problem(&mut self, kind: ProblemKind, line: usize, message: String) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.problems_omitted = self.problems_omitted.saturating_add(1);
            return;
        }
        self.problems.push(Problem {
            kind,
            line,
            message,
        });
    }

    fn line(&mut self, line: &LogLine<'_>) {
        let number = line.number;
        self.last_line = number;
        self.torn_last = line.torn;
        if line.crlf {
            let (first, count) = self.crlf.unwrap_or((number, 0));
            self.crlf = Some((first, count + 1));
        }
        if let Some(length) = line.too_long {
            let message = format!(
                "a line of {length} bytes, longer than any entry is written ({} bytes at most): not read",
                super::read::MAX_LINE_BYTES
            );
            self.problem(ProblemKind::Malformed, number, message);
            return;
        }
        match Line::parse(line.bytes) {
            Ok(Line::Entry(entry)) => self.entry(number, line.bytes, &entry),
            Ok(Line::Checkpoint(note)) => self.checkpoint(number, &note),
            Err(e) => {
                let why = if line.torn {
                    "the last line is incomplete (a torn write)".to_owned()
                } else {
                    format!("not a valid entry or checkpoint ({e}): edited or corrupted")
                };
                self.problem(ProblemKind::Malformed, number, why);
            }
        }
    }

    fn entry(&mut self, number: usize, line: &[u8], entry: &Entry) {
        let chained = match self.previous {
            Some((_, prev)) => entry.prev == hex::encode(prev),
            None => entry.prev.is_empty(),
        };
        if self.index_exhausted {
            // No index follows the largest one: counting on from it would wrap to 0 or, if
            // saturated, accept a repeated `u64::MAX`.
            let message = format!(
                "entry {} follows entry {}, the largest index there is: entries were inserted",
                entry.index,
                u64::MAX
            );
            self.problem(ProblemKind::Reordered, number, message);
        }
        let expected = self.expected_index;
        if self.index_exhausted {
        } else if entry.index > expected {
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
        match entry.index.checked_add(1) {
            Some(next) => {
                self.expected_index = next;
                self.index_exhausted = false;
            }
            None => self.index_exhausted = true,
        }
        self.tree.push(line);
        self.previous = Some((number, leaf_hash(line)));
        self.last_entry_line = number;
        if self.first_after_covered.is_none() {
            self.first_after_covered = Some(number);
        }
        self.track_intent(number, entry);
        let size = self.tree.size();
        if let Some(checkpoints) = self.trusted.remove(&size) {
            let root = self.tree.root();
            for (source, checkpoint) in checkpoints {
                if checkpoint.root == root {
                    self.trusted_matched += 1;
                    self.cover(size);
                } else {
                    let message = format!(
                        "the first {size} entries do not match {source}: the log was rewritten"
                    );
                    self.problem(ProblemKind::CheckpointMismatch, number, message);
                }
            }
        }
    }

    /// Intents (`result: "intent"`) are completed by a later entry whose detail names their
    /// index (`detail.intent`).
    fn track_intent(&mut self, number: usize, entry: &Entry) {
        if let Some(index) = entry
            .detail
            .get("intent")
            .and_then(serde_json::Value::as_u64)
        {
            self.open_intents.remove(&index);
        }
        if entry.result != "intent" {
            return;
        }
        if self.open_intents.len() >= MAX_PENDING {
            self.intents_untracked = self.intents_untracked.saturating_add(1);
        } else {
            self.open_intents.insert(
                entry.index,
                Pending {
                    index: entry.index,
                    line: number,
                    action: entry.action.clone(),
                    subject: entry.subject.clone(),
                },
            );
        }
    }

    fn cover(&mut self, size: u64) {
        if size > self.covered {
            self.covered = size;
            // Everything up to here is covered: the uncovered run starts with the next entry.
            self.first_after_covered = None;
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
            if self.key.is_some() {
                self.cover(checkpoint.size);
            }
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

    fn finish(mut self, allow_tail: Option<u64>) -> VerifyReport {
        let entries = self.tree.size();
        let trusted = std::mem::take(&mut self.trusted);
        for (size, checkpoints) in trusted {
            for (source, _) in checkpoints {
                let message = format!(
                    "{source} covers {size} entries but the log holds {entries}: it was truncated"
                );
                self.problem(ProblemKind::Truncated, self.last_line, message);
            }
        }
        let mut uncovered_accepted = 0;
        let uncovered = entries - self.covered.min(entries);
        if self.key.is_some() && uncovered > 0 {
            let first = self.first_after_covered.unwrap_or(self.last_line);
            let range = format!(
                "entries {}..={} (lines {first}..={})",
                self.covered,
                entries - 1,
                self.last_entry_line
            );
            match allow_tail {
                // Accepted as a young tail, but only ever reported authenticated when a
                // signed checkpoint covers the entries before it (`authenticated` needs
                // `covered > 0`): a log with no checkpoint at all is all tail, and anyone
                // can write one.
                Some(limit) if uncovered <= limit => uncovered_accepted = uncovered,
                _ => {
                    let message = if self.covered == 0 {
                        format!(
                            "no signed checkpoint yet: no checkpoint signed by this key covers \
                             any entry, so {range} are not authenticated and could have been \
                             written by anyone"
                        )
                    } else {
                        let tail = allow_tail.map_or_else(
                            || " (--allow-uncovered-tail accepts a tail shorter than the checkpoint interval)".to_owned(),
                            |limit| format!(", more than the {limit} accepted"),
                        );
                        format!(
                            "{range} come after the last checkpoint signed by this key: they are \
                             not authenticated and could have been rewritten{tail}"
                        )
                    };
                    self.problem(ProblemKind::Uncovered, first, message);
                }
            }
        }
        if let Some((first, count)) = self.crlf {
            let message = format!(
                "CRLF line endings on {count} line(s): the file was converted by a text tool \
                 (the entries are checked with the \\r removed)"
            );
            self.problem(ProblemKind::CrlfLineEndings, first, message);
        }
        VerifyReport {
            entries,
            root: hex::encode(self.tree.root()),
            checkpoints_verified: self.checkpoints_verified,
            signatures_checked: self.key.is_some(),
            trusted_matched: self.trusted_matched,
            covered: self.covered.min(entries),
            uncovered_accepted,
            problems: self.problems,
            problems_omitted: self.problems_omitted,
            pending: self.open_intents.into_values().collect(),
            pending_omitted: self.intents_untracked,
        }
    }
}

/// The witness notes of `dir` as trusted checkpoints for [`VerifyOptions::trusted`].
pub fn witness_notes(dir: &Path) -> Result<Vec<(String, String)>, AuditError> {
    Ok(super::witness::read_all(dir)?
        .into_iter()
        .map(|(path, note): (PathBuf, String)| (format!("witness {}", path.display()), note))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random bytes without end, counting how many were read.
    struct Endless<'a> {
        state: u64,
        read: &'a std::cell::Cell<u64>,
    }

    impl std::io::Read for Endless<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            for byte in buf.iter_mut() {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                *byte = (self.state >> 24) as u8;
            }
            self.read.set(self.read.get() + buf.len() as u64);
            Ok(buf.len())
        }
    }

    /// Issue 12: `audit verify` on a weights file read all of it and reported every line as
    /// tampering. A file that does not begin as a log is refused after its first bytes.
    #[test]
    fn an_endless_non_log_is_refused_after_its_first_bytes() {
        let read = std::cell::Cell::new(0);
        let endless = Endless {
            state: 7,
            read: &read,
        };
        let verdict = verify_reader(endless, Path::new("weights.bin"), &VerifyOptions::default());
        assert!(
            matches!(verdict, Err(AuditError::NotALog { .. })),
            "{verdict:?}"
        );
        assert!(
            read.get() <= 2 * SNIFF_BYTES as u64,
            "read {} bytes",
            read.get()
        );
    }

    #[test]
    fn a_log_is_told_from_other_files_by_its_first_line() {
        for log in [
            &br#"{"index":0,"time":"t","user":"u","host":"h","tool":"t","action":"a","result":"r","prev":""}"#[..],
            br#"{"checkpoint":"modelseal audit log\n1\nAA==\n"}"#,
            br#"{"index":0,"extra":"edited"}"#,
            br#"{"index":0,"time":"torn"#,
            b"{ \"index\": \"damaged\"}\r\nmore",
        ] {
            assert!(begins_as_a_log(log), "{}", String::from_utf8_lossy(log));
        }
        for other in [
            &b"[check]\nkey = \"release.pub\"\n"[..],
            b"{\n  \"architectures\": [\"Bert\"]\n}\n",
            br#"{"architectures":["Bert"]}"#,
            b"\x80\x02}q\x00.",
            b"\n{\"index\":0}",
        ] {
            assert!(
                !begins_as_a_log(other),
                "{}",
                String::from_utf8_lossy(other)
            );
        }
        assert!(verify_bytes(b"", None, None).unwrap().intact());
    }
}
