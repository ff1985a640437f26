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

use super::pickle_view::{self, Extent};
use super::{pickle, scan_bytes};
use crate::budget::read_held;

/// Scans the zip archive readable from `reader` (`len` bytes): several zips back to back
/// (a `torch.distributed.checkpoint` shard) are each scanned as the archive they are.
pub fn scan<R: Read + Seek>(mut reader: R, len: u64, ctx: &mut Context<'_>) {
    if let Some(blobs) = super::distcp::split(&mut reader, len) {
        for (start, blob_len) in blobs {
            let mut inner = ctx.enter(&format!("<torch.save at {start}>"));
            scan_one(
                super::distcp::Window::new(&mut reader, start, blob_len),
                blob_len,
                &mut inner,
            );
            ctx.absorb(inner);
        }
        return;
    }
    scan_one(reader, len, ctx);
}

/// Scans one zip archive, `len` bytes from `reader`'s start.
fn scan_one<R: Read + Seek>(mut reader: R, len: u64, ctx: &mut Context<'_>) {
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
    let local = check_headers(reader, member, &name, ctx);
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
    let format = sniff(&head, member.uncompressed_size);
    // PyTorch unpickles `data.pkl` (and TorchScript its other `.pkl` members) whatever
    // their first bytes look like.
    let is_pickle_member = std::path::Path::new(&name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pkl"));
    if format == Format::Other && !is_pickle_member && !super::config::wants(&name) {
        // Tensor data and the like: nothing to run, nothing more to read, unless its start
        // also decodes as a pickle that goes on.
        match pickle_view::extent(&head, member.uncompressed_size) {
            Extent::NotPickle => return,
            Extent::Ends(end) => {
                let mut inner = enter(ctx, &name, torchscript);
                pickle_view::scan_prefix(&head[..end.min(head.len())], format, &mut inner);
                ctx.absorb(inner);
                return;
            }
            Extent::NeedsMore => {}
        }
    }
    let limit = ctx.limits.max_member_bytes;
    let read = read_held(&mut data, head, limit, &ctx.budget);
    let mut inner = enter(ctx, &name, torchscript);
    match read {
        Err(e) => report_io_error(&mut inner, &name, &e),
        Ok(member_bytes) => {
            inner.report_cut(member_bytes.cut, &format!("entry {name:?}"), limit);
            if is_pickle_member && format != Format::Pickle {
                pickle::scan(&member_bytes.data, pickle::Container::Raw, &mut inner);
            } else {
                scan_bytes(&member_bytes.data, &mut inner);
            }
        }
    }
    ctx.absorb(inner);
}

/// Checks a member's name and its local header against the central directory; the local
/// header, to read the member through.
fn check_headers<R: Read + Seek>(
    reader: &mut R,
    member: &Member,
    name: &str,
    ctx: &mut Context<'_>,
) -> Result<format::LocalHeader, FormatError> {
    let header_start = member.local_header_offset;
    if name.starts_with('/') || name.split(['/', '\\']).any(|c| c == "..") {
        ctx.report(
            RuleId::ZipPathTraversal,
            Severity::High,
            Some(header_start),
            format!("entry name {name:?} escapes the extraction directory"),
            Some(name.to_owned()),
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
            Some(name.to_owned()),
        ),
        Ok(local) if local.name != member.name => ctx.report(
            RuleId::ZipHeaderMismatch,
            Severity::High,
            Some(header_start),
            format!(
                "entry is named {name:?} in the central directory but {:?} in its local header",
                String::from_utf8_lossy(&local.name)
            ),
            Some(name.to_owned()),
        ),
        Ok(local) if local.disagrees_with(member) => ctx.report(
            RuleId::ZipHeaderMismatch,
            Severity::High,
            Some(header_start),
            format!(
                "entry {name:?} has another size, CRC-32 or compression method in its local header than in the central directory: PyTorch and zipfile read one, streaming readers the other"
            ),
            Some(name.to_owned()),
        ),
        Ok(_) => {}
    }
    local
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
