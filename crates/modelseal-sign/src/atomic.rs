//! Writes that never leave a half-written file where a good one was: write a temporary file in
//! the destination directory, fsync it, rename it over the destination, fsync the directory.

use std::io::Write;
use std::path::Path;

use crate::SignError;

/// How to treat an existing destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    Refuse,
    Replace,
}

/// Atomically writes `contents` to `path`. The file is created with mode 0600 (the temporary
/// file's mode) unless `mode` widens it; keys keep 0600.
pub fn write_atomic(
    path: &Path,
    contents: &[u8],
    overwrite: Overwrite,
    mode: Option<u32>,
) -> Result<(), SignError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if overwrite == Overwrite::Refuse && path.symlink_metadata().is_ok() {
        return Err(SignError::AlreadyExists(path.to_path_buf()));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".modelseal-")
        .tempfile_in(dir)
        .map_err(|e| SignError::io(dir, e))?;
    tmp.write_all(contents)
        .map_err(|e| SignError::io(tmp.path(), e))?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| SignError::io(tmp.path(), e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file()
        .sync_all()
        .map_err(|e| SignError::io(tmp.path(), e))?;
    match overwrite {
        Overwrite::Replace => tmp
            .persist(path)
            .map(drop)
            .map_err(|e| SignError::io(path, e.error))?,
        // persist_noclobber links then unlinks: it fails instead of replacing a file that
        // appeared since the check above.
        Overwrite::Refuse => tmp.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                SignError::AlreadyExists(path.to_path_buf())
            } else {
                SignError::io(path, e.error)
            }
        })?,
    }
    // The rename is durable only once the directory entry is on disk.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_and_replaces_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one", Overwrite::Refuse, None).unwrap();
        let err = write_atomic(&path, b"two", Overwrite::Refuse, None).unwrap_err();
        assert!(matches!(err, SignError::AlreadyExists(_)));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomic(&path, b"two", Overwrite::Replace, None).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_private_by_default() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        write_atomic(&path, b"secret", Overwrite::Refuse, None).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
