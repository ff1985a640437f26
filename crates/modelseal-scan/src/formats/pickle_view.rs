//! Every reading a loader could make: `pickle.load` (and `joblib.load`, `torch.load` on a
//! non-zip file) runs any file whose opcodes decode, whatever signature it also carries. A
//! tar whose first header is a pickle, an HDF5 file whose user block is one, a GGUF or
//! safetensors file whose first bytes decode as opcodes, a pickle whose imports sit behind a
//! long leading data opcode: each is also read here as the pickle `pickle.load` would run.
//!
//! Only what that reading imports or calls is reported (its decoding errors are not: most
//! binary data decodes as a few opcodes and then fails, which `pickle.load` refuses too).

use modelseal_formats::FormatError;
use modelseal_formats::pickle::{Decoder, Op};

use crate::pickle::analyze;
use crate::sniff::Format;
use crate::{Context, RuleId, Severity};

use super::pickle::{self, Container};

/// How far `pickle.load` could read the start of a file, judged by decoding opcodes alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// The first opcode does not decode (or is PERSID of a zip): `pickle.load` refuses it at
    /// once.
    NotPickle,
    /// Decoding ends (STOP, or an error the loader raises too) at this offset.
    Ends(usize),
    /// An opcode's argument runs past the bytes at hand but not past the file: read more.
    NeedsMore,
}

/// How far a `pickle.load` of `data` (the first bytes of a file or member of `len` bytes)
/// goes.
pub fn extent(data: &[u8], len: u64) -> Extent {
    // PERSID of "K\x03\x04...": pickle.load and joblib refuse a persistent id, and torch.load
    // reads a file that starts like a zip as a zip.
    if data.starts_with(b"PK") {
        return Extent::NotPickle;
    }
    let mut first = true;
    let mut decoder = Decoder::new(data, 0);
    loop {
        let at = decoder.offset();
        let Some(item) = decoder.next() else { break };
        match item {
            Ok(instruction) => {
                first = false;
                if instruction.op == Op::Stop {
                    return Extent::Ends(decoder.offset());
                }
            }
            Err(FormatError::Truncated { offset, needed, .. }) => {
                let within_file = offset.saturating_add(needed) <= len;
                if within_file && (data.len() as u64) < len {
                    return Extent::NeedsMore;
                }
                return ended(first, at);
            }
            Err(_) => return ended(first, at),
        }
    }
    if (data.len() as u64) < len {
        Extent::NeedsMore
    } else {
        ended(first, data.len())
    }
}

fn ended(first: bool, at: usize) -> Extent {
    if first {
        Extent::NotPickle
    } else {
        Extent::Ends(at)
    }
}

/// Scans `data` (a file or member sniffed as `format`, or its start) as the pickle
/// `pickle.load` would run: findings go to a `<pickle view>` member, and a file of another
/// format that imports anything as a pickle is a polyglot (high).
pub fn scan(data: &[u8], format: Format, ctx: &mut Context<'_>) {
    let end = match extent(data, data.len() as u64) {
        Extent::NotPickle => return,
        Extent::Ends(end) => end.min(data.len()),
        Extent::NeedsMore => data.len(),
    };
    scan_prefix(&data[..end], format, ctx);
}

/// Scans `view`, the bytes a `pickle.load` reads (found by [`extent`]).
pub fn scan_prefix(view: &[u8], format: Format, ctx: &mut Context<'_>) {
    let analysis = analyze(view);
    // Only an import makes bytes of another format a pickle that runs something: an
    // extension code is unregistered unless the victim registered it (the loader raises),
    // and calling anything else needs an import first. Tensor bytes decode as a few EXT or
    // REDUCE opcodes often enough (red team 13: a torch RNN's storage read as `EXT1 107`).
    let runs_something = !analysis.globals.is_empty() || !analysis.dynamic_imports.is_empty();
    if !runs_something {
        return;
    }
    if !matches!(format, Format::Other | Format::Pickle) {
        ctx.report(
            RuleId::PolyglotPickle,
            Severity::High,
            Some(0),
            format!(
                "the file reads as {} and also as a pickle that imports code: pickle.load, joblib.load and torch.load run the pickle",
                format.name()
            ),
            None,
        );
    }
    let mut inner = ctx.enter("<pickle view>");
    pickle::scan(view, Container::DataFollows, &mut inner);
    // That reading's decoding errors are not news: the other format's bytes follow it.
    inner.findings.retain(|f| {
        !matches!(
            f.rule_id,
            RuleId::PickleMalformed | RuleId::PickleTrailingData
        )
    });
    ctx.absorb(inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_follows_decoding() {
        assert_eq!(extent(b"PK\x03\x04", 100), Extent::NotPickle);
        assert_eq!(extent(b"\x00\x01", 2), Extent::NotPickle);
        assert_eq!(extent(b"K\x01.rest", 8), Extent::Ends(3));
        // A BINBYTES longer than the bytes at hand but inside the file: read on.
        assert_eq!(extent(b"B\x00\x00\x01\x00abc", 1 << 20), Extent::NeedsMore);
        // ...and past the end of the file: the loader fails there.
        assert_eq!(extent(b"KxB\x00\x00\x01\x00abc", 10), Extent::Ends(2));
        assert_eq!(extent(b"B\x00\x00\x01\x00abc", 10), Extent::NotPickle);
    }
}
