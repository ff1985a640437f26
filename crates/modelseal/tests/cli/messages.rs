//! What a user sees: stdout, stderr and the exit code of the messages that matter most,
//! pinned as `insta` snapshots (`cargo insta review` after an intended change). Temporary
//! paths are replaced by `[TMP]` and the workspace by `[WS]`.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Runs `modelseal` with `args` in `dir` and renders everything it did as one text.
pub fn transcript(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = fs::canonicalize(workspace).unwrap();
    let tmp = fs::canonicalize(dir).unwrap();
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    text.replace(&tmp.display().to_string(), "[TMP]")
        .replace(&dir.display().to_string(), "[TMP]")
        .replace(&workspace.display().to_string(), "[WS]")
}

fn examples() -> std::path::PathBuf {
    fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")).unwrap()
}

/// The shipped example, verified, then tampered with: the quick start's two verdicts.
#[test]
fn verify_messages() {
    let dir = tempfile::tempdir().unwrap();
    let ex = examples();
    let key = ex.join("keys/example-ecdsa-p256.pub");
    let copy = dir.path().join("model");
    fs::create_dir(&copy).unwrap();
    for entry in fs::read_dir(ex.join("model")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    fs::copy(ex.join("model.sig"), dir.path().join("model.sig")).unwrap();
    let key = key.to_str().unwrap();
    insta::assert_snapshot!(
        "verify_ok",
        transcript(dir.path(), &["verify", "model", "--key", key])
    );
    let weights = copy.join("model.safetensors");
    let mut bytes = fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&weights, bytes).unwrap();
    fs::write(copy.join("helper.py"), "import os; os.system('id')\n").unwrap();
    insta::assert_snapshot!(
        "verify_tampered",
        transcript(dir.path(), &["verify", "model", "--key", key])
    );
    insta::assert_snapshot!(
        "verify_missing_model",
        transcript(dir.path(), &["verify", "gone", "--key", key])
    );
    insta::assert_snapshot!(
        "verify_wrong_key_file",
        transcript(
            dir.path(),
            &["verify", "model", "--key", "model/config.json"]
        )
    );
}

/// A pickle that runs a shell command, and the gate refusing an unsigned model.
#[test]
fn scan_and_check_messages() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("evil.pkl"), b"cos\nsystem\n(S'id'\ntR.").unwrap();
    insta::assert_snapshot!("scan_threat", transcript(dir.path(), &["scan", "evil.pkl"]));
    let key = examples().join("keys/example-ecdsa-p256.pub");
    insta::assert_snapshot!(
        "check_unsigned_strict",
        transcript(
            dir.path(),
            &[
                "check",
                "evil.pkl",
                "--key",
                key.to_str().unwrap(),
                "--strict"
            ]
        )
    );
}

/// Usage errors and inputs that are not what they should be.
#[test]
fn usage_and_input_messages() {
    let dir = tempfile::tempdir().unwrap();
    insta::assert_snapshot!("usage_error", transcript(dir.path(), &["verify"]));
    fs::write(dir.path().join("not-an-sbom.json"), b"{\"hello\": 1}").unwrap();
    insta::assert_snapshot!(
        "sbom_validate_not_an_sbom",
        transcript(dir.path(), &["sbom", "validate", "not-an-sbom.json"])
    );
    insta::assert_snapshot!(
        "key_from_a_device",
        transcript(dir.path(), &["verify", ".", "--key", "/dev/zero"])
    );
}
