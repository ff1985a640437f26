use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use crate::DigestError;

/// One regular file of a model, as found by [`walk_model`].
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// POSIX path relative to the model root; `"."` when the model is a single file.
    pub name: String,
    /// Where to read it (for an allowed symlink: the link, which the OS follows).
    pub path: PathBuf,
    pub size: u64,
    /// Seen at walk time; a different value when hashing means the file changed under us.
    pub modified: Option<SystemTime>,
    /// Device and inode seen at walk time (Unix): hashing must read this very file.
    pub identity: Option<(u64, u64)>,
    /// Reached through a symbolic link that the walk allowed.
    pub via_symlink: bool,
}

/// The files of a model in canonical order (by path components, as `model_signing` orders them).
#[derive(Debug, Clone)]
pub struct Walk {
    pub root: PathBuf,
    /// The final component of the path the user named (the in-toto subject name).
    pub model_name: String,
    pub is_single_file: bool,
    pub files: Vec<ModelFile>,
}

/// Lists the files of the model at `root`, skipping `ignore_paths` (relative to the root).
///
/// Symbolic links inside a directory model are refused unless `allow_symlinks`; allowed links
/// must resolve inside the model root. Like the reference implementation, a link to a directory
/// is not descended into (what it points at is inside the root and so is hashed anyway).
pub fn walk_model(
    root: &Path,
    allow_symlinks: bool,
    ignore_paths: &[String],
) -> Result<Walk, DigestError> {
    let root_meta = fs::metadata(root).map_err(|e| DigestError::io(root, e))?;
    let model_name = model_name(root)?;
    if root_meta.is_file() {
        return Ok(Walk {
            root: root.to_path_buf(),
            model_name,
            is_single_file: true,
            files: vec![ModelFile {
                name: ".".to_owned(),
                path: root.to_path_buf(),
                size: root_meta.len(),
                modified: root_meta.modified().ok(),
                identity: identity(&root_meta),
                via_symlink: root
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink()),
            }],
        });
    }
    if !root_meta.is_dir() {
        return Err(DigestError::SpecialFile(root.to_path_buf()));
    }
    let canonical_root = fs::canonicalize(root).map_err(|e| DigestError::io(root, e))?;
    let ignored: Vec<Vec<&str>> = ignore_paths.iter().map(|p| components(p)).collect();

    let mut files = Vec::new();
    let mut pending = vec![(root.to_path_buf(), Vec::<String>::new())];
    while let Some((dir, prefix)) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| DigestError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| DigestError::io(&dir, e))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(DigestError::NonUtf8Name(path));
            };
            let mut rel = prefix.clone();
            rel.push(name);
            if is_ignored(&rel, &ignored) {
                continue;
            }
            let file_type = entry.file_type().map_err(|e| DigestError::io(&path, e))?;
            let meta = if file_type.is_symlink() {
                if !allow_symlinks {
                    return Err(DigestError::SymlinkRefused(path));
                }
                let target = fs::canonicalize(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => DigestError::BrokenSymlink(path.clone()),
                    _ => DigestError::io(&path, e),
                })?;
                if !target.starts_with(&canonical_root) {
                    return Err(DigestError::SymlinkEscapes(path));
                }
                let meta = fs::metadata(&path).map_err(|e| DigestError::io(&path, e))?;
                if meta.is_dir() {
                    continue;
                }
                meta
            } else if file_type.is_dir() {
                pending.push((path, rel));
                continue;
            } else {
                entry.metadata().map_err(|e| DigestError::io(&path, e))?
            };
            if !meta.is_file() {
                return Err(DigestError::SpecialFile(path));
            }
            files.push(ModelFile {
                name: rel.join("/"),
                path,
                size: meta.len(),
                modified: meta.modified().ok(),
                identity: identity(&meta),
                via_symlink: file_type.is_symlink(),
            });
        }
    }
    files.sort_by(|a, b| components(&a.name).cmp(&components(&b.name)));
    Ok(Walk {
        root: root.to_path_buf(),
        model_name,
        is_single_file: false,
        files,
    })
}

#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // None on platforms without inodes
pub(crate) fn identity(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
pub(crate) fn identity(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Splits a POSIX relative path into its components, the order `model_signing` sorts by
/// (`sub/x` sorts before `sub.txt` because `sub` < `sub.txt`).
pub(crate) fn components(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

fn is_ignored(rel: &[String], ignored: &[Vec<&str>]) -> bool {
    ignored.iter().any(|ig| {
        !ig.is_empty() && rel.len() >= ig.len() && rel.iter().zip(ig).all(|(a, b)| a == b)
    })
}

/// The subject name: the last component of the path as given, or of its canonical form when
/// the path ends in `.` or `..`.
fn model_name(root: &Path) -> Result<String, DigestError> {
    let name = if let Some(Component::Normal(name)) = root.components().next_back() {
        name.to_owned()
    } else {
        let canonical = fs::canonicalize(root).map_err(|e| DigestError::io(root, e))?;
        canonical
            .file_name()
            .map(ToOwned::to_owned)
            .unwrap_or_default()
    };
    name.into_string()
        .map_err(|_| DigestError::NonUtf8Name(root.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_order_puts_directories_before_dotted_siblings() {
        let mut names = ["sub.txt", "sub/tokenizer.txt", "a.txt", "weights.bin"];
        names.sort_by(|a, b| components(a).cmp(&components(b)));
        assert_eq!(
            names,
            ["a.txt", "sub/tokenizer.txt", "sub.txt", "weights.bin"]
        );
    }

    #[test]
    fn ignore_matches_whole_components_only() {
        let ignored = vec![components(".git")];
        let rel = |s: &str| s.split('/').map(str::to_owned).collect::<Vec<_>>();
        assert!(is_ignored(&rel(".git"), &ignored));
        assert!(is_ignored(&rel(".git/config"), &ignored));
        assert!(!is_ignored(&rel(".gitkeep"), &ignored));
        assert!(!is_ignored(&rel("sub/.git"), &ignored));
    }
}
