//! Static scanners for model files: find code execution and tampering without loading them.

pub mod pickle;

mod finding;
pub mod policy;

pub use finding::{Finding, Location, Severity};
pub use policy::{Policy, Verdict};
