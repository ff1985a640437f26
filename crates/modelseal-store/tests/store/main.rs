//! The integration tests of modelseal-store, one binary (each test file is a module).

mod audit;
mod audit_append;
mod quarantine;
mod quarantine_hostile;
