//! Pickle opcodes, decoded exactly as CPython's unpicklers read them: the C one
//! (`Modules/_pickle.c`) by default, or the pure-Python one (`Lib/pickle.py`), from bytes or
//! from a file object ([`Dialect`], [`Source`], [`Reading`]). Every opcode of protocols 0–5 is
//! accepted whatever the declared protocol, text arguments end at `\n`, binary lengths are
//! little-endian, and every argument is parsed by the rules of the chosen unpickler —
//! `scripts/pickle-differential.py` checks that against CPython case by case.
//!
//! This is decoding only: [`Decoder`] turns bytes into typed [`Instruction`]s and never builds
//! a value or judges one. Running them (the stack, the memo, what gets imported and called) is
//! the scanner's symbolic unpickler. Written by hand: no Rust crate parses pickles without also
//! trying to build values (and `serde-pickle` refuses the opcodes attackers use).

pub mod code;
mod decoder;
mod dialect;
mod input;
mod number;
mod op;
mod reading;
mod text;

pub use code::is_opcode;
pub use decoder::Decoder;
pub use dialect::{Dialect, Source};
pub use op::{Instruction, Int, Op};
pub use reading::{AgreementCheck, Reading, divergent_readings, divergent_readings_after};

/// The highest pickle protocol CPython writes and reads (5, Python 3.8+).
pub const HIGHEST_PROTOCOL: u8 = 5;

/// Whether `data` starts with a PROTO opcode naming a protocol CPython knows, as every pickle
/// of protocol 2 and later does: the only signature a pickle has.
pub fn starts_with_proto(data: &[u8]) -> bool {
    data.first() == Some(&code::PROTO) && data.get(1).is_some_and(|p| *p <= HIGHEST_PROTOCOL)
}

/// Whether `head` could be a pickle of protocol 0 or 1, which has no PROTO opcode: its first
/// instruction decodes. Plain text often passes this too (most ASCII letters are opcodes), so
/// it is a necessary condition only; the scanner confirms by running the pickle.
pub fn may_be_unframed(head: &[u8]) -> bool {
    Decoder::new(head, 0)
        .next()
        .is_some_and(|first| first.is_ok())
}
