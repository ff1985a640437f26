//! The integration tests of modelseal-store, one binary (each test file is a module).

#![allow(clippy::disallowed_methods)] // tests build fixtures with std::fs

use modelseal_store::audit::Actor;

/// The actor every test's audit entries and incidents name.
fn actor() -> Actor {
    Actor {
        user: "ci".into(),
        host: "runner".into(),
        tool: "modelseal test".into(),
    }
}

mod audit;
mod audit_append;
mod audit_attacks;
mod quarantine;
mod quarantine_forged;
mod quarantine_hostile;
mod quarantine_layout;
mod quarantine_release;
