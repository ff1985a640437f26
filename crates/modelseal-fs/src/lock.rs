//! Advisory locks on a path (`flock` on the file or directory itself), so two processes never
//! act on one model at once: two gates quarantining it would both copy it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::{FileKind, FsError, Op, Reason};

/// A held lock; released when dropped (or when the process dies, however it dies).
#[derive(Debug)]
pub struct PathLock {
    file: File,
}

/// Whether to wait for a lock another process holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait until the holder releases it.
    Block,
    /// Return `Ok(None)` at once when the lock is held elsewhere.
    Try,
}

/// Locks the regular file or directory at `path` (a link is not followed). The lock belongs
/// to the object, not the name: a caller that waited must check that `path` still names the
/// object it locked ([`PathLock::still_at`]), since the holder may have moved it meanwhile.
pub fn lock_path(path: &Path, wait: Wait) -> Result<Option<PathLock>, FsError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // No following a link, no blocking on a FIFO swapped in, no controlling terminal.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(FsError::with(Op::Open, path))?;
    let meta = file.metadata().map_err(FsError::with(Op::Inspect, path))?;
    if !meta.is_file() && !meta.is_dir() {
        return Err(FsError::new(
            Op::Open,
            path,
            Reason::NotRegular(FileKind::of(meta.file_type())),
        ));
    }
    match wait {
        Wait::Block => file.lock().map_err(FsError::with(Op::Open, path))?,
        Wait::Try => match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(FsError::io(Op::Open, path, e)),
        },
    }
    Ok(Some(PathLock { file }))
}

impl PathLock {
    /// Whether `path` still names the locked object (same device and inode).
    pub fn still_at(&self, path: &Path) -> bool {
        let (Ok(locked), Ok(now)) = (self.file.metadata(), std::fs::symlink_metadata(path)) else {
            return false;
        };
        crate::identity(&locked).is_some() && crate::identity(&locked) == crate::identity(&now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_and_a_dropped_lock_frees() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_path(dir.path(), Wait::Block).unwrap().unwrap();
        assert!(lock_path(dir.path(), Wait::Try).unwrap().is_none());
        assert!(first.still_at(dir.path()));
        drop(first);
        assert!(lock_path(dir.path(), Wait::Try).unwrap().is_some());
    }

    #[cfg(unix)]
    #[test]
    fn links_and_fifos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert!(lock_path(&link, Wait::Try).is_err());
    }
}
