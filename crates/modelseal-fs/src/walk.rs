//! The one directory walker: every tree modelseal lists (a model to hash, paths to scan, a
//! bundle to pack) is listed here, under one explicitly chosen symbolic-link rule.

use std::fs::Metadata;
use std::path::{Path, PathBuf};

use crate::{FileKind, FsError, Op, Reason};

/// What to do with a symbolic link met inside the tree. The root itself is always followed:
/// the user named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symlinks {
    /// A link inside the tree is an error ([`Reason::SymlinkRefused`]).
    Refuse,
    /// A link must resolve inside the root ([`Reason::SymlinkEscapes`] otherwise, or
    /// [`Reason::BrokenSymlink`]); a link to a file is listed with `via_symlink`, a link to a
    /// directory is not descended (its target is inside the root and listed there). That only
    /// holds when nothing at or below the target is left out by `ignore`: such a directory
    /// link is [`Reason::SymlinkIntoIgnored`] (a link to a file in an ignored directory is
    /// fine: the file is listed, and so read, under the link's name).
    Confine,
    /// Links inside the tree are skipped without error.
    FollowTop,
    /// Links are read through, as a loader follows them. A link to a file is listed under the
    /// link's name (`via_symlink`) wherever the file is (a Hugging Face cache snapshot is all
    /// links into `../../blobs`). A link to a directory inside the root is descended under the
    /// link's name (`code -> .git/custom`, an ignored directory, is listed as `code/...`); one
    /// to a directory outside the root is an error ([`Reason::SymlinkEscapes`]), since
    /// `l -> /` would list the whole machine. Each directory is listed once, so loops
    /// (`l -> .`) and many ways into one directory cost nothing; real directories are listed
    /// before any link into them is followed, so a directory keeps its own name. A link to
    /// nothing (or a loop of links) is skipped. The same file may still be listed under
    /// several names: compare [`identity`] to read it once.
    Follow,
}

/// What to do with a FIFO, socket or device inside the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialFiles {
    /// A special file is an error ([`Reason::NotRegular`]).
    Refuse,
    /// Special files are left out of the listing without error.
    Skip,
}

/// How to list a tree.
#[derive(Debug, Clone)]
pub struct Walker {
    /// What to do with symbolic links below the root.
    pub symlinks: Symlinks,
    /// What to do with FIFOs, sockets and devices below the root.
    pub special_files: SpecialFiles,
    /// Deepest directory level listed; deeper is an error ([`Reason::TooDeep`]).
    pub max_depth: usize,
    /// Root-relative POSIX paths left out with everything below them (whole components:
    /// `.git` leaves out `.git/config`, not `.gitkeep`).
    pub ignore: Vec<String>,
    /// Directory names left out wherever they appear below the root.
    pub skip_dir_names: Vec<String>,
    /// Names that are not valid UTF-8 are an error instead of being listed lossily.
    pub require_utf8: bool,
}

impl Default for Walker {
    fn default() -> Self {
        Walker {
            symlinks: Symlinks::Refuse,
            special_files: SpecialFiles::Refuse,
            max_depth: 256,
            ignore: Vec::new(),
            skip_dir_names: Vec::new(),
            require_utf8: true,
        }
    }
}

/// One regular file found by a [`Walker`].
#[derive(Debug, Clone)]
pub struct Entry {
    /// POSIX path relative to the root; `"."` when the root is a file.
    pub name: String,
    /// Where to read it (for an allowed link: the link, which the OS follows).
    pub path: PathBuf,
    /// Of the file itself (a link's target).
    pub meta: Metadata,
    /// Reached through a symbolic link.
    pub via_symlink: bool,
}

/// The regular files of a tree, ordered by path components.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The root as the caller gave it.
    pub root: PathBuf,
    /// Whether the root is a file rather than a directory.
    pub is_single_file: bool,
    /// The regular files found, ordered by path components.
    pub entries: Vec<Entry>,
}

impl Walker {
    /// Lists the regular files at or below `root`.
    pub fn walk(&self, root: &Path) -> Result<Walk, FsError> {
        let root_meta = crate::metadata(root)?;
        if root_meta.is_file() {
            return Ok(single_file(root, root_meta));
        }
        if !root_meta.is_dir() {
            return Err(FsError::new(
                Op::Open,
                root,
                Reason::NotRegular(FileKind::of(root_meta.file_type())),
            ));
        }
        let canonical_root = match self.symlinks {
            Symlinks::Confine | Symlinks::Follow => Some(crate::canonicalize(root)?),
            Symlinks::Refuse | Symlinks::FollowTop => None,
        };
        let ignored: Vec<Vec<&str>> = self.ignore.iter().map(|p| components(p)).collect();
        let mut entries = Vec::new();
        let mut pending = vec![(root.to_path_buf(), Vec::<String>::new())];
        // Under `Symlinks::Follow`: the directories listed so far, and the links to
        // directories met, followed once the real tree is listed.
        let mut visited = std::collections::HashSet::new();
        first_visit(&mut visited, &root_meta);
        let mut linked_dirs: Vec<(PathBuf, Vec<String>)> = Vec::new();
        loop {
            let Some((dir, prefix)) = pending.pop() else {
                match next_linked_dir(&mut linked_dirs, &mut visited) {
                    Some(next) => {
                        pending.push(next);
                        continue;
                    }
                    None => break,
                }
            };
            if prefix.len() > self.max_depth {
                return Err(FsError::new(
                    Op::List,
                    dir,
                    Reason::TooDeep {
                        max: self.max_depth,
                    },
                ));
            }
            let listing = std::fs::read_dir(&dir).map_err(FsError::with(Op::List, &dir))?;
            for entry in listing {
                let entry = entry.map_err(FsError::with(Op::List, &dir))?;
                let path = entry.path();
                let mut rel = prefix.clone();
                rel.push(self.entry_name(&entry, &path)?);
                if is_ignored(&rel, &ignored) {
                    continue;
                }
                let file_type = entry
                    .file_type()
                    .map_err(FsError::with(Op::Inspect, &path))?;
                let skipped_name = self.skip_dir_names.iter().any(|s| Some(s) == rel.last());
                if file_type.is_dir() {
                    let first_visit = self.symlinks != Symlinks::Follow
                        || entry
                            .metadata()
                            .is_ok_and(|m| first_visit(&mut visited, &m));
                    if !skipped_name && first_visit {
                        pending.push((path, rel));
                    }
                    continue;
                }
                if self.symlinks == Symlinks::Follow && file_type.is_symlink() {
                    match self.follow(&path, canonical_root.as_deref())? {
                        Followed::Directory if !skipped_name => linked_dirs.push((path, rel)),
                        Followed::Directory | Followed::Nothing => {}
                        Followed::File(meta) => entries.push(Entry {
                            name: rel.join("/"),
                            path,
                            meta,
                            via_symlink: true,
                        }),
                    }
                    continue;
                }
                let Some(meta) = self.admit(&entry, &path, canonical_root.as_deref(), &ignored)?
                else {
                    continue;
                };
                entries.push(Entry {
                    name: rel.join("/"),
                    path,
                    meta,
                    via_symlink: file_type.is_symlink(),
                });
            }
        }
        entries.sort_by(|a, b| components(&a.name).cmp(&components(&b.name)));
        Ok(Walk {
            root: root.to_path_buf(),
            is_single_file: false,
            entries,
        })
    }
}

/// The walk of a root that is a file.
fn single_file(root: &Path, meta: Metadata) -> Walk {
    let via_symlink = std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink());
    Walk {
        root: root.to_path_buf(),
        is_single_file: true,
        entries: vec![Entry {
            name: ".".to_owned(),
            path: root.to_path_buf(),
            meta,
            via_symlink,
        }],
    }
}

/// Where a link leads under [`Symlinks::Follow`].
enum Followed {
    Directory,
    File(Metadata),
    /// Nowhere (a link to nothing, a loop of links) or to a special file that is skipped.
    Nothing,
}

impl Walker {
    /// The entry's name: lossy when it is not UTF-8, unless the walk requires UTF-8 names.
    fn entry_name(&self, entry: &std::fs::DirEntry, path: &Path) -> Result<String, FsError> {
        match entry.file_name().into_string() {
            Ok(name) => Ok(name),
            Err(_) if self.require_utf8 => Err(FsError::new(Op::List, path, Reason::NonUtf8Name)),
            Err(raw) => Ok(raw.to_string_lossy().into_owned()),
        }
    }

    /// What the link at `path` leads to, under the special-file rule.
    fn follow(&self, path: &Path, canonical_root: Option<&Path>) -> Result<Followed, FsError> {
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(Followed::Nothing);
        };
        if meta.is_dir() {
            if let Some(root) = canonical_root {
                confined_target(path, root)?;
            }
            Ok(Followed::Directory)
        } else if meta.is_file() {
            Ok(Followed::File(meta))
        } else if self.special_files == SpecialFiles::Refuse {
            Err(FsError::new(
                Op::Open,
                path,
                Reason::NotRegular(FileKind::of(meta.file_type())),
            ))
        } else {
            Ok(Followed::Nothing)
        }
    }

    /// The metadata of a non-directory entry to list, or `None` to leave it out, under the
    /// symlink and special-file rules.
    fn admit(
        &self,
        entry: &std::fs::DirEntry,
        path: &Path,
        canonical_root: Option<&Path>,
        ignored: &[Vec<&str>],
    ) -> Result<Option<Metadata>, FsError> {
        let file_type = entry
            .file_type()
            .map_err(FsError::with(Op::Inspect, path))?;
        let meta = if file_type.is_symlink() {
            match (self.symlinks, canonical_root) {
                (Symlinks::FollowTop, _) => return Ok(None),
                (Symlinks::Confine, Some(root)) => {
                    let (target, meta) = confined_target(path, root)?;
                    if meta.is_dir() {
                        refuse_link_into_ignored(path, &target, root, ignored)?;
                        return Ok(None);
                    }
                    meta
                }
                _ => return Err(FsError::new(Op::Open, path, Reason::SymlinkRefused)),
            }
        } else {
            entry.metadata().map_err(FsError::with(Op::Inspect, path))?
        };
        if meta.is_file() {
            return Ok(Some(meta));
        }
        match self.special_files {
            SpecialFiles::Skip => Ok(None),
            SpecialFiles::Refuse => Err(FsError::new(
                Op::Open,
                path,
                Reason::NotRegular(FileKind::of(meta.file_type())),
            )),
        }
    }
}

/// The next link to a directory to descend (in name order), skipping directories already
/// listed.
fn next_linked_dir(
    linked_dirs: &mut Vec<(PathBuf, Vec<String>)>,
    visited: &mut std::collections::HashSet<(u64, u64)>,
) -> Option<(PathBuf, Vec<String>)> {
    linked_dirs.sort_by(|a, b| b.1.cmp(&a.1));
    while let Some((path, rel)) = linked_dirs.pop() {
        if crate::metadata(&path).is_ok_and(|m| first_visit(visited, &m)) {
            return Some((path, rel));
        }
    }
    None
}

/// Whether the directory `meta` describes is listed for the first time. Without inodes every
/// visit is a first one, and `max_depth` bounds a loop.
fn first_visit(visited: &mut std::collections::HashSet<(u64, u64)>, meta: &Metadata) -> bool {
    identity(meta).is_none_or(|id| visited.insert(id))
}

/// A directory link is not descended because its target is listed where it lies; if the
/// target is inside an ignored path, or an ignored path lies below it, files reachable through
/// the link (`custom_code/x -> .git/custom/x`) would be listed nowhere.
fn refuse_link_into_ignored(
    link: &Path,
    target: &Path,
    root: &Path,
    ignored: &[Vec<&str>],
) -> Result<(), FsError> {
    let Ok(relative) = target.strip_prefix(root) else {
        return Ok(()); // confined_target already refused a target outside the root
    };
    let Some(relative) = relative.to_str() else {
        return Err(FsError::new(Op::Open, link, Reason::NonUtf8Name));
    };
    let target_components = components(relative);
    let overlaps = ignored
        .iter()
        .any(|ig| !ig.is_empty() && ig.iter().zip(&target_components).all(|(a, b)| a == b));
    if overlaps {
        return Err(FsError::new(
            Op::Open,
            link,
            Reason::SymlinkIntoIgnored {
                target: if relative.is_empty() {
                    ".".to_owned()
                } else {
                    relative.to_owned()
                },
            },
        ));
    }
    Ok(())
}

/// The canonical path and metadata of what the link at `path` points to, which must be
/// inside `root`.
fn confined_target(path: &Path, root: &Path) -> Result<(PathBuf, Metadata), FsError> {
    let target = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FsError::new(Op::Open, path, Reason::BrokenSymlink),
        _ => FsError::io(Op::Resolve, path, e),
    })?;
    if !target.starts_with(root) {
        return Err(FsError::new(
            Op::Open,
            path,
            Reason::SymlinkEscapes {
                root: root.to_path_buf(),
            },
        ));
    }
    Ok((target, crate::metadata(path)?))
}

/// Device and inode (Unix): a reader can check it reads the very file that was listed.
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // None on platforms without inodes
pub fn identity(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// Device and inode (none on this platform).
#[cfg(not(unix))]
pub fn identity(_meta: &Metadata) -> Option<(u64, u64)> {
    None
}

/// Splits a POSIX relative path into its components, the order `model_signing` sorts by
/// (`sub/x` sorts before `sub.txt` because `sub` < `sub.txt`).
pub fn components(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

fn is_ignored(rel: &[String], ignored: &[Vec<&str>]) -> bool {
    ignored.iter().any(|ig| {
        !ig.is_empty() && rel.len() >= ig.len() && rel.iter().zip(ig).all(|(a, b)| a == b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(walk: &Walk) -> Vec<&str> {
        walk.entries.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn component_order_puts_directories_before_dotted_siblings() {
        let mut names = ["sub.txt", "sub/tokenizer.txt", "a.txt", "weights.bin"];
        names.sort_by(|a, b| components(a).cmp(&components(b)));
        assert_eq!(
            names,
            ["a.txt", "sub/tokenizer.txt", "sub.txt", "weights.bin"]
        );
    }

    #[test]
    fn ignore_matches_whole_components_only() {
        let ignored = vec![components(".git")];
        let rel = |s: &str| s.split('/').map(str::to_owned).collect::<Vec<_>>();
        assert!(is_ignored(&rel(".git"), &ignored));
        assert!(is_ignored(&rel(".git/config"), &ignored));
        assert!(!is_ignored(&rel(".gitkeep"), &ignored));
        assert!(!is_ignored(&rel("sub/.git"), &ignored));
    }

    #[cfg(unix)]
    #[test]
    fn each_symlink_rule_does_what_it_says() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        std::fs::create_dir_all(root.join("sub/.git")).unwrap();
        std::fs::write(root.join("sub/w.bin"), b"w").unwrap();
        std::fs::write(root.join("sub/.git/x"), b"x").unwrap();
        std::fs::write(dir.path().join("outside"), b"o").unwrap();
        std::os::unix::fs::symlink("sub/w.bin", root.join("inside-link")).unwrap();
        let walker = Walker::default();
        assert!(matches!(
            walker.walk(&root).unwrap_err().reason,
            Reason::SymlinkRefused
        ));
        let confine = Walker {
            symlinks: Symlinks::Confine,
            ..Walker::default()
        };
        let walk = confine.walk(&root).unwrap();
        assert_eq!(names(&walk), ["inside-link", "sub/.git/x", "sub/w.bin"]);
        assert!(walk.entries[0].via_symlink);
        let skip = Walker {
            symlinks: Symlinks::FollowTop,
            skip_dir_names: vec![".git".to_owned()],
            ..Walker::default()
        };
        assert_eq!(names(&skip.walk(&root).unwrap()), ["sub/w.bin"]);
        std::os::unix::fs::symlink("../outside", root.join("escape")).unwrap();
        assert!(matches!(
            confine.walk(&root).unwrap_err().reason,
            Reason::SymlinkEscapes { .. }
        ));
    }

    /// `Symlinks::Follow` reads through links as a loader does: files and directories under
    /// the link's name, loops and second ways into a directory listed once, real directories
    /// under their own names, links to nothing skipped.
    #[cfg(unix)]
    #[test]
    fn follow_lists_through_links_once_and_survives_loops() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(root.join("real/w.bin"), b"w").unwrap();
        std::fs::write(dir.path().join("outside/o.bin"), b"o").unwrap();
        symlink("real", root.join("a-link-to-real")).unwrap();
        symlink("../outside/o.bin", root.join("out.bin")).unwrap();
        symlink("real/w.bin", root.join("alias.bin")).unwrap();
        symlink(".", root.join("loop")).unwrap();
        symlink("..", root.join("real/up")).unwrap();
        symlink("nowhere", root.join("dangling")).unwrap();
        symlink("self", root.join("self")).unwrap();
        let follow = Walker {
            symlinks: Symlinks::Follow,
            ..Walker::default()
        };
        let walk = follow.walk(&root).unwrap();
        assert_eq!(names(&walk), ["alias.bin", "out.bin", "real/w.bin"]);
        assert!(walk.entries[0].via_symlink && !walk.entries[2].via_symlink);
        let ids: Vec<_> = walk.entries.iter().map(|e| identity(&e.meta)).collect();
        assert_eq!(ids[0], ids[2], "the alias is the same file");
        // A directory the walk would skip is read through a link to it, under the link's name.
        std::fs::create_dir_all(root.join(".git/custom")).unwrap();
        std::fs::write(root.join(".git/custom/evil.pkl"), b"e").unwrap();
        symlink(".git/custom", root.join("custom_code")).unwrap();
        let skip_git = Walker {
            skip_dir_names: vec![".git".to_owned()],
            ..follow.clone()
        };
        let walk = skip_git.walk(&root).unwrap();
        assert_eq!(
            names(&walk),
            ["alias.bin", "custom_code/evil.pkl", "out.bin", "real/w.bin"]
        );
        // A link to a directory outside the root is refused: `l -> /` would list the machine.
        symlink("../outside", root.join("out")).unwrap();
        assert!(matches!(
            follow.walk(&root).unwrap_err().reason,
            Reason::SymlinkEscapes { .. }
        ));
    }

    /// Issue 11 item 1: `m/custom_code -> .git/custom` exposed an ignored, unhashed directory
    /// under an innocent name.
    #[cfg(unix)]
    #[test]
    fn a_directory_link_into_an_ignored_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        std::fs::create_dir_all(root.join(".git/custom")).unwrap();
        std::fs::create_dir_all(root.join("sub/cache")).unwrap();
        std::fs::write(root.join(".git/custom/pytorch_model.bin"), b"evil").unwrap();
        std::fs::write(root.join("config.json"), b"{}").unwrap();
        let confine = |ignore: &[&str]| Walker {
            symlinks: Symlinks::Confine,
            ignore: ignore.iter().map(|s| (*s).to_owned()).collect(),
            ..Walker::default()
        };
        std::os::unix::fs::symlink(".git/custom", root.join("custom_code")).unwrap();
        let refused = confine(&[".git"]).walk(&root).unwrap_err();
        assert!(
            matches!(&refused.reason, Reason::SymlinkIntoIgnored { target } if target == ".git/custom"),
            "{refused}"
        );
        assert!(refused.path.ends_with("custom_code"));
        // Not ignored: the target is listed where it lies, the link is not descended.
        assert_eq!(
            names(&confine(&[]).walk(&root).unwrap()),
            [".git/custom/pytorch_model.bin", "config.json"]
        );
        std::fs::remove_file(root.join("custom_code")).unwrap();
        // A link to a directory that holds an ignored path exposes it too.
        std::os::unix::fs::symlink("sub", root.join("alias")).unwrap();
        assert!(matches!(
            confine(&["sub/cache"]).walk(&root).unwrap_err().reason,
            Reason::SymlinkIntoIgnored { .. }
        ));
        assert!(confine(&[".git"]).walk(&root).is_ok());
        // A link to a file inside an ignored directory is listed (and read) under its name.
        std::os::unix::fs::symlink(".git/custom/pytorch_model.bin", root.join("w.bin")).unwrap();
        let walk = confine(&[".git"]).walk(&root).unwrap();
        assert_eq!(names(&walk), ["config.json", "w.bin"]);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_and_depth() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("a/b/c/f"), b"").unwrap();
        let shallow = Walker {
            max_depth: 2,
            ..Walker::default()
        };
        assert!(matches!(
            shallow.walk(root).unwrap_err().reason,
            Reason::TooDeep { max: 2 }
        ));
        assert!(
            std::process::Command::new("mkfifo")
                .arg(root.join("fifo"))
                .status()
                .unwrap()
                .success()
        );
        assert!(matches!(
            Walker::default().walk(root).unwrap_err().reason,
            Reason::NotRegular(FileKind::Fifo)
        ));
        let skip = Walker {
            special_files: SpecialFiles::Skip,
            ..Walker::default()
        };
        assert_eq!(names(&skip.walk(root).unwrap()), ["a/b/c/f"]);
        let single = Walker::default().walk(&root.join("a/b/c/f")).unwrap();
        assert!(single.is_single_file);
        assert_eq!(names(&single), ["."]);
    }
}
