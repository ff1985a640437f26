//! What a path on the command line is (an environment, a lockfile, a project directory, a
//! model) and the collection of several sources into one BOM.

use std::path::{Path, PathBuf};

use crate::bom::{Bom, Component, Kind};
use crate::collect::{CollectError, Diagnostics};

/// A kind of source a collector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    PythonEnvironment,
    Model,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::PythonEnvironment => "python environment",
            SourceKind::Model => "model",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    pub path: PathBuf,
}

impl Source {
    pub fn new(kind: SourceKind, path: impl Into<PathBuf>) -> Source {
        Source {
            kind,
            path: path.into(),
        }
    }
}

/// Whether `dir` is a virtualenv or a `site-packages` directory.
fn is_python_environment(dir: &Path) -> bool {
    if dir.join("pyvenv.cfg").is_file() {
        return true;
    }
    std::fs::read_dir(dir).is_ok_and(|mut entries| {
        entries.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "dist-info")))
    })
}

/// What `path` is, from its name and, for a directory, what it holds.
pub fn detect(path: &Path) -> Result<Vec<Source>, CollectError> {
    let metadata = std::fs::metadata(path).map_err(|e| CollectError::io(path, e))?;
    if metadata.is_dir() && is_python_environment(path) {
        return Ok(vec![Source::new(SourceKind::PythonEnvironment, path)]);
    }
    if crate::model::looks_like_model(path) {
        return Ok(vec![Source::new(SourceKind::Model, path)]);
    }
    Err(CollectError::Unrecognized {
        path: path.to_path_buf(),
        message: "not a Python environment, lockfile, project directory or model; name its \
                  kind with --python-env, --lockfile or --model"
            .to_owned(),
    })
}

/// Reads one source.
pub fn collect_one(source: &Source, diagnostics: &mut Diagnostics) -> Result<Bom, CollectError> {
    match source.kind {
        SourceKind::PythonEnvironment => {
            crate::python::collect_environment(&source.path, diagnostics)
        }
        SourceKind::Model => crate::model::collect_model(&source.path, diagnostics),
    }
}

/// Reads every source into one BOM. One source keeps its own root; several are gathered under
/// an application named `name` (by default the current directory's name).
pub fn collect(
    sources: &[Source],
    name: Option<&str>,
    diagnostics: &mut Diagnostics,
) -> Result<Bom, CollectError> {
    let mut boms = Vec::with_capacity(sources.len());
    for source in sources {
        boms.push(collect_one(source, diagnostics)?);
    }
    if boms.len() == 1 {
        let mut bom = boms.remove(0);
        if let Some(name) = name {
            name.clone_into(&mut bom.root.name);
        }
        return Ok(bom);
    }
    let name = name.map_or_else(
        || {
            std::env::current_dir()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "project".to_owned())
        },
        str::to_owned,
    );
    let mut bom = Bom::new(Component::new(
        format!("project:{name}"),
        Kind::Application,
        name,
    ));
    for other in boms {
        bom.merge(other);
    }
    Ok(bom)
}
