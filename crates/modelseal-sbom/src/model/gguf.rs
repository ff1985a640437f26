//! A GGUF file's model-card facts, from the one GGUF reader ([`modelseal_formats::gguf`],
//! versions 1 to 3, the reader the scanner judges with): the architecture, the metadata worth
//! a card (name, quantisation, context length...) and the tensor and parameter counts. Token
//! vocabularies and other arrays are skipped over by the reader, never loaded.

use std::path::Path;

use modelseal_formats::gguf::{Header, MAX_HEADER_BYTES};

use super::card::{add_to_property, set_property};
use super::prefix::Prefix;
use crate::collect::CollectError;
use modelseal_bom::bom::ModelCard;

/// The longest value copied into the card.
const MAX_VALUE_CHARS: usize = 200;

/// Keys copied into the card as `gguf:<key>` (the architecture-specific ones are matched by
/// suffix: `llama.context_length`).
const GENERAL_KEYS: &[&str] = &[
    "general.name",
    "general.basename",
    "general.size_label",
    "general.file_type",
    "general.quantization_version",
    "general.license",
    "general.finetune",
];
const ARCHITECTURE_SUFFIXES: &[&str] = &[".context_length", ".embedding_length", ".block_count"];

/// llama.cpp's `llama_ftype` names for `general.file_type` (the quantisation a file was
/// made with), as gguf-py's `LlamaFileType` spells them without `MOSTLY_` (`ALL_F32` is
/// `F32`); a test checks the table against the installed gguf package. Gaps are values
/// llama.cpp removed.
const FILE_TYPES: &[(u64, &str)] = &[
    (0, "F32"),
    (1, "F16"),
    (2, "Q4_0"),
    (3, "Q4_1"),
    (7, "Q8_0"),
    (8, "Q5_0"),
    (9, "Q5_1"),
    (10, "Q2_K"),
    (11, "Q3_K_S"),
    (12, "Q3_K_M"),
    (13, "Q3_K_L"),
    (14, "Q4_K_S"),
    (15, "Q4_K_M"),
    (16, "Q5_K_S"),
    (17, "Q5_K_M"),
    (18, "Q6_K"),
    (19, "IQ2_XXS"),
    (20, "IQ2_XS"),
    (21, "Q2_K_S"),
    (22, "IQ3_XS"),
    (23, "IQ3_XXS"),
    (24, "IQ1_S"),
    (25, "IQ4_NL"),
    (26, "IQ3_S"),
    (27, "IQ3_M"),
    (28, "IQ2_S"),
    (29, "IQ2_M"),
    (30, "IQ4_XS"),
    (31, "IQ1_M"),
    (32, "BF16"),
    (36, "TQ1_0"),
    (37, "TQ2_0"),
    (38, "MXFP4_MOE"),
    (39, "NVFP4"),
    (40, "Q1_0"),
];

/// The quantisation a GGUF `general.file_type` names (`7` is `Q8_0`), if known.
fn quantization(file_type: u64) -> Option<&'static str> {
    FILE_TYPES
        .iter()
        .find(|(value, _)| *value == file_type)
        .map(|(_, name)| *name)
}

pub(crate) fn read_into(
    path: &Path,
    prefix: &mut Prefix,
    card: &mut ModelCard,
) -> Result<(), CollectError> {
    // Grow the prefix from the sniffed 64 KiB while the header runs past it, up to the bound
    // the scanner shares (the header borrows the bytes, so the
    // final parse comes after the last growth).
    loop {
        let (_, error) = Header::parse_prefix(&prefix.bytes, prefix.file_len);
        let held = prefix.bytes.len() as u64;
        // Any error may come from the prefix ending (a vocabulary's length is checked against
        // the bytes left, not only truncation), so grow until it parses or the bound is hit.
        if error.is_none() || prefix.is_whole() || held >= MAX_HEADER_BYTES {
            break;
        }
        prefix.grow_to(held.saturating_mul(4).min(MAX_HEADER_BYTES))?;
    }
    let header = Header::parse(&prefix.bytes, prefix.file_len).map_err(|e| {
        let bounded = if prefix.is_whole() {
            String::new()
        } else {
            format!(" (only the first {} bytes were read)", prefix.bytes.len())
        };
        CollectError::invalid(path, None, format!("GGUF metadata: {e}{bounded}"))
    })?;
    if let Some(problem) = &header.tensor_problem {
        // As for safetensors: a header whose tensors do not fit the file states nothing.
        return Err(CollectError::invalid(
            path,
            None,
            format!(
                "GGUF tensor infos are inconsistent, so nothing they state is recorded: {problem}"
            ),
        ));
    }
    if let Some(architecture) = header.architecture() {
        card.architecture_family.get_or_insert(architecture);
    }
    for entry in &header.metadata {
        let key = entry.key.as_ref();
        if !(GENERAL_KEYS.contains(&key) || ARCHITECTURE_SUFFIXES.iter().any(|s| key.ends_with(s)))
        {
            continue;
        }
        if let Some(text) = entry.value.to_text() {
            let text: String = text.chars().take(MAX_VALUE_CHARS).collect();
            set_property(card, &format!("gguf:{key}"), text);
        }
    }
    if let Some(name) = header.file_type().and_then(quantization) {
        set_property(card, "modelseal:model:quantization", name.to_owned());
    }
    add_to_property(card, "modelseal:model:tensors", header.tensors.len() as u64);
    // A count that overflows is no fact: such a file states nothing believable.
    if let Some(parameters) = header.parameter_count() {
        add_to_property(card, "modelseal:model:parameters", parameters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods)] // fixtures are written with std::fs
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u64).to_le_bytes());
        out.extend(s.as_bytes());
    }

    /// A v3 file with a string key, an integer key, a token array and two tensors.
    fn sample() -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend(2u64.to_le_bytes());
        out.extend(4u64.to_le_bytes());
        string(&mut out, "general.architecture");
        out.extend(8u32.to_le_bytes());
        string(&mut out, "llama");
        string(&mut out, "llama.context_length");
        out.extend(4u32.to_le_bytes());
        out.extend(4096u32.to_le_bytes());
        string(&mut out, "tokenizer.ggml.tokens");
        out.extend(9u32.to_le_bytes());
        out.extend(8u32.to_le_bytes());
        out.extend(2u64.to_le_bytes());
        string(&mut out, "<s>");
        string(&mut out, "</s>");
        string(&mut out, "general.file_type");
        out.extend(4u32.to_le_bytes());
        out.extend(15u32.to_le_bytes());
        for (name, dims, offset) in [("a", &[4u64, 8][..], 0u64), ("b", &[8][..], 128)] {
            string(&mut out, name);
            out.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(0u32.to_le_bytes());
            out.extend(offset.to_le_bytes());
        }
        with_data(out, 160)
    }

    /// Pads `header` to the default alignment and appends `len` bytes of tensor data.
    fn with_data(mut header: Vec<u8>, len: usize) -> Vec<u8> {
        while !header.len().is_multiple_of(32) {
            header.push(0);
        }
        header.extend(std::iter::repeat_n(0u8, len));
        header
    }

    fn read_bytes(bytes: &[u8]) -> Result<ModelCard, CollectError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, bytes).unwrap();
        let mut card = ModelCard::default();
        read_into(&path, &mut Prefix::open(&path)?, &mut card).map(|()| card)
    }

    #[test]
    fn reads_metadata_and_counts_parameters() {
        let card = read_bytes(&sample()).unwrap();
        assert_eq!(card.architecture_family.as_deref(), Some("llama"));
        let get = |k: &str| {
            card.properties
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("gguf:llama.context_length"), Some("4096"));
        assert_eq!(get("gguf:general.file_type"), Some("15"));
        // Issue 14 (9): the quantisation is named, not only numbered.
        assert_eq!(get("modelseal:model:quantization"), Some("Q4_K_M"));
        assert_eq!(get("modelseal:model:parameters"), Some("40"));
        assert_eq!(get("modelseal:model:tensors"), Some("2"));
    }

    /// The table agrees with gguf-py's `LlamaFileType` (llama.cpp's own list), where installed.
    #[test]
    fn file_type_names_are_gguf_py_s() {
        let Some(python) = modelseal_test::python_with("gguf") else {
            return;
        };
        let out = std::process::Command::new(python)
            .args([
                "-c",
                "import gguf\nfor m in gguf.LlamaFileType:\n    print(m.value, m.name)",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        let theirs: Vec<(u64, String)> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|line| {
                let (value, name) = line.split_once(' ')?;
                let name = name
                    .strip_prefix("MOSTLY_")
                    .or_else(|| name.strip_prefix("ALL_"))
                    .unwrap_or(name);
                (name != "GUESSED").then(|| (value.parse().unwrap(), name.to_owned()))
            })
            .collect();
        let ours: Vec<(u64, String)> = FILE_TYPES
            .iter()
            .map(|(value, name)| (*value, (*name).to_owned()))
            .collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert!(read_bytes(&bytes[..len]).is_err(), "truncated at {len}");
        }
    }

    #[test]
    fn hostile_counts_are_refused() {
        let mut bytes = b"GGUF".to_vec();
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(0u64.to_le_bytes());
        bytes.extend(1u64.to_le_bytes());
        string(&mut bytes, "k");
        bytes.extend(9u32.to_le_bytes());
        bytes.extend(8u32.to_le_bytes());
        bytes.extend(u64::MAX.to_le_bytes());
        assert!(read_bytes(&bytes).is_err());
        let mut v4 = b"GGUF".to_vec();
        v4.extend(4u32.to_le_bytes());
        v4.extend([0u8; 16]);
        let err = read_bytes(&v4).unwrap_err().to_string();
        assert!(err.contains("version 4"), "{err}");
    }

    /// Regression: this reader refused GGUF v1 (32-bit counts and lengths), which the
    /// scanner accepts, so `sbom create` failed on such a model.
    #[test]
    fn a_v1_file_yields_a_model_card() {
        let count = |out: &mut Vec<u8>, n: u32| out.extend(n.to_le_bytes());
        let string = |out: &mut Vec<u8>, s: &str| {
            out.extend((s.len() as u32).to_le_bytes());
            out.extend(s.as_bytes());
        };
        let mut v1 = b"GGUF".to_vec();
        v1.extend(1u32.to_le_bytes());
        count(&mut v1, 1); // tensors
        count(&mut v1, 2); // metadata
        string(&mut v1, "general.architecture");
        v1.extend(8u32.to_le_bytes());
        string(&mut v1, "llama");
        string(&mut v1, "llama.context_length");
        v1.extend(4u32.to_le_bytes());
        v1.extend(2048u32.to_le_bytes());
        string(&mut v1, "w");
        v1.extend(2u32.to_le_bytes());
        count(&mut v1, 3);
        count(&mut v1, 5);
        v1.extend(0u32.to_le_bytes());
        v1.extend(0u64.to_le_bytes());
        let card = read_bytes(&with_data(v1, 60)).unwrap();
        assert_eq!(card.architecture_family.as_deref(), Some("llama"));
        assert!(
            card.properties
                .contains(&("gguf:llama.context_length".to_owned(), "2048".to_owned()))
        );
        assert!(
            card.properties
                .contains(&("modelseal:model:parameters".to_owned(), "15".to_owned()))
        );
    }

    /// Red team F3 (M04): a tensor claiming 10^12 F32 elements over 64 bytes of data made the
    /// SBOM state 1000000000000 parameters.
    #[test]
    fn gguf_lying_dims_state_no_parameter_count() {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend(1u64.to_le_bytes());
        out.extend(0u64.to_le_bytes());
        string(&mut out, "a");
        out.extend(1u32.to_le_bytes());
        out.extend(1_000_000_000_000u64.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(0u64.to_le_bytes());
        let err = read_bytes(&with_data(out, 64)).unwrap_err().to_string();
        assert!(err.contains("inconsistent"), "{err}");
    }

    /// Red team F11 (M30): a valid GGUF whose header is 70 MiB (one long description) scanned
    /// clean but failed `sbom create` at its own 64 MiB bound.
    #[test]
    fn a_70_mib_header_is_read_as_the_scanner_reads_it() {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend(0u64.to_le_bytes());
        out.extend(1u64.to_le_bytes());
        string(&mut out, "general.description");
        out.extend(8u32.to_le_bytes());
        string(&mut out, &"d".repeat(70 << 20));
        assert!(read_bytes(&out).is_ok());
    }
}
