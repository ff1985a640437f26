//! Verifying a model against an OMS signature: the signature over the exact payload bytes
//! first, then the statement, then a re-hash of the model with the serialization the signature
//! records, reporting every missing, extra and changed resource by name.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use modelseal_digest::{DigestError, Manifest, hash_walk, walk_model};
use serde::Serialize;

use crate::bundle::Bundle;
use crate::certificate::verify_with_chain;
use crate::dsse::{IN_TOTO_PAYLOAD_TYPE, pae};
use crate::statement::{PayloadProblem, manifest_from_payload};
use crate::{PublicKey, SignError};

/// Signature files larger than this are refused before parsing: a sharded signature of a
/// multi-terabyte model stays far below it.
pub const MAX_SIGNATURE_BYTES: u64 = 256 * 1024 * 1024;

/// Whom the verifier trusts.
#[derive(Debug, Clone)]
pub enum TrustRoot {
    PublicKey(PublicKey),
    /// DER trust-anchor certificates.
    Certificates(Vec<Vec<u8>>),
}

/// Who signed, as established by verification.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signer {
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

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Files on disk that the signature does not list are reported but not a failure.
    pub ignore_unsigned_files: bool,
    /// More paths (relative to the model root) to leave out, beyond what the signature records.
    pub extra_ignores: Vec<String>,
}

/// The outcome of hashing a model against a valid signature.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub model: PathBuf,
    pub signature: PathBuf,
    pub model_name: String,
    /// `sha256:<hex>`
    pub root_digest: String,
    pub signer: Signer,
    pub method: &'static str,
    pub hash: String,
    pub resources: usize,
    pub files_hashed: usize,
    pub bytes_hashed: u64,
    /// Signed resources absent from disk.
    pub missing: Vec<String>,
    /// Files on disk the signature does not cover.
    pub extra: Vec<String>,
    /// Resources whose digest differs.
    pub changed: Vec<String>,
    /// Extra files that `ignore_unsigned_files` let through.
    pub unsigned_ignored: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.changed.is_empty()
    }
}

/// Reads and parses a signature bundle.
pub fn read_bundle(path: &Path) -> Result<Bundle, SignError> {
    let bytes = crate::input::read_limited(path, MAX_SIGNATURE_BYTES).map_err(|e| match e {
        SignError::BadInput { path, reason } => SignError::MalformedSignature { path, reason },
        other => other,
    })?;
    let malformed = |reason: String| SignError::MalformedSignature {
        path: path.to_path_buf(),
        reason,
    };
    let bundle: Bundle = serde_json::from_slice(&bytes)
        .map_err(|e| malformed(format!("not a Sigstore bundle: {e}")))?;
    if !bundle.has_known_media_type() {
        return Err(SignError::Unsupported {
            path: path.to_path_buf(),
            reason: format!("unknown bundle media type {:?}", bundle.media_type),
        });
    }
    Ok(bundle)
}

/// Checks the bundle's signature with `trust` and returns the signed manifest. Nothing of the
/// payload is interpreted before its signature is known good.
pub fn verify_bundle(
    bundle: &Bundle,
    trust: &TrustRoot,
    path: &Path,
) -> Result<(Manifest, Signer), SignError> {
    let malformed = |reason: String| SignError::MalformedSignature {
        path: path.to_path_buf(),
        reason,
    };
    let envelope = &bundle.dsse_envelope;
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(SignError::Unsupported {
            path: path.to_path_buf(),
            reason: format!(
                "DSSE payload type {:?}, expected {IN_TOTO_PAYLOAD_TYPE:?}",
                envelope.payload_type
            ),
        });
    }
    let payload = envelope
        .payload_bytes()
        .map_err(|e| malformed(format!("payload is not base64: {e}")))?;
    let signatures = envelope.signature_bytes();
    if signatures.is_empty() {
        return Err(malformed(
            "the envelope has no decodable signature".to_owned(),
        ));
    }
    let message = pae(&envelope.payload_type, &payload);

    let signer = match trust {
        TrustRoot::PublicKey(key) => {
            let hint = bundle
                .verification_material
                .public_key
                .as_ref()
                .map(|k| k.hint.as_str());
            if let Some(hint) = hint.filter(|h| !h.is_empty())
                && !hint.eq_ignore_ascii_case(&key.hint())
            {
                return Err(SignError::BadSignature(format!(
                    "the signature was made with a different key (its key hint is {hint}, the given public key's is {})",
                    key.hint()
                )));
            }
            if !signatures.iter().any(|sig| key.verify(&message, sig)) {
                return Err(SignError::BadSignature(
                    "the signature does not match the payload and the given public key (payload edited or wrong key)".to_owned(),
                ));
            }
            Signer::Key {
                algorithm: key.algorithm().name().to_owned(),
                hint: key.hint(),
            }
        }
        TrustRoot::Certificates(anchors) => {
            let chain = bundle
                .certificates()
                .ok_or_else(|| SignError::BadCertificate("the signature carries no certificate chain (was it signed with a key? use --key)".to_owned()))?
                .iter()
                .map(|c| c.der().map_err(|e| malformed(format!("certificate is not base64: {e}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let mut last_error = None;
            let mut verified = None;
            for sig in &signatures {
                match verify_with_chain(&chain, anchors, &message, sig) {
                    Ok(v) => {
                        verified = Some(v);
                        break;
                    }
                    Err(e) => last_error = Some(e),
                }
            }
            let verified = match (verified, last_error) {
                (Some(v), _) => v,
                (None, Some(e)) => return Err(e),
                (None, None) => return Err(malformed("no signature".to_owned())),
            };
            Signer::Certificate {
                subject: verified.subject,
                leaf_sha256: verified.leaf_fingerprint,
                chain_length: verified.chain_length,
            }
        }
    };

    let manifest = manifest_from_payload(&payload).map_err(|problem| match problem {
        PayloadProblem::Malformed(reason) => malformed(reason),
        PayloadProblem::Unsupported(reason) => SignError::Unsupported {
            path: path.to_path_buf(),
            reason,
        },
        PayloadProblem::Inconsistent(reason) => SignError::InconsistentManifest(reason),
    })?;
    Ok((manifest, signer))
}

/// Verifies the model at `model` against the signature at `signature`.
///
/// `Ok` with `is_ok() == false` means the signature is genuine but the model differs from what
/// was signed; `Err` means the check could not be completed or the signature itself is bad.
pub fn verify_model(
    model: &Path,
    signature: &Path,
    trust: &TrustRoot,
    options: &VerifyOptions,
) -> Result<VerifyReport, SignError> {
    if model.symlink_metadata().is_err() {
        return Err(SignError::NotFound(model.to_path_buf()));
    }
    let bundle = read_bundle(signature)?;
    let (expected_manifest, signer) = verify_bundle(&bundle, trust, signature)?;

    let mut serialization = expected_manifest.serialization.clone();
    for extra in &options.extra_ignores {
        serialization.ignore(extra);
    }
    let mut walk = walk_model(
        model,
        serialization.allow_symlinks,
        &serialization.ignore_paths,
    )
    .map_err(|e| match e {
        // Content the signer's policy would have refused was planted after signing.
        DigestError::SymlinkRefused(_)
        | DigestError::SymlinkEscapes(_)
        | DigestError::BrokenSymlink(_)
        | DigestError::NonUtf8Name(_)
        | DigestError::SpecialFile(_) => SignError::UnexpectedContent(e.to_string()),
        other => other.into(),
    })?;
    let signed_paths: HashSet<&str> = expected_manifest
        .resources
        .iter()
        .map(|r| r.name.path.as_str())
        .collect();
    let mut unsigned_ignored = Vec::new();
    if options.ignore_unsigned_files {
        walk.files.retain(|f| {
            let keep = signed_paths.contains(f.name.as_str());
            if !keep {
                unsigned_ignored.push(f.name.clone());
            }
            keep
        });
    }
    let actual = hash_walk(&walk, &serialization)?;

    let expected: BTreeMap<String, &[u8]> = expected_manifest
        .resources
        .iter()
        .map(|r| (r.name.to_string(), r.digest.as_slice()))
        .collect();
    let found: BTreeMap<String, &[u8]> = actual
        .resources
        .iter()
        .map(|r| (r.name.to_string(), r.digest.as_slice()))
        .collect();
    let missing = expected
        .keys()
        .filter(|k| !found.contains_key(*k))
        .cloned()
        .collect();
    let extra = found
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .cloned()
        .collect();
    let changed = expected
        .iter()
        .filter(|(k, digest)| found.get(*k).is_some_and(|d| d != *digest))
        .map(|(k, _)| k.clone())
        .collect();

    Ok(VerifyReport {
        model: model.to_path_buf(),
        signature: signature.to_path_buf(),
        model_name: expected_manifest.model_name.clone(),
        root_digest: format!("sha256:{}", hex::encode(expected_manifest.root_digest())),
        signer,
        method: if expected_manifest.is_sharded() {
            "shards"
        } else {
            "files"
        },
        hash: expected_manifest.serialization.hash.oms_name().to_owned(),
        resources: expected_manifest.resources.len(),
        files_hashed: walk.files.len(),
        bytes_hashed: walk.files.iter().map(|f| f.size).sum(),
        missing,
        extra,
        changed,
        unsigned_ignored,
    })
}
