//! One decoded opcode as a typed value: each variant is one opcode, carrying its argument in
//! the type the opcode defines (a memo index, a string, a length-checked byte slice...).

use std::borrow::Cow;

use super::code;

/// One decoded opcode and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction<'a> {
    /// Byte offset of the opcode in the input.
    pub offset: usize,
    /// The opcode with its decoded argument.
    pub op: Op<'a>,
}

/// An integer written as decimal text (INT, LONG) or as a two's-complement byte string
/// (LONG1, LONG4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int {
    /// INT spelled `00` or `01`: protocol 0's `False` and `True`.
    Bool(bool),
    /// A value that fits in an `i64`.
    Small(i64),
    /// A value too large for an `i64`: only its size matters to a scanner, so it is not kept.
    Big,
}

/// A pickle opcode with its argument, one variant per opcode of protocols 0–5 (see CPython's
/// `pickletools` for what each does when loaded).
#[derive(Debug, Clone, PartialEq)]
pub enum Op<'a> {
    /// Pushes a mark that later opcodes collect the stack down to.
    Mark,
    /// Ends the pickle; the top of the stack is the loaded object.
    Stop,
    /// Discards the top of the stack.
    Pop,
    /// Discards the stack down to and including the last mark.
    PopMark,
    /// Pushes the top of the stack again.
    Dup,
    /// Pushes a float written as decimal text.
    Float(f64),
    /// Pushes a float written as 8 big-endian bytes.
    BinFloat(f64),
    /// Pushes an integer (or a bool) written as decimal text.
    Int(Int),
    /// Pushes a signed 4-byte integer.
    BinInt(i32),
    /// Pushes an unsigned 1-byte integer.
    BinInt1(u8),
    /// Pushes an unsigned 2-byte integer.
    BinInt2(u16),
    /// Pushes a long written as decimal text with an optional `L` suffix.
    Long(Int),
    /// Pushes a long of up to 255 two's-complement bytes.
    Long1(Int),
    /// Pushes a long with a 4-byte length.
    Long4(Int),
    /// Pushes `None`.
    None,
    /// Pushes `True`.
    NewTrue,
    /// Pushes `False`.
    NewFalse,
    /// Pushes a byte string written as a quoted Python literal (decoded as Latin-1).
    String(Cow<'a, str>),
    /// Pushes a byte string with a 4-byte length (decoded as Latin-1).
    BinString(Cow<'a, str>),
    /// Pushes a byte string with a 1-byte length (decoded as Latin-1).
    ShortBinString(Cow<'a, str>),
    /// Pushes a text string written with `raw-unicode-escape`.
    Unicode(Cow<'a, str>),
    /// Pushes a UTF-8 text string with a 4-byte length.
    BinUnicode(Cow<'a, str>),
    /// Pushes a UTF-8 text string with a 1-byte length.
    ShortBinUnicode(Cow<'a, str>),
    /// Pushes a UTF-8 text string with an 8-byte length.
    BinUnicode8(Cow<'a, str>),
    /// Pushes `bytes` with a 4-byte length.
    BinBytes(&'a [u8]),
    /// Pushes `bytes` with a 1-byte length.
    ShortBinBytes(&'a [u8]),
    /// Pushes `bytes` with an 8-byte length.
    BinBytes8(&'a [u8]),
    /// Pushes a `bytearray` with an 8-byte length.
    ByteArray8(&'a [u8]),
    /// Pushes an out-of-band buffer supplied by the loader.
    NextBuffer,
    /// Makes the buffer on top of the stack read-only.
    ReadonlyBuffer,
    /// Imports `module` and pushes its attribute `name` (both as text lines).
    Global {
        /// The module to import.
        module: Cow<'a, str>,
        /// The attribute to look up in it.
        name: Cow<'a, str>,
    },
    /// Pops a name and a module string and imports as [`Op::Global`] does.
    StackGlobal,
    /// Imports `module.name` and calls it with the items above the last mark.
    Inst {
        /// The module to import.
        module: Cow<'a, str>,
        /// The class or callable to look up in it.
        name: Cow<'a, str>,
    },
    /// Calls the first item above the last mark with the rest as arguments.
    Obj,
    /// Pops an argument tuple and a callable and pushes what the call returns.
    Reduce,
    /// Pops an argument tuple and a class and pushes `cls.__new__(cls, *args)`.
    NewObj,
    /// Like [`Op::NewObj`] with keyword arguments.
    NewObjEx,
    /// Pops a state and applies it to the object below (`__setstate__` or `__dict__`).
    Build,
    /// Pushes the object persistent id (a text line) stands for, via `persistent_load`.
    PersId(Cow<'a, str>),
    /// Pops a persistent id and pushes the object `persistent_load` returns for it.
    BinPersId,
    /// Pushes the callable registered under this code in `copyreg`'s extension registry.
    Ext1(u8),
    /// [`Op::Ext1`] with a 2-byte code.
    Ext2(u16),
    /// [`Op::Ext1`] with a 4-byte code.
    Ext4(u32),
    /// Pushes an empty dict.
    EmptyDict,
    /// Builds a dict from the key/value pairs above the last mark.
    Dict,
    /// Pops a value and a key and sets the item on the dict below.
    SetItem,
    /// Sets the key/value pairs above the last mark on the dict below the mark.
    SetItems,
    /// Pushes an empty list.
    EmptyList,
    /// Builds a list from the items above the last mark.
    List,
    /// Pops an item and appends it to the list below.
    Append,
    /// Appends the items above the last mark to the list below the mark.
    Appends,
    /// Pushes an empty tuple.
    EmptyTuple,
    /// Builds a tuple from the items above the last mark.
    Tuple,
    /// Builds a tuple from the top item.
    Tuple1,
    /// Builds a tuple from the top two items.
    Tuple2,
    /// Builds a tuple from the top three items.
    Tuple3,
    /// Pushes an empty set.
    EmptySet,
    /// Adds the items above the last mark to the set below the mark.
    AddItems,
    /// Builds a frozenset from the items above the last mark.
    FrozenSet,
    /// Pushes the memo entry at a decimal-text index.
    Get(u64),
    /// Pushes the memo entry at a 1-byte index.
    BinGet(u8),
    /// Pushes the memo entry at a 4-byte index.
    LongBinGet(u32),
    /// Stores the top of the stack in the memo at a decimal-text index.
    Put(u64),
    /// Stores the top of the stack in the memo at a 1-byte index.
    BinPut(u8),
    /// Stores the top of the stack in the memo at a 4-byte index.
    LongBinPut(u32),
    /// Stores the top of the stack in the memo at the next free index.
    Memoize,
    /// Declares the protocol the stream was written with.
    Proto(u8),
    /// Announces that the next this many bytes are one frame (a read-ahead hint only).
    Frame(u64),
}

impl Op<'_> {
    /// The opcode byte this was decoded from.
    #[allow(clippy::too_many_lines)] // one arm per opcode
    pub fn code(&self) -> u8 {
        match self {
            Op::Mark => code::MARK,
            Op::Stop => code::STOP,
            Op::Pop => code::POP,
            Op::PopMark => code::POP_MARK,
            Op::Dup => code::DUP,
            Op::Float(_) => code::FLOAT,
            Op::BinFloat(_) => code::BINFLOAT,
            Op::Int(_) => code::INT,
            Op::BinInt(_) => code::BININT,
            Op::BinInt1(_) => code::BININT1,
            Op::BinInt2(_) => code::BININT2,
            Op::Long(_) => code::LONG,
            Op::Long1(_) => code::LONG1,
            Op::Long4(_) => code::LONG4,
            Op::None => code::NONE,
            Op::NewTrue => code::NEWTRUE,
            Op::NewFalse => code::NEWFALSE,
            Op::String(_) => code::STRING,
            Op::BinString(_) => code::BINSTRING,
            Op::ShortBinString(_) => code::SHORT_BINSTRING,
            Op::Unicode(_) => code::UNICODE,
            Op::BinUnicode(_) => code::BINUNICODE,
            Op::ShortBinUnicode(_) => code::SHORT_BINUNICODE,
            Op::BinUnicode8(_) => code::BINUNICODE8,
            Op::BinBytes(_) => code::BINBYTES,
            Op::ShortBinBytes(_) => code::SHORT_BINBYTES,
            Op::BinBytes8(_) => code::BINBYTES8,
            Op::ByteArray8(_) => code::BYTEARRAY8,
            Op::NextBuffer => code::NEXT_BUFFER,
            Op::ReadonlyBuffer => code::READONLY_BUFFER,
            Op::Global { .. } => code::GLOBAL,
            Op::StackGlobal => code::STACK_GLOBAL,
            Op::Inst { .. } => code::INST,
            Op::Obj => code::OBJ,
            Op::Reduce => code::REDUCE,
            Op::NewObj => code::NEWOBJ,
            Op::NewObjEx => code::NEWOBJ_EX,
            Op::Build => code::BUILD,
            Op::PersId(_) => code::PERSID,
            Op::BinPersId => code::BINPERSID,
            Op::Ext1(_) => code::EXT1,
            Op::Ext2(_) => code::EXT2,
            Op::Ext4(_) => code::EXT4,
            Op::EmptyDict => code::EMPTY_DICT,
            Op::Dict => code::DICT,
            Op::SetItem => code::SETITEM,
            Op::SetItems => code::SETITEMS,
            Op::EmptyList => code::EMPTY_LIST,
            Op::List => code::LIST,
            Op::Append => code::APPEND,
            Op::Appends => code::APPENDS,
            Op::EmptyTuple => code::EMPTY_TUPLE,
            Op::Tuple => code::TUPLE,
            Op::Tuple1 => code::TUPLE1,
            Op::Tuple2 => code::TUPLE2,
            Op::Tuple3 => code::TUPLE3,
            Op::EmptySet => code::EMPTY_SET,
            Op::AddItems => code::ADDITEMS,
            Op::FrozenSet => code::FROZENSET,
            Op::Get(_) => code::GET,
            Op::BinGet(_) => code::BINGET,
            Op::LongBinGet(_) => code::LONG_BINGET,
            Op::Put(_) => code::PUT,
            Op::BinPut(_) => code::BINPUT,
            Op::LongBinPut(_) => code::LONG_BINPUT,
            Op::Memoize => code::MEMOIZE,
            Op::Proto(_) => code::PROTO,
            Op::Frame(_) => code::FRAME,
        }
    }
}
