//! Keys, signatures and the OpenSSF Model Signing (OMS) v1.0 format.
//!
//! An OMS signature is a Sigstore bundle holding a DSSE envelope of an in-toto Statement v1
//! whose predicate lists every resource of the model with its digest. This crate writes
//! bundles that `model_signing` (the Python reference) verifies and reads everything it writes
//! (key, certificate; files and shards; sha256, blake2b, blake3).
//!
//! ```no_run
//! use modelseal_sign::{KeyAlgorithm, SigningKey, TrustRoot, VerifyOptions, sign_model, verify_model};
//! use modelseal_digest::{HashAlgorithm, Serialization};
//! use std::path::Path;
//!
//! let key = SigningKey::generate(KeyAlgorithm::EcdsaP256)?;
//! let signed = sign_model(Path::new("model"), &Serialization::files(HashAlgorithm::Sha256), &key)?;
//! std::fs::write("model.sig", signed.bundle.to_json())?;
//! let trust = TrustRoot::PublicKey(key.public_key().clone());
//! let report = verify_model(Path::new("model"), Path::new("model.sig"), &trust, &VerifyOptions::default())?;
//! assert!(report.is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod atomic;
pub mod bundle;
mod certificate;
pub mod dsse;
mod error;
mod input;
mod keys;
mod read_verified;
mod sign;
pub mod statement;
mod verify;

pub use atomic::{Overwrite, write_atomic};
pub use certificate::{VerifiedCertificate, read_certificates, verify_with_chain};
pub use error::{ErrorKind, SignError};
pub use keys::{KeyAlgorithm, PublicKey, SigningKey};
pub use read_verified::{VerifiedModel, signature_inside_model, verify_and_read};
pub use sign::{Signed, default_signature_path, sign_model};
pub use verify::{
    MAX_SIGNATURE_BYTES, Signer, TrustRoot, VerifyOptions, VerifyReport, read_bundle,
    verify_bundle, verify_model,
};
