//! CycloneDX 1.5 and 1.6 JSON. No maintained crate writes 1.6 (`cyclonedx-bom` stops at 1.5),
//! so the document is built here from the component graph, in a fixed order: two runs over the
//! same input give the same bytes (the serial number is derived from the content and the
//! timestamp is the caller's).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::bom::{Bom, Component, License, ModelCard};

/// The CycloneDX versions this crate writes and validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecVersion {
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6.
    V1_6,
}

impl SpecVersion {
    /// The version as CycloneDX documents spell it (`1.5`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
        }
    }
}

/// The BOM as a CycloneDX JSON document. `timestamp` is RFC 3339.
pub fn to_json(bom: &Bom, spec: SpecVersion, timestamp: &str) -> Value {
    let components: Vec<Value> = bom.components.values().map(component).collect();
    let mut dependencies: Vec<Value> = Vec::new();
    let mut refs: Vec<&String> = std::iter::once(&bom.root.bom_ref)
        .chain(bom.components.keys())
        .collect();
    refs.sort();
    for r in refs {
        let depends_on: Vec<&String> = bom
            .dependencies
            .get(r)
            .map(|d| d.iter().collect())
            .unwrap_or_default();
        dependencies.push(json!({ "ref": r, "dependsOn": depends_on }));
    }
    let mut document = json!({
        "bomFormat": "CycloneDX",
        "specVersion": spec.as_str(),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{
                "type": "application",
                "name": "modelseal",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "component": component(&bom.root),
        },
        "components": components,
        "dependencies": dependencies,
    });
    let digest = Sha256::digest(document.to_string().as_bytes());
    document["serialNumber"] = json!(serial_number(&digest));
    document
}

/// A UUID (version 5 layout) from a content digest: `urn:uuid:…`.
fn serial_number(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn component(c: &Component) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(c.kind.as_str()));
    out.insert("bom-ref".into(), json!(c.bom_ref));
    if let Some(group) = &c.group {
        out.insert("group".into(), json!(group));
    }
    out.insert("name".into(), json!(c.name));
    if let Some(version) = &c.version {
        out.insert("version".into(), json!(version));
    }
    if let Some(description) = &c.description {
        out.insert("description".into(), json!(description));
    }
    if let Some(scope) = c.scope {
        out.insert("scope".into(), json!(scope.as_str()));
    }
    if !c.hashes.is_empty() {
        let hashes: Vec<Value> = c
            .hashes
            .iter()
            .map(|h| json!({ "alg": h.algorithm, "content": h.value }))
            .collect();
        out.insert("hashes".into(), json!(hashes));
    }
    if let Some(licenses) = licenses(&c.licenses) {
        out.insert("licenses".into(), licenses);
    }
    if let Some(purl) = &c.purl {
        out.insert("purl".into(), json!(purl));
    }
    if !c.external_references.is_empty() {
        let mut references = c.external_references.clone();
        references.sort();
        references.dedup();
        let references: Vec<Value> = references
            .iter()
            .map(|r| json!({ "type": r.kind, "url": r.url }))
            .collect();
        out.insert("externalReferences".into(), json!(references));
    }
    if let Some(card) = &c.model_card {
        out.insert("modelCard".into(), model_card(card));
    }
    if !c.properties.is_empty() {
        out.insert("properties".into(), properties(&c.properties));
    }
    if !c.components.is_empty() {
        let mut children: Vec<&Component> = c.components.iter().collect();
        children.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
        let children: Vec<Value> = children.into_iter().map(component).collect();
        out.insert("components".into(), json!(children));
    }
    Value::Object(out)
}

fn properties(pairs: &[(String, String)]) -> Value {
    let mut pairs = pairs.to_vec();
    pairs.sort();
    pairs.dedup();
    let values: Vec<Value> = pairs
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    json!(values)
}

fn model_card(card: &ModelCard) -> Value {
    let mut parameters = Map::new();
    if let Some(task) = &card.task {
        parameters.insert("task".into(), json!(task));
    }
    if let Some(family) = &card.architecture_family {
        parameters.insert("architectureFamily".into(), json!(family));
    }
    if let Some(architecture) = &card.model_architecture {
        parameters.insert("modelArchitecture".into(), json!(architecture));
    }
    let formats = |list: &[String]| -> Value {
        json!(
            list.iter()
                .map(|f| json!({ "format": f }))
                .collect::<Vec<_>>()
        )
    };
    if !card.inputs.is_empty() {
        parameters.insert("inputs".into(), formats(&card.inputs));
    }
    if !card.outputs.is_empty() {
        parameters.insert("outputs".into(), formats(&card.outputs));
    }
    let mut out = Map::new();
    if !parameters.is_empty() {
        out.insert("modelParameters".into(), Value::Object(parameters));
    }
    if !card.properties.is_empty() {
        out.insert("properties".into(), properties(&card.properties));
    }
    Value::Object(out)
}

/// CycloneDX allows either licences (by SPDX id or name) or a single SPDX expression, not both:
/// an expression that is not a single known id wins alone.
fn licenses(licenses: &[License]) -> Option<Value> {
    if licenses.is_empty() {
        return None;
    }
    let compound = licenses.iter().find_map(|l| match l {
        License::Expression(e) if !crate::license::is_known_id(e) => Some(e),
        _ => None,
    });
    if let Some(expression) = compound {
        return Some(json!([{ "expression": expression }]));
    }
    let entries: Vec<Value> = licenses
        .iter()
        .map(|l| match l {
            License::Expression(id) => json!({ "license": { "id": id } }),
            License::Named(name) => json!({ "license": { "name": name } }),
        })
        .collect();
    Some(json!(entries))
}
