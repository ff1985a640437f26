//! Appending to the log. Writers hold an exclusive lock on the file for the whole append (read
//! the last entry, write the new line, fsync), so two processes never interleave a line or
//! chain to the same predecessor.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use modelseal_fs::{FsError, Op, Reason};

use modelseal_sign::SigningKey;

use sha2::Digest;

use super::entry::{CheckpointLine, Entry, Event, Line, leaf_hash};
use super::note::Checkpoint;
use super::{AuditError, tree};

/// How far back from the end an appender looks for the last entry: the first window read.
const FIRST_TAIL_WINDOW: u64 = 64 << 10;

/// How far back from the end an appender looks for the last entry at most. An entry line is a
/// few KiB; a log whose last 16 MiB hold no entry has been damaged (or padded: `truncate -s`),
/// and appending to it is refused rather than reading the whole file into memory.
pub const MAX_TAIL_SCAN: u64 = 16 << 20;

/// Who is writing: the defaults come from the environment.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user name (from `USER`, `LOGNAME`, `USERNAME` or the account database).
    pub user: String,
    /// The host name.
    pub host: String,
    /// The tool and version.
    pub tool: String,
}

impl Actor {
    /// The writer as the environment describes it (`USER`, the host name, this modelseal version).
    pub fn from_environment() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .or_else(|_| std::env::var("USERNAME"))
            .ok()
            .or_else(account_name)
            .unwrap_or_else(|| "unknown".to_owned());
        let host =
            modelseal_fs::read_to_string_limited(Path::new("/proc/sys/kernel/hostname"), 4096)
                .ok()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .or_else(|| std::env::var("HOSTNAME").ok())
                .unwrap_or_else(|| "unknown".to_owned());
        Actor {
            user,
            host,
            tool: format!("modelseal {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The account of this process from /proc and /etc/passwd (CI and service environments often
/// leave `USER` unset), or `uid:N`.
fn account_name() -> Option<String> {
    let status =
        modelseal_fs::read_to_string_limited(Path::new("/proc/self/status"), 1 << 16).ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = modelseal_fs::read_to_string_limited(Path::new("/etc/passwd"), 16 << 20)
        .unwrap_or_default();
    let name = passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    });
    Some(name.unwrap_or_else(|| format!("uid:{uid}")))
}

/// Checkpoint signing for writers: every `every` entries, a note signed with `key`, also
/// written to the `witness` directory when there is one.
#[derive(Debug)]
pub struct CheckpointPolicy<'a> {
    /// The key that signs checkpoints.
    pub key: &'a SigningKey,
    /// How many entries between checkpoints.
    pub every: u64,
    /// A directory that also receives every checkpoint (never replaced), which the log's
    /// writer cannot rewrite: what `audit verify --checkpoint-dir` checks against.
    pub witness: Option<&'a Path>,
}

/// The longest entry line written. A bigger event (a model with a million findings) keeps its
/// action, subject and result, and its detail is summarised: its size, its SHA-256 and its
/// first 4,096 characters.
pub const MAX_ENTRY_BYTES: usize = 64 << 10;

/// How much of an over-long detail a summary keeps.
const SUMMARY_HEAD_CHARS: usize = 4096;

/// Where a command records its decisions: a log, who is acting, and how often to sign a
/// checkpoint.
#[derive(Debug)]
pub struct Recorder<'a> {
    /// The log file.
    pub path: &'a Path,
    /// Who is writing.
    pub actor: Actor,
    /// Whether and how often to sign checkpoints.
    pub checkpoints: Option<CheckpointPolicy<'a>>,
}

impl Recorder<'_> {
    /// Checks, before the command acts, that [`Recorder::record`] will be able to append: the
    /// log is not a link, opens (created if missing) as a regular file for appending, its last
    /// entry is found within [`MAX_TAIL_SCAN`] and a next index exists. A decision taken and
    /// then not recorded is what this prevents.
    pub fn ready(&self) -> Result<(), AuditError> {
        let io = |e| AuditError::from(FsError::io(Op::Write, self.path, e));
        let mut file = open_log(self.path)?;
        file.lock().map_err(io)?;
        let next = last_entry(&mut file, self.path).and_then(|tail| next_index(&tail, self.path));
        file.unlock().map_err(io)?;
        next.map(drop)
    }

    /// Appends `event`. A log that was asked for but cannot be written is an error: a decision
    /// must not go unrecorded.
    pub fn record(&self, event: Event) -> Result<Entry, AuditError> {
        append(self.path, event, &self.actor, self.checkpoints.as_ref())
    }
}

/// Appends `event` to the log at `path` (created if missing) and returns the written entry.
pub fn append(
    path: &Path,
    event: Event,
    actor: &Actor,
    checkpoints: Option<&CheckpointPolicy<'_>>,
) -> Result<Entry, AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Write, path, e));
    let mut file = open_log(path)?;
    file.lock().map_err(io)?;
    let tail = last_entry(&mut file, path)?;
    let index = next_index(&tail, path)?;
    // Entries counted once this one is written: `index + 1`, checked like the index itself.
    let count = index
        .checked_add(1)
        .ok_or_else(|| AuditError::IndexOverflow {
            path: path.to_path_buf(),
        })?;
    let Tail { last, torn } = tail;
    let prev = last
        .as_ref()
        .map(|(_, line)| hex::encode(leaf_hash(line)))
        .unwrap_or_default();
    let entry = Entry {
        index,
        time: super::rfc3339(time::OffsetDateTime::now_utc()),
        user: actor.user.clone(),
        host: actor.host.clone(),
        tool: actor.tool.clone(),
        action: event.action,
        subject: event.subject,
        digest: event.digest,
        result: event.result,
        detail: event.detail,
        prev,
    };
    // Hidden characters of a name (DEL, C1, bidi) as `\uXXXX`: the log is read with `cat`.
    let encode = |entry: &Entry| {
        modelseal_report::json::to_vec(entry).map_err(|e| AuditError::Encode {
            path: path.to_path_buf(),
            source: e,
        })
    };
    let mut entry = entry;
    let mut line = encode(&entry)?;
    if line.len() > MAX_ENTRY_BYTES {
        entry.detail = summarise(&entry.detail);
        entry.subject = entry.subject.map(|s| cap_text(&s, SUMMARY_HEAD_CHARS));
        entry.digest = entry.digest.map(|s| cap_text(&s, SUMMARY_HEAD_CHARS));
        line = encode(&entry)?;
    }
    line.push(b'\n');
    // A torn last line (a writer died mid-write) is left as it is, on a line of its own, for
    // `audit verify` to report; it is never overwritten.
    if torn {
        line.insert(0, b'\n');
    }
    file.write_all(&line).map_err(io)?;
    file.sync_data().map_err(io)?;
    if let Some(policy) = checkpoints
        && policy.every > 0
        && count % policy.every == 0
    {
        write_checkpoint(&mut file, path, policy.key, policy.witness)?;
    }
    file.unlock().map_err(io)?;
    Ok(entry)
}

/// Appends a checkpoint of every entry in the log, signed with `key`, and returns its note.
pub fn checkpoint(path: &Path, key: &SigningKey) -> Result<String, AuditError> {
    checkpoint_with_witness(path, key, None)
}

/// [`checkpoint`], also writing the note into a `witness` directory.
pub fn checkpoint_with_witness(
    path: &Path,
    key: &SigningKey,
    witness: Option<&Path>,
) -> Result<String, AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Write, path, e));
    // The log must exist: a checkpoint of nothing is a mistake, not a new log.
    modelseal_fs::symlink_metadata(path)?;
    let mut file = open_log(path)?;
    file.lock().map_err(io)?;
    let note = write_checkpoint(&mut file, path, key, witness)?;
    file.unlock().map_err(io)?;
    Ok(note)
}

/// Signs a checkpoint of the entries in the log (read line by line, the same lines `verify`
/// counts as entries), writes it to the witness first, then to the log.
fn write_checkpoint(
    file: &mut File,
    path: &Path,
    key: &SigningKey,
    witness: Option<&Path>,
) -> Result<String, AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Read, path, e));
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut tree = tree::Growing::default();
    super::read::for_each_entry(&mut *file, path, |line, _| tree.push(line))?;
    let len = file.seek(SeekFrom::End(0)).map_err(io)?;
    let ends_in_newline = if len == 0 {
        true
    } else {
        file.seek(SeekFrom::End(-1)).map_err(io)?;
        let mut last = [0u8; 1];
        file.read_exact(&mut last).map_err(io)?;
        last[0] == b'\n'
    };
    if tree.size() == 0 {
        return Err(AuditError::EmptyLog {
            path: path.to_path_buf(),
        });
    }
    let checkpoint = Checkpoint {
        size: tree.size(),
        root: tree.root(),
    };
    let note = checkpoint.sign(key).map_err(AuditError::Sign)?;
    if let Some(dir) = witness {
        super::witness::write(dir, &checkpoint, &note)?;
    }
    let mut line = serde_json::to_vec(&CheckpointLine {
        checkpoint: note.clone(),
    })
    .map_err(|e| AuditError::Encode {
        path: path.to_path_buf(),
        source: e,
    })?;
    line.push(b'\n');
    if !ends_in_newline {
        line.insert(0, b'\n');
    }
    file.write_all(&line).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(note)
}

/// An over-long detail as a summary: its size, SHA-256 and first characters.
pub(crate) fn summarise(detail: &serde_json::Value) -> serde_json::Value {
    let text = detail.to_string();
    serde_json::json!({
        "summarised": {
            "bytes": text.len(),
            "sha256": hex::encode(sha2::Sha256::digest(text.as_bytes())),
            "head": cap_text(&text, SUMMARY_HEAD_CHARS),
        }
    })
}

/// `text` cut to `max` characters, saying how much was cut.
pub(crate) fn cap_text(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}… ({} more bytes)", &text[..at], text.len() - at),
    }
}

/// The end of a log as an appender needs it.
struct Tail {
    /// The last entry, with its exact line bytes.
    last: Option<(Entry, Vec<u8>)>,
    /// The file ends in the middle of a line.
    torn: bool,
}

/// Opens the log for appending. A link is refused rather than followed: `--audit-log` naming a
/// dangling link would otherwise create the link's target wherever it points. (Checked before
/// the open, so a link swapped in between the two is still followed; `modelseal_fs` has no
/// no-follow append open yet.) A non-empty file that does not begin as a log is refused
/// ([`AuditError::NotALog`]).
fn open_log(path: &Path) -> Result<File, AuditError> {
    if let Ok(meta) = modelseal_fs::symlink_metadata(path)
        && meta.file_type().is_symlink()
    {
        return Err(FsError::new(Op::Open, path, Reason::SymlinkRefused).into());
    }
    let mut file = modelseal_fs::open_append(path)?;
    // `--audit-log` naming a config, a weights file or a file inside the model just verified
    // must not get an entry appended: refused, before anything is written, exactly as
    // `audit verify` refuses to read it.
    let mut head = Vec::with_capacity(super::verify::SNIFF_BYTES);
    (&mut file)
        .take(super::verify::SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| FsError::io(Op::Read, path, e))?;
    super::verify::refuse_non_log(&head, path)?;
    Ok(file)
}

/// The index the next entry takes. The count of entries after it (`index + 1`) must exist too,
/// so that [`Recorder::ready`] refuses exactly what [`append`] would.
fn next_index(tail: &Tail, path: &Path) -> Result<u64, AuditError> {
    let Some((entry, _)) = &tail.last else {
        return Ok(0);
    };
    entry
        .index
        .checked_add(1)
        .filter(|next| next.checked_add(1).is_some())
        .ok_or_else(|| AuditError::IndexOverflow {
            path: path.to_path_buf(),
        })
}

/// Finds the last entry by reading windows backwards from the end, each twice the one before,
/// never more than [`MAX_TAIL_SCAN`] bytes in all: a log padded or damaged at its end fails
/// with [`AuditError::NoEntryInTail`] instead of being read whole.
fn last_entry(file: &mut File, path: &Path) -> Result<Tail, AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Read, path, e));
    let len = file.seek(SeekFrom::End(0)).map_err(io)?;
    let mut torn = false;
    // The bytes from `start` to the end of the file.
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    let mut window = FIRST_TAIL_WINDOW;
    loop {
        let new_start = len.saturating_sub(window);
        let mut chunk = Vec::new();
        file.seek(SeekFrom::Start(new_start)).map_err(io)?;
        (&mut *file)
            .take(start - new_start)
            .read_to_end(&mut chunk)
            .map_err(io)?;
        if start == len {
            torn = !chunk.is_empty() && !chunk.ends_with(b"\n");
        }
        chunk.extend_from_slice(&tail);
        tail = chunk;
        start = new_start;
        // The first line of a window that does not start the file may be cut: skip it.
        let whole = if start == 0 {
            &tail[..]
        } else {
            tail.iter()
                .position(|b| *b == b'\n')
                .map_or(&[][..], |i| &tail[i + 1..])
        };
        let found = super::lines(whole)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            // As `verify` reads a log converted to CRLF: the entry without its `\r`.
            .map(|(n, line)| (n, line.strip_suffix(b"\r").unwrap_or(line)))
            .find_map(|(_, line)| match Line::parse(line) {
                Ok(Line::Entry(entry)) => Some((*entry, line.to_vec())),
                _ => None,
            });
        if found.is_some() || start == 0 {
            return Ok(Tail { last: found, torn });
        }
        if window >= MAX_TAIL_SCAN {
            return Err(AuditError::NoEntryInTail {
                path: path.to_path_buf(),
                searched: MAX_TAIL_SCAN,
            });
        }
        window = (window * 2).min(MAX_TAIL_SCAN);
    }
}
