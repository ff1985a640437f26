//! Offline vulnerability matching: components of a `modelseal-bom` graph against OSV records
//! (<https://ossf.github.io/osv-schema/>) laid out as `osv-scanner` keeps them offline, one
//! `all.zip` per ecosystem and/or loose `*.json` records. Versions are ordered as their
//! ecosystem orders them (PEP 440 for PyPI, semver for crates.io and npm) and tested against
//! `affected[].versions` and `ranges` as the schema's evaluation pseudocode says.
//! Depends on `modelseal-bom` (the components it matches), `modelseal-fs` (bounded reads of
//! records and zips) and `modelseal-report` (the shared [`modelseal_report::Severity`]).
//! [`Severity`] stays its own scale because OSV needs `None` ("no rating known", or CVSS 0.0),
//! which is part of the JSON report and of `--fail-on none`; [`Severity::to_report`] maps it
//! (`None` to `info`) where findings meet the rest of modelseal.
//!
//! ```no_run
//! # fn main() -> Result<(), modelseal_osv::OsvError> {
//! use modelseal_bom::bom::Component;
//! use modelseal_osv::{Database, Severity};
//!
//! let database = Database::open(std::path::Path::new("osv"))?;
//! let pillow = Component::package("pkg:pypi/pillow@10.2.0", "pillow", "10.2.0");
//! let report = database.report(&[&pillow]);
//! if report.has_finding_at_or_above(Severity::High) {
//!     std::process::exit(2);
//! }
//! # Ok(())
//! # }
//! ```

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
mod audit;
mod cvss;
mod database;
mod ecosystem;
mod range;
mod record;
mod severity;
mod version;

pub use audit::{Finding, Report};
pub use database::{Database, Limits, Location, OsvError};
pub use ecosystem::Ecosystem;
pub use severity::{ParseSeverityError, Severity};
