//! A Python environment (a virtualenv or a bare `site-packages`) as components: one per
//! installed distribution, with its licences and the dependency edges its `Requires-Dist`
//! declares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, Requirement};
use sha2::{Digest, Sha256};

use super::metadata::{Metadata, MetadataError, normalize_name, parse_metadata, purl};
use crate::collect::{CollectError, Diagnostics, MAX_METADATA};
use modelseal_bom::bom::{Bom, Component, ExternalReference, Kind, License};

impl From<MetadataError> for CollectError {
    fn from(error: MetadataError) -> CollectError {
        match error {
            MetadataError::Malformed { path, line, reason } => CollectError::Invalid {
                path,
                line: Some(line),
                message: reason,
            },
            MetadataError::Missing { path, field } => CollectError::Invalid {
                path,
                line: None,
                message: format!("no {field} field"),
            },
        }
    }
}

/// One installed distribution and what its requirements say.
struct Installed {
    metadata: Metadata,
    requirements: Vec<Requirement>,
    /// SHA-256 of its `RECORD`, the list of installed files with their own hashes: one
    /// fingerprint of everything the distribution put on disk.
    record_sha256: Option<String>,
}

/// Reads every installed distribution under `path` (a virtualenv or a `site-packages`) into a
/// BOM whose root is the environment. A distribution whose `METADATA` or `RECORD` is missing or
/// broken fails the collection, or is skipped with a warning in best-effort mode.
pub fn collect_environment(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    modelseal_fs::metadata(path)?;
    let site_packages = site_packages(path)?;
    // By normalised name. Two `.dist-info` directories of one project (`dup-1.0` and
    // `Dup-2.0`, a botched upgrade) are both on disk and both listed, as cyclonedx-py does;
    // a second one of the same version is the same component and is kept once.
    let mut installed: BTreeMap<String, Vec<Installed>> = BTreeMap::new();
    for dir in &site_packages {
        let entries: Vec<PathBuf> = modelseal_fs::read_dir_sorted(dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info") && p.is_dir())
            .collect();
        for dist_info in entries {
            match read_distribution(&dist_info, diagnostics) {
                Ok(distribution) => {
                    let versions = installed
                        .entry(normalize_name(&distribution.metadata.name))
                        .or_default();
                    if !versions
                        .iter()
                        .any(|d| d.metadata.version == distribution.metadata.version)
                    {
                        versions.push(distribution);
                    }
                }
                Err(error) => diagnostics.recover(error)?,
            }
        }
    }
    let name = path
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "python-environment".to_owned());
    let mut root = Component::new(format!("environment:{name}"), Kind::Application, name);
    root.description = Some("Python environment".to_owned());
    let mut bom = Bom::new(root);
    let markers = marker_environment(path, &site_packages);
    let extras = active_extras(&installed, markers.as_ref());
    let refs: BTreeMap<&String, Vec<String>> = installed
        .iter()
        .map(|(key, versions)| {
            let purls = versions
                .iter()
                .map(|d| purl(&d.metadata.name, &d.metadata.version))
                .collect();
            (key, purls)
        })
        .collect();
    let root_ref = bom.root.bom_ref.clone();
    let distributions = installed
        .iter()
        .flat_map(|(key, versions)| versions.iter().map(move |d| (key, d)));
    for (key, distribution) in distributions {
        let metadata = &distribution.metadata;
        let bom_ref = purl(&metadata.name, &metadata.version);
        let mut component = Component::package(bom_ref.clone(), &metadata.name, &metadata.version);
        component.description.clone_from(&metadata.summary);
        component.licenses = licenses(metadata);
        component.external_references = external_references(metadata);
        if let Some(digest) = &distribution.record_sha256 {
            component
                .properties
                .push(("modelseal:python:record-sha256".to_owned(), digest.clone()));
        }
        bom.add(component);
        bom.depend(&root_ref, &bom_ref);
        let own_extras = extras.get(key).cloned().unwrap_or_default();
        for requirement in &distribution.requirements {
            if !applies(requirement, markers.as_ref(), &own_extras) {
                continue;
            }
            // Every installed version of the target: which one Python imports is not
            // something the metadata says.
            for target_ref in refs
                .get(&requirement.name.to_string())
                .into_iter()
                .flatten()
            {
                if *target_ref != bom_ref {
                    bom.depend(&bom_ref, target_ref);
                }
            }
        }
    }
    Ok(bom)
}

fn read_distribution(
    dist_info: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Installed, CollectError> {
    let file = dist_info.join("METADATA");
    let text = modelseal_fs::read_limited(&file, MAX_METADATA)?;
    let text = String::from_utf8_lossy(&text);
    let metadata = parse_metadata(&text, &file)?;
    let mut requirements = Vec::new();
    for line in &metadata.requires_dist {
        match super::pep508::parse_requirement(line) {
            Ok(requirement) => requirements.push(requirement),
            Err(error) => diagnostics.recover(CollectError::Invalid {
                path: file.clone(),
                line: requirement_line(&text, line),
                message: format!("Requires-Dist {line:?}: {error}"),
            })?,
        }
    }
    let record = dist_info.join("RECORD");
    let record_sha256 = match modelseal_fs::read_limited(&record, MAX_METADATA) {
        Ok(bytes) => Some(hex::encode(Sha256::digest(&bytes))),
        Err(e) if e.is_not_found() => {
            diagnostics.recover(CollectError::Invalid {
                path: record,
                line: None,
                message: "missing: the installed files of this distribution are not recorded"
                    .to_owned(),
            })?;
            None
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Installed {
        metadata,
        requirements,
        record_sha256,
    })
}

fn requirement_line(text: &str, requirement: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.starts_with("Requires-Dist:") && l.contains(requirement))
        .map(|i| i + 1)
}

/// Whether a requirement holds in this environment: its marker is evaluated with the
/// environment's Python version and this host's platform, and the extras the requiring
/// distribution was installed with. Without a known Python version only extras are evaluated.
fn applies(
    requirement: &Requirement,
    markers: Option<&MarkerEnvironment>,
    extras: &[ExtraName],
) -> bool {
    requirement
        .marker
        .evaluate_optional_environment(markers, extras)
}

/// The extras each distribution is installed with: those its dependants ask for
/// (`scikit-learn` asks `numpy`; `a` asks `b[speed]`), followed transitively until nothing
/// changes.
fn active_extras(
    installed: &BTreeMap<String, Vec<Installed>>,
    markers: Option<&MarkerEnvironment>,
) -> BTreeMap<String, Vec<ExtraName>> {
    let mut extras: BTreeMap<String, BTreeSet<ExtraName>> = BTreeMap::new();
    loop {
        let mut changed = false;
        let distributions = installed
            .iter()
            .flat_map(|(key, versions)| versions.iter().map(move |d| (key, d)));
        for (key, distribution) in distributions {
            let own: Vec<ExtraName> = extras
                .get(key)
                .map(|e| e.iter().cloned().collect())
                .unwrap_or_default();
            for requirement in &distribution.requirements {
                if requirement.extras.is_empty() || !applies(requirement, markers, &own) {
                    continue;
                }
                let target = requirement.name.to_string();
                if !installed.contains_key(&target) {
                    continue;
                }
                let set = extras.entry(target).or_default();
                for extra in &requirement.extras {
                    changed |= set.insert(extra.clone());
                }
            }
        }
        if !changed {
            break;
        }
    }
    extras
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

/// The marker environment of the Python that owns `path`: its version from `pyvenv.cfg` (or the
/// `lib/pythonX.Y` directory name), the platform from this host. `None` when the version cannot
/// be known (a bare `site-packages` elsewhere).
fn marker_environment(path: &Path, site_packages: &[PathBuf]) -> Option<MarkerEnvironment> {
    let from_cfg = modelseal_fs::read_to_string_limited(&path.join("pyvenv.cfg"), MAX_METADATA)
        .ok()
        .and_then(|cfg| {
            cfg.lines().find_map(|line| {
                let (key, value) = line.split_once('=')?;
                matches!(key.trim(), "version_info" | "version").then(|| value.trim().to_owned())
            })
        });
    let from_dir = || {
        site_packages.iter().find_map(|sp| {
            let name = sp.parent()?.file_name()?.to_str()?;
            name.strip_prefix("python").map(str::to_owned)
        })
    };
    let full = from_cfg.or_else(from_dir)?;
    let short: String = full.split('.').take(2).collect::<Vec<_>>().join(".");
    let (sys_platform, platform_system, os_name) = match std::env::consts::OS {
        "macos" => ("darwin", "Darwin", "posix"),
        "windows" => ("win32", "Windows", "nt"),
        other => (other, "Linux", "posix"),
    };
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name,
        platform_machine: std::env::consts::ARCH,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system,
        platform_version: "",
        python_full_version: &full,
        python_version: &short,
        sys_platform,
    })
    .ok()
}

/// `Home-page` and `Project-URL` entries as typed links. Only absolute http(s) URLs without
/// spaces are kept: anything else would not be a valid IRI in the document.
fn external_references(metadata: &Metadata) -> Vec<ExternalReference> {
    let usable = |url: &str| {
        (url.starts_with("https://") || url.starts_with("http://"))
            && !url.chars().any(char::is_whitespace)
    };
    let mut out = Vec::new();
    if let Some(url) = metadata.home_page.as_deref().filter(|u| usable(u)) {
        out.push(ExternalReference::new("website", url.to_owned()));
    }
    for (label, url) in &metadata.project_urls {
        if !usable(url) {
            continue;
        }
        let label = label.to_ascii_lowercase().replace(['-', '_', ' '], "");
        let kind = match label.as_str() {
            "source" | "sourcecode" | "repository" | "code" | "github" | "gitlab" => "vcs",
            "documentation" | "docs" => "documentation",
            "issues" | "bugtracker" | "tracker" | "bugreports" | "issuetracker" => "issue-tracker",
            "homepage" | "home" | "website" => "website",
            "changelog" | "changes" | "releasenotes" => "release-notes",
            "download" => "distribution",
            _ => "other",
        };
        out.push(ExternalReference::new(kind, url.clone()));
    }
    out.sort();
    out.dedup();
    out
}

/// Whether `dir` holds installed distributions (`*.dist-info`): a `site-packages`.
pub fn holds_dist_info(dir: &Path) -> bool {
    modelseal_fs::read_dir_sorted(dir).is_ok_and(|entries| {
        entries
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "dist-info"))
    })
}

/// The site-packages directories of a virtualenv (`lib/python*/site-packages`, `lib64/...`,
/// Windows `Lib/site-packages`), or `path` itself when it holds `.dist-info` directories.
fn site_packages(path: &Path) -> Result<Vec<PathBuf>, CollectError> {
    if holds_dist_info(path) {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = modelseal_fs::read_dir_sorted(&path.join(lib)) else {
            continue;
        };
        let pythons: Vec<PathBuf> = entries
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("python"))
            })
            .collect();
        for python in pythons {
            let candidate = python.join("site-packages");
            let canonical =
                modelseal_fs::canonicalize(&candidate).unwrap_or_else(|_| candidate.clone());
            if holds_dist_info(&candidate)
                && !found
                    .iter()
                    .any(|f: &PathBuf| f.canonicalize().ok() == Some(canonical.clone()))
            {
                found.push(candidate);
            }
        }
    }
    let windows = path.join("Lib").join("site-packages");
    if holds_dist_info(&windows) {
        found.push(windows);
    }
    if found.is_empty() {
        return Err(CollectError::Unrecognized {
            path: path.to_path_buf(),
            message: "no site-packages with installed distributions (*.dist-info) found".to_owned(),
        });
    }
    Ok(found)
}

/// SPDX when it can be known: `License-Expression` first (PEP 639), then classifiers, then a
/// `License` field that is plainly one licence; otherwise the declared text, shortened.
fn licenses(metadata: &Metadata) -> Vec<License> {
    if let Some(expression) = &metadata.license_expression {
        return vec![modelseal_bom::license::from_declared(expression)];
    }
    let mut ids: Vec<License> = metadata
        .classifiers
        .iter()
        .filter_map(|c| modelseal_bom::license::from_classifier(c))
        .map(|id| License::Expression(id.to_owned()))
        .collect();
    ids.dedup();
    if !ids.is_empty() {
        return ids;
    }
    let Some(text) = &metadata.license else {
        return Vec::new();
    };
    vec![modelseal_bom::license::from_declared(text)]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods)] // fixtures are written with std::fs
    use std::str::FromStr;

    use super::*;

    fn requirement(text: &str) -> Requirement {
        Requirement::from_str(text).unwrap()
    }

    fn environment(version: &str) -> MarkerEnvironment {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyvenv.cfg"),
            format!("home = /usr/bin\nversion = {version}\n"),
        )
        .unwrap();
        marker_environment(dir.path(), &[]).unwrap()
    }

    #[test]
    fn markers_are_evaluated_for_the_environment() {
        let py311 = environment("3.11.9");
        let py310 = environment("3.10.2");
        let tomli = requirement("tomli; python_version < \"3.11\"");
        assert!(!applies(&tomli, Some(&py311), &[]));
        assert!(applies(&tomli, Some(&py310), &[]));
        let test_only = requirement("pytest; extra == \"tests\"");
        assert!(!applies(&test_only, Some(&py311), &[]));
        let tests = ExtraName::from_str("tests").unwrap();
        assert!(applies(&test_only, Some(&py311), &[tests]));
        assert!(applies(
            &requirement("Typing_Extensions (>=4.0)"),
            Some(&py311),
            &[]
        ));
        // Unknown interpreter: only extras decide.
        assert!(applies(&tomli, None, &[]));
        assert!(!applies(&test_only, None, &[]));
    }

    #[test]
    fn python_version_from_the_lib_directory() {
        let env = marker_environment(
            Path::new("/nonexistent"),
            &[PathBuf::from("/v/lib/python3.12/site-packages")],
        );
        assert!(applies(
            &requirement("x; python_version >= \"3.12\""),
            env.as_ref(),
            &[]
        ));
        assert!(!applies(
            &requirement("x; python_version < \"3.12\""),
            env.as_ref(),
            &[]
        ));
    }

    #[test]
    fn project_urls_become_typed_links() {
        let metadata = Metadata {
            home_page: Some("https://example.org".into()),
            project_urls: vec![
                ("Source Code".into(), "https://github.com/x/y".into()),
                ("Bug Tracker".into(), "https://github.com/x/y/issues".into()),
                ("Docs".into(), "not a url".into()),
            ],
            ..Metadata::default()
        };
        let references = external_references(&metadata);
        let kinds: Vec<(&str, &str)> = references
            .iter()
            .map(|r| (r.kind, r.url.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("issue-tracker", "https://github.com/x/y/issues"),
                ("vcs", "https://github.com/x/y"),
                ("website", "https://example.org"),
            ]
        );
    }
}
