//! Appending to the log. Writers hold an exclusive lock on the file for the whole append (read
//! the last entry, write the new line, fsync), so two processes never interleave a line or
//! chain to the same predecessor.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use modelseal_fs::{FsError, Op};

use modelseal_sign::SigningKey;

use super::entry::{CheckpointLine, Entry, Event, Line, leaf_hash};
use super::note::Checkpoint;
use super::{AuditError, tree};

/// How far back from the end an appender looks for the last entry before reading everything.
const TAIL_WINDOW: u64 = 1 << 20;

/// Who is writing: the defaults come from the environment.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    pub host: String,
    pub tool: String,
}

impl Actor {
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

/// Checkpoint signing for writers: every `every` entries, a note signed with `key`.
#[derive(Debug)]
pub struct CheckpointPolicy<'a> {
    pub key: &'a SigningKey,
    pub every: u64,
}

/// Where a command records its decisions: a log, who is acting, and how often to sign a
/// checkpoint.
#[derive(Debug)]
pub struct Recorder<'a> {
    pub path: &'a Path,
    pub actor: Actor,
    pub checkpoints: Option<CheckpointPolicy<'a>>,
}

impl Recorder<'_> {
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
    let mut file = modelseal_fs::open_append(path)?;
    file.lock().map_err(io)?;
    let Tail { last, torn } = last_entry(&mut file).map_err(io)?;
    let (index, prev) = match &last {
        Some((entry, line)) => (entry.index + 1, hex::encode(leaf_hash(line))),
        None => (0, String::new()),
    };
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
    let mut line = serde_json::to_vec(&entry).map_err(|e| AuditError::Encode {
        path: path.to_path_buf(),
        source: e,
    })?;
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
        && (index + 1) % policy.every == 0
    {
        write_checkpoint(&mut file, path, policy.key)?;
    }
    file.unlock().map_err(io)?;
    Ok(entry)
}

/// Appends a checkpoint of every entry in the log, signed with `key`, and returns its note.
pub fn checkpoint(path: &Path, key: &SigningKey) -> Result<String, AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Write, path, e));
    // The log must exist: a checkpoint of nothing is a mistake, not a new log.
    modelseal_fs::symlink_metadata(path)?;
    let mut file = modelseal_fs::open_append(path)?;
    file.lock().map_err(io)?;
    let note = write_checkpoint(&mut file, path, key)?;
    file.unlock().map_err(io)?;
    Ok(note)
}

fn write_checkpoint(file: &mut File, path: &Path, key: &SigningKey) -> Result<String, AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Read, path, e));
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut data = Vec::new();
    file.read_to_end(&mut data).map_err(io)?;
    let leaves: Vec<&[u8]> = super::lines(&data)
        .filter(|(_, line)| matches!(Line::parse(line), Ok(Line::Entry(_))))
        .map(|(_, line)| line)
        .collect();
    let checkpoint = Checkpoint {
        size: leaves.len() as u64,
        root: tree::root(&leaves),
    };
    let note = checkpoint.sign(key).map_err(AuditError::Sign)?;
    let mut line = serde_json::to_vec(&CheckpointLine {
        checkpoint: note.clone(),
    })
    .map_err(|e| AuditError::Encode {
        path: path.to_path_buf(),
        source: e,
    })?;
    line.push(b'\n');
    if !data.is_empty() && !data.ends_with(b"\n") {
        line.insert(0, b'\n');
    }
    file.write_all(&line).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(note)
}

/// The end of a log as an appender needs it.
struct Tail {
    /// The last entry, with its exact line bytes.
    last: Option<(Entry, Vec<u8>)>,
    /// The file ends in the middle of a line.
    torn: bool,
}

fn last_entry(file: &mut File) -> std::io::Result<Tail> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut start = len.saturating_sub(TAIL_WINDOW);
    loop {
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        let torn = !tail.is_empty() && !tail.ends_with(b"\n");
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
            .find_map(|(_, line)| match Line::parse(line) {
                Ok(Line::Entry(entry)) => Some((*entry, line.to_vec())),
                _ => None,
            });
        if found.is_some() || start == 0 {
            return Ok(Tail { last: found, torn });
        }
        start = 0;
    }
}
