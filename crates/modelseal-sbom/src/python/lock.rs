//! Python lockfiles — `poetry.lock`, `uv.lock`, `Pipfile.lock` and `pylock.toml` (PEP 751) — as
//! components: one per locked distribution, with the hashes the lockfile pins, the edges it
//! records and development-only packages marked optional. The project itself is the root, named
//! by the lockfile when it lists the project, else by the `pyproject.toml` beside it, else by the
//! directory.
//!
//! What the four formats share (purls, hashes, sources, the project manifest) is here too, and
//! `requirements.rs` uses it.

// Until `python/mod.rs` re-exports the collectors, only the unit tests call them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use packageurl::PackageUrl;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use super::metadata::normalize_name;
use crate::bom::{Bom, Component, ExternalReference, Hash, Kind, Scope};
use crate::collect::{CollectError, Diagnostics, line_column, read_text};

// ---------------------------------------------------------------------------------------------
// What every Python collector shares.

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
pub(super) fn pypi_purl(
    name: &str,
    version: Option<&str>,
    source: &Source,
) -> Result<String, String> {
    let normalized = normalize_name(name);
    let mut purl = PackageUrl::new("pypi", normalized.as_str()).map_err(|e| e.to_string())?;
    if let Some(version) = version {
        purl.with_version(version).map_err(|e| e.to_string())?;
    }
    let qualifier = match source {
        Source::Index(Some(url)) if !is_default_index(url) => Some(("repository_url", url.clone())),
        Source::Vcs { url, commit } => Some(("vcs_url", vcs_spec(url, commit.as_deref()))),
        Source::Url(url) => Some(("download_url", url.clone())),
        Source::Index(_) | Source::Local(_) => None,
    };
    if let Some((key, value)) = qualifier {
        purl.add_qualifier(key, value).map_err(|e| e.to_string())?;
    }
    Ok(purl.to_string())
}

/// The component for a locked distribution (its `bom_ref` is its purl). Local sources carry no
/// hashes: a directory has none, and an archive's would only describe this machine's copy.
pub(super) fn component(locked: &Locked) -> Result<Component, String> {
    if normalize_name(&locked.name).is_empty() {
        return Err(format!("{:?} is not a package name", locked.name));
    }
    let purl = pypi_purl(&locked.name, locked.version.as_deref(), &locked.source)?;
    let mut component = if let Some(version) = &locked.version {
        Component::package(purl, &locked.name, version)
    } else {
        let mut c = Component::new(purl.clone(), Kind::Library, &locked.name);
        c.purl = Some(purl);
        c
    };
    match &locked.source {
        Source::Vcs { url, commit } => component.external_references.push(ExternalReference {
            kind: "vcs",
            url: vcs_spec(url, commit.as_deref()),
        }),
        Source::Url(url) => component.external_references.push(ExternalReference {
            kind: "distribution",
            url: url.clone(),
        }),
        Source::Index(_) | Source::Local(_) => {}
    }
    if !matches!(locked.source, Source::Local(_)) {
        let mut hashes = locked.hashes.clone();
        hashes.sort();
        hashes.dedup();
        component.hashes = hashes;
    }
    Ok(component)
}

/// A hash by the name Python tools give its algorithm, checked to be hex of the right length.
pub(super) fn hash(algorithm: &str, value: &str) -> Option<Hash> {
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
    let path = dir.join("pyproject.toml");
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_text(&path)?;
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => Ok(Some(project_from(&table))),
        Err(error) => {
            diagnostics.recover(toml_error(&path, &text, &error))?;
            Ok(None)
        }
    }
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

/// The name of the directory holding `file` (made absolute so `./uv.lock` names its project).
pub(super) fn directory_name(file: &Path) -> String {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    dir.canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".to_owned())
}

/// The application at the root: named and versioned by the project when known (then its
/// `bom_ref` is its purl), else `project:<directory name>`.
pub(super) fn project_root(file: &Path, name: Option<&str>, version: Option<&str>) -> Component {
    let name = name.map_or_else(|| directory_name(file), str::to_owned);
    let purl = version.and_then(|v| pypi_purl(&name, Some(v), &Source::Index(None)).ok());
    let mut root = Component::new(
        purl.clone().unwrap_or_else(|| format!("project:{name}")),
        Kind::Application,
        name,
    );
    root.version = version.map(str::to_owned);
    root.purl = purl;
    root
}

/// A TOML syntax or type error, at its position in the file.
pub(super) fn toml_error(path: &Path, text: &str, error: &toml::de::Error) -> CollectError {
    let offset = error.span().map_or(0, |s| s.start);
    CollectError::syntax_at(path, text, offset, error.message())
}

/// One `[[package]]` table read as `T`; an entry that does not fit is an error on its line.
fn entry<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    table: Spanned<toml::Table>,
) -> Result<(T, usize), CollectError> {
    let line = line_column(text, table.span().start).0;
    let value = toml::Value::Table(table.into_inner());
    value
        .try_into::<T>()
        .map(|parsed| (parsed, line))
        .map_err(|e| invalid(path, Some(line), e.message()))
}

fn invalid(path: &Path, line: Option<usize>, message: impl Into<String>) -> CollectError {
    CollectError::Invalid {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

fn unsupported(path: &Path, message: impl Into<String>) -> CollectError {
    CollectError::Unsupported {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A format version `found` newer than the newest this build reads (`known`).
fn from_the_future(path: &Path, what: &str, found: &str, known: &str) -> CollectError {
    unsupported(
        path,
        format!(
            "{what} {found} is newer than this build reads (up to {known}): a lockfile from \
             the future; update modelseal"
        ),
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
    /// edges between them, and root edges to `direct` (run time) and `dev` (development);
    /// `optional` nodes get `Scope::Optional`.
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
            match component(&node.locked) {
                Ok(mut component) => {
                    if optional.contains(&index) {
                        component.scope = Some(Scope::Optional);
                    }
                    refs.insert(index, component.bom_ref.clone());
                    bom.add(component);
                }
                Err(message) => diagnostics.recover(invalid(path, Some(node.line), message))?,
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

/// Development-only packages: reachable from the development roots but not from the run-time
/// ones.
fn dev_only(graph: &Graph, main: &BTreeSet<usize>, dev: &BTreeSet<usize>) -> BTreeSet<usize> {
    let main = graph.closure(main.iter().copied());
    graph
        .closure(dev.iter().copied())
        .difference(&main)
        .copied()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// poetry.lock

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

/// Reads a `poetry.lock` (lock-version 1.x or 2.x). The root is the project in the
/// `pyproject.toml` beside it, whose dependencies and groups also tell which packages are
/// direct and which are only for development when the lockfile does not say.
pub fn collect_poetry_lock(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let lock: PoetryLock = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    let metadata = lock
        .metadata
        .ok_or_else(|| invalid(path, None, "no [metadata] table: not a poetry.lock"))?;
    let lock_version = metadata
        .lock_version
        .as_ref()
        .ok_or_else(|| invalid(path, None, "no [metadata] lock-version"))?;
    check_poetry_version(path, &text, lock_version)?;
    let project = read_project(parent(path), diagnostics)?;
    let mut graph = Graph::default();
    let mut declared: Vec<(usize, BTreeMap<String, toml::Value>, Option<bool>)> = Vec::new();
    for table in lock.package {
        let (package, line) = match entry::<PoetryPackage>(path, &text, table) {
            Ok(parsed) => parsed,
            Err(error) => {
                diagnostics.recover(error)?;
                continue;
            }
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
        let context = format!("{}:{line}: {}", path.display(), package.name);
        for file in files {
            push_hash(&mut locked.hashes, &file.hash, &context, diagnostics);
        }
        let dev = match (&package.groups, &package.category) {
            (Some(groups), _) => Some(!groups.iter().any(|g| g == "main")),
            (None, Some(category)) => Some(category == "dev"),
            (None, None) => None,
        };
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
    let root = project_root(
        path,
        project.as_ref().and_then(|p| p.name.as_deref()),
        project.as_ref().and_then(|p| p.version.as_deref()),
    );
    let (direct, optional) = poetry_roots_and_dev(&graph, project.as_ref(), &declared);
    let mut bom = Bom::new(root);
    graph.into_bom(&mut bom, path, None, &direct, &optional, diagnostics)?;
    Ok(bom)
}

fn check_poetry_version(
    path: &Path,
    text: &str,
    version: &Spanned<String>,
) -> Result<(), CollectError> {
    let major = version
        .get_ref()
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok());
    match major {
        Some(1 | 2) => Ok(()),
        Some(_) => Err(from_the_future(
            path,
            "poetry lock-version",
            version.get_ref(),
            "2.x",
        )),
        None => Err(invalid(
            path,
            Some(line_column(text, version.span().start).0),
            format!("lock-version {:?} is not a version", version.get_ref()),
        )),
    }
}

/// Which packages the root depends on and which are development-only. The lockfile's own
/// marks (`groups`, `category`) win; the project's declared groups fill in for lock-version
/// 2.0 files, which record neither.
fn poetry_roots_and_dev(
    graph: &Graph,
    project: Option<&Project>,
    declared: &[(usize, BTreeMap<String, toml::Value>, Option<bool>)],
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
        dev_only(graph, &main, &dev)
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

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

// ---------------------------------------------------------------------------------------------
// uv.lock

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

/// A workspace member (the project or a sibling package being developed).
fn is_uv_member(source: Option<&BTreeMap<String, String>>) -> bool {
    source.is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
}

/// Reads a `uv.lock`. The project is the package whose source is `editable = "."` or
/// `virtual = "."`; other workspace members are root dependencies.
pub fn collect_uv_lock(path: &Path, diagnostics: &mut Diagnostics) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let lock: UvLock = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    let version = lock
        .version
        .as_ref()
        .ok_or_else(|| invalid(path, None, "no top-level `version`: not a uv.lock"))?;
    match *version.get_ref() {
        UV_LOCK_VERSION => {}
        v if v > UV_LOCK_VERSION => {
            return Err(from_the_future(
                path,
                "uv.lock version",
                &v.to_string(),
                &UV_LOCK_VERSION.to_string(),
            ));
        }
        v => {
            return Err(invalid(
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
    for table in lock.package {
        let (package, line) = match entry::<UvPackage>(path, &text, table) {
            Ok(parsed) => parsed,
            Err(error) => {
                diagnostics.recover(error)?;
                continue;
            }
        };
        let mut locked = Locked::new(
            &package.name,
            package.version.clone(),
            uv_source(package.source.as_ref()),
        );
        let context = format!("{}:{line}: {}", path.display(), package.name);
        for artifact in package.sdist.iter().chain(&package.wheels) {
            if let Some(hash) = &artifact.hash {
                push_hash(&mut locked.hashes, hash, &context, diagnostics);
            }
        }
        let index = graph.push(locked, line);
        if is_uv_member(package.source.as_ref()) {
            let local = package
                .source
                .as_ref()
                .and_then(|s| s.get("editable").or_else(|| s.get("virtual")).cloned());
            if local.as_deref() == Some(".") && project.is_none() {
                project = Some(index);
            } else {
                members.insert(index);
            }
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
        let manifest = read_project(parent(path), diagnostics)?.unwrap_or_default();
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
    let optional = dev_only(&graph, &main, &dev);
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
    let resolve = |graph: &Graph, dependency: &UvDependency| -> Vec<usize> {
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
    };
    for (index, package) in packages {
        let run_time = package
            .dependencies
            .iter()
            .chain(package.optional_dependencies.values().flatten());
        let mut deps = BTreeSet::new();
        let mut missing = Vec::new();
        for dependency in run_time {
            let found = resolve(graph, dependency);
            if found.is_empty() {
                missing.push(dependency.name.clone());
            }
            deps.extend(found);
        }
        let mut dev_deps = BTreeSet::new();
        for dependency in package.dev_dependencies.values().flatten() {
            let found = resolve(graph, dependency);
            if found.is_empty() {
                missing.push(dependency.name.clone());
            }
            dev_deps.extend(found);
        }
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

// ---------------------------------------------------------------------------------------------
// Pipfile.lock

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
    let document: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| CollectError::Syntax {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    let spec = document.pointer("/_meta/pipfile-spec");
    match spec.and_then(serde_json::Value::as_u64) {
        Some(PIPFILE_SPEC) => {}
        Some(other) if other > PIPFILE_SPEC => {
            return Err(from_the_future(
                path,
                "pipfile-spec",
                &other.to_string(),
                "6",
            ));
        }
        _ => {
            return Err(unsupported(
                path,
                format!(
                    "_meta.pipfile-spec is {}, this reads 6",
                    spec.map_or_else(|| "missing".to_owned(), ToString::to_string)
                ),
            ));
        }
    }
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
    let project = read_project(parent(path), diagnostics)?;
    let root = project_root(
        path,
        project.as_ref().and_then(|p| p.name.as_deref()),
        project.as_ref().and_then(|p| p.version.as_deref()),
    );
    let mut bom = Bom::new(root);
    let mut required: BTreeSet<String> = BTreeSet::new();
    for (section, scope) in [("default", None), ("develop", Some(Scope::Optional))] {
        let Some(entries) = document.get(section) else {
            continue;
        };
        let Some(entries) = entries.as_object() else {
            let line = json_key_line(&text, &[section]);
            diagnostics.recover(invalid(path, line, format!("`{section}` is not an object")))?;
            continue;
        };
        for (name, value) in entries {
            let line = json_key_line(&text, &[section, name]);
            let added = pipfile_entry(path, line, name, value, &indexes, diagnostics);
            let mut component = match added {
                Ok(component) => component,
                Err(error) => {
                    diagnostics.recover(error)?;
                    continue;
                }
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

fn pipfile_entry(
    path: &Path,
    line: Option<usize>,
    name: &str,
    value: &serde_json::Value,
    indexes: &BTreeMap<String, String>,
    diagnostics: &mut Diagnostics,
) -> Result<Component, CollectError> {
    let entry = PipfileEntry::deserialize(value)
        .map_err(|e| invalid(path, line, format!("{name}: {e}")))?;
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
    let context = format!(
        "{}{}: {name}",
        path.display(),
        line.map(|l| format!(":{l}")).unwrap_or_default()
    );
    if version.is_none() {
        diagnostics.warn(format!("{context}: no pinned version"));
    }
    let mut locked = Locked::new(name, version, source);
    for text in &entry.hashes {
        push_hash(&mut locked.hashes, text, &context, diagnostics);
    }
    component(&locked).map_err(|message| invalid(path, line, message))
}

/// The line of a JSON object key reached through `keys` (each searched after the previous):
/// the parser keeps no positions, and an error without a line is hard to act on.
pub(super) fn json_key_line(text: &str, keys: &[&str]) -> Option<usize> {
    let mut offset = 0;
    for key in keys {
        let quoted = serde_json::to_string(key).ok()?;
        let found = text
            .get(offset..)?
            .find(&format!("{quoted}:"))
            .or_else(|| {
                text.get(offset..)?
                    .match_indices(&quoted)
                    .find(|(i, _)| {
                        text.get(offset + i + quoted.len()..)
                            .is_some_and(|rest| rest.trim_start().starts_with(':'))
                    })
                    .map(|(i, _)| i)
            })?;
        offset += found;
    }
    Some(line_column(text, offset).0)
}

// ---------------------------------------------------------------------------------------------
// pylock.toml (PEP 751)

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
    let lock: Pylock = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    let version = lock
        .lock_version
        .as_ref()
        .ok_or_else(|| invalid(path, None, "no lock-version: not a pylock.toml"))?;
    match version.get_ref().split('.').next().map(str::parse::<u64>) {
        Some(Ok(1)) => {}
        Some(Ok(major)) if major > 1 => {
            return Err(from_the_future(
                path,
                "pylock lock-version",
                version.get_ref(),
                "1.x",
            ));
        }
        _ => {
            return Err(invalid(
                path,
                Some(line_column(&text, version.span().start).0),
                format!("lock-version {:?} is not a version", version.get_ref()),
            ));
        }
    }
    let manifest = read_project(parent(path), diagnostics)?;
    let mut graph = Graph::default();
    let mut packages: Vec<(usize, Vec<PylockDependency>)> = Vec::new();
    let mut project = None;
    for table in lock.packages {
        let (package, line) = match entry::<PylockPackage>(path, &text, table) {
            Ok(parsed) => parsed,
            Err(error) => {
                diagnostics.recover(error)?;
                continue;
            }
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
    let context = format!("{}:{line}: {}", path.display(), package.name);
    let files = package
        .archive
        .iter()
        .chain(&package.sdist)
        .chain(&package.wheels);
    for file in files {
        for (algorithm, value) in &file.hashes {
            match hash(algorithm, value) {
                Some(hash) => locked.hashes.push(hash),
                None => diagnostics.warn(format!(
                    "{context}: ignoring unreadable hash {algorithm} = {value:?}"
                )),
            }
        }
    }
    (locked, package.dependencies)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lockfiles")
            .join(rel)
    }

    fn component<'a>(bom: &'a Bom, purl: &str) -> &'a Component {
        bom.components
            .get(purl)
            .unwrap_or_else(|| panic!("{purl} missing: {:?}", bom.components.keys()))
    }

    fn deps(bom: &Bom, from: &str) -> Vec<String> {
        bom.dependencies
            .get(from)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn sha256(value: &str) -> Hash {
        Hash {
            algorithm: "SHA-256",
            value: value.to_owned(),
        }
    }

    /// Writes `text` as `name` in a fresh directory.
    fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const ATTRS_WHEEL: &str = "c647aa4a12dfbad9333ca4e71fe62ddc36f4e63b2d260a37a8b83d2f043ac309";
    const ATTRS_SDIST: &str = "d03ceb89cb322a8fd706d4fb91940737b6642aa36998fe130a9bc96c985eff32";

    #[test]
    fn purls_hashes_and_names() {
        assert_eq!(
            pypi_purl("Zope.Interface", Some("5.0+cpu"), &Source::Index(None)).unwrap(),
            "pkg:pypi/zope-interface@5.0%2Bcpu"
        );
        assert_eq!(
            pypi_purl(
                "x",
                Some("1"),
                &Source::Index(Some("https://pypi.org/simple/".into()))
            )
            .unwrap(),
            "pkg:pypi/x@1"
        );
        assert_eq!(
            pypi_purl(
                "x",
                Some("1"),
                &Source::Index(Some("https://example.org/simple".into()))
            )
            .unwrap(),
            "pkg:pypi/x@1?repository_url=https:%2F%2Fexample.org%2Fsimple"
        );
        assert_eq!(
            pypi_purl(
                "x",
                None,
                &Source::Vcs {
                    url: "https://github.com/a/x".into(),
                    commit: Some("abc".into())
                }
            )
            .unwrap(),
            "pkg:pypi/x?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fa%2Fx%40abc"
        );
        assert_eq!(
            parse_hash("SHA256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
            Some(sha256(
                "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
            ))
        );
        assert_eq!(parse_hash("sha256:abc"), None);
        assert_eq!(parse_hash("blake2b:00"), None);
        assert_eq!(parse_hash("no-colon"), None);
        assert_eq!(
            requirement_name("Typing_Extensions>=4"),
            Some("typing-extensions".into())
        );
        assert_eq!(requirement_name(">=4"), None);
    }

    #[test]
    fn json_key_lines_follow_the_path() {
        let text = "{\n \"default\": {\n  \"a\": {},\n  \"b\": {}\n },\n \"develop\": {\n  \"a\": {}\n }\n}";
        assert_eq!(json_key_line(text, &["default", "b"]), Some(4));
        assert_eq!(json_key_line(text, &["develop", "a"]), Some(7));
        assert_eq!(json_key_line(text, &["develop", "zz"]), None);
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

    #[test]
    fn uv_lock_real_fixture() {
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_uv_lock(&fixture("uv/uv.lock"), &mut diagnostics).unwrap();
        assert!(
            diagnostics.warnings().is_empty(),
            "{:?}",
            diagnostics.warnings()
        );
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-app@0.1.0");
        assert_eq!(bom.root.kind, Kind::Application);
        assert_eq!(
            bom.components.keys().collect::<Vec<_>>(),
            [
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
            ]
        );
        assert_eq!(
            deps(&bom, "pkg:pypi/demo-app@0.1.0"),
            [
                "pkg:pypi/attrs@26.1.0",
                "pkg:pypi/helper@0.2.0",
                "pkg:pypi/idna@3.20",
                "pkg:pypi/pysocks@1.7.1",
                "pkg:pypi/pytest@9.2.0",
            ]
        );
        assert_eq!(deps(&bom, "pkg:pypi/helper@0.2.0"), ["pkg:pypi/idna@3.20"]);
        assert_eq!(deps(&bom, "pkg:pypi/pytest@9.2.0").len(), 5);
        let attrs = component(&bom, "pkg:pypi/attrs@26.1.0");
        assert_eq!(attrs.hashes, [sha256(ATTRS_WHEEL), sha256(ATTRS_SDIST)]);
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
        let again = collect_uv_lock(&fixture("uv/uv.lock"), &mut Diagnostics::strict()).unwrap();
        assert_eq!(bom, again);
    }

    #[test]
    fn uv_git_url_and_forked_versions() {
        let (_dir, path) = write(
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
            [ExternalReference {
                kind: "vcs",
                url: "git+https://github.com/acme/tool@0123456789abcdef0123456789abcdef01234567"
                    .into()
            }]
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
        let (dir, path) = write(
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
        let (_dir, path) = write("uv.lock", "version = 2\nrevision = 1\n");
        let err = collect_uv_lock(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(matches!(err, CollectError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("from the future"), "{err}");
        for (text, expected) in [
            ("", "no top-level `version`"),
            ("version = 1\n[[package]\nname = ", ":2:"),
            ("version = \"one\"\n", ":1:11:"),
            ("version = 1\npackage = 3\n", ":2:"),
            ("version = 0\n", "unknown uv.lock version 0"),
        ] {
            let (_dir, path) = write("uv.lock", text);
            let err = collect_uv_lock(&path, &mut Diagnostics::strict()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
        // A broken entry fails strictly and is skipped with a warning in best-effort mode.
        let text = "version = 1\n\n[[package]]\nname = \"ok\"\nversion = \"1\"\n\n[[package]]\nversion = \"2\"\n";
        let (_dir, path) = write("uv.lock", text);
        let err = collect_uv_lock(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(
            err.to_string().ends_with("uv.lock:7: missing field `name`"),
            "{err}"
        );
        let mut diagnostics = Diagnostics::best_effort();
        let bom = collect_uv_lock(&path, &mut diagnostics).unwrap();
        assert_eq!(bom.components.keys().collect::<Vec<_>>(), ["pkg:pypi/ok@1"]);
        assert_eq!(diagnostics.warnings().len(), 1);
        let (_dir, path) = write("uv.lock", "version = 1\n[[package]]\nname = 5\n");
        assert!(collect_uv_lock(&path, &mut Diagnostics::strict()).is_err());
    }

    #[test]
    fn poetry_2_1_real_fixture() {
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_poetry_lock(&fixture("poetry/poetry.lock"), &mut diagnostics).unwrap();
        assert!(
            diagnostics.warnings().is_empty(),
            "{:?}",
            diagnostics.warnings()
        );
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-poetry@1.2.0");
        assert_eq!(bom.components.len(), 10);
        assert_eq!(
            deps(&bom, "pkg:pypi/demo-poetry@1.2.0"),
            [
                "pkg:pypi/attrs@26.1.0",
                "pkg:pypi/helper@0.2.0",
                "pkg:pypi/idna@3.20",
                "pkg:pypi/pysocks@1.7.1",
                "pkg:pypi/pytest@9.2.0",
            ]
        );
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
            [sha256(ATTRS_WHEEL), sha256(ATTRS_SDIST)]
        );
        assert_eq!(component(&bom, "pkg:pypi/pysocks@1.7.1").hashes.len(), 3);
        assert_eq!(
            component(&bom, "pkg:pypi/pytest@9.2.0").scope,
            Some(Scope::Optional)
        );
        assert_eq!(
            component(&bom, "pkg:pypi/colorama@0.4.6").scope,
            Some(Scope::Optional)
        );
        assert_eq!(component(&bom, "pkg:pypi/idna@3.20").scope, None);
        assert!(component(&bom, "pkg:pypi/helper@0.2.0").hashes.is_empty());
    }

    #[test]
    fn poetry_2_0_scopes_come_from_the_project_groups() {
        let bom = collect_poetry_lock(&fixture("poetry18/poetry.lock"), &mut Diagnostics::strict())
            .unwrap();
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-poetry-legacy@0.3.0");
        assert_eq!(bom.components.len(), 9);
        for dev in [
            "pytest@9.2.0",
            "pluggy@1.7.0",
            "iniconfig@2.3.1",
            "colorama@0.4.6",
        ] {
            let c = component(&bom, &format!("pkg:pypi/{dev}"));
            assert_eq!(c.scope, Some(Scope::Optional), "{dev}");
        }
        for main in ["attrs@26.1.0", "idna@3.20", "helper@0.2.0"] {
            assert_eq!(
                component(&bom, &format!("pkg:pypi/{main}")).scope,
                None,
                "{main}"
            );
        }
    }

    #[test]
    fn poetry_1_1_real_fixture() {
        let bom = collect_poetry_lock(&fixture("poetry11/poetry.lock"), &mut Diagnostics::strict())
            .unwrap();
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-poetry-one@0.3.0");
        // Hashes from [metadata.files]; `category` for the scope.
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            [sha256(ATTRS_WHEEL), sha256(ATTRS_SDIST)]
        );
        assert_eq!(
            component(&bom, "pkg:pypi/pygments@2.21.0").scope,
            Some(Scope::Optional)
        );
        assert_eq!(component(&bom, "pkg:pypi/attrs@26.1.0").scope, None);
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
        let (_dir, path) = write(
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
        assert_eq!(
            component(&bom, "pkg:pypi/tool@1.0").scope,
            Some(Scope::Optional)
        );
    }

    #[test]
    fn poetry_versions_and_garbage() {
        let (_dir, path) = write("poetry.lock", "[metadata]\nlock-version = \"3.0\"\n");
        let err = collect_poetry_lock(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(matches!(err, CollectError::Unsupported { .. }), "{err}");
        assert!(
            err.to_string().contains("lockfile from the future"),
            "{err}"
        );
        for (text, expected) in [
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
        ] {
            let (_dir, path) = write("poetry.lock", text);
            let err = collect_poetry_lock(&path, &mut Diagnostics::strict()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
        let text = "[[package]]\nname = \"a\"\n\n[metadata]\nlock-version = \"2.1\"\n";
        let (_dir, path) = write("poetry.lock", text);
        let err = collect_poetry_lock(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("poetry.lock:1: missing field `version`"),
            "{err}"
        );
        let mut diagnostics = Diagnostics::best_effort();
        let bom = collect_poetry_lock(&path, &mut diagnostics).unwrap();
        assert!(bom.components.is_empty());
        assert_eq!(diagnostics.warnings().len(), 1);
    }

    #[test]
    fn pipfile_lock_real_fixture() {
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_pipfile_lock(&fixture("pipenv/Pipfile.lock"), &mut diagnostics).unwrap();
        assert!(
            diagnostics.warnings().is_empty(),
            "{:?}",
            diagnostics.warnings()
        );
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
            [sha256(ATTRS_WHEEL), sha256(ATTRS_SDIST)]
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
        let (_dir, path) = write("Pipfile.lock", text);
        let err = collect_pipfile_lock(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(
            err.to_string()
                .contains("Pipfile.lock:7: broken: invalid type"),
            "{err}"
        );
        let mut diagnostics = Diagnostics::best_effort();
        let bom = collect_pipfile_lock(&path, &mut diagnostics).unwrap();
        let both = "pkg:pypi/both@1.0?repository_url=https:%2F%2Fpypi.corp.example%2Fsimple";
        assert_eq!(component(&bom, both).scope, None);
        let lib = "pkg:pypi/lib?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Flib.git%400123456789abcdef0123456789abcdef01234567";
        assert_eq!(component(&bom, lib).version, None);
        assert_eq!(component(&bom, "pkg:pypi/local").version, None);
        let warnings = diagnostics.warnings().join("\n");
        assert!(warnings.contains("lib: no pinned version"), "{warnings}");
        assert!(warnings.contains("broken"), "{warnings}");
        for (text, expected) in [
            ("", "EOF"),
            ("{\"_meta\": {\"pipfile-spec\": 5}}", "pipfile-spec is 5"),
            ("{\"_meta\": {\"pipfile-spec\": 7}}", "from the future"),
            ("{\"default\": {}}", "pipfile-spec is missing"),
            ("[1, 2", ":1:"),
        ] {
            let (_dir, path) = write("Pipfile.lock", text);
            let err = collect_pipfile_lock(&path, &mut Diagnostics::strict()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
        let (_dir, path) = write(
            "Pipfile.lock",
            "{\"_meta\": {\"pipfile-spec\": 6}, \"default\": []}",
        );
        assert!(collect_pipfile_lock(&path, &mut Diagnostics::strict()).is_err());
    }

    #[test]
    fn pylock_real_fixture() {
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_pylock(&fixture("uv/pylock.toml"), &mut diagnostics).unwrap();
        assert!(
            diagnostics.warnings().is_empty(),
            "{:?}",
            diagnostics.warnings()
        );
        // The project is the package at directory "."; its version comes from pyproject.toml.
        assert_eq!(bom.root.bom_ref, "pkg:pypi/demo-app@0.1.0");
        assert_eq!(bom.components.len(), 10);
        assert!(bom.components.contains_key("pkg:pypi/helper"));
        assert_eq!(deps(&bom, &bom.root.bom_ref).len(), 10);
        assert_eq!(
            component(&bom, "pkg:pypi/attrs@26.1.0").hashes,
            [sha256(ATTRS_WHEEL), sha256(ATTRS_SDIST)]
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
        let (_dir, path) = write("pylock.toml", text);
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
        for (text, expected) in [
            ("", "no lock-version"),
            ("lock-version = \"2.0\"\n", "from the future"),
            ("lock-version = \"x\"\n", ":1: lock-version \"x\""),
            (
                "lock-version = \"1.0\"\n[[packages]]\nversion = \"1\"\n",
                ":2: missing field `name`",
            ),
            ("lock-version = \"1.0\"\n[[packages]\n", ":2:"),
        ] {
            let (_dir, path) = write("pylock.toml", text);
            let err = collect_pylock(&path, &mut Diagnostics::strict()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
    }

    /// Every Python fixture as CycloneDX 1.6, checked against the official schema read in
    /// place from the workspace's sibling `shared/` (or `MODELSEAL_SHARED`).
    #[test]
    fn python_boms_are_valid_cyclonedx() {
        let root = std::env::var_os("MODELSEAL_SHARED").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
            PathBuf::from,
        );
        let schemas = root.join("schemas");
        if !schemas.is_dir() {
            return; // tests/lockfiles.rs reports the skip
        }
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(schemas.join(name)).unwrap()).unwrap()
        };
        let registry = jsonschema::Registry::new()
            .add(
                "http://cyclonedx.org/schema/spdx.schema.json",
                read("spdx.schema.json"),
            )
            .unwrap()
            .add(
                "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                read("jsf-0.82.schema.json"),
            )
            .unwrap()
            .prepare()
            .unwrap();
        let validator = jsonschema::options()
            .with_registry(&registry)
            .build(&read("bom-1.6.schema.json"))
            .unwrap();
        let mut diagnostics = Diagnostics::strict();
        let boms = [
            collect_uv_lock(&fixture("uv/uv.lock"), &mut diagnostics).unwrap(),
            collect_pylock(&fixture("uv/pylock.toml"), &mut diagnostics).unwrap(),
            collect_poetry_lock(&fixture("poetry/poetry.lock"), &mut diagnostics).unwrap(),
            collect_poetry_lock(&fixture("poetry11/poetry.lock"), &mut diagnostics).unwrap(),
            collect_pipfile_lock(&fixture("pipenv/Pipfile.lock"), &mut diagnostics).unwrap(),
            super::super::requirements::collect_requirements(
                &fixture("uv/requirements.txt"),
                &mut diagnostics,
            )
            .unwrap(),
        ];
        for bom in &boms {
            let document = crate::cyclonedx::to_json(
                bom,
                crate::cyclonedx::SpecVersion::V1_6,
                "2026-11-23T00:00:00Z",
            );
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", bom.root.bom_ref);
        }
    }

    #[test]
    fn a_broken_pyproject_is_an_error_unless_best_effort() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "[project\n").unwrap();
        let path = dir.path().join("poetry.lock");
        std::fs::write(&path, "[metadata]\nlock-version = \"2.1\"\n").unwrap();
        let err = collect_poetry_lock(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(err.to_string().contains("pyproject.toml:1:"), "{err}");
        let mut diagnostics = Diagnostics::best_effort();
        let bom = collect_poetry_lock(&path, &mut diagnostics).unwrap();
        assert!(bom.root.bom_ref.starts_with("project:"));
        assert_eq!(diagnostics.warnings().len(), 1);
    }
}
