//! Scanning files and directories: walk, sniff each file by content, read only what its format
//! needs (a zip's central directory and pickle members, a safetensors header), in parallel.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::formats::{gguf, keras, safetensors, scan_bytes, zip};
use crate::sniff::{Format, sniff};
use crate::{Context, Finding, Limits, Policy, RuleId, Severity};

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub policy: Policy,
    pub limits: Limits,
}

/// One scanned file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: PathBuf,
    /// The format detected from the content (`other` when it is not a model format).
    pub format: &'static str,
    pub bytes: u64,
    pub findings: Vec<Finding>,
    /// Set when the file could not be read; such a file is never reported clean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    pub files: Vec<FileReport>,
}

impl ScanReport {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }

    pub fn max_severity(&self) -> Option<Severity> {
        self.findings().map(|f| f.severity).max()
    }

    pub fn errors(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.error.is_some())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Scans files and directories (recursively; `.git` is skipped, symbolic links are not
/// followed).
pub fn scan_paths(paths: &[PathBuf], options: &ScanOptions) -> Result<ScanReport, ScanError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files, true)?;
    }
    files.sort();
    files.dedup();
    let reports = files
        .par_iter()
        .with_max_len(1)
        .map(|path| scan_file(path, options))
        .collect();
    Ok(ScanReport { files: reports })
}

fn collect(path: &Path, out: &mut Vec<PathBuf>, top: bool) -> Result<(), ScanError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ScanError::NotFound(path.to_path_buf())
        } else {
            ScanError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })?;
    let meta = if meta.file_type().is_symlink() && top {
        std::fs::metadata(path).map_err(|e| ScanError::Io {
            path: path.to_path_buf(),
            source: e,
        })?
    } else {
        meta
    };
    if meta.is_dir() {
        if !top && path.file_name().is_some_and(|n| n == ".git") {
            return Ok(());
        }
        let entries = std::fs::read_dir(path).map_err(|e| ScanError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| ScanError::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
            collect(&entry.path(), out, false)?;
        }
    } else if meta.is_file() {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Scans one file.
pub fn scan_file(path: &Path, options: &ScanOptions) -> FileReport {
    let mut ctx = Context::new(path, &options.policy, &options.limits);
    let (format, bytes, error) = match scan_into(path, &mut ctx) {
        Ok((format, bytes)) => (format.name(), bytes, None),
        Err(e) => ("unreadable", 0, Some(e.to_string())),
    };
    let mut findings = ctx.findings;
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.offset.cmp(&b.location.offset))
    });
    FileReport {
        path: path.to_path_buf(),
        format,
        bytes,
        findings,
        error,
    }
}

/// Archives up to this size are scanned from memory.
const SMALL_ARCHIVE: u64 = 8 << 20;

fn scan_into(path: &Path, ctx: &mut Context<'_>) -> std::io::Result<(Format, u64)> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut reader = BufReader::new(file);
    let mut head = Vec::with_capacity(64 * 1024);
    (&mut reader).take(64 * 1024).read_to_end(&mut head)?;
    let format = sniff(&head, len);
    let limit = ctx.limits.max_raw_bytes;
    match format {
        // A small archive is read whole (its central directory and members sit close together);
        // a large one is read in place, only where its pickles are.
        Format::Zip if len <= SMALL_ARCHIVE => {
            let data = read_prefix(head, reader, len)?;
            zip::scan(std::io::Cursor::new(&data[..]), data.len() as u64, ctx);
        }
        Format::Zip => {
            let file = File::open(path)?;
            zip::scan(BufReader::new(file), len, ctx);
        }
        Format::Safetensors => {
            // Only the header: the tensors are data.
            let header_len = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
            let want = 8u64.saturating_add(header_len).min(len).min(limit);
            let data = read_prefix(head, reader, want)?;
            safetensors::scan(&data, len, ctx);
        }
        Format::Gguf => {
            let data = read_prefix(head, reader, len.min(limit))?;
            gguf::scan(&data, len, ctx);
        }
        Format::Other if has_zip_end_record(path, len)? => {
            // Junk glued in front of a zip (self-extracting style): zip tools still open it.
            let file = File::open(path)?;
            zip::scan(BufReader::new(file), len, ctx);
        }
        Format::Hdf5 => {
            // Only the root attributes (the Keras config) are read; the weights are data.
            let file = File::open(path)?;
            keras::scan_h5(BufReader::new(file), len, ctx);
        }
        Format::Other => {}
        _ => {
            if len > limit {
                ctx.report(
                    RuleId::FileTooLarge,
                    Severity::Medium,
                    None,
                    format!("the file is {len} bytes; only the first {limit} were scanned"),
                    None,
                );
            }
            let data = read_prefix(head, reader, len.min(limit))?;
            scan_bytes(&data, ctx);
        }
    }
    Ok((format, len))
}

/// Whether the file ends with a zip end-of-central-directory record.
fn has_zip_end_record(path: &Path, len: u64) -> std::io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let search = zip::END_RECORD_SEARCH as u64;
    let mut file = File::open(path)?;
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
