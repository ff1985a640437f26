//! The CycloneDX XML and SPDX 2.3 JSON writers, checked against the real peers: the official
//! CycloneDX XSDs and JSON schemas through cyclonedx-python-lib, `pyspdxtools`, and the
//! official SPDX 2.3 JSON schema; plus that the XML and JSON renderings carry the same facts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{assert_schema_valid, official, read_json, venv};

use modelseal_bom::bom::{
    Bom, Component, ExternalReference, Hash, Kind, License, ModelCard, Scope,
};
use modelseal_bom::cyclonedx::{SpecVersion, to_json};
use modelseal_bom::cyclonedx_xml::to_xml;
use modelseal_bom::spdx_json::to_spdx;
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::python::collect_environment;
use quick_xml::events::Event;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

const TIMESTAMP: &str = "2026-11-23T00:00:00Z";
const SPECS: [SpecVersion; 2] = [SpecVersion::V1_5, SpecVersion::V1_6];

fn hex_of(algorithm: &'static str, seed: &str) -> Hash {
    let value = match algorithm {
        "SHA-512" => hex::encode(Sha512::digest(seed.as_bytes())),
        // A BLAKE3 digest is 256 bits like SHA-256; only its length matters here.
        _ => hex::encode(Sha256::digest(seed.as_bytes())),
    };
    Hash { algorithm, value }
}

fn reference(kind: &'static str, url: &str) -> ExternalReference {
    ExternalReference::new(kind, url.to_owned())
}

fn model_file(bom_ref: &str, name: &str) -> Component {
    let mut file = Component::new(bom_ref, Kind::File, name);
    file.hashes = vec![hex_of("SHA-256", name), hex_of("BLAKE3", name)];
    file.properties = vec![("modelseal:size".into(), "1234".into())];
    file
}

/// A root application, pypi and npm libraries, a model with a model card and two files, and
/// licences by id, by compound expression and by name.
pub(crate) fn representative() -> Bom {
    let mut root = Component::new("pkg:generic/demo-app@1.0.0", Kind::Application, "demo-app");
    root.version = Some("1.0.0".into());
    root.purl = Some("pkg:generic/demo-app@1.0.0".into());
    root.description = Some("Serves a small language model".into());
    root.licenses = vec![License::Expression("Apache-2.0".into())];
    root.external_references = vec![reference("vcs", "https://github.com/acme/demo-app")];
    root.properties = vec![("modelseal:source".into(), "requirements.txt".into())];
    let mut bom = Bom::new(root);

    let mut numpy = Component::package("pkg:pypi/numpy@1.26.4", "numpy", "1.26.4");
    numpy.description = Some("Fundamental package for array computing in Python".into());
    numpy.licenses = vec![License::Expression("BSD-3-Clause".into())];
    numpy.hashes = vec![hex_of("SHA-256", "numpy")];
    numpy.external_references = vec![
        reference("website", "https://numpy.org"),
        reference("vcs", "https://github.com/numpy/numpy"),
    ];
    bom.add(numpy);

    let mut packaging = Component::package("pkg:pypi/packaging@24.0", "packaging", "24.0");
    packaging.licenses = vec![License::Expression("Apache-2.0 OR BSD-2-Clause".into())];
    packaging.scope = Some(Scope::Optional);
    packaging.properties = vec![("modelseal:dev".into(), "true".into())];
    bom.add(packaging);

    let mut node = Component::package("pkg:npm/%40types/node@20.11.0", "node", "20.11.0");
    node.group = Some("@types".into());
    node.licenses = vec![License::Named("Custom Licence 1.0".into())];
    node.hashes = vec![hex_of("SHA-512", "node")];
    node.scope = Some(Scope::Required);
    bom.add(node);

    let mut model = Component::new(
        "model:acme/tiny-llama",
        Kind::MachineLearningModel,
        "tiny-llama",
    );
    model.version = Some("2f1c9a7".into());
    model.purl = Some("pkg:huggingface/acme/tiny-llama@2f1c9a7".into());
    model.licenses = vec![
        License::Expression("Apache-2.0".into()),
        License::Named("Llama 2 Community License Agreement".into()),
    ];
    model.hashes = vec![hex_of("SHA-256", "tiny-llama")];
    model.model_card = Some(ModelCard {
        task: Some("text-generation".into()),
        architecture_family: Some("llama".into()),
        model_architecture: Some("LlamaForCausalLM".into()),
        inputs: vec!["text".into()],
        outputs: vec!["text".into()],
        properties: vec![
            ("torch_dtype".into(), "bfloat16".into()),
            ("num_parameters".into(), "1100048384".into()),
        ],
        ..ModelCard::default()
    });
    // Out of order on purpose: the writers sort nested components.
    model.components = vec![
        model_file(
            "model:acme/tiny-llama/model.safetensors",
            "model.safetensors",
        ),
        model_file("model:acme/tiny-llama/config.json", "config.json"),
    ];
    bom.add(model);

    for on in [
        "pkg:pypi/numpy@1.26.4",
        "pkg:pypi/packaging@24.0",
        "pkg:npm/%40types/node@20.11.0",
        "model:acme/tiny-llama",
    ] {
        bom.depend("pkg:generic/demo-app@1.0.0", on);
    }
    bom.depend("pkg:pypi/packaging@24.0", "pkg:pypi/numpy@1.26.4");
    bom
}

/// Markup characters and unicode everywhere, a component without a version, one with an
/// empty version, licences whose names have spaces, and licence expressions SPDX does not
/// accept as written. Every format must still be valid.
pub(crate) fn odd() -> Bom {
    let mut root = Component::new(
        "root <&>\"' ✓",
        Kind::Application,
        "<app> & \"quotes\" 'single' — naïve 模型 🤖",
    );
    root.description = Some("a < b && c > d; \"ok\"".into());
    root.licenses = vec![License::Named(
        "My Custom Licence, Version 2 (see LICENSE & NOTICE)".into(),
    )];
    let mut bom = Bom::new(root);

    let mut unversioned = Component::new("ref with spaces/é", Kind::Library, "Ünïcödé <lib>");
    unversioned.licenses = vec![
        License::Expression("mit".into()),
        License::Expression("GPL-2.0-or-later WITH Not-An-Exception".into()),
        License::Named("Proprietary\n\nAll rights reserved & then some.".into()),
    ];
    unversioned.properties = vec![(
        "name with \"quotes\" & <tags>".into(),
        "välue\twith tab".into(),
    )];
    bom.add(unversioned);

    let mut empty_version = Component::package("pkg:pypi/empty-version@", "empty-version", "");
    empty_version.licenses = vec![
        License::Expression("LicenseRef-internal".into()),
        License::Expression("MIT AND (Apache-2.0 OR BSD-3-Clause)".into()),
    ];
    bom.add(empty_version);

    let mut model = Component::new("model:odd", Kind::MachineLearningModel, "odd model");
    model.model_card = Some(ModelCard::default());
    bom.add(model);

    bom.depend("root <&>\"' ✓", "ref with spaces/é");
    bom.depend("root <&>\"' ✓", "pkg:pypi/empty-version@");
    bom.depend("ref with spaces/é", "model:odd");
    bom
}

/// Data no CycloneDX schema accepts either (bad hashes, purls and URLs with spaces, control
/// characters, empty names, dangling edges, a `bom-ref` used twice): the SPDX writer must still
/// produce a valid document.
fn hostile() -> Bom {
    let mut root = Component::new("", Kind::Application, "");
    root.group = Some(String::new());
    root.version = Some("   ".into());
    let mut bom = Bom::new(root);
    let mut bad = Component::new("bad\u{1}", Kind::Library, "bad\u{0}name");
    bad.purl = Some("pkg:pypi/has space@1".into());
    bad.hashes = vec![
        Hash {
            algorithm: "SHA-256",
            value: "ABC".into(),
        },
        Hash {
            algorithm: "SHA-1",
            value: "A".repeat(40),
        },
        Hash {
            algorithm: "CRC32",
            value: "deadbeef".into(),
        },
    ];
    bad.external_references = vec![
        reference("website", "https://exa mple.com"),
        reference("vcs", ""),
    ];
    bad.licenses = vec![
        License::Expression(String::new()),
        License::Named("LicenseRef-x".into()),
    ];
    let mut twin = Component::new("bad\u{1}", Kind::File, "twin");
    twin.components = vec![Component::new("", Kind::File, "loop")];
    bad.components = vec![twin];
    bom.add(bad);
    bom.add(Component::new("bad\u{2}", Kind::Library, "sanitises alike"));
    bom.depend("", "bad\u{1}");
    bom.depend("", "nowhere");
    bom.depend("nowhere", "bad\u{1}");
    bom
}

// ---------------------------------------------------------------------------------------------
// Peers

/// Runs the CycloneDX validators of cyclonedx-python-lib on (format, spec, file) triples.
fn assert_cyclonedx_peer_valid(venv: &Path, documents: &[(&str, SpecVersion, PathBuf)]) {
    let mut command = Command::new(venv.join("bin/python"));
    command
        .arg("-c")
        .arg(include_str!("../fixtures/writers/validate_cyclonedx.py"));
    for (format, spec, path) in documents {
        command.arg(format).arg(spec.as_str()).arg(path);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "cyclonedx-python-lib rejects the documents:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `pyspdxtools -i FILE` prints nothing and exits 0 for a valid document.
fn assert_pyspdxtools_valid(venv: &Path, path: &Path) {
    let output = Command::new(venv.join("bin/pyspdxtools"))
        .arg("-i")
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success()
            && !text.contains("The document is invalid")
            && !text.to_lowercase().contains("error"),
        "pyspdxtools on {}: {text}",
        path.display()
    );
}

fn assert_spdx_schema_valid(document: &Value) {
    let Some(schema) = official("schemas/spdx-2.3.schema.json") else {
        return;
    };
    let schema = read_json(&schema);
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SPDX 2.3 schema: {errors:#?}");
}

/// Things pyspdxtools checks that the schema does not, checked here too so the test means
/// something without the .venv.
fn assert_spdx_consistent(document: &Value) {
    let id_ok = |id: &str, prefix: &str| {
        id.strip_prefix(prefix).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
    };
    let mut ids = BTreeSet::new();
    for package in document["packages"].as_array().unwrap() {
        let id = package["SPDXID"].as_str().unwrap();
        assert!(id_ok(id, "SPDXRef-"), "{id}");
        assert!(ids.insert(id.to_owned()), "duplicate {id}");
        assert!(!package["name"].as_str().unwrap().trim().is_empty());
    }
    ids.insert("SPDXRef-DOCUMENT".to_owned());
    for relationship in document["relationships"].as_array().unwrap() {
        for end in ["spdxElementId", "relatedSpdxElement"] {
            let id = relationship[end].as_str().unwrap();
            assert!(ids.contains(id), "dangling {id}");
        }
    }
    let declared: BTreeSet<&str> = document["hasExtractedLicensingInfos"]
        .as_array()
        .map(|infos| {
            infos
                .iter()
                .map(|i| {
                    let id = i["licenseId"].as_str().unwrap();
                    assert!(id_ok(id, "LicenseRef-"), "{id}");
                    assert!(!i["extractedText"].as_str().unwrap().is_empty());
                    id
                })
                .collect()
        })
        .unwrap_or_default();
    for package in document["packages"].as_array().unwrap() {
        let licence = package["licenseDeclared"].as_str().unwrap();
        for word in licence
            .split([' ', '(', ')'])
            .filter(|w| w.starts_with("LicenseRef-"))
        {
            assert!(declared.contains(word), "undeclared {word}");
        }
    }
    let namespace = document["documentNamespace"].as_str().unwrap();
    assert!(namespace.starts_with("https://") && !namespace.contains('#'));
    assert!(!namespace.chars().any(char::is_whitespace));
}

// ---------------------------------------------------------------------------------------------
// What the XML and the JSON say

#[derive(Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Facts {
    bom_ref: String,
    group: Option<String>,
    name: String,
    version: Option<String>,
    purl: Option<String>,
    hashes: BTreeSet<(String, String)>,
    /// `id:…`, `name:…` or `expression:…`.
    licences: BTreeSet<String>,
    properties: BTreeSet<(String, String)>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    serial: String,
    components: BTreeSet<Facts>,
    dependency_nodes: BTreeSet<String>,
    edges: BTreeSet<(String, String)>,
}

fn json_summary(document: &Value) -> Summary {
    fn walk(c: &Value, out: &mut BTreeSet<Facts>) {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let mut facts = Facts {
            bom_ref: text(&c["bom-ref"]).unwrap(),
            group: text(&c["group"]),
            name: text(&c["name"]).unwrap(),
            version: text(&c["version"]),
            purl: text(&c["purl"]),
            ..Facts::default()
        };
        for h in c["hashes"].as_array().into_iter().flatten() {
            facts
                .hashes
                .insert((text(&h["alg"]).unwrap(), text(&h["content"]).unwrap()));
        }
        for l in c["licenses"].as_array().into_iter().flatten() {
            let entry = if let Some(e) = text(&l["expression"]) {
                format!("expression:{e}")
            } else if let Some(id) = text(&l["license"]["id"]) {
                format!("id:{id}")
            } else {
                format!("name:{}", text(&l["license"]["name"]).unwrap())
            };
            facts.licences.insert(entry);
        }
        for p in c["properties"].as_array().into_iter().flatten() {
            facts
                .properties
                .insert((text(&p["name"]).unwrap(), text(&p["value"]).unwrap()));
        }
        out.insert(facts);
        for child in c["components"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut summary = Summary {
        serial: document["serialNumber"].as_str().unwrap().to_owned(),
        ..Summary::default()
    };
    walk(&document["metadata"]["component"], &mut summary.components);
    for c in document["components"].as_array().unwrap() {
        walk(c, &mut summary.components);
    }
    for d in document["dependencies"].as_array().unwrap() {
        let from = d["ref"].as_str().unwrap().to_owned();
        for on in d["dependsOn"].as_array().into_iter().flatten() {
            summary
                .edges
                .insert((from.clone(), on.as_str().unwrap().to_owned()));
        }
        summary.dependency_nodes.insert(from);
    }
    summary
}

/// One open element while reading the XML back.
struct XmlElement {
    name: String,
    attributes: BTreeMap<String, String>,
    /// For a `component` with a `bom-ref`: what its children say.
    facts: Option<Facts>,
}

fn attributes_of(start: &quick_xml::events::BytesStart<'_>) -> BTreeMap<String, String> {
    start
        .attributes()
        .map(|a| {
            let a = a.unwrap();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap();
            (a.key.as_ref().to_owned(), value.into_owned())
        })
        .collect()
}

/// Reads the XML back with quick-xml: every element with its attributes and text, tracked on a
/// stack so a `<name>` is known to be a component's and not a licence's.
fn xml_summary(xml: &str) -> Summary {
    let mut summary = Summary::default();
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut text = String::new();
    loop {
        let event = reader.read_event().unwrap();
        if let Event::Start(start) | Event::Empty(start) = &event {
            let name = start.name().as_ref().to_owned();
            let attributes = attributes_of(start);
            if name == "bom" {
                summary.serial.clone_from(&attributes["serialNumber"]);
            }
            if name == "dependency" {
                let target = attributes["ref"].clone();
                match stack.last() {
                    Some(parent) if parent.name == "dependency" => {
                        let from = parent.attributes["ref"].clone();
                        summary.edges.insert((from, target));
                    }
                    _ => {
                        summary.dependency_nodes.insert(target);
                    }
                }
            }
            let facts = (name == "component")
                .then(|| attributes.get("bom-ref"))
                .flatten()
                .map(|r| Facts {
                    bom_ref: r.clone(),
                    ..Facts::default()
                });
            stack.push(XmlElement {
                name,
                attributes,
                facts,
            });
            text.clear();
        }
        match event {
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref().unwrap() {
                Some(c) => text.push(c),
                None => text.push_str(
                    quick_xml::escape::resolve_predefined_entity(&r.xml10_content()).unwrap(),
                ),
            },
            Event::End(_) | Event::Empty(_) => {
                let element = stack.pop().unwrap();
                if let Some(facts) = element.facts {
                    summary.components.insert(facts);
                    continue;
                }
                record_field(&element, std::mem::take(&mut text), &mut stack);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty());
    summary
}

/// Files a closed element's text under the component it belongs to: its parent (`name`),
/// grandparent (`hashes/hash`) or great-grandparent (`licenses/license/id`).
fn record_field(element: &XmlElement, value: String, stack: &mut [XmlElement]) {
    let names: Vec<&str> = stack.iter().rev().map(|e| e.name.as_str()).collect();
    let depth = match (element.name.as_str(), names.as_slice()) {
        ("group" | "name" | "version" | "purl", ["component", ..]) => 1,
        ("hash", ["hashes", "component", ..])
        | ("expression", ["licenses", "component", ..])
        | ("property", ["properties", "component", ..]) => 2,
        ("id" | "name", ["license", "licenses", "component", ..]) => 3,
        _ => return,
    };
    let owner = stack.len() - depth;
    let Some(facts) = stack[owner].facts.as_mut() else {
        return; // the tool in metadata/tools has no bom-ref
    };
    match (element.name.as_str(), depth) {
        ("group", _) => facts.group = Some(value),
        ("name", 1) => facts.name = value,
        ("version", _) => facts.version = Some(value),
        ("purl", _) => facts.purl = Some(value),
        ("hash", _) => {
            facts
                .hashes
                .insert((element.attributes["alg"].clone(), value));
        }
        ("expression", _) => {
            facts.licences.insert(format!("expression:{value}"));
        }
        ("property", _) => {
            facts
                .properties
                .insert((element.attributes["name"].clone(), value));
        }
        (field, _) => {
            facts.licences.insert(format!("{field}:{value}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Everything on one BOM

/// Writes every format for `bom`, checks it with the peers and the schema, and checks that the
/// XML and JSON agree. Returns the SPDX document.
pub(crate) fn check_all_formats(bom: &Bom, label: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut cyclonedx = Vec::new();
    for spec in SPECS {
        let json = to_json(bom, spec, TIMESTAMP);
        let xml = to_xml(bom, spec, TIMESTAMP);
        assert_eq!(
            xml,
            to_xml(bom, spec, TIMESTAMP),
            "{label}: XML is deterministic"
        );
        assert!(xml.contains(&format!(
            "xmlns=\"http://cyclonedx.org/schema/bom/{}\"",
            spec.as_str()
        )));
        assert_schema_valid(&json, spec);
        let from_json = json_summary(&json);
        let from_xml = xml_summary(&xml);
        assert_eq!(
            from_xml,
            from_json,
            "{label} {}: XML and JSON differ",
            spec.as_str()
        );
        assert_eq!(from_json.components.len(), bom.all_components().len());

        let xml_path = dir.path().join(format!("bom-{}.xml", spec.as_str()));
        let json_path = dir.path().join(format!("bom-{}.json", spec.as_str()));
        std::fs::write(&xml_path, &xml).unwrap();
        std::fs::write(&json_path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        cyclonedx.push(("xml", spec, xml_path));
        cyclonedx.push(("json", spec, json_path));
    }

    let spdx = to_spdx(bom, TIMESTAMP, None);
    assert_eq!(
        serde_json::to_string(&spdx).unwrap(),
        serde_json::to_string(&to_spdx(bom, TIMESTAMP, None)).unwrap(),
        "{label}: SPDX is deterministic"
    );
    assert_spdx_schema_valid(&spdx);
    assert_spdx_consistent(&spdx);
    let spdx_path = dir.path().join("bom.spdx.json");
    std::fs::write(&spdx_path, serde_json::to_string_pretty(&spdx).unwrap()).unwrap();

    if let Some(venv) = venv() {
        assert_cyclonedx_peer_valid(&venv, &cyclonedx);
        assert_pyspdxtools_valid(&venv, &spdx_path);
    }
    spdx
}

fn package<'a>(spdx: &'a Value, name: &str) -> &'a Value {
    spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

fn relationships(spdx: &Value, kind: &str) -> BTreeSet<(String, String)> {
    let name_of = |id: &str| -> String {
        if id == "SPDXRef-DOCUMENT" {
            return id.to_owned();
        }
        let p = spdx["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["SPDXID"] == id)
            .unwrap();
        p["name"].as_str().unwrap().to_owned()
    };
    spdx["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == kind)
        .map(|r| {
            (
                name_of(r["spdxElementId"].as_str().unwrap()),
                name_of(r["relatedSpdxElement"].as_str().unwrap()),
            )
        })
        .collect()
}

fn annotations(package: &Value) -> Vec<&str> {
    package["annotations"]
        .as_array()
        .map(|a| a.iter().map(|a| a["comment"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn representative_bom_is_valid_and_faithful_in_every_format() {
    let bom = representative();
    let spdx = check_all_formats(&bom, "representative");

    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    assert_eq!(spdx["dataLicense"], "CC0-1.0");
    assert_eq!(spdx["name"], "demo-app");
    assert_eq!(
        spdx["creationInfo"]["creators"][0],
        format!("Tool: modelseal-{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        spdx["packages"].as_array().unwrap().len(),
        7,
        "root, 4, 2 files"
    );

    // The XML carries the model card and nested files in schema order.
    let xml = to_xml(&bom, SpecVersion::V1_6, TIMESTAMP);
    assert!(xml.contains("<task>text-generation</task>"));
    assert!(xml.contains("<input>\n"));
    assert!(xml.contains("<expression>Apache-2.0 OR BSD-2-Clause</expression>"));
    assert!(xml.contains("<name>Llama 2 Community License Agreement</name>"));
    assert!(xml.contains("<reference type=\"vcs\">"));
    assert!(xml.contains("<scope>optional</scope>"));
    assert!(
        xml.find("model:acme/tiny-llama/config.json").unwrap()
            < xml.find("model:acme/tiny-llama/model.safetensors").unwrap()
    );
}

#[test]
fn representative_spdx_packages_carry_every_fact() {
    let spdx = to_spdx(&representative(), TIMESTAMP, None);
    let root = package(&spdx, "demo-app");
    assert_eq!(root["primaryPackagePurpose"], "APPLICATION");
    assert_eq!(root["licenseDeclared"], "Apache-2.0");
    assert_eq!(
        root["externalRefs"][0]["referenceCategory"],
        "PACKAGE-MANAGER"
    );

    let numpy = package(&spdx, "numpy");
    assert_eq!(numpy["versionInfo"], "1.26.4");
    assert_eq!(numpy["primaryPackagePurpose"], "LIBRARY");
    assert_eq!(numpy["checksums"][0]["algorithm"], "SHA256");
    assert_eq!(numpy["licenseDeclared"], "BSD-3-Clause");
    assert_eq!(numpy["licenseConcluded"], "NOASSERTION");
    assert_eq!(numpy["downloadLocation"], "NOASSERTION");
    assert_eq!(numpy["filesAnalyzed"], false);
    assert_eq!(
        numpy["externalRefs"],
        serde_json::json!([
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/numpy@1.26.4"},
            {"referenceCategory": "OTHER", "referenceType": "vcs", "referenceLocator": "https://github.com/numpy/numpy"},
            {"referenceCategory": "OTHER", "referenceType": "website", "referenceLocator": "https://numpy.org"},
        ])
    );

    let packaging = package(&spdx, "packaging");
    assert_eq!(packaging["licenseDeclared"], "Apache-2.0 OR BSD-2-Clause");
    assert_eq!(
        annotations(packaging),
        ["property.modelseal:dev=true", "scope=optional"]
    );

    let node = package(&spdx, "@types/node");
    assert_eq!(node["checksums"][0]["algorithm"], "SHA512");
    let node_licence = node["licenseDeclared"].as_str().unwrap();
    assert!(
        node_licence.starts_with("LicenseRef-Custom-Licence-1.0-"),
        "{node_licence}"
    );
    let extracted = spdx["hasExtractedLicensingInfos"].as_array().unwrap();
    let custom = extracted
        .iter()
        .find(|i| i["licenseId"] == node_licence)
        .unwrap();
    assert_eq!(custom["extractedText"], "Custom Licence 1.0");
}

#[test]
fn representative_spdx_model_files_and_relationships() {
    let spdx = to_spdx(&representative(), TIMESTAMP, None);
    let model = package(&spdx, "tiny-llama");
    assert_eq!(model["primaryPackagePurpose"], "OTHER");
    assert!(
        model["comment"]
            .as_str()
            .unwrap()
            .contains("machine-learning model")
    );
    let model_licence = model["licenseDeclared"].as_str().unwrap();
    assert!(
        model_licence.starts_with("Apache-2.0 AND LicenseRef-Llama-2-Community-License-Agreement-"),
        "{model_licence}"
    );
    assert_eq!(
        annotations(model),
        [
            "type=machine-learning-model",
            "modelCard.task=text-generation",
            "modelCard.architectureFamily=llama",
            "modelCard.modelArchitecture=LlamaForCausalLM",
            "modelCard.input=text",
            "modelCard.output=text",
            "modelCard.property.num_parameters=1100048384",
            "modelCard.property.torch_dtype=bfloat16",
        ]
    );
    let weights = package(&spdx, "model.safetensors");
    assert_eq!(weights["primaryPackagePurpose"], "FILE");
    assert_eq!(weights["checksums"].as_array().unwrap().len(), 1);
    let blake3 = hex_of("BLAKE3", "model.safetensors").value;
    assert!(
        annotations(weights).contains(&format!("hash.BLAKE3={blake3}").as_str()),
        "BLAKE3 is kept as an annotation: {:?}",
        annotations(weights)
    );

    assert_eq!(
        relationships(&spdx, "DESCRIBES"),
        BTreeSet::from([("SPDXRef-DOCUMENT".to_owned(), "demo-app".to_owned())])
    );
    assert_eq!(
        relationships(&spdx, "CONTAINS"),
        BTreeSet::from([
            ("tiny-llama".to_owned(), "config.json".to_owned()),
            ("tiny-llama".to_owned(), "model.safetensors".to_owned()),
        ])
    );
    let depends: BTreeSet<(String, String)> = [
        ("demo-app", "numpy"),
        ("demo-app", "packaging"),
        ("demo-app", "@types/node"),
        ("demo-app", "tiny-llama"),
        ("packaging", "numpy"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(relationships(&spdx, "DEPENDS_ON"), depends);
}

#[test]
fn odd_names_licences_and_versions_stay_valid() {
    let spdx = check_all_formats(&odd(), "odd");
    let root = package(&spdx, "<app> & \"quotes\" 'single' — naïve 模型 🤖");
    assert!(
        root["licenseDeclared"]
            .as_str()
            .unwrap()
            .starts_with("LicenseRef-My-Custom-Licence-Version-2-see-LICENSE-NOTICE-")
    );
    assert!(root.get("versionInfo").is_none());
    let lib = package(&spdx, "Ünïcödé <lib>");
    // Three licences SPDX cannot take as written, each its own LicenseRef, all applying.
    assert_eq!(
        lib["licenseDeclared"]
            .as_str()
            .unwrap()
            .matches("LicenseRef-")
            .count(),
        3
    );
    let empty = package(&spdx, "empty-version");
    assert!(empty.get("versionInfo").is_none());
    let licence = empty["licenseDeclared"].as_str().unwrap();
    // A declared `LicenseRef-` keeps its name (and is declared in the document).
    assert_eq!(
        licence,
        "LicenseRef-internal AND MIT AND (Apache-2.0 OR BSD-3-Clause)"
    );
    let model = package(&spdx, "odd model");
    assert_eq!(annotations(model), ["type=machine-learning-model"]);

    let xml = to_xml(&odd(), SpecVersion::V1_6, TIMESTAMP);
    assert!(xml.contains(
        "<name>&lt;app&gt; &amp; &quot;quotes&quot; &apos;single&apos; — naïve 模型 🤖</name>"
    ));
    assert!(xml.contains("<property name=\"name with &quot;quotes&quot; &amp; &lt;tags&gt;\">välue\twith tab</property>"));
}

#[test]
fn a_bom_with_only_its_root_is_valid() {
    let mut root = Component::new("lonely", Kind::Application, "lonely");
    root.version = Some("0.0.1".into());
    let bom = Bom::new(root);
    let spdx = check_all_formats(&bom, "root only");
    assert_eq!(spdx["packages"].as_array().unwrap().len(), 1);
    assert_eq!(spdx["packages"][0]["SPDXID"], "SPDXRef-lonely");
    assert_eq!(spdx["packages"][0]["licenseDeclared"], "NOASSERTION");
    assert!(spdx.get("hasExtractedLicensingInfos").is_none());
    let xml = to_xml(&bom, SpecVersion::V1_5, TIMESTAMP);
    assert!(xml.contains("<dependency ref=\"lonely\"/>"));
}

#[test]
fn hostile_data_still_makes_a_valid_spdx_document() {
    let bom = hostile();
    let spdx = to_spdx(&bom, TIMESTAMP, Some("https://example.com/sboms/#not-this"));
    assert_spdx_schema_valid(&spdx);
    assert_spdx_consistent(&spdx);
    let namespace = spdx["documentNamespace"].as_str().unwrap();
    assert!(
        namespace.starts_with("https://example.com/sboms/sbom-"),
        "{namespace}"
    );
    assert_eq!(spdx["name"], "sbom");

    let bad = package(&spdx, "bad\u{0}name");
    let facts = annotations(bad);
    for expected in [
        "purl=pkg:pypi/has space@1",
        "hash.SHA-256=ABC",
        "hash.CRC32=deadbeef",
        "externalReference.website=https://exa mple.com",
        "externalReference.vcs=",
    ] {
        assert!(facts.contains(&expected), "{expected} in {facts:?}");
    }
    // An upper-case hex digest is still a digest.
    assert_eq!(bad["checksums"][0]["checksumValue"], "a".repeat(40));
    // The twin `bom-ref` is the same component: one package; the dangling edges are dropped.
    assert!(
        spdx["packages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != "twin")
    );
    assert_eq!(relationships(&spdx, "DEPENDS_ON").len(), 1);

    // The XML writer cannot fix bad hashes, but it keeps the document well-formed.
    let xml = to_xml(&bom, SpecVersion::V1_6, TIMESTAMP);
    let mut reader = quick_xml::Reader::from_str(&xml);
    while reader.read_event().unwrap() != Event::Eof {}
    assert!(xml.contains("bad\u{FFFD}name"));

    if let Some(venv) = venv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hostile.spdx.json");
        std::fs::write(&path, serde_json::to_string_pretty(&spdx).unwrap()).unwrap();
        assert_pyspdxtools_valid(&venv, &path);
    }
}

#[test]
fn identity_follows_content() {
    let bom = representative();
    let spdx = to_spdx(&bom, TIMESTAMP, None);
    let namespace = spdx["documentNamespace"].as_str().unwrap().to_owned();
    assert!(
        namespace.starts_with("https://modelseal.dev/spdxdocs/demo-app-"),
        "{namespace}"
    );

    let mut changed = bom.clone();
    changed
        .components
        .get_mut("pkg:pypi/numpy@1.26.4")
        .unwrap()
        .version = Some("2.0.0".into());
    let other = to_spdx(&changed, TIMESTAMP, None);
    assert_ne!(other["documentNamespace"], namespace.as_str());
    assert_eq!(
        to_spdx(&changed, TIMESTAMP, None)["documentNamespace"],
        other["documentNamespace"]
    );

    let based = to_spdx(&bom, TIMESTAMP, Some("https://sbom.example.org/docs/"));
    let based = based["documentNamespace"].as_str().unwrap();
    assert_eq!(
        based.strip_prefix("https://sbom.example.org/docs/"),
        namespace.strip_prefix("https://modelseal.dev/spdxdocs/"),
        "the base replaces the default, the content part stays"
    );

    // RFC 3339 with an offset becomes the UTC form SPDX requires.
    let spdx = to_spdx(&bom, "2026-11-23T02:00:00.5+02:00", None);
    assert_eq!(spdx["creationInfo"]["created"], "2026-11-23T00:00:00Z");

    // XML and JSON of one BOM share the serial number; other content, other number.
    for spec in SPECS {
        let xml = xml_summary(&to_xml(&bom, spec, TIMESTAMP));
        assert_eq!(
            xml.serial,
            json_summary(&to_json(&bom, spec, TIMESTAMP)).serial
        );
        assert_ne!(
            xml.serial,
            xml_summary(&to_xml(&changed, spec, TIMESTAMP)).serial
        );
    }
}

#[test]
fn the_venv_is_valid_in_xml_and_spdx() {
    let Some(venv) = venv() else { return };
    let bom = collect_environment(&venv, &mut Diagnostics::strict()).unwrap();
    assert!(bom.components.len() > 50, "{}", bom.components.len());
    let spdx = check_all_formats(&bom, "venv");
    let numpy = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "numpy")
        .unwrap();
    assert_ne!(numpy["licenseDeclared"], "NOASSERTION");
    assert!(
        relationships(&spdx, "DEPENDS_ON")
            .contains(&("scikit-learn".to_owned(), "numpy".to_owned()))
    );
}
