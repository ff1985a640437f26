//! The integration tests of modelseal-sign, one binary (each test file is a module).

#![allow(clippy::disallowed_methods)] // tests build fixtures with std::fs
mod certificate_identity;
mod certificates;
mod certificates_strict;
mod hostile_models;
mod layers;
mod oms_claim;
mod read_verified;
mod reference_signatures;
