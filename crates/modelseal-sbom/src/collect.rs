//! What every collector shares: its error type (always naming the file, and the line where
//! there is one) and the choice between failing on a broken entry and skipping it with a
//! warning (`--best-effort`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Spanned;

use modelseal_bom::bom::{Component, Kind};

/// Why a source could not be collected into components.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The source does not exist.
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    /// The system refused a read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file does not parse as its format (TOML, JSON, METADATA, ...).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the error.
        line: usize,
        /// The 1-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The file parses but says something this collector cannot accept.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when the problem is on one.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A format version this build does not know (a lockfile from the future).
    #[error("{}: {message}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Which version or feature is not supported.
        message: String,
    },
    /// Nothing at this path is a source this crate can read.
    #[error("{}: {message}", path.display())]
    Unrecognized {
        /// The path given.
        path: PathBuf,
        /// What was found there instead.
        message: String,
    },
    /// The file could not be read as an input: a FIFO or device, larger than its bound, not
    /// UTF-8, or the system failed.
    #[error(transparent)]
    Fs(modelseal_fs::FsError),
}

/// A missing file stays [`CollectError::NotFound`] (exit 3 in the CLI); every other refusal
/// of an input (not a regular file, too large) is carried whole.
impl From<modelseal_fs::FsError> for CollectError {
    fn from(error: modelseal_fs::FsError) -> CollectError {
        if error.is_not_found() {
            CollectError::NotFound(error.path)
        } else {
            CollectError::Fs(error)
        }
    }
}

/// The largest lockfile, manifest or requirements file read (bytes): the largest real
/// lockfiles (a monorepo's `package-lock.json`) are tens of MiB.
pub const MAX_LOCKFILE: u64 = 64 * 1024 * 1024;

/// The largest `METADATA`, `RECORD`, `pyvenv.cfg` or model card read (bytes).
pub const MAX_METADATA: u64 = 16 * 1024 * 1024;

impl CollectError {
    /// An I/O error on `path`, with a missing file told apart.
    pub fn io(path: &Path, source: std::io::Error) -> CollectError {
        if source.kind() == std::io::ErrorKind::NotFound {
            CollectError::NotFound(path.to_path_buf())
        } else {
            CollectError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    /// A JSON document that does not parse (`serde_json` knows the line and column).
    pub fn json(path: &Path, error: &serde_json::Error) -> CollectError {
        CollectError::Syntax {
            path: path.to_path_buf(),
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        }
    }

    /// A TOML document that does not parse or does not fit, at its position in `text` (the
    /// contents of `path`).
    pub fn toml(path: &Path, text: &str, error: &toml::de::Error) -> CollectError {
        let offset = error.span().map_or(0, |s| s.start);
        CollectError::syntax_at(path, text, offset, error.message())
    }

    /// Something in `path` this collector cannot accept, on `line` when it is known.
    pub fn invalid(path: &Path, line: Option<usize>, message: impl Into<String>) -> CollectError {
        CollectError::Invalid {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// A [`CollectError::Unsupported`] for `path`.
    pub fn unsupported(path: &Path, message: impl Into<String>) -> CollectError {
        CollectError::Unsupported {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// A format version (`what`, e.g. `uv.lock version`) `found` newer than the newest this
    /// build reads (`known`).
    pub fn from_the_future(
        path: &Path,
        what: &str,
        found: impl fmt::Display,
        known: impl fmt::Display,
    ) -> CollectError {
        CollectError::unsupported(
            path,
            format!(
                "{what} {found} is newer than this build reads (up to {known}): a lockfile from \
                 the future; update modelseal"
            ),
        )
    }

    /// A syntax error at byte `offset` of `text` (the contents of `path`).
    pub fn syntax_at(path: &Path, text: &str, offset: usize, message: impl fmt::Display) -> Self {
        let (line, column) = line_column(text, offset);
        CollectError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: message.to_string(),
        }
    }
}

/// 1-based line and column of byte `offset` in `text` (clamped to its end).
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Reads a whole lockfile or manifest (a regular file of at most [`MAX_LOCKFILE`] bytes, in
/// UTF-8), naming it in the error.
pub fn read_text(path: &Path) -> Result<String, CollectError> {
    Ok(modelseal_fs::read_to_string_limited(path, MAX_LOCKFILE)?)
}

/// `text` (the contents of `path`) as JSON.
pub fn parse_json<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, CollectError> {
    serde_json::from_str(text).map_err(|e| CollectError::json(path, &e))
}

/// `text` (the contents of `path`) as TOML.
pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, CollectError> {
    toml::from_str(text).map_err(|e| CollectError::toml(path, text, &e))
}

/// The `[[package]]` tables of a TOML lockfile (`text`, the contents of `path`) read as `T`
/// one by one, each with the line it starts on. An entry that does not fit is an error on its
/// line (best-effort mode skips it: see [`Diagnostics::keep`]).
pub fn toml_entries<'a, T: DeserializeOwned>(
    path: &'a Path,
    text: &'a str,
    tables: Vec<Spanned<toml::Table>>,
) -> impl Iterator<Item = Result<(T, usize), CollectError>> + 'a {
    // Lines are counted on from the previous table (tables come in file order), never from
    // the start again: that made a lockfile of n packages cost n² (red team F5).
    let mut counted = (0usize, 1usize);
    tables.into_iter().map(move |table| {
        let start = table.span().start.min(text.len());
        let (from, line_before) = if start >= counted.0 { counted } else { (0, 1) };
        let line = line_before
            + text
                .as_bytes()
                .get(from..start)
                .map_or(0, |b| b.split(|&c| c == b'\n').count() - 1);
        counted = (start, line);
        toml::Value::Table(table.into_inner())
            .try_into::<T>()
            .map(|entry| (entry, line))
            .map_err(|e| CollectError::invalid(path, Some(line), e.message()))
    })
}

/// The line of the JSON object key reached through `keys`, each searched for after the one
/// before: `serde_json` keeps no positions, and an error without a line is hard to act on.
pub fn json_key_line(text: &str, keys: &[&str]) -> Option<usize> {
    let mut offset = 0;
    for key in keys {
        let quoted = serde_json::to_string(key).ok()?;
        let rest = text.get(offset..)?;
        let found = rest.match_indices(&quoted).find_map(|(i, _)| {
            rest.get(i + quoted.len()..)
                .is_some_and(|after| after.trim_start().starts_with(':'))
                .then_some(i)
        })?;
        offset += found;
    }
    Some(line_column(text, offset).0)
}

/// Reads the manifest at `path` that sits beside a lockfile (`pyproject.toml`, `Cargo.toml`,
/// `package.json`) when there is one. One that `parse` rejects fails the collection, or in
/// best-effort mode is reported and treated as absent: the lockfile alone still says what is
/// locked.
pub fn read_manifest<T>(
    path: &Path,
    diagnostics: &mut Diagnostics,
    parse: impl FnOnce(&Path, &str) -> Result<T, CollectError>,
) -> Result<Option<T>, CollectError> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = read_text(path)?;
    diagnostics.keep(parse(path, &text))
}

/// The directory holding `file`, where relative paths in it start (`.` for a bare file name).
pub fn parent_dir(file: &Path) -> &Path {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The name of `dir`, made absolute first so that `.` names the project it is.
pub fn directory_name(dir: &Path) -> Option<String> {
    let absolute = dir.canonicalize().ok()?;
    Some(absolute.file_name()?.to_string_lossy().into_owned())
}

/// A locked library, identified by its purl: versioned when the lockfile pins a version (a
/// path dependency or an unpinned requirement may have none).
pub fn locked_library(purl: String, name: &str, version: Option<&str>) -> Component {
    let mut component = Component::new(purl.clone(), Kind::Library, name);
    component.version = version.map(str::to_owned);
    component.purl = Some(purl);
    component
}

/// Whether a broken entry fails the whole collection (the default) or is skipped and
/// reported (`--best-effort`, which yields a partial SBOM).
#[derive(Debug, Default)]
pub struct Diagnostics {
    best_effort: bool,
    warnings: Vec<String>,
}

impl Diagnostics {
    /// Diagnostics where any broken entry fails the collection.
    pub fn strict() -> Diagnostics {
        Diagnostics::default()
    }

    /// Diagnostics where broken entries are skipped and reported as warnings (`--best-effort`).
    pub fn best_effort() -> Diagnostics {
        Diagnostics {
            best_effort: true,
            warnings: Vec::new(),
        }
    }

    /// Whether broken entries are skipped rather than fatal.
    pub fn is_best_effort(&self) -> bool {
        self.best_effort
    }

    /// For an entry that cannot be read: in best-effort mode records `error` as a warning and
    /// returns `Ok(())` so the caller skips the entry; otherwise returns the error.
    pub fn recover(&mut self, error: CollectError) -> Result<(), CollectError> {
        if self.best_effort {
            self.warnings.push(error.to_string());
            Ok(())
        } else {
            Err(error)
        }
    }

    /// `result`'s value; for an error, what [`Diagnostics::recover`] does, with `None` for
    /// the entry best-effort mode skips.
    pub fn keep<T>(&mut self, result: Result<T, CollectError>) -> Result<Option<T>, CollectError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(error) => self.recover(error).map(|()| None),
        }
    }

    /// Records something the user should know that never fails the collection.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// Everything recorded so far: skipped entries and other warnings, in order.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Scaffolding the collectors' unit tests share: files in a fresh directory, what a BOM holds,
/// and table-driven checks of what a collector rejects.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::disallowed_methods)] // test fixtures are written with std::fs
pub(crate) mod testing {
    use std::path::{Path, PathBuf};

    use super::{CollectError, Diagnostics};
    use modelseal_bom::bom::{Bom, Component, Hash};

    /// A collector's entry point.
    pub(crate) type Collector = fn(&Path, &mut Diagnostics) -> Result<Bom, CollectError>;

    /// Writes each `(relative path, text)` in a fresh directory.
    pub(crate) fn write_files(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    /// Writes `text` as `name` in a fresh directory; returns the directory and the file.
    pub(crate) fn write_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = write_files(&[(name, text)]);
        let path = dir.path().join(name);
        (dir, path)
    }

    /// Collects `path` strictly, asserting that nothing in it was worth a warning.
    pub(crate) fn collect_clean(collect: Collector, path: &Path) -> Bom {
        let mut diagnostics = Diagnostics::strict();
        let bom = collect(path, &mut diagnostics).unwrap();
        assert!(
            diagnostics.warnings().is_empty(),
            "{:?}",
            diagnostics.warnings()
        );
        bom
    }

    /// For each `(text, expected)`: `text` written as `file_name` fails strict collection
    /// with an error that contains `expected`.
    pub(crate) fn assert_rejects(collect: Collector, file_name: &str, cases: &[(&str, &str)]) {
        for (text, expected) in cases {
            let (_dir, path) = write_file(file_name, text);
            let error = collect(&path, &mut Diagnostics::strict()).unwrap_err();
            assert!(error.to_string().contains(expected), "{text:?}: {error}");
        }
    }

    /// `text` written as `file_name` is a lockfile from the future, which this build refuses
    /// rather than misreads.
    pub(crate) fn assert_from_the_future(collect: Collector, file_name: &str, text: &str) {
        let (_dir, path) = write_file(file_name, text);
        let error = collect(&path, &mut Diagnostics::strict()).unwrap_err();
        assert!(matches!(error, CollectError::Unsupported { .. }), "{error}");
        assert!(
            error.to_string().contains("a lockfile from the future"),
            "{error}"
        );
    }

    /// `path` fails strict collection with an error that contains `expected`; best-effort
    /// collection skips what failed. Returns what best-effort collected and its warnings.
    pub(crate) fn best_effort_after_strict_error(
        collect: Collector,
        path: &Path,
        expected: &str,
    ) -> (Bom, Vec<String>) {
        let error = collect(path, &mut Diagnostics::strict()).unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
        let mut diagnostics = Diagnostics::best_effort();
        let bom = collect(path, &mut diagnostics).unwrap();
        (bom, diagnostics.warnings().to_vec())
    }

    /// A `manifest` beside the `lockfile` (each a name and a text) that does not parse fails
    /// strict collection on the manifest's first line; best-effort collection warns once and
    /// names the root after the directory.
    pub(crate) fn assert_broken_manifest_is_skipped(
        collect: Collector,
        lockfile: (&str, &str),
        manifest: (&str, &str),
    ) {
        let dir = write_files(&[lockfile, manifest]);
        let path = dir.path().join(lockfile.0);
        let expected = format!("{}:1:", manifest.0);
        let (bom, warnings) = best_effort_after_strict_error(collect, &path, &expected);
        assert!(
            bom.root.bom_ref.starts_with("project:"),
            "{}",
            bom.root.bom_ref
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    pub(crate) fn component<'a>(bom: &'a Bom, bom_ref: &str) -> &'a Component {
        bom.components
            .get(bom_ref)
            .unwrap_or_else(|| panic!("{bom_ref} missing: {:?}", bom.components.keys()))
    }

    /// The components `from` depends on, by `bom_ref`.
    pub(crate) fn deps(bom: &Bom, from: &str) -> Vec<String> {
        bom.dependencies
            .get(from)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn sha256(hex: &str) -> Hash {
        Hash {
            algorithm: "SHA-256",
            value: hex.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "a = 1\nbé = [\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn json_key_lines_follow_the_path() {
        let text = "{\n \"default\": {\n  \"a\": {},\n  \"b\" : {}\n },\n \"develop\": {\n  \"a\": \"b\"\n }\n}";
        assert_eq!(json_key_line(text, &["default", "b"]), Some(4));
        assert_eq!(json_key_line(text, &["develop", "a"]), Some(7));
        assert_eq!(json_key_line(text, &["develop", "b"]), None);
        assert_eq!(json_key_line(text, &["develop", "zz"]), None);
    }

    #[test]
    fn best_effort_turns_errors_into_warnings() {
        let error = || CollectError::Invalid {
            path: "x.lock".into(),
            line: Some(3),
            message: "no version".into(),
        };
        assert!(Diagnostics::strict().recover(error()).is_err());
        let mut diagnostics = Diagnostics::best_effort();
        diagnostics.recover(error()).expect("skipped");
        assert_eq!(diagnostics.warnings(), ["x.lock:3: no version"]);
    }

    /// Red team F5 (S-poetry/uv/cargo): `toml_entries` counted each table's line from the
    /// file's start, so 40,000 packages took minutes. 50,000 tables must take well under a
    /// second's worth of line counting, and every line must still be right.
    #[test]
    fn toml_entry_lines_are_counted_incrementally() {
        use std::fmt::Write as _;
        #[derive(serde::Deserialize)]
        struct Package {
            name: String,
        }
        #[derive(serde::Deserialize)]
        struct Lock {
            package: Vec<toml::Spanned<toml::Table>>,
        }
        let n = 50_000;
        let mut text = String::from("version = 1\n");
        for i in 0..n {
            write!(text, "\n[[package]]\nname = \"p{i}\"\nversion = \"1.0\"\n").unwrap();
        }
        let lock: Lock = toml::from_str(&text).unwrap();
        let path = Path::new("poetry.lock");
        let started = std::time::Instant::now();
        let mut count = 0;
        for (i, entry) in toml_entries::<Package>(path, &text, lock.package).enumerate() {
            let (package, line) = entry.unwrap();
            assert_eq!(package.name, format!("p{i}"));
            assert_eq!(line, 3 + 4 * i);
            count += 1;
        }
        assert_eq!(count, n);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }
}
