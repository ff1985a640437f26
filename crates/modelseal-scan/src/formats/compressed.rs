//! Compressed streams (joblib writes zlib, gzip, bz2, lzma, xz and lz4): decompressed with a
//! bound, then scanned as what they hold. joblib puts raw array bytes after the pickle.

use std::io::Read;

use crate::sniff::{Format, sniff};
use crate::{Context, RuleId, Severity};

use super::pickle::{self, Container};
use super::scan_bytes;

/// Decompresses `data` (of the compression `format` sniffed) up to
/// [`crate::Limits::max_member_bytes`] and scans what it holds as a member.
pub fn scan(data: &[u8], format: Format, ctx: &mut Context<'_>) {
    let limit = ctx.limits.max_member_bytes;
    let mut out = Vec::new();
    let result = match format {
        Format::Gzip => flate2::read::MultiGzDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map(drop),
        Format::Zlib => flate2::read::ZlibDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map(drop),
        Format::JoblibZfile => {
            // "ZF" + 19-byte hex length + zlib
            let body = data.get(21..).unwrap_or_default();
            flate2::read::ZlibDecoder::new(body)
                .take(limit + 1)
                .read_to_end(&mut out)
                .map(drop)
        }
        Format::Bzip2 => bzip2::read::MultiBzDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map(drop),
        Format::Lz4 => lz4_flex::frame::FrameDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map(drop),
        Format::Xz => lzma_rs::xz_decompress(
            &mut std::io::BufReader::new(data),
            &mut LimitedWriter::new(&mut out, limit),
        )
        .map_err(|e| std::io::Error::other(e.to_string())),
        Format::Lzma => lzma_rs::lzma_decompress(
            &mut std::io::BufReader::new(data),
            &mut LimitedWriter::new(&mut out, limit),
        )
        .map_err(|e| std::io::Error::other(e.to_string())),
        _ => return,
    };
    if out.len() as u64 > limit {
        ctx.report(
            RuleId::ArchiveMemberTooLarge,
            Severity::High,
            None,
            format!(
                "the {} stream expands beyond {limit} bytes; only its start was scanned",
                format.name()
            ),
            None,
        );
        out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    } else if let Err(e) = result {
        if out.is_empty() {
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
    let mut inner = ctx.enter(&format!("<{}>", format.name()));
    if sniff(&out[..out.len().min(64 * 1024)], out.len() as u64) == Format::Pickle {
        // joblib: pickle, then the arrays it wraps as raw bytes.
        pickle::scan(&out, Container::DataFollows, &mut inner);
    } else {
        scan_bytes(&out, &mut inner);
    }
    ctx.absorb(inner);
}

/// A writer that fails once more than `limit` bytes were written (lzma-rs writes, not reads).
struct LimitedWriter<'a> {
    out: &'a mut Vec<u8>,
    limit: u64,
}

impl<'a> LimitedWriter<'a> {
    fn new(out: &'a mut Vec<u8>, limit: u64) -> Self {
        LimitedWriter { out, limit }
    }
}

impl std::io::Write for LimitedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = (self.limit + 1).saturating_sub(self.out.len() as u64);
        if room == 0 {
            return Err(std::io::Error::other("output limit reached"));
        }
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
