//! The package ecosystems whose versions this module can order, how OSV and purls name them,
//! and when two package names are the same package.

use serde::Serialize;

use super::version::Scheme;
use modelseal_bom::pypi::normalize_name;

/// An ecosystem whose version ordering is implemented; records of any other ecosystem are not
/// loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Ecosystem {
    /// The Python Package Index (PEP 440 versions).
    #[serde(rename = "PyPI")]
    PyPI,
    /// Rust crates (semantic versioning).
    #[serde(rename = "crates.io")]
    CratesIo,
    /// npm packages (semantic versioning).
    #[serde(rename = "npm")]
    Npm,
}

impl Ecosystem {
    /// From an OSV `affected[].package.ecosystem`.
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        match name {
            "PyPI" => Some(Ecosystem::PyPI),
            "crates.io" => Some(Ecosystem::CratesIo),
            "npm" => Some(Ecosystem::Npm),
            _ => None,
        }
    }

    /// From a purl type (`pkg:<type>/...`).
    pub fn from_purl_type(ty: &str) -> Option<Ecosystem> {
        match ty {
            "pypi" => Some(Ecosystem::PyPI),
            "cargo" => Some(Ecosystem::CratesIo),
            "npm" => Some(Ecosystem::Npm),
            _ => None,
        }
    }

    /// The OSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::PyPI => "PyPI",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
        }
    }

    /// The key two spellings of one package share: PEP 503 for PyPI (records use display
    /// names such as `Pillow`); crates.io refuses names that differ only in case or `-`/`_`;
    /// npm names are lowercase, and purls lowercase them.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => normalize_name(name),
            Ecosystem::CratesIo => name.to_ascii_lowercase().replace('_', "-"),
            Ecosystem::Npm => name.to_ascii_lowercase(),
        }
    }

    /// How an `ECOSYSTEM` range of this ecosystem orders versions.
    pub(crate) fn scheme(self) -> Scheme {
        match self {
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::CratesIo | Ecosystem::Npm => Scheme::SemVer,
        }
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_each_registry_does() {
        assert_eq!(
            Ecosystem::PyPI.normalize_name("Scikit_Learn"),
            "scikit-learn"
        );
        assert_eq!(
            Ecosystem::PyPI.normalize_name("zope.interface"),
            "zope-interface"
        );
        assert_eq!(
            Ecosystem::CratesIo.normalize_name("Serde_JSON"),
            "serde-json"
        );
        assert_eq!(Ecosystem::Npm.normalize_name("@Scope/Name"), "@scope/name");
        assert_eq!(Ecosystem::from_osv("crates.io"), Some(Ecosystem::CratesIo));
        assert_eq!(Ecosystem::from_osv("pypi"), None);
        assert_eq!(
            Ecosystem::from_purl_type("cargo"),
            Some(Ecosystem::CratesIo)
        );
        assert_eq!(Ecosystem::from_purl_type("golang"), None);
    }
}
