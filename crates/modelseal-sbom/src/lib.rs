//! Software bills of materials for ML projects: collectors that read what is installed or
//! locked (Python environments first) into one component graph, and writers for CycloneDX.
//!
//! Work in progress (issue 5): the Python environment collector and the CycloneDX 1.5/1.6 JSON
//! writer are here; lockfiles, Rust and npm, models, SPDX, validation, diff and vulnerability
//! matching are still to come.

pub mod bom;
pub mod cyclonedx;
pub mod license;
pub mod python;
