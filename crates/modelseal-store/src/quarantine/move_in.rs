//! Moving a failing model into quarantine, in two calls so the caller can record its intent
//! between them: [`prepare`] locks the model and checks the move is possible (nothing is
//! written), [`Prepared::quarantine`] writes the incident and moves the model.

use std::path::{Path, PathBuf};

use modelseal_fs::{FsError, Op, Overwrite, PathLock, Wait};

use super::{
    INCIDENT, Incident, LAYOUT, MODEL_DIR, Options, PRIVATE_FILE_MODE, QuarantineError, Reason,
    SIGNATURE, Step, create_private_dir, safe_name, write_incident,
};
use crate::audit::Actor;

/// The most characters of the reason's summary kept in an incident: a summary quoting a
/// million resource names is cut, and says how much was cut.
pub const MAX_SUMMARY_CHARS: usize = 4096;

/// The most bytes of findings kept in an incident; more are summarised (size and SHA-256).
pub const MAX_FINDINGS_BYTES: usize = 1 << 20;

/// A model locked and ready to move: nothing has been written yet.
#[derive(Debug)]
pub struct Prepared {
    /// Held until the move is over: a second gate waits, then finds the model gone.
    _lock: PathLock,
    original: PathBuf,
    name: String,
    dir: PathBuf,
    id: String,
    now: time::OffsetDateTime,
}

/// Locks the model at `model` and checks that it can move into `dir`: it is a file or a
/// directory, still at its path once locked, and neither inside the quarantine directory nor
/// containing it. Creates `dir` if needed.
pub fn prepare(model: &Path, dir: &Path) -> Result<Prepared, QuarantineError> {
    let meta = modelseal_fs::symlink_metadata(model)?;
    if !meta.is_file() && !meta.is_dir() {
        return Err(QuarantineError::Unsupported(model.display().to_string()));
    }
    let original = std::path::absolute(model).map_err(FsError::with(Op::Resolve, model))?;
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .ok_or_else(|| QuarantineError::Unsupported(model.display().to_string()))?;
    refuse_overlap(&original, dir)?;
    // Waits for a gate already moving this model; once it is done the model is elsewhere.
    let lock = modelseal_fs::lock_path(&original, Wait::Block)?
        .ok_or_else(|| QuarantineError::MovedAway(model.display().to_string()))?;
    if !lock.still_at(&original) {
        return Err(QuarantineError::MovedAway(model.display().to_string()));
    }
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
    Ok(Prepared {
        _lock: lock,
        original,
        name,
        dir: dir.to_path_buf(),
        id,
        now,
    })
}

/// Refuses a quarantine directory inside the model (the move would write into the model it
/// moves) and a model inside the quarantine directory, before anything is created.
pub fn refuse_overlap(model: &Path, dir: &Path) -> Result<(), QuarantineError> {
    let model_real = modelseal_fs::canonicalize(model)?;
    let dir_real = nearest_real(dir)?;
    let overlap = |dir_inside_model| QuarantineError::Overlap {
        model: model.to_path_buf(),
        dir: dir.to_path_buf(),
        dir_inside_model,
    };
    if dir_real.starts_with(&model_real) {
        return Err(overlap(true));
    }
    if model_real.starts_with(&dir_real) {
        return Err(overlap(false));
    }
    Ok(())
}

/// `path` resolved through its nearest existing ancestor (it may not exist yet).
fn nearest_real(path: &Path) -> Result<PathBuf, QuarantineError> {
    let absolute = std::path::absolute(path).map_err(FsError::with(Op::Resolve, path))?;
    let mut missing = Vec::new();
    let mut at = absolute.as_path();
    loop {
        if let Ok(real) = modelseal_fs::canonicalize(at) {
            return Ok(missing.iter().rev().fold(real, |p: PathBuf, n| p.join(n)));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_owned());
                at = parent;
            }
            _ => return Ok(absolute),
        }
    }
}

impl Prepared {
    /// The incident's id (its directory name in the quarantine directory).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the incident will be.
    pub fn home(&self) -> PathBuf {
        self.dir.join(&self.id)
    }

    /// The model's absolute path.
    pub fn original(&self) -> &Path {
        &self.original
    }

    /// Writes the incident and moves the model into it.
    pub fn quarantine(
        self,
        reason: Reason,
        actor: &Actor,
        options: Options,
        observe: &mut dyn FnMut(Step),
    ) -> Result<Incident, QuarantineError> {
        let home = self.home();
        let mut incident = Incident {
            id: self.id.clone(),
            name: self.name.clone(),
            original_path: self.original.clone(),
            quarantined_at: crate::audit::rfc3339(self.now),
            reason: crate::audit::cap_text(&reason.summary, MAX_SUMMARY_CHARS),
            findings: cap_findings(reason.findings),
            digest: reason.digest,
            tool: actor.tool.clone(),
            host: actor.host.clone(),
            user: actor.user.clone(),
            signature: reason.signature.as_ref().map(|_| SIGNATURE.to_owned()),
            original_signature: reason
                .signature
                .as_ref()
                .map(|s| std::path::absolute(s).unwrap_or_else(|_| s.clone())),
            signature_not_kept: None,
            release: None,
            layout: Some(LAYOUT),
        };
        // The incident is built in a hidden directory, locked, and renamed into place whole: a
        // crash never leaves an incident directory without its report. The lock moves with the
        // directory and keeps `recover` away until the model has arrived.
        let staging = self.dir.join(format!(".{}.new", self.id));
        create_private_dir(&staging)?;
        let staged_lock = modelseal_fs::lock_path(&staging, Wait::Block)?;
        create_private_dir(&staging.join(MODEL_DIR))?;
        // A signature that cannot be kept (too large, a FIFO, gone) does not stop the
        // quarantine: the model must still be moved out of the way. The incident says why
        // there is no copy, and a release then has no signature to re-verify (it needs
        // `--force`).
        if let Some(signature) = &reason.signature
            && let Err(e) = keep_signature(signature, &staging.join(SIGNATURE))
        {
            incident.signature = None;
            incident.signature_not_kept = Some(match e.reason {
                modelseal_fs::Reason::NotRegular(modelseal_fs::FileKind::Symlink) => {
                    "signature not kept: it is a symbolic link".to_owned()
                }
                _ => e.to_string(),
            });
        }
        let staged = write_incident(&staging, &incident)
            .and_then(|()| Ok(modelseal_fs::sync_dir(&staging)?))
            .and_then(|()| Ok(modelseal_fs::rename(&staging, &home)?));
        if let Err(e) = staged {
            let _ = modelseal_fs::remove(&staging);
            return Err(e);
        }
        modelseal_fs::sync_dir(&self.dir)?;
        debug_assert!(modelseal_fs::exists(&home.join(INCIDENT)));
        observe(Step::IncidentWritten);
        let target = incident.model_path(&home);
        let moved = modelseal_fs::move_durable(&self.original, &target, options, &mut |step| {
            observe(Step::Move(step));
        });
        drop(staged_lock);
        if let Err(e) = moved {
            // Nothing arrived (another process moved the model first, or the move failed
            // before the copy was in place): the incident this call wrote would be listed as a
            // model that "never arrived" while it may well be elsewhere, so it goes. If
            // anything did arrive, the incident stays as its record.
            if !modelseal_fs::exists(&target) {
                let _ = modelseal_fs::remove(&home);
            }
            return Err(e.into());
        }
        Ok(incident)
    }
}

/// Moves the model at `model` into `dir` and returns its incident report ([`prepare`], then
/// [`Prepared::quarantine`]).
pub fn quarantine(
    model: &Path,
    dir: &Path,
    reason: Reason,
    actor: &Actor,
    options: Options,
    observe: &mut dyn FnMut(Step),
) -> Result<Incident, QuarantineError> {
    prepare(model, dir)?.quarantine(reason, actor, options, observe)
}

/// Copies the model's signature beside its incident, reading no more than a signature may be.
/// A link is never followed: whoever can write the models directory could point `m.sig` at a
/// file only the gate's user may read, and the copy would hand it out.
fn keep_signature(signature: &Path, copy: &Path) -> Result<(), FsError> {
    let bytes = read_signature(signature)?;
    modelseal_fs::write_atomic(copy, &bytes, Overwrite::Refuse, Some(PRIVATE_FILE_MODE))
}

/// The bytes of the signature at `signature`: a regular file, not a link, no larger than a
/// signature may be.
pub(crate) fn read_signature(signature: &Path) -> Result<Vec<u8>, FsError> {
    use std::io::Read as _;
    let limit = modelseal_sign::MAX_SIGNATURE_BYTES;
    let (file, meta) = modelseal_fs::open_regular_nofollow(signature)?;
    if meta.len() > limit {
        return Err(FsError::new(
            Op::Read,
            signature,
            modelseal_fs::Reason::TooLarge { limit },
        ));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(FsError::with(Op::Read, signature))?;
    if bytes.len() as u64 > limit {
        return Err(FsError::new(
            Op::Read,
            signature,
            modelseal_fs::Reason::TooLarge { limit },
        ));
    }
    Ok(bytes)
}

/// Findings of more than [`MAX_FINDINGS_BYTES`] as a summary: their size and SHA-256.
fn cap_findings(findings: serde_json::Value) -> serde_json::Value {
    if findings.to_string().len() <= MAX_FINDINGS_BYTES {
        findings
    } else {
        crate::audit::summarise(&findings)
    }
}
