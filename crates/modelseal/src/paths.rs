//! Path conventions of the CLI: where signatures go by default and how `--ignore` is read.

use std::path::{Path, PathBuf};

pub use modelseal_sign::default_signature_path;

/// The POSIX path of `path` (absolute, or relative to the current directory) relative to the
/// model root, if it lies inside a directory model. This is how a signature path is placed:
/// it is left out of the model only when it really is inside it.
pub fn inside_model(model: &Path, path: &Path) -> Option<String> {
    let root = std::fs::canonicalize(model).ok()?;
    if !root.is_dir() {
        return None;
    }
    strip(&root, &normalize(&std::path::absolute(path).ok()?))
}

/// Where an `--ignore PATH` points inside the model: relative to the current directory first
/// (as `model_signing` does) and, when that is not inside the model, relative to the model
/// root (so `--ignore README.md` works from anywhere).
pub fn ignore_in_model(model: &Path, path: &Path) -> Option<String> {
    if let Some(rel) = inside_model(model, path) {
        return Some(rel);
    }
    let root = std::fs::canonicalize(model).ok()?;
    if path.is_relative() && root.is_dir() {
        return strip(&root, &normalize(&root.join(path)));
    }
    None
}

fn strip(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = rel
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Resolves `..` and symlinks of the longest existing ancestor, keeping the rest lexical, so a
/// path that does not exist yet (a signature about to be written) still compares.
fn normalize(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        if name == ".." {
            out.pop();
        } else if name != "." {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_sits_beside_the_model() {
        assert_eq!(
            default_signature_path(Path::new("model")),
            PathBuf::from("model.sig")
        );
        assert_eq!(
            default_signature_path(Path::new("a/model/")),
            PathBuf::from("a/model.sig")
        );
        assert_eq!(
            default_signature_path(Path::new("a/w.bin")),
            PathBuf::from("a/w.bin.sig")
        );
    }

    #[test]
    fn ignores_resolve_inside_the_model_only() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m");
        std::fs::create_dir_all(model.join("sub")).unwrap();
        assert_eq!(
            ignore_in_model(&model, &model.join("sub/x")).as_deref(),
            Some("sub/x")
        );
        assert_eq!(
            ignore_in_model(&model, Path::new("README.md")).as_deref(),
            Some("README.md")
        );
        assert_eq!(ignore_in_model(&model, &dir.path().join("m.sig")), None);
        assert_eq!(
            inside_model(&model, &model.join("new.sig")).as_deref(),
            Some("new.sig")
        );
        // A relative signature path outside the model is never taken as a model file.
        assert_eq!(inside_model(&model, Path::new("config.json")), None);
        assert_eq!(inside_model(&model, &dir.path().join("m.sig")), None);
    }
}
