//! Helpers the integration tests share: validation against the official CycloneDX schemas
//! (found through `modelseal_test::official`, which skips loudly without them).

#![allow(dead_code)] // each test uses a subset

use std::path::Path;

use modelseal_bom::cyclonedx::SpecVersion;
pub use modelseal_test::{official, venv};

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The official CycloneDX schema for `spec`, with the two schemas it references registered
/// under their ids (no network).
pub fn assert_schema_valid(document: &serde_json::Value, spec: SpecVersion) {
    let Some(schemas) = official("schemas") else {
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
