//! The decoder: bytes in, one [`Instruction`] at a time out, over the crate's bounded
//! [`Reader`], so no length in the input can read past it.

use super::code;
use super::op::{Instruction, Op};
use super::text::{
    decimal, latin1, python_string_literal, raw_unicode_escape, twos_complement, utf8,
};
use crate::{FormatError, Reader};

/// Decodes opcodes one at a time from `data[position..]`, as an iterator of instructions.
///
/// Decoding stops at the end of the input or at the first error; the error is where the real
/// loader raises, and [`Decoder::offset`] is then where it stopped reading. STOP does not end
/// the iteration: a file may hold several pickles one after another, and the caller decides.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    data: &'a [u8],
    /// Where `reader` starts in `data`.
    start: usize,
    reader: Reader<'a>,
    failed: bool,
}

impl<'a> Decoder<'a> {
    /// A decoder over `data` starting at byte `position` (offsets stay relative to `data`).
    pub fn new(data: &'a [u8], position: usize) -> Self {
        Decoder {
            data,
            start: position,
            reader: Reader::at(data.get(position..).unwrap_or_default(), position as u64),
            failed: false,
        }
    }

    /// The offset of the next byte to decode.
    pub fn offset(&self) -> usize {
        self.start + self.reader.used()
    }

    /// Continues decoding at `position` (joblib reads array bytes from the middle of a stream).
    pub fn seek(&mut self, position: usize) {
        *self = Decoder::new(self.data, position);
    }

    /// A `\n`-terminated line without the newline (the C unpickler requires the newline).
    fn line(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        let rest = self.reader.clone().rest();
        let Some(newline) = rest.iter().position(|b| *b == b'\n') else {
            return Err(FormatError::Truncated {
                what,
                offset: self.reader.offset(),
                needed: rest.len() as u64 + 1,
                end: self.reader.offset() + rest.len() as u64,
            });
        };
        let line = self.reader.take(newline + 1, what)?;
        Ok(&line[..newline])
    }

    /// A 4-byte signed length (BINSTRING, LONG4), which the C unpickler refuses when negative.
    fn signed_length(&mut self, what: &'static str) -> Result<u64, FormatError> {
        let offset = self.reader.offset();
        let n = self.reader.u32(what)?.cast_signed();
        u64::try_from(n).map_err(|_| FormatError::Invalid { what, offset })
    }

    /// A text argument parsed by `parse`; a line that does not parse is invalid.
    fn parsed_line<T: std::str::FromStr>(&mut self, what: &'static str) -> Result<T, FormatError> {
        let offset = self.reader.offset();
        let line = self.line(what)?;
        std::str::from_utf8(line)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .ok_or(FormatError::Invalid { what, offset })
    }

    #[allow(clippy::too_many_lines)] // one arm per opcode reads best as one match
    fn decode(&mut self) -> Result<Op<'a>, FormatError> {
        #[allow(clippy::wildcard_imports)] // the opcode table
        use code::*;
        let offset = self.reader.offset();
        let opcode = self.reader.u8("opcode")?;
        let r = &mut self.reader;
        Ok(match opcode {
            MARK => Op::Mark,
            STOP => Op::Stop,
            POP => Op::Pop,
            POP_MARK => Op::PopMark,
            DUP => Op::Dup,
            NONE => Op::None,
            BINPERSID => Op::BinPersId,
            REDUCE => Op::Reduce,
            APPEND => Op::Append,
            BUILD => Op::Build,
            DICT => Op::Dict,
            EMPTY_DICT => Op::EmptyDict,
            APPENDS => Op::Appends,
            LIST => Op::List,
            EMPTY_LIST => Op::EmptyList,
            OBJ => Op::Obj,
            SETITEM => Op::SetItem,
            TUPLE => Op::Tuple,
            EMPTY_TUPLE => Op::EmptyTuple,
            SETITEMS => Op::SetItems,
            NEWOBJ => Op::NewObj,
            TUPLE1 => Op::Tuple1,
            TUPLE2 => Op::Tuple2,
            TUPLE3 => Op::Tuple3,
            EMPTY_SET => Op::EmptySet,
            ADDITEMS => Op::AddItems,
            FROZENSET => Op::FrozenSet,
            NEWOBJ_EX => Op::NewObjEx,
            STACK_GLOBAL => Op::StackGlobal,
            MEMOIZE => Op::Memoize,
            NEXT_BUFFER => Op::NextBuffer,
            READONLY_BUFFER => Op::ReadonlyBuffer,
            NEWTRUE => Op::NewTrue,
            NEWFALSE => Op::NewFalse,
            INT => {
                let at = r.offset();
                match self.line("INT argument")? {
                    b"00" => Op::Int(super::Int::Bool(false)),
                    b"01" => Op::Int(super::Int::Bool(true)),
                    line => Op::Int(decimal(line, at)?),
                }
            }
            LONG => {
                let at = r.offset();
                let line = self.line("LONG argument")?;
                Op::Long(decimal(line.strip_suffix(b"L").unwrap_or(line), at)?)
            }
            FLOAT => Op::Float(self.parsed_line("float")?),
            BINFLOAT => Op::BinFloat(f64::from_be_bytes(r.array("BINFLOAT argument")?)),
            BININT => Op::BinInt(r.u32("BININT argument")?.cast_signed()),
            BININT1 => Op::BinInt1(r.u8("BININT1 argument")?),
            BININT2 => Op::BinInt2(r.u16("BININT2 argument")?),
            LONG1 => {
                let n = r.u8("LONG1 length")?;
                Op::Long1(twos_complement(r.take(n.into(), "LONG1 argument")?))
            }
            LONG4 => {
                let n = self.signed_length("negative LONG4 length")?;
                Op::Long4(twos_complement(self.reader.take_len(n, "LONG4 argument")?))
            }
            STRING => {
                let at = r.offset();
                let line = self.line("STRING argument")?;
                Op::String(python_string_literal(line, at)?.into())
            }
            BINSTRING => {
                let n = self.signed_length("negative BINSTRING length")?;
                Op::BinString(latin1(self.reader.take_len(n, "BINSTRING argument")?))
            }
            SHORT_BINSTRING => {
                let n = r.u8("SHORT_BINSTRING length")?;
                Op::ShortBinString(latin1(r.take(n.into(), "SHORT_BINSTRING argument")?))
            }
            UNICODE => Op::Unicode(raw_unicode_escape(self.line("UNICODE argument")?).into()),
            BINUNICODE => {
                let n = r.u32("BINUNICODE length")?;
                let at = r.offset();
                Op::BinUnicode(utf8(r.take_len(n.into(), "BINUNICODE argument")?, at)?)
            }
            SHORT_BINUNICODE => {
                let n = r.u8("SHORT_BINUNICODE length")?;
                let at = r.offset();
                Op::ShortBinUnicode(utf8(r.take(n.into(), "SHORT_BINUNICODE argument")?, at)?)
            }
            BINUNICODE8 => {
                let n = r.u64("BINUNICODE8 length")?;
                let at = r.offset();
                Op::BinUnicode8(utf8(r.take_len(n, "BINUNICODE8 argument")?, at)?)
            }
            BINBYTES => {
                let n = r.u32("BINBYTES length")?;
                Op::BinBytes(r.take_len(n.into(), "BINBYTES argument")?)
            }
            SHORT_BINBYTES => {
                let n = r.u8("SHORT_BINBYTES length")?;
                Op::ShortBinBytes(r.take(n.into(), "SHORT_BINBYTES argument")?)
            }
            BINBYTES8 => {
                let n = r.u64("BINBYTES8 length")?;
                Op::BinBytes8(r.take_len(n, "BINBYTES8 argument")?)
            }
            BYTEARRAY8 => {
                let n = r.u64("BYTEARRAY8 length")?;
                Op::ByteArray8(r.take_len(n, "BYTEARRAY8 argument")?)
            }
            GLOBAL | INST => {
                let at = r.offset();
                let module = utf8(self.line("module name")?, at)?;
                let at = self.reader.offset();
                let name = utf8(self.line("global name")?, at)?;
                if opcode == GLOBAL {
                    Op::Global { module, name }
                } else {
                    Op::Inst { module, name }
                }
            }
            GET => Op::Get(self.parsed_line("memo index")?),
            PUT => Op::Put(self.parsed_line("memo index")?),
            BINGET => Op::BinGet(r.u8("BINGET index")?),
            BINPUT => Op::BinPut(r.u8("BINPUT index")?),
            LONG_BINGET => Op::LongBinGet(r.u32("LONG_BINGET index")?),
            LONG_BINPUT => Op::LongBinPut(r.u32("LONG_BINPUT index")?),
            PROTO => Op::Proto(r.u8("PROTO version")?),
            EXT1 => Op::Ext1(r.u8("EXT1 code")?),
            EXT2 => Op::Ext2(r.u16("EXT2 code")?),
            EXT4 => Op::Ext4(r.u32("EXT4 code")?),
            FRAME => {
                let n = r.u64("FRAME length")?;
                // The C unpickler reads the whole frame before decoding inside it, so a frame
                // longer than the data is an error here, even if its opcodes would parse.
                if n > r.left() as u64 {
                    return Err(FormatError::Truncated {
                        what: "FRAME",
                        offset: r.offset(),
                        needed: n,
                        end: r.offset() + r.left() as u64,
                    });
                }
                Op::Frame(n)
            }
            PERSID => {
                let at = r.offset();
                Op::PersId(utf8(self.line("persistent id")?, at)?)
            }
            code => return Err(FormatError::UnknownOpcode { code, offset }),
        })
    }
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Instruction<'a>, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || !self.reader.any_left() {
            return None;
        }
        let offset = self.offset();
        let decoded = self.decode().map(|op| Instruction { offset, op });
        self.failed = decoded.is_err();
        Some(decoded)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::Int;
    use super::*;

    fn ops(data: &[u8]) -> Vec<Result<Op<'_>, FormatError>> {
        Decoder::new(data, 0)
            .map(|decoded| decoded.map(|i| i.op))
            .collect()
    }

    fn truncated(result: &Result<Op<'_>, FormatError>) -> bool {
        matches!(result, Err(FormatError::Truncated { .. }))
    }

    #[test]
    fn protocol_0_text_arguments() {
        let data = b"cos\nsystem\n(S'echo hi'\ntR.";
        let decoded = ops(data);
        assert_eq!(
            decoded[0],
            Ok(Op::Global {
                module: "os".into(),
                name: "system".into()
            })
        );
        assert_eq!(decoded[2], Ok(Op::String("echo hi".into())));
        assert_eq!(decoded.len(), 6);
        assert_eq!(decoded[5].as_ref().map(Op::code), Ok(code::STOP));
    }

    #[test]
    fn escapes_and_ints() {
        assert_eq!(
            python_string_literal(br"'a\x41\101\n'", 0).unwrap(),
            "aAA\n"
        );
        assert_eq!(raw_unicode_escape(br"os\u0073"), "oss");
        assert_eq!(ops(b"I01\n")[0], Ok(Op::Int(Int::Bool(true))));
        assert_eq!(ops(b"I-12\n")[0], Ok(Op::Int(Int::Small(-12))));
        assert_eq!(ops(b"I99999999999999999999999\n")[0], Ok(Op::Int(Int::Big)));
        assert_eq!(ops(b"\x8a\x02\xff\xff")[0], Ok(Op::Long1(Int::Small(-1))));
        assert_eq!(ops(b"J\xff\xff\xff\xff")[0], Ok(Op::BinInt(-1)));
    }

    #[test]
    fn truncation_and_unknown_opcodes_stop_decoding() {
        for data in [
            &b"X\x05\x00\x00\x00ab"[..],
            b"cos\nsys",
            b"\x95\xff\x00\x00\x00\x00\x00\x00\x00N.",
            b"\x8e\xff\xff\xff\xff\xff\xff\xff\xff",
        ] {
            let decoded = ops(data);
            assert_eq!(decoded.len(), 1, "{data:?}");
            assert!(truncated(&decoded[0]), "{data:?}: {decoded:?}");
        }
        assert_eq!(
            ops(b"\xff"),
            vec![Err(FormatError::UnknownOpcode {
                code: 0xff,
                offset: 0
            })]
        );
    }

    #[test]
    fn frames_are_read_linearly() {
        let decoded = ops(b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N.");
        assert_eq!(decoded.len(), 4);
        assert_eq!(decoded[1], Ok(Op::Frame(2)));
    }

    #[test]
    fn positions_and_errors_say_where_decoding_stopped() {
        let mut decoder = Decoder::new(b"NN\x8c\x05ab", 1);
        assert_eq!(decoder.next().unwrap().unwrap().offset, 1);
        assert!(matches!(
            decoder.next(),
            Some(Err(FormatError::Truncated { offset: 4, .. }))
        ));
        // The opcode and its length were read; the short payload was not.
        assert_eq!(decoder.offset(), 4);
        assert!(decoder.next().is_none(), "decoding ends at the first error");
        decoder.seek(0);
        assert_eq!(decoder.next().unwrap().unwrap().op, Op::None);
    }

    #[test]
    fn signatures() {
        assert!(super::super::starts_with_proto(b"\x80\x05"));
        assert!(!super::super::starts_with_proto(b"\x80\x06"));
        assert!(super::super::may_be_unframed(b"cos\nsystem\n"));
        assert!(!super::super::may_be_unframed(b"cos"));
        assert!(!super::super::may_be_unframed(b"# a comment"));
    }
}
