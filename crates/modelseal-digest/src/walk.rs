use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use modelseal_fs::{SpecialFiles, Symlinks, Walker};

use crate::DigestError;

/// One regular file of a model, as found by [`walk_model`].
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// POSIX path relative to the model root; `"."` when the model is a single file.
    pub name: String,
    /// Where to read it (for an allowed symlink: the link, which the OS follows).
    pub path: PathBuf,
    /// The file itself: `path` for a plain file, the canonical target for an allowed link
    /// (resolved when the model was listed), so a later reader (the gate's scan) reads what
    /// was hashed without following the link again.
    pub real_path: PathBuf,
    /// Size in bytes, seen at walk time.
    pub size: u64,
    /// Seen at walk time; a different value when hashing means the file changed under us.
    pub modified: Option<SystemTime>,
    /// Status-change time (`st_ctime`, seconds and nanoseconds; Unix) seen at walk time. Unlike
    /// the modification time, user space cannot set it back: an in-place edit whose writer
    /// restored the mtime still moves it.
    pub status_changed: Option<(i64, i64)>,
    /// Device and inode seen at walk time (Unix): hashing must read this very file.
    pub identity: Option<(u64, u64)>,
    /// Reached through a symbolic link that the walk allowed.
    pub via_symlink: bool,
}

/// The files of a model in canonical order (by path components, as `model_signing` orders them).
#[derive(Debug, Clone)]
pub struct Walk {
    /// The path the user named, as given.
    pub root: PathBuf,
    /// The final component of the path the user named (the in-toto subject name).
    pub model_name: String,
    /// Whether the model is one file rather than a directory (its resource name is then `"."`).
    pub is_single_file: bool,
    /// The regular files, in canonical order.
    pub files: Vec<ModelFile>,
}

/// Lists the files of the model at `root`, skipping `ignore_paths` (relative to the root).
///
/// Symbolic links inside a directory model are refused unless `allow_symlinks`; allowed links
/// must resolve inside the model root. Like the reference implementation, a link to a directory
/// is not descended into (what it points at is inside the root and so is hashed anyway).
/// The listing is `modelseal_fs`'s one walker; its refusals keep this crate's messages.
pub fn walk_model(
    root: &Path,
    allow_symlinks: bool,
    ignore_paths: &[String],
) -> Result<Walk, DigestError> {
    let walker = Walker {
        symlinks: if allow_symlinks {
            Symlinks::Confine
        } else {
            Symlinks::Refuse
        },
        special_files: SpecialFiles::Refuse,
        ignore: ignore_paths.to_vec(),
        require_utf8: true,
        ..Walker::default()
    };
    let walk = walker.walk(root)?;
    let model_name = model_name(root)?;
    Ok(Walk {
        root: walk.root,
        model_name,
        is_single_file: walk.is_single_file,
        files: walk
            .entries
            .into_iter()
            .map(|entry| {
                let real_path = if entry.via_symlink {
                    modelseal_fs::canonicalize(&entry.path)?
                } else {
                    entry.path.clone()
                };
                Ok(ModelFile {
                    name: entry.name,
                    size: entry.meta.len(),
                    modified: entry.meta.modified().ok(),
                    status_changed: status_changed(&entry.meta),
                    identity: modelseal_fs::identity(&entry.meta),
                    via_symlink: entry.via_symlink,
                    real_path,
                    path: entry.path,
                })
            })
            .collect::<Result<_, DigestError>>()?,
    })
}

/// `st_ctime` as (seconds, nanoseconds).
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // None on platforms without a status-change time
pub(crate) fn status_changed(meta: &std::fs::Metadata) -> Option<(i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.ctime(), meta.ctime_nsec()))
}

/// No status-change time on this platform.
#[cfg(not(unix))]
pub(crate) fn status_changed(_meta: &std::fs::Metadata) -> Option<(i64, i64)> {
    None
}

/// The subject name: the last component of the path as given, or of its canonical form when
/// the path ends in `.` or `..`.
fn model_name(root: &Path) -> Result<String, DigestError> {
    let name = if let Some(Component::Normal(name)) = root.components().next_back() {
        name.to_owned()
    } else {
        let canonical = modelseal_fs::canonicalize(root)?;
        canonical
            .file_name()
            .map(ToOwned::to_owned)
            .unwrap_or_default()
    };
    name.into_string()
        .map_err(|_| DigestError::NonUtf8Name(root.to_path_buf()))
}
