//! The documents modelseal writes for the same inputs (CycloneDX 1.5 and 1.6, JSON and XML, and
//! SPDX 2.3 JSON) say the same thing: `sbom diff` between any CycloneDX one and the SPDX one,
//! read back from their bytes, finds nothing added, removed or changed, in either direction.
//! Issue 12: a licence list (CycloneDX) against the `AND` expression SPDX must write, a model's
//! kind and a purl SPDX keeps in an annotation read as changes that did not exist.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::venv;
use crate::writers::representative;
use modelseal_bom::bom::{Bom, Component, Kind, License};
use modelseal_bom::cyclonedx::{SpecVersion, to_json};
use modelseal_bom::cyclonedx_xml::to_xml;
use modelseal_bom::diff::{diff, render_text};
use modelseal_bom::read::read_document;
use modelseal_bom::spdx_json::to_spdx;
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::model::collect_model;
use modelseal_sbom::python::collect_environment;
use modelseal_sbom::source::{collect_one, detect};

const TIMESTAMP: &str = "2026-11-23T00:00:00Z";

/// Every CycloneDX rendering of `bom`, by label, and the SPDX one, as bytes.
pub(crate) fn documents(bom: &Bom) -> (Vec<(String, Vec<u8>)>, Vec<u8>) {
    let mut cyclonedx = Vec::new();
    for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
        let json = serde_json::to_vec_pretty(&to_json(bom, spec, TIMESTAMP)).unwrap();
        cyclonedx.push((format!("CycloneDX {} JSON", spec.as_str()), json));
        let xml = to_xml(bom, spec, TIMESTAMP).into_bytes();
        cyclonedx.push((format!("CycloneDX {} XML", spec.as_str()), xml));
    }
    let spdx = serde_json::to_vec_pretty(&to_spdx(bom, TIMESTAMP, None)).unwrap();
    (cyclonedx, spdx)
}

/// `sbom diff` of each CycloneDX rendering against the SPDX one, both ways, is empty.
pub(crate) fn assert_cross_format_clean(bom: &Bom, label: &str) {
    let (cyclonedx, spdx) = documents(bom);
    let (spdx_bom, _) = read_document(&spdx).unwrap();
    for (format, bytes) in cyclonedx {
        let (cdx_bom, _) = read_document(&bytes).unwrap();
        for (old, new, direction) in [
            (&cdx_bom, &spdx_bom, "CycloneDX -> SPDX"),
            (&spdx_bom, &cdx_bom, "SPDX -> CycloneDX"),
        ] {
            let d = diff(old, new);
            assert!(
                d.is_empty(),
                "{label}, {format}, {direction}:\n{}",
                render_text(&d)
            );
        }
    }
}

/// Every shape of licence list a component can have that CycloneDX can hold: ids, a compound
/// expression beside ids and `LicenseRef-`s, names (one with several lines), text that is no
/// SPDX expression, lower-case ids; plus an empty version and a model without a purl.
fn licence_shapes() -> Bom {
    let mut bom = Bom::new(Component::new("app", Kind::Application, "app"));
    let shapes: Vec<Vec<License>> = vec![
        vec![
            License::Expression("MIT".into()),
            License::Expression("Apache-2.0".into()),
        ],
        vec![
            License::Expression("LicenseRef-internal".into()),
            License::Expression("MIT AND (Apache-2.0 OR BSD-3-Clause)".into()),
            License::Expression("ISC".into()),
        ],
        vec![License::Expression("Apache-2.0 OR MIT".into())],
        vec![
            License::Expression("mit".into()),
            License::Expression("GPL-2.0-or-later WITH Not-An-Exception".into()),
        ],
        vec![
            License::Expression("BSD-3-Clause".into()),
            License::Named("Custom Licence 1.0".into()),
            License::Named("Proprietary\n\nAll rights reserved & then some.".into()),
        ],
        vec![License::Named("Llama 2 Community License Agreement".into())],
    ];
    for (i, licenses) in shapes.into_iter().enumerate() {
        let name = format!("shape-{i}");
        let mut c = Component::package(format!("pkg:pypi/{name}@1.0"), &name, "1.0");
        c.licenses = licenses;
        bom.add(c);
    }
    bom.add(Component::package(
        "pkg:pypi/empty-version@",
        "empty-version",
        "",
    ));
    let mut model = Component::new("model:m", Kind::MachineLearningModel, "m");
    model.licenses = vec![License::Expression("Apache-2.0".into())];
    bom.add(model);
    bom
}

#[test]
fn cdx_and_spdx_of_every_licence_shape_diff_clean() {
    assert_cross_format_clean(&representative(), "representative");
    assert_cross_format_clean(&licence_shapes(), "licence shapes");
}

/// The one shape CycloneDX cannot hold: a compound expression and a named licence on one
/// component (CycloneDX takes one expression or a list, and a name cannot be written in an
/// expression). The SPDX document keeps the name; the diff says so rather than hiding it.
#[test]
fn a_name_beside_a_compound_expression_is_reported_not_hidden() {
    let mut bom = Bom::new(Component::new("app", Kind::Application, "app"));
    let mut c = Component::package("pkg:pypi/mixed@1.0", "mixed", "1.0");
    c.licenses = vec![
        License::Expression("MIT OR Apache-2.0".into()),
        License::Named("Custom Licence 1.0".into()),
    ];
    bom.add(c);
    let (cyclonedx, spdx) = documents(&bom);
    let (spdx_bom, _) = read_document(&spdx).unwrap();
    let (cdx_bom, _) = read_document(&cyclonedx[0].1).unwrap();
    let d = diff(&cdx_bom, &spdx_bom);
    assert_eq!(d.license_changed.len(), 1, "{}", render_text(&d));
    assert_eq!(d.license_changed[0].from, ["MIT OR Apache-2.0"]);
    assert_eq!(
        d.license_changed[0].to,
        ["Custom Licence 1.0", "MIT OR Apache-2.0"]
    );
}

#[test]
fn cdx_and_spdx_of_the_environment_diff_clean() {
    let Some(venv) = venv() else { return };
    let bom = collect_environment(&venv, &mut Diagnostics::strict()).unwrap();
    assert!(bom.components.len() > 20);
    assert_cross_format_clean(&bom, "the .venv");
}

fn lockfile_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lockfiles");
    let mut out = Vec::new();
    for project in std::fs::read_dir(root).unwrap() {
        for file in std::fs::read_dir(project.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.is_file() && detect(&path).is_ok_and(|s| s[0].path == path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn cdx_and_spdx_of_every_lockfile_diff_clean() {
    let lockfiles = lockfile_fixtures();
    // uv.lock, pylock.toml, requirements.txt, poetry (3), Pipfile.lock, Cargo.lock, npm (2).
    assert!(lockfiles.len() >= 10, "{lockfiles:?}");
    for path in lockfiles {
        let source = detect(&path).unwrap().remove(0);
        let bom = collect_one(&source, &mut Diagnostics::strict()).unwrap();
        assert!(!bom.components.is_empty(), "{}", path.display());
        assert_cross_format_clean(&bom, &path.display().to_string());
    }
}

/// A safetensors file by hand: an 8-byte header length, the JSON header, the data.
fn safetensors() -> Vec<u8> {
    let header = br#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}}"#;
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header);
    out.extend_from_slice(&[0u8; 16]);
    out
}

#[test]
fn cdx_and_spdx_of_models_diff_clean() {
    let dir = tempfile::tempdir().unwrap();
    // A Hugging Face directory whose card names an SPDX licence, one whose card names a
    // licence SPDX does not list, and a single weights file.
    for (name, license) in [
        ("tiny-llama", "license: apache-2.0"),
        (
            "tiny-other",
            "license: other\nlicense_name: Llama 2 Community License Agreement",
        ),
    ] {
        let model = dir.path().join(name);
        std::fs::create_dir(&model).unwrap();
        std::fs::write(model.join("model.safetensors"), safetensors()).unwrap();
        std::fs::write(
            model.join("config.json"),
            r#"{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}"#,
        )
        .unwrap();
        std::fs::write(
            model.join("README.md"),
            format!("---\n{license}\npipeline_tag: text-generation\n---\n# Tiny\n"),
        )
        .unwrap();
        let bom = collect_model(&model, &mut Diagnostics::strict()).unwrap();
        assert!(!bom.root.licenses.is_empty(), "{name}");
        assert_cross_format_clean(&bom, name);
    }
    let single = dir.path().join("weights.safetensors");
    std::fs::write(&single, safetensors()).unwrap();
    let bom = collect_model(&single, &mut Diagnostics::strict()).unwrap();
    assert_cross_format_clean(&bom, "weights.safetensors");

    // Models the real libraries wrote (GGUF too), when the peers are here.
    let Some(venv) = venv() else { return };
    let status = Command::new(venv.join("bin/python"))
        .args(["-c", crate::model::WRITE_MODELS])
        .arg(dir.path().join("real"))
        .status()
        .unwrap();
    assert!(status.success());
    for model in ["real/tiny-llama", "real/tiny.gguf"] {
        let bom = collect_model(&dir.path().join(model), &mut Diagnostics::strict()).unwrap();
        assert_cross_format_clean(&bom, model);
    }
}
