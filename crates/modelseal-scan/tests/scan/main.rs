//! The integration tests of modelseal-scan, one binary (each test file is a module).

mod corpus;
mod formats;
mod paths;
