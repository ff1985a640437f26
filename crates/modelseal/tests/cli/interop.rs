//! Interoperability with the OMS reference implementation, `model_signing` 1.1.1, run for
//! real. `scripts/test.sh` (and so CI) installs it into `.venv` and sets
//! `MODELSEAL_REQUIRE_PEERS=1`, which turns a missing peer into a failure instead of a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{keypair, make_model, sign, verify_cmd};

/// The `model_signing` executable: `$MODELSEAL_MODEL_SIGNING`, the workspace `.venv`, or PATH.
fn model_signing() -> Option<PathBuf> {
    modelseal_test::peer("model_signing", "MODELSEAL_MODEL_SIGNING")
}

fn python_beside(model_signing: &Path) -> PathBuf {
    model_signing.with_file_name("python")
}

fn reference_verifies(ms: &Path, model: &Path, public: &Path, signature: &Path) -> (bool, String) {
    let out = Command::new(ms)
        .args(["verify", "key"])
        .arg(model)
        .arg("--public_key")
        .arg(public)
        .arg("--signature")
        .arg(signature)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn reference_verifies_our_directory_signatures() {
    let Some(ms) = model_signing() else { return };
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    for alg in ["ecdsa-p256", "ecdsa-p384"] {
        let (key, public) = keypair(dir.path(), alg, alg);
        let sig = dir.path().join(format!("{alg}.sig"));
        sign(&model, &key, &["--signature", sig.to_str().unwrap()]);
        let (ok, output) = reference_verifies(&ms, &model, &public, &sig);
        assert!(ok, "{alg}: {output}");
    }
}

#[test]
fn reference_verifies_our_single_file_signature() {
    let Some(ms) = model_signing() else { return };
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    let file = model.join("weights.bin");
    let sig = dir.path().join("weights.sig");
    sign(&file, &key, &["--signature", sig.to_str().unwrap()]);
    let (ok, output) = reference_verifies(&ms, &file, &public, &sig);
    assert!(ok, "{output}");
}

#[test]
fn reference_detects_tampering_in_our_signature() {
    // A sanity check that the reference really compares: after a change it must fail too.
    let Some(ms) = model_signing() else { return };
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    sign(&model, &key, &[]);
    std::fs::write(model.join("sub.txt"), b"changed").unwrap();
    let (ok, _) = reference_verifies(&ms, &model, &public, &dir.path().join("model.sig"));
    assert!(!ok);
}

#[test]
fn we_verify_what_the_reference_signs() {
    let Some(ms) = model_signing() else { return };
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p384");
    let sig = dir.path().join("ref.sig");
    let status = Command::new(&ms)
        .args(["sign", "key"])
        .arg(&model)
        .arg("--private_key")
        .arg(&key)
        .arg("--signature")
        .arg(&sig)
        .status()
        .unwrap();
    assert!(status.success());
    verify_cmd(&model, &public)
        .arg("--signature")
        .arg(&sig)
        .assert()
        .success();
}

/// Shards and BLAKE3 are reachable only through the reference's Python API.
#[test]
fn shards_and_blake3_agree_with_the_reference_api() {
    let Some(ms) = model_signing() else { return };
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    let cases = [
        (
            "shards",
            "use_shard_serialization(shard_size=65536)",
            &["--shard-size", "65536"][..],
        ),
        (
            "blake3",
            "use_file_serialization(hashing_algorithm='blake3')",
            &["--hash", "blake3"][..],
        ),
    ];
    for (name, config, flags) in cases {
        // Ours, verified by the reference.
        let ours = dir.path().join(format!("ours-{name}.sig"));
        let mut args = vec!["--signature", ours.to_str().unwrap()];
        args.extend_from_slice(flags);
        sign(&model, &key, &args);
        let script = format!(
            "import model_signing as ms, sys\n\
             h = ms.hashing.Config().{config}\n\
             ms.verifying.Config().use_elliptic_key_verifier(public_key=sys.argv[1]).set_hashing_config(h).verify(sys.argv[2], sys.argv[3])\n\
             ms.signing.Config().use_elliptic_key_signer(private_key=sys.argv[4]).set_hashing_config(h).sign(sys.argv[2], sys.argv[5])\n"
        );
        let theirs = dir.path().join(format!("theirs-{name}.sig"));
        let out = Command::new(python_beside(&ms))
            .arg("-c")
            .arg(&script)
            .arg(&public)
            .arg(&model)
            .arg(&ours)
            .arg(&key)
            .arg(&theirs)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Theirs, verified by us.
        verify_cmd(&model, &public)
            .arg("--signature")
            .arg(&theirs)
            .assert()
            .success();
    }
}
