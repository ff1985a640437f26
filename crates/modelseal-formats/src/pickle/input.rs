//! Which bytes each read of the unpickler returns, simulated exactly as CPython reads them.
//!
//! Reading a pickle from bytes is contiguous. Reading it from a file is not always: the C
//! unpickler keeps an input buffer filled either by `peek` (nothing consumed yet) or by
//! `read` (everything consumed), and when a read runs past the end of a `read`-filled buffer
//! it reads on from the *file's* position — so the bytes left in the buffer are skipped. A
//! FRAME's payload is always `read` whole when it is 128 KiB or more (`PREFETCH`), or when the
//! file has no `peek` (`io.BytesIO`, as `torch.load` uses), or when it is larger than what
//! `BufferedReader.peek` returns; an opcode that straddles the end of such a frame is then
//! decoded from bytes a `pickle.loads` of the same data would never join. The Python
//! unpickler's `_Unframer` refuses such straddles instead. This module keeps those states
//! (the unpickler's buffer, the file position, the `BufferedReader`'s read-ahead, the Python
//! frame) so the decoder sees the stream the loader runs.

use super::dialect::{Dialect, Source};
use crate::FormatError;

/// The C unpickler's read-ahead through `peek` (`PREFETCH` in `_pickle.c`).
pub(super) const PREFETCH: u64 = 8192 * 16;

/// What the loader reads from, and where it stands.
#[derive(Debug, Clone)]
pub(super) struct Input<'a> {
    data: &'a [u8],
    dialect: Dialect,
    source: Source,
    /// The next byte a read on the file object returns.
    file: usize,
    /// C: the unpickler's input buffer is `data[buf_start..buf_start + buf_len]`.
    buf_start: usize,
    buf_len: usize,
    /// C: the next unread byte of the buffer (`next_read_idx`).
    next: usize,
    /// C: how much of the buffer the file has consumed (`prefetched_idx`): 0 after a peek,
    /// all of it after a read.
    prefetched: usize,
    /// `BufferedReader`: where its read-ahead ends (what `peek` returns is `file..this`).
    buffered_end: usize,
    /// Python: the current frame, `(next byte, end)`.
    frame: Option<(usize, usize)>,
}

fn truncated(what: &'static str, offset: usize, needed: u64, end: usize) -> FormatError {
    FormatError::Truncated {
        what,
        offset: offset as u64,
        needed,
        end: end as u64,
    }
}

fn fits(available: usize, n: u64) -> bool {
    u64::try_from(available).is_ok_and(|available| n <= available)
}

/// `n` when at most `available`, else `available` (a short read).
fn clamp(n: u64, available: usize) -> usize {
    usize::try_from(n).map_or(available, |n| n.min(available))
}

impl<'a> Input<'a> {
    pub(super) fn new(data: &'a [u8], position: usize, dialect: Dialect, source: Source) -> Self {
        let position = position.min(data.len());
        let contiguous = dialect == Dialect::C && source == Source::Bytes;
        let buf_len = if contiguous { data.len() - position } else { 0 };
        Input {
            data,
            dialect,
            source,
            file: if contiguous { data.len() } else { position },
            buf_start: position,
            buf_len,
            next: 0,
            prefetched: buf_len,
            buffered_end: position,
            frame: None,
        }
    }

    fn has_file(&self) -> bool {
        self.source != Source::Bytes
    }

    /// The offset of the next byte the loader decodes.
    pub(super) fn offset(&self) -> usize {
        match self.dialect {
            Dialect::Python => self.frame.map_or(self.file, |(pos, _)| pos),
            Dialect::C if self.next < self.buf_len || !self.has_file() => {
                self.buf_start + self.next
            }
            Dialect::C => self.file + self.next.saturating_sub(self.prefetched),
        }
    }

    /// The next opcode byte and its offset, or `None` where the loader runs out of input.
    pub(super) fn opcode(&mut self) -> Result<Option<(usize, u8)>, FormatError> {
        match self.dialect {
            Dialect::C if self.next < self.buf_len => {
                let at = self.buf_start + self.next;
                self.next += 1;
                Ok(Some((at, self.data[at])))
            }
            Dialect::C if !self.has_file() => Ok(None),
            Dialect::C => {
                if self.fill(Some(1)) == 0 {
                    return Ok(None);
                }
                self.next = 1;
                Ok(Some((self.buf_start, self.data[self.buf_start])))
            }
            Dialect::Python => {
                // An exhausted frame ends where the file stands, so this is where the byte is.
                let at = self.offset();
                let read = self.python_read(1, false, "opcode")?;
                Ok(read.first().map(|b| (at, *b)))
            }
        }
    }

    /// Exactly `n` bytes (a fixed-size field or a length both unpicklers insist on).
    pub(super) fn read(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], FormatError> {
        match self.dialect {
            Dialect::C => self.c_read(n, what),
            Dialect::Python => self.python_read(n, true, what),
        }
    }

    /// A counted payload: the Python unpickler takes a short one at the end of the input (the
    /// load then fails at the next opcode); the C one fails here.
    pub(super) fn payload(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], FormatError> {
        match self.dialect {
            Dialect::C => self.c_read(n, what),
            Dialect::Python => self.python_read(n, false, what),
        }
    }

    /// A `bytes`/`bytearray` payload, which the C unpickler copies with `_Unpickler_ReadInto`:
    /// the rest of its buffer, then the file from its position — contiguous only when the
    /// buffer's end is the file's position.
    pub(super) fn payload_into(
        &mut self,
        n: u64,
        what: &'static str,
    ) -> Result<&'a [u8], FormatError> {
        if self.dialect == Dialect::Python {
            return self.python_read(n, false, what);
        }
        let in_buffer = self.buf_len - self.next;
        if fits(in_buffer, n) || !self.has_file() {
            return self.c_read(n, what);
        }
        let start = self.buf_start + self.next;
        self.next = self.buf_len;
        self.skip_consumed();
        // The buffer ends where the file stands (a read-filled buffer is consumed through its
        // end, and a peeked one was just skipped to it), so the copy is contiguous.
        let rest = n - in_buffer as u64;
        let available = self.data.len() - self.file;
        if !fits(available, rest) {
            return Err(truncated(what, start, n, self.data.len()));
        }
        let rest = clamp(rest, available);
        self.buffered_readinto(rest);
        self.file += rest;
        Ok(&self.data[start..self.file])
    }

    /// A text argument: the line with its `\n` (which only the Python unpickler can miss, on
    /// the input's last line).
    pub(super) fn line(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        match self.dialect {
            Dialect::C => self.c_line(what),
            Dialect::Python => self.python_line(what),
        }
    }

    /// A FRAME of `n` bytes whose 8-byte length was just read.
    pub(super) fn frame(&mut self, n: u64) -> Result<(), FormatError> {
        match self.dialect {
            Dialect::C => {
                let at = self.offset();
                self.c_read(n, "FRAME").map_err(|e| match e {
                    FormatError::Truncated { end, .. } => FormatError::Truncated {
                        what: "FRAME",
                        offset: at as u64,
                        needed: n,
                        end,
                    },
                    other => other,
                })?;
                // `load_frame` rewinds: the frame is only read ahead.
                self.next -= clamp(n, self.next);
                Ok(())
            }
            Dialect::Python => {
                if let Some((pos, end)) = self.frame
                    && pos < end
                {
                    return Err(FormatError::Invalid {
                        what: "FRAME before the end of the current frame",
                        offset: pos as u64,
                    });
                }
                if i64::try_from(n).is_err() {
                    return Err(FormatError::TooLarge {
                        what: "FRAME",
                        size: n,
                        limit: i64::MAX as u64,
                    });
                }
                // `_Unframer.load_frame` takes what `read` returns, short or not.
                let got = clamp(n, self.data.len() - self.file);
                self.frame = Some((self.file, self.file + got));
                self.file += got;
                Ok(())
            }
        }
    }

    /// STOP: the load ends; a later `load` on the same file starts where the file stands.
    pub(super) fn stop(&mut self) {
        if !self.has_file() && self.dialect == Dialect::C {
            return;
        }
        if self.dialect == Dialect::C {
            self.skip_consumed();
        }
        self.frame = None;
        self.buf_start = self.file;
        self.buf_len = 0;
        self.next = 0;
        self.prefetched = 0;
    }

    // --- the C unpickler -------------------------------------------------------------------

    /// `_Unpickler_Read`.
    fn c_read(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], FormatError> {
        let in_buffer = self.buf_len - self.next;
        if fits(in_buffer, n) {
            let start = self.buf_start + self.next;
            self.next += clamp(n, in_buffer);
            return Ok(&self.data[start..self.buf_start + self.next]);
        }
        let at = self.offset();
        if !self.has_file() {
            return Err(truncated(what, at, n, self.data.len()));
        }
        let got = self.fill(Some(n));
        if !fits(got, n) {
            return Err(truncated(what, at, n, self.data.len()));
        }
        self.next = clamp(n, got);
        Ok(&self.data[self.buf_start..self.buf_start + self.next])
    }

    /// `_Unpickler_Readline`.
    fn c_line(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        let start = self.buf_start + self.next;
        let buffered = &self.data[start..self.buf_start + self.buf_len];
        if let Some(newline) = buffered.iter().position(|b| *b == b'\n') {
            self.next += newline + 1;
            return Ok(&buffered[..=newline]);
        }
        if !self.has_file() {
            return Err(truncated(
                what,
                start,
                buffered.len() as u64 + 1,
                self.data.len(),
            ));
        }
        let got = self.fill(None);
        let line = &self.data[self.buf_start..self.buf_start + got];
        if line.last() != Some(&b'\n') {
            return Err(truncated(
                what,
                self.buf_start,
                got as u64 + 1,
                self.data.len(),
            ));
        }
        self.next = got;
        Ok(line)
    }

    /// `_Unpickler_SkipConsumed`: reads from the file what was used of a peeked buffer.
    fn skip_consumed(&mut self) {
        let consumed = self.next.saturating_sub(self.prefetched);
        if consumed > 0 {
            self.buffered_read(consumed);
            self.file += consumed;
            self.prefetched = self.next;
        }
    }

    /// `_Unpickler_SetStringInput` with what a read returned at the file's position.
    fn set_input(&mut self, len: usize) {
        self.buf_start = self.file;
        self.buf_len = len;
        self.next = 0;
        self.prefetched = len;
    }

    /// `_Unpickler_ReadFromFile`: `None` reads a line. Returns what the buffer now holds
    /// (for a peek that satisfies `n`, at least `n`).
    fn fill(&mut self, want: Option<u64>) -> usize {
        self.skip_consumed();
        let rest = self.data.len() - self.file;
        match want {
            None => {
                let len = self.data[self.file..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(rest, |newline| newline + 1);
                self.buffered_readline();
                self.set_input(len);
                self.file += len;
            }
            Some(n) => {
                if let Source::BufferedFile { .. } = self.source
                    && n < PREFETCH
                {
                    let peeked = self.buffered_peek();
                    self.set_input(peeked);
                    self.prefetched = 0;
                    if fits(peeked, n) {
                        return peeked;
                    }
                }
                let got = clamp(n, rest);
                self.buffered_read(got);
                self.set_input(got);
                self.file += got;
            }
        }
        self.buf_len
    }

    // --- the BufferedReader under `open(path, "rb")` ----------------------------------------
    // Only where its read-ahead ends matters: it decides how much `peek` returns. Each method
    // runs before `self.file` moves past what the call returns.

    fn buffer_size(&self) -> Option<usize> {
        match self.source {
            Source::BufferedFile { buffer_size } => Some(buffer_size.max(1)),
            _ => None,
        }
    }

    fn readahead(&self) -> usize {
        self.buffered_end.saturating_sub(self.file)
    }

    /// `peek()`: the read-ahead, or one fresh buffer-full when there is none.
    fn buffered_peek(&mut self) -> usize {
        let Some(size) = self.buffer_size() else {
            return 0;
        };
        if self.readahead() == 0 {
            self.buffered_end = self.file + size.min(self.data.len() - self.file);
        }
        self.readahead()
    }

    /// One raw fill of the buffer at `raw`.
    fn buffered_fill(&mut self, raw: usize, size: usize) -> usize {
        let len = size.min(self.data.len() - raw);
        self.buffered_end = raw + len;
        len
    }

    /// For a read of `n` bytes through a buffer: its size, where the raw file stands after the
    /// buffered read-ahead, and how much the read needs beyond it; `None` when unbuffered or
    /// the read-ahead covers it.
    fn past_readahead(&self, n: usize) -> Option<(usize, usize, usize)> {
        let size = self.buffer_size()?;
        let ahead = self.readahead();
        (n > ahead).then(|| (size, self.file + ahead, n - ahead))
    }

    /// `read(n)` (`_bufferedreader_read_generic`): whole blocks bypass the buffer, the last
    /// partial block is read into it.
    fn buffered_read(&mut self, n: usize) {
        let Some((size, raw, remaining)) = self.past_readahead(n) else {
            return;
        };
        let blocks = remaining - remaining % size;
        let raw_after = (raw + blocks).min(self.data.len());
        self.buffered_end = raw_after;
        if raw_after == raw + blocks && remaining > blocks {
            self.buffered_fill(raw_after, size);
        }
    }

    /// `readinto(buffer)` (`_buffered_readinto_generic`): more than a buffer-full goes
    /// straight to the caller, the rest through one fill.
    fn buffered_readinto(&mut self, n: usize) {
        let Some((size, raw, remaining)) = self.past_readahead(n) else {
            return;
        };
        if remaining > size {
            self.buffered_end = (raw + remaining).min(self.data.len());
        } else {
            self.buffered_fill(raw, size);
        }
    }

    /// `readline()` (`_buffered_readline`): buffer-fulls until one holds the newline.
    fn buffered_readline(&mut self) {
        let Some(size) = self.buffer_size() else {
            return;
        };
        let ahead = self.readahead();
        if self.data[self.file..self.file + ahead].contains(&b'\n') {
            return;
        }
        let mut raw = self.file + ahead;
        loop {
            let len = self.buffered_fill(raw, size);
            if len == 0 || self.data[raw..raw + len].contains(&b'\n') {
                return;
            }
            raw += len;
        }
    }

    // --- the Python unpickler's `_Unframer` over a file ------------------------------------

    fn python_read(
        &mut self,
        n: u64,
        exact: bool,
        what: &'static str,
    ) -> Result<&'a [u8], FormatError> {
        if let Some((pos, end)) = self.frame {
            if pos < end || n == 0 {
                if !fits(end - pos, n) {
                    return Err(FormatError::Invalid {
                        what: "read past the end of the frame",
                        offset: pos as u64,
                    });
                }
                let next = pos + clamp(n, end - pos);
                self.frame = Some((next, end));
                return Ok(&self.data[pos..next]);
            }
            self.frame = None;
        }
        let available = self.data.len() - self.file;
        if exact && !fits(available, n) {
            return Err(truncated(what, self.file, n, self.data.len()));
        }
        let start = self.file;
        self.file += clamp(n, available);
        Ok(&self.data[start..self.file])
    }

    fn python_line(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        let (start, end, framed) = match self.frame {
            Some((pos, end)) if pos < end => (pos, end, true),
            _ => {
                self.frame = None;
                (self.file, self.data.len(), false)
            }
        };
        let len = self.data[start..end]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(end - start, |newline| newline + 1);
        let line = &self.data[start..start + len];
        if framed {
            if line.last() != Some(&b'\n') {
                return Err(FormatError::Invalid {
                    what,
                    offset: start as u64,
                });
            }
            self.frame = Some((start + len, end));
        } else {
            self.file += len;
        }
        Ok(line)
    }
}
