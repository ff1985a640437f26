//! Verifying a model against an OMS signature: the signature over the exact payload bytes
//! first, then the statement, then a re-hash of the model with the serialization the signature
//! records, reporting every missing, extra and changed resource by name.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use modelseal_digest::{DigestError, Manifest, hash_walk, walk_model};
use serde::Serialize;

use crate::bundle::Bundle;
use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::error::{Malformed, Unsupported};
use crate::{SignError, SignerIdentity, TrustRoot, oms};

/// Signature files larger than this are refused before parsing: a sharded signature of a
/// multi-terabyte model stays far below it.
pub const MAX_SIGNATURE_BYTES: u64 = 256 * 1024 * 1024;

/// What the verifier may tolerate beyond what the signature records.
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
    /// The model that was hashed.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub model: PathBuf,
    /// The signature file that was checked.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub signature: PathBuf,
    /// The model name the signature records.
    pub model_name: String,
    /// `sha256:<hex>`
    pub root_digest: String,
    /// Who signed, as verification established it.
    pub signer: SignerIdentity,
    /// The serialization method, `files` or `shards`.
    pub method: &'static str,
    /// The hash algorithm's OMS name.
    pub hash: String,
    /// How many resources the signature lists.
    pub resources: usize,
    /// How many files were hashed on disk.
    pub files_hashed: usize,
    /// The total size of the hashed files.
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
    /// Whether the model matches the signature: nothing missing, unsigned or changed.
    pub fn is_ok(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.changed.is_empty()
    }
}

/// Reads and parses a signature bundle.
pub fn read_bundle(path: &Path) -> Result<Bundle, SignError> {
    let bytes = modelseal_fs::read_limited(path, MAX_SIGNATURE_BYTES).map_err(|e| {
        if e.is_not_found() || e.is_io() {
            SignError::from(e)
        } else {
            // Not a regular file, or too large: not a signature.
            SignError::MalformedSignature {
                path: Some(e.path),
                problem: Malformed::File(e.reason),
            }
        }
    })?;
    let bundle: Bundle = serde_json::from_slice(&bytes)
        .map_err(|e| SignError::from(Malformed::NotABundle(e)).in_signature(path))?;
    if !bundle.has_known_media_type() {
        return Err(
            SignError::from(Unsupported::BundleMediaType(bundle.media_type)).in_signature(path),
        );
    }
    Ok(bundle)
}

/// Checks the bundle's signature with `trust` and returns the signed OMS manifest. Nothing of
/// the payload is interpreted before its signature is known good: this is
/// [`Bundle::verify`] (generic DSSE) followed by the OMS layer ([`oms::manifest_from_verified`]).
/// `path` names the signature file in errors.
pub fn verify_bundle(
    bundle: &Bundle,
    trust: &TrustRoot,
    path: &Path,
) -> Result<(Manifest, SignerIdentity), SignError> {
    let verify = || {
        // Refused before any cryptography: an OMS signature is always an in-toto statement.
        let payload_type = &bundle.dsse_envelope.payload_type;
        if payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(Unsupported::WrongPayloadType {
                found: payload_type.clone(),
                expected: IN_TOTO_PAYLOAD_TYPE,
            }
            .into());
        }
        let verified = bundle.verify(trust)?;
        let manifest = oms::manifest_from_verified(&verified)?;
        Ok((manifest, verified.signer))
    };
    verify().map_err(|e: SignError| e.in_signature(path))
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
        | DigestError::SpecialFile(_) => SignError::PlantedContent(e),
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
