//! ONNX (`ModelProto`, protobuf): initializers whose external data lives outside the model
//! directory (a loader that follows them reads arbitrary files; CVE-2024-27318/5187) and
//! operators from custom domains (the runtime must load native custom-op libraries for them).
//!
//! A minimal protobuf reader, written by hand: the few fields needed are read with every length
//! checked against the bytes left, subgraphs (If/Loop bodies, functions) recursively to a
//! bounded depth. No generated ONNX bindings are needed for that.

use crate::{Context, RuleId, Severity};

/// Operator domains of the ONNX standard and of ONNX Runtime's built-in contrib operators.
const KNOWN_DOMAINS: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
    "com.microsoft",
    "com.microsoft.nchwc",
    "com.ms.internal.nhwc",
];
const MAX_DEPTH: u32 = 16;

#[derive(Debug)]
enum Field<'a> {
    /// A varint or fixed-width scalar (no field read here needs its value).
    Scalar,
    Bytes(&'a [u8]),
}

struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
}

fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

impl<'a> Iterator for Fields<'a> {
    /// `(field number, value)`, or `Err` once the message is malformed.
    type Item = Result<(u64, Field<'a>), ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let parsed = (|| {
            let key = varint(self.data, &mut self.pos)?;
            let field = match key & 7 {
                0 => {
                    varint(self.data, &mut self.pos)?;
                    Field::Scalar
                }
                1 => {
                    self.pos = self.pos.checked_add(8).filter(|p| *p <= self.data.len())?;
                    Field::Scalar
                }
                2 => {
                    let len = usize::try_from(varint(self.data, &mut self.pos)?).ok()?;
                    let end = self
                        .pos
                        .checked_add(len)
                        .filter(|e| *e <= self.data.len())?;
                    let bytes = &self.data[self.pos..end];
                    self.pos = end;
                    Field::Bytes(bytes)
                }
                5 => {
                    self.pos = self.pos.checked_add(4).filter(|p| *p <= self.data.len())?;
                    Field::Scalar
                }
                _ => return None,
            };
            Some((key >> 3, field))
        })();
        if let Some(item) = parsed {
            Some(Ok(item))
        } else {
            self.pos = self.data.len();
            Some(Err(()))
        }
    }
}

fn fields(data: &[u8]) -> Fields<'_> {
    Fields { data, pos: 0 }
}

/// Whether `data` parses as a `ModelProto` that has a graph (content sniffing).
pub fn looks_like_onnx(data: &[u8]) -> bool {
    if data.first() != Some(&0x08) {
        return false;
    }
    let mut has_graph = false;
    for field in fields(data) {
        match field {
            Ok((7, Field::Bytes(_))) => has_graph = true,
            Ok((n, _)) if n > 25 => return false,
            Ok(_) => {}
            Err(()) => return has_graph,
        }
    }
    has_graph
}

/// Checks an ONNX `ModelProto`: custom operator domains, external data paths, and whether it
/// parses to its end.
pub fn scan(data: &[u8], ctx: &mut Context<'_>) {
    let mut malformed = false;
    for field in fields(data) {
        match field {
            Ok((7 | 20, Field::Bytes(graph))) => malformed |= !graph_or_function(graph, 0, ctx),
            Ok((8, Field::Bytes(opset))) => {
                if let Some(domain) = string_field(opset, 1) {
                    check_domain(&domain, "opset import", ctx);
                }
            }
            Ok(_) => {}
            Err(()) => malformed = true,
        }
    }
    if malformed {
        ctx.report(
            RuleId::OnnxMalformed,
            Severity::Medium,
            None,
            "the ONNX model does not parse to its end",
            None,
        );
    }
}

/// Walks a `GraphProto` or `FunctionProto`: nodes (with subgraph attributes) and initializers.
fn graph_or_function(data: &[u8], depth: u32, ctx: &mut Context<'_>) -> bool {
    if depth > MAX_DEPTH {
        ctx.report(
            RuleId::OnnxMalformed,
            Severity::Medium,
            None,
            format!("subgraphs nested deeper than {MAX_DEPTH}"),
            None,
        );
        return true;
    }
    let mut ok = true;
    for field in fields(data) {
        match field {
            Ok((1, Field::Bytes(node))) => ok &= node_proto(node, depth, ctx),
            Ok((5 | 15, Field::Bytes(tensor))) => ok &= tensor_proto(tensor, ctx),
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    ok
}

fn node_proto(data: &[u8], depth: u32, ctx: &mut Context<'_>) -> bool {
    let mut ok = true;
    for field in fields(data) {
        match field {
            Ok((7, Field::Bytes(domain))) => {
                check_domain(&String::from_utf8_lossy(domain), "operator", ctx);
            }
            Ok((5, Field::Bytes(attribute))) => {
                // AttributeProto: g (6) and graphs (11) hold subgraphs.
                for inner in fields(attribute) {
                    match inner {
                        Ok((6 | 11, Field::Bytes(graph))) => {
                            ok &= graph_or_function(graph, depth + 1, ctx);
                        }
                        Ok(_) => {}
                        Err(()) => ok = false,
                    }
                }
            }
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    ok
}

/// `TensorProto`: `external_data` (14) entries `{key: "location", value: path}`.
fn tensor_proto(data: &[u8], ctx: &mut Context<'_>) -> bool {
    let mut ok = true;
    let mut name = String::new();
    let mut locations = Vec::new();
    for field in fields(data) {
        match field {
            Ok((8, Field::Bytes(n))) => name = String::from_utf8_lossy(n).into_owned(),
            Ok((14, Field::Bytes(entry))) => {
                if string_field(entry, 1).as_deref() == Some("location")
                    && let Some(location) = string_field(entry, 2)
                {
                    locations.push(location);
                }
            }
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    for location in locations {
        let escapes = location.starts_with('/')
            || location.starts_with('\\')
            || location.get(1..2) == Some(":")
            || location.split(['/', '\\']).any(|c| c == "..");
        if escapes {
            ctx.report(
                RuleId::OnnxExternalDataEscape,
                Severity::High,
                None,
                format!("initializer {name:?} loads its data from {location:?}, outside the model directory"),
                Some(location),
            );
        }
    }
    ok
}

fn check_domain(domain: &str, what: &str, ctx: &mut Context<'_>) {
    if !KNOWN_DOMAINS.contains(&domain) {
        ctx.report(
            RuleId::OnnxCustomDomain,
            Severity::Medium,
            None,
            format!("{what} domain {domain:?} is not a standard ONNX domain: running it needs a custom operator library (native code)"),
            Some(domain.to_owned()),
        );
    }
}

fn string_field(data: &[u8], number: u64) -> Option<String> {
    fields(data).find_map(|f| match f {
        Ok((n, Field::Bytes(b))) if n == number => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    })
}
