//! The deployment gate: find the models under the given paths, verify each against its
//! signature and scan every file of it, and decide with stable exit codes.
//!
//! Exit codes per model and overall: 0 passed, 1 signature or integrity failure (also an
//! unsigned model under `strict`), 2 threat at or above the failing severity, 3 not found,
//! 4 malformed or unreadable. When several apply the lowest non-zero code wins, so an
//! integrity failure always outranks a threat.

use std::path::{Path, PathBuf};

use modelseal_scan::{ScanOptions, ScanReport, Severity, scan_paths};
use modelseal_sign::{
    ErrorKind, SignerIdentity, TrustRoot, VerifyOptions, default_signature_path,
    signature_inside_model, verify_model,
};
use serde::Serialize;

pub const PASSED: u8 = 0;
pub const INTEGRITY: u8 = 1;
pub const THREAT: u8 = 2;
pub const NOT_FOUND: u8 = 3;
pub const MALFORMED: u8 = 4;

/// Deepest directory level searched for signed models.
const MAX_DEPTH: usize = 16;

/// A model to check, and the signature that goes with it (if one was found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub model: PathBuf,
    pub signature: Option<PathBuf>,
}

/// What to check and against what.
#[derive(Debug)]
pub struct GateOptions<'a> {
    pub trust: &'a TrustRoot,
    /// An unsigned model fails (exit 1) instead of passing with a warning.
    pub strict: bool,
    pub scan: &'a ScanOptions,
    pub fail_on: Severity,
}

/// The result of the signature check.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Integrity {
    Verified {
        signer: SignerIdentity,
        root_digest: String,
        files: usize,
    },
    /// The signature verified but the model differs from what it covers.
    Changed {
        root_digest: String,
        missing: Vec<String>,
        extra: Vec<String>,
        changed: Vec<String>,
    },
    /// The signature could not be checked or does not verify.
    Failed {
        message: String,
    },
    Unsigned,
}

/// One model's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    pub model: PathBuf,
    pub signature: Option<PathBuf>,
    pub integrity: Integrity,
    /// Every file of the model, scanned.
    pub scan: ScanReport,
    pub exit_code: u8,
    /// Why the model failed, one line each (empty when it passed).
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

impl ModelResult {
    pub fn passed(&self) -> bool {
        self.exit_code == PASSED
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

/// The lowest non-zero code, or 0.
pub fn combine(codes: impl IntoIterator<Item = u8>) -> u8 {
    codes
        .into_iter()
        .filter(|c| *c != 0)
        .min()
        .unwrap_or(PASSED)
}

/// Finds the models under `paths`. A path with a signature beside it (`PATH.sig`) is a model;
/// so is any path when `signature` is given (for a single path). A directory without one that
/// holds signed models, or any directory when `models_root` is set, is a tree of models: each
/// entry is a model (signed or not), or a tree itself. A signature whose model is gone is a
/// model that was not found.
pub fn discover(paths: &[PathBuf], signature: Option<&Path>, models_root: bool) -> Vec<Candidate> {
    let mut out = Vec::new();
    for path in paths {
        // `check models/*` names the signatures too: they are not models.
        let is_signature_of_a_listed_model = path.extension().is_some_and(|e| e == "sig")
            && paths.contains(&path.with_extension(""));
        if is_signature_of_a_listed_model && signature.is_none() {
            continue;
        }
        if let Some(signature) = signature {
            out.push(Candidate {
                model: path.clone(),
                signature: Some(signature.to_path_buf()),
            });
        } else {
            discover_into(path, models_root, 0, &mut out);
        }
    }
    out
}

fn discover_into(path: &Path, tree: bool, depth: usize, out: &mut Vec<Candidate>) {
    let beside = default_signature_path(path);
    if beside.is_file() {
        out.push(Candidate {
            model: path.to_path_buf(),
            signature: Some(beside),
        });
        return;
    }
    let is_tree = path.is_dir() && depth < MAX_DEPTH && (tree || holds_signed(path, depth));
    if !is_tree {
        out.push(Candidate {
            model: path.to_path_buf(),
            signature: None,
        });
        return;
    }
    for entry in sorted_entries(path) {
        let name = entry
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.starts_with('.') {
            continue;
        }
        if let Some(model_name) = name.strip_suffix(".sig") {
            let model = path.join(model_name);
            if model.symlink_metadata().is_err() {
                out.push(Candidate {
                    model,
                    signature: Some(entry),
                });
            }
            continue;
        }
        discover_into(&entry, false, depth + 1, out);
    }
}

/// Whether a signed model lies anywhere below `dir`.
fn holds_signed(dir: &Path, depth: usize) -> bool {
    depth < MAX_DEPTH
        && sorted_entries(dir).iter().any(|entry| {
            entry.extension().is_some_and(|e| e == "sig")
                || (entry.is_dir() && holds_signed(entry, depth + 1))
        })
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

/// Verifies and scans one model.
pub fn check(candidate: &Candidate, options: &GateOptions<'_>) -> ModelResult {
    let mut result = ModelResult {
        model: candidate.model.clone(),
        signature: candidate.signature.clone(),
        integrity: Integrity::Unsigned,
        scan: ScanReport::default(),
        exit_code: PASSED,
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
        result.exit_code = NOT_FOUND;
        return result;
    }
    let mut codes = vec![verify_into(candidate, options, &mut result)];
    match scan_paths(std::slice::from_ref(&candidate.model), options.scan) {
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
                codes.push(THREAT);
            }
            for file in report.errors() {
                result.problems.push(format!(
                    "{} could not be scanned: {}",
                    file.path.display(),
                    file.error.as_deref().unwrap_or_default()
                ));
                codes.push(MALFORMED);
            }
            result.scan = report;
        }
        Err(e) => {
            result.problems.push(format!("scan: {e}"));
            codes.push(MALFORMED);
        }
    }
    result.exit_code = combine(codes);
    result
}

fn verify_into(candidate: &Candidate, options: &GateOptions<'_>, result: &mut ModelResult) -> u8 {
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
            return INTEGRITY;
        }
        result.warnings.push(message);
        return PASSED;
    };
    let mut verify = VerifyOptions::default();
    if let Some(inside) = signature_inside_model(&candidate.model, signature) {
        verify.extra_ignores.push(inside);
    }
    match verify_model(&candidate.model, signature, options.trust, &verify) {
        Ok(report) if report.is_ok() => {
            result.integrity = Integrity::Verified {
                signer: report.signer,
                root_digest: report.root_digest,
                files: report.files_hashed,
            };
            PASSED
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
            INTEGRITY
        }
        Err(e) => {
            let code = match e.kind() {
                ErrorKind::NotFound => NOT_FOUND,
                ErrorKind::Malformed | ErrorKind::Io | ErrorKind::Usage | ErrorKind::Internal => {
                    MALFORMED
                }
                ErrorKind::Integrity => INTEGRITY,
            };
            result.problems.push(format!("signature: {e}"));
            result.integrity = Integrity::Failed {
                message: e.to_string(),
            };
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_finds_models_trees_and_orphaned_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("team/bert")).unwrap();
        std::fs::write(root.join("team/bert/w.bin"), b"w").unwrap();
        std::fs::write(root.join("team/bert.sig"), b"{}").unwrap();
        std::fs::write(root.join("team/stray.bin"), b"s").unwrap();
        std::fs::write(root.join("team/gone.pkl.sig"), b"{}").unwrap();
        std::fs::write(root.join("single.pkl"), b"p").unwrap();
        let found = discover(&[root.to_path_buf()], None, false);
        let shown: Vec<(String, bool)> = found
            .iter()
            .map(|c| {
                let rel = c.model.strip_prefix(root).unwrap().display().to_string();
                (rel, c.signature.is_some())
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("single.pkl".to_owned(), false),
                ("team/bert".to_owned(), true),
                ("team/gone.pkl".to_owned(), true),
                ("team/stray.bin".to_owned(), false),
            ]
        );
        // A glob that lists a model and its signature checks the model once.
        let listed = [root.join("team/bert"), root.join("team/bert.sig")];
        assert_eq!(discover(&listed, None, false).len(), 1);
    }

    #[test]
    fn the_lowest_non_zero_code_wins() {
        assert_eq!(combine([0, 0]), 0);
        assert_eq!(combine([2, 1]), 1);
        assert_eq!(combine([0, 4, 2]), 2);
        assert_eq!(combine([3, 4]), 3);
    }
}
