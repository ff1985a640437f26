//! Output: data to stdout, notes to stderr; colour only on a terminal and never with
//! `NO_COLOR`. A closed pipe (`modelseal verify … | head`) is not an error; any other failure
//! to write stdout (a full disk, `> /dev/full`, stdout closed with `>&-`) is, and ends the
//! command with exit 74. JSON and SARIF are written with hidden characters escaped
//! (`modelseal_report::json`), so `cat report.json` cannot run a name's escape sequence.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::exit::Failure;

/// The format a command's failure is reported in on stdout: the `--format` it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    /// Nothing on stdout; the message on stderr.
    Text,
    /// One error object (docs/schemas/error.schema.json).
    Json,
    /// A SARIF 2.1.0 log with a failed invocation.
    Sarif,
}

/// `{"error": {"kind", "message", "path"}, "exit_code"}`: the message escaped as text output
/// shows it (one line), the path in its lossless JSON spelling (`\xff` for a byte that is not
/// UTF-8).
pub fn error_object(failure: &Failure) -> serde_json::Value {
    serde_json::json!({
        "error": {
            "kind": failure.kind().as_str(),
            "message": modelseal_report::name::one_line(&failure.message),
            "path": failure.path.as_deref().map(|p| modelseal_report::name::json(p.as_os_str())),
        },
        "exit_code": failure.exit.code(),
    })
}

pub struct Out {
    colour: bool,
    quiet: bool,
    /// Data is buffered (a report of many lines is one write, not one per line) and flushed
    /// before anything goes to stderr, and at the end.
    stdout: std::cell::RefCell<std::io::BufWriter<std::io::Stdout>>,
    /// The first failure to write stdout, other than a closed pipe.
    failed: std::cell::RefCell<Option<std::io::Error>>,
    /// The reader closed the pipe: what was written since went nowhere, quietly.
    pipe_closed: std::cell::Cell<bool>,
    /// Data was written to stdout (or was to be).
    wrote: std::cell::Cell<bool>,
    /// stdout was closed when modelseal started (`>&-`): Rust's runtime then puts /dev/null
    /// there, so every write "succeeds" and the output is lost (red team 4-A).
    closed_at_start: bool,
    /// A product (a signature on `--signature -`) was written to a stdout closed at start:
    /// the command fails with exit 74 (see [`Out::delivered`]).
    product_lost: std::cell::Cell<bool>,
    /// The JSON document of the command, held until the command ends: a failure after it was
    /// built (an audit log that cannot be written) replaces it with the error object, so
    /// stdout always holds exactly one JSON document.
    pending: std::cell::RefCell<Option<Vec<u8>>>,
}

impl Drop for Out {
    fn drop(&mut self) {
        self.write_pending();
        self.flush();
    }
}

// Every output goes through `Out` so that a later flag (e.g. a log file) changes one place.
#[allow(clippy::unused_self)]
impl Out {
    pub fn new(quiet: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Out {
            colour: !no_color && std::io::stdout().is_terminal(),
            quiet,
            stdout: std::cell::RefCell::new(std::io::BufWriter::new(std::io::stdout())),
            failed: std::cell::RefCell::new(None),
            pipe_closed: std::cell::Cell::new(false),
            wrote: std::cell::Cell::new(false),
            closed_at_start: stdout_closed_at_start(),
            product_lost: std::cell::Cell::new(false),
            pending: std::cell::RefCell::new(None),
        }
    }

    /// Remembers the first real write failure; a closed pipe means the reader has all it
    /// wanted.
    fn check(&self, result: std::io::Result<()>) {
        match result {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => self.pipe_closed.set(true),
            Err(e) => {
                self.failed.borrow_mut().get_or_insert(e);
            }
        }
    }

    /// Whether everything written to stdout so far reached its reader (after a flush): false
    /// after a closed pipe or any other failure. A command whose stdout *is* its product
    /// (`sign --signature -`) asks this before it says it succeeded.
    pub fn delivered(&self) -> bool {
        self.flush();
        if self.closed_at_start && self.wrote.get() {
            self.product_lost.set(true);
        }
        !self.pipe_closed.get() && self.failed.borrow().is_none() && !self.product_lost.get()
    }

    /// Writes out buffered data (before stderr output, so the two stay in order).
    pub fn flush(&self) {
        let result = self.stdout.borrow_mut().flush();
        self.check(result);
    }

    /// Flushes stdout and says whether everything written to it arrived (a closed pipe
    /// counts as arrived).
    pub fn finish(&self) -> Result<(), std::io::Error> {
        self.write_pending();
        self.flush();
        if let Some(e) = self.failed.borrow_mut().take() {
            return Err(e);
        }
        // A report written to a read-write /dev/null is not an error: Python's
        // `subprocess.DEVNULL` looks exactly like a stdout closed at start (`>&-`), and
        // dropping a report is the reader's choice. A product on stdout asked `delivered`.
        if self.product_lost.take() {
            return Err(std::io::Error::other(
                "stdout is closed (it was closed when modelseal started)",
            ));
        }
        Ok(())
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// A line of data on stdout.
    pub fn line(&self, text: &str) {
        self.wrote.set(true);
        let result = writeln!(self.stdout.borrow_mut(), "{text}");
        self.check(result);
    }

    /// Text on stdout exactly as given (it carries its own newlines).
    pub fn text(&self, text: &str) {
        self.wrote.set(!text.is_empty() || self.wrote.get());
        let result = self.stdout.borrow_mut().write_all(text.as_bytes());
        self.check(result);
    }

    /// Bytes on stdout exactly as given (a signature bundle for `--signature -`).
    pub fn bytes(&self, bytes: &[u8]) {
        self.wrote.set(!bytes.is_empty() || self.wrote.get());
        let result = self.stdout.borrow_mut().write_all(bytes);
        self.check(result);
    }

    /// A note on stderr, dropped with `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            self.flush();
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    /// A warning on stderr, shown even with `--quiet` (it says the result is incomplete).
    /// One line, whatever names it quotes.
    pub fn warn(&self, text: &str) {
        self.flush();
        let text = modelseal_report::name::one_line(text);
        let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
    }

    /// A JSON document on stdout, written when the command ends (see `pending`).
    pub fn json(&self, value: &impl Serialize) {
        self.write_pending();
        // Hidden characters (DEL, C1, bidi, U+2028) as `\uXXXX`: the same value once parsed,
        // but never raw bytes a terminal would act on (red team 5-A).
        match modelseal_report::json::to_vec_pretty(value) {
            Ok(mut document) => {
                document.push(b'\n');
                *self.pending.borrow_mut() = Some(document);
            }
            Err(e) => self.check(Err(std::io::Error::from(e))),
        }
    }

    fn write_pending(&self) {
        if let Some(document) = self.pending.borrow_mut().take() {
            self.wrote.set(true);
            let result = self.stdout.borrow_mut().write_all(&document);
            self.check(result);
        }
    }

    /// A failure as the format asked for says it: under `--format json` one error object on
    /// stdout (in place of any report built before the failure), under `--format sarif` a
    /// SARIF log whose invocation failed. The message goes to stderr by [`error`].
    pub fn failure(&self, failure: &Failure, format: ErrorFormat) {
        self.pending.borrow_mut().take();
        match format {
            ErrorFormat::Text => {}
            ErrorFormat::Json => self.json(&error_object(failure)),
            ErrorFormat::Sarif => {
                let message = modelseal_report::name::one_line(&failure.message);
                self.json(&modelseal_report::sarif::Log::failed(
                    env!("CARGO_PKG_VERSION"),
                    failure.kind().as_str(),
                    &message,
                    failure.path.as_deref(),
                ));
            }
        }
        self.write_pending();
    }

    /// JSON when asked, otherwise one human line.
    pub fn json_or_line(&self, value: &impl Serialize, text: &str, json: bool) {
        if json {
            self.json(value);
        } else {
            self.line(text);
        }
    }

    pub fn pass(&self, text: &str) -> String {
        self.paint("32", &format!("✓ {text}"))
    }

    pub fn fail(&self, text: &str) -> String {
        self.paint("31", &format!("✗ {text}"))
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// Whether stdout was closed when the process started. Rust's runtime reopens a closed
/// standard descriptor on /dev/null, read-write (a shell's `> /dev/null` is write-only), so
/// that is the trace it leaves; writes there succeed and would lose the output unseen.
#[cfg(unix)]
fn stdout_closed_at_start() -> bool {
    let stdout = std::io::stdout();
    let Ok(flags) = rustix::fs::fcntl_getfl(&stdout) else {
        return true;
    };
    if !flags.contains(rustix::fs::OFlags::RDWR) {
        return false;
    }
    let (Ok(ours), Ok(null)) = (rustix::fs::fstat(&stdout), rustix::fs::stat("/dev/null")) else {
        return false;
    };
    rustix::fs::FileType::from_raw_mode(ours.st_mode) == rustix::fs::FileType::CharacterDevice
        && ours.st_rdev == null.st_rdev
}

#[cfg(not(unix))]
fn stdout_closed_at_start() -> bool {
    false
}

/// A name from the model (or from a file anyone can edit), made safe to print: a file name may
/// hold newlines, terminal escape sequences, bytes that are not UTF-8 or an NFD spelling that
/// would forge, erase or disguise report lines, so such names are shown quoted with escapes.
/// Every name the CLI prints goes through here or [`path`], which share one escaping function
/// (`modelseal_report::name`, documented in docs/check.md).
pub fn name(raw: &str) -> std::borrow::Cow<'_, str> {
    modelseal_report::name::text_str(raw)
}

/// A path, made safe to print as [`name`] does, from its bytes (not a lossy copy).
pub fn path(path: &std::path::Path) -> std::borrow::Cow<'_, str> {
    modelseal_report::name::path(path)
}

/// A file-system failure as a message, its path escaped.
pub fn fs_error(e: &modelseal_fs::FsError) -> String {
    format!("cannot {} {}: {}", e.op, path(&e.path), e.reason)
}

/// Error messages go to stderr whatever `--quiet` says, as one line: a library's message may
/// quote a name from a model (`s/x\n✓ fake: signed is neither a regular file…`), and a
/// newline in it must not start a line of its own.
pub fn error(message: &str) {
    let message = modelseal_report::name::one_line(message);
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
}

/// A one-line hint on stderr for the person at the terminal (never data, never under a pipe's
/// control: callers decide it is a terminal).
pub fn hint(message: &str) {
    let message = modelseal_report::name::one_line(message);
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// `3000000` → `2.9 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)]
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostile_names_are_escaped() {
        assert_eq!(super::name("ok.bin"), "ok.bin");
        assert_eq!(
            super::name("evil\n  root digest\u{1b}[2J"),
            "\"evil\\n  root digest\\u{1b}[2J\""
        );
    }

    /// Bytes that are not UTF-8 are spelled out, never merged into `�` (issue 11, item 6).
    #[cfg(unix)]
    #[test]
    fn paths_keep_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(b"m\xff/e.pkl"));
        assert_eq!(super::path(path), "\"m\\xff/e.pkl\"");
    }

    #[test]
    fn sizes_are_readable() {
        assert_eq!(super::bytes(12), "12 B");
        assert_eq!(super::bytes(3_000_000), "2.9 MiB");
        assert_eq!(super::bytes(4 << 30), "4.0 GiB");
    }
}
