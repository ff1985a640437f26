//! Real lockfiles — written by uv, Poetry, pipenv, cargo and npm (see
//! `scripts/make-lockfile-fixtures.sh`), and the workspace's own `Cargo.lock` — through their
//! collectors and the CycloneDX writer, validated against the official 1.6 schema.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use modelseal_bom::bom::{Bom, Component, Hash, Kind, Scope};
use modelseal_bom::cyclonedx::{SpecVersion, to_json};
use modelseal_sbom::collect::{CollectError, Diagnostics};
use modelseal_sbom::npm::collect_package_lock;
use modelseal_sbom::python::{
    collect_pipfile_lock, collect_poetry_lock, collect_pylock, collect_requirements,
    collect_uv_lock,
};
use modelseal_sbom::rust::collect_cargo_lock;

type Collector = fn(&Path, &mut Diagnostics) -> Result<Bom, CollectError>;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lockfiles")
        .join(rel)
}

/// Collects `path` strictly, asserting that nothing in it was worth a warning and that the BOM,
/// as CycloneDX 1.6 JSON, is written the same twice and is valid against the official schema.
fn collect_valid(collect: Collector, path: &Path) -> Bom {
    let mut diagnostics = Diagnostics::strict();
    let bom = collect(path, &mut diagnostics).unwrap();
    assert_eq!(diagnostics.warnings(), [] as [String; 0]);
    let document = to_json(&bom, SpecVersion::V1_6, "2026-11-23T00:00:00Z");
    assert_eq!(
        document,
        to_json(&bom, SpecVersion::V1_6, "2026-11-23T00:00:00Z")
    );
    crate::common::assert_schema_valid(&document, SpecVersion::V1_6);
    bom
}

fn get<'a>(bom: &'a Bom, bom_ref: &str) -> &'a Component {
    bom.components
        .get(bom_ref)
        .unwrap_or_else(|| panic!("{bom_ref} missing: {:#?}", bom.components.keys()))
}

fn deps(bom: &Bom, from: &str) -> Vec<String> {
    bom.dependencies
        .get(from)
        .map(|d| d.iter().cloned().collect())
        .unwrap_or_default()
}

fn keys(bom: &Bom) -> Vec<&str> {
    bom.components.keys().map(String::as_str).collect()
}

fn sha256(value: &str) -> Hash {
    Hash {
        algorithm: "SHA-256",
        value: value.to_owned(),
    }
}

#[test]
fn cargo_fixture_with_a_package_root_and_a_workspace_member() {
    let bom = collect_valid(collect_cargo_lock, &fixture("cargo/Cargo.lock"));
    assert_eq!(bom.root.bom_ref, "pkg:cargo/demo-cli@0.4.0");
    assert_eq!(bom.root.kind, Kind::Application);
    assert_eq!(bom.root.purl.as_deref(), Some("pkg:cargo/demo-cli@0.4.0"));
    assert_eq!(
        keys(&bom),
        [
            "pkg:cargo/demo-core@0.4.0",
            "pkg:cargo/hex@0.4.3",
            "pkg:cargo/proc-macro2@1.0.107",
            "pkg:cargo/quote@1.0.47",
            "pkg:cargo/syn@2.0.119",
            "pkg:cargo/syn@3.0.10",
            "pkg:cargo/thiserror-impl@1.0.69",
            "pkg:cargo/thiserror-impl@2.0.21",
            "pkg:cargo/thiserror@1.0.69",
            "pkg:cargo/thiserror@2.0.21",
            "pkg:cargo/unicode-ident@1.0.27",
        ]
    );
    // The root package's own dependencies (a dev-dependency included: Cargo.lock does not
    // tell them apart), and the workspace member.
    assert_eq!(
        deps(&bom, "pkg:cargo/demo-cli@0.4.0"),
        [
            "pkg:cargo/demo-core@0.4.0",
            "pkg:cargo/hex@0.4.3",
            "pkg:cargo/thiserror@2.0.21"
        ]
    );
    // `thiserror 1.0.69` in the lockfile picks one of two locked versions.
    assert_eq!(
        deps(&bom, "pkg:cargo/demo-core@0.4.0"),
        ["pkg:cargo/hex@0.4.3", "pkg:cargo/thiserror@1.0.69"]
    );
    assert_eq!(
        deps(&bom, "pkg:cargo/thiserror-impl@2.0.21"),
        [
            "pkg:cargo/proc-macro2@1.0.107",
            "pkg:cargo/quote@1.0.47",
            "pkg:cargo/syn@3.0.10"
        ]
    );
    assert_eq!(
        get(&bom, "pkg:cargo/hex@0.4.3").hashes,
        [sha256(
            "7f24254aa9a54b5c858eaee2f5bccdb46aaf0e486a595ed5fd8f86ba55232a70"
        )]
    );
    let core = get(&bom, "pkg:cargo/demo-core@0.4.0");
    assert!(core.hashes.is_empty(), "a path crate has no checksum");
    assert_eq!(core.kind, Kind::Library);
    assert!(bom.components.values().all(|c| c.scope.is_none()));
}

/// The workspace's own lockfile (format 4, a virtual workspace of `crates/*`).
#[test]
fn the_workspace_cargo_lock() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock_path = workspace.join("Cargo.lock");
    let bom = collect_valid(collect_cargo_lock, &lock_path);
    assert!(
        bom.root.bom_ref.starts_with("project:"),
        "{}",
        bom.root.bom_ref
    );
    assert_eq!(bom.root.kind, Kind::Application);

    // What the lockfile holds, read independently: one component per [[package]], with the
    // checksum of every registry crate as its SHA-256.
    let lock: toml::Table = toml::from_str(&std::fs::read_to_string(&lock_path).unwrap()).unwrap();
    let packages = lock["package"].as_array().unwrap();
    assert_eq!(bom.components.len(), packages.len());
    for package in packages {
        let name = package["name"].as_str().unwrap();
        let version = package["version"].as_str().unwrap();
        // Build metadata (`0.1.13+1.0.8`) is percent-encoded in a purl.
        let purl = format!("pkg:cargo/{name}@{}", version.replace('+', "%2B"));
        let component = get(&bom, &purl);
        assert_eq!(component.name, name);
        assert_eq!(component.version.as_deref(), Some(version));
        match package.get("checksum").and_then(toml::Value::as_str) {
            Some(checksum) => assert_eq!(component.hashes, [sha256(checksum)], "{name}"),
            None => assert!(component.hashes.is_empty(), "{name}"),
        }
        let listed = package
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(
            deps(&bom, &component.bom_ref).len(),
            listed,
            "{name}: every dependency entry resolves to one locked crate"
        );
    }

    // The root depends on exactly the workspace members: `crates/*` with a Cargo.toml.
    let mut members = BTreeSet::new();
    for entry in std::fs::read_dir(workspace.join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(manifest) {
            let table: toml::Table = toml::from_str(&text).unwrap();
            let name = table["package"]["name"].as_str().unwrap().to_owned();
            members.insert(format!("pkg:cargo/{name}@0.1.0"));
        }
    }
    assert!(members.contains("pkg:cargo/modelseal-sbom@0.1.0"));
    let root_deps: BTreeSet<String> = deps(&bom, &bom.root.bom_ref).into_iter().collect();
    assert_eq!(root_deps, members);
    assert_eq!(bom.root.version.as_deref(), Some("0.1.0"));
    let sbom = deps(&bom, "pkg:cargo/modelseal-sbom@0.1.0");
    assert!(
        sbom.iter().any(|d| d.starts_with("pkg:cargo/packageurl@")),
        "{sbom:?}"
    );
    assert!(
        sbom.iter().any(|d| d == "pkg:cargo/modelseal-digest@0.1.0"),
        "{sbom:?}"
    );
}

const MS_2_1_3: &str = "e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394";
const TYPES_NODE: &str = "536f8336bfb04a3a6c4d2ff0646607abb19cc1fb9298a88abe83ef2b6db3c13951854f75c8e9e2378a914792a1223be27fbcacc3f773fe12a67c31f4462b3868";

/// What both npm fixtures (the same project locked as version 3 and version 2) hold.
fn assert_npm_fixture(dir: &str, root: &str) {
    let bom = &collect_valid(
        collect_package_lock,
        &fixture(&format!("{dir}/package-lock.json")),
    );
    assert_eq!(bom.root.bom_ref, root);
    assert_eq!(bom.root.kind, Kind::Application);
    assert_eq!(
        keys(bom),
        [
            "pkg:npm/%40demo/util@0.1.0",
            "pkg:npm/%40types/node@22.20.5",
            "pkg:npm/debug@2.6.9",
            "pkg:npm/is-number@7.0.0",
            "pkg:npm/left-pad@1.3.0",
            "pkg:npm/ms@2.0.0",
            "pkg:npm/ms@2.1.3",
            "pkg:npm/undici-types@6.21.0",
        ]
    );
    // Direct dependencies of every kind, and the workspace package.
    assert_eq!(
        deps(bom, root),
        [
            "pkg:npm/%40demo/util@0.1.0",
            "pkg:npm/%40types/node@22.20.5",
            "pkg:npm/debug@2.6.9",
            "pkg:npm/is-number@7.0.0",
            "pkg:npm/left-pad@1.3.0",
            "pkg:npm/ms@2.1.3",
        ]
    );
    // debug@2 needs ms@2.0.0, installed under it; the workspace resolves ms at the top.
    assert_eq!(deps(bom, "pkg:npm/debug@2.6.9"), ["pkg:npm/ms@2.0.0"]);
    assert_eq!(
        deps(bom, "pkg:npm/%40demo/util@0.1.0"),
        ["pkg:npm/ms@2.1.3"]
    );
    assert_eq!(
        deps(bom, "pkg:npm/%40types/node@22.20.5"),
        ["pkg:npm/undici-types@6.21.0"]
    );
    let types = get(bom, "pkg:npm/%40types/node@22.20.5");
    assert_eq!(types.group.as_deref(), Some("@types"));
    assert_eq!(types.name, "node");
    assert_eq!(
        types.hashes,
        [Hash {
            algorithm: "SHA-512",
            value: TYPES_NODE.into()
        }]
    );
    assert_eq!(
        get(bom, "pkg:npm/ms@2.1.3").hashes,
        [Hash {
            algorithm: "SHA-512",
            value: MS_2_1_3.into()
        }]
    );
    let util = get(bom, "pkg:npm/%40demo/util@0.1.0");
    assert!(
        util.hashes.is_empty(),
        "a workspace package has no integrity"
    );
    assert_eq!(util.group.as_deref(), Some("@demo"));
    assert_eq!(
        get(bom, "pkg:npm/left-pad@1.3.0").scope,
        Some(Scope::Optional)
    );
    assert_eq!(
        get(bom, "pkg:npm/is-number@7.0.0").scope,
        Some(Scope::Optional)
    );
    assert_eq!(get(bom, "pkg:npm/debug@2.6.9").scope, None);
    assert_eq!(get(bom, "pkg:npm/ms@2.0.0").scope, None);
}

#[test]
fn npm_lockfile_version_3() {
    assert_npm_fixture("npm", "pkg:npm/demo-web@2.0.0");
}

#[test]
fn npm_lockfile_version_2() {
    assert_npm_fixture("npm-v2", "pkg:npm/demo-web-v2@2.0.0");
}

/// Every Python fixture (checked in detail by the collectors' unit tests) as valid CycloneDX.
#[test]
fn python_lockfiles_are_valid_cyclonedx() {
    let cases: [(Collector, &str); 7] = [
        (collect_uv_lock, "uv/uv.lock"),
        (collect_pylock, "uv/pylock.toml"),
        (collect_requirements, "uv/requirements.txt"),
        (collect_poetry_lock, "poetry/poetry.lock"),
        (collect_poetry_lock, "poetry18/poetry.lock"),
        (collect_poetry_lock, "poetry11/poetry.lock"),
        (collect_pipfile_lock, "pipenv/Pipfile.lock"),
    ];
    for (collect, rel) in cases {
        let bom = collect_valid(collect, &fixture(rel));
        assert!(!bom.components.is_empty(), "{rel}");
    }
}
