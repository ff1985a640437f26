//! The pickle opcode decoder: every instruction of arbitrary bytes, from any start, without
//! panicking or reading past the input; offsets only move forward.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_formats::pickle::{Decoder, may_be_unframed, starts_with_proto};

fuzz_target!(|input: (u8, &[u8])| {
    let (start, data) = input;
    let _ = (starts_with_proto(data), may_be_unframed(data));
    let mut decoder = Decoder::new(data, usize::from(start));
    let mut last = usize::from(start);
    while let Some(decoded) = decoder.next() {
        let offset = decoder.offset();
        assert!(offset > last && offset <= data.len(), "the decoder must advance within the input");
        last = offset;
        match decoded {
            Ok(instruction) => {
                let _ = instruction.op.code();
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
});
