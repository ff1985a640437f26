//! Writes that never leave a half-written file where a good one was, and never replace what
//! is not a regular file.
//!
//! A new file or a regular file is written to a temporary file in the destination's directory,
//! fsynced, renamed over the destination, and the directory fsynced. What already sits at the
//! destination decides the rest (issue 11, item 5):
//! - a symbolic link is followed: a link to a regular file replaces *that file* atomically
//!   (the link stays a link); a link to nothing is refused;
//! - a FIFO or a character device (`/dev/null`, `/dev/full`, a terminal, `/dev/stdout` through
//!   its links) is written through: opened for writing without creating or truncating, so the
//!   node stays what it is. A FIFO is opened without blocking: one with no reader is refused
//!   ([`Reason::NoReader`]) instead of hanging the command until someone reads;
//! - a directory, socket or block device is refused ([`Reason::NotRegular`]);
//! - a regular file that is this process's own stdout or stderr (`-o /dev/stdout > out.json`,
//!   or `>> log`) is appended to through a fresh descriptor, as the redirection asked:
//!   replacing it would unlink the file the shell opened, losing what was printed before and,
//!   with `>>`, everything the log held.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{FileKind, FsError, Op, Reason};

/// How to treat an existing destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`Reason::AlreadyExists`] on a regular file or a link, even if the file
    /// appears while writing. A FIFO or character device is still written through: writing to
    /// it replaces nothing.
    Refuse,
    /// Replace a regular file, or the regular file a link points at (never a directory,
    /// device or FIFO, which are written through or refused).
    Replace,
}

/// A file being written. For a regular destination, bytes go to a temporary file beside it,
/// which takes the destination's name only on [`AtomicFile::commit`]; dropped uncommitted, it
/// vanishes. For a FIFO or character device, bytes go straight through: they cannot be taken
/// back, and `commit` only flushes.
#[derive(Debug)]
pub struct AtomicFile {
    target: Target,
    /// The path the caller named (for messages).
    path: PathBuf,
}

#[derive(Debug)]
enum Target {
    /// A temporary file to rename over `file` (the named path, or the regular file a link at
    /// it points to).
    Replace {
        tmp: NamedTempFile,
        file: PathBuf,
        overwrite: Overwrite,
    },
    /// An existing FIFO or character device, open for writing.
    Through(File),
}

/// Where an output goes, decided from what is at its path now.
enum Destination {
    /// Write a temporary file and rename it over this path (a new file or a regular one).
    Replace(PathBuf),
    /// Write into this open FIFO or character device.
    Through(File),
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// Starts writing `path`. A new file is created with mode 0600 (the temporary file's mode)
    /// unless `mode` widens it; keys keep 0600. A replaced file gets the same mode.
    pub fn create(path: &Path, overwrite: Overwrite, mode: Option<u32>) -> Result<Self, FsError> {
        let file = match destination(path, overwrite)? {
            Destination::Through(file) => {
                return Ok(AtomicFile {
                    target: Target::Through(file),
                    path: path.to_path_buf(),
                });
            }
            Destination::Replace(file) => file,
        };
        let dir = parent_dir(&file);
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
            target: Target::Replace {
                tmp,
                file,
                overwrite,
            },
            path: path.to_path_buf(),
        })
    }

    /// Whether the bytes go straight into a FIFO or device (nothing is replaced).
    pub fn is_write_through(&self) -> bool {
        matches!(self.target, Target::Through(_))
    }

    /// Syncs the data and gives it the destination's name (for a FIFO or device: flushes).
    pub fn commit(self) -> Result<(), FsError> {
        let AtomicFile { target, path } = self;
        let (mut tmp, file, overwrite) = match target {
            Target::Through(mut file) => {
                // A device has nothing to sync (`/dev/null` refuses fsync); a write it refused,
                // such as `/dev/full`'s ENOSPC, already failed the write.
                return file.flush().map_err(FsError::with(Op::Write, &path));
            }
            Target::Replace {
                tmp,
                file,
                overwrite,
            } => (tmp, file, overwrite),
        };
        tmp.flush().map_err(FsError::with(Op::Write, &path))?;
        tmp.as_file()
            .sync_all()
            .map_err(FsError::with(Op::Sync, &path))?;
        match overwrite {
            Overwrite::Replace => {
                // Checked again just before the rename: a device, directory or link that
                // appeared meanwhile is still not replaced.
                if let Ok(meta) = std::fs::symlink_metadata(&file)
                    && !meta.is_file()
                {
                    return Err(FsError::new(
                        Op::Write,
                        &file,
                        Reason::NotRegular(FileKind::of(meta.file_type())),
                    ));
                }
                tmp.persist(&file)
                    .map(drop)
                    .map_err(|e| FsError::io(Op::Rename, &file, e.error))?;
            }
            // persist_noclobber links then unlinks: it fails instead of replacing a file that
            // appeared since the first check.
            Overwrite::Refuse => tmp
                .persist_noclobber(&file)
                .map(drop)
                .map_err(|e| FsError::io(Op::Create, &file, e.error))?,
        }
        // The rename is durable only once the directory entry is on disk; the new file is in
        // place either way, so a directory that cannot be synced is not reported as a failure.
        let _ = crate::sync_dir(parent_dir(&file));
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Replace { tmp, .. } => tmp.write(buf),
            Target::Through(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Replace { tmp, .. } => tmp.flush(),
            Target::Through(file) => file.flush(),
        }
    }
}

/// Where writing `path` under `overwrite` goes, from what is there now.
fn destination(path: &Path, overwrite: Overwrite) -> Result<Destination, FsError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        // Nothing there (or nothing this process may inspect: creating it says why).
        return Ok(Destination::Replace(path.to_path_buf()));
    };
    if meta.is_file() && !is_own_output(&meta) {
        return match overwrite {
            Overwrite::Refuse => Err(FsError::new(Op::Create, path, Reason::AlreadyExists)),
            Overwrite::Replace => Ok(Destination::Replace(path.to_path_buf())),
        };
    }
    let is_link = meta.file_type().is_symlink();
    // What the path leads to, following links.
    let target = match std::fs::metadata(path) {
        Ok(target) => target,
        Err(_) if is_link && overwrite == Overwrite::Refuse => {
            return Err(FsError::new(Op::Create, path, Reason::AlreadyExists));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound && is_link => {
            return Err(FsError::new(Op::Write, path, Reason::BrokenSymlink));
        }
        Err(e) => return Err(FsError::io(Op::Write, path, e)),
    };
    let kind = FileKind::of(target.file_type());
    if target.is_file() && is_own_output(&target) {
        return append_through(path).map(Destination::Through);
    }
    if target.is_file() {
        // A link to a regular file: the file is replaced, the link stays.
        if overwrite == Overwrite::Refuse {
            return Err(FsError::new(Op::Create, path, Reason::AlreadyExists));
        }
        return crate::canonicalize(path).map(Destination::Replace);
    }
    match kind {
        FileKind::Fifo | FileKind::CharDevice => open_through(path).map(Destination::Through),
        // A directory is not a file; writing a block device would overwrite a disk; a socket
        // cannot be opened.
        _ => Err(FsError::new(Op::Write, path, Reason::NotRegular(kind))),
    }
}

/// Whether `file` is the regular file this process's stdout or stderr writes to.
#[cfg(unix)]
fn is_own_output(file: &std::fs::Metadata) -> bool {
    use std::os::fd::AsFd;
    let same = |fd: std::os::fd::BorrowedFd<'_>| {
        fd.try_clone_to_owned()
            .and_then(|owned| File::from(owned).metadata())
            .is_ok_and(|out| out.is_file() && crate::identity(&out) == crate::identity(file))
    };
    same(std::io::stdout().as_fd()) || same(std::io::stderr().as_fd())
}

#[cfg(not(unix))]
fn is_own_output(_file: &std::fs::Metadata) -> bool {
    false
}

/// Opens an existing regular file to append to: never created, never truncated.
fn append_through(path: &Path) -> Result<File, FsError> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(FsError::with(Op::Write, path))
}

/// Opens an existing FIFO or character device for writing: never created, never truncated,
/// and never blocking on a FIFO that has no reader.
#[cfg(unix)]
fn open_through(path: &Path) -> Result<File, FsError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            // A FIFO opened for writing without blocking fails with ENXIO until a reader
            // opens it.
            if e.raw_os_error() == Some(libc::ENXIO) {
                let kind = std::fs::metadata(path)
                    .map_or(FileKind::Other, |m| FileKind::of(m.file_type()));
                if kind == FileKind::Fifo {
                    return FsError::new(Op::Write, path, Reason::NoReader);
                }
                return FsError::new(Op::Write, path, Reason::NotRegular(kind));
            }
            FsError::io(Op::Write, path, e)
        })?;
    // What was opened, not what was there a moment ago.
    let meta = file.metadata().map_err(FsError::with(Op::Write, path))?;
    let kind = FileKind::of(meta.file_type());
    if meta.is_file() || !matches!(kind, FileKind::Fifo | FileKind::CharDevice) {
        let kind = if meta.is_file() {
            FileKind::Other
        } else {
            kind
        };
        return Err(FsError::new(Op::Write, path, Reason::NotRegular(kind)));
    }
    // Once open, writes may wait for a slow reader: clear O_NONBLOCK so they block normally
    // instead of failing with EAGAIN.
    rustix::fs::fcntl_getfl(&file)
        .and_then(|flags| rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK))
        .map_err(|e| FsError::io(Op::Write, path, e.into()))?;
    Ok(file)
}

/// Writing through special files is a Unix notion: elsewhere they are refused.
#[cfg(not(unix))]
fn open_through(path: &Path) -> Result<File, FsError> {
    Err(FsError::new(
        Op::Write,
        path,
        Reason::NotRegular(FileKind::Other),
    ))
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
    fn directories_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), b"x", Overwrite::Replace, None).unwrap_err();
        assert!(matches!(
            err.reason,
            Reason::NotRegular(FileKind::Directory)
        ));
    }

    /// `sbom create -o /dev/full` as root replaced the device node with a file (issue 11,
    /// item 5): a character device is written through and stays a device.
    #[cfg(unix)]
    #[test]
    fn character_devices_are_written_through_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"x", Overwrite::Replace, None).unwrap();
        write_atomic(Path::new("/dev/null"), b"x", Overwrite::Refuse, None).unwrap();
        let err = write_atomic(Path::new("/dev/full"), b"x", Overwrite::Replace, None);
        let err = err.unwrap_err();
        assert!(err.is_io() && err.op.is_output(), "{err}");
        for device in ["/dev/null", "/dev/full"] {
            let meta = std::fs::symlink_metadata(device).unwrap();
            assert!(
                meta.file_type().is_char_device(),
                "{device} is still a device"
            );
        }
    }

    /// A link at the output path is followed: the regular file it points at is replaced (the
    /// link stays a link); a link to a device writes the device; a link to nothing is refused.
    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_never_replaced_by_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomic(&link, b"new", Overwrite::Replace, None).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        let err = write_atomic(&link, b"x", Overwrite::Refuse, None).unwrap_err();
        assert!(matches!(err.reason, Reason::AlreadyExists));

        let to_null = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &to_null).unwrap();
        write_atomic(&to_null, b"x", Overwrite::Replace, None).unwrap();
        assert!(
            std::fs::symlink_metadata(&to_null)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("nowhere", &dangling).unwrap();
        let err = write_atomic(&dangling, b"x", Overwrite::Replace, None).unwrap_err();
        assert!(matches!(err.reason, Reason::BrokenSymlink));
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(!dir.path().join("nowhere").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 4, "no temporary file left behind");
    }

    /// A FIFO is written through when someone reads it, and refused at once when nobody does:
    /// the command never hangs waiting for a reader, and the FIFO stays a FIFO.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_through_or_refused_without_blocking() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let err = write_atomic(&fifo, b"x", Overwrite::Replace, None).unwrap_err();
        assert!(matches!(err.reason, Reason::NoReader), "{err}");
        let reader = {
            let fifo = fifo.clone();
            // Opening for reading blocks until a writer comes; reading then ends at its close.
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let bytes = vec![7u8; 1 << 20]; // more than a pipe buffer: the writer must wait
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match write_atomic(&fifo, &bytes, Overwrite::Replace, None) {
                Ok(()) => break,
                Err(e) if matches!(e.reason, Reason::NoReader) => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "the reader never came"
                    );
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(reader.join().unwrap(), bytes);
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
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
