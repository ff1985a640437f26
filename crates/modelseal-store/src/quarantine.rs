//! Quarantine: a failing model is moved out of the way, with an incident report beside it, and
//! is never lost on the way. A crash at any step leaves the model either where it was or whole
//! in quarantine:
//!
//! 1. `DIR/<id>/incident.json` is written (atomically) before the model moves;
//! 2. on the same filesystem the model is renamed into `DIR/<id>/` (one atomic step);
//! 3. across filesystems it is copied to `DIR/<id>/.<name>.partial`, every file and directory
//!    fsynced, the copy compared file by file (SHA-256) with the original, renamed to its
//!    name, and only then is the original removed.
//!
//! A crash before the model arrives leaves an incident without a model (listed as
//! incomplete); a crash while the original is being removed leaves the whole copy in
//! quarantine.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

const INCIDENT: &str = "incident.json";
const SIGNATURE: &str = "signature.sig";

#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    #[error("no quarantined model {0:?}")]
    NoSuchIncident(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the copy of {} does not match the original ({differing}); the original was left in place", model.display())]
    CopyMismatch { model: PathBuf, differing: String },
    #[error("{} already exists; refusing to overwrite it", .0.display())]
    Exists(PathBuf),
    #[error("incident {}: {why}", path.display())]
    BadIncident { path: PathBuf, why: String },
    #[error("{0} is not a regular file or directory")]
    Unsupported(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> QuarantineError + '_ {
    move |source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            QuarantineError::NotFound(path.to_path_buf())
        } else {
            QuarantineError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Why a model is quarantined, as the caller knows it.
#[derive(Debug, Clone, Default)]
pub struct Reason {
    /// One line: "signature does not verify", "critical finding: ...".
    pub summary: String,
    /// Findings and integrity failures, as the caller reports them.
    pub findings: Value,
    /// The model's digest (`sha256:<hex>`), when known.
    pub digest: Option<String>,
    /// The model's signature: a copy is kept with the incident, to re-verify on release.
    pub signature: Option<PathBuf>,
}

/// The incident report kept beside a quarantined model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    /// The file or directory name the model had (it keeps it in quarantine).
    pub name: String,
    pub original_path: PathBuf,
    pub quarantined_at: String,
    pub reason: String,
    pub findings: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub tool: String,
    pub host: String,
    pub user: String,
    /// The copy of the model's signature in the incident directory, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
}

/// How a model left quarantine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub released_at: String,
    pub to: PathBuf,
    /// Set when the model still failed and was released anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_reason: Option<String>,
    pub user: String,
}

/// Steps of a quarantine move, reported to an observer (progress, and crash tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    IncidentWritten,
    /// Same filesystem: the model was renamed into quarantine.
    Renamed,
    /// Across filesystems: the copy is complete and synced.
    Copied,
    /// The copy matched the original and has its final name.
    CopyInPlace,
    /// The original was removed.
    OriginalRemoved,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Copy, verify and remove even when a rename would do (what happens across filesystems).
    pub always_copy: bool,
}

/// Moves the model at `model` into `dir` and returns its incident report.
pub fn quarantine(
    model: &Path,
    dir: &Path,
    reason: Reason,
    actor: &crate::audit::Actor,
    options: Options,
    observe: &mut dyn FnMut(Step),
) -> Result<Incident, QuarantineError> {
    let meta = fs::symlink_metadata(model).map_err(io(model))?;
    if !meta.is_file() && !meta.is_dir() {
        return Err(QuarantineError::Unsupported(model.display().to_string()));
    }
    let original = std::path::absolute(model).map_err(io(model))?;
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .ok_or_else(|| QuarantineError::Unsupported(model.display().to_string()))?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.nanosecond()
    );
    let id = format!("{}_{stamp}", safe_name(&name));
    let home = dir.join(&id);
    fs::create_dir(&home).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            QuarantineError::Exists(home.clone())
        } else {
            io(&home)(e)
        }
    })?;
    let incident = Incident {
        id,
        name: name.clone(),
        original_path: original.clone(),
        quarantined_at: crate::audit::rfc3339(now),
        reason: reason.summary,
        findings: reason.findings,
        digest: reason.digest,
        tool: actor.tool.clone(),
        host: actor.host.clone(),
        user: actor.user.clone(),
        signature: reason.signature.as_ref().map(|_| SIGNATURE.to_owned()),
        release: None,
    };
    if let Some(signature) = &reason.signature {
        let copy = home.join(SIGNATURE);
        fs::copy(signature, &copy).map_err(io(signature))?;
        fs::File::open(&copy)
            .and_then(|f| f.sync_all())
            .map_err(io(&copy))?;
    }
    write_incident(&home, &incident)?;
    sync_dir(dir)?;
    observe(Step::IncidentWritten);
    let target = home.join(&name);
    move_tree(&original, &target, options, observe)?;
    Ok(incident)
}

/// Moves `from` to `to` (which must not exist): a rename when possible, else copy, sync,
/// compare, rename into place, remove the original.
pub fn move_tree(
    from: &Path,
    to: &Path,
    options: Options,
    observe: &mut dyn FnMut(Step),
) -> Result<(), QuarantineError> {
    if to.symlink_metadata().is_ok() {
        return Err(QuarantineError::Exists(to.to_path_buf()));
    }
    let parent = to.parent().unwrap_or(Path::new("."));
    if !options.always_copy {
        match fs::rename(from, to) {
            Ok(()) => {
                sync_dir(parent)?;
                if let Some(p) = from.parent() {
                    sync_dir(p)?;
                }
                observe(Step::Renamed);
                return Ok(());
            }
            // Another filesystem: copy instead; anything else is a real error.
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {}
            Err(e) => return Err(io(from)(e)),
        }
    }
    let file_name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = parent.join(format!(".{file_name}.partial"));
    if partial.symlink_metadata().is_ok() {
        remove_tree(&partial)?;
    }
    copy_tree(from, &partial)?;
    sync_dir(parent)?;
    observe(Step::Copied);
    let original = tree_digest(from)?;
    let copy = tree_digest(&partial)?;
    if original != copy {
        let differing = original
            .iter()
            .find(|(k, v)| copy.get(*k) != Some(v))
            .map_or_else(|| "extra files in the copy".to_owned(), |(k, _)| k.clone());
        remove_tree(&partial)?;
        return Err(QuarantineError::CopyMismatch {
            model: from.to_path_buf(),
            differing,
        });
    }
    fs::rename(&partial, to).map_err(io(to))?;
    sync_dir(parent)?;
    observe(Step::CopyInPlace);
    remove_tree(from)?;
    if let Some(p) = from.parent() {
        sync_dir(p)?;
    }
    observe(Step::OriginalRemoved);
    Ok(())
}

/// A listed incident, with whether its model actually arrived.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub incident: Incident,
    /// False when a crash interrupted the move before the model arrived (the model is then
    /// still at its original path).
    pub complete: bool,
}

/// Every incident in `dir`, oldest first.
pub fn list(dir: &Path) -> Result<Vec<Listed>, QuarantineError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let home = entry.path();
        if !home.is_dir() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(incident) = read_incident(&home) else {
            continue;
        };
        let complete = home.join(&incident.name).symlink_metadata().is_ok();
        out.push(Listed { incident, complete });
    }
    out.sort_by(|a, b| a.incident.quarantined_at.cmp(&b.incident.quarantined_at));
    Ok(out)
}

/// The incident with this id, and the path of its quarantined model.
pub fn show(dir: &Path, id: &str) -> Result<(Incident, PathBuf), QuarantineError> {
    if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
        return Err(QuarantineError::NoSuchIncident(id.to_owned()));
    }
    let home = dir.join(id);
    if !home.is_dir() {
        return Err(QuarantineError::NoSuchIncident(id.to_owned()));
    }
    let incident = read_incident(&home)?;
    let model = home.join(&incident.name);
    Ok((incident, model))
}

/// Moves a quarantined model to `to` and records the release in its incident (the incident
/// stays in quarantine as the record). The caller decides whether release is allowed.
pub fn release(
    dir: &Path,
    id: &str,
    to: &Path,
    forced_reason: Option<String>,
    actor: &crate::audit::Actor,
) -> Result<Incident, QuarantineError> {
    let (mut incident, model) = show(dir, id)?;
    if model.symlink_metadata().is_err() {
        return Err(QuarantineError::BadIncident {
            path: dir.join(id),
            why: "its model is not in quarantine (already released, or the move never finished)"
                .to_owned(),
        });
    }
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    move_tree(&model, to, Options::default(), &mut |_| {})?;
    incident.release = Some(Release {
        released_at: crate::audit::rfc3339(time::OffsetDateTime::now_utc()),
        to: std::path::absolute(to).unwrap_or_else(|_| to.to_path_buf()),
        forced_reason,
        user: actor.user.clone(),
    });
    write_incident(&dir.join(id), &incident)?;
    Ok(incident)
}

fn read_incident(home: &Path) -> Result<Incident, QuarantineError> {
    let path = home.join(INCIDENT);
    let text = fs::read(&path).map_err(io(&path))?;
    let incident: Incident =
        serde_json::from_slice(&text).map_err(|e| QuarantineError::BadIncident {
            path: path.clone(),
            why: e.to_string(),
        })?;
    let unsafe_name = |n: &str| n.is_empty() || n == ".." || n == "." || n.contains(['/', '\\']);
    if unsafe_name(&incident.name) || incident.signature.as_deref().is_some_and(unsafe_name) {
        return Err(QuarantineError::BadIncident {
            path,
            why: "bad model name".to_owned(),
        });
    }
    Ok(incident)
}

fn write_incident(home: &Path, incident: &Incident) -> Result<(), QuarantineError> {
    let path = home.join(INCIDENT);
    let mut json =
        serde_json::to_vec_pretty(incident).map_err(|e| QuarantineError::BadIncident {
            path: path.clone(),
            why: e.to_string(),
        })?;
    json.push(b'\n');
    modelseal_sign::write_atomic(
        &path,
        &json,
        modelseal_sign::Overwrite::Replace,
        Some(0o644),
    )
    .map_err(|e| QuarantineError::Io {
        path: path.clone(),
        source: std::io::Error::other(e.to_string()),
    })
}

/// Keeps what identifies the model and drops what a file name should not carry.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    cleaned.trim_start_matches('.').to_owned()
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), QuarantineError> {
    let meta = fs::symlink_metadata(from).map_err(io(from))?;
    if meta.is_dir() {
        fs::create_dir(to).map_err(io(to))?;
        for entry in fs::read_dir(from).map_err(io(from))? {
            let entry = entry.map_err(io(from))?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        sync_dir(to)?;
    } else if meta.is_file() {
        fs::copy(from, to).map_err(io(to))?;
        fs::File::open(to)
            .and_then(|f| f.sync_all())
            .map_err(io(to))?;
    } else if meta.file_type().is_symlink() {
        let target = fs::read_link(from).map_err(io(from))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, to).map_err(io(to))?;
        #[cfg(not(unix))]
        return Err(QuarantineError::Unsupported(from.display().to_string()));
    } else {
        return Err(QuarantineError::Unsupported(from.display().to_string()));
    }
    Ok(())
}

/// Every file (SHA-256), directory and symbolic link (target) under `root`, by relative path.
fn tree_digest(root: &Path) -> Result<BTreeMap<String, String>, QuarantineError> {
    let mut out = BTreeMap::new();
    digest_into(root, root, &mut out)?;
    Ok(out)
}

fn digest_into(
    root: &Path,
    path: &Path,
    out: &mut BTreeMap<String, String>,
) -> Result<(), QuarantineError> {
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let meta = fs::symlink_metadata(path).map_err(io(path))?;
    if meta.is_dir() {
        out.insert(rel, "dir".to_owned());
        for entry in fs::read_dir(path).map_err(io(path))? {
            let entry = entry.map_err(io(path))?;
            digest_into(root, &entry.path(), out)?;
        }
    } else if meta.file_type().is_symlink() {
        let target = fs::read_link(path).map_err(io(path))?;
        out.insert(rel, format!("link:{}", target.display()));
    } else {
        let mut file = fs::File::open(path).map_err(io(path))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0; 1 << 17];
        loop {
            let n = file.read(&mut buf).map_err(io(path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        out.insert(rel, hex::encode(hasher.finalize()));
    }
    Ok(())
}

fn remove_tree(path: &Path) -> Result<(), QuarantineError> {
    let meta = fs::symlink_metadata(path).map_err(io(path))?;
    if meta.is_dir() {
        fs::remove_dir_all(path).map_err(io(path))
    } else {
        fs::remove_file(path).map_err(io(path))
    }
}

fn sync_dir(dir: &Path) -> Result<(), QuarantineError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
