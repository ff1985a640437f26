//! Scanning through symbolic links (issue 11, item 3): every Hugging Face cache snapshot is a
//! directory of links into `../../blobs`, and a scan that skipped links reported "0 files
//! scanned: no findings" for all of them.

#![allow(clippy::unwrap_used)] // test helpers

use std::path::{Path, PathBuf};

use modelseal_scan::{ScanOptions, scan_paths};

const EVIL: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";
const REVISION: &str = "0123456789abcdef0123456789abcdef01234567";
const OLD_REVISION: &str = "89abcdef0123456789abcdef0123456789abcdef";

/// A repository in a Hugging Face hub cache, in the exact layout `huggingface_hub` makes:
/// `models--org--name/{blobs/<sha256>, refs/main, snapshots/<commit>/<file> ->
/// ../../blobs/<sha256>}` (nested files link with one more `../`). Two revisions share the
/// malicious blob, as unchanged files do.
#[cfg(unix)]
fn hf_cache(root: &Path) -> PathBuf {
    use std::os::unix::fs::symlink;
    let repo = root.join("hub/models--attacker--tiny-bert");
    let evil_blob = "5f1b3c0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a19080";
    let config_blob = "a3f1e2d4c5b6a7980f1e2d3c4b5a6978e1f2d3c4b5a69788f1e2d3c4b5a69788";
    std::fs::create_dir_all(repo.join("blobs")).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), REVISION).unwrap();
    std::fs::write(repo.join("blobs").join(evil_blob), EVIL).unwrap();
    std::fs::write(
        repo.join("blobs").join(config_blob),
        br#"{"model_type": "bert"}"#,
    )
    .unwrap();
    for revision in [REVISION, OLD_REVISION] {
        let snapshot = repo.join("snapshots").join(revision);
        std::fs::create_dir_all(snapshot.join("onnx")).unwrap();
        symlink(
            format!("../../blobs/{evil_blob}"),
            snapshot.join("pytorch_model.bin"),
        )
        .unwrap();
        symlink(
            format!("../../blobs/{config_blob}"),
            snapshot.join("config.json"),
        )
        .unwrap();
        symlink(
            format!("../../../blobs/{evil_blob}"),
            snapshot.join("onnx/training_state.pkl"),
        )
        .unwrap();
    }
    repo
}

#[cfg(unix)]
#[test]
fn a_hugging_face_snapshot_is_scanned_through_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let repo = hf_cache(dir.path());
    let snapshot = repo.join("snapshots").join(REVISION);
    let report = scan_paths(std::slice::from_ref(&snapshot), &ScanOptions::default()).unwrap();
    let names: Vec<_> = report.files.iter().map(|f| f.path.clone()).collect();
    // The blob behind two links is scanned once, under a link's name; the other is an alias.
    assert_eq!(
        names,
        [
            snapshot.join("config.json"),
            snapshot.join("onnx/training_state.pkl")
        ]
    );
    let evil = &report.files[1];
    assert_eq!(evil.aliases, [snapshot.join("pytorch_model.bin")]);
    assert!(!evil.findings.is_empty(), "{report:?}");
    assert!(
        evil.findings.iter().all(|f| f.file == evil.path),
        "the link's name"
    );
    assert!(report.max_severity().is_some());
}

#[cfg(unix)]
#[test]
fn the_whole_cache_scans_each_blob_once_under_a_link_name() {
    let dir = tempfile::tempdir().unwrap();
    let repo = hf_cache(dir.path());
    let report = scan_paths(&[dir.path().join("hub")], &ScanOptions::default()).unwrap();
    // Two blobs and refs/main: three files, each read once, although seven names lead to them.
    assert_eq!(report.files.len(), 3, "{report:#?}");
    let evil: Vec<_> = report
        .files
        .iter()
        .filter(|f| !f.findings.is_empty())
        .collect();
    assert_eq!(evil.len(), 1);
    assert!(
        evil[0].path.starts_with(repo.join("snapshots")),
        "{:?}",
        evil[0].path
    );
    assert_eq!(evil[0].aliases.len(), 4, "the blob and the other links");
}

/// Links that loop, links that lead back up and links to nothing end the walk; they never
/// hang it or fail it.
#[cfg(unix)]
#[test]
fn link_loops_end() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("m");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/w.pkl"), EVIL).unwrap();
    for i in 0..7 {
        symlink(".", root.join(format!("l{i}"))).unwrap();
        symlink("..", root.join(format!("sub/up{i}"))).unwrap();
    }
    symlink("nowhere", root.join("dangling.pkl")).unwrap();
    symlink("self.pkl", root.join("self.pkl")).unwrap();
    let report = scan_paths(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
    let names: Vec<_> = report.files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(names, [root.join("sub/w.pkl")]);
}
