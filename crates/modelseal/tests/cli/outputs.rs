//! Outputs replace only what is a regular file (issue 11, item 5): as root, `sbom create -o
//! /dev/full` replaced the device node with a 30 MB file, and `-o` through a link or onto a
//! FIFO replaced it. A FIFO or character device is written through, a link is followed to the
//! regular file it names, and nothing else is replaced.

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{keypair, make_model, modelseal};

fn is_char_device(path: &Path) -> bool {
    fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_char_device()
}

/// `/dev/full` is written through: the write fails with ENOSPC (exit 74) and the device stays
/// a device; `/dev/null` takes the output and stays a device.
#[cfg(target_os = "linux")]
#[test]
fn sbom_create_to_dev_full_exits_74_and_leaves_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let out = modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .args(["-o", "/dev/full"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(74), "{out:?}");
    assert!(is_char_device(Path::new("/dev/full")));
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    for device in ["/dev/null", "/dev/full"] {
        let signed = modelseal()
            .arg("sign")
            .arg(&model)
            .arg("--key")
            .arg(&key)
            .args(["--signature", device])
            .output()
            .unwrap();
        let expected = if device == "/dev/null" { 0 } else { 74 };
        assert_eq!(signed.status.code(), Some(expected), "{device}: {signed:?}");
        assert!(is_char_device(Path::new(device)));
    }
    modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .args(["-o", "/dev/null"])
        .assert()
        .success();
}

/// A link made as `/dev/stdout` is (`/proc/self/fd/1`), in the test's own directory: a build
/// that replaced links (as the code before issue 11 did, as root) must not replace the real
/// `/dev/stdout` of the machine running the suite.
#[cfg(target_os = "linux")]
fn dev_stdout(dir: &Path) -> std::path::PathBuf {
    let link = dir.join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    link
}

/// The `-o /dev/stdout` habit: the document arrives on stdout (a pipe here), and the link is
/// not replaced by a file.
#[cfg(target_os = "linux")]
#[test]
fn dash_o_dev_stdout_writes_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let stdout_link = dev_stdout(dir.path());
    let out = Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&stdout_link)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let bom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert!(
        fs::symlink_metadata(&stdout_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// `-o /dev/stdout >> log` (or `> out.json`): stdout is a regular file, which the output is
/// appended to through a fresh descriptor. Replacing it unlinked the file the shell opened:
/// the log's earlier lines were gone.
#[cfg(target_os = "linux")]
#[test]
fn dash_o_dev_stdout_appends_to_a_redirected_log() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let log = dir.path().join("log");
    fs::write(&log, "earlier line\n").unwrap();
    let inode = fs::metadata(&log).unwrap().ino();
    let stdout = fs::OpenOptions::new().append(true).open(&log).unwrap();
    let stdout_link = dev_stdout(dir.path());
    let status = Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&stdout_link)
        .stdin(Stdio::null())
        .stdout(stdout)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let text = fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("earlier line\n{"), "{text}");
    assert_eq!(fs::metadata(&log).unwrap().ino(), inode, "the same file");
    let json = text.strip_prefix("earlier line\n").unwrap();
    let bom: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
}

/// A link at an output path is followed to the regular file it names, which is replaced
/// atomically; the link stays a link. A link to nothing is refused, not replaced.
#[cfg(unix)]
#[test]
fn an_output_link_replaces_its_target_never_itself() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    fs::create_dir(dir.path().join("keep")).unwrap();
    let real_sig = dir.path().join("keep/model.sig");
    fs::write(&real_sig, b"old").unwrap();
    let link = dir.path().join("sig-link");
    symlink("keep/model.sig", &link).unwrap();
    modelseal()
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .arg("--signature")
        .arg(&link)
        .assert()
        .success();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read(&real_sig).unwrap().starts_with(b"{"),
        "the target was replaced"
    );

    let bom_link = dir.path().join("bom-link");
    symlink("keep/bom.json", &bom_link).unwrap();
    let refused = modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&bom_link)
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(74),
        "a link to nothing: {refused:?}"
    );
    assert!(
        fs::symlink_metadata(&bom_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    fs::write(dir.path().join("keep/bom.json"), b"old").unwrap();
    modelseal()
        .args(["sbom", "create", "--model"])
        .arg(&model)
        .arg("-o")
        .arg(&bom_link)
        .assert()
        .success();
    assert!(
        fs::symlink_metadata(&bom_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read(dir.path().join("keep/bom.json"))
            .unwrap()
            .starts_with(b"{")
    );

    // Keys too: `--force` through a link replaces the key the link names.
    let key_link = dir.path().join("key-link");
    symlink("k", &key_link).unwrap();
    let old = fs::read(&key).unwrap();
    modelseal()
        .args(["key", "generate", "--no-passphrase", "--force", "--out"])
        .arg(&key_link)
        .assert()
        .success();
    assert!(
        fs::symlink_metadata(&key_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_ne!(fs::read(&key).unwrap(), old, "the linked key was replaced");
}

/// A FIFO with a reader receives the output and stays a FIFO; with no reader the command is
/// refused at once (exit 74, the output was not written), never blocked.
#[cfg(unix)]
#[test]
fn a_fifo_output_is_written_through_to_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let fifo = dir.path().join("sig.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let out = modelseal()
            .arg("sign")
            .arg(&model)
            .arg("--key")
            .arg(&key)
            .arg("--signature")
            .arg(&fifo)
            .output()
            .unwrap();
        match out.status.code() {
            Some(0) => break,
            // The reader thread has not opened the FIFO yet.
            Some(74) if String::from_utf8_lossy(&out.stderr).contains("no reader") => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the reader never came"
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => panic!("{out:?}"),
        }
    }
    let signature = reader.join().unwrap();
    assert!(signature.starts_with(b"{"), "the reader got the signature");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}
