//! Model file formats, parsed once: what a file is ([`sniff`]) and what its header says.
//!
//! Every parser reads through one bounded [`Reader`] and fails with one [`FormatError`] (kinds,
//! not strings), so a hostile length can never read past its input or allocate before it is
//! checked. Headers come out as checked types ([`zip::CentralDirectory`], [`gguf::Header`],
//! [`safetensors::Header`], [`npy::Header`]) and pickles as typed opcodes ([`pickle::Decoder`]):
//! the scanner judges them (its symbolic unpickler runs the opcodes), the SBOM describes them,
//! and neither parses bytes itself. This crate sits below modelseal-scan and modelseal-sbom and
//! depends on no other modelseal crate.

#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
mod error;
pub mod gguf;
pub mod npy;
pub mod pickle;
mod reader;
pub mod safetensors;
pub mod sniff;
pub mod zip;

pub use error::FormatError;
pub use reader::Reader;
