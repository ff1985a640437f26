//! The text encodings pickle arguments use: Latin-1 byte strings, UTF-8 with surrogates,
//! quoted Python literals (STRING), `raw-unicode-escape` (UNICODE) and decimal integers.

use std::borrow::Cow;

use super::op::Int;
use crate::FormatError;

/// A byte string as Python 3 loads it by default (`encoding="latin1"` keeps every byte).
pub(super) fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect())
    }
}

/// UTF-8 with `surrogatepass`, as the C unpickler decodes: lone surrogates become U+FFFD here
/// (they cannot name an importable module anyway); other invalid UTF-8 is an error.
pub(super) fn utf8(bytes: &[u8], offset: u64) -> Result<Cow<'_, str>, FormatError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(_)
            if bytes
                .windows(3)
                .any(|w| w[0] == 0xed && (0xa0..=0xbf).contains(&w[1])) =>
        {
            Ok(String::from_utf8_lossy(bytes))
        }
        Err(_) => Err(FormatError::Invalid {
            what: "invalid UTF-8",
            offset,
        }),
    }
}

/// A decimal integer line (INT, LONG); too large for `i64` is [`Int::Big`], not an error.
pub(super) fn decimal(line: &[u8], offset: u64) -> Result<Int, FormatError> {
    let invalid = FormatError::Invalid {
        what: "int",
        offset,
    };
    let text = std::str::from_utf8(line)
        .map_err(|_| invalid.clone())?
        .trim();
    if text.is_empty()
        || !text
            .trim_start_matches(['-', '+'])
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return Err(invalid);
    }
    Ok(text.parse().map_or(Int::Big, Int::Small))
}

/// A little-endian two's-complement integer (LONG1, LONG4).
pub(super) fn twos_complement(bytes: &[u8]) -> Int {
    if bytes.len() > 8 {
        return Int::Big;
    }
    let mut buf = [0u8; 8];
    buf[..bytes.len()].copy_from_slice(bytes);
    if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        for b in &mut buf[bytes.len()..] {
            *b = 0xff;
        }
    }
    Int::Small(i64::from_le_bytes(buf))
}

/// The STRING argument: a Python `repr` of a byte string, quoted with `'` or `"`, with
/// backslash escapes.
pub(super) fn python_string_literal(line: &[u8], offset: u64) -> Result<String, FormatError> {
    let quoted =
        line.len() >= 2 && (line[0] == b'\'' || line[0] == b'"') && line[line.len() - 1] == line[0];
    if !quoted {
        return Err(FormatError::Invalid {
            what: "the STRING opcode argument must be quoted",
            offset,
        });
    }
    let body = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        i += 1;
        if b != b'\\' || i >= body.len() {
            out.push(b);
            continue;
        }
        let e = body[i];
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'x' => {
                let hex = body.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                let value = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(
                    FormatError::Invalid {
                        what: "\\x escape",
                        offset,
                    },
                )?;
                out.push(value);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                for _ in 0..2 {
                    match body.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            other => out.extend_from_slice(&[b'\\', other]),
        }
    }
    Ok(latin1(&out).into_owned())
}

/// `raw-unicode-escape`: `\uXXXX` and `\UXXXXXXXX` escapes, every other byte is Latin-1.
pub(super) fn raw_unicode_escape(line: &[u8]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] == b'\\' && i + 1 < line.len() && (line[i + 1] == b'u' || line[i + 1] == b'U') {
            let width = if line[i + 1] == b'u' { 4 } else { 8 };
            let digits = line
                .get(i + 2..i + 2 + width)
                .and_then(|d| std::str::from_utf8(d).ok());
            if let Some(c) = digits
                .and_then(|d| u32::from_str_radix(d, 16).ok())
                .and_then(char::from_u32)
            {
                out.push(c);
                i += 2 + width;
                continue;
            }
        }
        out.push(char::from(line[i]));
        i += 1;
    }
    out
}
