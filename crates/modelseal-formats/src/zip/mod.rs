//! Zip archives read the way PyTorch reads them, through the central directory, but by hand:
//! every entry as written, duplicates included (zip libraries key entries by name and so hide
//! the one an attacker adds), zip64 end records and extra fields, bytes glued in front; and
//! each member's data read through its *own* local header, bounded and CRC-checked.

mod directory;
mod member;

pub use directory::{
    CentralDirectory, END_RECORD_SEARCH, Member, find_end_record, read_central_directory,
};
pub use member::{LocalHeader, MemberData, open_member, read_local_header, read_member};

/// Archives written by hand for the tests, so this crate's tests need no zip writer.
#[cfg(test)]
pub(crate) mod test_archives {
    #![allow(clippy::unwrap_used)]
    use std::io::Write as _;

    use super::find_end_record;

    fn crc(data: &[u8]) -> u32 {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        crc.sum()
    }

    fn archive(members: &[(&str, Vec<u8>, u16, u32, u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, stored, method, crc32, size) in members {
            let offset = out.len() as u32;
            for (buf, sig) in [(&mut out, b"PK\x03\x04"), (&mut central, b"PK\x01\x02")] {
                buf.extend_from_slice(sig);
                if sig == b"PK\x01\x02" {
                    buf.extend_from_slice(&20u16.to_le_bytes());
                }
                buf.extend_from_slice(&20u16.to_le_bytes());
                buf.extend_from_slice(&0u16.to_le_bytes());
                buf.extend_from_slice(&method.to_le_bytes());
                buf.extend_from_slice(&0u32.to_le_bytes());
                buf.extend_from_slice(&crc32.to_le_bytes());
                buf.extend_from_slice(&(stored.len() as u32).to_le_bytes());
                buf.extend_from_slice(&size.to_le_bytes());
                buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
                buf.extend_from_slice(&0u16.to_le_bytes());
                if sig == b"PK\x01\x02" {
                    // comment length, disk, internal and external attributes
                    buf.extend_from_slice(&[0; 10]);
                    buf.extend_from_slice(&offset.to_le_bytes());
                }
                buf.extend_from_slice(name.as_bytes());
            }
            out.extend_from_slice(stored);
        }
        let directory_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&directory_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    /// Stored members, duplicates allowed.
    pub(crate) fn plain_archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let members: Vec<_> = members
            .iter()
            .map(|(n, d)| (*n, d.to_vec(), 0, crc(d), d.len() as u32))
            .collect();
        archive(&members)
    }

    pub(crate) fn deflated_archive(name: &str, data: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        let compressed = encoder.finish().unwrap();
        archive(&[(name, compressed, 8, crc(data), data.len() as u32)])
    }

    /// The same archive with its end record saturated (count 0xFFFF, size and offset
    /// 0xFFFFFFFF) and a valid zip64 end record and locator in front of it.
    pub(crate) fn force_zip64_end_record(zip: &[u8]) -> Vec<u8> {
        let eocd = find_end_record(zip).unwrap();
        let field = |at: usize, n: usize| {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&zip[eocd + at..eocd + at + n]);
            u64::from_le_bytes(b)
        };
        let (count, size, offset) = (field(10, 2), field(12, 4), field(16, 4));
        let mut out = zip[..eocd].to_vec();
        let record_at = out.len() as u64;
        out.extend_from_slice(b"PK\x06\x06");
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        for v in [count, count, size, offset] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(b"PK\x06\x07\0\0\0\0");
        out.extend_from_slice(&record_at.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff");
        out.extend_from_slice(&[0xff; 8]);
        out.extend_from_slice(&zip[eocd + 20..]);
        out
    }

    /// The same archive with every central entry's sizes and offset moved into a zip64 extra
    /// field (32-bit fields saturated).
    pub(crate) fn with_zip64_central_extra(zip: &[u8]) -> Vec<u8> {
        let eocd = find_end_record(zip).unwrap();
        let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]);
        let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().unwrap());
        let count = u16_at(eocd + 10);
        let start = u32_at(eocd + 16) as usize;
        let mut out = zip[..start].to_vec();
        let mut at = start;
        for _ in 0..count {
            let name_len = usize::from(u16_at(at + 28));
            let mut entry = zip[at..at + 46 + name_len].to_vec();
            let mut extra = vec![1, 0, 24, 0];
            extra.extend_from_slice(&u64::from(u32_at(at + 24)).to_le_bytes());
            extra.extend_from_slice(&u64::from(u32_at(at + 20)).to_le_bytes());
            extra.extend_from_slice(&u64::from(u32_at(at + 42)).to_le_bytes());
            entry[20..28].copy_from_slice(&[0xff; 8]);
            entry[42..46].copy_from_slice(&[0xff; 4]);
            entry[30..32].copy_from_slice(&(extra.len() as u16).to_le_bytes());
            out.extend_from_slice(&entry);
            out.extend_from_slice(&extra);
            at += 46 + name_len;
        }
        let size = (out.len() - start) as u32;
        out.extend_from_slice(&zip[eocd..eocd + 12]);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&zip[eocd + 16..]);
        out
    }
}
