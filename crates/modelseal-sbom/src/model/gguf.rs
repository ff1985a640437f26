//! GGUF metadata (v2 and v3): the key/value section and the tensor directory, read forward
//! with every length checked against what is left of the file. Values worth a model card are
//! kept (architecture, name, quantisation, context length); token vocabularies and other arrays
//! are skipped over, never loaded.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::card::{add_to_property, set_property};
use crate::collect::CollectError;
use modelseal_bom::bom::ModelCard;

/// More entries than any real file has; past this a header is hostile, not large.
const MAX_KEYS: u64 = 1 << 20;
const MAX_TENSORS: u64 = 1 << 24;
const MAX_STRING: u64 = 1 << 20;

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

struct Reader {
    inner: BufReader<File>,
    left: u64,
}

enum Value {
    Text(String),
    Number(String),
    Skipped,
}

impl Reader {
    fn bytes<const N: usize>(&mut self) -> std::io::Result<[u8; N]> {
        let mut buf = [0u8; N];
        self.take(N as u64)?;
        self.inner.read_exact(&mut buf)?;
        Ok(buf)
    }

    fn take(&mut self, n: u64) -> std::io::Result<()> {
        self.left = self.left.checked_sub(n).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "a length runs past the end of the file",
            )
        })?;
        Ok(())
    }

    fn u32(&mut self) -> std::io::Result<u32> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    fn u64(&mut self) -> std::io::Result<u64> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }

    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        self.take(n)?;
        let n = i64::try_from(n).map_err(|_| std::io::ErrorKind::InvalidData)?;
        self.inner.seek_relative(n)
    }

    /// A string, kept when short enough to be metadata.
    fn string(&mut self) -> std::io::Result<Option<String>> {
        let len = self.u64()?;
        if len > MAX_STRING {
            self.skip(len)?;
            return Ok(None);
        }
        self.take(len)?;
        let mut buf = vec![0u8; len as usize];
        self.inner.read_exact(&mut buf)?;
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    fn value(&mut self, kind: u32) -> std::io::Result<Value> {
        let fixed = |n: usize, reader: &mut Reader| -> std::io::Result<Vec<u8>> {
            let mut buf = vec![0u8; n];
            reader.take(n as u64)?;
            reader.inner.read_exact(&mut buf)?;
            Ok(buf)
        };
        Ok(match kind {
            0 => Value::Number(fixed(1, self)?[0].to_string()),
            1 => Value::Number(i8::from_le_bytes([fixed(1, self)?[0]]).to_string()),
            2 => Value::Number(u16::from_le_bytes(self.bytes()?).to_string()),
            3 => Value::Number(i16::from_le_bytes(self.bytes()?).to_string()),
            4 => Value::Number(self.u32()?.to_string()),
            5 => Value::Number(i32::from_le_bytes(self.bytes()?).to_string()),
            6 => Value::Number(f32::from_le_bytes(self.bytes()?).to_string()),
            7 => Value::Number((fixed(1, self)?[0] != 0).to_string()),
            8 => self.string()?.map_or(Value::Skipped, Value::Text),
            9 => {
                let element = self.u32()?;
                let count = self.u64()?;
                match element_size(element) {
                    Some(size) => self.skip(
                        count
                            .checked_mul(size)
                            .ok_or(std::io::ErrorKind::InvalidData)?,
                    )?,
                    None if element == 8 => {
                        // Each string costs at least its 8-byte length: a count beyond what
                        // is left cannot be real, and is refused before looping.
                        if count > self.left / 8 {
                            return Err(std::io::ErrorKind::UnexpectedEof.into());
                        }
                        for _ in 0..count {
                            let len = self.u64()?;
                            self.skip(len)?;
                        }
                    }
                    None => {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "nested or unknown array element type",
                        ));
                    }
                }
                Value::Skipped
            }
            10 => Value::Number(self.u64()?.to_string()),
            11 => Value::Number(i64::from_le_bytes(self.bytes()?).to_string()),
            12 => Value::Number(f64::from_le_bytes(self.bytes()?).to_string()),
            other => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("unknown value type {other}"),
                ));
            }
        })
    }
}

fn element_size(kind: u32) -> Option<u64> {
    match kind {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

pub fn read_into(path: &Path, card: &mut ModelCard) -> Result<(), CollectError> {
    let file = File::open(path).map_err(|e| CollectError::io(path, e))?;
    let left = file
        .metadata()
        .map_err(|e| CollectError::io(path, e))?
        .len();
    let mut reader = Reader {
        inner: BufReader::with_capacity(64 * 1024, file),
        left,
    };
    read(&mut reader, card).map_err(|e| CollectError::Invalid {
        path: path.to_path_buf(),
        line: None,
        message: format!("GGUF metadata: {e}"),
    })
}

fn read(reader: &mut Reader, card: &mut ModelCard) -> std::io::Result<()> {
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    if &reader.bytes::<4>()? != b"GGUF" {
        return Err(invalid("not a GGUF file (no GGUF magic)".into()));
    }
    let version = reader.u32()?;
    if !(2..=3).contains(&version) {
        return Err(invalid(format!(
            "GGUF version {version} is not supported (2 and 3 are)"
        )));
    }
    let tensors = reader.u64()?;
    let keys = reader.u64()?;
    if tensors > MAX_TENSORS || keys > MAX_KEYS {
        return Err(invalid(format!(
            "{tensors} tensors and {keys} keys is beyond any real model"
        )));
    }
    for _ in 0..keys {
        let key = reader.string()?.unwrap_or_default();
        let kind = reader.u32()?;
        let value = reader.value(kind)?;
        let text = match value {
            Value::Text(t) | Value::Number(t) => t,
            Value::Skipped => continue,
        };
        if key == "general.architecture" {
            card.architecture_family.get_or_insert_with(|| text.clone());
        }
        if GENERAL_KEYS.contains(&key.as_str())
            || ARCHITECTURE_SUFFIXES.iter().any(|s| key.ends_with(s))
        {
            set_property(
                card,
                &format!("gguf:{key}"),
                text.chars().take(200).collect::<String>(),
            );
        }
    }
    let mut parameters: u64 = 0;
    for _ in 0..tensors {
        reader.string()?;
        let dims = reader.u32()?;
        if dims > 8 {
            return Err(invalid(format!("a tensor with {dims} dimensions")));
        }
        let mut count: u64 = 1;
        for _ in 0..dims {
            count = count.saturating_mul(reader.u64()?);
        }
        reader.u32()?; // element type
        reader.u64()?; // offset
        parameters = parameters.saturating_add(count);
    }
    add_to_property(card, "modelseal:model:tensors", tensors);
    add_to_property(card, "modelseal:model:parameters", parameters);
    Ok(())
}

#[cfg(test)]
mod tests {
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
        for (name, dims) in [("a", &[4u64, 8][..]), ("b", &[8][..])] {
            string(&mut out, name);
            out.extend((dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend(d.to_le_bytes());
            }
            out.extend(0u32.to_le_bytes());
            out.extend(0u64.to_le_bytes());
        }
        out
    }

    fn read_bytes(bytes: &[u8]) -> Result<ModelCard, CollectError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        std::fs::write(&path, bytes).unwrap();
        let mut card = ModelCard::default();
        read_into(&path, &mut card).map(|()| card)
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
        assert_eq!(get("modelseal:model:parameters"), Some("40"));
        assert_eq!(get("modelseal:model:tensors"), Some("2"));
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
        let mut v1 = b"GGUF".to_vec();
        v1.extend(1u32.to_le_bytes());
        v1.extend([0u8; 16]);
        assert!(
            read_bytes(&v1)
                .unwrap_err()
                .to_string()
                .contains("version 1")
        );
    }
}
