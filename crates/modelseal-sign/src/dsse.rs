//! DSSE envelopes (<https://github.com/secure-systems-lab/dsse>): the signature covers the
//! pre-authentication encoding (PAE) of the payload type and the exact payload bytes.
//!
//! [`verify`] knows nothing of what the payload says: an OMS model signature, a release
//! manifest or a cosign attestation all come out as a [`VerifiedPayload`], whose bytes are the
//! ones that were signed (never re-serialized) for the layer that interprets them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::error::Malformed;
use crate::{SignError, Signer, SignerIdentity, Verifier};

/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(
        format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope: a typed payload and the signatures over its pre-authentication encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Base64 of the exact payload bytes that were signed.
    pub payload: String,
    /// The payload's media type, which the signature also covers.
    pub payload_type: String,
    /// The signatures; one must verify.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in a DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The signature in base64.
    pub sig: String,
    /// `model_signing` writes `""`; absent and `null` are accepted.
    #[serde(default)]
    pub keyid: Option<String>,
}

impl Envelope {
    /// Builds a one-signature envelope over `payload`.
    pub fn new(payload_type: &str, payload: &[u8], signature: &[u8]) -> Self {
        Envelope {
            payload: STANDARD.encode(payload),
            payload_type: payload_type.to_owned(),
            signatures: vec![EnvelopeSignature {
                sig: STANDARD.encode(signature),
                keyid: Some(String::new()),
            }],
        }
    }

    /// The payload bytes exactly as signed.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        STANDARD.decode(&self.payload)
    }

    /// The decodable signatures, in order.
    pub fn signature_bytes(&self) -> Vec<Vec<u8>> {
        self.signatures
            .iter()
            .filter_map(|s| STANDARD.decode(&s.sig).ok())
            .collect()
    }
}

/// A payload whose signature verified, and what verified it.
#[derive(Debug, Clone)]
pub struct VerifiedPayload {
    /// The payload's media type as the envelope declared it.
    pub payload_type: String,
    /// The exact bytes the signature covers.
    pub payload: Vec<u8>,
    /// Index in the envelope's `signatures` of the signature that verified.
    pub signature_index: usize,
    /// That signature's `keyid`, if it had a non-empty one.
    pub keyid: Option<String>,
    /// Who signed, as the verifier established it.
    pub signer: SignerIdentity,
}

/// Signs `payload` as a one-signature envelope of `payload_type`.
pub fn sign(
    payload_type: &str,
    payload: &[u8],
    signer: &(impl Signer + ?Sized),
) -> Result<Envelope, SignError> {
    let signature = signer.sign(&pae(payload_type, payload))?;
    Ok(Envelope::new(payload_type, payload, &signature))
}

/// Verifies `envelope` with `verifier`: the first signature over the PAE of the payload type
/// and the exact payload bytes that verifies wins. Nothing of the payload is interpreted.
///
/// With no signature verifying, the error is the verifier's answer for the last one tried
/// ([`SignError::NoSignatureMatched`] for a public key, a certificate failure for a chain).
pub fn verify(
    envelope: &Envelope,
    verifier: &(impl Verifier + ?Sized),
) -> Result<VerifiedPayload, SignError> {
    let payload = envelope
        .payload_bytes()
        .map_err(Malformed::PayloadNotBase64)?;
    let message = pae(&envelope.payload_type, &payload);
    let mut last_failure = None;
    for (index, signature) in envelope.signatures.iter().enumerate() {
        let Ok(sig) = STANDARD.decode(&signature.sig) else {
            continue;
        };
        match verifier.verify_signature(&message, &sig) {
            Ok(signer) => {
                return Ok(VerifiedPayload {
                    payload_type: envelope.payload_type.clone(),
                    payload,
                    signature_index: index,
                    keyid: signature.keyid.clone().filter(|k| !k.is_empty()),
                    signer,
                });
            }
            Err(e) => last_failure = Some(e),
        }
    }
    Err(last_failure.unwrap_or_else(|| Malformed::NoDecodableSignature.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeyAlgorithm, SigningKey};

    #[test]
    fn pae_matches_the_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn any_payload_verifies_and_comes_back_byte_for_byte() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        // Not JSON and not in-toto: DSSE does not care.
        let payload = b"release v1.2.3\n\x00\xff";
        let mut envelope = sign("application/x-release", payload, &key).unwrap();
        envelope.signatures.insert(
            0,
            EnvelopeSignature {
                sig: "!!".to_owned(),
                keyid: None,
            },
        );
        let verified = verify(&envelope, key.public_key()).unwrap();
        assert_eq!(verified.payload, payload);
        assert_eq!(verified.payload_type, "application/x-release");
        assert_eq!(verified.signature_index, 1);
        assert!(matches!(
            verified.signer,
            SignerIdentity::Key { ref hint, .. } if *hint == key.public_key().hint()
        ));
    }

    #[test]
    fn a_changed_payload_type_or_other_key_matches_no_signature() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let other = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
        let mut envelope = sign("text/plain", b"hello", &key).unwrap();
        assert!(matches!(
            verify(&envelope, other.public_key()),
            Err(SignError::NoSignatureMatched)
        ));
        envelope.payload_type = "text/html".to_owned();
        assert!(matches!(
            verify(&envelope, key.public_key()),
            Err(SignError::NoSignatureMatched)
        ));
        envelope.signatures[0].sig = "not base64".to_owned();
        assert!(matches!(
            verify(&envelope, key.public_key()),
            Err(SignError::MalformedSignature {
                problem: Malformed::NoDecodableSignature,
                ..
            })
        ));
    }
}
