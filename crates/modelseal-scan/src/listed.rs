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
}

/// Scans each listed file (in parallel, in the order given); a file that cannot be read is a
/// [`crate::FileReport`] with an error, never left out.
pub fn scan_listed(files: &[ListedFile], options: &ScanOptions) -> ScanReport {
    let files = files
        .par_iter()
        .with_max_len(1)
        .map(|file| scan_file_as(&file.name, &file.path, options))
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
            }],
            &ScanOptions::default(),
        );
        assert!(missing.files[0].error.is_some());
    }
}
