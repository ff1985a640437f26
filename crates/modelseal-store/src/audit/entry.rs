//! One line of the audit log: an event, or a signed checkpoint of the entries before it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What a command reports to the log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `check`, `sign`, `verify`, `scan`, `quarantine`, `release`, ...
    pub action: String,
    /// The model or file the decision is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The model's digest (`sha256:<hex>`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `pass`, `fail`, `threat`, `error`, ...
    pub result: String,
    /// Anything else worth keeping (exit code, finding counts, reasons).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

/// An event as written: numbered, timed, attributed and chained to the entry before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 0-based position in the log; gaps or repeats show removal or insertion.
    pub index: u64,
    /// RFC 3339, UTC.
    pub time: String,
    /// The user who acted.
    pub user: String,
    /// The host it happened on.
    pub host: String,
    /// The tool and version that wrote the entry.
    pub tool: String,
    /// `check`, `sign`, `verify`, `scan`, `quarantine`, `release`, ...
    pub action: String,
    /// The model or file the decision is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The model's digest (`sha256:<hex>`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `pass`, `fail`, `threat`, `error`, ...
    pub result: String,
    /// Anything else worth keeping (exit code, finding counts, reasons).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
    /// Hex leaf hash of the previous entry (empty for the first): an edit, removal or
    /// reordering breaks this chain at the entry that follows it, which locates the change.
    pub prev: String,
}

/// A line holding a signed checkpoint note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckpointLine {
    pub checkpoint: String,
}

/// A parsed line.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// An event.
    Entry(Box<Entry>),
    /// A signed checkpoint note over the entries before it.
    Checkpoint(String),
}

impl Line {
    /// Parses one line: a checkpoint if it has a `checkpoint` key, an entry otherwise.
    pub fn parse(bytes: &[u8]) -> Result<Line, serde_json::Error> {
        let value: Value = serde_json::from_slice(bytes)?;
        if value.get("checkpoint").is_some() {
            let line: CheckpointLine = serde_json::from_value(value)?;
            Ok(Line::Checkpoint(line.checkpoint))
        } else {
            Ok(Line::Entry(Box::new(serde_json::from_value(value)?)))
        }
    }
}

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ entry), over the line's exact bytes (no newline).
pub fn leaf_hash(line: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(line);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_unknown_fields_are_refused() {
        let entry = Entry {
            index: 0,
            time: "2026-11-23T00:00:00Z".into(),
            user: "ci".into(),
            host: "runner".into(),
            tool: "modelseal 0.1.0".into(),
            action: "check".into(),
            subject: Some("models/a".into()),
            digest: None,
            result: "pass".into(),
            detail: Value::Null,
            prev: String::new(),
        };
        let json = serde_json::to_vec(&entry).unwrap();
        assert_eq!(Line::parse(&json).unwrap(), Line::Entry(Box::new(entry)));
        assert!(Line::parse(br#"{"index": 0, "extra": 1}"#).is_err());
        assert!(Line::parse(br#"{"checkpoint": "x", "extra": 1}"#).is_err());
    }

    #[test]
    fn leaf_hash_is_rfc6962() {
        // RFC 6962 empty-leaf hash: SHA-256(0x00).
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
