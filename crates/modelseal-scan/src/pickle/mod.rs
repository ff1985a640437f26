//! Pickle: opcode decoding and symbolic execution.

pub mod compat;
pub mod vm;

pub use vm::{Analysis, Event, GlobalOpcode, GlobalUse, Stream, analyze};
