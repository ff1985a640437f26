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
use modelseal_scan::{
    HashedFile, ListedFile, ScanError, ScanOptions, ScanReport, scan_listed, scan_paths,
};
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
    /// An unsigned model fails (exit 1) instead of passing with a warning. The CLI sets it
    /// unless `--allow-unsigned` is given: a deployment gate fails closed.
    pub strict: bool,
    /// How each file of the model is scanned.
    pub scan: &'a ScanOptions,
    /// The least severe finding that fails a model.
    pub fail_on: Severity,
    /// Most bytes verification may hash (`--max-bytes`); `None` as [`VerifyOptions::max_bytes`].
    pub max_bytes: Option<u64>,
    /// A signature made for a model of another name is an integrity failure, not a warning
    /// (`--require-name-match`; red team 3, V-3).
    pub require_name_match: bool,
    /// Told the bytes each verification hashes, as it hashes them (`check`'s progress bar).
    pub progress: Option<&'a std::sync::Arc<dyn modelseal_digest::ByteProgress>>,
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
    if candidate.signature.is_none()
        && let Some(e) = unlistable(&candidate.model)
    {
        result.problems.push(format!("cannot list the model: {e}"));
        result.outcome = Outcome::Malformed;
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
                // A file replaced between hashing and scanning is the model changing under the
                // check: an integrity failure (red team 3, V-1).
                codes.push(if file.changed {
                    Outcome::Integrity
                } else {
                    Outcome::Malformed
                });
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

/// Most names one problem line lists; the rest are counted. A tree of a million planted
/// files must not make a report of a million names (red team 3, V-4).
pub const MAX_LISTED_NAMES: usize = 1000;

/// The first [`MAX_LISTED_NAMES`] names, comma-separated, and how many more there are.
fn capped(names: &[String]) -> String {
    let shown = names[..names.len().min(MAX_LISTED_NAMES)].join(", ");
    match names.len().checked_sub(MAX_LISTED_NAMES) {
        Some(more) if more > 0 => format!("{shown} and {more} more"),
        _ => shown,
    }
}

/// Why `model`, a directory, cannot be listed (`None` for a listable directory or a file). An
/// unsigned directory nobody can list is unreadable (exit 4) before it is unsigned: discovery
/// hands over a tree it could not list as such a model, and a root of mode 0111 must never
/// pass as an empty tree (red team 3, D-1).
fn unlistable(model: &std::path::Path) -> Option<modelseal_fs::FsError> {
    let is_dir = modelseal_fs::metadata(model).is_ok_and(|m| m.is_dir());
    if !is_dir {
        return None;
    }
    modelseal_fs::read_dir_sorted(model).err()
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
            hashed: Some(HashedFile {
                identity: file.identity,
                size: file.size,
                status_changed: file.status_changed,
            }),
        })
        .collect()
}

/// For an unsigned directory, how to check the models below it instead of the directory as
/// one model (red team F2: `check models/ --quarantine q` before anything was signed moved
/// the whole `models/` as one unsigned model). Names the signed models it holds (`X` beside
/// a file `X.sig`), when it does. Empty for a file.
fn directory_hint(model: &std::path::Path) -> String {
    let Ok(entries) = modelseal_fs::read_dir_sorted(model) else {
        return String::new();
    };
    let shown = model.display();
    let signed: Vec<String> = entries
        .iter()
        .filter(|entry| {
            entry.extension().is_some_and(|e| e == "sig")
                && modelseal_fs::symlink_metadata(entry).is_ok_and(|m| m.is_file())
                && modelseal_fs::symlink_metadata(&entry.with_extension("")).is_ok()
        })
        .filter_map(|sig| {
            Some(
                sig.with_extension("")
                    .file_name()?
                    .to_string_lossy()
                    .into_owned(),
            )
        })
        .collect();
    if signed.is_empty() {
        format!("; to check each model below {shown}/, use --models-root {shown}")
    } else {
        format!(
            "; {shown}/ holds signed models ({}): to check each of them, use --models-root {shown}",
            capped(&signed)
        )
    }
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
            "no signature ({} not found){}",
            default_signature_path(&candidate.model).display(),
            directory_hint(&candidate.model)
        );
        if options.strict {
            result.problems.push(format!(
                "{message}; unsigned models fail (--allow-unsigned lets them pass)"
            ));
            return (Outcome::Integrity, None);
        }
        result
            .warnings
            .push(format!("{message}; passed because of --allow-unsigned"));
        return (Outcome::Passed, None);
    };
    let mut verify = VerifyOptions {
        max_bytes: options.max_bytes,
        progress: options.progress.cloned(),
        ..VerifyOptions::default()
    };
    if let Some(inside) = modelseal_fs::relative_inside(&candidate.model, signature) {
        verify.extra_ignores.push(inside);
    }
    let verified = verify_model(&candidate.model, signature, options.trust, &verify);
    let name = match &verified {
        Ok(report) => name_check(report, options, result),
        Err(_) => Outcome::Passed,
    };
    let (outcome, files) = match verified {
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
                    what.push(format!("{label}: {}", capped(names)));
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
    };
    (Outcome::combine([outcome, name]), files)
}

/// A signature made for a model of another name: a warning, or a failure under
/// [`GateOptions::require_name_match`] (red team 3, V-3).
fn name_check(
    report: &modelseal_sign::VerifyReport,
    options: &GateOptions<'_>,
    result: &mut ModelResult,
) -> Outcome {
    if report.signed_name_matches() {
        return Outcome::Passed;
    }
    // Raw here like every problem's names: text output escapes the whole line at the edge.
    let message = format!(
        "signed as {}, not {}",
        report.model_name, report.name_on_disk
    );
    if options.require_name_match {
        result.problems.push(format!(
            "{message} (names must match: --require-name-match)"
        ));
        Outcome::Integrity
    } else {
        result.warnings.push(message);
        Outcome::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Red team F2: an unsigned directory's message says how to check the models below it,
    /// and names the signed models it holds; a file gets no such hint.
    #[test]
    fn unsigned_directory_of_models_hint_names_models_root_and_signed_entries() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(models.join("a")).unwrap();
        std::fs::create_dir_all(models.join("b")).unwrap();
        let hint = directory_hint(&models);
        assert!(hint.contains("use --models-root"), "{hint}");
        assert!(!hint.contains("holds signed models"), "{hint}");
        std::fs::write(models.join("a.sig"), b"{}").unwrap();
        let hint = directory_hint(&models);
        assert!(hint.contains("holds signed models (a)"), "{hint}");
        std::fs::write(dir.path().join("f.bin"), b"x").unwrap();
        assert_eq!(directory_hint(&dir.path().join("f.bin")), "");
    }

    /// V-4 (red team 3): a problem line lists at most [`MAX_LISTED_NAMES`] names and counts
    /// the rest, however many files were planted.
    #[test]
    fn a_long_list_of_names_is_cut_and_counted() {
        let names: Vec<String> = (0..MAX_LISTED_NAMES + 5).map(|i| format!("f{i}")).collect();
        let line = capped(&names);
        assert!(
            line.ends_with(&format!("f{} and 5 more", MAX_LISTED_NAMES - 1)),
            "{line}"
        );
        assert!(!line.contains(&format!("f{MAX_LISTED_NAMES},")));
        assert_eq!(capped(&names[..2]), "f0, f1");
        assert_eq!(
            capped(&names[..MAX_LISTED_NAMES]).matches(", ").count(),
            MAX_LISTED_NAMES - 1
        );
    }
}
