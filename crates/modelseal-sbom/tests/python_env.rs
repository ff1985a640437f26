//! A real Python environment (the workspace's `.venv`, written by pip) through the collector and
//! the CycloneDX writer, validated against the official 1.5 and 1.6 schemas.

#![allow(clippy::unwrap_used, clippy::print_stderr)] // test helpers; skip notes

use std::path::{Path, PathBuf};

use modelseal_sbom::cyclonedx::{SpecVersion, to_json};
use modelseal_sbom::python::collect_environment;

/// The official schemas, read in place from the workspace's sibling `shared/` directory
/// (`MODELSEAL_SHARED` overrides where that is).
fn shared(rel: &str) -> Option<PathBuf> {
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

fn venv() -> Option<PathBuf> {
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

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The official CycloneDX schema for `spec`, with the two schemas it references registered
/// under their ids (no network).
fn assert_schema_valid(document: &serde_json::Value, spec: SpecVersion) {
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

#[test]
fn the_venv_becomes_a_valid_cyclonedx_bom() {
    let Some(venv) = venv() else { return };
    let bom = collect_environment(&venv).unwrap();
    // What scripts/peers-requirements.txt installs, at least.
    for name in ["numpy", "torch", "scikit-learn", "model-signing", "keras"] {
        assert!(
            bom.components
                .values()
                .any(|c| modelseal_sbom::python::normalize_name(&c.name) == name),
            "{name} missing"
        );
    }
    assert!(bom.components.len() > 50, "{}", bom.components.len());
    let sklearn = bom
        .components
        .keys()
        .find(|r| r.starts_with("pkg:pypi/scikit-learn@"))
        .unwrap();
    let numpy = bom
        .components
        .keys()
        .find(|r| r.starts_with("pkg:pypi/numpy@"))
        .unwrap();
    assert!(
        bom.dependencies[sklearn].contains(numpy),
        "scikit-learn -> numpy edge"
    );
    let with_licence = bom
        .components
        .values()
        .filter(|c| !c.licenses.is_empty())
        .count();
    assert!(
        with_licence * 10 >= bom.components.len() * 8,
        "{with_licence} of {}",
        bom.components.len()
    );
    for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
        let document = to_json(&bom, spec, "2026-11-23T00:00:00Z");
        assert_schema_valid(&document, spec);
        // Deterministic: the same input gives the same document.
        assert_eq!(document, to_json(&bom, spec, "2026-11-23T00:00:00Z"));
    }
}

#[test]
fn broken_metadata_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("broken-1.0.dist-info");
    std::fs::create_dir(&dist).unwrap();
    std::fs::write(dist.join("METADATA"), "Name: broken\nthis line is wrong\n").unwrap();
    let err = collect_environment(dir.path()).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "broken-1.0.dist-info/METADATA:2: expected `Field: value`, found \"this line is wrong\""
        ),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    assert!(
        collect_environment(empty.path())
            .unwrap_err()
            .to_string()
            .contains("no site-packages")
    );
}
