//! SARIF 2.1.0 for scans and checks: every scan finding, every unreadable file and every
//! integrity failure is a result whose rule is in the table.

use std::path::Path;

use modelseal_report::sarif::{
    Level, Location, Log, Message, Region, ResultProperties, SarifResult,
};
use modelseal_report::{RuleId, Severity, Source};
use modelseal_scan::ScanReport;

use crate::{CheckReport, Integrity};

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
    push_scan(&mut log, report);
    log
}

/// The SARIF log of a check: the scans of every model plus its integrity failures.
pub fn check_log(report: &CheckReport) -> Log {
    let mut log = Log::new(env!("CARGO_PKG_VERSION"), RuleId::ALL.iter().copied());
    for checked in &report.models {
        push_scan(&mut log, &checked.result.scan);
    }
    for checked in &report.models {
        push_integrity(&mut log, &checked.result, report.strict);
    }
    log
}

fn push_scan(log: &mut Log, report: &ScanReport) {
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
                rule_id: rule_of(f),
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

fn push_integrity(log: &mut Log, result: &crate::ModelResult, strict: bool) {
    let model = &result.model;
    let mut push = |rule_id: RuleId, level: Level, text: String, path: &Path| {
        // The whole file as the region (empty for a directory or a missing file).
        let length =
            modelseal_fs::metadata(path).map_or(0, |m| if m.is_file() { m.len() } else { 0 });
        let region = Region {
            byte_offset: 0,
            byte_length: length,
        };
        log.push(SarifResult {
            rule_id,
            level,
            message: Message { text },
            locations: vec![Location::file(path, Some(region), None)],
            properties: None,
        });
    };
    match &result.integrity {
        Integrity::Changed {
            missing,
            extra,
            changed,
            ..
        } => {
            for (what, names) in [
                ("changed since signing", changed),
                ("missing", missing),
                ("not covered by the signature", extra),
            ] {
                for name in names {
                    let path = if name == "." {
                        model.clone()
                    } else {
                        model.join(name)
                    };
                    push(
                        RuleId::ModelChanged,
                        Level::Error,
                        format!("{name} is {what}"),
                        &path,
                    );
                }
            }
        }
        Integrity::Failed { message } => {
            let rule = if result.outcome == modelseal_report::Outcome::NotFound {
                RuleId::ModelNotFound
            } else {
                RuleId::ModelSignatureInvalid
            };
            let path = result.signature.clone().unwrap_or_else(|| model.clone());
            push(rule, Level::Error, message.clone(), &path);
        }
        Integrity::Unsigned => {
            let level = if strict {
                Level::Error
            } else {
                Level::of(Severity::Medium)
            };
            push(
                RuleId::ModelUnsigned,
                level,
                "the model has no signature".to_owned(),
                model,
            );
        }
        Integrity::Verified { .. } => {}
    }
}

// Merge shim until the scanner reports `RuleId` itself (branch wt-rules).
fn rule_of(f: &modelseal_scan::Finding) -> RuleId {
    RuleId::parse(f.rule_id).unwrap_or(RuleId::FileUnreadable)
}
