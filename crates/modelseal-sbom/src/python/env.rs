//! A Python environment (a virtualenv or a bare `site-packages`) as components: one per
//! installed distribution, with its licences and the dependency edges its `Requires-Dist`
//! declares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::metadata::{Metadata, MetadataError, normalize_name, parse_metadata, purl};
use crate::bom::{Bom, Component, Kind, License};

#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    #[error("{}: no site-packages with installed distributions (*.dist-info) found", .0.display())]
    NoSitePackages(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Metadata(#[from] MetadataError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EnvError + '_ {
    move |source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            EnvError::NotFound(path.to_path_buf())
        } else {
            EnvError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Reads every installed distribution under `path` into a BOM whose root is the environment.
pub fn collect_environment(path: &Path) -> Result<Bom, EnvError> {
    std::fs::metadata(path).map_err(io(path))?;
    let site_packages = site_packages(path)?;
    let mut installed: BTreeMap<String, Metadata> = BTreeMap::new();
    for dir in &site_packages {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "dist-info") && p.is_dir())
            .collect();
        entries.sort();
        for dist_info in entries {
            let file = dist_info.join("METADATA");
            let text = std::fs::read_to_string(&file).map_err(io(&file))?;
            let metadata = parse_metadata(&text, &file)?;
            installed
                .entry(normalize_name(&metadata.name))
                .or_insert(metadata);
        }
    }
    let name = path
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "python-environment".to_owned());
    let mut bom = Bom::new(Component {
        bom_ref: format!("environment:{name}"),
        kind: Kind::Application,
        name,
        version: None,
        purl: None,
        description: Some("Python environment".to_owned()),
        licenses: Vec::new(),
        hashes: Vec::new(),
    });
    let refs: BTreeMap<&String, String> = installed
        .iter()
        .map(|(key, m)| (key, purl(&m.name, &m.version)))
        .collect();
    for (key, metadata) in &installed {
        let bom_ref = refs[key].clone();
        bom.add(Component {
            bom_ref: bom_ref.clone(),
            kind: Kind::Library,
            name: metadata.name.clone(),
            version: Some(metadata.version.clone()),
            purl: Some(bom_ref.clone()),
            description: metadata.summary.clone(),
            licenses: licenses(metadata),
            hashes: Vec::new(),
        });
        let root_ref = bom.root.bom_ref.clone();
        bom.depend(&root_ref, &bom_ref);
        for requirement in &metadata.requires_dist {
            let Some(target) = requirement_name(requirement) else {
                continue;
            };
            if let Some(target_ref) = refs.get(&target) {
                bom.depend(&bom_ref, target_ref);
            }
        }
    }
    Ok(bom)
}

/// The site-packages directories of a virtualenv (`lib/python*/site-packages`, `lib64/...`,
/// Windows `Lib/site-packages`), or `path` itself when it holds `.dist-info` directories.
fn site_packages(path: &Path) -> Result<Vec<PathBuf>, EnvError> {
    let holds_dist_info = |dir: &Path| {
        std::fs::read_dir(dir).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "dist-info")))
        })
    };
    if holds_dist_info(path) {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(path.join(lib)) else {
            continue;
        };
        let mut pythons: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("python"))
            })
            .collect();
        pythons.sort();
        for python in pythons {
            let candidate = python.join("site-packages");
            let canonical = candidate
                .canonicalize()
                .unwrap_or_else(|_| candidate.clone());
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
        return Err(EnvError::NoSitePackages(path.to_path_buf()));
    }
    Ok(found)
}

/// The normalised name a `Requires-Dist` entry depends on, unless the requirement is only for
/// an extra (`; extra == "test"`), which an installed environment does not imply. Other markers
/// (`python_version`, `sys_platform`) are resolved by what is installed: an edge is only drawn
/// to a distribution that is present.
fn requirement_name(requirement: &str) -> Option<String> {
    let (spec, marker) = match requirement.split_once(';') {
        Some((spec, marker)) => (spec, Some(marker)),
        None => (requirement, None),
    };
    if marker.is_some_and(|m| m.contains("extra")) {
        return None;
    }
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = spec[..end].trim();
    (!name.is_empty()).then(|| normalize_name(name))
}

/// SPDX when it can be known: `License-Expression` first (PEP 639), then classifiers, then a
/// `License` field that is plainly one licence; otherwise the declared text, shortened.
fn licenses(metadata: &Metadata) -> Vec<License> {
    if let Some(expression) = &metadata.license_expression {
        return vec![License::Expression(expression.clone())];
    }
    let mut ids: Vec<License> = metadata
        .classifiers
        .iter()
        .filter_map(|c| crate::license::from_classifier(c))
        .map(|id| License::Expression(id.to_owned()))
        .collect();
    ids.dedup();
    if !ids.is_empty() {
        return ids;
    }
    let Some(text) = &metadata.license else {
        return Vec::new();
    };
    if let Some(id) = crate::license::from_name(text) {
        return vec![License::Expression(id.to_owned())];
    }
    let first = text.lines().next().unwrap_or_default();
    vec![License::Named(first.chars().take(120).collect())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_names_skip_extras() {
        assert_eq!(requirement_name("numpy>=1.22"), Some("numpy".to_owned()));
        assert_eq!(
            requirement_name("Typing_Extensions (>=4.0)"),
            Some("typing-extensions".to_owned())
        );
        assert_eq!(requirement_name("pytest; extra == \"tests\""), None);
        assert_eq!(
            requirement_name("tomli; python_version < \"3.11\""),
            Some("tomli".to_owned())
        );
    }
}
