//! How far a long read has come (hashing a model, scanning it), for a caller that shows it (a
//! progress bar on a terminal). Libraries only count; drawing is the caller's. Bytes are
//! reported from the threads that read them, so an implementation is `Sync` and cheap (an
//! atomic add). Here, at the bottom, because hashing and scanning both report to it.

use std::fmt::Debug;

/// Told how many bytes a hashing or a scan will read and, as it goes, how many it has read.
pub trait ByteProgress: Send + Sync + Debug {
    /// The work is about to read `total` bytes: called once, before the first byte.
    fn start(&self, total: u64) {
        let _ = total;
    }

    /// `bytes` more bytes were read. Over one hashing the calls sum to the `total` given to
    /// [`ByteProgress::start`] when it succeeds.
    fn advance(&self, bytes: u64);
}

/// Reports nothing: what the functions without a progress argument pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ByteProgress for NoProgress {
    fn advance(&self, _bytes: u64) {}
}
