//! The `modelseal` binary as users run it: exit codes, messages, files written.

#![allow(clippy::disallowed_methods)] // tests build fixtures with std::fs
#![allow(clippy::unwrap_used, clippy::print_stderr)] // test helpers; skip notes

mod audit;
mod basics;
mod check;
mod config;
mod help;
mod hostile;
mod identity;
mod interop;
mod keys;
mod links;
mod messages;
mod names;
#[cfg(unix)]
mod names_in_errors;
#[cfg(unix)]
mod names_json;
mod outputs;
#[cfg(unix)]
mod passphrase;
mod progress;
mod quarantine;
#[cfg(unix)]
mod quarantine_kill;
mod sbom;
mod scan;
mod schemas;
mod stdio;
mod tamper;
mod verify_bounds;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn modelseal() -> Command {
    let mut cmd = Command::cargo_bin("modelseal").unwrap();
    cmd.env_remove("NO_COLOR");
    for name in modelseal_variables() {
        cmd.env_remove(name);
    }
    cmd.env("XDG_CONFIG_HOME", NO_USER_CONFIG);
    cmd
}

/// No setting from the developer's environment or config files leaks into a test: the
/// `MODELSEAL_*` variables are removed and the user's config directory points nowhere.
pub const NO_USER_CONFIG: &str = "/nonexistent/modelseal-tests";

pub fn modelseal_variables() -> Vec<std::ffi::OsString> {
    std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| name.to_string_lossy().starts_with("MODELSEAL_"))
        .collect()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/oms-model-signing-1.1.1")
}

/// A directory model with the shapes that break naive implementations: nested directories, a
/// file named like a directory plus an extension beside that directory (`sub.txt` / `sub/`),
/// non-ASCII names, an empty file, and a file big enough to span several shards.
pub fn make_model(root: &Path) -> PathBuf {
    let model = root.join("model");
    fs::create_dir_all(model.join("sub/deeper")).unwrap();
    fs::write(model.join("config.json"), br#"{"architectures": ["Tiny"]}"#).unwrap();
    fs::write(model.join("sub.txt"), b"beside the directory").unwrap();
    fs::write(model.join("sub/tokenizer.txt"), b"abc").unwrap();
    fs::write(
        model.join("sub/deeper/vocabulaire-élève-语言.txt"),
        "ünïcödé".as_bytes(),
    )
    .unwrap();
    fs::write(model.join("empty.bin"), b"").unwrap();
    let weights: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    fs::write(model.join("weights.bin"), weights).unwrap();
    model
}

/// Generates a key pair with the CLI; returns (private, public).
pub fn keypair(dir: &Path, name: &str, algorithm: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(name);
    modelseal()
        .args([
            "key",
            "generate",
            "--no-passphrase",
            "--algorithm",
            algorithm,
            "--out",
        ])
        .arg(&key)
        .assert()
        .success();
    let public = dir.join(format!("{name}.pub"));
    (key, public)
}

/// `modelseal verify MODEL --key PUBLIC`, to add flags to.
pub fn verify_cmd(
    model: impl AsRef<std::ffi::OsStr>,
    public: impl AsRef<std::ffi::OsStr>,
) -> Command {
    let mut cmd = modelseal();
    cmd.arg("verify").arg(model).arg("--key").arg(public);
    cmd
}

/// `modelseal sign MODEL --key KEY`, to add flags to.
pub fn sign_cmd(model: impl AsRef<std::ffi::OsStr>, key: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = modelseal();
    cmd.arg("sign").arg(model).arg("--key").arg(key);
    cmd
}

pub fn sign(model: &Path, key: &Path, extra: &[&str]) {
    sign_cmd(model, key).args(extra).assert().success();
}

/// Microsoft's SARIF validator (npm), installed by scripts/setup-peers.sh.
pub fn sarif_validator() -> Option<PathBuf> {
    let path = std::env::var_os("MODELSEAL_SARIF_MULTITOOL").map_or_else(
        || {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../.tools/node_modules/.bin/sarif-multitool")
        },
        PathBuf::from,
    );
    if path.is_file() {
        return Some(path);
    }
    modelseal_test::skip(&format!(
        "SARIF validator {} not installed (run scripts/setup-peers.sh)",
        path.display()
    ))
}

/// Checks `sarif` with the official validator (against the SARIF 2.1.0 schema and its rules).
pub fn assert_valid_sarif(sarif: &[u8]) {
    let Some(validator) = sarif_validator() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("report.sarif");
    fs::write(&input, sarif).unwrap();
    let log = dir.path().join("validation.sarif");
    let status = std::process::Command::new(&validator)
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&log)
        .arg("--quiet")
        .status()
        .unwrap();
    assert!(status.success(), "the validator failed to run");
    let validation: serde_json::Value = serde_json::from_slice(&fs::read(&log).unwrap()).unwrap();
    let problems = validation["runs"][0]["results"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "SARIF validator: {}",
        serde_json::to_string_pretty(problems).unwrap()
    );
}
