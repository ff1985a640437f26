//! Private and public key files: PEM, PKCS#8 (plain and encrypted), SEC1, PKCS#1, SPKI.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_sign::{PublicKey, SigningKey};

fuzz_target!(|data: &[u8]| {
    let _ = SigningKey::from_bytes(data, None, Path::new("fuzz"));
    let _ = SigningKey::from_bytes(data, Some(b"passphrase"), Path::new("fuzz"));
    let _ = PublicKey::from_spki_der(data);
});
