//! Root digests must equal what `model_signing` 1.1.1 computed for the same model (the digests
//! below are the subjects of the signatures in tests/fixtures/oms-model-signing-1.1.1).

#![allow(clippy::disallowed_methods)] // tests build fixtures with std::fs
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::fs;
use std::path::{Path, PathBuf};

use modelseal_digest::{DigestError, HashAlgorithm, Serialization, hash_model, walk_model};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/oms-model-signing-1.1.1")
        .join(rel)
}

fn root_hex(path: &Path, serialization: &Serialization) -> String {
    hex::encode(hash_model(path, serialization).unwrap().root_digest())
}

#[test]
fn files_sha256_matches_reference() {
    let manifest = hash_model(
        &fixture("model"),
        &Serialization::files(HashAlgorithm::Sha256),
    )
    .unwrap();
    let names: Vec<_> = manifest
        .resources
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "a.txt",
            "config.json",
            "sub/tokenizer.txt",
            "sub.txt",
            "weights.bin"
        ]
    );
    assert_eq!(
        hex::encode(manifest.root_digest()),
        "df7a8f901cdcb8dc86756dec98d74d9a7561f0acb386ffe2b75b604bc39accc8"
    );
    assert_eq!(manifest.model_name, "model");
}

#[test]
fn shards_sha256_matches_reference() {
    let serialization = Serialization::shards(HashAlgorithm::Sha256, 1_048_576).unwrap();
    let manifest = hash_model(&fixture("model"), &serialization).unwrap();
    assert_eq!(manifest.resources.len(), 7);
    assert_eq!(
        manifest.resources[6].name.to_string(),
        "weights.bin:2097152:3000000"
    );
    assert_eq!(manifest.resources[6].algorithm, "sha256-sharded-1048576");
    assert_eq!(
        hex::encode(manifest.root_digest()),
        "91883548e086c4560ed691bb011fbe09640c37b3486b0a6cfb3d3bf8a8f322bb"
    );
}

#[test]
fn files_blake3_matches_reference() {
    assert_eq!(
        root_hex(
            &fixture("model"),
            &Serialization::files(HashAlgorithm::Blake3)
        ),
        "858e25a750a7121264f5315d2d8474499bbddd9b802cc26e4fa9abea325ffa65"
    );
}

#[test]
fn single_file_model_is_named_dot() {
    let manifest = hash_model(
        &fixture("model/weights.bin"),
        &Serialization::files(HashAlgorithm::Sha256),
    )
    .unwrap();
    assert_eq!(manifest.resources.len(), 1);
    assert_eq!(manifest.resources[0].name.to_string(), ".");
    assert_eq!(manifest.model_name, "weights.bin");
    assert_eq!(
        hex::encode(manifest.root_digest()),
        "e2840d7bbb1cc33ecaf34c0c6cf1589a4f9ce3f8a33c80ca764dfb8602bb976b"
    );
}

#[test]
fn default_ignores_skip_git_metadata_at_the_root_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join(".git/objects")).unwrap();
    fs::write(root.join(".git/objects/x"), b"x").unwrap();
    fs::write(root.join(".gitattributes"), b"*").unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    fs::write(root.join("sub/.gitignore"), b"kept").unwrap();
    fs::write(root.join("model.bin"), b"weights").unwrap();
    let walk = walk_model(
        root,
        false,
        &Serialization::files(HashAlgorithm::Sha256).ignore_paths,
    )
    .unwrap();
    let names: Vec<_> = walk.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["model.bin", "sub/.gitignore"]);
}

#[test]
fn empty_file_has_a_resource_but_no_shard() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("empty"), b"").unwrap();
    fs::write(dir.path().join("full"), b"0123456789").unwrap();
    let files = hash_model(dir.path(), &Serialization::files(HashAlgorithm::Sha256)).unwrap();
    assert_eq!(files.resources.len(), 2);
    let shards = hash_model(
        dir.path(),
        &Serialization::shards(HashAlgorithm::Sha256, 4).unwrap(),
    )
    .unwrap();
    let names: Vec<_> = shards
        .resources
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(names, ["full:0:4", "full:4:8", "full:8:10"]);
}

#[test]
fn parallel_hashing_of_many_files_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..300 {
        let sub = dir.path().join(format!("d{}", i % 7));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("f{i}")), vec![(i % 256) as u8; i * 97]).unwrap();
    }
    let s = Serialization::shards(HashAlgorithm::Sha256, 1000).unwrap();
    let first = hash_model(dir.path(), &s).unwrap();
    for _ in 0..3 {
        assert_eq!(hash_model(dir.path(), &s).unwrap(), first);
    }
}

#[cfg(unix)]
#[test]
fn symlinks_are_refused_unless_allowed_and_then_confined() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("weights"), b"w").unwrap();
    symlink("weights", model.join("alias")).unwrap();
    let err = walk_model(&model, false, &[]).unwrap_err();
    assert!(matches!(err, DigestError::SymlinkRefused(_)), "{err}");
    let walk = walk_model(&model, true, &[]).unwrap();
    assert_eq!(walk.files.len(), 2);

    fs::write(dir.path().join("secret"), b"s").unwrap();
    symlink("../secret", model.join("escape")).unwrap();
    let err = walk_model(&model, true, &[]).unwrap_err();
    assert!(matches!(err, DigestError::SymlinkEscapes(_)), "{err}");
}

#[test]
fn missing_model_is_not_found() {
    let err = hash_model(
        Path::new("/no/such/model"),
        &Serialization::files(HashAlgorithm::Sha256),
    )
    .unwrap_err();
    assert!(matches!(err, DigestError::NotFound(_)), "{err}");
}

#[test]
fn a_file_that_changes_after_listing_is_an_error_not_a_digest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    fs::write(&path, vec![1u8; 4096]).unwrap();
    let walk = walk_model(dir.path(), false, &[]).unwrap();
    fs::write(&path, vec![1u8; 100]).unwrap();
    let err = modelseal_digest::hash_walk(&walk, &Serialization::files(HashAlgorithm::Sha256))
        .unwrap_err();
    assert!(
        matches!(err, DigestError::ChangedWhileHashing { .. }),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_file_swapped_for_a_fifo_after_listing_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    fs::write(&path, b"weights").unwrap();
    let walk = walk_model(dir.path(), false, &[]).unwrap();
    fs::remove_file(&path).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    let err = modelseal_digest::hash_walk(&walk, &Serialization::files(HashAlgorithm::Sha256))
        .unwrap_err();
    assert!(
        matches!(err, DigestError::ChangedWhileHashing { .. }),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_file_swapped_for_a_symlink_after_listing_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    fs::write(&path, b"weights").unwrap();
    fs::write(dir.path().join("other"), b"weights").unwrap();
    let walk = walk_model(dir.path(), false, &[]).unwrap();
    fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("other", &path).unwrap();
    let err = modelseal_digest::hash_walk(&walk, &Serialization::files(HashAlgorithm::Sha256))
        .unwrap_err();
    assert!(
        matches!(err, DigestError::ChangedWhileHashing { .. }),
        "{err}"
    );
}

#[test]
fn absurdly_small_shards_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let f = fs::File::create(dir.path().join("sparse")).unwrap();
    f.set_len(modelseal_digest::MAX_SHARDS + 1).unwrap();
    let err = hash_model(
        dir.path(),
        &Serialization::shards(HashAlgorithm::Sha256, 1).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(err, DigestError::TooManyShards { .. }), "{err}");
}

/// The walk is `modelseal_fs::Walker`'s: its refusals keep this crate's variants and messages.
#[cfg(unix)]
#[test]
fn walker_refusals_keep_digest_errors_and_messages() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("weights"), b"w").unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(model.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    let err = walk_model(&model, false, &[]).unwrap_err();
    assert!(matches!(err, DigestError::SpecialFile(_)), "{err}");
    assert!(err.to_string().contains("neither a regular file"), "{err}");
    let walk = walk_model(&model, false, &["pipe".to_owned()]).unwrap();
    assert_eq!(walk.files.len(), 1);
    assert_eq!(walk.model_name, "model");

    symlink("nowhere", model.join("dangling")).unwrap();
    let err = walk_model(&model, true, &["pipe".to_owned()]).unwrap_err();
    assert!(matches!(err, DigestError::BrokenSymlink(_)), "{err}");
    assert!(
        err.to_string().contains("symbolic link to nothing"),
        "{err}"
    );
    let err = walk_model(&model, false, &["pipe".to_owned()]).unwrap_err();
    assert!(err.to_string().contains("--allow-symlinks"), "{err}");
}

/// A regular file swapped for a symbolic link after the walk is not followed when hashed.
#[cfg(unix)]
#[test]
fn a_link_swapped_in_after_listing_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("weights"), b"w").unwrap();
    fs::write(dir.path().join("other"), b"w").unwrap();
    let s = Serialization::files(HashAlgorithm::Sha256);
    let walk = walk_model(&model, false, &[]).unwrap();
    fs::remove_file(model.join("weights")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("other"), model.join("weights")).unwrap();
    let err = modelseal_digest::hash_walk(&walk, &s).unwrap_err();
    assert!(
        err.to_string().contains("replaced by a symbolic link"),
        "{err}"
    );
}
