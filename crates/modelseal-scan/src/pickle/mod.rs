//! Pickle: symbolic execution of the opcodes [`modelseal_formats::pickle`] decodes, and the
//! Python 2 name mapping the loader applies on the way.

mod analysis;
pub mod compat;
mod dtype;
mod joblib;
mod run;
mod value;
pub mod vm;

pub use analysis::{
    Analysis, DynamicImport, Event, GlobalOpcode, GlobalUse, MEMORY_BUDGET, Stream,
};
pub use run::{analyze, analyze_with_budget};
