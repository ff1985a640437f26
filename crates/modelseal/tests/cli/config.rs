//! Settings from the environment and config files: flags > environment > config file, the
//! file found up to the repository root, its paths relative to itself, strict parsing.

use std::fs;
use std::path::Path;

use predicates::prelude::PredicateBooleanExt as _;
use predicates::str::contains;

use crate::{keypair, make_model, modelseal, sign, sign_cmd};

/// A repository (`.git`) holding a signed model, a second key pair and a working subdirectory.
struct Repo {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    model: std::path::PathBuf,
    work: std::path::PathBuf,
}

fn repo() -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::create_dir_all(root.join("keys")).unwrap();
    let work = root.join("work/deeper");
    fs::create_dir_all(&work).unwrap();
    let model = make_model(&root);
    let (key, _) = keypair(&root.join("keys"), "release", "ecdsa-p256");
    keypair(&root.join("keys"), "other", "ecdsa-p256");
    sign(&model, &key, &[]);
    Repo {
        _dir: dir,
        root,
        model,
        work,
    }
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
}

#[test]
fn a_project_config_supplies_the_trust_relative_to_itself_and_names_itself() {
    let repo = repo();
    write(
        &repo.root.join("modelseal.toml"),
        "[trust]\nkey = \"keys/release.pub\"\n",
    );
    modelseal()
        .current_dir(&repo.work)
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .success()
        .stderr(contains("note: trust.key from "))
        .stderr(contains("modelseal.toml"));
    // --no-config: back to the flag being required.
    modelseal()
        .current_dir(&repo.work)
        .args(["verify", "--no-config"])
        .arg(&repo.model)
        .assert()
        .code(64);
}

#[test]
fn flags_beat_the_environment_which_beats_the_config_file() {
    let repo = repo();
    let keys = repo.root.join("keys");
    write(
        &repo.root.join("modelseal.toml"),
        "[trust]\nkey = \"keys/other.pub\"\n",
    );
    // The config's key did not sign the model.
    modelseal()
        .current_dir(&repo.work)
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .code(1);
    // The environment wins over the config file, and says nothing about it.
    let assert = modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_TRUST", keys.join("release.pub"))
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .success();
    assert!(!String::from_utf8_lossy(&assert.get_output().stderr).contains("note:"));
    // The flag wins over both.
    modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_TRUST", keys.join("release.pub"))
        .arg("verify")
        .arg(&repo.model)
        .arg("--key")
        .arg(keys.join("other.pub"))
        .assert()
        .code(1);
}

#[test]
fn the_signing_key_and_audit_log_come_from_the_config_or_the_environment() {
    let repo = repo();
    write(
        &repo.root.join("modelseal.toml"),
        "key = \"keys/other\"\naudit-log = \"audit.jsonl\"\n",
    );
    let signature = repo.root.join("by-config.sig");
    modelseal()
        .current_dir(&repo.work)
        .arg("sign")
        .arg(&repo.model)
        .arg("--signature")
        .arg(&signature)
        .assert()
        .success()
        .stderr(contains("note: key, audit-log from"));
    assert!(
        repo.root.join("audit.jsonl").is_file(),
        "the log lands beside the config file, not in the current directory"
    );
    crate::verify_cmd(&repo.model, repo.root.join("keys/other.pub"))
        .arg("--signature")
        .arg(&signature)
        .assert()
        .success();
    // MODELSEAL_KEY, relative to the current directory like any path on the command line.
    sign_cmd(&repo.model, "../../keys/release")
        .current_dir(&repo.work)
        .arg("--signature")
        .arg(&signature)
        .assert()
        .success();
    modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_KEY", "../../keys/release")
        .arg("sign")
        .arg(&repo.model)
        .arg("--signature")
        .arg(&signature)
        .assert()
        .success()
        .stderr(contains("note: audit-log from"));
    crate::verify_cmd(&repo.model, repo.root.join("keys/release.pub"))
        .arg("--signature")
        .arg(&signature)
        .assert()
        .success();
}

#[test]
fn the_help_shows_what_the_config_sets() {
    let repo = repo();
    write(
        &repo.root.join("modelseal.toml"),
        "fail-on = \"medium\"\npolicy = \"policy.toml\"\n",
    );
    let help = modelseal()
        .current_dir(&repo.work)
        .args(["scan", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("[default: medium]"), "{help}");
    assert!(help.contains("policy.toml]"), "{help}");
    // MODELSEAL_FAIL_ON beats the file.
    let help = modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_FAIL_ON", "critical")
        .args(["scan", "--help"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("[default: critical]")
    );
}

#[test]
fn a_config_above_the_repository_root_is_not_read() {
    let repo = repo();
    write(
        &repo.root.parent().unwrap().join("modelseal.toml"),
        "[trust]\nkey = \"repo/keys/release.pub\"\n",
    );
    modelseal()
        .current_dir(&repo.work)
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .code(64);
}

#[test]
fn the_user_config_is_the_fallback_and_config_names_a_file() {
    let repo = repo();
    let xdg = repo.root.join("xdg");
    fs::create_dir_all(xdg.join("modelseal")).unwrap();
    write(
        &xdg.join("modelseal/config.toml"),
        &format!(
            "[trust]\nkey = {:?}\n",
            repo.root.join("keys/release.pub").to_str().unwrap()
        ),
    );
    modelseal()
        .current_dir(&repo.work)
        .env("XDG_CONFIG_HOME", &xdg)
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .success()
        .stderr(contains("config.toml"));
    // --config and MODELSEAL_CONFIG name one explicitly.
    let named = repo.root.join("named.toml");
    write(&named, "[trust]\nkey = \"keys/release.pub\"\n");
    modelseal()
        .current_dir(&repo.work)
        .arg("verify")
        .arg(&repo.model)
        .arg("--config")
        .arg(&named)
        .assert()
        .success();
    modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_CONFIG", &named)
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .success();
    modelseal()
        .current_dir(&repo.work)
        .args(["verify", ".", "--config", "missing.toml"])
        .assert()
        .code(3)
        .stderr(contains("config file"));
}

#[test]
fn a_malformed_config_exits_4_naming_the_file_and_line() {
    let repo = repo();
    write(
        &repo.root.join("modelseal.toml"),
        "policy = \"p.toml\"\n[trust]\nkye = \"keys/release.pub\"\n",
    );
    let output = modelseal()
        .current_dir(&repo.work)
        .arg("verify")
        .arg(&repo.model)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let root = repo.root.display().to_string();
    insta::assert_snapshot!(
        "config_unknown_key",
        stderr.replace(root.as_str(), "[REPO]")
    );
    // A wrong value type and a bad severity: also malformed, also located.
    write(&repo.root.join("modelseal.toml"), "fail-on = 3\n");
    modelseal()
        .current_dir(&repo.work)
        .args(["scan", "."])
        .assert()
        .code(4)
        .stderr(contains("line 1, column 11"));
    write(&repo.root.join("modelseal.toml"), "fail-on = \"severe\"\n");
    modelseal()
        .current_dir(&repo.work)
        .args(["scan", "."])
        .assert()
        .code(4)
        .stderr(contains("severe"));
    // --no-config reads none of it.
    modelseal()
        .current_dir(&repo.work)
        .args(["scan", "--no-config", "."])
        .assert()
        .success();
    // A FIFO where the config should be is refused, never waited on.
    #[cfg(unix)]
    {
        fs::remove_file(repo.root.join("modelseal.toml")).unwrap();
        let status = Command::new("mkfifo")
            .arg(repo.root.join("modelseal.toml"))
            .status()
            .unwrap();
        assert!(status.success());
        modelseal()
            .current_dir(&repo.work)
            .args(["scan", "."])
            .timeout(std::time::Duration::from_secs(30))
            .assert()
            .code(4);
    }
}

#[cfg(unix)]
use std::process::Command;

#[test]
fn conflicting_trust_settings_exit_64_unless_a_flag_decides() {
    let repo = repo();
    let keys = repo.root.join("keys");
    modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_TRUST", keys.join("release.pub"))
        .env("MODELSEAL_CERTIFICATE_CHAIN", keys.join("release.pub"))
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .code(64)
        .stderr(contains("MODELSEAL_TRUST and MODELSEAL_CERTIFICATE_CHAIN"));
    modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_TRUST", keys.join("other.pub"))
        .env("MODELSEAL_CERTIFICATE_CHAIN", keys.join("other.pub"))
        .arg("verify")
        .arg(&repo.model)
        .arg("--key")
        .arg(keys.join("release.pub"))
        .assert()
        .success();
    write(
        &repo.root.join("modelseal.toml"),
        "[trust]\nkey = \"keys/release.pub\"\ncertificate-chain = [\"root.pem\"]\n",
    );
    modelseal()
        .current_dir(&repo.work)
        .arg("verify")
        .arg(&repo.model)
        .assert()
        .code(64)
        .stderr(contains("both key and certificate-chain"));
    // A bad MODELSEAL_FAIL_ON is the caller's mistake: a usage error.
    modelseal()
        .current_dir(&repo.work)
        .env("MODELSEAL_FAIL_ON", "severe")
        .args(["scan", "--no-config", "."])
        .assert()
        .code(64);
}

/// A model shipped with a `modelseal.toml` that trusts the shipper's own key: run from inside
/// the model, the planted file must not choose the key that verifies it.
#[test]
fn a_config_planted_in_the_model_cannot_choose_its_trust() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = dir.path().join("download");
    fs::create_dir_all(&shipped).unwrap();
    let model = make_model(&shipped);
    let (attacker, _) = keypair(&model, "attacker", "ecdsa-p256");
    sign(&model, &attacker, &[]);
    write(
        &model.join("modelseal.toml"),
        "[trust]\nkey = \"attacker.pub\"\n",
    );
    modelseal()
        .current_dir(&model)
        .args(["verify", "."])
        .assert()
        .code(64)
        .stderr(contains("refusing"))
        .stderr(contains("--no-config"));
    // Under --format json the error object names the refused file (red team 3-C).
    let output = modelseal()
        .current_dir(&model)
        .args(["verify", ".", "--format", "json"])
        .output()
        .unwrap();
    let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        error["error"]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("modelseal.toml")),
        "{error}"
    );
    // Beside a single-file input too.
    modelseal()
        .current_dir(&model)
        .args(["verify", "attacker.pub"])
        .assert()
        .code(64)
        .stderr(contains("refusing"));
    // Named on purpose, it is the user's choice.
    modelseal()
        .current_dir(&model)
        .args(["verify", ".", "--config", "modelseal.toml"])
        .assert()
        .stderr(contains("refusing").not());
}

/// Nor may it weaken the scan that judges it.
#[test]
fn a_config_planted_in_a_scanned_directory_cannot_set_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("modelseal.toml"),
        "fail-on = \"critical\"\n",
    );
    write(&dir.path().join("weights.bin"), "not a model");
    modelseal()
        .current_dir(dir.path())
        .args(["scan", "."])
        .assert()
        .code(64)
        .stderr(contains("fail-on"));
    // A project config above the scanned directory still applies.
    let models = dir.path().join("models");
    fs::create_dir_all(&models).unwrap();
    modelseal()
        .current_dir(dir.path())
        .args(["scan", "models"])
        .assert()
        .stderr(contains("refusing").not());
}

/// Red team 10-A: a broken user config broke `--help`, `--version`, `completions` and
/// `digest` (exit 4), commands that take no setting; the commands that do still refuse it.
#[test]
fn rt_10a_a_broken_config_stops_only_the_commands_that_take_settings() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("xdg");
    fs::create_dir_all(home.join("modelseal")).unwrap();
    write(&home.join("modelseal/config.toml"), "kye = 1\n");
    let model = make_model(dir.path());
    let run = |args: &[&str]| {
        let mut cmd = modelseal();
        cmd.current_dir(dir.path())
            .env("XDG_CONFIG_HOME", &home)
            .args(args);
        cmd
    };
    run(&["--help"]).assert().success();
    run(&["verify", "--help"]).assert().success();
    run(&["--version"]).assert().success();
    run(&["completions", "bash"]).assert().success();
    run(&["digest"])
        .arg(&model)
        .assert()
        .success()
        .stderr(contains("kye"));
    run(&["verify", "--key", "k.pub"])
        .arg(&model)
        .assert()
        .code(4)
        .stderr(contains("kye"));
    // Under --format json the refusal is one error object.
    let output = run(&["verify", "--key", "k.pub", "--format", "json"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["exit_code"], 4);
}

/// Red team 10-B: a bad `MODELSEAL_FAIL_ON` beat the `--fail-on` flag and stopped `digest`.
#[test]
fn rt_10b_a_bad_fail_on_variable_loses_to_the_flag_and_stops_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let run = |args: &[&str]| {
        let mut cmd = modelseal();
        cmd.env("MODELSEAL_FAIL_ON", "banana").args(args);
        cmd
    };
    run(&["scan", "--fail-on", "high"])
        .arg(&model)
        .assert()
        .success();
    run(&["digest"]).arg(&model).assert().success();
    run(&["scan", "--help"]).assert().success();
    run(&["scan"])
        .arg(&model)
        .assert()
        .code(64)
        .stderr(contains("banana"));
}
