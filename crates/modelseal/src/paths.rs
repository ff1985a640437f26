//! Path conventions of the CLI: where signatures go by default, how `--ignore` is read, and
//! `-` for stdin or stdout.

use std::io::Read as _;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

pub use modelseal_sign::default_signature_path;

use crate::exit::{Exit, Failure};

/// The POSIX path of `path` (absolute, or relative to the current directory) relative to the
/// model root, if it lies inside a directory model. This is how a signature path is placed:
/// it is left out of the model only when it really is inside it.
pub fn inside_model(model: &Path, path: &Path) -> Option<String> {
    modelseal_fs::relative_inside(model, path)
}

/// Where an `--ignore PATH` points inside the model: relative to the current directory first
/// (as `model_signing` does) and, when that is not inside the model, relative to the model
/// root (so `--ignore README.md` works from anywhere).
pub fn ignore_in_model(model: &Path, path: &Path) -> Option<String> {
    inside_model(model, path).or_else(|| {
        path.is_relative()
            .then(|| inside_model(model, &model.join(path)))
            .flatten()
    })
}

/// Whether a path argument means stdin or stdout: `-`, as in cosign and every Unix tool. A
/// file named `-` is reached as `./-`.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// All of stdin, at most `limit` bytes (the bound a file in the same role has): more is
/// refused (exit 4), never read into memory.
pub fn read_stdin_limited(limit: u64, what: &str) -> Result<Vec<u8>, Failure> {
    // On a terminal, say what the wait is for rather than hang silently (red team 4-low).
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        crate::render::hint(&format!(
            "reading the {what} from stdin (a terminal): paste it, then press Ctrl-D"
        ));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Failure::new(
                Exit::Malformed,
                format!("cannot read the {what} from stdin: {e}"),
            )
        })?;
    if bytes.len() as u64 > limit {
        return Err(Failure::new(
            Exit::Malformed,
            format!("the {what} on stdin is larger than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bare_dash_is_stdio() {
        assert!(is_stdio(Path::new("-")));
        assert!(!is_stdio(Path::new("./-")));
        assert!(!is_stdio(Path::new("-x")));
    }

    #[test]
    fn signature_sits_beside_the_model() {
        assert_eq!(
            default_signature_path(Path::new("model")),
            PathBuf::from("model.sig")
        );
        assert_eq!(
            default_signature_path(Path::new("a/model/")),
            PathBuf::from("a/model.sig")
        );
        assert_eq!(
            default_signature_path(Path::new("a/w.bin")),
            PathBuf::from("a/w.bin.sig")
        );
    }

    #[test]
    fn ignores_resolve_inside_the_model_only() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m");
        std::fs::create_dir_all(model.join("sub")).unwrap();
        assert_eq!(
            ignore_in_model(&model, &model.join("sub/x")).as_deref(),
            Some("sub/x")
        );
        assert_eq!(
            ignore_in_model(&model, Path::new("README.md")).as_deref(),
            Some("README.md")
        );
        assert_eq!(ignore_in_model(&model, &dir.path().join("m.sig")), None);
        assert_eq!(
            inside_model(&model, &model.join("new.sig")).as_deref(),
            Some("new.sig")
        );
        // A relative signature path outside the model is never taken as a model file.
        assert_eq!(inside_model(&model, Path::new("config.json")), None);
        assert_eq!(inside_model(&model, &dir.path().join("m.sig")), None);
    }
}
