//! X.509 parsing and chain validation: the leaf and the anchors are both attacker-chosen.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_sign::verify_with_chain;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (leaf, rest) = data.split_at(split);
    let _ = verify_with_chain(&[leaf.to_vec(), rest.to_vec()], &[rest.to_vec()], b"message", leaf);
});
