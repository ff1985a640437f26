//! Parity with the peer: for the same venv, modelseal's component set equals what
//! `cyclonedx-py environment` (cyclonedx-bom 7.5) lists, it maps at least as many licences to
//! SPDX ids, and its dependency edges are a subset of the peer's. The documented difference:
//! cyclonedx-py draws an edge for every installed `Requires-Dist` target, also those only
//! required by an extra nobody installed or under a marker false here; modelseal evaluates
//! markers and extras (docs/sbom.md).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use crate::common::venv;
use modelseal_bom::cyclonedx::{SpecVersion, to_json};
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::python::{collect_environment, normalize_name};
use serde_json::Value;

fn names(document: &Value) -> BTreeMap<String, String> {
    document["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["bom-ref"].as_str().unwrap().to_owned(),
                normalize_name(c["name"].as_str().unwrap()),
            )
        })
        .collect()
}

fn components(document: &Value) -> BTreeSet<(String, String)> {
    document["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                normalize_name(c["name"].as_str().unwrap()),
                c["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn edges(document: &Value) -> BTreeSet<(String, String)> {
    let names = names(document);
    let mut out = BTreeSet::new();
    for dependency in document["dependencies"].as_array().unwrap() {
        let Some(from) = names.get(dependency["ref"].as_str().unwrap()) else {
            continue; // the root
        };
        for to in dependency["dependsOn"].as_array().into_iter().flatten() {
            out.insert((from.clone(), names[to.as_str().unwrap()].clone()));
        }
    }
    out
}

fn spdx_licensed(document: &Value) -> usize {
    document["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["licenses"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|l| l.get("expression").is_some() || l["license"].get("id").is_some())
        })
        .count()
}

#[test]
fn components_equal_cyclonedx_py_environment() {
    let Some(venv) = venv() else { return };
    let peer = Command::new(venv.join("bin/cyclonedx-py"))
        .args([
            "environment",
            "--of",
            "JSON",
            "--sv",
            "1.6",
            "--output-reproducible",
        ])
        .arg(venv.join("bin/python"))
        .output()
        .unwrap();
    assert!(
        peer.status.success(),
        "{}",
        String::from_utf8_lossy(&peer.stderr)
    );
    let peer: Value = serde_json::from_slice(&peer.stdout).unwrap();
    let bom = collect_environment(&venv, &mut Diagnostics::strict()).unwrap();
    let ours = to_json(&bom, SpecVersion::V1_6, "2026-11-23T00:00:00Z");

    assert_eq!(components(&ours), components(&peer));
    let (ours_spdx, peer_spdx) = (spdx_licensed(&ours), spdx_licensed(&peer));
    eprintln!("SPDX licences: modelseal {ours_spdx}, cyclonedx-py {peer_spdx}");
    assert!(ours_spdx >= peer_spdx, "{ours_spdx} < {peer_spdx}");
    let (ours_edges, peer_edges) = (edges(&ours), edges(&peer));
    let extra: Vec<_> = ours_edges.difference(&peer_edges).collect();
    assert!(
        extra.is_empty(),
        "edges cyclonedx-py does not have: {extra:?}"
    );
    assert!(
        ours_edges.len() * 2 > peer_edges.len(),
        "{} of {}",
        ours_edges.len(),
        peer_edges.len()
    );
}
