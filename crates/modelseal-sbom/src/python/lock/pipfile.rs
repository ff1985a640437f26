//! `Pipfile.lock` (pipfile-spec 6): JSON with `default` and `develop` sections of pinned
//! packages and no edges between them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::{Locked, Source, entry_context, push_hash, pyproject_root, read_project};
use crate::collect::{CollectError, Diagnostics, json_key_line, parent_dir, parse_json, read_text};
use modelseal_bom::bom::{Bom, Component, Scope};

/// The `_meta.pipfile-spec` this reads.
const PIPFILE_SPEC: u64 = 6;

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    file: Option<String>,
    index: Option<String>,
}

/// Reads a `Pipfile.lock` (spec 6): `default` packages are required, `develop` ones optional.
/// The lockfile records no edges between packages, so every one hangs off the root.
pub fn collect_pipfile_lock(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let document: serde_json::Value = parse_json(path, &text)?;
    check_spec(path, &document)?;
    let indexes: BTreeMap<String, String> = document
        .pointer("/_meta/sources")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some((
                s.get("name")?.as_str()?.to_owned(),
                s.get("url")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let project = read_project(parent_dir(path), diagnostics)?;
    let mut bom = Bom::new(pyproject_root(path, project.as_ref()));
    let mut required: BTreeSet<String> = BTreeSet::new();
    for (section, scope) in [("default", None), ("develop", Some(Scope::Optional))] {
        let Some(entries) = document.get(section) else {
            continue;
        };
        let Some(entries) = entries.as_object() else {
            let line = json_key_line(&text, &[section]);
            let message = format!("`{section}` is not an object");
            diagnostics.recover(CollectError::invalid(path, line, message))?;
            continue;
        };
        for (name, value) in entries {
            let line = json_key_line(&text, &[section, name]);
            let added = pipfile_entry(path, line, name, value, &indexes, diagnostics);
            let Some(mut component) = diagnostics.keep(added)? else {
                continue;
            };
            if scope.is_none() {
                required.insert(component.bom_ref.clone());
            } else if required.contains(&component.bom_ref) {
                continue; // both sections: needed at run time
            }
            component.scope = scope;
            let root_ref = bom.root.bom_ref.clone();
            bom.depend(&root_ref, &component.bom_ref);
            bom.add(component);
        }
    }
    Ok(bom)
}

fn check_spec(path: &Path, document: &serde_json::Value) -> Result<(), CollectError> {
    let spec = document.pointer("/_meta/pipfile-spec");
    match spec.and_then(serde_json::Value::as_u64) {
        Some(PIPFILE_SPEC) => Ok(()),
        Some(other) if other > PIPFILE_SPEC => Err(CollectError::from_the_future(
            path,
            "pipfile-spec",
            other,
            PIPFILE_SPEC,
        )),
        _ => Err(CollectError::unsupported(
            path,
            format!(
                "_meta.pipfile-spec is {}, this reads {PIPFILE_SPEC}",
                spec.map_or_else(|| "missing".to_owned(), ToString::to_string)
            ),
        )),
    }
}

fn pipfile_entry(
    path: &Path,
    line: Option<usize>,
    name: &str,
    value: &serde_json::Value,
    indexes: &BTreeMap<String, String>,
    diagnostics: &mut Diagnostics,
) -> Result<Component, CollectError> {
    let entry = PipfileEntry::deserialize(value)
        .map_err(|e| CollectError::invalid(path, line, format!("{name}: {e}")))?;
    let source = if let Some(git) = &entry.git {
        Source::Vcs {
            url: git.clone(),
            commit: entry.reference.clone(),
        }
    } else if let Some(file) = &entry.file {
        if file.contains("://") && !file.starts_with("file:") {
            Source::Url(file.clone())
        } else {
            Source::Local(file.clone())
        }
    } else if let Some(local) = &entry.path {
        Source::Local(local.clone())
    } else {
        Source::Index(entry.index.as_ref().and_then(|i| indexes.get(i)).cloned())
    };
    let version = entry
        .version
        .as_deref()
        .map(|v| {
            v.trim_start_matches("===")
                .trim_start_matches("==")
                .trim()
                .to_owned()
        })
        .filter(|v| !v.is_empty());
    let context = entry_context(path, line, name);
    if version.is_none() {
        diagnostics.warn(format!("{context}: no pinned version"));
    }
    let mut locked = Locked::new(name, version, source);
    for text in &entry.hashes {
        push_hash(&mut locked.hashes, text, &context, diagnostics);
    }
    locked
        .component()
        .map_err(|message| CollectError::invalid(path, line, message))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::testing::{attrs_hashes, fixture};
    use super::*;
    use crate::collect::testing::{
        assert_rejects, best_effort_after_strict_error, collect_clean, component, deps, write_file,
    };

    #[test]
    fn pipfile_lock_real_fixture() {
        let bom = collect_clean(collect_pipfile_lock, &fixture("pipenv/Pipfile.lock"));
        assert_eq!(bom.root.bom_ref, "project:pipenv");
        assert_eq!(
            deps(&bom, "project:pipenv"),
            [
                "pkg:pypi/attrs@26.1.0",
                "pkg:pypi/idna@3.20",
                "pkg:pypi/iniconfig@2.3.1",
                "pkg:pypi/typing-extensions@4.16.0",
            ]
        );
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            attrs_hashes()
        );
        assert_eq!(
            component(&bom, "pkg:pypi/iniconfig@2.3.1").scope,
            Some(Scope::Optional)
        );
        assert_eq!(component(&bom, "pkg:pypi/idna@3.20").scope, None);
    }

    #[test]
    fn pipfile_lock_sources_and_garbage() {
        let text = r#"{
    "_meta": {"pipfile-spec": 6, "sources": [{"name": "corp", "url": "https://pypi.corp.example/simple", "verify_ssl": true}]},
    "default": {
        "both": {"version": "==1.0", "index": "corp"},
        "lib": {"git": "https://github.com/acme/lib.git", "ref": "0123456789abcdef0123456789abcdef01234567"},
        "local": {"editable": true, "path": "./local"},
        "broken": {"version": 3}
    },
    "develop": {
        "both": {"version": "==1.0", "index": "corp"}
    }
}"#;
        let (_dir, path) = write_file("Pipfile.lock", text);
        let (bom, warnings) = best_effort_after_strict_error(
            collect_pipfile_lock,
            &path,
            "Pipfile.lock:7: broken: invalid type",
        );
        let both = "pkg:pypi/both@1.0?repository_url=https:%2F%2Fpypi.corp.example%2Fsimple";
        assert_eq!(component(&bom, both).scope, None);
        let lib = "pkg:pypi/lib?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Flib.git%400123456789abcdef0123456789abcdef01234567";
        assert_eq!(component(&bom, lib).version, None);
        assert_eq!(component(&bom, "pkg:pypi/local").version, None);
        let warnings = warnings.join("\n");
        assert!(warnings.contains("lib: no pinned version"), "{warnings}");
        assert!(warnings.contains("broken"), "{warnings}");
        assert_rejects(
            collect_pipfile_lock,
            "Pipfile.lock",
            &[
                ("", "EOF"),
                ("{\"_meta\": {\"pipfile-spec\": 5}}", "pipfile-spec is 5"),
                ("{\"_meta\": {\"pipfile-spec\": 7}}", "from the future"),
                ("{\"default\": {}}", "pipfile-spec is missing"),
                ("[1, 2", ":1:"),
                (
                    "{\"_meta\": {\"pipfile-spec\": 6}, \"default\": []}",
                    "`default` is not an object",
                ),
            ],
        );
    }
}
