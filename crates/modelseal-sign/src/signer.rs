//! Keys behind traits: whatever signs (a key file here; an HSM or a KMS key elsewhere) is a
//! [`Signer`], whatever checks a signature (a public key, a certificate chain up to trust
//! anchors) is a [`Verifier`]. DSSE and OMS code only ever see the traits.

use crate::{KeyAlgorithm, PublicKey, SignError, SignerIdentity, SigningKey};

/// A private key that signs bytes.
pub trait Signer {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> KeyAlgorithm;

    /// The public half, which verifiers are given.
    fn public_key(&self) -> &PublicKey;

    /// The OMS key hint bundles carry ([`PublicKey::hint`]).
    fn key_hint(&self) -> String {
        self.public_key().hint()
    }

    /// Signs `message` as [`PublicKey::verify`] checks it. A failure of the key store or the
    /// library is [`SignError::Crypto`] ([`crate::ErrorKind::Internal`]).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// Something that checks a signature and says who made it.
pub trait Verifier {
    /// The OMS hint of the one key this verifier accepts, if it is a single key; a bundle
    /// naming another key is refused before any signature is checked.
    fn key_hint(&self) -> Option<String>;

    /// Checks `signature` over `message`.
    fn verify_signature(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignerIdentity, SignError>;
}

impl Signer for SigningKey {
    fn algorithm(&self) -> KeyAlgorithm {
        SigningKey::algorithm(self)
    }

    fn public_key(&self) -> &PublicKey {
        SigningKey::public_key(self)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        SigningKey::sign(self, message)
    }
}

impl Verifier for PublicKey {
    fn key_hint(&self) -> Option<String> {
        Some(self.hint())
    }

    fn verify_signature(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignerIdentity, SignError> {
        if self.verify(message, signature) {
            Ok(SignerIdentity::Key {
                algorithm: self.algorithm().name().to_owned(),
                hint: self.hint(),
            })
        } else {
            Err(SignError::NoSignatureMatched)
        }
    }
}
