//! SARIF 2.1.0 of a check: the scans of every model (`modelseal_scan::sarif`) plus every
//! integrity failure, each a result whose rule is in the table.

use std::path::Path;

use modelseal_report::sarif::{Level, Location, Log, Message, Region, SarifResult};
use modelseal_report::{RuleId, Severity};

use crate::{CheckReport, Integrity};

/// The SARIF log of a check: the scans of every model plus its integrity failures.
pub fn check_log(report: &CheckReport) -> Log {
    let mut log = Log::new(env!("CARGO_PKG_VERSION"), RuleId::ALL.iter().copied());
    for checked in &report.models {
        modelseal_scan::sarif::push_results(&mut log, &checked.result.scan);
    }
    for checked in &report.models {
        push_integrity(&mut log, &checked.result, report.strict);
    }
    log
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
