//! SARIF 2.1.0 rendering of scan reports (for GitHub code scanning and similar dashboards),
//! built on the typed model of `modelseal_report::sarif`.

use modelseal_report::sarif::{
    Level, Location, Log, Message, Region, ResultProperties, SarifResult,
};
use modelseal_report::{RuleId, Source};
use modelseal_scan::ScanReport;
use serde_json::{Value, json};

pub use modelseal_report::sarif::uri;

pub fn render(report: &ScanReport) -> Value {
    render_with(report, &[], Vec::new())
}

/// The rules a scan report can carry: every scan rule, and FILE-UNREADABLE for files that
/// could not be scanned.
fn scan_rules() -> impl Iterator<Item = RuleId> {
    RuleId::ALL
        .iter()
        .copied()
        .filter(|r| r.source() == Source::Scan)
        .chain([RuleId::FileUnreadable])
}

/// The typed log of a scan report: its rule table and one result per finding and per file
/// that could not be scanned.
pub fn log(report: &ScanReport) -> Log {
    let mut log = Log::new(env!("CARGO_PKG_VERSION"), scan_rules());
    for file in &report.files {
        for f in &file.findings {
            let region = match f.location.offset {
                Some(offset) => Region {
                    byte_offset: offset,
                    byte_length: 1,
                },
                // A finding about the whole file (or a whole archive member).
                None => Region {
                    byte_offset: 0,
                    byte_length: file.bytes,
                },
            };
            let text = match &f.location.member {
                Some(member) => format!("{member}: {}", f.message),
                None => f.message.clone(),
            };
            log.push(SarifResult {
                rule_id: f.rule_id,
                level: Level::of(f.severity),
                message: Message { text },
                locations: vec![Location::file(
                    &f.file,
                    Some(region),
                    f.location.member.as_deref(),
                )],
                properties: Some(ResultProperties {
                    severity: f.severity,
                    evidence: f.evidence.clone(),
                }),
            });
        }
    }
    for file in report.errors() {
        log.push(SarifResult {
            rule_id: RuleId::FileUnreadable,
            level: Level::Error,
            message: Message {
                text: format!(
                    "the file could not be scanned: {}",
                    file.error.as_deref().unwrap_or_default()
                ),
            },
            locations: vec![Location::file(&file.path, None, None)],
            properties: None,
        });
    }
    log
}

/// A scan report plus results of other rules (`(id, level, description)`), as the gate adds
/// for integrity failures.
pub fn render_with(
    report: &ScanReport,
    extra_rules: &[(&str, &str, &str)],
    extra_results: Vec<Value>,
) -> Value {
    let mut value = serde_json::to_value(log(report)).unwrap_or(Value::Null);
    let run = &mut value["runs"][0];
    if let Some(rules) = run["tool"]["driver"]["rules"].as_array_mut() {
        rules.extend(extra_rules.iter().map(|(id, level, text)| {
            json!({
                "id": id,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": level },
            })
        }));
    }
    if let Some(results) = run["results"].as_array_mut() {
        results.extend(extra_results);
    }
    value
}
