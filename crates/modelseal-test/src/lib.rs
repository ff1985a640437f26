//! Helpers every crate's tests share (a dev-dependency only; never linked into a binary).
//!
//! Tests find the workspace, the `shared/` directory beside it (official schemas, spec
//! documents, peer fixtures) and the real peers (the `.venv` that `scripts/setup-peers.sh`
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

/// `rel` under the `shared/` directory beside the workspace (`MODELSEAL_SHARED` overrides
/// where that is), read in place.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("MODELSEAL_SHARED")
        .map_or_else(|| workspace().join("../shared"), PathBuf::from);
    let path = root.join(rel);
    if path.exists() {
        Some(path)
    } else {
        skip(&format!("{} not found", path.display()))
    }
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
