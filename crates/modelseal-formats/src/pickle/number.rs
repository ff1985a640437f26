//! Numbers written as text (INT, LONG, FLOAT and the GET/PUT memo indices), parsed as each
//! unpickler parses them. Every function takes the whole argument line, `\n` included when
//! there is one, and returns `None` where the loader raises.
//!
//! The C unpickler treats the line as a NUL-terminated C string (a NUL ends the number) and
//! reads INT with `strtol` before `PyLong_FromString`; the Python unpickler calls `int(line,
//! 0)`, `int(line)` and `float(line)` on the bytes, which refuse a NUL anywhere.

use super::op::Int;

/// CPython's default `sys.get_int_max_str_digits()`: a decimal string with more digits is
/// refused (bases that are powers of two are not limited).
const MAX_STR_DIGITS: usize = 4300;

/// `Py_ISSPACE`, and C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The line as the C code sees it: up to the first NUL.
fn c_str(line: &[u8]) -> &[u8] {
    line.iter()
        .position(|b| *b == 0)
        .map_or(line, |nul| &line[..nul])
}

/// The line without its last byte (`readline()[:-1]`, which drops the last byte even when
/// it is not a newline).
fn chop(line: &[u8]) -> &[u8] {
    &line[..line.len().saturating_sub(1)]
}

/// A magnitude that saturates into "too big for an `i64`".
#[derive(Default)]
struct Magnitude {
    value: u64,
    big: bool,
}

impl Magnitude {
    fn push(&mut self, base: u32, digit: u32) {
        match self
            .value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(digit)))
        {
            Some(v) => self.value = v,
            None => self.big = true,
        }
    }

    fn signed(&self, negative: bool) -> Option<i64> {
        if self.big {
            return None;
        }
        if negative {
            0i64.checked_sub_unsigned(self.value)
        } else {
            i64::try_from(self.value).ok()
        }
    }

    fn int(&self, negative: bool) -> Int {
        self.signed(negative).map_or(Int::Big, Int::Small)
    }
}

fn digit(b: u8, base: u32) -> Option<u32> {
    char::from(b).to_digit(36).filter(|d| *d < base)
}

/// `PyLong_FromString(s, NULL, base)` for `base` 0 or 10 over `s` (which ends where the C
/// string does): whitespace around, a sign, base prefixes for base 0, single underscores
/// between digits (PEP 515), and the `int_max_str_digits` limit.
fn py_long(s: &[u8], base: u32) -> Option<Int> {
    let mut i = 0;
    while s.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut base = base;
    let mut error_if_nonzero = false;
    let prefix = s.get(i + 1).map(u8::to_ascii_lowercase);
    if base == 0 {
        base = match (s.get(i), prefix) {
            (Some(b'0'), Some(b'x')) => 16,
            (Some(b'0'), Some(b'o')) => 8,
            (Some(b'0'), Some(b'b')) => 2,
            (Some(b'0'), _) => {
                // An old C-style octal literal: only zero is allowed.
                error_if_nonzero = true;
                10
            }
            _ => 10,
        };
        if base != 10 {
            i += 2;
            if s.get(i) == Some(&b'_') {
                i += 1;
            }
        }
    }
    if s.get(i) == Some(&b'_') {
        return None;
    }
    let mut magnitude = Magnitude::default();
    let mut digits = 0;
    let mut previous = 0u8;
    while let Some(&b) = s.get(i) {
        if b == b'_' {
            if previous == b'_' {
                return None;
            }
        } else if let Some(d) = digit(b, base) {
            magnitude.push(base, d);
            digits += 1;
        } else {
            break;
        }
        previous = b;
        i += 1;
    }
    if previous == b'_' || digits == 0 {
        return None;
    }
    if !base.is_power_of_two() && digits > MAX_STR_DIGITS {
        return None;
    }
    if error_if_nonzero && (magnitude.big || magnitude.value != 0) {
        return None;
    }
    while s.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    (i == s.len()).then(|| magnitude.int(negative))
}

/// `int(data, base)` on bytes: `PyLong_FromString`, which must consume every byte.
fn py_bytes_int(data: &[u8], base: u32) -> Option<Int> {
    if data.contains(&0) {
        return None;
    }
    py_long(data, base)
}

/// glibc's `strtol(s, &end, 0)` in the C locale: the value (`None` on overflow, ERANGE) and
/// where it stopped (0 when nothing was converted).
fn strtol(s: &[u8]) -> (Option<i64>, usize) {
    let mut i = 0;
    while s.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let hex = s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
    let base = if hex {
        i += 2;
        16
    } else if s.get(i) == Some(&b'0') {
        8
    } else {
        10
    };
    let mut magnitude = Magnitude::default();
    let start = i;
    while let Some(d) = s.get(i).and_then(|b| digit(*b, base)) {
        magnitude.push(base, d);
        i += 1;
    }
    if i == start {
        return (Some(0), 0);
    }
    (magnitude.signed(negative), i)
}

/// INT in the C unpickler (`load_int`): `strtol`, falling back to `PyLong_FromString` when it
/// overflows or stops early; a 2-character argument that `strtol` reads as 0 or 1 is a bool.
pub(super) fn c_int(line: &[u8]) -> Option<Int> {
    if line.len() < 2 {
        return None;
    }
    let s = c_str(line);
    match strtol(s) {
        (Some(x), end) if end == s.len() || s[end] == b'\n' => {
            Some(if line.len() == 3 && (x == 0 || x == 1) {
                Int::Bool(x == 1)
            } else {
                Int::Small(x)
            })
        }
        _ => py_long(s, 0),
    }
}

/// INT in the Python unpickler: exactly `00` or `01` is a bool, anything else `int(line, 0)`.
pub(super) fn python_int(line: &[u8]) -> Option<Int> {
    match line {
        b"00\n" => Some(Int::Bool(false)),
        b"01\n" => Some(Int::Bool(true)),
        _ => py_bytes_int(line, 0),
    }
}

/// LONG in the C unpickler: an `L` before the newline is cut, then `PyLong_FromString`.
pub(super) fn c_long(line: &[u8]) -> Option<Int> {
    if line.len() < 2 {
        return None;
    }
    let s = if line[line.len() - 2] == b'L' {
        &line[..line.len() - 2]
    } else {
        line
    };
    py_long(c_str(s), 0)
}

/// LONG in the Python unpickler.
pub(super) fn python_long(line: &[u8]) -> Option<Int> {
    let text = chop(line);
    py_bytes_int(text.strip_suffix(b"L").unwrap_or(text), 0)
}

/// Why a GET/PUT index is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BadIndex {
    /// Not a number, or negative: the loader raises.
    Invalid,
    /// A valid index of the Python unpickler's dict memo past `u64`, which no real pickle
    /// writes and this decoder does not represent.
    Huge,
}

/// The largest PUT index the C unpickler can grow its memo array to: it resizes to twice
/// the index, and `PyMem_RESIZE` refuses more than `PY_SSIZE_T_MAX` bytes of pointers.
const C_MAX_PUT: u64 = (i64::MAX as u64 / 8) / 2;

/// A GET index in the C unpickler: base 10, and a `Py_ssize_t` that is not negative (a
/// negative GET finds nothing).
pub(super) fn c_get_index(line: &[u8]) -> Result<u64, BadIndex> {
    if line.len() < 2 {
        return Err(BadIndex::Invalid);
    }
    index(py_long(c_str(line), 10).ok_or(BadIndex::Invalid)?).ok_or(BadIndex::Invalid)
}

/// A PUT index in the C unpickler: as GET, and one its memo array can grow to.
pub(super) fn c_put_index(line: &[u8]) -> Result<u64, BadIndex> {
    c_get_index(line).and_then(|i| {
        if i <= C_MAX_PUT {
            Ok(i)
        } else {
            Err(BadIndex::Invalid)
        }
    })
}

/// A GET/PUT index in the Python unpickler (`int(line[:-1])`).
pub(super) fn python_memo_index(line: &[u8]) -> Result<u64, BadIndex> {
    match py_bytes_int(chop(line), 10).ok_or(BadIndex::Invalid)? {
        Int::Big if !chop(line).contains(&b'-') => Err(BadIndex::Huge),
        value => index(value).ok_or(BadIndex::Invalid),
    }
}

fn index(value: Int) -> Option<u64> {
    match value {
        Int::Small(i) => u64::try_from(i).ok(),
        Int::Bool(_) | Int::Big => None,
    }
}

/// The float syntax of `PyOS_string_to_double` (no whitespace, no underscores): Rust's own
/// grammar is the same, and both round correctly.
fn float_literal(text: &[u8]) -> Option<f64> {
    // Rust takes no sign before `nan`; CPython gives `-nan` its sign bit.
    match text {
        [b'-', rest @ ..] if rest.eq_ignore_ascii_case(b"nan") => Some(-f64::NAN),
        [b'+', rest @ ..] if rest.eq_ignore_ascii_case(b"nan") => Some(f64::NAN),
        _ => std::str::from_utf8(text).ok()?.parse().ok(),
    }
}

/// Whether `text` spells an infinity (so an infinite result is not an overflow).
fn spells_infinity(text: &[u8]) -> bool {
    text.iter()
        .find(|b| !matches!(b, b'+' | b'-'))
        .is_some_and(|b| b.eq_ignore_ascii_case(&b'i'))
}

/// FLOAT in the C unpickler: `PyOS_string_to_double` with overflow as an error, ending at
/// the newline or a NUL.
pub(super) fn c_float(line: &[u8]) -> Option<f64> {
    if line.len() < 2 {
        return None;
    }
    let s = c_str(line);
    let text = s.strip_suffix(b"\n").unwrap_or(s);
    let value = float_literal(text)?;
    (!value.is_infinite() || spells_infinity(text)).then_some(value)
}

/// FLOAT in the Python unpickler: `float(line[:-1])`, which strips whitespace, accepts
/// single underscores between digits, and lets overflow be infinite.
pub(super) fn python_float(line: &[u8]) -> Option<f64> {
    let mut text = chop(line);
    while let [first, rest @ ..] = text
        && is_space(*first)
    {
        text = rest;
    }
    while let [rest @ .., last] = text
        && is_space(*last)
    {
        text = rest;
    }
    if !text.contains(&b'_') {
        return float_literal(text);
    }
    // `_Py_string_to_number_with_underscores`: each underscore between two digits.
    let mut plain = Vec::with_capacity(text.len());
    let mut previous = 0u8;
    for &b in text {
        if b == b'_' {
            if !previous.is_ascii_digit() {
                return None;
            }
        } else {
            if previous == b'_' && !b.is_ascii_digit() {
                return None;
            }
            plain.push(b);
        }
        previous = b;
    }
    if previous == b'_' {
        return None;
    }
    float_literal(&plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_int_follows_strtol_then_pylong() {
        assert_eq!(c_int(b"012\n"), Some(Int::Small(10)), "strtol reads octal");
        assert_eq!(c_int(b"+1\n"), Some(Int::Bool(true)));
        assert_eq!(c_int(b" 0\n"), Some(Int::Bool(false)));
        assert_eq!(
            c_int(b"\0\0\n"),
            Some(Int::Bool(false)),
            "a NUL ends the C string"
        );
        assert_eq!(
            c_int(b"1_000\n"),
            Some(Int::Small(1000)),
            "PyLong takes underscores"
        );
        assert_eq!(c_int(b"0x1f\n"), Some(Int::Small(31)));
        assert_eq!(c_int(b"0o17\n"), Some(Int::Small(15)));
        assert_eq!(c_int(b"019\n"), None);
        assert_eq!(c_int(b"\n"), None);
        assert_eq!(c_int(b"99999999999999999999\n"), Some(Int::Big));
        assert_eq!(c_int(b"0777777777777777777777777\n"), None);
        let zeros = [b"0".repeat(5000), b"\n".to_vec()].concat();
        assert_eq!(
            c_int(&zeros),
            Some(Int::Small(0)),
            "strtol has no digit limit"
        );
    }

    #[test]
    fn python_int_is_int_base_0() {
        assert_eq!(python_int(b"012\n"), None);
        assert_eq!(python_int(b"+1\n"), Some(Int::Small(1)));
        assert_eq!(python_int(b"01\n"), Some(Int::Bool(true)));
        assert_eq!(python_int(b" -0x_1F \n"), Some(Int::Small(-31)));
        assert_eq!(python_int(b"1\0\n"), None);
        let zeros = [b"0".repeat(5000), b"\n".to_vec()].concat();
        assert_eq!(python_int(&zeros), None, "int_max_str_digits");
    }

    #[test]
    fn longs_memo_indices_and_floats() {
        assert_eq!(c_long(b"12L\n"), Some(Int::Small(12)));
        assert_eq!(c_long(b"L\n"), None);
        assert_eq!(python_long(b"-0b101L\n"), Some(Int::Small(-5)));
        assert_eq!(c_get_index(b" 1_0 \n"), Ok(10));
        assert_eq!(c_get_index(b"-1\n"), Err(BadIndex::Invalid));
        assert_eq!(c_get_index(b"0x1\n"), Err(BadIndex::Invalid));
        assert_eq!(
            c_put_index(b"9223372036854775807\n"),
            Err(BadIndex::Invalid)
        );
        assert_eq!(
            python_memo_index(b"7"),
            Err(BadIndex::Invalid),
            "readline()[:-1] drops the 7"
        );
        assert_eq!(
            python_memo_index(b"99999999999999999999\n"),
            Err(BadIndex::Huge)
        );
        assert_eq!(c_float(b"1.5\n"), Some(1.5));
        assert_eq!(c_float(b" 1.5\n"), None);
        assert_eq!(c_float(b"1e999\n"), None, "OverflowError");
        assert_eq!(c_float(b"-inf\n"), Some(f64::NEG_INFINITY));
        assert_eq!(python_float(b" 1_0.5 \n"), Some(10.5));
        assert_eq!(python_float(b"1e999\n"), Some(f64::INFINITY));
        assert_eq!(python_float(b"1__0\n"), None);
    }
}
