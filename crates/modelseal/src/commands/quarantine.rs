//! `modelseal quarantine list | show | release`.

use modelseal_scan::ScanOptions;
use modelseal_store::audit::{Actor, Event};
use modelseal_store::gate::{self, Candidate, GateOptions};
use modelseal_store::quarantine::{self, QuarantineError};
use serde_json::json;

use crate::cli::{
    Format, QuarantineCommand, QuarantineListArgs, QuarantineReleaseArgs, QuarantineShowArgs,
};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

pub fn run(command: &QuarantineCommand, out: &Out) -> Result<Exit, Failure> {
    match command {
        QuarantineCommand::List(args) => list(args, out),
        QuarantineCommand::Show(args) => show(args, out),
        QuarantineCommand::Release(args) => release(args, out),
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(failure)`
fn failure(e: QuarantineError) -> Failure {
    let exit = match &e {
        QuarantineError::NotFound(_) | QuarantineError::NoSuchIncident(_) => Exit::NotFound,
        QuarantineError::Exists(_) => Exit::Usage,
        QuarantineError::CopyMismatch { .. } => Exit::Integrity,
        QuarantineError::Io { .. }
        | QuarantineError::BadIncident { .. }
        | QuarantineError::Unsupported(_) => Exit::Malformed,
    };
    Failure {
        exit,
        message: e.to_string(),
    }
}

fn list(args: &QuarantineListArgs, out: &Out) -> Result<Exit, Failure> {
    let listed = quarantine::list(&args.dir).map_err(failure)?;
    if args.format == Format::Json {
        out.json(&listed);
        return Ok(Exit::Ok);
    }
    for item in &listed {
        let incident = &item.incident;
        let state = match (&incident.release, item.complete) {
            (Some(release), _) => format!("released to {}", release.to.display()),
            (None, true) => "quarantined".to_owned(),
            (None, false) => {
                "incomplete: the model never arrived (it is still at its original path)".to_owned()
            }
        };
        let original = incident.original_path.display().to_string();
        out.line(&format!(
            "{}  {}  {}  {state}\n    {}",
            incident.id,
            incident.quarantined_at,
            render::name(&original),
            incident.reason
        ));
    }
    if listed.is_empty() {
        out.note("no quarantined models");
    }
    Ok(Exit::Ok)
}

fn show(args: &QuarantineShowArgs, out: &Out) -> Result<Exit, Failure> {
    let (incident, model) = quarantine::show(&args.dir, &args.id).map_err(failure)?;
    out.json(&json!({ "incident": incident, "model": model, "present": model.symlink_metadata().is_ok() }));
    Ok(Exit::Ok)
}

fn release(args: &QuarantineReleaseArgs, out: &Out) -> Result<Exit, Failure> {
    let (incident, model) = quarantine::show(&args.dir, &args.id).map_err(failure)?;
    let trust = super::load_trust(args.trust.key.as_deref(), &args.trust.certificate_chain)?;
    let scan = ScanOptions {
        policy: super::load_policy(args.scan.policy.as_deref())?,
        ..ScanOptions::default()
    };
    let options = GateOptions {
        trust: &trust,
        // Leaving quarantine needs a signature that verifies.
        strict: true,
        scan: &scan,
        fail_on: super::scan::threshold(args.scan.fail_on),
    };
    let signature = incident
        .signature
        .as_ref()
        .map(|name| args.dir.join(&args.id).join(name));
    let candidate = Candidate {
        model: model.clone(),
        signature,
    };
    let result = gate::check(&candidate, &options);
    let forced = match (&args.force, result.passed()) {
        (_, true) => None,
        (Some(reason), false) => Some(reason.clone()),
        (None, false) => {
            let message = format!(
                "{} still fails ({}); pass --force REASON to release it anyway",
                args.id,
                result.problems.join("; ")
            );
            let event = release_event(args, result.digest(), "refused", &result.problems);
            super::audit::record(&args.audit, event)?;
            return Err(Failure {
                exit: match result.exit_code {
                    gate::INTEGRITY => Exit::Integrity,
                    gate::THREAT => Exit::Threat,
                    gate::NOT_FOUND => Exit::NotFound,
                    _ => Exit::Malformed,
                },
                message,
            });
        }
    };
    let actor = Actor::from_environment();
    let released = quarantine::release(&args.dir, &args.id, &args.to, forced.clone(), &actor)
        .map_err(failure)?;
    let outcome = if forced.is_some() { "forced" } else { "pass" };
    let event = release_event(args, result.digest(), outcome, &result.problems);
    super::audit::record(&args.audit, event)?;
    let shown = args.to.display().to_string();
    let line = match &forced {
        Some(reason) => format!(
            "released {} to {} despite: {} (reason recorded: {reason})",
            released.id,
            render::name(&shown),
            result.problems.join("; ")
        ),
        None => format!(
            "released {} to {} (verified and scanned clean)",
            released.id,
            render::name(&shown)
        ),
    };
    out.line(&line);
    Ok(Exit::Ok)
}

fn release_event(
    args: &QuarantineReleaseArgs,
    digest: Option<&str>,
    result: &str,
    problems: &[String],
) -> Event {
    Event {
        action: "release".to_owned(),
        subject: Some(format!("{}/{}", args.dir.display(), args.id)),
        digest: digest.map(str::to_owned),
        result: result.to_owned(),
        detail: json!({ "to": args.to, "forced_reason": args.force, "problems": problems }),
    }
}
