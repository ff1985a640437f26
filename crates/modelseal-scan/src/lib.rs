//! Static scanners for model files: find code execution and tampering without loading them.
//!
//! Formats are detected by content ([`sniff`]), containers are opened and their members scanned
//! with their member path reported, and pickles (raw, PyTorch, joblib, NumPy object arrays) are
//! run through a symbolic unpickler ([`pickle`]) whose every import is judged by an
//! allowlist-first [`Policy`]. Paths are walked through symbolic links, as a loader follows
//! them, each file scanned once. Reports are data ([`ScanReport`]); the CLI renders them.

#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
pub mod budget;
mod context;
mod finding;
pub mod formats;
mod listed;
pub mod pickle;
pub mod policy;
pub mod sarif;
mod scan;
pub mod sniff;

pub use context::{Context, Limits};
pub use finding::{Finding, Location};
pub use listed::{HashedFile, ListedFile, scan_listed};
// The scanner's severities and rule ids are the shared report vocabulary.
pub use modelseal_report::{RuleId, Severity};
pub use policy::{Policy, PolicyError, PolicyFile, Verdict};
pub use scan::{FileReport, ScanError, ScanOptions, ScanReport, scan_file, scan_paths};
