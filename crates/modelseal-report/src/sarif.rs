//! SARIF 2.1.0 (OASIS), the subset modelseal writes, as types: GitHub code scanning and other
//! dashboards read it. The rule table is built from [`RuleId`], so every result's rule is
//! described.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::{RuleId, Severity};

/// A SARIF log with one run of modelseal.
#[derive(Debug, Clone, Serialize)]
pub struct Log {
    /// The URL of the SARIF 2.1.0 JSON schema, which lets consumers validate the log.
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// The SARIF version, `2.1.0`.
    pub version: &'static str,
    /// The runs; modelseal always writes exactly one.
    pub runs: Vec<Run>,
}

/// One invocation of modelseal and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// The tool that produced the results.
    pub tool: Tool,
    /// The findings, in the order they were found.
    pub results: Vec<SarifResult>,
    /// How the run went, when it did not complete (see [`Log::failed`]); absent from a run
    /// that completed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invocations: Vec<Invocation>,
}

/// One run of the tool and whether it completed (`invocation`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// `false` when the tool could not do what it was asked (an input missing): the log then
    /// holds no results, and `tool_execution_notifications` says why.
    pub execution_successful: bool,
    /// What went wrong while the tool ran.
    pub tool_execution_notifications: Vec<Notification>,
}

/// A message about the tool's run rather than about the code (`notification`).
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    /// Always [`Level::Error`] for a failure that stopped the run.
    pub level: Level,
    /// What went wrong, in words.
    pub message: Message,
    /// The failure's kind, by its stable name (`not_found`, `malformed`, ...).
    pub descriptor: DescriptorReference,
    /// The file the failure concerns, when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
}

/// Names a descriptor by id (`reportingDescriptorReference`).
#[derive(Debug, Clone, Serialize)]
pub struct DescriptorReference {
    /// The descriptor's id.
    pub id: String,
}

/// The tool that produced a run.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// The tool's main component (modelseal itself).
    pub driver: Driver,
}

/// The tool's main component, with the rule table its results refer to.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    /// The tool's name, `modelseal`.
    pub name: &'static str,
    /// The modelseal version that ran.
    pub version: String,
    /// Where to read about the tool.
    pub information_uri: &'static str,
    /// Every rule a result may name, so dashboards can show each rule's description.
    pub rules: Vec<Rule>,
}

/// A rule of the table (`reportingDescriptor`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// The rule's id, as results name it.
    pub id: RuleId,
    /// One line saying what the rule detects.
    pub short_description: Message,
    /// The level a result of this rule has unless it says otherwise.
    pub default_configuration: Configuration,
    /// modelseal's own severity for the rule, which SARIF levels cannot express.
    pub properties: SeverityProperty,
}

/// A rule's default configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Configuration {
    /// The level of the rule's results.
    pub level: Level,
}

/// Carries modelseal's five-step severity next to SARIF's three levels.
#[derive(Debug, Clone, Serialize)]
pub struct SeverityProperty {
    /// The modelseal severity.
    pub severity: Severity,
}

/// A plain-text SARIF message.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// The message text.
    pub text: String,
}

/// SARIF's levels; modelseal's severities map onto them by [`Level::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A high or critical finding.
    Error,
    /// A medium finding.
    Warning,
    /// A low or informational finding.
    Note,
}

impl Level {
    /// The SARIF level of a modelseal severity: high and critical are errors, medium a warning, the rest notes.
    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low | Severity::Info => Level::Note,
        }
    }
}

/// One result (`result`; named so as not to shadow `Result`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    /// The rule the result reports.
    pub rule_id: RuleId,
    /// The result's SARIF level.
    pub level: Level,
    /// What was found, in words.
    pub message: Message,
    /// Where it was found.
    pub locations: Vec<Location>,
    /// modelseal's severity and evidence, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<ResultProperties>,
}

/// modelseal's extra facts about a result.
#[derive(Debug, Clone, Serialize)]
pub struct ResultProperties {
    /// The finding's modelseal severity.
    pub severity: Severity,
    /// The bytes or text that triggered the finding, when there are any to show.
    pub evidence: Option<String>,
}

/// Where a result was found: a file (with a byte range) and, inside an archive, the member.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The file and byte range.
    pub physical_location: PhysicalLocation,
    /// The archive member the finding is in, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logical_locations: Vec<LogicalLocation>,
}

/// A file and, optionally, a byte range in it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    /// The file.
    pub artifact_location: ArtifactLocation,
    /// The bytes the finding concerns, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

/// A file named by URI.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactLocation {
    /// The file's path as a relative or `file:` URI (see [`uri`]).
    pub uri: String,
}

/// A byte range within a file.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// The offset of the first byte.
    pub byte_offset: u64,
    /// How many bytes.
    pub byte_length: u64,
}

/// A location that is not a file, here an archive member.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    /// The member's name inside the archive.
    pub fully_qualified_name: String,
    /// What kind of location it is (`member`).
    pub kind: &'static str,
}

impl Log {
    /// A log whose rule table lists `rules`, and no results yet.
    pub fn new(version: &str, rules: impl IntoIterator<Item = RuleId>) -> Log {
        let rules = rules
            .into_iter()
            .map(|id| Rule {
                id,
                short_description: Message {
                    text: id.summary().to_owned(),
                },
                default_configuration: Configuration {
                    level: Level::of(id.severity()),
                },
                properties: SeverityProperty {
                    severity: id.severity(),
                },
            })
            .collect();
        Log {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "modelseal",
                        version: version.to_owned(),
                        information_uri: "https://github.com/modelseal/modelseal",
                        rules,
                    },
                },
                results: Vec::new(),
                invocations: Vec::new(),
            }],
        }
    }

    /// A log for a run that failed before it could report anything: no rules and no results,
    /// one invocation with `executionSuccessful: false` and an error notification saying
    /// `message`, of kind `kind`, about `path`. A pipeline that redirects the log to a file
    /// gets a valid SARIF log that says the run failed, never an empty file.
    pub fn failed(version: &str, kind: &str, message: &str, path: Option<&Path>) -> Log {
        let mut log = Log::new(version, []);
        if let Some(run) = log.runs.first_mut() {
            run.invocations.push(Invocation {
                execution_successful: false,
                tool_execution_notifications: vec![Notification {
                    level: Level::Error,
                    message: Message {
                        text: message.to_owned(),
                    },
                    descriptor: DescriptorReference {
                        id: kind.to_owned(),
                    },
                    locations: path
                        .map(|path| Location::file(path, None, None))
                        .into_iter()
                        .collect(),
                }],
            });
        }
        log
    }

    /// Adds a result to the run.
    pub fn push(&mut self, result: SarifResult) {
        if let Some(run) = self.runs.first_mut() {
            run.results.push(result);
        }
    }
}

impl Location {
    /// A location in the file at `path`, optionally a byte region and an archive member.
    pub fn file(path: &Path, region: Option<Region>, member: Option<&str>) -> Location {
        Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: uri(path) },
                region,
            },
            logical_locations: member
                .map(|m| LogicalLocation {
                    fully_qualified_name: m.to_owned(),
                    kind: "member",
                })
                .into_iter()
                .collect(),
        }
    }
}

/// A URI for an artifact: relative paths stay relative (so code-scanning dashboards resolve
/// them against the checkout), absolute ones become `file://` URIs, percent-encoded.
pub fn uri(path: &Path) -> String {
    // URIs may not carry `.` or `..` segments: fold them lexically.
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    // The name's own bytes are percent-encoded: a byte that is not UTF-8 stays itself (`%FF`),
    // not U+FFFD, which would make two files one.
    let text = normal.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    if text.starts_with(b"/") {
        out.push_str("file://");
    }
    for &byte in text {
        let byte = if byte == b'\\' { b'/' } else { byte };
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_or_file_and_encoded() {
        assert_eq!(uri(Path::new("./m/../w b.bin")), "w%20b.bin");
        assert_eq!(uri(Path::new("/tmp/x#1")), "file:///tmp/x%231");
    }

    /// A name that is not UTF-8 keeps its own bytes in the URI (issue 11, item 6).
    #[cfg(unix)]
    #[test]
    fn uris_keep_bytes_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"m\xff/e\xfe.pkl"));
        assert_eq!(uri(path), "m%FF/e%FE.pkl");
    }

    #[test]
    fn a_failed_run_says_so_in_its_invocation() {
        let log = Log::failed("0.1.0", "not_found", "m not found", Some(Path::new("m")));
        let json = serde_json::to_value(&log).unwrap();
        let invocation = &json["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notification = &invocation["toolExecutionNotifications"][0];
        assert_eq!(notification["level"], "error");
        assert_eq!(notification["message"]["text"], "m not found");
        assert_eq!(notification["descriptor"]["id"], "not_found");
        assert_eq!(
            notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "m"
        );
        assert_eq!(json["runs"][0]["results"], serde_json::json!([]));
        // A run that completed carries no invocation, as before.
        let json = serde_json::to_value(Log::new("0.1.0", [])).unwrap();
        assert!(json["runs"][0].get("invocations").is_none());
    }

    #[test]
    fn the_rule_table_and_results_serialize_as_sarif() {
        let mut log = Log::new("0.1.0", [RuleId::ZipDuplicateName]);
        log.push(SarifResult {
            rule_id: RuleId::ZipDuplicateName,
            level: Level::Error,
            message: Message {
                text: "two data.pkl".to_owned(),
            },
            locations: vec![Location::file(Path::new("m.pt"), None, Some("data.pkl"))],
            properties: None,
        });
        let json = serde_json::to_value(&log).unwrap();
        let run = &json["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["id"],
            "ZIP-DUPLICATE-NAME"
        );
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"],
            "error"
        );
        assert_eq!(run["results"][0]["ruleId"], "ZIP-DUPLICATE-NAME");
        assert_eq!(
            run["results"][0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "data.pkl"
        );
    }
}
