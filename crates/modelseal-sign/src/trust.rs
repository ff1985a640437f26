//! Whom a verifier trusts, and who a verified signature says signed.

use serde::Serialize;

use crate::{IdentityPolicy, PublicKey};

/// Whom the verifier trusts.
#[derive(Debug, Clone)]
pub enum TrustRoot {
    /// A public key that must have made the signature.
    PublicKey(PublicKey),
    /// A certificate chain up to one of these trust anchors, naming whom `identity` expects.
    Certificates {
        /// DER trust-anchor certificates.
        anchors: Vec<Vec<u8>>,
        /// Whom the signing certificate must name; `IdentityPolicy::default()` accepts any
        /// leaf the anchors vouch for.
        identity: IdentityPolicy,
    },
}

impl TrustRoot {
    /// Trust in `anchors` for any identity they vouch for (`--insecure-ignore-identity`).
    pub fn any_certificate_under(anchors: Vec<Vec<u8>>) -> Self {
        TrustRoot::Certificates {
            anchors,
            identity: IdentityPolicy::default(),
        }
    }
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
        /// The leaf's email and URI subject alternative names, in certificate order.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        identities: Vec<String>,
        /// The leaf's Fulcio OIDC issuer extension, when it has one.
        #[serde(skip_serializing_if = "Option::is_none")]
        oidc_issuer: Option<String>,
    },
}
