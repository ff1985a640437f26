//! One module per format; [`scan_bytes`] dispatches on content.

pub mod compressed;
pub mod config;
pub mod distcp;
pub mod gguf;
pub mod hdf5;
pub mod jinja;
pub mod keras;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod pickle_view;
pub mod safetensors;
pub mod tar;
pub mod template;
pub mod torch_package;
pub mod torchscript;
pub mod zip;

use crate::sniff::{Format, sniff};
use crate::{Context, RuleId, Severity};

/// Scans an in-memory file or member. Returns the detected format.
pub fn scan_bytes(data: &[u8], ctx: &mut Context<'_>) -> Format {
    let format = sniff(&data[..data.len().min(64 * 1024)], data.len() as u64);
    if ctx.depth > ctx.limits.max_depth {
        ctx.report(
            RuleId::ArchiveTooDeep,
            Severity::High,
            None,
            format!(
                "archives nested more than {} levels deep are not scanned",
                ctx.limits.max_depth
            ),
            None,
        );
        return format;
    }
    match format {
        Format::Pickle => {
            let container = if pickle::is_torch_legacy(data) {
                pickle::Container::DataFollows
            } else {
                pickle::Container::Raw
            };
            pickle::scan(data, container, ctx);
            zip::check_polyglot(data, ctx);
        }
        Format::Zip => zip::scan(std::io::Cursor::new(data), data.len() as u64, ctx),
        Format::Tar => tar::scan(data, ctx),
        Format::Numpy => numpy::scan(data, ctx),
        Format::Safetensors => safetensors::scan(data, data.len() as u64, ctx),
        Format::Gguf => gguf::scan(data, data.len() as u64, ctx),
        Format::Gzip
        | Format::Bzip2
        | Format::Xz
        | Format::Lzma
        | Format::Zlib
        | Format::Lz4
        | Format::JoblibZfile => {
            compressed::scan(data, format, ctx);
        }
        Format::Json => {
            // Not JSON: the loaders reject it too, and there is nothing to run.
            if let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) {
                template::check_document(&document, ctx);
                keras::check_document(&document, "config", ctx);
                config::check_json(&document, ctx);
            } else {
                // `{{ ... }}` / `{% ... %}`: a template file, not JSON.
                config::scan_by_name(data, ctx);
            }
        }
        Format::Hdf5 => keras::scan_h5(std::io::Cursor::new(data), data.len() as u64, ctx),
        Format::Onnx => onnx::scan(data, ctx),
        Format::Other if zip::end_record(data).is_some() => {
            zip::scan(std::io::Cursor::new(data), data.len() as u64, ctx);
        }
        Format::Other => config::scan_by_name(data, ctx),
    }
    if format != Format::Pickle {
        // Whatever else it is, pickle.load runs it if its opcodes decode.
        pickle_view::scan(data, format, ctx);
    }
    format
}
