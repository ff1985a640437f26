//! Zip archives (PyTorch checkpoints, TorchScript, NumPy `.npz`, Keras `.keras`), read the way
//! PyTorch reads them: through the central directory, parsed by hand
//! ([`modelseal_formats::zip`]) so that every entry as written is seen, duplicates and zip64
//! included. Every member is read through its own local header and sniffed; members that are
//! pickles, archives or other scannable formats are read (bounded) and scanned, raw tensor
//! data is not read at all, so a multi-GiB checkpoint costs only its pickles. Archives that
//! disagree with themselves are reported: local header vs central directory, CRC, encryption,
//! duplicate or escaping names, bytes before the first entry.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};

use modelseal_formats::FormatError;
use modelseal_formats::zip::{self as format, CentralDirectory, Member};
pub use modelseal_formats::zip::{END_RECORD_SEARCH, find_end_record as end_record};

use crate::sniff::{Format, sniff};
use crate::{Context, RuleId, Severity};

use super::scan_bytes;

/// Scans the zip archive readable from `reader` (`len` bytes).
pub fn scan<R: Read + Seek>(mut reader: R, len: u64, ctx: &mut Context<'_>) {
    let directory =
        match format::read_central_directory(&mut reader, len, ctx.limits.max_member_bytes) {
            Ok(directory) => directory,
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
    report_duplicates(&directory, ctx);
    let torchscript = directory.members.iter().any(|m| {
        m.name_lossy()
            .split_once('/')
            .is_some_and(|(_, rest)| rest == "constants.pkl")
    });
    for member in &directory.members {
        scan_member(&mut reader, member, torchscript, ctx);
    }
    super::torchscript::check(&mut reader, &directory, ctx);
    super::torch_package::check(&mut reader, &directory, ctx);
    let first_local_header = directory.first_local_header().unwrap_or(0);
    if first_local_header > 0 && first_local_header < len {
        report_prefix(&mut reader, first_local_header, ctx);
    }
}

/// Two entries with one name: PyTorch and Python's zipfile load the last, other readers the
/// first, so each is scanned and the duplicate is reported.
fn report_duplicates(directory: &CentralDirectory, ctx: &mut Context<'_>) {
    let mut seen = HashSet::new();
    for member in &directory.members {
        if !seen.insert(member.name.as_slice()) {
            let name = member.name_lossy();
            ctx.report(
                RuleId::ZipDuplicateName,
                Severity::High,
                Some(member.local_header_offset),
                format!("the archive holds two entries named {name:?}: different readers load different ones"),
                Some(name),
            );
        }
    }
}

/// Checks one member's name and local header, then reads and scans it if it is worth it.
fn scan_member<R: Read + Seek>(
    reader: &mut R,
    member: &Member,
    torchscript: bool,
    ctx: &mut Context<'_>,
) {
    let name = member.name_lossy();
    let header_start = member.local_header_offset;
    if name.starts_with('/') || name.split(['/', '\\']).any(|c| c == "..") {
        ctx.report(
            RuleId::ZipPathTraversal,
            Severity::High,
            Some(header_start),
            format!("entry name {name:?} escapes the extraction directory"),
            Some(name.clone()),
        );
    }
    // PyTorch reads the central directory, other tools the local headers: a disagreement
    // shows different content to different readers.
    let local = format::read_local_header(reader, member);
    match &local {
        Err(_) => ctx.report(
            RuleId::ZipHeaderMismatch,
            Severity::High,
            Some(header_start),
            format!("entry {name:?} has no valid local header where the central directory points"),
            Some(name.clone()),
        ),
        Ok(local) if local.name != member.name => ctx.report(
            RuleId::ZipHeaderMismatch,
            Severity::High,
            Some(header_start),
            format!(
                "entry is named {name:?} in the central directory but {:?} in its local header",
                String::from_utf8_lossy(&local.name)
            ),
            Some(name.clone()),
        ),
        Ok(_) => {}
    }
    if member.is_dir() {
        return;
    }
    if member.is_encrypted() {
        ctx.report(
            RuleId::ZipEncrypted,
            Severity::High,
            Some(header_start),
            format!("entry {name:?} is encrypted and cannot be scanned"),
            Some(name),
        );
        return;
    }
    let opened = local.and_then(|local| format::open_member(reader, member, &local));
    let mut data = match opened {
        Ok(data) => data,
        Err(e) => {
            let mut inner = enter(ctx, &name, torchscript);
            report_read_error(&mut inner, &name, &e);
            ctx.absorb(inner);
            return;
        }
    };
    let mut head = Vec::with_capacity(64 * 1024);
    if let Err(e) = (&mut data).take(64 * 1024).read_to_end(&mut head) {
        let mut inner = enter(ctx, &name, torchscript);
        report_io_error(&mut inner, &name, &e);
        ctx.absorb(inner);
        return;
    }
    if sniff(&head, member.uncompressed_size) == Format::Other && !super::config::wants(&name) {
        // Tensor data and the like: nothing to run, nothing more to read.
        return;
    }
    let limit = ctx.limits.max_member_bytes;
    let mut bytes = head;
    let read = (&mut data)
        .take(limit.saturating_sub(bytes.len() as u64) + 1)
        .read_to_end(&mut bytes);
    let mut inner = enter(ctx, &name, torchscript);
    match read {
        Err(e) => report_io_error(&mut inner, &name, &e),
        Ok(_) if bytes.len() as u64 > limit => {
            inner.report(
                RuleId::ArchiveMemberTooLarge,
                Severity::High,
                None,
                format!("entry expands beyond {limit} bytes; it was not scanned"),
                Some(name.clone()),
            );
        }
        Ok(_) => {
            scan_bytes(&bytes, &mut inner);
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

fn report_read_error(ctx: &mut Context<'_>, name: &str, e: &FormatError) {
    let (rule, message) = if let FormatError::CrcMismatch { .. } = e {
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

/// A read error from a member's data: a CRC mismatch (found at its end) or anything else.
fn report_io_error(ctx: &mut Context<'_>, name: &str, e: &std::io::Error) {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<FormatError>())
    {
        Some(format_error) => report_read_error(ctx, name, format_error),
        None => ctx.report(
            RuleId::ZipUnreadable,
            Severity::High,
            None,
            format!("entry {name:?} cannot be read: {e}"),
            Some(name.to_owned()),
        ),
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
    let len = data.len() as u64;
    if end_record(data).is_some()
        && format::read_central_directory(
            &mut std::io::Cursor::new(data),
            len,
            ctx.limits.max_member_bytes,
        )
        .is_ok()
    {
        ctx.report(
            RuleId::PolyglotPickleZip,
            Severity::High,
            Some(0),
            "the file is both a pickle and a zip archive: loaders disagree on what it is"
                .to_owned(),
            None,
        );
        let mut inner = ctx.enter("<zip view>");
        scan(std::io::Cursor::new(data), len, &mut inner);
        ctx.absorb(inner);
    }
}
