//! `-` is stdin or stdout, as in cosign and every Unix tool (issue 12): `sign --signature -`
//! wrote a file named `-`; now it writes the bundle to stdout, `verify --signature -` reads it
//! from stdin, `sbom create -o -` writes to stdout, and a file named `-` is reached as `./-`.

use std::fs;

use crate::{keypair, make_model, modelseal, sign_cmd, verify_cmd};

#[test]
fn sign_signature_dash_writes_the_bundle_to_stdout_and_verify_reads_it_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    let output = sign_cmd(&model, &key)
        .args(["--signature", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!dir.path().join("-").exists(), "a file named - was written");
    assert!(!dir.path().join("model.sig").exists());
    let bundle: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(bundle["dsseEnvelope"].is_object(), "{bundle}");
    // The summary is on stderr, out of the bundle's way.
    assert!(String::from_utf8_lossy(&output.stderr).contains("-> stdout"));

    verify_cmd(&model, &public)
        .args(["--signature", "-"])
        .write_stdin(output.stdout.clone())
        .assert()
        .success();
    // The bytes on stdin are checked like a file's: a tampered bundle fails.
    let mut tampered = bundle.clone();
    tampered["dsseEnvelope"]["signatures"][0]["sig"] = "AAAA".into();
    verify_cmd(&model, &public)
        .args(["--signature", "-"])
        .write_stdin(tampered.to_string())
        .assert()
        .code(1);
    verify_cmd(&model, &public)
        .args(["--signature", "-"])
        .write_stdin("not a bundle")
        .assert()
        .code(4);
}

#[test]
fn sign_signature_dash_with_format_json_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    sign_cmd(&model, &key)
        .args(["--signature", "-", "--format", "json"])
        .current_dir(dir.path())
        .assert()
        .code(64);
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_file_named_dash_is_reached_as_dot_slash_dash() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    let output = sign_cmd(&model, &key)
        .args(["--signature", "./-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(dir.path().join("-").is_file());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("dsseEnvelope"));
    verify_cmd(&model, &public)
        .args(["--signature", "./-"])
        .current_dir(dir.path())
        .assert()
        .success();
}

#[test]
fn sbom_create_output_dash_is_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let output = modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .args(["--timestamp", "2026-11-23T00:00:00Z", "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!dir.path().join("-").exists(), "a file named - was written");
    let bom: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    fs::remove_dir_all(&model).unwrap();
}

/// The gate reads its signature from a path: `check --signature -` is refused (exit 64), not
/// taken for a file named `-`.
#[test]
fn check_signature_dash_is_refused_not_a_file_named_dash() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    sign_cmd(&model, &key)
        .args(["--signature", "./-"])
        .current_dir(dir.path())
        .assert()
        .success();
    let output = modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .args(["--signature", "-", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64), "{output:?}");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["error"]["kind"], "usage");
    modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .args(["--signature", "./-"])
        .current_dir(dir.path())
        .assert()
        .success();
}
