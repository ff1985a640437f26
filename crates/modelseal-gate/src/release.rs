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

/// Re-checks the quarantined model `id` in `dir` (its kept signature required, whatever
/// `options.strict` says) and moves it to `to` if it passes or `force` gives a reason.
pub fn release(
    dir: &Path,
    id: &str,
    to: &Path,
    force: Option<&str>,
    options: &GateOptions<'_>,
    audit: Option<&Recorder<'_>>,
) -> Result<Release, GateError> {
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
    let record = |outcome: &str| -> Result<(), GateError> {
        if let Some(recorder) = audit {
            recorder.record(Event {
                action: "release".to_owned(),
                subject: Some(format!("{}/{id}", dir.display())),
                digest: result.digest().map(str::to_owned),
                result: outcome.to_owned(),
                detail: json!({
                    "to": to.to_string_lossy(),
                    "forced_reason": force,
                    "problems": result.problems,
                }),
            })?;
        }
        Ok(())
    };
    let forced = match (force, result.passed()) {
        (_, true) => None,
        (Some(reason), false) => Some(reason.to_owned()),
        (None, false) => {
            record("refused")?;
            return Ok(Release::Refused(Box::new(result)));
        }
    };
    let actor = Actor::from_environment();
    let released = quarantine::release(dir, id, to, forced.clone(), &actor)?;
    record(if forced.is_some() { "forced" } else { "pass" })?;
    Ok(match forced {
        Some(_) => Release::Forced {
            incident: released,
            check: Box::new(result),
        },
        None => Release::Clean(released),
    })
}
