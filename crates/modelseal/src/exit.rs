//! The stable exit-code contract (docs/signing.md, DESIGN.md §2).

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
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// A code of the gate's contract (`modelseal_store::gate`, e.g. from `gate::combine`).
    pub fn from_gate(code: u8) -> Exit {
        use modelseal_store::gate;
        match code {
            gate::PASSED => Exit::Ok,
            gate::INTEGRITY => Exit::Integrity,
            gate::THREAT => Exit::Threat,
            gate::NOT_FOUND => Exit::NotFound,
            _ => Exit::Malformed,
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

impl From<modelseal_digest::DigestError> for Failure {
    fn from(e: modelseal_digest::DigestError) -> Self {
        SignError::from(e).into()
    }
}

impl From<modelseal_sbom::collect::CollectError> for Failure {
    fn from(e: modelseal_sbom::collect::CollectError) -> Self {
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
