//! One error for every file-system failure: what was being done, to which path, and why.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The operation that failed, as a verb for the message (`cannot read x: ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Opening a file.
    Open,
    /// Reading a file's contents.
    Read,
    /// Writing a file's contents.
    Write,
    /// Creating a file or directory.
    Create,
    /// Renaming or moving a path.
    Rename,
    /// Removing a file or tree.
    Remove,
    /// Copying a file.
    Copy,
    /// Listing a directory.
    List,
    /// Reading a path's metadata.
    Inspect,
    /// Flushing a file or directory to disk.
    Sync,
    /// Resolving a path (canonicalizing, reading a link, confining it to a root).
    Resolve,
}

impl Op {
    /// Whether the operation produces output (as opposed to reading an input).
    pub fn is_output(self) -> bool {
        matches!(
            self,
            Op::Write | Op::Create | Op::Rename | Op::Remove | Op::Copy | Op::Sync
        )
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Open => "open",
            Op::Read => "read",
            Op::Write => "write",
            Op::Create => "create",
            Op::Rename => "rename",
            Op::Remove => "remove",
            Op::Copy => "copy",
            Op::List => "list",
            Op::Inspect => "inspect",
            Op::Sync => "sync",
            Op::Resolve => "resolve",
        })
    }
}

/// What a path turned out to be when a regular file was wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe, which could block a reader forever.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A character device such as `/dev/zero`, which could be read without end.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A symbolic link, where links are not followed.
    Symlink,
    /// Anything else that is not a regular file.
    Other,
}

impl FileKind {
    /// The kind of a non-regular file.
    pub fn of(file_type: std::fs::FileType) -> FileKind {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return FileKind::Fifo;
            }
            if file_type.is_socket() {
                return FileKind::Socket;
            }
            if file_type.is_char_device() {
                return FileKind::CharDevice;
            }
            if file_type.is_block_device() {
                return FileKind::BlockDevice;
            }
        }
        if file_type.is_dir() {
            FileKind::Directory
        } else if file_type.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Other
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Symlink => "a symbolic link",
            FileKind::Other => "a special file",
        })
    }
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Reason {
    /// The path does not exist.
    #[error("not found")]
    NotFound,
    /// The path exists but is not a regular file (what it is instead).
    #[error("it is {0}, not a regular file")]
    NotRegular(FileKind),
    /// The file is larger than the caller's bound, so it was not read to the end.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The bound in bytes.
        limit: u64,
    },
    /// The destination exists and the caller refused to replace it.
    #[error("it already exists")]
    AlreadyExists,
    /// An output that is a FIFO nobody is reading: writing it would block until someone does.
    #[error("it is a FIFO with no reader (start the reader first)")]
    NoReader,
    /// A symbolic link where the caller refuses links.
    #[error("it is a symbolic link, and links are refused here")]
    SymlinkRefused,
    /// A symbolic link whose target resolves outside the root it must stay in.
    #[error("it is a symbolic link whose target leaves {}", modelseal_report::name::path(.root))]
    SymlinkEscapes {
        /// The root the link had to stay inside.
        root: PathBuf,
    },
    /// A symbolic link whose target does not exist.
    #[error("it is a symbolic link to nothing")]
    BrokenSymlink,
    /// A directory link whose target is (or holds) a path the walk leaves out: the files it
    /// exposes under its own name would not be listed anywhere.
    #[error(
        "it is a symbolic link to {}, which is (or holds) a path left out of the walk",
        modelseal_report::name::text_str(target)
    )]
    SymlinkIntoIgnored {
        /// The link's target, relative to the walk's root (`.` for the root itself).
        target: String,
    },
    /// A file name that is not valid UTF-8 where the caller needs UTF-8 names.
    #[error("its name is not valid UTF-8")]
    NonUtf8Name,
    /// A relative path that resolves outside the root it must stay inside (`..`, an absolute path).
    #[error("the path leaves {}", modelseal_report::name::path(.root))]
    Escapes {
        /// The root the path had to stay inside.
        root: PathBuf,
    },
    /// A directory tree nested deeper than the walker's limit.
    #[error("it is nested more than {max} directories deep")]
    TooDeep {
        /// The deepest level allowed.
        max: usize,
    },
    /// The contents were read as text but are not valid UTF-8.
    #[error("it is not valid UTF-8")]
    NotUtf8,
    /// A cross-file-system move whose copy did not read back identical to the original.
    #[error("the copy differs from the original at {differing}; the original was left in place")]
    CopyMismatch {
        /// Where the copy and the original first differ.
        differing: String,
    },
    /// Any other refusal by the operating system.
    #[error(transparent)]
    Io(io::Error),
}

/// A file-system failure: `cannot <op> <path>: <reason>`.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {}: {reason}", modelseal_report::name::path(path))]
pub struct FsError {
    /// What was being done.
    pub op: Op,
    /// The path it was done to.
    pub path: PathBuf,
    /// Why it failed.
    #[source]
    pub reason: Reason,
}

impl FsError {
    /// An error of `op` on `path` for `reason`.
    pub fn new(op: Op, path: impl Into<PathBuf>, reason: Reason) -> Self {
        FsError {
            op,
            path: path.into(),
            reason,
        }
    }

    /// An I/O error of `op` on `path`; a missing file becomes [`Reason::NotFound`].
    pub fn io(op: Op, path: impl Into<PathBuf>, source: io::Error) -> Self {
        let reason = match source.kind() {
            io::ErrorKind::NotFound => Reason::NotFound,
            io::ErrorKind::AlreadyExists => Reason::AlreadyExists,
            _ => Reason::Io(source),
        };
        FsError::new(op, path, reason)
    }

    /// A closure for `map_err` that attaches `op` and `path` to an I/O error.
    pub fn with(op: Op, path: &Path) -> impl FnOnce(io::Error) -> FsError + '_ {
        move |source| FsError::io(op, path, source)
    }

    /// The path the failed operation concerned.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The input does not exist (exit 3 in the CLI's contract).
    pub fn is_not_found(&self) -> bool {
        matches!(self.reason, Reason::NotFound | Reason::BrokenSymlink)
    }

    /// The operating system failed (disk full, permission denied), as opposed to an input
    /// that is missing or not acceptable.
    pub fn is_io(&self) -> bool {
        matches!(self.reason, Reason::Io(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_operation_the_path_and_why() {
        let e = FsError::io(
            Op::Read,
            "/m/w.bin",
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(e.to_string(), "cannot read /m/w.bin: not found");
        assert!(e.is_not_found());
        let e = FsError::new(
            Op::Open,
            "/dev/zero",
            Reason::NotRegular(FileKind::CharDevice),
        );
        assert_eq!(
            e.to_string(),
            "cannot open /dev/zero: it is a character device, not a regular file"
        );
        assert!(!e.is_not_found() && !e.is_io());
    }
}
