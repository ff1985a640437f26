//! Whether the OMS reference's command line, `model_signing` 1.1.1 (`model_signing verify key`
//! and `verify certificate`), accepts a signature: the one place that decides what `sign`,
//! `verify` and `key generate` report as `oms_interoperable`.
//!
//! What that CLI does (`model_signing/_cli.py`, `verifying.py`, `_signing/sign_ec_key.py`): it
//! loads the public key (or the leaf certificate's key) as an elliptic-curve key on P-256,
//! P-384 or P-521 only; it checks the DSSE signature with ECDSA; then it re-hashes the model
//! with a fresh `hashing.Config()` (its `--ignore-paths`, `--allow_symlinks` flags and the
//! signature's recorded `ignore_paths` applied), which always serializes *by file* with
//! *SHA-256*, whatever the signature's `serialization` says; and compares the resources. So
//! a shard signature (any shard size) and a BLAKE3 or BLAKE2b one are rejected as a
//! mismatch even though the Python API, which guesses the configuration from the signature,
//! accepts them. A signature recorded with `allow_symlinks` verifies there when the same
//! flag (`--allow_symlinks`) is given, as any of its options must be.

use modelseal_digest::{HashAlgorithm, Method, Serialization};

use crate::KeyAlgorithm;

/// Why `model_signing` 1.1.1's CLI rejects a signature (the first reason found).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotOmsInteroperable {
    /// The key is not ECDSA on P-256, P-384 or P-521 (or the signer's key is unknown).
    #[error(
        "{} signatures are a modelseal extension; model_signing 1.1.1 verifies only ECDSA (P-256, P-384, P-521)",
        .0.map_or("these", KeyAlgorithm::name)
    )]
    KeyAlgorithm(Option<KeyAlgorithm>),
    /// Resources hashed with another algorithm than SHA-256.
    #[error(
        "{} resources: the model_signing 1.1.1 CLI re-hashes every model with SHA-256, so it rejects this signature",
        .0.oms_name()
    )]
    Hash(HashAlgorithm),
    /// Shard serialization, of any shard size.
    #[error(
        "shards of {shard_size} bytes: the model_signing 1.1.1 CLI re-hashes every model file by file, so it rejects this signature"
    )]
    Shards {
        /// The recorded shard size.
        shard_size: u64,
    },
}

/// Whether a signature made with a key of `key` (`None`: not known) over a model hashed as
/// `serialization` verifies with `model_signing verify key|certificate` 1.1.1.
pub fn oms_interoperability(
    key: Option<KeyAlgorithm>,
    serialization: &Serialization,
) -> Result<(), NotOmsInteroperable> {
    if !key.is_some_and(KeyAlgorithm::is_oms_interoperable) {
        return Err(NotOmsInteroperable::KeyAlgorithm(key));
    }
    if serialization.hash != HashAlgorithm::Sha256 {
        return Err(NotOmsInteroperable::Hash(serialization.hash));
    }
    if let Method::Shards { shard_size } = serialization.method {
        return Err(NotOmsInteroperable::Shards { shard_size });
    }
    Ok(())
}

/// The algorithm of the key that made a signature verified under `trust`: the trusted key's,
/// or the bundle's leaf certificate's (`None` when modelseal does not know it).
pub(crate) fn signing_key_algorithm(
    bundle: &crate::bundle::Bundle,
    trust: &crate::TrustRoot,
) -> Option<KeyAlgorithm> {
    match trust {
        crate::TrustRoot::PublicKey(key) => Some(key.algorithm()),
        crate::TrustRoot::Certificates { .. } => bundle
            .certificates()
            .and_then(<[_]>::first)
            .and_then(|leaf| leaf.der().ok())
            .and_then(|der| certificate_key_algorithm(&der)),
    }
}

/// The algorithm of the key in a certificate (DER), when it is one modelseal knows.
fn certificate_key_algorithm(der: &[u8]) -> Option<KeyAlgorithm> {
    use x509_cert::der::{Decode as _, Encode as _};
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    crate::PublicKey::from_spki_der(&spki)
        .ok()
        .map(|k| k.algorithm())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blake3_and_shards_are_not_interoperable_even_with_ecdsa() {
        let ecdsa = Some(KeyAlgorithm::EcdsaP256);
        let files = Serialization::files(HashAlgorithm::Sha256);
        assert_eq!(oms_interoperability(ecdsa, &files), Ok(()));
        assert_eq!(
            oms_interoperability(ecdsa, &Serialization::files(HashAlgorithm::Blake3)),
            Err(NotOmsInteroperable::Hash(HashAlgorithm::Blake3))
        );
        let shards = Serialization::shards(HashAlgorithm::Sha256, 1 << 20).unwrap();
        assert!(matches!(
            oms_interoperability(ecdsa, &shards),
            Err(NotOmsInteroperable::Shards { .. })
        ));
        for key in [
            Some(KeyAlgorithm::Ed25519),
            Some(KeyAlgorithm::RsaPss),
            None,
        ] {
            assert_eq!(
                oms_interoperability(key, &files),
                Err(NotOmsInteroperable::KeyAlgorithm(key))
            );
        }
        assert!(
            NotOmsInteroperable::Hash(HashAlgorithm::Blake3)
                .to_string()
                .starts_with("blake3 resources")
        );
    }

    /// A certificate signature's claim follows the leaf's key, as `verify certificate` does.
    #[test]
    fn a_certificate_leaf_key_decides_like_a_bare_key() {
        for (algorithm, expected) in [
            (
                &rcgen::PKCS_ECDSA_P256_SHA256,
                Some(KeyAlgorithm::EcdsaP256),
            ),
            (
                &rcgen::PKCS_ECDSA_P384_SHA384,
                Some(KeyAlgorithm::EcdsaP384),
            ),
            (&rcgen::PKCS_ED25519, Some(KeyAlgorithm::Ed25519)),
        ] {
            let key = rcgen::KeyPair::generate_for(algorithm).unwrap();
            let cert = rcgen::CertificateParams::new(vec!["signer.example".to_owned()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            assert_eq!(certificate_key_algorithm(cert.der()), expected);
        }
        assert_eq!(certificate_key_algorithm(b"not a certificate"), None);
    }
}
