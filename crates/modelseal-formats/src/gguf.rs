//! GGUF (llama.cpp), versions 1 to 3: the header, the metadata key/values and the tensor
//! infos, every count checked against the bytes that remain before anything is allocated.
//! Strings are borrowed from the input; arrays are skipped over and described by their element
//! type and length, never loaded. Tensor data is not read.

use std::borrow::Cow;

use crate::{FormatError, Reader};

const MAGIC: &[u8] = b"GGUF";
/// The most of a file read for its header, by the scanner and the SBOM alike (so they agree
/// on which files are well formed). Real headers, vocabulary included, take a few MiB; a
/// long description or chat template can take tens.
pub const MAX_HEADER_BYTES: u64 = 256 * 1024 * 1024;
const DEFAULT_ALIGNMENT: u64 = 32;
/// More dimensions than ggml supports.
const MAX_DIMS: u32 = 8;
/// Arrays of arrays deeper than this are refused (real files nest at most one level).
const MAX_ARRAY_DEPTH: u32 = 2;
/// The smallest a tensor info can be: name length, dimension count, type and offset.
const MIN_TENSOR_INFO: u64 = 8 + 4 + 4 + 8;

/// The value type code of a `uint32` (as found in [`Value::Array`]'s `element_type`).
pub const TYPE_UINT32: u32 = 4;
/// The value type code of a string.
pub const TYPE_STRING: u32 = 8;
/// The value type code of an array (arrays of arrays exist).
pub const TYPE_ARRAY: u32 = 9;

/// One metadata value. Arrays are described, not loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Type 0.
    U8(u8),
    /// Type 1.
    I8(i8),
    /// Type 2.
    U16(u16),
    /// Type 3.
    I16(i16),
    /// Type 4.
    U32(u32),
    /// Type 5.
    I32(i32),
    /// Type 6.
    F32(f32),
    /// Type 7 (any non-zero byte is true).
    Bool(bool),
    /// Type 8: the raw bytes, borrowed from the input; GGUF says UTF-8 but nothing enforces it.
    String(&'a [u8]),
    /// Type 9, described instead of loaded: a vocabulary array can hold millions of entries.
    Array {
        /// The value type code of every element.
        element_type: u32,
        /// The element count.
        len: u64,
    },
    /// Type 10.
    U64(u64),
    /// Type 11.
    I64(i64),
    /// Type 12.
    F64(f64),
}

impl Value<'_> {
    /// The value as text, for numbers and strings (an SBOM property); `None` for arrays.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::U8(v) => v.to_string(),
            Value::I8(v) => v.to_string(),
            Value::U16(v) => v.to_string(),
            Value::I16(v) => v.to_string(),
            Value::U32(v) => v.to_string(),
            Value::I32(v) => v.to_string(),
            Value::F32(v) => v.to_string(),
            Value::Bool(v) => v.to_string(),
            Value::String(s) => String::from_utf8_lossy(s).into_owned(),
            Value::U64(v) => v.to_string(),
            Value::I64(v) => v.to_string(),
            Value::F64(v) => v.to_string(),
            Value::Array { .. } => return None,
        })
    }

    /// An unsigned integer value of any width.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U8(v) => Some(u64::from(v)),
            Value::U16(v) => Some(u64::from(v)),
            Value::U32(v) => Some(u64::from(v)),
            Value::U64(v) => Some(v),
            _ => None,
        }
    }
}

/// One metadata key/value.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata<'a> {
    /// The key, such as `general.architecture` (invalid UTF-8 replaced).
    pub key: Cow<'a, str>,
    /// Where the key starts in the file.
    pub offset: u64,
    /// The value.
    pub value: Value<'a>,
}

/// One tensor info: where a tensor's data sits in the data section and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo<'a> {
    /// The tensor's name (invalid UTF-8 replaced).
    pub name: Cow<'a, str>,
    /// The dimensions, innermost first as ggml orders them.
    pub dims: Vec<u64>,
    /// The ggml element type (`GGML_TYPE_F32` = 0, quantized types above).
    pub ggml_type: u32,
    /// Relative to the start of the data section.
    pub offset: u64,
}

impl TensorInfo<'_> {
    /// The tensor's size in bytes: elements × block bytes / block elements.
    pub fn byte_size(&self) -> Result<u64, TensorProblem> {
        let name = || self.name.chars().take(100).collect::<String>();
        let (block, block_bytes) =
            ggml_block(self.ggml_type).ok_or_else(|| TensorProblem::UnknownType {
                name: name(),
                ggml_type: self.ggml_type,
            })?;
        let dim = self.dims.first().copied().unwrap_or(1);
        if dim % block != 0 {
            return Err(TensorProblem::PartialBlock {
                name: name(),
                dim,
                block,
            });
        }
        self.elements()
            .and_then(|n| (n / block).checked_mul(block_bytes))
            .ok_or_else(|| TensorProblem::Overflow { name: name() })
    }

    /// The number of elements, `None` when it overflows.
    pub fn elements(&self) -> Option<u64> {
        self.dims
            .iter()
            .try_fold(1u64, |acc, d| acc.checked_mul(*d))
    }
}

/// A GGUF header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Header<'a> {
    /// The GGUF version, 1 to 3.
    pub version: u32,
    /// The metadata key/values, in file order.
    pub metadata: Vec<Metadata<'a>>,
    /// The tensor infos, in file order.
    pub tensors: Vec<TensorInfo<'a>>,
    /// The data alignment: `general.alignment` when the file sets it, 32 otherwise.
    pub alignment: u64,
    /// Where the data section starts in the file.
    pub data_offset: u64,
    /// Why the tensor infos do not describe the data section (`None` when they do): set only
    /// when the header itself parsed. A header with a problem states no tensor facts.
    pub tensor_problem: Option<TensorProblem>,
}

/// Why a structurally sound header's tensor infos are not believable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TensorProblem {
    /// `general.alignment` is zero or not a power of two (llama.cpp refuses it).
    #[error("alignment {0} is not a power of two")]
    BadAlignment(u64),
    /// A ggml type no reader knows: its size is unknown.
    #[error("tensor {name:?} has unknown ggml type {ggml_type}")]
    UnknownType {
        /// The tensor's name.
        name: String,
        /// The type code.
        ggml_type: u32,
    },
    /// The element count or byte size overflows 64 bits.
    #[error("tensor {name:?}: its size overflows")]
    Overflow {
        /// The tensor's name.
        name: String,
    },
    /// The innermost dimension is not a whole number of quantisation blocks.
    #[error(
        "tensor {name:?}: innermost dimension {dim} is not a multiple of the block size {block}"
    )]
    PartialBlock {
        /// The tensor's name.
        name: String,
        /// The innermost dimension.
        dim: u64,
        /// The type's block size in elements.
        block: u64,
    },
    /// The tensor's bytes run past the end of the file.
    #[error(
        "tensor {name:?} needs bytes {start}..{end} of the data section, which holds {data_len}"
    )]
    PastEnd {
        /// The tensor's name.
        name: String,
        /// Its first byte, relative to the data section.
        start: u64,
        /// One past its last byte.
        end: u64,
        /// How many bytes the data section holds.
        data_len: u64,
    },
    /// Two tensors share bytes.
    #[error("tensors {first:?} and {second:?} overlap")]
    Overlap {
        /// The tensor that starts first.
        first: String,
        /// The tensor that starts inside it.
        second: String,
    },
}

impl TensorProblem {
    /// Whether a real reader still loads such a file: gguf-py maps overlapping tensors without
    /// complaint; every other problem makes both gguf-py and llama.cpp refuse the file.
    pub fn loader_accepts(&self) -> bool {
        matches!(self, TensorProblem::Overlap { .. })
    }
}

/// A ggml type's block: (elements per block, bytes per block), as gguf-py's
/// `GGML_QUANT_SIZES` and ggml's type traits give them. `None` for a type no reader knows.
pub fn ggml_block(ggml_type: u32) -> Option<(u64, u64)> {
    Some(match ggml_type {
        0 | 26 => (1, 4),                       // F32, I32
        1 | 25 | 30 => (1, 2),                  // F16, I16, BF16
        2 | 20 | 31..=33 | 36..=38 => (32, 18), // Q4_0, IQ4_NL and their removed repackings
        3 => (32, 20),                          // Q4_1
        6 => (32, 22),                          // Q5_0
        7 => (32, 24),                          // Q5_1
        8 => (32, 34),                          // Q8_0
        9 => (32, 40),                          // Q8_1
        10 => (256, 84),                        // Q2_K
        11 | 21 => (256, 110),                  // Q3_K, IQ3_S
        12 => (256, 144),                       // Q4_K
        13 => (256, 176),                       // Q5_K
        14 => (256, 210),                       // Q6_K
        15 => (256, 292),                       // Q8_K
        16 | 35 => (256, 66),                   // IQ2_XXS, TQ2_0
        17 => (256, 74),                        // IQ2_XS
        18 => (256, 98),                        // IQ3_XXS
        19 => (256, 50),                        // IQ1_S
        22 => (256, 82),                        // IQ2_S
        23 => (256, 136),                       // IQ4_XS
        24 => (1, 1),                           // I8
        27 | 28 => (1, 8),                      // I64, F64
        29 => (256, 56),                        // IQ1_M
        34 => (256, 54),                        // TQ1_0
        39 => (32, 17),                         // MXFP4
        40 => (64, 36),                         // NVFP4
        41 => (128, 18),                        // Q1_0
        _ => return None,
    })
}

impl<'a> Header<'a> {
    /// Parses the header at the start of `data`, a prefix of a `file_len`-byte file.
    pub fn parse(data: &'a [u8], file_len: u64) -> Result<Self, FormatError> {
        match Header::parse_prefix(data, file_len) {
            (header, None) => Ok(header),
            (_, Some(error)) => Err(error),
        }
    }

    /// Like [`Header::parse`], but keeps what was read before an error (the metadata of a
    /// file whose tensor table is broken is still worth judging).
    pub fn parse_prefix(data: &'a [u8], file_len: u64) -> (Self, Option<FormatError>) {
        let mut header = Header {
            alignment: DEFAULT_ALIGNMENT,
            ..Header::default()
        };
        let error = read(data, file_len, &mut header).err();
        (header, error)
    }

    /// The value of `key`, if present (the first, should a hostile file repeat it).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.metadata
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    /// `general.architecture`.
    pub fn architecture(&self) -> Option<String> {
        self.get("general.architecture").and_then(Value::to_text)
    }

    /// `general.file_type`: the quantisation of most tensors (a `llama_ftype`).
    pub fn file_type(&self) -> Option<u64> {
        self.get("general.file_type").and_then(Value::as_u64)
    }

    /// The sum of every tensor's elements, `None` when it overflows or the tensor infos do
    /// not describe the file ([`Header::tensor_problem`]).
    pub fn parameter_count(&self) -> Option<u64> {
        if self.tensor_problem.is_some() {
            return None;
        }
        self.tensors
            .iter()
            .try_fold(0u64, |acc, t| acc.checked_add(t.elements()?))
    }
}

struct Fields<'a> {
    r: Reader<'a>,
    /// GGUF v1 used 32-bit counts and lengths.
    wide: bool,
}

impl<'a> Fields<'a> {
    fn count(&mut self, what: &'static str) -> Result<u64, FormatError> {
        if self.wide {
            self.r.u64(what)
        } else {
            self.r.u32(what).map(u64::from)
        }
    }

    fn string(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        let n = self.count(what)?;
        self.r.take_len(n, what)
    }

    fn value(&mut self, kind: u32, depth: u32) -> Result<Value<'a>, FormatError> {
        let what = "metadata value";
        Ok(match kind {
            0 => Value::U8(self.r.u8(what)?),
            1 => Value::I8(i8::from_le_bytes(self.r.array(what)?)),
            2 => Value::U16(self.r.u16(what)?),
            3 => Value::I16(i16::from_le_bytes(self.r.array(what)?)),
            4 => Value::U32(self.r.u32(what)?),
            5 => Value::I32(i32::from_le_bytes(self.r.array(what)?)),
            6 => Value::F32(f32::from_le_bytes(self.r.array(what)?)),
            7 => Value::Bool(self.r.u8(what)? != 0),
            8 => Value::String(self.string("metadata string")?),
            9 => self.array(depth)?,
            10 => Value::U64(self.r.u64(what)?),
            11 => Value::I64(i64::from_le_bytes(self.r.array(what)?)),
            12 => Value::F64(f64::from_le_bytes(self.r.array(what)?)),
            _ => {
                return Err(FormatError::Invalid {
                    what: "metadata value type",
                    offset: self.r.offset() - 4,
                });
            }
        })
    }

    fn array(&mut self, depth: u32) -> Result<Value<'a>, FormatError> {
        let at = self.r.offset();
        if depth > MAX_ARRAY_DEPTH {
            return Err(FormatError::Invalid {
                what: "array nesting",
                offset: at,
            });
        }
        let element_type = self.r.u32("array element type")?;
        let len = self.count("array length")?;
        if let Some(size) = fixed_size(element_type) {
            let bytes = len
                .checked_mul(size)
                .ok_or(FormatError::Overflow { what: "array size" })?;
            self.r.skip(bytes, "array data")?;
        } else {
            // Each element takes at least 4 bytes (a v1 string length): bound before looping.
            if len > self.r.left() as u64 / 4 {
                return Err(FormatError::TooLarge {
                    what: "array length",
                    size: len,
                    limit: self.r.left() as u64 / 4,
                });
            }
            for _ in 0..len {
                self.value(element_type, depth + 1)?;
            }
        }
        Ok(Value::Array { element_type, len })
    }
}

fn fixed_size(kind: u32) -> Option<u64> {
    match kind {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn read<'a>(data: &'a [u8], file_len: u64, header: &mut Header<'a>) -> Result<(), FormatError> {
    let mut f = Fields {
        r: Reader::new(data),
        wide: true,
    };
    if f.r.take(4, "GGUF magic")? != MAGIC {
        return Err(FormatError::BadMagic { format: "GGUF" });
    }
    let version = f.r.u32("GGUF version")?;
    if !(1..=3).contains(&version) {
        return Err(FormatError::Unsupported {
            format: "GGUF",
            version: u64::from(version),
        });
    }
    header.version = version;
    f.wide = version >= 2;
    let tensors = f.count("tensor count")?;
    let kvs = f.count("metadata count")?;
    let mut zero_alignment = false;
    for _ in 0..kvs {
        let offset = f.r.offset();
        let key = lossy(f.string("metadata key")?);
        let kind = f.r.u32("metadata value type")?;
        let value = f.value(kind, 0)?;
        if key == "general.alignment"
            && let Value::U32(alignment) = value
        {
            // Zero is kept apart from 1 so the tensor check can refuse it; the offsets
            // are aligned to 1 meanwhile, which never divides by zero.
            header.alignment = u64::from(alignment).max(1);
            zero_alignment |= alignment == 0;
        }
        header.metadata.push(Metadata { key, offset, value });
    }
    if tensors > f.r.left() as u64 / MIN_TENSOR_INFO {
        return Err(FormatError::TooLarge {
            what: "tensor count",
            size: tensors,
            limit: f.r.left() as u64 / MIN_TENSOR_INFO,
        });
    }
    for _ in 0..tensors {
        let at = f.r.offset();
        let name = lossy(f.string("tensor name")?);
        let dim_count = f.r.u32("tensor dimension count")?;
        if dim_count > MAX_DIMS {
            return Err(FormatError::TooLarge {
                what: "tensor dimension count",
                size: u64::from(dim_count),
                limit: u64::from(MAX_DIMS),
            });
        }
        let dims = (0..dim_count)
            .map(|_| f.count("tensor dimension"))
            .collect::<Result<Vec<_>, _>>()?;
        let ggml_type = f.r.u32("tensor type")?;
        let offset = f.r.u64("tensor offset")?;
        if offset % header.alignment != 0 {
            return Err(FormatError::Invalid {
                what: "tensor offset alignment",
                offset: at,
            });
        }
        header.tensors.push(TensorInfo {
            name,
            dims,
            ggml_type,
            offset,
        });
    }
    let data_offset =
        f.r.offset()
            .div_ceil(header.alignment)
            .checked_mul(header.alignment)
            .ok_or(FormatError::Overflow {
                what: "data section offset",
            })?;
    header.data_offset = data_offset;
    let data_len = file_len.saturating_sub(data_offset);
    if data_len > 0
        && let Some(outside) = header.tensors.iter().find(|t| t.offset >= data_len)
    {
        return Err(FormatError::TooLarge {
            what: "tensor offset",
            size: outside.offset,
            limit: data_len,
        });
    }
    header.tensor_problem = if zero_alignment {
        Some(TensorProblem::BadAlignment(0))
    } else {
        check_tensors(header, data_len).err()
    };
    Ok(())
}

/// Every tensor has a known type and lies inside the data section, and no two share bytes.
fn check_tensors(header: &Header<'_>, data_len: u64) -> Result<(), TensorProblem> {
    if !header.alignment.is_power_of_two() {
        return Err(TensorProblem::BadAlignment(header.alignment));
    }
    let mut extents = Vec::with_capacity(header.tensors.len());
    for tensor in &header.tensors {
        let size = tensor.byte_size()?;
        let name = || tensor.name.chars().take(100).collect::<String>();
        let end = tensor
            .offset
            .checked_add(size)
            .ok_or_else(|| TensorProblem::Overflow { name: name() })?;
        if end > data_len {
            return Err(TensorProblem::PastEnd {
                name: name(),
                start: tensor.offset,
                end,
                data_len,
            });
        }
        extents.push((tensor.offset, end, tensor));
    }
    extents.sort_unstable_by_key(|&(start, end, _)| (start, end));
    for pair in extents.windows(2) {
        let ((_, end, first), (start, _, second)) = (pair[0], pair[1]);
        if start < end {
            return Err(TensorProblem::Overlap {
                first: first.name.chars().take(100).collect(),
                second: second.name.chars().take(100).collect(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A minimal file: `version`, one string and one u32 key, one 2×3 tensor.
    pub(crate) fn sample(version: u32) -> Vec<u8> {
        let wide = version >= 2;
        let count = |out: &mut Vec<u8>, n: u64| {
            if wide {
                out.extend_from_slice(&n.to_le_bytes());
            } else {
                out.extend_from_slice(&(n as u32).to_le_bytes());
            }
        };
        let string = |out: &mut Vec<u8>, s: &str| {
            count(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        };
        let mut out = b"GGUF".to_vec();
        out.extend_from_slice(&version.to_le_bytes());
        count(&mut out, 1);
        count(&mut out, 3);
        string(&mut out, "general.architecture");
        out.extend_from_slice(&TYPE_STRING.to_le_bytes());
        string(&mut out, "llama");
        string(&mut out, "general.file_type");
        out.extend_from_slice(&TYPE_UINT32.to_le_bytes());
        out.extend_from_slice(&15u32.to_le_bytes());
        string(&mut out, "tokenizer.ggml.tokens");
        out.extend_from_slice(&TYPE_ARRAY.to_le_bytes());
        out.extend_from_slice(&TYPE_STRING.to_le_bytes());
        count(&mut out, 2);
        string(&mut out, "a");
        string(&mut out, "b");
        string(&mut out, "w");
        out.extend_from_slice(&2u32.to_le_bytes());
        count(&mut out, 2);
        count(&mut out, 3);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes());
        while !out.len().is_multiple_of(32) {
            out.push(0);
        }
        out.extend_from_slice(&[0; 24]);
        out
    }

    #[test]
    fn parses_every_version() {
        for version in 1..=3 {
            let bytes = sample(version);
            let header = Header::parse(&bytes, bytes.len() as u64).unwrap();
            assert_eq!(header.version, version);
            assert_eq!(header.architecture().as_deref(), Some("llama"));
            assert_eq!(header.file_type(), Some(15));
            assert_eq!(header.parameter_count(), Some(6));
            assert_eq!(header.tensors[0].name, "w");
            assert_eq!(header.data_offset, (bytes.len() - 24) as u64);
            assert_eq!(
                header.get("tokenizer.ggml.tokens"),
                Some(&Value::Array {
                    element_type: TYPE_STRING,
                    len: 2
                })
            );
        }
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = sample(3);
        let tensor_info_end = bytes
            .windows(9)
            .position(|w| w == b"\x01\0\0\0\0\0\0\0w")
            .unwrap()
            + 9
            + 4
            + 16
            + 4
            + 8;
        for cut in 0..tensor_info_end {
            assert!(
                Header::parse(&bytes[..cut], cut as u64).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn hostile_counts_are_refused_before_allocating() {
        let mut bytes = b"GGUF\x03\x00\x00\x00".to_vec();
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        assert!(matches!(
            Header::parse(&bytes, bytes.len() as u64),
            Err(FormatError::TooLarge { .. })
        ));
        assert!(matches!(
            Header::parse(b"GGUF\x07\x00\x00\x00", 8),
            Err(FormatError::Unsupported { version: 7, .. })
        ));
        assert!(matches!(
            Header::parse(b"GGUS\x03\x00\x00\x00", 8),
            Err(FormatError::BadMagic { .. })
        ));
    }

    #[test]
    fn metadata_read_before_an_error_is_kept() {
        let bytes = sample(3);
        let cut = bytes
            .windows(9)
            .position(|w| w == b"\x01\0\0\0\0\0\0\0w")
            .unwrap()
            + 12;
        let (header, error) = Header::parse_prefix(&bytes[..cut], cut as u64);
        assert!(error.is_some());
        assert_eq!(header.metadata.len(), 3);
    }

    /// A v3 file: optional `general.alignment`, tensors `(name, dims, type, offset)`, then the
    /// data section (padded to the alignment).
    fn crafted(
        alignment: Option<u32>,
        tensors: &[(&str, &[u64], u32, u64)],
        data: usize,
    ) -> Vec<u8> {
        let string = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        let mut out = b"GGUF\x03\x00\x00\x00".to_vec();
        out.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&u64::from(alignment.is_some()).to_le_bytes());
        if let Some(alignment) = alignment {
            string(&mut out, "general.alignment");
            out.extend_from_slice(&TYPE_UINT32.to_le_bytes());
            out.extend_from_slice(&alignment.to_le_bytes());
        }
        for (name, dims, ggml_type, offset) in tensors {
            string(&mut out, name);
            out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
            for d in *dims {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.extend_from_slice(&ggml_type.to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
        }
        if data > 0 {
            while !out.len().is_multiple_of(32) {
                out.push(0);
            }
            out.extend(std::iter::repeat_n(1u8, data));
        }
        out
    }

    fn problem(bytes: &[u8]) -> Option<TensorProblem> {
        let header = Header::parse(bytes, bytes.len() as u64).unwrap();
        if header.tensor_problem.is_some() {
            assert_eq!(header.parameter_count(), None);
        }
        header.tensor_problem
    }

    /// Red team F3 (M04-M07, M17, C02-C04, C20): tensor infos that do not fit the file.
    #[test]
    fn gguf_tensor_infos_that_lie_about_the_data_are_problems() {
        let honest = crafted(None, &[("a", &[4], 0, 0), ("b", &[64], 2, 32)], 68);
        assert_eq!(problem(&honest), None);
        let lying_dims = crafted(None, &[("a", &[1_000_000_000_000], 0, 0)], 64);
        assert!(matches!(
            problem(&lying_dims),
            Some(TensorProblem::PastEnd { .. })
        ));
        let nodata_bad_offset = crafted(None, &[("a", &[4], 0, 1 << 40)], 0);
        assert!(matches!(
            problem(&nodata_bad_offset),
            Some(TensorProblem::PastEnd { .. })
        ));
        let overlap = crafted(None, &[("a", &[4], 0, 0), ("b", &[4], 0, 0)], 16);
        let overlap = problem(&overlap).unwrap();
        assert!(matches!(overlap, TensorProblem::Overlap { .. }));
        assert!(overlap.loader_accepts());
        let unknown_type = crafted(None, &[("a", &[4], 9999, 0)], 32);
        assert!(matches!(
            problem(&unknown_type),
            Some(TensorProblem::UnknownType {
                ggml_type: 9999,
                ..
            })
        ));
        let align_huge = crafted(Some(0x8000_0000), &[("a", &[4], 0, 0)], 0);
        assert!(matches!(
            problem(&align_huge),
            Some(TensorProblem::PastEnd { .. })
        ));
        let align_odd = crafted(Some(3), &[("a", &[4], 0, 0)], 0);
        assert!(matches!(
            problem(&align_odd),
            Some(TensorProblem::BadAlignment(3))
        ));
        let overflow = crafted(None, &[("a", &[1 << 40, 1 << 40], 0, 0)], 32);
        assert!(matches!(
            problem(&overflow),
            Some(TensorProblem::Overflow { .. })
        ));
        let partial_block = crafted(None, &[("a", &[33], 2, 0)], 64);
        assert!(matches!(
            problem(&partial_block),
            Some(TensorProblem::PartialBlock { .. })
        ));
    }
}
