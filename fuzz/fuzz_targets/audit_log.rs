//! Audit log verification (JSON lines, chain, checkpoint notes) and checkpoint note parsing:
//! a log is evidence an attacker may have edited.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_store::audit::{Checkpoint, verify_bytes};

fuzz_target!(|data: &[u8]| {
    let _ = verify_bytes(data, None, None);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::parse(text);
        let _ = verify_bytes(b"", None, Some(text));
    }
});
