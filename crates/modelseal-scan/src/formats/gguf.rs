//! GGUF (llama.cpp): the header parsed by [`modelseal_formats::gguf`] (every count checked
//! against the bytes that remain before anything is allocated) is judged here:
//! `tokenizer.chat_template*` values go to the template check, a malformed header is
//! reported. Tensor data is not read.

use modelseal_formats::gguf::{Header, Value};

use crate::{Context, RuleId, Severity};

use super::template;

/// `data` is the start of the file (all of it, or as much as the limits allow); `len` is the
/// whole file's length.
pub fn scan(data: &[u8], len: u64, ctx: &mut Context<'_>) {
    // Metadata read before an error is still judged: a template is no less dangerous for a
    // broken tensor table behind it.
    let (header, error) = Header::parse_prefix(data, len);
    for entry in &header.metadata {
        if entry.key.starts_with("tokenizer.chat_template")
            && let Value::String(bytes) = entry.value
        {
            template::check(
                &String::from_utf8_lossy(bytes),
                &entry.key,
                Some(entry.offset),
                ctx,
            );
        }
    }
    if let Some(problem) = &header.tensor_problem {
        // gguf-py still maps some such files (overlapping tensors): high; the rest no reader
        // loads, but the file is not what it claims: medium.
        let severity = if problem.loader_accepts() {
            Severity::High
        } else {
            Severity::Medium
        };
        ctx.report(
            RuleId::GgufMalformed,
            severity,
            None,
            format!("the GGUF tensor infos do not describe the file: {problem}"),
            None,
        );
    }
    if let Some(error) = error {
        let truncated_by_us = (data.len() as u64) < len;
        let message = if truncated_by_us {
            format!("{error} (only the first {} bytes were read)", data.len())
        } else {
            error.to_string()
        };
        ctx.report(
            RuleId::GgufMalformed,
            Severity::Medium,
            None,
            format!("the GGUF header is malformed: {message}"),
            None,
        );
    }
}
