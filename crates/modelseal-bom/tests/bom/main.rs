//! modelseal-bom's integration tests, one binary: `validate` against the specifications'
//! own test documents, the official schemas and the peers' validators. Tests that need a peer
//! (the `.venv`, the official schemas) skip through `modelseal_test`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::disallowed_methods // fixtures are written and read with std::fs
)]

mod validate;
