//! The decoder: bytes in, one [`Instruction`] at a time out, reading them as the chosen
//! unpickler reads them (see [`Dialect`] and [`Source`]), so no length in the input can read
//! past it and every argument means what it means to the loader.

use std::borrow::Cow;

use super::code;
use super::dialect::{Dialect, Source};
use super::input::Input;
use super::number::{self, BadIndex};
use super::op::{Instruction, Op};
use super::text::{
    ascii, latin1, python_string_literal, raw_unicode_escape, twos_complement, utf8_strict,
    utf8_surrogatepass,
};
use crate::FormatError;

/// Decodes opcodes one at a time from `data[position..]`, as an iterator of instructions.
///
/// Decoding stops at the end of the input or at the first error; the error is where the real
/// loader raises, and [`Decoder::offset`] is then where it stopped reading. STOP does not end
/// the iteration: a file may hold several pickles one after another, and the caller decides
/// (after STOP, a decoder reading a file continues where a second `load` on the same file
/// would start).
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    data: &'a [u8],
    dialect: Dialect,
    source: Source,
    input: Input<'a>,
    failed: bool,
}

impl<'a> Decoder<'a> {
    /// A decoder over `data` starting at byte `position` (offsets stay relative to `data`),
    /// reading as `pickle.loads` does: the C unpickler over bytes.
    pub fn new(data: &'a [u8], position: usize) -> Self {
        Decoder::with(data, position, Dialect::C, Source::Bytes)
    }

    /// A decoder reading as `dialect` reads from `source`.
    pub fn with(data: &'a [u8], position: usize, dialect: Dialect, source: Source) -> Self {
        Decoder {
            data,
            dialect,
            source,
            input: Input::new(data, position, dialect, source),
            failed: false,
        }
    }

    /// The unpickler this decoder follows.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// How this decoder's unpickler gets its bytes.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The offset of the next byte to decode.
    pub fn offset(&self) -> usize {
        self.input.offset()
    }

    /// Continues decoding at `position` with a fresh unpickler on a fresh file (joblib reads
    /// array bytes from the middle of a stream).
    pub fn seek(&mut self, position: usize) {
        *self = Decoder::with(self.data, position, self.dialect, self.source);
    }

    fn line(&mut self, what: &'static str) -> Result<(u64, &'a [u8]), FormatError> {
        let at = self.input.offset() as u64;
        Ok((at, self.input.line(what)?))
    }

    /// A text argument line without its last byte (the C unpickler's lines always end with
    /// `\n`; the Python one drops the last byte whatever it is).
    fn text(&mut self, what: &'static str) -> Result<(u64, &'a [u8]), FormatError> {
        let (at, line) = self.line(what)?;
        Ok((at, &line[..line.len().saturating_sub(1)]))
    }

    /// A text line the C unpickler insists is not empty (`len < 2` is `bad_readline`).
    fn name(&mut self, what: &'static str) -> Result<(u64, &'a [u8]), FormatError> {
        let (at, text) = self.text(what)?;
        if text.is_empty() && self.dialect == Dialect::C {
            return Err(FormatError::Invalid { what, offset: at });
        }
        Ok((at, text))
    }

    fn number<T>(
        &mut self,
        what: &'static str,
        c: fn(&[u8]) -> Option<T>,
        python: fn(&[u8]) -> Option<T>,
    ) -> Result<T, FormatError> {
        let (at, line) = self.line(what)?;
        let parse = match self.dialect {
            Dialect::C => c,
            Dialect::Python => python,
        };
        parse(line).ok_or(FormatError::Invalid { what, offset: at })
    }

    fn memo_index(&mut self, c: fn(&[u8]) -> Result<u64, BadIndex>) -> Result<u64, FormatError> {
        let what = "memo index";
        let (at, line) = self.line(what)?;
        let parsed = match self.dialect {
            Dialect::C => c(line),
            Dialect::Python => number::python_memo_index(line),
        };
        parsed.map_err(|bad| match bad {
            BadIndex::Invalid => FormatError::Invalid { what, offset: at },
            BadIndex::Huge => FormatError::TooLarge {
                what,
                size: u64::MAX,
                limit: u64::MAX,
            },
        })
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, FormatError> {
        Ok(self.input.read(1, what)?[0])
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], FormatError> {
        let bytes = self.input.read(N as u64, what)?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, FormatError> {
        self.array(what).map(u16::from_le_bytes)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, FormatError> {
        self.array(what).map(u32::from_le_bytes)
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, FormatError> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// A 4-byte signed length (BINSTRING, LONG4), which both unpicklers refuse when negative.
    fn signed_length(&mut self, what: &'static str) -> Result<u64, FormatError> {
        let offset = self.input.offset() as u64;
        let n = self.u32(what)?.cast_signed();
        u64::try_from(n).map_err(|_| FormatError::Invalid { what, offset })
    }

    /// An 8-byte length, which both unpicklers refuse above `sys.maxsize`.
    fn length8(&mut self, what: &'static str) -> Result<u64, FormatError> {
        let n = self.u64(what)?;
        if i64::try_from(n).is_err() {
            return Err(FormatError::TooLarge {
                what,
                size: n,
                limit: i64::MAX as u64,
            });
        }
        Ok(n)
    }

    /// A counted UTF-8 payload (`surrogatepass`).
    fn unicode(&mut self, n: u64, what: &'static str) -> Result<Cow<'a, str>, FormatError> {
        let at = self.input.offset() as u64;
        utf8_surrogatepass(self.input.payload(n, what)?, at)
    }

    #[allow(clippy::too_many_lines)] // one arm per opcode reads best as one match
    fn decode(&mut self, opcode: u8, offset: usize) -> Result<Op<'a>, FormatError> {
        #[allow(clippy::wildcard_imports)] // the opcode table
        use code::*;
        Ok(match opcode {
            MARK => Op::Mark,
            STOP => {
                self.input.stop();
                Op::Stop
            }
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
            INT => Op::Int(self.number("INT argument", number::c_int, number::python_int)?),
            LONG => Op::Long(self.number("LONG argument", number::c_long, number::python_long)?),
            FLOAT => {
                Op::Float(self.number("FLOAT argument", number::c_float, number::python_float)?)
            }
            BINFLOAT => Op::BinFloat(f64::from_be_bytes(self.array("BINFLOAT argument")?)),
            BININT => Op::BinInt(self.u32("BININT argument")?.cast_signed()),
            BININT1 => Op::BinInt1(self.u8("BININT1 argument")?),
            BININT2 => Op::BinInt2(self.u16("BININT2 argument")?),
            LONG1 => {
                let n = self.u8("LONG1 length")?;
                Op::Long1(twos_complement(
                    self.input.payload(n.into(), "LONG1 argument")?,
                ))
            }
            LONG4 => {
                let n = self.signed_length("negative LONG4 length")?;
                Op::Long4(twos_complement(self.input.payload(n, "LONG4 argument")?))
            }
            STRING => {
                let (at, text) = self.text("STRING argument")?;
                Op::String(python_string_literal(text, at)?.into())
            }
            BINSTRING => {
                let n = self.signed_length("negative BINSTRING length")?;
                Op::BinString(latin1(self.input.payload(n, "BINSTRING argument")?))
            }
            SHORT_BINSTRING => {
                let n = self.u8("SHORT_BINSTRING length")?;
                Op::ShortBinString(latin1(
                    self.input.payload(n.into(), "SHORT_BINSTRING argument")?,
                ))
            }
            UNICODE => {
                let (at, text) = self.text("UNICODE argument")?;
                Op::Unicode(raw_unicode_escape(text, at)?.into())
            }
            BINUNICODE => {
                let n = self.u32("BINUNICODE length")?;
                Op::BinUnicode(self.unicode(n.into(), "BINUNICODE argument")?)
            }
            SHORT_BINUNICODE => {
                let n = self.u8("SHORT_BINUNICODE length")?;
                Op::ShortBinUnicode(self.unicode(n.into(), "SHORT_BINUNICODE argument")?)
            }
            BINUNICODE8 => {
                let n = self.length8("BINUNICODE8 length")?;
                Op::BinUnicode8(self.unicode(n, "BINUNICODE8 argument")?)
            }
            BINBYTES => {
                let n = self.u32("BINBYTES length")?;
                Op::BinBytes(self.input.payload_into(n.into(), "BINBYTES argument")?)
            }
            SHORT_BINBYTES => {
                let n = self.u8("SHORT_BINBYTES length")?;
                Op::ShortBinBytes(
                    self.input
                        .payload_into(n.into(), "SHORT_BINBYTES argument")?,
                )
            }
            BINBYTES8 => {
                let n = self.length8("BINBYTES8 length")?;
                Op::BinBytes8(self.input.payload_into(n, "BINBYTES8 argument")?)
            }
            BYTEARRAY8 => {
                let n = self.length8("BYTEARRAY8 length")?;
                Op::ByteArray8(self.input.payload_into(n, "BYTEARRAY8 argument")?)
            }
            GLOBAL => {
                let (at, module) = self.name("module name")?;
                let module = utf8_strict(module, at)?;
                let (at, name) = self.name("global name")?;
                Op::Global {
                    module,
                    name: utf8_strict(name, at)?,
                }
            }
            INST => {
                let (at, module) = self.name("module name")?;
                let module = ascii(module, at)?;
                let (at, name) = self.name("class name")?;
                Op::Inst {
                    module,
                    name: ascii(name, at)?,
                }
            }
            GET => Op::Get(self.memo_index(number::c_get_index)?),
            PUT => Op::Put(self.memo_index(number::c_put_index)?),
            BINGET => Op::BinGet(self.u8("BINGET index")?),
            BINPUT => Op::BinPut(self.u8("BINPUT index")?),
            LONG_BINGET => Op::LongBinGet(self.u32("LONG_BINGET index")?),
            LONG_BINPUT => Op::LongBinPut(self.u32("LONG_BINPUT index")?),
            PROTO => Op::Proto(self.u8("PROTO version")?),
            EXT1 => Op::Ext1(self.u8("EXT1 code")?),
            EXT2 => Op::Ext2(self.u16("EXT2 code")?),
            EXT4 => Op::Ext4(self.u32("EXT4 code")?),
            FRAME => {
                let n = self.length8("FRAME length")?;
                // The C unpickler reads the whole frame before decoding inside it, so a frame
                // longer than the data is an error there, even if its opcodes would parse.
                self.input.frame(n)?;
                Op::Frame(n)
            }
            PERSID => {
                let (at, id) = self.text("persistent id")?;
                Op::PersId(ascii(id, at)?)
            }
            code => {
                return Err(FormatError::UnknownOpcode {
                    code,
                    offset: offset as u64,
                });
            }
        })
    }
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Instruction<'a>, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let decoded = match self.input.opcode() {
            Ok(None) => return None,
            Ok(Some((offset, opcode))) => self
                .decode(opcode, offset)
                .map(|op| Instruction { offset, op }),
            Err(e) => Err(e),
        };
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
        assert_eq!(raw_unicode_escape(br"os\u0073", 0).unwrap(), "oss");
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
            b"\x8e\xff\xff\xff\xff\xff\xff\xff\x00",
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
    fn every_reading_stays_within_arbitrary_input() {
        use super::super::{Dialect, Source};
        // Opcode-heavy noise (frames, lines, counted arguments) under every reading.
        let alphabet = b"\x95\x80\x04XCB\x8cVIgpS.(\n\x00\x01\x02\xffa0N";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..2000 {
            let len = round % 97;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[usize::try_from(state % alphabet.len() as u64).unwrap()]
                })
                .collect();
            for (dialect, source) in [
                (Dialect::C, Source::Bytes),
                (Dialect::C, Source::File),
                (Dialect::C, Source::BufferedFile { buffer_size: 3 }),
                (Dialect::C, Source::BufferedFile { buffer_size: 16 }),
                (Dialect::Python, Source::Bytes),
            ] {
                let mut decoder = Decoder::with(&data, 0, dialect, source);
                while let Some(decoded) = decoder.next() {
                    assert!(decoder.offset() <= data.len());
                    if let Ok(instruction) = decoded {
                        assert!(instruction.offset < data.len());
                    }
                }
            }
        }
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
