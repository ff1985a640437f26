//! The start of a model file, read through `modelseal_fs::open_regular` (never blocks on a
//! FIFO) and always with a bound: enough to sniff the format, and grown on demand up to a
//! format's own limit to parse its header. Tensor data is never read.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::collect::CollectError;

/// What content sniffing needs (the scanner sniffs the same 64 KiB).
pub(crate) const SNIFF_BYTES: u64 = 64 * 1024;

pub(crate) struct Prefix {
    path: PathBuf,
    file: File,
    /// The whole file's length.
    pub file_len: u64,
    /// The first bytes of the file, as many as read so far.
    pub bytes: Vec<u8>,
}

impl Prefix {
    /// Opens `path` and reads its first [`SNIFF_BYTES`].
    pub(crate) fn open(path: &Path) -> Result<Prefix, CollectError> {
        let (file, meta) = modelseal_fs::open_regular(path)?;
        let mut prefix = Prefix {
            path: path.to_path_buf(),
            file,
            file_len: meta.len(),
            bytes: Vec::new(),
        };
        prefix.grow_to(SNIFF_BYTES)?;
        Ok(prefix)
    }

    /// Reads on until the first `n` bytes (or the whole file, if shorter) are held.
    pub(crate) fn grow_to(&mut self, n: u64) -> Result<(), CollectError> {
        let held = self.bytes.len() as u64;
        let want = n.min(self.file_len).saturating_sub(held);
        if want > 0 {
            (&mut self.file)
                .take(want)
                .read_to_end(&mut self.bytes)
                .map_err(|e| CollectError::io(&self.path, e))?;
        }
        Ok(())
    }

    /// Whether the whole file is held.
    pub(crate) fn is_whole(&self) -> bool {
        self.bytes.len() as u64 >= self.file_len
    }
}
