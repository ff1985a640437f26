//! `modelseal quarantine list | show | release`.

use std::fmt::Write as _;

use modelseal_gate::{GateOptions, Release};
use modelseal_scan::ScanOptions;
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
pub fn failure(e: QuarantineError) -> Failure {
    use modelseal_fs::Reason;
    let exit = match &e {
        e if e.is_not_found() => Exit::NotFound,
        QuarantineError::AmbiguousId { prefix, candidates } => {
            return Failure::new(Exit::Usage, ambiguous(prefix, candidates));
        }
        QuarantineError::Overlap { .. }
        | QuarantineError::SignatureInTheWay { .. }
        | QuarantineError::ReleaseIntoQuarantine { .. }
        | QuarantineError::IdPrefixTooShort(_) => Exit::Usage,
        QuarantineError::Fs(fs) => match fs.reason {
            Reason::AlreadyExists => Exit::Usage,
            Reason::CopyMismatch { .. } => Exit::Integrity,
            _ => Exit::Malformed,
        },
        _ => Exit::Malformed,
    };
    let failure = Failure::new(exit, e.to_string());
    match &e {
        QuarantineError::Fs(fs) => failure.at(&fs.path),
        _ => failure,
    }
}

/// Candidates listed at most for an ambiguous prefix; the rest are counted.
const MAX_CANDIDATES: usize = 20;

/// An ambiguous id prefix, with the ids it matches (names from disk: escaped).
fn ambiguous(prefix: &str, candidates: &[String]) -> String {
    let mut message = format!(
        "incident id prefix {} is ambiguous; it matches:",
        render::name(prefix)
    );
    for id in candidates.iter().take(MAX_CANDIDATES) {
        message.push_str("\n  ");
        message.push_str(&render::name(id));
    }
    if candidates.len() > MAX_CANDIDATES {
        let _ = write!(
            message,
            "\n  … and {} more",
            candidates.len() - MAX_CANDIDATES
        );
    }
    message
}

/// The whole incident id that `id` (an id or a unique prefix of one) names.
fn resolve(dir: &std::path::Path, id: &str) -> Result<String, Failure> {
    quarantine::resolve_id(dir, id).map_err(failure)
}

fn list(args: &QuarantineListArgs, out: &Out) -> Result<Exit, Failure> {
    let inventory = quarantine::inventory(&args.dir).map_err(failure)?;
    // An incident that cannot be read is never silently left out of the list.
    for unreadable in &inventory.unreadable {
        out.warn(&format!(
            "{}: cannot read this incident: {}",
            render::path(&unreadable.dir),
            render::name(&unreadable.error.to_string())
        ));
    }
    let listed = inventory.incidents;
    if args.format == Format::Json {
        out.json(&listed);
        return Ok(Exit::Ok);
    }
    for item in &listed {
        let incident = &item.incident;
        let state = match (&incident.release, item.complete) {
            (Some(release), _) => format!("released to {}", render::path(&release.to)),
            (None, true) => "quarantined".to_owned(),
            (None, false) => {
                "incomplete: the model never arrived (it is still at its original path)".to_owned()
            }
        };

        // Every field comes from an incident file that anyone with access to the directory can
        // edit: escaped, so it cannot forge or erase lines.
        out.line(&format!(
            "{}  {}  {}  {}\n    {}",
            render::name(&incident.id),
            render::name(&incident.quarantined_at),
            render::path(&incident.original_path),
            state,
            render::name(&incident.reason)
        ));
    }
    if listed.is_empty() {
        out.note("no quarantined models");
    }
    Ok(Exit::Ok)
}

fn show(args: &QuarantineShowArgs, out: &Out) -> Result<Exit, Failure> {
    let id = resolve(&args.dir, &args.id)?;
    let (incident, model) = quarantine::show(&args.dir, &id).map_err(failure)?;
    out.json(&json!({ "incident": incident, "model": modelseal_report::path::Lossy(&model), "present": modelseal_fs::exists(&model) }));
    Ok(Exit::Ok)
}

fn release(args: &QuarantineReleaseArgs, out: &Out) -> Result<Exit, Failure> {
    // The incident must exist before anything else is asked of the user.
    let id = resolve(&args.dir, &args.id)?;
    quarantine::show(&args.dir, &id).map_err(failure)?;
    let trust = super::load_trust(
        args.trust.key.as_deref(),
        &args.trust.certificate_chain,
        &args.identity,
    )?;
    let scan = ScanOptions {
        policy: super::load_policy(args.scan.policy.as_deref())?,
        ..ScanOptions::default()
    };
    let options = GateOptions {
        trust: &trust,
        // Leaving quarantine needs a signature that verifies (the gate insists anyway).
        strict: true,
        scan: &scan,
        fail_on: super::scan::threshold(args.scan.fail_on),
        max_bytes: None,
        require_name_match: false,
        progress: None,
    };
    let key = super::audit::checkpoint_key(&args.audit)?;
    let recorder = super::audit::recorder(&args.audit, key.as_ref());
    let released = modelseal_gate::release(
        &args.dir,
        &id,
        &args.to,
        args.force.as_deref(),
        &options,
        recorder.as_ref(),
    )
    .map_err(super::gate_failure)?;
    let shown = render::path(&args.to);
    let (mut line, incident) = match released {
        Release::Refused(result) => {
            return Err(Failure::new(
                Exit::from(result.outcome),
                format!(
                    "{} still fails ({}); pass --force REASON to release it anyway",
                    render::name(&id),
                    render::name(&result.problems.join("; "))
                ),
            ));
        }
        Release::Forced { incident, check } => (
            format!(
                "released {} to {} despite: {} (reason recorded: {})",
                render::name(&incident.id),
                shown,
                render::name(&check.problems.join("; ")),
                args.force.as_deref().unwrap_or_default()
            ),
            incident,
        ),
        Release::Clean(incident) => (
            format!(
                "released {} to {} (verified and scanned clean)",
                render::name(&incident.id),
                shown
            ),
            incident,
        ),
    };
    let release = incident.release.as_ref();
    if let Some(signature) = release.and_then(|r| r.signature.as_deref()) {
        let _ = write!(line, "; signature restored to {}", render::path(signature));
    }
    out.line(&line);
    // The model is out, its signature is not: the next check fails it as unsigned. Said, and
    // not a success.
    if let Some(why) = release.and_then(|r| r.signature_not_restored.as_deref()) {
        return Err(Failure::new(
            Exit::Output,
            format!(
                "the signature kept in the incident was not written beside the released model: {}",
                render::name(why)
            ),
        ));
    }
    Ok(Exit::Ok)
}
