//! Reading small input files (keys, certificates, signatures) defensively: never block on a
//! FIFO or device, never read more than a limit, never take a directory or device for a file.

use std::io::Read as _;
use std::path::Path;

use crate::SignError;

/// Keys and certificate chains are a few KiB; 1 MiB leaves room for long chains.
pub const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// Reads the regular file at `path`, refusing anything larger than `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, SignError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| SignError::io(path, e))?;
    let meta = file.metadata().map_err(|e| SignError::io(path, e))?;
    let malformed = |reason: String| SignError::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    if !meta.is_file() {
        return Err(malformed("not a regular file".to_owned()));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SignError::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(malformed(format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_directories_and_oversized_files() {
        assert!(matches!(
            read_limited(Path::new("/dev/zero"), 10),
            Err(SignError::BadInput { .. })
        ));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_limited(dir.path(), 10),
            Err(SignError::BadInput { .. })
        ));
        let big = dir.path().join("big");
        std::fs::write(&big, [0u8; 11]).unwrap();
        assert!(matches!(
            read_limited(&big, 10),
            Err(SignError::BadInput { .. })
        ));
        assert_eq!(read_limited(&big, 11).unwrap().len(), 11);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        if status.is_ok_and(|s| s.success()) {
            assert!(matches!(
                read_limited(&fifo, 10),
                Err(SignError::BadInput { .. })
            ));
        }
    }
}
