//! safetensors header validation (the file length is fuzzed too: the header is checked against
//! the size of the file it claims to describe).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Context, Limits, Policy, formats::safetensors};

fuzz_target!(|input: (u32, &[u8])| {
    let (extra, data) = input;
    let policy = Policy::builtin();
    let limits = Limits::default();
    let mut ctx = Context::new(Path::new("fuzz"), &policy, &limits);
    safetensors::scan(data, data.len() as u64 + u64::from(extra), &mut ctx);
});
