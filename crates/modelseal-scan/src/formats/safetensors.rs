//! safetensors: no code can run, but the header is checked strictly, as a loader that trusts
//! it would be exploited by a lying one. [`modelseal_formats::safetensors`] parses and checks
//! it (header size bounds, UTF-8 JSON object, known dtypes, every tensor's byte range inside
//! the data, ranges that neither overlap nor leave gaps, sizes that match shape × dtype); each
//! problem it finds is a finding here, high when it lets a loader read outside a tensor.

use modelseal_formats::FormatError;
use modelseal_formats::safetensors::{Header, MAX_HEADER_BYTES};

use crate::{Context, RuleId, Severity};

fn invalid(ctx: &mut Context<'_>, severity: Severity, message: String) {
    ctx.report(
        RuleId::SafetensorsInvalidHeader,
        severity,
        Some(0),
        message,
        None,
    );
}

/// `data` holds at least the 8-byte length and the header; `len` is the whole file's length.
pub fn scan(data: &[u8], len: u64, ctx: &mut Context<'_>) {
    match Header::parse(data, len) {
        Ok(header) => {
            for problem in &header.problems {
                let severity = if problem.breaks_bounds() {
                    Severity::High
                } else {
                    Severity::Medium
                };
                invalid(ctx, severity, problem.to_string());
            }
        }
        Err(error) => {
            let message = match error {
                FormatError::TooLarge { size, .. } => {
                    format!("the header claims {size} bytes (limit {MAX_HEADER_BYTES})")
                }
                FormatError::Truncated { offset: 0, .. } => {
                    "the file is shorter than the 8-byte header length".to_owned()
                }
                FormatError::Truncated { needed, .. } => {
                    format!("the header claims {needed} bytes but the file is {len} bytes")
                }
                other => format!("the header is not a UTF-8 JSON object ({other})"),
            };
            invalid(ctx, Severity::Medium, message);
        }
    }
}
