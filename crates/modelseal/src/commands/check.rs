//! `modelseal check`: the gate a CI pipeline or a model server calls before a model is used.

use std::fmt::Write as _;
use std::path::Path;

use modelseal_gate::{
    Actions, Candidate, CheckReport, CheckedModel, GateOptions, Integrity, Progress,
};
use modelseal_report::Severity;
use modelseal_scan::ScanOptions;
use modelseal_sign::SignerIdentity;

use crate::cli::{CheckArgs, ReportFormat};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

pub fn run(args: &CheckArgs, out: &Out) -> Result<Exit, Failure> {
    if args.signature.is_some() && (args.paths.len() != 1 || args.models_root.is_some()) {
        return Err(Failure::usage(
            "--signature names the signature of one model: give one PATH",
        ));
    }
    // The gate reads a signature from its path (and quarantines it with the model): stdin is
    // refused rather than taken for a file named `-` (`./-` names one).
    if args
        .signature
        .as_deref()
        .is_some_and(crate::paths::is_stdio)
    {
        return Err(Failure::usage(
            "check reads the signature from a file: --signature - (stdin) is for verify; \
             a file named - is ./-",
        ));
    }
    let inputs: Vec<&Path> = args
        .paths
        .iter()
        .chain(&args.models_root)
        .map(AsRef::as_ref)
        .collect();
    super::audit::guard_log(&args.audit, &inputs)?;
    let trust = super::load_trust(
        args.trust.key.as_deref(),
        &args.trust.certificate_chain,
        &args.identity,
    )?;
    let scan = ScanOptions {
        policy: super::load_policy(args.scan.policy.as_deref())?,
        ..ScanOptions::default()
    };
    let fail_on = super::scan::threshold(args.scan.fail_on);
    let mut candidates = modelseal_gate::discover(&args.paths, args.signature.as_deref(), false);
    if let Some(root) = &args.models_root {
        candidates.extend(modelseal_gate::discover(
            std::slice::from_ref(root),
            None,
            true,
        ));
    }
    modelseal_gate::dedup(&mut candidates);
    let progress = progress_bar(&candidates, out, args.format != ReportFormat::Text);
    let hashed = crate::progress::shared(progress.as_ref().map(|(bar, _)| bar));
    let options = GateOptions {
        trust: &trust,
        // Fail closed: `--strict` is the default (the flag is a no-op kept for old scripts).
        strict: !args.allow_unsigned,
        scan: &scan,
        fail_on,
        max_bytes: args.max_bytes,
        require_name_match: args.require_name_match,
        progress: hashed.as_ref(),
    };
    let key = super::audit::checkpoint_key(&args.audit)?;
    let recorder = super::audit::recorder(&args.audit, key.as_ref());
    let actions = Actions {
        quarantine: args.quarantine.as_deref(),
        audit: recorder.as_ref(),
    };
    // Models done, and the bytes they hold.
    let mut done = (0usize, 0u64);
    let report = modelseal_gate::check_all(&candidates, &options, &actions, &mut |step| {
        if let Progress::Recovered(path) = step {
            out.note(&format!(
                "quarantine recovery removed {} (left by a killed run)",
                render::path(path)
            ));
        }
        if let Some((bar, sizes)) = &progress {
            match step {
                Progress::Checking(candidate) => bar.bar().set_message(format!(
                    "{}/{} models  {}",
                    done.0,
                    sizes.len(),
                    render::path(&candidate.model)
                )),
                // Each model ends at its full size, hashed or not (an unsigned model is
                // scanned, not hashed): the bar counts the bytes of models done.
                Progress::Done => {
                    done.1 = done
                        .1
                        .saturating_add(sizes.get(done.0).copied().unwrap_or(0));
                    done.0 += 1;
                    bar.bar().set_position(done.1);
                }
                Progress::Recovered(_) => {}
            }
        }
    })
    .map_err(super::gate_failure)?;
    if let Some((bar, _)) = &progress {
        bar.finish();
    }
    let exit = Exit::from(report.outcome);
    match args.format {
        ReportFormat::Text => render_text(&report, exit, out),
        ReportFormat::Json => out.json(&report),
        ReportFormat::Sarif => out.json(&modelseal_gate::sarif::check_log(&report)),
    }
    Ok(exit)
}

/// A bar on a terminal when the run is long enough to want one (more than a few models or
/// more than a gigabyte), with each model's size; always under `MODELSEAL_PROGRESS=always`.
fn progress_bar(
    candidates: &[Candidate],
    out: &Out,
    machine: bool,
) -> Option<(std::sync::Arc<crate::progress::Bar>, Vec<u64>)> {
    // Asked before the models are measured: measuring walks every model.
    if !crate::progress::wanted(out, machine) {
        return None;
    }
    let sizes: Vec<u64> = candidates.iter().map(|c| size_of(&c.model)).collect();
    let bytes = sizes.iter().fold(0, |a: u64, b| a.saturating_add(*b));
    if candidates.len() <= 3 && bytes <= 1 << 30 && !crate::progress::forced() {
        return None;
    }
    let bar = crate::progress::models(bytes, out, machine)?;
    Some((bar, sizes))
}

/// Bytes in a model, for deciding whether a progress bar is worth it (links not followed).
fn size_of(path: &Path) -> u64 {
    let walker = modelseal_fs::Walker {
        symlinks: modelseal_fs::Symlinks::FollowTop,
        special_files: modelseal_fs::SpecialFiles::Skip,
        require_utf8: false,
        ..modelseal_fs::Walker::default()
    };
    walker
        .walk(path)
        .map_or(0, |walk| walk.entries.iter().map(|e| e.meta.len()).sum())
}

fn signer_text(signer: &SignerIdentity) -> String {
    match signer {
        SignerIdentity::Key { algorithm, hint } => {
            format!("{algorithm} key {}", &hint[..hint.len().min(12)])
        }
        // A certificate subject is text from a file: escaped like a name.
        SignerIdentity::Certificate {
            subject,
            identities,
            ..
        } => super::verify::certificate_text(subject, identities),
    }
}

fn render_text(report: &CheckReport, exit: Exit, out: &Out) {
    let fail_on: Severity = report.fail_on;
    for CheckedModel {
        result,
        quarantined,
    } in &report.models
    {
        let name = render::path(&result.model);
        let files = result.scan.files.len();
        let findings = result.scan.findings().count();
        if result.passed() {
            let how = match &result.integrity {
                Integrity::Verified { signer, .. } => format!("signed by {}", signer_text(signer)),
                _ => "unsigned".to_owned(),
            };
            let line = format!("{name}: {how}, {files} file(s) scanned, {findings} finding(s)");
            if result.warnings.is_empty() {
                out.line(&out.pass(&line));
            } else {
                out.line(&out.dim(&format!("! {line}")));
            }
        } else {
            out.line(&out.fail(&format!(
                "{name}: {}",
                modelseal_gate::verdict(result.outcome)
            )));
            // Problems quote file names from the model: escaped, so a name cannot forge a line.
            for problem in &result.problems {
                out.line(&format!("    {}", render::name(problem)));
            }
            for file in &result.scan.files {
                if file.findings.iter().any(|f| f.severity >= fail_on) {
                    super::scan::render_file(file, fail_on, out);
                }
            }
        }
        for warning in &result.warnings {
            out.line(&format!("    warning: {}", render::name(warning)));
        }
        if let Some(path) = quarantined {
            out.line(&format!("    quarantined in {}", render::path(path)));
        }
    }
    let counts = report.summary;
    let (failed, unsigned, quarantined) = (counts.failed, counts.unsigned, counts.quarantined);
    let mut summary = format!(
        "{} model(s): {} passed, {failed} failed",
        counts.models, counts.passed
    );
    if unsigned > 0 {
        let _ = write!(summary, ", {unsigned} unsigned");
    }
    if quarantined > 0 {
        let _ = write!(summary, ", {quarantined} quarantined");
    }
    let _ = write!(summary, " (exit {})", exit.code());
    out.note(&summary);
}
