//! Certificate chains are validated now, for code signing: an expired leaf, a leaf without the
//! codeSigning EKU and a chain to another root all fail (OMS #663: the reference does not check
//! expiry).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use modelseal_sign::{SignError, verify_with_chain};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    PKCS_ECDSA_P256_SHA256,
};
use time::{Duration, OffsetDateTime};

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // The strict profile (certificates_strict.rs) wants key usage on a CA.
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let cert = params.clone().self_signed(&key).unwrap();
    Ca {
        der: cert.der().to_vec(),
        params,
        key,
    }
}

fn leaf(
    issuer: &Ca,
    eku: Vec<ExtendedKeyUsagePurpose>,
    not_after: OffsetDateTime,
) -> (Vec<u8>, aws_lc_rs::signature::EcdsaKeyPair) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "signer@example.com");
    params.extended_key_usages = eku;
    params.use_authority_key_identifier_extension = true;
    params.not_before = OffsetDateTime::now_utc() - Duration::days(30);
    params.not_after = not_after;
    let issuer_cert = issuer.params.clone().self_signed(&issuer.key).unwrap();
    let cert = params.signed_by(&key, &issuer_cert, &issuer.key).unwrap();
    let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &key.serialize_der(),
    )
    .unwrap();
    (cert.der().to_vec(), pair)
}

fn sign(pair: &aws_lc_rs::signature::EcdsaKeyPair, msg: &[u8]) -> Vec<u8> {
    pair.sign(&aws_lc_rs::rand::SystemRandom::new(), msg)
        .unwrap()
        .as_ref()
        .to_vec()
}

fn in_a_year() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(365)
}

#[test]
fn valid_code_signing_leaf_verifies() {
    let root = ca("root");
    let (leaf, pair) = leaf(
        &root,
        vec![ExtendedKeyUsagePurpose::CodeSigning],
        in_a_year(),
    );
    let sig = sign(&pair, b"payload");
    let ok = verify_with_chain(
        std::slice::from_ref(&leaf),
        std::slice::from_ref(&root.der),
        b"payload",
        &sig,
    )
    .unwrap();
    assert_eq!(ok.chain_length, 1);
    let err = verify_with_chain(&[leaf], &[root.der], b"other payload", &sig).unwrap_err();
    assert!(matches!(err, SignError::CertificateKeyMismatch), "{err}");
}

#[test]
fn expired_leaf_fails() {
    let root = ca("root");
    let yesterday = OffsetDateTime::now_utc() - Duration::days(1);
    let (leaf, pair) = leaf(&root, vec![ExtendedKeyUsagePurpose::CodeSigning], yesterday);
    let err = verify_with_chain(&[leaf], &[root.der], b"p", &sign(&pair, b"p")).unwrap_err();
    assert!(matches!(err, SignError::CertificateExpired(_)), "{err}");
    assert!(err.to_string().to_lowercase().contains("expired"), "{err}");
}

#[test]
fn leaf_without_code_signing_eku_fails() {
    let root = ca("root");
    let (leaf, pair) = leaf(
        &root,
        vec![ExtendedKeyUsagePurpose::ServerAuth],
        in_a_year(),
    );
    let err = verify_with_chain(&[leaf], &[root.der], b"p", &sign(&pair, b"p")).unwrap_err();
    assert!(
        matches!(err, SignError::MissingCodeSigningEku { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("lacks codeSigning"), "{err}");
}

#[test]
fn chain_to_another_root_fails() {
    let root = ca("root");
    let other = ca("other root");
    let (leaf, pair) = leaf(
        &root,
        vec![ExtendedKeyUsagePurpose::CodeSigning],
        in_a_year(),
    );
    let err = verify_with_chain(&[leaf], &[other.der], b"p", &sign(&pair, b"p")).unwrap_err();
    assert!(matches!(err, SignError::CertificateUntrusted(_)), "{err}");
    assert_eq!(err.kind(), modelseal_sign::ErrorKind::Integrity);
}
