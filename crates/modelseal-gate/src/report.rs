//! The check report as data: what the CLI renders as text, JSON (`check --format json`, the
//! schema in docs/check.md) or SARIF.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use modelseal_report::{Outcome, Severity};
use modelseal_scan::Finding;
use serde::{Serialize, Serializer};

use crate::{GateOptions, Integrity, ModelResult};

/// Every model checked, in order, with the overall verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The overall verdict: the most serious of the models' (serialized as its number).
    #[serde(rename = "exit_code")]
    pub outcome: Outcome,
    /// The least severe finding that failed a model.
    pub fail_on: Severity,
    /// Whether unsigned models failed.
    pub strict: bool,
    /// Counts over the models.
    pub summary: Summary,
    /// Each model's verdict, in the order they were checked.
    pub models: Vec<CheckedModel>,
}

/// Counts over the models.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    /// How many models were checked.
    pub models: usize,
    /// How many passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// How many had no signature (passed or not, depending on strict mode).
    pub unsigned: usize,
    /// How many were moved to quarantine.
    pub quarantined: usize,
}

/// One model's verdict and, if it was moved, where to.
#[derive(Debug, Clone)]
pub struct CheckedModel {
    /// The gate's verdict on the model.
    pub result: ModelResult,
    /// Where the model was moved, if it was quarantined.
    pub quarantined: Option<PathBuf>,
}

impl CheckReport {
    /// Builds the report and its overall verdict from each model's verdict.
    pub fn new(models: Vec<CheckedModel>, options: &GateOptions<'_>) -> CheckReport {
        let count =
            |pred: &dyn Fn(&CheckedModel) -> bool| models.iter().filter(|c| pred(c)).count();
        let summary = Summary {
            models: models.len(),
            passed: count(&|c| c.result.passed()),
            failed: count(&|c| !c.result.passed()),
            unsigned: count(&|c| matches!(c.result.integrity, Integrity::Unsigned)),
            quarantined: count(&|c| c.quarantined.is_some()),
        };
        CheckReport {
            outcome: Outcome::combine(models.iter().map(|c| c.result.outcome)),
            fail_on: options.fail_on,
            strict: options.strict,
            summary,
            models,
        }
    }
}

/// A verdict in words, as the text and JSON reports give it.
pub fn verdict(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Integrity => "integrity failure",
        Outcome::Threat => "threat",
        Outcome::NotFound => "not found",
        Outcome::Malformed => "unreadable",
    }
}

/// The JSON shape of one model (docs/check.md).
#[derive(Serialize)]
struct ModelJson<'a> {
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    model: &'a Path,
    signature: Option<Cow<'a, str>>,
    exit_code: Outcome,
    verdict: &'static str,
    digest: Option<&'a str>,
    integrity: &'a Integrity,
    files_scanned: usize,
    findings: Vec<&'a Finding>,
    unreadable: Vec<Unreadable<'a>>,
    problems: &'a [String],
    warnings: &'a [String],
    quarantined: Option<Cow<'a, str>>,
}

#[derive(Serialize)]
struct Unreadable<'a> {
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    path: &'a Path,
    error: Option<&'a str>,
}

impl Serialize for CheckedModel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let result = &self.result;
        ModelJson {
            model: &result.model,
            // Names from disk: a byte that is not UTF-8 is spelled `\xff`, as in every report.
            signature: result
                .signature
                .as_deref()
                .map(|p| modelseal_report::name::json(p.as_os_str())),
            exit_code: result.outcome,
            verdict: verdict(result.outcome),
            digest: result.digest(),
            integrity: &result.integrity,
            files_scanned: result.scan.files.len(),
            findings: result.scan.findings().collect(),
            unreadable: result
                .scan
                .errors()
                .map(|f| Unreadable {
                    path: &f.path,
                    error: f.error.as_deref(),
                })
                .collect(),
            problems: &result.problems,
            warnings: &result.warnings,
            quarantined: self
                .quarantined
                .as_deref()
                .map(|p| modelseal_report::name::json(p.as_os_str())),
        }
        .serialize(serializer)
    }
}
