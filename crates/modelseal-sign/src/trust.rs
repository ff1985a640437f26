//! Whom a verifier trusts, and who a verified signature says signed.

use serde::Serialize;

use crate::PublicKey;

/// Whom the verifier trusts.
#[derive(Debug, Clone)]
pub enum TrustRoot {
    /// A public key that must have made the signature.
    PublicKey(PublicKey),
    /// DER trust-anchor certificates.
    Certificates(Vec<Vec<u8>>),
}

/// Who signed, as established by verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignerIdentity {
    /// The signature was made by a bare key.
    Key {
        /// The key's algorithm name.
        algorithm: String,
        /// The OMS key hint of the key.
        hint: String,
    },
    /// The signature was made by a certificate that chains to a trust anchor.
    Certificate {
        /// The leaf's subject distinguished name.
        subject: String,
        /// SHA-256 of the leaf's DER, hex.
        leaf_sha256: String,
        /// How many certificates the bundle carried, leaf included.
        chain_length: usize,
    },
}
