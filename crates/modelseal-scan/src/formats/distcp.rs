//! `torch.distributed.checkpoint` shards (`__0_0.distcp`): torch.save blobs written one after
//! another, each a complete zip whose offsets count from its own start; the reader loads each
//! with `torch.load` (non-tensor items with `weights_only=False`) from the offset `.metadata`
//! gives. Read as one zip, such a shard looks like one archive with junk in front; here each
//! blob is found by walking its records and scanned as the archive it is.

use std::io::{Read, Seek, SeekFrom};

/// Most blobs walked in one file (a shard holds one per tensor or object written).
const MAX_BLOBS: usize = 1 << 16;

/// The byte ranges `(start, length)` of the zips that make up `reader` (`len` bytes) back to
/// back from its first byte to its last, when there are at least two; `None` for anything else
/// (one zip, a zip with bytes in front, records this walk does not follow). Walked from the
/// end: each zip's end record gives its central directory's size and its offset from the
/// zip's own start, so where it starts, which is where the one before it ends. torch.save
/// writes its members with data descriptors, so the local headers carry no sizes to walk by.
pub fn split<R: Read + Seek>(reader: &mut R, len: u64) -> Option<Vec<(u64, u64)>> {
    let mut blobs = Vec::new();
    let mut end = len;
    while end > 0 {
        if blobs.len() >= MAX_BLOBS {
            return None;
        }
        let start = blob_start(reader, end)?;
        blobs.push((start, end - start));
        end = start;
    }
    let _ = reader.seek(SeekFrom::Start(0));
    blobs.reverse();
    (blobs.len() >= 2).then_some(blobs)
}

fn read_at<R: Read + Seek, const N: usize>(reader: &mut R, at: u64) -> Option<[u8; N]> {
    let mut buf = [0u8; N];
    reader.seek(SeekFrom::Start(at)).ok()?;
    reader.read_exact(&mut buf).ok()?;
    Some(buf)
}

fn u32_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// Where the zip that ends at `end` (with an end record without comment, as torch.save
/// writes it) starts, checked to hold a local header there.
fn blob_start<R: Read + Seek>(reader: &mut R, end: u64) -> Option<u64> {
    let record_at = end.checked_sub(22)?;
    let record: [u8; 22] = read_at(reader, record_at)?;
    if &record[..4] != b"PK\x05\x06" || record[20..22] != [0, 0] {
        return None;
    }
    let (mut size, mut offset) = (u32_at(&record, 12), u32_at(&record, 16));
    let mut directory_end = record_at;
    // miniz (torch.save) writes zip64 end records whenever it may need them; the central
    // directory then ends where they start, and their sizes are the ones to trust.
    let zip64 = record_at
        .checked_sub(20 + 56)
        .and_then(|at| {
            Some((
                at,
                read_at::<R, 20>(reader, at + 56)?,
                read_at::<R, 56>(reader, at)?,
            ))
        })
        .filter(|(_, locator, record)| {
            &locator[..4] == b"PK\x06\x07" && &record[..4] == b"PK\x06\x06"
        });
    if let Some((at, _, record)) = zip64 {
        (size, offset) = (u64_at(&record, 40), u64_at(&record, 48));
        directory_end = at;
    } else if size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
        return None;
    }
    let start = directory_end.checked_sub(size)?.checked_sub(offset)?;
    let local: [u8; 4] = read_at(reader, start)?;
    (&local == b"PK\x03\x04").then_some(start)
}

/// `len` bytes of `inner` from `start`, as a reader of its own (offsets from 0).
#[derive(Debug)]
pub struct Window<'r, R> {
    inner: &'r mut R,
    start: u64,
    len: u64,
    pos: u64,
}

impl<'r, R: Read + Seek> Window<'r, R> {
    /// The window `[start, start + len)` of `inner`.
    pub fn new(inner: &'r mut R, start: u64, len: u64) -> Self {
        Window {
            inner,
            start,
            len,
            pos: 0,
        }
    }
}

impl<R: Read + Seek> Read for Window<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        self.inner.seek(SeekFrom::Start(self.start + self.pos))?;
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Window<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before 0")
        })?;
        self.pos = target;
        Ok(target)
    }
}
