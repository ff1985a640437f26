//! Leaving quarantine: a model goes back only once it re-verifies (a signature is required)
//! and re-scans clean, or when someone forces it with a recorded reason.

use std::path::Path;

use modelseal_store::audit::{Actor, Event, Recorder};
use modelseal_store::quarantine::{self, Incident};
use serde_json::json;

use crate::{Candidate, GateError, GateOptions, ModelResult, check};

/// How a release request ended.
#[derive(Debug)]
pub enum Release {
    /// The model passed the gate and was moved to its destination.
    Clean(Incident),
    /// The model failed but was released with the given reason (recorded in the incident and
    /// the audit log).
    Forced {
        /// The incident the model was released from, with the reason recorded.
        incident: Incident,
        /// The check the model failed.
        check: Box<ModelResult>,
    },
    /// The model failed and stays in quarantine.
    Refused(Box<ModelResult>),
}

/// Re-checks the quarantined model `id` (a whole id: see
/// [`modelseal_store::quarantine::resolve_id`] for prefixes) in `dir` (its kept signature
/// required, whatever `options.strict` says) and moves it to `to` if it passes or `force`
/// gives a reason; the kept signature goes back beside it, `<to>.sig`.
pub fn release(
    dir: &Path,
    id: &str,
    to: &Path,
    force: Option<&str>,
    options: &GateOptions<'_>,
    audit: Option<&Recorder<'_>>,
) -> Result<Release, GateError> {
    quarantine::refuse_release_into(dir, to)?;
    if let Some(recorder) = audit {
        recorder.ready()?;
    }
    let (incident, model) = quarantine::show(dir, id)?;
    let options = GateOptions {
        strict: true,
        ..*options
    };
    let candidate = Candidate {
        model,
        signature: incident
            .signature
            .as_ref()
            .map(|name| dir.join(id).join(name)),
    };
    let result = check(&candidate, &options);
    let record =
        |outcome: &str, intent: Option<u64>, error: Option<String>, done: Option<&Incident>| {
            let Some(recorder) = audit else {
                return Ok(None);
            };
            let mut detail = json!({
                "to": modelseal_report::path::Lossy(to),
                "forced_reason": force,
                "problems": result.problems,
            });
            if let Some(index) = intent {
                detail["intent"] = json!(index);
            }
            if let Some(error) = error {
                detail["error"] = json!(error);
            }
            // Where the signature went with the model, or why it did not.
            if let Some(release) = done.and_then(|incident| incident.release.as_ref()) {
                if let Some(signature) = &release.signature {
                    detail["signature"] = json!(modelseal_report::path::Lossy(signature));
                }
                if let Some(why) = &release.signature_not_restored {
                    detail["signature_not_restored"] = json!(why);
                }
            }
            recorder
                .record(Event {
                    action: "release".to_owned(),
                    subject: Some(format!("{}/{id}", dir.display())),
                    digest: result.digest().map(str::to_owned),
                    result: outcome.to_owned(),
                    detail,
                })
                .map(|entry| Some(entry.index))
        };
    let forced = match (force, result.passed()) {
        (_, true) => None,
        (Some(reason), false) => Some(reason.to_owned()),
        (None, false) => {
            record("refused", None, None, None)?;
            return Ok(Release::Refused(Box::new(result)));
        }
    };
    // The intent is recorded before the model moves, its outcome after: a run killed between
    // the two leaves an intent the log reports as pending, never a silent release.
    let intent = record("intent", None, None, None)?;
    let actor = Actor::from_environment();
    let released = match quarantine::release(dir, id, to, forced.clone(), &actor) {
        Ok(released) => released,
        Err(e) => {
            record("error", intent, Some(e.to_string()), None)?;
            return Err(e.into());
        }
    };
    record(
        if forced.is_some() { "forced" } else { "pass" },
        intent,
        None,
        Some(&released),
    )?;
    Ok(match forced {
        Some(_) => Release::Forced {
            incident: released,
            check: Box::new(result),
        },
        None => Release::Clean(released),
    })
}
