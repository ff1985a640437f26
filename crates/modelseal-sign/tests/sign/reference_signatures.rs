//! modelseal verifies every signature `model_signing` 1.1.1 wrote in
//! tests/fixtures/oms-model-signing-1.1.1, and rejects them with the wrong trust.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};

use modelseal_sign::{
    PublicKey, SignError, TrustRoot, VerifyOptions, read_certificates, verify_model,
};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/oms-model-signing-1.1.1")
        .join(rel)
}

fn key(rel: &str) -> TrustRoot {
    TrustRoot::PublicKey(PublicKey::load(&fixture(rel)).unwrap())
}

fn check(model: &str, sig: &str, trust: &TrustRoot) -> modelseal_sign::VerifyReport {
    let report = verify_model(
        &fixture(model),
        &fixture(sig),
        trust,
        &VerifyOptions::default(),
    )
    .unwrap();
    assert!(report.is_ok(), "{report:?}");
    report
}

#[test]
fn p256_directory() {
    let r = check("model", "model.sig", &key("keys/ec-p256-public.pem"));
    assert_eq!(
        r.root_digest,
        "sha256:df7a8f901cdcb8dc86756dec98d74d9a7561f0acb386ffe2b75b604bc39accc8"
    );
    assert_eq!(r.resources, 5);
}

#[test]
fn p384_directory() {
    check("model", "model.p384.sig", &key("keys/ec-p384-public.pem"));
}

#[test]
fn single_file_named_dot() {
    check(
        "model/weights.bin",
        "weights.bin.sig",
        &key("keys/ec-p256-public.pem"),
    );
}

#[test]
fn shards_with_float_shard_size() {
    let r = check(
        "model",
        "model.shards-1MiB.sig",
        &key("keys/ec-p256-public.pem"),
    );
    assert_eq!(r.method, "shards");
    assert_eq!(r.resources, 7);
}

#[test]
fn blake3_files() {
    let r = check("model", "model.blake3.sig", &key("keys/ec-p256-public.pem"));
    assert_eq!(r.hash, "blake3");
}

#[test]
fn certificate_chain() {
    let roots = read_certificates(&fixture("keys/cert/root-ca.pem")).unwrap();
    let r = check(
        "model",
        "model.cert.sig",
        &TrustRoot::any_certificate_under(roots),
    );
    assert!(matches!(
        r.signer,
        modelseal_sign::SignerIdentity::Certificate {
            chain_length: 2,
            ..
        }
    ));
}

#[test]
fn wrong_key_is_an_integrity_failure() {
    let err = verify_model(
        &fixture("model"),
        &fixture("model.sig"),
        &key("keys/ec-p384-public.pem"),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SignError::KeyHintMismatch { .. }), "{err}");
    assert!(err.to_string().contains("different key"), "{err}");
}

#[test]
fn certificate_signature_with_an_unrelated_root_fails() {
    // The intermediate's key signed nothing here; the P-256 leaf key's own certificate is not
    // a CA, so use a root that did not issue this chain: the P-256 *signing* cert itself.
    let unrelated = read_certificates(&fixture("keys/cert/signing-cert.pem")).unwrap();
    let err = verify_model(
        &fixture("model"),
        &fixture("model.cert.sig"),
        &TrustRoot::any_certificate_under(unrelated),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SignError::CertificateUntrusted(_)), "{err}");
}

#[test]
fn key_signature_checked_against_certificates_says_so() {
    let roots = read_certificates(&fixture("keys/cert/root-ca.pem")).unwrap();
    let err = verify_model(
        &fixture("model"),
        &fixture("model.sig"),
        &TrustRoot::any_certificate_under(roots),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SignError::NoCertificateChain), "{err}");
    assert!(err.to_string().contains("no certificate chain"), "{err}");
}
