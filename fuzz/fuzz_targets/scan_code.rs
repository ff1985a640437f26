//! The readers of code outside pickles: the Jinja lexer and chat-template checks, TorchScript
//! source, Hydra YAML configs (aliases bounded) and transformers `auto_map` JSON. The first
//! byte picks the reader.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{
    Context, Limits, Policy,
    formats::{config, template, torchscript},
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let policy = Policy::builtin();
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_depth: 4,
        max_raw_bytes: 1 << 20,
        max_total_bytes: 16 << 20,
    };
    let mut ctx = Context::new(Path::new("fuzz.yaml"), &policy, &limits);
    let text = String::from_utf8_lossy(rest);
    match which % 4 {
        0 => template::check(&text, "fuzz", None, &mut ctx),
        1 => torchscript::check_source(&text, &mut ctx),
        2 => config::check_yaml(rest, &mut ctx),
        _ => {
            if let Ok(document) = serde_json::from_slice(rest) {
                config::check_json(&document, &mut ctx);
            }
        }
    }
});
