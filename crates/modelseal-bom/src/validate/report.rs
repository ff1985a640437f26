//! What validation found: the document's format and a list of problems, each located by a
//! JSON pointer (or an XPath-like path for XML), told apart by which layer found it and whether
//! it makes the document invalid.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::cyclonedx::SpecVersion;

/// The kind of document that was validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "format")]
pub enum Format {
    /// CycloneDX in JSON.
    #[serde(rename = "cyclonedx-json")]
    CycloneDxJson {
        /// The CycloneDX version the document declares.
        #[serde(serialize_with = "spec_version")]
        version: SpecVersion,
    },
    /// CycloneDX in XML.
    #[serde(rename = "cyclonedx-xml")]
    CycloneDxXml {
        /// The CycloneDX version the document declares.
        #[serde(serialize_with = "spec_version")]
        version: SpecVersion,
    },
    /// SPDX 2.3 in JSON.
    #[serde(rename = "spdx-2.3-json")]
    Spdx23Json,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // the signature `serialize_with` wants
fn spec_version<S: Serializer>(version: &SpecVersion, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(version.as_str())
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::CycloneDxJson { version } => write!(f, "CycloneDX {} JSON", version.as_str()),
            Format::CycloneDxXml { version } => write!(f, "CycloneDX {} XML", version.as_str()),
            Format::Spdx23Json => f.write_str("SPDX 2.3 JSON"),
        }
    }
}

/// Which layer found a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The official JSON schema (only with a schema directory).
    Schema,
    /// The built-in model of the format: shapes, required fields, enumerations, patterns.
    Structure,
    /// Rules no schema states: references that resolve, unique identifiers, purls and licence
    /// expressions that parse, digests as long as their algorithm makes them.
    Semantic,
}

/// Whether a problem makes the document invalid. Not a severity: findings are ranked on
/// `modelseal_report::Severity`; this only tells an error from a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemLevel {
    /// The document is invalid.
    Error,
    /// Legal but doubtful (a deprecated licence id, a reference to another BOM's element that
    /// cannot be checked here).
    Warning,
}

/// One thing wrong with a document, where it is and which layer found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: a JSON pointer (RFC 6901; empty for the whole document) or, for XML, a path such
    /// as `/bom/components/component[2]/hashes/hash[1]` (positions count from 1).
    pub pointer: String,
    /// What is wrong, in words.
    pub message: String,
    /// Which layer found it.
    pub origin: Origin,
    /// Named `severity` in the JSON report, as it has been since the report was first written.
    #[serde(rename = "severity")]
    pub level: ProblemLevel,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            ProblemLevel::Error => "error",
            ProblemLevel::Warning => "warning",
        };
        let origin = match self.origin {
            Origin::Schema => "schema",
            Origin::Structure => "structure",
            Origin::Semantic => "semantic",
        };
        let at = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{level} [{origin}] {at}: {}", self.message)
    }
}

/// What validating one document found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The format the document was validated as.
    pub format: Format,
    /// The built-in layer's first (the model's, then the rules across the document), then the
    /// schema's.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether the document has no errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The problems that make the document invalid.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.level == ProblemLevel::Error)
    }

    /// The problems that leave the document valid but doubtful.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.level == ProblemLevel::Warning)
    }
}

/// Appends one reference token to a JSON pointer, escaped as RFC 6901 requires.
pub(super) fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slash_and_tilde() {
        let mut pointer = String::new();
        push_token(&mut pointer, "components");
        push_token(&mut pointer, "a/b~c");
        assert_eq!(pointer, "/components/a~1b~0c");
    }

    #[test]
    fn warnings_alone_leave_a_report_valid() {
        let warning = Problem {
            pointer: "/x".into(),
            message: "doubtful".into(),
            origin: Origin::Semantic,
            level: ProblemLevel::Warning,
        };
        let mut report = Report {
            format: Format::Spdx23Json,
            problems: vec![warning.clone()],
        };
        assert!(report.is_valid());
        report.problems.push(Problem {
            level: ProblemLevel::Error,
            ..warning
        });
        assert!(!report.is_valid());
        assert_eq!(report.errors().count(), 1);
        assert_eq!(
            serde_json::to_value(report.format).unwrap(),
            serde_json::json!({"format": "spdx-2.3-json"})
        );
        assert_eq!(
            report.problems[1].to_string(),
            "error [semantic] /x: doubtful"
        );
    }
}
