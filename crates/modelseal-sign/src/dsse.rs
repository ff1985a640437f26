//! DSSE envelopes (<https://github.com/secure-systems-lab/dsse>): the signature covers the
//! pre-authentication encoding (PAE) of the payload type and the exact payload bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Base64 of the exact payload bytes that were signed.
    pub payload: String,
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    pub sig: String,
    /// `model_signing` writes `""`; absent and `null` are accepted.
    #[serde(default)]
    pub keyid: Option<String>,
}

impl Envelope {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }
}
