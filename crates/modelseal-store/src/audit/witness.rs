//! The witness: checkpoints also written to a directory apart from the log, where the log's
//! writer can add files but not change or remove them (another owner, an append-only or
//! object-lock mount, a sticky directory, a synced bucket). A rewritten or truncated log no
//! longer matches what the witness holds.
//!
//! One file per checkpoint, `checkpoint-<size>.note` (size zero-padded to 20 digits so names
//! sort by size), never replaced: a second checkpoint of one size must carry the same root,
//! or the log forked.

use std::path::{Path, PathBuf};

use modelseal_fs::{FsError, Overwrite, Reason};

use super::AuditError;
use super::note::Checkpoint;

/// A checkpoint note is a few hundred bytes; more is not one of ours.
pub const MAX_NOTE_BYTES: u64 = 64 << 10;

/// The file a checkpoint of `size` entries has in a witness directory.
pub fn note_path(dir: &Path, size: u64) -> PathBuf {
    dir.join(format!("checkpoint-{size:020}.note"))
}

/// Writes `note` (a checkpoint of `checkpoint.size` entries) into the witness directory. A
/// note already there for that size must be for the same root.
pub(crate) fn write(dir: &Path, checkpoint: &Checkpoint, note: &str) -> Result<(), AuditError> {
    modelseal_fs::create_dir_all(dir)?;
    let path = note_path(dir, checkpoint.size);
    match modelseal_fs::write_atomic(&path, note.as_bytes(), Overwrite::Refuse, Some(0o644)) {
        Ok(()) => Ok(modelseal_fs::sync_dir(dir)?),
        Err(e) if matches!(e.reason, Reason::AlreadyExists) => {
            let kept = read_note(&path)?;
            let (existing, _) = Checkpoint::parse(&kept)?;
            if existing == *checkpoint {
                Ok(())
            } else {
                Err(AuditError::WitnessConflict { path })
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Every checkpoint note in a witness directory, by file, smallest size first.
pub(super) fn read_all(dir: &Path) -> Result<Vec<(PathBuf, String)>, AuditError> {
    let mut notes = Vec::new();
    for path in modelseal_fs::read_dir_sorted(dir)? {
        let is_note = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("checkpoint-"))
            .and_then(|n| n.strip_suffix(".note"))
            .is_some_and(|size| size.bytes().all(|b| b.is_ascii_digit()));
        if is_note {
            let note = read_note(&path)?;
            notes.push((path, note));
        }
    }
    Ok(notes)
}

fn read_note(path: &Path) -> Result<String, FsError> {
    modelseal_fs::read_to_string_limited(path, MAX_NOTE_BYTES)
}
