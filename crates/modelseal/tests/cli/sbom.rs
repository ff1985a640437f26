//! `modelseal sbom create` (work in progress for issue 5: Python environments).

use std::fs;
use std::path::{Path, PathBuf};

use crate::modelseal;

fn venv() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv");
    if venv.join("pyvenv.cfg").is_file() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("MODELSEAL_REQUIRE_PEERS").is_none(),
        "the .venv is required"
    );
    eprintln!("skipping: no .venv (run scripts/setup-peers.sh)");
    None
}

#[test]
fn a_python_environment_becomes_a_deterministic_cyclonedx_document() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.json");
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(&venv)
        .args([
            "--spec-version",
            "1.5",
            "--timestamp",
            "2026-11-23T00:00:00Z",
            "-o",
        ])
        .arg(&first)
        .assert()
        .success()
        .stderr(predicates::str::contains("CycloneDX 1.5"));
    let again = modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(&venv)
        .args([
            "--spec-version",
            "1.5",
            "--timestamp",
            "2026-11-23T00:00:00Z",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(fs::read(&first).unwrap(), again, "two runs must diff clean");
    let document: serde_json::Value = serde_json::from_slice(&again).unwrap();
    assert_eq!(document["specVersion"], "1.5");
    assert!(document["components"].as_array().unwrap().len() > 50);
}

#[test]
fn bad_inputs_have_clear_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(3);
    let dist = dir.path().join("x-1.0.dist-info");
    fs::create_dir(&dist).unwrap();
    fs::write(dist.join("METADATA"), "Version: 1.0\n").unwrap();
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(dir.path())
        .assert()
        .code(4)
        .stderr(predicates::str::contains("METADATA: no Name field"));
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(dir.path())
        .args(["--timestamp", "yesterday"])
        .assert()
        .code(64);
}
