//! Whom a verifier trusts, and who a verified signature says signed.

use serde::Serialize;

use crate::PublicKey;

/// Whom the verifier trusts.
#[derive(Debug, Clone)]
pub enum TrustRoot {
    PublicKey(PublicKey),
    /// DER trust-anchor certificates.
    Certificates(Vec<Vec<u8>>),
}

/// Who signed, as established by verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignerIdentity {
    Key {
        algorithm: String,
        hint: String,
    },
    Certificate {
        subject: String,
        leaf_sha256: String,
        chain_length: usize,
    },
}
