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

/// Red team F11 (M30) and F9: a GGUF is read only as far as its header, grown from the sniffed
/// 64 KiB up to the bound the SBOM shares, so a header past 64 KiB (a vocabulary, a long
/// description) still parses and a template in it is still judged.
#[test]
fn a_gguf_header_longer_than_the_sniffed_prefix_is_read_whole() {
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    };
    let mut g = b"GGUF".to_vec();
    g.extend(3u32.to_le_bytes());
    g.extend(1u64.to_le_bytes());
    g.extend(2u64.to_le_bytes());
    string(&mut g, "tokenizer.ggml.tokens");
    g.extend(9u32.to_le_bytes());
    g.extend(8u32.to_le_bytes());
    g.extend(50_000u64.to_le_bytes());
    for i in 0..50_000 {
        string(&mut g, &format!("token{i}"));
    }
    string(&mut g, "general.description");
    g.extend(8u32.to_le_bytes());
    string(&mut g, &"d".repeat(1 << 20));
    string(&mut g, "w");
    g.extend(1u32.to_le_bytes());
    g.extend(4u64.to_le_bytes());
    g.extend(0u32.to_le_bytes());
    g.extend(0u64.to_le_bytes());
    while !g.len().is_multiple_of(32) {
        g.push(0);
    }
    g.extend([0u8; 16]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-header.gguf");
    std::fs::write(&path, &g).unwrap();
    let report = modelseal_scan::scan_file(&path, &ScanOptions::default());
    assert_eq!(report.error, None);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
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
