//! Python: installed distributions (`*.dist-info`) of an environment, requirements files and
//! lockfiles.

mod env;
mod lock;
mod metadata;
mod pep508;
mod requirements;

pub use env::{collect_environment, holds_dist_info};
pub use lock::{collect_pipfile_lock, collect_poetry_lock, collect_pylock, collect_uv_lock};
pub use metadata::{Metadata, MetadataError, normalize_name, parse_metadata, purl};
pub use requirements::collect_requirements;
