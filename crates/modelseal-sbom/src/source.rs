//! What a path on the command line is (an environment, a lockfile, a project directory, a
//! model) and the collection of several sources into one BOM.

use std::path::{Path, PathBuf};

use crate::collect::{CollectError, Diagnostics};
use modelseal_bom::bom::{Bom, Component, Kind};

/// A kind of source a collector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// An installed Python environment (its `site-packages`).
    PythonEnvironment,
    /// `uv.lock`.
    UvLock,
    /// `poetry.lock`.
    PoetryLock,
    /// `Pipfile.lock`.
    PipfileLock,
    /// `pylock.toml` (PEP 751).
    PyLock,
    /// A pip requirements file.
    Requirements,
    /// `Cargo.lock`.
    CargoLock,
    /// npm's `package-lock.json`.
    PackageLock,
    /// A model file or directory.
    Model,
}

/// Lockfile names and what they are, in the order a project directory is searched: of the Python
/// ones only the first found is read (they describe the same project), the others are all read.
const LOCKFILES: &[(&str, SourceKind)] = &[
    ("uv.lock", SourceKind::UvLock),
    ("poetry.lock", SourceKind::PoetryLock),
    ("Pipfile.lock", SourceKind::PipfileLock),
    ("pylock.toml", SourceKind::PyLock),
    ("requirements.txt", SourceKind::Requirements),
    ("Cargo.lock", SourceKind::CargoLock),
    ("package-lock.json", SourceKind::PackageLock),
    ("npm-shrinkwrap.json", SourceKind::PackageLock),
];

impl SourceKind {
    /// The name messages use for this kind of source.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::PythonEnvironment => "python environment",
            SourceKind::UvLock => "uv.lock",
            SourceKind::PoetryLock => "poetry.lock",
            SourceKind::PipfileLock => "Pipfile.lock",
            SourceKind::PyLock => "pylock.toml",
            SourceKind::Requirements => "requirements file",
            SourceKind::CargoLock => "Cargo.lock",
            SourceKind::PackageLock => "package-lock.json",
            SourceKind::Model => "model",
        }
    }

    fn is_python_lock(self) -> bool {
        matches!(
            self,
            SourceKind::UvLock
                | SourceKind::PoetryLock
                | SourceKind::PipfileLock
                | SourceKind::PyLock
                | SourceKind::Requirements
        )
    }

    /// The lockfile kind a file name says (`requirements-dev.txt`, `pylock.web.toml` too).
    pub fn of_lockfile(name: &str) -> Option<SourceKind> {
        if let Some((_, kind)) = LOCKFILES.iter().find(|(n, _)| *n == name) {
            return Some(*kind);
        }
        let extension = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("txt") if name.starts_with("requirements") => Some(SourceKind::Requirements),
            Some("toml") if name.starts_with("pylock.") => Some(SourceKind::PyLock),
            _ => None,
        }
    }
}

/// A path and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How to read it.
    pub kind: SourceKind,
    /// The file or directory.
    pub path: PathBuf,
}

impl Source {
    /// A source of `kind` at `path`.
    pub fn new(kind: SourceKind, path: impl Into<PathBuf>) -> Source {
        Source {
            kind,
            path: path.into(),
        }
    }
}

/// Whether `dir` is a virtualenv or a `site-packages` directory.
fn is_python_environment(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file() || crate::python::holds_dist_info(dir)
}

/// The lockfiles of a project directory (see [`LOCKFILES`] for the order).
fn project_lockfiles(dir: &Path) -> Vec<Source> {
    let mut found: Vec<Source> = Vec::new();
    for (name, kind) in LOCKFILES {
        let candidate = dir.join(name);
        let python_taken = kind.is_python_lock() && found.iter().any(|s| s.kind.is_python_lock());
        let duplicate = found.iter().any(|s| s.kind == *kind);
        if candidate.is_file() && !python_taken && !duplicate {
            found.push(Source::new(*kind, candidate));
        }
    }
    found
}

/// What `path` is, from its name and, for a directory, what it holds.
pub fn detect(path: &Path) -> Result<Vec<Source>, CollectError> {
    let metadata = modelseal_fs::metadata(path)?;
    if metadata.is_dir() && is_python_environment(path) {
        return Ok(vec![Source::new(SourceKind::PythonEnvironment, path)]);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if metadata.is_file() {
        if let Some(kind) = SourceKind::of_lockfile(&name) {
            return Ok(vec![Source::new(kind, path)]);
        }
        // A manifest stands for the lockfile beside it.
        let beside = |lock: &str, kind| {
            let lockfile = path.with_file_name(lock);
            lockfile
                .is_file()
                .then(|| vec![Source::new(kind, lockfile)])
        };
        let found = match name.as_str() {
            "Cargo.toml" => beside("Cargo.lock", SourceKind::CargoLock),
            "package.json" => beside("package-lock.json", SourceKind::PackageLock),
            "pyproject.toml" => path
                .parent()
                .map(project_lockfiles)
                .filter(|f| !f.is_empty()),
            _ => None,
        };
        if let Some(found) = found {
            return Ok(found);
        }
    }
    if metadata.is_dir() {
        let found = project_lockfiles(path);
        if !found.is_empty() {
            return Ok(found);
        }
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
        SourceKind::UvLock => crate::python::collect_uv_lock(&source.path, diagnostics),
        SourceKind::PoetryLock => crate::python::collect_poetry_lock(&source.path, diagnostics),
        SourceKind::PipfileLock => crate::python::collect_pipfile_lock(&source.path, diagnostics),
        SourceKind::PyLock => crate::python::collect_pylock(&source.path, diagnostics),
        SourceKind::Requirements => crate::python::collect_requirements(&source.path, diagnostics),
        SourceKind::CargoLock => crate::rust::collect_cargo_lock(&source.path, diagnostics),
        SourceKind::PackageLock => crate::npm::collect_package_lock(&source.path, diagnostics),
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
        boms.push((collect_one(source, diagnostics)?, &source.path));
    }
    if boms.len() == 1 {
        let (mut bom, _) = boms.remove(0);
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
    for (mut other, path) in boms {
        // Two models or projects of one name (a/model.safetensors, b/model.safetensors) get
        // one reference: the later one is told apart by its path rather than dropped.
        if bom.has_ref(&other.root.bom_ref) {
            let base = format!("{}@{}", other.root.bom_ref, path.to_string_lossy());
            let mut unique = base.clone();
            let mut n = 2;
            while bom.has_ref(&unique) {
                unique = format!("{base}#{n}");
                n += 1;
            }
            other.rename_root(&unique);
        }
        bom.merge(other);
    }
    Ok(bom)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::disallowed_methods)] // fixtures are written with std::fs
    use super::*;

    fn kinds(sources: &[Source]) -> Vec<SourceKind> {
        sources.iter().map(|s| s.kind).collect()
    }

    #[test]
    fn lockfile_names() {
        assert_eq!(SourceKind::of_lockfile("uv.lock"), Some(SourceKind::UvLock));
        assert_eq!(
            SourceKind::of_lockfile("requirements-dev.txt"),
            Some(SourceKind::Requirements)
        );
        assert_eq!(
            SourceKind::of_lockfile("pylock.web.toml"),
            Some(SourceKind::PyLock)
        );
        assert_eq!(SourceKind::of_lockfile("notes.txt"), None);
    }

    #[test]
    fn a_project_directory_yields_one_python_lockfile_and_the_others() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "poetry.lock",
            "requirements.txt",
            "Cargo.lock",
            "package-lock.json",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        let found = detect(dir.path()).unwrap();
        assert_eq!(
            kinds(&found),
            [
                SourceKind::PoetryLock,
                SourceKind::CargoLock,
                SourceKind::PackageLock
            ]
        );
        let manifest = detect(&dir.path().join("Cargo.toml")).unwrap();
        assert_eq!(manifest[0].path, dir.path().join("Cargo.lock"));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            detect(empty.path()),
            Err(CollectError::Unrecognized { .. })
        ));
    }

    /// Red team F2 (E07): two models of one file name became one component; the second one,
    /// its hash and format, vanished.
    #[test]
    fn two_models_of_one_name_stay_two_components() {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = Vec::new();
        for (sub, content) in [("a", "one"), ("b", "two")] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            let path = dir.path().join(sub).join("model.safetensors");
            std::fs::write(&path, content).unwrap();
            sources.push(Source::new(SourceKind::Model, path));
        }
        let bom = collect(&sources, Some("both"), &mut Diagnostics::best_effort()).unwrap();
        let models: Vec<_> = bom
            .components
            .values()
            .filter(|c| c.name == "model.safetensors")
            .collect();
        assert_eq!(models.len(), 2, "{:?}", bom.components.keys());
        assert_ne!(models[0].hashes, models[1].hashes);
        for model in models {
            assert!(bom.dependencies["project:both"].contains(&model.bom_ref));
        }
    }

    /// Red team F16 (E08): two projects in directories of one name (x/api, y/api) merged into
    /// one `project:api` root, conflating their dependency graphs.
    #[test]
    fn two_projects_of_one_directory_name_keep_their_graphs_apart() {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = Vec::new();
        for (sub, pin) in [("x", "numpy==1.0"), ("y", "requests==2.0")] {
            let project = dir.path().join(sub).join("api");
            std::fs::create_dir_all(&project).unwrap();
            let path = project.join("requirements.txt");
            std::fs::write(&path, format!("{pin}\n")).unwrap();
            sources.push(Source::new(SourceKind::Requirements, path));
        }
        let bom = collect(&sources, Some("both"), &mut Diagnostics::strict()).unwrap();
        let roots = &bom.dependencies["project:both"];
        assert_eq!(roots.len(), 2, "{roots:?}");
        for root in roots {
            assert_eq!(
                bom.dependencies[root].len(),
                1,
                "{root}: {:?}",
                bom.dependencies[root]
            );
        }
    }
}
