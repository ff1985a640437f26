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

use std::path::{Path, PathBuf};

use modelseal_fs::{FsError, MoveOptions, MoveStep, Overwrite};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const INCIDENT: &str = "incident.json";
const SIGNATURE: &str = "signature.sig";

/// Incident reports are a few KiB; anything much larger is not one of ours.
const MAX_INCIDENT_BYTES: u64 = 16 << 20;

/// Why a quarantine operation failed.
#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    /// No incident with this id exists in the quarantine directory.
    #[error("no quarantined model {0:?}")]
    NoSuchIncident(String),
    /// A file-system operation failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// An incident report that cannot be used (not JSON, an unsafe model name, ...).
    #[error("incident {}: {why}", path.display())]
    BadIncident {
        /// The incident report.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The model is neither a regular file nor a directory, so it cannot be moved as a whole.
    #[error("{0} is not a regular file or directory")]
    Unsupported(String),
}

impl QuarantineError {
    /// The model, directory or incident named is not there.
    pub fn is_not_found(&self) -> bool {
        match self {
            QuarantineError::NoSuchIncident(_) => true,
            QuarantineError::Fs(e) => e.is_not_found(),
            _ => false,
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
    /// The incident's id, which also names its directory in quarantine.
    pub id: String,
    /// The file or directory name the model had (it keeps it in quarantine).
    pub name: String,
    /// Where the model was before it was quarantined.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub original_path: PathBuf,
    /// When it was quarantined (RFC 3339, UTC).
    pub quarantined_at: String,
    /// One line saying why.
    pub reason: String,
    /// Findings and integrity failures, as the caller reported them.
    pub findings: Value,
    /// The model's digest (`sha256:<hex>`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The tool and version that quarantined it.
    pub tool: String,
    /// The host it was quarantined on.
    pub host: String,
    /// The user who quarantined it.
    pub user: String,
    /// The copy of the model's signature in the incident directory, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Why the model's signature could not be kept (too large, not a regular file), when it
    /// had one; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_not_kept: Option<String>,
    /// How and when the model left quarantine, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
}

/// How a model left quarantine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// When it was released (RFC 3339, UTC).
    pub released_at: String,
    /// Where it was moved.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub to: PathBuf,
    /// Set when the model still failed and was released anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_reason: Option<String>,
    /// The user who released it.
    pub user: String,
}

/// Steps of a quarantine move, reported to an observer (progress, and crash tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The incident report was written; the model has not moved yet.
    IncidentWritten,
    /// A step of the move itself.
    Move(MoveStep),
}

/// How to move models into and out of quarantine.
pub type Options = MoveOptions;

/// Moves the model at `model` into `dir` and returns its incident report.
pub fn quarantine(
    model: &Path,
    dir: &Path,
    reason: Reason,
    actor: &crate::audit::Actor,
    options: Options,
    observe: &mut dyn FnMut(Step),
) -> Result<Incident, QuarantineError> {
    let meta = modelseal_fs::symlink_metadata(model)?;
    if !meta.is_file() && !meta.is_dir() {
        return Err(QuarantineError::Unsupported(model.display().to_string()));
    }
    let original =
        std::path::absolute(model).map_err(FsError::with(modelseal_fs::Op::Resolve, model))?;
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .ok_or_else(|| QuarantineError::Unsupported(model.display().to_string()))?;
    modelseal_fs::create_dir_all(dir)?;
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
    modelseal_fs::create_dir(&home)?;
    let mut incident = Incident {
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
        signature_not_kept: None,
        release: None,
    };
    // A signature that cannot be kept (too large, a FIFO, gone) does not stop the quarantine:
    // the model must still be moved out of the way. The incident says why there is no copy,
    // and a release then has no signature to re-verify (it needs `--force`).
    if let Some(signature) = &reason.signature
        && let Err(e) = keep_signature(signature, &home.join(SIGNATURE))
    {
        incident.signature = None;
        incident.signature_not_kept = Some(e.to_string());
    }
    write_incident(&home, &incident)?;
    modelseal_fs::sync_dir(dir)?;
    observe(Step::IncidentWritten);
    let target = home.join(&name);
    let moved = modelseal_fs::move_durable(&original, &target, options, &mut |step| {
        observe(Step::Move(step));
    });
    if let Err(e) = moved {
        // Nothing arrived (another process moved the model first, or the move failed before
        // the copy was in place): the incident this call wrote would be listed as a model
        // that "never arrived" while it may well be elsewhere, so it goes. If anything did
        // arrive, the incident stays as its record.
        if !modelseal_fs::exists(&target) {
            let _ = modelseal_fs::remove(&home);
        }
        return Err(e.into());
    }
    Ok(incident)
}

/// Copies the model's signature beside its incident, reading no more than a signature may be.
fn keep_signature(signature: &Path, copy: &Path) -> Result<(), FsError> {
    let bytes = modelseal_fs::read_limited(signature, modelseal_sign::MAX_SIGNATURE_BYTES)?;
    modelseal_fs::write_atomic(copy, &bytes, Overwrite::Refuse, Some(0o644))
}

/// A listed incident, with whether its model actually arrived.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// The incident report.
    #[serde(flatten)]
    pub incident: Incident,
    /// False when a crash interrupted the move before the model arrived (the model is then
    /// still at its original path).
    pub complete: bool,
}

/// The incidents in a quarantine directory: those that can be read, and those that cannot.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Readable incidents, oldest first.
    pub incidents: Vec<Listed>,
    /// Incident directories whose report cannot be read (missing, not a regular file, too
    /// large, not valid JSON, an unsafe model name), by path: tampering or damage to report.
    pub unreadable: Vec<Unreadable>,
}

/// An incident directory whose report cannot be read.
#[derive(Debug)]
pub struct Unreadable {
    /// The incident directory.
    pub dir: PathBuf,
    /// Why its report cannot be read.
    pub error: QuarantineError,
}

/// Every incident in `dir`, readable or not.
pub fn inventory(dir: &Path) -> Result<Inventory, QuarantineError> {
    let mut out = Inventory::default();
    for home in modelseal_fs::read_dir_sorted(dir)? {
        let hidden = home
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !home.is_dir() || hidden {
            continue;
        }
        match read_incident(&home) {
            Ok(incident) => {
                let complete = home.join(&incident.name).symlink_metadata().is_ok();
                out.incidents.push(Listed { incident, complete });
            }
            Err(error) => out.unreadable.push(Unreadable { dir: home, error }),
        }
    }
    out.incidents
        .sort_by(|a, b| a.incident.quarantined_at.cmp(&b.incident.quarantined_at));
    Ok(out)
}

/// The readable incidents in `dir`, oldest first. Prefer [`inventory`], which also reports
/// the incidents that cannot be read.
pub fn list(dir: &Path) -> Result<Vec<Listed>, QuarantineError> {
    Ok(inventory(dir)?.incidents)
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
        modelseal_fs::create_dir_all(parent)?;
    }
    modelseal_fs::move_durable(&model, to, Options::default(), &mut |_| {})?;
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
    let text = modelseal_fs::read_limited(&path, MAX_INCIDENT_BYTES)?;
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
    Ok(modelseal_fs::write_atomic(
        &path,
        &json,
        Overwrite::Replace,
        Some(0o644),
    )?)
}

/// The most bytes of a model name kept in an incident id: with `_` and the 26-byte timestamp
/// the id stays well under the 255-byte limit of a file name.
const MAX_ID_NAME_BYTES: usize = 200;
/// ... and at most this many characters, to keep ids readable.
const MAX_ID_NAME_CHARS: usize = 80;

/// Keeps what identifies the model and drops what a file name should not carry, cut to
/// [`MAX_ID_NAME_CHARS`] characters and [`MAX_ID_NAME_BYTES`] bytes at a character boundary (a name of multi-byte characters is
/// legal at 255 bytes but not with a timestamp added).
fn safe_name(name: &str) -> String {
    let mut cleaned = String::new();
    for c in name.chars().take(MAX_ID_NAME_CHARS) {
        let c = if c.is_alphanumeric() || "-_.".contains(c) {
            c
        } else {
            '_'
        };
        if cleaned.len() + c.len_utf8() > MAX_ID_NAME_BYTES {
            break;
        }
        cleaned.push(c);
    }
    cleaned.trim_start_matches('.').to_owned()
}
