//! Paths in reports. JSON strings are Unicode, file names are bytes: serde refuses a path that
//! is not valid UTF-8, and `serde_json::json!` panics on one, so a hostile file name could stop
//! a report (or crash the process) exactly when it matters. Report types serialize their paths
//! with these functions instead: each byte that is not UTF-8 is spelled `\xff`
//! ([`crate::name::json`]), so two such names stay two names (U+FFFD would merge them).
//! Use as `#[serde(serialize_with = "modelseal_report::path::lossy")]`, or wrap a path in
//! [`Lossy`].

use std::path::{Path, PathBuf};

use serde::Serializer;

/// A path as a string, each byte that is not UTF-8 spelled `\xff`.
pub fn lossy<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::name::json(path.as_os_str()))
}

/// A path that serializes as [`lossy`] does (for paths inside collections).
#[derive(Debug, Clone, Copy)]
pub struct Lossy<'a>(pub &'a Path);

impl serde::Serialize for Lossy<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        lossy(self.0, serializer)
    }
}

/// An optional path as a string or `null`.
#[allow(clippy::ref_option)] // the signature serde's `serialize_with` calls
pub fn lossy_opt<S: Serializer>(path: &Option<PathBuf>, serializer: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => lossy(path, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::ffi::OsStrExt;

    #[derive(serde::Serialize)]
    struct Report {
        #[serde(serialize_with = "super::lossy")]
        path: std::path::PathBuf,
    }

    #[test]
    fn a_name_that_is_not_utf8_is_still_reported() {
        let path = std::ffi::OsStr::from_bytes(b"m\xff/a.pkl").into();
        let json = serde_json::to_string(&Report { path }).unwrap();
        assert_eq!(json, r#"{"path":"m\\xff/a.pkl"}"#);
    }
}
