//! The tampering table: each attack on a signed model, the exit code and the message a user
//! sees. 1 = integrity failure, 4 = malformed or unsupported signature.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use modelseal_sign::SigningKey;
use modelseal_sign::bundle::Bundle;
use modelseal_sign::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE, pae};
use predicates::str::contains;
use sha2::{Digest as _, Sha256};

use crate::{keypair, make_model, modelseal, sign, sign_cmd, verify_cmd};

struct Signed {
    dir: tempfile::TempDir,
    model: std::path::PathBuf,
    key: std::path::PathBuf,
    public: std::path::PathBuf,
    sig: std::path::PathBuf,
}

fn signed_model() -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    sign(&model, &key, &[]);
    let sig = dir.path().join("model.sig");
    Signed {
        dir,
        model,
        key,
        public,
        sig,
    }
}

fn verify(s: &Signed) -> assert_cmd::assert::Assert {
    verify_cmd(&s.model, &s.public).assert()
}

fn read_bundle(path: &Path) -> Bundle {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn payload_of(bundle: &Bundle) -> serde_json::Value {
    serde_json::from_slice(&bundle.dsse_envelope.payload_bytes().unwrap()).unwrap()
}

/// Rewrites the statement and signs it again with the genuine key: what a signer with a
/// buggy or hostile tool could produce. The signature is valid; the content is not.
fn resign(s: &Signed, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut bundle = read_bundle(&s.sig);
    let mut statement = payload_of(&bundle);
    edit(&mut statement);
    let payload = serde_json::to_vec(&statement).unwrap();
    let key = SigningKey::load(&s.key, None).unwrap();
    let signature = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &payload)).unwrap();
    bundle.dsse_envelope = Envelope::new(IN_TOTO_PAYLOAD_TYPE, &payload, &signature);
    fs::write(&s.sig, bundle.to_json()).unwrap();
}

/// Recomputes the subject digest so that only the edited field is wrong.
fn fix_root(statement: &mut serde_json::Value) {
    let mut root = Sha256::new();
    for r in statement["predicate"]["resources"].as_array().unwrap() {
        root.update(hex::decode(r["digest"].as_str().unwrap()).unwrap());
    }
    statement["subject"][0]["digest"]["sha256"] = hex::encode(root.finalize()).into();
}

#[test]
fn one_byte_changed() {
    let s = signed_model();
    let path = s.model.join("weights.bin");
    let mut bytes = fs::read(&path).unwrap();
    bytes[123_456] ^= 1;
    fs::write(&path, bytes).unwrap();
    verify(&s)
        .code(1)
        .stdout(contains("changed weights.bin"))
        .stdout(contains("does not match"));
}

#[test]
fn file_truncated() {
    let s = signed_model();
    let path = s.model.join("weights.bin");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    verify(&s).code(1).stdout(contains("changed weights.bin"));
}

#[test]
fn file_removed() {
    let s = signed_model();
    fs::remove_file(s.model.join("sub.txt")).unwrap();
    verify(&s).code(1).stdout(contains("missing sub.txt"));
}

#[test]
fn empty_file_removed() {
    let s = signed_model();
    fs::remove_file(s.model.join("empty.bin")).unwrap();
    verify(&s).code(1).stdout(contains("missing empty.bin"));
}

#[test]
fn file_added() {
    let s = signed_model();
    fs::write(s.model.join("sub/deeper/payload.pkl"), b"\x80\x04evil").unwrap();
    verify(&s)
        .code(1)
        .stdout(contains("extra   sub/deeper/payload.pkl"));
}

#[test]
fn file_renamed() {
    let s = signed_model();
    fs::rename(s.model.join("config.json"), s.model.join("config2.json")).unwrap();
    verify(&s)
        .code(1)
        .stdout(contains("missing config.json"))
        .stdout(contains("extra   config2.json"));
}

#[test]
fn signature_from_another_key() {
    let s = signed_model();
    let (_, other_public) = keypair(s.dir.path(), "other", "ecdsa-p256");
    verify_cmd(&s.model, &other_public)
        .assert()
        .code(1)
        .stderr(contains("different key"));
}

#[test]
fn signature_from_another_key_without_a_hint() {
    let s = signed_model();
    let mut bundle = read_bundle(&s.sig);
    bundle.verification_material.public_key = None;
    fs::write(&s.sig, bundle.to_json()).unwrap();
    let (_, other_public) = keypair(s.dir.path(), "other", "ecdsa-p256");
    verify_cmd(&s.model, &other_public)
        .assert()
        .code(1)
        .stderr(contains("does not match the payload"));
}

#[test]
fn payload_edited_after_signing() {
    let s = signed_model();
    let mut bundle = read_bundle(&s.sig);
    let mut statement = payload_of(&bundle);
    statement["predicate"]["resources"][0]["digest"] = "00".repeat(32).into();
    fix_root(&mut statement);
    bundle.dsse_envelope.payload = STANDARD.encode(serde_json::to_vec(&statement).unwrap());
    fs::write(&s.sig, bundle.to_json()).unwrap();
    verify(&s)
        .code(1)
        .stderr(contains("does not match the payload"));
}

#[test]
fn payload_whitespace_changed_after_signing() {
    // Verifying the exact bytes: a semantically equal re-serialisation is still an edit.
    let s = signed_model();
    let mut bundle = read_bundle(&s.sig);
    let mut payload = bundle.dsse_envelope.payload_bytes().unwrap();
    payload.push(b' ');
    bundle.dsse_envelope.payload = STANDARD.encode(payload);
    fs::write(&s.sig, bundle.to_json()).unwrap();
    verify(&s).code(1);
}

#[test]
fn signature_json_truncated() {
    let s = signed_model();
    let text = fs::read(&s.sig).unwrap();
    fs::write(&s.sig, &text[..text.len() / 2]).unwrap();
    verify(&s).code(4).stderr(contains("malformed signature"));
}

#[test]
fn signature_is_not_json_at_all() {
    let s = signed_model();
    fs::write(&s.sig, b"\x00\xff\xfe garbage").unwrap();
    verify(&s).code(4).stderr(contains("malformed signature"));
}

#[test]
fn wrong_predicate_type() {
    let s = signed_model();
    resign(&s, |st| {
        st["predicateType"] = "https://slsa.dev/provenance/v1".into();
    });
    verify(&s).code(4).stderr(contains("predicate type"));
}

#[test]
fn resource_escaping_the_root() {
    let s = signed_model();
    resign(&s, |st| {
        st["predicate"]["resources"][0]["name"] = "../../etc/passwd".into();
        fix_root(st);
    });
    verify(&s)
        .code(4)
        .stderr(contains("../../etc/passwd"))
        .stderr(contains("'..'"));
}

#[test]
fn absolute_resource_name() {
    let s = signed_model();
    resign(&s, |st| {
        st["predicate"]["resources"][0]["name"] = "/etc/passwd".into();
        fix_root(st);
    });
    verify(&s).code(4).stderr(contains("absolute path"));
}

#[test]
fn root_digest_inconsistent_with_resources() {
    let s = signed_model();
    resign(&s, |st| {
        st["predicate"]["resources"][0]["digest"] = "11".repeat(32).into();
    });
    verify(&s).code(1).stderr(contains("inconsistent"));
}

#[test]
fn signature_over_an_empty_model() {
    let s = signed_model();
    resign(&s, |st| {
        st["predicate"]["resources"] = serde_json::json!([]);
        fix_root(st);
    });
    verify(&s).code(4).stderr(contains("covers no files"));
}

#[test]
fn empty_directory_is_not_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keypair(dir.path(), "key", "ecdsa-p256");
    let empty = dir.path().join("empty-model");
    fs::create_dir_all(empty.join(".git")).unwrap();
    fs::write(empty.join(".git/HEAD"), b"x").unwrap();
    sign_cmd(&empty, &key)
        .assert()
        .code(4)
        .stderr(contains("no files"));
    modelseal()
        .arg("digest")
        .arg(&empty)
        .assert()
        .code(4)
        .stderr(contains("no files"));
    assert!(!dir.path().join("empty-model.sig").exists());
    // Only empty files: in shards mode that is no resource at all, so nothing to sign.
    fs::write(empty.join("zero.bin"), b"").unwrap();
    sign_cmd(&empty, &key)
        .args(["--shard-size", "1024"])
        .assert()
        .code(4);
    assert!(!dir.path().join("empty-model.sig").exists());
    sign_cmd(&empty, &key).assert().success();
}

#[cfg(unix)]
#[test]
fn symlinks_refused_then_confined() {
    use std::os::unix::fs::symlink;
    let s = signed_model();
    fs::write(s.dir.path().join("secret"), b"outside").unwrap();
    symlink("../secret", s.model.join("escape")).unwrap();
    // Signing: refused without the flag, and refused with it because the link leaves the root.
    sign_cmd(&s.model, &s.key)
        .assert()
        .code(4)
        .stderr(contains("symbolic link"));
    sign_cmd(&s.model, &s.key)
        .arg("--allow-symlinks")
        .assert()
        .code(4)
        .stderr(contains("leaves the model root"));
    // Verifying: a link planted after signing is tampering.
    verify(&s).code(1).stderr(contains("symbolic link"));
    // A link that stays inside is accepted when allowed, and verifies.
    fs::remove_file(s.model.join("escape")).unwrap();
    symlink("weights.bin", s.model.join("alias.bin")).unwrap();
    sign_cmd(&s.model, &s.key)
        .arg("--allow-symlinks")
        .assert()
        .success();
    verify(&s).success();
}

#[test]
fn directory_signature_does_not_verify_a_single_file() {
    let s = signed_model();
    verify_cmd(s.model.join("weights.bin"), &s.public)
        .arg("--signature")
        .arg(&s.sig)
        .assert()
        .code(1)
        .stdout(contains("missing config.json"));
}

// Regressions from review.

#[test]
fn a_relative_signature_path_outside_the_model_never_hides_a_model_file() {
    let s = signed_model();
    let sigs = s.dir.path().join("sigs");
    fs::create_dir(&sigs).unwrap();
    // Signing from another directory to a signature named like a model file.
    modelseal()
        .current_dir(&sigs)
        .arg("sign")
        .arg(&s.model)
        .arg("--key")
        .arg(&s.key)
        .args(["--signature", "config.json"])
        .assert()
        .success();
    fs::write(s.model.join("config.json"), b"TAMPERED").unwrap();
    verify_cmd(&s.model, &s.public)
        .arg("--signature")
        .arg(sigs.join("config.json"))
        .assert()
        .code(1)
        .stdout(contains("changed config.json"));
}

#[test]
fn a_file_planted_under_the_default_signature_name_is_extra() {
    let s = signed_model();
    let payload = payload_of(&read_bundle(&s.sig));
    assert!(
        !payload["predicate"]["serialization"]["ignore_paths"]
            .to_string()
            .contains("model.sig")
    );
    fs::write(s.model.join("model.sig"), b"import os").unwrap();
    verify(&s).code(1).stdout(contains("extra   model.sig"));
}

#[cfg(unix)]
#[test]
fn a_fifo_planted_in_the_model_is_tampering_not_a_hang() {
    let s = signed_model();
    fs::remove_file(s.model.join("sub.txt")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(s.model.join("sub.txt"))
        .status()
        .unwrap();
    assert!(status.success());
    verify(&s)
        .code(1)
        .stderr(contains("neither a regular file"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_non_utf8_name_planted_in_the_model_is_tampering() {
    use std::os::unix::ffi::OsStrExt;
    let s = signed_model();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff");
    fs::write(s.model.join(name), b"x").unwrap();
    verify(&s).code(1).stderr(contains("not valid UTF-8"));
}

#[cfg(unix)]
#[test]
fn a_dangling_link_planted_in_an_allow_symlinks_model_is_tampering() {
    use std::os::unix::fs::symlink;
    let s = signed_model();
    symlink("weights.bin", s.model.join("alias.bin")).unwrap();
    sign_cmd(&s.model, &s.key)
        .arg("--allow-symlinks")
        .assert()
        .success();
    symlink("nowhere", s.model.join("dangling")).unwrap();
    verify(&s)
        .code(1)
        .stderr(contains("symbolic link to nothing"));
    sign_cmd(&s.model, &s.key)
        .arg("--allow-symlinks")
        .assert()
        .code(4)
        .stderr(contains("symbolic link to nothing"));
}

#[cfg(unix)]
#[test]
fn hostile_file_names_cannot_forge_report_lines() {
    let s = signed_model();
    fs::write(
        s.model.join("evil\n  root digest sha256:0000 \u{1b}[2J"),
        b"x",
    )
    .unwrap();
    let out = verify(&s).code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("  root digest"))
            .count(),
        1,
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn backslashes_are_ordinary_characters_in_posix_names() {
    let s = signed_model();
    fs::write(s.model.join("back\\slash.txt"), b"x").unwrap();
    sign_cmd(&s.model, &s.key).assert().success();
    verify(&s).success();
}

#[test]
fn devices_and_oversized_files_are_not_keys() {
    let s = signed_model();
    modelseal()
        .arg("verify")
        .arg(&s.model)
        .args(["--key", "/dev/zero"])
        .assert()
        .code(4)
        .stderr(contains("not a regular file"));
    modelseal()
        .arg("sign")
        .arg(&s.model)
        .args(["--key", "/dev/zero"])
        .assert()
        .code(4);
    let big = s.dir.path().join("big.pem");
    fs::write(&big, vec![b'A'; 2 * 1024 * 1024]).unwrap();
    modelseal()
        .arg("verify")
        .arg(&s.model)
        .arg("--certificate-chain")
        .arg(&big)
        .arg("--insecure-ignore-identity")
        .assert()
        .code(4)
        .stderr(contains("larger than"));
}
