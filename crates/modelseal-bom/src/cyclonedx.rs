//! CycloneDX 1.5 and 1.6 JSON. No maintained crate writes 1.6 (`cyclonedx-bom` stops at 1.5),
//! so the document is built here from the component graph, in a fixed order: two runs over the
//! same input give the same bytes (the serial number is derived from the content and the
//! timestamp is the caller's).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
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
    let dependencies: Vec<Value> = dependency_refs(bom)
        .into_iter()
        .map(|r| dependency(bom, r))
        .collect();
    let mut document = json!({
        "bomFormat": "CycloneDX",
        "specVersion": spec.as_str(),
        "version": 1,
        "metadata": metadata(bom, timestamp),
        "components": components,
        "dependencies": dependencies,
    });
    let digest = Sha256::digest(document.to_string().as_bytes());
    document["serialNumber"] = json!(serial_number(&digest));
    document
}

/// The pretty-printed text of [`to_json`]'s document, byte for byte, written one component at
/// a time: a document of millions of components never exists as one `Value` tree (red team
/// F4: two million requirements took 9.6 GB that way).
pub fn to_json_bytes(
    bom: &Bom,
    spec: SpecVersion,
    timestamp: &str,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut hasher = HashWriter(Sha256::new());
    let mut document = Document {
        bom,
        spec,
        timestamp,
        serial: None,
    };
    serde_json::to_writer(&mut hasher, &document)?;
    let serial = serial_number(&hasher.0.finalize());
    document.serial = Some(&serial);
    // Package metadata is untrusted text: hidden characters are written escaped (one writer).
    modelseal_report::json::to_vec_pretty(&document)
}

/// Feeds the compact text to the digest the serial number is made of, without holding it.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Document<'a> {
    bom: &'a Bom,
    spec: SpecVersion,
    timestamp: &'a str,
    serial: Option<&'a str>,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The keys in byte order, as `to_json`'s `Value` map orders them.
        let mut map = s.serialize_map(Some(6 + usize::from(self.serial.is_some())))?;
        map.serialize_entry("bomFormat", "CycloneDX")?;
        map.serialize_entry("components", &Components(self.bom))?;
        map.serialize_entry("dependencies", &Dependencies(self.bom))?;
        map.serialize_entry("metadata", &metadata(self.bom, self.timestamp))?;
        if let Some(serial) = self.serial {
            map.serialize_entry("serialNumber", serial)?;
        }
        map.serialize_entry("specVersion", self.spec.as_str())?;
        map.serialize_entry("version", &1)?;
        map.end()
    }
}

/// The components, each turned into a `Value` only while it is written.
struct Components<'a>(&'a Bom);

impl Serialize for Components<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.components.len()))?;
        for c in self.0.components.values() {
            seq.serialize_element(&component(c))?;
        }
        seq.end()
    }
}

/// The dependency entries, one per reference, written as they are made.
struct Dependencies<'a>(&'a Bom);

impl Serialize for Dependencies<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let refs = dependency_refs(self.0);
        let mut seq = s.serialize_seq(Some(refs.len()))?;
        for r in refs {
            seq.serialize_element(&dependency(self.0, r))?;
        }
        seq.end()
    }
}

fn dependency_refs(bom: &Bom) -> Vec<&String> {
    let mut refs: Vec<&String> = std::iter::once(&bom.root.bom_ref)
        .chain(bom.components.keys())
        .collect();
    refs.sort();
    refs
}

fn dependency(bom: &Bom, r: &String) -> Value {
    let depends_on: Vec<&String> = bom
        .dependencies
        .get(r)
        .map(|d| d.iter().collect())
        .unwrap_or_default();
    json!({ "ref": r, "dependsOn": depends_on })
}

fn metadata(bom: &Bom, timestamp: &str) -> Value {
    json!({
        "timestamp": timestamp,
        "tools": { "components": [{
            "type": "application",
            "name": "modelseal",
            "version": env!("CARGO_PKG_VERSION"),
        }]},
        "component": component(&bom.root),
    })
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
    let references = crate::iri::references(&c.external_references);
    if !references.is_empty() {
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

/// CycloneDX allows either licences (by SPDX id or name) or a single SPDX expression, not both
/// ([`crate::license::cyclonedx_expression`]).
fn licenses(licenses: &[License]) -> Option<Value> {
    if licenses.is_empty() {
        return None;
    }
    if let Some(expression) = crate::license::cyclonedx_expression(licenses) {
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
