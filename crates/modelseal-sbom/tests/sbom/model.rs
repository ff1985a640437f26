//! Models written by the real libraries (safetensors, gguf, through the peers' venv) become
//! `machine-learning-model` components with their hashes and a model card, valid under the
//! official CycloneDX 1.5 and 1.6 schemas.

use std::path::Path;
use std::process::Command;

use crate::common::{assert_schema_valid, venv};
use modelseal_bom::bom::Kind;
use modelseal_bom::cyclonedx::{SpecVersion, to_json};
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::model::collect_model;
use sha2::{Digest, Sha256};

pub(crate) const WRITE_MODELS: &str = r#"
import json, os, sys
import numpy as np
import gguf
from safetensors.numpy import save_file
out = sys.argv[1]
hf = os.path.join(out, "tiny-llama")
os.makedirs(hf)
save_file({"embed": np.zeros((16, 8), np.float32), "head": np.zeros((8,), np.float16)},
          os.path.join(hf, "model.safetensors"), metadata={"format": "pt"})
json.dump({"model_type": "llama", "architectures": ["LlamaForCausalLM"], "torch_dtype": "float32",
           "vocab_size": 16, "hidden_size": 8, "num_hidden_layers": 1}, open(os.path.join(hf, "config.json"), "w"))
open(os.path.join(hf, "README.md"), "w").write(
    "---\nlicense: apache-2.0\npipeline_tag: text-generation\ndatasets:\n- tatsu-lab/alpaca\n---\n# Tiny\n")
open(os.path.join(hf, "tokenizer.json"), "w").write("{}")
w = gguf.GGUFWriter(os.path.join(out, "tiny.gguf"), "llama")
w.add_context_length(2048)
w.add_name("tiny")
w.add_tensor("w", np.zeros((4, 8), np.float32))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
"#;

fn property<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn real_model_files_become_model_components() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(venv.join("bin/python"))
        .args(["-c", WRITE_MODELS])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());

    let hf = dir.path().join("tiny-llama");
    let bom = collect_model(&hf, &mut Diagnostics::strict()).unwrap();
    let model = &bom.root;
    assert_eq!(model.kind, Kind::MachineLearningModel);
    assert_eq!(model.name, "tiny-llama");
    assert_eq!(
        model.licenses,
        [modelseal_bom::bom::License::Expression("Apache-2.0".into())]
    );
    let files: Vec<&str> = model.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        files,
        [
            "README.md",
            "config.json",
            "model.safetensors",
            "tokenizer.json"
        ]
    );
    let weights = &model.components[2];
    assert_eq!(weights.kind, Kind::File);
    assert_eq!(
        weights.hashes[0].value,
        sha256(&hf.join("model.safetensors"))
    );
    let card = model.model_card.as_ref().unwrap();
    assert_eq!(card.task.as_deref(), Some("text-generation"));
    assert_eq!(card.architecture_family.as_deref(), Some("llama"));
    assert_eq!(card.model_architecture.as_deref(), Some("LlamaForCausalLM"));
    assert_eq!(
        (card.inputs.as_slice(), card.outputs.as_slice()),
        (&["text".to_owned()][..], &["text".to_owned()][..])
    );
    assert_eq!(
        property(&card.properties, "modelseal:model:parameters"),
        ["136"]
    );
    assert_eq!(
        property(&card.properties, "modelseal:model:dtype"),
        ["F16", "F32"]
    );
    assert_eq!(
        property(&card.properties, "huggingface:dataset"),
        ["tatsu-lab/alpaca"]
    );
    assert_eq!(
        property(&model.properties, "modelseal:model:format"),
        ["safetensors"]
    );
    assert_eq!(property(&model.properties, "modelseal:model:files"), ["4"]);

    let gguf = collect_model(&dir.path().join("tiny.gguf"), &mut Diagnostics::strict()).unwrap();
    let model = &gguf.root;
    assert!(model.components.is_empty());
    assert_eq!(model.hashes[0].value, sha256(&dir.path().join("tiny.gguf")));
    let card = model.model_card.as_ref().unwrap();
    assert_eq!(card.architecture_family.as_deref(), Some("llama"));
    assert_eq!(
        property(&card.properties, "gguf:llama.context_length"),
        ["2048"]
    );
    assert_eq!(property(&card.properties, "gguf:general.name"), ["tiny"]);
    assert_eq!(
        property(&card.properties, "modelseal:model:parameters"),
        ["32"]
    );

    for bom in [&bom, &gguf] {
        for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
            assert_schema_valid(&to_json(bom, spec, "2026-11-23T00:00:00Z"), spec);
        }
    }
}

#[test]
fn a_corrupt_weights_file_is_named_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("model.safetensors"),
        b"\xff\xff\xff\xff\xff\xff\xff\x7fjunk",
    )
    .unwrap();
    std::fs::write(dir.path().join("config.json"), b"{\"model_type\": ").unwrap();
    let err = collect_model(dir.path(), &mut Diagnostics::strict())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("header length"),
        "{err}"
    );
    let mut diagnostics = Diagnostics::best_effort();
    let bom = collect_model(dir.path(), &mut diagnostics).unwrap();
    assert_eq!(
        bom.root.components.len(),
        2,
        "both files are still listed and hashed"
    );
    assert_eq!(
        diagnostics.warnings().len(),
        2,
        "{:?}",
        diagnostics.warnings()
    );
    assert!(
        diagnostics.warnings()[1].contains("config.json:1:"),
        "{:?}",
        diagnostics.warnings()
    );
}

/// A GGUF file of `version` (1 has 32-bit counts and lengths) with an architecture and one
/// 4×8 F32 tensor, its data included.
fn tiny_gguf(version: u32) -> Vec<u8> {
    let count = |out: &mut Vec<u8>, n: u64| {
        if version == 1 {
            out.extend(u32::try_from(n).unwrap().to_le_bytes());
        } else {
            out.extend(n.to_le_bytes());
        }
    };
    let string = |out: &mut Vec<u8>, s: &str| {
        count(out, s.len() as u64);
        out.extend(s.as_bytes());
    };
    let mut out = b"GGUF".to_vec();
    out.extend(version.to_le_bytes());
    count(&mut out, 1);
    count(&mut out, 1);
    string(&mut out, "general.architecture");
    out.extend(8u32.to_le_bytes());
    string(&mut out, "llama");
    string(&mut out, "w");
    out.extend(2u32.to_le_bytes());
    count(&mut out, 4);
    count(&mut out, 8);
    out.extend(0u32.to_le_bytes());
    out.extend(0u64.to_le_bytes());
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    out.extend([0u8; 4 * 8 * 4]);
    out
}

/// Regression: GGUF v1 files, which the scanner accepts, failed `sbom create`.
#[test]
fn a_gguf_v1_file_yields_a_model_card() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gguf");
    std::fs::write(&path, tiny_gguf(1)).unwrap();
    let bom = collect_model(&path, &mut Diagnostics::strict()).unwrap();
    let card = bom.root.model_card.as_ref().unwrap();
    assert_eq!(card.architecture_family.as_deref(), Some("llama"));
    assert_eq!(
        property(&card.properties, "modelseal:model:parameters"),
        ["32"]
    );
    assert_eq!(
        property(&bom.root.properties, "modelseal:model:format"),
        ["gguf"]
    );
}

/// Regression: the format came from the file name, so a GGUF saved as `.bin` was described
/// as a PyTorch file with no card, and anything named `.safetensors` was called safetensors.
#[test]
fn the_format_is_decided_by_content_not_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.bin"), tiny_gguf(3)).unwrap();
    let bom = collect_model(dir.path(), &mut Diagnostics::strict()).unwrap();
    assert_eq!(
        property(&bom.root.properties, "modelseal:model:format"),
        ["gguf"]
    );
    let card = bom.root.model_card.as_ref().unwrap();
    assert_eq!(card.architecture_family.as_deref(), Some("llama"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("model.safetensors"),
        b"not safetensors at all",
    )
    .unwrap();
    let err = collect_model(dir.path(), &mut Diagnostics::strict())
        .unwrap_err()
        .to_string();
    assert!(err.contains("model.safetensors"), "{err}");
    let mut diagnostics = Diagnostics::best_effort();
    let bom = collect_model(dir.path(), &mut diagnostics).unwrap();
    assert_eq!(
        diagnostics.warnings().len(),
        1,
        "{:?}",
        diagnostics.warnings()
    );
    assert!(
        property(&bom.root.properties, "modelseal:model:format").is_empty(),
        "{:?}",
        bom.root.properties
    );
    assert!(
        property(&bom.root.components[0].properties, "modelseal:model:format").is_empty(),
        "{:?}",
        bom.root.components[0].properties
    );
    assert!(bom.root.model_card.is_none());
}

/// Regression: a header whose shapes disagree with its byte ranges had its shapes believed,
/// writing a false parameter count into the SBOM.
#[test]
fn a_safetensors_header_that_lies_about_shapes_yields_no_parameter_count() {
    let dir = tempfile::tempdir().unwrap();
    let header = r#"{"t":{"dtype":"F32","shape":[1000,1000],"data_offsets":[0,4]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header.as_bytes());
    bytes.extend([0u8; 4]);
    std::fs::write(dir.path().join("model.safetensors"), bytes).unwrap();
    assert!(collect_model(dir.path(), &mut Diagnostics::strict()).is_err());
    let mut diagnostics = Diagnostics::best_effort();
    let bom = collect_model(dir.path(), &mut diagnostics).unwrap();
    assert_eq!(
        diagnostics.warnings().len(),
        1,
        "{:?}",
        diagnostics.warnings()
    );
    assert!(
        diagnostics.warnings()[0].contains("should take"),
        "{:?}",
        diagnostics.warnings()
    );
    assert!(bom.root.model_card.is_none(), "{:?}", bom.root.model_card);
}

/// A GGUF named for no format is recognised as a model by its content; a file whose name
/// claims a model format is still taken as one, so that its corruption is reported.
#[test]
fn a_model_is_recognised_by_content_or_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join("weights");
    std::fs::write(&weights, tiny_gguf(3)).unwrap();
    assert!(modelseal_sbom::model::looks_like_model(&weights));
    assert!(modelseal_sbom::model::looks_like_model(dir.path()));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "release notes, no weights").unwrap();
    assert!(!modelseal_sbom::model::looks_like_model(&text));
    let broken = dir.path().join("broken.safetensors");
    std::fs::write(&broken, "junk").unwrap();
    assert!(modelseal_sbom::model::looks_like_model(&broken));
}
