use crate::{DigestError, HashAlgorithm};

/// Paths at the model root that are never part of a model unless asked: version-control
/// metadata changes on every clone and says nothing about the model.
pub const DEFAULT_IGNORED: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// How a model is cut into resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One resource per file.
    Files,
    /// One resource per slice of at most `shard_size` bytes of each file.
    Shards {
        /// The largest slice in bytes; the last shard of a file may be shorter.
        shard_size: u64,
    },
}

/// Everything needed to re-hash a model the way it was hashed when it was signed; OMS records
/// it in the predicate's `serialization` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serialization {
    /// Whole files or shards.
    pub method: Method,
    /// The per-resource hash algorithm.
    pub hash: HashAlgorithm,
    /// Whether symbolic links that stay inside the model are followed (refused otherwise).
    pub allow_symlinks: bool,
    /// POSIX paths relative to the model root; a directory covers everything below it.
    pub ignore_paths: Vec<String>,
}

impl Serialization {
    /// Per-file hashing with the default ignore list and symlinks refused.
    pub fn files(hash: HashAlgorithm) -> Self {
        Serialization {
            method: Method::Files,
            hash,
            allow_symlinks: false,
            ignore_paths: DEFAULT_IGNORED.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Sharded hashing with the default ignore list and symlinks refused.
    pub fn shards(hash: HashAlgorithm, shard_size: u64) -> Result<Self, DigestError> {
        if shard_size == 0 {
            return Err(DigestError::InvalidShardSize(shard_size));
        }
        Ok(Serialization {
            method: Method::Shards { shard_size },
            ..Self::files(hash)
        })
    }

    /// The algorithm name each resource records. `model_signing` 1.x writes
    /// `sha256-sharded-<N>` for shards (the OMS spec says plain `sha256`); writing what the
    /// reference writes is what lets the reference verify our shard signatures.
    pub fn resource_algorithm(&self) -> String {
        match self.method {
            Method::Files => self.hash.oms_name().to_owned(),
            Method::Shards { shard_size } => format!("{}-sharded-{shard_size}", self.hash),
        }
    }

    /// Whether `algorithm`, as read from a resource, names this serialization's hash. Both
    /// spellings for shards are accepted.
    pub fn accepts_resource_algorithm(&self, algorithm: &str) -> bool {
        algorithm == self.hash.oms_name() || algorithm == self.resource_algorithm()
    }

    /// Adds an ignored path unless it is already covered.
    pub fn ignore(&mut self, relative: &str) {
        if !self.ignore_paths.iter().any(|p| p == relative) {
            self.ignore_paths.push(relative.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_algorithm_names_follow_the_reference() {
        let s = Serialization::shards(HashAlgorithm::Sha256, 1_048_576).unwrap();
        assert_eq!(s.resource_algorithm(), "sha256-sharded-1048576");
        assert!(s.accepts_resource_algorithm("sha256"));
        assert!(s.accepts_resource_algorithm("sha256-sharded-1048576"));
        assert!(!s.accepts_resource_algorithm("sha256-sharded-4096"));
        assert!(!s.accepts_resource_algorithm("blake3"));
    }

    #[test]
    fn zero_shard_size_is_refused() {
        assert!(matches!(
            Serialization::shards(HashAlgorithm::Sha256, 0),
            Err(DigestError::InvalidShardSize(0))
        ));
    }
}
