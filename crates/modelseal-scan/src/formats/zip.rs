//! Zip archives (PyTorch checkpoints, TorchScript, NumPy `.npz`, Keras `.keras`), read the way
//! PyTorch reads them: through the central directory. Every member is sniffed; members that
//! are pickles, archives or other scannable formats are read (bounded) and scanned, raw tensor
//! data is not read at all, so a multi-GiB checkpoint costs only its pickles. Archives that
//! disagree with themselves are reported: local header vs central directory, CRC, encryption,
//! duplicate or escaping names, bytes before the first entry or after the end record.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};

use crate::sniff::{Format, sniff};
use crate::{Context, RuleId, Severity};

use super::scan_bytes;

/// Scans the zip archive readable from `reader` (`len` bytes).
pub fn scan<R: Read + Seek>(mut reader: R, len: u64, ctx: &mut Context<'_>) {
    // The zip crate keys entries by name, so duplicates collapse; the central directory as
    // written says how many entries there really are and where each starts.
    let central = central_directory(&mut reader, len);
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            ctx.report(
                RuleId::ZipUnreadable,
                Severity::High,
                None,
                format!("the zip archive cannot be read ({e}); its contents were not scanned"),
                None,
            );
            return;
        }
    };
    if let Some(entries) = &central {
        let mut seen = HashSet::new();
        for (name, offset) in entries {
            if !seen.insert(name.as_slice()) {
                let name = String::from_utf8_lossy(name).into_owned();
                ctx.report(
                    RuleId::ZipDuplicateName,
                    Severity::High,
                    Some(*offset),
                    format!("the archive holds two entries named {name:?}: different readers load different ones"),
                    Some(name),
                );
            }
        }
    }
    let torchscript = archive.file_names().any(|n| {
        n.split_once('/')
            .is_some_and(|(_, rest)| rest == "constants.pkl")
    });
    let mut headers = Vec::new();
    for index in 0..archive.len() {
        let entry = match archive.by_index_raw(index) {
            Ok(e) => e,
            Err(e) => {
                ctx.report(
                    RuleId::ZipUnreadable,
                    Severity::High,
                    None,
                    format!("entry {index} cannot be read: {e}"),
                    None,
                );
                continue;
            }
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let header_start = entry.header_start();
        let encrypted = entry.encrypted();
        let is_dir = entry.is_dir();
        drop(entry);
        headers.push((header_start, name.clone()));
        if name.starts_with('/') || name.split(['/', '\\']).any(|c| c == "..") {
            ctx.report(
                RuleId::ZipPathTraversal,
                Severity::High,
                Some(header_start),
                format!("entry name {name:?} escapes the extraction directory"),
                Some(name.clone()),
            );
        }
        if is_dir {
            continue;
        }
        if encrypted {
            ctx.report(
                RuleId::ZipEncrypted,
                Severity::High,
                Some(header_start),
                format!("entry {name:?} is encrypted and cannot be scanned"),
                Some(name.clone()),
            );
            continue;
        }
        scan_entry(&mut archive, index, &name, torchscript, ctx);
    }
    let mut reader = archive.into_inner();
    for (header_start, name) in &headers {
        check_local_header(&mut reader, *header_start, name, ctx);
    }
    let first_local_header = central
        .as_ref()
        .and_then(|entries| entries.iter().map(|(_, offset)| *offset).min())
        .or_else(|| headers.iter().map(|(start, _)| *start).min())
        .unwrap_or(0);
    if first_local_header > 0 && first_local_header < len {
        report_prefix(&mut reader, first_local_header, ctx);
    }
}

/// Reads one member if it is worth scanning and scans it.
fn scan_entry<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    name: &str,
    torchscript: bool,
    ctx: &mut Context<'_>,
) {
    let limit = ctx.limits.max_member_bytes;
    let mut entry = match archive.by_index(index) {
        Ok(e) => e,
        Err(e) => {
            let mut inner = enter(ctx, name, torchscript);
            report_read_error(&mut inner, name, &e);
            ctx.absorb(inner);
            return;
        }
    };
    let size = entry.size();
    let mut head = Vec::with_capacity(64 * 1024);
    if let Err(e) = (&mut entry).take(64 * 1024).read_to_end(&mut head) {
        let mut inner = enter(ctx, name, torchscript);
        report_read_error(&mut inner, name, &e);
        ctx.absorb(inner);
        return;
    }
    if sniff(&head, size) == Format::Other {
        // Tensor data and the like: nothing to run, nothing more to read.
        return;
    }
    let mut data = head;
    let read = (&mut entry)
        .take(limit.saturating_sub(data.len() as u64) + 1)
        .read_to_end(&mut data);
    let mut inner = enter(ctx, name, torchscript);
    match read {
        Err(e) => report_read_error(&mut inner, name, &e),
        Ok(_) if data.len() as u64 > limit => {
            inner.report(
                RuleId::ArchiveMemberTooLarge,
                Severity::High,
                None,
                format!("entry expands beyond {limit} bytes; it was not scanned"),
                Some(name.to_owned()),
            );
        }
        Ok(_) => {
            scan_bytes(&data, &mut inner);
        }
    }
    ctx.absorb(inner);
}

/// The context of one member of this archive.
fn enter<'a>(ctx: &Context<'a>, name: &str, torchscript: bool) -> Context<'a> {
    let mut inner = ctx.enter(name);
    inner.torchscript = torchscript;
    inner
}

fn report_read_error(ctx: &mut Context<'_>, name: &str, e: &dyn std::fmt::Display) {
    // The zip crate checks the CRC-32 when a member has been read to its end.
    let (rule, message) = if e.to_string().contains("checksum") {
        (
            RuleId::ZipCrcMismatch,
            format!(
                "entry {name:?} does not match its CRC-32: it was altered after the archive was written"
            ),
        )
    } else {
        (
            RuleId::ZipUnreadable,
            format!("entry {name:?} cannot be read: {e}"),
        )
    };
    ctx.report(rule, Severity::High, None, message, Some(name.to_owned()));
}

/// How far from the end a zip's end-of-central-directory record can start: the 22-byte record
/// plus a comment of up to 65,535 bytes.
pub const END_RECORD_SEARCH: usize = 22 + 65_535;
const END_RECORD_SIGNATURE: &[u8] = b"PK\x05\x06";

/// Where the end-of-central-directory record starts in `tail` (the last
/// [`END_RECORD_SEARCH`] bytes of a file), if there is one.
pub fn end_record(tail: &[u8]) -> Option<usize> {
    let start = tail.len().saturating_sub(END_RECORD_SEARCH);
    tail[start..]
        .windows(4)
        .rposition(|w| w == END_RECORD_SIGNATURE)
        .map(|at| start + at)
}

/// Every central-directory entry as written: `(name, local header offset)`. `None` for
/// zip64 archives or a directory that does not parse (the zip crate's view is used then).
/// Written by hand because zip readers deduplicate names, hiding the entries an attacker
/// duplicates.
fn central_directory<R: Read + Seek>(reader: &mut R, len: u64) -> Option<Vec<(Vec<u8>, u64)>> {
    let tail_len = len.min(END_RECORD_SEARCH as u64);
    reader.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::new();
    reader.take(tail_len).read_to_end(&mut tail).ok()?;
    let eocd = end_record(&tail)?;
    let record = tail.get(eocd..eocd + 22)?;
    let u16_at = |b: &[u8], at: usize| b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let count = u16_at(record, 10)?;
    let size = u32_at(record, 12)?;
    let offset = u32_at(record, 16)?;
    if count == u16::MAX || size == u32::MAX || offset == u32::MAX {
        return None; // zip64
    }
    // A prefix (junk or a pickle in front) shifts every offset; the zip crate allows for that
    // the same way: the directory ends where the end record starts.
    let eocd_at = len - tail_len + eocd as u64;
    let shift = eocd_at.checked_sub(u64::from(offset) + u64::from(size))?;
    reader
        .seek(SeekFrom::Start(u64::from(offset) + shift))
        .ok()?;
    let mut directory = Vec::new();
    reader
        .take(u64::from(size))
        .read_to_end(&mut directory)
        .ok()?;
    let mut entries = Vec::with_capacity(usize::from(count));
    let mut at = 0usize;
    for _ in 0..count {
        if directory.get(at..at + 4)? != b"PK\x01\x02" {
            return None;
        }
        let name_len = usize::from(u16_at(&directory, at + 28)?);
        let extra_len = usize::from(u16_at(&directory, at + 30)?);
        let comment_len = usize::from(u16_at(&directory, at + 32)?);
        let local = u64::from(u32_at(&directory, at + 42)?);
        let name = directory.get(at + 46..at + 46 + name_len)?.to_vec();
        entries.push((name, local + shift));
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(entries)
}

/// The local header must agree with the central directory: PyTorch reads the central
/// directory, other tools the local headers, so a disagreement shows different content to
/// different readers.
fn check_local_header<R: Read + Seek>(
    reader: &mut R,
    header_start: u64,
    central_name: &str,
    ctx: &mut Context<'_>,
) {
    let mut fixed = [0u8; 30];
    let ok =
        reader.seek(SeekFrom::Start(header_start)).is_ok() && reader.read_exact(&mut fixed).is_ok();
    if !ok || &fixed[..4] != b"PK\x03\x04" {
        ctx.report(
            RuleId::ZipHeaderMismatch,
            Severity::High,
            Some(header_start),
            format!("entry {central_name:?} has no valid local header where the central directory points"),
            Some(central_name.to_owned()),
        );
        return;
    }
    let name_len = usize::from(u16::from_le_bytes([fixed[26], fixed[27]]));
    let mut local_name = vec![0u8; name_len];
    if reader.read_exact(&mut local_name).is_err() || local_name != central_name.as_bytes() {
        ctx.report(
            RuleId::ZipHeaderMismatch,
            Severity::High,
            Some(header_start),
            format!(
                "entry is named {central_name:?} in the central directory but {:?} in its local header",
                String::from_utf8_lossy(&local_name)
            ),
            Some(central_name.to_owned()),
        );
    }
}

/// Bytes before the first entry: a pickle glued in front of a zip runs under loaders that
/// look at the start of the file.
fn report_prefix<R: Read + Seek>(reader: &mut R, len: u64, ctx: &mut Context<'_>) {
    let mut prefix = Vec::new();
    let ok = reader.seek(SeekFrom::Start(0)).is_ok()
        && reader
            .take(len.min(ctx.limits.max_member_bytes))
            .read_to_end(&mut prefix)
            .is_ok();
    ctx.report(
        RuleId::ZipPrependedData,
        Severity::High,
        Some(0),
        format!("{len} bytes precede the first zip entry"),
        None,
    );
    if ok {
        let mut inner = ctx.enter("<data before the zip>");
        scan_bytes(&prefix, &mut inner);
        ctx.absorb(inner);
    }
}

/// A pickle that is also a zip (end-of-central-directory record near the end): `torch.load`
/// treats it as a pickle, zip tools as an archive.
pub fn check_polyglot(data: &[u8], ctx: &mut Context<'_>) {
    if end_record(data).is_some() && zip::ZipArchive::new(std::io::Cursor::new(data)).is_ok() {
        ctx.report(
            RuleId::PolyglotPickleZip,
            Severity::High,
            Some(0),
            "the file is both a pickle and a zip archive: loaders disagree on what it is"
                .to_owned(),
            None,
        );
        let mut inner = ctx.enter("<zip view>");
        scan(std::io::Cursor::new(data), data.len() as u64, &mut inner);
        ctx.absorb(inner);
    }
}
