//! The scanner against the corpus written by scripts/make-scan-corpus.py with the real
//! libraries: every malicious sample is found (high or critical), every benign one is clean
//! (nothing above medium), and — where the libraries are installed (scripts/setup-peers.sh;
//! required when `MODELSEAL_REQUIRE_PEERS` is set) — every malicious sample is proven to execute
//! its payload under the real loader and every benign one to load. The torch samples are proven
//! where the optional torch tier is installed (`scripts/setup-peers.sh --torch`); everywhere,
//! each sample must still be the bytes corpus.json pins, so none changes without a new proof.
//!
//! Besides the main manifest, every `tests/fixtures/scan-corpus/<part>/corpus.json` is a
//! sub-corpus written by its own script (`generated_by`), naming its files relative to its own
//! directory, the loader script that proves them (`load_script`, default
//! `scripts/load-sample.py`) and the Python modules that script needs (`libraries`).

#![allow(clippy::unwrap_used, clippy::print_stderr)] // test helpers; skip notes

use std::path::{Path, PathBuf};
use std::process::Command;

use modelseal_scan::{ScanOptions, Severity, scan_file};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/scan-corpus")
}

struct Sample {
    /// The sample's path relative to the corpus root.
    file: String,
    malicious: bool,
    family: String,
    loader: String,
    sha256: String,
    /// The script that loads it, relative to the workspace.
    load_script: String,
    /// The Python modules the load script imports.
    libraries: String,
}

impl Sample {
    /// Loaded by PyTorch, the optional peer tier.
    fn needs_torch(&self) -> bool {
        self.loader.starts_with("torch")
    }
}

/// Every manifest: the main one, then each sub-corpus in name order.
fn manifests() -> Vec<PathBuf> {
    let mut parts: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|entry| entry.unwrap().path().join("corpus.json"))
        .filter(|manifest| manifest.is_file())
        .collect();
    parts.sort();
    parts.insert(0, root().join("corpus.json"));
    parts
}

fn samples() -> Vec<Sample> {
    let mut samples = Vec::new();
    for path in manifests() {
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let dir = path.parent().unwrap().strip_prefix(root()).unwrap();
        let load_script = manifest["load_script"]
            .as_str()
            .unwrap_or("scripts/load-sample.py");
        let libraries = manifest["libraries"].as_str().unwrap_or(LIBRARIES);
        for s in manifest["samples"].as_array().unwrap() {
            samples.push(Sample {
                file: dir
                    .join(s["file"].as_str().unwrap())
                    .to_string_lossy()
                    .into_owned(),
                malicious: s["kind"] == "malicious",
                family: s["family"].as_str().unwrap().to_owned(),
                loader: s["loader"].as_str().unwrap().to_owned(),
                sha256: s["sha256"].as_str().unwrap().to_owned(),
                load_script: load_script.to_owned(),
                libraries: libraries.to_owned(),
            });
        }
    }
    samples
}

#[test]
fn every_malicious_sample_is_high_or_critical_and_every_benign_one_is_clean() {
    let options = ScanOptions::default();
    let samples = samples();
    assert!(samples.iter().filter(|s| s.malicious).count() >= 25);
    assert!(samples.iter().filter(|s| !s.malicious).count() >= 30);
    let mut failures = Vec::new();
    for sample in &samples {
        let report = scan_file(&root().join(&sample.file), &options);
        assert!(
            report.error.is_none(),
            "{}: {:?}",
            sample.file,
            report.error
        );
        let top = report.findings.iter().map(|f| f.severity).max();
        let ok = if sample.malicious {
            top >= Some(Severity::High)
        } else {
            top <= Some(Severity::Medium)
        };
        if !ok {
            failures.push(format!(
                "{} ({}): top severity {top:?}, findings {:?}",
                sample.file, sample.family, report.findings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_sample_is_the_one_corpus_json_pins() {
    use sha2::Digest as _;
    let changed: Vec<String> = samples()
        .into_iter()
        .filter(|s| {
            let bytes = std::fs::read(root().join(&s.file)).unwrap();
            format!("{:x}", sha2::Sha256::digest(&bytes)) != s.sha256
        })
        .map(|s| s.file)
        .collect();
    assert!(
        changed.is_empty(),
        "changed since scripts/make-scan-corpus.py wrote them: {changed:?}"
    );
}

/// The Python with the real libraries: `$MODELSEAL_PYTHON`, or the workspace `.venv`.
const LIBRARIES: &str = "numpy, sklearn, joblib, gguf, jinja2, safetensors, onnx, keras, h5py";

#[test]
fn malicious_samples_execute_and_benign_samples_load_under_the_real_loaders() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // One Python per set of libraries; a missing set is a recorded skip (a failure in CI).
    let mut pythons: std::collections::BTreeMap<(String, bool), Option<PathBuf>> =
        std::collections::BTreeMap::new();
    let mut runnable = Vec::new();
    for sample in samples() {
        let key = (sample.libraries.clone(), sample.needs_torch());
        let python = pythons
            .entry(key)
            .or_insert_with(|| {
                if sample.needs_torch() {
                    modelseal_test::python_with_optional(&format!("{}, torch", sample.libraries))
                } else {
                    modelseal_test::python_with(&sample.libraries)
                }
            })
            .clone();
        if let Some(python) = python {
            runnable.push((python, sample));
        }
    }
    // Loaders start slowly (importing torch takes seconds): run them side by side.
    let queue = std::sync::Mutex::new(runnable.into_iter());
    let failures = std::sync::Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some((python, sample)) = queue.lock().unwrap().next() else {
                        break;
                    };
                    let loader = workspace.join(&sample.load_script);
                    if let Some(failure) = load(&python, &loader, &sample) {
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Loads one sample with its real loader in a scratch directory; a description of what went
/// wrong, if anything did.
fn load(python: &Path, loader: &Path, sample: &Sample) -> Option<String> {
    {
        let scratch = tempfile::tempdir().unwrap();
        let out = Command::new(python)
            .arg(loader)
            .arg(&sample.loader)
            .arg(root().join(&sample.file))
            .current_dir(scratch.path())
            .output()
            .unwrap();
        let canary = scratch.path().join("CANARY").exists();
        let ok = if sample.malicious {
            canary
        } else {
            out.status.success() && !canary
        };
        (!ok).then(|| {
            format!(
                "{} ({}): exit {:?}, canary {canary}: {}",
                sample.file,
                sample.family,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }
}
