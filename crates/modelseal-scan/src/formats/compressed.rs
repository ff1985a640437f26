//! Compressed streams (joblib writes zlib, gzip, bz2, lzma, xz and lz4): decompressed with a
//! bound, then scanned as what they hold. joblib puts raw array bytes after the pickle.

use std::io::Read;

use crate::budget::{Cut, HeldWriter, read_held_partial};
use crate::sniff::{Format, sniff};
use crate::{Context, RuleId, Severity};

use super::pickle::{self, Container};
use super::scan_bytes;

/// Decompresses `data` (of the compression `format` sniffed) up to
/// [`crate::Limits::max_member_bytes`] and the scan's memory budget, and scans what it holds
/// as a member. Concatenated streams are read to the last, as `GzipFile`, `BZ2File`,
/// `LZMAFile`, joblib's zlib file and `LZ4FrameFile` read them.
pub fn scan(data: &[u8], format: Format, ctx: &mut Context<'_>) {
    let limit = ctx.limits.max_member_bytes;
    let budget = std::sync::Arc::clone(&ctx.budget);
    let read = |reader: &mut dyn Read| read_held_partial(reader, Vec::new(), limit, &budget);
    let (held, result) = match format {
        Format::Gzip => read(&mut flate2::read::MultiGzDecoder::new(data)),
        Format::Zlib => read(&mut ZlibStreams::new(data)),
        Format::JoblibZfile => {
            // "ZF" + 19-byte hex length + zlib
            let body = data.get(21..).unwrap_or_default();
            read(&mut flate2::read::ZlibDecoder::new(body))
        }
        Format::Bzip2 => read(&mut bzip2::read::MultiBzDecoder::new(data)),
        Format::Lz4 => read(&mut lz4_flex::frame::FrameDecoder::new(data)),
        Format::Xz | Format::Lzma => {
            let (held, error) = lzma_streams(data, format, limit, &budget);
            (held, error.map(std::io::Error::other))
        }
        _ => return,
    };
    let mut out = held;
    if out.cut != Cut::Complete {
        ctx.report_cut(out.cut, &format!("the {} stream", format.name()), limit);
    } else if let Some(e) = result {
        if out.data.is_empty() {
            ctx.report(
                RuleId::CompressedUnreadable,
                Severity::Medium,
                None,
                format!("the {} stream cannot be decompressed: {e}", format.name()),
                None,
            );
            return;
        }
        ctx.report(
            RuleId::CompressedTruncated,
            Severity::Medium,
            None,
            format!(
                "the {} stream is damaged ({e}); what decompressed was scanned",
                format.name()
            ),
            None,
        );
    }
    let out = std::mem::take(&mut out.data);
    let mut inner = ctx.enter(&format!("<{}>", format.name()));
    if sniff(&out[..out.len().min(64 * 1024)], out.len() as u64) == Format::Pickle {
        // joblib: pickle, then the arrays it wraps as raw bytes.
        pickle::scan(&out, Container::DataFollows, &mut inner);
    } else {
        scan_bytes(&out, &mut inner);
    }
    ctx.absorb(inner);
}

/// Every xz or lzma-alone stream in `data`, one after another, as `LZMAFile` reads them: a
/// stream after the first that does not decode is trailing data it ignores.
fn lzma_streams(
    data: &[u8],
    format: Format,
    limit: u64,
    budget: &std::sync::Arc<crate::budget::Budget>,
) -> (crate::budget::Held, Option<String>) {
    let mut out = HeldWriter::new(limit, budget);
    let mut input = std::io::Cursor::new(data);
    let mut error = None;
    let mut first = true;
    while (input.position() as usize) < data.len() {
        let before = (input.position(), out.len());
        let decoded = match format {
            Format::Xz => lzma_rs::xz_decompress(&mut input, &mut out),
            _ => lzma_rs::lzma_decompress(&mut input, &mut out),
        };
        // lzma-rs insists a stream end the input; LZMAFile reads on into the next one.
        let decoded = match decoded {
            Err(lzma_rs::error::Error::XzError(message))
                if message.starts_with("Unexpected data after last XZ block") =>
            {
                Ok(())
            }
            other => other,
        };
        match decoded {
            Ok(()) if input.position() > before.0 => first = false,
            Ok(()) => break,
            Err(_) if out.cut() != Cut::Complete => break,
            // A next stream that does not even start: trailing bytes LZMAFile skips.
            Err(_) if !first && out.len() == before.1 => break,
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    (out.into_held(), error)
}

/// zlib streams one after another, as joblib's `BinaryZlibFile` reads them.
struct ZlibStreams<'a> {
    rest: &'a [u8],
    decoder: flate2::bufread::ZlibDecoder<&'a [u8]>,
    produced: bool,
    /// Still in the first stream (whose errors are the file's).
    first: bool,
}

impl<'a> ZlibStreams<'a> {
    fn new(data: &'a [u8]) -> Self {
        ZlibStreams {
            rest: data,
            decoder: flate2::bufread::ZlibDecoder::new(data),
            produced: false,
            first: true,
        }
    }
}

impl Read for ZlibStreams<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.decoder.read(buf) {
                Ok(0) if !buf.is_empty() => {
                    // One stream ended: another may follow it.
                    let used = usize::try_from(self.decoder.total_in()).unwrap_or(usize::MAX);
                    let rest = self.rest.get(used..).unwrap_or_default();
                    if rest.is_empty() || used == 0 {
                        return Ok(0);
                    }
                    self.rest = rest;
                    self.decoder = flate2::bufread::ZlibDecoder::new(rest);
                    self.produced = false;
                    self.first = false;
                }
                Ok(n) => {
                    self.produced |= n > 0;
                    return Ok(n);
                }
                // Trailing bytes that are no zlib stream end the file, as in joblib.
                Err(_) if !self.first && !self.produced && self.decoder.total_in() <= 2 => {
                    return Ok(0);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
