use std::fs;

use predicates::str::contains;

use crate::{keypair, make_model, modelseal, sign, sign_cmd, verify_cmd};

#[test]
fn generated_keys_are_private_and_never_overwritten_silently() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    let before = fs::read(&key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        String::from_utf8(before.clone())
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(
        fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    modelseal()
        .args(["key", "generate", "--no-passphrase", "--out"])
        .arg(&key)
        .assert()
        .code(64)
        .stderr(contains("--force"));
    assert_eq!(
        fs::read(&key).unwrap(),
        before,
        "refusal leaves the key untouched"
    );
    // An existing .pub alone also blocks, and nothing is written.
    let lone = dir.path().join("lone");
    fs::write(dir.path().join("lone.pub"), b"keep").unwrap();
    modelseal()
        .args(["key", "generate", "--no-passphrase", "--out"])
        .arg(&lone)
        .assert()
        .code(64);
    assert!(!lone.exists());
    modelseal()
        .args(["key", "generate", "--no-passphrase", "--force", "--out"])
        .arg(&key)
        .assert()
        .success();
    assert_ne!(fs::read(&key).unwrap(), before);
}

#[test]
fn every_algorithm_signs_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    for alg in ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-pss-3072"] {
        let (key, public) = keypair(dir.path(), alg, alg);
        let assert = sign_cmd(&model, &key).assert().success();
        let interoperable = alg.starts_with("ecdsa");
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert_eq!(
            !stderr.contains("extension"),
            interoperable,
            "{alg}: {stderr}"
        );
        verify_cmd(&model, &public).assert().success();
    }
}

#[test]
fn openssl_style_sec1_keys_sign() {
    // The reference fixtures' keys are `openssl ecparam -genkey` output ("EC PRIVATE KEY").
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let f = crate::fixtures().join("keys");
    sign(&model, &f.join("ec-p384-private.pem"), &[]);
    verify_cmd(&model, f.join("ec-p384-public.pem"))
        .assert()
        .success();
}

#[test]
fn encrypted_keys_take_the_passphrase_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let key = dir.path().join("enc");
    modelseal()
        .args(["key", "generate", "--passphrase-env", "MS_PASS", "--out"])
        .arg(&key)
        .env("MS_PASS", "correct horse battery staple")
        .assert()
        .success();
    assert!(
        fs::read_to_string(&key)
            .unwrap()
            .contains("ENCRYPTED PRIVATE KEY")
    );
    sign_cmd(&model, &key)
        .assert()
        .code(64)
        .stderr(contains("--passphrase-env"));
    sign_cmd(&model, &key)
        .args(["--passphrase-env", "MS_PASS"])
        .env("MS_PASS", "wrong")
        .assert()
        .code(64)
        .stderr(contains("wrong passphrase"));
    sign_cmd(&model, &key)
        .args(["--passphrase-env", "MS_UNSET_VARIABLE"])
        .assert()
        .code(64)
        .stderr(contains("MS_UNSET_VARIABLE"));
    sign_cmd(&model, &key)
        .args(["--passphrase-env", "MS_PASS"])
        .env("MS_PASS", "correct horse battery staple")
        .assert()
        .success();
    let public = dir.path().join("enc.pub");
    verify_cmd(&model, &public).assert().success();
}

#[test]
fn a_public_key_is_not_a_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (_, public) = keypair(dir.path(), "key", "ecdsa-p256");
    sign_cmd(&model, &public)
        .assert()
        .code(4)
        .stderr(contains("private key"));
    let (key, _) = keypair(dir.path(), "key2", "ecdsa-p256");
    sign(&model, &key, &[]);
    verify_cmd(&model, &key)
        .assert()
        .code(4)
        .stderr(contains("PUBLIC KEY"));
}
