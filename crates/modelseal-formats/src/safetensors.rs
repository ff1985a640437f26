//! safetensors: the 8-byte length and the JSON header, parsed and checked. A loader that
//! trusts a lying header is exploitable and an inventory that repeats it misinforms, so every
//! tensor's dtype, shape and byte range are checked (known dtype, range inside the data
//! section, shape × dtype size equal to the range, no overlaps, no gaps); what fails is a
//! [`Problem`], and the [`Facts`] (parameter count, dtypes) exist only when there is none.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{FormatError, Reader};

/// The reference implementation refuses larger headers.
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Bits per element of a known dtype.
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        _ => return None,
    })
}

/// One way a header lies or is incomplete. Ranges are relative to the data section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A tensor entry without one of its three required fields.
    #[error("tensor {tensor:?} lacks a dtype, shape or data_offsets")]
    MissingField {
        /// The tensor's name.
        tensor: String,
    },
    /// `data_offsets` is not a `[begin, end]` pair.
    #[error("tensor {tensor:?} has {count} data offsets")]
    OffsetCount {
        /// The tensor's name.
        tensor: String,
        /// How many offsets it has.
        count: usize,
    },
    /// A tensor's range ends before it begins or past the end of the data section.
    #[error("tensor {tensor:?} claims bytes {begin}..{end} of a {data_len}-byte data section")]
    OutOfBounds {
        /// The tensor's name.
        tensor: String,
        /// Where its bytes begin.
        begin: u64,
        /// Where its bytes end (exclusive).
        end: u64,
        /// The data section's length.
        data_len: u64,
    },
    /// A dtype safetensors does not define, so its size cannot be checked.
    #[error("tensor {tensor:?} has unknown dtype {dtype:?}")]
    UnknownDtype {
        /// The tensor's name.
        tensor: String,
        /// The dtype as written.
        dtype: String,
    },
    /// A tensor's range is not the size its shape and dtype need: the shape lies.
    #[error(
        "tensor {tensor:?} ({dtype} {shape:?}) should take {expected:?} bytes but its offsets span {actual}"
    )]
    SizeMismatch {
        /// The tensor's name.
        tensor: String,
        /// The dtype as written.
        dtype: String,
        /// The shape as written.
        shape: Vec<u64>,
        /// The bytes shape × dtype size need; `None` when that overflows.
        expected: Option<u64>,
        /// The length of its range.
        actual: u64,
    },
    /// `__metadata__` holds something other than string values.
    #[error("__metadata__ must map strings to strings")]
    MetadataNotStrings,
    /// A tensor's range starts inside the previous tensor's (ranges taken in offset order).
    #[error("tensor {tensor:?} overlaps the tensor before it (bytes {begin}..{end})")]
    Overlap {
        /// The tensor's name.
        tensor: String,
        /// Where its bytes begin.
        begin: u64,
        /// Where its bytes end (exclusive).
        end: u64,
    },
    /// Bytes no tensor claims before this one: room for hidden data.
    #[error("{bytes} unaccounted bytes before tensor {tensor:?}")]
    Gap {
        /// The tensor after the gap.
        tensor: String,
        /// The gap's length.
        bytes: u64,
    },
    /// Bytes after the last tensor that no tensor claims.
    #[error("{bytes} bytes after the last tensor are not described by the header")]
    Trailing {
        /// How many.
        bytes: u64,
    },
}

impl Problem {
    /// Problems that let a loader read outside a tensor's own bytes (out of bounds,
    /// overlapping), as opposed to a header that is merely inconsistent.
    pub fn breaks_bounds(&self) -> bool {
        matches!(self, Problem::OutOfBounds { .. } | Problem::Overlap { .. })
    }
}

/// A tensor entry whose fields are all present; its range is inside the data section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    /// The tensor's name (the header's key).
    pub name: String,
    /// The dtype as written (`F32`, `BF16`...).
    pub dtype: String,
    /// The shape as written.
    pub shape: Vec<u64>,
    /// Byte range in the data section: where it begins.
    pub begin: u64,
    /// Where it ends (exclusive).
    pub end: u64,
}

/// What a consistent header states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// How many tensors the header lists.
    pub tensors: u64,
    /// The sum of every tensor's element count.
    pub parameters: u64,
    /// Distinct dtypes, sorted.
    pub dtypes: Vec<String>,
}

/// A parsed safetensors header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Length of the JSON header.
    pub header_len: u64,
    /// Length of the data section (the file after the header).
    pub data_len: u64,
    /// Entries whose fields are present and whose ranges are inside the data section, in
    /// name order.
    pub tensors: Vec<Tensor>,
    /// `__metadata__` entries whose values are strings.
    pub metadata: BTreeMap<String, String>,
    /// Everything the checks found, in the order found.
    pub problems: Vec<Problem>,
}

impl Header {
    /// The length the first 8 bytes state, if there are 8 bytes.
    pub fn stated_len(data: &[u8]) -> Option<u64> {
        Reader::new(data).u64("header length").ok()
    }

    /// Parses and checks the header at the start of `data` (at least the 8-byte length and
    /// the header), the prefix of a `file_len`-byte file.
    pub fn parse(data: &[u8], file_len: u64) -> Result<Header, FormatError> {
        let mut r = Reader::new(data);
        let header_len = r.u64("header length")?;
        if header_len > MAX_HEADER_BYTES {
            return Err(FormatError::TooLarge {
                what: "safetensors header",
                size: header_len,
                limit: MAX_HEADER_BYTES,
            });
        }
        let data_len = file_len
            .checked_sub(8 + header_len)
            .ok_or(FormatError::Truncated {
                what: "safetensors header",
                offset: 8,
                needed: header_len,
                end: file_len,
            })?;
        let json = r.take_len(header_len, "safetensors header")?;
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(json) else {
            return Err(FormatError::Invalid {
                what: "safetensors header (not a UTF-8 JSON object)",
                offset: 8,
            });
        };
        let mut header = Header {
            header_len,
            data_len,
            tensors: Vec::new(),
            metadata: BTreeMap::new(),
            problems: Vec::new(),
        };
        for (name, info) in &map {
            if name == "__metadata__" {
                header.read_metadata(info);
            } else {
                header.check_tensor(name, info);
            }
        }
        header.check_layout();
        Ok(header)
    }

    /// The header's facts, only when every check passed.
    pub fn facts(&self) -> Option<Facts> {
        if !self.problems.is_empty() {
            return None;
        }
        let mut parameters = 0u64;
        for tensor in &self.tensors {
            let elements = tensor
                .shape
                .iter()
                .try_fold(1u64, |acc, d| acc.checked_mul(*d))?;
            parameters = parameters.checked_add(elements)?;
        }
        let mut dtypes: Vec<String> = self.tensors.iter().map(|t| t.dtype.clone()).collect();
        dtypes.sort_unstable();
        dtypes.dedup();
        Some(Facts {
            tensors: self.tensors.len() as u64,
            parameters,
            dtypes,
        })
    }

    fn read_metadata(&mut self, info: &Value) {
        let Some(entries) = info.as_object() else {
            self.problems.push(Problem::MetadataNotStrings);
            return;
        };
        let mut all_strings = true;
        for (key, value) in entries {
            match value.as_str() {
                Some(text) => {
                    self.metadata.insert(key.clone(), text.to_owned());
                }
                None => all_strings = false,
            }
        }
        if !all_strings {
            self.problems.push(Problem::MetadataNotStrings);
        }
    }

    fn check_tensor(&mut self, name: &str, info: &Value) {
        let dtype = info.get("dtype").and_then(Value::as_str);
        let shape: Option<Vec<u64>> = info
            .get("shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect());
        let offsets: Option<Vec<u64>> = info
            .get("data_offsets")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect());
        let tensor = name.to_owned();
        let (Some(dtype), Some(shape), Some(offsets)) = (dtype, shape, offsets) else {
            self.problems.push(Problem::MissingField { tensor });
            return;
        };
        let [begin, end] = offsets[..] else {
            self.problems.push(Problem::OffsetCount {
                tensor,
                count: offsets.len(),
            });
            return;
        };
        if begin > end || end > self.data_len {
            self.problems.push(Problem::OutOfBounds {
                tensor,
                begin,
                end,
                data_len: self.data_len,
            });
            return;
        }
        match dtype_bits(dtype) {
            None => self.problems.push(Problem::UnknownDtype {
                tensor: tensor.clone(),
                dtype: dtype.to_owned(),
            }),
            Some(bits) => {
                let expected = shape
                    .iter()
                    .try_fold(bits, |acc, d| acc.checked_mul(*d))
                    .map(|b| b.div_ceil(8));
                if expected != Some(end - begin) {
                    self.problems.push(Problem::SizeMismatch {
                        tensor: tensor.clone(),
                        dtype: dtype.to_owned(),
                        shape: shape.clone(),
                        expected,
                        actual: end - begin,
                    });
                }
            }
        }
        self.tensors.push(Tensor {
            name: tensor,
            dtype: dtype.to_owned(),
            shape,
            begin,
            end,
        });
    }

    /// Ranges, sorted, must tile the data section exactly.
    fn check_layout(&mut self) {
        let mut ranges: Vec<(u64, u64, &str)> = self
            .tensors
            .iter()
            .map(|t| (t.begin, t.end, t.name.as_str()))
            .collect();
        ranges.sort_unstable();
        let mut problems = Vec::new();
        let mut cursor = 0;
        for &(begin, end, name) in &ranges {
            if begin < cursor {
                problems.push(Problem::Overlap {
                    tensor: name.to_owned(),
                    begin,
                    end,
                });
            } else if begin > cursor {
                problems.push(Problem::Gap {
                    tensor: name.to_owned(),
                    bytes: begin - cursor,
                });
            }
            cursor = cursor.max(end);
        }
        if cursor < self.data_len {
            problems.push(Problem::Trailing {
                bytes: self.data_len - cursor,
            });
        }
        self.problems.extend(problems);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.extend(std::iter::repeat_n(0u8, data_len));
        out
    }

    fn parse(header: &str, data_len: usize) -> Header {
        let bytes = file(header, data_len);
        Header::parse(&bytes, bytes.len() as u64).unwrap()
    }

    #[test]
    fn a_consistent_header_states_its_facts() {
        let h = parse(
            r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}}"#,
            32,
        );
        assert_eq!(h.problems, []);
        assert_eq!(h.metadata["format"], "pt");
        let facts = h.facts().unwrap();
        assert_eq!(facts.tensors, 2);
        assert_eq!(facts.parameters, 10);
        assert_eq!(facts.dtypes, ["F16", "F32"]);
    }

    #[test]
    fn a_lying_header_has_problems_and_no_facts() {
        let overlap = parse(
            r#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}}"#,
            12,
        );
        assert!(overlap.problems.iter().any(Problem::breaks_bounds));
        assert_eq!(overlap.facts(), None);
        let huge = parse(
            r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
            4,
        );
        assert!(matches!(
            huge.problems[..],
            [Problem::SizeMismatch { expected: None, .. }]
        ));
        let outside = parse(
            r#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,80]}}"#,
            8,
        );
        assert!(matches!(outside.problems[0], Problem::OutOfBounds { .. }));
        let gap = parse(
            r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#,
            10,
        );
        assert!(matches!(
            gap.problems[..],
            [
                Problem::Gap { bytes: 4, .. },
                Problem::Trailing { bytes: 2 }
            ]
        ));
        let meta = parse(r#"{"__metadata__":{"n":1}}"#, 0);
        assert_eq!(meta.problems, [Problem::MetadataNotStrings]);
    }

    #[test]
    fn bad_lengths_are_errors() {
        assert!(Header::parse(b"\x02\0\0", 3).is_err());
        let mut big = (MAX_HEADER_BYTES + 1).to_le_bytes().to_vec();
        big.push(b'{');
        assert!(matches!(
            Header::parse(&big, u64::MAX),
            Err(FormatError::TooLarge { .. })
        ));
        let short = file("{}", 0);
        assert!(Header::parse(&short, 5).is_err());
        let not_object = file("[]", 0);
        assert!(matches!(
            Header::parse(&not_object, not_object.len() as u64),
            Err(FormatError::Invalid { .. })
        ));
    }
}
