//! The HDF5 root-attribute reader and the Keras config checks behind it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Context, Limits, Policy, formats::keras};

fuzz_target!(|data: &[u8]| {
    let policy = Policy::builtin();
    let limits = Limits::default();
    let mut ctx = Context::new(Path::new("fuzz"), &policy, &limits);
    keras::scan_h5(std::io::Cursor::new(data), data.len() as u64, &mut ctx);
});
