//! Checkpoints in the C2SP signed-note style (c2sp.org/signed-note, c2sp.org/tlog-checkpoint):
//!
//! ```text
//! modelseal audit log
//! 42
//! <base64 root hash>
//!
//! — modelseal-audit <base64(key id ‖ signature)>
//! ```
//!
//! The key id is the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ public key). For Ed25519 keys
//! the type is 0x01 and the key its 32 raw bytes, exactly as signed-note defines them, so Go's
//! `note` package can verify those. ECDSA and RSA keys have no signed-note type; they use the
//! private type 0x4D ("M") with the key's SubjectPublicKeyInfo DER, and their signature is what
//! the modelseal key makes (DER ECDSA, RSA-PSS) over the note text.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use modelseal_sign::{KeyAlgorithm, PublicKey, SigningKey};
use sha2::{Digest, Sha256};

pub(crate) const ORIGIN: &str = "modelseal audit log";
pub(crate) const KEY_NAME: &str = "modelseal-audit";
const DASH: &str = "\u{2014} ";

/// The signed statement: how many entries the log had and their Merkle root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many entries the log had.
    pub size: u64,
    /// Their Merkle root.
    pub root: [u8; 32],
}

/// Why a checkpoint note is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    /// The text does not have the signed-note shape (which part is named).
    #[error("not a checkpoint note: {0}")]
    Malformed(&'static str),
    /// The note's origin line names another log.
    #[error("the checkpoint is for {0:?}, not a modelseal audit log")]
    WrongOrigin(String),
    /// No signature line has this key's id.
    #[error("the checkpoint has no signature by this key")]
    NoSignatureByKey,
    /// A signature line has this key's id but does not verify.
    #[error("the checkpoint signature does not verify with this key")]
    BadSignature,
}

impl Checkpoint {
    fn body(&self) -> String {
        format!("{ORIGIN}\n{}\n{}\n", self.size, STANDARD.encode(self.root))
    }

    /// The note text, signed by `key`.
    pub fn sign(&self, key: &SigningKey) -> Result<String, modelseal_sign::SignError> {
        let body = self.body();
        let signature = key.sign(body.as_bytes())?;
        let mut blob = key_id(key.public_key()).to_vec();
        blob.extend_from_slice(&signature);
        Ok(format!(
            "{body}\n{DASH}{KEY_NAME} {}\n",
            STANDARD.encode(blob)
        ))
    }

    /// Parses a note without checking signatures.
    pub fn parse(note: &str) -> Result<(Checkpoint, Vec<Vec<u8>>), NoteError> {
        let (body, signatures) = note
            .split_once("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin != ORIGIN {
            return Err(NoteError::WrongOrigin(origin.to_owned()));
        }
        let size = lines
            .next()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or(NoteError::Malformed("tree size"))?;
        let root = lines
            .next()
            .and_then(|s| STANDARD.decode(s).ok())
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or(NoteError::Malformed("root hash"))?;
        if lines.next().is_some() {
            return Err(NoteError::Malformed("extra lines in the checkpoint body"));
        }
        let mut blobs = Vec::new();
        for line in signatures.lines() {
            let rest = line.strip_prefix(DASH).ok_or(NoteError::Malformed(
                "a signature line must start with an em dash",
            ))?;
            let (name, blob) = rest
                .split_once(' ')
                .ok_or(NoteError::Malformed("signature line"))?;
            let blob = STANDARD
                .decode(blob)
                .map_err(|_| NoteError::Malformed("signature encoding"))?;
            if name == KEY_NAME && blob.len() > 4 {
                blobs.push(blob);
            }
        }
        Ok((Checkpoint { size, root }, blobs))
    }

    /// Parses a note and checks that `key` signed it.
    pub fn verify(note: &str, key: &PublicKey) -> Result<Checkpoint, NoteError> {
        let (checkpoint, blobs) = Self::parse(note)?;
        let id = key_id(key);
        let blob = blobs
            .iter()
            .find(|b| b[..4] == id)
            .ok_or(NoteError::NoSignatureByKey)?;
        if key.verify(checkpoint.body().as_bytes(), &blob[4..]) {
            Ok(checkpoint)
        } else {
            Err(NoteError::BadSignature)
        }
    }
}

fn key_id(key: &PublicKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(KEY_NAME.as_bytes());
    hasher.update(b"\n");
    let spki = key.spki_der();
    if key.algorithm() == KeyAlgorithm::Ed25519 {
        // Ed25519 SubjectPublicKeyInfo ends with the 32-byte raw key.
        hasher.update([0x01]);
        hasher.update(&spki[spki.len().saturating_sub(32)..]);
    } else {
        hasher.update([0x4D]);
        hasher.update(spki);
    }
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_notes_verify_and_tampering_is_caught() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm).unwrap();
            let other = SigningKey::generate(algorithm).unwrap();
            let checkpoint = Checkpoint {
                size: 42,
                root: [7; 32],
            };
            let note = checkpoint.sign(&key).unwrap();
            assert!(note.starts_with("modelseal audit log\n42\n"));
            assert_eq!(
                Checkpoint::verify(&note, key.public_key()).unwrap(),
                checkpoint
            );
            assert_eq!(
                Checkpoint::verify(&note, other.public_key()),
                Err(NoteError::NoSignatureByKey)
            );
            let forged = note.replacen("\n42\n", "\n43\n", 1);
            assert_eq!(
                Checkpoint::verify(&forged, key.public_key()),
                Err(NoteError::BadSignature)
            );
        }
        assert!(Checkpoint::parse("garbage").is_err());
        assert!(Checkpoint::parse("modelseal audit log\n-1\nAAAA\n\n").is_err());
    }
}
