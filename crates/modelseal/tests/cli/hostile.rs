//! Regressions from an outside attack on the file layer, the gate and the output contract
//! (issue 10's red team): each test reproduces one finding as the attacker reported it.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{keypair, make_model, modelseal};

const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'id'\ntR.";

fn run(dir: &Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// File names are bytes: a name that is not UTF-8 is reported (lossily), never a panic, and
/// the gate still quarantines the model (finding 1).
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_reported_not_a_crash() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join(std::ffi::OsStr::from_bytes(b"m\xff"));
    fs::create_dir(&model).unwrap();
    fs::write(
        model.join(std::ffi::OsStr::from_bytes(b"e\xfe.pkl")),
        EVIL_PICKLE,
    )
    .unwrap();
    let (_, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let scan = run(
        dir.path(),
        &[
            "scan".as_ref(),
            model.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ],
    );
    assert_eq!(scan.status.code(), Some(2), "{scan:?}");
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    // The byte is spelled out (`\xfe`), not merged into U+FFFD (issue 11, item 6).
    assert!(
        report["files"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("m\\xff/e\\xfe.pkl")
    );
    let check = run(
        dir.path(),
        &[
            "check".as_ref(),
            model.as_os_str(),
            "--key".as_ref(),
            public.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            "--allow-unsigned".as_ref(),
            "--quarantine".as_ref(),
            "q".as_ref(),
        ],
    );
    assert_eq!(check.status.code(), Some(2), "{check:?}");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(report["models"][0]["quarantined"].is_string(), "{report}");
    assert!(!model.exists(), "the model went to quarantine");
}

/// Outputs never replace a device, a FIFO or a directory (finding 2), and a public key that
/// cannot be written never costs the private key `--force` was replacing (finding 19).
#[cfg(unix)]
#[test]
fn outputs_never_replace_devices_or_lose_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&fifo)
        .assert()
        .code(74);
    modelseal()
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .arg("--signature")
        .arg(&fifo)
        .assert()
        .code(74);
    assert!(
        fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
    let old = fs::read(&key).unwrap();
    fs::remove_file(dir.path().join("k.pub")).unwrap();
    fs::create_dir(dir.path().join("k.pub")).unwrap();
    modelseal()
        .args(["key", "generate", "--no-passphrase", "--force", "--out"])
        .arg(&key)
        .assert()
        .code(74);
    assert_eq!(
        fs::read(&key).unwrap(),
        old,
        "the old private key is intact"
    );
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

/// An output that has nowhere to go is exit 74, like one the disk refuses; `--help` to a full
/// disk too (finding 3).
#[cfg(target_os = "linux")]
#[test]
fn outputs_that_are_not_written_exit_74() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(dir.path().join("no/such/dir/bom.json"))
        .assert()
        .code(74);
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let help = Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .arg("--help")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(74));
}

/// A refused output (a device or directory at the path) was not written either: exit 74,
/// never "input malformed" (issue 10's second red team, F13).
#[cfg(target_os = "linux")]
#[test]
fn refused_outputs_exit_74_not_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    for target in [Path::new("/dev/full"), dir.path()] {
        modelseal()
            .args(["sbom", "create", "--model"])
            .arg(&model)
            .arg("-o")
            .arg(target)
            .assert()
            .code(74);
    }
}

/// A verdict whose report never reached stdout is exit 74, not the verdict's own code, which
/// a pipeline would read as "the report says so" (F14: `sbom diff > /dev/full` exited 1).
#[cfg(target_os = "linux")]
#[test]
fn an_undelivered_verdict_is_exit_74() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&old)
        .assert()
        .success();
    fs::write(model.join("extra.bin"), b"changed").unwrap();
    modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&new)
        .assert()
        .success();
    let diff = |stdout: Stdio| {
        Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
            .args(["sbom", "diff"])
            .arg(&old)
            .arg(&new)
            .stdout(stdout)
            .output()
            .unwrap()
    };
    assert_eq!(diff(Stdio::null()).status.code(), Some(1), "they differ");
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = diff(Stdio::from(full));
    assert_eq!(out.status.code(), Some(74), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("verdict was exit 1"));
}

/// Links inside a tree of models are never searched as trees: seven `l -> .` links used to
/// make discovery take 8^16 steps (finding 5). A model named twice is checked once.
#[cfg(unix)]
#[test]
fn discovery_does_not_follow_links_inside_a_tree() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb");
    fs::create_dir(&bomb).unwrap();
    for i in 0..7 {
        std::os::unix::fs::symlink(".", bomb.join(format!("l{i}"))).unwrap();
    }
    fs::write(bomb.join("w.bin"), b"x").unwrap();
    fs::write(bomb.join("w.bin.sig"), b"{}").unwrap();
    let (_, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .arg("check")
        .arg(&bomb)
        .arg("--key")
        .arg(&public)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_mins(1) {
            child.kill().unwrap();
            panic!("discovery is still following links after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.code().is_some());
    let evil = dir.path().join("e.pkl");
    fs::write(&evil, EVIL_PICKLE).unwrap();
    let out = modelseal()
        .arg("check")
        .arg(&evil)
        .arg(&evil)
        .arg("--key")
        .arg(&public)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["models"], 1);
}

/// Anything at a model's signature path is its signature: a FIFO there is a malformed
/// signature (exit 4), never an unsigned model that passes (finding 20).
#[cfg(unix)]
#[test]
fn a_fifo_beside_a_model_is_a_bad_signature_not_no_signature() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    assert!(
        Command::new("mkfifo")
            .arg(dir.path().join("model.sig"))
            .status()
            .unwrap()
            .success()
    );
    let (_, public) = keypair(dir.path(), "k", "ecdsa-p256");
    modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .assert()
        .code(4);
}

/// A file name inside a model cannot forge a report line (finding 7).
#[cfg(unix)]
#[test]
fn names_cannot_forge_lines_of_the_check_report() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    crate::sign(&model, &key, &[]);
    fs::write(
        model.join("x\n\u{1b}[32m✓ bert: signed by a friend\u{1b}[0m"),
        b"",
    )
    .unwrap();
    let out = modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.lines().any(|l| l.contains('\u{1b}')), "{stdout}");
    assert!(
        !stdout
            .lines()
            .any(|l| l.starts_with("\u{1b}[32m✓") || l.starts_with("✓ bert")),
        "{stdout}"
    );
}
