//! The text encodings pickle arguments use: Latin-1 byte strings, UTF-8 with surrogates,
//! quoted Python literals (STRING), `raw-unicode-escape` (UNICODE) and two's-complement longs.

use std::borrow::Cow;

use super::op::Int;
use crate::FormatError;

/// A Python 2 byte string (STRING, BINSTRING, `SHORT_BINSTRING`) as `encoding="latin1"` loads
/// it: every byte kept. (`pickle.load`'s default, ASCII, refuses what latin1 would keep, and
/// `torch.load`'s UTF-8 reads non-ASCII bytes differently; neither changes an ASCII name.)
pub(super) fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect())
    }
}

/// UTF-8 with `surrogatepass` (BINUNICODE and friends): an encoded lone surrogate is
/// accepted as the loader accepts it, and becomes U+FFFD here (a Rust string cannot hold it,
/// and it cannot name an importable module); any other invalid UTF-8 is an error.
pub(super) fn utf8_surrogatepass(bytes: &[u8], offset: u64) -> Result<Cow<'_, str>, FormatError> {
    let Err(first) = std::str::from_utf8(bytes) else {
        return Ok(Cow::Borrowed(
            std::str::from_utf8(bytes).unwrap_or_default(),
        ));
    };
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    let mut error = Some(first);
    while let Some(e) = error {
        let (valid, tail) = rest.split_at(e.valid_up_to());
        out.push_str(std::str::from_utf8(valid).unwrap_or_default());
        let [0xed, 0xa0..=0xbf, 0x80..=0xbf, after @ ..] = tail else {
            return Err(FormatError::Invalid {
                what: "invalid UTF-8",
                offset,
            });
        };
        out.push(char::REPLACEMENT_CHARACTER);
        rest = after;
        error = std::str::from_utf8(rest).err();
    }
    out.push_str(std::str::from_utf8(rest).unwrap_or_default());
    Ok(Cow::Owned(out))
}

/// Strict UTF-8 (GLOBAL's module and name).
pub(super) fn utf8_strict(bytes: &[u8], offset: u64) -> Result<Cow<'_, str>, FormatError> {
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|_| FormatError::Invalid {
            what: "invalid UTF-8",
            offset,
        })
}

/// Strict ASCII (INST's module and name, PERSID's id).
pub(super) fn ascii(bytes: &[u8], offset: u64) -> Result<Cow<'_, str>, FormatError> {
    if bytes.is_ascii() {
        Ok(latin1(bytes))
    } else {
        Err(FormatError::Invalid {
            what: "non-ASCII text",
            offset,
        })
    }
}

/// A little-endian two's-complement integer (LONG1, LONG4), however many sign bytes pad it.
pub(super) fn twos_complement(bytes: &[u8]) -> Int {
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let pad = if negative { 0xff } else { 0 };
    let (low, high) = bytes.split_at(bytes.len().min(8));
    let fits =
        high.iter().all(|b| *b == pad) && (high.is_empty() || (low[7] & 0x80 != 0) == negative);
    if !fits {
        return Int::Big;
    }
    let mut buf = [pad; 8];
    buf[..low.len()].copy_from_slice(low);
    Int::Small(i64::from_le_bytes(buf))
}

/// The STRING argument (the line without its newline): a Python `repr` of a byte string,
/// quoted with `'` or `"`, decoded with `PyBytes_DecodeEscape` (`codecs.escape_decode`).
pub(super) fn python_string_literal(line: &[u8], offset: u64) -> Result<String, FormatError> {
    let invalid = |what| FormatError::Invalid { what, offset };
    let quoted =
        line.len() >= 2 && (line[0] == b'\'' || line[0] == b'"') && line[line.len() - 1] == line[0];
    if !quoted {
        return Err(invalid("the STRING opcode argument must be quoted"));
    }
    let body = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = body.get(i) else {
            return Err(invalid("trailing \\ in a STRING argument"));
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(11),
            b'a' => out.push(7),
            b'x' => {
                let hex = |at: usize| body.get(at).and_then(|d| char::from(*d).to_digit(16));
                let (Some(high), Some(low)) = (hex(i), hex(i + 1)) else {
                    return Err(invalid("\\x escape"));
                };
                out.push((high * 16 + low).to_le_bytes()[0]);
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
                // Above \377 the byte wraps (CPython only warns).
                out.push(value.to_le_bytes()[0]);
            }
            _ => {
                // An unknown escape keeps its backslash; the next byte is read as usual.
                out.push(b'\\');
                i -= 1;
            }
        }
    }
    Ok(latin1(&out).into_owned())
}

/// `raw-unicode-escape` (UNICODE, the line without its newline): `\uXXXX` and
/// `\UXXXXXXXX` after an odd number of backslashes, every other byte Latin-1. A short or
/// non-hex escape, or one past U+10FFFF, is an error; a lone surrogate becomes U+FFFD.
pub(super) fn raw_unicode_escape(line: &[u8], offset: u64) -> Result<String, FormatError> {
    let invalid = |what| FormatError::Invalid { what, offset };
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] != b'\\' {
            out.push(char::from(line[i]));
            i += 1;
            continue;
        }
        let run = line[i..].iter().take_while(|b| **b == b'\\').count();
        i += run;
        let width = match line.get(i) {
            Some(b'u') if run % 2 == 1 => 4,
            Some(b'U') if run % 2 == 1 => 8,
            _ => {
                out.extend(std::iter::repeat_n('\\', run));
                continue;
            }
        };
        out.extend(std::iter::repeat_n('\\', run - 1));
        i += 1;
        let mut code = 0u32;
        for _ in 0..width {
            let Some(value) = line.get(i).and_then(|d| char::from(*d).to_digit(16)) else {
                return Err(invalid("truncated \\uXXXX escape"));
            };
            code = (code << 4) | value;
            i += 1;
        }
        if code > 0x10_ffff {
            return Err(invalid("\\Uxxxxxxxx out of range"));
        }
        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    Ok(out)
}
