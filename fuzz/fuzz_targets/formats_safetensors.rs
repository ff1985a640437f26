//! The safetensors header checks, and the facts stated only when they pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_formats::safetensors::Header;

fuzz_target!(|input: (u32, &[u8])| {
    let (extra, data) = input;
    if let Ok(header) = Header::parse(data, data.len() as u64 + u64::from(extra)) {
        let _ = header.facts();
        for problem in &header.problems {
            let _ = problem.to_string();
        }
    }
});
