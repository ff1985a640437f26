//! NumPy `.npy`: magic, version 1 to 3, and the header, a Python dict literal with `descr`,
//! `fortran_order` and `shape`. An array of Python objects (`descr` containing `O`) stores a
//! pickle after the header, which `numpy.load(..., allow_pickle=True)` runs.

use crate::{FormatError, Reader};

const MAGIC: &[u8] = b"\x93NUMPY";

/// A `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The format version's major number (1 to 3; 2 widens the header length, 3 makes the
    /// header UTF-8).
    pub major: u8,
    /// The format version's minor number.
    pub minor: u8,
    /// The dict literal as written.
    pub text: String,
    /// Where the array data starts.
    pub data_offset: usize,
    /// The `descr` value as written (`'<f4'`, `'|O'`, `[('a', '<f4'), ('b', 'O')]`).
    pub descr: Option<String>,
    /// The `fortran_order` value (column-major data); `None` when absent or not a bool.
    pub fortran_order: Option<bool>,
    /// `None` when absent or not a tuple of integers.
    pub shape: Option<Vec<u64>>,
}

impl Header {
    /// Parses the magic, version and header dict at the start of `data`; the dict's values are
    /// read loosely (a missing one is `None`), its length strictly.
    pub fn parse(data: &[u8]) -> Result<Header, FormatError> {
        let mut r = Reader::new(data);
        if r.take(MAGIC.len(), "NumPy magic")? != MAGIC {
            return Err(FormatError::BadMagic { format: "NumPy" });
        }
        let major = r.u8("NumPy major version")?;
        let minor = r.u8("NumPy minor version")?;
        let len = match major {
            1 => u64::from(r.u16("NumPy header length")?),
            2 | 3 => u64::from(r.u32("NumPy header length")?),
            _ => {
                return Err(FormatError::Unsupported {
                    format: "NumPy",
                    version: u64::from(major),
                });
            }
        };
        let start = r.offset();
        let bytes = r.take_len(len, "NumPy header")?;
        let text = std::str::from_utf8(bytes)
            .map_err(|_| FormatError::Invalid {
                what: "NumPy header (not UTF-8)",
                offset: start,
            })?
            .to_owned();
        let descr = field(&text, "descr");
        let fortran_order = field(&text, "fortran_order").and_then(|v| match v.as_str() {
            "True" => Some(true),
            "False" => Some(false),
            _ => None,
        });
        let shape = field(&text, "shape").and_then(|v| parse_shape(&v));
        Ok(Header {
            major,
            minor,
            text,
            data_offset: r.used(),
            descr,
            fortran_order,
            shape,
        })
    }

    /// `|O`, `'O'` or an `O` inside a structured dtype: the payload is a pickle.
    pub fn is_object(&self) -> bool {
        self.descr.as_deref().is_some_and(|descr| {
            descr.contains("'O'")
                || descr.contains("|O")
                || descr.contains("'O")
                || descr.trim_matches(['\'', '"']) == "O"
        })
    }
}

/// The value text of `'key': value` in the header dict (up to the next top-level comma).
fn field(header: &str, key: &str) -> Option<String> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = header[at + key.len() + 2..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let mut depth = 0i32;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' | ',' if depth == 0 => {
                end = i;
                break;
            }
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    Some(rest[..end].trim().to_owned())
}

/// `(3, 4)`, `(3,)` or `()`.
fn parse_shape(value: &str) -> Option<Vec<u64>> {
    let inner = value.strip_prefix('(')?.strip_suffix(')')?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.trim_end_matches('L').parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn npy(major: u8, header: &str) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[major, 0]);
        if major == 1 {
            out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(b"DATA");
        out
    }

    #[test]
    fn reads_header_fields() {
        let h = "{'descr': [('a', '<f4'), ('b', 'O')], 'fortran_order': False, 'shape': (3,), }";
        assert_eq!(field(h, "descr").unwrap(), "[('a', '<f4'), ('b', 'O')]");
        assert_eq!(field(h, "shape").unwrap(), "(3,)");
        for major in 1..=3 {
            let bytes = npy(major, h);
            let header = Header::parse(&bytes).unwrap();
            assert!(header.is_object());
            assert_eq!(header.shape, Some(vec![3]));
            assert_eq!(header.fortran_order, Some(false));
            assert_eq!(&bytes[header.data_offset..], b"DATA");
        }
        let plain = npy(
            1,
            "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 5), }",
        );
        let header = Header::parse(&plain).unwrap();
        assert!(!header.is_object());
        assert_eq!(header.shape, Some(vec![2, 5]));
    }

    #[test]
    fn malformed_headers_are_errors() {
        assert!(matches!(
            Header::parse(b"\x93NUMPY\x09\x00"),
            Err(FormatError::Unsupported { version: 9, .. })
        ));
        assert!(Header::parse(b"\x93NUMPY\x01\x00\xff\x00{").is_err());
        assert!(matches!(
            Header::parse(b"NUMPY"),
            Err(FormatError::Truncated { .. } | FormatError::BadMagic { .. })
        ));
    }
}
