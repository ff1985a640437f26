//! Offline vulnerability matching: components of a bill of materials against OSV records
//! (<https://ossf.github.io/osv-schema/>) laid out as `osv-scanner` keeps them offline, one
//! `all.zip` per ecosystem and/or loose `*.json` records.
//!
//! Components are identified by their purl (`pkg:pypi`, `pkg:cargo`, `pkg:npm`); their versions
//! are ordered as their ecosystem orders them (PEP 440 for PyPI, semantic versioning for crates.io and npm)
//! and tested against each record's `affected[].versions` and `ranges` exactly as the schema's
//! evaluation pseudocode says.
//!
//! ```no_run
//! # fn main() -> Result<(), modelseal_sbom::osv::OsvError> {
//! use modelseal_sbom::bom::Component;
//! use modelseal_sbom::osv::{Database, Severity};
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
