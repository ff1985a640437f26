//! Bills of materials as data: the component graph ([`bom`]), its CycloneDX 1.5/1.6 JSON and
//! XML and SPDX 2.3 JSON writers, reading documents back ([`read`]), the one document sniffer
//! that decides which format a file is ([`sniff`]), [`diff`] and [`validate`].
//!
//! The collectors (`modelseal-sbom`) produce the graph and the vulnerability matcher
//! (`modelseal-osv`) consumes it; this crate knows neither. Above `modelseal-fs` only, for the
//! bounded reads of documents ([`read::read_document_bytes`]). The official JSON schemas
//! (`jsonschema`, 36 crates) are behind the `schema` feature, off by default.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
pub mod bom;
pub mod cyclonedx;
pub mod cyclonedx_xml;
pub mod diff;
pub mod iri;
pub mod license;
pub mod pypi;
pub mod read;
pub mod sniff;
pub mod spdx_json;
pub mod validate;
