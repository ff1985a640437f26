//! Zip reading as PyTorch checkpoints, `.npz` and `.keras` archives are read: the central
//! directory walk, local header checks and member scans.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Context, Limits, Policy, formats::zip};

fuzz_target!(|data: &[u8]| {
    let policy = Policy::builtin();
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_depth: 4,
        max_raw_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
    };
    let mut ctx = Context::new(Path::new("fuzz"), &policy, &limits);
    zip::scan(std::io::Cursor::new(data), data.len() as u64, &mut ctx);
});
