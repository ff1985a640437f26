//! Helpers every crate's tests share (a dev-dependency only; never linked into a binary).
//!
//! Tests find the workspace, the official schemas and specification test documents
//! ([`official`]) and the real peers (the `.venv` that `scripts/setup-peers.sh`
//! fills, executables such as `model_signing`). A test whose peer is missing skips through
//! [`skip`], which fails instead when `MODELSEAL_REQUIRE_PEERS` is set, as CI sets it, so a
//! suite can never pass by skipping there. Peers of the optional torch tier
//! (`scripts/setup-peers.sh --torch`, 5 GB that CI machines are not guaranteed to have) skip
//! through [`skip_optional`], which fails only when `MODELSEAL_REQUIRE_PEERS=all`.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![allow(clippy::print_stderr)] // a skip says why on stderr, which the test harness shows
#![warn(missing_docs, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Records that a test cannot run here and why; returns `None` for `let Some(..) else`.
///
/// # Panics
/// When `MODELSEAL_REQUIRE_PEERS` is set: there, a missing peer is a failure.
pub fn skip<T>(why: &str) -> Option<T> {
    record(why);
    assert!(
        std::env::var_os("MODELSEAL_REQUIRE_PEERS").is_none(),
        "required but missing (MODELSEAL_REQUIRE_PEERS is set): {why}"
    );
    eprintln!("skipping: {why}");
    None
}

/// Like [`skip`], for a peer of the optional torch tier: fails only when
/// `MODELSEAL_REQUIRE_PEERS=all`.
///
/// # Panics
/// When `MODELSEAL_REQUIRE_PEERS` is `all`.
pub fn skip_optional<T>(why: &str) -> Option<T> {
    record(&format!("optional torch tier: {why}"));
    assert!(
        std::env::var_os("MODELSEAL_REQUIRE_PEERS").is_none_or(|v| v != "all"),
        "required but missing (MODELSEAL_REQUIRE_PEERS=all): {why}"
    );
    eprintln!("skipping (optional torch tier, scripts/setup-peers.sh --torch): {why}");
    None
}

/// Appends a skip to `$MODELSEAL_SKIP_LOG`, which `scripts/test.sh` sets and summarises, so a
/// skip is never hidden by the test harness swallowing a passing test's output.
#[allow(clippy::disallowed_methods)] // a dev crate: the log is plain test bookkeeping
fn record(why: &str) {
    use std::io::Write as _;
    let Some(log) = std::env::var_os("MODELSEAL_SKIP_LOG") else {
        return;
    };
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(file, "{test}: {}", why.replace('\n', " "));
    }
}

/// Official test data by its path in the specification's layout: `schemas/<file>` (the
/// CycloneDX JSON schemas and XSDs, `spdx-2.3.schema.json`, `osv.schema.json`), `schemas`
/// (the directory of all of them, as `sbom validate --schema-dir` takes it),
/// `fixtures/cyclonedx-spec-tests/<version>` and `fixtures/spdx-example-2.3.json`.
///
/// Where a package registry ships the data, it comes from there: the CycloneDX schemas from
/// `cyclonedx-python-lib` in the `.venv` (skips without it). The rest no registry ships and is
/// copied, unchanged, in `tests/fixtures/official` (its README says from where). So a fresh
/// clone runs the same tests as CI, with no sibling `shared/` directory.
pub fn official(rel: &str) -> Option<PathBuf> {
    // Assembled once per test binary; a failure is not kept, so every call that needs the
    // schemas records its own skip.
    static ASSEMBLED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let vendored = workspace().join("tests/fixtures/official");
    if let Some(rest) = rel.strip_prefix("fixtures/") {
        return present(vendored.join(rest));
    }
    let dir = if let Some(dir) = ASSEMBLED.get() {
        dir.clone()
    } else {
        let dir = official_schemas(&vendored)?;
        ASSEMBLED.get_or_init(|| dir).clone()
    };
    match rel.strip_prefix("schemas/") {
        Some(file) => present(dir.join(file)),
        None if rel == "schemas" => Some(dir),
        None => present(vendored.join(rel)),
    }
}

fn present(path: PathBuf) -> Option<PathBuf> {
    if path.exists() {
        Some(path)
    } else {
        skip(&format!("{} not found", path.display()))
    }
}

/// `target/official-schemas`: `cyclonedx-python-lib`'s schemas under the specification's
/// names (the package ships `bom-1.6.SNAPSHOT.schema.json` whose `$ref`s name
/// `spdx.SNAPSHOT.schema.json`; the specification names them without `.SNAPSHOT`, and so do
/// the schemas' own `$id`s), beside the vendored SPDX and OSV schemas. Every test binary may
/// assemble it at once: each file is written to a unique temporary name and renamed, and the
/// content is the same whoever writes it.
#[allow(clippy::disallowed_methods)] // a dev crate assembling test data under target/
fn official_schemas(vendored: &Path) -> Option<PathBuf> {
    // Every failure here is loud: a `None` without a recorded skip would let a schema test
    // return early and pass unseen (red team 1-A).
    fn or_skip<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> Option<T> {
        result.map_or_else(|e| skip(&format!("{what}: {e}")), Some)
    }
    let package = cyclonedx_python_lib_schemas()?;
    let dir = workspace().join("target/official-schemas");
    or_skip(
        std::fs::create_dir_all(&dir),
        "cannot create target/official-schemas",
    )?;
    let mut sources: Vec<(String, PathBuf)> = Vec::new();
    for entry in or_skip(
        std::fs::read_dir(&package),
        "cannot list cyclonedx-python-lib's schemas",
    )? {
        let path = or_skip(entry, "cannot list cyclonedx-python-lib's schemas")?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("xsd"))
        {
            sources.push((name.replace(".SNAPSHOT", ""), path));
        }
    }
    for name in ["spdx-2.3.schema.json", "osv.schema.json"] {
        sources.push((name.to_owned(), vendored.join("schemas").join(name)));
    }
    for (name, source) in sources {
        let text = or_skip(
            std::fs::read_to_string(&source),
            &format!("cannot read {}", source.display()),
        )?
        .replace(".SNAPSHOT.", ".");
        let target = dir.join(&name);
        if std::fs::read_to_string(&target).is_ok_and(|t| t == text) {
            continue;
        }
        let temporary = dir.join(format!(".{name}.{}", std::process::id()));
        or_skip(
            std::fs::write(&temporary, text),
            &format!("cannot write {}", temporary.display()),
        )?;
        or_skip(
            std::fs::rename(&temporary, &target),
            &format!("cannot write {}", target.display()),
        )?;
    }
    Some(dir)
}

/// `cyclonedx/schema/_res` of the `cyclonedx-python-lib` installed in the `.venv`, as the
/// package ships it (`.SNAPSHOT` names).
#[allow(clippy::disallowed_methods)] // a dev crate
pub fn cyclonedx_python_lib_schemas() -> Option<PathBuf> {
    let lib = venv()?.join("lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| e.path().join("site-packages/cyclonedx/schema/_res"))
            .find(|p| p.is_dir())
    });
    found.or_else(|| {
        skip("cyclonedx-python-lib (the official CycloneDX schemas) is not in .venv (run scripts/setup-peers.sh)")
    })
}

/// The workspace's `.venv` with the Python peers.
pub fn venv() -> Option<PathBuf> {
    let venv = workspace().join(".venv");
    if venv.join("pyvenv.cfg").is_file() {
        Some(venv)
    } else {
        skip("no .venv (run scripts/setup-peers.sh)")
    }
}

/// A Python that can import every module in `modules` (comma-separated, as in an `import`
/// statement): `$MODELSEAL_PYTHON`, or the workspace `.venv`'s.
pub fn python_with(modules: &str) -> Option<PathBuf> {
    find_python(modules).or_else(|| {
        skip(&format!(
            "no Python with {modules} (run scripts/setup-peers.sh)"
        ))
    })
}

/// [`python_with`] for modules of the optional torch tier.
pub fn python_with_optional(modules: &str) -> Option<PathBuf> {
    find_python(modules).or_else(|| skip_optional(&format!("no Python with {modules}")))
}

fn find_python(modules: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("MODELSEAL_PYTHON").map(PathBuf::from),
        Some(workspace().join(".venv/bin/python")),
    ];
    let imports = |python: &PathBuf| {
        python.is_file()
            && Command::new(python)
                .env("KERAS_BACKEND", "jax")
                .args(["-c", &format!("import {modules}")])
                .output()
                .is_ok_and(|o| o.status.success())
    };
    candidates.into_iter().flatten().find(imports)
}

/// The executable `name`: `$<env_var>`, the workspace `.venv`'s, or on `PATH`.
pub fn peer(name: &str, env_var: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    let candidates = [
        std::env::var_os(env_var).map(PathBuf::from),
        Some(workspace().join(".venv/bin").join(name)),
        on_path,
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .or_else(|| {
            skip(&format!(
                "{name} not installed (run scripts/setup-peers.sh)"
            ))
        })
}
