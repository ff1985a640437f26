use std::collections::BTreeMap;
use std::fmt::Write as _;

use modelseal_scan::{FileReport, ScanError, ScanOptions, ScanReport, Severity, scan_paths};
use serde_json::json;

use crate::cli::{FailOn, ReportFormat, ScanArgs};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

pub fn run(args: &ScanArgs, out: &Out) -> Result<Exit, Failure> {
    let inputs: Vec<&std::path::Path> = args.paths.iter().map(AsRef::as_ref).collect();
    super::audit::guard_log(&args.audit, &inputs)?;
    let mut counts = serde_json::Value::Null;
    let result = execute(args, out, &mut counts);
    let subject = args
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let event = super::audit::outcome_event(
        "scan",
        std::path::Path::new(&subject),
        None,
        &result,
        counts,
    );
    super::audit::record(&args.audit, event)?;
    result
}

fn execute(args: &ScanArgs, out: &Out, counts: &mut serde_json::Value) -> Result<Exit, Failure> {
    let policy = super::load_policy(args.policy.as_deref())?;
    let bar = crate::progress::bytes("scanning", out, args.format != ReportFormat::Text);
    let options = ScanOptions {
        policy,
        progress: crate::progress::shared(bar.as_ref()),
        ..ScanOptions::default()
    };
    let scanned = scan_paths(&args.paths, &options);
    drop(options.progress);
    drop(bar);
    let report = scanned.map_err(|e| match e {
        ScanError::NotFound(path) => {
            Failure::new(Exit::NotFound, format!("{} not found", render::path(&path))).at(path)
        }
        // A FIFO, socket or device named on the command line is not a regular file (exit 4).
        ScanError::Io { path, source } => {
            let message = if path == source.path {
                render::fs_error(&source)
            } else {
                format!(
                    "cannot read {}: {}",
                    render::path(&path),
                    render::fs_error(&source)
                )
            };
            Failure {
                // Exit 4 either way; `io` when the system refused the read.
                kind: source.is_io().then_some(crate::exit::FailureKind::Io),
                ..Failure::new(Exit::Malformed, message).at(path)
            }
        }
    })?;
    let threshold = threshold(args.fail_on);
    *counts = json!({ "fail_on": threshold.as_str(), "summary": summary(&report) });
    let exit = if report.max_severity().is_some_and(|s| s >= threshold) {
        Exit::Threat
    } else if report.errors().next().is_some() {
        Exit::Malformed
    } else {
        Exit::Ok
    };
    match args.format {
        ReportFormat::Json => out.json(&json!({
            "exit_code": exit.code(),
            "fail_on": threshold.as_str(),
            "summary": summary(&report),
            "files": report.files,
        })),
        ReportFormat::Sarif => out.json(&modelseal_scan::sarif::scan_log(&report)),
        ReportFormat::Text => render_text(&report, threshold, out),
    }
    Ok(exit)
}

pub fn threshold(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Info => Severity::Info,
        FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
    }
}

pub fn summary(report: &ScanReport) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    counts.insert("files", report.files.len());
    counts.insert("unreadable", report.errors().count());
    for f in report.findings() {
        *counts.entry(f.severity.as_str()).or_insert(0) += 1;
    }
    counts
}

fn render_text(report: &ScanReport, threshold: Severity, out: &Out) {
    for file in &report.files {
        render_file(file, threshold, out);
    }
    let counts = summary(report);
    let by_severity: Vec<String> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{n} {s}")))
        .collect();
    let findings = if by_severity.is_empty() {
        "no findings".to_owned()
    } else {
        by_severity.join(", ")
    };
    out.line(&format!("{} files scanned: {findings}", report.files.len()));
}

pub fn render_file(file: &FileReport, threshold: Severity, out: &Out) {
    let path = render::path(&file.path).into_owned();
    if let Some(error) = &file.error {
        out.line(&out.fail(&format!("{path}: could not be scanned: {error}")));
        return;
    }
    let failing = file.findings.iter().any(|f| f.severity >= threshold);
    let head = format!("{path} ({})", file.format);
    // The same file under other names (links to it) was scanned once, under this one.
    let aliases = || {
        for alias in &file.aliases {
            out.line(&out.dim(&format!("    also named {}", render::path(alias))));
        }
    };
    if file.findings.is_empty() {
        out.line(&out.pass(&head));
        aliases();
        return;
    }
    let n = file.findings.len();
    let head = format!("{head}: {n} finding{}", if n == 1 { "" } else { "s" });
    out.line(&if failing {
        out.fail(&head)
    } else {
        out.pass(&head)
    });
    aliases();
    for f in &file.findings {
        let mut at = String::new();
        if let Some(member) = &f.location.member {
            at.push_str(&render::name(member));
        }
        if let Some(offset) = f.location.offset {
            if !at.is_empty() {
                at.push(' ');
            }
            let _ = write!(at, "@{offset}");
        }
        let at = if at.is_empty() {
            String::new()
        } else {
            format!(" [{at}]")
        };
        out.line(&format!(
            "  {:<8} {}{at}: {}",
            f.severity.as_str(),
            f.rule_id,
            render::name(&f.message)
        ));
    }
}
