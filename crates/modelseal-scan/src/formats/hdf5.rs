//! Just enough of HDF5 to read the string attributes of a file's root group, where Keras keeps
//! `model_config` in legacy `.h5` models. Written by hand: the Rust HDF5 crates either bind the
//! C library (a large native dependency that parses hostile files in C) or are young pure-Rust
//! readers that were not built to meet hostile input; this reader needs four structures
//! (superblock, object header, attribute message, global heap) and bounds every read.
//!
//! Supported: superblock versions 0–3, object header versions 1 and 2 with continuation
//! blocks, attribute message versions 1–3 in compact storage, fixed-length and variable-length
//! string data. Dense attribute storage (a fractal heap, used when a group has many or large
//! attributes) and shared attribute messages are reported as [`Hdf5Error::Unsupported`], so
//! the caller never mistakes an unread attribute for an absent one.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};

/// Largest structure read in one piece (an object header chunk or a global heap collection).
const MAX_READ: u64 = 16 << 20;
/// Most object header chunks followed (continuations can form loops in a hostile file).
const MAX_CHUNKS: usize = 256;
const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
const UNDEFINED: u64 = u64::MAX;

/// Why the root attributes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Hdf5Error {
    /// No HDF5 signature where the format allows one.
    #[error("not an HDF5 file")]
    NotHdf5,
    /// The named structure is cut short or breaks the format's rules.
    #[error("truncated or malformed HDF5 {0}")]
    Malformed(&'static str),
    /// The file uses a part of HDF5 this reader does not implement (the structure is named):
    /// the file may be fine, but its attributes were not checked.
    #[error("HDF5 feature not read by this scanner: {0}")]
    Unsupported(&'static str),
    /// Reading the file failed.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
}

/// One string attribute of the root group: its name and each element's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringAttribute {
    /// The attribute's name (`model_config`, `training_config`...).
    pub name: String,
    /// Each string element's bytes, as stored (a scalar attribute has one).
    pub values: Vec<Vec<u8>>,
}

/// Reads the string attributes of the root group. Attributes of other types are skipped.
pub fn root_string_attributes<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> Result<Vec<StringAttribute>, Hdf5Error> {
    let mut file = File {
        reader,
        len,
        base: 0,
        offset_size: 8,
        length_size: 8,
    };
    let root = file.superblock()?;
    let mut attributes = Vec::new();
    for message in file.object_header_messages(root)? {
        match message.kind {
            ATTRIBUTE => {
                if message.flags & 0x02 != 0 {
                    return Err(Hdf5Error::Unsupported("shared attribute messages"));
                }
                if let Some(attribute) = file.string_attribute(&message.data)? {
                    attributes.push(attribute);
                }
            }
            ATTRIBUTE_INFO => {
                let mut r = Bytes::new(&message.data);
                r.skip(1)?; // version
                let flags = r.u8()?;
                if flags & 0x01 != 0 {
                    r.skip(2)?; // maximum creation index
                }
                if r.uint(file.offset_size)? != UNDEFINED {
                    return Err(Hdf5Error::Unsupported("dense attribute storage"));
                }
            }
            _ => {}
        }
    }
    Ok(attributes)
}

const CONTINUATION: u16 = 0x10;
const ATTRIBUTE: u16 = 0x0C;
const ATTRIBUTE_INFO: u16 = 0x15;

struct Message {
    kind: u16,
    flags: u8,
    data: Vec<u8>,
}

struct File<'r, R> {
    reader: &'r mut R,
    len: u64,
    base: u64,
    offset_size: usize,
    length_size: usize,
}

impl<R: Read + Seek> File<'_, R> {
    fn read_at(&mut self, address: u64, len: u64) -> Result<Vec<u8>, Hdf5Error> {
        let at = self
            .base
            .checked_add(address)
            .filter(|at| at.checked_add(len).is_some_and(|end| end <= self.len))
            .ok_or(Hdf5Error::Malformed("address"))?;
        if len > MAX_READ {
            return Err(Hdf5Error::Unsupported("a structure larger than 16 MiB"));
        }
        self.reader.seek(SeekFrom::Start(at))?;
        let mut buf = vec![0; usize::try_from(len).map_err(|_| Hdf5Error::Malformed("length"))?];
        self.reader.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// Finds the superblock (at 0 or after a user block of 512·2ⁿ bytes) and returns the root
    /// group's object header address.
    fn superblock(&mut self) -> Result<u64, Hdf5Error> {
        let mut at = 0u64;
        loop {
            if at.checked_add(8).is_none_or(|end| end > self.len) {
                return Err(Hdf5Error::NotHdf5);
            }
            if self.read_at(at, 8)? == SIGNATURE {
                break;
            }
            at = if at == 0 { 512 } else { at * 2 };
        }
        let head = self.read_at(at, (self.len - at).min(256))?;
        let mut r = Bytes::new(&head);
        r.skip(8)?;
        let version = r.u8()?;
        match version {
            0 | 1 => {
                r.skip(4)?; // free-space, root symbol table and shared header versions, reserved
                self.offset_size = size_field(r.u8()?)?;
                self.length_size = size_field(r.u8()?)?;
                r.skip(1 + 4 + 4)?; // reserved, group K values, consistency flags
                if version == 1 {
                    r.skip(4)?; // indexed storage K, reserved
                }
                self.base = r.uint(self.offset_size)?;
                r.skip(3 * self.offset_size)?; // free space, end of file, driver info
                r.skip(self.offset_size)?; // root entry: link name offset
                r.uint(self.offset_size)
            }
            2 | 3 => {
                self.offset_size = size_field(r.u8()?)?;
                self.length_size = size_field(r.u8()?)?;
                r.skip(1)?; // consistency flags
                self.base = r.uint(self.offset_size)?;
                r.skip(2 * self.offset_size)?; // superblock extension, end of file
                r.uint(self.offset_size)
            }
            _ => Err(Hdf5Error::Unsupported("superblock version above 3")),
        }
    }

    /// Every message of the object header at `address`, following continuation blocks.
    fn object_header_messages(&mut self, address: u64) -> Result<Vec<Message>, Hdf5Error> {
        let first = self.read_at(address, 16.min(self.len.saturating_sub(address)))?;
        let mut messages = Vec::new();
        let mut pending = Vec::new();
        let version2 = first.starts_with(b"OHDR");
        let mut header_flags = 0u8;
        if version2 {
            let mut r = Bytes::new(&first);
            r.skip(4)?;
            if r.u8()? != 2 {
                return Err(Hdf5Error::Unsupported("object header version"));
            }
            header_flags = r.u8()?;
            let mut prefix = 6u64;
            if header_flags & 0x20 != 0 {
                prefix += 16; // access, modification, change and birth times
            }
            if header_flags & 0x10 != 0 {
                prefix += 4; // attribute phase change values
            }
            let width = 1usize << (header_flags & 0x03);
            let head = self.read_at(address, prefix + width as u64)?;
            let mut r = Bytes::new(&head);
            r.skip(usize::try_from(prefix).unwrap_or(usize::MAX))?;
            let size = r.uint(width)?;
            pending.push((address + prefix + width as u64, size, false));
        } else {
            let mut r = Bytes::new(&first);
            if r.u8()? != 1 {
                return Err(Hdf5Error::Malformed("object header"));
            }
            r.skip(1 + 2 + 4)?; // reserved, message count, reference count
            let size = u64::from(r.u32()?);
            pending.push((address + 16, size, false));
        }
        let mut seen = HashSet::new();
        while let Some((at, size, continuation)) = pending.pop() {
            if !seen.insert(at) || seen.len() > MAX_CHUNKS {
                return Err(Hdf5Error::Malformed("object header continuation chain"));
            }
            let chunk = self.read_at(at, size)?;
            // Chunk 0's size counts only its messages; a continuation block's length covers
            // its "OCHK" signature and trailing checksum too.
            let body: &[u8] = if version2 && continuation {
                if !chunk.starts_with(b"OCHK") {
                    return Err(Hdf5Error::Malformed("object header continuation"));
                }
                chunk
                    .get(4..chunk.len().saturating_sub(4))
                    .ok_or(Hdf5Error::Malformed("object header chunk"))?
            } else {
                &chunk
            };
            for message in Self::parse_messages(body, version2, header_flags)? {
                if message.kind == CONTINUATION {
                    let mut r = Bytes::new(&message.data);
                    let to = r.uint(self.offset_size)?;
                    let len = r.uint(self.length_size)?;
                    pending.push((to, len, true));
                } else {
                    messages.push(message);
                }
            }
        }
        Ok(messages)
    }

    fn parse_messages(
        body: &[u8],
        version2: bool,
        header_flags: u8,
    ) -> Result<Vec<Message>, Hdf5Error> {
        let mut r = Bytes::new(body);
        let mut messages = Vec::new();
        let header_len = if version2 {
            4 + if header_flags & 0x04 != 0 { 2 } else { 0 }
        } else {
            8
        };
        // What is left after the last whole message is a gap (v2) or padding.
        while r.remaining() >= header_len {
            let (kind, size, flags) = if version2 {
                let kind = u16::from(r.u8()?);
                let size = r.u16()?;
                let flags = r.u8()?;
                if header_flags & 0x04 != 0 {
                    r.skip(2)?; // creation order
                }
                (kind, size, flags)
            } else {
                let kind = r.u16()?;
                let size = r.u16()?;
                let flags = r.u8()?;
                r.skip(3)?;
                (kind, size, flags)
            };
            let data = r.take(usize::from(size))?.to_vec();
            messages.push(Message { kind, flags, data });
        }
        Ok(messages)
    }

    /// Decodes an attribute message whose datatype is a string (fixed or variable length).
    fn string_attribute(&mut self, data: &[u8]) -> Result<Option<StringAttribute>, Hdf5Error> {
        let mut r = Bytes::new(data);
        let version = r.u8()?;
        let flags = r.u8()?;
        let name_size = usize::from(r.u16()?);
        let datatype_size = usize::from(r.u16()?);
        let dataspace_size = usize::from(r.u16()?);
        let padded = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
        match version {
            1 | 2 => {}
            3 => r.skip(1)?, // name character set
            _ => return Err(Hdf5Error::Unsupported("attribute message version")),
        }
        if flags & 0x03 != 0 {
            return Err(Hdf5Error::Unsupported(
                "shared attribute datatype or dataspace",
            ));
        }
        let name = r.take(padded(name_size))?;
        let name = name.get(..name_size.saturating_sub(1)).unwrap_or_default();
        let name = String::from_utf8_lossy(name).into_owned();
        let datatype = r.take(padded(datatype_size))?.to_vec();
        let dataspace = r.take(padded(dataspace_size))?.to_vec();
        let elements = elements(&dataspace, self.length_size)?;
        let value = r.rest();
        let mut t = Bytes::new(&datatype);
        let class = t.u8()? & 0x0F;
        let bits = t.u8()?;
        t.skip(2)?;
        let size = usize::try_from(t.u32()?).map_err(|_| Hdf5Error::Malformed("datatype"))?;
        let mut values = Vec::new();
        let mut v = Bytes::new(value);
        match class {
            // Fixed-length string: `size` bytes per element, NUL- or space-padded.
            3 => {
                for _ in 0..elements {
                    let raw = v.take(size)?;
                    let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
                    values.push(raw[..end].to_vec());
                }
            }
            // Variable-length string: a length and a global heap reference per element.
            9 if bits & 0x0F == 1 => {
                for _ in 0..elements {
                    let length = v.u32()?;
                    let collection = v.uint(self.offset_size)?;
                    let index = v.u32()?;
                    let mut object = self.global_heap_object(collection, index)?;
                    object.truncate(usize::try_from(length).unwrap_or(usize::MAX));
                    values.push(object);
                }
            }
            _ => return Ok(None),
        }
        Ok(Some(StringAttribute { name, values }))
    }

    fn global_heap_object(&mut self, collection: u64, index: u32) -> Result<Vec<u8>, Hdf5Error> {
        let prefix = self.read_at(collection, 8 + self.length_size as u64)?;
        let mut r = Bytes::new(&prefix);
        if r.take(4)? != b"GCOL" {
            return Err(Hdf5Error::Malformed("global heap collection"));
        }
        r.skip(4)?;
        let size = r.uint(self.length_size)?;
        let heap = self.read_at(collection, size)?;
        let mut r = Bytes::new(&heap);
        r.skip(8 + self.length_size)?;
        while r.remaining() >= 8 + self.length_size {
            let id = r.u16()?;
            r.skip(6)?; // reference count, reserved
            let len = usize::try_from(r.uint(self.length_size)?)
                .map_err(|_| Hdf5Error::Malformed("global heap object"))?;
            if id == 0 {
                break; // free space to the end of the collection
            }
            let data = r.take(len)?;
            if u32::from(id) == index {
                return Ok(data.to_vec());
            }
            r.skip(len.div_ceil(8) * 8 - len)?;
        }
        Err(Hdf5Error::Malformed("global heap reference"))
    }
}

/// How many elements a dataspace message describes (a scalar is one).
fn elements(dataspace: &[u8], length_size: usize) -> Result<u64, Hdf5Error> {
    let mut r = Bytes::new(dataspace);
    let version = r.u8()?;
    let rank = r.u8()?;
    r.skip(1)?; // flags
    match version {
        1 => r.skip(5)?,
        2 => {
            if r.u8()? == 2 {
                return Ok(0); // null dataspace
            }
        }
        _ => return Err(Hdf5Error::Unsupported("dataspace version")),
    }
    let mut count = 1u64;
    for _ in 0..rank {
        count = count
            .checked_mul(r.uint(length_size)?)
            .ok_or(Hdf5Error::Malformed("dataspace"))?;
    }
    // Strings are at least a byte each; more elements than bytes in the file is malformed, and
    // this bound keeps a hostile count from looping.
    if count > 1 << 20 {
        return Err(Hdf5Error::Unsupported(
            "an attribute with over a million elements",
        ));
    }
    Ok(count)
}

fn size_field(size: u8) -> Result<usize, Hdf5Error> {
    match size {
        2 | 4 | 8 => Ok(usize::from(size)),
        _ => Err(Hdf5Error::Malformed("superblock size field")),
    }
}

/// A bounds-checked little-endian cursor.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bytes { data, at: 0 }
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Hdf5Error> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.data.len());
        let end = end.ok_or(Hdf5Error::Malformed("structure"))?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn rest(&mut self) -> &'a [u8] {
        let out = &self.data[self.at..];
        self.at = self.data.len();
        out
    }

    fn skip(&mut self, n: usize) -> Result<(), Hdf5Error> {
        self.take(n).map(|_| ())
    }

    fn u8(&mut self) -> Result<u8, Hdf5Error> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Hdf5Error> {
        Ok(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn u32(&mut self) -> Result<u32, Hdf5Error> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An unsigned integer of `width` bytes (an HDF5 offset or length); all ones is undefined.
    fn uint(&mut self, width: usize) -> Result<u64, Hdf5Error> {
        let b = self.take(width)?;
        let mut value = 0u64;
        for (i, byte) in b.iter().enumerate().take(8) {
            value |= u64::from(*byte) << (8 * i);
        }
        if b.iter().all(|x| *x == 0xFF) {
            return Ok(UNDEFINED);
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_hdf5_and_truncation_without_panicking() {
        let mut c = std::io::Cursor::new(b"not hdf5".to_vec());
        assert!(matches!(
            root_string_attributes(&mut c, 8),
            Err(Hdf5Error::NotHdf5)
        ));
        let mut truncated = SIGNATURE.to_vec();
        truncated.extend_from_slice(&[0, 0, 0, 0, 0, 8, 8]);
        let len = truncated.len() as u64;
        let mut c = std::io::Cursor::new(truncated);
        assert!(matches!(
            root_string_attributes(&mut c, len),
            Err(Hdf5Error::Malformed(_))
        ));
    }
}
