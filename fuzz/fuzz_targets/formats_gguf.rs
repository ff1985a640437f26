//! The GGUF header (v1-v3), metadata and tensor infos; what an SBOM would state from them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_formats::gguf::Header;

fuzz_target!(|input: (u32, &[u8])| {
    let (extra, data) = input;
    let (header, _) = Header::parse_prefix(data, data.len() as u64 + u64::from(extra));
    let _ = (header.architecture(), header.file_type(), header.parameter_count());
    for entry in &header.metadata {
        let _ = entry.value.to_text();
    }
});
