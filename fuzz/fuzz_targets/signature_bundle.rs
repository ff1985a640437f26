//! A whole signature file checked against a fixed key: JSON, base64, PAE, signature check and
//! statement parsing on hostile input.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use modelseal_sign::bundle::Bundle;
use modelseal_sign::{KeyAlgorithm, SigningKey, TrustRoot, verify_bundle};

fn trust() -> &'static TrustRoot {
    static TRUST: OnceLock<TrustRoot> = OnceLock::new();
    TRUST.get_or_init(|| {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).expect("key generation");
        TrustRoot::PublicKey(key.public_key().clone())
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = serde_json::from_slice::<Bundle>(data) {
        let _ = verify_bundle(&bundle, trust(), Path::new("fuzz.sig"));
        let _ = verify_bundle(&bundle, &TrustRoot::any_certificate_under(vec![data.to_vec()]), Path::new("fuzz.sig"));
    }
});
