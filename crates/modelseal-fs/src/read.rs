//! Reading untrusted inputs: regular files only, never blocking, never past a bound.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read as _;
use std::path::Path;

use crate::{FileKind, FsError, Op, Reason};

/// Opens `path` for reading if it is a regular file (after following links).
///
/// The open itself uses `O_NONBLOCK` (and `O_NOCTTY`), so a FIFO without a writer or a
/// terminal does not hang the process before it can be refused; on a regular file the flag
/// has no effect. Directories, FIFOs, sockets and devices are refused with
/// [`Reason::NotRegular`].
pub fn open_regular(path: &Path) -> Result<(File, Metadata), FsError> {
    open_regular_with(path, true)
}

/// [`open_regular`] that does not follow a symbolic link at `path` itself (`O_NOFOLLOW`): for
/// re-opening a file that a walk listed as a regular file, where a link swapped in since is
/// tampering. Such a link is refused with [`Reason::NotRegular`]`(`[`FileKind::Symlink`]`)`.
pub fn open_regular_nofollow(path: &Path) -> Result<(File, Metadata), FsError> {
    open_regular_with(path, false)
}

fn open_regular_with(path: &Path, follow_links: bool) -> Result<(File, Metadata), FsError> {
    let mut options = OpenOptions::new();
    options.read(true);
    open_checked(&mut options, path, follow_links)
}

/// Opens `path` with `options` plus `O_NONBLOCK | O_NOCTTY` (and `O_NOFOLLOW` unless
/// `follow_links`), and refuses anything that is not a regular file: the one place every
/// untrusted open goes through, for reading and for appending.
pub(crate) fn open_checked(
    options: &mut OpenOptions,
    path: &Path,
    follow_links: bool,
) -> Result<(File, Metadata), FsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow_links { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | nofollow);
    }
    #[cfg(not(unix))]
    let _ = follow_links;
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if !follow_links && e.raw_os_error() == Some(libc::ELOOP) {
            return FsError::new(Op::Open, path, Reason::NotRegular(FileKind::Symlink));
        }
        // Opening a Unix socket fails with ENXIO ("no such device or address"): say what it is.
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ENXIO)
            && let Ok(meta) = std::fs::metadata(path)
        {
            return FsError::new(
                Op::Open,
                path,
                Reason::NotRegular(FileKind::of(meta.file_type())),
            );
        }
        FsError::io(Op::Open, path, e)
    })?;
    let meta = file.metadata().map_err(FsError::with(Op::Open, path))?;
    if !meta.is_file() {
        return Err(FsError::new(
            Op::Open,
            path,
            Reason::NotRegular(FileKind::of(meta.file_type())),
        ));
    }
    Ok((file, meta))
}

/// Reads the regular file at `path` whole, refusing more than `limit` bytes. The bound holds
/// while reading, not only against the size the file claimed when opened.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(FsError::new(Op::Read, path, Reason::TooLarge { limit }));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(FsError::with(Op::Read, path))?;
    if bytes.len() as u64 > limit {
        return Err(FsError::new(Op::Read, path, Reason::TooLarge { limit }));
    }
    Ok(bytes)
}

/// [`read_limited`], as UTF-8 text.
pub fn read_to_string_limited(path: &Path, limit: u64) -> Result<String, FsError> {
    String::from_utf8(read_limited(path, limit)?)
        .map_err(|_| FsError::new(Op::Read, path, Reason::NotUtf8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<Vec<u8>, FsError>) -> Reason {
        result.unwrap_err().reason
    }

    #[test]
    fn refuses_devices_directories_and_oversized_files() {
        assert!(matches!(
            reason(read_limited(Path::new("/dev/zero"), 10)),
            Reason::NotRegular(FileKind::CharDevice)
        ));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            reason(read_limited(dir.path(), 10)),
            Reason::NotRegular(FileKind::Directory)
        ));
        let big = dir.path().join("big");
        std::fs::write(&big, [0u8; 11]).unwrap();
        assert!(matches!(
            reason(read_limited(&big, 10)),
            Reason::TooLarge { limit: 10 }
        ));
        assert_eq!(read_limited(&big, 11).unwrap().len(), 11);
        assert!(reason(read_limited(&dir.path().join("missing"), 1)).to_string() == "not found");
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_to_string_limited(&path, 10).unwrap_err().reason,
            Reason::NotUtf8
        ));
    }

    #[cfg(unix)]
    #[test]
    fn nofollow_refuses_a_link_that_open_regular_follows() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_regular(&link).is_ok());
        assert!(open_regular_nofollow(&target).is_ok());
        assert!(matches!(
            open_regular_nofollow(&link).unwrap_err().reason,
            Reason::NotRegular(FileKind::Symlink)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo is part of coreutils"
        );
        assert!(matches!(
            reason(read_limited(&fifo, 10)),
            Reason::NotRegular(FileKind::Fifo)
        ));
        let socket = dir.path().join("socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(matches!(
            reason(read_limited(&socket, 10)),
            Reason::NotRegular(FileKind::Socket)
        ));
    }
}
