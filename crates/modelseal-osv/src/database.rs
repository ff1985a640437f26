//! Loading an offline OSV database: every `*.zip` (such as the `<Ecosystem>/all.zip` that
//! osv.dev publishes and osv-scanner keeps offline) and every loose `*.json` record under a
//! directory, indexed by ecosystem and normalised package name.
//!
//! Archives are read in memory, member by member, never extracted; each member is capped
//! (declared size and bytes actually inflated) and so is an archive's total, so a hostile
//! archive cannot make the loader allocate without bound.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zip::ZipArchive;
use zip::result::ZipError;

use super::ecosystem::Ecosystem;
use super::record::{self, Record};

/// Caps on what one database may make the loader read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest record, in bytes (a loose file, or a member once inflated). Records are a
    /// few KiB; the default leaves room for ones that list thousands of versions.
    pub max_record_bytes: u64,
    /// The most one archive may inflate to, all members together. Generous on purpose: it
    /// bounds a decompression bomb and must not turn away a real ecosystem's archive.
    pub max_archive_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_record_bytes: 16 << 20,
            max_archive_bytes: 8 << 30,
        }
    }
}

/// Where a record came from: a file, or a member of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (or archive) on disk.
    pub path: PathBuf,
    /// The member's name inside the archive at `path`.
    pub member: Option<String>,
}

impl Location {
    fn file(path: &Path) -> Location {
        Location {
            path: path.to_path_buf(),
            member: None,
        }
    }

    fn member(path: &Path, member: &str) -> Location {
        Location {
            path: path.to_path_buf(),
            member: Some(member.to_owned()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.member {
            Some(member) => write!(f, "{}: {member}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// Why an OSV database could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    /// The database path does not exist.
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    /// A record or archive could not be read.
    #[error("cannot read {location}: {source}")]
    Io {
        /// Where.
        location: Location,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A file that should be a zip of records is not a readable zip archive.
    #[error("{location}: not a readable zip archive: {source}")]
    Archive {
        /// The archive.
        location: Location,
        /// What the zip reader said.
        #[source]
        source: ZipError,
    },
    /// The record is not JSON, or not an OSV record.
    #[error("{location}:{line}:{column}: {message}")]
    Syntax {
        /// The record.
        location: Location,
        /// The 1-based line of the error.
        line: usize,
        /// The 1-based column of the error.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// One record is larger than allowed; real records are a few KiB, so this is not one.
    #[error("{location}: larger than {limit} bytes, the limit for one record")]
    RecordTooLarge {
        /// The record.
        location: Location,
        /// The per-record bound in bytes.
        limit: u64,
    },
    /// An archive inflates to more than allowed, which protects against zip bombs.
    #[error("{}: inflates to more than {limit} bytes, the limit for one archive", path.display())]
    ArchiveTooLarge {
        /// The archive.
        path: PathBuf,
        /// The per-archive bound in bytes.
        limit: u64,
    },
    /// The path holds no record for an ecosystem this crate can match, so every lookup would pass.
    #[error("{}: no OSV records for PyPI, crates.io or npm", .0.display())]
    NoRecords(PathBuf),
    /// A record file or archive could not be opened as an input (a FIFO or device, or the
    /// system failed).
    #[error(transparent)]
    Fs(modelseal_fs::FsError),
}

/// A missing file stays [`OsvError::NotFound`] (exit 3 in the CLI).
impl From<modelseal_fs::FsError> for OsvError {
    fn from(error: modelseal_fs::FsError) -> OsvError {
        if error.is_not_found() {
            OsvError::NotFound(error.path)
        } else {
            OsvError::Fs(error)
        }
    }
}

impl OsvError {
    fn io(location: Location, source: std::io::Error) -> OsvError {
        if source.kind() == std::io::ErrorKind::NotFound && location.member.is_none() {
            OsvError::NotFound(location.path)
        } else {
            OsvError::Io { location, source }
        }
    }

    fn syntax(location: Location, error: &serde_json::Error) -> OsvError {
        let message = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        OsvError::Syntax {
            location,
            line: error.line(),
            column: error.column(),
            message: message
                .strip_suffix(&suffix)
                .map_or_else(|| message.clone(), str::to_owned),
        }
    }
}

/// OSV records of the ecosystems whose versions can be ordered, by package.
#[derive(Debug)]
pub struct Database {
    pub(super) records: Vec<Record>,
    /// (ecosystem, normalised name) -> indexes into `records`, in id order.
    pub(super) by_package: HashMap<(Ecosystem, String), Vec<usize>>,
}

impl Database {
    /// Loads every record under `path` (a directory, or one `.zip` or `.json` file) with the
    /// default [`Limits`].
    pub fn open(path: &Path) -> Result<Database, OsvError> {
        Database::open_with_limits(path, Limits::default())
    }

    /// Loads every record under `path`. Records for other ecosystems only are dropped; two
    /// copies of one record id keep the later `modified`. A directory without any usable
    /// record is an error, so that a mistyped `--osv-dir` cannot pass an audit.
    pub fn open_with_limits(path: &Path, limits: Limits) -> Result<Database, OsvError> {
        let metadata = modelseal_fs::metadata(path)?;
        let mut files = Vec::new();
        if metadata.is_dir() {
            collect_files(path, &mut files)?;
        } else {
            files.push(path.to_path_buf());
        }
        let mut loader = Loader {
            limits,
            records: Vec::new(),
            by_id: HashMap::new(),
        };
        for file in &files {
            if has_extension(file.as_os_str().to_string_lossy().as_ref(), "zip") {
                loader.load_archive(file)?;
            } else {
                loader.load_file(file)?;
            }
        }
        if loader.records.is_empty() {
            return Err(OsvError::NoRecords(path.to_path_buf()));
        }
        Ok(Database::index(loader.records))
    }

    fn index(records: Vec<Record>) -> Database {
        let mut by_package: HashMap<(Ecosystem, String), Vec<usize>> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            for affected in &record.affected {
                let Some(package) = &affected.package else {
                    continue;
                };
                let Some(ecosystem) = Ecosystem::from_osv(&package.ecosystem) else {
                    continue;
                };
                let entries = by_package
                    .entry((ecosystem, ecosystem.normalize_name(&package.name)))
                    .or_default();
                if entries.last() != Some(&index) {
                    entries.push(index);
                }
            }
        }
        for entries in by_package.values_mut() {
            entries.sort_by(|a, b| records[*a].id.cmp(&records[*b].id));
            entries.dedup();
        }
        Database {
            records,
            by_package,
        }
    }

    /// How many records were loaded (withdrawn ones included).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record was loaded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

struct Loader {
    limits: Limits,
    records: Vec<Record>,
    by_id: HashMap<String, usize>,
}

impl Loader {
    fn load_file(&mut self, path: &Path) -> Result<(), OsvError> {
        let location = Location::file(path);
        let limit = self.limits.max_record_bytes;
        let bytes = modelseal_fs::read_limited(path, limit).map_err(|e| match e.reason {
            modelseal_fs::Reason::TooLarge { .. } => OsvError::RecordTooLarge {
                location: location.clone(),
                limit,
            },
            _ => OsvError::from(e),
        })?;
        self.add(&bytes, location)
    }

    fn load_archive(&mut self, path: &Path) -> Result<(), OsvError> {
        let archive_error = |source| OsvError::Archive {
            location: Location::file(path),
            source,
        };
        // A regular file only: a FIFO would block the open, a device would never end.
        let (file, _) = modelseal_fs::open_regular(path)?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(archive_error)?;
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let name = archive.name_for_index(index).unwrap_or_default().to_owned();
            let location = Location::member(path, &name);
            let member = archive
                .by_index(index)
                .map_err(|source| OsvError::Archive {
                    location: location.clone(),
                    source,
                })?;
            if member.is_dir() || !has_extension(&name, "json") {
                continue;
            }
            let declared = member.size();
            if declared > self.limits.max_record_bytes {
                return Err(OsvError::RecordTooLarge {
                    location,
                    limit: self.limits.max_record_bytes,
                });
            }
            let over_total = || OsvError::ArchiveTooLarge {
                path: path.to_path_buf(),
                limit: self.limits.max_archive_bytes,
            };
            if total.saturating_add(declared) > self.limits.max_archive_bytes {
                return Err(over_total());
            }
            // The declared size is only a hint: the cap holds on the bytes inflated.
            let bytes = read_capped(member, declared, self.limits.max_record_bytes, &location)?;
            total = total.saturating_add(bytes.len() as u64);
            if total > self.limits.max_archive_bytes {
                return Err(over_total());
            }
            self.add(&bytes, location)?;
        }
        Ok(())
    }

    fn add(&mut self, bytes: &[u8], location: Location) -> Result<(), OsvError> {
        let mut record = record::parse(bytes).map_err(|e| OsvError::syntax(location, &e))?;
        record.affected.retain(|a| {
            a.package
                .as_ref()
                .is_some_and(|p| Ecosystem::from_osv(&p.ecosystem).is_some())
        });
        if record.affected.is_empty() {
            return Ok(());
        }
        if let Some(&index) = self.by_id.get(&record.id) {
            if is_later(
                record.modified.as_deref(),
                self.records[index].modified.as_deref(),
            ) {
                self.records[index] = record;
            }
        } else {
            self.by_id.insert(record.id.clone(), self.records.len());
            self.records.push(record);
        }
        Ok(())
    }
}

/// Reads at most `limit` bytes, failing if there are more; `size_hint` (at most `limit`)
/// sizes the buffer.
fn read_capped(
    reader: impl Read,
    size_hint: u64,
    limit: u64,
    location: &Location,
) -> Result<Vec<u8>, OsvError> {
    let capacity = usize::try_from(size_hint.min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| OsvError::io(location.clone(), e))?;
    if bytes.len() as u64 > limit {
        return Err(OsvError::RecordTooLarge {
            location: location.clone(),
            limit,
        });
    }
    Ok(bytes)
}

/// Every `.zip` and `.json` file under `dir`, in path order. Hidden entries are skipped and
/// symbolic links to directories are not followed (no cycles).
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), OsvError> {
    // Sorted by path, which within one directory is by name.
    for path in modelseal_fs::read_dir_sorted(dir)? {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        // The entry itself, not what a link points at: links to directories are not walked.
        let kind = modelseal_fs::symlink_metadata(&path)?.file_type();
        if kind.is_dir() {
            collect_files(&path, out)?;
        } else if has_extension(&name, "zip") || has_extension(&name, "json") {
            // Anything named as a record is read: one that is not a regular file (a FIFO, a
            // device, a link to /dev/zero) then fails the load, where skipping it would let an
            // advisory vanish silently.
            out.push(path);
        }
    }
    Ok(())
}

fn has_extension(name: &str, extension: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && ext.eq_ignore_ascii_case(extension))
}

/// Whether `candidate` is a later `modified` time than `current` (RFC 3339; text order when
/// either does not parse).
fn is_later(candidate: Option<&str>, current: Option<&str>) -> bool {
    let parse = |t: &str| OffsetDateTime::parse(t, &Rfc3339).ok();
    match (candidate, current) {
        (Some(candidate), Some(current)) => match (parse(candidate), parse(current)) {
            (Some(a), Some(b)) => a > b,
            _ => candidate > current,
        },
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_modified_times() {
        assert!(is_later(
            Some("2024-01-01T00:00:00.5Z"),
            Some("2024-01-01T00:00:00Z")
        ));
        assert!(!is_later(
            Some("2024-01-01T00:00:00Z"),
            Some("2024-01-01T00:00:00Z")
        ));
        assert!(is_later(Some("2024-01-02T00:00:00Z"), None));
        assert!(!is_later(None, Some("2024-01-02T00:00:00Z")));
    }

    #[test]
    fn extensions() {
        assert!(has_extension("all.ZIP", "zip"));
        assert!(has_extension("GHSA-x.json", "json"));
        assert!(!has_extension(".json", "json"));
        assert!(!has_extension("json", "json"));
    }

    #[test]
    fn json_errors_name_the_place_without_repeating_it() {
        let error = serde_json::from_str::<serde_json::Value>("{\n  \"id\": }").unwrap_err();
        let error = OsvError::syntax(
            Location::member(Path::new("db/all.zip"), "X-1.json"),
            &error,
        );
        assert_eq!(
            error.to_string(),
            "db/all.zip: X-1.json:2:9: expected value"
        );
    }

    #[test]
    fn reading_stops_one_byte_past_the_cap() {
        let location = Location::file(Path::new("x.json"));
        assert_eq!(
            read_capped(&b"12345"[..], 5, 5, &location).unwrap().len(),
            5
        );
        let error = read_capped(std::io::repeat(b' '), 0, 5, &location).unwrap_err();
        assert_eq!(
            error.to_string(),
            "x.json: larger than 5 bytes, the limit for one record"
        );
    }

    /// Red team F12 (E09): a record that is a FIFO, a device or a link to /dev/zero was
    /// skipped silently, so its advisory vanished and the audit passed.
    #[test]
    fn a_record_that_is_not_a_regular_file_fails_the_load() {
        #![allow(clippy::unwrap_used, clippy::disallowed_methods)] // fixtures
        let record = r#"{"id": "X-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "other"}}]}"#;
        let fresh = || {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("PyPI")).unwrap();
            std::fs::write(dir.path().join("PyPI/other.json"), record).unwrap();
            dir
        };
        let good = fresh();
        assert!(Database::open(good.path()).is_ok());

        let zero = fresh();
        std::os::unix::fs::symlink("/dev/zero", zero.path().join("PyPI/numpy.json")).unwrap();
        assert!(
            Database::open(zero.path()).is_err(),
            "a link to /dev/zero was skipped"
        );

        let fifo = fresh();
        let made = std::process::Command::new("mkfifo")
            .arg(fifo.path().join("PyPI/numpy.json"))
            .status();
        if made.is_ok_and(|s| s.success()) {
            assert!(Database::open(fifo.path()).is_err(), "a FIFO was skipped");
        }
    }
}
