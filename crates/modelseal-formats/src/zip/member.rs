//! One member's data, found through its own local header and read bounded, inflated when
//! deflated, and checked against the CRC-32 of its central-directory entry once read to the
//! end.

use std::io::{Read, Seek, SeekFrom, Take};

use flate2::read::DeflateDecoder;

use super::Member;
use crate::{FormatError, Reader};

const LOCAL_SIGNATURE: &[u8] = b"PK\x03\x04";
const LOCAL_FIXED_LEN: usize = 30;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// A member's local header, as written where the central directory points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalHeader {
    /// The name's raw bytes, which should match the central directory's.
    pub name: Vec<u8>,
    /// The general-purpose bit flags, which should match the central directory's.
    pub flags: u16,
    /// The compression method, which should match the central directory's.
    pub method: u16,
    /// The CRC-32, compressed and uncompressed sizes as the local header states them (zero
    /// when a data descriptor follows the data, `0xFFFFFFFF` when a zip64 extra holds them).
    /// PyTorch and Python's zipfile trust the central directory; streaming readers these.
    pub stated: (u32, u32, u32),
    /// Where the member's (compressed) data starts in the file.
    pub data_offset: u64,
}

impl LocalHeader {
    /// Whether the local header states a CRC-32, size or method other than the central
    /// directory's, where it states them at all (no data descriptor, no zip64 sizes): a
    /// reader of local headers would then read other bytes than one of the central directory.
    pub fn disagrees_with(&self, member: &Member) -> bool {
        if self.method != member.method {
            return true;
        }
        let (crc, compressed, uncompressed) = self.stated;
        if self.flags & 0x08 != 0 || compressed == u32::MAX || uncompressed == u32::MAX {
            return false;
        }
        crc != member.crc32
            || u64::from(compressed) != member.compressed_size
            || u64::from(uncompressed) != member.uncompressed_size
    }
}

/// Reads the local header `member` points to.
pub fn read_local_header<R: Read + Seek>(
    reader: &mut R,
    member: &Member,
) -> Result<LocalHeader, FormatError> {
    let at = member.local_header_offset;
    let io =
        |e: std::io::Error| FormatError::from_io(&e, "local header", at, LOCAL_FIXED_LEN as u64);
    reader.seek(SeekFrom::Start(at)).map_err(io)?;
    let mut fixed = [0u8; LOCAL_FIXED_LEN];
    reader.read_exact(&mut fixed).map_err(io)?;
    let mut header = Reader::at(&fixed, at);
    if header.take(4, "local header signature")? != LOCAL_SIGNATURE {
        return Err(FormatError::Invalid {
            what: "local header signature",
            offset: at,
        });
    }
    let _needed = header.u16("version needed")?;
    let flags = header.u16("general purpose flags")?;
    let method = header.u16("compression method")?;
    header.skip(4, "time")?;
    let stated = (
        header.u32("CRC-32")?,
        header.u32("compressed size")?,
        header.u32("uncompressed size")?,
    );
    let name_len = header.u16("name length")?;
    let extra_len = header.u16("extra field length")?;
    header.expect_empty("local header")?;
    let mut name = vec![0u8; usize::from(name_len)];
    reader.read_exact(&mut name).map_err(|e| {
        FormatError::from_io(
            &e,
            "local header name",
            at + LOCAL_FIXED_LEN as u64,
            u64::from(name_len),
        )
    })?;
    let data_offset = at + LOCAL_FIXED_LEN as u64 + u64::from(name_len) + u64::from(extra_len);
    Ok(LocalHeader {
        name,
        flags,
        method,
        stated,
        data_offset,
    })
}

enum Body<'r, R> {
    Stored(Take<&'r mut R>),
    Deflated(DeflateDecoder<Take<&'r mut R>>),
}

/// A member's uncompressed data as a stream. Reading it to the end checks the CRC-32: a
/// mismatch is an [`std::io::ErrorKind::InvalidData`] error wrapping
/// [`FormatError::CrcMismatch`].
pub struct MemberData<'r, R> {
    body: Body<'r, R>,
    crc: flate2::Crc,
    expected: u32,
}

impl<R> std::fmt::Debug for MemberData<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberData")
            .field("expected", &self.expected)
            .field("read", &self.crc.amount())
            .finish_non_exhaustive()
    }
}

impl<R: Read> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match &mut self.body {
            Body::Stored(r) => r.read(buf)?,
            Body::Deflated(r) => r.read(buf)?,
        };
        self.crc.update(&buf[..n]);
        if n == 0 && !buf.is_empty() && self.crc.sum() != self.expected {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                FormatError::CrcMismatch {
                    expected: self.expected,
                    actual: self.crc.sum(),
                },
            ));
        }
        Ok(n)
    }
}

/// Opens `member`'s data, found through its local header (`local`, from
/// [`read_local_header`]); its method and sizes are the central directory's, as PyTorch and
/// the zip crate read them. Encrypted members and methods other than stored and deflate are
/// refused.
pub fn open_member<'r, R: Read + Seek>(
    reader: &'r mut R,
    member: &Member,
    local: &LocalHeader,
) -> Result<MemberData<'r, R>, FormatError> {
    if member.is_encrypted() {
        return Err(FormatError::Encrypted);
    }
    reader
        .seek(SeekFrom::Start(local.data_offset))
        .map_err(|e| FormatError::from_io(&e, "member data", local.data_offset, 0))?;
    let raw = reader.take(member.compressed_size);
    let body = match member.method {
        STORED => Body::Stored(raw),
        DEFLATED => Body::Deflated(DeflateDecoder::new(raw)),
        other => {
            return Err(FormatError::UnsupportedFeature {
                what: "compression method",
                value: u64::from(other),
            });
        }
    };
    Ok(MemberData {
        body,
        crc: flate2::Crc::new(),
        expected: member.crc32,
    })
}

/// Reads `member` whole through its own local header, refusing more than `limit` bytes
/// ([`FormatError::TooLarge`]) and data that fails its CRC-32.
pub fn read_member<R: Read + Seek>(
    reader: &mut R,
    member: &Member,
    limit: u64,
) -> Result<Vec<u8>, FormatError> {
    let local = read_local_header(reader, member)?;
    let data = open_member(reader, member, &local)?;
    let mut out = Vec::new();
    data.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(
            |e| match e.get_ref().and_then(|i| i.downcast_ref::<FormatError>()) {
                Some(inner) => inner.clone(),
                None => FormatError::from_io(
                    &e,
                    "member data",
                    local.data_offset,
                    member.compressed_size,
                ),
            },
        )?;
    if out.len() as u64 > limit {
        // Past the limit the CRC was never reached: the member is refused, not judged.
        return Err(FormatError::TooLarge {
            what: "member",
            size: member.uncompressed_size.max(out.len() as u64),
            limit,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Cursor;

    use super::*;
    use crate::zip::read_central_directory;
    use crate::zip::test_archives::{deflated_archive, plain_archive};

    fn members(zip: &[u8]) -> Vec<Vec<u8>> {
        let mut cursor = Cursor::new(zip);
        let directory = read_central_directory(&mut cursor, zip.len() as u64, 1 << 20).unwrap();
        directory
            .members
            .iter()
            .map(|m| {
                let local = read_local_header(&mut cursor, m).unwrap();
                assert_eq!(local.name, m.name);
                let mut out = Vec::new();
                open_member(&mut cursor, m, &local)
                    .unwrap()
                    .read_to_end(&mut out)
                    .unwrap();
                out
            })
            .collect()
    }

    #[test]
    fn reads_each_duplicate_through_its_own_local_header() {
        let zip = plain_archive(&[("a", b"first"), ("a", b"second")]);
        assert_eq!(members(&zip), [b"first".to_vec(), b"second".to_vec()]);
    }

    #[test]
    fn inflates_deflated_members() {
        let zip = deflated_archive("x", &[7u8; 5000]);
        assert_eq!(members(&zip), [vec![7u8; 5000]]);
    }

    #[test]
    fn read_member_is_bounded() {
        let zip = deflated_archive("x", &[7u8; 5000]);
        let mut cursor = Cursor::new(&zip[..]);
        let directory = read_central_directory(&mut cursor, zip.len() as u64, 1 << 20).unwrap();
        let member = &directory.members[0];
        assert_eq!(read_member(&mut cursor, member, 5000).unwrap().len(), 5000);
        assert!(matches!(
            read_member(&mut cursor, member, 4999),
            Err(FormatError::TooLarge { limit: 4999, .. })
        ));
    }

    #[test]
    fn an_altered_member_fails_its_crc() {
        let mut zip = plain_archive(&[("a", b"payload")]);
        let at = zip.windows(7).position(|w| w == b"payload").unwrap();
        zip[at] = b'P';
        let mut cursor = Cursor::new(&zip[..]);
        let directory = read_central_directory(&mut cursor, zip.len() as u64, 1 << 20).unwrap();
        let member = &directory.members[0];
        let local = read_local_header(&mut cursor, member).unwrap();
        let error = open_member(&mut cursor, member, &local)
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        let inner = error
            .into_inner()
            .unwrap()
            .downcast::<FormatError>()
            .unwrap();
        assert!(matches!(*inner, FormatError::CrcMismatch { .. }));
    }
}
