//! Paths that must stay inside a root: names from files (archive members, manifest resources,
//! registry entries) and paths the user gives that may or may not lie inside a model.

use std::path::{Component, Path, PathBuf};

use crate::{FsError, Op, Reason};

/// The path of `rel`, a `/`-separated relative name from an untrusted source, under `root`.
///
/// Refused: empty names, absolute names, any `..` component, NUL bytes, and names whose
/// existing part passes through a symbolic link that resolves outside `root`. A name that
/// does not exist yet is confined lexically below its deepest existing ancestor.
pub fn confine(root: &Path, rel: &str) -> Result<PathBuf, FsError> {
    let escapes = || FsError::new(Op::Resolve, rel, Reason::Escapes { root: root.into() });
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let bad = |c: &&str| *c == ".." || c.contains(['\0', '\\']);
    if parts.is_empty() || rel.starts_with('/') || parts.iter().any(bad) {
        return Err(escapes());
    }
    let canonical_root = crate::canonicalize(root)?;
    let mut path = root.to_path_buf();
    for part in &parts {
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            let target = std::fs::canonicalize(&path)
                .map_err(|_| FsError::new(Op::Resolve, &path, Reason::BrokenSymlink))?;
            if !target.starts_with(&canonical_root) {
                return Err(FsError::new(
                    Op::Resolve,
                    &path,
                    Reason::SymlinkEscapes { root: root.into() },
                ));
            }
        }
    }
    Ok(path)
}

/// The POSIX path of `path` (absolute, or relative to the current directory) relative to the
/// directory `root`, if it lies inside it; `None` otherwise or when `root` is not a directory.
///
/// Both sides are resolved the same way (symbolic links and `..` of the longest existing
/// ancestor, the rest lexically), so the answer is the same whether `path` exists yet or not:
/// a signature about to be written inside the model is recognised before it exists.
pub fn relative_inside(root: &Path, path: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok()?;
    if !root.is_dir() {
        return None;
    }
    let path = resolve(&std::path::absolute(path).ok()?);
    let rel = path.strip_prefix(&root).ok()?;
    let parts: Vec<&str> = rel
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Resolves `path` (absolute) component by component: every prefix that exists is
/// canonicalized (so links and `..` act as the system would), a `..` after a part that does not
/// exist removes that part lexically. The result has no `.` or `..` left, so a prefix test on
/// it is sound.
fn resolve(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => {
                out.push(other);
                if let Ok(real) = std::fs::canonicalize(&out) {
                    out = real;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_names_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        assert_eq!(confine(root, "sub/x.bin").unwrap(), root.join("sub/x.bin"));
        assert_eq!(confine(root, "./a//b").unwrap(), root.join("a/b"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "sub/../../x",
            "a\\..\\b",
            "nul\0",
        ] {
            assert!(confine(root, bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        std::os::unix::fs::symlink(".", root.join("here")).unwrap();
        assert!(matches!(
            confine(&root, "up/x").unwrap_err().reason,
            Reason::SymlinkEscapes { .. }
        ));
        assert!(confine(&root, "here/x").is_ok());
    }

    #[test]
    fn inside_works_for_paths_that_do_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m");
        std::fs::create_dir_all(model.join("sub")).unwrap();
        std::fs::write(model.join("sub/old.sig"), b"").unwrap();
        assert_eq!(
            relative_inside(&model, &model.join("sub/old.sig")).as_deref(),
            Some("sub/old.sig")
        );
        assert_eq!(
            relative_inside(&model, &model.join("new.sig")).as_deref(),
            Some("new.sig")
        );
        assert_eq!(
            relative_inside(&model, &model.join("sub/../n.sig")).as_deref(),
            Some("n.sig")
        );
        assert_eq!(relative_inside(&model, &dir.path().join("m.sig")), None);
        assert_eq!(relative_inside(&model, &model), None);
        assert_eq!(relative_inside(&model.join("sub/old.sig"), &model), None);
        // `..` after a part that does not exist climbs out lexically, never stays "inside".
        assert_eq!(
            relative_inside(&model, &model.join("nonexist/../../x")),
            None
        );
        assert_eq!(
            relative_inside(&model, &model.join("n1/n2/../../../etc/passwd")),
            None
        );
        assert_eq!(
            relative_inside(&model, &model.join("n1/n2/../../y")).as_deref(),
            Some("y")
        );
    }
}
