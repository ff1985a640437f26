//! The one place modelseal touches the file system.
//!
//! Every input is untrusted: [`read_limited`] and [`open_regular`] open without blocking on a
//! FIFO, refuse anything but a regular file and enforce their bound while reading, so
//! `/dev/zero` or a file that grows cannot exhaust memory. Every output is atomic and never
//! replaces a device, FIFO or link ([`write_atomic`]); a move never loses its source
//! ([`move_durable`]). Paths from files are confined to their root ([`confine`],
//! [`relative_inside`]), and one [`Walker`] lists a tree under one explicit symlink rule. Every failure is one [`FsError`]: the operation, the path
//! and why. Other crates never call `std::fs` directly (`clippy.toml` bans it).
//! It sits on `modelseal-report` alone, for the one function that shows a name from disk in
//! an error message (`modelseal_report::name`), so no message prints a raw escape sequence.

// The one crate that may call std::fs: everything else goes through it (clippy.toml).
#![allow(clippy::disallowed_methods)]
#![warn(missing_docs, unreachable_pub)]

mod confine;
mod error;
mod lock;
mod move_durable;
mod ops;
mod progress;
mod read;
mod walk;
mod write;

pub use confine::{confine, relative_inside};
pub use error::{FileKind, FsError, Op, Reason};
pub use lock::{PathLock, Wait, lock_path};
pub use move_durable::{
    MoveOptions, MoveStep, finish_interrupted_move, finish_set_aside, leftovers, move_durable,
    same_tree, tombstone_of,
};
pub use ops::{
    canonicalize, copy_file, create_dir, create_dir_all, exists, metadata, read_dir_sorted,
    read_link, remove, remove_file, rename, symlink_metadata, sync_dir,
};
pub use progress::{ByteProgress, NoProgress};
pub use read::{open_regular, open_regular_nofollow, read_limited, read_to_string_limited};
pub use walk::{Entry, SpecialFiles, Symlinks, Walk, Walker, components, identity};
pub use write::{AtomicFile, Overwrite, open_append, write_atomic};
