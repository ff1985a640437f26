//! Help, completions and manual pages: every command's `--help` in one voice (a summary, a
//! description, examples, the exit codes it can return), all snapshotted; completion scripts
//! and man pages generated from the same definition.

use std::fs;
use std::process::Command;

use crate::modelseal;

/// The subcommands a `--help` lists under `Commands:` (clap's own `help` left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

fn help_of(path: &[String]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = modelseal()
        .args(path)
        .arg("--help")
        .env("COLUMNS", "100")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{path:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

/// Every command path, found by walking the help from the top (so a new command is snapshotted
/// without being listed here).
fn command_paths() -> Vec<Vec<String>> {
    let mut paths = vec![Vec::new()];
    let mut next = 0;
    while next < paths.len() {
        let path = paths[next].clone();
        for sub in subcommands(&help_of(&path)) {
            let mut child = path.clone();
            child.push(sub);
            paths.push(child);
        }
        next += 1;
    }
    paths
}

#[test]
fn every_command_help_has_a_description_examples_and_exit_codes() {
    let paths = command_paths();
    assert!(paths.len() > 20, "found only {paths:?}");
    for path in paths {
        let help = help_of(&path);
        let name = if path.is_empty() {
            "modelseal".to_owned()
        } else {
            path.join("_")
        };
        assert!(
            help.contains("\nExamples:\n  modelseal "),
            "{name} --help has no examples:\n{help}"
        );
        assert!(
            help.contains("\nExit codes:\n  0   "),
            "{name} --help has no exit codes:\n{help}"
        );
        // The summary line, a blank line, then a longer description before `Usage:`.
        let before_usage = help.split("\nUsage:").next().unwrap();
        assert!(
            before_usage.trim().contains("\n\n"),
            "{name} --help has no description beyond its summary:\n{help}"
        );
        insta::assert_snapshot!(format!("help_{name}"), help);
    }
}

#[test]
fn bash_completion_names_every_command_and_parses() {
    let output = modelseal().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(!script.is_empty());
    for path in command_paths().iter().filter(|p| !p.is_empty()) {
        let last = path.last().unwrap();
        assert!(
            script.contains(last.as_str()),
            "no {last} in the bash script"
        );
    }
    for flag in [
        "--certificate-chain",
        "--no-passphrase",
        "--config",
        "--no-config",
    ] {
        assert!(script.contains(flag), "no {flag} in the bash script");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("modelseal.bash");
    fs::write(&file, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn every_shell_gets_a_completion_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = modelseal().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains("verify"), "{shell}: {script}");
    }
    modelseal().args(["completions", "tcsh"]).assert().code(64);
}

#[test]
fn the_man_pages_render() {
    let output = modelseal().arg("man").output().unwrap();
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH modelseal 1"), "{page}");
    assert!(
        page.contains("Exit codes:"),
        "the page carries the exit codes"
    );

    let dir = tempfile::tempdir().unwrap();
    modelseal()
        .args(["man", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let mut pages: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for expected in [
        "modelseal.1",
        "modelseal-verify.1",
        "modelseal-key-generate.1",
        "modelseal-quarantine-release.1",
        "modelseal-sbom-audit.1",
        "modelseal-completions.1",
    ] {
        assert!(
            pages.iter().any(|p| p == expected),
            "{expected} in {pages:?}"
        );
    }
    // Where groff is installed, every page renders without a warning.
    if Command::new("groff").arg("-v").output().is_ok() {
        for name in &pages {
            let render = Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(dir.path().join(name))
                .output()
                .unwrap();
            assert!(render.status.success(), "{name}");
            assert!(
                render.stderr.is_empty(),
                "{name}: {}",
                String::from_utf8_lossy(&render.stderr)
            );
        }
    } else {
        modelseal_test::skip::<()>("groff not installed: the man pages' roff is not rendered");
    }
    // No directory to write into: not found, nothing written anywhere.
    modelseal()
        .args(["man", "-o"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(3);
}

/// Red team 10-E: `man -o FILE` (a path that exists but is no directory) said "not found".
#[test]
fn rt_10e_man_into_a_file_is_an_output_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    modelseal().args(["man", "-o"]).arg(&file).assert().code(74);
    modelseal()
        .args(["man", "-o"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(3);
}
