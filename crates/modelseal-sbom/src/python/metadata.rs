//! Core metadata (`METADATA` in a `.dist-info`): RFC 822-style headers, then the description.
//! Parsed by hand: the format is a dozen lines of rules (header lines, indented continuation
//! lines, a blank line before the body), and the mail parsers in Rust carry MIME machinery
//! this does not need.

pub use modelseal_bom::pypi::normalize_name;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why a `METADATA` file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetadataError {
    /// A line that is neither a header, a continuation nor the blank line before the body.
    #[error("{}:{line}: {reason}", path.display())]
    Malformed {
        /// The `METADATA` file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A field every distribution must declare is absent.
    #[error("{}: no {field} field", path.display())]
    Missing {
        /// The `METADATA` file.
        path: PathBuf,
        /// The missing header (`Name`, `Version`).
        field: &'static str,
    },
}

/// The fields a bill of materials needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `Name`: the distribution's name as declared (not normalized).
    pub name: String,
    /// `Version`.
    pub version: String,
    /// `Summary`: one line describing the package.
    pub summary: Option<String>,
    /// `License`: free text, used when there is no `License-Expression`.
    pub license: Option<String>,
    /// `License-Expression`: an SPDX expression (PEP 639).
    pub license_expression: Option<String>,
    /// `Classifier`s, which may carry the licence when the other fields do not.
    pub classifiers: Vec<String>,
    /// `Requires-Dist`: the PEP 508 requirements, extras and markers included.
    pub requires_dist: Vec<String>,
    /// `Home-page`.
    pub home_page: Option<String>,
    /// `Project-URL: label, url` pairs.
    pub project_urls: Vec<(String, String)>,
}

/// Parses `text` (the contents of `path`, named in errors).
pub fn parse_metadata(text: &str, path: &Path) -> Result<Metadata, MetadataError> {
    let mut fields: Vec<(String, String, usize)> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        if line.is_empty() {
            break; // the description follows
        }
        if line.starts_with([' ', '\t']) {
            let Some(last) = fields.last_mut() else {
                return Err(MetadataError::Malformed {
                    path: path.to_path_buf(),
                    line: number,
                    reason: "a continuation line before any field".to_owned(),
                });
            };
            last.1.push('\n');
            last.1.push_str(line.trim_start());
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(MetadataError::Malformed {
                path: path.to_path_buf(),
                line: number,
                reason: format!("expected `Field: value`, found {line:?}"),
            });
        };
        fields.push((
            key.trim().to_ascii_lowercase(),
            value.trim().to_owned(),
            number,
        ));
    }
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, v, _)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let many = |name: &str| {
        fields
            .iter()
            .filter(|(k, _, _)| k == name)
            .map(|(_, v, _)| v.clone())
            .collect::<Vec<_>>()
    };
    let missing = |field| MetadataError::Missing {
        path: path.to_path_buf(),
        field,
    };
    Ok(Metadata {
        name: one("name").ok_or_else(|| missing("Name"))?,
        version: one("version").ok_or_else(|| missing("Version"))?,
        summary: one("summary").map(|summary| one_line_summary(&summary)),
        license: one("license").filter(|l| !l.eq_ignore_ascii_case("unknown")),
        license_expression: one("license-expression"),
        classifiers: many("classifier"),
        requires_dist: many("requires-dist"),
        home_page: one("home-page"),
        project_urls: many("project-url")
            .into_iter()
            .filter_map(|v| {
                let (label, url) = v.split_once(',')?;
                Some((label.trim().to_owned(), url.trim().to_owned()))
            })
            .collect(),
    })
}

/// The most characters of a `Summary` copied into a document: it is one line describing the
/// package, and a METADATA file is anyone's to write (a 300 MB `Summary` made a 314 MB SBOM).
pub(crate) const MAX_SUMMARY_CHARS: usize = 1024;

/// `summary` cut to [`MAX_SUMMARY_CHARS`], with `…` where it was cut.
fn one_line_summary(summary: &str) -> String {
    match summary.char_indices().nth(MAX_SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &summary[..cut]),
        None => summary.to_owned(),
    }
}

/// `pkg:pypi/<name>@<version>` (the purl spec's PyPI type: normalised name, percent-encoded
/// version).
pub fn purl(name: &str, version: &str) -> String {
    qualified_purl(name, Some(version), None)
}

/// The one spelling of a PyPI purl, for installed and locked distributions alike: the PEP 503
/// name, the version when there is one and at most one qualifier (`repository_url`, `vcs_url`,
/// `download_url`). Everything but the purl spec's unreserved characters is percent-encoded
/// (an epoch's `!`, a local version's `+`), except the `:` of a qualifier's URL, which purl
/// libraries leave as it is.
pub(crate) fn qualified_purl(
    name: &str,
    version: Option<&str>,
    qualifier: Option<(&str, &str)>,
) -> String {
    let mut purl = format!("pkg:pypi/{}", percent_encode(&normalize_name(name), b""));
    if let Some(version) = version {
        purl.push('@');
        purl.push_str(&percent_encode(version, b""));
    }
    if let Some((key, value)) = qualifier {
        let _ = write!(purl, "?{key}={}", percent_encode(value, b":"));
    }
    purl
}

/// `text` with every byte percent-encoded except ASCII letters and digits, `.-_~` and
/// `also_keep`.
fn percent_encode(text: &str, also_keep: &[u8]) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b".-_~".contains(&byte) || also_keep.contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14 (10): a 300 MB `Summary:` was copied whole into the SBOM.
    #[test]
    fn a_huge_summary_is_cut() {
        let text = format!(
            "Metadata-Version: 2.1\nName: big\nVersion: 1.0\nSummary: {}\n",
            "é".repeat(100_000)
        );
        let metadata = parse_metadata(&text, Path::new("METADATA")).unwrap();
        let summary = metadata.summary.unwrap();
        assert_eq!(summary.chars().count(), MAX_SUMMARY_CHARS + 1);
        assert!(summary.ends_with('…'));
        let short = parse_metadata(
            "Metadata-Version: 2.1\nName: a\nVersion: 1\nSummary: short\n",
            Path::new("METADATA"),
        )
        .unwrap();
        assert_eq!(short.summary.as_deref(), Some("short"));
    }

    #[test]
    fn fields_continuations_and_the_body() {
        let text = "Metadata-Version: 2.4\nName: Scikit_Learn\nVersion: 1.9.1\nLicense: BSD 3-Clause\n        Copyright (c) 2007\nClassifier: A\nClassifier: B\nRequires-Dist: numpy>=1.22\nRequires-Dist: pytest; extra == \"tests\"\n\nName: not a field, the description\n";
        let m = parse_metadata(text, Path::new("METADATA")).unwrap();
        assert_eq!(m.name, "Scikit_Learn");
        assert_eq!(m.version, "1.9.1");
        assert_eq!(
            m.license.as_deref(),
            Some("BSD 3-Clause\nCopyright (c) 2007")
        );
        assert_eq!(m.classifiers, ["A", "B"]);
        assert_eq!(m.requires_dist.len(), 2);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let err = parse_metadata("Name: x\nno colon here\n", Path::new("a/METADATA")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a/METADATA:2: expected `Field: value`, found \"no colon here\""
        );
        let err = parse_metadata("Name: x\n", Path::new("m")).unwrap_err();
        assert_eq!(err.to_string(), "m: no Version field");
    }

    #[test]
    fn names_and_purls() {
        assert_eq!(normalize_name("Scikit_Learn"), "scikit-learn");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("a__b--c"), "a-b-c");
        assert_eq!(purl("Torch", "2.15.0+cpu"), "pkg:pypi/torch@2.15.0%2Bcpu");
    }

    /// Installed (`purl`) and locked (`qualified_purl`) distributions spell one version alike:
    /// epochs, local versions and pre-releases included.
    #[test]
    fn one_purl_for_installed_and_locked_versions() {
        for (name, version, expected) in [
            ("Zope.Interface", "1!2.0", "pkg:pypi/zope-interface@1%212.0"),
            ("torch", "2.15.0+cpu", "pkg:pypi/torch@2.15.0%2Bcpu"),
            ("Pillow", "11.0.0rc1", "pkg:pypi/pillow@11.0.0rc1"),
            (
                "a_b",
                "1!1.0.post1.dev2+ubuntu.1",
                "pkg:pypi/a-b@1%211.0.post1.dev2%2Bubuntu.1",
            ),
        ] {
            assert_eq!(purl(name, version), expected);
            assert_eq!(qualified_purl(name, Some(version), None), expected);
        }
        assert_eq!(qualified_purl("x", None, None), "pkg:pypi/x");
        assert_eq!(
            qualified_purl(
                "x",
                Some("1.0+local"),
                Some(("download_url", "https://h.example/x-1.0+local.whl?a=b"))
            ),
            "pkg:pypi/x@1.0%2Blocal?download_url=https:%2F%2Fh.example%2Fx-1.0%2Blocal.whl%3Fa%3Db"
        );
    }
}
