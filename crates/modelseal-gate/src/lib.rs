//! The deployment gate, porcelain over the whole stack: `check` = verify + scan + policy.
//!
//! [`discover`] finds the models under the paths given, [`check`] decides one model
//! ([`ModelResult`]), [`check_all`] runs the gate as a pipeline or a model server calls it —
//! deciding every model, quarantining the failures and recording each decision in the audit
//! log — and returns a typed [`CheckReport`] that the CLI renders as text, JSON or
//! [`sarif`]. [`release`] lets a quarantined model go only once it re-verifies and re-scans
//! clean. Only the binary turns the report's [`modelseal_report::Outcome`] into an exit code.
//! Depends on sign and scan (analyse, trust) and on store (quarantine, audit log) below it.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
mod discover;
mod error;
mod model;
mod release;
mod report;
mod run;
pub mod sarif;

pub use discover::{Candidate, dedup, discover};
pub use error::GateError;
pub use model::{GateOptions, Integrity, MAX_LISTED_NAMES, ModelResult, check};
pub use release::{Release, release};
pub use report::{CheckReport, CheckedModel, Summary, verdict};
pub use run::{Actions, Progress, check_all};
