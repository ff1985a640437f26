use std::fs;

use predicates::str::contains;

use crate::{fixtures, keypair, make_model, modelseal, sign, verify_cmd};

#[test]
fn digest_matches_the_reference_root_digests() {
    let model = fixtures().join("model");
    modelseal()
        .arg("digest")
        .arg(&model)
        .assert()
        .success()
        .stdout("sha256:df7a8f901cdcb8dc86756dec98d74d9a7561f0acb386ffe2b75b604bc39accc8\n");
    modelseal()
        .arg("digest")
        .arg(&model)
        .args(["--hash", "blake3"])
        .assert()
        .success()
        .stdout("sha256:858e25a750a7121264f5315d2d8474499bbddd9b802cc26e4fa9abea325ffa65\n");
    modelseal()
        .arg("digest")
        .arg(&model)
        .args(["--shard-size", "1048576"])
        .assert()
        .success()
        .stdout("sha256:91883548e086c4560ed691bb011fbe09640c37b3486b0a6cfb3d3bf8a8f322bb\n");
}

#[test]
fn verifies_reference_signatures_by_key_and_certificate() {
    let f = fixtures();
    verify_cmd(f.join("model"), f.join("keys/ec-p256-public.pem"))
        .assert()
        .success()
        .stdout(contains("✓"));
    verify_cmd(
        f.join("model/weights.bin"),
        f.join("keys/ec-p256-public.pem"),
    )
    .arg("--signature")
    .arg(f.join("weights.bin.sig"))
    .assert()
    .success();
    modelseal()
        .arg("verify")
        .arg(f.join("model"))
        .arg("--certificate-chain")
        .arg(f.join("keys/cert/root-ca.pem"))
        // The fixture's leaf names its signer only in its subject (no email or URI name).
        .arg("--insecure-ignore-identity")
        .arg("--signature")
        .arg(f.join("model.cert.sig"))
        .assert()
        .success()
        .stdout(contains("model-signer@example.com"));
}

#[test]
fn sign_then_verify_round_trips_for_every_hashing_mode() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    for extra in [
        &[][..],
        &["--hash", "blake3"],
        &["--shard-size", "65536"],
        &["--hash", "blake3", "--shard-size", "100000"],
    ] {
        sign(&model, &key, extra);
        assert!(
            dir.path().join("model.sig").exists(),
            "default signature beside the model"
        );
        verify_cmd(&model, &public).assert().success();
    }
}

#[test]
fn json_report_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    sign(&model, &key, &[]);
    let output = verify_cmd(&model, &public)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["report"]["resources"], 6);
    assert_eq!(json["report"]["signer"]["kind"], "key");
    assert!(
        json["report"]["root_digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
}

#[test]
fn signature_inside_the_model_is_left_out_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    let inside = model.join("model.sig");
    sign(&model, &key, &["--signature", inside.to_str().unwrap()]);
    // Re-signing in place must not hash the previous signature either.
    sign(&model, &key, &["--signature", inside.to_str().unwrap()]);
    verify_cmd(&model, &public)
        .arg("--signature")
        .arg(&inside)
        .assert()
        .success();
}

#[test]
fn ignored_paths_are_recorded_and_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    fs::write(model.join("README.md"), b"notes").unwrap();
    fs::create_dir(model.join(".git")).unwrap();
    fs::write(model.join(".git/HEAD"), b"ref").unwrap();
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    sign(
        &model,
        &key,
        &["--ignore", model.join("README.md").to_str().unwrap()],
    );
    fs::write(model.join("README.md"), b"edited notes").unwrap();
    fs::write(model.join(".git/HEAD"), b"other ref").unwrap();
    verify_cmd(&model, &public).assert().success();
}

#[test]
fn unsigned_files_can_be_tolerated_but_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    sign(&model, &key, &[]);
    fs::write(model.join("notes.txt"), b"added later").unwrap();
    verify_cmd(&model, &public)
        .arg("--ignore-unsigned-files")
        .assert()
        .success()
        .stdout(contains("unsigned (ignored) notes.txt"));
}

#[test]
fn usage_errors_exit_64_and_help_exits_0() {
    modelseal().assert().code(64).stderr(contains("Usage"));
    modelseal()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(contains("Exit codes"));
    modelseal()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(contains("modelseal"));
    modelseal().args(["verify", "m"]).assert().code(64);
    modelseal()
        .args(["digest", "m", "--hash", "md5"])
        .assert()
        .code(64);
    modelseal()
        .args(["digest", ".", "--shard-size", "0"])
        .assert()
        .code(64);
    modelseal().args(["frobnicate"]).assert().code(64);
}

#[test]
fn missing_inputs_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    modelseal()
        .arg("digest")
        .arg(dir.path().join("nope"))
        .assert()
        .code(3)
        .stderr(contains("not found"));
    modelseal()
        .arg("verify")
        .arg(dir.path().join("nope"))
        .arg("--key")
        .arg(&public)
        .assert()
        .code(3);
    verify_cmd(&model, &public)
        .assert()
        .code(3)
        .stderr(contains("model.sig"));
    modelseal()
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(dir.path().join("nokey.pub"))
        .assert()
        .code(3);
    modelseal()
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(dir.path().join("nokey"))
        .assert()
        .code(3);
    sign(&model, &key, &[]);
}

#[test]
fn certificate_chain_flag_takes_one_file_and_may_come_first() {
    let f = fixtures();
    modelseal()
        .arg("verify")
        .arg("--certificate-chain")
        .arg(f.join("keys/cert/root-ca.pem"))
        .arg(f.join("model"))
        .arg("--insecure-ignore-identity")
        .arg("--signature")
        .arg(f.join("model.cert.sig"))
        .assert()
        .success();
}

/// A report that cannot be delivered is never a silent success: `> /dev/full` exits 74 (and
/// says why), while a reader that closes the pipe early is not an error.
#[cfg(target_os = "linux")]
#[test]
fn stdout_that_cannot_be_written_exits_74() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [
        vec!["scan", "--format", "json"],
        vec!["digest"],
        vec!["sbom", "create", "--model"],
    ] {
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
            .args(&args)
            .arg(&model)
            .stdout(full())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(74), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write the output to stdout"),
            "{stderr}"
        );
    }
    // A closed pipe: the reader got what it wanted.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(["scan", "--format", "json"])
        .arg(&model)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}
