//! A real Python environment (the workspace's `.venv`, written by pip) through the collector and
//! the CycloneDX writer, validated against the official 1.5 and 1.6 schemas.

use std::path::Path;

use crate::common::{assert_schema_valid, venv};

use modelseal_bom::cyclonedx::{SpecVersion, to_json};
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::python::collect_environment;

#[test]
fn the_venv_becomes_a_valid_cyclonedx_bom() {
    let Some(venv) = venv() else { return };
    let mut diagnostics = Diagnostics::strict();
    let bom = collect_environment(&venv, &mut diagnostics).unwrap();
    assert_eq!(diagnostics.warnings(), [] as [String; 0]);
    // What scripts/peers-requirements.txt installs, at least.
    for name in ["numpy", "jax", "scikit-learn", "model-signing", "keras"] {
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
    let err = collect_environment(dir.path(), &mut Diagnostics::strict())
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "broken-1.0.dist-info/METADATA:2: expected `Field: value`, found \"this line is wrong\""
        ),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    assert!(
        collect_environment(empty.path(), &mut Diagnostics::strict())
            .unwrap_err()
            .to_string()
            .contains("no site-packages")
    );
}

/// Writes a distribution's `METADATA` (and `RECORD` unless told not to) under `site`.
fn install(site: &Path, name: &str, version: &str, requires: &[&str], record: bool) {
    let dist = site.join(format!("{name}-{version}.dist-info"));
    std::fs::create_dir_all(&dist).unwrap();
    let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        metadata += "Requires-Dist: ";
        metadata += r;
        metadata.push('\n');
    }
    std::fs::write(dist.join("METADATA"), metadata).unwrap();
    if record {
        std::fs::write(
            dist.join("RECORD"),
            format!("{name}/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"),
        )
        .unwrap();
    }
}

#[test]
fn markers_and_extras_decide_the_edges() {
    let venv = tempfile::tempdir().unwrap();
    std::fs::write(
        venv.path().join("pyvenv.cfg"),
        "home = /usr/bin\nversion = 3.11.4\n",
    )
    .unwrap();
    let site = venv.path().join("lib/python3.11/site-packages");
    install(
        &site,
        "app",
        "1.0",
        &[
            "lib[speed]>=1",
            "tomli; python_version < '3.11'",
            "pytest; extra == 'test'",
        ],
        true,
    );
    install(
        &site,
        "lib",
        "2.0",
        &["fast; extra == 'speed'", "slow; extra == 'other'"],
        true,
    );
    for name in ["fast", "slow", "tomli", "pytest"] {
        install(&site, name, "1.0", &[], true);
    }
    let bom = collect_environment(venv.path(), &mut Diagnostics::strict()).unwrap();
    let edges = |from: &str| -> Vec<String> {
        bom.dependencies
            .get(from)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(edges("pkg:pypi/app@1.0"), ["pkg:pypi/lib@2.0"]);
    assert_eq!(edges("pkg:pypi/lib@2.0"), ["pkg:pypi/fast@1.0"]);
    assert_eq!(bom.components.len(), 6);
    let app = &bom.components["pkg:pypi/app@1.0"];
    assert!(
        app.properties
            .iter()
            .any(|(k, v)| k == "modelseal:python:record-sha256" && v.len() == 64)
    );
}

#[test]
fn a_missing_record_fails_unless_best_effort() {
    let site = tempfile::tempdir().unwrap();
    install(site.path(), "good", "1.0", &[], true);
    install(site.path(), "norecord", "1.0", &[], false);
    let bad = site.path().join("broken-1.0.dist-info");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("METADATA"), "Name: broken\n").unwrap();
    let err = collect_environment(site.path(), &mut Diagnostics::strict())
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("broken-1.0.dist-info/METADATA: no Version field"),
        "{err}"
    );
    let mut diagnostics = Diagnostics::best_effort();
    let bom = collect_environment(site.path(), &mut diagnostics).unwrap();
    let names: Vec<&str> = bom.components.values().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["good", "norecord"]);
    assert_eq!(
        diagnostics.warnings().len(),
        2,
        "{:?}",
        diagnostics.warnings()
    );
    assert!(diagnostics.warnings()[0].contains("no Version field"));
    assert!(diagnostics.warnings()[1].contains("norecord-1.0.dist-info/RECORD: missing"));
}

/// F10: two `.dist-info` directories of one project (`dup-1.0` and `Dup-2.0`, a botched
/// upgrade) are both on disk; both are listed, as cyclonedx-py lists them, and what requires
/// the project points at both.
#[test]
fn f10_two_dist_infos_of_one_project_are_both_listed() {
    let site = tempfile::tempdir().unwrap();
    install(site.path(), "dup", "1.0", &[], true);
    install(site.path(), "Dup", "2.0", &[], true);
    install(site.path(), "user", "1.0", &["dup"], true);
    // The same version twice (two spellings of one name) is one component.
    install(site.path(), "Same", "3.0", &[], true);
    install(site.path(), "same", "3.0", &[], true);
    let mut diagnostics = Diagnostics::strict();
    let bom = collect_environment(site.path(), &mut diagnostics).unwrap();
    let refs: Vec<&str> = bom.components.keys().map(String::as_str).collect();
    assert_eq!(
        refs,
        [
            "pkg:pypi/dup@1.0",
            "pkg:pypi/dup@2.0",
            "pkg:pypi/same@3.0",
            "pkg:pypi/user@1.0"
        ]
    );
    let edges: Vec<&str> = bom.dependencies["pkg:pypi/user@1.0"]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(edges, ["pkg:pypi/dup@1.0", "pkg:pypi/dup@2.0"]);
    assert_eq!(diagnostics.warnings(), [] as [String; 0]);
}
