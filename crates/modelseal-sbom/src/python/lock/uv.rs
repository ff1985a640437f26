//! `uv.lock` (format version 1): packages with their sources, artifacts and dependency entries;
//! the project and other workspace members are `editable` or `virtual` packages.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Graph, Locked, Source, entry_context, project_root, push_hash, read_project};
use crate::collect::{
    CollectError, Diagnostics, line_column, parent_dir, parse_toml, read_text, toml_entries,
};
use modelseal_bom::bom::Bom;

/// The newest `uv.lock` format version this reads.
const UV_LOCK_VERSION: i64 = 1;

#[derive(Deserialize)]
struct UvLock {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    package: Vec<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct UvPackage {
    name: String,
    version: Option<String>,
    source: Option<BTreeMap<String, String>>,
    #[serde(default)]
    dependencies: Vec<UvDependency>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<UvDependency>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<UvDependency>>,
    sdist: Option<UvArtifact>,
    #[serde(default)]
    wheels: Vec<UvArtifact>,
}

#[derive(Deserialize)]
struct UvDependency {
    name: String,
    version: Option<String>,
    source: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct UvArtifact {
    hash: Option<String>,
}

/// uv's `source` table: `registry`, `git`, `url`, `path`, `directory`, `editable`, `virtual`.
fn uv_source(source: Option<&BTreeMap<String, String>>) -> Source {
    let Some(source) = source else {
        return Source::Index(None);
    };
    if let Some(url) = source.get("registry") {
        return Source::Index(Some(url.clone()));
    }
    if let Some(git) = source.get("git") {
        // `https://host/repo?rev=main#<commit>`: the fragment is the pinned commit.
        let (url, commit) = match git.split_once('#') {
            Some((url, commit)) => (url, Some(commit.to_owned())),
            None => (git.as_str(), None),
        };
        let url = url.split_once('?').map_or(url, |(u, _)| u);
        return Source::Vcs {
            url: url.to_owned(),
            commit,
        };
    }
    if let Some(url) = source.get("url") {
        return Source::Url(url.clone());
    }
    let local = ["path", "directory", "editable", "virtual"]
        .iter()
        .find_map(|k| source.get(*k));
    Source::Local(local.cloned().unwrap_or_default())
}

/// A workspace member (the project or a sibling package being developed): where it is.
fn uv_member(source: Option<&BTreeMap<String, String>>) -> Option<&str> {
    let source = source?;
    source
        .get("editable")
        .or_else(|| source.get("virtual"))
        .map(String::as_str)
}

/// Reads a `uv.lock`. The project is the package whose source is `editable = "."` or
/// `virtual = "."`; other workspace members are root dependencies.
pub fn collect_uv_lock(path: &Path, diagnostics: &mut Diagnostics) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let lock: UvLock = parse_toml(path, &text)?;
    let version = lock.version.as_ref().ok_or_else(|| {
        CollectError::invalid(path, None, "no top-level `version`: not a uv.lock")
    })?;
    match *version.get_ref() {
        UV_LOCK_VERSION => {}
        v if v > UV_LOCK_VERSION => {
            return Err(CollectError::from_the_future(
                path,
                "uv.lock version",
                v,
                UV_LOCK_VERSION,
            ));
        }
        v => {
            return Err(CollectError::invalid(
                path,
                Some(line_column(&text, version.span().start).0),
                format!("unknown uv.lock version {v}"),
            ));
        }
    }
    let mut graph = Graph::default();
    let mut packages: Vec<(usize, UvPackage)> = Vec::new();
    let mut project = None;
    let mut members = BTreeSet::new();
    for entry in toml_entries::<UvPackage>(path, &text, lock.package) {
        let Some((package, line)) = diagnostics.keep(entry)? else {
            continue;
        };
        let mut locked = Locked::new(
            &package.name,
            package.version.clone(),
            uv_source(package.source.as_ref()),
        );
        let context = entry_context(path, Some(line), &package.name);
        for artifact in package.sdist.iter().chain(&package.wheels) {
            if let Some(hash) = &artifact.hash {
                push_hash(&mut locked.hashes, hash, &context, diagnostics);
            }
        }
        let index = graph.push(locked, line);
        match uv_member(package.source.as_ref()) {
            Some(".") if project.is_none() => project = Some(index),
            Some(_) => {
                members.insert(index);
            }
            None => {}
        }
        packages.push((index, package));
    }
    link_uv(&mut graph, &packages, path, diagnostics);
    // A virtual project has no version in the lockfile: pyproject.toml may have one.
    let (mut name, mut version) = project
        .and_then(|p| graph.nodes.get(p))
        .map(|n| (Some(n.locked.name.clone()), n.locked.version.clone()))
        .unwrap_or_default();
    if version.is_none() {
        let manifest = read_project(parent_dir(path), diagnostics)?.unwrap_or_default();
        name = name.or(manifest.name);
        version = manifest.version;
    }
    let root = project_root(path, name.as_deref(), version.as_deref());
    let projects: BTreeSet<usize> = project.iter().chain(&members).copied().collect();
    let mut direct: BTreeSet<usize> = members.clone();
    let mut main = BTreeSet::new();
    let mut dev = BTreeSet::new();
    for &index in &projects {
        if let Some(node) = graph.nodes.get(index) {
            main.extend(node.deps.iter().copied());
            dev.extend(node.dev_deps.iter().copied());
            if Some(index) == project {
                direct.extend(node.deps.iter().chain(&node.dev_deps).copied());
            }
        }
    }
    if projects.is_empty() {
        direct = graph.tops().into_iter().collect();
    }
    let optional = graph.dev_only(&main, &dev);
    let mut bom = Bom::new(root);
    graph.into_bom(&mut bom, path, project, &direct, &optional, diagnostics)?;
    Ok(bom)
}

/// Resolves every package's dependency entries to locked packages: by name, and by version
/// and source where uv wrote them because one name is locked more than once.
fn link_uv(
    graph: &mut Graph,
    packages: &[(usize, UvPackage)],
    path: &Path,
    diagnostics: &mut Diagnostics,
) {
    for (index, package) in packages {
        let mut missing = Vec::new();
        let mut resolve = |dependencies: Vec<&UvDependency>| -> BTreeSet<usize> {
            let mut found = BTreeSet::new();
            for dependency in dependencies {
                let targets = resolve_uv(graph, dependency);
                if targets.is_empty() {
                    missing.push(dependency.name.clone());
                }
                found.extend(targets);
            }
            found
        };
        let run_time = package
            .dependencies
            .iter()
            .chain(package.optional_dependencies.values().flatten());
        let deps = resolve(run_time.collect());
        let dev_deps = resolve(package.dev_dependencies.values().flatten().collect());
        if let Some(node) = graph.nodes.get_mut(*index) {
            for name in missing {
                diagnostics.warn(format!(
                    "{}:{}: {} depends on {name}, which is not locked",
                    path.display(),
                    node.line,
                    node.locked.name
                ));
            }
            node.deps = deps;
            node.dev_deps = dev_deps;
        }
    }
}

/// The locked packages one dependency entry names.
fn resolve_uv(graph: &Graph, dependency: &UvDependency) -> Vec<usize> {
    graph
        .named(&dependency.name)
        .iter()
        .copied()
        .filter(|&i| {
            graph.nodes.get(i).is_some_and(|node| {
                dependency
                    .version
                    .as_ref()
                    .is_none_or(|v| node.locked.version.as_ref() == Some(v))
                    && dependency
                        .source
                        .as_ref()
                        .is_none_or(|s| node.locked.source == uv_source(Some(s)))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods)] // fixtures are written with std::fs
    #![allow(clippy::unwrap_used)]

    use super::super::testing::{DEMO_DIRECT, DEMO_LOCKED, attrs_hashes, fixture};
    use super::*;
    use crate::collect::testing::{
        assert_from_the_future, assert_rejects, best_effort_after_strict_error, collect_clean,
        component, deps, write_file,
    };
    use modelseal_bom::bom::{ExternalReference, Kind, Scope};

    #[test]
    fn uv_lock_real_fixture() {
        let bom = collect_clean(collect_uv_lock, &fixture("uv/uv.lock"));
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-app@0.1.0");
        assert_eq!(bom.root.kind, Kind::Application);
        assert_eq!(bom.components.keys().collect::<Vec<_>>(), DEMO_LOCKED);
        assert_eq!(deps(&bom, "pkg:pypi/demo-app@0.1.0"), DEMO_DIRECT);
        assert_eq!(deps(&bom, "pkg:pypi/helper@0.2.0"), ["pkg:pypi/idna@3.20"]);
        assert_eq!(deps(&bom, "pkg:pypi/pytest@9.2.0").len(), 5);
        let attrs = component(&bom, "pkg:pypi/attrs@26.1.0");
        assert_eq!(attrs.hashes, attrs_hashes());
        assert_eq!(attrs.scope, None);
        // The path dependency: a component, without hashes.
        assert!(component(&bom, "pkg:pypi/helper@0.2.0").hashes.is_empty());
        // The dev group and what only it pulls in; extras are run-time.
        for dev in ["pytest@9.2.0", "pluggy@1.7.0", "colorama@0.4.6"] {
            let c = component(&bom, &format!("pkg:pypi/{dev}"));
            assert_eq!(c.scope, Some(Scope::Optional), "{dev}");
        }
        assert_eq!(component(&bom, "pkg:pypi/pysocks@1.7.1").scope, None);
        // Deterministic.
        assert_eq!(bom, collect_clean(collect_uv_lock, &fixture("uv/uv.lock")));
    }

    #[test]
    fn uv_git_url_and_forked_versions() {
        let (_dir, path) = write_file(
            "uv.lock",
            r#"version = 1
revision = 2
requires-python = ">=3.9"

[[package]]
name = "app"
version = "1.0"
source = { virtual = "." }
dependencies = [
    { name = "numpy", version = "1.26.4", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.10'" },
    { name = "numpy", version = "2.1.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.10'" },
    { name = "tool" },
    { name = "wheelish" },
]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tool"
version = "0.3.0"
source = { git = "https://github.com/acme/tool?rev=main#0123456789abcdef0123456789abcdef01234567" }

[[package]]
name = "wheelish"
version = "2.0"
source = { url = "https://example.org/wheelish-2.0-py3-none-any.whl" }
wheels = [{ url = "https://example.org/wheelish-2.0-py3-none-any.whl", hash = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" }]
"#,
        );
        let bom = collect_uv_lock(&path, &mut Diagnostics::strict()).unwrap();
        assert_eq!(bom.root.bom_ref, "pkg:pypi/app@1.0");
        let tool = "pkg:pypi/tool@0.3.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Ftool%400123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            component(&bom, tool).external_references,
            [ExternalReference::new(
                "vcs",
                "git+https://github.com/acme/tool@0123456789abcdef0123456789abcdef01234567"
            )]
        );
        let wheelish = "pkg:pypi/wheelish@2.0?download_url=https:%2F%2Fexample.org%2Fwheelish-2.0-py3-none-any.whl";
        assert_eq!(component(&bom, wheelish).hashes.len(), 1);
        assert_eq!(
            deps(&bom, "pkg:pypi/app@1.0"),
            [
                "pkg:pypi/numpy@1.26.4",
                "pkg:pypi/numpy@2.1.0",
                tool,
                wheelish
            ]
        );
    }

    #[test]
    fn a_virtual_uv_project_takes_its_version_from_pyproject() {
        let (dir, path) = write_file(
            "uv.lock",
            "version = 1\nrevision = 3\n\n[[package]]\nname = \"tools\"\nsource = { virtual = \".\" }\ndependencies = [{ name = \"six\" }]\n\n[[package]]\nname = \"six\"\nversion = \"1.17.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
        );
        let lock = collect_uv_lock(&path, &mut Diagnostics::strict()).unwrap();
        assert_eq!(lock.root.bom_ref, "project:tools");
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"tools\"\nversion = \"3.0\"\n",
        )
        .unwrap();
        let lock = collect_uv_lock(&path, &mut Diagnostics::strict()).unwrap();
        assert_eq!(lock.root.bom_ref, "pkg:pypi/tools@3.0");
        assert_eq!(deps(&lock, "pkg:pypi/tools@3.0"), ["pkg:pypi/six@1.17.0"]);
    }

    #[test]
    fn uv_version_checks_and_garbage() {
        assert_from_the_future(collect_uv_lock, "uv.lock", "version = 2\nrevision = 1\n");
        assert_rejects(
            collect_uv_lock,
            "uv.lock",
            &[
                ("", "no top-level `version`"),
                ("version = 1\n[[package]\nname = ", ":2:"),
                ("version = \"one\"\n", ":1:11:"),
                ("version = 1\npackage = 3\n", ":2:"),
                ("version = 0\n", "unknown uv.lock version 0"),
                ("version = 1\n[[package]]\nname = 5\n", ":2:"),
            ],
        );
        // A broken entry fails strictly and is skipped with a warning in best-effort mode.
        let text = "version = 1\n\n[[package]]\nname = \"ok\"\nversion = \"1\"\n\n[[package]]\nversion = \"2\"\n";
        let (_dir, path) = write_file("uv.lock", text);
        let expected = "uv.lock:7: missing field `name`";
        let (bom, warnings) = best_effort_after_strict_error(collect_uv_lock, &path, expected);
        assert_eq!(bom.components.keys().collect::<Vec<_>>(), ["pkg:pypi/ok@1"]);
        assert_eq!(warnings.len(), 1);
    }
}
