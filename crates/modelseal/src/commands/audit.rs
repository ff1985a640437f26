//! `modelseal audit ...` and the `--audit-log` recording every deciding command shares.

use std::fmt::Write as _;
use std::path::Path;

use modelseal_sign::{PublicKey, SigningKey};
use modelseal_store::audit::{
    self, Actor, AuditError, CheckpointPolicy, Event, Problem, Recorder, VerifyOptions,
    VerifyReport,
};
use serde_json::json;

use crate::cli::{
    AuditCheckpointArgs, AuditCommand, AuditConsistencyArgs, AuditLogArgs, AuditProveArgs,
    AuditVerifyArgs, Format,
};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

pub fn run(command: &AuditCommand, out: &Out) -> Result<Exit, Failure> {
    match command {
        AuditCommand::Verify(args) => verify(args, out),
        AuditCommand::Prove(args) => prove(args, out),
        AuditCommand::Consistency(args) => consistency(args, out),
        AuditCommand::Checkpoint(args) => checkpoint(args, out),
    }
}

/// The key that signs checkpoints of the audit log, when one was given.
pub fn checkpoint_key(args: &AuditLogArgs) -> Result<Option<SigningKey>, Failure> {
    match (&args.log, &args.key) {
        (Some(_), Some(key)) => Ok(Some(SigningKey::load(key, None)?)),
        _ => Ok(None),
    }
}

/// The recorder of `--audit-log`, if one was asked for.
pub fn recorder<'a>(args: &'a AuditLogArgs, key: Option<&'a SigningKey>) -> Option<Recorder<'a>> {
    let path = args.log.as_deref()?;
    Some(Recorder {
        path,
        actor: Actor::from_environment(),
        checkpoints: key.map(|key| CheckpointPolicy {
            key,
            every: args.checkpoint_every,
            witness: args.checkpoint_dir.as_deref(),
        }),
    })
}

/// Checks `--audit-log`, if given, before the command acts on `inputs` (the models it signs,
/// verifies, scans or checks). A log inside an input is a usage error: the appended entry
/// would change the very model just signed or verified. A file that is not a log (a config,
/// weights) is refused as `audit verify` refuses it (exit 4), so nothing is decided and then
/// left unrecorded.
pub fn guard_log(args: &AuditLogArgs, inputs: &[&Path]) -> Result<(), Failure> {
    let Some(log) = args.log.as_deref() else {
        return Ok(());
    };
    if let Some(input) = inputs.iter().find(|input| lies_within(log, input)) {
        return Err(Failure::usage(format!(
            "--audit-log {} lies inside {}, an input of this command: an entry appended there \
             would change what is being checked; keep the audit log outside the models",
            render::path(log),
            render::path(input)
        )));
    }
    let key = checkpoint_key(args)?;
    match recorder(args, key.as_ref()) {
        Some(recorder) => recorder.ready().map_err(write_failure),
        None => Ok(()),
    }
}

/// Whether `path` is `input` itself (a single-file model) or lies inside the directory
/// `input`, resolved as the file system would (links, `..`), whether `path` exists yet or not.
fn lies_within(path: &Path, input: &Path) -> bool {
    if modelseal_fs::relative_inside(input, path).is_some() {
        return true;
    }
    match (
        modelseal_fs::canonicalize(path),
        modelseal_fs::canonicalize(input),
    ) {
        (Ok(path), Ok(input)) => path == input,
        _ => false,
    }
}

/// Appends `event` to the audit log, if one was asked for. A log that was asked for but
/// cannot be written fails the command: a decision must not go unrecorded.
pub fn record(args: &AuditLogArgs, event: Event) -> Result<(), Failure> {
    let key = checkpoint_key(args)?;
    match recorder(args, key.as_ref()) {
        Some(recorder) => recorder.record(event).map(|_| ()).map_err(write_failure),
        None => Ok(()),
    }
}

/// The audit event for a command that ended in `result`.
pub fn outcome_event(
    action: &str,
    subject: &std::path::Path,
    digest: Option<String>,
    result: &Result<Exit, Failure>,
    detail: serde_json::Value,
) -> Event {
    let (result, detail) = match result {
        Ok(exit) => (exit_result(*exit), detail),
        Err(failure) => (
            "error".to_owned(),
            json!({ "exit": failure.exit.code(), "error": failure.message }),
        ),
    };
    Event {
        action: action.to_owned(),
        subject: Some(subject.display().to_string()),
        digest,
        result,
        detail,
    }
}

pub fn exit_result(exit: Exit) -> String {
    match exit.outcome() {
        Some(outcome) => outcome.as_str(),
        None if exit == Exit::Usage => "usage-error",
        None if exit == Exit::Output => "output-error",
        None => "internal-error",
    }
    .to_owned()
}

/// An audit log that was asked for and cannot be written (a directory, a missing or read-only
/// directory, a full disk): the output was not written, exit 74, as for any other output. A
/// file that is not a log stays malformed input (4), and the rest maps as [`failure`] says.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(write_failure)`
pub fn write_failure(e: AuditError) -> Failure {
    match &e {
        AuditError::Fs(fs) => Failure {
            kind: Some(crate::exit::FailureKind::OutputNotWritten),
            ..Failure::new(Exit::Output, format!("audit log not written: {e}")).at(&fs.path)
        },
        _ => failure(e),
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(failure)`
pub fn failure(e: AuditError) -> Failure {
    let exit = match &e {
        AuditError::Fs(fs) => Exit::of_fs(fs),
        AuditError::OutOfRange(_) => Exit::Usage,
        AuditError::Encode { .. }
        | AuditError::Sign(_)
        | AuditError::Checkpoint(_)
        | AuditError::IndexOverflow { .. }
        | AuditError::NoEntryInTail { .. }
        | AuditError::EmptyLog { .. }
        | AuditError::Trusted { .. } => Exit::Malformed,
        // Said as it is: "audit log: not a modelseal audit log" would contradict itself.
        AuditError::NotALog { path } => {
            return Failure::new(
                Exit::Malformed,
                format!("not a modelseal audit log: {}", render::path(path)),
            )
            .at(path);
        }
        // The witness holds another root for this size: the log was rewritten.
        AuditError::WitnessConflict { .. } => Exit::Integrity,
    };
    let failure = Failure::new(exit, format!("audit log: {e}"));
    match &e {
        AuditError::Fs(fs) => Failure {
            kind: Some(crate::exit::FailureKind::of_fs(fs)),
            ..failure.at(&fs.path)
        },
        _ => failure,
    }
}

fn verify(args: &AuditVerifyArgs, out: &Out) -> Result<Exit, Failure> {
    let key = args.key.as_deref().map(PublicKey::load).transpose()?;
    let mut trusted = Vec::new();
    if let Some(path) = &args.checkpoint {
        let note = modelseal_fs::read_to_string_limited(path, audit::MAX_NOTE_BYTES)?;
        trusted.push((format!("the trusted checkpoint {}", path.display()), note));
    }
    if let Some(dir) = &args.checkpoint_dir {
        trusted.extend(audit::witness_notes(dir).map_err(failure)?);
    }
    let options = VerifyOptions {
        key: key.as_ref(),
        trusted,
        allow_uncovered_tail: args
            .allow_uncovered_tail
            .then(|| args.checkpoint_every.saturating_sub(1)),
    };
    let report = audit::verify_with(&args.log, &options).map_err(failure)?;
    let exit = if report.intact() {
        Exit::Ok
    } else {
        Exit::Integrity
    };
    if args.format == Format::Json {
        out.json(&json!({
            "intact": report.intact(),
            "authenticated": report.authenticated(),
            "exit_code": exit.code(),
            "report": report,
        }));
    } else {
        render_verify(&args.log, &report, out);
    }
    Ok(exit)
}

fn render_verify(path: &std::path::Path, report: &VerifyReport, out: &Out) {
    let shown = path.display().to_string();
    let name = render::name(&shown);
    if report.intact() {
        let root = &report.root[..16];
        if report.authenticated() {
            let mut line = format!("{name}: intact, {} entries, root {root}", report.entries);
            let _ = write!(
                line,
                ", {} checkpoint(s) matched",
                report.checkpoints_verified
            );
            if report.trusted_matched > 0 {
                let _ = write!(
                    line,
                    ", {} trusted checkpoint(s) matched",
                    report.trusted_matched
                );
            }
            if report.signatures_checked {
                if report.uncovered_accepted > 0 {
                    let _ = write!(
                        line,
                        "; the last {} entries are not yet covered by a signed checkpoint (accepted: --allow-uncovered-tail)",
                        report.uncovered_accepted
                    );
                } else {
                    line.push_str("; every entry covered by a signed checkpoint");
                }
            } else {
                let _ = write!(
                    line,
                    "; the first {} entries match a trusted checkpoint, checkpoint signatures not checked (no --key)",
                    report.covered
                );
            }
            out.line(&out.pass(&line));
        } else if report.no_signed_checkpoint_yet() {
            // Accepted as a young tail (--allow-uncovered-tail), but with no checkpoint signed
            // by the key before it the whole log is tail: anyone could have written it.
            out.line(&out.dim(&format!(
                "! {name}: consistent, {} entries, root {root}; NOT authenticated: no signed \
                 checkpoint yet (no checkpoint signed by this key covers any entry; accepted \
                 by --allow-uncovered-tail, but a log written without the key looks the same)",
                report.entries
            )));
        } else {
            // Only a key or a checkpoint kept elsewhere proves anything: a log rewritten by
            // whoever can write it agrees with itself just as well.
            out.line(&out.dim(&format!(
                "! {name}: consistent, {} entries, root {root}; NOT authenticated: no --key, \
                 so the {} checkpoint(s) in it were not checked against a key and a rewritten \
                 log would pass too (pass --key, --trusted-checkpoint or --checkpoint-dir)",
                report.entries, report.checkpoints_verified
            )));
        }
    } else {
        out.line(&out.fail(&format!(
            "{name}: NOT intact ({} problem(s))",
            report.problem_count()
        )));
        for Problem {
            kind,
            line,
            message,
        } in &report.problems
        {
            out.line(&format!(
                "  line {line}: {kind:?}: {}",
                render::name(message)
            ));
        }
        if report.problems_omitted > 0 {
            out.line(&format!(
                "  … and {} more problem(s), not listed",
                report.problems_omitted
            ));
        }
    }
    for pending in &report.pending {
        out.line(&render::name(&format!(
            "  note: entry {} (line {}): {} of {} was announced but never completed (the command was interrupted)",
            pending.index,
            pending.line,
            pending.action,
            pending.subject.as_deref().unwrap_or("?")
        )));
    }
    if report.pending_omitted > 0 {
        out.line(&format!(
            "  … and {} more intent(s) not listed (announced while {} others were open; some \
             may have been completed since)",
            report.pending_omitted,
            audit::MAX_PENDING
        ));
    }
}

fn prove(args: &AuditProveArgs, out: &Out) -> Result<Exit, Failure> {
    let proof = audit::prove_inclusion(&args.log, args.index).map_err(failure)?;
    out.json(&proof);
    Ok(Exit::Ok)
}

fn consistency(args: &AuditConsistencyArgs, out: &Out) -> Result<Exit, Failure> {
    let proof = audit::prove_consistency(&args.log, args.old_size).map_err(failure)?;
    out.json(&proof);
    Ok(Exit::Ok)
}

fn checkpoint(args: &AuditCheckpointArgs, out: &Out) -> Result<Exit, Failure> {
    let key = crate::passphrase::load_signing_key(&args.key, args.passphrase_env.as_deref())?;
    let note = audit::checkpoint_with_witness(&args.log, &key, args.checkpoint_dir.as_deref())
        .map_err(failure)?;
    out.text(&note);
    Ok(Exit::Ok)
}
