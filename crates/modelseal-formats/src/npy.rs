//! NumPy `.npy`: magic, version 1 to 3, and the header, a Python dict literal with `descr`,
//! `fortran_order` and `shape`. An array of Python objects (`descr` containing `O`) stores a
//! pickle after the header, which `numpy.load(..., allow_pickle=True)` runs.

mod literal;

pub use literal::{Literal, LiteralError};

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
    /// The dict literal as written (Latin-1 decoded for versions 1 and 2, as numpy does).
    pub text: String,
    /// Where the array data starts.
    pub data_offset: usize,
    /// The `descr` value, rendered back as a literal (`"<f4"`, `[("a", "<f4"), ("b", "O")]`).
    pub descr: Option<String>,
    /// The `fortran_order` value (column-major data); `None` when absent or not a bool.
    pub fortran_order: Option<bool>,
    /// `None` when absent or not a tuple of integers.
    pub shape: Option<Vec<u64>>,
    /// Why the dict is not a Python literal this parser reads (`None` when it is). numpy's
    /// `ast.literal_eval` may still read it, so its dtype is unknown, not known to be safe.
    pub literal_error: Option<LiteralError>,
    object: bool,
}

impl Header {
    /// Parses the magic, version and header dict at the start of `data`: the framing strictly
    /// (an error), the dict as `ast.literal_eval` does (a value missing or of the wrong type is
    /// `None`; a dict that does not parse is [`Header::literal_error`]).
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
        // numpy decodes versions 1 and 2 as Latin-1 (any byte is a character), 3 as UTF-8.
        let text = if major == 3 {
            std::str::from_utf8(bytes)
                .map_err(|_| FormatError::Invalid {
                    what: "NumPy header (not UTF-8)",
                    offset: start,
                })?
                .to_owned()
        } else {
            bytes.iter().map(|&b| char::from(b)).collect()
        };
        let (dict, literal_error) = match Literal::parse(&text) {
            Ok(dict) => (Some(dict), None),
            Err(e) => (None, Some(e)),
        };
        let value = |key| dict.as_ref().and_then(|d| d.get(key));
        let descr_value = value("descr");
        let object = descr_value.is_some_and(holds_objects);
        let descr = descr_value.map(ToString::to_string);
        let fortran_order = match value("fortran_order") {
            Some(Literal::Bool(b)) => Some(*b),
            _ => None,
        };
        let shape = match value("shape") {
            Some(Literal::Tuple(dims)) => dims
                .iter()
                .map(|d| match d {
                    Literal::Int(n) => u64::try_from(*n).ok(),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        Ok(Header {
            major,
            minor,
            text,
            data_offset: r.used(),
            descr,
            fortran_order,
            shape,
            literal_error,
            object,
        })
    }

    /// The dtype holds Python objects (any spelling numpy accepts: `'O'`, `'<O'`, `'object'`,
    /// `'f4,O'`, a structured dtype with an object field at any depth): the payload is a pickle.
    pub fn is_object(&self) -> bool {
        self.object
    }
}

/// Whether numpy's `descr_to_dtype` could make an object dtype of `descr`. Errs towards yes: a
/// false yes only costs a pickle scan of the data, a false no lets a pickle run unscanned.
fn holds_objects(descr: &Literal) -> bool {
    match descr {
        // Every string spelling of an object dtype has an `O` (`'O'`, `'|O'`, `'O8'`, `'f4,O'`,
        // `'(2,)O'`) or is `object`/`object_`; no other dtype string has either.
        Literal::Str(s) | Literal::Bytes(s) => s.contains('O') || s.contains("object"),
        // `(base, shape)`.
        Literal::Tuple(items) => items.iter().any(holds_objects),
        // Fields `(name, dtype[, shape])`: the name may say anything, so it is skipped; anything
        // else numpy would unpack as a field (a two-character string is `name, dtype`).
        Literal::List(fields) | Literal::Set(fields) => fields.iter().any(|field| match field {
            Literal::Tuple(parts) | Literal::List(parts) if parts.len() >= 2 => {
                parts[1..].iter().any(holds_objects)
            }
            other => holds_objects(other),
        }),
        Literal::Dict(entries) => entries
            .iter()
            .any(|(k, v)| holds_objects(k) || holds_objects(v)),
        Literal::Int(_) | Literal::Number(_) | Literal::Bool(_) | Literal::None => false,
    }
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

    /// Red team F1: `numpy.load(allow_pickle=True)` reads every one of these as an object array
    /// and runs the pickle after the header.
    #[test]
    fn object_dtype_spelled_any_way_numpy_accepts() {
        for descr in [
            "'object'",
            "'object_'",
            "'<O'",
            "'>O'",
            "'=O'",
            "'O8'",
            "'|O'",
            "\"|O\"",
            "'|' 'O'",
            "'\\x4f'",
            "'f4, O'",
            "'(2,)O'",
            "('O', (2,))",
            "[('a', '<f4'), ('b', [('c', 'O')])]",
            "[('a', '<f4'), ('b', 'O', (2,))]",
            "[('a', '<f4'), 'xO']",
        ] {
            for key in ["'descr'", "\"descr\""] {
                let h = format!("{{{key}: {descr}, 'fortran_order': False, 'shape': (1,), }}");
                let header = Header::parse(&npy(1, &h)).unwrap();
                assert_eq!(header.literal_error, None, "{h}");
                assert!(header.is_object(), "{h}");
            }
        }
        let later_key_wins =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'descr': 'O'}";
        assert!(Header::parse(&npy(1, later_key_wins)).unwrap().is_object());
        for plain in [
            "'<f4'",
            "'float32'",
            "[('Offset', '<i8'), ('Other', '<f4')]",
            "'U10'",
        ] {
            let h = format!("{{'descr': {plain}, 'fortran_order': False, 'shape': (1,), }}");
            assert!(!Header::parse(&npy(1, &h)).unwrap().is_object(), "{h}");
        }
    }

    #[test]
    fn unreadable_dict_is_reported_not_guessed() {
        let h = "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }";
        let header = Header::parse(&npy(1, h)).unwrap();
        assert!(header.literal_error.is_some());
        assert_eq!(header.descr, None);
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
