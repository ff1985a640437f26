//! The Sigstore bundle (v0.1–v0.3 JSON) as OMS uses it: verification material plus one DSSE
//! envelope. Only the fields OMS needs are typed; unknown fields are ignored on read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::certificate::CertificateChainVerifier;
use crate::dsse::{Envelope, VerifiedPayload};
use crate::error::Malformed;
use crate::{SignError, TrustRoot, Verifier};

/// The media type of the Sigstore bundle version this crate writes (v0.3).
pub const BUNDLE_MEDIA_TYPE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const ACCEPTED_MEDIA_TYPES: [&str; 4] = [
    BUNDLE_MEDIA_TYPE_V03,
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
];

/// A Sigstore bundle as `model_signing` writes it: the DSSE envelope plus what verifies it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Which bundle version this is (see [`BUNDLE_MEDIA_TYPE_V03`]).
    pub media_type: String,
    /// The public key hint or certificate(s) that verify the envelope.
    pub verification_material: VerificationMaterial,
    /// The signed in-toto statement.
    pub dsse_envelope: Envelope,
}

/// The material a verifier needs besides its trust root: a key hint or certificates.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// Set when the bundle was signed with a bare key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    /// Set by older bundles signed with a certificate chain (leaf first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<CertificateChain>,
    /// v0.3 keyless bundles carry a single leaf certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<RawCertificate>,
    /// Transparency-log entries, kept so a bundle round-trips; this crate does not check them.
    #[serde(default)]
    pub tlog_entries: Vec<serde_json::Value>,
}

/// Names the public key that signed, without carrying the key itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublicKeyIdentifier {
    /// The OMS key hint: hex SHA-256 of the public key's PEM.
    #[serde(default)]
    pub hint: String,
}

/// A certificate chain as older bundles carry it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateChain {
    /// The certificates, leaf first.
    pub certificates: Vec<RawCertificate>,
}

/// One certificate in a bundle.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCertificate {
    /// Base64 DER.
    pub raw_bytes: String,
}

impl RawCertificate {
    /// Wraps DER bytes for a bundle.
    pub fn from_der(der: &[u8]) -> Self {
        RawCertificate {
            raw_bytes: STANDARD.encode(der),
        }
    }

    /// Decodes the certificate's DER.
    pub fn der(&self) -> Result<Vec<u8>, base64::DecodeError> {
        STANDARD.decode(&self.raw_bytes)
    }
}

impl Bundle {
    /// Whether the media type names a bundle version this crate can read.
    pub fn has_known_media_type(&self) -> bool {
        ACCEPTED_MEDIA_TYPES.contains(&self.media_type.as_str())
    }

    /// The signer's certificates, leaf first, if the bundle carries any.
    pub fn certificates(&self) -> Option<&[RawCertificate]> {
        let material = &self.verification_material;
        if let Some(chain) = &material.x509_certificate_chain {
            return Some(&chain.certificates);
        }
        material.certificate.as_ref().map(std::slice::from_ref)
    }

    /// What checks this bundle's signature under `trust`: the trusted key, after comparing the
    /// key hint the bundle records ([`SignError::KeyHintMismatch`]); or the bundle's own
    /// certificate chain up to the trusted roots ([`SignError::NoCertificateChain`] without
    /// one), its leaf naming whom the trust root expects.
    pub fn verifier(&self, trust: &TrustRoot) -> Result<Box<dyn Verifier>, SignError> {
        match trust {
            TrustRoot::PublicKey(key) => {
                let hint = self
                    .verification_material
                    .public_key
                    .as_ref()
                    .map(|k| k.hint.as_str());
                if let Some(hint) = hint.filter(|h| !h.is_empty())
                    && !hint.eq_ignore_ascii_case(&key.hint())
                {
                    return Err(SignError::KeyHintMismatch {
                        signed_with: hint.to_owned(),
                        given: key.hint(),
                    });
                }
                Ok(Box::new(key.clone()))
            }
            TrustRoot::Certificates { anchors, identity } => {
                let chain = self
                    .certificates()
                    .ok_or(SignError::NoCertificateChain)?
                    .iter()
                    .map(|c| c.der().map_err(Malformed::CertificateNotBase64))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Box::new(CertificateChainVerifier {
                    chain,
                    anchors: anchors.clone(),
                    identity: identity.clone(),
                }))
            }
        }
    }

    /// Verifies the bundle's DSSE envelope under `trust` and returns the payload, whatever it
    /// is (an OMS manifest, provenance, an attestation): see [`crate::dsse::verify`].
    pub fn verify(&self, trust: &TrustRoot) -> Result<VerifiedPayload, SignError> {
        crate::dsse::verify(&self.dsse_envelope, self.verifier(trust)?.as_ref())
    }

    /// Pretty JSON with a final newline, as written to a `.sig` file.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
