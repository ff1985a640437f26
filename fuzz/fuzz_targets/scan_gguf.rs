//! GGUF header and metadata parsing, including chat templates found in it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Context, Limits, Policy, formats::gguf};

fuzz_target!(|input: (u32, &[u8])| {
    let (extra, data) = input;
    let policy = Policy::builtin();
    let limits = Limits::default();
    let mut ctx = Context::new(Path::new("fuzz"), &policy, &limits);
    gguf::scan(data, data.len() as u64 + u64::from(extra), &mut ctx);
});
