//! How severe a matched record is.
//!
//! The rule, first that applies:
//! 1. CVSS v3.0/v3.1 vectors (`CVSS_V3`) in the record's `severity` or in the matching
//!    `affected[].severity`: the highest base score, computed from the vector, rated on the
//!    CVSS qualitative scale (0.1 low, 4.0 medium, 7.0 high, 9.0 critical).
//! 2. A textual rating: the record's `database_specific.severity` (GitHub's `LOW`, `MODERATE`,
//!    `HIGH`, `CRITICAL`), then the matching `affected[]`'s `database_specific.severity`, then
//!    its `ecosystem_specific.severity`, then an `Ubuntu` priority in `severity`. No score.
//! 3. Otherwise [`Severity::None`] and no score.
//!
//! CVSS v4 (and v2) vectors are not scored: the v4 score comes from a large lookup table of
//! "macro vectors", not a formula. A record scored only in v4 falls through to step 2, which
//! is where GitHub records state their rating anyway.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::cvss;
use super::record::{Affected, Record};

/// A qualitative rating, ordered from [`Severity::None`] (no rating known, or CVSS 0.0) to
/// [`Severity::Critical`], so that `--fail-on high` is `severity >= Severity::High`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// No rating is known, or the CVSS score is 0.0.
    #[default]
    None,
    /// CVSS 0.1-3.9, or rated low.
    Low,
    /// CVSS 4.0-6.9, or rated moderate/medium.
    Medium,
    /// CVSS 7.0-8.9, or rated high.
    High,
    /// CVSS 9.0-10.0, or rated critical.
    Critical,
}

impl Severity {
    /// The lowercase name, as `--fail-on` and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The shared scale's severity: `None` (no rating known) is `info`, the rest keep their
    /// names.
    pub fn to_report(self) -> modelseal_report::Severity {
        match self {
            Severity::None => modelseal_report::Severity::Info,
            Severity::Low => modelseal_report::Severity::Low,
            Severity::Medium => modelseal_report::Severity::Medium,
            Severity::High => modelseal_report::Severity::High,
            Severity::Critical => modelseal_report::Severity::Critical,
        }
    }

    /// The CVSS qualitative rating of a base score given in tenths (0 to 100).
    pub fn from_score_tenths(tenths: u8) -> Severity {
        match tenths {
            0 => Severity::None,
            1..=39 => Severity::Low,
            40..=69 => Severity::Medium,
            70..=89 => Severity::High,
            _ => Severity::Critical,
        }
    }

    /// A rating as databases write it: `LOW`, `MODERATE`/`MEDIUM`, `HIGH`, `CRITICAL` (any
    /// case); Ubuntu's `negligible` is low.
    fn from_label(label: &str) -> Option<Severity> {
        match label.trim().to_ascii_lowercase().as_str() {
            "negligible" | "low" => Some(Severity::Low),
            "moderate" | "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not one of none, low, medium, high and critical.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?} (expected none, low, medium, high or critical)")]
pub struct ParseSeverityError(String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    /// `none`, `low`, `medium` (or `moderate`), `high`, `critical`, in any case.
    fn from_str(text: &str) -> Result<Severity, ParseSeverityError> {
        if text.trim().eq_ignore_ascii_case("none") {
            return Ok(Severity::None);
        }
        match Severity::from_label(text) {
            Some(severity) if !text.trim().eq_ignore_ascii_case("negligible") => Ok(severity),
            _ => Err(ParseSeverityError(text.to_owned())),
        }
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The severity of `record` where `affected` are its entries that matched, with the CVSS
/// base score when one was computed (see the module documentation for the rule).
pub(crate) fn assess(record: &Record, affected: &[&Affected]) -> (Severity, Option<f64>) {
    let scores = || {
        record
            .severity
            .iter()
            .chain(affected.iter().flat_map(|a| &a.severity))
    };
    let best = scores()
        .filter(|s| s.kind == "CVSS_V3")
        .filter_map(|s| cvss::base_score(&s.score).ok())
        .max();
    if let Some(score) = best {
        return (
            Severity::from_score_tenths(score.tenths()),
            Some(score.value()),
        );
    }
    let labels = std::iter::once(record.database_specific.severity.as_deref())
        .chain(
            affected
                .iter()
                .map(|a| a.database_specific.severity.as_deref()),
        )
        .chain(
            affected
                .iter()
                .map(|a| a.ecosystem_specific.severity.as_deref()),
        )
        .chain(
            scores()
                .filter(|s| s.kind == "Ubuntu")
                .map(|s| Some(s.score.as_str())),
        );
    let label = labels.flatten().find_map(Severity::from_label);
    (label.unwrap_or(Severity::None), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::parse;

    #[test]
    fn maps_onto_the_shared_scale_in_order() {
        let all = [
            Severity::None,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ];
        let mapped: Vec<_> = all.iter().map(|s| s.to_report()).collect();
        assert_eq!(mapped, modelseal_report::Severity::ALL);
        for s in all.into_iter().skip(1) {
            assert_eq!(s.as_str(), s.to_report().as_str());
        }
    }

    #[test]
    fn ordering_text_and_thresholds() {
        assert!(Severity::None < Severity::Low);
        assert!(Severity::Low < Severity::Medium);
        assert!(Severity::High < Severity::Critical);
        for text in ["none", "low", "medium", "high", "critical"] {
            assert_eq!(text.parse::<Severity>().unwrap().to_string(), text);
        }
        assert_eq!("MODERATE".parse(), Ok(Severity::Medium));
        assert_eq!(" High ".parse(), Ok(Severity::High));
        assert_eq!(
            "severe".parse::<Severity>().unwrap_err().to_string(),
            "unknown severity \"severe\" (expected none, low, medium, high or critical)"
        );
        assert!("negligible".parse::<Severity>().is_err());
        assert_eq!(Severity::from_score_tenths(0), Severity::None);
        assert_eq!(Severity::from_score_tenths(1), Severity::Low);
        assert_eq!(Severity::from_score_tenths(39), Severity::Low);
        assert_eq!(Severity::from_score_tenths(40), Severity::Medium);
        assert_eq!(Severity::from_score_tenths(69), Severity::Medium);
        assert_eq!(Severity::from_score_tenths(70), Severity::High);
        assert_eq!(Severity::from_score_tenths(89), Severity::High);
        assert_eq!(Severity::from_score_tenths(90), Severity::Critical);
        assert_eq!(Severity::from_score_tenths(100), Severity::Critical);
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
    }

    fn assessed(json: &str) -> (Severity, Option<f64>) {
        let record = parse(json.as_bytes()).unwrap();
        let affected: Vec<&Affected> = record.affected.iter().collect();
        assess(&record, &affected)
    }

    #[test]
    fn the_highest_cvss3_score_wins_over_labels() {
        let (severity, score) = assessed(
            r#"{"id": "GHSA-1", "severity": [
                 {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
                 {"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}],
               "affected": [{"package": {"ecosystem": "PyPI", "name": "a"},
                 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}]}],
               "database_specific": {"severity": "CRITICAL"}}"#,
        );
        assert_eq!(severity, Severity::Medium);
        assert!((score.unwrap() - 6.1).abs() < 1e-9);
    }

    #[test]
    fn without_cvss3_the_labels_decide_in_order() {
        let v4 = r#"[{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]"#;
        assert_eq!(
            assessed(&format!(
                r#"{{"id": "GHSA-1", "severity": {v4}, "database_specific": {{"severity": "MODERATE"}},
                   "affected": [{{"package": {{"ecosystem": "npm", "name": "a"}}, "ecosystem_specific": {{"severity": "CRITICAL"}}}}]}}"#
            )),
            (Severity::Medium, None)
        );
        assert_eq!(
            assessed(
                r#"{"id": "RUSTSEC-1", "affected": [{"package": {"ecosystem": "crates.io", "name": "a"},
                   "ecosystem_specific": {"severity": "high"}}]}"#
            ),
            (Severity::High, None)
        );
        assert_eq!(
            assessed(
                r#"{"id": "UBUNTU-1", "severity": [{"type": "Ubuntu", "score": "negligible"}]}"#
            ),
            (Severity::Low, None)
        );
        assert_eq!(
            assessed(&format!(r#"{{"id": "GHSA-1", "severity": {v4}}}"#)),
            (Severity::None, None)
        );
        assert_eq!(
            assessed(
                r#"{"id": "GHSA-1", "severity": [{"type": "CVSS_V3", "score": "not a vector"}],
                   "database_specific": {"severity": "LOW"}}"#
            ),
            (Severity::Low, None)
        );
    }
}
