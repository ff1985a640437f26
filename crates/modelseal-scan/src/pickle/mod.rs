//! Pickle: symbolic execution of the opcodes [`modelseal_formats::pickle`] decodes, and the
//! Python 2 name mapping the loader applies on the way.

pub mod compat;
pub mod vm;

pub use vm::{Analysis, Event, GlobalOpcode, GlobalUse, Stream, analyze};
