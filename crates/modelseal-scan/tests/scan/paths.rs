//! What `scan_paths` lists: regular files, through the shared walker.

#![allow(clippy::unwrap_used)] // test helpers

use std::path::PathBuf;

use modelseal_scan::{ScanError, ScanOptions, scan_paths};

const EVIL: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("model.pkl");
    mkfifo(&fifo);
    let result = scan_paths(&[fifo], &ScanOptions::default());
    assert!(matches!(result, Err(ScanError::Io { .. })), "{result:?}");
    let device = scan_paths(&[PathBuf::from("/dev/zero")], &ScanOptions::default());
    assert!(matches!(device, Err(ScanError::Io { .. })), "{device:?}");
}

#[cfg(unix)]
#[test]
fn a_directory_walk_skips_git_and_reads_through_links() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("model");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/data.pkl"), EVIL).unwrap();
    std::fs::write(root.join(".git/evil.pkl"), EVIL).unwrap();
    std::fs::write(dir.path().join("outside.pkl"), EVIL).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.pkl"), root.join("link.pkl")).unwrap();
    let report = scan_paths(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
    let files: Vec<_> = report.files.iter().map(|f| f.path.clone()).collect();
    // A loader follows the link, so the scan reads through it (issue 11, item 3).
    assert_eq!(files, [root.join("link.pkl"), root.join("sub/data.pkl")]);
    // A link named on the command line is followed.
    let link = root.join("link.pkl");
    let report = scan_paths(&[link.clone(), link], &ScanOptions::default()).unwrap();
    assert_eq!(report.files.len(), 1);
    assert!(report.max_severity().is_some());
    let missing = scan_paths(&[root.join("missing")], &ScanOptions::default());
    assert!(matches!(missing, Err(ScanError::NotFound(_))));
}

/// S-1 (red team 3): a FIFO, or a link to a FIFO or a device, inside a scanned directory was
/// skipped ("0 files scanned") while `pickle.load` and `joblib.load` read it: now the scan
/// fails with "not a regular file".
#[cfg(unix)]
#[test]
fn a_fifo_or_device_inside_a_scanned_directory_is_an_error_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    for (name, target) in [
        ("fifo", None),
        ("fifo-link", Some(fifo.as_path())),
        ("zero-link", Some(std::path::Path::new("/dev/zero"))),
    ] {
        let root = dir.path().join(name);
        std::fs::create_dir_all(&root).unwrap();
        let model = root.join("model.pkl");
        match target {
            None => mkfifo(&model),
            Some(target) => std::os::unix::fs::symlink(target, &model).unwrap(),
        }
        let result = scan_paths(std::slice::from_ref(&root), &ScanOptions::default());
        let Err(ScanError::Io { source, .. }) = result else {
            panic!("{name}: {result:?}");
        };
        assert!(
            source.to_string().contains("not a regular file"),
            "{source}"
        );
    }
}
