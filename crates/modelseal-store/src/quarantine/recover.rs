//! Cleaning up after crashes: every run that quarantines first removes what a killed run left
//! behind. Nothing removed here is ever the only copy of a model, and nothing outside the
//! quarantine directory is removed but a tombstone, the hidden name a move gives the original
//! once its whole copy exists:
//!
//! - a hidden staging directory `.<id>.new` holds only an incident that never went live;
//! - a `.<name>.partial` copy with the original still at its path is garbage;
//! - a whole `.<name>.partial` copy with the original's tombstone (killed between the move's
//!   two renames) gets its name, and the tombstone goes;
//! - a `.<name>.modelseal-tombstone` beside a model that is whole in quarantine goes;
//! - a release killed after setting the quarantined model aside gets it back.
//!
//! An original still at its path is never removed: a move never leaves it there beside a whole
//! named copy, so a file there is a model deployed since (or a path a forged incident names).
//! The quarantine directory may be written by an adversary: no link inside an incident is
//! followed, and an incident whose model directory or model is a link is left alone.

use std::path::{Component, Path, PathBuf};

use modelseal_fs::Wait;

use super::{Incident, MODEL_DIR, QuarantineError, read_incident};

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
        if !is_real_dir(&home) {
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
        recover_incident(&home, &incident, &mut removed);
    }
    Ok(removed)
}

fn recover_incident(home: &Path, incident: &Incident, removed: &mut Vec<PathBuf>) {
    let model = incident.model_path(home);
    // The model's directory must be a real directory of the incident: `model -> /victim/dir`
    // would make every step below act on the victim's files.
    let model_dir = model.parent().unwrap_or(home);
    if model_dir != home && (model_dir != home.join(MODEL_DIR) || !is_real_dir(model_dir)) {
        return;
    }
    let [partial, release_tombstone] = modelseal_fs::leftovers(&model, &model);
    let model_kind = modelseal_fs::symlink_metadata(&model).ok();
    if model_kind
        .as_ref()
        .is_some_and(|m| !(m.is_file() || m.is_dir()))
    {
        // A link (or anything else) planted where the model should be: tampering, not a
        // leftover; release refuses it and recovery does not touch it.
        return;
    }
    let original = trusted_original(incident);
    if model_kind.is_some() {
        // The model is whole here: a partial copy, the tombstone of a release's set-aside
        // model, and the original's tombstone are garbage.
        let mut garbage = vec![partial, release_tombstone];
        garbage.extend(original.map(modelseal_fs::tombstone_of));
        for path in garbage {
            if modelseal_fs::symlink_metadata(&path).is_ok() && modelseal_fs::remove(&path).is_ok()
            {
                removed.push(path);
            }
        }
        return;
    }
    if is_real(&release_tombstone) {
        // A release killed after setting the model aside, before its copy got its name: the
        // release never happened (its completion was never recorded); the model comes back.
        let _ = modelseal_fs::rename(&release_tombstone, &model);
        return;
    }
    if let Some(original) = original {
        // Killed between the move's two renames: the original is at its tombstone, the whole
        // copy at its partial name. Under the original's lock (on its tombstone), the move is finished (or, if
        // the two differ, undone).
        let tombstone = modelseal_fs::tombstone_of(original);
        if is_real(&tombstone) {
            // The lock belongs to the object: a live move holds it on the original, now at
            // its tombstone.
            if let Ok(Some(_lock)) = modelseal_fs::lock_path(&tombstone, Wait::Try)
                && let Ok(Some(tombstone)) = modelseal_fs::finish_set_aside(original, &model)
            {
                removed.push(tombstone);
            }
            return;
        }
    }
    // The original never left its path: a partial copy is garbage.
    if modelseal_fs::symlink_metadata(&partial).is_ok() && modelseal_fs::remove(&partial).is_ok() {
        removed.push(partial);
    }
}

/// The original path of an incident, if it is one a quarantine could have written: absolute,
/// with no `.` or `..` step, and ending in the model's name.
fn trusted_original(incident: &Incident) -> Option<&Path> {
    let path = incident.original_path.as_path();
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    let named = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy() == incident.name);
    (plain && named).then_some(path)
}

fn is_real_dir(path: &Path) -> bool {
    modelseal_fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

fn is_real(path: &Path) -> bool {
    modelseal_fs::symlink_metadata(path).is_ok_and(|m| m.is_file() || m.is_dir())
}
