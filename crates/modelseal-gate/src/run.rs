//! The gate as a pipeline runs it: decide every model, quarantine the failures, record every
//! decision.

use std::path::{Path, PathBuf};

use modelseal_store::audit::{Actor, Event, Recorder};
use modelseal_store::quarantine::{self, Reason};
use serde_json::json;

use crate::{Candidate, CheckReport, CheckedModel, GateError, GateOptions, ModelResult, check};

/// What the gate does besides deciding.
#[derive(Debug, Default)]
pub struct Actions<'a> {
    /// Move failing models here, each with an incident report.
    pub quarantine: Option<&'a Path>,
    /// Record each decision here.
    pub audit: Option<&'a Recorder<'a>>,
}

/// Where a run is, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// About to check this model.
    Checking(&'a Candidate),
    /// Finished one model.
    Done,
    /// Crash recovery in the quarantine directory removed this leftover of a killed run.
    Recovered(&'a Path),
}

/// Checks every candidate in order. Stops only when a requested audit record cannot be
/// written; a failing model is a verdict in the report.
pub fn check_all(
    candidates: &[Candidate],
    options: &GateOptions<'_>,
    actions: &Actions<'_>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<CheckReport, GateError> {
    // A log that cannot take the record is found before any model is moved: a decision acted
    // on and then not recorded is what `--audit-log` exists to prevent.
    if let Some(recorder) = actions.audit {
        recorder.ready()?;
    }
    if let Some(dir) = actions.quarantine {
        // A quarantine directory inside a model (or a model inside it) is refused before
        // anything is checked or moved: each run would otherwise write into the model.
        for candidate in candidates {
            if modelseal_fs::exists(&candidate.model) {
                quarantine::refuse_overlap(&candidate.model, dir)?;
            }
        }
        // What killed runs left behind (partial copies, tombstones) goes first. It is never
        // the only copy of a model; failing to remove it does not stop the gate.
        // What was removed is said (and recorded): recovery acts on a directory others may
        // write, and nothing it does should go unseen.
        for path in quarantine::recover(dir).unwrap_or_default() {
            progress(Progress::Recovered(&path));
            if let Some(recorder) = actions.audit {
                recorder.record(Event {
                    action: "recover".to_owned(),
                    subject: Some(path.display().to_string()),
                    digest: None,
                    result: "removed".to_owned(),
                    detail: json!({ "quarantine": dir.display().to_string() }),
                })?;
            }
        }
    }
    let actor = Actor::from_environment();
    let mut models = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        progress(Progress::Checking(candidate));
        let mut result = check(candidate, options);
        let (quarantined, intent) = match actions.quarantine {
            Some(dir) if !result.passed() && modelseal_fs::exists(&candidate.model) => {
                move_to_quarantine(&mut result, dir, &actor, actions.audit)?
            }
            _ => (None, None),
        };
        if let Some(recorder) = actions.audit {
            recorder.record(event(&result, quarantined.as_deref(), intent))?;
        }
        models.push(CheckedModel {
            result,
            quarantined,
        });
        progress(Progress::Done);
    }
    Ok(CheckReport::new(models, options))
}

/// Moves a failed model into quarantine; a model that cannot be moved stays where it is, with
/// a warning saying why. With an audit log, an intent entry is written before the model moves
/// (its index is returned, for the decision entry to complete it): a run killed between the
/// move and the decision still leaves a record that the move was under way. Only a log that
/// cannot take the intent stops the run (nothing has moved then).
fn move_to_quarantine(
    result: &mut ModelResult,
    dir: &Path,
    actor: &Actor,
    audit: Option<&Recorder<'_>>,
) -> Result<(Option<PathBuf>, Option<u64>), GateError> {
    let prepared = match quarantine::prepare(&result.model, dir) {
        Ok(prepared) => prepared,
        Err(e) => {
            result.warnings.push(format!("could not quarantine: {e}"));
            return Ok((None, None));
        }
    };
    let intent = match audit {
        Some(recorder) => Some(
            recorder
                .record(Event {
                    action: "quarantine".to_owned(),
                    subject: Some(result.model.display().to_string()),
                    digest: result.digest().map(str::to_owned),
                    result: "intent".to_owned(),
                    detail: json!({
                        "incident": prepared.id(),
                        "to": prepared.home().display().to_string(),
                    }),
                })?
                .index,
        ),
        None => None,
    };
    let reason = Reason {
        summary: result.problems.join("; "),
        findings: json!({
            "integrity": result.integrity,
            "findings": result.scan.findings().collect::<Vec<_>>(),
        }),
        // What is actually being quarantined (for a tampered model, not what was signed).
        digest: content_digest(&result.model).or_else(|| result.digest().map(str::to_owned)),
        signature: result.signature.clone().filter(|s| s.is_file()),
    };
    let moved = prepared.quarantine(reason, actor, quarantine::Options::default(), &mut |_| {});
    let quarantined = match moved {
        Ok(incident) => {
            // The signature beside the model goes with it (a copy is in the incident), so the
            // next run does not report a signature without its model.
            if let Some(signature) = &result.signature
                && incident.signature.is_some()
                && *signature == modelseal_sign::default_signature_path(&result.model)
                && let Err(e) = modelseal_fs::remove_file(signature)
            {
                result
                    .warnings
                    .push(format!("{} stays in place: {e}", signature.display()));
            }
            Some(dir.join(incident.id))
        }
        Err(e) => {
            result.warnings.push(format!("could not quarantine: {e}"));
            None
        }
    };
    Ok((quarantined, intent))
}

/// The OMS root digest (SHA-256, whole files) of the model as it is now.
fn content_digest(model: &Path) -> Option<String> {
    let serialization =
        modelseal_digest::Serialization::files(modelseal_digest::HashAlgorithm::Sha256);
    let manifest = modelseal_digest::hash_model(model, &serialization).ok()?;
    Some(format!("sha256:{}", hex::encode(manifest.root_digest())))
}

fn event(result: &ModelResult, quarantined: Option<&Path>, intent: Option<u64>) -> Event {
    let mut detail = json!({
        "exit": result.outcome,
        "problems": result.problems,
        "findings": result.scan.findings().count(),
    });
    if let Some(path) = quarantined {
        detail["quarantined"] = json!(path.display().to_string());
    }
    // This entry completes the quarantine intent written before the move (whether or not the
    // move succeeded: `quarantined` says).
    if let Some(index) = intent {
        detail["intent"] = json!(index);
    }
    Event {
        action: "check".to_owned(),
        subject: Some(result.model.display().to_string()),
        digest: result.digest().map(str::to_owned),
        result: result.outcome.as_str().to_owned(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test setup

    use super::*;

    /// `check --quarantine Q --audit-log FIFO` must fail before it moves anything.
    #[cfg(unix)]
    #[test]
    fn an_unwritable_audit_log_fails_before_any_model_is_quarantined() {
        let work = tempfile::tempdir().unwrap();
        let model = work.path().join("evil.pkl");
        std::fs::write(&model, b"unsigned").unwrap();
        let fifo = work.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let quarantine_dir = work.path().join("qq");
        let recorder = Recorder {
            path: &fifo,
            actor: Actor::from_environment(),
            checkpoints: None,
        };
        let trust = modelseal_sign::TrustRoot::any_certificate_under(Vec::new());
        let scan = modelseal_scan::ScanOptions::default();
        let options = GateOptions {
            trust: &trust,
            strict: true,
            scan: &scan,
            fail_on: modelseal_report::Severity::High,
            max_bytes: None,
            require_name_match: false,
            progress: None,
        };
        let actions = Actions {
            quarantine: Some(&quarantine_dir),
            audit: Some(&recorder),
        };
        let candidates = [Candidate {
            model: model.clone(),
            signature: None,
        }];
        assert!(check_all(&candidates, &options, &actions, &mut |_| {}).is_err());
        assert!(model.exists(), "the model was not moved");
        assert!(!quarantine_dir.exists());
    }
}
