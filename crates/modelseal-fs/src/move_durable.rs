//! Moving a file or a tree without ever losing it: a rename on one file system; across file
//! systems a copy that is synced and compared with the original before the original goes.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::{FileKind, FsError, Op, Reason};

/// How to move.
#[derive(Debug, Clone, Copy, Default)]
pub struct MoveOptions {
    /// Copy, compare and remove even when a rename would do (what happens across file
    /// systems; tests use it to exercise that path on one).
    pub always_copy: bool,
}

/// A step of [`move_durable`] that has completed, for callers that log or test crash points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveStep {
    /// Same file system: the source was renamed to the destination.
    Renamed,
    /// Across file systems: the copy is complete and synced.
    Copied,
    /// The copy matched the original, and the original left its name for its tombstone
    /// (the copy does not have its name yet).
    OriginalSetAside,
    /// The copy matched the original and has its final name.
    CopyInPlace,
    /// The original is gone.
    OriginalRemoved,
}

/// Moves `from` (a file, link or directory tree) to `to`, which must not exist.
///
/// A crash at any point leaves the source whole where it was or the whole copy at `to`, and
/// never part of a tree at either path: a partial copy only ever lives at a hidden
/// `.NAME.partial` beside `to`, and the original, once copied, is first renamed (one atomic
/// step) to a hidden tombstone beside itself and only then removed. Both are garbage after a
/// crash ([`leftovers`]); this function removes a stale one before using the name. Callers
/// that may run concurrently on one path serialise themselves ([`crate::lock_path`]): two
/// movers would each remove the other's partial copy.
pub fn move_durable(
    from: &Path,
    to: &Path,
    options: MoveOptions,
    observe: &mut dyn FnMut(MoveStep),
) -> Result<(), FsError> {
    if crate::exists(to) {
        return Err(FsError::new(Op::Rename, to, Reason::AlreadyExists));
    }
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    refuse_destination_inside(from, to)?;
    if !options.always_copy {
        match fs::rename(from, to) {
            Ok(()) => {
                // The move has happened: a directory that cannot be synced must not turn it
                // into a reported failure (the caller would think the model is still there).
                sync_parents(from, parent);
                observe(MoveStep::Renamed);
                return Ok(());
            }
            // Another file system: copy instead; anything else is a real error.
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {}
            Err(e) => return Err(FsError::io(Op::Rename, from, e)),
        }
    }
    let partial = partial_of(to);
    if crate::exists(&partial) {
        crate::remove(&partial)?;
    }
    // A copy that fails half-way (a FIFO inside, a full disk) is removed: it is never the
    // model, and nothing would come back for it.
    let copied = copy_tree(from, &partial)
        .and_then(|()| crate::sync_dir(parent))
        .and_then(|()| {
            observe(MoveStep::Copied);
            match first_difference(from, &partial, "")? {
                None => Ok(()),
                Some(differing) => Err(FsError::new(
                    Op::Copy,
                    from,
                    Reason::CopyMismatch { differing },
                )),
            }
        });
    if let Err(e) = copied {
        let _ = crate::remove(&partial);
        return Err(e);
    }
    // The original leaves its name (one rename, to a tombstone beside itself) *before* the
    // copy gets its name: there is never a moment with the original at its path and a whole
    // named copy at `to`, so recovery never has to decide whether a file at the original path
    // is the model it moved (it may be a model deployed there since, or a path an attacker
    // named) and never deletes one. A kill between the two renames leaves the tombstone and
    // the whole partial copy: [`finish_set_aside`] completes the move from there.
    let tombstone = tombstone_of(from);
    if crate::exists(&tombstone)
        && let Err(e) = crate::remove(&tombstone)
    {
        let _ = crate::remove(&partial);
        return Err(e);
    }
    if let Err(e) = crate::rename(from, &tombstone) {
        let _ = crate::remove(&partial);
        return Err(e);
    }
    sync_parents(from, parent);
    observe(MoveStep::OriginalSetAside);
    if let Err(e) = crate::rename(&partial, to) {
        // Put the original back: the move did not happen.
        let _ = crate::rename(&tombstone, from);
        let _ = crate::remove(&partial);
        return Err(e);
    }
    let _ = crate::sync_dir(parent);
    observe(MoveStep::CopyInPlace);
    // From here the whole copy is in place: failing to remove the tombstone leaves it as
    // garbage ([`leftovers`]), but the model is never lost.
    match crate::remove(&tombstone) {
        // Someone cleaning up leftovers removed it first: it is gone either way.
        Err(e) if e.is_not_found() => {}
        other => other?,
    }
    sync_parents(from, parent);
    observe(MoveStep::OriginalRemoved);
    Ok(())
}

/// Finishes a [`move_durable`] from `from` to `to` killed between its two renames: the
/// original is at its tombstone and the whole copy at `to`'s partial name. If both are real
/// entries (not links) holding the same tree, the copy gets its name and the tombstone goes
/// (returned: the tombstone removed); otherwise the original goes back to its path if that is
/// free and the partial copy goes. Nothing at `from` itself is ever touched but by renaming
/// the tombstone back. Callers hold the locks on both.
pub fn finish_set_aside(from: &Path, to: &Path) -> Result<Option<std::path::PathBuf>, FsError> {
    let [partial, tombstone] = leftovers(from, to);
    let real = |p: &Path| crate::symlink_metadata(p).is_ok_and(|m| m.is_file() || m.is_dir());
    if !real(&tombstone) || !real(&partial) || crate::exists(to) {
        return Ok(None);
    }
    if first_difference(&tombstone, &partial, "")?.is_none() {
        crate::rename(&partial, to)?;
        crate::remove(&tombstone)?;
        return Ok(Some(tombstone));
    }
    if crate::symlink_metadata(from).is_err() {
        crate::rename(&tombstone, from)?;
    }
    crate::remove(&partial)?;
    Ok(None)
}

/// Whether the trees at `a` and `b` are the same (kinds, link targets and bytes; links are
/// compared, never followed).
pub fn same_tree(a: &Path, b: &Path) -> Result<bool, FsError> {
    Ok(first_difference(a, b, "")?.is_none())
}

/// Finishes a [`move_durable`] from `from` to `to` that was killed after the whole copy got
/// its name but before the original went: if `from` is still there and is the same tree as
/// `to` (kinds, link targets and bytes), it goes the way `move_durable` removes an original
/// (a tombstone first). Returns whether it did. Anything else at `from` (another model put
/// there since) is left alone. Callers hold the lock on `from`.
pub fn finish_interrupted_move(from: &Path, to: &Path) -> Result<bool, FsError> {
    if !crate::exists(from) || !crate::exists(to) || first_difference(from, to, "")?.is_some() {
        return Ok(false);
    }
    let tombstone = tombstone_of(from);
    if crate::exists(&tombstone) {
        crate::remove(&tombstone)?;
    }
    crate::rename(from, &tombstone)?;
    if let Some(parent) = from.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = crate::sync_dir(parent);
    }
    crate::remove(&tombstone)?;
    Ok(true)
}

/// Where [`move_durable`] builds the copy of a move to `to`: `.NAME.partial` beside it.
fn partial_of(to: &Path) -> std::path::PathBuf {
    hidden_beside(to, ".partial")
}

/// Where [`move_durable`] puts an original it has copied, before removing it:
/// `.NAME.modelseal-tombstone` beside it.
pub fn tombstone_of(from: &Path) -> std::path::PathBuf {
    hidden_beside(from, ".modelseal-tombstone")
}

/// What a crashed [`move_durable`] from `from` to `to` may have left: the partial copy beside
/// `to` and the tombstone beside `from`. Neither is ever the only copy of anything (a
/// tombstone exists only once the whole copy is at `to`), so a caller that holds the lock on
/// the move removes them.
pub fn leftovers(from: &Path, to: &Path) -> [std::path::PathBuf; 2] {
    [partial_of(to), tombstone_of(from)]
}

/// `.NAME<suffix>` in the directory of `path`, keeping the name's bytes as they are.
fn hidden_beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(suffix);
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(name),
        _ => std::path::PathBuf::from(name),
    }
}

/// Best-effort syncs of both directories a move touched.
fn sync_parents(from: &Path, to_parent: &Path) {
    let _ = crate::sync_dir(to_parent);
    if let Some(p) = from.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = crate::sync_dir(p);
    }
}

/// A tree cannot move into itself: the copy would copy itself until names grow too long.
fn refuse_destination_inside(from: &Path, to: &Path) -> Result<(), FsError> {
    let Ok(source) = std::fs::canonicalize(from) else {
        return Ok(());
    };
    let mut dest = to.parent().map(Path::to_path_buf);
    // The destination does not exist yet: compare its nearest existing ancestor.
    while let Some(dir) = dest {
        if let Ok(dir) = std::fs::canonicalize(&dir) {
            if dir.starts_with(&source) {
                return Err(FsError::new(
                    Op::Rename,
                    to,
                    Reason::Escapes { root: source },
                ));
            }
            return Ok(());
        }
        dest = dir.parent().map(Path::to_path_buf);
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), FsError> {
    let meta = crate::symlink_metadata(from)?;
    if meta.is_dir() {
        crate::create_dir(to)?;
        for entry in crate::read_dir_sorted(from)? {
            let name = entry.file_name().unwrap_or_default();
            copy_tree(&entry, &to.join(name))?;
        }
        crate::sync_dir(to)
    } else if meta.is_file() {
        crate::copy_file(from, to)
    } else if meta.file_type().is_symlink() {
        let target = crate::read_link(from)?;
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&target, to).map_err(FsError::with(Op::Create, to))
        }
        #[cfg(not(unix))]
        {
            let _ = target;
            Err(FsError::new(
                Op::Copy,
                from,
                Reason::NotRegular(FileKind::Symlink),
            ))
        }
    } else {
        Err(FsError::new(
            Op::Copy,
            from,
            Reason::NotRegular(FileKind::of(meta.file_type())),
        ))
    }
}

/// The first relative path at which the trees `a` and `b` differ (kind, link target, bytes or
/// an entry only one side has), compared byte for byte.
fn first_difference(a: &Path, b: &Path, rel: &str) -> Result<Option<String>, FsError> {
    let shown = || {
        if rel.is_empty() {
            ".".to_owned()
        } else {
            rel.to_owned()
        }
    };
    let (ma, mb) = (crate::symlink_metadata(a)?, crate::symlink_metadata(b)?);
    if ma.file_type() != mb.file_type() {
        return Ok(Some(shown()));
    }
    if ma.is_dir() {
        let names = |dir: &Path| -> Result<Vec<std::ffi::OsString>, FsError> {
            Ok(crate::read_dir_sorted(dir)?
                .into_iter()
                .filter_map(|p| p.file_name().map(ToOwned::to_owned))
                .collect())
        };
        let (na, nb) = (names(a)?, names(b)?);
        if na != nb {
            let odd = na
                .iter()
                .chain(&nb)
                .find(|n| !na.contains(n) || !nb.contains(n));
            let name = odd.map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            return Ok(Some(join(rel, &name)));
        }
        for name in &na {
            let child = join(rel, &name.to_string_lossy());
            if let Some(d) = first_difference(&a.join(name), &b.join(name), &child)? {
                return Ok(Some(d));
            }
        }
        return Ok(None);
    }
    if ma.file_type().is_symlink() {
        let same = crate::read_link(a)? == crate::read_link(b)?;
        return Ok((!same).then(shown));
    }
    Ok((!same_bytes(a, b)?).then(shown))
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_owned()
    } else {
        format!("{rel}/{name}")
    }
}

fn same_bytes(a: &Path, b: &Path) -> Result<bool, FsError> {
    let (mut fa, ma) = crate::open_regular(a)?;
    let (mut fb, mb) = crate::open_regular(b)?;
    if ma.len() != mb.len() {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 17], vec![0u8; 1 << 17]);
    loop {
        let n = read_full(&mut fa, &mut ba).map_err(FsError::with(Op::Read, a))?;
        let m = read_full(&mut fb, &mut bb).map_err(FsError::with(Op::Read, b))?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Fills `buf` as far as the file allows; fewer bytes only at the end.
fn read_full(file: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) {
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("w.bin"), vec![7u8; 300_000]).unwrap();
        fs::write(root.join("sub/config.json"), b"{}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("w.bin", root.join("link")).unwrap();
    }

    #[test]
    fn copies_compare_and_remove_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("m"), dir.path().join("q/m"));
        tree(&from);
        fs::create_dir(dir.path().join("q")).unwrap();
        let mut steps = Vec::new();
        let options = MoveOptions { always_copy: true };
        move_durable(&from, &to, options, &mut |s| steps.push(s)).unwrap();
        assert_eq!(
            steps,
            [
                MoveStep::Copied,
                MoveStep::OriginalSetAside,
                MoveStep::CopyInPlace,
                MoveStep::OriginalRemoved
            ]
        );
        assert!(!from.exists());
        assert_eq!(fs::read(to.join("w.bin")).unwrap().len(), 300_000);
        #[cfg(unix)]
        assert_eq!(fs::read_link(to.join("link")).unwrap(), Path::new("w.bin"));
    }

    /// Issue 11 item 11: a kill while the original tree was being removed left part of it at
    /// its path. The original now leaves its name in one rename, before any file goes.
    #[test]
    fn the_original_leaves_its_name_in_one_step_before_it_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("m"), dir.path().join("q/m"));
        tree(&from);
        fs::create_dir(dir.path().join("q")).unwrap();
        // A tombstone left by an earlier kill is garbage: replaced, not an error.
        tree(&tombstone_of(&from));
        let options = MoveOptions { always_copy: true };
        let mut seen_at_copy_in_place = None;
        move_durable(&from, &to, options, &mut |step| {
            if step == MoveStep::CopyInPlace {
                seen_at_copy_in_place = Some(from.exists());
            }
        })
        .unwrap();
        // Red team 3, Q-4: the original already left its name when the copy got its own.
        assert_eq!(seen_at_copy_in_place, Some(false));
        assert!(!from.exists());
        assert!(!tombstone_of(&from).exists());
        assert_eq!(
            leftovers(&from, &to),
            [
                dir.path().join("q/.m.partial"),
                dir.path().join(".m.modelseal-tombstone")
            ]
        );
    }

    #[test]
    fn renames_on_one_file_system_and_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("m"), dir.path().join("n"));
        tree(&from);
        let mut steps = Vec::new();
        move_durable(&from, &to, MoveOptions::default(), &mut |s| steps.push(s)).unwrap();
        assert_eq!(steps, [MoveStep::Renamed]);
        tree(&from);
        let err = move_durable(&from, &to, MoveOptions::default(), &mut |_| {}).unwrap_err();
        assert!(matches!(err.reason, Reason::AlreadyExists));
        assert!(from.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_copy_that_fails_leaves_no_partial_and_the_original_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("m"), dir.path().join("q/m"));
        tree(&from);
        let fifo = from.join("zz");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        fs::create_dir(dir.path().join("q")).unwrap();
        let options = MoveOptions { always_copy: true };
        let err = move_durable(&from, &to, options, &mut |_| {}).unwrap_err();
        assert!(
            matches!(err.reason, Reason::NotRegular(FileKind::Fifo)),
            "{err}"
        );
        assert_eq!(
            fs::read_dir(dir.path().join("q")).unwrap().count(),
            0,
            "no .m.partial left"
        );
        assert_eq!(fs::read(from.join("w.bin")).unwrap().len(), 300_000);
    }

    #[test]
    fn a_tree_never_moves_into_itself() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("m");
        tree(&from);
        for always_copy in [false, true] {
            let to = from.join("sub/moved");
            let err = move_durable(&from, &to, MoveOptions { always_copy }, &mut |_| {});
            assert!(matches!(err.unwrap_err().reason, Reason::Escapes { .. }));
            assert!(!from.join("sub/.moved.partial").exists());
        }
        assert_eq!(fs::read(from.join("w.bin")).unwrap().len(), 300_000);
    }

    #[test]
    fn differences_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        tree(&a);
        tree(&b);
        assert_eq!(first_difference(&a, &b, "").unwrap(), None);
        let mut bytes = fs::read(b.join("w.bin")).unwrap();
        bytes[200_000] ^= 1;
        fs::write(b.join("w.bin"), bytes).unwrap();
        assert_eq!(
            first_difference(&a, &b, "").unwrap().as_deref(),
            Some("w.bin")
        );
        fs::write(b.join("sub/extra"), b"").unwrap();
        assert_eq!(
            first_difference(&a, &b, "").unwrap().as_deref(),
            Some("sub/extra")
        );
    }
}
