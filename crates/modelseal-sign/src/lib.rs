//! Keys, signatures and the OpenSSF Model Signing (OMS) v1.0 format.
//!
//! Sits above `modelseal-digest` (what is signed) and `modelseal-fs` (every file read).
//! Verification is layered: [`dsse::verify`] checks an envelope with a [`Verifier`] and hands
//! back the exact payload bytes; [`statement`] reads an in-toto statement from them; [`oms`]
//! reads the OMS model-signature predicate. Keys are [`Signer`]s and [`Verifier`]s, so an HSM
//! or KMS key is one more implementation. An OMS signature (a Sigstore bundle of such an
//! envelope) written here verifies with `model_signing`, and everything it writes verifies here.
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

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
pub mod bundle;
mod certificate;
pub mod dsse;
mod error;
mod identity;
mod interop;
mod keys;
pub mod oms;
mod read_verified;
mod sign;
mod signer;
pub mod statement;
mod strict;
mod trust;
mod unique_keys;
mod verify;

pub use certificate::{
    CertificateChainVerifier, VerifiedCertificate, read_certificates, verify_with_chain,
};
pub use dsse::VerifiedPayload;
pub use error::{
    CertificateRole, ContentMismatch, CryptoOperation, ErrorKind, KeyProblem, Malformed, SignError,
    Unsupported,
};
pub use identity::{
    CertificateIdentities, IdentityPolicy, IdentityProblem, Matcher, identities_of,
};
pub use interop::{NotOmsInteroperable, oms_interoperability};
pub use keys::{KeyAlgorithm, PublicKey, SigningKey};
pub use modelseal_digest::{ByteProgress, NoProgress};
pub use read_verified::{VerifiedModel, signature_inside_model, verify_and_read};
pub use sign::{Signed, default_signature_path, sign_model, sign_model_with_progress};
pub use signer::{Signer, Verifier};
pub use strict::{StrictProblem, StrictViolation};
pub use trust::{SignerIdentity, TrustRoot};
pub use verify::{
    MAX_SIGNATURE_BYTES, VerifiedFile, VerifyOptions, VerifyReport, parse_bundle, read_bundle,
    verify_bundle, verify_model, verify_model_with_bundle,
};
