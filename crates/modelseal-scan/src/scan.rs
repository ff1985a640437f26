//! Scanning files and directories: walk, sniff each file by content, read only what its format
//! needs (a zip's central directory and pickle members, a safetensors header), in parallel.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use modelseal_fs::{FsError, Op, SpecialFiles, Symlinks, Walker, open_regular};
use rayon::prelude::*;
use serde::Serialize;

use crate::budget::{Budget, Cut, read_held_first};
use crate::formats::pickle_view::{self, Extent};
use crate::formats::{gguf, keras, safetensors, scan_bytes, zip};
use crate::listed::HashedFile;
use crate::sniff::{Format, sniff};
use crate::{Context, Finding, Limits, Policy, RuleId, Severity};

/// How to scan: which policy judges imports and which limits bound the work.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// The allowlist policy (the built-in one by default).
    pub policy: Policy,
    /// The size and nesting limits.
    pub limits: Limits,
    /// Told the bytes of the files to scan, then each file's size once it is scanned (a
    /// progress bar; [`scan_paths`] reports, the gate's listed scan does not).
    pub progress: Option<std::sync::Arc<dyn modelseal_fs::ByteProgress>>,
}

/// One scanned file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file's path, as walked from the path given to the scan.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub path: PathBuf,
    /// The format detected from the content (`other` when it is not a model format).
    pub format: &'static str,
    /// The file's length (0 when it could not be read).
    pub bytes: u64,
    /// Everything found in the file and its members.
    pub findings: Vec<Finding>,
    /// Other names of the same file (links to it, or it through a link), scanned once under
    /// `path`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_paths"
    )]
    pub aliases: Vec<PathBuf>,
    /// Set when the file could not be read; such a file is never reported clean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The file opened is not the one verification hashed (replaced or modified since): it
    /// was not scanned, and `error` says why. An integrity failure, not a malformed file.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub changed: bool,
}

/// The result of a scan: one report per file, in walk order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    /// Every file scanned.
    pub files: Vec<FileReport>,
}

impl ScanReport {
    /// Every finding of every file.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    /// The worst severity found, `None` when nothing was found.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings().map(|f| f.severity).max()
    }

    /// The files that could not be read (and so are not known clean).
    pub fn errors(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.error.is_some())
    }
}

/// Why a scan could not start: a path given to it is missing or cannot be listed. A file that
/// cannot be read once the walk found it is a [`FileReport::error`], not a `ScanError`.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A path given to the scan does not exist.
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    /// A path that cannot be listed or read: a FIFO, socket or device named on the command
    /// line, a tree too deep, an I/O error.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The file-system error; its reason decides between not found, I/O and malformed.
        #[source]
        source: FsError,
    },
}

fn serialize_paths<S: serde::Serializer>(
    paths: &[PathBuf],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(paths.len()))?;
    for path in paths {
        seq.serialize_element(&modelseal_report::path::Lossy(path))?;
    }
    seq.end()
}

/// How the paths to scan are listed: symbolic links are read through wherever they lead, as a
/// loader follows them (each directory once, so loops end), a special file (FIFO, socket,
/// device, or a link to one) inside a directory is an error, never skipped: `pickle.load` and
/// `joblib.load` read a FIFO (red team 3, S-1). `.git` is skipped; names need not be UTF-8.
fn walker() -> Walker {
    Walker {
        symlinks: Symlinks::Follow,
        special_files: SpecialFiles::Refuse,
        skip_dir_names: vec![".git".to_owned()],
        require_utf8: false,
        ..Walker::default()
    }
}

/// Scans files and directories, recursively, reading through symbolic links (`.git` is
/// skipped). A file reached under several names (a Hugging Face snapshot's links into
/// `blobs/`, two paths given) is scanned once, under the first name a link gives it (the name
/// a loader opens), else its first name; the others are its `aliases`.
pub fn scan_paths(paths: &[PathBuf], options: &ScanOptions) -> Result<ScanReport, ScanError> {
    let walker = walker();
    let mut entries = Vec::new();
    for path in paths {
        let walk = walker.walk(path).map_err(|e| {
            if e.is_not_found() {
                ScanError::NotFound(path.clone())
            } else {
                ScanError::Io {
                    path: path.clone(),
                    source: e,
                }
            }
        })?;
        entries.extend(walk.entries);
    }
    // Sizes only for a progress report: the scan itself reads what each format needs.
    let sizes: std::collections::HashMap<PathBuf, u64> = match &options.progress {
        Some(_) => entries
            .iter()
            .map(|e| (e.path.clone(), e.meta.len()))
            .collect(),
        None => std::collections::HashMap::new(),
    };
    let files = once_each(entries);
    let size_of = |path: &PathBuf| sizes.get(path).copied().unwrap_or(0);
    if let Some(progress) = &options.progress {
        progress.start(
            files
                .iter()
                .map(|(path, _)| size_of(path))
                .fold(0, u64::saturating_add),
        );
    }
    // One memory budget for every file, member and worker of this scan.
    let budget = Budget::new(options.limits.max_total_bytes);
    let reports = files
        .par_iter()
        .with_max_len(1)
        .map(|(path, aliases)| {
            let mut report = scan_file_as(path, path, None, options, &budget);
            report.aliases.clone_from(aliases);
            if let Some(progress) = &options.progress {
                progress.advance(size_of(path));
            }
            report
        })
        .collect();
    Ok(ScanReport { files: reports })
}

/// The files to scan, each once (by device and inode), in path order: its name and its
/// other names.
fn once_each(mut entries: Vec<modelseal_fs::Entry>) -> Vec<(PathBuf, Vec<PathBuf>)> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let mut by_file: std::collections::HashMap<(u64, u64), usize> =
        std::collections::HashMap::new();
    let mut files: Vec<(PathBuf, bool, Vec<PathBuf>)> = Vec::new();
    for entry in entries {
        let id = modelseal_fs::identity(&entry.meta);
        if let Some(i) = id.and_then(|id| by_file.get(&id).copied()) {
            let (name, via_link, aliases) = &mut files[i];
            // A link's name is the one a loader opens: it is the name to report.
            if entry.via_symlink && !*via_link {
                aliases.push(std::mem::replace(name, entry.path));
                *via_link = true;
            } else {
                aliases.push(entry.path);
            }
        } else {
            if let Some(id) = id {
                by_file.insert(id, files.len());
            }
            files.push((entry.path, entry.via_symlink, Vec::new()));
        }
    }
    let mut files: Vec<(PathBuf, Vec<PathBuf>)> = files
        .into_iter()
        .map(|(name, _, mut aliases)| {
            aliases.sort();
            (name, aliases)
        })
        .collect();
    files.sort();
    files
}

/// Scans one file.
pub fn scan_file(path: &Path, options: &ScanOptions) -> FileReport {
    let budget = Budget::new(options.limits.max_total_bytes);
    scan_file_as(path, path, None, options, &budget)
}

/// Why a file was not scanned.
enum Unscanned {
    /// It could not be read.
    Unreadable(FsError),
    /// It is not the file that was hashed.
    Changed(&'static str),
}

/// Scans the file at `path`, reporting it (and every finding in it) as `name`.
pub(crate) fn scan_file_as(
    name: &Path,
    path: &Path,
    hashed: Option<&HashedFile>,
    options: &ScanOptions,
    budget: &std::sync::Arc<Budget>,
) -> FileReport {
    let mut ctx = Context::with_budget(
        name,
        &options.policy,
        &options.limits,
        std::sync::Arc::clone(budget),
    );
    let (format, bytes, error, changed) = match scan_into(path, hashed, &mut ctx) {
        Ok((format, bytes)) => (format.name(), bytes, None, false),
        Err(Unscanned::Unreadable(e)) => ("unreadable", 0, Some(e.to_string()), false),
        Err(Unscanned::Changed(what)) => (
            "unreadable",
            0,
            Some(format!(
                "not the file verification hashed ({what} differs): the model changed during the check"
            )),
            true,
        ),
    };
    let mut findings = ctx.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.offset.cmp(&b.location.offset))
    });
    FileReport {
        path: name.to_path_buf(),
        format,
        bytes,
        findings,
        aliases: Vec::new(),
        error,
        changed,
    }
}

/// Archives up to this size are scanned from memory.
const SMALL_ARCHIVE: u64 = 8 << 20;

fn scan_into(
    path: &Path,
    hashed: Option<&HashedFile>,
    ctx: &mut Context<'_>,
) -> Result<(Format, u64), Unscanned> {
    let (file, meta) = open_regular(path).map_err(Unscanned::Unreadable)?;
    if let Some(hashed) = hashed {
        let opened = HashedFile::of(&meta);
        if opened.identity != hashed.identity {
            return Err(Unscanned::Changed("device and inode"));
        }
        if opened.size != hashed.size {
            return Err(Unscanned::Changed("size"));
        }
        if opened.status_changed != hashed.status_changed {
            return Err(Unscanned::Changed("status-change time"));
        }
    }
    scan_open(path, file, &meta, ctx).map_err(Unscanned::Unreadable)
}

fn scan_open(
    path: &Path,
    file: File,
    meta: &std::fs::Metadata,
    ctx: &mut Context<'_>,
) -> Result<(Format, u64), FsError> {
    let len = meta.len();
    let read_error = |e| FsError::io(Op::Read, path, e);
    let mut reader = BufReader::new(file);
    let mut head = Vec::with_capacity(64 * 1024);
    (&mut reader)
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    let format = sniff(&head, len);
    let limit = ctx.limits.max_raw_bytes;
    // Formats read here in place (not through `scan_bytes`, which reads every file also as
    // the pickle `pickle.load` would run) are read that way too, first.
    if !matches!(
        format,
        Format::Pickle
            | Format::Tar
            | Format::Numpy
            | Format::Json
            | Format::Onnx
            | Format::Gzip
            | Format::Bzip2
            | Format::Xz
            | Format::Lzma
            | Format::Zlib
            | Format::Lz4
            | Format::JoblibZfile
    ) {
        scan_pickle_view(&head, &mut reader, len, format, ctx).map_err(read_error)?;
        reader
            .seek(SeekFrom::Start(head.len() as u64))
            .map_err(read_error)?;
    }
    match format {
        // A small archive is read whole (its central directory and members sit close together);
        // a large one is read in place, only where its pickles are.
        Format::Zip if len <= SMALL_ARCHIVE => {
            let loaded = read_held_first(reader, head, len, &ctx.budget).map_err(read_error)?;
            if loaded.cut == Cut::Complete {
                zip::scan(
                    std::io::Cursor::new(&loaded.data[..]),
                    loaded.data.len() as u64,
                    ctx,
                );
            } else {
                ctx.report_cut(loaded.cut, "the archive", len);
            }
        }
        Format::Zip => {
            zip::scan(rewind(reader).map_err(read_error)?, len, ctx);
        }
        Format::Safetensors => {
            // Only the header: the tensors are data.
            let header_len = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
            let want = 8u64.saturating_add(header_len).min(len).min(limit);
            let loaded = read_held_first(reader, head, want, &ctx.budget).map_err(read_error)?;
            if loaded.cut == Cut::OverBudget {
                ctx.report_cut(loaded.cut, "the safetensors header", want);
            }
            safetensors::scan(&loaded.data, len, ctx);
        }
        Format::Gguf => {
            // Only the header, grown from the sniffed 64 KiB as far as it needs, up to the
            // bound the SBOM shares (both then agree on which files are well formed).
            let cap = len
                .min(limit)
                .min(modelseal_formats::gguf::MAX_HEADER_BYTES);
            let first = (head.len() as u64).min(cap);
            let mut data = read_prefix(head, &mut reader, first).map_err(read_error)?;
            loop {
                let so_far = data.len() as u64;
                // Any error may come from the prefix ending (a count checked against the bytes
                // left), so grow until the header parses or the bound is reached.
                let (_, error) = modelseal_formats::gguf::Header::parse_prefix(&data, len);
                if error.is_none() || so_far >= cap {
                    break;
                }
                data = read_prefix(data, &mut reader, so_far.saturating_mul(4).min(cap))
                    .map_err(read_error)?;
                if data.len() as u64 == so_far {
                    break; // the file ended early (it shrank while being read)
                }
            }
            gguf::scan(&data, len, ctx);
        }
        Format::Other if has_zip_end_record(reader.get_mut(), len).map_err(read_error)? => {
            // Junk glued in front of a zip (self-extracting style): zip tools still open it.
            zip::scan(rewind(reader).map_err(read_error)?, len, ctx);
        }
        Format::Hdf5 => {
            // Only the root attributes (the Keras config) are read; the weights are data.
            keras::scan_h5(rewind(reader).map_err(read_error)?, len, ctx);
        }
        Format::Other if !crate::formats::config::wants(&path.to_string_lossy()) => {}
        _ => {
            let loaded =
                read_held_first(reader, head, len.min(limit), &ctx.budget).map_err(read_error)?;
            if loaded.cut == Cut::OverBudget {
                ctx.report_cut(loaded.cut, "the file", len);
            }
            scan_bytes(&loaded.data, ctx);
            if (loaded.data.len() as u64) < len {
                report_unread(&loaded.data, len, format, ctx);
            }
        }
    }
    Ok((format, len))
}

/// A raw file read only in part: high when what a loader runs continues past what was read
/// (a pickle cut in the middle, whose payload may sit in the unread part), medium when only
/// data follows its last complete stream.
fn report_unread(data: &[u8], len: u64, format: Format, ctx: &mut Context<'_>) {
    let read = data.len();
    let top_level = |rule: RuleId| {
        ctx.findings
            .iter()
            .any(|f| f.location.member.is_none() && f.rule_id == rule)
    };
    let cut = match format {
        Format::Pickle => top_level(RuleId::PickleMalformed) || top_level(RuleId::PickleTooComplex),
        // An array of numbers is data past its header; an object array is a pickle.
        Format::Numpy => top_level(RuleId::NumpyObjectArray),
        // The protobuf and the JSON hold no code; what they point at is in the read part
        // or not, and a model that large is not unusual.
        Format::Onnx | Format::Json => false,
        _ => true,
    };
    let (severity, message) = if cut {
        (
            Severity::High,
            format!(
                "the file is {len} bytes; only the first {read} were scanned, and what a loader runs continues past them"
            ),
        )
    } else {
        (
            Severity::Medium,
            format!(
                "the file is {len} bytes; only the first {read} were scanned (its pickles end inside them)"
            ),
        )
    };
    ctx.report(RuleId::FileTooLarge, severity, None, message, None);
}

/// Reads the file from its start as far as a `pickle.load` of it would (at most
/// [`crate::Limits::max_raw_bytes`]) and scans that reading.
fn scan_pickle_view(
    head: &[u8],
    reader: &mut BufReader<File>,
    len: u64,
    format: Format,
    ctx: &mut Context<'_>,
) -> std::io::Result<()> {
    if (head.len() as u64) < len && extent(head, len) != Extent::NeedsMore {
        if let Extent::Ends(end) = extent(head, len) {
            pickle_view::scan_prefix(&head[..end.min(head.len())], format, ctx);
        }
        return Ok(());
    }
    if (head.len() as u64) >= len {
        pickle_view::scan(head, format, ctx);
        return Ok(());
    }
    // An opcode's argument runs past the sniffed bytes: read on, growing, as the loader
    // would, within the raw-file limit and the scan's budget.
    let cap = len.min(ctx.limits.max_raw_bytes);
    let mut want = (head.len() as u64).saturating_mul(4).min(cap);
    reader.seek(SeekFrom::Start(0))?;
    // This worker holds nothing else of the budget here: it may wait its turn.
    let mut loaded = read_held_first(&mut *reader, Vec::new(), want, &ctx.budget)?;
    loop {
        match extent(&loaded.data, len) {
            Extent::NotPickle => return Ok(()),
            Extent::Ends(end) => {
                pickle_view::scan_prefix(&loaded.data[..end.min(loaded.data.len())], format, ctx);
                return Ok(());
            }
            Extent::NeedsMore
                if loaded.cut == Cut::Complete
                    && loaded.data.len() as u64 == want
                    && want < cap =>
            {
                want = want.saturating_mul(4).min(cap);
                drop(loaded);
                reader.seek(SeekFrom::Start(0))?;
                loaded = read_held_first(&mut *reader, Vec::new(), want, &ctx.budget)?;
            }
            Extent::NeedsMore => break,
        }
    }
    // The reading goes on past all that could be read: scan what was, and say the rest was
    // not seen.
    pickle_view::scan_prefix(&loaded.data, format, ctx);
    let read = loaded.data.len();
    if loaded.cut == Cut::OverBudget {
        ctx.report_cut(loaded.cut, "the file read as a pickle", cap);
    } else {
        ctx.report(
            RuleId::FileTooLarge,
            Severity::High,
            None,
            format!(
                "the file also reads as a pickle whose opcodes run past the first {read} bytes scanned (of {len})"
            ),
            None,
        );
    }
    Ok(())
}

fn extent(data: &[u8], len: u64) -> Extent {
    pickle_view::extent(data, len)
}

/// The file read from its start again, through a fresh buffer.
fn rewind(reader: BufReader<File>) -> std::io::Result<BufReader<File>> {
    let mut file = reader.into_inner();
    file.seek(SeekFrom::Start(0))?;
    Ok(BufReader::new(file))
}

/// Whether the file ends with a zip end-of-central-directory record.
fn has_zip_end_record(file: &mut File, len: u64) -> std::io::Result<bool> {
    let search = zip::END_RECORD_SEARCH as u64;
    file.seek(SeekFrom::Start(len.saturating_sub(search)))?;
    let mut tail = Vec::new();
    file.take(search).read_to_end(&mut tail)?;
    Ok(zip::end_record(&tail).is_some())
}

fn read_prefix(mut head: Vec<u8>, reader: impl Read, want: u64) -> std::io::Result<Vec<u8>> {
    if (head.len() as u64) < want {
        reader
            .take(want - head.len() as u64)
            .read_to_end(&mut head)?;
    } else {
        head.truncate(usize::try_from(want).unwrap_or(usize::MAX));
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    use super::*;

    #[derive(Debug, Default)]
    struct Counted {
        total: AtomicU64,
        scanned: AtomicU64,
    }

    impl modelseal_fs::ByteProgress for Counted {
        fn start(&self, total: u64) {
            self.total.store(total, Relaxed);
        }

        fn advance(&self, bytes: u64) {
            self.scanned.fetch_add(bytes, Relaxed);
        }
    }

    /// Issue 12: a long scan reports progress by the bytes of the files it has scanned, each
    /// file once (a second name for the same file is not counted twice).
    #[test]
    fn progress_counts_each_scanned_file_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.bin"), vec![1u8; 1000]).unwrap();
        std::fs::write(dir.path().join("b.json"), b"{}").unwrap();
        #[cfg(unix)]
        std::fs::hard_link(dir.path().join("a.bin"), dir.path().join("a-again.bin")).unwrap();
        let counted = Arc::new(Counted::default());
        let options = ScanOptions {
            progress: Some(counted.clone()),
            ..ScanOptions::default()
        };
        scan_paths(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(counted.total.load(Relaxed), 1002);
        assert_eq!(counted.scanned.load(Relaxed), 1002);
    }
}
