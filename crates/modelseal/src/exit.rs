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

/// What failed, as `--format json` and SARIF name it: a stable vocabulary a pipeline can match
/// on (docs/schemas/error.schema.json). It is decided from the typed error (or, for a failure
/// built from an exit code alone, from that code), never from a message's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// An input (model, signature, key, document, log) does not exist.
    NotFound,
    /// An input exists but cannot be used: not a regular file, too large, unparsable.
    Malformed,
    /// The operating system refused to read an input (permission denied, I/O error).
    Io,
    /// The command was asked for something it cannot do as asked (flags, an existing file).
    Usage,
    /// A signature, certificate or digest does not check out.
    Integrity,
    /// A scan found a threat at or above the failing severity.
    Threat,
    /// An output (a signature, a document, stdout) could not be written.
    OutputNotWritten,
    /// A bug in modelseal or a broken platform.
    Internal,
}

impl FailureKind {
    /// Every kind, for the schema test.
    #[cfg(test)]
    pub const ALL: [FailureKind; 8] = [
        FailureKind::NotFound,
        FailureKind::Malformed,
        FailureKind::Io,
        FailureKind::Usage,
        FailureKind::Integrity,
        FailureKind::Threat,
        FailureKind::OutputNotWritten,
        FailureKind::Internal,
    ];

    /// The stable `snake_case` name a JSON error object and a SARIF notification carry.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::NotFound => "not_found",
            FailureKind::Malformed => "malformed",
            FailureKind::Io => "io",
            FailureKind::Usage => "usage",
            FailureKind::Integrity => "integrity",
            FailureKind::Threat => "threat",
            FailureKind::OutputNotWritten => "output_not_written",
            FailureKind::Internal => "internal",
        }
    }

    /// The kind a bare exit code implies.
    pub fn of_exit(exit: Exit) -> FailureKind {
        match exit {
            Exit::Integrity => FailureKind::Integrity,
            Exit::Threat => FailureKind::Threat,
            Exit::NotFound => FailureKind::NotFound,
            Exit::Malformed => FailureKind::Malformed,
            Exit::Usage => FailureKind::Usage,
            Exit::Output => FailureKind::OutputNotWritten,
            Exit::Ok | Exit::Internal => FailureKind::Internal,
        }
    }

    /// The kind of a file-system failure (as [`Exit::of_fs`] decides its code).
    pub fn of_fs(e: &modelseal_fs::FsError) -> FailureKind {
        match (&e.reason, e.op.is_output()) {
            (modelseal_fs::Reason::AlreadyExists, true) => FailureKind::Usage,
            (_, true) => FailureKind::OutputNotWritten,
            _ if e.is_not_found() => FailureKind::NotFound,
            _ if e.is_io() => FailureKind::Io,
            _ => FailureKind::Malformed,
        }
    }
}

/// A failure with the exit code it maps to, and for `--format json` its kind and the path it
/// concerns.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    /// The kind, when the typed error said more than the exit code does (an unreadable input
    /// is exit 4 like a malformed one, but kind `io`).
    pub kind: Option<FailureKind>,
    /// The file the failure concerns, when the typed error names one.
    pub path: Option<std::path::PathBuf>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            kind: None,
            path: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    /// The same failure, about `path`.
    #[must_use]
    pub fn at(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn kind(&self) -> FailureKind {
        self.kind.unwrap_or(FailureKind::of_exit(self.exit))
    }
}

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        if let SignError::Fs(fs) = e {
            return fs.into();
        }
        let (exit, kind) = match e.kind() {
            ErrorKind::NotFound => (Exit::NotFound, FailureKind::NotFound),
            // An unreadable input is an input problem, not a bug in modelseal.
            ErrorKind::Malformed => (Exit::Malformed, FailureKind::Malformed),
            ErrorKind::Io => (Exit::Malformed, FailureKind::Io),
            ErrorKind::Integrity => (Exit::Integrity, FailureKind::Integrity),
            ErrorKind::Usage => (Exit::Usage, FailureKind::Usage),
            // The crypto library or key store failed: a bug or a broken platform.
            ErrorKind::Internal => (Exit::Internal, FailureKind::Internal),
        };
        Failure {
            exit,
            message: e.to_string(),
            kind: Some(kind),
            path: e.path().map(std::path::Path::to_path_buf),
        }
    }
}

impl From<modelseal_fs::FsError> for Failure {
    fn from(e: modelseal_fs::FsError) -> Self {
        Failure {
            exit: Exit::of_fs(&e),
            // The path may be a name from a model: escaped, so it cannot forge a line.
            message: crate::render::fs_error(&e),
            kind: Some(FailureKind::of_fs(&e)),
            path: Some(e.path),
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
        Failure::new(
            match e {
                modelseal_sbom::collect::CollectError::NotFound(_) => Exit::NotFound,
                _ => Exit::Malformed,
            },
            e.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelseal_sign::{CryptoOperation, KeyAlgorithm};

    /// The kinds a pipeline matches on are distinct `snake_case` names, and a bare exit code
    /// implies one of them.
    #[test]
    fn every_kind_has_its_own_stable_name() {
        let names: std::collections::BTreeSet<&str> =
            FailureKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), FailureKind::ALL.len());
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        assert_eq!(
            FailureKind::of_exit(Exit::Output),
            FailureKind::OutputNotWritten
        );
    }

    /// An unreadable input is exit 4 like a malformed one, but its kind says `io`.
    #[test]
    fn an_unreadable_input_is_kind_io_with_exit_4() {
        let e = modelseal_fs::FsError::new(
            modelseal_fs::Op::Read,
            "m/w.bin",
            modelseal_fs::Reason::Io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        );
        let failure = Failure::from(SignError::from(e));
        assert_eq!(failure.exit, Exit::Malformed);
        assert_eq!(failure.kind(), FailureKind::Io);
        assert_eq!(
            failure.path.as_deref(),
            Some(std::path::Path::new("m/w.bin"))
        );
    }

    #[test]
    fn an_internal_crypto_failure_exits_70_not_4() {
        let failure = Failure::from(SignError::Crypto(CryptoOperation::Signing(
            KeyAlgorithm::EcdsaP256,
        )));
        assert_eq!(failure.exit, Exit::Internal);
        assert_eq!(failure.exit.code(), 70);
    }
}
