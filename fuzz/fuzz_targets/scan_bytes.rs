//! Every format scanner through the content dispatcher: zip (central directory, local headers,
//! members), tar, compressed joblib streams, NumPy, safetensors, GGUF, JSON chat templates.
//! Limits are small so that decompression bombs are cut quickly.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Context, Limits, Policy, formats::scan_bytes};

fuzz_target!(|data: &[u8]| {
    let policy = Policy::builtin();
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_depth: 4,
        max_raw_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
    };
    let mut ctx = Context::new(Path::new("fuzz"), &policy, &limits);
    scan_bytes(data, &mut ctx);
});
