//! Reading an SBOM document back into the component graph, for `diff` and `audit`: CycloneDX
//! JSON and XML (any 1.x) and SPDX 2.x JSON, detected from the content. Nested components are
//! flattened (each keeps its own bom-ref); what the graph has no field for is ignored.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use serde_json::Value;

use crate::bom::{Bom, Component, Hash, Kind, License};
use crate::sniff::{self, JsonFamily, SniffError, Syntax};

/// Why a document could not be read into a [`Bom`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The document looks like JSON but does not parse.
    #[error("line {line}, column {column}: not JSON: {message}")]
    Json {
        /// The 1-based line of the error.
        line: usize,
        /// The 1-based column of the error.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// The document looks like XML but is not well-formed.
    #[error("not well-formed XML at byte {offset}: {message}")]
    Xml {
        /// The byte offset of the error.
        offset: u64,
        /// What the XML parser said.
        message: String,
    },
    /// JSON without `bomFormat` or `spdxVersion`, so neither CycloneDX nor SPDX.
    #[error("neither a CycloneDX nor an SPDX document (no bomFormat or spdxVersion)")]
    UnknownFormat,
    /// The bytes are not a document this reader understands at all.
    #[error("not a CycloneDX or SPDX document: {0}")]
    NotADocument(#[from] SniffError),
}

/// The format a document was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    /// CycloneDX in JSON.
    CycloneDxJson,
    /// CycloneDX in XML.
    CycloneDxXml,
    /// SPDX 2.x in JSON.
    SpdxJson,
}

/// The largest SBOM document `diff`, `audit` and `validate` read from a file (bytes): the
/// validator's own bound, enforced while reading so a device or a growing file cannot
/// exhaust memory.
pub const MAX_DOCUMENT: u64 = crate::validate::MAX_INPUT as u64;

/// The bytes of the document at `path`: a regular file of at most [`MAX_DOCUMENT`] bytes.
/// FIFOs and devices are refused without blocking (`modelseal_fs::read_limited`).
pub fn read_document_bytes(path: &std::path::Path) -> Result<Vec<u8>, modelseal_fs::FsError> {
    modelseal_fs::read_limited(path, MAX_DOCUMENT)
}

/// Reads a CycloneDX or SPDX document.
pub fn read_document(bytes: &[u8]) -> Result<(Bom, DocumentFormat), ReadError> {
    let (syntax, bytes) = sniff::syntax(bytes)?;
    if syntax == Syntax::Xml {
        return Ok((read_cyclonedx_xml(bytes)?, DocumentFormat::CycloneDxXml));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ReadError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    match value.as_object().and_then(sniff::json_family) {
        Some(JsonFamily::CycloneDx) => {
            Ok((read_cyclonedx_json(&value), DocumentFormat::CycloneDxJson))
        }
        Some(JsonFamily::Spdx) => Ok((read_spdx_json(&value), DocumentFormat::SpdxJson)),
        None => Err(ReadError::UnknownFormat),
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn kind_of(name: &str) -> Kind {
    match name {
        "application" => Kind::Application,
        "machine-learning-model" => Kind::MachineLearningModel,
        "file" => Kind::File,
        "data" => Kind::Data,
        _ => Kind::Library,
    }
}

/// The CycloneDX spelling of a hash algorithm, as `Hash` holds it.
fn algorithm(name: &str) -> &'static str {
    match name.to_ascii_uppercase().replace('_', "-").as_str() {
        "SHA-1" | "SHA1" => "SHA-1",
        "SHA-256" | "SHA256" => "SHA-256",
        "SHA-384" | "SHA384" => "SHA-384",
        "SHA-512" | "SHA512" => "SHA-512",
        "MD5" => "MD5",
        "BLAKE3" => "BLAKE3",
        "BLAKE2B-256" => "BLAKE2b-256",
        "BLAKE2B-384" => "BLAKE2b-384",
        "BLAKE2B-512" => "BLAKE2b-512",
        "SHA3-256" => "SHA3-256",
        "SHA3-384" => "SHA3-384",
        "SHA3-512" => "SHA3-512",
        _ => "OTHER",
    }
}

/// A reference for a component that has no bom-ref: its purl, else its name and version.
fn fallback_ref(c: &Component) -> String {
    c.purl.clone().unwrap_or_else(|| match &c.version {
        Some(v) => format!("{}@{v}", c.name),
        None => c.name.clone(),
    })
}

fn cyclonedx_component(value: &Value, out: &mut Vec<Component>) {
    let name = text(value, "name").unwrap_or_default();
    let kind = kind_of(value.get("type").and_then(Value::as_str).unwrap_or(""));
    let mut c = Component::new(String::new(), kind, name);
    c.group = text(value, "group");
    c.version = text(value, "version");
    c.purl = text(value, "purl");
    for license in value
        .get("licenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(expression) = text(license, "expression") {
            c.licenses.push(License::Expression(expression));
        } else if let Some(l) = license.get("license") {
            if let Some(id) = text(l, "id") {
                c.licenses.push(License::Expression(id));
            } else if let Some(name) = text(l, "name") {
                c.licenses.push(License::Named(name));
            }
        }
    }
    for hash in value
        .get("hashes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(alg), Some(content)) = (text(hash, "alg"), text(hash, "content")) {
            c.hashes.push(Hash {
                algorithm: algorithm(&alg),
                value: content.to_ascii_lowercase(),
            });
        }
    }
    c.bom_ref = text(value, "bom-ref").unwrap_or_else(|| fallback_ref(&c));
    out.push(c);
    for child in value
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        cyclonedx_component(child, out);
    }
}

fn read_cyclonedx_json(value: &Value) -> Bom {
    let mut roots = Vec::new();
    if let Some(root) = value.get("metadata").and_then(|m| m.get("component")) {
        cyclonedx_component(root, &mut roots);
    }
    let mut root_iter = roots.into_iter();
    let root = root_iter
        .next()
        .unwrap_or_else(|| Component::new("", Kind::Application, ""));
    let mut bom = Bom::new(root);
    for nested in root_iter {
        bom.add(nested);
    }
    let mut components = Vec::new();
    for c in value
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        cyclonedx_component(c, &mut components);
    }
    for c in components {
        bom.add(c);
    }
    for dependency in value
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(from) = text(dependency, "ref") else {
            continue;
        };
        for on in dependency
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            bom.depend(&from, on);
        }
    }
    bom
}

/// An SPDX package as a component, keyed by its SPDXID; the purl becomes its reference.
fn spdx_package(
    package: &Value,
    extracted: &BTreeMap<String, String>,
) -> Option<(String, Component)> {
    let id = text(package, "SPDXID")?;
    let kind = match text(package, "primaryPackagePurpose").as_deref() {
        Some("APPLICATION") => Kind::Application,
        Some("FILE") => Kind::File,
        _ => Kind::Library,
    };
    let mut c = Component::new(id.clone(), kind, text(package, "name").unwrap_or_default());
    c.version = text(package, "versionInfo");
    c.purl = package
        .get("externalRefs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| text(r, "referenceType").as_deref() == Some("purl"))
        .and_then(|r| text(r, "referenceLocator"));
    // What the package declares, else what was concluded; each `AND` term on its own, and a
    // `LicenseRef-` the document extracts read back as the licence text it stands for.
    let declared = ["licenseDeclared", "licenseConcluded"]
        .into_iter()
        .filter_map(|key| text(package, key))
        .find(|l| l != "NOASSERTION" && l != "NONE");
    for term in declared
        .as_deref()
        .map(crate::license::and_terms)
        .unwrap_or_default()
    {
        c.licenses.push(match extracted.get(&term) {
            Some(name) => License::Named(name.clone()),
            None => License::Expression(term),
        });
    }
    for checksum in package
        .get("checksums")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(alg), Some(content)) =
            (text(checksum, "algorithm"), text(checksum, "checksumValue"))
        {
            c.hashes.push(Hash {
                algorithm: algorithm(&alg),
                value: content.to_ascii_lowercase(),
            });
        }
    }
    read_modelseal_facts(package, &mut c);
    if let Some(purl) = &c.purl {
        c.bom_ref.clone_from(purl);
    }
    Some((id, c))
}

/// The facts modelseal's SPDX writer keeps in package annotations because SPDX 2.3 has no
/// field for them (`crate::spdx_json`): a model's kind, a purl an SPDX external reference
/// cannot hold and hashes SPDX validators reject. Read back so a diff against the CycloneDX
/// document of the same inputs finds the same components. Other tools' annotations are
/// free text and are not read.
fn read_modelseal_facts(package: &Value, c: &mut Component) {
    let facts = package
        .get("annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| text(a, "annotator").is_some_and(|who| who.starts_with("Tool: modelseal-")))
        .filter_map(|a| text(a, "comment"));
    for fact in facts {
        let Some((key, value)) = fact.split_once('=') else {
            continue;
        };
        match key {
            "type" => c.kind = kind_of(value),
            "purl" if c.purl.is_none() => c.purl = Some(value.to_owned()),
            _ => {
                if let Some(name) = key.strip_prefix("hash.") {
                    c.hashes.push(Hash {
                        algorithm: algorithm(name),
                        value: value.to_ascii_lowercase(),
                    });
                }
            }
        }
    }
}

fn read_spdx_json(value: &Value) -> Bom {
    let packages = value
        .get("packages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let relationships = value
        .get("relationships")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let described: Option<String> = relationships
        .iter()
        .find(|r| {
            text(r, "relationshipType").as_deref() == Some("DESCRIBES")
                && text(r, "spdxElementId").as_deref() == Some("SPDXRef-DOCUMENT")
        })
        .and_then(|r| text(r, "relatedSpdxElement"))
        .or_else(|| {
            value
                .get("documentDescribes")
                .and_then(Value::as_array)
                .and_then(|d| d.first())
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let extracted: BTreeMap<String, String> = value
        .get("hasExtractedLicensingInfos")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        // The extracted text is what the writer was given (the name is only its first line).
        .filter_map(|info| {
            let licence = text(info, "extractedText").or_else(|| text(info, "name"))?;
            Some((text(info, "licenseId")?, licence))
        })
        .collect();
    let by_id: BTreeMap<String, Component> = packages
        .iter()
        .filter_map(|p| spdx_package(p, &extracted))
        .collect();
    let reference = |id: &str, by_id: &BTreeMap<String, Component>| {
        by_id
            .get(id)
            .map_or_else(|| id.to_owned(), |c| c.bom_ref.clone())
    };
    let root = described
        .as_deref()
        .and_then(|id| by_id.get(id).cloned())
        .unwrap_or_else(|| Component::new("SPDXRef-DOCUMENT", Kind::Application, ""));
    let mut bom = Bom::new(root);
    for (id, c) in &by_id {
        if Some(id.as_str()) != described.as_deref() {
            bom.add(c.clone());
        }
    }
    for r in &relationships {
        let (Some(kind), Some(from), Some(to)) = (
            text(r, "relationshipType"),
            text(r, "spdxElementId"),
            text(r, "relatedSpdxElement"),
        ) else {
            continue;
        };
        match kind.as_str() {
            "DEPENDS_ON" | "CONTAINS" => {
                bom.depend(&reference(&from, &by_id), &reference(&to, &by_id));
            }
            "DEPENDENCY_OF" | "CONTAINED_BY" => {
                bom.depend(&reference(&to, &by_id), &reference(&from, &by_id));
            }
            _ => {}
        }
    }
    bom
}

/// Sets what the text of element `name` (inside `parent`) says about component `c`.
fn apply_text(c: &mut Component, parent: &str, name: &str, value: &str, hash_alg: Option<&str>) {
    let value = value.to_owned();
    match (parent, name) {
        ("component", "name") => c.name = value,
        ("component", "version") => c.version = Some(value),
        ("component", "group") => c.group = Some(value),
        ("component", "purl") => c.purl = Some(value),
        ("hashes", "hash") => c.hashes.push(Hash {
            algorithm: algorithm(hash_alg.unwrap_or("")),
            value: value.to_ascii_lowercase(),
        }),
        ("license", "id") | ("licenses", "expression") => {
            c.licenses.push(License::Expression(value));
        }
        ("license", "name") => c.licenses.push(License::Named(value)),
        _ => {}
    }
}

/// CycloneDX XML: components (at any depth, the metadata's one as the root), their licences,
/// hashes and purls, and the dependency graph. Element names are matched by local name, so
/// any spec version's namespace reads.
#[allow(clippy::too_many_lines)] // one event loop: its states read best side by side
fn read_cyclonedx_xml(bytes: &[u8]) -> Result<Bom, ReadError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    // Open elements, by local name.
    let mut path: Vec<String> = Vec::new();
    // How many of `path` are `tools`: a tool's component is not the BOM's (counted, so no
    // element makes the whole path be searched).
    let mut in_tools = 0usize;
    // Components being read (nested ones stack up), and whether each is the metadata's.
    let mut open: Vec<(Component, bool)> = Vec::new();
    let mut done: Vec<(Component, bool)> = Vec::new();
    let mut hash_alg: Option<String> = None;
    let mut dependency_from: Vec<String> = Vec::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let error = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| ReadError::Xml {
        offset: reader.buffer_position(),
        message: e.to_string(),
    };
    let mut saw_bom = false;
    // Text of the innermost element so far: quick-xml hands entities (`&amp;`) over as events
    // of their own between pieces of text.
    let mut text = String::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| error(&reader, &e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                text.clear();
                let empty = matches!(event, Event::Empty(_));
                let name = e.local_name().as_ref().to_owned();
                let attribute = |key: &str| {
                    e.attributes().flatten().find_map(|a| {
                        (a.key.local_name().as_ref() == key).then(|| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map(std::borrow::Cow::into_owned)
                                .unwrap_or_default()
                        })
                    })
                };
                if path.is_empty() {
                    saw_bom = name == "bom";
                }
                match name.as_str() {
                    "component" if in_tools == 0 => {
                        let kind = kind_of(&attribute("type").unwrap_or_default());
                        let mut c = Component::new(String::new(), kind, "");
                        c.bom_ref = attribute("bom-ref").unwrap_or_default();
                        let in_metadata = path.last().is_some_and(|p| p == "metadata");
                        if empty {
                            done.push((c, in_metadata));
                        } else {
                            open.push((c, in_metadata));
                        }
                    }
                    "hash" => hash_alg = attribute("alg"),
                    "dependency" => {
                        let r = attribute("ref").unwrap_or_default();
                        if let Some(from) = dependency_from.last() {
                            edges.push((from.clone(), r.clone()));
                        }
                        if !empty {
                            dependency_from.push(r);
                        }
                    }
                    _ => {}
                }
                if !empty {
                    // The validator's bound: deeper nesting is hostile, and reading it would
                    // cost time and memory for nothing.
                    if path.len() >= crate::validate::xml::MAX_DEPTH {
                        return Err(error(
                            &reader,
                            &format!(
                                "elements nest deeper than {}",
                                crate::validate::xml::MAX_DEPTH
                            ),
                        ));
                    }
                    in_tools += usize::from(name == "tools");
                    path.push(name);
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .ok_or_else(|| error(&reader, &"an undeclared entity"))?
                        .to_owned(),
                };
                text.push_str(&resolved);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                in_tools -= usize::from(name == "tools" && in_tools > 0);
                let parent = path.last().map_or("", String::as_str);
                let value = std::mem::take(&mut text);
                if let Some((c, _)) = open.last_mut() {
                    apply_text(c, parent, &name, value.trim(), hash_alg.as_deref());
                }
                match name.as_str() {
                    "component" if in_tools == 0 => {
                        if let Some(c) = open.pop() {
                            done.push(c);
                        }
                    }
                    "dependency" => {
                        dependency_from.pop();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_bom {
        return Err(ReadError::UnknownFormat);
    }
    let mut root = None;
    let mut rest = Vec::new();
    for (mut c, in_metadata) in done {
        if c.bom_ref.is_empty() {
            c.bom_ref = fallback_ref(&c);
        }
        if in_metadata && root.is_none() {
            root = Some(c);
        } else {
            rest.push(c);
        }
    }
    let mut bom = Bom::new(root.unwrap_or_else(|| Component::new("", Kind::Application, "")));
    for c in rest {
        bom.add(c);
    }
    for (from, to) in edges {
        bom.depend(&from, &to);
    }
    Ok(bom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_json_round_trips_through_the_writer() {
        let mut root = Component::new("app", Kind::Application, "app");
        root.version = Some("1".into());
        let mut bom = Bom::new(root);
        let mut lib = Component::package("pkg:pypi/numpy@2.0.0", "numpy", "2.0.0");
        lib.licenses
            .push(License::Expression("BSD-3-Clause".into()));
        lib.hashes.push(Hash {
            algorithm: "SHA-256",
            value: "ab".repeat(32),
        });
        bom.add(lib);
        bom.depend("app", "pkg:pypi/numpy@2.0.0");
        let text = crate::cyclonedx::to_json(
            &bom,
            crate::cyclonedx::SpecVersion::V1_6,
            "2026-01-01T00:00:00Z",
        )
        .to_string();
        let (read, format) = read_document(text.as_bytes()).unwrap();
        assert_eq!(format, DocumentFormat::CycloneDxJson);
        assert_eq!(read, bom);
    }

    #[test]
    fn cyclonedx_xml_components_and_dependencies() {
        let xml = r#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <metadata><tools><components><component type="application"><name>tool</name></component></components></tools>
    <component type="application" bom-ref="root"><name>root</name></component></metadata>
  <components>
    <component type="library" bom-ref="pkg:npm/%40a/b@1.0.0"><group>@a</group><name>b</name><version>1.0.0</version>
      <hashes><hash alg="SHA-512">AB</hash></hashes>
      <licenses><license><id>MIT</id></license></licenses><purl>pkg:npm/%40a/b@1.0.0</purl>
      <components><component type="file" bom-ref="f"><name>x &amp; y</name></component></components>
    </component>
  </components>
  <dependencies><dependency ref="root"><dependency ref="pkg:npm/%40a/b@1.0.0"/></dependency></dependencies>
</bom>"#;
        let (bom, format) = read_document(xml.as_bytes()).unwrap();
        assert_eq!(format, DocumentFormat::CycloneDxXml);
        assert_eq!(bom.root.name, "root");
        let b = &bom.components["pkg:npm/%40a/b@1.0.0"];
        assert_eq!(b.group.as_deref(), Some("@a"));
        assert_eq!(b.hashes[0].algorithm, "SHA-512");
        assert_eq!(b.hashes[0].value, "ab");
        assert_eq!(b.licenses, [License::Expression("MIT".into())]);
        assert_eq!(bom.components["f"].name, "x & y");
        assert!(bom.dependencies["root"].contains("pkg:npm/%40a/b@1.0.0"));
        assert_eq!(bom.components.len(), 2);
    }

    #[test]
    fn spdx_packages_and_relationships() {
        let doc = serde_json::json!({
            "spdxVersion": "SPDX-2.3",
            "packages": [
                {"SPDXID": "SPDXRef-root", "name": "app", "primaryPackagePurpose": "APPLICATION"},
                {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1.0", "licenseDeclared": "MIT",
                 "checksums": [{"algorithm": "SHA256", "checksumValue": "AA"}],
                 "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/a@1.0"}]}
            ],
            "relationships": [
                {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-root"},
                {"spdxElementId": "SPDXRef-root", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-a"}
            ]
        });
        let (bom, format) = read_document(doc.to_string().as_bytes()).unwrap();
        assert_eq!(format, DocumentFormat::SpdxJson);
        assert_eq!(bom.root.name, "app");
        let a = &bom.components["pkg:pypi/a@1.0"];
        assert_eq!(a.hashes[0].algorithm, "SHA-256");
        assert!(bom.dependencies["SPDXRef-root"].contains("pkg:pypi/a@1.0"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            read_document(b"{\"a\": 1}"),
            Err(ReadError::UnknownFormat)
        ));
        assert!(matches!(
            read_document(b"{\"bomFormat\": "),
            Err(ReadError::Json { line: 1, .. })
        ));
        assert!(read_document(b"<bom><component></bom>").is_err());
        assert!(matches!(
            read_document(b"<html/>"),
            Err(ReadError::UnknownFormat)
        ));
    }

    /// Red team F7 (V36): diff and audit read deeply nested XML with no depth limit and
    /// searched the open-element path at every element: 17 MB ran for minutes.
    #[test]
    fn deeply_nested_xml_is_refused_fast() {
        let depth = 1_000_000;
        let mut doc = String::from("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">");
        doc.push_str(&"<tools>".repeat(10));
        doc.push_str(&"<component>".repeat(depth));
        let started = std::time::Instant::now();
        let err = read_document(doc.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("deeper than 128"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
