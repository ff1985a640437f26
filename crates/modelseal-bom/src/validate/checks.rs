//! The checks on single values that CycloneDX JSON, CycloneDX XML and SPDX share: digests,
//! SPDX licence ids and expressions, purls, timestamps, serial numbers; and the index of
//! declared identifiers that references are resolved against.
//!
//! Level policy: whatever the specification states as a MUST is an error (a purl that does
//! not parse, a digest shorter than its algorithm's, an unknown licence id, a reference to an
//! element the document does not declare); what is legal but doubtful is a warning (a
//! deprecated licence id, a reference outside the dependency graph that cannot be resolved).

use std::collections::HashMap;
use std::str::FromStr;

use super::report::{Origin, Problem, ProblemLevel};

/// CycloneDX `hash-alg`, with the length in hex digits each algorithm's digest has (BLAKE3
/// has an extendable output: any length the format allows).
const CYCLONEDX_HASHES: &[(&str, usize)] = &[
    ("MD5", 32),
    ("SHA-1", 40),
    ("SHA-256", 64),
    ("SHA-384", 96),
    ("SHA-512", 128),
    ("SHA3-256", 64),
    ("SHA3-384", 96),
    ("SHA3-512", 128),
    ("BLAKE2b-256", 64),
    ("BLAKE2b-384", 96),
    ("BLAKE2b-512", 128),
    ("BLAKE3", 0),
];

/// The CycloneDX hash algorithm names.
pub(super) const CYCLONEDX_HASH_ALGORITHMS: &[&str] = &[
    "MD5",
    "SHA-1",
    "SHA-256",
    "SHA-384",
    "SHA-512",
    "SHA3-256",
    "SHA3-384",
    "SHA3-512",
    "BLAKE2b-256",
    "BLAKE2b-384",
    "BLAKE2b-512",
    "BLAKE3",
];

/// What is wrong with a CycloneDX digest, if anything: the format allows 32, 40, 64, 96 or 128
/// hex digits whatever the algorithm (a structural error otherwise); the algorithm fixes which
/// (a semantic error). An unknown algorithm is reported where the algorithm is checked.
pub(super) fn cyclonedx_hash_problem(algorithm: &str, content: &str) -> Option<(Origin, String)> {
    let hex = content.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex || ![32, 40, 64, 96, 128].contains(&content.len()) {
        return Some((
            Origin::Structure,
            format!(
                "`{}` is not a digest: 32, 40, 64, 96 or 128 hex digits expected",
                shorten(content)
            ),
        ));
    }
    let expected = CYCLONEDX_HASHES
        .iter()
        .find(|(name, _)| *name == algorithm)
        .map(|(_, length)| *length)?;
    (expected != 0 && expected != content.len()).then(|| {
        (
            Origin::Semantic,
            format!(
                "a {algorithm} digest has {expected} hex digits, this one has {}",
                content.len()
            ),
        )
    })
}

/// SPDX 2.3 checksum algorithms with their digest lengths in hex digits, as the SPDX tools
/// check them (`None`: BLAKE3 has at least 64, MD6 at most 128).
pub(super) const SPDX_CHECKSUMS: &[(&str, Option<usize>)] = &[
    ("SHA1", Some(40)),
    ("SHA224", Some(56)),
    ("SHA256", Some(64)),
    ("SHA384", Some(96)),
    ("SHA512", Some(128)),
    ("SHA3-256", Some(64)),
    ("SHA3-384", Some(96)),
    ("SHA3-512", Some(128)),
    ("BLAKE2b-256", Some(64)),
    ("BLAKE2b-384", Some(96)),
    ("BLAKE2b-512", Some(128)),
    ("BLAKE3", None),
    ("MD2", Some(32)),
    ("MD4", Some(32)),
    ("MD5", Some(32)),
    ("MD6", None),
    ("ADLER32", Some(8)),
];

/// What is wrong with an SPDX checksum value (lowercase hex of the algorithm's length).
pub(super) fn spdx_checksum_problem(algorithm: &str, value: &str) -> Option<String> {
    let (_, length) = SPDX_CHECKSUMS.iter().find(|(name, _)| *name == algorithm)?;
    let lower_hex = value
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let length_ok = match (algorithm, length) {
        (_, Some(n)) => value.len() == *n,
        ("BLAKE3", None) => value.len() >= 64,
        _ => value.len() <= 128,
    };
    if lower_hex && length_ok {
        return None;
    }
    let wanted = match (algorithm, length) {
        (_, Some(n)) => format!("{n}"),
        ("BLAKE3", None) => "at least 64".into(),
        _ => "at most 128".into(),
    };
    Some(format!(
        "a {algorithm} checksum is {wanted} lowercase hex digits, found `{}` ({} characters)",
        shorten(value),
        value.len()
    ))
}

/// Whether `id` is on the SPDX licence list (licences and exceptions, deprecated ones
/// included, as the CycloneDX `spdx.schema.json` enumeration has them).
pub(super) fn is_spdx_id(id: &str) -> bool {
    // `license_id` ignores a trailing `+`, so `MIT+` would pass; the only ids that really end
    // in one are six deprecated GNU ids, which the crate's list leaves out (it reads `+` as
    // the "or later" operator).
    const DEPRECATED_GNU_PLUS: &[&str] = &[
        "GPL-1.0+",
        "GPL-2.0+",
        "GPL-3.0+",
        "LGPL-2.0+",
        "LGPL-2.1+",
        "LGPL-3.0+",
    ];
    ::spdx::license_id(id).is_some_and(|l| l.name == id)
        || ::spdx::exception_id(id).is_some()
        || DEPRECATED_GNU_PLUS.contains(&id)
}

pub(super) fn spdx_id_problem(id: &str) -> Option<String> {
    (!is_spdx_id(id)).then(|| {
        format!(
            "`{}` is not an SPDX licence id (SPDX licence list {})",
            shorten(id),
            ::spdx::license_version()
        )
    })
}

/// A licence expression that parsed.
pub(super) struct Expression {
    /// The `LicenseRef-…` ids it uses (with their `DocumentRef-…:` prefix when they have one).
    pub(super) license_refs: Vec<String>,
    /// Deprecated SPDX ids it uses.
    pub(super) deprecated: Vec<&'static str>,
}

/// Parses an SPDX licence expression strictly (case-sensitive ids from the list, upper-case
/// operators), deprecated ids allowed so they can be reported as warnings.
pub(super) fn parse_expression(expression: &str) -> Result<Expression, String> {
    let mode = ::spdx::ParseMode {
        allow_deprecated: true,
        ..::spdx::ParseMode::STRICT
    };
    let parsed = ::spdx::Expression::parse_mode(expression, mode).map_err(|e| {
        let term = expression.get(e.span.clone()).unwrap_or_default();
        if term.is_empty() {
            format!(
                "`{}` is not an SPDX licence expression: {}",
                shorten(expression),
                e.reason
            )
        } else {
            format!(
                "`{}` is not an SPDX licence expression: {} (`{}`)",
                shorten(expression),
                e.reason,
                shorten(term)
            )
        }
    })?;
    let mut out = Expression {
        license_refs: Vec::new(),
        deprecated: Vec::new(),
    };
    for requirement in parsed.requirements() {
        match &requirement.req.license {
            ::spdx::LicenseItem::Spdx { id, .. } => {
                if id.is_deprecated() {
                    out.deprecated.push(id.name);
                }
            }
            ::spdx::LicenseItem::Other(reference) => {
                out.license_refs.push(match &reference.doc_ref {
                    Some(document) => {
                        format!("DocumentRef-{document}:LicenseRef-{}", reference.lic_ref)
                    }
                    None => format!("LicenseRef-{}", reference.lic_ref),
                });
            }
        }
        if let Some(::spdx::AdditionItem::Spdx(exception)) = &requirement.req.addition
            && exception.is_deprecated()
        {
            out.deprecated.push(exception.name);
        }
    }
    Ok(out)
}

pub(super) fn purl_problem(purl: &str) -> Option<String> {
    packageurl::PackageUrl::from_str(purl)
        .err()
        .map(|e| format!("`{}` is not a package URL: {e}", shorten(purl)))
}

/// Whether `text` is an RFC 3339 date-time (JSON Schema's `date-time`).
pub(super) fn is_date_time(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

/// Whether `text` is a CycloneDX serial number: `urn:uuid:` and a lowercase RFC 4122 UUID.
pub(super) fn is_serial_number(text: &str) -> bool {
    let Some(uuid) = text.strip_prefix("urn:uuid:") else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, length)| {
            group.len() == length
                && group
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// A value quoted in a message, cut to a readable length.
pub(super) fn shorten(text: &str) -> String {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The identifiers a document declares (CycloneDX `bom-ref`s, SPDX ids), where each is, and
/// the problems found declaring and resolving them.
#[derive(Debug, Default)]
pub(super) struct Identifiers {
    declared: HashMap<String, String>,
    pub(super) problems: Vec<Problem>,
}

impl Identifiers {
    /// Records `id` declared at `pointer`; a second declaration is an error.
    pub(super) fn declare(&mut self, id: &str, pointer: &str, what: &str) {
        self.declare_with(id, pointer, what, |_| ProblemLevel::Error);
    }

    /// Records `id` declared at `pointer`; a second declaration is reported with the level
    /// `level` gives for the location of the first.
    pub(super) fn declare_with(
        &mut self,
        id: &str,
        pointer: &str,
        what: &str,
        level: impl FnOnce(&str) -> ProblemLevel,
    ) {
        if let Some(first) = self.declared.get(id) {
            let level = level(first);
            let message = format!("{what} `{}` is already declared at {first}", shorten(id));
            self.problems.push(Problem {
                pointer: pointer.to_owned(),
                message,
                origin: Origin::Semantic,
                level,
            });
        } else {
            self.declared.insert(id.to_owned(), pointer.to_owned());
        }
    }

    pub(super) fn is_declared(&self, id: &str) -> bool {
        self.declared.contains_key(id)
    }

    /// Reports `id` (referenced at `pointer`) with `level` unless it is declared.
    pub(super) fn resolve(&mut self, id: &str, pointer: &str, what: &str, level: ProblemLevel) {
        if !self.is_declared(id) {
            self.problems.push(Problem {
                pointer: pointer.to_owned(),
                message: format!("{what} `{}` is not declared in this document", shorten(id)),
                origin: Origin::Semantic,
                level,
            });
        }
    }

    pub(super) fn error(&mut self, pointer: &str, message: String) {
        self.problems.push(Problem {
            pointer: pointer.to_owned(),
            message,
            origin: Origin::Semantic,
            level: ProblemLevel::Error,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked_for_shape_then_for_their_algorithm() {
        let sha256 = "f498a8ff2dd007e29c2074f5e4b01a9a01775c3ff3aeaf6906ea503bc5791b7b";
        assert_eq!(cyclonedx_hash_problem("SHA-256", sha256), None);
        assert_eq!(cyclonedx_hash_problem("BLAKE3", sha256), None);
        let (origin, message) = cyclonedx_hash_problem("SHA-512", sha256).unwrap();
        assert_eq!(origin, Origin::Semantic);
        assert_eq!(
            message,
            "a SHA-512 digest has 128 hex digits, this one has 64"
        );
        let (origin, _) = cyclonedx_hash_problem("MD5", "foo").unwrap();
        assert_eq!(origin, Origin::Structure);
        assert_eq!(spdx_checksum_problem("SHA1", &sha256[..40]), None);
        assert!(spdx_checksum_problem("SHA1", &sha256[..40].to_uppercase()).is_some());
        assert!(spdx_checksum_problem("SHA256", &sha256[..40]).is_some());
        assert_eq!(spdx_checksum_problem("BLAKE3", sha256), None);
    }

    #[test]
    fn licence_ids_and_expressions() {
        assert!(is_spdx_id("Apache-2.0"));
        assert!(is_spdx_id("GPL-2.0+"), "deprecated ids are on the list");
        assert!(is_spdx_id("Classpath-exception-2.0"));
        assert!(!is_spdx_id("MIT+"));
        assert!(!is_spdx_id("Apache-2"));
        assert!(!is_spdx_id("mit"));
        let parsed = parse_expression("EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0").unwrap();
        assert_eq!(parsed.deprecated, ["GPL-2.0"]);
        let parsed = parse_expression("(LGPL-2.0-only OR LicenseRef-3)").unwrap();
        assert_eq!(parsed.license_refs, ["LicenseRef-3"]);
        assert!(parsed.deprecated.is_empty());
        let parsed = parse_expression("DocumentRef-x:LicenseRef-y AND MIT").unwrap();
        assert_eq!(parsed.license_refs, ["DocumentRef-x:LicenseRef-y"]);
        let error = parse_expression("MIT OR Foo-1.0").err().unwrap();
        assert!(
            error.contains("unknown term") && error.contains("`Foo-1.0`"),
            "{error}"
        );
        assert!(parse_expression("MIT OR").is_err());
    }

    #[test]
    fn purls_serials_and_timestamps() {
        assert_eq!(purl_problem("pkg:pypi/numpy@2.0.0"), None);
        assert!(purl_problem("numpy==2.0").is_some());
        assert!(is_serial_number(
            "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
        ));
        assert!(!is_serial_number("urn:uuid:3e671687-395b-41f5-a30f"));
        assert!(!is_serial_number(
            "urn:uuid:3E671687-395b-41f5-a30f-a58921a69b79"
        ));
        assert!(is_date_time("2020-04-13T20:20:39+00:00"));
        assert!(is_date_time("2020-04-13T20:20:39.123Z"));
        assert!(!is_date_time("2020-04-13"));
        assert_eq!(shorten(&"x".repeat(100)).chars().count(), 81);
    }

    #[test]
    fn identifiers_report_duplicates_and_dangling_references() {
        let mut ids = Identifiers::default();
        ids.declare("a", "/components/0/bom-ref", "bom-ref");
        ids.declare("a", "/components/1/bom-ref", "bom-ref");
        ids.resolve(
            "a",
            "/dependencies/0/ref",
            "dependency",
            ProblemLevel::Error,
        );
        ids.resolve(
            "b",
            "/dependencies/1/ref",
            "dependency",
            ProblemLevel::Error,
        );
        let found: Vec<(String, String)> = ids
            .problems
            .iter()
            .map(|p| (p.pointer.clone(), p.message.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "/components/1/bom-ref".to_owned(),
                    "bom-ref `a` is already declared at /components/0/bom-ref".to_owned()
                ),
                (
                    "/dependencies/1/ref".to_owned(),
                    "dependency `b` is not declared in this document".to_owned()
                ),
            ]
        );
    }
}
