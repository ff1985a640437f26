//! The integration tests of modelseal-formats, one binary (each test file is a module).

#![allow(clippy::unwrap_used, clippy::print_stderr)] // test helpers; the differential's summary

mod differential;
mod framing;
mod replay;
