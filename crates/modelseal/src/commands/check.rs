//! `modelseal check`: the gate a CI pipeline or a model server calls before a model is used.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use modelseal_scan::{ScanOptions, ScanReport, Severity};
use modelseal_sign::SignerIdentity;
use modelseal_store::audit::{Actor, Event};
use modelseal_store::gate::{self, Candidate, GateOptions, Integrity, ModelResult};
use modelseal_store::quarantine::{self, Options, Reason};
use serde_json::{Value, json};

use crate::cli::{CheckArgs, ReportFormat};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

/// A model's verdict and, if it was moved, where to.
struct Checked {
    result: ModelResult,
    quarantined: Option<PathBuf>,
}

pub fn run(args: &CheckArgs, out: &Out) -> Result<Exit, Failure> {
    if args.signature.is_some() && (args.paths.len() != 1 || args.models_root.is_some()) {
        return Err(Failure::usage(
            "--signature names the signature of one model: give one PATH",
        ));
    }
    let trust = super::load_trust(args.trust.key.as_deref(), &args.trust.certificate_chain)?;
    let scan = ScanOptions {
        policy: super::load_policy(args.scan.policy.as_deref())?,
        ..ScanOptions::default()
    };
    let fail_on = super::scan::threshold(args.scan.fail_on);
    let options = GateOptions {
        trust: &trust,
        strict: args.strict,
        scan: &scan,
        fail_on,
    };
    let mut candidates = gate::discover(&args.paths, args.signature.as_deref(), false);
    if let Some(root) = &args.models_root {
        candidates.extend(gate::discover(std::slice::from_ref(root), None, true));
    }
    let progress = progress_bar(&candidates, out);
    let actor = Actor::from_environment();
    let mut checked = Vec::with_capacity(candidates.len());
    for candidate in &candidates {
        if let Some(bar) = &progress {
            bar.set_message(candidate.model.display().to_string());
        }
        let mut result = gate::check(candidate, &options);
        let quarantined = match &args.quarantine {
            Some(dir) if !result.passed() && candidate.model.symlink_metadata().is_ok() => {
                move_to_quarantine(&mut result, dir, &actor)
            }
            _ => None,
        };
        super::audit::record(&args.audit, event(&result, quarantined.as_deref()))?;
        checked.push(Checked {
            result,
            quarantined,
        });
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let exit = Exit::from_gate(gate::combine(checked.iter().map(|c| c.result.exit_code)));
    match args.format {
        ReportFormat::Text => render_text(&checked, fail_on, exit, out),
        ReportFormat::Json => out.json(&json_report(&checked, args, fail_on, exit)),
        ReportFormat::Sarif => out.json(&sarif(&checked, args.strict)),
    }
    Ok(exit)
}

/// A bar on a terminal when the run is long enough to want one: more than a few models or
/// more than a gigabyte.
fn progress_bar(candidates: &[Candidate], out: &Out) -> Option<indicatif::ProgressBar> {
    if out.is_quiet() || !std::io::stderr().is_terminal() {
        return None;
    }
    let bytes: u64 = candidates.iter().map(|c| size_of(&c.model)).sum();
    if candidates.len() <= 3 && bytes <= 1 << 30 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(candidates.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} models  {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

fn size_of(path: &Path) -> u64 {
    let Ok(meta) = path.symlink_metadata() else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(path).map_or(0, |entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| size_of(&e.path()))
                .sum()
        })
    } else {
        meta.len()
    }
}

fn move_to_quarantine(result: &mut ModelResult, dir: &Path, actor: &Actor) -> Option<PathBuf> {
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
    match quarantine::quarantine(
        &result.model,
        dir,
        reason,
        actor,
        Options::default(),
        &mut |_| {},
    ) {
        Ok(incident) => {
            // The signature beside the model goes with it (a copy is in the incident), so the
            // next run does not report a signature without its model.
            if let Some(signature) = &result.signature
                && incident.signature.is_some()
                && *signature == modelseal_sign::default_signature_path(&result.model)
                && let Err(e) = std::fs::remove_file(signature)
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
    }
}

/// The OMS root digest (SHA-256, whole files) of the model as it is now.
fn content_digest(model: &Path) -> Option<String> {
    let serialization =
        modelseal_digest::Serialization::files(modelseal_digest::HashAlgorithm::Sha256);
    let manifest = modelseal_digest::hash_model(model, &serialization).ok()?;
    Some(format!("sha256:{}", hex::encode(manifest.root_digest())))
}

fn event(result: &ModelResult, quarantined: Option<&Path>) -> Event {
    let mut detail = json!({
        "exit": result.exit_code,
        "problems": result.problems,
        "findings": result.scan.findings().count(),
    });
    if let Some(path) = quarantined {
        detail["quarantined"] = json!(path.display().to_string());
    }
    Event {
        action: "check".to_owned(),
        subject: Some(result.model.display().to_string()),
        digest: result.digest().map(str::to_owned),
        result: super::audit::exit_result(Exit::from_gate(result.exit_code)),
        detail,
    }
}

fn verdict(code: u8) -> &'static str {
    match code {
        gate::PASSED => "passed",
        gate::INTEGRITY => "integrity failure",
        gate::THREAT => "threat",
        gate::NOT_FOUND => "not found",
        _ => "unreadable",
    }
}

fn signer_text(signer: &SignerIdentity) -> String {
    match signer {
        SignerIdentity::Key { algorithm, hint } => {
            format!("{algorithm} key {}", &hint[..hint.len().min(12)])
        }
        SignerIdentity::Certificate { subject, .. } => format!("certificate {subject}"),
    }
}

fn render_text(checked: &[Checked], fail_on: Severity, exit: Exit, out: &Out) {
    for Checked {
        result,
        quarantined,
    } in checked
    {
        let shown = result.model.display().to_string();
        let name = render::name(&shown);
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
            out.line(&out.fail(&format!("{name}: {}", verdict(result.exit_code))));
            for problem in &result.problems {
                out.line(&format!("    {problem}"));
            }
            for file in &result.scan.files {
                if file.findings.iter().any(|f| f.severity >= fail_on) {
                    super::scan::render_file(file, fail_on, out);
                }
            }
        }
        for warning in &result.warnings {
            out.line(&format!("    warning: {warning}"));
        }
        if let Some(path) = quarantined {
            out.line(&format!("    quarantined in {}", path.display()));
        }
    }
    let failed = checked.iter().filter(|c| !c.result.passed()).count();
    let unsigned = checked
        .iter()
        .filter(|c| matches!(c.result.integrity, Integrity::Unsigned))
        .count();
    let quarantined = checked.iter().filter(|c| c.quarantined.is_some()).count();
    let mut summary = format!(
        "{} model(s): {} passed, {failed} failed",
        checked.len(),
        checked.len() - failed
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

fn json_report(checked: &[Checked], args: &CheckArgs, fail_on: Severity, exit: Exit) -> Value {
    let models: Vec<Value> = checked
        .iter()
        .map(|Checked { result, quarantined }| {
            json!({
                "model": result.model,
                "signature": result.signature,
                "exit_code": result.exit_code,
                "verdict": verdict(result.exit_code),
                "digest": result.digest(),
                "integrity": result.integrity,
                "files_scanned": result.scan.files.len(),
                "findings": result.scan.findings().collect::<Vec<_>>(),
                "unreadable": result.scan.errors().map(|f| json!({"path": f.path, "error": f.error})).collect::<Vec<_>>(),
                "problems": result.problems,
                "warnings": result.warnings,
                "quarantined": quarantined,
            })
        })
        .collect();
    let count = |pred: &dyn Fn(&Checked) -> bool| checked.iter().filter(|c| pred(c)).count();
    json!({
        "exit_code": exit.code(),
        "fail_on": fail_on.as_str(),
        "strict": args.strict,
        "summary": {
            "models": checked.len(),
            "passed": count(&|c| c.result.passed()),
            "failed": count(&|c| !c.result.passed()),
            "unsigned": count(&|c| matches!(c.result.integrity, Integrity::Unsigned)),
            "quarantined": count(&|c| c.quarantined.is_some()),
        },
        "models": models,
    })
}

/// SARIF with every scan finding and every integrity failure as results.
fn sarif(checked: &[Checked], strict: bool) -> Value {
    let combined = ScanReport {
        files: checked
            .iter()
            .flat_map(|c| c.result.scan.files.clone())
            .collect(),
    };
    let mut results = Vec::new();
    for Checked { result, .. } in checked {
        let model = &result.model;
        // The whole file as the region (empty for a directory or a missing file).
        let at = |path: &Path| {
            let length =
                std::fs::metadata(path).map_or(0, |m| if m.is_file() { m.len() } else { 0 });
            json!([{ "physicalLocation": {
                "artifactLocation": { "uri": crate::sarif::uri(path) },
                "region": { "byteOffset": 0, "byteLength": length },
            } }])
        };
        match &result.integrity {
            Integrity::Changed {
                missing,
                extra,
                changed,
                ..
            } => {
                for (what, names) in [
                    ("changed since signing", changed),
                    ("missing", missing),
                    ("not covered by the signature", extra),
                ] {
                    for name in names {
                        let path = if name == "." {
                            model.clone()
                        } else {
                            model.join(name)
                        };
                        results.push(json!({
                            "ruleId": "MODEL-CHANGED",
                            "level": "error",
                            "message": { "text": format!("{name} is {what}") },
                            "locations": at(&path),
                        }));
                    }
                }
            }
            Integrity::Failed { message } => {
                let rule = if result.exit_code == gate::NOT_FOUND {
                    "MODEL-NOT-FOUND"
                } else {
                    "MODEL-SIGNATURE-INVALID"
                };
                let path = result.signature.clone().unwrap_or_else(|| model.clone());
                results.push(json!({
                    "ruleId": rule,
                    "level": "error",
                    "message": { "text": message },
                    "locations": at(&path),
                }));
            }
            Integrity::Unsigned => results.push(json!({
                "ruleId": "MODEL-UNSIGNED",
                "level": if strict { "error" } else { "warning" },
                "message": { "text": "the model has no signature" },
                "locations": at(model),
            })),
            Integrity::Verified { .. } => {}
        }
    }
    let rules = [
        (
            "MODEL-CHANGED",
            "error",
            "A file of the model was changed, removed or added after signing.",
        ),
        (
            "MODEL-SIGNATURE-INVALID",
            "error",
            "The model's signature is malformed, does not verify, or is not from a trusted key.",
        ),
        (
            "MODEL-UNSIGNED",
            "warning",
            "The model has no signature (an error with --strict).",
        ),
        (
            "MODEL-NOT-FOUND",
            "error",
            "A model named on the command line, or whose signature exists, is not there.",
        ),
    ];
    crate::sarif::render_with(&combined, &rules, results)
}
