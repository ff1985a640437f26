//! Writes that never leave a half-written file where a good one was: write a temporary file
//! in the destination directory, fsync it, rename it over the destination, fsync the directory.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{FileKind, FsError, Op, Reason};

/// How to treat an existing destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`Reason::AlreadyExists`], even if the file appears while writing.
    Refuse,
    /// Replace a regular file (never a directory, device or FIFO).
    Replace,
}

/// A file being written: bytes go to a temporary file beside the destination, which takes
/// the destination's name only on [`AtomicFile::commit`]. Dropped uncommitted, it vanishes.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: NamedTempFile,
    path: PathBuf,
    overwrite: Overwrite,
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// Starts writing `path`. The file is created with mode 0600 (the temporary file's mode)
    /// unless `mode` widens it; keys keep 0600.
    pub fn create(path: &Path, overwrite: Overwrite, mode: Option<u32>) -> Result<Self, FsError> {
        check_destination(path, overwrite)?;
        let dir = parent_dir(path);
        let tmp = tempfile::Builder::new()
            .prefix(".modelseal-")
            .tempfile_in(dir)
            .map_err(FsError::with(Op::Create, dir))?;
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(FsError::with(Op::Create, tmp.path()))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        Ok(AtomicFile {
            tmp,
            path: path.to_path_buf(),
            overwrite,
        })
    }

    /// Syncs the data and gives it the destination's name.
    pub fn commit(self) -> Result<(), FsError> {
        let AtomicFile {
            mut tmp,
            path,
            overwrite,
        } = self;
        tmp.flush().map_err(FsError::with(Op::Write, &path))?;
        tmp.as_file()
            .sync_all()
            .map_err(FsError::with(Op::Sync, &path))?;
        match overwrite {
            Overwrite::Replace => {
                // Checked again just before the rename: a device or directory that appeared
                // meanwhile is still not replaced.
                check_destination(&path, overwrite)?;
                tmp.persist(&path)
                    .map(drop)
                    .map_err(|e| FsError::io(Op::Rename, &path, e.error))?;
            }
            // persist_noclobber links then unlinks: it fails instead of replacing a file that
            // appeared since the first check.
            Overwrite::Refuse => tmp
                .persist_noclobber(&path)
                .map(drop)
                .map_err(|e| FsError::io(Op::Create, &path, e.error))?,
        }
        // The rename is durable only once the directory entry is on disk; the new file is in
        // place either way, so a directory that cannot be synced is not reported as a failure.
        let _ = crate::sync_dir(parent_dir(&path));
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// Whether `path` may be written under `overwrite`.
fn check_destination(path: &Path, overwrite: Overwrite) -> Result<(), FsError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if overwrite == Overwrite::Refuse {
        return Err(FsError::new(Op::Create, path, Reason::AlreadyExists));
    }
    // Replacing a link replaces the link, not what it points at; anything that is neither a
    // link nor a regular file (a directory, `/dev/null`, a FIFO) is never replaced.
    if meta.is_file() || meta.file_type().is_symlink() {
        Ok(())
    } else {
        Err(FsError::new(
            Op::Write,
            path,
            Reason::NotRegular(FileKind::of(meta.file_type())),
        ))
    }
}

/// Opens (creating it if missing) the regular file at `path` for reading and appending, as an
/// append-only log is opened. Like [`crate::open_regular`], the open never blocks and anything
/// but a regular file is refused.
pub fn open_append(path: &Path) -> Result<std::fs::File, FsError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).append(true).create(true);
    crate::read::open_checked(&mut options, path, true).map(|(file, _)| file)
}

/// Atomically writes `contents` to `path` (see [`AtomicFile`]).
pub fn write_atomic(
    path: &Path,
    contents: &[u8],
    overwrite: Overwrite,
    mode: Option<u32>,
) -> Result<(), FsError> {
    let mut file = AtomicFile::create(path, overwrite, mode)?;
    file.write_all(contents)
        .map_err(FsError::with(Op::Write, path))?;
    file.commit()
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
        assert!(matches!(err.reason, Reason::AlreadyExists));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomic(&path, b"two", Overwrite::Replace, None).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_the_old_one_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"good", Overwrite::Refuse, None).unwrap();
        let mut file = AtomicFile::create(&path, Overwrite::Replace, None).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(std::fs::read(&path).unwrap(), b"good");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn devices_and_directories_are_never_replaced() {
        let err = write_atomic(Path::new("/dev/null"), b"x", Overwrite::Replace, None);
        assert!(matches!(
            err.unwrap_err().reason,
            Reason::NotRegular(FileKind::CharDevice)
        ));
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), b"x", Overwrite::Replace, None).unwrap_err();
        assert!(matches!(
            err.reason,
            Reason::NotRegular(FileKind::Directory)
        ));
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
        write_atomic(&path, b"public", Overwrite::Replace, Some(0o644)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}
