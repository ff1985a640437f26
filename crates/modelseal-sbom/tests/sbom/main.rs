//! modelseal-sbom's integration tests, one binary: the lockfile and environment collectors,
//! the model collector, parity with cyclonedx-py, and the writers on collected input. Tests
//! that need a peer (the `.venv`, the official schemas) skip through `modelseal_test`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::disallowed_methods // fixtures are written and read with std::fs
)]

mod common;
mod cross_format;
mod licences;
mod lockfiles;
mod model;
mod parity;
mod python_env;
mod writers;
