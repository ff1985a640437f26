//! Scanning a list of files someone else chose, under names someone else gave them: the gate
//! scans exactly the files verification hashed (links already resolved, nothing re-walked,
//! nothing skipped for its name) and reports each under its signed resource name.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::scan::scan_file_as;
use crate::{ScanOptions, ScanReport};

/// One file to scan: where to read it and what to call it.
#[derive(Debug, Clone)]
pub struct ListedFile {
    /// The name reports and findings carry (for the gate: the model path joined with the
    /// signed resource name, so a link is reported by its own name, not its target's).
    pub name: PathBuf,
    /// The file to read (for the gate: the real file verification hashed).
    pub path: PathBuf,
    /// The file as verification hashed it: when set, the file opened must be that very file
    /// (same device and inode, size and status-change time), else it is reported
    /// [`crate::FileReport::changed`] and not scanned. A rename over the path between hashing and
    /// scanning would otherwise have the scan pass a file the signature never covered (red
    /// team 3, V-1).
    pub hashed: Option<HashedFile>,
}

/// What verification saw of a file it hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashedFile {
    /// Device and inode ([`modelseal_fs::identity`]; `None` where the platform has none).
    pub identity: Option<(u64, u64)>,
    /// Size in bytes.
    pub size: u64,
    /// Status-change time (`st_ctime`, seconds and nanoseconds; `None` off Unix): any write
    /// moves it and user space cannot set it back.
    pub status_changed: Option<(i64, i64)>,
}

impl HashedFile {
    /// What `meta` says of a file, to compare with what was hashed.
    pub fn of(meta: &std::fs::Metadata) -> HashedFile {
        HashedFile {
            identity: modelseal_fs::identity(meta),
            size: meta.len(),
            status_changed: status_changed(meta),
        }
    }
}

#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // `None` on other platforms
fn status_changed(meta: &std::fs::Metadata) -> Option<(i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.ctime(), meta.ctime_nsec()))
}

#[cfg(not(unix))]
fn status_changed(_meta: &std::fs::Metadata) -> Option<(i64, i64)> {
    None
}

/// Scans each listed file (in parallel, in the order given); a file that cannot be read is a
/// [`crate::FileReport`] with an error, never left out.
pub fn scan_listed(files: &[ListedFile], options: &ScanOptions) -> ScanReport {
    // One memory budget for every file, member and worker of this scan.
    let budget = crate::budget::Budget::new(options.limits.max_total_bytes);
    let files = files
        .par_iter()
        .with_max_len(1)
        .map(|file| {
            scan_file_as(
                &file.name,
                &file.path,
                file.hashed.as_ref(),
                options,
                &budget,
            )
        })
        .collect();
    ScanReport { files }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The report names the file as listed, whatever the path read.
    #[test]
    fn findings_carry_the_listed_name_not_the_path_read() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join(".git-objects.pack");
        // A protocol-2 pickle calling os.system.
        std::fs::write(
            &real,
            b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.",
        )
        .unwrap();
        let name = PathBuf::from("m/pytorch_model.bin");
        let report = scan_listed(
            &[ListedFile {
                name: name.clone(),
                path: real,
                hashed: None,
            }],
            &ScanOptions::default(),
        );
        assert_eq!(report.files.len(), 1);
        assert_eq!(report.files[0].path, name);
        let finding = report.findings().next().expect("os.system is a finding");
        assert_eq!(finding.file, name);
        let missing = scan_listed(
            &[ListedFile {
                name: name.clone(),
                path: dir.path().join("gone"),
                hashed: None,
            }],
            &ScanOptions::default(),
        );
        assert!(missing.files[0].error.is_some());
    }

    /// V-1 (red team 3): a benign file renamed over the hashed one between hashing and
    /// scanning was scanned clean instead of the malicious file the signature covers.
    #[test]
    fn a_file_renamed_over_the_hashed_one_is_reported_changed_not_scanned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pytorch_model.bin");
        std::fs::write(
            &path,
            b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.",
        )
        .unwrap();
        let hashed = HashedFile::of(&std::fs::metadata(&path).unwrap());
        let benign = dir.path().join(".swap");
        std::fs::write(&benign, b"\x80\x02K\x01.").unwrap();
        std::fs::rename(&benign, &path).unwrap();
        let report = scan_listed(
            &[ListedFile {
                name: path.clone(),
                path: path.clone(),
                hashed: Some(hashed),
            }],
            &ScanOptions::default(),
        );
        let file = &report.files[0];
        assert!(file.changed, "{file:?}");
        assert!(
            file.error.is_some(),
            "a changed file is never clean: {file:?}"
        );
        // The very file hashed scans as usual.
        let same = HashedFile::of(&std::fs::metadata(&path).unwrap());
        let report = scan_listed(
            &[ListedFile {
                name: path.clone(),
                path,
                hashed: Some(same),
            }],
            &ScanOptions::default(),
        );
        assert!(!report.files[0].changed);
        assert!(report.files[0].error.is_none());
    }
}
