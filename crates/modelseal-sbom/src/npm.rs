//! npm: a `package-lock.json` (lockfile versions 2 and 3, written by npm 7 and later) as
//! components: one per installed package (the `packages` map, keyed by `node_modules/…` path),
//! with its `integrity` hash, development and optional packages marked optional, and edges
//! resolved the way Node finds a module: the nearest `node_modules` going up the path.
//! Workspace packages and `file:` dependencies are links (`"link": true`) to folder entries,
//! which become components without hashes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use packageurl::PackageUrl;
use serde::Deserialize;

use crate::collect::{
    CollectError, Diagnostics, directory_name, json_key_line, locked_library, parent_dir,
    parse_json, read_manifest, read_text,
};
use modelseal_bom::bom::{Bom, Component, ExternalReference, Hash, Kind, Scope};

/// The newest `lockfileVersion` this reads.
const NEWEST_LOCKFILE_VERSION: u64 = 3;

/// One entry of the `packages` map.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_excessive_bools)] // npm's own flags, one field each
struct Entry {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    dev_optional: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
}

impl Entry {
    /// Not needed at run time: only for development, or optional.
    fn is_optional(&self) -> bool {
        self.dev || self.dev_optional || self.optional
    }
}

/// Reads a `package-lock.json`. The root is the project (the lockfile's `""` entry, else the
/// `package.json` beside it, else the directory).
pub fn collect_package_lock(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    let text = read_text(path)?;
    let document: serde_json::Value = parse_json(path, &text)?;
    check_version(path, &text, &document)?;
    let Some(packages) = document
        .get("packages")
        .and_then(serde_json::Value::as_object)
    else {
        let line = json_key_line(&text, &["packages"]);
        return Err(CollectError::invalid(path, line, "no `packages` object"));
    };
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut root_entry = Entry::default();
    for (key, value) in packages {
        let parsed = Entry::deserialize(value).map_err(|error| {
            let line = json_key_line(&text, &[key]);
            CollectError::invalid(path, line, format!("{key:?}: {error}"))
        });
        match diagnostics.keep(parsed)? {
            Some(entry) if key.is_empty() => root_entry = entry,
            Some(entry) => {
                entries.insert(key.clone(), entry);
            }
            None => {}
        }
    }
    let root = root_component(path, &root_entry, diagnostics)?;
    let root_ref = root.bom_ref.clone();
    let mut bom = Bom::new(root);
    let refs = add_components(&mut bom, path, &text, &entries, diagnostics)?;
    let ref_of = |key: &str| -> Option<&String> {
        let target = match entries.get(key) {
            Some(entry) if entry.link => entry.resolved.as_deref().unwrap_or(key),
            _ => key,
        };
        refs.get(target).or_else(|| refs.get(key))
    };
    // Edges, the root's first.
    let with_root = std::iter::once(("", &root_entry)).chain(
        entries
            .iter()
            .filter(|(_, e)| !e.link)
            .map(|(k, e)| (k.as_str(), e)),
    );
    for (key, entry) in with_root {
        let from = if key.is_empty() {
            Some(&root_ref)
        } else {
            ref_of(key)
        };
        let Some(from) = from else { continue };
        // Installed packages' development dependencies are not installed: only the project's
        // and its workspaces' count.
        let is_project = !key.contains("node_modules/");
        // (names, whether a missing one is worth a warning); optional and peer dependencies
        // may rightly be absent.
        let mut lists = vec![
            (&entry.dependencies, true),
            (&entry.optional_dependencies, false),
            (&entry.peer_dependencies, false),
        ];
        if is_project {
            lists.push((&entry.dev_dependencies, true));
        }
        for (list, expected) in lists {
            for name in list.keys() {
                match lookup(&entries, key, name).and_then(|k| ref_of(&k)) {
                    Some(to) if to != from => bom.depend(from, to),
                    None if expected => diagnostics.warn(format!(
                        "{}: {} depends on {name}, which is not in the lockfile",
                        path.display(),
                        if key.is_empty() { "the project" } else { key }
                    )),
                    Some(_) | None => {}
                }
            }
        }
    }
    // Workspaces: the links at the top of `node_modules` to folders of the project.
    for (key, entry) in &entries {
        let top_level = key
            .strip_prefix("node_modules/")
            .is_some_and(|rest| !rest.contains("node_modules/"));
        let folder = entry
            .resolved
            .as_deref()
            .is_some_and(|r| !r.contains("node_modules/") && !r.starts_with(".."));
        if entry.link
            && top_level
            && folder
            && let Some(to) = ref_of(key)
        {
            bom.depend(&root_ref, to);
        }
    }
    Ok(bom)
}

fn check_version(
    path: &Path,
    text: &str,
    document: &serde_json::Value,
) -> Result<(), CollectError> {
    let Some(version) = document.get("lockfileVersion") else {
        return Err(CollectError::invalid(
            path,
            None,
            "no lockfileVersion: not a package-lock.json",
        ));
    };
    match version.as_u64() {
        Some(1) => Err(CollectError::unsupported(
            path,
            "lockfileVersion 1 (npm 5 and 6) lists no installed paths; regenerate it with npm 7 \
             or newer (`npm install --package-lock-only`)",
        )),
        Some(2 | 3) => Ok(()),
        Some(found) if found > NEWEST_LOCKFILE_VERSION => Err(CollectError::from_the_future(
            path,
            "lockfileVersion",
            found,
            NEWEST_LOCKFILE_VERSION,
        )),
        _ => Err(CollectError::invalid(
            path,
            json_key_line(text, &["lockfileVersion"]),
            format!("lockfileVersion {version} is not a known version"),
        )),
    }
}

/// One component per package entry, by key (links resolve to their target's component);
/// returns key -> `bom_ref`.
fn add_components(
    bom: &mut Bom,
    path: &Path,
    text: &str,
    entries: &BTreeMap<String, Entry>,
    diagnostics: &mut Diagnostics,
) -> Result<BTreeMap<String, String>, CollectError> {
    let mut refs = BTreeMap::new();
    let mut required: BTreeSet<String> = BTreeSet::new();
    for (key, entry) in entries {
        let invalid = |message: String| {
            CollectError::invalid(
                path,
                json_key_line(text, &[key]),
                format!("{key:?}: {message}"),
            )
        };
        if entry.link {
            let target = entry.resolved.as_deref().unwrap_or_default();
            if entries.contains_key(target) {
                continue;
            }
            // A link to a folder the lockfile does not describe: named by the link.
            diagnostics.warn(format!(
                "{}: {key} links to {target:?}, which the lockfile does not describe",
                path.display()
            ));
        }
        let under_node_modules = key.contains("node_modules/");
        let name = entry.name.clone().unwrap_or_else(|| name_from_key(key));
        if entry.version.is_none() && under_node_modules && !entry.link {
            diagnostics.recover(invalid("no version".to_owned()))?;
            continue;
        }
        let origin = if entry.link || !under_node_modules {
            Origin::Local
        } else {
            Origin::parse(entry.resolved.as_deref())
        };
        let built = npm_component(&name, entry.version.as_deref(), &origin).map_err(invalid);
        let Some(mut component) = diagnostics.keep(built)? else {
            continue;
        };
        if !matches!(origin, Origin::Local)
            && let Some(integrity) = &entry.integrity
        {
            component.hashes = sri_hashes(integrity);
        }
        if entry.is_optional() {
            component.scope = Some(Scope::Optional);
        } else {
            required.insert(component.bom_ref.clone());
        }
        refs.insert(key.clone(), component.bom_ref.clone());
        bom.add(component);
    }
    // One package installed at several paths is needed if any copy is.
    for bom_ref in required {
        if let Some(component) = bom.components.get_mut(&bom_ref) {
            component.scope = None;
        }
    }
    Ok(refs)
}

/// Where a package came from, by its `resolved` field.
enum Origin {
    /// The default registry (also when npm left `resolved` out).
    Registry,
    /// A git dependency: `git+<url>@<commit>`, as purls write it.
    Git(String),
    /// A tarball at another URL.
    Tarball(String),
    /// A folder or file of the project.
    Local,
}

impl Origin {
    fn parse(resolved: Option<&str>) -> Origin {
        let Some(resolved) = resolved else {
            return Origin::Registry;
        };
        if resolved.starts_with("https://registry.npmjs.org/")
            || resolved.starts_with("http://registry.npmjs.org/")
        {
            return Origin::Registry;
        }
        if resolved.starts_with("git+") || resolved.starts_with("git:") {
            let spec = resolved.strip_prefix("git+").unwrap_or(resolved);
            let vcs = match spec.split_once('#') {
                Some((url, commit)) => format!("git+{url}@{commit}"),
                None => format!("git+{spec}"),
            };
            return Origin::Git(vcs);
        }
        if resolved.starts_with("https://") || resolved.starts_with("http://") {
            return Origin::Tarball(resolved.to_owned());
        }
        Origin::Local
    }
}

/// A package by its npm name (`@scope/name` or `name`): the scope is the purl namespace and
/// the CycloneDX group.
fn npm_component(name: &str, version: Option<&str>, origin: &Origin) -> Result<Component, String> {
    let (scope, short) = match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
        Some((scope, short)) => (Some(format!("@{scope}")), short),
        None => (None, name),
    };
    let mut purl = PackageUrl::new("npm", short).map_err(|e| e.to_string())?;
    if let Some(scope) = &scope {
        purl.with_namespace(scope.as_str())
            .map_err(|e| e.to_string())?;
    }
    if let Some(version) = version {
        purl.with_version(version).map_err(|e| e.to_string())?;
    }
    match origin {
        Origin::Git(vcs) => {
            purl.add_qualifier("vcs_url", vcs.as_str())
                .map_err(|e| e.to_string())?;
        }
        Origin::Tarball(url) => {
            purl.add_qualifier("download_url", url.as_str())
                .map_err(|e| e.to_string())?;
        }
        Origin::Registry | Origin::Local => {}
    }
    let mut component = locked_library(purl.to_string(), short, version);
    component.group = scope;
    match origin {
        Origin::Git(vcs) => component
            .external_references
            .push(ExternalReference::new("vcs", vcs.clone())),
        Origin::Tarball(url) => component
            .external_references
            .push(ExternalReference::new("distribution", url.clone())),
        Origin::Registry | Origin::Local => {}
    }
    Ok(component)
}

/// `node_modules/a/node_modules/@s/b` -> `@s/b`; a folder (`packages/util`) -> `util`.
fn name_from_key(key: &str) -> String {
    match key.rfind("node_modules/") {
        Some(i) => key[i + "node_modules/".len()..].to_owned(),
        None => key.rsplit('/').next().unwrap_or(key).to_owned(),
    }
}

/// The entry `name` resolves to from the package at `from`, by Node's rule: `node_modules/name`
/// in the package's folder, then in each folder above it.
fn lookup(entries: &BTreeMap<String, Entry>, from: &str, name: &str) -> Option<String> {
    let mut dir = from;
    loop {
        let candidate = if dir.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{dir}/node_modules/{name}")
        };
        if entries.contains_key(&candidate) {
            return Some(candidate);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rfind('/').map_or("", |i| &dir[..i]);
    }
}

fn root_component(
    path: &Path,
    entry: &Entry,
    diagnostics: &mut Diagnostics,
) -> Result<Component, CollectError> {
    let manifest = if entry.name.is_none() {
        let path = parent_dir(path).join("package.json");
        read_manifest(&path, diagnostics, parse_json::<serde_json::Value>)?
    } else {
        None
    };
    let field = |key: &str| {
        let value = manifest.as_ref()?.get(key)?.as_str()?;
        Some(value.to_owned())
    };
    let name = entry
        .name
        .clone()
        .or_else(|| field("name"))
        .or_else(|| directory_name(parent_dir(path)))
        .unwrap_or_else(|| "project".to_owned());
    let version = entry.version.clone().or_else(|| field("version"));
    let mut root = match version
        .as_deref()
        .and_then(|v| npm_component(&name, Some(v), &Origin::Local).ok())
    {
        Some(component) => component,
        None => Component::new(format!("project:{name}"), Kind::Library, name),
    };
    root.kind = Kind::Application;
    Ok(root)
}

/// The hashes in a Subresource Integrity string (`sha512-<base64> sha1-<base64>`), as hex.
/// Unknown algorithms and undecodable digests are left out: the integrity string is npm's
/// to check, this only reports it.
fn sri_hashes(integrity: &str) -> Vec<Hash> {
    let mut hashes: Vec<Hash> = integrity
        .split_whitespace()
        .filter_map(|item| {
            let (algorithm, digest) = item.split_once('-')?;
            let (algorithm, length) = match algorithm {
                "sha512" => ("SHA-512", 64),
                "sha384" => ("SHA-384", 48),
                "sha256" => ("SHA-256", 32),
                "sha1" => ("SHA-1", 20),
                _ => return None,
            };
            // SRI allows `?options` after the digest.
            let digest = digest.split('?').next().unwrap_or(digest);
            let bytes = base64_decode(digest).filter(|b| b.len() == length)?;
            Some(Hash {
                algorithm,
                value: hex::encode(bytes),
            })
        })
        .collect();
    hashes.sort();
    hashes.dedup();
    hashes
}

/// Standard base64 (RFC 4648 alphabet, `=` padding optional). Written here because it is the
/// only base64 this crate needs: a dozen lines against another dependency.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.as_bytes().chunks(4) {
        let mut buffer = 0u32;
        for &c in chunk {
            buffer = (buffer << 6) | value(c)?;
        }
        buffer <<= 6 * (4 - chunk.len() as u32);
        let bytes = buffer.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::collect::testing::{
        assert_broken_manifest_is_skipped, assert_rejects, best_effort_after_strict_error, deps,
        write_file, write_files,
    };

    #[test]
    fn base64_and_sri() {
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("Zg==").unwrap(), b"f");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode("Zm9vYg").unwrap(), b"foob");
        assert_eq!(base64_decode("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("Zg==="), None);
        assert_eq!(base64_decode("Zm9v!"), None);
        // sha1 of the empty string, in an SRI list with an unknown algorithm.
        assert_eq!(
            sri_hashes("md5-1B2M2Y8AsgTpgAmY7PhCfg== sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
            [Hash {
                algorithm: "SHA-1",
                value: "da39a3ee5e6b4b0d3255bfef95601890afd80709".into()
            }]
        );
        assert!(sri_hashes("sha512-tooshort").is_empty());
    }

    #[test]
    fn lookup_follows_node_resolution() {
        let mut entries = BTreeMap::new();
        for key in [
            "node_modules/ms",
            "node_modules/debug",
            "node_modules/debug/node_modules/ms",
            "node_modules/@s/x",
            "packages/util",
        ] {
            entries.insert(key.to_owned(), Entry::default());
        }
        for (from, name, found) in [
            ("", "ms", Some("node_modules/ms")),
            (
                "node_modules/debug",
                "ms",
                Some("node_modules/debug/node_modules/ms"),
            ),
            ("node_modules/@s/x", "ms", Some("node_modules/ms")),
            ("packages/util", "ms", Some("node_modules/ms")),
            ("node_modules/@s/x", "nope", None),
        ] {
            assert_eq!(lookup(&entries, from, name).as_deref(), found, "{from}");
        }
        assert_eq!(name_from_key("node_modules/a/node_modules/@s/b"), "@s/b");
        assert_eq!(name_from_key("packages/util"), "util");
    }

    #[test]
    fn git_tarball_links_and_nesting() {
        let lock = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "dependencies": { "gitdep": "github:acme/gitdep", "tar": "https://cdn.example/tar-1.0.0.tgz", "local": "file:../local", "a": "^1" }, "devDependencies": { "b": "^1" } },
    "node_modules/gitdep": { "version": "0.5.0", "resolved": "git+ssh://git@github.com/acme/gitdep.git#0123456789abcdef0123456789abcdef01234567", "license": "MIT" },
    "node_modules/tar": { "version": "1.0.0", "resolved": "https://cdn.example/tar-1.0.0.tgz", "integrity": "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=" },
    "node_modules/local": { "resolved": "../local", "link": true },
    "../local": { "name": "local", "version": "3.0.0", "dependencies": { "a": "^1" } },
    "node_modules/a": { "version": "1.0.0", "dependencies": { "b": "^2", "missing": "^1" }, "peerDependencies": { "absent-peer": "*" } },
    "node_modules/a/node_modules/b": { "version": "2.0.0" },
    "node_modules/b": { "version": "1.0.0", "dev": true }
  }
}"#;
        let dir = write_files(&[("app/package-lock.json", lock)]);
        let mut diagnostics = Diagnostics::strict();
        let bom = collect_package_lock(&dir.path().join("app/package-lock.json"), &mut diagnostics)
            .unwrap();
        // No version in the "" entry nor a package.json: the root is named, not versioned.
        assert_eq!(bom.root.bom_ref, "project:app");
        let gitdep = "pkg:npm/gitdep@0.5.0?vcs_url=git%2Bssh:%2F%2Fgit%40github.com%2Facme%2Fgitdep.git%400123456789abcdef0123456789abcdef01234567";
        let tar = "pkg:npm/tar@1.0.0?download_url=https:%2F%2Fcdn.example%2Ftar-1.0.0.tgz";
        assert_eq!(
            deps(&bom, "project:app"),
            [
                "pkg:npm/a@1.0.0",
                "pkg:npm/b@1.0.0",
                gitdep,
                "pkg:npm/local@3.0.0",
                tar
            ]
        );
        assert_eq!(deps(&bom, "pkg:npm/a@1.0.0"), ["pkg:npm/b@2.0.0"]);
        assert_eq!(deps(&bom, "pkg:npm/local@3.0.0"), ["pkg:npm/a@1.0.0"]);
        assert_eq!(
            bom.components[gitdep].external_references,
            [ExternalReference::new(
                "vcs",
                "git+ssh://git@github.com/acme/gitdep.git@0123456789abcdef0123456789abcdef01234567"
            )]
        );
        assert_eq!(bom.components[tar].hashes.len(), 1);
        assert_eq!(
            bom.components["pkg:npm/b@1.0.0"].scope,
            Some(Scope::Optional)
        );
        assert_eq!(bom.components["pkg:npm/b@2.0.0"].scope, None);
        assert!(bom.components["pkg:npm/local@3.0.0"].hashes.is_empty());
        assert_eq!(
            diagnostics.warnings(),
            [format!(
                "{}: node_modules/a depends on missing, which is not in the lockfile",
                dir.path().join("app/package-lock.json").display()
            )]
        );
    }

    #[test]
    fn versions_and_garbage() {
        assert_rejects(
            collect_package_lock,
            "package-lock.json",
            &[
                ("", "EOF"),
                ("{", ":1:"),
                ("[]", "no lockfileVersion"),
                (
                    "{\"lockfileVersion\": 1, \"dependencies\": {}}",
                    "regenerate it with npm 7 or newer",
                ),
                (
                    "{\"lockfileVersion\": 4, \"packages\": {}}",
                    "from the future",
                ),
                (
                    "{\n\"lockfileVersion\": \"3\"}",
                    ":2: lockfileVersion \"3\"",
                ),
                ("{\"lockfileVersion\": 3}", "no `packages` object"),
                (
                    "{\"lockfileVersion\": 3,\n\"packages\": []}",
                    ":2: no `packages`",
                ),
            ],
        );
        let (_v1, path) = write_file("package-lock.json", "{\"lockfileVersion\": 1}");
        assert!(matches!(
            collect_package_lock(&path, &mut Diagnostics::strict()),
            Err(CollectError::Unsupported { .. })
        ));
        let text = "{\"lockfileVersion\": 3, \"packages\": {\n\"\": {\"name\": \"x\", \"version\": \"1.0.0\"},\n\"node_modules/ok\": {\"version\": \"1.0.0\"},\n\"node_modules/noversion\": {},\n\"node_modules/wrong\": {\"version\": 7},\n\"node_modules/notobject\": 3}}";
        let (_dir, path) = write_file("package-lock.json", text);
        let (bom, warnings) = best_effort_after_strict_error(
            collect_package_lock,
            &path,
            "package-lock.json:6: \"node_modules/notobject\"",
        );
        assert_eq!(bom.root.bom_ref, "pkg:npm/x@1.0.0");
        assert_eq!(
            bom.components.keys().collect::<Vec<_>>(),
            ["pkg:npm/ok@1.0.0"]
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        // Without a name in the lockfile, the root is named by the package.json beside it.
        assert_broken_manifest_is_skipped(
            collect_package_lock,
            (
                "package-lock.json",
                "{\"lockfileVersion\": 3, \"packages\": {}}",
            ),
            ("package.json", "{\"name\": "),
        );
    }
}
