//! Issue 11: what verification hashes and accepts when the model on disk was changed by
//! someone without the key (links into ignored paths, huge sparse files, oversized
//! signatures).
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use modelseal_digest::{DigestError, HashAlgorithm, Serialization};
use modelseal_sign::{
    ErrorKind, KeyAlgorithm, MAX_SIGNATURE_BYTES, SignError, SigningKey, TrustRoot, VerifyOptions,
    sign_model, verify_model,
};

struct Signed {
    _dir: tempfile::TempDir,
    model: PathBuf,
    signature: PathBuf,
    trust: TrustRoot,
}

/// Signs `m/` (built by `build`) with `serialization` and returns where everything is.
fn signed(serialization: &Serialization, build: impl FnOnce(&Path)) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    std::fs::create_dir(&model).unwrap();
    build(&model);
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let signature = dir.path().join("m.sig");
    let bundle = sign_model(&model, serialization, &key).unwrap().bundle;
    std::fs::write(&signature, bundle.to_json()).unwrap();
    Signed {
        _dir: dir,
        model,
        signature,
        trust: TrustRoot::PublicKey(key.public_key().clone()),
    }
}

fn verify(s: &Signed, options: &VerifyOptions) -> Result<modelseal_sign::VerifyReport, SignError> {
    verify_model(&s.model, &s.signature, &s.trust, options)
}

fn with_links() -> Serialization {
    Serialization {
        allow_symlinks: true,
        ..Serialization::files(HashAlgorithm::Sha256)
    }
}

/// Issue 11 item 1: after signing with `--allow-symlinks`, someone adds a malicious pickle
/// under the ignored `.git` and a directory link `custom_code -> .git/custom`.
#[cfg(unix)]
#[test]
fn a_directory_link_into_git_planted_after_signing_fails_verification() {
    let s = signed(&with_links(), |m| {
        std::fs::write(m.join("config.json"), b"{}").unwrap();
    });
    assert!(verify(&s, &VerifyOptions::default()).unwrap().is_ok());
    std::fs::create_dir_all(s.model.join(".git/custom")).unwrap();
    std::fs::write(
        s.model.join(".git/custom/pytorch_model.bin"),
        b"evil pickle",
    )
    .unwrap();
    std::os::unix::fs::symlink(".git/custom", s.model.join("custom_code")).unwrap();
    let err = verify(&s, &VerifyOptions::default()).unwrap_err();
    assert!(
        matches!(
            &err,
            SignError::PlantedContent(DigestError::SymlinkIntoIgnored { target, .. })
                if target == ".git/custom"
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Integrity);
}

/// Issue 11 item 1: a link to a file added after signing is an extra resource.
#[cfg(unix)]
#[test]
fn a_file_link_added_after_signing_is_an_extra_resource() {
    let s = signed(&with_links(), |m| {
        std::fs::write(m.join("config.json"), b"{}").unwrap();
    });
    std::os::unix::fs::symlink("config.json", s.model.join("pytorch_model.bin")).unwrap();
    let report = verify(&s, &VerifyOptions::default()).unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.extra, ["pytorch_model.bin"]);
}

/// Issue 11 item 2: verification hands back every file it hashed, under the name it hashed
/// it, with the real file read through a link.
#[cfg(unix)]
#[test]
fn verification_lists_the_files_it_hashed_by_resource_name_and_real_path() {
    let s = signed(&with_links(), |m| {
        std::fs::create_dir(m.join(".git")).unwrap();
        std::fs::write(m.join(".git/objects.pack"), b"pickle bytes").unwrap();
        std::fs::write(m.join("config.json"), b"{}").unwrap();
        std::os::unix::fs::symlink(".git/objects.pack", m.join("pytorch_model.bin")).unwrap();
    });
    let report = verify(&s, &VerifyOptions::default()).unwrap();
    assert!(report.is_ok());
    let listed: Vec<(&str, PathBuf)> = report
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.path.clone()))
        .collect();
    let real = std::fs::canonicalize(s.model.join(".git/objects.pack")).unwrap();
    assert_eq!(
        listed,
        [
            ("config.json", s.model.join("config.json")),
            ("pytorch_model.bin", real),
        ]
    );
}

/// A sparse file: `len` bytes that take no disk and, hashed, take minutes.
fn sparse(path: &Path, len: u64) {
    let file = std::fs::File::create(path).unwrap();
    file.set_len(len).unwrap();
}

const HUGE: u64 = 64 << 30;

/// Issue 11 item 7: under a shard signature a 1-byte file swapped for a 64 GiB sparse file is
/// a size mismatch found before a byte is hashed.
#[test]
fn a_one_byte_file_swapped_for_a_huge_sparse_file_fails_fast_under_shards() {
    let shards = Serialization::shards(HashAlgorithm::Sha256, 1 << 20).unwrap();
    let s = signed(&shards, |m| {
        std::fs::write(m.join("tokenizer.json"), b"{}").unwrap();
        std::fs::write(m.join("w.bin"), b"x").unwrap();
    });
    std::fs::remove_file(s.model.join("w.bin")).unwrap();
    sparse(&s.model.join("w.bin"), HUGE);
    let started = Instant::now();
    let report = verify(&s, &VerifyOptions::default()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(!report.is_ok());
    assert_eq!(report.changed, ["w.bin:0:1"]);
    assert!(report.missing.is_empty() && report.extra.is_empty());
    assert_eq!(report.bytes_hashed, 2, "only tokenizer.json was hashed");
}

/// Issue 11 item 7: a huge file that the signature does not list is extra by its name; it is
/// never read.
#[test]
fn a_huge_unsigned_file_is_extra_without_being_hashed() {
    let s = signed(&Serialization::files(HashAlgorithm::Sha256), |m| {
        std::fs::write(m.join("w.bin"), b"x").unwrap();
    });
    sparse(&s.model.join("planted.bin"), HUGE);
    let started = Instant::now();
    let report = verify(&s, &VerifyOptions::default()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.extra, ["planted.bin"]);
}

/// V-4 (red team 3): under a 4 KiB-shard signature an unsigned 64 GiB sparse file was 16M
/// extra shard names (2.9 GB of memory, a 580 MB report); a deleted signed file was missing
/// shard by shard. Each is one name now: the file's.
#[test]
fn an_extra_or_missing_file_under_shards_is_one_name_not_one_per_shard() {
    let shards = Serialization::shards(HashAlgorithm::Sha256, 4096).unwrap();
    let s = signed(&shards, |m| {
        std::fs::write(m.join("a.bin"), b"x").unwrap();
        std::fs::write(m.join("gone.bin"), vec![7u8; 3 * 4096]).unwrap();
    });
    sparse(&s.model.join("extra.bin"), HUGE);
    std::fs::remove_file(s.model.join("gone.bin")).unwrap();
    let started = Instant::now();
    let report = verify(&s, &VerifyOptions::default()).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.extra, ["extra.bin"]);
    assert_eq!(report.missing, ["gone.bin"]);
    assert!(report.changed.is_empty());
}

/// Issue 11 item 7: a `files` signature records no sizes; `max_bytes` bounds the hashing and
/// is checked before any byte is read.
#[test]
fn max_bytes_bounds_files_mode_before_hashing() {
    let s = signed(&Serialization::files(HashAlgorithm::Sha256), |m| {
        std::fs::write(m.join("w.bin"), b"x").unwrap();
    });
    std::fs::remove_file(s.model.join("w.bin")).unwrap();
    sparse(&s.model.join("w.bin"), HUGE);
    let options = VerifyOptions {
        max_bytes: Some(1 << 30),
        ..VerifyOptions::default()
    };
    let started = Instant::now();
    let err = verify(&s, &options).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err, SignError::TooMuchToHash { bytes: HUGE, limit, .. } if limit == 1 << 30),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Integrity);
    // Within the bound, verification runs as usual.
    std::fs::write(s.model.join("w.bin"), b"x").unwrap();
    assert!(verify(&s, &options).unwrap().is_ok());
    let tight = VerifyOptions {
        max_bytes: Some(0),
        ..VerifyOptions::default()
    };
    assert!(matches!(
        verify(&s, &tight).unwrap_err(),
        SignError::TooMuchToHash {
            bytes: 1,
            limit: 0,
            ..
        }
    ));
}

/// Issue 11 item 7: an over-limit signature file is refused from its size, not after reading
/// 256 MiB (already held: `read_limited` compares the size it stats first).
#[test]
fn an_oversized_signature_file_is_refused_after_stat() {
    let s = signed(&Serialization::files(HashAlgorithm::Sha256), |m| {
        std::fs::write(m.join("w.bin"), b"x").unwrap();
    });
    sparse(&s.signature, 64 * MAX_SIGNATURE_BYTES);
    let started = Instant::now();
    let err = verify(&s, &VerifyOptions::default()).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
}

/// Issue 11 (low): a signed statement that names a key twice inside a map or the predicate
/// (`"sha256": decoy, "sha256": real`) was read last-wins; another verifier may read the
/// decoy. Refused as malformed. (A repeated top-level field was already refused by the
/// derived reader.)
#[test]
fn a_signed_statement_with_a_duplicate_key_is_refused() {
    use modelseal_sign::dsse::{self, IN_TOTO_PAYLOAD_TYPE};
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("w.bin"), b"x").unwrap();
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let trust = TrustRoot::PublicKey(key.public_key().clone());
    let bundle = sign_model(&model, &Serialization::files(HashAlgorithm::Sha256), &key)
        .unwrap()
        .bundle;
    let payload = String::from_utf8(bundle.dsse_envelope.payload_bytes().unwrap()).unwrap();
    let decoy_digest = format!(r#""digest":{{"sha256":"{}","#, "00".repeat(32));
    let decoy_predicate = r#""predicate":{"serialization":{"method":"decoy"},"#;
    for ambiguous in [
        payload.replacen(r#""digest":{"#, &decoy_digest, 1),
        payload.replacen(r#""predicate":{"#, decoy_predicate, 1),
    ] {
        assert_ne!(ambiguous, payload);
        assert!(serde_json::from_str::<serde_json::Value>(&ambiguous).is_ok());
        let mut bundle = bundle.clone();
        bundle.dsse_envelope =
            dsse::sign(IN_TOTO_PAYLOAD_TYPE, ambiguous.as_bytes(), &key).unwrap();
        let err = modelseal_sign::verify_bundle(&bundle, &trust, Path::new("m.sig")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        assert!(err.to_string().contains("appears twice"), "{err}");
    }
}

/// Issue 11 item 14: verification keeps no size/mtime shortcut or cache, so bytes edited in
/// place after signing, with the size and mtime restored, are caught by the re-hash (already
/// held; the ctime check inside hashing is `engine::tests::an_in_place_edit_with_the_mtime_
/// restored_is_caught_by_the_ctime` in modelseal-digest).
#[cfg(unix)]
#[test]
fn an_in_place_edit_with_the_mtime_restored_fails_verification() {
    let s = signed(&Serialization::files(HashAlgorithm::Sha256), |m| {
        std::fs::write(m.join("w.bin"), b"benign weights").unwrap();
    });
    assert!(verify(&s, &VerifyOptions::default()).unwrap().is_ok());
    let path = s.model.join("w.bin");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::os::unix::fs::FileExt::write_at(&file, b"evil!!", 0).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    let report = verify(&s, &VerifyOptions::default()).unwrap();
    assert_eq!(report.changed, ["w.bin"]);
}
