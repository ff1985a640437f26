//! `modelseal sbom create|diff|audit|validate`: collectors from `modelseal-sbom`, documents
//! from `modelseal-bom`, vulnerability matching from `modelseal-osv`.

use modelseal_bom::bom::Bom;
use modelseal_bom::cyclonedx::SpecVersion;
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::source::{Source, SourceKind, collect, detect};

use crate::cli::{
    CycloneDxVersion, Format, SbomAuditArgs, SbomCommand, SbomCreateArgs, SbomDiffArgs, SbomFormat,
    SbomValidateArgs, VulnerabilitySeverity,
};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

pub fn run(command: &SbomCommand, out: &Out) -> Result<Exit, Failure> {
    match command {
        SbomCommand::Create(args) => create(args, out),
        SbomCommand::Diff(args) => diff(args, out),
        SbomCommand::Audit(args) => audit(args, out),
        SbomCommand::Validate(args) => validate(args, out),
    }
}

/// `--timestamp` checked, or now (whole seconds, UTC).
fn timestamp(args: &SbomCreateArgs) -> Result<String, Failure> {
    Ok(match &args.timestamp {
        Some(t) => {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|e| Failure::usage(format!("--timestamp {t:?}: {e}")))?;
            t.clone()
        }
        None => time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned()),
    })
}

/// Every source the command line names, detected or told.
fn sources(args: &SbomCreateArgs) -> Result<Vec<Source>, Failure> {
    let mut sources: Vec<Source> = Vec::new();
    for path in &args.sources {
        sources.extend(detect(path)?);
    }
    sources.extend(
        args.python_env
            .iter()
            .map(|p| Source::new(SourceKind::PythonEnvironment, p)),
    );
    for lockfile in &args.lockfile {
        let name = lockfile
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = SourceKind::of_lockfile(&name).ok_or_else(|| {
            Failure::usage(format!(
                "--lockfile {}: not a lockfile name modelseal knows (uv.lock, poetry.lock, \
                 Pipfile.lock, pylock*.toml, requirements*.txt, Cargo.lock, package-lock.json)",
                lockfile.display()
            ))
        })?;
        sources.push(Source::new(kind, lockfile));
    }
    sources.extend(args.model.iter().map(|p| Source::new(SourceKind::Model, p)));
    if sources.is_empty() {
        return Err(Failure::usage(
            "nothing to inventory: give a SOURCE path, --python-env, --lockfile or --model",
        ));
    }
    Ok(sources)
}

/// The document in the asked format, and how to name that format.
fn render(bom: &Bom, args: &SbomCreateArgs, timestamp: &str) -> Result<(Vec<u8>, String), Failure> {
    let spec = match args.spec_version {
        CycloneDxVersion::V1_5 => SpecVersion::V1_5,
        CycloneDxVersion::V1_6 => SpecVersion::V1_6,
    };
    let internal = |e: serde_json::Error| Failure::new(Exit::Internal, e.to_string());
    let (mut text, described) = match args.format {
        SbomFormat::CyclonedxJson => (
            modelseal_bom::cyclonedx::to_json_bytes(bom, spec, timestamp).map_err(internal)?,
            format!("CycloneDX {} JSON", spec.as_str()),
        ),
        SbomFormat::CyclonedxXml => (
            modelseal_bom::cyclonedx_xml::to_xml(bom, spec, timestamp).into_bytes(),
            format!("CycloneDX {} XML", spec.as_str()),
        ),
        SbomFormat::SpdxJson => (
            modelseal_report::json::to_vec_pretty(&modelseal_bom::spdx_json::to_spdx(
                bom, timestamp, None,
            ))
            .map_err(internal)?,
            "SPDX 2.3 JSON".to_owned(),
        ),
    };
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    Ok((text, described))
}

fn create(args: &SbomCreateArgs, out: &Out) -> Result<Exit, Failure> {
    let timestamp = timestamp(args)?;
    let sources = sources(args)?;
    let mut diagnostics = if args.best_effort {
        Diagnostics::best_effort()
    } else {
        Diagnostics::strict()
    };
    let bom = collect(&sources, args.name.as_deref(), &mut diagnostics)?;
    for warning in diagnostics.warnings() {
        out.warn(&format!("skipped: {warning}"));
    }
    let (text, described) = render(&bom, args, &timestamp)?;
    let component_count = bom.components.len();
    // The inventory is not needed past here: free it before the check parses the text again.
    drop(bom);
    check_written(&text, &described, modelseal_bom::validate::MAX_INPUT)?;
    match &args.output {
        // `-o -` is stdout, as no `-o` is.
        Some(path) if !crate::paths::is_stdio(path) => {
            modelseal_fs::write_atomic(path, &text, modelseal_fs::Overwrite::Replace, Some(0o644))
                .map_err(Failure::from)?;
            out.note(&format!(
                "wrote {} ({} components, {described})",
                render::path(path),
                component_count,
            ));
        }
        _ => out.text(&String::from_utf8_lossy(&text)),
    }
    Ok(Exit::Ok)
}

/// What modelseal writes, it checks first: an invalid document is a bug, never output. One
/// larger than `limit` (what validate, diff and audit read back) is refused as too large for
/// its input's sake, not reported as a bug.
fn check_written(text: &[u8], described: &str, limit: usize) -> Result<(), Failure> {
    if text.len() > limit {
        return Err(Failure::new(
            Exit::Malformed,
            format!(
                "the {described} document would be {} bytes, more than the {limit} bytes \
                 modelseal reads back; inventory fewer or smaller sources",
                text.len(),
            ),
        ));
    }
    let report =
        modelseal_bom::validate::validate(text, &modelseal_bom::validate::Options::default())
            .map_err(|e| {
                Failure::new(
                    Exit::Internal,
                    format!("the {described} document written is unreadable (a bug): {e}"),
                )
            })?;
    if !report.is_valid() {
        let problems: Vec<String> = report.errors().map(ToString::to_string).collect();
        return Err(Failure::new(
            Exit::Internal,
            format!(
                "the {described} document is invalid (a bug), not written: {}",
                problems.join("; ")
            ),
        ));
    }
    Ok(())
}

/// Reads and parses an SBOM document named on the command line.
fn read_sbom(path: &std::path::Path) -> Result<Bom, Failure> {
    let bytes = read_document_file(path)?;
    modelseal_bom::read::read_document(&bytes)
        .map(|(bom, _)| bom)
        .map_err(|e| Failure::new(Exit::Malformed, format!("{}: {e}", path.display())).at(path))
}

fn diff(args: &SbomDiffArgs, out: &Out) -> Result<Exit, Failure> {
    let old = read_sbom(&args.old)?;
    let new = read_sbom(&args.new)?;
    let diff = modelseal_bom::diff::diff(&old, &new);
    match args.format {
        Format::Json => out.json(&diff),
        Format::Text => out.text(&modelseal_bom::diff::render_text(&diff)),
    }
    Ok(if diff.is_empty() {
        Exit::Ok
    } else {
        Exit::Integrity
    })
}

fn audit(args: &SbomAuditArgs, out: &Out) -> Result<Exit, Failure> {
    use modelseal_osv::{Database, OsvError, Severity};
    let bom = read_sbom(&args.sbom)?;
    let database = Database::open(&args.osv_dir).map_err(|e| {
        Failure::new(
            match e {
                OsvError::NotFound(_) => Exit::NotFound,
                _ => Exit::Malformed,
            },
            e.to_string(),
        )
    })?;
    let report = database.report(&bom.all_components());
    let threshold = match args.fail_on {
        VulnerabilitySeverity::None | VulnerabilitySeverity::Any => Severity::None,
        VulnerabilitySeverity::Low => Severity::Low,
        VulnerabilitySeverity::Medium => Severity::Medium,
        VulnerabilitySeverity::High => Severity::High,
        VulnerabilitySeverity::Critical => Severity::Critical,
    };
    let failed =
        args.fail_on != VulnerabilitySeverity::None && report.has_finding_at_or_above(threshold);
    match args.format {
        Format::Json => out.json(&report),
        Format::Text => {
            // Every string here comes from the OSV database or the SBOM: escaped, so an
            // advisory cannot clear the screen or forge a line of the report.
            let esc = |s: &str| modelseal_report::name::one_line(s).into_owned();
            for finding in &report.findings {
                let score = finding
                    .score
                    .map(|s| format!(" {s:.1}"))
                    .unwrap_or_default();
                let aliases = if finding.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", esc(&finding.aliases.join(", ")))
                };
                let fixed = if finding.fixed.is_empty() {
                    "no fixed version".to_owned()
                } else {
                    format!("fixed in {}", esc(&finding.fixed.join(", ")))
                };
                let line = format!(
                    "{}{score} {}{aliases} {} {}: {fixed}",
                    finding.severity,
                    esc(&finding.id),
                    esc(&finding.name),
                    esc(&finding.version)
                );
                out.line(&if finding.severity >= threshold {
                    out.fail(&line)
                } else {
                    line
                });
                if let Some(summary) = &finding.summary {
                    out.line(&format!("    {}", esc(summary)));
                }
            }
            for note in &report.notes {
                out.note(&format!("note: {}", esc(note)));
            }
            out.line(&format!(
                "{} finding(s) in {} component(s) checked ({} skipped: not a PyPI, crates.io or npm package)",
                report.findings.len(),
                report.checked,
                report.skipped
            ));
        }
    }
    Ok(if failed { Exit::Threat } else { Exit::Ok })
}

/// Reads a document named on the command line: a regular file of at most
/// `modelseal_bom::read::MAX_DOCUMENT` bytes, the bound enforced while reading; a FIFO or a
/// device (`/dev/zero`) is refused without blocking (exit 4), a missing file is exit 3.
fn read_document_file(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    modelseal_bom::read::read_document_bytes(path).map_err(Failure::from)
}

#[derive(serde::Serialize)]
struct ValidateResult {
    file: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    problems: Vec<modelseal_bom::validate::Problem>,
}

fn validate(args: &SbomValidateArgs, out: &Out) -> Result<Exit, Failure> {
    use modelseal_bom::validate::{Options, SCHEMAS_SUPPORTED, Validator};
    if args.schema_dir.is_some() && !SCHEMAS_SUPPORTED {
        return Err(Failure::usage(
            "--schema-dir: this modelseal was built without the `schema` feature, so it cannot \
             validate against the official schemas; install it with `cargo install --path \
             crates/modelseal --features schema`, or drop --schema-dir for the built-in checks",
        ));
    }
    let options = Options {
        schema_dir: args.schema_dir.as_deref(),
    };
    let validator = Validator::new(&options)
        .map_err(|e| Failure::new(Exit::Usage, format!("--schema-dir: {e}")))?;
    let mut codes: Vec<Exit> = Vec::new();
    let mut results = Vec::new();
    for file in &args.files {
        let mut result = ValidateResult {
            file: file.display().to_string(),
            valid: false,
            format: None,
            error: None,
            problems: Vec::new(),
        };
        let outcome = read_document_file(file).and_then(|bytes| {
            validator
                .validate(&bytes)
                .map_err(|e| Failure::new(Exit::Malformed, e.to_string()))
        });
        match outcome {
            Ok(report) => {
                result.valid = report.is_valid();
                result.format = Some(report.format.to_string());
                result.problems = report.problems;
                if !result.valid {
                    codes.push(Exit::Malformed);
                }
            }
            Err(failure) => {
                codes.push(failure.exit);
                result.error = Some(failure.message);
            }
        }
        if args.format == Format::Text {
            render_validation(&result, args.schema_dir.is_some(), out);
        }
        results.push(result);
    }
    if args.format == Format::Json {
        out.json(&results);
    }
    Ok(Exit::combine(codes))
}

fn render_validation(result: &ValidateResult, with_schema: bool, out: &Out) {
    let format = result.format.as_deref().unwrap_or("document");
    if let Some(error) = &result.error {
        out.line(&out.fail(&format!("{}: {error}", result.file)));
        return;
    }
    let errors = result
        .problems
        .iter()
        .filter(|p| p.level == modelseal_bom::validate::ProblemLevel::Error)
        .count();
    let warnings = result.problems.len() - errors;
    let checked = if with_schema && !format.ends_with("XML") {
        "official schema and semantic checks"
    } else {
        "built-in structural and semantic checks"
    };
    if result.valid {
        let note = if warnings > 0 {
            format!(", {warnings} warning(s)")
        } else {
            String::new()
        };
        out.line(&out.pass(&format!(
            "{}: valid {format} ({checked}{note})",
            result.file
        )));
    } else {
        out.line(&out.fail(&format!(
            "{}: invalid {format}: {errors} error(s), {warnings} warning(s)",
            result.file
        )));
    }
    for problem in &result.problems {
        out.line(&format!("    {problem}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Red team F4 (L17): a document over the read-back bound ended in exit 70 "unreadable (a
    /// bug)"; it is the input's size, exit 4.
    #[test]
    fn a_document_over_the_read_back_bound_is_not_a_bug() {
        let text = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}"#;
        let Err(failure) = check_written(text, "CycloneDX 1.6 JSON", 10) else {
            panic!("accepted a document over the bound");
        };
        assert!(
            matches!(failure.exit, Exit::Malformed),
            "{}",
            failure.message
        );
        assert!(!failure.message.contains("a bug"), "{}", failure.message);
    }
}
