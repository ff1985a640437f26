//! The payload of a signature: any bytes → a manifest or a clear error, never a panic; and
//! every accepted resource name is confined to the model root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_sign::oms::manifest_from_statement;
use modelseal_sign::statement::Statement;

fuzz_target!(|data: &[u8]| {
    if let Ok(manifest) = Statement::parse(data).and_then(manifest_from_statement) {
        for resource in &manifest.resources {
            let path = &resource.name.path;
            assert!(!path.starts_with('/'), "{path}");
            assert!(!path.split('/').any(|c| c == ".."), "{path}");
        }
    }
});
