//! What modelseal decides, as data: the vocabulary every report shares.
//!
//! [`Severity`] ranks findings; [`Outcome`] is what every library decision returns (passed,
//! integrity failure, threat, not found, malformed), combined so the most serious wins; only
//! the binary turns an outcome into a process exit code, though the stable numbers live here
//! because JSON reports carry them. [`RuleId`] names every rule a report can carry (a typo
//! does not compile) and [`sarif`] is a typed SARIF 2.1.0 model whose rule table derives from
//! it. [`name`] is the one way a name from disk is shown (escaped in text, spelled out in
//! JSON, which [`json`] writes with hidden characters escaped). Reports are data first.
//! Bottom of the stack: no other modelseal crate below it (`modelseal-fs` uses [`name`] in
//! its error messages).

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
pub mod json;
pub mod name;
mod outcome;
pub mod path;
mod rule;
pub mod sarif;
mod severity;

pub use outcome::Outcome;
pub use rule::{RuleId, Source};
pub use severity::{Severity, UnknownSeverity};
