//! Collectors for bills of materials: what is installed or locked (Python environments and
//! lockfiles, Cargo, npm, model files with their model cards) read into the component graph
//! of `modelseal-bom`, which also writes, reads, validates and diffs the documents.
//!
//! Depends on `modelseal-bom` for the graph and licence expressions, on `modelseal-fs` for
//! every bounded read of a manifest or lockfile, and on `modelseal-digest` to hash model
//! files. Vulnerability matching lives in `modelseal-osv`.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
pub mod collect;
pub mod model;
pub mod npm;
pub mod python;
pub mod rust;
pub mod source;
