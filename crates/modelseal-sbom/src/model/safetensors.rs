//! A safetensors file's model-card facts, from the one checked header reader
//! ([`modelseal_formats::safetensors`]): its `__metadata__` strings, and its tensor count,
//! parameter count and dtypes only when every check passed. A header that lies about its
//! tensors (shape × dtype size ≠ offsets span, overlaps, gaps) is reported as a broken file
//! like a truncated one, and none of its claims reach the SBOM.

use std::path::Path;

use modelseal_formats::safetensors::{Header, MAX_HEADER_BYTES};

use super::card::{add_to_property, set_property};
use super::prefix::Prefix;
use crate::collect::CollectError;
use modelseal_bom::bom::ModelCard;

/// Metadata entries kept, and the length of each value: enough for provenance notes, not for
/// a document smuggled into the header.
const MAX_ENTRIES: usize = 32;
const MAX_VALUE_CHARS: usize = 200;

pub(crate) fn read_into(
    path: &Path,
    prefix: &mut Prefix,
    card: &mut ModelCard,
) -> Result<(), CollectError> {
    let invalid = |message: String| CollectError::invalid(path, None, message);
    let Some(header_len) = Header::stated_len(&prefix.bytes) else {
        return Err(invalid(
            "not a safetensors file: shorter than its 8-byte header length".into(),
        ));
    };
    if header_len > MAX_HEADER_BYTES || header_len > prefix.file_len.saturating_sub(8) {
        return Err(invalid(format!(
            "safetensors header length {header_len} exceeds the file or the format's limit"
        )));
    }
    prefix.grow_to(8 + header_len)?;
    let header = Header::parse(&prefix.bytes, prefix.file_len)
        .map_err(|e| invalid(format!("safetensors header: {e}")))?;
    let Some(facts) = header.facts() else {
        let problems: Vec<String> = header.problems.iter().map(ToString::to_string).collect();
        return Err(invalid(format!(
            "safetensors header is inconsistent, so nothing it states is recorded: {}",
            problems.join("; ")
        )));
    };
    for (key, value) in header.metadata.iter().take(MAX_ENTRIES) {
        let value: String = value.chars().take(MAX_VALUE_CHARS).collect();
        set_property(card, &format!("safetensors:metadata:{key}"), value);
    }
    add_to_property(card, "modelseal:model:tensors", facts.tensors);
    add_to_property(card, "modelseal:model:parameters", facts.parameters);
    for dtype in facts.dtypes {
        let name = "modelseal:model:dtype";
        if !card
            .properties
            .iter()
            .any(|(k, v)| k == name && *v == dtype)
        {
            card.properties.push((name.to_owned(), dtype));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods)] // fixtures are written with std::fs
    use super::*;

    fn write(dir: &Path, header: &str, extra: usize) -> std::path::PathBuf {
        let path = dir.join("m.safetensors");
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend(std::iter::repeat_n(0u8, extra));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn read(path: &Path, card: &mut ModelCard) -> Result<(), CollectError> {
        read_into(path, &mut Prefix::open(path)?, card)
    }

    #[test]
    fn counts_tensors_and_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let header = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#;
        let path = write(dir.path(), header, 32);
        let mut card = ModelCard::default();
        read(&path, &mut card).unwrap();
        read(&path, &mut card).unwrap(); // a second shard adds up
        let get = |k: &str| {
            card.properties
                .iter()
                .filter(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("modelseal:model:parameters"), ["20"]);
        assert_eq!(get("modelseal:model:tensors"), ["4"]);
        assert_eq!(get("modelseal:model:dtype"), ["BF16", "F32"]);
        assert_eq!(get("safetensors:metadata:format"), ["pt"]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut card = ModelCard::default();
        let path = dir.path().join("short");
        std::fs::write(&path, b"abc").unwrap();
        assert!(read(&path, &mut card).is_err());
        let path = dir.path().join("huge");
        std::fs::write(&path, u64::MAX.to_le_bytes()).unwrap();
        let err = read(&path, &mut card).unwrap_err().to_string();
        assert!(err.contains("exceeds"), "{err}");
        let path = write(dir.path(), "[1,2]", 0);
        assert!(read(&path, &mut card).is_err());
        let path = write(
            dir.path(),
            r#"{"t":{"dtype":"F32","shape":[4294967296,4294967296,16]}}"#,
            0,
        );
        assert!(read(&path, &mut card).is_err());
        assert_eq!(
            card,
            ModelCard::default(),
            "nothing of a broken header is kept"
        );
    }

    /// Regression: the shapes were taken at face value, so a header claiming a 1000×1000
    /// tensor over 4 bytes wrote a million parameters into the SBOM.
    #[test]
    fn a_header_that_lies_about_shapes_states_no_parameter_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            r#"{"__metadata__":{"format":"pt"},"t":{"dtype":"F32","shape":[1000,1000],"data_offsets":[0,4]}}"#,
            4,
        );
        let mut card = ModelCard::default();
        let err = read(&path, &mut card).unwrap_err().to_string();
        assert!(
            err.contains("inconsistent") && err.contains("\"t\""),
            "{err}"
        );
        assert!(
            card.properties.is_empty(),
            "no parameter count, dtype or metadata: {:?}",
            card.properties
        );
    }
}
