//! Pickle opcodes, decoded exactly as CPython's C unpickler (`Modules/_pickle.c`) reads them:
//! every opcode of protocols 0–5 is accepted whatever the declared protocol, text arguments end
//! at `\n`, and binary lengths are little-endian.
//!
//! Written by hand: no Rust crate parses pickles without also trying to build values (and
//! `serde-pickle` refuses the opcodes attackers use).

use std::borrow::Cow;

/// One decoded opcode.
#[derive(Debug, Clone, PartialEq)]
pub struct Op<'a> {
    pub code: u8,
    /// Byte offset of the opcode in the input.
    pub offset: usize,
    pub arg: Arg<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    None,
    Int(i64),
    /// An integer too large for i64 (LONG, LONG1, LONG4, big INT): only its size matters.
    BigInt,
    Float(f64),
    Bool(bool),
    Str(Cow<'a, str>),
    /// Bytes payload length.
    Bytes(usize),
    /// GLOBAL and INST: module and qualified name.
    Global(Cow<'a, str>, Cow<'a, str>),
    /// Memo index for GET/PUT variants.
    Memo(u64),
    Proto(u8),
    Ext(u32),
    Frame(u64),
    PersId(Cow<'a, str>),
}

/// Why decoding stopped; the real loader raises at the same place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Truncated,
    UnknownOpcode(u8),
    BadArgument(&'static str),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("pickle data was truncated"),
            DecodeError::UnknownOpcode(b) => write!(f, "invalid load key {b:#04x}"),
            DecodeError::BadArgument(what) => write!(f, "malformed argument: {what}"),
        }
    }
}

pub mod code {
    pub const MARK: u8 = b'(';
    pub const STOP: u8 = b'.';
    pub const POP: u8 = b'0';
    pub const POP_MARK: u8 = b'1';
    pub const DUP: u8 = b'2';
    pub const FLOAT: u8 = b'F';
    pub const INT: u8 = b'I';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const LONG: u8 = b'L';
    pub const BININT2: u8 = b'M';
    pub const NONE: u8 = b'N';
    pub const PERSID: u8 = b'P';
    pub const BINPERSID: u8 = b'Q';
    pub const REDUCE: u8 = b'R';
    pub const STRING: u8 = b'S';
    pub const BINSTRING: u8 = b'T';
    pub const SHORT_BINSTRING: u8 = b'U';
    pub const UNICODE: u8 = b'V';
    pub const BINUNICODE: u8 = b'X';
    pub const APPEND: u8 = b'a';
    pub const BUILD: u8 = b'b';
    pub const GLOBAL: u8 = b'c';
    pub const DICT: u8 = b'd';
    pub const EMPTY_DICT: u8 = b'}';
    pub const APPENDS: u8 = b'e';
    pub const GET: u8 = b'g';
    pub const BINGET: u8 = b'h';
    pub const INST: u8 = b'i';
    pub const LONG_BINGET: u8 = b'j';
    pub const LIST: u8 = b'l';
    pub const EMPTY_LIST: u8 = b']';
    pub const OBJ: u8 = b'o';
    pub const PUT: u8 = b'p';
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const SETITEM: u8 = b's';
    pub const TUPLE: u8 = b't';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const SETITEMS: u8 = b'u';
    pub const BINFLOAT: u8 = b'G';
    pub const PROTO: u8 = 0x80;
    pub const NEWOBJ: u8 = 0x81;
    pub const EXT1: u8 = 0x82;
    pub const EXT2: u8 = 0x83;
    pub const EXT4: u8 = 0x84;
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const LONG1: u8 = 0x8a;
    pub const LONG4: u8 = 0x8b;
    pub const BINBYTES: u8 = b'B';
    pub const SHORT_BINBYTES: u8 = b'C';
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const BINBYTES8: u8 = 0x8e;
    pub const EMPTY_SET: u8 = 0x8f;
    pub const ADDITEMS: u8 = 0x90;
    pub const FROZENSET: u8 = 0x91;
    pub const NEWOBJ_EX: u8 = 0x92;
    pub const STACK_GLOBAL: u8 = 0x93;
    pub const MEMOIZE: u8 = 0x94;
    pub const FRAME: u8 = 0x95;
    pub const BYTEARRAY8: u8 = 0x96;
    pub const NEXT_BUFFER: u8 = 0x97;
    pub const READONLY_BUFFER: u8 = 0x98;
}

/// Whether `b` is an opcode the C unpickler knows.
pub fn is_opcode(b: u8) -> bool {
    #[allow(clippy::wildcard_imports)] // the opcode table
    use code::*;
    matches!(
        b,
        MARK | STOP
            | POP
            | POP_MARK
            | DUP
            | FLOAT
            | INT
            | BININT
            | BININT1
            | LONG
            | BININT2
            | NONE
            | PERSID
            | BINPERSID
            | REDUCE
            | STRING
            | BINSTRING
            | SHORT_BINSTRING
            | UNICODE
            | BINUNICODE
            | APPEND
            | BUILD
            | GLOBAL
            | DICT
            | EMPTY_DICT
            | APPENDS
            | GET
            | BINGET
            | INST
            | LONG_BINGET
            | LIST
            | EMPTY_LIST
            | OBJ
            | PUT
            | BINPUT
            | LONG_BINPUT
            | SETITEM
            | TUPLE
            | EMPTY_TUPLE
            | SETITEMS
            | BINFLOAT
            | BINBYTES
            | SHORT_BINBYTES
    ) || (PROTO..=READONLY_BUFFER).contains(&b)
}

/// Decodes opcodes one at a time from `data[pos..]`.
#[derive(Debug)]
pub struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Decoder { data, pos }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    /// Continues decoding at `pos` (joblib reads array bytes from the middle of a stream).
    pub fn set_position(&mut self, pos: usize) {
        self.pos = pos;
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let slice = self.data.get(self.pos..end).ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn le(&mut self, n: usize) -> Result<u64, DecodeError> {
        let bytes = self.take(n)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// A `\n`-terminated line without the newline (the C unpickler requires the newline).
    fn line(&mut self) -> Result<&'a [u8], DecodeError> {
        let rest = &self.data[self.pos.min(self.data.len())..];
        let nl = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or(DecodeError::Truncated)?;
        let line = &rest[..nl];
        self.pos += nl + 1;
        Ok(line)
    }

    fn counted(&mut self, len: u64) -> Result<&'a [u8], DecodeError> {
        let len = usize::try_from(len).map_err(|_| DecodeError::Truncated)?;
        self.take(len)
    }

    /// Decodes the next opcode; `None` at the end of the input.
    pub fn next_op(&mut self) -> Option<Result<Op<'a>, DecodeError>> {
        if self.pos >= self.data.len() {
            return None;
        }
        let offset = self.pos;
        Some(self.decode().map(|(code, arg)| Op { code, offset, arg }))
    }

    #[allow(clippy::too_many_lines)] // one arm per opcode reads best as one match
    fn decode(&mut self) -> Result<(u8, Arg<'a>), DecodeError> {
        #[allow(clippy::wildcard_imports)] // the opcode table
        use code::*;
        let op = self.byte()?;
        let arg = match op {
            MARK | STOP | POP | POP_MARK | DUP | NONE | BINPERSID | REDUCE | APPEND | BUILD
            | DICT | EMPTY_DICT | APPENDS | LIST | EMPTY_LIST | OBJ | SETITEM | TUPLE
            | EMPTY_TUPLE | SETITEMS | NEWOBJ | TUPLE1 | TUPLE2 | TUPLE3 | EMPTY_SET | ADDITEMS
            | FROZENSET | NEWOBJ_EX | STACK_GLOBAL | MEMOIZE | NEXT_BUFFER | READONLY_BUFFER => {
                Arg::None
            }
            NEWTRUE => Arg::Bool(true),
            NEWFALSE => Arg::Bool(false),
            INT => {
                let line = self.line()?;
                match line {
                    b"00" => Arg::Bool(false),
                    b"01" => Arg::Bool(true),
                    _ => parse_int(line)?,
                }
            }
            LONG => {
                let line = self.line()?;
                let line = line.strip_suffix(b"L").unwrap_or(line);
                parse_int(line)?
            }
            FLOAT => {
                let line = self.line()?;
                let text =
                    std::str::from_utf8(line).map_err(|_| DecodeError::BadArgument("float"))?;
                Arg::Float(
                    text.trim()
                        .parse()
                        .map_err(|_| DecodeError::BadArgument("float"))?,
                )
            }
            BINFLOAT => Arg::Float(f64::from_be_bytes(
                self.take(8)?
                    .try_into()
                    .map_err(|_| DecodeError::Truncated)?,
            )),
            BININT => Arg::Int(i64::from((self.le(4)? as u32).cast_signed())),
            BININT1 => Arg::Int(i64::from(self.byte()?)),
            BININT2 => Arg::Int(i64::try_from(self.le(2)?).unwrap_or(0)),
            LONG1 => {
                let n = u64::from(self.byte()?);
                long_bytes(self.counted(n)?)
            }
            LONG4 => {
                let n = (self.le(4)? as u32).cast_signed();
                let n = u64::try_from(n)
                    .map_err(|_| DecodeError::BadArgument("negative LONG4 length"))?;
                long_bytes(self.counted(n)?)
            }
            STRING => Arg::Str(Cow::Owned(python_string_literal(self.line()?)?)),
            BINSTRING => {
                let n = (self.le(4)? as u32).cast_signed();
                let n = u64::try_from(n)
                    .map_err(|_| DecodeError::BadArgument("negative BINSTRING length"))?;
                Arg::Str(latin1(self.counted(n)?))
            }
            SHORT_BINSTRING => {
                let n = u64::from(self.byte()?);
                Arg::Str(latin1(self.counted(n)?))
            }
            UNICODE => Arg::Str(Cow::Owned(raw_unicode_escape(self.line()?))),
            BINUNICODE => {
                let n = self.le(4)?;
                Arg::Str(utf8(self.counted(n)?)?)
            }
            SHORT_BINUNICODE => {
                let n = u64::from(self.byte()?);
                Arg::Str(utf8(self.counted(n)?)?)
            }
            BINUNICODE8 => {
                let n = self.le(8)?;
                Arg::Str(utf8(self.counted(n)?)?)
            }
            BINBYTES => {
                let n = self.le(4)?;
                Arg::Bytes(self.counted(n)?.len())
            }
            SHORT_BINBYTES => {
                let n = u64::from(self.byte()?);
                Arg::Bytes(self.counted(n)?.len())
            }
            BINBYTES8 | BYTEARRAY8 => {
                let n = self.le(8)?;
                Arg::Bytes(self.counted(n)?.len())
            }
            GLOBAL | INST => {
                let module = utf8(self.line()?)?;
                let name = utf8(self.line()?)?;
                Arg::Global(module, name)
            }
            GET | PUT => {
                let line = self.line()?;
                let text = std::str::from_utf8(line)
                    .map_err(|_| DecodeError::BadArgument("memo index"))?;
                Arg::Memo(
                    text.trim()
                        .parse()
                        .map_err(|_| DecodeError::BadArgument("memo index"))?,
                )
            }
            BINGET | BINPUT => Arg::Memo(u64::from(self.byte()?)),
            LONG_BINGET | LONG_BINPUT => Arg::Memo(self.le(4)?),
            PROTO => Arg::Proto(self.byte()?),
            EXT1 => Arg::Ext(u32::from(self.byte()?)),
            EXT2 => Arg::Ext(self.le(2)? as u32),
            EXT4 => Arg::Ext(self.le(4)? as u32),
            FRAME => {
                let n = self.le(8)?;
                // The C unpickler reads the whole frame before decoding inside it, so a frame
                // longer than the data is an error here, even if its opcodes would parse.
                let end = usize::try_from(n)
                    .ok()
                    .and_then(|n| self.pos.checked_add(n));
                if end.is_none_or(|end| end > self.data.len()) {
                    return Err(DecodeError::Truncated);
                }
                Arg::Frame(n)
            }
            PERSID => Arg::PersId(utf8(self.line()?)?),
            other => return Err(DecodeError::UnknownOpcode(other)),
        };
        Ok((op, arg))
    }
}

fn parse_int(line: &[u8]) -> Result<Arg<'static>, DecodeError> {
    let text = std::str::from_utf8(line)
        .map_err(|_| DecodeError::BadArgument("int"))?
        .trim();
    if text.is_empty()
        || !text
            .trim_start_matches(['-', '+'])
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return Err(DecodeError::BadArgument("int"));
    }
    Ok(text.parse().map_or(Arg::BigInt, Arg::Int))
}

fn long_bytes(bytes: &[u8]) -> Arg<'static> {
    if bytes.len() > 8 {
        return Arg::BigInt;
    }
    let mut buf = [0u8; 8];
    buf[..bytes.len()].copy_from_slice(bytes);
    if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        for b in &mut buf[bytes.len()..] {
            *b = 0xff;
        }
    }
    Arg::Int(i64::from_le_bytes(buf))
}

fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect())
    }
}

/// UTF-8 with `surrogatepass`, as the C unpickler decodes: lone surrogates become U+FFFD here
/// (they cannot name an importable module anyway); other invalid UTF-8 is an error.
fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(_)
            if bytes
                .windows(3)
                .any(|w| w[0] == 0xed && (0xa0..=0xbf).contains(&w[1])) =>
        {
            Ok(String::from_utf8_lossy(bytes))
        }
        Err(_) => Err(DecodeError::BadArgument("invalid UTF-8")),
    }
}

/// The STRING argument: a Python `repr` of a byte string, quoted with `'` or `"`, with
/// backslash escapes.
fn python_string_literal(line: &[u8]) -> Result<String, DecodeError> {
    let quoted =
        line.len() >= 2 && (line[0] == b'\'' || line[0] == b'"') && line[line.len() - 1] == line[0];
    if !quoted {
        return Err(DecodeError::BadArgument(
            "the STRING opcode argument must be quoted",
        ));
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
                let value = hex
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(DecodeError::BadArgument("\\x escape"))?;
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
fn raw_unicode_escape(line: &[u8]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8]) -> Vec<Result<(u8, Arg<'_>), DecodeError>> {
        let mut d = Decoder::new(data, 0);
        let mut out = Vec::new();
        while let Some(op) = d.next_op() {
            let failed = op.is_err();
            out.push(op.map(|o| (o.code, o.arg)));
            if failed {
                break;
            }
        }
        out
    }

    #[test]
    fn protocol_0_text_arguments() {
        let data = b"cos\nsystem\n(S'echo hi'\ntR.";
        let decoded = ops(data);
        assert_eq!(
            decoded[0],
            Ok((code::GLOBAL, Arg::Global("os".into(), "system".into())))
        );
        assert_eq!(decoded[2], Ok((code::STRING, Arg::Str("echo hi".into()))));
        assert_eq!(decoded.len(), 6);
    }

    #[test]
    fn escapes_and_ints() {
        assert_eq!(python_string_literal(br"'a\x41\101\n'").unwrap(), "aAA\n");
        assert_eq!(raw_unicode_escape(br"os\u0073"), "oss");
        assert_eq!(ops(b"I01\n")[0], Ok((code::INT, Arg::Bool(true))));
        assert_eq!(ops(b"I-12\n")[0], Ok((code::INT, Arg::Int(-12))));
        assert_eq!(
            ops(b"I99999999999999999999999\n")[0],
            Ok((code::INT, Arg::BigInt))
        );
        assert_eq!(ops(b"\x8a\x02\xff\xff")[0], Ok((code::LONG1, Arg::Int(-1))));
        assert_eq!(
            ops(b"J\xff\xff\xff\xff")[0],
            Ok((code::BININT, Arg::Int(-1)))
        );
    }

    #[test]
    fn truncation_and_unknown_opcodes_stop_decoding() {
        assert_eq!(
            ops(b"X\x05\x00\x00\x00ab"),
            vec![Err(DecodeError::Truncated)]
        );
        assert_eq!(ops(b"cos\nsys"), vec![Err(DecodeError::Truncated)]);
        assert_eq!(ops(b"\xff"), vec![Err(DecodeError::UnknownOpcode(0xff))]);
        assert_eq!(
            ops(b"\x95\xff\x00\x00\x00\x00\x00\x00\x00N."),
            vec![Err(DecodeError::Truncated)]
        );
        assert_eq!(
            ops(b"\x8e\xff\xff\xff\xff\xff\xff\xff\xff"),
            vec![Err(DecodeError::Truncated)]
        );
    }

    #[test]
    fn frames_are_read_linearly() {
        let decoded = ops(b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N.");
        assert_eq!(decoded.len(), 4);
        assert_eq!(decoded[1], Ok((code::FRAME, Arg::Frame(2))));
    }
}
