//! `modelseal sbom validate`'s library against the outside world: the CycloneDX
//! specification's own `valid-*`/`invalid-*` documents (1.5 and 1.6) with and without the
//! official schemas, the official SPDX 2.3 example and broken variants of it, our writers'
//! output, and CycloneDX XML judged the same way as `cyclonedx-python-lib`'s XSD validator.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use modelseal_bom::bom::{
    Bom, Component, ExternalReference, Hash, Kind, License, ModelCard, Scope,
};
use modelseal_bom::cyclonedx::{SpecVersion, to_json, to_json_bytes};
use modelseal_bom::cyclonedx_xml::to_xml;
use modelseal_bom::validate::{
    Format, Options, Origin, ProblemLevel, Report, ValidateError, Validator, validate,
};
use serde_json::{Value, json};

use modelseal_test::official;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/validate")
        .join(name)
}

/// The specification's test documents, both versions, sorted by name.
fn spec_documents() -> Option<Vec<(String, Vec<u8>)>> {
    let root = official("fixtures/cyclonedx-spec-tests")?;
    let mut documents = Vec::new();
    for version in ["1.5", "1.6"] {
        for entry in std::fs::read_dir(root.join(version)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                documents.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    documents.sort();
    assert_eq!(documents.len(), 58 + 70, "the spec test documents changed");
    Some(documents)
}

/// Where each `invalid-*` document must be faulted (a suffix of an error's pointer): the
/// reason it is invalid, not some other problem.
const INVALID_AT: &[(&str, &str)] = &[
    ("invalid-bomformat", "/bomFormat"),
    ("invalid-component-ref", "/bom-ref"),
    ("invalid-component-swid", "/components/0/swid"),
    ("invalid-component-type", "/components/0/type"),
    ("invalid-dependency", "/dependencies/0"),
    ("invalid-empty-component", "/components/0"),
    ("invalid-hash-alg", "/components/0/hashes/0/alg"),
    ("invalid-hash-md5", "/components/0/hashes/0/content"),
    ("invalid-hash-sha1", "/components/0/hashes/1/content"),
    ("invalid-hash-sha256", "/components/0/hashes/2/content"),
    ("invalid-hash-sha512", "/components/0/hashes/3/content"),
    (
        "invalid-issue-type",
        "/components/0/pedigree/patches/0/resolves/0/type",
    ),
    ("invalid-license-choice", "/components/0/licenses/0/license"),
    (
        "invalid-license-declared-concluded-mix",
        "/components/2/licenses",
    ),
    (
        "invalid-license-encoding",
        "/components/0/licenses/0/license/text/encoding",
    ),
    ("invalid-license-id", "/components/0/licenses/0/license/id"),
    (
        "invalid-license-missing-id-and-name",
        "/components/0/licenses/0/license",
    ),
    (
        "invalid-metadata-license",
        "/metadata/licenses/0/license/id",
    ),
    ("invalid-metadata-timestamp", "/metadata/timestamp"),
    ("invalid-missing-component-type", "/components/0"),
    (
        "invalid-patch-type",
        "/components/0/pedigree/patches/0/type",
    ),
    ("invalid-properties", "/services/0/properties/2"),
    ("invalid-scope", "/components/0/scope"),
    ("invalid-serialnumber", "/serialNumber"),
    ("invalid-service-data", "/services/0/data/0/flow"),
];

/// Runs `validator` over the spec documents; returns the names judged wrongly, with why.
fn misjudged(validator: &Validator, origins: &[Origin]) -> Vec<String> {
    let Some(documents) = spec_documents() else {
        return Vec::new();
    };
    let mut wrong = Vec::new();
    for (name, bytes) in documents {
        let report = match validator.validate(&bytes) {
            Ok(report) => report,
            Err(e) => {
                wrong.push(format!("{name}: {e}"));
                continue;
            }
        };
        let errors: Vec<String> = report
            .errors()
            .filter(|p| origins.contains(&p.origin))
            .map(ToString::to_string)
            .collect();
        if name.starts_with("valid-") {
            if !errors.is_empty() {
                wrong.push(format!("{name} rejected: {errors:?}"));
            }
            continue;
        }
        let stem = name
            .rsplit_once('-')
            .map_or(name.as_str(), |(stem, _)| stem);
        let Some((_, at)) = INVALID_AT.iter().find(|(s, _)| *s == stem) else {
            wrong.push(format!("{name}: no expected reason in INVALID_AT"));
            continue;
        };
        // The schema reports a failed `oneOf` (the licence choice) at the enclosing list.
        let faulted = report.errors().any(|p| {
            origins.contains(&p.origin)
                && (p.pointer.ends_with(at)
                    || (p.origin == Origin::Schema
                        && !p.pointer.is_empty()
                        && at.starts_with(&p.pointer)))
        });
        if !faulted {
            wrong.push(format!("{name} not faulted at {at}: {errors:?}"));
        }
    }
    wrong
}

#[test]
fn the_built_in_layer_judges_every_spec_document_right() {
    let validator = Validator::new(&Options::default()).unwrap();
    let wrong = misjudged(&validator, &[Origin::Structure, Origin::Semantic]);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[cfg(feature = "schema")]
#[test]
fn the_official_schemas_judge_every_spec_document_right() {
    let Some(schemas) = official("schemas") else {
        return;
    };
    let validator = Validator::new(&Options {
        schema_dir: Some(&schemas),
    })
    .unwrap();
    // The schema layer alone, then both layers together.
    let wrong = misjudged(&validator, &[Origin::Schema]);
    assert!(wrong.is_empty(), "{wrong:#?}");
    let wrong = misjudged(
        &validator,
        &[Origin::Schema, Origin::Structure, Origin::Semantic],
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A user may point `--schema-dir` at the schemas as `cyclonedx-python-lib` ships them
/// (`bom-1.6.SNAPSHOT.schema.json` referring to `spdx.SNAPSHOT.schema.json`): same verdicts.
#[cfg(feature = "schema")]
#[test]
fn schemas_named_as_cyclonedx_python_lib_ships_them_judge_alike() {
    let Some(package) = modelseal_test::cyclonedx_python_lib_schemas() else {
        return;
    };
    assert!(package.join("bom-1.6.SNAPSHOT.schema.json").is_file());
    let validator = Validator::new(&Options {
        schema_dir: Some(&package),
    })
    .unwrap();
    let wrong = misjudged(&validator, &[Origin::Schema]);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

const SHA256: &str = "f498a8ff2dd007e29c2074f5e4b01a9a01775c3ff3aeaf6906ea503bc5791b7b";
const SHA512: &str = "e8f33e424f3f4ed6db76a482fde1a5298970e442c531729119e37991884bdffab4f9426b7ee11fccd074eeda0634d71697d6f88a460dce0ac8d627a29f7d1282";

/// A BOM with what our collectors produce: nested model files, a model card, properties,
/// licences of every kind, hashes, external references, a scoped npm package.
fn sample_bom() -> Bom {
    let mut root = Component::new("app", Kind::Application, "demo-app");
    root.version = Some("1.0.0".into());
    let mut bom = Bom::new(root);

    let mut model = Component::new("model:bert", Kind::MachineLearningModel, "bert-base");
    model.licenses = vec![License::Expression("Apache-2.0".into())];
    model.model_card = Some(ModelCard {
        task: Some("fill-mask".into()),
        architecture_family: Some("bert".into()),
        model_architecture: Some("BertForMaskedLM".into()),
        inputs: vec!["text".into()],
        outputs: vec!["text".into()],
        properties: vec![("parameters".into(), "110000000".into())],
        ..ModelCard::default()
    });
    let mut weights = Component::new(
        "model:bert/model.safetensors",
        Kind::File,
        "model.safetensors",
    );
    weights.hashes = vec![Hash {
        algorithm: "SHA-256",
        value: SHA256.into(),
    }];
    let mut config = Component::new("model:bert/config.json", Kind::File, "config.json");
    config.hashes = vec![Hash {
        algorithm: "SHA-512",
        value: SHA512.into(),
    }];
    model.components = vec![weights, config];

    let mut numpy = Component::package("pkg:pypi/numpy@2.1.0", "numpy", "2.1.0");
    numpy.scope = Some(Scope::Required);
    numpy.description = Some("Fundamental package for array computing".into());
    numpy.licenses = vec![License::Expression("BSD-3-Clause".into())];
    numpy.hashes = vec![Hash {
        algorithm: "SHA-256",
        value: SHA256.into(),
    }];
    numpy.external_references = vec![ExternalReference::new("website", "https://numpy.org")];
    numpy.properties = vec![("modelseal:source".into(), "environment".into())];

    let mut torch = Component::package("pkg:pypi/torch@2.5.0", "torch", "2.5.0");
    torch.licenses = vec![License::Expression("BSD-3-Clause OR MIT".into())];
    let mut scoped = Component::package("pkg:npm/%40acme/widgets@1.0.0", "widgets", "1.0.0");
    scoped.group = Some("@acme".into());
    scoped.scope = Some(Scope::Optional);
    scoped.licenses = vec![License::Named("Acme Proprietary Licence".into())];

    for component in [model, numpy, torch, scoped] {
        bom.add(component);
    }
    for on in ["model:bert", "pkg:pypi/numpy@2.1.0", "pkg:pypi/torch@2.5.0"] {
        bom.depend("app", on);
    }
    bom.depend("pkg:pypi/torch@2.5.0", "pkg:pypi/numpy@2.1.0");
    bom
}

fn json_bytes(document: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(document).unwrap()
}

fn problems(report: &Report) -> Vec<String> {
    report.problems.iter().map(ToString::to_string).collect()
}

fn both_layers() -> Vec<Validator> {
    #[cfg_attr(not(feature = "schema"), allow(unused_mut))]
    let mut validators = vec![Validator::new(&Options::default()).unwrap()];
    #[cfg(feature = "schema")]
    if let Some(schemas) = official("schemas") {
        validators.push(
            Validator::new(&Options {
                schema_dir: Some(&schemas),
            })
            .unwrap(),
        );
    }
    validators
}

#[test]
fn our_writers_output_is_valid_in_both_layers() {
    let bom = sample_bom();
    for validator in both_layers() {
        for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
            let document = to_json(&bom, spec, "2026-01-31T12:00:00Z");
            let report = validator.validate(&json_bytes(&document)).unwrap();
            assert_eq!(report.format, Format::CycloneDxJson { version: spec });
            assert!(report.problems.is_empty(), "{:#?}", problems(&report));

            let xml = to_xml(&bom, spec, "2026-01-31T12:00:00Z");
            let report = validator.validate(xml.as_bytes()).unwrap();
            assert_eq!(report.format, Format::CycloneDxXml { version: spec });
            assert!(report.problems.is_empty(), "{:#?}", problems(&report));
        }
    }
}

/// (pointer, origin, level) of every problem.
fn located(report: &Report) -> Vec<(String, Origin, ProblemLevel)> {
    report
        .problems
        .iter()
        .map(|p| (p.pointer.clone(), p.origin, p.level))
        .collect()
}

#[test]
fn what_schemas_miss_is_reported_where_it_is() {
    let mut document = to_json(&sample_bom(), SpecVersion::V1_6, "2026-01-31T12:00:00Z");
    let components = document["components"].as_array().unwrap().clone();
    let position = |bom_ref: &str| {
        components
            .iter()
            .position(|c| c["bom-ref"] == bom_ref)
            .unwrap()
    };
    let (model, numpy, torch) = (
        position("model:bert"),
        position("pkg:pypi/numpy@2.1.0"),
        position("pkg:pypi/torch@2.5.0"),
    );
    // A model file with its model's bom-ref, a dependency on nothing, a purl that is not one,
    // a SHA-512 digest of SHA-256 length.
    document["components"][model]["components"][1]["bom-ref"] = json!("model:bert");
    let app = document["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .position(|d| d["ref"] == "app")
        .unwrap();
    document["dependencies"][app]["dependsOn"]
        .as_array_mut()
        .unwrap()
        .push(json!("pkg:pypi/nothing@0"));
    document["components"][torch]["purl"] = json!("torch==2.5.0");
    document["components"][numpy]["hashes"][0]["alg"] = json!("SHA-512");
    let expected = vec![
        (
            format!("/components/{numpy}/hashes/0/content"),
            Origin::Semantic,
            ProblemLevel::Error,
        ),
        (
            format!("/components/{torch}/purl"),
            Origin::Semantic,
            ProblemLevel::Error,
        ),
        (
            format!("/components/{model}/components/1/bom-ref"),
            Origin::Semantic,
            ProblemLevel::Error,
        ),
        (
            format!("/dependencies/{app}/dependsOn/3"),
            Origin::Semantic,
            ProblemLevel::Error,
        ),
    ];
    for validator in both_layers() {
        // The official schema finds nothing wrong: these are exactly what it misses.
        let report = validator.validate(&json_bytes(&document)).unwrap();
        assert!(!report.is_valid());
        assert_eq!(located(&report), expected, "{:#?}", problems(&report));
    }
    let report = validate(&json_bytes(&document), &Options::default()).unwrap();
    let messages = problems(&report);
    assert!(
        messages[2].ends_with(&format!(
            "bom-ref `model:bert` is already declared at /components/{model}/bom-ref"
        )),
        "{messages:#?}"
    );
    assert!(messages[3].ends_with("bom-ref `pkg:pypi/nothing@0` is not declared in this document"));
}

#[test]
fn the_official_spdx_example_is_valid_in_both_layers() {
    let Some(example) = official("fixtures/spdx-example-2.3.json") else {
        return;
    };
    let bytes = std::fs::read(example).unwrap();
    for validator in both_layers() {
        let report = validator.validate(&bytes).unwrap();
        assert_eq!(report.format, Format::Spdx23Json);
        assert!(report.problems.is_empty(), "{:#?}", problems(&report));
    }
}

type Mutation = Box<dyn Fn(&mut Value)>;

/// Ways to break the SPDX example: (what, how, where the error must be).
#[allow(clippy::too_many_lines)] // a table
fn spdx_breakages(example: &Value) -> Vec<(&'static str, Mutation, String)> {
    let package = |document: &Value, id: &str| {
        document["packages"]
            .as_array()
            .unwrap()
            .iter()
            .position(|p| p["SPDXID"] == id)
            .unwrap()
    };
    let glibc = package(example, "SPDXRef-Package");
    let jena = package(example, "SPDXRef-fromDoap-0");
    let saxon = package(example, "SPDXRef-Saxon");
    vec![
        (
            "data licence",
            Box::new(|d| d["dataLicense"] = json!("MIT")),
            "/dataLicense".into(),
        ),
        (
            "document id",
            Box::new(|d| d["SPDXID"] = json!("SPDXRef-DOC")),
            "/SPDXID".into(),
        ),
        (
            "namespace with a fragment",
            Box::new(|d| d["documentNamespace"] = json!("https://example.com/doc#part")),
            "/documentNamespace".into(),
        ),
        (
            "relative namespace",
            Box::new(|d| d["documentNamespace"] = json!("spdxdocs/example")),
            "/documentNamespace".into(),
        ),
        (
            "creation time not in UTC",
            Box::new(|d| d["creationInfo"]["created"] = json!("2010-01-29T18:30:22+02:00")),
            "/creationInfo/created".into(),
        ),
        (
            "no creators",
            Box::new(|d| d["creationInfo"]["creators"] = json!([])),
            "/creationInfo/creators".into(),
        ),
        (
            "creator without a kind",
            Box::new(|d| d["creationInfo"]["creators"][0] = json!("LicenseFind-1.0")),
            "/creationInfo/creators/0".into(),
        ),
        (
            "malformed element id",
            Box::new(move |d| d["packages"][jena]["SPDXID"] = json!("SPDXRef-from_doap")),
            format!("/packages/{jena}/SPDXID"),
        ),
        (
            "duplicate element id",
            Box::new(move |d| d["packages"][jena]["SPDXID"] = json!("SPDXRef-Saxon")),
            // The second declaration is the one at fault.
            format!("/packages/{}/SPDXID", jena.max(saxon)),
        ),
        (
            "relationship to nothing",
            Box::new(|d| d["relationships"][2]["relatedSpdxElement"] = json!("SPDXRef-Nothing")),
            "/relationships/2/relatedSpdxElement".into(),
        ),
        (
            "relationship from NOASSERTION",
            Box::new(|d| d["relationships"][2]["spdxElementId"] = json!("NOASSERTION")),
            "/relationships/2/spdxElementId".into(),
        ),
        (
            "undeclared external document",
            Box::new(|d| {
                d["relationships"][1]["relatedSpdxElement"] =
                    json!("DocumentRef-unknown:SPDXRef-ToolsElement");
            }),
            "/relationships/1/relatedSpdxElement".into(),
        ),
        (
            "describes nothing",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("documentDescribes");
            }),
            String::new(),
        ),
        (
            "missing download location",
            Box::new(move |d| {
                d["packages"][jena]
                    .as_object_mut()
                    .unwrap()
                    .remove("downloadLocation");
            }),
            format!("/packages/{jena}"),
        ),
        (
            "checksum of the wrong length",
            Box::new(move |d| {
                d["packages"][glibc]["checksums"][1]["checksumValue"] =
                    json!("624c1abb3664f4b35547e7c73864ad24");
            }),
            format!("/packages/{glibc}/checksums/1/checksumValue"),
        ),
        (
            "unknown checksum algorithm",
            Box::new(move |d| d["packages"][glibc]["checksums"][0]["algorithm"] = json!("CRC32")),
            format!("/packages/{glibc}/checksums/0/algorithm"),
        ),
        (
            "undeclared licence reference",
            Box::new(move |d| {
                d["packages"][glibc]["licenseConcluded"] = json!("(LGPL-2.0-only OR LicenseRef-9)");
            }),
            format!("/packages/{glibc}/licenseConcluded"),
        ),
        (
            "licence expression that does not parse",
            Box::new(move |d| d["packages"][glibc]["licenseDeclared"] = json!("LGPL-2.0-only AND")),
            format!("/packages/{glibc}/licenseDeclared"),
        ),
        (
            "purl locator that does not parse",
            Box::new(move |d| {
                d["packages"][jena]["externalRefs"][0]["referenceLocator"] =
                    json!("maven:org.apache.jena/apache-jena");
            }),
            format!("/packages/{jena}/externalRefs/0/referenceLocator"),
        ),
        (
            "unknown field",
            Box::new(move |d| d["packages"][jena]["colour"] = json!("red")),
            format!("/packages/{jena}/colour"),
        ),
    ]
}

#[test]
fn broken_spdx_documents_are_faulted_where_they_break() {
    let Some(example) = official("fixtures/spdx-example-2.3.json") else {
        return;
    };
    let example: Value = serde_json::from_slice(&std::fs::read(example).unwrap()).unwrap();
    let validator = Validator::new(&Options::default()).unwrap();
    let mut wrong = Vec::new();
    for (what, mutate, at) in &spdx_breakages(&example) {
        let mut document = example.clone();
        mutate(&mut document);
        let report = validator.validate(&json_bytes(&document)).unwrap();
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        let faulted = report.errors().any(|p| p.pointer.ends_with(at.as_str()));
        if !faulted || (at.is_empty() && !report.errors().any(|p| p.pointer.is_empty())) {
            wrong.push(format!(
                "{what}: expected an error at {at:?}, got {errors:#?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// `cyclonedx-python-lib`'s XSD verdict on each document: `None` when valid, else the error.
fn xsd_verdicts(documents: &[(SpecVersion, String)]) -> Option<Vec<Option<String>>> {
    let venv = modelseal_test::venv()?;
    let script = r"
import json, sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.xml import XmlValidator
for version, text in json.load(sys.stdin):
    error = XmlValidator(SchemaVersion.from_version(version)).validate_str(text)
    print(json.dumps(None if error is None else str(error)))
";
    let input: Vec<(&str, &str)> = documents
        .iter()
        .map(|(version, text)| (version.as_str(), text.as_str()))
        .collect();
    let mut child = Command::new(venv.join("bin/python"))
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&input).unwrap())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the XSD validator failed");
    Some(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
    )
}

/// Ways to break the XML fixture: (what, document, where our error is, whether the XSD also
/// rejects it).
fn xml_breakages(small: &str) -> Vec<(&'static str, String, &'static str, bool)> {
    vec![
        (
            "unknown component type",
            small.replace(r#"type="library""#, r#"type="foo""#),
            "/bom/components/component[2]/@type",
            true,
        ),
        (
            "component without a name",
            small.replace("<name>model.safetensors</name>", ""),
            "/bom/components/component[1]/components/component[1]",
            true,
        ),
        (
            "duplicate bom-ref",
            small.replace(r#"bom-ref="model/weights""#, r#"bom-ref="model""#),
            "/bom/components/component[1]/components/component[1]/@bom-ref",
            true,
        ),
        (
            "unknown hash algorithm",
            small.replace(r#"alg="SHA-256""#, r#"alg="SHA-257""#),
            "/bom/components/component[1]/hashes/hash[1]/@alg",
            true,
        ),
        (
            "licence id not on the SPDX list",
            small.replace("<id>Apache-2.0</id>", "<id>Apache-2</id>"),
            "/bom/components/component[1]/licenses/license[1]/id",
            true,
        ),
        (
            "licences mixed with an expression",
            small.replace(
                "<expression>BSD-3-Clause OR MIT</expression>",
                "<license><id>MIT</id></license><expression>MIT</expression>",
            ),
            "/bom/components/component[2]/licenses",
            true,
        ),
        (
            "unknown scope",
            small.replace("<scope>required</scope>", "<scope>always</scope>"),
            "/bom/components/component[2]/scope",
            true,
        ),
        (
            "malformed serial number",
            small.replace(
                "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
                "urn:uuid:x",
            ),
            "/bom/@serialNumber",
            true,
        ),
        // What the XSD misses.
        (
            "dependency on nothing",
            small.replace(
                r#"<dependency ref="model"/>"#,
                r#"<dependency ref="nothing"/>"#,
            ),
            "/bom/dependencies/dependency[1]/dependency[1]/@ref",
            false,
        ),
        (
            "dependencies listed twice",
            small.replace(
                r#"<dependency ref="pkg:pypi/numpy@2.1.0"/>
  </dependencies>"#,
                r#"<dependency ref="model"/>
  </dependencies>"#,
            ),
            "/bom/dependencies/dependency[3]/@ref",
            false,
        ),
        (
            "digest of the wrong length",
            small.replace(SHA256, &SHA256[..32]),
            "/bom/components/component[1]/hashes/hash[1]",
            false,
        ),
        (
            "purl that does not parse",
            small.replace(
                "<purl>pkg:pypi/numpy@2.1.0</purl>",
                "<purl>numpy==2.1.0</purl>",
            ),
            "/bom/components/component[2]/purl",
            false,
        ),
        (
            "expression that does not parse",
            small.replace("BSD-3-Clause OR MIT", "BSD-3-Clause OR"),
            "/bom/components/component[2]/licenses/expression[1]",
            false,
        ),
    ]
}

#[test]
fn xml_is_judged_like_the_official_xsd() {
    let small = std::fs::read_to_string(fixture("bom-1.6.xml")).unwrap();
    let ours = to_xml(&sample_bom(), SpecVersion::V1_5, "2026-01-31T12:00:00Z");
    let variants = xml_breakages(&small);
    for (what, document, _, _) in &variants {
        assert_ne!(document, &small, "{what}: the change did not apply");
    }

    let mut wrong = Vec::new();
    for (what, document, at, _) in &variants {
        let report = validate(document.as_bytes(), &Options::default()).unwrap();
        if !report.errors().any(|p| p.pointer == *at) {
            wrong.push(format!(
                "{what}: no error at {at}: {:#?}",
                problems(&report)
            ));
        }
    }
    for document in [&small, &ours] {
        let report = validate(document.as_bytes(), &Options::default()).unwrap();
        assert!(report.problems.is_empty(), "{:#?}", problems(&report));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    let mut documents = vec![
        (SpecVersion::V1_6, small.clone()),
        (SpecVersion::V1_5, ours),
    ];
    documents.extend(
        variants
            .iter()
            .map(|(_, d, _, _)| (SpecVersion::V1_6, d.clone())),
    );
    let Some(verdicts) = xsd_verdicts(&documents) else {
        return;
    };
    assert_eq!(verdicts[0], None, "the fixture is valid XML for the XSD");
    assert_eq!(verdicts[1], None, "our writer's XML is valid for the XSD");
    let disagreements: Vec<String> = variants
        .iter()
        .zip(&verdicts[2..])
        .filter(|((_, _, _, xsd_rejects), verdict)| verdict.is_some() != *xsd_rejects)
        .map(|((what, ..), verdict)| format!("{what}: XSD says {verdict:?}"))
        .collect();
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[cfg(feature = "schema")]
#[test]
fn schema_directories_are_checked_when_opened() {
    let empty = tempfile::tempdir().unwrap();
    let error = Validator::new(&Options {
        schema_dir: Some(empty.path()),
    })
    .unwrap_err();
    assert!(
        matches!(error, ValidateError::EmptySchemaDir { .. }),
        "{error}"
    );
    let missing = empty.path().join("nowhere");
    let error = Validator::new(&Options {
        schema_dir: Some(&missing),
    })
    .unwrap_err();
    assert!(matches!(error, ValidateError::SchemaIo { .. }), "{error}");

    // A directory with an SPDX schema only (a trivial stand-in) cannot check CycloneDX.
    let spdx_only = tempfile::tempdir().unwrap();
    std::fs::write(
        spdx_only.path().join("spdx-2.3.schema.json"),
        r#"{"type": "object", "required": ["creationInfo"]}"#,
    )
    .unwrap();
    let validator = Validator::new(&Options {
        schema_dir: Some(spdx_only.path()),
    })
    .unwrap();
    let cyclonedx = json_bytes(&to_json(
        &sample_bom(),
        SpecVersion::V1_6,
        "2026-01-31T12:00:00Z",
    ));
    let error = validator.validate(&cyclonedx).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{} has no bom-1.6.schema.json, needed for CycloneDX 1.6 JSON",
            spdx_only.path().display()
        )
    );
    let report = validator
        .validate(br#"{"spdxVersion": "SPDX-2.3"}"#)
        .unwrap();
    let schema_errors: Vec<&str> = report
        .problems
        .iter()
        .filter(|p| p.origin == Origin::Schema)
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(schema_errors, [r#""creationInfo" is a required property"#]);

    std::fs::write(spdx_only.path().join("bom-1.6.schema.json"), "{ not json").unwrap();
    let error = Validator::new(&Options {
        schema_dir: Some(spdx_only.path()),
    })
    .unwrap_err();
    assert!(error.to_string().contains("not JSON"), "{error}");
}

/// Reading a document back (`diff`, `audit`) and validating it decide its format with one
/// sniffer. They used to disagree on each of these: a UTF-8 byte-order mark (read: not JSON;
/// validate: CycloneDX), an object naming both `spdxVersion` and `bomFormat` (read: CycloneDX;
/// validate: SPDX) and `specVersion` without `bomFormat` (read: unknown; validate: CycloneDX).
#[test]
fn reading_and_validating_classify_documents_alike() {
    use modelseal_bom::read::{DocumentFormat, read_document};
    let cases: [(&[u8], DocumentFormat); 3] = [
        (
            b"\xEF\xBB\xBF{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\"}",
            DocumentFormat::CycloneDxJson,
        ),
        (
            br#"{"spdxVersion": "SPDX-2.3", "bomFormat": "CycloneDX", "specVersion": "1.6"}"#,
            DocumentFormat::SpdxJson,
        ),
        (br#"{"specVersion": "1.6"}"#, DocumentFormat::CycloneDxJson),
    ];
    for (bytes, expected) in cases {
        let text = String::from_utf8_lossy(bytes);
        let (_, read) = read_document(bytes).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(read, expected, "{text}");
        let validated = validate(bytes, &Options::default()).unwrap().format;
        let validated_as = match validated {
            Format::CycloneDxJson { .. } => DocumentFormat::CycloneDxJson,
            Format::CycloneDxXml { .. } => DocumentFormat::CycloneDxXml,
            Format::Spdx23Json => DocumentFormat::SpdxJson,
        };
        assert_eq!(validated_as, expected, "{text}");
    }
}

/// Without the `schema` feature there is no schema layer: a schema directory is refused, not
/// silently ignored (which would pass documents the user asked to check against the schemas).
#[cfg(not(feature = "schema"))]
#[test]
fn without_the_schema_feature_a_schema_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = Validator::new(&Options {
        schema_dir: Some(dir.path()),
    })
    .unwrap_err();
    assert!(
        matches!(error, ValidateError::SchemaFeatureDisabled { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("`schema` feature"), "{error}");
    const { assert!(!modelseal_bom::validate::SCHEMAS_SUPPORTED) };
}

#[test]
fn reports_serialise_for_the_cli() {
    let report = validate(
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 0}"#,
        &Options::default(),
    )
    .unwrap();
    let by_origin: BTreeMap<String, usize> =
        report
            .problems
            .iter()
            .fold(BTreeMap::new(), |mut counts, p| {
                *counts.entry(format!("{:?}", p.origin)).or_default() += 1;
                counts
            });
    assert_eq!(by_origin, BTreeMap::from([("Structure".to_owned(), 1)]));
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        json!({
            "format": {"format": "cyclonedx-json", "version": "1.5"},
            "problems": [{
                "pointer": "/version",
                "message": "must be at least 1, found 0",
                "origin": "structure",
                "severity": "error",
            }],
        })
    );
}

/// Red team F4 (L17): the streamed writer `sbom create` uses must write exactly the bytes of
/// the `Value` document (serial number included), which it no longer builds.
#[test]
fn streamed_cyclonedx_json_is_the_value_document_byte_for_byte() {
    for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
        let bom = sample_bom();
        let value =
            serde_json::to_vec_pretty(&to_json(&bom, spec, "2026-01-31T12:00:00Z")).unwrap();
        let streamed = to_json_bytes(&bom, spec, "2026-01-31T12:00:00Z").unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(value).unwrap()
        );
    }
}

/// Red team 5-A, in the SBOM writer: package metadata (names, licences, descriptions) is
/// untrusted text; hidden characters never reach the document raw, and read back the same.
#[test]
fn hidden_characters_in_package_metadata_are_written_escaped() {
    let mut bom = sample_bom();
    let mut evil = Component::new("evil", Kind::Library, "evil\u{202e}txt.exe\u{1b}[31m\u{9b}");
    evil.version = Some("1.0\u{2028}".into());
    bom.add(evil);
    for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
        let bytes = to_json_bytes(&bom, spec, "2026-01-31T12:00:00Z").unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for hidden in ['\u{202e}', '\u{1b}', '\u{9b}', '\u{2028}'] {
            assert!(!text.contains(hidden), "{hidden:?} written raw");
        }
        let parsed: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(parsed.to_string().contains("evil\u{202e}txt.exe"));
    }
}

/// Issue 14 (1): Project-URLs as real packages write them (a second `#`, spaces, `|`, a
/// scheme-like prefix) made documents that cyclonedx-python-lib's strict validators reject.
/// Every link written is now an IRI reference (percent-encoded) or dropped.
#[test]
fn links_from_real_metadata_are_written_as_iri_references_the_official_validators_accept() {
    let mut bom = sample_bom();
    let mut aiohttp = Component::package("pkg:pypi/aiohttp@3.9.0", "aiohttp", "3.9.0");
    aiohttp.external_references = [
        ("chat", "https://matrix.to/#/#aio-libs-space:matrix.org"),
        (
            "documentation",
            "https://docs.aiohttp.org/en/stable/ index.html",
        ),
        ("website", "https://example.org/a|b\\c"),
        ("other", "ht tp://not-a-scheme.example"),
    ]
    .into_iter()
    .map(|(kind, url)| ExternalReference::new(kind, url))
    .collect();
    bom.add(aiohttp);
    let document = to_json(&bom, SpecVersion::V1_6, "2026-01-31T12:00:00Z");
    let text = serde_json::to_string(&document).unwrap();
    assert!(
        text.contains("https://matrix.to/#/%23aio-libs-space:matrix.org"),
        "{text}"
    );
    assert!(!text.contains("not-a-scheme"), "{text}");
    let xml = to_xml(&bom, SpecVersion::V1_6, "2026-01-31T12:00:00Z");
    assert!(!xml.contains("not-a-scheme"), "{xml}");
    let Some(venv) = modelseal_test::venv() else {
        return;
    };
    let script = r"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
json_text, xml_text = open(sys.argv[1]).read(), open(sys.argv[2]).read()
for error in (JsonStrictValidator(SchemaVersion.V1_6).validate_str(json_text),
              XmlValidator(SchemaVersion.V1_6).validate_str(xml_text)):
    if error is not None:
        sys.exit(str(error)[:2000])
";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bom.json"), &text).unwrap();
    std::fs::write(dir.path().join("bom.xml"), &xml).unwrap();
    let output = Command::new(venv.join("bin/python"))
        .args(["-c", script])
        .arg(dir.path().join("bom.json"))
        .arg(dir.path().join("bom.xml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
