//! safetensors: no code can run, but the header is checked strictly, as a loader that trusts
//! it would be exploited by a lying one: header size bounds, UTF-8 JSON object, known dtypes,
//! every tensor's byte range inside the data, ranges that neither overlap nor leave gaps, and
//! sizes that match shape × dtype.

use serde_json::Value;

use crate::{Context, RuleId, Severity};

/// The reference implementation refuses larger headers.
const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Checks one tensor entry; returns its byte range when the range itself is usable.
fn check_tensor(
    name: &str,
    info: &Value,
    data_len: u64,
    ctx: &mut Context<'_>,
) -> Option<(u64, u64)> {
    let dtype = info.get("dtype").and_then(Value::as_str);
    let shape: Option<Vec<u64>> = info
        .get("shape")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_u64).collect());
    let offsets: Option<Vec<u64>> = info
        .get("data_offsets")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_u64).collect());
    let (Some(dtype), Some(shape), Some(offsets)) = (dtype, shape, offsets) else {
        invalid(
            ctx,
            Severity::Medium,
            format!("tensor {name:?} lacks a dtype, shape or data_offsets"),
        );
        return None;
    };
    let [begin, end] = offsets[..] else {
        invalid(
            ctx,
            Severity::Medium,
            format!("tensor {name:?} has {} data offsets", offsets.len()),
        );
        return None;
    };
    if begin > end || end > data_len {
        invalid(
            ctx,
            Severity::High,
            format!(
                "tensor {name:?} claims bytes {begin}..{end} of a {data_len}-byte data section"
            ),
        );
        return None;
    }
    match dtype_bits(dtype) {
        None => invalid(
            ctx,
            Severity::Medium,
            format!("tensor {name:?} has unknown dtype {dtype:?}"),
        ),
        Some(bits) => {
            let expected = shape
                .iter()
                .try_fold(bits, |acc, d| acc.checked_mul(*d))
                .map(|b| b.div_ceil(8));
            if expected != Some(end - begin) {
                invalid(
                    ctx,
                    Severity::Medium,
                    format!(
                        "tensor {name:?} ({dtype} {shape:?}) should take {expected:?} bytes but its offsets span {}",
                        end - begin
                    ),
                );
            }
        }
    }
    Some((begin, end))
}

fn invalid(ctx: &mut Context<'_>, severity: Severity, message: String) {
    ctx.report(
        RuleId::SafetensorsInvalidHeader,
        severity,
        Some(0),
        message,
        None,
    );
}

fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        _ => return None,
    })
}

/// `data` holds at least the 8-byte length and the header; `len` is the whole file's length.
pub fn scan(data: &[u8], len: u64, ctx: &mut Context<'_>) {
    let Some(size) = data
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    else {
        return invalid(
            ctx,
            Severity::Medium,
            "the file is shorter than the 8-byte header length".to_owned(),
        );
    };
    if size > MAX_HEADER_BYTES {
        return invalid(
            ctx,
            Severity::Medium,
            format!("the header claims {size} bytes (limit {MAX_HEADER_BYTES})"),
        );
    }
    let Some(header) = usize::try_from(8 + size)
        .ok()
        .and_then(|end| data.get(8..end))
    else {
        return invalid(
            ctx,
            Severity::Medium,
            format!("the header claims {size} bytes but the file is {len} bytes"),
        );
    };
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(header) else {
        return invalid(
            ctx,
            Severity::Medium,
            "the header is not a UTF-8 JSON object".to_owned(),
        );
    };
    let data_len = len - 8 - size;
    let mut ranges = Vec::new();
    for (name, info) in &map {
        if name == "__metadata__" {
            let all_strings = info
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string));
            if !all_strings {
                invalid(
                    ctx,
                    Severity::Medium,
                    "__metadata__ must map strings to strings".to_owned(),
                );
            }
            continue;
        }
        if let Some((begin, end)) = check_tensor(name, info, data_len, ctx) {
            ranges.push((begin, end, name.clone()));
        }
    }
    ranges.sort();
    let mut cursor = 0;
    for (begin, end, name) in &ranges {
        if *begin < cursor {
            invalid(
                ctx,
                Severity::High,
                format!("tensor {name:?} overlaps the tensor before it (bytes {begin}..{end})"),
            );
        } else if *begin > cursor {
            invalid(
                ctx,
                Severity::Medium,
                format!(
                    "{} unaccounted bytes before tensor {name:?}",
                    begin - cursor
                ),
            );
        }
        cursor = cursor.max(*end);
    }
    if cursor < data_len {
        invalid(
            ctx,
            Severity::Medium,
            format!(
                "{} bytes after the last tensor are not described by the header",
                data_len - cursor
            ),
        );
    }
}
