//! The integration tests of modelseal-formats, one binary (each test file is a module).

mod differential;
mod framing;
mod replay;
