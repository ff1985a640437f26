//! SBOM documents from anywhere (`sbom validate`, `diff`, `audit` read them): the validator's
//! format detection and both of its built-in layers, and the reader into the component graph.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_bom::read::read_document;
use modelseal_bom::validate::{Options, validate};

fuzz_target!(|data: &[u8]| {
    let _ = validate(data, &Options::default());
    let _ = read_document(data);
});
