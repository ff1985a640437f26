//! What every collector shares: its error type (always naming the file, and the line where
//! there is one) and the choice between failing on a broken entry and skipping it with a
//! warning (`--best-effort`).

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file does not parse as its format (TOML, JSON, METADATA, ...).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The file parses but says something this collector cannot accept.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// A format version this build does not know (a lockfile from the future).
    #[error("{}: {message}", path.display())]
    Unsupported { path: PathBuf, message: String },
    /// Nothing at this path is a source this crate can read.
    #[error("{}: {message}", path.display())]
    Unrecognized { path: PathBuf, message: String },
}

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

/// Reads a whole source file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String, CollectError> {
    std::fs::read_to_string(path).map_err(|e| CollectError::io(path, e))
}

/// Whether a broken entry fails the whole collection (the default) or is skipped and
/// reported (`--best-effort`, which yields a partial SBOM).
#[derive(Debug, Default)]
pub struct Diagnostics {
    best_effort: bool,
    warnings: Vec<String>,
}

impl Diagnostics {
    pub fn strict() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn best_effort() -> Diagnostics {
        Diagnostics {
            best_effort: true,
            warnings: Vec::new(),
        }
    }

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

    /// Records something the user should know that never fails the collection.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
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
}
