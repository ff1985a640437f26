//! One bounded reader over a byte slice, shaped like rustls' codec `Reader`: every read says
//! what it reads, fails with [`FormatError::Truncated`] instead of running past the end, and
//! offsets in errors are absolute (a sub-reader keeps its parent's base).

use crate::FormatError;

/// A cursor over `buf`; `base` is where `buf` starts in the whole input.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    offs: usize,
    base: u64,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, which is the whole input.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader::at(buf, 0)
    }

    /// A reader over `buf`, which starts at `base` in the whole input (for error offsets).
    pub fn at(buf: &'a [u8], base: u64) -> Self {
        Reader { buf, offs: 0, base }
    }

    /// The absolute offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.offs as u64
    }

    /// Bytes consumed so far.
    pub fn used(&self) -> usize {
        self.offs
    }

    /// Bytes not yet consumed.
    pub fn left(&self) -> usize {
        self.buf.len() - self.offs
    }

    /// Whether any byte is left to consume.
    pub fn any_left(&self) -> bool {
        self.offs < self.buf.len()
    }

    /// Everything not yet consumed; the reader is then empty.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = &self.buf[self.offs..];
        self.offs = self.buf.len();
        rest
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        let end = self
            .offs
            .checked_add(n)
            .filter(|end| *end <= self.buf.len())
            .ok_or(FormatError::Truncated {
                what,
                offset: self.offset(),
                needed: n as u64,
                end: self.base + self.buf.len() as u64,
            })?;
        let taken = &self.buf[self.offs..end];
        self.offs = end;
        Ok(taken)
    }

    /// The next `n` bytes, `n` as read from the input (any width).
    pub fn take_len(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], FormatError> {
        let Ok(n) = usize::try_from(n) else {
            return Err(FormatError::Truncated {
                what,
                offset: self.offset(),
                needed: n,
                end: self.base + self.buf.len() as u64,
            });
        };
        self.take(n, what)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: u64, what: &'static str) -> Result<(), FormatError> {
        self.take_len(n, what).map(drop)
    }

    /// A reader over the next `n` bytes; this reader moves past them.
    pub fn sub(&mut self, n: u64, what: &'static str) -> Result<Reader<'a>, FormatError> {
        let base = self.offset();
        let buf = self.take_len(n, what)?;
        Ok(Reader::at(buf, base))
    }

    /// Fails unless every byte was consumed.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), FormatError> {
        if self.any_left() {
            return Err(FormatError::TrailingBytes {
                what,
                offset: self.offset(),
                count: self.left() as u64,
            });
        }
        Ok(())
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], FormatError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// The next byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, FormatError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// The next little-endian `u16`.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, FormatError> {
        self.array(what).map(u16::from_le_bytes)
    }

    /// The next little-endian `u32`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, FormatError> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// The next little-endian `u64`.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, FormatError> {
        self.array(what).map(u64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_little_endian_and_refuses_past_the_end() {
        let mut r = Reader::at(&[1, 0, 2, 0, 0, 0, 9], 100);
        assert_eq!(r.u16("a").unwrap(), 1);
        assert_eq!(r.u32("b").unwrap(), 2);
        assert_eq!(r.offset(), 106);
        assert_eq!(
            r.u16("c"),
            Err(FormatError::Truncated {
                what: "c",
                offset: 106,
                needed: 2,
                end: 107
            })
        );
        assert!(matches!(
            r.expect_empty("d"),
            Err(FormatError::TrailingBytes { count: 1, .. })
        ));
        assert_eq!(r.rest(), &[9]);
        r.expect_empty("d").unwrap();
        assert!(r.take_len(u64::MAX, "e").is_err());
    }

    #[test]
    fn a_sub_reader_is_bounded_and_keeps_offsets() {
        let mut r = Reader::new(&[0, 1, 2, 3, 4]);
        r.u8("a").unwrap();
        let mut sub = r.sub(2, "s").unwrap();
        assert_eq!(sub.offset(), 1);
        assert_eq!(sub.take(2, "x").unwrap(), &[1, 2]);
        assert!(sub.u8("y").is_err());
        assert_eq!(r.u8("z").unwrap(), 3);
    }
}
