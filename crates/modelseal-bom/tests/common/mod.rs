//! Helpers the integration tests share: where the official schemas and the peers' venv are,
//! and validation against the official CycloneDX schemas.

#![allow(dead_code, clippy::unwrap_used, clippy::print_stderr)] // each test uses a subset

use std::path::{Path, PathBuf};

use modelseal_bom::cyclonedx::SpecVersion;

/// The official schemas, read in place from the workspace's sibling `shared/` directory
/// (`MODELSEAL_SHARED` overrides where that is).
pub fn shared(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("MODELSEAL_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        PathBuf::from,
    );
    if root.join(rel).exists() {
        return Some(root.join(rel));
    }
    eprintln!(
        "skipping schema validation: {} not found",
        root.join(rel).display()
    );
    None
}

pub fn venv() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv");
    if venv.join("pyvenv.cfg").is_file() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("MODELSEAL_REQUIRE_PEERS").is_none(),
        "the .venv is required (MODELSEAL_REQUIRE_PEERS is set) but missing"
    );
    eprintln!("skipping: no .venv (run scripts/setup-peers.sh)");
    None
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The official CycloneDX schema for `spec`, with the two schemas it references registered
/// under their ids (no network).
pub fn assert_schema_valid(document: &serde_json::Value, spec: SpecVersion) {
    let Some(schemas) = shared("schemas") else {
        return;
    };
    let bom = read_json(&schemas.join(format!("bom-{}.schema.json", spec.as_str())));
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            read_json(&schemas.join("spdx.schema.json")),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            read_json(&schemas.join("jsf-0.82.schema.json")),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&bom)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "CycloneDX {}: {errors:#?}",
        spec.as_str()
    );
}
