//! Walking what a user points `scan` and `check` at (issue 11, items 3 and 13): links are read
//! through as a loader reads them, a FIFO or device is not a regular file, and nothing under a
//! tree of models is passed over.

use std::fs;
use std::path::Path;

use crate::{keypair, modelseal};

const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'id'\ntR.";

/// A Hugging Face cache repository as `huggingface_hub` lays it out: every file of a snapshot
/// is a link into `../../blobs/<sha256>`.
#[cfg(unix)]
fn hf_snapshot(root: &Path) -> std::path::PathBuf {
    let repo = root.join("models--attacker--tiny-bert");
    let revision = "0123456789abcdef0123456789abcdef01234567";
    let snapshot = repo.join("snapshots").join(revision);
    fs::create_dir_all(&snapshot).unwrap();
    fs::create_dir_all(repo.join("blobs")).unwrap();
    fs::create_dir_all(repo.join("refs")).unwrap();
    fs::write(repo.join("refs/main"), revision).unwrap();
    let blob = "5f1b3c0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a19080";
    fs::write(repo.join("blobs").join(blob), EVIL_PICKLE).unwrap();
    std::os::unix::fs::symlink(
        format!("../../blobs/{blob}"),
        snapshot.join("pytorch_model.bin"),
    )
    .unwrap();
    snapshot
}

/// `scan snapshots/<rev>` said "0 files scanned: no findings", exit 0.
#[cfg(unix)]
#[test]
fn scan_reads_a_hugging_face_snapshot_through_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = hf_snapshot(dir.path());
    let out = modelseal().arg("scan").arg(&snapshot).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("pytorch_model.bin (pickle)"), "{stdout}");
    assert!(stdout.contains("1 files scanned: 1 critical"), "{stdout}");
}

/// A link to a directory outside the tree (`root -> /`) would have the scan read the whole
/// machine: it is refused at once (exit 4) and named, never followed and never silently
/// skipped. A link into a skipped directory (`custom_code -> .git/custom`) is read through.
#[cfg(unix)]
#[test]
fn scan_reads_links_into_git_but_refuses_links_out_of_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    fs::create_dir_all(model.join(".git/custom")).unwrap();
    fs::write(model.join(".git/custom/pytorch_model.bin"), EVIL_PICKLE).unwrap();
    std::os::unix::fs::symlink(".git/custom", model.join("custom_code")).unwrap();
    let out = modelseal().arg("scan").arg(&model).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("custom_code/pytorch_model.bin"), "{stdout}");

    std::os::unix::fs::symlink("/", model.join("root")).unwrap();
    let out = modelseal()
        .arg("scan")
        .arg(&model)
        .timeout(std::time::Duration::from_mins(1))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("root") && stderr.contains("leaves"),
        "{stderr}"
    );
}

/// A FIFO or a device given to `scan` is not a regular file (exit 4), never "0 files
/// scanned" and never a hang (already held after issue 10).
#[cfg(unix)]
#[test]
fn scan_of_a_fifo_or_device_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("model.pkl");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let link = dir.path().join("link.pkl");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    for path in [fifo.as_path(), Path::new("/dev/zero"), link.as_path()] {
        let out = modelseal().arg("scan").arg(path).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{path:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("0 files scanned"));
    }
}

/// S-1 (red team 3): a FIFO inside a scanned directory made `scan` say "0 files scanned",
/// exit 0, and unsigned `check` pass, while `pickle.load` reads it: exit 4 for both.
#[cfg(unix)]
#[test]
fn a_fifo_inside_a_scanned_directory_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    fs::create_dir_all(&model).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(model.join("model.pkl"))
            .status()
            .unwrap()
            .success()
    );
    let (_key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    for command in ["scan", "check"] {
        let mut cmd = modelseal();
        cmd.arg(command).arg(&model);
        if command == "check" {
            // Unsigned would fail first (exit 1): the FIFO is what this test is about.
            cmd.arg("--key").arg(&public).arg("--allow-unsigned");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{command}: {out:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("not a regular file"), "{command}: {all}");
        assert!(!all.contains("0 files scanned"), "{command}: {all}");
    }
}

/// `models/weights.sig/evil.pkl` and `models/.cache/evil.pkl` were never checked while
/// `check --strict --models-root models` passed: now each is a model of its own, scanned,
/// and unsigned under `--strict`.
#[cfg(unix)]
#[test]
fn check_passes_over_nothing_under_the_models_root() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    fs::create_dir_all(models.join("bert")).unwrap();
    fs::write(models.join("bert/config.json"), b"{}").unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    crate::sign(&models.join("bert"), &key, &[]);
    let strict = || {
        let out = modelseal()
            .arg("check")
            .arg("--models-root")
            .arg(&models)
            .arg("--key")
            .arg(&public)
            .args(["--strict", "--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), report)
    };
    assert_eq!(strict().0, Some(0), "a signed model alone passes");

    fs::create_dir_all(models.join(".cache")).unwrap();
    fs::write(models.join(".cache/evil.pkl"), EVIL_PICKLE).unwrap();
    let (code, report) = strict();
    assert_eq!(code, Some(1), "{report}");
    let hidden = &report["models"][0];
    assert!(
        Path::new(hidden["model"].as_str().unwrap()).ends_with(".cache"),
        "{report}"
    );
    assert_eq!(hidden["findings"].as_array().unwrap().len(), 1, "{report}");
    fs::remove_dir_all(models.join(".cache")).unwrap();

    fs::create_dir_all(models.join("bert.sig.d")).unwrap();
    fs::rename(models.join("bert.sig.d"), models.join("weights.sig")).unwrap();
    fs::write(models.join("weights"), b"weights").unwrap();
    fs::write(models.join("weights.sig/evil.pkl"), EVIL_PICKLE).unwrap();
    let (code, report) = strict();
    assert_ne!(code, Some(0), "{report}");
    let scanned: Vec<&str> = report["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !m["findings"].as_array().unwrap().is_empty())
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(scanned.len(), 1, "{report}");
    assert!(Path::new(scanned[0]).ends_with("weights.sig"), "{report}");
}
