//! SARIF 2.1.0 rendering of scan reports (for GitHub code scanning and similar dashboards).

use std::fmt::Write as _;

use modelseal_scan::{ScanReport, Severity, rules::RULES};
use serde_json::{Value, json};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A URI for an artifact: relative paths stay relative (so code-scanning dashboards resolve
/// them against the checkout), absolute ones become `file://` URIs, percent-encoded.
pub fn uri(path: &std::path::Path) -> String {
    // URIs may not carry `.` or `..` segments: fold them lexically.
    let mut normal = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    let text = normal.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len() + 8);
    if text.starts_with('/') {
        out.push_str("file://");
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

pub fn render(report: &ScanReport) -> Value {
    render_with(report, &[], Vec::new())
}

/// A scan report plus results of other rules (`(id, level, description)`), as the gate adds
/// for integrity failures.
pub fn render_with(
    report: &ScanReport,
    extra_rules: &[(&str, &str, &str)],
    extra_results: Vec<Value>,
) -> Value {
    let mut rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "severity": r.severity.as_str() },
            })
        })
        .collect();
    rules.extend(extra_rules.iter().map(|(id, level, text)| {
        json!({
            "id": id,
            "shortDescription": { "text": text },
            "defaultConfiguration": { "level": level },
        })
    }));
    let mut results: Vec<Value> = report
        .files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file.bytes, f)))
        .map(|(file_bytes, f)| {
            let mut region = serde_json::Map::new();
            if let Some(offset) = f.location.offset {
                region.insert("byteOffset".to_owned(), json!(offset));
                region.insert("byteLength".to_owned(), json!(1));
            } else {
                // A finding about the whole file (or a whole archive member).
                region.insert("byteOffset".to_owned(), json!(0));
                region.insert("byteLength".to_owned(), json!(file_bytes));
            }
            let mut physical = json!({ "artifactLocation": { "uri": uri(&f.file) } });
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            let mut location = json!({ "physicalLocation": physical });
            if let Some(member) = &f.location.member {
                location["logicalLocations"] =
                    json!([{ "fullyQualifiedName": member, "kind": "member" }]);
            }
            let text = match &f.location.member {
                Some(member) => format!("{member}: {}", f.message),
                None => f.message.clone(),
            };
            json!({
                "ruleId": f.rule_id,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [location],
                "properties": { "severity": f.severity.as_str(), "evidence": f.evidence },
            })
        })
        .collect();
    for file in report.errors() {
        results.push(json!({
            "ruleId": "FILE-UNREADABLE",
            "level": "error",
            "message": { "text": format!("the file could not be scanned: {}", file.error.as_deref().unwrap_or_default()) },
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&file.path) } } }],
        }));
    }
    results.extend(extra_results);
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "modelseal",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/modelseal/modelseal",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
