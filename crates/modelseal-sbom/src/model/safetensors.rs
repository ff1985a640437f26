//! The JSON header of a safetensors file: its `__metadata__` strings, tensor count, parameter
//! count and dtypes. The header is read with the format's own bounds (8-byte length, at most
//! 100 MB of JSON) and nothing else of the file is touched.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use super::card::{add_to_property, set_property};
use crate::collect::CollectError;
use modelseal_bom::bom::ModelCard;

/// The safetensors reference implementation refuses larger headers.
const MAX_HEADER: u64 = 100_000_000;
/// Metadata entries kept, and the length of each value: enough for provenance notes, not for
/// a document smuggled into the header.
const MAX_ENTRIES: usize = 32;
const MAX_VALUE_CHARS: usize = 200;

pub fn read_into(path: &Path, card: &mut ModelCard) -> Result<(), CollectError> {
    let invalid = |message: String| CollectError::Invalid {
        path: path.to_path_buf(),
        line: None,
        message,
    };
    let mut file = File::open(path).map_err(|e| CollectError::io(path, e))?;
    let file_len = file
        .metadata()
        .map_err(|e| CollectError::io(path, e))?
        .len();
    let mut prefix = [0u8; 8];
    file.read_exact(&mut prefix).map_err(|_| {
        invalid("not a safetensors file: shorter than its 8-byte header length".into())
    })?;
    let header_len = u64::from_le_bytes(prefix);
    if header_len > MAX_HEADER || header_len > file_len.saturating_sub(8) {
        return Err(invalid(format!(
            "safetensors header length {header_len} exceeds the file or the format's limit"
        )));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header)
        .map_err(|e| CollectError::io(path, e))?;
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&header)
        .map_err(|e| invalid(format!("safetensors header is not a JSON object: {e}")))?;
    let mut tensors: u64 = 0;
    let mut parameters: u64 = 0;
    let mut dtypes: Vec<&str> = Vec::new();
    for (name, entry) in &header {
        if name == "__metadata__" {
            let Some(metadata) = entry.as_object() else {
                continue;
            };
            for (key, value) in metadata.iter().take(MAX_ENTRIES) {
                if let Some(value) = value.as_str() {
                    let value: String = value.chars().take(MAX_VALUE_CHARS).collect();
                    set_property(card, &format!("safetensors:metadata:{key}"), value);
                }
            }
            continue;
        }
        tensors += 1;
        if let Some(dtype) = entry.get("dtype").and_then(|d| d.as_str())
            && !dtypes.contains(&dtype)
        {
            dtypes.push(dtype);
        }
        let count = entry
            .get("shape")
            .and_then(|s| s.as_array())
            .and_then(|dims| {
                dims.iter()
                    .try_fold(1u64, |acc, d| d.as_u64().and_then(|d| acc.checked_mul(d)))
            })
            .ok_or_else(|| invalid(format!("tensor {name:?} has no valid shape")))?;
        parameters = parameters.saturating_add(count);
    }
    add_to_property(card, "modelseal:model:tensors", tensors);
    add_to_property(card, "modelseal:model:parameters", parameters);
    dtypes.sort_unstable();
    for dtype in dtypes {
        let name = "modelseal:model:dtype";
        if !card.properties.iter().any(|(k, v)| k == name && v == dtype) {
            card.properties.push((name.to_owned(), dtype.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, header: &str, extra: usize) -> std::path::PathBuf {
        let path = dir.join("m.safetensors");
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend(std::iter::repeat_n(0u8, extra));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn counts_tensors_and_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let header = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#;
        let path = write(dir.path(), header, 32);
        let mut card = ModelCard::default();
        read_into(&path, &mut card).unwrap();
        read_into(&path, &mut card).unwrap(); // a second shard adds up
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
        assert!(read_into(&path, &mut card).is_err());
        let path = dir.path().join("huge");
        std::fs::write(&path, u64::MAX.to_le_bytes()).unwrap();
        let err = read_into(&path, &mut card).unwrap_err().to_string();
        assert!(err.contains("exceeds"), "{err}");
        let path = write(dir.path(), "[1,2]", 0);
        assert!(read_into(&path, &mut card).is_err());
        let path = write(
            dir.path(),
            r#"{"t":{"dtype":"F32","shape":[4294967296,4294967296,16]}}"#,
            0,
        );
        assert!(read_into(&path, &mut card).is_err());
    }
}
