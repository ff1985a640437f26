use std::cmp::Ordering;
use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::{DigestError, Method, Serialization};
use modelseal_fs::components;

/// A resource's name: a path relative to the model root and, for shards, the byte range.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceName {
    /// POSIX path relative to the model root (`"."` for a single-file model).
    pub path: String,
    /// `[start, end)` for a shard.
    pub range: Option<(u64, u64)>,
}

impl ResourceName {
    /// Parses a name read from a signature, refusing anything that could make a verifier open a
    /// file outside the model: absolute paths, `..`, NUL, backslashes, empty components.
    pub fn parse(name: &str, method: Method) -> Result<Self, DigestError> {
        let invalid = |reason| DigestError::InvalidResourceName {
            name: name.to_owned(),
            reason,
        };
        let (path, range) = match method {
            Method::Files => (name, None),
            Method::Shards { .. } => {
                let mut parts = name.rsplitn(3, ':');
                let (Some(end), Some(start), Some(path)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    return Err(invalid("a shard name must be path:start:end"));
                };
                let start: u64 = start
                    .parse()
                    .map_err(|_| invalid("shard start is not a number"))?;
                let end: u64 = end
                    .parse()
                    .map_err(|_| invalid("shard end is not a number"))?;
                if end <= start {
                    return Err(invalid("shard end must be after its start"));
                }
                (path, Some((start, end)))
            }
        };
        if path.is_empty() {
            return Err(invalid("empty path"));
        }
        if path.starts_with('/') {
            return Err(invalid("absolute path"));
        }
        if path.contains('\0') {
            return Err(invalid("NUL in path"));
        }
        // On Windows a backslash separates components (`a\..\b`); on POSIX it is an ordinary
        // character that model files may contain, and both implementations sign such names.
        if cfg!(windows) && path.contains('\\') {
            return Err(invalid("backslash in path"));
        }
        if path != "." {
            for component in path.split('/') {
                match component {
                    ".." => return Err(invalid("path contains '..'")),
                    "" | "." => return Err(invalid("empty or '.' component")),
                    _ => {}
                }
            }
        }
        Ok(ResourceName {
            path: path.to_owned(),
            range,
        })
    }

    fn order(&self, other: &Self) -> Ordering {
        components(&self.path)
            .cmp(&components(&other.path))
            .then_with(|| self.range.cmp(&other.range))
    }
}

impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.range {
            None => f.write_str(&self.path),
            Some((start, end)) => write!(f, "{}:{start}:{end}", self.path),
        }
    }
}

/// One hashed resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Which file (and for a shard, which byte range) this digest covers.
    pub name: ResourceName,
    /// The OMS name of the hash algorithm, as recorded in the signature.
    pub algorithm: String,
    /// The raw digest bytes.
    pub digest: Vec<u8>,
}

/// The hashed model: what an OMS predicate records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The in-toto subject name: the final component of the path the user named.
    pub model_name: String,
    /// How the model was cut and hashed, so a verifier can repeat it.
    pub serialization: Serialization,
    /// In canonical order.
    pub resources: Vec<Resource>,
}

impl Manifest {
    /// SHA-256 over the concatenated raw resource digests, in canonical order.
    pub fn root_digest(&self) -> [u8; 32] {
        root_digest_of(self.resources.iter().map(|r| r.digest.as_slice()))
    }

    /// Puts resources in canonical order (a signature may list them in any order).
    pub fn sort(&mut self) {
        self.resources.sort_by(|a, b| a.name.order(&b.name));
    }

    /// Whether the resources are byte ranges of files rather than whole files.
    pub fn is_sharded(&self) -> bool {
        matches!(self.serialization.method, Method::Shards { .. })
    }
}

/// The OMS root digest of digests taken in the given order.
pub fn root_digest_of<'a>(digests: impl IntoIterator<Item = &'a [u8]>) -> [u8; 32] {
    let mut root = Sha256::new();
    for digest in digests {
        root.update(digest);
    }
    root.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARDS: Method = Method::Shards { shard_size: 10 };

    #[test]
    fn hostile_names_are_refused() {
        for bad in [
            "/etc/passwd",
            "../../etc/passwd",
            "a/../../b",
            "a//b",
            "a/./b",
            "",
            "a\0b",
        ] {
            assert!(ResourceName::parse(bad, Method::Files).is_err(), "{bad}");
        }
        assert!(ResourceName::parse("../x:0:1", SHARDS).is_err());
        assert!(ResourceName::parse("x:5:5", SHARDS).is_err());
        assert!(ResourceName::parse("x:a:5", SHARDS).is_err());
        assert!(ResourceName::parse("x", SHARDS).is_err());
    }

    #[test]
    fn ordinary_names_parse() {
        assert_eq!(ResourceName::parse(".", Method::Files).unwrap().path, ".");
        let shard = ResourceName::parse("dir/we:ird.bin:10:20", SHARDS).unwrap();
        assert_eq!(shard.path, "dir/we:ird.bin");
        assert_eq!(shard.range, Some((10, 20)));
        assert_eq!(shard.to_string(), "dir/we:ird.bin:10:20");
        assert!(ResourceName::parse("émoji 🚀/名前.txt", Method::Files).is_ok());
    }

    #[test]
    fn shards_order_by_path_then_numeric_start() {
        let mut names: Vec<_> = ["b:0:10", "a:100:110", "a:20:30", "a.x:0:1", "a/b:0:1"]
            .iter()
            .map(|n| ResourceName::parse(n, SHARDS).unwrap())
            .collect();
        names.sort_by(ResourceName::order);
        let sorted: Vec<_> = names.iter().map(ToString::to_string).collect();
        assert_eq!(
            sorted,
            ["a:20:30", "a:100:110", "a/b:0:1", "a.x:0:1", "b:0:10"]
        );
    }
}
