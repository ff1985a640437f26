//! Signing a model: hash it, build the OMS statement, sign its DSSE PAE, wrap it in a bundle.

use std::path::{Component, Path, PathBuf};

use modelseal_digest::{
    ByteProgress, DigestError, Manifest, NoProgress, Serialization, hash_walk_with_progress,
    walk_model,
};

use crate::bundle::{BUNDLE_MEDIA_TYPE_V03, Bundle, PublicKeyIdentifier, VerificationMaterial};
use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::error::CryptoOperation;
use crate::oms::statement_for;
use crate::{SignError, Signer};

/// A signed model: the bundle to write and what it covers.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The Sigstore bundle to write next to the model.
    pub bundle: Bundle,
    /// The manifest the bundle signs.
    pub manifest: Manifest,
    /// How many files were hashed.
    pub files: usize,
    /// How many bytes were hashed.
    pub bytes: u64,
}

/// Hashes the model at `model` with `serialization` and signs the result with `key` (a key
/// file, or any other [`Signer`]).
///
/// Refuses a model with no resources (no files, or in `shards` mode only empty files): OMS
/// requires verifiers to reject empty models, so signing one would only produce a signature
/// nobody should accept.
pub fn sign_model(
    model: &Path,
    serialization: &Serialization,
    key: &(impl Signer + ?Sized),
) -> Result<Signed, SignError> {
    sign_model_with_progress(model, serialization, key, &NoProgress)
}

/// [`sign_model`], telling `progress` the bytes to hash and each chunk as it is hashed.
pub fn sign_model_with_progress(
    model: &Path,
    serialization: &Serialization,
    key: &(impl Signer + ?Sized),
    progress: &dyn ByteProgress,
) -> Result<Signed, SignError> {
    let walk = walk_model(
        model,
        serialization.allow_symlinks,
        &serialization.ignore_paths,
    )?;
    let manifest = hash_walk_with_progress(&walk, serialization, progress)?;
    // Not `walk.files`: in shards mode a model of only empty files has no resource either.
    if manifest.resources.is_empty() {
        return Err(DigestError::EmptyModel(model.to_path_buf()).into());
    }
    let statement = statement_for(&manifest);
    let payload = serde_json::to_vec(&statement)
        .map_err(|_| SignError::Crypto(CryptoOperation::PayloadEncoding))?;
    let envelope = crate::dsse::sign(IN_TOTO_PAYLOAD_TYPE, &payload, key)?;
    let bundle = Bundle {
        media_type: BUNDLE_MEDIA_TYPE_V03.to_owned(),
        verification_material: VerificationMaterial {
            public_key: Some(PublicKeyIdentifier {
                hint: key.key_hint(),
            }),
            ..VerificationMaterial::default()
        },
        dsse_envelope: envelope,
    };
    Ok(Signed {
        bundle,
        manifest,
        files: walk.files.len(),
        bytes: walk.files.iter().map(|f| f.size).sum(),
    })
}

/// `MODEL.sig` beside the model, for a file or a directory alike (never inside a directory
/// model).
pub fn default_signature_path(model: &Path) -> PathBuf {
    let named = match model.components().next_back() {
        Some(Component::Normal(name)) => {
            Some((model.parent().map(Path::to_path_buf), name.to_owned()))
        }
        _ => None,
    };
    let (parent, name) = named.unwrap_or_else(|| {
        let canonical = modelseal_fs::canonicalize(model).unwrap_or_else(|_| model.to_path_buf());
        (
            canonical.parent().map(Path::to_path_buf),
            canonical.file_name().unwrap_or_default().to_owned(),
        )
    });
    let mut file = name;
    file.push(".sig");
    match parent {
        Some(p) if !p.as_os_str().is_empty() => p.join(file),
        _ => PathBuf::from(file),
    }
}
