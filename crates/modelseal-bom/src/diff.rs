//! What changed between two bills of materials: components added and removed, and for the same
//! component a new version, a new licence or, at the same version, new hashes (the artifact was
//! rebuilt or swapped: for a model file, the weights changed).
//!
//! Components are matched by identity, not by bom-ref (which differs between tools): the purl
//! without its version and qualifiers when there is one (a PyPI name normalised as PEP 503
//! says, so `ruamel.yaml` and `ruamel-yaml` are one package), else the type, group and name.
//! When a package is present in several versions (npm, Cargo), equal versions pair first, then
//! the rest in version order. Licences compare as the set of terms they require all of, so a
//! CycloneDX list and the SPDX `AND` expression written for it are no change.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bom::{Bom, Component, License};

/// One component, as a diff reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    /// The component's name.
    pub name: String,
    /// Its version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its package URL, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// A component whose version differs between the two BOMs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VersionChange {
    /// The component's name.
    pub name: String,
    /// Its package URL as the new BOM gives it, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The version in the old BOM.
    pub from: Option<String>,
    /// The version in the new BOM.
    pub to: Option<String>,
}

/// A component whose licences differ between the two BOMs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LicenseChange {
    /// The component's name.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// The licences in the old BOM.
    pub from: Vec<String>,
    /// The licences in the new BOM.
    pub to: Vec<String>,
}

/// A component at the same version whose hashes differ: it was rebuilt or swapped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HashChange {
    /// The component's name.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// `ALG:hex` for each hash both sides give with the same algorithm and different values.
    pub from: Vec<String>,
    /// `ALG:hex` for the same hashes in the new BOM.
    pub to: Vec<String>,
}

/// Everything that changed from one BOM to another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Components only in the new BOM.
    pub added: Vec<Entry>,
    /// Components only in the old BOM.
    pub removed: Vec<Entry>,
    /// Components whose version changed.
    pub version_changed: Vec<VersionChange>,
    /// Components whose licences changed.
    pub license_changed: Vec<LicenseChange>,
    /// Components whose hashes changed at the same version.
    pub hash_changed: Vec<HashChange>,
}

impl Diff {
    /// Whether the two BOMs list the same components with the same versions, licences and hashes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.version_changed.is_empty()
            && self.license_changed.is_empty()
            && self.hash_changed.is_empty()
    }
}

/// The identity of a component across documents (see the module docs).
fn identity(c: &Component) -> String {
    if let Some(purl) = &c.purl {
        return purl_identity(purl);
    }
    format!(
        "{}:{}/{}",
        c.kind.as_str(),
        c.group.as_deref().unwrap_or(""),
        c.name
    )
}

/// A purl without version, qualifiers and subpath, its name compared as its ecosystem
/// compares names: a PyPI name as PEP 503 normalises it (cyclonedx-py writes
/// `pkg:pypi/ruamel.yaml`, modelseal `pkg:pypi/ruamel-yaml`, for one package), others
/// without regard to case.
fn purl_identity(purl: &str) -> String {
    use std::str::FromStr as _;
    if let Ok(parsed) = packageurl::PackageUrl::from_str(purl) {
        let ty = parsed.ty().to_ascii_lowercase();
        let name = if ty == "pypi" {
            crate::pypi::normalize_name(parsed.name())
        } else {
            parsed.name().to_ascii_lowercase()
        };
        return match parsed.namespace() {
            Some(namespace) => format!("pkg:{ty}/{}/{name}", namespace.to_ascii_lowercase()),
            None => format!("pkg:{ty}/{name}"),
        };
    }
    // Not a valid purl: cut it by hand.
    let without_qualifiers = purl.split(['?', '#']).next().unwrap_or(purl);
    // The version follows the last `@` after the last `/` (a scoped npm name's `@` is
    // percent-encoded in a purl, but tolerate it raw).
    let cut = without_qualifiers
        .rfind('@')
        .filter(|&at| at > without_qualifiers.rfind('/').unwrap_or(0));
    let base = cut.map_or(without_qualifiers, |at| &without_qualifiers[..at]);
    base.replace("%40", "@").to_ascii_lowercase()
}

fn entry(c: &Component) -> Entry {
    Entry {
        name: display_name(c),
        version: c.version.clone(),
        purl: c.purl.clone(),
    }
}

fn display_name(c: &Component) -> String {
    match &c.group {
        Some(group) if !group.is_empty() => format!("{group}/{}", c.name),
        _ => c.name.clone(),
    }
}

/// The licences a component requires all of, as terms ([`crate::license::and_terms`]): a
/// CycloneDX list `[MIT, Apache-2.0]`, the expression `MIT AND Apache-2.0` and the SPDX
/// `licenseDeclared` written for either are one set. A named licence is one term as written.
fn license_strings(c: &Component) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for license in &c.licenses {
        match license {
            License::Expression(e) => out.extend(crate::license::and_terms(e)),
            License::Named(n) if n.trim().is_empty() => {}
            License::Named(n) => out.push(n.trim().to_owned()),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Compares `old` with `new` (every component, nested ones and the root included).
pub fn diff(old: &Bom, new: &Bom) -> Diff {
    let group = |bom: &Bom| {
        let mut by_identity: BTreeMap<String, Vec<Component>> = BTreeMap::new();
        for c in bom.all_components() {
            let mut c = c.clone();
            // SPDX has no empty `versionInfo`: an empty version is no version.
            c.version = c.version.filter(|v| !v.trim().is_empty());
            by_identity.entry(identity(&c)).or_default().push(c);
        }
        for list in by_identity.values_mut() {
            list.sort_by(|a, b| a.version.cmp(&b.version));
        }
        by_identity
    };
    let old_groups = group(old);
    let mut new_groups = group(new);
    let mut result = Diff::default();
    for (key, mut olds) in old_groups {
        let mut news = new_groups.remove(&key).unwrap_or_default();
        // Equal versions pair first.
        let mut pairs: Vec<(Component, Component)> = Vec::new();
        olds.retain(|o| {
            if let Some(i) = news.iter().position(|n| n.version == o.version) {
                pairs.push((o.clone(), news.remove(i)));
                false
            } else {
                true
            }
        });
        let paired = olds.len().min(news.len());
        let rest_old = olds.split_off(paired);
        let rest_new = news.split_off(paired);
        pairs.extend(olds.into_iter().zip(news));
        for (o, n) in pairs {
            compare(&o, &n, &mut result);
        }
        result.removed.extend(rest_old.iter().map(entry));
        result.added.extend(rest_new.iter().map(entry));
    }
    for (_, news) in new_groups {
        result.added.extend(news.iter().map(entry));
    }
    result.added.sort();
    result.removed.sort();
    result.version_changed.sort();
    result.license_changed.sort();
    result.hash_changed.sort();
    result
}

fn compare(old: &Component, new: &Component, result: &mut Diff) {
    if old.version != new.version {
        result.version_changed.push(VersionChange {
            name: display_name(new),
            purl: new.purl.clone(),
            from: old.version.clone(),
            to: new.version.clone(),
        });
    }
    let (from, to) = (license_strings(old), license_strings(new));
    if from != to {
        result.license_changed.push(LicenseChange {
            name: display_name(new),
            version: new.version.clone(),
            from,
            to,
        });
    }
    if old.version == new.version {
        // Per algorithm both sides give, the sets of values (a lockfile lists one hash per
        // wheel, in no particular order).
        let values = |c: &Component, algorithm: &str| -> std::collections::BTreeSet<String> {
            c.hashes
                .iter()
                .filter(|h| h.algorithm == algorithm)
                .map(|h| h.value.to_ascii_lowercase())
                .collect()
        };
        let mut algorithms: Vec<&str> = old.hashes.iter().map(|h| h.algorithm).collect();
        algorithms.sort_unstable();
        algorithms.dedup();
        let mut from = Vec::new();
        let mut to = Vec::new();
        for algorithm in algorithms {
            let (before, after) = (values(old, algorithm), values(new, algorithm));
            if !after.is_empty() && before != after {
                from.extend(before.iter().map(|v| format!("{algorithm}:{v}")));
                to.extend(after.iter().map(|v| format!("{algorithm}:{v}")));
            }
        }
        if !from.is_empty() {
            result.hash_changed.push(HashChange {
                name: display_name(new),
                version: new.version.clone(),
                from,
                to,
            });
        }
    }
}

/// The diff as lines for a terminal: `+` added, `-` removed, `~` version, `L` licence, `#`
/// hash; then a one-line summary.
pub fn render_text(diff: &Diff) -> String {
    use std::fmt::Write as _;
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "(no version)".to_owned());
    let mut out = String::new();
    for e in &diff.added {
        let _ = writeln!(out, "+ {} {}", e.name, version(&e.version));
    }
    for e in &diff.removed {
        let _ = writeln!(out, "- {} {}", e.name, version(&e.version));
    }
    for c in &diff.version_changed {
        let _ = writeln!(
            out,
            "~ {} {} -> {}",
            c.name,
            version(&c.from),
            version(&c.to)
        );
    }
    for c in &diff.license_changed {
        let list = |l: &[String]| {
            if l.is_empty() {
                "(none)".to_owned()
            } else {
                l.join(", ")
            }
        };
        let _ = writeln!(
            out,
            "L {} {}: {} -> {}",
            c.name,
            version(&c.version),
            list(&c.from),
            list(&c.to)
        );
    }
    for c in &diff.hash_changed {
        let _ = writeln!(
            out,
            "# {} {}: {} -> {}",
            c.name,
            version(&c.version),
            c.from.join(", "),
            c.to.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{} added, {} removed, {} version changed, {} licence changed, {} hash changed",
        diff.added.len(),
        diff.removed.len(),
        diff.version_changed.len(),
        diff.license_changed.len(),
        diff.hash_changed.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bom::{Hash, Kind};

    fn package(name: &str, version: &str, license: &str) -> Component {
        let mut c = Component::package(format!("pkg:npm/{name}@{version}"), name, version);
        c.licenses.push(License::Expression(license.to_owned()));
        c
    }

    fn bom(components: Vec<Component>) -> Bom {
        let mut bom = Bom::new(Component::new("root", Kind::Application, "root"));
        for c in components {
            bom.add(c);
        }
        bom
    }

    #[test]
    fn equal_documents_have_no_diff() {
        let a = bom(vec![package("a", "1.0.0", "MIT")]);
        assert!(diff(&a, &a.clone()).is_empty());
    }

    #[test]
    fn added_removed_version_and_licence() {
        let old = bom(vec![
            package("a", "1.0.0", "MIT"),
            package("b", "1.0.0", "MIT"),
            package("c", "1.0.0", "MIT"),
        ]);
        let new = bom(vec![
            package("a", "1.1.0", "MIT"),
            package("b", "1.0.0", "GPL-3.0-only"),
            package("d", "2.0.0", "MIT"),
        ]);
        let d = diff(&old, &new);
        assert_eq!(
            d.added.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["d"]
        );
        assert_eq!(
            d.removed
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(d.version_changed.len(), 1);
        assert_eq!(d.version_changed[0].from.as_deref(), Some("1.0.0"));
        assert_eq!(d.version_changed[0].to.as_deref(), Some("1.1.0"));
        assert_eq!(d.license_changed[0].to, ["GPL-3.0-only"]);
        let text = render_text(&d);
        assert!(text.contains("~ a 1.0.0 -> 1.1.0\n"), "{text}");
        assert!(text.ends_with(
            "1 added, 1 removed, 1 version changed, 1 licence changed, 0 hash changed\n"
        ));
    }

    #[test]
    fn several_versions_of_one_package_pair_up() {
        let old = bom(vec![
            package("x", "1.0.0", "MIT"),
            package("x", "2.0.0", "MIT"),
        ]);
        let new = bom(vec![
            package("x", "2.0.0", "MIT"),
            package("x", "3.0.0", "MIT"),
        ]);
        let d = diff(&old, &new);
        assert!(d.added.is_empty() && d.removed.is_empty());
        assert_eq!(d.version_changed.len(), 1);
        assert_eq!(d.version_changed[0].from.as_deref(), Some("1.0.0"));
    }

    #[test]
    fn same_version_new_hash_is_reported() {
        let mut old = Component::new("model:m", Kind::MachineLearningModel, "m");
        old.hashes.push(Hash {
            algorithm: "SHA-256",
            value: "aa".into(),
        });
        let mut new = old.clone();
        new.hashes[0].value = "bb".into();
        let d = diff(&bom(vec![old.clone()]), &bom(vec![new]));
        assert_eq!(d.hash_changed.len(), 1);
        assert_eq!(d.hash_changed[0].to, ["SHA-256:bb"]);
        // The same hashes in another order are no change.
        let mut two = old.clone();
        two.hashes.push(Hash {
            algorithm: "SHA-256",
            value: "cc".into(),
        });
        let mut reordered = two.clone();
        reordered.hashes.reverse();
        assert!(diff(&bom(vec![two]), &bom(vec![reordered])).is_empty());
    }

    #[test]
    fn identity_ignores_bom_refs_and_qualifiers() {
        let mut a = Component::package("pkg:pypi/numpy@2.0.0?arch=x86", "numpy", "2.0.0");
        a.bom_ref = "tool-a-ref".into();
        let mut b = Component::package("pkg:pypi/numpy@2.1.0", "numpy", "2.1.0");
        b.bom_ref = "BomRef.1".into();
        assert_eq!(identity(&a), identity(&b));
        let scoped = Component::package("pkg:npm/%40types/node@20.0.0", "node", "20.0.0");
        assert_eq!(identity(&scoped), "pkg:npm/@types/node");
    }

    /// Issue 12: cyclonedx-py's `pkg:pypi/ruamel.yaml` and modelseal's `pkg:pypi/ruamel-yaml`
    /// were one package added and removed.
    #[test]
    fn pypi_purls_compare_pep503_normalised_names() {
        let peer = Component::package("pkg:pypi/ruamel.yaml@0.18.6", "ruamel.yaml", "0.18.6");
        let ours = Component::package("pkg:pypi/ruamel-yaml@0.18.6", "ruamel.yaml", "0.18.6");
        assert_eq!(identity(&peer), identity(&ours));
        let upper = Component::package("pkg:pypi/Boolean_.py@5.0", "boolean.py", "5.0");
        assert_eq!(identity(&upper), "pkg:pypi/boolean-py");
        assert!(diff(&bom(vec![peer]), &bom(vec![ours])).is_empty());
        // npm names are not PEP 503 names.
        let npm = Component::package("pkg:npm/a.b@1.0.0", "a.b", "1.0.0");
        assert_eq!(identity(&npm), "pkg:npm/a.b");
    }

    /// Issue 12: the CycloneDX list `[MIT, Apache-2.0]` and SPDX's `MIT AND Apache-2.0` were a
    /// licence change.
    #[test]
    fn a_licence_list_equals_its_and_expression() {
        let mut list = Component::package("pkg:pypi/a@1", "a", "1");
        list.licenses = vec![
            License::Expression("MIT".into()),
            License::Expression("Apache-2.0 OR BSD-2-Clause".into()),
            License::Named(" Custom ".into()),
        ];
        let mut expression = list.clone();
        expression.licenses = vec![
            License::Expression("(Apache-2.0 OR BSD-2-Clause) AND MIT".into()),
            License::Named("Custom".into()),
        ];
        assert!(diff(&bom(vec![list.clone()]), &bom(vec![expression])).is_empty());
        let mut other = list.clone();
        other.licenses.pop();
        assert_eq!(
            diff(&bom(vec![list]), &bom(vec![other]))
                .license_changed
                .len(),
            1
        );
    }
}
