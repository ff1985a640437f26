//! The symbolic unpickler on arbitrary bytes: never a panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let analysis = modelseal_scan::pickle::analyze(data);
    for stream in &analysis.streams {
        assert!(stream.end <= data.len());
    }
});
