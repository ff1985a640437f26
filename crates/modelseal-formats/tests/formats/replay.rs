//! A small evaluator over decoded instructions, enough to compare what the decoder reads
//! with what CPython's unpicklers return: scalars, strings, bytes, lists, globals (as their
//! names, as the differential script's `find_class` returns them), the memo (PUT stores its
//! own index, so a GET proves which index both sides used).

use std::collections::HashMap;
use std::fmt::Write as _;

use modelseal_formats::pickle::{Decoder, Dialect, Int, Op, Source};
use serde_json::{Value as Json, json};

#[derive(Debug, Clone)]
enum Value {
    Int(Int),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    None,
    List(Vec<Value>),
    Global(String, String),
}

/// Why a replay has no value: the decoder (or the evaluator, standing in for the loader)
/// stopped, or the stream uses an opcode this evaluator does not model.
#[derive(Debug)]
pub enum Failure {
    Error(String),
    Unsupported,
}

fn int_json(i: Int) -> Json {
    match i {
        Int::Bool(b) => json!({ "bool": b }),
        Int::Small(n) => json!({ "int": n }),
        Int::Big => json!({ "big": true }),
    }
}

fn to_json(value: &Value) -> Json {
    match value {
        Value::Int(i) => int_json(*i),
        Value::Float(f) => json!({ "float": format!("{:016x}", f.to_bits()) }),
        Value::Str(s) => json!({ "str": s }),
        Value::Bytes(_) => json!({ "other": "bytes" }),
        Value::None => json!({ "other": "NoneType" }),
        Value::Global(m, n) => json!({ "global": [m, n] }),
        Value::List(items) => {
            let items: Option<Vec<String>> = items
                .iter()
                .map(|item| match item {
                    Value::Str(s) => Some(format!("s:{s}")),
                    Value::Bytes(b) => Some(b.iter().fold("b:".to_owned(), |mut out, x| {
                        let _ = write!(out, "{x:02x}");
                        out
                    })),
                    _ => None,
                })
                .collect();
            items.map_or_else(
                || json!({ "other": "list" }),
                |items| json!({ "list": items }),
            )
        }
    }
}

/// Decodes `data` as `dialect` reading from `source` and evaluates it to STOP.
pub fn replay(data: &[u8], dialect: Dialect, source: Source) -> Result<Json, Failure> {
    let mut stack: Vec<Option<Value>> = Vec::new(); // None is a mark
    let mut memo: HashMap<u64, Value> = HashMap::new();
    let fail = |why: &str| Failure::Error(why.to_owned());
    for decoded in Decoder::with(data, 0, dialect, source) {
        let instruction = decoded.map_err(|e| Failure::Error(e.to_string()))?;
        let op = instruction.op;
        let push = match op {
            Op::Stop => {
                let top = stack
                    .pop()
                    .flatten()
                    .ok_or_else(|| fail("empty stack at STOP"))?;
                return Ok(to_json(&top));
            }
            Op::Proto(_) | Op::Frame(_) => None,
            Op::Mark => {
                stack.push(None);
                None
            }
            Op::Pop => {
                stack.pop().ok_or_else(|| fail("POP on an empty stack"))?;
                None
            }
            Op::None => Some(Value::None),
            Op::Int(i) | Op::Long(i) | Op::Long1(i) | Op::Long4(i) => Some(Value::Int(i)),
            Op::BinInt(i) => Some(Value::Int(Int::Small(i.into()))),
            Op::BinInt1(i) => Some(Value::Int(Int::Small(i.into()))),
            Op::BinInt2(i) => Some(Value::Int(Int::Small(i.into()))),
            Op::Float(f) | Op::BinFloat(f) => Some(Value::Float(f)),
            Op::String(s)
            | Op::BinString(s)
            | Op::ShortBinString(s)
            | Op::Unicode(s)
            | Op::BinUnicode(s)
            | Op::ShortBinUnicode(s)
            | Op::BinUnicode8(s)
            | Op::PersId(s) => Some(Value::Str(s.into_owned())),
            Op::BinBytes(b) | Op::ShortBinBytes(b) | Op::BinBytes8(b) | Op::ByteArray8(b) => {
                Some(Value::Bytes(b.to_vec()))
            }
            Op::EmptyList => Some(Value::List(Vec::new())),
            Op::Global { module, name } => {
                Some(Value::Global(module.into_owned(), name.into_owned()))
            }
            Op::Inst { module, name } => {
                let mark = stack
                    .iter()
                    .rposition(Option::is_none)
                    .ok_or_else(|| fail("no mark"))?;
                stack.truncate(mark);
                Some(Value::Global(module.into_owned(), name.into_owned()))
            }
            Op::Append => {
                let item = stack.pop().flatten().ok_or_else(|| fail("APPEND"))?;
                match stack.last_mut() {
                    Some(Some(Value::List(list))) => list.push(item),
                    _ => return Err(fail("APPEND to a non-list")),
                }
                None
            }
            Op::Appends => {
                let mark = stack
                    .iter()
                    .rposition(Option::is_none)
                    .ok_or_else(|| fail("no mark"))?;
                let items: Vec<Value> = stack.drain(mark..).flatten().collect();
                match stack.last_mut() {
                    Some(Some(Value::List(list))) => list.extend(items),
                    _ => return Err(fail("APPENDS to a non-list")),
                }
                None
            }
            Op::Put(i) => {
                stack.last().ok_or_else(|| fail("PUT on an empty stack"))?;
                memo.insert(i, Value::Int(Int::Small(i64::try_from(i).unwrap_or(-1))));
                None
            }
            Op::Get(i) => Some(memo.get(&i).cloned().ok_or_else(|| fail("memo miss"))?),
            _ => return Err(Failure::Unsupported),
        };
        if let Some(value) = push {
            stack.push(Some(value));
        }
    }
    Err(fail("no STOP"))
}
