//! The integration tests of modelseal-sign, one binary (each test file is a module).

mod certificates;
mod layers;
mod read_verified;
mod reference_signatures;
