use std::fmt;
use std::str::FromStr;

use blake2::Digest as _;

use crate::DigestError;

/// The per-resource hash algorithms OMS signatures use.
///
/// The root digest over the resources is always SHA-256, whatever this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256, the OMS default.
    Sha256,
    /// BLAKE2b-512, written by `model_signing` as `blake2b` (read-only support is enough, but
    /// signing with it is allowed for parity).
    Blake2b,
    /// BLAKE3, parallel within a file as well as across files.
    Blake3,
}

impl HashAlgorithm {
    /// The name OMS records in `hash_type` and in each resource's `algorithm`.
    pub fn oms_name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Blake2b => "blake2b",
            HashAlgorithm::Blake3 => "blake3",
        }
    }

    /// Length in bytes of a digest.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 | HashAlgorithm::Blake3 => 32,
            HashAlgorithm::Blake2b => 64,
        }
    }

    /// A fresh running hash for one resource.
    pub fn hasher(self) -> Hasher {
        match self {
            HashAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Blake2b => Hasher::Blake2b(Box::new(blake2::Blake2b512::new())),
            HashAlgorithm::Blake3 => Hasher::Blake3(Box::new(blake3::Hasher::new())),
        }
    }

    /// How many bytes one `read` should ask for. SHA-256 was fastest with 128 KiB here (1 MiB
    /// buffers were slower); BLAKE3 spreads one buffer over all cores, so it wants bigger ones.
    pub(crate) fn read_buffer_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 | HashAlgorithm::Blake2b => 128 * 1024,
            HashAlgorithm::Blake3 => 4 * 1024 * 1024,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.oms_name())
    }
}

impl FromStr for HashAlgorithm {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256" => Ok(HashAlgorithm::Sha256),
            // `blake2` is the name model_signing's API takes; `blake2b` is what it records.
            "blake2b" | "blake2" => Ok(HashAlgorithm::Blake2b),
            "blake3" => Ok(HashAlgorithm::Blake3),
            other => Err(DigestError::UnknownAlgorithm(other.to_owned())),
        }
    }
}

/// A running hash of one resource.
#[derive(Debug, Clone)]
pub enum Hasher {
    /// A running SHA-256.
    Sha256(sha2::Sha256),
    /// A running BLAKE2b-512 (boxed: its state is large).
    Blake2b(Box<blake2::Blake2b512>),
    /// A running BLAKE3 (boxed: its state is large).
    Blake3(Box<blake3::Hasher>),
}

impl Hasher {
    /// Feeds the next bytes of the resource; large buffers of BLAKE3 are hashed in parallel.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Blake2b(h) => h.update(data),
            // Below ~128 KiB the thread hand-off costs more than it saves.
            Hasher::Blake3(h) if data.len() >= 256 * 1024 => {
                h.update_rayon(data);
            }
            Hasher::Blake3(h) => {
                h.update(data);
            }
        }
    }

    /// Ends the hash and returns the raw digest, [`HashAlgorithm::digest_len`] bytes long.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Blake2b(h) => h.finalize().to_vec(),
            Hasher::Blake3(h) => h.finalize().as_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_hex(algorithm: HashAlgorithm, data: &[u8]) -> String {
        let mut h = algorithm.hasher();
        h.update(data);
        hex::encode(h.finalize())
    }

    #[test]
    fn known_answers() {
        assert_eq!(
            digest_hex(HashAlgorithm::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest_hex(HashAlgorithm::Blake3, b""),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
        assert!(digest_hex(HashAlgorithm::Blake2b, b"abc").starts_with("ba80a53f981c4d0d"));
    }

    #[test]
    fn large_blake3_updates_match_small_ones() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut small = HashAlgorithm::Blake3.hasher();
        for chunk in data.chunks(1000) {
            small.update(chunk);
        }
        assert_eq!(small.finalize(), {
            let mut big = HashAlgorithm::Blake3.hasher();
            big.update(&data);
            big.finalize()
        });
    }

    #[test]
    fn names_round_trip() {
        for a in [
            HashAlgorithm::Sha256,
            HashAlgorithm::Blake2b,
            HashAlgorithm::Blake3,
        ] {
            assert_eq!(a.oms_name().parse::<HashAlgorithm>().unwrap(), a);
        }
        assert!("md5".parse::<HashAlgorithm>().is_err());
    }
}
