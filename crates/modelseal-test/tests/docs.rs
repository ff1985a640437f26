//! The architecture pages stay in step with the workspace: every crate is in
//! `crates/README.md` and in `docs/ARCHITECTURE.md`, whose "depends on" column is exactly the
//! `modelseal-*` entries of the crate's `[dependencies]`.

#![allow(clippy::disallowed_methods, clippy::unwrap_used)] // reads the repository's own files

use std::collections::BTreeMap;

use modelseal_test::workspace;

/// Crate name → its `modelseal-*` dependencies (without the prefix), from each Cargo.toml.
fn workspace_crates() -> BTreeMap<String, Vec<String>> {
    let mut crates = BTreeMap::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap()
            .to_owned();
        let mut section = "";
        let mut deps = Vec::new();
        for line in text.lines() {
            if line.starts_with('[') {
                section = line;
            } else if section == "[dependencies]"
                && let Some(dep) = line.strip_prefix("modelseal-")
            {
                deps.push(dep.split([' ', '.', '=']).next().unwrap().to_owned());
            }
        }
        deps.sort();
        crates.insert(name, deps);
    }
    crates
}

#[test]
fn architecture_and_crate_index_list_every_crate_with_its_real_dependencies() {
    let architecture = std::fs::read_to_string(workspace().join("docs/ARCHITECTURE.md")).unwrap();
    let index = std::fs::read_to_string(workspace().join("crates/README.md")).unwrap();
    let crates = workspace_crates();
    assert!(crates.len() >= 13, "{crates:?}");
    let mut rows = BTreeMap::new();
    for line in architecture.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [_, name, _, deps, _, _] = cells.as_slice()
            && let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`'))
        {
            let mut deps: Vec<String> = deps
                .split(", ")
                .filter(|d| *d != "—")
                .map(str::to_owned)
                .collect();
            deps.sort();
            rows.insert(name.to_owned(), deps);
        }
    }
    assert_eq!(
        rows, crates,
        "docs/ARCHITECTURE.md's stack table is out of step with the Cargo.toml files"
    );
    for name in crates.keys() {
        assert!(
            index.contains(&format!("[`{name}`]")),
            "crates/README.md does not list {name}"
        );
    }
}
