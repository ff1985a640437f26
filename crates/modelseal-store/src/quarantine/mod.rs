//! Quarantine: a failing model is moved out of the way, with an incident report beside it, and
//! is never lost on the way. A crash at any step leaves the model either whole where it was or
//! whole in quarantine, never part of it at its original path:
//!
//! 1. the model is locked ([`modelseal_fs::lock_path`]): two gates never move one model;
//! 2. `DIR/<id>/incident.json` is written in a hidden staging directory renamed into place,
//!    before the model moves (the caller records its intent in the audit log first);
//! 3. on the same filesystem the model is renamed to `DIR/<id>/model/<name>` (one atomic step);
//! 4. across filesystems it is copied to `DIR/<id>/model/.<name>.partial`, fsynced, compared
//!    file by file with the original, renamed to its name, and only then is the original
//!    renamed to a tombstone beside itself and removed.
//!
//! The model has a directory of its own, so a model named `incident.json` or `signature.sig`
//! cannot collide with the incident's files. Incidents written before that layout (the model
//! directly in `DIR/<id>/`) are still read and released; they are not migrated. Leftovers of a
//! crash (partial copies, tombstones, staging directories) are removed by [`recover`].

use std::path::{Path, PathBuf};

use modelseal_fs::{FsError, MoveOptions, MoveStep, Overwrite};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod move_in;
mod recover;
mod release;

pub use move_in::{
    MAX_FINDINGS_BYTES, MAX_SUMMARY_CHARS, Prepared, prepare, quarantine, refuse_overlap,
};
pub use recover::recover;
pub use release::{refuse_release_into, release};

const INCIDENT: &str = "incident.json";
const SIGNATURE: &str = "signature.sig";
/// The directory of the model inside an incident (layout 2).
const MODEL_DIR: &str = "model";
/// The incident layout written now: the model in its own directory.
const LAYOUT: u32 = 2;

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
    /// The quarantine directory is inside the model, or the model inside it: moving one into
    /// the other would write into the model or quarantine the quarantine.
    #[error(
        "cannot quarantine {} into {}: {}",
        model.display(),
        dir.display(),
        if *dir_inside_model { "the quarantine directory is inside the model" } else { "the model is inside the quarantine directory" }
    )]
    Overlap {
        /// The model to be quarantined.
        model: PathBuf,
        /// The quarantine directory.
        dir: PathBuf,
        /// Which way they overlap: the directory inside the model, or the model inside it.
        dir_inside_model: bool,
    },
    /// A different file is where the released model's signature goes (`<to>.sig`): it is
    /// never replaced, and the model stays in quarantine.
    #[error(
        "{} already exists and is not this model's signature: move it away or release to another path",
        path.display()
    )]
    SignatureInTheWay {
        /// The file in the way.
        path: PathBuf,
    },
    /// No incident id starts with this prefix alone: it names several.
    #[error("incident id prefix {prefix:?} is ambiguous: it matches {}", candidates.join(", "))]
    AmbiguousId {
        /// The prefix given.
        prefix: String,
        /// The ids it matches, sorted.
        candidates: Vec<String>,
    },
    /// A prefix shorter than [`MIN_ID_PREFIX`] that is not a whole id.
    #[error("no incident {0:?}, and an id prefix needs at least {MIN_ID_PREFIX} characters")]
    IdPrefixTooShort(String),
    /// A release destination inside the quarantine directory (or the directory itself): the
    /// model would stay in quarantine, where it reads as a broken incident.
    #[error(
        "cannot release to {}: it is inside the quarantine directory {}; release to a path outside it",
        to.display(),
        dir.display()
    )]
    ReleaseIntoQuarantine {
        /// The destination asked for.
        to: PathBuf,
        /// The quarantine directory.
        dir: PathBuf,
    },
    /// Another process moved the model while this one waited for it.
    #[error("{0} was moved by another process (another gate quarantined it first)")]
    MovedAway(String),
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
    /// Where the model's signature was when it was quarantined (absolute), if it had one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "modelseal_report::path::lossy_opt"
    )]
    pub original_signature: Option<PathBuf>,
    /// Why the model's signature could not be kept (too large, not a regular file), when it
    /// had one; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_not_kept: Option<String>,
    /// How and when the model left quarantine, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
    /// 2: the model is in `model/<name>` inside the incident. Absent in incidents written
    /// before (the model directly beside `incident.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<u32>,
}

impl Incident {
    /// Where this incident's model is (or would be) inside its directory `home`.
    pub fn model_path(&self, home: &Path) -> PathBuf {
        match self.layout {
            Some(layout) if layout >= LAYOUT => home.join(MODEL_DIR).join(&self.name),
            _ => home.join(&self.name),
        }
    }
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
    /// Where the kept signature was written, beside the released model (`<to>.sig`, where
    /// `check` finds it), when it was.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "modelseal_report::path::lossy_opt"
    )]
    pub signature: Option<PathBuf>,
    /// Why the kept signature was not written beside the released model (the model was
    /// released all the same, and `check` then fails it as unsigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_not_restored: Option<String>,
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
        match read_named_incident(&home) {
            Ok(incident) => {
                let complete = modelseal_fs::exists(&incident.model_path(&home));
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
    let incident = read_named_incident(&home)?;
    let model = incident.model_path(&home);
    Ok((incident, model))
}

/// The fewest characters of an incident id that [`resolve_id`] takes as a prefix: ids start
/// with the model's name, so shorter prefixes would match by accident more often than not.
pub const MIN_ID_PREFIX: usize = 4;

/// The whole id of the incident in `dir` that `id` names: the id itself, or a prefix of
/// exactly one id ([`MIN_ID_PREFIX`] characters or more), as git and docker take them. Every
/// incident directory counts, released or not, readable or not; staging directories do not.
pub fn resolve_id(dir: &Path, id: &str) -> Result<String, QuarantineError> {
    if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
        return Err(QuarantineError::NoSuchIncident(id.to_owned()));
    }
    if modelseal_fs::symlink_metadata(&dir.join(id)).is_ok_and(|m| m.is_dir()) {
        return Ok(id.to_owned());
    }
    if id.chars().count() < MIN_ID_PREFIX {
        return Err(QuarantineError::IdPrefixTooShort(id.to_owned()));
    }
    let mut candidates = Vec::new();
    for home in modelseal_fs::read_dir_sorted(dir)? {
        let Some(name) = home.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let is_dir = modelseal_fs::symlink_metadata(&home).is_ok_and(|m| m.is_dir());
        if is_dir && !name.starts_with('.') && name.starts_with(id) {
            candidates.push(name.to_owned());
        }
    }
    match candidates.len() {
        0 => Err(QuarantineError::NoSuchIncident(id.to_owned())),
        1 => Ok(candidates.remove(0)),
        _ => Err(QuarantineError::AmbiguousId {
            prefix: id.to_owned(),
            candidates,
        }),
    }
}

pub(crate) fn read_incident(home: &Path) -> Result<Incident, QuarantineError> {
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

/// [`read_incident`], refusing a report whose id is not its directory's name: a copy of a
/// real incident under another name (the quarantine directory may be written by an
/// adversary) would otherwise be listed under the real id, twice, and shown or released in
/// its place (red team F5).
fn read_named_incident(home: &Path) -> Result<Incident, QuarantineError> {
    let incident = read_incident(home)?;
    let directory = home
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if incident.id != directory {
        return Err(QuarantineError::BadIncident {
            path: home.join(INCIDENT),
            why: format!(
                "its id {:?} is not its directory's name {directory:?} (copied from another \
                 incident, or forged)",
                incident.id
            ),
        });
    }
    Ok(incident)
}

pub(crate) fn write_incident(home: &Path, incident: &Incident) -> Result<(), QuarantineError> {
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
        Some(PRIVATE_FILE_MODE),
    )?)
}

/// Quarantine holds hostile and possibly sensitive content (a model, its signature): its
/// incident directories are the owner's only ...
pub(crate) const PRIVATE_DIR_MODE: u32 = 0o700;
/// ... and so are the files written into them.
pub(crate) const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates one directory readable by its owner only ([`PRIVATE_DIR_MODE`]).
pub(crate) fn create_private_dir(path: &Path) -> Result<(), FsError> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, PRIVATE_DIR_MODE);
    builder
        .create(path)
        .map_err(FsError::with(modelseal_fs::Op::Create, path))
}

/// The most bytes of a model name kept in an incident id: with `_` and the 26-byte timestamp
/// the id stays well under the 255-byte limit of a file name.
const MAX_ID_NAME_BYTES: usize = 200;
/// ... and at most this many characters, to keep ids readable.
const MAX_ID_NAME_CHARS: usize = 80;

/// Keeps what identifies the model and drops what a file name should not carry, cut to
/// [`MAX_ID_NAME_CHARS`] characters and [`MAX_ID_NAME_BYTES`] bytes at a character boundary (a name of multi-byte characters is
/// legal at 255 bytes but not with a timestamp added).
pub(crate) fn safe_name(name: &str) -> String {
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
