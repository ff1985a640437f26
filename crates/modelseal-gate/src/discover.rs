//! Which models a check covers: paths named on the command line, trees of models, and the
//! signatures that sit beside them.

use std::path::{Path, PathBuf};

use modelseal_sign::default_signature_path;
use serde::Serialize;

/// Deepest directory level searched for signed models.
const MAX_DEPTH: usize = 16;

/// A model to check, and the signature that goes with it (if one was found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The model file or directory.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub model: PathBuf,
    /// Its signature file, if one sits beside it.
    #[serde(serialize_with = "modelseal_report::path::lossy_opt")]
    pub signature: Option<PathBuf>,
}

/// Finds the models under `paths`. A path with a signature beside it (`PATH.sig`) is a model;
/// so is any path when `signature` is given (for a single path). A directory without one that
/// holds signed models, or any directory when `models_root` is set, is a tree of models: each
/// entry is a model (signed or not), or a tree itself. A signature whose model is gone is a
/// model that was not found.
///
/// Nothing in a tree is passed over: every file belongs to a model (or is a model's
/// signature) or is a model of its own, which is unsigned and fails under `--strict`. Names
/// starting with `.` are models like any other, and only a *file* named `X.sig` beside `X` is
/// `X`'s signature: a directory `weights.sig/` beside `weights` is a model (issue 11, item
/// 13: its files were never checked).
pub fn discover(paths: &[PathBuf], signature: Option<&Path>, models_root: bool) -> Vec<Candidate> {
    let mut out = Vec::new();
    for path in paths {
        // `check models/*` names the signatures too: they are not models.
        let is_signature_of_a_listed_model =
            is_signature(path) && paths.contains(&path.with_extension(""));
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
    dedup(&mut out);
    out
}

/// Keeps the first of candidates that name the same model: `check m m`, a tree and a model
/// inside it, or `check T --models-root ./T` (red team F3: every model was checked twice, and
/// with `--quarantine` the second pass found the moved model "not found"). Two paths name the
/// same model when their directories resolve to the same place (links, `.`, `..`) and their
/// last names are equal; a link to a model is still a model of its own (it may be unsigned).
pub fn dedup(candidates: &mut Vec<Candidate>) {
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| seen.insert(resolved(&c.model)));
}

/// `path` with its directory resolved by the file system (or made absolute when it cannot
/// be), its last name kept as it is.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let resolve = |p: &Path| modelseal_fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) if !matches!(name.to_str(), Some("." | "..")) => {
            resolve(parent).join(name)
        }
        _ => resolve(&absolute),
    }
}

fn discover_into(path: &Path, tree: bool, depth: usize, out: &mut Vec<Candidate>) {
    let beside = default_signature_path(path);
    // Anything at the signature's path is the model's signature: a FIFO or a device there is
    // a malformed signature to report, never a reason to treat the model as unsigned.
    if modelseal_fs::exists(&beside) {
        out.push(Candidate {
            model: path.to_path_buf(),
            signature: Some(beside),
        });
        return;
    }
    let is_tree = descendable(path, depth) && (tree || holds_signed(path, depth));
    if !is_tree {
        out.push(Candidate {
            model: path.to_path_buf(),
            signature: None,
        });
        return;
    }
    // A tree that cannot be listed is a model of its own: the check reports it unreadable
    // (exit 4), never an empty tree that passes (red team 3, D-1: a root of mode 0111 was
    // "0 model(s)", exit 0, while a loader opened `root/evil/pytorch_model.bin` by name).
    let Ok(entries) = modelseal_fs::read_dir_sorted(path) else {
        out.push(Candidate {
            model: path.to_path_buf(),
            signature: None,
        });
        return;
    };
    for entry in entries {
        // A file `X.sig` is the signature of `X` (checked with it), or of a model that is gone.
        if is_signature(&entry) {
            let model = entry.with_extension("");
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

/// Whether `path` is a directory to search for models. A link is followed only where the user
/// named it (depth 0): links inside a tree may loop (`l -> .`, exponential with several) or
/// lead out of it, so they are candidates to check, never trees to search.
fn descendable(path: &Path, depth: usize) -> bool {
    let meta = if depth == 0 {
        modelseal_fs::metadata(path)
    } else {
        modelseal_fs::symlink_metadata(path)
    };
    depth < MAX_DEPTH && meta.is_ok_and(|m| m.is_dir())
}

/// Whether `path` is a signature by its name: a file (not a directory) named `X.sig` where `X`
/// is not itself a signature. `m.sig.sig` beside a signed `m` is nobody's signature (`m.sig`
/// is a signature, not a model): it is a model, unsigned unless `m.sig.sig.sig` signs it (red
/// team 3, D-2: it was taken for the signature of `m.sig` and never checked).
fn is_signature(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sig")
        && !is_directory(path)
        && !is_signature(&path.with_extension(""))
}

/// Whether `path` itself (not a link's target) is a directory.
fn is_directory(path: &Path) -> bool {
    modelseal_fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// Whether a signed model lies anywhere below `dir`.
fn holds_signed(dir: &Path, depth: usize) -> bool {
    depth < MAX_DEPTH
        && sorted_entries(dir).iter().any(|entry| {
            entry.extension().is_some_and(|e| e == "sig")
                || (descendable(entry, depth + 1) && holds_signed(entry, depth + 1))
        })
}

/// The entries of `dir`, sorted; an unreadable directory has none to offer (it is then
/// checked as a model itself, and the check reports it unreadable).
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    modelseal_fs::read_dir_sorted(dir).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each candidate as (path below `root`, whether it has a signature).
    fn shown(found: &[Candidate], root: &Path) -> Vec<(String, bool)> {
        found
            .iter()
            .map(|c| {
                let rel = c.model.strip_prefix(root).unwrap().display().to_string();
                (rel, c.signature.is_some())
            })
            .collect()
    }

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
        let shown = shown(&found, root);
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

    /// `models/weights.sig/evil.pkl` and `models/.hidden/evil.pkl` were never checked while
    /// `check --strict` passed (issue 11, item 13): a directory named like a signature and a
    /// name starting with `.` are models like any other.
    #[test]
    fn nothing_in_a_tree_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("weights.sig")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::write(root.join("weights"), b"w").unwrap();
        std::fs::write(root.join("weights.sig/evil.pkl"), b"e").unwrap();
        std::fs::write(root.join(".hidden/evil.pkl"), b"e").unwrap();
        std::fs::write(root.join(".evil.pkl"), b"e").unwrap();
        std::fs::write(root.join("bert"), b"b").unwrap();
        std::fs::write(root.join("bert.sig"), b"{}").unwrap();
        let found = discover(&[root.to_path_buf()], None, true);
        let shown = shown(&found, root);
        assert_eq!(
            shown,
            [
                (".evil.pkl".to_owned(), false),
                (".hidden".to_owned(), false),
                ("bert".to_owned(), true),
                ("weights".to_owned(), true),
                ("weights.sig".to_owned(), false),
            ]
        );
        // A glob (`check models/*`) names the directory too: it is a model, not a signature.
        let listed = [root.join("weights"), root.join("weights.sig")];
        assert_eq!(discover(&listed, None, false).len(), 2);
    }

    /// D-2 (red team 3): `m.sig.sig` beside a signed `m` was taken for the signature of
    /// `m.sig` (a signature, not a model) and never checked: it is an unsigned model.
    #[test]
    fn a_signature_of_a_signature_is_an_unsigned_model() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("m"), b"m").unwrap();
        std::fs::write(root.join("m.sig"), b"{}").unwrap();
        std::fs::write(root.join("m.sig.sig"), b"evil").unwrap();
        let found = discover(&[root.to_path_buf()], None, true);
        let shown = shown(&found, root);
        assert_eq!(
            shown,
            [("m".to_owned(), true), ("m.sig.sig".to_owned(), false)]
        );
        // `check models/*` names all three: `m.sig.sig` is still a model.
        let listed = [root.join("m"), root.join("m.sig"), root.join("m.sig.sig")];
        assert_eq!(discover(&listed, None, false).len(), 2);
    }
}
