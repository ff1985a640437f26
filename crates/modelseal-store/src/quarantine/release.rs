//! Moving a quarantined model out again.

use std::path::Path;

use modelseal_fs::Wait;

use super::{Incident, Options, QuarantineError, show, write_incident};
use crate::audit::Actor;

/// Moves a quarantined model to `to` and records the release in its incident (the incident
/// stays in quarantine as the record). The caller decides whether release is allowed. The
/// incident is locked for the move: two releases never both copy the model.
pub fn release(
    dir: &Path,
    id: &str,
    to: &Path,
    forced_reason: Option<String>,
    actor: &Actor,
) -> Result<Incident, QuarantineError> {
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
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        modelseal_fs::create_dir_all(parent)?;
    }
    modelseal_fs::move_durable(&model, to, Options::default(), &mut |_| {})?;
    incident.release = Some(super::Release {
        released_at: crate::audit::rfc3339(time::OffsetDateTime::now_utc()),
        to: std::path::absolute(to).unwrap_or_else(|_| to.to_path_buf()),
        forced_reason,
        user: actor.user.clone(),
    });
    write_incident(&home, &incident)?;
    Ok(incident)
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
