//! Software bills of materials for ML projects: collectors that read what is installed or
//! locked (Python environments and lockfiles, Cargo, npm, model files) into one component
//! graph; CycloneDX 1.5/1.6 (JSON, XML) and SPDX 2.3 writers; validation; diff; and matching
//! against offline OSV vulnerability data.

pub mod bom;
pub mod collect;
pub mod cyclonedx;
pub mod cyclonedx_xml;
pub mod diff;
pub mod license;
pub mod model;
pub mod npm;
pub mod osv;
pub mod python;
pub mod read;
pub mod rust;
pub mod source;
pub mod spdx_json;
pub mod validate;
