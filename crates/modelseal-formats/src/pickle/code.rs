//! The opcode table: one constant per opcode byte, named as in CPython's `pickle.py`; each
//! decodes to the [`Op`](super::Op) variant its documentation links.

/// Decodes to [`Op::Mark`](super::Op::Mark).
pub const MARK: u8 = b'(';
/// Decodes to [`Op::Stop`](super::Op::Stop).
pub const STOP: u8 = b'.';
/// Decodes to [`Op::Pop`](super::Op::Pop).
pub const POP: u8 = b'0';
/// Decodes to [`Op::PopMark`](super::Op::PopMark).
pub const POP_MARK: u8 = b'1';
/// Decodes to [`Op::Dup`](super::Op::Dup).
pub const DUP: u8 = b'2';
/// Decodes to [`Op::Float`](super::Op::Float).
pub const FLOAT: u8 = b'F';
/// Decodes to [`Op::Int`](super::Op::Int).
pub const INT: u8 = b'I';
/// Decodes to [`Op::BinInt`](super::Op::BinInt).
pub const BININT: u8 = b'J';
/// Decodes to [`Op::BinInt1`](super::Op::BinInt1).
pub const BININT1: u8 = b'K';
/// Decodes to [`Op::Long`](super::Op::Long).
pub const LONG: u8 = b'L';
/// Decodes to [`Op::BinInt2`](super::Op::BinInt2).
pub const BININT2: u8 = b'M';
/// Decodes to [`Op::None`](super::Op::None).
pub const NONE: u8 = b'N';
/// Decodes to [`Op::PersId`](super::Op::PersId).
pub const PERSID: u8 = b'P';
/// Decodes to [`Op::BinPersId`](super::Op::BinPersId).
pub const BINPERSID: u8 = b'Q';
/// Decodes to [`Op::Reduce`](super::Op::Reduce).
pub const REDUCE: u8 = b'R';
/// Decodes to [`Op::String`](super::Op::String).
pub const STRING: u8 = b'S';
/// Decodes to [`Op::BinString`](super::Op::BinString).
pub const BINSTRING: u8 = b'T';
/// Decodes to [`Op::ShortBinString`](super::Op::ShortBinString).
pub const SHORT_BINSTRING: u8 = b'U';
/// Decodes to [`Op::Unicode`](super::Op::Unicode).
pub const UNICODE: u8 = b'V';
/// Decodes to [`Op::BinUnicode`](super::Op::BinUnicode).
pub const BINUNICODE: u8 = b'X';
/// Decodes to [`Op::Append`](super::Op::Append).
pub const APPEND: u8 = b'a';
/// Decodes to [`Op::Build`](super::Op::Build).
pub const BUILD: u8 = b'b';
/// Decodes to [`Op::Global`](super::Op::Global).
pub const GLOBAL: u8 = b'c';
/// Decodes to [`Op::Dict`](super::Op::Dict).
pub const DICT: u8 = b'd';
/// Decodes to [`Op::EmptyDict`](super::Op::EmptyDict).
pub const EMPTY_DICT: u8 = b'}';
/// Decodes to [`Op::Appends`](super::Op::Appends).
pub const APPENDS: u8 = b'e';
/// Decodes to [`Op::Get`](super::Op::Get).
pub const GET: u8 = b'g';
/// Decodes to [`Op::BinGet`](super::Op::BinGet).
pub const BINGET: u8 = b'h';
/// Decodes to [`Op::Inst`](super::Op::Inst).
pub const INST: u8 = b'i';
/// Decodes to [`Op::LongBinGet`](super::Op::LongBinGet).
pub const LONG_BINGET: u8 = b'j';
/// Decodes to [`Op::List`](super::Op::List).
pub const LIST: u8 = b'l';
/// Decodes to [`Op::EmptyList`](super::Op::EmptyList).
pub const EMPTY_LIST: u8 = b']';
/// Decodes to [`Op::Obj`](super::Op::Obj).
pub const OBJ: u8 = b'o';
/// Decodes to [`Op::Put`](super::Op::Put).
pub const PUT: u8 = b'p';
/// Decodes to [`Op::BinPut`](super::Op::BinPut).
pub const BINPUT: u8 = b'q';
/// Decodes to [`Op::LongBinPut`](super::Op::LongBinPut).
pub const LONG_BINPUT: u8 = b'r';
/// Decodes to [`Op::SetItem`](super::Op::SetItem).
pub const SETITEM: u8 = b's';
/// Decodes to [`Op::Tuple`](super::Op::Tuple).
pub const TUPLE: u8 = b't';
/// Decodes to [`Op::EmptyTuple`](super::Op::EmptyTuple).
pub const EMPTY_TUPLE: u8 = b')';
/// Decodes to [`Op::SetItems`](super::Op::SetItems).
pub const SETITEMS: u8 = b'u';
/// Decodes to [`Op::BinFloat`](super::Op::BinFloat).
pub const BINFLOAT: u8 = b'G';
/// Decodes to [`Op::Proto`](super::Op::Proto).
pub const PROTO: u8 = 0x80;
/// Decodes to [`Op::NewObj`](super::Op::NewObj).
pub const NEWOBJ: u8 = 0x81;
/// Decodes to [`Op::Ext1`](super::Op::Ext1).
pub const EXT1: u8 = 0x82;
/// Decodes to [`Op::Ext2`](super::Op::Ext2).
pub const EXT2: u8 = 0x83;
/// Decodes to [`Op::Ext4`](super::Op::Ext4).
pub const EXT4: u8 = 0x84;
/// Decodes to [`Op::Tuple1`](super::Op::Tuple1).
pub const TUPLE1: u8 = 0x85;
/// Decodes to [`Op::Tuple2`](super::Op::Tuple2).
pub const TUPLE2: u8 = 0x86;
/// Decodes to [`Op::Tuple3`](super::Op::Tuple3).
pub const TUPLE3: u8 = 0x87;
/// Decodes to [`Op::NewTrue`](super::Op::NewTrue).
pub const NEWTRUE: u8 = 0x88;
/// Decodes to [`Op::NewFalse`](super::Op::NewFalse).
pub const NEWFALSE: u8 = 0x89;
/// Decodes to [`Op::Long1`](super::Op::Long1).
pub const LONG1: u8 = 0x8a;
/// Decodes to [`Op::Long4`](super::Op::Long4).
pub const LONG4: u8 = 0x8b;
/// Decodes to [`Op::BinBytes`](super::Op::BinBytes).
pub const BINBYTES: u8 = b'B';
/// Decodes to [`Op::ShortBinBytes`](super::Op::ShortBinBytes).
pub const SHORT_BINBYTES: u8 = b'C';
/// Decodes to [`Op::ShortBinUnicode`](super::Op::ShortBinUnicode).
pub const SHORT_BINUNICODE: u8 = 0x8c;
/// Decodes to [`Op::BinUnicode8`](super::Op::BinUnicode8).
pub const BINUNICODE8: u8 = 0x8d;
/// Decodes to [`Op::BinBytes8`](super::Op::BinBytes8).
pub const BINBYTES8: u8 = 0x8e;
/// Decodes to [`Op::EmptySet`](super::Op::EmptySet).
pub const EMPTY_SET: u8 = 0x8f;
/// Decodes to [`Op::AddItems`](super::Op::AddItems).
pub const ADDITEMS: u8 = 0x90;
/// Decodes to [`Op::FrozenSet`](super::Op::FrozenSet).
pub const FROZENSET: u8 = 0x91;
/// Decodes to [`Op::NewObjEx`](super::Op::NewObjEx).
pub const NEWOBJ_EX: u8 = 0x92;
/// Decodes to [`Op::StackGlobal`](super::Op::StackGlobal).
pub const STACK_GLOBAL: u8 = 0x93;
/// Decodes to [`Op::Memoize`](super::Op::Memoize).
pub const MEMOIZE: u8 = 0x94;
/// Decodes to [`Op::Frame`](super::Op::Frame).
pub const FRAME: u8 = 0x95;
/// Decodes to [`Op::ByteArray8`](super::Op::ByteArray8).
pub const BYTEARRAY8: u8 = 0x96;
/// Decodes to [`Op::NextBuffer`](super::Op::NextBuffer).
pub const NEXT_BUFFER: u8 = 0x97;
/// Decodes to [`Op::ReadonlyBuffer`](super::Op::ReadonlyBuffer).
pub const READONLY_BUFFER: u8 = 0x98;

/// Whether `b` is an opcode the C unpickler knows.
pub fn is_opcode(b: u8) -> bool {
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
