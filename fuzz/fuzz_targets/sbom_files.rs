//! The SBOM collectors' file parsers, which take paths: the first byte picks the parser, the
//! rest is written to a file with the name that parser expects (lockfiles, `METADATA`, model
//! headers, an OSV record). Slower per run than an in-memory target, but it drives the real
//! entry points, bounds and error paths.
#![no_main]
#![allow(clippy::disallowed_methods)] // the harness writes its inputs with std::fs

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use modelseal_sbom::collect::Diagnostics;

const NAMES: &[&str] = &[
    "requirements.txt",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pylock.toml",
    "Cargo.lock",
    "package-lock.json",
    "model.gguf",
    "model.safetensors",
    "METADATA",
    "record.json",
    // A model named for no format: its content decides (GGUF and safetensors are sniffed).
    "model.bin",
];

fn scratch() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir")).path()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let dir = scratch();
    let path = dir.join(name);
    let Ok(()) = std::fs::write(&path, body) else {
        return;
    };
    for best_effort in [false, true] {
        let mut diagnostics = if best_effort {
            Diagnostics::best_effort()
        } else {
            Diagnostics::strict()
        };
        let _ = match name {
            "requirements.txt" => modelseal_sbom::python::collect_requirements(&path, &mut diagnostics),
            "poetry.lock" => modelseal_sbom::python::collect_poetry_lock(&path, &mut diagnostics),
            "uv.lock" => modelseal_sbom::python::collect_uv_lock(&path, &mut diagnostics),
            "Pipfile.lock" => modelseal_sbom::python::collect_pipfile_lock(&path, &mut diagnostics),
            "pylock.toml" => modelseal_sbom::python::collect_pylock(&path, &mut diagnostics),
            "Cargo.lock" => modelseal_sbom::rust::collect_cargo_lock(&path, &mut diagnostics),
            "package-lock.json" => modelseal_sbom::npm::collect_package_lock(&path, &mut diagnostics),
            "model.gguf" | "model.safetensors" | "model.bin" => modelseal_sbom::model::collect_model(&path, &mut diagnostics),
            "METADATA" => {
                let text = String::from_utf8_lossy(body);
                let _ = modelseal_sbom::python::parse_metadata(&text, &path);
                break;
            }
            _ => {
                let osv = dir.join("osv/PyPI");
                let _ = std::fs::create_dir_all(&osv);
                let _ = std::fs::write(osv.join("record.json"), body);
                let _ = modelseal_osv::Database::open(&dir.join("osv"));
                break;
            }
        };
    }
    let _ = std::fs::remove_file(&path);
});
