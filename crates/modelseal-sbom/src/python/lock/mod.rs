//! Python lockfiles — `poetry.lock`, `uv.lock`, `Pipfile.lock` and `pylock.toml` (PEP 751) — as
//! components: one per locked distribution, with the hashes the lockfile pins, the edges it
//! records and development-only packages marked optional. The project itself is the root, named
//! by the lockfile when it lists the project, else by the `pyproject.toml` beside it, else by the
//! directory.
//!
//! Each format is read in its own file; this one holds what they share (and `requirements.rs`
//! uses): where a distribution comes from and its purl, hashes, the project's `pyproject.toml`
//! and root, and the graph of locked packages.

mod pipfile;
mod poetry;
mod pylock;
mod uv;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::RangeInclusive;
use std::path::Path;

use toml::Spanned;

pub use pipfile::collect_pipfile_lock;
pub use poetry::collect_poetry_lock;
pub use pylock::collect_pylock;
pub use uv::collect_uv_lock;

use super::metadata::{normalize_name, qualified_purl};
use crate::collect::{
    CollectError, Diagnostics, directory_name, line_column, locked_library, parent_dir, parse_toml,
    read_manifest,
};
use modelseal_bom::bom::{Bom, Component, ExternalReference, Hash, Kind, Scope};

/// Where a locked distribution comes from: it decides the purl qualifiers, the external
/// references, and whether hashes mean anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    /// A package index: the default one (`None`) or another, by URL.
    Index(Option<String>),
    /// A version-control checkout: the repository URL (`git+https://…`) and the commit.
    Vcs { url: String, commit: Option<String> },
    /// An archive downloaded from a URL.
    Url(String),
    /// A local directory or file (workspace members, path dependencies).
    Local(String),
}

impl Source {
    /// The purl qualifier naming where the distribution comes from; none for PyPI and for
    /// local files.
    fn purl_qualifier(&self) -> Option<(&'static str, String)> {
        match self {
            Source::Index(Some(url)) if !is_default_index(url) => {
                Some(("repository_url", url.clone()))
            }
            Source::Vcs { url, commit } => Some(("vcs_url", vcs_spec(url, commit.as_deref()))),
            Source::Url(url) => Some(("download_url", url.clone())),
            Source::Index(_) | Source::Local(_) => None,
        }
    }

    /// Where to get the distribution other than from an index.
    fn external_reference(&self) -> Option<ExternalReference> {
        match self {
            Source::Vcs { url, commit } => Some(ExternalReference::new(
                "vcs",
                vcs_spec(url, commit.as_deref()),
            )),
            Source::Url(url) => Some(ExternalReference::new("distribution", url.clone())),
            Source::Index(_) | Source::Local(_) => None,
        }
    }
}

/// PyPI's index under the spellings lockfiles use: it is the purl default and needs no
/// `repository_url`.
fn is_default_index(url: &str) -> bool {
    let url = url.trim_end_matches('/');
    matches!(
        url,
        "https://pypi.org/simple" | "https://pypi.python.org/simple" | "https://pypi.org/pypi"
    )
}

/// A VCS URL in the form purls (`vcs_url`) and SPDX use: `git+https://host/repo@commit`.
fn vcs_spec(url: &str, commit: Option<&str>) -> String {
    let has_scheme = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| url.starts_with(p));
    let url = if has_scheme {
        url.to_owned()
    } else {
        format!("git+{url}")
    };
    match commit {
        Some(commit) => format!("{url}@{commit}"),
        None => url,
    }
}

/// `pkg:pypi/<normalised name>@<version>` with the qualifier the source calls for.
pub(super) fn pypi_purl(name: &str, version: Option<&str>, source: &Source) -> String {
    let qualifier = source.purl_qualifier();
    qualified_purl(
        name,
        version,
        qualifier
            .as_ref()
            .map(|(key, value)| (*key, value.as_str())),
    )
}

/// One locked distribution, before it becomes a component.
#[derive(Debug, Clone)]
pub(super) struct Locked {
    pub name: String,
    pub version: Option<String>,
    pub source: Source,
    pub hashes: Vec<Hash>,
}

impl Locked {
    pub(super) fn new(name: impl Into<String>, version: Option<String>, source: Source) -> Self {
        Locked {
            name: name.into(),
            version,
            source,
            hashes: Vec::new(),
        }
    }

    /// The component (its `bom_ref` is its purl). Local sources carry no hashes: a directory
    /// has none, and an archive's would only describe this machine's copy.
    pub(super) fn component(&self) -> Result<Component, String> {
        if normalize_name(&self.name).is_empty() {
            return Err(format!("{:?} is not a package name", self.name));
        }
        let version = self.version.as_deref();
        let purl = pypi_purl(&self.name, version, &self.source);
        let mut component = locked_library(purl, &self.name, version);
        component
            .external_references
            .extend(self.source.external_reference());
        if !matches!(self.source, Source::Local(_)) {
            let mut hashes = self.hashes.clone();
            hashes.sort();
            hashes.dedup();
            component.hashes = hashes;
        }
        Ok(component)
    }
}

/// A hash by the name Python tools give its algorithm, checked to be hex of the right length.
fn hash(algorithm: &str, value: &str) -> Option<Hash> {
    let (algorithm, length) = match algorithm.to_ascii_lowercase().as_str() {
        "md5" => ("MD5", 32),
        "sha1" => ("SHA-1", 40),
        "sha256" => ("SHA-256", 64),
        "sha384" => ("SHA-384", 96),
        "sha512" => ("SHA-512", 128),
        _ => return None,
    };
    (value.len() == length && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Hash {
        algorithm,
        value: value.to_ascii_lowercase(),
    })
}

/// `sha256:<hex>` (lockfiles, `--hash=` in requirements files).
pub(super) fn parse_hash(text: &str) -> Option<Hash> {
    let (algorithm, value) = text.split_once(':')?;
    hash(algorithm, value)
}

/// Adds the hash written as `text`, or reports it: a malformed pin is worth a look but says
/// nothing against the rest of the entry.
fn push_hash(hashes: &mut Vec<Hash>, text: &str, context: &str, diagnostics: &mut Diagnostics) {
    match parse_hash(text) {
        Some(hash) => hashes.push(hash),
        None => diagnostics.warn(format!("{context}: ignoring unreadable hash {text:?}")),
    }
}

/// `file:line: name`, what a warning about one entry starts with.
fn entry_context(path: &Path, line: Option<usize>, name: &str) -> String {
    let line = line.map(|l| format!(":{l}")).unwrap_or_default();
    format!("{}{line}: {name}", path.display())
}

/// Checks a `lock-version` string (`"2.1"`) of a `format` against the major versions this
/// build reads.
fn check_lock_version(
    path: &Path,
    text: &str,
    version: &Spanned<String>,
    format: &str,
    majors: RangeInclusive<u64>,
) -> Result<(), CollectError> {
    let written = version.get_ref();
    match written
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok())
    {
        Some(major) if majors.contains(&major) => Ok(()),
        Some(major) if major > *majors.end() => Err(CollectError::from_the_future(
            path,
            &format!("{format} lock-version"),
            written,
            format!("{}.x", majors.end()),
        )),
        _ => Err(CollectError::invalid(
            path,
            Some(line_column(text, version.span().start).0),
            format!("lock-version {written:?} is not a version"),
        )),
    }
}

/// The name at the start of a PEP 508 requirement, PEP 503-normalised.
pub(super) fn requirement_name(requirement: &str) -> Option<String> {
    let spec = requirement.trim_start();
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = normalize_name(&spec[..end]);
    (!name.is_empty()).then_some(name)
}

/// What a `pyproject.toml` says about the project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Project {
    pub name: Option<String>,
    pub version: Option<String>,
    /// Normalised names of the run-time dependencies (extras included).
    pub main: BTreeSet<String>,
    /// Normalised names of the development dependencies (dependency groups, Poetry groups).
    pub dev: BTreeSet<String>,
}

/// Reads `pyproject.toml` in `dir` when there is one. A broken one fails the collection
/// unless best-effort, where the lockfile alone is used.
pub(super) fn read_project(
    dir: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Option<Project>, CollectError> {
    let table = read_manifest(&dir.join("pyproject.toml"), diagnostics, parse_toml)?;
    Ok(table.as_ref().map(project_from))
}

fn project_from(table: &toml::Table) -> Project {
    let get = |t: &toml::Table, key: &str| -> Option<toml::Table> {
        t.get(key).and_then(toml::Value::as_table).cloned()
    };
    let string = |t: &toml::Table, key: &str| -> Option<String> {
        t.get(key).and_then(toml::Value::as_str).map(str::to_owned)
    };
    let requirements = |value: Option<&toml::Value>, into: &mut BTreeSet<String>| {
        for item in value.and_then(toml::Value::as_array).into_iter().flatten() {
            if let Some(name) = item.as_str().and_then(requirement_name) {
                into.insert(name);
            }
        }
    };
    let keys = |table: Option<toml::Table>, into: &mut BTreeSet<String>| {
        for key in table.iter().flat_map(toml::Table::keys) {
            if key != "python" {
                into.insert(normalize_name(key));
            }
        }
    };
    let mut project = Project::default();
    let tool_poetry = get(table, "tool").and_then(|t| get(&t, "poetry"));
    if let Some(pep621) = get(table, "project") {
        project.name = string(&pep621, "name");
        project.version = string(&pep621, "version");
        requirements(pep621.get("dependencies"), &mut project.main);
        for extra in get(&pep621, "optional-dependencies")
            .iter()
            .flat_map(toml::Table::values)
        {
            requirements(Some(extra), &mut project.main);
        }
    }
    if let Some(poetry) = &tool_poetry {
        project.name = project.name.or_else(|| string(poetry, "name"));
        project.version = project.version.or_else(|| string(poetry, "version"));
        keys(get(poetry, "dependencies"), &mut project.main);
        keys(get(poetry, "dev-dependencies"), &mut project.dev);
        for (group, body) in get(poetry, "group").iter().flat_map(toml::Table::iter) {
            let names = body
                .as_table()
                .and_then(|b| b.get("dependencies"))
                .and_then(toml::Value::as_table)
                .cloned();
            let into = if group == "main" {
                &mut project.main
            } else {
                &mut project.dev
            };
            keys(names, into);
        }
    }
    for group in get(table, "dependency-groups")
        .iter()
        .flat_map(toml::Table::values)
    {
        requirements(Some(group), &mut project.dev);
    }
    let uv_dev = get(table, "tool")
        .and_then(|t| get(&t, "uv"))
        .and_then(|uv| uv.get("dev-dependencies").cloned());
    requirements(uv_dev.as_ref(), &mut project.dev);
    project
}

/// The application at the root: named and versioned by the project when known (then its
/// `bom_ref` is its purl), else `project:<directory name>`.
pub(super) fn project_root(file: &Path, name: Option<&str>, version: Option<&str>) -> Component {
    let name = name.map_or_else(
        || directory_name(parent_dir(file)).unwrap_or_else(|| "project".to_owned()),
        str::to_owned,
    );
    let purl = version
        .filter(|_| !normalize_name(&name).is_empty())
        .map(|v| pypi_purl(&name, Some(v), &Source::Index(None)));
    let mut root = Component::new(
        purl.clone().unwrap_or_else(|| format!("project:{name}")),
        Kind::Application,
        name,
    );
    root.version = version.map(str::to_owned);
    root.purl = purl;
    root
}

/// The root for a lockfile at `file` with `project` (its `pyproject.toml`) beside it.
pub(super) fn pyproject_root(file: &Path, project: Option<&Project>) -> Component {
    project_root(
        file,
        project.and_then(|p| p.name.as_deref()),
        project.and_then(|p| p.version.as_deref()),
    )
}

/// The locked packages of one file, indexed, with the edges between them.
#[derive(Debug, Default)]
struct Graph {
    nodes: Vec<Node>,
    /// Normalised name -> indices into `nodes`.
    by_name: BTreeMap<String, Vec<usize>>,
}

#[derive(Debug)]
struct Node {
    locked: Locked,
    line: usize,
    /// Outgoing edges at run time (dependencies and extras).
    deps: BTreeSet<usize>,
    /// Outgoing edges for development (dependency groups), from projects only.
    dev_deps: BTreeSet<usize>,
}

impl Graph {
    fn push(&mut self, locked: Locked, line: usize) -> usize {
        let index = self.nodes.len();
        self.by_name
            .entry(normalize_name(&locked.name))
            .or_default()
            .push(index);
        self.nodes.push(Node {
            locked,
            line,
            deps: BTreeSet::new(),
            dev_deps: BTreeSet::new(),
        });
        index
    }

    fn named(&self, name: &str) -> &[usize] {
        self.by_name
            .get(&normalize_name(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Everything reachable from `start` through run-time edges.
    fn closure(&self, start: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<usize> = start.into_iter().collect();
        while let Some(index) = queue.pop_front() {
            if !seen.insert(index) {
                continue;
            }
            if let Some(node) = self.nodes.get(index) {
                queue.extend(node.deps.iter().copied());
            }
        }
        seen
    }

    /// Development-only packages: reachable from the development roots but not from the
    /// run-time ones.
    fn dev_only(&self, main: &BTreeSet<usize>, dev: &BTreeSet<usize>) -> BTreeSet<usize> {
        let main = self.closure(main.iter().copied());
        self.closure(dev.iter().copied())
            .difference(&main)
            .copied()
            .collect()
    }

    /// Nodes no other node depends on.
    fn tops(&self) -> Vec<usize> {
        let depended: BTreeSet<usize> = self
            .nodes
            .iter()
            .flat_map(|n| n.deps.iter().chain(&n.dev_deps).copied())
            .collect();
        (0..self.nodes.len())
            .filter(|i| !depended.contains(i))
            .collect()
    }

    /// Fills `bom` with every node except `skip` (the project, when it is the root), the
    /// edges between them, and root edges to `direct`; `optional` nodes get
    /// `Scope::Optional`.
    fn into_bom(
        self,
        bom: &mut Bom,
        path: &Path,
        skip: Option<usize>,
        direct: &BTreeSet<usize>,
        optional: &BTreeSet<usize>,
        diagnostics: &mut Diagnostics,
    ) -> Result<(), CollectError> {
        let mut refs: BTreeMap<usize, String> = BTreeMap::new();
        let root_ref = bom.root.bom_ref.clone();
        for (index, node) in self.nodes.iter().enumerate() {
            if Some(index) == skip {
                refs.insert(index, root_ref.clone());
                continue;
            }
            let built = node
                .locked
                .component()
                .map_err(|message| CollectError::invalid(path, Some(node.line), message));
            if let Some(mut component) = diagnostics.keep(built)? {
                if optional.contains(&index) {
                    component.scope = Some(Scope::Optional);
                }
                refs.insert(index, component.bom_ref.clone());
                bom.add(component);
            }
        }
        for &index in direct {
            if let Some(to) = refs.get(&index)
                && *to != root_ref
            {
                bom.depend(&root_ref, to);
            }
        }
        for (index, node) in self.nodes.iter().enumerate() {
            let Some(from) = refs.get(&index) else {
                continue;
            };
            for target in node.deps.iter().chain(&node.dev_deps) {
                if let Some(to) = refs.get(target)
                    && to != from
                {
                    bom.depend(from, to);
                }
            }
        }
        Ok(())
    }
}

/// What the Python collectors' unit tests share.
#[cfg(test)]
pub(super) mod testing {
    use std::path::{Path, PathBuf};

    use crate::collect::testing::sha256;
    use modelseal_bom::bom::Hash;

    /// A lockfile fixture written by the real tool (`scripts/make-lockfile-fixtures.sh`).
    pub(crate) fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lockfiles")
            .join(rel)
    }

    /// Every distribution the demo project's fixtures lock: its dependencies, an extra, a
    /// path dependency (`helper`) and a development group (`pytest` and what it needs).
    pub(crate) const DEMO_LOCKED: [&str; 10] = [
        "pkg:pypi/attrs@26.1.0",
        "pkg:pypi/colorama@0.4.6",
        "pkg:pypi/helper@0.2.0",
        "pkg:pypi/idna@3.20",
        "pkg:pypi/iniconfig@2.3.1",
        "pkg:pypi/packaging@26.3",
        "pkg:pypi/pluggy@1.7.0",
        "pkg:pypi/pygments@2.21.0",
        "pkg:pypi/pysocks@1.7.1",
        "pkg:pypi/pytest@9.2.0",
    ];

    /// What the demo project depends on directly, development group included.
    pub(crate) const DEMO_DIRECT: [&str; 5] = [
        "pkg:pypi/attrs@26.1.0",
        "pkg:pypi/helper@0.2.0",
        "pkg:pypi/idna@3.20",
        "pkg:pypi/pysocks@1.7.1",
        "pkg:pypi/pytest@9.2.0",
    ];

    /// The SHA-256 of the `attrs` 26.1.0 wheel and sdist, pinned by every Python fixture.
    pub(crate) fn attrs_hashes() -> [Hash; 2] {
        [
            sha256("c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309"),
            sha256("d03ceb89cb322a8fd706d4fb91940737b6642aa36998fe130a9bc96c985eff32"),
        ]
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::collect::testing::{Collector, assert_broken_manifest_is_skipped, sha256};

    #[test]
    fn purls_follow_the_source() {
        let vcs = Source::Vcs {
            url: "https://github.com/a/x".into(),
            commit: Some("abc".into()),
        };
        for (name, version, source, expected) in [
            (
                "Zope.Interface",
                Some("5.0+cpu"),
                Source::Index(None),
                "pkg:pypi/zope-interface@5.0%2Bcpu",
            ),
            (
                "x",
                Some("1"),
                Source::Index(Some("https://pypi.org/simple/".into())),
                "pkg:pypi/x@1",
            ),
            (
                "x",
                Some("1"),
                Source::Index(Some("https://example.org/simple".into())),
                "pkg:pypi/x@1?repository_url=https:%2F%2Fexample.org%2Fsimple",
            ),
            (
                "x",
                None,
                vcs,
                "pkg:pypi/x?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fa%2Fx%40abc",
            ),
            (
                "x",
                Some("2.0"),
                Source::Url("https://h.example/x-2.0.tar.gz".into()),
                "pkg:pypi/x@2.0?download_url=https:%2F%2Fh.example%2Fx-2.0.tar.gz",
            ),
            (
                "x",
                Some("1!2.0"),
                Source::Local("./x".into()),
                "pkg:pypi/x@1%212.0",
            ),
        ] {
            assert_eq!(pypi_purl(name, version, &source), expected);
        }
        // The environment collector spells installed distributions the same way.
        assert_eq!(
            pypi_purl("Torch", Some("2.15.0+cpu"), &Source::Index(None)),
            super::super::purl("Torch", "2.15.0+cpu")
        );
    }

    #[test]
    fn hashes_and_requirement_names() {
        assert_eq!(
            parse_hash("SHA256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
            Some(sha256(
                "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
            ))
        );
        for unreadable in ["sha256:abc", "blake2b:00", "no-colon"] {
            assert_eq!(parse_hash(unreadable), None, "{unreadable}");
        }
        assert_eq!(
            requirement_name("Typing_Extensions>=4"),
            Some("typing-extensions".into())
        );
        assert_eq!(requirement_name(">=4"), None);
    }

    #[test]
    fn pyproject_names_dependencies_and_groups() {
        let table: toml::Table = toml::from_str(
            r#"
[project]
name = "Demo_App"
version = "0.1.0"
dependencies = ["attrs>=23", "Typing_Extensions; python_version < '3.12'"]
optional-dependencies = { socks = ["pysocks>=1.7"] }
[dependency-groups]
dev = ["pytest>=8", { include-group = "lint" }]
lint = ["ruff"]
[tool.poetry.dependencies]
python = "^3.11"
helper = { path = "libs/helper" }
[tool.poetry.group.docs.dependencies]
Sphinx = "*"
"#,
        )
        .unwrap();
        let project = project_from(&table);
        assert_eq!(project.name.as_deref(), Some("Demo_App"));
        assert_eq!(project.version.as_deref(), Some("0.1.0"));
        assert_eq!(
            project.main.iter().collect::<Vec<_>>(),
            ["attrs", "helper", "pysocks", "typing-extensions"]
        );
        assert_eq!(
            project.dev.iter().collect::<Vec<_>>(),
            ["pytest", "ruff", "sphinx"]
        );
    }

    /// Every Python collector that reads the `pyproject.toml` beside its file.
    #[test]
    fn a_broken_pyproject_is_an_error_unless_best_effort() {
        let cases: [(Collector, &str, &str); 5] = [
            (
                collect_poetry_lock,
                "poetry.lock",
                "[metadata]\nlock-version = \"2.1\"\n",
            ),
            // The project is virtual and unversioned: pyproject.toml might version it.
            (collect_uv_lock, "uv.lock", "version = 1\n"),
            (
                collect_pipfile_lock,
                "Pipfile.lock",
                "{\"_meta\": {\"pipfile-spec\": 6}}",
            ),
            (collect_pylock, "pylock.toml", "lock-version = \"1.0\"\n"),
            (super::super::collect_requirements, "requirements.txt", ""),
        ];
        for (collect, name, text) in cases {
            assert_broken_manifest_is_skipped(
                collect,
                (name, text),
                ("pyproject.toml", "[project\n"),
            );
        }
    }
}
