//! The stable exit-code contract (docs/signing.md, DESIGN.md §2).

use modelseal_report::Outcome;
use modelseal_sign::{ErrorKind, SignError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Integrity = 1,
    Threat = 2,
    NotFound = 3,
    Malformed = 4,
    Usage = 64,
    Internal = 70,
    /// An output could not be written (stdout to a full disk, `-o` on a full disk).
    Output = 74,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Several results as one: the lowest failing code wins, as [`Outcome::combine`] ranks
    /// verdicts.
    pub fn combine(exits: impl IntoIterator<Item = Exit>) -> Exit {
        exits
            .into_iter()
            .filter(|e| *e != Exit::Ok)
            .min_by_key(|e| e.code())
            .unwrap_or(Exit::Ok)
    }

    /// The exit code of a file-system failure. An input that is missing is "not found"; one
    /// that is not a regular file, too large or unreadable is malformed input, not a bug in
    /// modelseal. An output that was not written — nowhere to go (a missing directory),
    /// refused by the system (a full disk, a read-only file system) or refused by modelseal (a
    /// device, FIFO or directory at the path) — is exit 74; refusing to replace an existing
    /// file is the caller's choice to make (`--force`), a usage error.
    pub fn of_fs(e: &modelseal_fs::FsError) -> Exit {
        match (&e.reason, e.op.is_output()) {
            (modelseal_fs::Reason::AlreadyExists, true) => Exit::Usage,
            (_, true) => Exit::Output,
            _ if e.is_not_found() => Exit::NotFound,
            _ => Exit::Malformed,
        }
    }

    /// The library verdict this exit code reports, if it is one (usage errors and bugs are
    /// the binary's own).
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            Exit::Ok => Some(Outcome::Passed),
            Exit::Integrity => Some(Outcome::Integrity),
            Exit::Threat => Some(Outcome::Threat),
            Exit::NotFound => Some(Outcome::NotFound),
            Exit::Malformed => Some(Outcome::Malformed),
            Exit::Usage | Exit::Internal | Exit::Output => None,
        }
    }
}

/// A library's verdict becomes the process's exit code here, and only here.
impl From<Outcome> for Exit {
    fn from(outcome: Outcome) -> Exit {
        match outcome {
            Outcome::Passed => Exit::Ok,
            Outcome::Integrity => Exit::Integrity,
            Outcome::Threat => Exit::Threat,
            Outcome::NotFound => Exit::NotFound,
            Outcome::Malformed => Exit::Malformed,
        }
    }
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            exit: Exit::Usage,
            message: message.into(),
        }
    }
}

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        if let SignError::Fs(fs) = e {
            return fs.into();
        }
        let exit = match e.kind() {
            ErrorKind::NotFound => Exit::NotFound,
            // An unreadable input is an input problem, not a bug in modelseal.
            ErrorKind::Malformed | ErrorKind::Io => Exit::Malformed,
            ErrorKind::Integrity => Exit::Integrity,
            ErrorKind::Usage => Exit::Usage,
            // The crypto library or key store failed: a bug or a broken platform.
            ErrorKind::Internal => Exit::Internal,
        };
        Failure {
            exit,
            message: e.to_string(),
        }
    }
}

impl From<modelseal_fs::FsError> for Failure {
    fn from(e: modelseal_fs::FsError) -> Self {
        Failure {
            exit: Exit::of_fs(&e),
            // The path may be a name from a model: escaped, so it cannot forge a line.
            message: crate::render::fs_error(&e),
        }
    }
}

impl From<modelseal_digest::DigestError> for Failure {
    fn from(e: modelseal_digest::DigestError) -> Self {
        SignError::from(e).into()
    }
}

impl From<modelseal_sbom::collect::CollectError> for Failure {
    fn from(e: modelseal_sbom::collect::CollectError) -> Self {
        if let modelseal_sbom::collect::CollectError::Fs(fs) = e {
            return fs.into();
        }
        Failure {
            exit: match e {
                modelseal_sbom::collect::CollectError::NotFound(_) => Exit::NotFound,
                _ => Exit::Malformed,
            },
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelseal_sign::{CryptoOperation, KeyAlgorithm};

    #[test]
    fn an_internal_crypto_failure_exits_70_not_4() {
        let failure = Failure::from(SignError::Crypto(CryptoOperation::Signing(
            KeyAlgorithm::EcdsaP256,
        )));
        assert_eq!(failure.exit, Exit::Internal);
        assert_eq!(failure.exit.code(), 70);
    }
}
