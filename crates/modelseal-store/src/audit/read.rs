//! Reading a log line by line, never holding more than one line (bounded) in memory: a log
//! of many gigabytes, or one line of a gigabyte, costs no more than [`MAX_LINE_BYTES`].

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use modelseal_fs::{FsError, Op};

use super::AuditError;
use super::entry::{Entry, Line};

/// The longest line read. Writers never write more than [`super::MAX_ENTRY_BYTES`]; the margin
/// keeps logs written before that cap readable.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// One line of a log as read.
pub(crate) struct LogLine<'a> {
    /// 1-based line number.
    pub number: usize,
    /// The line without its newline (and without a `\r` before it, see `crlf`); empty when
    /// `too_long`.
    pub bytes: &'a [u8],
    /// The line ended in `\r\n`: the file went through a text tool.
    pub crlf: bool,
    /// The file ends in the middle of this line (a torn write).
    pub torn: bool,
    /// The line was longer than the bound, and was skipped unread: its length.
    pub too_long: Option<u64>,
}

/// Reads `reader` line by line, calling `each` for every line.
pub(crate) fn for_each_line<R: Read>(
    reader: R,
    path: &Path,
    mut each: impl FnMut(&LogLine<'_>),
) -> Result<(), AuditError> {
    let io = |e| AuditError::from(FsError::io(Op::Read, path, e));
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut line: Vec<u8> = Vec::new();
    let mut length: u64 = 0;
    let mut number = 0usize;
    loop {
        let chunk = reader.fill_buf().map_err(io)?;
        if chunk.is_empty() {
            if length > 0 {
                number += 1;
                emit(&mut each, number, &line, length, true);
            }
            return Ok(());
        }
        let (part, ends) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (&chunk[..i], true),
            None => (chunk, false),
        };
        let used = part.len() + usize::from(ends);
        length += part.len() as u64;
        // Past the bound the line is only counted, never kept.
        if length <= MAX_LINE_BYTES as u64 {
            line.extend_from_slice(part);
        }
        reader.consume(used);
        if ends {
            number += 1;
            emit(&mut each, number, &line, length, false);
            line.clear();
            length = 0;
        }
    }
}

fn emit(each: &mut impl FnMut(&LogLine<'_>), number: usize, line: &[u8], length: u64, torn: bool) {
    if length > MAX_LINE_BYTES as u64 {
        each(&LogLine {
            number,
            bytes: &[],
            crlf: false,
            torn,
            too_long: Some(length),
        });
        return;
    }
    let (bytes, crlf) = match line.strip_suffix(b"\r") {
        Some(stripped) if !torn => (stripped, true),
        _ => (line, false),
    };
    each(&LogLine {
        number,
        bytes,
        crlf,
        torn,
        too_long: None,
    });
}

/// Opens the log at `path` for reading: a regular file (a FIFO or device is refused without
/// blocking).
pub(crate) fn open(path: &Path) -> Result<std::fs::File, AuditError> {
    Ok(modelseal_fs::open_regular(path)?.0)
}

/// The entries of the log, with their exact bytes, in order: the leaves of its tree. Lines that
/// are not entries (checkpoints, damage) are not leaves.
pub(crate) fn for_each_entry<R: Read>(
    reader: R,
    path: &Path,
    mut each: impl FnMut(&[u8], &Entry),
) -> Result<(), AuditError> {
    for_each_line(reader, path, |line| {
        if line.too_long.is_none()
            && let Ok(Line::Entry(entry)) = Line::parse(line.bytes)
        {
            each(line.bytes, &entry);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (number, bytes, crlf, torn, too long) of each line.
    type Seen = (usize, Vec<u8>, bool, bool, Option<u64>);

    fn collect(data: &[u8]) -> Vec<Seen> {
        let mut out = Vec::new();
        for_each_line(data, Path::new("x"), |l| {
            out.push((l.number, l.bytes.to_vec(), l.crlf, l.torn, l.too_long));
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_crlf_torn_and_empty() {
        assert!(collect(b"").is_empty());
        assert_eq!(
            collect(b"a\r\nb\n\nc"),
            vec![
                (1, b"a".to_vec(), true, false, None),
                (2, b"b".to_vec(), false, false, None),
                (3, b"".to_vec(), false, false, None),
                (4, b"c".to_vec(), false, true, None),
            ]
        );
    }

    /// Issue 11 item 7: a 1 GB line took 2 GB. A line past the bound is counted, not kept.
    #[test]
    fn a_line_past_the_bound_is_skipped_unread() {
        let mut data = vec![b'x'; MAX_LINE_BYTES + 10];
        data.extend_from_slice(b"\nnext\n");
        let lines = collect(&data);
        assert_eq!(lines[0].4, Some(MAX_LINE_BYTES as u64 + 10));
        assert!(lines[0].1.is_empty());
        assert_eq!(lines[1].1, b"next");
    }
}
