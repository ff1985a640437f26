//! NumPy dtype spellings as `np.dtype(...)` accepts them, for joblib's arrays: how many bytes
//! an element takes and whether it holds Python objects (which joblib then reads as a nested
//! pickle). Whatever is not recognised here is reported, never guessed.

/// What a dtype's spelling says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spelled {
    /// Fixed-size elements of this many bytes.
    Sized(u64),
    /// A flexible type (`S`, `U`, `V`, `a`) of this size, which the dtype's pickled state may
    /// override (`elsize`).
    Flexible(u64),
    /// Python objects: joblib reads a nested pickle.
    Object,
}

/// Parses a dtype string: `'<f8'`, `'float64'`, `'d'`, `'U10'`, `'O'`, `'M8[ns]'`, ...
pub(super) fn parse(spec: &str) -> Option<Spelled> {
    let spec = spec.trim();
    let body = spec.strip_prefix(['<', '>', '=', '|']).unwrap_or(spec);
    if let Some(spelled) = by_name(body) {
        return Some(spelled);
    }
    // Date and time types carry a unit: 'M8[ns]', 'datetime64[s]'.
    let body = match body.find('[') {
        Some(i)
            if body.ends_with(']')
                && (body.starts_with(['M', 'm'])
                    || body.starts_with("datetime64")
                    || body.starts_with("timedelta64")) =>
        {
            &body[..i]
        }
        _ => body,
    };
    if let Some(spelled) = by_name(body) {
        return Some(spelled);
    }
    let mut chars = body.chars();
    let kind = chars.next()?;
    let digits = chars.as_str();
    if digits.is_empty() {
        return by_char(kind);
    }
    let n: u64 = digits.parse().ok()?;
    let sized = match kind {
        'b' | '?' => n == 1,
        'i' | 'u' => matches!(n, 1 | 2 | 4 | 8),
        'f' => matches!(n, 2 | 4 | 8 | 16),
        'c' => matches!(n, 8 | 16 | 32),
        'M' | 'm' => n == 8,
        _ => false,
    };
    match kind {
        _ if sized => Some(Spelled::Sized(n)),
        'S' | 'a' | 'V' => Some(Spelled::Flexible(n)),
        'U' => n.checked_mul(4).map(Spelled::Flexible),
        'O' if n == 8 => Some(Spelled::Object),
        _ => None,
    }
}

/// One-character codes (`np.dtype('d')`), on a 64-bit Linux build of NumPy.
fn by_char(c: char) -> Option<Spelled> {
    Some(match c {
        '?' | 'b' | 'B' => Spelled::Sized(1),
        'h' | 'H' | 'e' => Spelled::Sized(2),
        'i' | 'I' | 'f' => Spelled::Sized(4),
        'l' | 'L' | 'q' | 'Q' | 'd' | 'F' | 'n' | 'N' | 'p' | 'P' | 'M' | 'm' => Spelled::Sized(8),
        'g' | 'D' => Spelled::Sized(16),
        'G' => Spelled::Sized(32),
        'S' | 'a' | 'V' | 'U' => Spelled::Flexible(0),
        'O' => Spelled::Object,
        _ => return None,
    })
}

/// Type names (`np.dtype('float64')`, and the names of NumPy's and Python's scalar types
/// when a type object is pickled as the spelling).
fn by_name(name: &str) -> Option<Spelled> {
    Some(match name {
        "bool" | "bool_" | "bool8" | "int8" | "uint8" | "byte" | "ubyte" => Spelled::Sized(1),
        "int16" | "uint16" | "short" | "ushort" | "float16" | "half" => Spelled::Sized(2),
        "int32" | "uint32" | "intc" | "uintc" | "float32" | "single" => Spelled::Sized(4),
        "int64" | "uint64" | "int" | "int_" | "uint" | "intp" | "uintp" | "long" | "ulong"
        | "longlong" | "ulonglong" | "float" | "float64" | "double" | "float_" | "complex64"
        | "csingle" | "datetime64" | "timedelta64" => Spelled::Sized(8),
        "float128" | "longdouble" | "longfloat" | "complex" | "complex128" | "cdouble"
        | "complex_" | "cfloat" => Spelled::Sized(16),
        "complex256" | "clongdouble" | "clongfloat" => Spelled::Sized(32),
        "str" | "str_" | "unicode" | "unicode_" | "bytes" | "bytes_" | "string_" | "void" => {
            Spelled::Flexible(0)
        }
        "object" | "object_" | "O8" => Spelled::Object,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_spellings() {
        for (spec, want) in [
            ("<f8", Spelled::Sized(8)),
            ("float64", Spelled::Sized(8)),
            ("d", Spelled::Sized(8)),
            ("f", Spelled::Sized(4)),
            ("|b1", Spelled::Sized(1)),
            ("<M8[ns]", Spelled::Sized(8)),
            ("datetime64[s]", Spelled::Sized(8)),
            ("<U10", Spelled::Flexible(40)),
            ("S3", Spelled::Flexible(3)),
            ("V16", Spelled::Flexible(16)),
            ("O", Spelled::Object),
            ("|O", Spelled::Object),
            ("object", Spelled::Object),
            ("complex128", Spelled::Sized(16)),
        ] {
            assert_eq!(parse(spec), Some(want), "{spec}");
        }
        for spec in ["f3", "x", "", "float65", "i16"] {
            assert_eq!(parse(spec), None, "{spec}");
        }
    }
}
