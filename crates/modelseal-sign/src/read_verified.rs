//! Verify what you load: a model read into memory once, hashed from those very bytes and
//! checked against its signature. A server that loads the returned bytes cannot be raced
//! between check and use, as it could if it were handed a path to open again.

use std::collections::BTreeMap;
use std::path::Path;

use modelseal_digest::{Manifest, hash_bytes, walk_model};

use crate::error::ContentMismatch;
use crate::verify::{read_bundle, verify_bundle};
use crate::{SignError, SignerIdentity, TrustRoot};

/// A verified model in memory.
#[derive(Debug)]
pub struct VerifiedModel {
    /// `sha256:<hex>`, the OMS root digest the signature covers.
    pub root_digest: String,
    /// Who signed, as verification established it.
    pub signer: SignerIdentity,
    /// Model-relative POSIX names (`"."` for a single-file model) and their exact contents.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Reads the model at `model` (a file or a directory, at most `max_bytes` in all), verifies the
/// signature at `signature` with `trust`, and returns the bytes that were verified.
pub fn verify_and_read(
    model: &Path,
    signature: &Path,
    trust: &TrustRoot,
    max_bytes: u64,
) -> Result<VerifiedModel, SignError> {
    if model.symlink_metadata().is_err() {
        return Err(SignError::NotFound(model.to_path_buf()));
    }
    let bundle = read_bundle(signature)?;
    let (expected, signer) = verify_bundle(&bundle, trust, signature)?;
    let mut serialization = expected.serialization.clone();
    if let Some(inside) = signature_inside_model(model, signature) {
        serialization.ignore(&inside);
    }
    let walk = walk_model(
        model,
        serialization.allow_symlinks,
        &serialization.ignore_paths,
    )
    .map_err(crate::verify::planted_or_digest)?;
    let mut files = BTreeMap::new();
    let mut resources = Vec::new();
    let mut total = 0u64;
    for file in &walk.files {
        let bytes = modelseal_fs::read_limited(&file.path, max_bytes.saturating_sub(total))?;
        total += bytes.len() as u64;
        resources.extend(hash_bytes(&file.name, &bytes, &serialization)?);
        files.insert(file.name.clone(), bytes);
    }
    let mut actual = Manifest {
        model_name: expected.model_name.clone(),
        serialization,
        resources,
    };
    actual.sort();
    let want: BTreeMap<String, &[u8]> = expected
        .resources
        .iter()
        .map(|r| (r.name.to_string(), r.digest.as_slice()))
        .collect();
    let got: BTreeMap<String, &[u8]> = actual
        .resources
        .iter()
        .map(|r| (r.name.to_string(), r.digest.as_slice()))
        .collect();
    if want != got {
        return Err(SignError::ContentMismatch(ContentMismatch {
            missing: want
                .keys()
                .filter(|k| !got.contains_key(*k))
                .cloned()
                .collect(),
            unsigned: got
                .keys()
                .filter(|k| !want.contains_key(*k))
                .cloned()
                .collect(),
            changed: want
                .iter()
                .filter(|(k, d)| got.get(*k).is_some_and(|g| g != *d))
                .map(|(k, _)| k.clone())
                .collect(),
        }));
    }
    Ok(VerifiedModel {
        root_digest: format!("sha256:{}", hex::encode(expected.root_digest())),
        signer,
        files,
    })
}

/// The signature's path inside a directory model, relative to it (POSIX), if it lies there:
/// such a signature is not part of the model it signs.
pub fn signature_inside_model(model: &Path, signature: &Path) -> Option<String> {
    modelseal_fs::relative_inside(model, signature)
}
