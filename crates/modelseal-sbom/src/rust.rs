//! Rust: a `Cargo.lock` (format versions 1 to 4) and the `Cargo.toml` beside it as components:
//! one per locked crate, with its registry checksum and the edges the lockfile records. The
//! root is the package of that manifest, or for a virtual workspace the workspace itself, whose
//! members are then its direct dependencies.
//!
//! `Cargo.lock` does not tell development dependencies from the others, so no scope is set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use packageurl::PackageUrl;
use serde::Deserialize;
use toml::Spanned;

use crate::collect::{
    CollectError, Diagnostics, directory_name, line_column, parent_dir, parse_toml, read_manifest,
    read_text, toml_entries,
};
use modelseal_bom::bom::{Bom, Component, ExternalReference, Hash, Kind};

/// The newest `Cargo.lock` format this reads.
const NEWEST_LOCK_VERSION: i64 = 4;

/// The crates.io index under both protocols: the purl default, so no `repository_url`.
const CRATES_IO: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

#[derive(Deserialize)]
struct RawLock {
    /// Absent in formats 1 and 2.
    version: Option<Spanned<i64>>,
    #[serde(default)]
    package: Vec<Spanned<toml::Table>>,
    /// Format 1 keeps checksums here, as `"checksum <name> <version> (<source>)" = "<hex>"`.
    #[serde(default)]
    metadata: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// One locked crate.
#[derive(Debug)]
struct Package {
    name: String,
    version: String,
    source: Option<String>,
    line: usize,
    dependencies: Vec<String>,
    checksum: Option<String>,
}

/// Reads `path` (a `Cargo.lock`) with the `Cargo.toml` beside it when there is one.
pub fn collect_cargo_lock(path: &Path, diagnostics: &mut Diagnostics) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let lock: RawLock = parse_toml(path, &text)?;
    if let Some(version) = &lock.version {
        let found = *version.get_ref();
        if found > NEWEST_LOCK_VERSION {
            return Err(CollectError::from_the_future(
                path,
                "Cargo.lock version",
                found,
                NEWEST_LOCK_VERSION,
            ));
        }
        if found < 1 {
            return Err(CollectError::invalid(
                path,
                Some(line_column(&text, version.span().start).0),
                format!("unknown Cargo.lock version {found}"),
            ));
        }
    }
    let packages = read_packages(path, &text, lock.package, &lock.metadata, diagnostics)?;
    let manifest = Manifest::read(parent_dir(path), diagnostics)?;
    let refs = refs(path, &packages, diagnostics)?;
    let edges = resolve_edges(path, &packages, diagnostics);

    let root_package =
        manifest
            .as_ref()
            .and_then(|m| m.package.as_ref())
            .and_then(|(name, version)| {
                packages.iter().position(|p| {
                    p.source.is_none()
                        && p.name == *name
                        && version.as_ref().is_none_or(|v| *v == p.version)
                })
            });
    let root = root_component(
        path,
        manifest.as_ref(),
        root_package.and_then(|i| packages.get(i)),
    );
    let root_ref = root.bom_ref.clone();
    let mut bom = Bom::new(root);
    for (index, package) in packages.iter().enumerate() {
        if Some(index) == root_package {
            continue;
        }
        if let Some(bom_ref) = refs.get(&index) {
            bom.add(component(package, bom_ref));
        }
    }
    let ref_of = |index: usize| -> Option<&str> {
        if Some(index) == root_package {
            Some(root_ref.as_str())
        } else {
            refs.get(&index).map(String::as_str)
        }
    };
    for (from, targets) in &edges {
        let Some(from) = ref_of(*from) else { continue };
        for &to in targets {
            if let Some(to) = ref_of(to)
                && from != to
            {
                bom.depend(from, to);
            }
        }
    }
    for index in direct(&packages, &edges, manifest.as_ref(), root_package) {
        if let Some(to) = ref_of(index)
            && to != root_ref
        {
            bom.depend(&root_ref, to);
        }
    }
    Ok(bom)
}

/// Every `[[package]]` entry, with format 1's checksums folded in. An entry missing its name
/// or version fails the collection, or is skipped in best-effort mode.
fn read_packages(
    path: &Path,
    text: &str,
    tables: Vec<Spanned<toml::Table>>,
    metadata: &BTreeMap<String, toml::Value>,
    diagnostics: &mut Diagnostics,
) -> Result<Vec<Package>, CollectError> {
    let mut packages = Vec::with_capacity(tables.len());
    for entry in toml_entries::<RawPackage>(path, text, tables) {
        let Some((raw, line)) = diagnostics.keep(entry)? else {
            continue;
        };
        let checksum = raw.checksum.or_else(|| {
            let key = format!(
                "checksum {} {} ({})",
                raw.name,
                raw.version,
                raw.source.as_deref().unwrap_or_default()
            );
            metadata
                .get(&key)
                .and_then(toml::Value::as_str)
                .filter(|c| *c != "<none>")
                .map(str::to_owned)
        });
        packages.push(Package {
            name: raw.name,
            version: raw.version,
            source: raw.source,
            line,
            dependencies: raw.dependencies,
            checksum,
        });
    }
    Ok(packages)
}

/// Each package's purl, which is also its `bom_ref`.
fn refs(
    path: &Path,
    packages: &[Package],
    diagnostics: &mut Diagnostics,
) -> Result<BTreeMap<usize, String>, CollectError> {
    let mut refs = BTreeMap::new();
    for (index, package) in packages.iter().enumerate() {
        let purl = cargo_purl(package)
            .map_err(|message| CollectError::invalid(path, Some(package.line), message));
        if let Some(purl) = diagnostics.keep(purl)? {
            refs.insert(index, purl);
        }
    }
    Ok(refs)
}

/// `pkg:cargo/<name>@<version>`, with `repository_url` for another registry and `vcs_url`
/// for a git source. Path crates (workspace members) have no qualifier.
fn cargo_purl(package: &Package) -> Result<String, String> {
    let mut purl = PackageUrl::new("cargo", package.name.as_str())
        .map_err(|e| format!("{}: {e}", package.name))?;
    purl.with_version(package.version.as_str())
        .map_err(|e| e.to_string())?;
    match package.source.as_deref().map(Origin::parse) {
        Some(Origin::Registry(url)) if !CRATES_IO.contains(&url) => {
            let index = url.split_once('+').map_or(url, |(_, u)| u);
            purl.add_qualifier("repository_url", index)
                .map_err(|e| e.to_string())?;
        }
        Some(Origin::Git { vcs_url, .. }) => {
            purl.add_qualifier("vcs_url", vcs_url)
                .map_err(|e| e.to_string())?;
        }
        _ => {}
    }
    Ok(purl.to_string())
}

/// What a `source` string says.
enum Origin<'a> {
    /// `registry+<url>` or `sparse+<url>` (kept whole).
    Registry(&'a str),
    /// `git+<url>?<reference>#<commit>`: `vcs_url` is `git+<url>@<commit>`.
    Git {
        vcs_url: String,
    },
    Other,
}

impl<'a> Origin<'a> {
    fn parse(source: &'a str) -> Origin<'a> {
        if source.starts_with("registry+") || source.starts_with("sparse+") {
            return Origin::Registry(source);
        }
        if let Some(rest) = source.strip_prefix("git+") {
            let (url, commit) = match rest.split_once('#') {
                Some((url, commit)) => (url, Some(commit)),
                None => (rest, None),
            };
            let url = url.split_once('?').map_or(url, |(u, _)| u);
            let vcs_url = match commit {
                Some(commit) => format!("git+{url}@{commit}"),
                None => format!("git+{url}"),
            };
            return Origin::Git { vcs_url };
        }
        Origin::Other
    }
}

fn component(package: &Package, bom_ref: &str) -> Component {
    let mut component = Component::package(bom_ref, &package.name, &package.version);
    match package.source.as_deref().map(Origin::parse) {
        Some(Origin::Git { vcs_url }) => component
            .external_references
            .push(ExternalReference::new("vcs", vcs_url)),
        Some(Origin::Registry(_)) => {
            // Cargo writes the sha256 of the `.crate` file; anything else is not a checksum.
            if let Some(checksum) = package
                .checksum
                .as_deref()
                .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                component.hashes.push(Hash {
                    algorithm: "SHA-256",
                    value: checksum.to_ascii_lowercase(),
                });
            }
        }
        Some(Origin::Other) | None => {}
    }
    component
}

/// Each package's dependencies as indices. An entry is `name`, `name version` or
/// `name version (source)`, as precise as needed to pick one package; one that matches none
/// is reported and dropped.
fn resolve_edges(
    path: &Path,
    packages: &[Package],
    diagnostics: &mut Diagnostics,
) -> BTreeMap<usize, BTreeSet<usize>> {
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, package) in packages.iter().enumerate() {
        by_name
            .entry(package.name.as_str())
            .or_default()
            .push(index);
    }
    let mut edges = BTreeMap::new();
    for (index, package) in packages.iter().enumerate() {
        let mut targets = BTreeSet::new();
        for dependency in &package.dependencies {
            let mut parts = dependency.splitn(3, ' ');
            let name = parts.next().unwrap_or_default();
            let version = parts.next();
            let source = parts
                .next()
                .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
            let candidates: Vec<usize> = by_name
                .get(name)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| {
                    packages.get(i).is_some_and(|p| {
                        version.is_none_or(|v| p.version == v)
                            && source.is_none_or(|s| p.source.as_deref() == Some(s))
                    })
                })
                .collect();
            match candidates.as_slice() {
                [one] => {
                    targets.insert(*one);
                }
                [] => diagnostics.warn(format!(
                    "{}:{}: {} depends on {dependency:?}, which is not locked",
                    path.display(),
                    package.line,
                    package.name
                )),
                several => {
                    diagnostics.warn(format!(
                        "{}:{}: {} depends on {dependency:?}, which names {} locked packages",
                        path.display(),
                        package.line,
                        package.name,
                        several.len()
                    ));
                    targets.extend(several.iter().copied());
                }
            }
        }
        edges.insert(index, targets);
    }
    edges
}

/// The root's direct dependencies: the workspace members (less the root package itself) and,
/// when the root is a package, what it depends on. Without a manifest: the path crates nothing
/// else depends on, or failing that every crate nothing depends on.
fn direct(
    packages: &[Package],
    edges: &BTreeMap<usize, BTreeSet<usize>>,
    manifest: Option<&Manifest>,
    root_package: Option<usize>,
) -> BTreeSet<usize> {
    let mut direct = BTreeSet::new();
    if let Some(manifest) = manifest {
        for (index, package) in packages.iter().enumerate() {
            if package.source.is_none()
                && Some(index) != root_package
                && manifest.members.contains(&package.name)
            {
                direct.insert(index);
            }
        }
        if manifest.package.is_some() || !direct.is_empty() {
            return direct;
        }
    }
    let depended: BTreeSet<usize> = edges.values().flatten().copied().collect();
    let tops: Vec<usize> = (0..packages.len())
        .filter(|i| !depended.contains(i))
        .collect();
    let local: BTreeSet<usize> = tops
        .iter()
        .copied()
        .filter(|&i| packages.get(i).is_some_and(|p| p.source.is_none()))
        .collect();
    if local.is_empty() {
        tops.into_iter().collect()
    } else {
        local
    }
}

fn root_component(
    path: &Path,
    manifest: Option<&Manifest>,
    package: Option<&Package>,
) -> Component {
    if let Some(package) = package
        && let Ok(purl) = cargo_purl(package)
    {
        let mut root = Component::package(purl, &package.name, &package.version);
        root.kind = Kind::Application;
        return root;
    }
    let name = directory_name(parent_dir(path)).unwrap_or_else(|| "workspace".to_owned());
    let mut root = Component::new(format!("project:{name}"), Kind::Application, name);
    root.version = manifest.and_then(|m| m.workspace_version.clone());
    root
}

/// What the `Cargo.toml` beside the lockfile says about the root.
#[derive(Debug, Default)]
struct Manifest {
    /// `[package]` name and version (`None` when inherited from the workspace and unset).
    package: Option<(String, Option<String>)>,
    /// `[workspace.package] version`.
    workspace_version: Option<String>,
    /// Package names of the workspace members (`[workspace] members`, less `exclude`).
    members: BTreeSet<String>,
}

impl Manifest {
    fn read(dir: &Path, diagnostics: &mut Diagnostics) -> Result<Option<Manifest>, CollectError> {
        let Some(table) = read_toml(&dir.join("Cargo.toml"), diagnostics)? else {
            return Ok(None);
        };
        let workspace = table.get("workspace").and_then(toml::Value::as_table);
        let workspace_version = workspace
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("version"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned);
        let package = package_of(&table, workspace_version.as_deref());
        let mut members = BTreeSet::new();
        if let Some(workspace) = workspace {
            let patterns = |key: &str| -> Vec<String> {
                workspace
                    .get(key)
                    .and_then(toml::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let excluded: BTreeSet<PathBuf> = patterns("exclude")
                .iter()
                .flat_map(|p| expand(dir, p))
                .collect();
            for member in patterns("members").iter().flat_map(|p| expand(dir, p)) {
                if excluded.contains(&member) {
                    continue;
                }
                if let Some(member_table) = read_toml(&member.join("Cargo.toml"), diagnostics)?
                    && let Some((name, _)) = package_of(&member_table, workspace_version.as_deref())
                {
                    members.insert(name);
                }
            }
        }
        Ok(Some(Manifest {
            package,
            workspace_version,
            members,
        }))
    }
}

/// A `Cargo.toml` when there is one (see [`read_manifest`]).
fn read_toml(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Option<toml::Table>, CollectError> {
    read_manifest(path, diagnostics, parse_toml)
}

/// `[package]` name and version, the version inherited (`version.workspace = true`) or
/// defaulted to `0.0.0` (Cargo's rule when it is left out).
fn package_of(
    table: &toml::Table,
    workspace_version: Option<&str>,
) -> Option<(String, Option<String>)> {
    let package = table.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?.to_owned();
    let version = match package.get("version") {
        Some(toml::Value::String(v)) => Some(v.clone()),
        Some(toml::Value::Table(t))
            if t.get("workspace").and_then(toml::Value::as_bool) == Some(true) =>
        {
            workspace_version.map(str::to_owned)
        }
        Some(_) => None,
        None => Some("0.0.0".to_owned()),
    };
    Some((name, version))
}

/// The directories a workspace `members` pattern names: `crates/*`, `tools/?x`, or a plain
/// path. Only `*` and `?` are wildcards, within one path segment.
fn expand(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    for segment in pattern.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut next = Vec::new();
        for base in &found {
            if segment.contains(['*', '?']) {
                let Ok(entries) = modelseal_fs::read_dir_sorted(base) else {
                    continue;
                };
                next.extend(entries.into_iter().filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .is_some_and(|n| wildcard(segment, &n.to_string_lossy()))
                }));
            } else {
                next.push(base.join(segment));
            }
        }
        found = next;
    }
    found
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` any one.
fn wildcard(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || name.get(n) == Some(&c) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::collect::testing::{
        assert_broken_manifest_is_skipped, assert_from_the_future, assert_rejects,
        best_effort_after_strict_error, collect_clean, deps, sha256, write_file, write_files,
    };

    const CHECKSUM: &str = "8a6f644b6bb37e4248c3f5a526912aa35237a8ad7b9fa512540c4e230c8a4dad";

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "anything"));
        assert!(wildcard("modelseal-*", "modelseal-sbom"));
        assert!(wildcard("a?c", "abc"));
        assert!(wildcard("*-x*", "a-b-xy"));
        assert!(!wildcard("a?c", "ac"));
        assert!(!wildcard("modelseal-*", "fuzz"));
        assert!(wildcard("", ""));
    }

    #[test]
    fn version_1_checksums_sources_and_a_package_root() {
        let lock = format!(
            r#"[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "hex 0.4.3 (registry+https://github.com/rust-lang/crates.io-index)",
 "gitdep 1.0.0 (git+https://github.com/acme/gitdep?branch=main#0123456789abcdef)",
 "corp 2.0.0 (sparse+https://crates.corp.example/)",
]

[[package]]
name = "corp"
version = "2.0.0"
source = "sparse+https://crates.corp.example/"

[[package]]
name = "gitdep"
version = "1.0.0"
source = "git+https://github.com/acme/gitdep?branch=main#0123456789abcdef"

[[package]]
name = "hex"
version = "0.4.3"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum hex 0.4.3 (registry+https://github.com/rust-lang/crates.io-index)" = "{CHECKSUM}"
"checksum corp 2.0.0 (sparse+https://crates.corp.example/)" = "<none>"
"#
        );
        let dir = write_files(&[
            ("Cargo.lock", &lock),
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
            ),
        ]);
        let bom = collect_clean(collect_cargo_lock, &dir.path().join("Cargo.lock"));
        assert_eq!(bom.root.bom_ref, "pkg:cargo/app@0.1.0");
        assert_eq!(bom.root.kind, Kind::Application);
        let gitdep = "pkg:cargo/gitdep@1.0.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Facme%2Fgitdep%400123456789abcdef";
        let corp = "pkg:cargo/corp@2.0.0?repository_url=https:%2F%2Fcrates.corp.example%2F";
        assert_eq!(
            deps(&bom, "pkg:cargo/app@0.1.0"),
            [corp, gitdep, "pkg:cargo/hex@0.4.3"]
        );
        assert_eq!(bom.components.len(), 3);
        assert_eq!(
            bom.components["pkg:cargo/hex@0.4.3"].hashes,
            [sha256(CHECKSUM)]
        );
        assert!(bom.components[corp].hashes.is_empty());
        assert_eq!(
            bom.components[gitdep].external_references,
            [ExternalReference::new(
                "vcs",
                "git+https://github.com/acme/gitdep@0123456789abcdef"
            )]
        );
    }

    #[test]
    fn two_versions_of_a_crate_and_a_virtual_workspace() {
        let lock = format!(
            r#"version = 3

[[package]]
name = "a"
version = "0.1.0"
dependencies = ["dup 1.0.0", "b"]

[[package]]
name = "b"
version = "0.2.0"
dependencies = ["dup 2.0.0", "missing"]

[[package]]
name = "dup"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "{CHECKSUM}"

[[package]]
name = "dup"
version = "2.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "not-hex"
"#
        );
        let dir = write_files(&[
            ("ws/Cargo.lock", &lock),
            (
                "ws/Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n[workspace.package]\nversion = \"9.0.0\"\n",
            ),
            (
                "ws/crates/a/Cargo.toml",
                "[package]\nname = \"a\"\nversion.workspace = true\n",
            ),
            (
                "ws/crates/b/Cargo.toml",
                "[package]\nname = \"b\"\nversion = \"0.2.0\"\n",
            ),
            ("ws/crates/skip/Cargo.toml", "[package]\nname = \"skip\"\n"),
        ]);
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_cargo_lock(&dir.path().join("ws/Cargo.lock"), &mut diagnostics).unwrap();
        assert_eq!(bom.root.bom_ref, "project:ws");
        assert_eq!(bom.root.version.as_deref(), Some("9.0.0"));
        assert_eq!(
            deps(&bom, "project:ws"),
            ["pkg:cargo/a@0.1.0", "pkg:cargo/b@0.2.0"]
        );
        assert_eq!(
            deps(&bom, "pkg:cargo/a@0.1.0"),
            ["pkg:cargo/b@0.2.0", "pkg:cargo/dup@1.0.0"]
        );
        assert_eq!(deps(&bom, "pkg:cargo/b@0.2.0"), ["pkg:cargo/dup@2.0.0"]);
        assert_eq!(bom.components["pkg:cargo/dup@1.0.0"].hashes.len(), 1);
        assert!(bom.components["pkg:cargo/dup@2.0.0"].hashes.is_empty());
        assert!(bom.components["pkg:cargo/a@0.1.0"].hashes.is_empty());
        assert_eq!(
            diagnostics.warnings().len(),
            1,
            "{:?}",
            diagnostics.warnings()
        );
        assert!(diagnostics.warnings()[0].contains("Cargo.lock:8: b depends on \"missing\""));
    }

    #[test]
    fn without_a_manifest_the_top_path_crates_are_direct() {
        let lock = "version = 4\n\n[[package]]\nname = \"tool\"\nversion = \"1.0.0\"\ndependencies = [\"lib\"]\n\n[[package]]\nname = \"lib\"\nversion = \"0.1.0\"\n";
        let (_dir, path) = write_file("Cargo.lock", lock);
        let bom = collect_cargo_lock(&path, &mut Diagnostics::strict()).unwrap();
        assert!(bom.root.bom_ref.starts_with("project:"));
        assert_eq!(deps(&bom, &bom.root.bom_ref), ["pkg:cargo/tool@1.0.0"]);
        assert_eq!(deps(&bom, "pkg:cargo/tool@1.0.0"), ["pkg:cargo/lib@0.1.0"]);
    }

    #[test]
    fn future_versions_and_garbage() {
        assert_from_the_future(collect_cargo_lock, "Cargo.lock", "version = 5\n");
        assert_rejects(
            collect_cargo_lock,
            "Cargo.lock",
            &[
                ("version = 0\n", ":1: unknown Cargo.lock version 0"),
                ("version = \"4\"\n", ":1:11:"),
                ("version = 4\n[[package]\n", ":2:"),
                ("version = 4\npackage = \"x\"\n", ":2:"),
                (
                    "version = 4\n\n[[package]]\nname = \"x\"\n",
                    ":3: missing field `version`",
                ),
                (
                    "[[package]]\nname = \"x\"\nversion = \"1\"\ndependencies = [1]\n",
                    ":1:",
                ),
            ],
        );
        // An empty file is an empty lockfile.
        let (_dir, path) = write_file("Cargo.lock", "");
        let bom = collect_cargo_lock(&path, &mut Diagnostics::strict()).unwrap();
        assert!(bom.components.is_empty());
        // Best-effort skips the broken entry.
        let (_dir, path) = write_file(
            "Cargo.lock",
            "version = 4\n\n[[package]]\nname = \"x\"\n\n[[package]]\nname = \"y\"\nversion = \"1.0.0\"\n",
        );
        let (bom, warnings) = best_effort_after_strict_error(
            collect_cargo_lock,
            &path,
            "Cargo.lock:3: missing field `version`",
        );
        assert_eq!(
            bom.components.keys().collect::<Vec<_>>(),
            ["pkg:cargo/y@1.0.0"]
        );
        assert_eq!(warnings.len(), 1);
        // A broken manifest is an error unless best-effort.
        assert_broken_manifest_is_skipped(
            collect_cargo_lock,
            ("Cargo.lock", "version = 4\n"),
            ("Cargo.toml", "[package\n"),
        );
    }
}
