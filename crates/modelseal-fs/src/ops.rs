//! The plain operations, each returning [`FsError`] with the path attached, so no caller
//! writes its own "attach the path" mapper.

use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};

use crate::{FsError, Op};

/// Metadata of `path`, following symbolic links.
pub fn metadata(path: &Path) -> Result<Metadata, FsError> {
    fs::metadata(path).map_err(FsError::with(Op::Inspect, path))
}

/// Metadata of `path` itself, not of a link's target.
pub fn symlink_metadata(path: &Path) -> Result<Metadata, FsError> {
    fs::symlink_metadata(path).map_err(FsError::with(Op::Inspect, path))
}

/// Whether anything (a dangling link included) is at `path`.
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// The absolute path with every link and `..` resolved.
pub fn canonicalize(path: &Path) -> Result<PathBuf, FsError> {
    fs::canonicalize(path).map_err(FsError::with(Op::Resolve, path))
}

/// The target a symbolic link points to, as stored in the link.
pub fn read_link(path: &Path) -> Result<PathBuf, FsError> {
    fs::read_link(path).map_err(FsError::with(Op::Resolve, path))
}

/// Creates one directory; its parent must exist.
pub fn create_dir(path: &Path) -> Result<(), FsError> {
    fs::create_dir(path).map_err(FsError::with(Op::Create, path))
}

/// Creates a directory and any missing parents.
pub fn create_dir_all(path: &Path) -> Result<(), FsError> {
    fs::create_dir_all(path).map_err(FsError::with(Op::Create, path))
}

/// Removes a file or a link (not its target).
pub fn remove_file(path: &Path) -> Result<(), FsError> {
    fs::remove_file(path).map_err(FsError::with(Op::Remove, path))
}

/// Removes a file, a link (not its target) or a whole directory tree.
pub fn remove(path: &Path) -> Result<(), FsError> {
    if symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path).map_err(FsError::with(Op::Remove, path))
    } else {
        remove_file(path)
    }
}

/// Renames `from` to `to` on one file system, replacing `to` if it is a file.
pub fn rename(from: &Path, to: &Path) -> Result<(), FsError> {
    fs::rename(from, to).map_err(FsError::with(Op::Rename, from))
}

/// Copies a regular file's bytes to `to` (created or truncated) and syncs the copy.
pub fn copy_file(from: &Path, to: &Path) -> Result<(), FsError> {
    fs::copy(from, to).map_err(FsError::with(Op::Copy, from))?;
    fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(FsError::with(Op::Sync, to))
}

/// The entries of a directory, sorted by path.
pub fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, FsError> {
    let mut entries = fs::read_dir(dir)
        .map_err(FsError::with(Op::List, dir))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(FsError::with(Op::List, dir))?;
    entries.sort();
    Ok(entries)
}

/// Makes a directory's entries (a rename, a new file) durable.
pub fn sync_dir(dir: &Path) -> Result<(), FsError> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(FsError::with(Op::Sync, dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
