//! Walk a model (one file or a directory tree), hash every byte once, in parallel across files
//! and across shards of large files, and build the manifest that an OMS signature records.
//!
//! The manifest layout follows the OpenSSF Model Signing (OMS) v1.0 format as written by the
//! Python reference `model_signing` 1.x, so that a root digest computed here is byte-for-byte the
//! one the reference computes for the same model:
//!
//! * `files` serialization: one resource per file, named by its POSIX path relative to the model
//!   root (`"."` when the model is a single file), digest over the whole file;
//! * `shards` serialization: one resource per `[start, end)` slice of at most `shard_size` bytes,
//!   named `path:start:end`; empty files have no shard and so no resource;
//! * resources are ordered by path *components* (then by shard start), and the root digest is
//!   SHA-256 over the concatenation of the raw resource digests in that order.
//!
//! Error messages show names from disk through `modelseal_report::name` (escaped, lossless).
//!
//! ```no_run
//! use modelseal_digest::{hash_model, HashAlgorithm, Serialization};
//! let serialization = Serialization::files(HashAlgorithm::Sha256);
//! let manifest = hash_model(std::path::Path::new("model"), &serialization).unwrap();
//! println!("sha256:{}", hex::encode(manifest.root_digest()));
//! ```

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
mod algorithm;
mod engine;
mod error;
mod manifest;
mod serialization;
mod walk;

pub use algorithm::{HashAlgorithm, Hasher};
pub use engine::{MAX_SHARDS, hash_bytes, hash_model, hash_walk, hash_walk_with_progress};
pub use error::DigestError;
pub use manifest::{Manifest, Resource, ResourceName, root_digest_of};
pub use modelseal_fs::{ByteProgress, NoProgress};
pub use serialization::{DEFAULT_IGNORED, Method, Serialization};
pub use walk::{ModelFile, Walk, walk_model};
