//! Python: installed distributions (`*.dist-info`) of an environment.

mod env;
mod metadata;

pub use env::{EnvError, collect_environment};
pub use metadata::{Metadata, MetadataError, normalize_name, parse_metadata, purl};
