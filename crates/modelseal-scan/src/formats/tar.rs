//! Tar archives (PyTorch's legacy `tar` checkpoint format): every regular entry is scanned.

use std::io::Read;

use crate::{Context, RuleId, Severity};

use super::scan_bytes;

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
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let mut content = Vec::new();
        if let Err(e) = (&mut entry).take(limit + 1).read_to_end(&mut content) {
            ctx.report(
                RuleId::TarUnreadable,
                Severity::High,
                None,
                format!("entry {name:?} cannot be read: {e}"),
                Some(name),
            );
            continue;
        }
        let mut inner = ctx.enter(&name);
        if content.len() as u64 > limit {
            inner.report(
                RuleId::ArchiveMemberTooLarge,
                Severity::High,
                None,
                format!("entry is larger than {limit} bytes; not scanned"),
                None,
            );
        } else {
            scan_bytes(&content, &mut inner);
        }
        ctx.absorb(inner);
    }
}
