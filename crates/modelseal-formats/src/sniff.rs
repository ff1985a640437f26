//! Format detection by content, never by file name: a `.bin` may be a zip, a raw pickle or
//! safetensors, and an attacker chooses the name.
//!
//! [`sniff`] decides from signatures alone. Two formats have none: a protocol-0/1 pickle and
//! an ONNX protobuf, recognised only by decoding a few records; [`sniff`] says
//! [`Format::Other`] for them. [`crate::pickle::may_be_unframed`] tells whether such bytes can
//! be a pickle at all, and the scanner confirms by running it through its symbolic unpickler
//! (text often decodes as a few opcodes, so decoding alone would misjudge it).

/// What a file or member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A zip archive (PyTorch checkpoints, Keras 3 `.keras`, `.npz`).
    Zip,
    /// A POSIX tar archive (PyTorch's legacy tar format).
    Tar,
    /// A pickle of any protocol.
    Pickle,
    /// A NumPy `.npy` array.
    Numpy,
    /// A safetensors file.
    Safetensors,
    /// A GGUF file (llama.cpp).
    Gguf,
    /// An HDF5 file (Keras 2 `.h5`), user block included.
    Hdf5,
    /// A gzip stream.
    Gzip,
    /// A bzip2 stream.
    Bzip2,
    /// An xz stream.
    Xz,
    /// A raw LZMA ("lzma-alone") stream, as joblib writes.
    Lzma,
    /// A zlib stream.
    Zlib,
    /// An LZ4 frame.
    Lz4,
    /// joblib's old `ZF` + length + zlib container.
    JoblibZfile,
    /// A JSON document (a config or tokenizer beside the weights).
    Json,
    /// An ONNX `ModelProto`.
    Onnx,
    /// None of the above.
    Other,
}

impl Format {
    /// The format's name in reports, as serialized.
    pub fn name(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Pickle => "pickle",
            Format::Numpy => "numpy",
            Format::Safetensors => "safetensors",
            Format::Gguf => "gguf",
            Format::Hdf5 => "hdf5",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Zlib => "zlib",
            Format::Lz4 => "lz4",
            Format::JoblibZfile => "joblib-zfile",
            Format::Json => "json",
            Format::Onnx => "onnx",
            Format::Other => "other",
        }
    }
}

const HDF5_SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";

/// Detects the format of a file or member from its first bytes (`head`, at least 64 KiB when
/// available) and its total length, by signature. Protocol-0 pickles and ONNX have no
/// signature and come out as [`Format::Other`] (see the module doc).
pub fn sniff(head: &[u8], len: u64) -> Format {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Format::Zip;
    }
    if head.starts_with(b"\x93NUMPY") {
        return Format::Numpy;
    }
    if head.starts_with(b"GGUF") {
        return Format::Gguf;
    }
    // HDF5 allows a user block of 512, 1024, 2048... bytes before the superblock.
    if [0usize, 512, 1024, 2048]
        .iter()
        .any(|&at| head.get(at..at + 8) == Some(HDF5_SIGNATURE))
    {
        return Format::Hdf5;
    }
    if head.get(257..262) == Some(b"ustar") {
        return Format::Tar;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Format::Gzip;
    }
    if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        return Format::Bzip2;
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Format::Xz;
    }
    if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        return Format::Lz4;
    }
    if head.starts_with(b"ZF") && head.len() > 21 {
        return Format::JoblibZfile;
    }
    if is_safetensors(head, len) {
        return Format::Safetensors;
    }
    if crate::pickle::starts_with_proto(head) {
        return Format::Pickle;
    }
    // lzma-alone: properties byte 0x5d and a 2^n dictionary size.
    if head.len() >= 13 && head[0] == 0x5d && head[1] == 0 && head[2] == 0 {
        return Format::Lzma;
    }
    // zlib: CMF 0x78 and a header checksum divisible by 31.
    if head.len() >= 2
        && head[0] == 0x78
        && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0
    {
        return Format::Zlib;
    }
    if looks_like_json(head) {
        return Format::Json;
    }
    Format::Other
}

fn is_safetensors(head: &[u8], len: u64) -> bool {
    let Some(size) = head
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    else {
        return false;
    };
    size >= 2 && size.checked_add(8).is_some_and(|end| end <= len) && head.get(8) == Some(&b'{')
}

fn looks_like_json(head: &[u8]) -> bool {
    let trimmed = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &head[i..]);
    matches!(trimmed.and_then(|t| t.first()), Some(b'{' | b'['))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(sniff(b"PK\x03\x04rest", 100), Format::Zip);
        assert_eq!(sniff(b"\x80\x04\x95", 100), Format::Pickle);
        assert_eq!(sniff(b"\x93NUMPY\x01\x00", 100), Format::Numpy);
        assert_eq!(sniff(b"GGUF\x03\x00\x00\x00", 100), Format::Gguf);
        let mut st = 2u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{}");
        assert_eq!(sniff(&st, 10), Format::Safetensors);
        assert_eq!(sniff(b"{\"a\": 1}", 8), Format::Json);
        assert_eq!(sniff(b"hello world, this is text\n", 26), Format::Other);
        assert_eq!(sniff(b"x\x9c\x03\x00", 4), Format::Zlib);
        assert_eq!(sniff(b"\x1f\x8b\x08", 3), Format::Gzip);
        // No signature: left to the scanner's pickle decoder.
        assert_eq!(sniff(b"cos\nsystem\n(S'id'\ntR.", 100), Format::Other);
    }
}
