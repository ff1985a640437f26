//! `torch.distributed.checkpoint` shards (`__0_0.distcp`): torch.save blobs written one after
//! another, each a complete zip whose offsets count from its own start; the reader loads each
//! with `torch.load` (non-tensor items with `weights_only=False`) from the offset `.metadata`
//! gives. Read as one zip, such a shard looks like one archive with junk in front; here each
//! blob is found by walking its records and scanned as the archive it is.

use std::io::{Read, Seek, SeekFrom};

/// Most blobs walked in one file (a shard holds one per tensor or object written).
const MAX_BLOBS: usize = 1 << 16;
/// Most records walked in one blob.
const MAX_RECORDS: usize = 1 << 16;

/// The byte ranges `(start, length)` of the zips that make up `reader` (`len` bytes) back to
/// back from its first byte to its last, when there are at least two; `None` for anything else
/// (one zip, a zip with bytes around it, records this walk does not follow).
pub fn split<R: Read + Seek>(reader: &mut R, len: u64) -> Option<Vec<(u64, u64)>> {
    let mut blobs = Vec::new();
    let mut start = 0;
    while start < len {
        if blobs.len() >= MAX_BLOBS {
            return None;
        }
        let end = blob_end(reader, start, len)?;
        blobs.push((start, end - start));
        start = end;
    }
    let _ = reader.seek(SeekFrom::Start(0));
    (blobs.len() >= 2).then_some(blobs)
}

fn read_at<R: Read + Seek, const N: usize>(reader: &mut R, at: u64) -> Option<[u8; N]> {
    let mut buf = [0u8; N];
    reader.seek(SeekFrom::Start(at)).ok()?;
    reader.read_exact(&mut buf).ok()?;
    Some(buf)
}

fn u16_at(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

/// Where the zip starting at `start` ends: after its local entries, central directory, zip64
/// records and end record (with its comment).
fn blob_end<R: Read + Seek>(reader: &mut R, start: u64, len: u64) -> Option<u64> {
    let mut at = start;
    for _ in 0..MAX_RECORDS {
        let signature: [u8; 4] = read_at(reader, at)?;
        let next = match &signature {
            b"PK\x03\x04" => {
                let h: [u8; 30] = read_at(reader, at)?;
                if u16_at(&h, 6) & 0x08 != 0 {
                    return None; // sizes in a data descriptor: not what torch.save writes
                }
                let (name, extra) = (u16_at(&h, 26), u16_at(&h, 28));
                let mut size = u32_at(&h, 18);
                if size == 0xFFFF_FFFF {
                    size = zip64_compressed_size(reader, at + 30 + name, extra)?;
                }
                at.checked_add(30 + name + extra)?.checked_add(size)?
            }
            b"PK\x01\x02" => {
                let h: [u8; 46] = read_at(reader, at)?;
                at + 46 + u16_at(&h, 28) + u16_at(&h, 30) + u16_at(&h, 32)
            }
            b"PK\x06\x06" => {
                let h: [u8; 12] = read_at(reader, at)?;
                let size = u64::from_le_bytes(h[4..12].try_into().ok()?);
                at.checked_add(12)?.checked_add(size)?
            }
            b"PK\x06\x07" => at + 20,
            b"PK\x05\x06" => {
                let h: [u8; 22] = read_at(reader, at)?;
                let end = at + 22 + u16_at(&h, 20);
                return (end <= len).then_some(end);
            }
            _ => return None,
        };
        if next > len {
            return None;
        }
        at = next;
    }
    None
}

/// The compressed size from a local header's zip64 extra field (uncompressed size first,
/// then compressed, when both are saturated, as miniz writes them).
fn zip64_compressed_size<R: Read + Seek>(reader: &mut R, at: u64, extra: u64) -> Option<u64> {
    let mut buf = vec![0u8; usize::try_from(extra).ok()?];
    reader.seek(SeekFrom::Start(at)).ok()?;
    reader.read_exact(&mut buf).ok()?;
    let mut pos = 0;
    while pos + 4 <= buf.len() {
        let id = u16_at(&buf, pos);
        let size = usize::try_from(u16_at(&buf, pos + 2)).ok()?;
        let body = buf.get(pos + 4..pos + 4 + size)?;
        if id == 1 {
            return body
                .get(8..16)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes);
        }
        pos += 4 + size;
    }
    None
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
        let target = target
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before 0"))?;
        self.pos = target;
        Ok(target)
    }
}
