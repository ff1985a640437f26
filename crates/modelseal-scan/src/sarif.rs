//! SARIF 2.1.0 of a scan (GitHub code scanning and similar dashboards): every finding and
//! every unreadable file is a result whose rule is in the run's rule table.

use modelseal_report::sarif::{
    Level, Location, Log, Message, Region, ResultProperties, SarifResult,
};
use modelseal_report::{RuleId, Source};

use crate::ScanReport;

/// The SARIF log of a scan.
pub fn scan_log(report: &ScanReport) -> Log {
    let rules = RuleId::ALL
        .iter()
        .copied()
        .filter(|r| r.source() == Source::Scan);
    let mut log = Log::new(
        env!("CARGO_PKG_VERSION"),
        rules.chain([RuleId::FileUnreadable]),
    );
    push_results(&mut log, report);
    log
}

/// Adds every finding and unreadable file of `report` to `log` (the gate adds the scans of
/// every model it checked to one log).
pub fn push_results(log: &mut Log, report: &ScanReport) {
    for file in &report.files {
        for f in &file.findings {
            // A finding about the whole file (or a whole archive member) covers the file.
            let region = match f.location.offset {
                Some(offset) => Region {
                    byte_offset: offset,
                    byte_length: 1,
                },
                None => Region {
                    byte_offset: 0,
                    byte_length: file.bytes,
                },
            };
            let member = f.location.member.as_deref();
            let text = match member {
                Some(member) => format!("{member}: {}", f.message),
                None => f.message.clone(),
            };
            log.push(SarifResult {
                rule_id: f.rule_id,
                level: Level::of(f.severity),
                message: Message { text },
                locations: vec![Location::file(&f.file, Some(region), member)],
                properties: Some(ResultProperties {
                    severity: f.severity,
                    evidence: f.evidence.clone(),
                }),
            });
        }
    }
    for file in report.errors() {
        let error = file.error.as_deref().unwrap_or_default();
        log.push(SarifResult {
            rule_id: RuleId::FileUnreadable,
            level: Level::Error,
            message: Message {
                text: format!("the file could not be scanned: {error}"),
            },
            locations: vec![Location::file(&file.path, None, None)],
            properties: None,
        });
    }
}
