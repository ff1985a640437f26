//! The integration tests of modelseal-store, one binary (each test file is a module).

#![allow(clippy::disallowed_methods)] // tests build fixtures with std::fs
mod audit;
mod audit_append;
mod quarantine;
mod quarantine_hostile;
