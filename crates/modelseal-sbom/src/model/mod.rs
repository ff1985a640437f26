//! A model file or directory as a `machine-learning-model` component: its files and their
//! SHA-256 hashes (through `modelseal-digest`, the same walk and hashing signing uses, so the
//! OMS root digest recorded here is the one a signature covers), its formats and size, and a
//! CycloneDX model card filled only from what the files state: a Hugging Face `config.json`,
//! the YAML front matter of its `README.md`, safetensors headers and GGUF metadata.
//!
//! Nothing is loaded or executed; headers are read with fixed bounds and parsed by the
//! readers the scanner uses (modelseal-formats), and a file's format is decided by its content
//! where the content has a signature, as the scanner decides it, not by its name alone.

mod card;
mod gguf;
mod prefix;
mod safetensors;

use std::path::Path;

use modelseal_digest::{HashAlgorithm, Serialization, hash_walk, walk_model};
use modelseal_formats::sniff::{Format, sniff};

use crate::collect::{CollectError, Diagnostics};
use modelseal_bom::bom::{Bom, Component, Hash, Kind, ModelCard};
use prefix::Prefix;

pub use card::task_formats;

/// File extensions (lowercase) that hold weights or a whole model, and the format each is.
const FORMATS: &[(&str, &str)] = &[
    ("safetensors", "safetensors"),
    ("gguf", "gguf"),
    ("onnx", "onnx"),
    ("keras", "keras"),
    ("h5", "hdf5"),
    ("hdf5", "hdf5"),
    ("pt", "pytorch"),
    ("pth", "pytorch"),
    ("bin", "pytorch"),
    ("ckpt", "pytorch"),
    ("pkl", "pickle"),
    ("pickle", "pickle"),
    ("joblib", "joblib"),
    ("npy", "numpy"),
    ("npz", "numpy"),
    ("tflite", "tflite"),
    ("pb", "tensorflow"),
    ("mlmodel", "coreml"),
];

/// The model format a file name says, if it names one.
pub fn format_of(name: &str) -> Option<&'static str> {
    let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
    FORMATS
        .iter()
        .find(|(e, _)| *e == extension)
        .map(|(_, format)| *format)
}

/// The model format of a file named `name` whose first bytes are `head` (of `len` in all),
/// decided by its content as the scanner decides it ([`sniff`]): the name only picks among
/// the formats that content can be (a zip named `.keras` is Keras, named `.pt` PyTorch) and
/// names the formats with no signature (ONNX, TensorFlow, Core ML, `TFLite`). A pickle named
/// `.npy` is a pickle; an empty or text file named `.pt` is no model format at all.
pub fn format_of_content(name: &str, head: &[u8], len: u64) -> Option<&'static str> {
    let named = format_of(name);
    let named_one_of = |formats: &[&str]| named.filter(|f| formats.contains(f));
    match sniff(head, len) {
        Format::Gguf => Some("gguf"),
        Format::Safetensors => Some("safetensors"),
        Format::Numpy => Some("numpy"),
        Format::Hdf5 => Some("hdf5"),
        Format::Onnx => Some("onnx"),
        // PyTorch checkpoints, Keras 3 archives, .npz and joblib-in-zip are all zips.
        Format::Zip => named_one_of(&["pytorch", "keras", "numpy", "joblib"]),
        // PyTorch's legacy tar format.
        Format::Tar => named_one_of(&["pytorch"]),
        // torch.save's legacy format and joblib are pickles too; anything else is a pickle.
        Format::Pickle => Some(named_one_of(&["pytorch", "joblib"]).unwrap_or("pickle")),
        Format::Gzip
        | Format::Bzip2
        | Format::Xz
        | Format::Lzma
        | Format::Zlib
        | Format::Lz4
        | Format::JoblibZfile => named_one_of(&["joblib", "pickle"]),
        Format::Json => None,
        // No signature: a protocol-0/1 pickle, or a protobuf/flatbuffer format by its name.
        Format::Other => {
            if len > 0 && modelseal_formats::pickle::may_be_unframed(head) {
                // torch.save writes protocol 2 or later, so a PyTorch file is never unframed.
                if let Some(f) = named_one_of(&["pickle", "joblib"]) {
                    return Some(f);
                }
            }
            named_one_of(&["onnx", "tensorflow", "coreml", "tflite"])
        }
    }
}

/// Whether the regular file at `path` is a model file: its name says a model format (one
/// whose content then disagrees is reported as broken, not passed over), or its content is
/// GGUF or safetensors whatever its name.
fn is_model_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    modelseal_fs::metadata(path).is_ok_and(|m| m.is_file())
        && (format_of(name).is_some()
            || Prefix::open(path)
                .is_ok_and(|head| format_of_content(name, &head.bytes, head.file_len).is_some()))
}

/// Whether `path` looks like a model: a file in a model format, or a directory holding one.
pub fn looks_like_model(path: &Path) -> bool {
    if modelseal_fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return is_model_file(path);
    }
    modelseal_fs::read_dir_sorted(path)
        .is_ok_and(|entries| entries.iter().any(|e| is_model_file(e)))
}

/// Adds to `card` what the header of a file in `format` states. A file whose name claims a
/// format its content is not is broken like a truncated one: the reader of the claimed format
/// says why (its header length is impossible, its magic missing), and nothing is described.
fn read_header(
    path: &Path,
    name: &str,
    format: Option<&str>,
    head: &mut Prefix,
    card: &mut ModelCard,
) -> Result<(), CollectError> {
    match (format, format_of(name)) {
        (Some("safetensors"), _) => safetensors::read_into(path, head, card),
        (Some("gguf"), _) => gguf::read_into(path, head, card),
        (_, Some(claimed @ ("safetensors" | "gguf"))) => {
            let mut ignored = ModelCard::default();
            let read = if claimed == "gguf" {
                gguf::read_into(path, head, &mut ignored)
            } else {
                safetensors::read_into(path, head, &mut ignored)
            };
            Err(read.err().unwrap_or_else(|| {
                CollectError::invalid(
                    path,
                    None,
                    format!("named {claimed} but not one by its content"),
                )
            }))
        }
        _ => Ok(()),
    }
}

/// Reads the model at `path` into a BOM whose root is the model component.
pub fn collect_model(path: &Path, diagnostics: &mut Diagnostics) -> Result<Bom, CollectError> {
    Ok(Bom::new(model_component(path, diagnostics)?))
}

/// The model at `path` as one component (with its files nested when it is a directory).
pub fn model_component(
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Result<Component, CollectError> {
    modelseal_fs::metadata(path)?;
    let invalid = |e: modelseal_digest::DigestError| CollectError::Invalid {
        path: path.to_path_buf(),
        line: None,
        message: e.to_string(),
    };
    let serialization = Serialization::files(HashAlgorithm::Sha256);
    let walk = walk_model(path, false, &serialization.ignore_paths).map_err(invalid)?;
    // One resource per file, in the walk's order.
    let manifest = hash_walk(&walk, &serialization).map_err(invalid)?;
    let name = manifest.model_name.clone();
    let mut model = Component::new(format!("model:{name}"), Kind::MachineLearningModel, &name);
    let mut card = ModelCard::default();
    let mut formats: Vec<&'static str> = Vec::new();
    let mut total: u64 = 0;
    for (resource, file) in manifest.resources.iter().zip(&walk.files) {
        let digest = hex::encode(&resource.digest);
        total += file.size;
        let file_name = if walk.is_single_file {
            name.clone()
        } else {
            file.name.clone()
        };
        let mut head = diagnostics.keep(Prefix::open(&file.path))?;
        let format = head
            .as_ref()
            .and_then(|h| format_of_content(&file_name, &h.bytes, h.file_len));
        formats.extend(format);
        if let Some(head) = head.as_mut() {
            read_header(&file.path, &file_name, format, head, &mut card)
                .or_else(|e| diagnostics.recover(e))?;
        }
        let hash = Hash {
            algorithm: "SHA-256",
            value: digest,
        };
        if walk.is_single_file {
            model.hashes.push(hash);
            continue;
        }
        let mut part = Component::new(format!("model:{name}/{file_name}"), Kind::File, &file_name);
        part.hashes.push(hash);
        part.properties
            .push(("modelseal:file:size".to_owned(), file.size.to_string()));
        if let Some(format) = format {
            part.properties
                .push(("modelseal:model:format".to_owned(), format.to_owned()));
        }
        model.components.push(part);
    }
    if !walk.is_single_file {
        card::read_config_json(&path.join("config.json"), &mut card)
            .or_else(|e| diagnostics.recover(e))?;
        if let Some(license) = card::read_readme(&path.join("README.md"), &mut card)
            .or_else(|e| diagnostics.recover(e).map(|()| None))?
        {
            model.licenses.push(license);
        }
    }
    card::finish(&mut card);
    if model.licenses.is_empty() {
        // A GGUF states its licence in `general.license`: a licence, not only a property
        // (a README card's `license:` wins when both are present).
        let declared = card
            .properties
            .iter()
            .find(|(key, _)| key == "gguf:general.license")
            .map(|(_, value)| value.clone());
        if let Some(declared) = declared {
            model
                .licenses
                .push(modelseal_bom::license::from_declared(&declared));
        }
    }
    formats.sort_unstable();
    formats.dedup();
    for format in formats {
        model
            .properties
            .push(("modelseal:model:format".to_owned(), format.to_owned()));
    }
    model
        .properties
        .push(("modelseal:model:size".to_owned(), total.to_string()));
    model.properties.push((
        "modelseal:model:files".to_owned(),
        walk.files.len().to_string(),
    ));
    model.properties.push((
        "modelseal:model:oms-root-digest".to_owned(),
        format!("sha256:{}", hex::encode(manifest.root_digest())),
    ));
    if card != ModelCard::default() {
        model.model_card = Some(card);
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14 (9): a GGUF's `general.license` was only a property.
    #[test]
    fn a_gguf_licence_is_the_model_s_licence() {
        #![allow(clippy::disallowed_methods)] // the fixture is written with std::fs
        fn string(out: &mut Vec<u8>, s: &str) {
            out.extend((s.len() as u64).to_le_bytes());
            out.extend(s.as_bytes());
        }
        let mut bytes = b"GGUF".to_vec();
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(0u64.to_le_bytes());
        bytes.extend(2u64.to_le_bytes());
        for (key, value) in [
            ("general.architecture", "llama"),
            ("general.license", "apache-2.0"),
        ] {
            string(&mut bytes, key);
            bytes.extend(8u32.to_le_bytes());
            string(&mut bytes, value);
        }
        while !bytes.len().is_multiple_of(32) {
            bytes.push(0);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, &bytes).unwrap();
        let model = model_component(&path, &mut Diagnostics::strict()).unwrap();
        assert_eq!(
            model.licenses,
            [modelseal_bom::bom::License::Expression("Apache-2.0".into())]
        );
    }

    /// Red team F10 (M49, M50, M52, M53): formats came from the file name, so the SBOM called a
    /// pickle numpy or onnx and an empty or text file pytorch, where scan said pickle / other.
    #[test]
    fn formats_named_by_the_file_but_not_its_content_are_not_recorded() {
        let pickle = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";
        let len = |b: &[u8]| b.len() as u64;
        assert_eq!(
            format_of_content("w.npy", pickle, len(pickle)),
            Some("pickle")
        );
        assert_eq!(
            format_of_content("m.onnx", pickle, len(pickle)),
            Some("pickle")
        );
        assert_eq!(
            format_of_content("m.pt", pickle, len(pickle)),
            Some("pytorch")
        );
        assert_eq!(format_of_content("m.pt", b"", 0), None);
        let text = b"just some text, not a model\n";
        assert_eq!(format_of_content("m.pt", text, len(text)), None);
        let zip = b"PK\x03\x04rest";
        assert_eq!(format_of_content("m.pt", zip, len(zip)), Some("pytorch"));
        assert_eq!(format_of_content("m.keras", zip, len(zip)), Some("keras"));
        assert_eq!(format_of_content("m.onnx", zip, len(zip)), None);
        let npy = b"\x93NUMPY\x01\x00";
        assert_eq!(format_of_content("m.bin", npy, len(npy)), Some("numpy"));
    }
}
