//! Issue 11, what `verify` hashes and accepts and what `check` then scans: links into ignored
//! paths, a link to a malicious pickle under `.git`, and unbounded hashing of sparse files.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use predicates::prelude::PredicateBooleanExt as _;
use predicates::str::contains;

use crate::{keypair, modelseal, sign, verify_cmd};

const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'id'\ntR.";

struct Signed {
    dir: tempfile::TempDir,
    model: PathBuf,
    public: PathBuf,
}

/// `m/` built by `build`, signed beside it (`m.sig`) with `flags`.
fn signed(flags: &[&str], build: impl FnOnce(&Path)) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = dir.path().join("m");
    fs::create_dir(&model).unwrap();
    build(&model);
    sign(&model, &key, flags);
    Signed { dir, model, public }
}

fn check(s: &Signed) -> assert_cmd::Command {
    let mut cmd = modelseal();
    cmd.current_dir(s.dir.path())
        .args(["check", "--strict", "m", "--key"])
        .arg(&s.public);
    cmd
}

/// Item 1: `m/custom_code -> .git/custom`, planted after a `--allow-symlinks` signature, put
/// an unhashed, unscanned pickle under an innocent name; verify and check both passed.
#[cfg(unix)]
#[test]
fn a_directory_link_into_git_planted_after_signing_fails_verify_and_check() {
    let s = signed(&["--allow-symlinks"], |m| {
        fs::write(m.join("config.json"), b"{}").unwrap();
    });
    fs::create_dir_all(s.model.join(".git/custom")).unwrap();
    fs::write(s.model.join(".git/custom/pytorch_model.bin"), EVIL_PICKLE).unwrap();
    std::os::unix::fs::symlink(".git/custom", s.model.join("custom_code")).unwrap();
    verify_cmd(&s.model, &s.public)
        .assert()
        .code(1)
        .stderr(contains("custom_code is a symbolic link to .git/custom"));
    check(&s).assert().code(1);
    // Signing such a tree is refused too: the link would expose unhashed files.
    modelseal()
        .current_dir(s.dir.path())
        .args([
            "sign",
            "m",
            "--key",
            "k",
            "--allow-symlinks",
            "--signature",
            "again.sig",
        ])
        .assert()
        .code(4)
        .stderr(contains("which is (or holds) a path left out of the hash"));
}

/// Item 2: a signed model whose `pytorch_model.bin` is a link to a malicious pickle at
/// `.git/objects.pack`; the scan skipped links and `.git`, so only config.json was scanned and
/// `check --strict` passed. The gate now scans what verify hashed, under the hashed name.
#[cfg(unix)]
#[test]
fn a_signed_link_to_a_pickle_under_git_is_scanned_under_its_signed_name() {
    let s = signed(&["--allow-symlinks"], |m| {
        fs::create_dir(m.join(".git")).unwrap();
        fs::write(m.join(".git/objects.pack"), EVIL_PICKLE).unwrap();
        fs::write(m.join("config.json"), b"{}").unwrap();
        std::os::unix::fs::symlink(".git/objects.pack", m.join("pytorch_model.bin")).unwrap();
    });
    verify_cmd(&s.model, &s.public).assert().success();
    let out = check(&s)
        .args(["--format", "json"])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let model = &report["models"][0];
    assert_eq!(model["files_scanned"], 2, "{report}");
    assert_eq!(
        model["findings"][0]["file"], "m/pytorch_model.bin",
        "{report}"
    );
    assert_eq!(
        model["findings"][0]["rule_id"], "PICKLE-DANGEROUS-GLOBAL",
        "{report}"
    );
    check(&s)
        .assert()
        .code(2)
        .stdout(contains("m/pytorch_model.bin"))
        .stdout(contains("objects.pack").not());
}

fn sparse(path: &Path, len: u64) {
    let _ = fs::remove_file(path);
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// Item 7: a 1-byte file swapped for a 64 GiB sparse file kept the gate hashing for minutes.
/// Under a shard signature the sizes differ and both commands fail at once.
#[test]
fn a_one_byte_file_swapped_for_a_huge_sparse_file_fails_at_once() {
    let s = signed(&["--shard-size", "1048576"], |m| {
        fs::write(m.join("w.bin"), b"x").unwrap();
    });
    sparse(&s.model.join("w.bin"), 64 << 30);
    let started = Instant::now();
    verify_cmd(&s.model, &s.public)
        .assert()
        .code(1)
        .stdout(contains("changed w.bin:0:1"));
    check(&s).assert().code(1);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Item 7: a files signature records no sizes; `--max-bytes` bounds verify and check.
#[test]
fn max_bytes_bounds_a_files_signature() {
    let s = signed(&[], |m| {
        fs::write(m.join("w.bin"), b"x").unwrap();
    });
    verify_cmd(&s.model, &s.public)
        .args(["--max-bytes", "1"])
        .assert()
        .success();
    sparse(&s.model.join("w.bin"), 64 << 30);
    let started = Instant::now();
    verify_cmd(&s.model, &s.public)
        .args(["--max-bytes", "1073741824"])
        .assert()
        .code(1)
        .stderr(contains(
            "more than the 1073741824 bytes allowed to hash (--max-bytes)",
        ));
    check(&s)
        .args(["--max-bytes", "1073741824"])
        .assert()
        .code(1)
        .stdout(contains("--max-bytes"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
