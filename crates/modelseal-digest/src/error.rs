use std::io;
use std::path::PathBuf;

use modelseal_fs::{FsError, Reason};

/// Everything that can go wrong while walking or hashing a model.
///
/// Each variant names the path it concerns so a user can act on the message alone.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("model not found: {}", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} is a symbolic link; pass --allow-symlinks to follow links that stay inside the model", .0.display())]
    SymlinkRefused(PathBuf),
    #[error("{} is a symbolic link whose target leaves the model root", .0.display())]
    SymlinkEscapes(PathBuf),
    #[error("{} is a symbolic link to nothing", .0.display())]
    BrokenSymlink(PathBuf),
    /// A directory link whose target is (or holds) an ignored path: what it exposes under its
    /// own name would not be hashed.
    #[error("{} is a symbolic link to {target}, which is (or holds) a path left out of the hash", path.display())]
    SymlinkIntoIgnored {
        /// The link.
        path: PathBuf,
        /// Its target, relative to the model root.
        target: String,
    },
    #[error("{} is neither a regular file nor a directory", .0.display())]
    SpecialFile(PathBuf),
    #[error("{} has a name that is not valid UTF-8; OMS resource names must be UTF-8", .0.display())]
    NonUtf8Name(PathBuf),
    #[error("{} changed while it was being hashed ({detail}); hash it again once it is stable", path.display())]
    ChangedWhileHashing { path: PathBuf, detail: String },
    #[error("the model at {} has no files to sign", .0.display())]
    EmptyModel(PathBuf),
    #[error("invalid shard size {0}: it must be at least 1 byte")]
    InvalidShardSize(u64),
    #[error(
        "a shard size of {shard_size} bytes cuts this model into {shards} shards (at most {} allowed)",
        crate::engine::MAX_SHARDS
    )]
    TooManyShards { shard_size: u64, shards: u64 },
    #[error("resource name {name:?} is not allowed: {reason}")]
    InvalidResourceName { name: String, reason: &'static str },
    #[error("unsupported hash algorithm {0:?} (expected sha256, blake2b or blake3)")]
    UnknownAlgorithm(String),
    /// Any other file-system refusal (a tree nested too deep, ...).
    #[error(transparent)]
    Fs(FsError),
}

/// The walker's refusals keep this crate's messages (they tell the user what to pass).
impl From<FsError> for DigestError {
    fn from(e: FsError) -> Self {
        let FsError { op, path, reason } = e;
        match reason {
            Reason::NotFound => DigestError::NotFound(path),
            Reason::SymlinkRefused => DigestError::SymlinkRefused(path),
            Reason::SymlinkEscapes { .. } => DigestError::SymlinkEscapes(path),
            Reason::BrokenSymlink => DigestError::BrokenSymlink(path),
            Reason::SymlinkIntoIgnored { target } => {
                DigestError::SymlinkIntoIgnored { path, target }
            }
            Reason::NonUtf8Name => DigestError::NonUtf8Name(path),
            Reason::NotRegular(_) => DigestError::SpecialFile(path),
            Reason::Io(source) => DigestError::Io { path, source },
            reason => DigestError::Fs(FsError { op, path, reason }),
        }
    }
}

impl DigestError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            DigestError::NotFound(path)
        } else {
            DigestError::Io { path, source }
        }
    }
}
