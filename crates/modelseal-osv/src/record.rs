//! The parts of an OSV record that matching and reporting read, as serde reads them.
//!
//! Unknown fields are ignored and `details` is cut to its first line while parsing: a full
//! ecosystem database holds hundreds of thousands of records, and only what a finding shows is
//! worth keeping in memory. Fields the schema allows to be `null` read as empty.

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Record {
    pub id: String,
    #[serde(default)]
    pub modified: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// The first non-empty line of `details`: a headline for records without a `summary`
    /// (PYSEC records have none).
    #[serde(default, rename = "details", deserialize_with = "first_line")]
    pub details_headline: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub database_specific: Specific,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Affected {
    /// Absent in records that only describe commits of a repository.
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ecosystem_specific: Specific,
    #[serde(default)]
    pub database_specific: Specific,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Package {
    pub ecosystem: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Range {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum RangeKind {
    #[serde(rename = "SEMVER")]
    SemVer,
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    /// Commit ranges need the repository's history; they are never evaluated here.
    #[serde(rename = "GIT")]
    Git,
    /// A type from a later schema version.
    #[serde(other)]
    Other,
}

impl RangeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RangeKind::SemVer => "SEMVER",
            RangeKind::Ecosystem => "ECOSYSTEM",
            RangeKind::Git => "GIT",
            RangeKind::Other => "unknown",
        }
    }
}

/// One point of a range's timeline; the schema allows exactly one key per event object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawEvent")]
pub(crate) enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub(crate) fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Event::Introduced(_) => "introduced",
            Event::Fixed(_) => "fixed",
            Event::LastAffected(_) => "last_affected",
            Event::Limit(_) => "limit",
        }
    }
}

#[derive(Deserialize)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

impl TryFrom<RawEvent> for Event {
    type Error = String;

    fn try_from(raw: RawEvent) -> Result<Event, String> {
        let mut events = [
            raw.introduced.map(Event::Introduced),
            raw.fixed.map(Event::Fixed),
            raw.last_affected.map(Event::LastAffected),
            raw.limit.map(Event::Limit),
        ]
        .into_iter()
        .flatten();
        match (events.next(), events.next()) {
            (Some(event), None) => Ok(event),
            _ => Err(
                "an event must have exactly one of introduced, fixed, last_affected, limit"
                    .to_owned(),
            ),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SeverityScore {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Reference {
    pub url: String,
}

/// A `database_specific` or `ecosystem_specific` object, of which only a textual `severity`
/// (GitHub's `LOW` ... `CRITICAL`) is read; its other keys are each database's own business.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Specific {
    #[serde(default, deserialize_with = "string_or_nothing")]
    pub severity: Option<String>,
}

/// Parses one record (the contents of one `.json` file).
pub(crate) fn parse(bytes: &[u8]) -> Result<Record, serde_json::Error> {
    serde_json::from_slice(bytes)
}

fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

fn first_line<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let details = Option::<String>::deserialize(deserializer)?;
    Ok(details.and_then(|d| {
        d.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    }))
}

fn string_or_nothing<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_record_reads_and_nulls_are_empty() {
        let record = parse(
            br#"{
              "schema_version": "1.6.0", "id": "GHSA-xxxx-yyyy-zzzz", "modified": "2024-01-01T00:00:00Z",
              "aliases": null, "details": "\n  First line.\nSecond line.",
              "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
              "affected": [{
                "package": {"ecosystem": "PyPI", "name": "Pillow", "purl": "pkg:pypi/pillow"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]},
                           {"type": "GIT", "repo": "https://x", "events": [{"introduced": "0"}]},
                           {"type": "FUTURE", "events": [{"introduced": "0"}]}],
                "database_specific": {"severity": {"nested": true}},
                "ecosystem_specific": {"severity": "HIGH", "affected_functions": ["f"]}
              }],
              "database_specific": {"severity": "MODERATE", "cwe_ids": ["CWE-79"]},
              "references": [{"type": "WEB", "url": "https://example.org"}]
            }"#,
        )
        .unwrap();
        assert_eq!(record.id, "GHSA-xxxx-yyyy-zzzz");
        assert!(record.aliases.is_empty());
        assert_eq!(record.details_headline.as_deref(), Some("First line."));
        assert_eq!(
            record.database_specific.severity.as_deref(),
            Some("MODERATE")
        );
        let affected = &record.affected[0];
        assert_eq!(affected.package.as_ref().unwrap().name, "Pillow");
        assert_eq!(
            affected.ranges.iter().map(|r| r.kind).collect::<Vec<_>>(),
            [RangeKind::Ecosystem, RangeKind::Git, RangeKind::Other]
        );
        assert_eq!(
            affected.ranges[0].events,
            [
                Event::Introduced("0".to_owned()),
                Event::Fixed("1.0".to_owned())
            ]
        );
        assert_eq!(affected.database_specific.severity, None);
        assert_eq!(
            affected.ecosystem_specific.severity.as_deref(),
            Some("HIGH")
        );
    }

    #[test]
    fn an_event_with_two_kinds_is_an_error_with_a_position() {
        let error = parse(
            br#"{"id": "X-1", "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0", "fixed": "1.0.2"}]}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(error.line(), 2);
        assert!(error.to_string().contains("exactly one of"), "{error}");
    }
}
