//! `poetry.lock`, lock-version 1.x (hashes under `[metadata.files]`, `category` marks) and 2.x
//! (hashes per package; `groups` marks since 2.1, none in 2.0).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Graph, Locked, Project, Source, check_lock_version, entry_context, push_hash, pyproject_root,
    read_project,
};
use crate::collect::{CollectError, Diagnostics, parent_dir, parse_toml, read_text, toml_entries};
use crate::python::normalize_name;
use modelseal_bom::bom::Bom;

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<Spanned<toml::Table>>,
    metadata: Option<PoetryMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PoetryMetadata {
    lock_version: Option<Spanned<String>>,
    /// Lock-version 1.x keeps the hashes here, by package name.
    #[serde(default)]
    files: BTreeMap<String, Vec<PoetryFile>>,
}

#[derive(Deserialize)]
struct PoetryFile {
    hash: String,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    /// `main` or `dev` (lock-version 1.x and early 2.0).
    category: Option<String>,
    /// The dependency groups needing the package (lock-version 2.1).
    groups: Option<Vec<String>>,
    #[serde(default)]
    files: Vec<PoetryFile>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    source: Option<PoetrySource>,
}

impl PoetryPackage {
    /// Whether the lockfile marks the package development-only (`None`: it does not say).
    fn is_dev(&self) -> Option<bool> {
        match (&self.groups, &self.category) {
            (Some(groups), _) => Some(!groups.iter().any(|g| g == "main")),
            (None, Some(category)) => Some(category == "dev"),
            (None, None) => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct PoetrySource {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    resolved_reference: Option<String>,
}

impl PoetrySource {
    fn to_source(&self) -> Source {
        let url = self.url.clone().unwrap_or_default();
        match self.kind.as_str() {
            "git" => Source::Vcs {
                url,
                commit: self.resolved_reference.clone(),
            },
            "url" => Source::Url(url),
            "directory" | "file" => Source::Local(url),
            // `legacy` (a PEP 503 index) and anything newer: an index at `url`.
            _ => Source::Index((!url.is_empty()).then_some(url)),
        }
    }
}

/// A locked package's declared dependencies and development mark, by graph index.
type Declared = (usize, BTreeMap<String, toml::Value>, Option<bool>);

/// Reads a `poetry.lock` (lock-version 1.x or 2.x). The root is the project in the
/// `pyproject.toml` beside it, whose dependencies and groups also tell which packages are
/// direct and which are only for development when the lockfile does not say.
pub fn collect_poetry_lock(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let lock: PoetryLock = parse_toml(path, &text)?;
    let metadata = lock.metadata.ok_or_else(|| {
        CollectError::invalid(path, None, "no [metadata] table: not a poetry.lock")
    })?;
    let lock_version = metadata
        .lock_version
        .as_ref()
        .ok_or_else(|| CollectError::invalid(path, None, "no [metadata] lock-version"))?;
    check_lock_version(path, &text, lock_version, "poetry", 1..=2)?;
    let project = read_project(parent_dir(path), diagnostics)?;
    let mut graph = Graph::default();
    let mut declared: Vec<Declared> = Vec::new();
    for entry in toml_entries::<PoetryPackage>(path, &text, lock.package) {
        let Some((package, line)) = diagnostics.keep(entry)? else {
            continue;
        };
        let source = package
            .source
            .as_ref()
            .map_or(Source::Index(None), PoetrySource::to_source);
        let mut locked = Locked::new(&package.name, Some(package.version.clone()), source);
        let files = if package.files.is_empty() {
            metadata
                .files
                .iter()
                .filter(|(name, _)| normalize_name(name) == normalize_name(&package.name))
                .flat_map(|(_, files)| files)
                .collect::<Vec<_>>()
        } else {
            package.files.iter().collect()
        };
        let context = entry_context(path, Some(line), &package.name);
        for file in files {
            push_hash(&mut locked.hashes, &file.hash, &context, diagnostics);
        }
        let dev = package.is_dev();
        let index = graph.push(locked, line);
        declared.push((index, package.dependencies, dev));
    }
    for (index, dependencies, _) in &declared {
        for (name, constraint) in dependencies {
            let targets = poetry_targets(&graph, name, constraint);
            if let Some(node) = graph.nodes.get_mut(*index) {
                node.deps.extend(targets);
            }
        }
    }
    let root = pyproject_root(path, project.as_ref());
    let (direct, optional) = poetry_roots_and_dev(&graph, project.as_ref(), &declared);
    let mut bom = Bom::new(root);
    graph.into_bom(&mut bom, path, None, &direct, &optional, diagnostics)?;
    Ok(bom)
}

/// Which packages the root depends on and which are development-only. The lockfile's own
/// marks (`groups`, `category`) win; the project's declared groups fill in for lock-version
/// 2.0 files, which record neither.
fn poetry_roots_and_dev(
    graph: &Graph,
    project: Option<&Project>,
    declared: &[Declared],
) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let pick = |names: &BTreeSet<String>| -> BTreeSet<usize> {
        names
            .iter()
            .flat_map(|n| graph.named(n).iter().copied())
            .collect()
    };
    let (main, dev) = project.map_or_else(Default::default, |p| (pick(&p.main), pick(&p.dev)));
    let mut direct: BTreeSet<usize> = main.union(&dev).copied().collect();
    if direct.is_empty() {
        direct = graph.tops().into_iter().collect();
    }
    let marked: BTreeSet<usize> = declared
        .iter()
        .filter(|(_, _, d)| *d == Some(true))
        .map(|(i, _, _)| *i)
        .collect();
    let optional = if declared.iter().any(|(_, _, d)| d.is_some()) {
        marked
    } else {
        graph.dev_only(&main, &dev)
    };
    (direct, optional)
}

/// The locked packages a `[package.dependencies]` entry points at. Poetry locks one version
/// per name except when markers split the resolution; then the constraint picks.
fn poetry_targets(graph: &Graph, name: &str, constraint: &toml::Value) -> Vec<usize> {
    let candidates = graph.named(name);
    if candidates.len() <= 1 {
        return candidates.to_vec();
    }
    let specifiers: Vec<&str> = match constraint {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Table(t) => t
            .get("version")
            .and_then(toml::Value::as_str)
            .into_iter()
            .collect(),
        toml::Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("version").and_then(toml::Value::as_str))
            .collect(),
        _ => Vec::new(),
    };
    let matching: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&index| {
            let Some(version) = graph
                .nodes
                .get(index)
                .and_then(|n| n.locked.version.as_deref())
                .and_then(|v| v.parse::<pep440_rs::Version>().ok())
            else {
                return false;
            };
            specifiers.iter().any(|s| {
                s.parse::<pep440_rs::VersionSpecifiers>()
                    .is_ok_and(|spec| spec.contains(&version))
            })
        })
        .collect();
    if matching.is_empty() {
        candidates.to_vec()
    } else {
        matching
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::testing::{DEMO_DIRECT, DEMO_LOCKED, attrs_hashes, fixture};
    use super::*;
    use crate::collect::testing::{
        assert_from_the_future, assert_rejects, best_effort_after_strict_error, collect_clean,
        component, deps, write_file,
    };
    use modelseal_bom::bom::Scope;

    fn scope(bom: &Bom, name_version: &str) -> Option<Scope> {
        component(bom, &format!("pkg:pypi/{name_version}")).scope
    }

    #[test]
    fn poetry_2_1_real_fixture() {
        let bom = collect_clean(collect_poetry_lock, &fixture("poetry/poetry.lock"));
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-poetry@1.2.0");
        assert_eq!(bom.components.keys().collect::<Vec<_>>(), DEMO_LOCKED);
        assert_eq!(deps(&bom, "pkg:pypi/demo-poetry@1.2.0"), DEMO_DIRECT);
        assert_eq!(deps(&bom, "pkg:pypi/helper@0.2.0"), ["pkg:pypi/idna@3.20"]);
        assert_eq!(
            deps(&bom, "pkg:pypi/pytest@9.2.0"),
            [
                "pkg:pypi/colorama@0.4.6",
                "pkg:pypi/iniconfig@2.3.1",
                "pkg:pypi/packaging@26.3",
                "pkg:pypi/pluggy@1.7.0",
                "pkg:pypi/pygments@2.21.0",
            ]
        );
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            attrs_hashes()
        );
        assert_eq!(component(&bom, "pkg:pypi/pysocks@1.7.1").hashes.len(), 3);
        assert_eq!(scope(&bom, "pytest@9.2.0"), Some(Scope::Optional));
        assert_eq!(scope(&bom, "colorama@0.4.6"), Some(Scope::Optional));
        assert_eq!(scope(&bom, "idna@3.20"), None);
        assert!(component(&bom, "pkg:pypi/helper@0.2.0").hashes.is_empty());
    }

    #[test]
    fn poetry_2_0_scopes_come_from_the_project_groups() {
        let bom = collect_clean(collect_poetry_lock, &fixture("poetry18/poetry.lock"));
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-poetry-legacy@0.3.0");
        assert_eq!(bom.components.len(), 9);
        for dev in [
            "pytest@9.2.0",
            "pluggy@1.7.0",
            "iniconfig@2.3.1",
            "colorama@0.4.6",
        ] {
            assert_eq!(scope(&bom, dev), Some(Scope::Optional), "{dev}");
        }
        for main in ["attrs@26.1.0", "idna@3.20", "helper@0.2.0"] {
            assert_eq!(scope(&bom, main), None, "{main}");
        }
    }

    #[test]
    fn poetry_1_1_real_fixture() {
        let bom = collect_clean(collect_poetry_lock, &fixture("poetry11/poetry.lock"));
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-poetry-one@0.3.0");
        // Hashes from [metadata.files]; `category` for the scope.
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            attrs_hashes()
        );
        assert_eq!(scope(&bom, "pygments@2.21.0"), Some(Scope::Optional));
        assert_eq!(scope(&bom, "attrs@26.1.0"), None);
        assert_eq!(
            deps(&bom, "pkg:pypi/demo-poetry-one@0.3.0"),
            [
                "pkg:pypi/attrs@26.1.0",
                "pkg:pypi/helper@0.2.0",
                "pkg:pypi/idna@3.20",
                "pkg:pypi/pytest@9.2.0",
            ]
        );
    }

    #[test]
    fn poetry_without_a_project_and_with_git_and_split_versions() {
        let (_dir, path) = write_file(
            "poetry.lock",
            r#"[[package]]
name = "numpy"
version = "1.24.4"
optional = false
python-versions = ">=3.8"
groups = ["main"]
files = []

[[package]]
name = "numpy"
version = "2.1.0"
optional = false
python-versions = ">=3.10"
groups = ["main"]
files = []

[[package]]
name = "lib"
version = "0.1.0"
optional = false
python-versions = "*"
groups = ["main"]
files = []
develop = false

[package.dependencies]
numpy = [
    {version = ">=1.24,<2", markers = "python_version < \"3.10\""},
    {version = ">=2", markers = "python_version >= \"3.10\""},
]

[package.source]
type = "git"
url = "https://github.com/acme/lib.git"
reference = "main"
resolved_reference = "89abcdef0123456789abcdef0123456789abcdef"

[[package]]
name = "tool"
version = "1.0"
optional = false
python-versions = "*"
groups = ["dev"]
files = []

[package.dependencies]
numpy = ">=2"

[metadata]
lock-version = "2.1"
python-versions = "^3.9"
content-hash = "0"
"#,
        );
        let bom = collect_poetry_lock(&path, &mut Diagnostics::strict()).unwrap();
        assert!(
            bom.root.bom_ref.starts_with("project:"),
            "{}",
            bom.root.bom_ref
        );
        let lib = "pkg:pypi/lib@0.1.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Flib.git%4089abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(
            deps(&bom, lib),
            ["pkg:pypi/numpy@1.24.4", "pkg:pypi/numpy@2.1.0"]
        );
        assert_eq!(deps(&bom, "pkg:pypi/tool@1.0"), ["pkg:pypi/numpy@2.1.0"]);
        // Without a pyproject, the root depends on what nothing else depends on.
        assert_eq!(deps(&bom, &bom.root.bom_ref), [lib, "pkg:pypi/tool@1.0"]);
        assert_eq!(scope(&bom, "tool@1.0"), Some(Scope::Optional));
    }

    #[test]
    fn poetry_versions_and_garbage() {
        assert_from_the_future(
            collect_poetry_lock,
            "poetry.lock",
            "[metadata]\nlock-version = \"3.0\"\n",
        );
        assert_rejects(
            collect_poetry_lock,
            "poetry.lock",
            &[
                ("", "no [metadata] table"),
                (
                    "[metadata]\ncontent-hash = \"x\"\n",
                    "no [metadata] lock-version",
                ),
                (
                    "[metadata]\nlock-version = \"two\"\n",
                    ":2: lock-version \"two\"",
                ),
                ("[[package]]\nname = \"a\"\nversion = ", ":3:"),
                ("[metadata]\nlock-version = 2\n", ":2:"),
            ],
        );
        let text = "[[package]]\nname = \"a\"\n\n[metadata]\nlock-version = \"2.1\"\n";
        let (_dir, path) = write_file("poetry.lock", text);
        let (bom, warnings) = best_effort_after_strict_error(
            collect_poetry_lock,
            &path,
            "poetry.lock:1: missing field `version`",
        );
        assert!(bom.components.is_empty());
        assert_eq!(warnings.len(), 1);
    }
}
