//! Tar archives (PyTorch's legacy `tar` checkpoint format, `NeMo` archives): every entry that
//! Python's `tarfile` hands out as a file is scanned, as `tarfile` reads it (pax headers that
//! rename or resize an entry applied, GNU sparse entries expanded).

use crate::{Context, RuleId, Severity};

use super::scan_bytes;
use crate::budget::read_held;

/// Whether Python's `tarfile` extracts an entry of this type as a regular file: REGTYPE and
/// AREGTYPE (`0`, NUL), CONTTYPE (`7`), GNU sparse (`S`), and every type it does not know
/// (`tarfile` treats those as regular too). Links, devices, directories and the pax / GNU
/// long-name headers are not (the `tar` crate applies the latter to the next entry, as
/// `tarfile` does).
fn tarfile_reads_as_file(kind: tar::EntryType) -> bool {
    // tarfile's SUPPORTED_TYPES that are not REGULAR_TYPES ('X' is Solaris's pax header).
    const NOT_FILES: &[u8] = b"123456LKxgX";
    !NOT_FILES.contains(&kind.as_byte())
}

/// Scans every regular entry of the tar archive in `data` as a member, each up to
/// [`crate::Limits::max_member_bytes`].
pub fn scan(data: &[u8], ctx: &mut Context<'_>) {
    let limit = ctx.limits.max_member_bytes;
    let mut archive = tar::Archive::new(data);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            ctx.report(
                RuleId::TarUnreadable,
                Severity::High,
                None,
                format!("the tar archive cannot be read: {e}"),
                None,
            );
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                ctx.report(
                    RuleId::TarUnreadable,
                    Severity::High,
                    None,
                    format!("a tar entry cannot be read: {e}"),
                    None,
                );
                return;
            }
        };
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('/') || name.split('/').any(|c| c == "..") {
            ctx.report(
                RuleId::TarPathTraversal,
                Severity::High,
                Some(entry.raw_header_position()),
                format!("entry name {name:?} escapes the extraction directory"),
                Some(name.clone()),
            );
        }
        if !tarfile_reads_as_file(entry.header().entry_type()) {
            continue;
        }
        let held = match read_held(&mut entry, Vec::new(), limit, &ctx.budget) {
            Ok(held) => held,
            Err(e) => {
                ctx.report(
                    RuleId::TarUnreadable,
                    Severity::High,
                    None,
                    format!("entry {name:?} cannot be read: {e}"),
                    Some(name),
                );
                continue;
            }
        };
        let mut inner = ctx.enter(&name);
        inner.report_cut(held.cut, "the entry", limit);
        scan_bytes(&held.data, &mut inner);
        ctx.absorb(inner);
    }
}
