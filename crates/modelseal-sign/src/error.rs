use std::io;
use std::path::PathBuf;

use modelseal_digest::DigestError;

/// What went wrong, grouped so that a CLI can map each group to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The model, signature or key does not exist.
    NotFound,
    /// The input exists but cannot be understood or is not supported.
    Malformed,
    /// A signature, certificate or digest does not check out.
    Integrity,
    /// The caller asked for something that cannot be done as asked (e.g. overwrite a key).
    Usage,
    /// The operating system refused an operation.
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Digest(#[from] DigestError),
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    #[error("cannot access {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("{}: {reason}", path.display())]
    BadInput { path: PathBuf, reason: String },
    #[error("{}: the key is encrypted; pass --passphrase-env VAR naming a variable that holds its passphrase", .0.display())]
    PassphraseRequired(PathBuf),
    #[error("{}: wrong passphrase, or the encrypted key is corrupt", .0.display())]
    WrongPassphrase(PathBuf),
    #[error("{} already exists; pass --force to replace it", .0.display())]
    AlreadyExists(PathBuf),
    #[error("malformed signature {}: {reason}", path.display())]
    MalformedSignature { path: PathBuf, reason: String },
    #[error("unsupported signature {}: {reason}", path.display())]
    Unsupported { path: PathBuf, reason: String },
    #[error("signature check failed: {0}")]
    BadSignature(String),
    #[error("certificate check failed: {0}")]
    BadCertificate(String),
    #[error("the signed manifest is inconsistent: {0}")]
    InconsistentManifest(String),
    #[error("the model's files changed since signing: {0}")]
    UnexpectedContent(String),
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
}

impl SignError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            SignError::Digest(e) => match e {
                DigestError::NotFound(_) => ErrorKind::NotFound,
                DigestError::Io { .. } => ErrorKind::Io,
                DigestError::ChangedWhileHashing { .. } => ErrorKind::Integrity,
                DigestError::InvalidShardSize(_) | DigestError::TooManyShards { .. } => {
                    ErrorKind::Usage
                }
                _ => ErrorKind::Malformed,
            },
            SignError::NotFound(_) => ErrorKind::NotFound,
            SignError::Io { .. } | SignError::Crypto(_) => ErrorKind::Io,
            SignError::BadKey { .. }
            | SignError::BadInput { .. }
            | SignError::MalformedSignature { .. }
            | SignError::Unsupported { .. } => ErrorKind::Malformed,
            SignError::BadSignature(_)
            | SignError::BadCertificate(_)
            | SignError::InconsistentManifest(_)
            | SignError::UnexpectedContent(_) => ErrorKind::Integrity,
            SignError::AlreadyExists(_)
            | SignError::PassphraseRequired(_)
            | SignError::WrongPassphrase(_) => ErrorKind::Usage,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            SignError::NotFound(path)
        } else {
            SignError::Io { path, source }
        }
    }
}
