//! The end-of-central-directory record (and its zip64 form) and the central directory itself.

use std::io::{Read, Seek, SeekFrom};

use crate::{FormatError, Reader};

/// How far from the end a zip's end-of-central-directory record can start: the 22-byte record
/// plus a comment of up to 65,535 bytes.
pub const END_RECORD_SEARCH: usize = 22 + 65_535;
const END_RECORD_SIGNATURE: &[u8] = b"PK\x05\x06";
const ZIP64_LOCATOR_SIGNATURE: &[u8] = b"PK\x06\x07";
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_RECORD_SIGNATURE: &[u8] = b"PK\x06\x06";
/// The zip64 end record without its extensible data.
const ZIP64_RECORD_LEN: u64 = 56;
const ENTRY_SIGNATURE: &[u8] = b"PK\x01\x02";
const ENTRY_FIXED_LEN: u64 = 46;
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// Where the end-of-central-directory record starts in `tail` (the last
/// [`END_RECORD_SEARCH`] bytes of a file), if there is one.
pub fn find_end_record(tail: &[u8]) -> Option<usize> {
    let start = tail.len().saturating_sub(END_RECORD_SEARCH);
    tail[start..]
        .windows(4)
        .rposition(|w| w == END_RECORD_SIGNATURE)
        .map(|at| start + at)
}

/// One central-directory entry, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The name's raw bytes (zip names need not be UTF-8).
    pub name: Vec<u8>,
    /// The general-purpose bit flags (bit 0: encrypted, bit 3: sizes in a data descriptor,
    /// bit 11: UTF-8 name).
    pub flags: u16,
    /// The compression method (0 stored, 8 deflate...).
    pub method: u16,
    /// The CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// The size of the stored data (zip64 extra field applied).
    pub compressed_size: u64,
    /// The size after decompression (zip64 extra field applied).
    pub uncompressed_size: u64,
    /// Where the member's local header starts in the file (the prefix shift included).
    pub local_header_offset: u64,
    /// Where this entry starts in the file.
    pub entry_offset: u64,
}

impl Member {
    /// The name for messages, invalid UTF-8 replaced.
    pub fn name_lossy(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    /// General-purpose flag bit 0: traditional or strong encryption.
    pub fn is_encrypted(&self) -> bool {
        self.flags & 1 != 0
    }

    /// Whether the name ends with a slash (or a backslash, as some Windows tools write).
    pub fn is_dir(&self) -> bool {
        matches!(self.name.last(), Some(b'/' | b'\\'))
    }
}

/// A zip archive's central directory: every member in directory order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralDirectory {
    /// Every entry, duplicates and directories included, in the order written.
    pub members: Vec<Member>,
    /// Bytes in front of the archive (junk, a pickle, a self-extractor): every offset the
    /// archive states is shifted by this much, as zip tools allow.
    pub prefix: u64,
    /// The directory was found through a zip64 end record.
    pub zip64: bool,
    /// Where the end-of-central-directory record starts.
    pub end_record_offset: u64,
}

impl CentralDirectory {
    /// Where the first member's local header starts: the archive proper begins there.
    pub fn first_local_header(&self) -> Option<u64> {
        self.members.iter().map(|m| m.local_header_offset).min()
    }
}

fn read_at<R: Read + Seek>(
    reader: &mut R,
    offset: u64,
    len: u64,
    what: &'static str,
) -> Result<Vec<u8>, FormatError> {
    reader
        .seek(SeekFrom::Start(offset))
        .map_err(|e| FormatError::from_io(&e, what, offset, len))?;
    let mut buf = Vec::new();
    reader
        .take(len)
        .read_to_end(&mut buf)
        .map_err(|e| FormatError::from_io(&e, what, offset, len))?;
    if (buf.len() as u64) < len {
        return Err(FormatError::Truncated {
            what,
            offset,
            needed: len,
            end: offset + buf.len() as u64,
        });
    }
    Ok(buf)
}

/// Where the central directory is, as the end records state it.
struct Location {
    count: u64,
    size: u64,
    offset: u64,
    /// Where the directory must end: the zip64 end record, or the end record.
    ends_at: u64,
    zip64: bool,
}

/// Reads the central directory of the `len`-byte zip archive in `reader`; a directory larger
/// than `max_directory` bytes is refused before it is read.
pub fn read_central_directory<R: Read + Seek>(
    reader: &mut R,
    len: u64,
    max_directory: u64,
) -> Result<CentralDirectory, FormatError> {
    let tail_len = len.min(END_RECORD_SEARCH as u64);
    let tail_start = len - tail_len;
    let tail = read_at(reader, tail_start, tail_len, "the end of the archive")?;
    let at = find_end_record(&tail).ok_or(FormatError::BadMagic {
        format: "a zip archive",
    })?;
    let end_record_offset = tail_start + at as u64;
    let mut record = Reader::at(&tail[at..], end_record_offset);
    record.skip(4, "end record signature")?;
    let _disk = record.u16("end record disk number")?;
    let _directory_disk = record.u16("end record directory disk")?;
    let _disk_count = record.u16("end record entries on this disk")?;
    let count = record.u16("end record entry count")?;
    let size = record.u32("end record directory size")?;
    let offset = record.u32("end record directory offset")?;
    let _comment = record.u16("end record comment length")?;
    let plain = Location {
        count: u64::from(count),
        size: u64::from(size),
        offset: u64::from(offset),
        ends_at: end_record_offset,
        zip64: false,
    };
    // A zip64 locator right before the end record takes precedence, whatever the end record's
    // own fields say (Python and the zip crate do the same).
    let location = match zip64_location(reader, end_record_offset)? {
        Some(location) => location,
        None => plain,
    };
    let prefix = location
        .ends_at
        .checked_sub(location.offset)
        .and_then(|p| p.checked_sub(location.size))
        .ok_or(FormatError::Invalid {
            what: "central directory offset and size",
            offset: end_record_offset,
        })?;
    if location.size > max_directory {
        return Err(FormatError::TooLarge {
            what: "the central directory",
            size: location.size,
            limit: max_directory,
        });
    }
    if location.count > location.size / ENTRY_FIXED_LEN {
        return Err(FormatError::Invalid {
            what: "central directory entry count",
            offset: end_record_offset,
        });
    }
    let start = location.offset + prefix;
    let bytes = read_at(reader, start, location.size, "the central directory")?;
    let mut entries = Reader::at(&bytes, start);
    let mut members = Vec::with_capacity(usize::try_from(location.count).unwrap_or(0));
    for _ in 0..location.count {
        members.push(read_entry(&mut entries, prefix)?);
    }
    Ok(CentralDirectory {
        members,
        prefix,
        zip64: location.zip64,
        end_record_offset,
    })
}

/// The directory's location from a zip64 end record, if a zip64 locator precedes the end
/// record.
fn zip64_location<R: Read + Seek>(
    reader: &mut R,
    end_record_offset: u64,
) -> Result<Option<Location>, FormatError> {
    let Some(locator_at) = end_record_offset.checked_sub(ZIP64_LOCATOR_LEN) else {
        return Ok(None);
    };
    let locator = read_at(reader, locator_at, ZIP64_LOCATOR_LEN, "zip64 locator")?;
    if !locator.starts_with(ZIP64_LOCATOR_SIGNATURE) {
        return Ok(None);
    }
    let mut locator = Reader::at(&locator, locator_at);
    locator.skip(8, "zip64 locator signature and disk")?;
    let stated = locator.u64("zip64 end record offset")?;
    // The record normally sits right before the locator; with a prefix its stated offset is
    // shifted, so look where it is stated first and right before the locator second.
    let candidates = [Some(stated), locator_at.checked_sub(ZIP64_RECORD_LEN)];
    for at in candidates.into_iter().flatten() {
        if at
            .checked_add(ZIP64_RECORD_LEN)
            .is_none_or(|end| end > locator_at)
        {
            continue;
        }
        let bytes = read_at(reader, at, ZIP64_RECORD_LEN, "zip64 end record")?;
        if !bytes.starts_with(ZIP64_RECORD_SIGNATURE) {
            continue;
        }
        let mut record = Reader::at(&bytes, at);
        record.skip(4 + 8 + 2 + 2 + 4 + 4, "zip64 end record header")?;
        let _disk_count = record.u64("zip64 entries on this disk")?;
        let count = record.u64("zip64 entry count")?;
        let size = record.u64("zip64 directory size")?;
        let offset = record.u64("zip64 directory offset")?;
        return Ok(Some(Location {
            count,
            size,
            offset,
            ends_at: at,
            zip64: true,
        }));
    }
    Err(FormatError::Invalid {
        what: "zip64 end record location",
        offset: locator_at,
    })
}

fn read_entry(entries: &mut Reader<'_>, prefix: u64) -> Result<Member, FormatError> {
    let entry_offset = entries.offset();
    if entries.take(4, "central directory entry signature")? != ENTRY_SIGNATURE {
        return Err(FormatError::Invalid {
            what: "central directory entry signature",
            offset: entry_offset,
        });
    }
    let _made_by = entries.u16("version made by")?;
    let _needed = entries.u16("version needed")?;
    let flags = entries.u16("general purpose flags")?;
    let method = entries.u16("compression method")?;
    let _time = entries.u32("modification time")?;
    let crc32 = entries.u32("CRC-32")?;
    let compressed = entries.u32("compressed size")?;
    let uncompressed = entries.u32("uncompressed size")?;
    let name_len = entries.u16("name length")?;
    let extra_len = entries.u16("extra field length")?;
    let comment_len = entries.u16("comment length")?;
    let _disk = entries.u16("disk number")?;
    let _internal = entries.u16("internal attributes")?;
    let _external = entries.u32("external attributes")?;
    let local = entries.u32("local header offset")?;
    let name = entries.take(usize::from(name_len), "entry name")?.to_vec();
    let mut extra = entries.sub(u64::from(extra_len), "extra field")?;
    entries.skip(u64::from(comment_len), "entry comment")?;
    let mut sizes = Zip64Sizes {
        uncompressed: u64::from(uncompressed),
        compressed: u64::from(compressed),
        local: u64::from(local),
    };
    apply_zip64_extra(&mut extra, &mut sizes)?;
    let local_header_offset = sizes
        .local
        .checked_add(prefix)
        .ok_or(FormatError::Overflow {
            what: "local header offset",
        })?;
    Ok(Member {
        name,
        flags,
        method,
        crc32,
        compressed_size: sizes.compressed,
        uncompressed_size: sizes.uncompressed,
        local_header_offset,
        entry_offset,
    })
}

/// The three fields a zip64 extra field can widen.
struct Zip64Sizes {
    uncompressed: u64,
    compressed: u64,
    local: u64,
}

/// A zip64 extra field holds, in this order, each field whose 32-bit value is saturated.
fn apply_zip64_extra(extra: &mut Reader<'_>, sizes: &mut Zip64Sizes) -> Result<(), FormatError> {
    // Some writers pad the extra field with fewer than 4 bytes; a reader ignores them.
    while extra.left() >= 4 {
        let id = extra.u16("extra field id")?;
        let len = extra.u16("extra field length")?;
        let mut field = extra.sub(u64::from(len), "extra field data")?;
        if id != ZIP64_EXTRA_ID {
            continue;
        }
        for value in [
            &mut sizes.uncompressed,
            &mut sizes.compressed,
            &mut sizes.local,
        ] {
            if *value == u64::from(u32::MAX) {
                *value = field.u64("zip64 extra field value")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Cursor;

    use super::*;
    use crate::zip::test_archives::{
        force_zip64_end_record, plain_archive, with_zip64_central_extra,
    };

    fn read(bytes: &[u8]) -> Result<CentralDirectory, FormatError> {
        read_central_directory(&mut Cursor::new(bytes), bytes.len() as u64, 1 << 20)
    }

    #[test]
    fn lists_every_member_including_duplicates() {
        let zip = plain_archive(&[("a", b"one"), ("b/", b""), ("a", b"two")]);
        let directory = read(&zip).unwrap();
        let names: Vec<_> = directory.members.iter().map(Member::name_lossy).collect();
        assert_eq!(names, ["a", "b/", "a"]);
        assert!(directory.members[1].is_dir());
        assert_eq!(directory.prefix, 0);
        assert!(!directory.zip64);
    }

    #[test]
    fn a_prefix_shifts_every_offset() {
        let zip = plain_archive(&[("a", b"one")]);
        let mut shifted = b"junk in front".to_vec();
        shifted.extend_from_slice(&zip);
        let directory = read(&shifted).unwrap();
        assert_eq!(directory.prefix, 13);
        assert_eq!(directory.first_local_header(), Some(13));
    }

    #[test]
    fn a_forced_zip64_end_record_reads_the_same_members() {
        let zip = plain_archive(&[("a", b"one"), ("a", b"two")]);
        let plain = read(&zip).unwrap();
        let forced = force_zip64_end_record(&zip);
        let wide = read(&forced).unwrap();
        assert!(wide.zip64);
        assert_eq!(wide.members, plain.members);
        let mut prefixed = b"xx".to_vec();
        prefixed.extend_from_slice(&forced);
        let shifted = read(&prefixed).unwrap();
        assert_eq!(shifted.prefix, 2);
        assert_eq!(shifted.members.len(), 2);
    }

    #[test]
    fn zip64_extra_fields_widen_sizes_and_offsets() {
        let zip = plain_archive(&[("first", b"11"), ("second", b"222")]);
        let plain = read(&zip).unwrap();
        let widened = with_zip64_central_extra(&zip);
        let wide = read(&widened).unwrap();
        for (a, b) in plain.members.iter().zip(&wide.members) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.compressed_size, b.compressed_size);
            assert_eq!(a.uncompressed_size, b.uncompressed_size);
            assert_eq!(a.local_header_offset, b.local_header_offset);
        }
    }

    #[test]
    fn hostile_counts_and_truncations_are_errors() {
        let zip = plain_archive(&[("a", b"one")]);
        for cut in 0..zip.len() {
            let _ = read(&zip[..cut]);
        }
        let mut lying = zip.clone();
        let eocd = find_end_record(&lying).unwrap();
        lying[eocd + 10..eocd + 12].copy_from_slice(&0x7fffu16.to_le_bytes());
        assert!(read(&lying).is_err());
        assert!(matches!(
            read(b"not a zip"),
            Err(FormatError::BadMagic { .. })
        ));
    }
}
