//! The NumPy `.npy` header: magic, version, the dict literal's fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_formats::npy::Header;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = Header::parse(data) {
        let _ = header.is_object();
    }
});
