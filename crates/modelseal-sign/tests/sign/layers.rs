//! Verification in layers: DSSE (any payload) -> in-toto statement -> OMS predicate, keys
//! behind the `Signer`/`Verifier` traits, and failures as kinds.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::Path;

use modelseal_digest::{HashAlgorithm, Serialization};
use modelseal_sign::bundle::Bundle;
use modelseal_sign::dsse::{self, IN_TOTO_PAYLOAD_TYPE};
use modelseal_sign::statement::Statement;
use modelseal_sign::{
    CryptoOperation, ErrorKind, KeyAlgorithm, PublicKey, SignError, Signer, SignerIdentity,
    SigningKey, TrustRoot, Unsupported, VerifyOptions, oms, sign_model, verify_bundle,
    verify_model,
};

fn model(dir: &Path) -> std::path::PathBuf {
    let model = dir.join("model");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("weights.bin"), b"weights").unwrap();
    model
}

fn files() -> Serialization {
    Serialization::files(HashAlgorithm::Sha256)
}

/// A bundle around an in-toto statement of another predicate (SLSA provenance here).
fn provenance_bundle(key: &SigningKey) -> Bundle {
    let dir = tempfile::tempdir().unwrap();
    let mut bundle = sign_model(&model(dir.path()), &files(), key)
        .unwrap()
        .bundle;
    let payload = serde_json::to_vec(&serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "model", "digest": {"sha256": "00"}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {"buildType": "https://example.com/train"}},
    }))
    .unwrap();
    bundle.dsse_envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, &payload, key).unwrap();
    bundle
}

#[test]
fn a_non_oms_statement_verifies_as_dsse_and_is_refused_by_the_oms_layer() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let bundle = provenance_bundle(&key);
    let trust = TrustRoot::PublicKey(key.public_key().clone());

    let verified = bundle.verify(&trust).unwrap();
    assert_eq!(verified.payload_type, IN_TOTO_PAYLOAD_TYPE);
    assert_eq!(verified.signature_index, 0);
    let statement = Statement::from_verified(&verified).unwrap();
    assert_eq!(statement.predicate_type, "https://slsa.dev/provenance/v1");

    let err = oms::manifest_from_verified(&verified).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::Unsupported {
                problem: Unsupported::WrongPredicateType { .. },
                ..
            }
        ),
        "{err}"
    );
    let err = verify_bundle(&bundle, &trust, Path::new("p.sig")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(
        err.to_string()
            .starts_with("unsupported signature p.sig: predicate type")
    );
}

#[test]
fn a_payload_of_another_type_verifies_as_dsse_but_is_not_a_statement() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let envelope = dsse::sign("application/vnd.example.release+json", b"{}", &key).unwrap();
    let verified = dsse::verify(&envelope, key.public_key()).unwrap();
    assert_eq!(verified.payload, b"{}");
    let err = Statement::from_verified(&verified).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::Unsupported {
                problem: Unsupported::WrongPayloadType { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn another_key_is_a_key_hint_mismatch_and_without_a_hint_no_signature_matches() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let other = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let mut bundle = sign_model(&model(dir.path()), &files(), &key)
        .unwrap()
        .bundle;
    let trust = TrustRoot::PublicKey(other.public_key().clone());
    let err = bundle.verify(&trust).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::KeyHintMismatch { ref signed_with, ref given }
                if *signed_with == key.public_key().hint() && *given == other.public_key().hint()
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Integrity);
    bundle.verification_material.public_key = None;
    let err = bundle.verify(&trust).unwrap_err();
    assert!(matches!(err, SignError::NoSignatureMatched), "{err}");
    assert!(
        err.to_string().contains("does not match the payload"),
        "{err}"
    );
}

#[test]
fn resources_that_do_not_hash_to_the_subject_are_a_subject_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let mut bundle = sign_model(&model(dir.path()), &files(), &key)
        .unwrap()
        .bundle;
    let payload = bundle.dsse_envelope.payload_bytes().unwrap();
    let mut statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    statement["subject"][0]["digest"]["sha256"] = "00".repeat(32).into();
    let payload = serde_json::to_vec(&statement).unwrap();
    bundle.dsse_envelope = dsse::sign(IN_TOTO_PAYLOAD_TYPE, &payload, &key).unwrap();
    let trust = TrustRoot::PublicKey(key.public_key().clone());
    let err = verify_bundle(&bundle, &trust, Path::new("m.sig")).unwrap_err();
    assert!(
        matches!(err, SignError::SubjectDigestMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("inconsistent"), "{err}");
}

/// A key held elsewhere (an HSM, a KMS): here a wrapper around a file key.
struct RemoteKey {
    key: SigningKey,
    fail: bool,
}

impl Signer for RemoteKey {
    fn algorithm(&self) -> KeyAlgorithm {
        self.key.algorithm()
    }
    fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        if self.fail {
            return Err(SignError::Crypto(CryptoOperation::Signing(
                self.algorithm(),
            )));
        }
        self.key.sign(message)
    }
}

#[test]
fn any_signer_signs_a_model_and_its_failure_is_internal() {
    let dir = tempfile::tempdir().unwrap();
    let model = model(dir.path());
    let remote = RemoteKey {
        key: SigningKey::generate(KeyAlgorithm::EcdsaP384).unwrap(),
        fail: false,
    };
    let signed = sign_model(&model, &files(), &remote).unwrap();
    let sig = dir.path().join("model.sig");
    std::fs::write(&sig, signed.bundle.to_json()).unwrap();
    let trust = TrustRoot::PublicKey(remote.public_key().clone());
    let report = verify_model(&model, &sig, &trust, &VerifyOptions::default()).unwrap();
    assert!(report.is_ok());
    assert!(matches!(report.signer, SignerIdentity::Key { .. }));

    let failing = RemoteKey {
        fail: true,
        ..remote
    };
    let err = sign_model(&model, &files(), &failing).unwrap_err();
    assert!(matches!(err, SignError::Crypto(_)), "{err}");
    assert_eq!(err.kind(), ErrorKind::Internal);
}

#[test]
fn a_signature_file_that_is_no_file_is_malformed_and_a_missing_one_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let err = modelseal_sign::read_bundle(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::MalformedSignature {
                problem: modelseal_sign::Malformed::File(_),
                path: Some(_),
            }
        ),
        "{err}"
    );
    assert!(err.to_string().starts_with("malformed signature "), "{err}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    let err = modelseal_sign::read_bundle(&dir.path().join("missing.sig")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("not found"), "{err}");
    let garbage = dir.path().join("garbage.sig");
    std::fs::write(&garbage, b"{").unwrap();
    let err = modelseal_sign::read_bundle(&garbage).unwrap_err();
    assert!(err.to_string().contains("not a Sigstore bundle"), "{err}");
    assert_eq!(err.kind(), ErrorKind::Malformed);
}
