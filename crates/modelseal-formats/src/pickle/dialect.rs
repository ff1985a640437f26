//! Which unpickler reads the stream, and how it gets its bytes: the two choices that change
//! what a pickle means. CPython has two unpicklers that disagree on argument syntax (the C one
//! behind `pickle.load`/`loads` and `torch.load`; the pure-Python `pickle._Unpickler` that
//! joblib subclasses), and the C one reads a file object differently from a bytes object.

/// The unpickler whose rules decode the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// CPython's C unpickler (`Modules/_pickle.c`): `pickle.load`, `pickle.loads`,
    /// `pickle.Unpickler`, `torch.load`, `numpy.load`. INT is read with C's `strtol` first
    /// (so `012` is octal 10 and `+1` is `True`), then `PyLong_FromString`; text arguments
    /// are NUL-terminated C strings; a FRAME is only a read-ahead hint.
    #[default]
    C,
    /// The pure-Python `pickle._Unpickler` (joblib's `NumpyUnpickler`): numbers are parsed
    /// by `int(text, 0)` and `float(text)` (PEP 515 underscores, surrounding whitespace), and
    /// its `_Unframer` enforces frame boundaries ("pickle exhausted before end of frame").
    Python,
}

/// How the C unpickler gets the bytes. The Python unpickler reads the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// `pickle.loads(data)`: one buffer, read contiguously.
    #[default]
    Bytes,
    /// `pickle.load(f)` on a file object without `peek`, such as the `io.BytesIO` that
    /// `torch.load` wraps around a zip archive's `data.pkl`: every read is a `read(n)` call.
    File,
    /// `pickle.load(f)` on a buffered file (`open(path, "rb")`, a `BufferedReader` whose
    /// buffer is the file system's block size, 4096 bytes on ext4 and most others): the
    /// unpickler peeks up to 128 KiB ahead and only consumes what it used.
    BufferedFile {
        /// The `BufferedReader`'s buffer size (`st_blksize` of the file).
        buffer_size: usize,
    },
}

impl Source {
    /// `open(path, "rb")` on the usual file systems (ext4, xfs, overlayfs, tmpfs).
    pub const OPEN: Source = Source::BufferedFile { buffer_size: 4096 };
}
