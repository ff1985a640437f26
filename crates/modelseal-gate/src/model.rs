//! One model's verdict: verify it against its signature, scan every file of it, and decide.
//!
//! A model that verification listed is scanned file by file from that list, under the
//! resource names it was hashed under and from the very files hashed (through links as
//! verification followed them): the scan cannot see a different model than the signature
//! check. Only a model without a usable verification is scanned by walking its path.
//!
//! Per model: passed, integrity failure (also an unsigned model under `strict`), threat at or
//! above the failing severity, not found, or malformed/unreadable. When several apply the
//! lowest-numbered failure wins ([`Outcome::combine`]), so an integrity failure always
//! outranks a threat.

use std::path::PathBuf;

use modelseal_report::{Outcome, Severity};
use modelseal_scan::{ListedFile, ScanError, ScanOptions, ScanReport, scan_listed, scan_paths};
use modelseal_sign::{
    ErrorKind, SignerIdentity, TrustRoot, VerifiedFile, VerifyOptions, default_signature_path,
    verify_model,
};
use serde::Serialize;

use crate::Candidate;

/// What to check and against what.
#[derive(Debug, Clone, Copy)]
pub struct GateOptions<'a> {
    /// Whom a signature must come from.
    pub trust: &'a TrustRoot,
    /// An unsigned model fails (exit 1) instead of passing with a warning.
    pub strict: bool,
    /// How each file of the model is scanned.
    pub scan: &'a ScanOptions,
    /// The least severe finding that fails a model.
    pub fail_on: Severity,
    /// Most bytes verification may hash (`--max-bytes`); `None` as [`VerifyOptions::max_bytes`].
    pub max_bytes: Option<u64>,
}

/// The result of the signature check.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Integrity {
    /// The signature verified and the model on disk matches it.
    Verified {
        /// Who signed.
        signer: SignerIdentity,
        /// The OMS root digest the signature covers (`sha256:<hex>`).
        root_digest: String,
        /// How many files were hashed.
        files: usize,
    },
    /// The signature verified but the model differs from what it covers.
    Changed {
        /// The OMS root digest the signature covers (`sha256:<hex>`).
        root_digest: String,
        /// Signed resources absent from disk.
        missing: Vec<String>,
        /// Files on disk the signature does not cover.
        extra: Vec<String>,
        /// Resources whose digest differs from the signed one.
        changed: Vec<String>,
    },
    /// The signature could not be checked or does not verify.
    Failed {
        /// Why, as the verifier said it.
        message: String,
    },
    /// No signature was found beside the model.
    Unsigned,
}

/// One model's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    /// The model that was checked.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub model: PathBuf,
    /// The signature it was checked against, if one was found.
    #[serde(serialize_with = "modelseal_report::path::lossy_opt")]
    pub signature: Option<PathBuf>,
    /// The signature check's result.
    pub integrity: Integrity,
    /// Every file of the model, scanned.
    pub scan: ScanReport,
    /// The verdict (serialized as its stable number, `exit_code`).
    #[serde(rename = "exit_code")]
    pub outcome: Outcome,
    /// Why the model failed, one line each (empty when it passed).
    pub problems: Vec<String>,
    /// Things worth telling that did not fail the model (e.g. no signature outside strict mode).
    pub warnings: Vec<String>,
}

impl ModelResult {
    /// Whether the model passed the gate.
    pub fn passed(&self) -> bool {
        self.outcome.passed()
    }

    /// The digest the signature covers, when there is one.
    pub fn digest(&self) -> Option<&str> {
        match &self.integrity {
            Integrity::Verified { root_digest, .. } | Integrity::Changed { root_digest, .. } => {
                Some(root_digest)
            }
            Integrity::Failed { .. } | Integrity::Unsigned => None,
        }
    }
}

/// Verifies and scans one model.
pub fn check(candidate: &Candidate, options: &GateOptions<'_>) -> ModelResult {
    let mut result = ModelResult {
        model: candidate.model.clone(),
        signature: candidate.signature.clone(),
        integrity: Integrity::Unsigned,
        scan: ScanReport::default(),
        outcome: Outcome::Passed,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if candidate.model.symlink_metadata().is_err() {
        result.integrity = Integrity::Failed {
            message: "the model is not there".to_owned(),
        };
        result
            .problems
            .push(format!("{} not found", candidate.model.display()));
        result.outcome = Outcome::NotFound;
        return result;
    }
    let (verified, hashed) = verify_into(candidate, options, &mut result);
    let mut codes = vec![verified];
    let scanned: Result<ScanReport, ScanError> = match hashed {
        Some(files) => Ok(scan_listed(&listed(&candidate.model, files), options.scan)),
        None => scan_paths(std::slice::from_ref(&candidate.model), options.scan),
    };
    match scanned {
        Ok(report) => {
            if let Some(worst) = report.max_severity().filter(|s| *s >= options.fail_on) {
                let count = report
                    .findings()
                    .filter(|f| f.severity >= options.fail_on)
                    .count();
                result.problems.push(format!(
                    "{count} finding(s) at or above {} (worst: {})",
                    options.fail_on.as_str(),
                    worst.as_str()
                ));
                codes.push(Outcome::Threat);
            }
            for file in report.errors() {
                result.problems.push(format!(
                    "{} could not be scanned: {}",
                    file.path.display(),
                    file.error.as_deref().unwrap_or_default()
                ));
                codes.push(Outcome::Malformed);
            }
            result.scan = report;
        }
        Err(e) => {
            result.problems.push(format!("scan: {e}"));
            codes.push(Outcome::Malformed);
        }
    }
    result.outcome = Outcome::combine(codes);
    result
}

/// The files verification hashed, named as the model path joined with their resource names
/// (`"."`, a single-file model, is the model path itself).
fn listed(model: &std::path::Path, files: Vec<VerifiedFile>) -> Vec<ListedFile> {
    files
        .into_iter()
        .map(|file| ListedFile {
            name: if file.name == "." {
                model.to_path_buf()
            } else {
                model.join(&file.name)
            },
            path: file.path,
        })
        .collect()
}

/// Verifies the model into `result`; returns the verdict and, when verification listed the
/// model, the files it listed (what the scan must cover).
fn verify_into(
    candidate: &Candidate,
    options: &GateOptions<'_>,
    result: &mut ModelResult,
) -> (Outcome, Option<Vec<VerifiedFile>>) {
    let Some(signature) = &candidate.signature else {
        result.integrity = Integrity::Unsigned;
        let message = format!(
            "no signature ({} not found)",
            default_signature_path(&candidate.model).display()
        );
        if options.strict {
            result
                .problems
                .push(format!("{message}; unsigned models fail in strict mode"));
            return (Outcome::Integrity, None);
        }
        result.warnings.push(message);
        return (Outcome::Passed, None);
    };
    let mut verify = VerifyOptions {
        max_bytes: options.max_bytes,
        ..VerifyOptions::default()
    };
    if let Some(inside) = modelseal_fs::relative_inside(&candidate.model, signature) {
        verify.extra_ignores.push(inside);
    }
    match verify_model(&candidate.model, signature, options.trust, &verify) {
        Ok(report) if report.is_ok() => {
            result.integrity = Integrity::Verified {
                signer: report.signer,
                root_digest: report.root_digest,
                files: report.files_hashed,
            };
            (Outcome::Passed, Some(report.files))
        }
        Ok(report) => {
            let mut what = Vec::new();
            for (label, names) in [
                ("changed", &report.changed),
                ("missing", &report.missing),
                ("not signed", &report.extra),
            ] {
                if !names.is_empty() {
                    what.push(format!("{label}: {}", names.join(", ")));
                }
            }
            result.problems.push(format!(
                "the model differs from its signature ({})",
                what.join("; ")
            ));
            result.integrity = Integrity::Changed {
                root_digest: report.root_digest,
                missing: report.missing,
                extra: report.extra,
                changed: report.changed,
            };
            (Outcome::Integrity, Some(report.files))
        }
        Err(e) => {
            let code = match e.kind() {
                ErrorKind::NotFound => Outcome::NotFound,
                // A crypto failure inside the check is reported as this model unreadable: the gate
                // has no verdict for a bug, and it must never pass.
                ErrorKind::Malformed | ErrorKind::Io | ErrorKind::Usage | ErrorKind::Internal => {
                    Outcome::Malformed
                }
                ErrorKind::Integrity => Outcome::Integrity,
            };
            result.problems.push(format!("signature: {e}"));
            result.integrity = Integrity::Failed {
                message: e.to_string(),
            };
            (code, None)
        }
    }
}
