//! `pylock.toml` (PEP 751, lock-version 1.x): packages with their source (index, VCS,
//! directory or archive), files and hashes, and optionally their dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Graph, Locked, Source, check_lock_version, entry_context, project_root, push_hash, read_project,
};
use crate::collect::{CollectError, Diagnostics, parent_dir, parse_toml, read_text, toml_entries};
use modelseal_bom::bom::Bom;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Pylock {
    lock_version: Option<Spanned<String>>,
    #[serde(default)]
    packages: Vec<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PylockPackage {
    name: String,
    version: Option<String>,
    index: Option<String>,
    vcs: Option<PylockVcs>,
    directory: Option<PylockPath>,
    archive: Option<PylockFile>,
    sdist: Option<PylockFile>,
    #[serde(default)]
    wheels: Vec<PylockFile>,
    #[serde(default)]
    dependencies: Vec<PylockDependency>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PylockVcs {
    url: Option<String>,
    path: Option<String>,
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct PylockPath {
    path: String,
}

#[derive(Deserialize)]
struct PylockFile {
    url: Option<String>,
    path: Option<String>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct PylockDependency {
    name: Option<String>,
    version: Option<String>,
}

/// Reads a `pylock.toml` (PEP 751, lock-version 1.x). A package at directory `.` is the
/// project itself; edges are drawn where packages list `dependencies` (optional in the format),
/// and the root depends on every package nothing else depends on.
pub fn collect_pylock(path: &Path, diagnostics: &mut Diagnostics) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let lock: Pylock = parse_toml(path, &text)?;
    let version = lock
        .lock_version
        .as_ref()
        .ok_or_else(|| CollectError::invalid(path, None, "no lock-version: not a pylock.toml"))?;
    check_lock_version(path, &text, version, "pylock", 1..=1)?;
    let manifest = read_project(parent_dir(path), diagnostics)?;
    let mut graph = Graph::default();
    let mut packages: Vec<(usize, Vec<PylockDependency>)> = Vec::new();
    let mut project = None;
    for entry in toml_entries::<PylockPackage>(path, &text, lock.packages) {
        let Some((package, line)) = diagnostics.keep(entry)? else {
            continue;
        };
        let is_project = package
            .directory
            .as_ref()
            .is_some_and(|d| matches!(d.path.trim_end_matches('/'), "." | ""));
        let (locked, dependencies) = pylock_package(package, path, line, diagnostics);
        let index = graph.push(locked, line);
        if is_project && project.is_none() {
            project = Some(index);
        }
        packages.push((index, dependencies));
    }
    for (index, dependencies) in &packages {
        let mut deps = BTreeSet::new();
        for dependency in dependencies {
            let Some(name) = &dependency.name else {
                continue;
            };
            deps.extend(graph.named(name).iter().copied().filter(|&i| {
                dependency.version.is_none()
                    || graph.nodes.get(i).and_then(|n| n.locked.version.as_ref())
                        == dependency.version.as_ref()
            }));
        }
        if let Some(node) = graph.nodes.get_mut(*index) {
            node.deps = deps;
        }
    }
    let (name, version) = match project.and_then(|p| graph.nodes.get(p)) {
        Some(node) => (
            Some(node.locked.name.clone()),
            node.locked
                .version
                .clone()
                .or_else(|| manifest.as_ref().and_then(|m| m.version.clone())),
        ),
        None => (
            manifest.as_ref().and_then(|m| m.name.clone()),
            manifest.as_ref().and_then(|m| m.version.clone()),
        ),
    };
    let root = project_root(path, name.as_deref(), version.as_deref());
    let direct: BTreeSet<usize> = match project.and_then(|p| graph.nodes.get(p)) {
        Some(node) if !node.deps.is_empty() => node.deps.clone(),
        _ => graph
            .tops()
            .into_iter()
            .filter(|i| Some(*i) != project)
            .collect(),
    };
    let mut bom = Bom::new(root);
    graph.into_bom(
        &mut bom,
        path,
        project,
        &direct,
        &BTreeSet::new(),
        diagnostics,
    )?;
    Ok(bom)
}

fn pylock_package(
    package: PylockPackage,
    path: &Path,
    line: usize,
    diagnostics: &mut Diagnostics,
) -> (Locked, Vec<PylockDependency>) {
    let source = if let Some(vcs) = &package.vcs {
        match (&vcs.url, &vcs.path) {
            (Some(url), _) => Source::Vcs {
                url: url.clone(),
                commit: vcs.commit_id.clone(),
            },
            (None, local) => Source::Local(local.clone().unwrap_or_default()),
        }
    } else if let Some(directory) = &package.directory {
        Source::Local(directory.path.clone())
    } else if let Some(archive) = &package.archive {
        match (&archive.url, &archive.path) {
            (Some(url), _) => Source::Url(url.clone()),
            (None, local) => Source::Local(local.clone().unwrap_or_default()),
        }
    } else {
        Source::Index(package.index.clone())
    };
    let mut locked = Locked::new(&package.name, package.version.clone(), source);
    let context = entry_context(path, Some(line), &package.name);
    let files = package
        .archive
        .iter()
        .chain(&package.sdist)
        .chain(&package.wheels);
    for file in files {
        for (algorithm, value) in &file.hashes {
            let pin = format!("{algorithm}:{value}");
            push_hash(&mut locked.hashes, &pin, &context, diagnostics);
        }
    }
    (locked, package.dependencies)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::testing::{attrs_hashes, fixture};
    use super::*;
    use crate::collect::testing::{assert_rejects, collect_clean, component, deps, write_file};

    #[test]
    fn pylock_real_fixture() {
        let bom = collect_clean(collect_pylock, &fixture("uv/pylock.toml"));
        // The project is the package at directory "."; its version comes from pyproject.toml.
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-app@0.1.0");
        assert_eq!(bom.components.len(), 10);
        assert!(bom.components.contains_key("pkg:pypi/helper"));
        assert_eq!(deps(&bom, &bom.root.bom_ref).len(), 10);
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            attrs_hashes()
        );
    }

    #[test]
    fn pylock_dependencies_vcs_and_garbage() {
        let text = r#"lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "a"
version = "1.0"
dependencies = [{ name = "b" }]
wheels = [{ name = "a-1.0-py3-none-any.whl", url = "https://files.example/a-1.0-py3-none-any.whl", hashes = { sha256 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", sha512 = "nothex" } }]

[[packages]]
name = "b"
version = "2.0"
vcs = { type = "git", url = "https://github.com/acme/b", commit-id = "0123456789abcdef0123456789abcdef01234567" }
"#;
        let (_dir, path) = write_file("pylock.toml", text);
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_pylock(&path, &mut diagnostics).unwrap();
        let b = "pkg:pypi/b@2.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Fb%400123456789abcdef0123456789abcdef01234567";
        assert_eq!(deps(&bom, "pkg:pypi/a@1.0"), [b]);
        assert_eq!(deps(&bom, &bom.root.bom_ref), ["pkg:pypi/a@1.0"]);
        assert_eq!(component(&bom, "pkg:pypi/a@1.0").hashes.len(), 1);
        assert_eq!(
            diagnostics.warnings().len(),
            1,
            "the sha512 that is not hex"
        );
        assert_rejects(
            collect_pylock,
            "pylock.toml",
            &[
                ("", "no lock-version"),
                ("lock-version = \"2.0\"\n", "from the future"),
                ("lock-version = \"x\"\n", ":1: lock-version \"x\""),
                ("lock-version = \"0.9\"\n", ":1: lock-version \"0.9\""),
                (
                    "lock-version = \"1.0\"\n[[packages]]\nversion = \"1\"\n",
                    ":2: missing field `name`",
                ),
                ("lock-version = \"1.0\"\n[[packages]\n", ":2:"),
            ],
        );
    }
}
