//! Findings: what a scan reports, as data (rendered as text, JSON or SARIF by the CLI).

use std::path::PathBuf;

use modelseal_report::{RuleId, Severity};
use serde::Serialize;

/// Where in a file a finding is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Path of the member inside an archive (zip member, tar entry), `/`-joined when nested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Byte offset inside the file or member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

/// One thing a scan found: which rule, how serious, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Serializes as the id string (`PICKLE-DANGEROUS-GLOBAL`).
    pub rule_id: RuleId,
    /// How serious it is here; one rule can report at several severities (a global that is
    /// called is worse than one only referenced).
    pub severity: Severity,
    /// The file on disk (for a member of an archive, the archive).
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub file: PathBuf,
    /// Where in the file.
    pub location: Location,
    /// What was found and why it matters, for a person.
    pub message: String,
    /// The exact thing found (a qualified name, a header field), for triage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}
