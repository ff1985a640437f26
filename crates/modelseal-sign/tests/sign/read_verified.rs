//! `verify_and_read`: the bytes returned are the bytes verified.

#![allow(clippy::unwrap_used)] // test helpers

use std::fs;
use std::path::Path;

use modelseal_digest::{HashAlgorithm, Serialization};
use modelseal_sign::{ErrorKind, KeyAlgorithm, SigningKey, TrustRoot, sign_model, verify_and_read};

fn sign(model: &Path, signature: &Path, key: &SigningKey, serialization: &Serialization) {
    let signed = sign_model(model, serialization, key).unwrap();
    fs::write(signature, signed.bundle.to_json()).unwrap();
}

#[test]
fn returns_exactly_the_verified_bytes_of_files_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let trust = TrustRoot::PublicKey(key.public_key().clone());
    let model = dir.path().join("model");
    fs::create_dir_all(model.join("sub")).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    fs::write(model.join("sub/w.bin"), vec![3u8; 5000]).unwrap();
    let signature = dir.path().join("model.sig");
    for serialization in [
        Serialization::files(HashAlgorithm::Sha256),
        Serialization::shards(HashAlgorithm::Blake3, 1024).unwrap(),
    ] {
        sign(&model, &signature, &key, &serialization);
        let verified = verify_and_read(&model, &signature, &trust, 1 << 20).unwrap();
        assert_eq!(verified.files["config.json"], b"{}");
        assert_eq!(verified.files["sub/w.bin"], vec![3u8; 5000]);
        assert!(verified.root_digest.starts_with("sha256:"));
    }
    let file = dir.path().join("model.pkl");
    fs::write(&file, b"weights").unwrap();
    let file_sig = dir.path().join("model.pkl.sig");
    sign(
        &file,
        &file_sig,
        &key,
        &Serialization::files(HashAlgorithm::Sha256),
    );
    let verified = verify_and_read(&file, &file_sig, &trust, 1 << 20).unwrap();
    assert_eq!(verified.files["."], b"weights");
}

#[test]
fn tampering_size_limits_and_wrong_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let trust = TrustRoot::PublicKey(key.public_key().clone());
    let model = dir.path().join("model");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("a.bin"), vec![1u8; 100]).unwrap();
    // A signature kept inside the model it signs is not part of the model.
    let signature = model.join("model.sig");
    let mut serialization = Serialization::files(HashAlgorithm::Sha256);
    serialization.ignore("model.sig");
    sign(&model, &signature, &key, &serialization);
    assert!(verify_and_read(&model, &signature, &trust, 1 << 20).is_ok());
    let limited = verify_and_read(&model, &signature, &trust, 50).unwrap_err();
    assert_eq!(limited.kind(), ErrorKind::Malformed);
    fs::write(model.join("a.bin"), vec![2u8; 100]).unwrap();
    let changed = verify_and_read(&model, &signature, &trust, 1 << 20).unwrap_err();
    assert_eq!(changed.kind(), ErrorKind::Integrity);
    assert!(changed.to_string().contains("changed a.bin"), "{changed}");
    let other = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let wrong = verify_and_read(
        &model,
        &signature,
        &TrustRoot::PublicKey(other.public_key().clone()),
        1 << 20,
    )
    .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Integrity);
    let missing =
        verify_and_read(&dir.path().join("none"), &signature, &trust, 1 << 20).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
