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

/// `ModelProto` fields and their wire types (2: length-delimited, 0: varint).
const MODEL_FIELDS: &[(u64, u64)] = &[
    (1, 0),
    (2, 2),
    (3, 2),
    (4, 2),
    (5, 0),
    (6, 2),
    (7, 2),
    (8, 2),
    (14, 2),
    (20, 2),
    (25, 2),
    (26, 2),
];

/// Whether `data` parses as a `ModelProto` that has a graph (content sniffing). Protobuf
/// fields may come in any order (`onnx.load` accepts a graph before `ir_version`), so the
/// first field need only be one of `ModelProto`'s with its wire type.
pub fn looks_like_onnx(data: &[u8]) -> bool {
    let mut pos = 0;
    let Some(key) = varint(data, &mut pos) else {
        return false;
    };
    if !MODEL_FIELDS.contains(&(key >> 3, key & 7)) {
        return false;
    }
    let mut has_graph = false;
    for field in fields(data) {
        match field {
            Ok((7, Field::Bytes(_))) => has_graph = true,
            Ok((n, _)) if n > 26 => return false,
            Ok(_) => {}
            Err(()) => return has_graph,
        }
    }
    has_graph
}

/// Checks an ONNX `ModelProto`: custom operator domains, external data paths (of every
/// tensor `onnx.load` resolves: initializers, sparse initializers and node attribute tensors,
/// in the graph, its subgraphs, training graphs and functions), and whether it parses to its
/// end.
pub fn scan(data: &[u8], ctx: &mut Context<'_>) {
    let mut malformed = false;
    for field in fields(data) {
        match field {
            Ok((7, Field::Bytes(g))) => malformed |= !graph(g, 0, ctx),
            Ok((20, Field::Bytes(training))) => {
                // TrainingInfoProto: initialization (1) and algorithm (2) graphs.
                for inner in fields(training) {
                    match inner {
                        Ok((1 | 2, Field::Bytes(g))) => malformed |= !graph(g, 0, ctx),
                        Ok(_) => {}
                        Err(()) => malformed = true,
                    }
                }
            }
            Ok((25, Field::Bytes(function))) => malformed |= !function_proto(function, ctx),
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

fn too_deep(depth: u32, ctx: &mut Context<'_>) -> bool {
    if depth > MAX_DEPTH {
        ctx.report(
            RuleId::OnnxMalformed,
            Severity::Medium,
            None,
            format!("subgraphs nested deeper than {MAX_DEPTH}"),
            None,
        );
    }
    depth > MAX_DEPTH
}

/// Walks a `GraphProto`: nodes (1, with their attributes), initializers (5) and sparse
/// initializers (15).
fn graph(data: &[u8], depth: u32, ctx: &mut Context<'_>) -> bool {
    if too_deep(depth, ctx) {
        return true;
    }
    let mut ok = true;
    for field in fields(data) {
        match field {
            Ok((1, Field::Bytes(node))) => ok &= node_proto(node, depth, ctx),
            Ok((5, Field::Bytes(tensor))) => ok &= tensor_proto(tensor, ctx),
            Ok((15, Field::Bytes(sparse))) => ok &= sparse_tensor_proto(sparse, ctx),
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    ok
}

/// Walks a `FunctionProto`: its nodes (7).
fn function_proto(data: &[u8], ctx: &mut Context<'_>) -> bool {
    let mut ok = true;
    for field in fields(data) {
        match field {
            Ok((7, Field::Bytes(node))) => ok &= node_proto(node, 0, ctx),
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    ok
}

/// `SparseTensorProto`: values (1) and indices (2) are tensors with their own external data.
fn sparse_tensor_proto(data: &[u8], ctx: &mut Context<'_>) -> bool {
    let mut ok = true;
    for field in fields(data) {
        match field {
            Ok((1 | 2, Field::Bytes(tensor))) => ok &= tensor_proto(tensor, ctx),
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
            Ok((5, Field::Bytes(attribute))) => ok &= attribute_proto(attribute, depth, ctx),
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    ok
}

/// `AttributeProto`: tensors t (5) and tensors (10), sparse tensors (22, 23), subgraphs g (6)
/// and graphs (11): `onnx.load` resolves the external data of attribute tensors too.
fn attribute_proto(data: &[u8], depth: u32, ctx: &mut Context<'_>) -> bool {
    let mut ok = true;
    for field in fields(data) {
        match field {
            Ok((6 | 11, Field::Bytes(g))) => ok &= graph(g, depth + 1, ctx),
            Ok((5 | 10, Field::Bytes(tensor))) => ok &= tensor_proto(tensor, ctx),
            Ok((22 | 23, Field::Bytes(sparse))) => ok &= sparse_tensor_proto(sparse, ctx),
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    ok
}

/// `TensorProto`: `external_data` (13) entries `{key: "location", value: path}`. (Field 14
/// is `data_location`, a varint: reading external data from 14 made the rule never fire on
/// a file the onnx library wrote.) A string
/// field written twice is read as protobuf reads it (the last one wins); every value written
/// is checked, so neither reading escapes unseen.
fn tensor_proto(data: &[u8], ctx: &mut Context<'_>) -> bool {
    let mut ok = true;
    let mut name = String::new();
    let mut locations = Vec::new();
    for field in fields(data) {
        match field {
            Ok((8, Field::Bytes(n))) => name = String::from_utf8_lossy(n).into_owned(),
            Ok((13, Field::Bytes(entry))) => {
                if last_string_field(entry, 1).as_deref() == Some("location") {
                    locations.extend(all_string_fields(entry, 2));
                }
            }
            Ok(_) => {}
            Err(()) => ok = false,
        }
    }
    for location in locations {
        if let Some(why) = escapes(&location, ctx) {
            ctx.report(
                RuleId::OnnxExternalDataEscape,
                Severity::High,
                None,
                format!(
                    "initializer {name:?} loads its data from {location:?}, outside the model directory ({why})"
                ),
                Some(location),
            );
        }
    }
    ok
}

/// Why an external data location leads outside the model's directory, if it does: an
/// absolute path in any spelling (POSIX, drive letter, UNC, URL), a `..` component in any
/// spelling (either separator, Windows trailing dots and spaces), or a path that resolves
/// outside through a symbolic link (checked on disk for a model file outside any archive).
fn escapes(location: &str, ctx: &Context<'_>) -> Option<&'static str> {
    let lower = location.to_ascii_lowercase();
    if location.starts_with(['/', '\\']) {
        return Some("absolute path");
    }
    if location.get(1..2) == Some(":") || lower.contains("://") || lower.starts_with("file:") {
        return Some("drive letter or URL");
    }
    if location.contains('\0') {
        return Some("NUL byte");
    }
    // Windows drops trailing dots and spaces from a component: ". ." and "..." name the parent.
    let climbs = location.split(['/', '\\']).any(|component| {
        let trimmed = component.trim_end_matches([' ', '.']);
        trimmed.is_empty() && component.matches('.').count() >= 2
    });
    if climbs {
        return Some("a `..` component");
    }
    if ctx.member.is_none() && outside_through_links(ctx.file, location) {
        return Some("resolves outside through a symbolic link");
    }
    None
}

/// Whether `location`, beside the model file, exists and resolves outside its directory.
fn outside_through_links(model: &std::path::Path, location: &str) -> bool {
    let Some(dir) = model.parent() else {
        return false;
    };
    let dir = if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    };
    let (Ok(base), Ok(target)) = (
        modelseal_fs::canonicalize(dir),
        modelseal_fs::canonicalize(&dir.join(location)),
    ) else {
        return false;
    };
    !target.starts_with(base)
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
    last_string_field(data, number)
}

/// A singular string field as protobuf decodes it: the last occurrence wins.
fn last_string_field(data: &[u8], number: u64) -> Option<String> {
    all_string_fields(data, number).pop()
}

fn all_string_fields(data: &[u8], number: u64) -> Vec<String> {
    fields(data)
        .filter_map(|f| match f {
            Ok((n, Field::Bytes(b))) if n == number => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            _ => None,
        })
        .collect()
}
