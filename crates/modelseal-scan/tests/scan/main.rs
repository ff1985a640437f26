//! The integration tests of modelseal-scan, one binary (each test file is a module).

#![allow(clippy::disallowed_methods)] // tests build fixtures with std::fs
mod containers;
mod corpus;
mod formats;
mod links;
mod paths;
mod pickle_vm;
