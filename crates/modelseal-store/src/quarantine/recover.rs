//! Cleaning up after crashes: every run that quarantines first removes what a killed run left
//! behind. Nothing removed here is ever the only copy of a model:
//!
//! - a hidden staging directory `.<id>.new` holds only an incident that never went live;
//! - a `.<name>.partial` copy exists only until the whole copy has its name (the original is
//!   untouched until then);
//! - a `.<name>.modelseal-tombstone` exists only once the whole copy is in place;
//! - an original still at its path beside a whole copy in quarantine (killed between the
//!   two) is removed only when it is byte for byte that copy.
//!
//! Each is removed only when no live process holds its incident's lock.

use std::path::{Path, PathBuf};

use modelseal_fs::Wait;

use super::{QuarantineError, read_incident};

/// Removes the leftovers of killed runs in the quarantine directory `dir` and returns what was
/// removed. A missing directory has nothing to recover.
pub fn recover(dir: &Path) -> Result<Vec<PathBuf>, QuarantineError> {
    let mut removed = Vec::new();
    if !modelseal_fs::exists(dir) {
        return Ok(removed);
    }
    for home in modelseal_fs::read_dir_sorted(dir)? {
        let Some(name) = home.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if !modelseal_fs::symlink_metadata(&home).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        // Held by a live quarantine or release: not a leftover.
        let Ok(Some(_lock)) = modelseal_fs::lock_path(&home, Wait::Try) else {
            continue;
        };
        if name.starts_with('.') {
            if name.strip_suffix(".new").is_some() && modelseal_fs::remove(&home).is_ok() {
                removed.push(home);
            }
            continue;
        }
        let Ok(incident) = read_incident(&home) else {
            continue;
        };
        let model = incident.model_path(&home);
        let mut garbage: Vec<PathBuf> = Vec::new();
        // A partial copy into quarantine, and the tombstone of a release's original.
        garbage.extend(modelseal_fs::leftovers(&model, &model));
        if modelseal_fs::exists(&model) {
            // The tombstone of the original beside its old path: only once the model is here.
            garbage.push(modelseal_fs::tombstone_of(&incident.original_path));
            // Killed after the copy was in place but before the original went: the original
            // is still at its path, identical to the copy. It goes now (under its own lock);
            // a different model put there since stays. (A release back to the original path
            // killed at the same step is undone this way: its completion was never recorded,
            // and the model stays in quarantine.)
            if incident.release.is_none()
                && let Ok(Some(_original)) =
                    modelseal_fs::lock_path(&incident.original_path, Wait::Try)
                && modelseal_fs::finish_interrupted_move(&incident.original_path, &model)
                    .unwrap_or(false)
            {
                removed.push(incident.original_path.clone());
            }
        }
        for path in garbage {
            if modelseal_fs::exists(&path) && modelseal_fs::remove(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    Ok(removed)
}
