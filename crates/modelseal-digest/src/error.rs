use std::io;
use std::path::PathBuf;

use modelseal_fs::{FsError, Reason};

/// Everything that can go wrong while walking or hashing a model.
///
/// Each variant names the path it concerns so a user can act on the message alone.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The model path (or a file inside it) does not exist.
    #[error("model not found: {}", modelseal_report::name::path(.0))]
    NotFound(PathBuf),
    /// The system refused a read for a reason other than absence.
    #[error("cannot read {}: {source}", modelseal_report::name::path(path))]
    Io {
        /// The file or directory that could not be read.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// A symbolic link was met while the serialization does not allow links.
    #[error("{} is a symbolic link; pass --allow-symlinks to follow links that stay inside the model", modelseal_report::name::path(.0))]
    SymlinkRefused(PathBuf),
    /// An allowed symbolic link points outside the model root.
    #[error("{} is a symbolic link whose target leaves the model root", modelseal_report::name::path(.0))]
    SymlinkEscapes(PathBuf),
    /// A symbolic link whose target does not exist.
    #[error("{} is a symbolic link to nothing", modelseal_report::name::path(.0))]
    BrokenSymlink(PathBuf),
    /// A directory link whose target is (or holds) an ignored path: what it exposes under its
    /// own name would not be hashed.
    #[error(
        "{} is a symbolic link to {}, which is (or holds) a path left out of the hash",
        modelseal_report::name::path(path),
        modelseal_report::name::text_str(target)
    )]
    SymlinkIntoIgnored {
        /// The link.
        path: PathBuf,
        /// Its target, relative to the model root.
        target: String,
    },
    /// A FIFO, socket or device: it has no stable bytes to hash.
    #[error("{} is neither a regular file nor a directory", modelseal_report::name::path(.0))]
    SpecialFile(PathBuf),
    /// A file name that cannot become an OMS resource name.
    #[error("{} has a name that is not valid UTF-8; OMS resource names must be UTF-8", modelseal_report::name::path(.0))]
    NonUtf8Name(PathBuf),
    #[error(
        "{} changed while it was being hashed ({detail}); hash it again once it is stable",
        modelseal_report::name::path(path)
    )]
    /// A file's size, time or identity differed between the walk and the read, so its digest
    /// would describe no single state of the file.
    ChangedWhileHashing {
        /// The file that changed.
        path: PathBuf,
        /// What differed (size, modification time, identity).
        detail: String,
    },
    /// The walk found nothing to hash (every file ignored, or an empty directory).
    #[error("the model at {} has no files to sign", modelseal_report::name::path(.0))]
    EmptyModel(PathBuf),
    /// A shard size of zero would cut every file into infinitely many shards.
    #[error("invalid shard size {0}: it must be at least 1 byte")]
    InvalidShardSize(u64),
    /// The shard size is so small that the manifest would exceed [`crate::MAX_SHARDS`].
    #[error(
        "a shard size of {shard_size} bytes cuts this model into {shards} shards (at most {} allowed)",
        crate::engine::MAX_SHARDS
    )]
    TooManyShards {
        /// The requested shard size in bytes.
        shard_size: u64,
        /// How many shards the model would need at that size.
        shards: u64,
    },
    /// A resource name read from a signature that could escape the model or is not canonical.
    #[error("resource name {name:?} is not allowed: {reason}")]
    InvalidResourceName {
        /// The name as the signature spells it.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A hash algorithm name outside sha256, blake2b (blake2) and blake3.
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
    /// The file this error concerns, when it names one (for machine-readable reports).
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            DigestError::NotFound(path)
            | DigestError::Io { path, .. }
            | DigestError::SymlinkRefused(path)
            | DigestError::SymlinkEscapes(path)
            | DigestError::BrokenSymlink(path)
            | DigestError::SymlinkIntoIgnored { path, .. }
            | DigestError::SpecialFile(path)
            | DigestError::NonUtf8Name(path)
            | DigestError::ChangedWhileHashing { path, .. }
            | DigestError::EmptyModel(path) => Some(path),
            DigestError::Fs(e) => Some(e.path()),
            DigestError::InvalidShardSize(_)
            | DigestError::TooManyShards { .. }
            | DigestError::InvalidResourceName { .. }
            | DigestError::UnknownAlgorithm(_) => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            DigestError::NotFound(path)
        } else {
            DigestError::Io { path, source }
        }
    }
}
