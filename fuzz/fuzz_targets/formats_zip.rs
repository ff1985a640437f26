//! The zip central directory (zip64 end records and extra fields, prefixes, duplicates) and
//! every member read through its own local header, bounded.
#![no_main]

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;
use modelseal_formats::zip;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let Ok(directory) = zip::read_central_directory(&mut cursor, data.len() as u64, 1 << 20) else {
        return;
    };
    for member in &directory.members {
        let Ok(local) = zip::read_local_header(&mut cursor, member) else {
            continue;
        };
        if let Ok(body) = zip::open_member(&mut cursor, member, &local) {
            let _ = body.take(1 << 20).read_to_end(&mut Vec::new());
        }
    }
});
