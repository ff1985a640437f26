//! Moving a quarantined model out again.

use std::path::{Path, PathBuf};

use modelseal_fs::{Overwrite, Wait};

use super::{Incident, Options, QuarantineError, show, write_incident};
use crate::audit::Actor;

/// Moves a quarantined model to `to` and records the release in its incident (the incident
/// stays in quarantine as the record). The caller decides whether release is allowed. The
/// incident is locked for the move: two releases never both copy the model. The kept
/// signature is written beside the released model (`<to>.sig`, where `check` finds it; the
/// incident keeps its copy); a different file already there stops the release before the
/// model moves ([`QuarantineError::SignatureInTheWay`]).
pub fn release(
    dir: &Path,
    id: &str,
    to: &Path,
    forced_reason: Option<String>,
    actor: &Actor,
) -> Result<Incident, QuarantineError> {
    refuse_release_into(dir, to)?;
    let home = dir.join(id);
    show(dir, id)?;
    let _lock = modelseal_fs::lock_path(&home, Wait::Block)?;
    // Read again under the lock: another release may have finished meanwhile.
    let (mut incident, model) = show(dir, id)?;
    if !modelseal_fs::exists(&model) {
        return Err(QuarantineError::BadIncident {
            path: home,
            why: "its model is not in quarantine (already released, or the move never finished)"
                .to_owned(),
        });
    }
    // Quarantine moves regular files and directories only: a link (or anything else) where
    // the model should be was planted in the incident, and releasing it would hand out
    // whatever it points at — even with --force, which overrides verdicts, not tampering.
    let kind = modelseal_fs::symlink_metadata(&model)?.file_type();
    if !(kind.is_file() || kind.is_dir()) {
        return Err(QuarantineError::BadIncident {
            path: home,
            why: format!(
                "its model entry is {}, not the file or directory that was quarantined \
                 (the incident was tampered with)",
                modelseal_fs::FileKind::of(kind)
            ),
        });
    }
    // A link inside a directory model pointing out of it would deploy a pointer to whatever
    // its owner puts there later, not what was verified.
    if kind.is_dir()
        && let Some(link) = link_out_of(&model, &model, 0)?
    {
        return Err(QuarantineError::BadIncident {
            path: home,
            why: format!(
                "its model holds a symbolic link pointing outside the model ({}): releasing \
                 it would deploy what the link's target holds later, not what was verified",
                link.display()
            ),
        });
    }
    // Known before the model moves: a different file where the signature goes stops the
    // release with nothing moved.
    let signature = signature_to_restore(&home, &incident, to)?;
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        modelseal_fs::create_dir_all(parent)?;
    }
    modelseal_fs::move_durable(&model, to, Options::default(), &mut |_| {})?;
    // The model and its signature travel together: without it the next `check` fails the
    // model it just released as unsigned. Written after the move (atomically, never over
    // another file): a run killed in between leaves a released model without a signature,
    // which the gate fails, never a signature whose model is still in quarantine.
    let (restored, not_restored) = match signature {
        Restore::Nothing => (None, None),
        Restore::AlreadyThere(path) => (Some(path), None),
        Restore::Write(bytes, path) => {
            match modelseal_fs::write_atomic(&path, &bytes, Overwrite::Refuse, Some(SIGNATURE_MODE))
            {
                Ok(()) => (Some(path), None),
                Err(e) => (None, Some(e.to_string())),
            }
        }
        Restore::Unreadable(why) => (None, Some(why)),
    };
    incident.release = Some(super::Release {
        released_at: crate::audit::rfc3339(time::OffsetDateTime::now_utc()),
        to: std::path::absolute(to).unwrap_or_else(|_| to.to_path_buf()),
        forced_reason,
        user: actor.user.clone(),
        signature: restored.map(|p| std::path::absolute(&p).unwrap_or(p)),
        signature_not_restored: not_restored,
    });
    write_incident(&home, &incident)?;
    Ok(incident)
}

/// Refuses ([`QuarantineError::ReleaseIntoQuarantine`]) a release destination `to` that is
/// the quarantine directory `dir` or lies inside it, resolved as the file system would (links,
/// `.`, `..`), whether `to` exists yet or not (red team F4: `--to Q/m` exited 0 and left the
/// model in quarantine as an unreadable incident).
pub fn refuse_release_into(dir: &Path, to: &Path) -> Result<(), QuarantineError> {
    let inside = modelseal_fs::relative_inside(dir, to).is_some()
        || matches!(
            (modelseal_fs::canonicalize(dir), modelseal_fs::canonicalize(to)),
            (Ok(dir), Ok(to)) if dir == to
        );
    if inside {
        return Err(QuarantineError::ReleaseIntoQuarantine {
            to: to.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// A signature is public: written readable by all, as `modelseal sign` writes it.
const SIGNATURE_MODE: u32 = 0o644;

/// What to do with the incident's kept signature on release.
enum Restore {
    /// The model had none (or none was kept).
    Nothing,
    /// The same bytes are already beside the destination.
    AlreadyThere(PathBuf),
    /// Write these bytes to this path.
    Write(Vec<u8>, PathBuf),
    /// The kept copy cannot be read (tampered with, or damaged): why.
    Unreadable(String),
}

/// Where the kept signature goes (`<to>.sig`, where `check` looks for it) and its bytes;
/// [`QuarantineError::SignatureInTheWay`] when a different file is there.
fn signature_to_restore(
    home: &Path,
    incident: &Incident,
    to: &Path,
) -> Result<Restore, QuarantineError> {
    let Some(kept) = &incident.signature else {
        return Ok(Restore::Nothing);
    };
    let bytes = match super::move_in::read_signature(&home.join(kept)) {
        Ok(bytes) => bytes,
        Err(e) => return Ok(Restore::Unreadable(e.to_string())),
    };
    let path = modelseal_sign::default_signature_path(to);
    if modelseal_fs::symlink_metadata(&path).is_err() {
        return Ok(Restore::Write(bytes, path));
    }
    match super::move_in::read_signature(&path) {
        Ok(there) if there == bytes => Ok(Restore::AlreadyThere(path)),
        _ => Err(QuarantineError::SignatureInTheWay { path }),
    }
}

/// Deeper than any model is laid out: a tree this deep is refused as if it held a link out.
const MAX_DEPTH: usize = 256;

/// The first symbolic link under `dir` (inside the model `root`) whose target leaves `root`:
/// absolute, or climbing above the root with `..`. Links are read, never followed.
fn link_out_of(
    root: &Path,
    dir: &Path,
    depth: usize,
) -> Result<Option<std::path::PathBuf>, QuarantineError> {
    if depth > MAX_DEPTH {
        return Ok(Some(dir.to_path_buf()));
    }
    for entry in modelseal_fs::read_dir_sorted(dir)? {
        let meta = modelseal_fs::symlink_metadata(&entry)?;
        if meta.is_dir() {
            if let Some(link) = link_out_of(root, &entry, depth + 1)? {
                return Ok(Some(link));
            }
        } else if meta.file_type().is_symlink() {
            let target = modelseal_fs::read_link(&entry)?;
            // How deep the link sits below the root, then each step of its target.
            let mut level = entry
                .parent()
                .and_then(|p| p.strip_prefix(root).ok())
                .map_or(0, |rel| rel.components().count());
            let mut escapes = false;
            for component in target.components() {
                match component {
                    std::path::Component::Normal(_) => level += 1,
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir if level > 0 => level -= 1,
                    _ => {
                        escapes = true;
                        break;
                    }
                }
            }
            if escapes {
                return Ok(Some(entry));
            }
        }
    }
    Ok(None)
}
