//! `modelseal check` and `modelseal quarantine` end to end: a models tree with good, tampered,
//! unsigned and malicious models; exact exit codes, JSON, SARIF, the quarantine layout, the
//! incident reports and the audit log.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::{assert_valid_sarif, keypair, modelseal, sign};

const MALICIOUS: &[u8] = b"cos\nsystem\n(S'touch CANARY'\ntR.";

struct Tree {
    dir: tempfile::TempDir,
    public: PathBuf,
}

impl Tree {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// models/good (signed dir), models/tampered (signed, then changed), models/unsigned.bin,
/// models/evil.pkl (signed, malicious).
fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let models = dir.path().join("models");
    for name in ["good", "tampered"] {
        fs::create_dir_all(models.join(name)).unwrap();
        fs::write(
            models.join(name).join("config.json"),
            br#"{"hidden_size": 8}"#,
        )
        .unwrap();
        fs::write(models.join(name).join("weights.bin"), vec![1u8; 4096]).unwrap();
        sign(&models.join(name), &key, &[]);
    }
    fs::write(models.join("tampered/weights.bin"), vec![2u8; 4096]).unwrap();
    fs::write(models.join("unsigned.bin"), b"plain bytes").unwrap();
    fs::write(models.join("evil.pkl"), MALICIOUS).unwrap();
    sign(&models.join("evil.pkl"), &key, &[]);
    Tree { dir, public }
}

fn check(tree: &Tree) -> assert_cmd::Command {
    let mut cmd = modelseal();
    cmd.current_dir(tree.dir.path())
        .args(["check", "models", "--key"])
        .arg(&tree.public);
    cmd
}

fn json(cmd: &mut assert_cmd::Command, code: i32) -> serde_json::Value {
    let out = cmd
        .args(["--format", "json"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn exit_codes_follow_the_contract() {
    let tree = tree();
    // Integrity (1) outranks the threat (2); with --allow-unsigned the unsigned model only
    // warns.
    check(&tree)
        .arg("--allow-unsigned")
        .assert()
        .code(1)
        .stdout(contains("models/tampered: integrity failure"));
    fs::remove_dir_all(tree.path("models/tampered")).unwrap();
    fs::remove_file(tree.path("models/tampered.sig")).unwrap();
    check(&tree)
        .arg("--allow-unsigned")
        .assert()
        .code(2)
        .stdout(contains("PICKLE-DANGEROUS-GLOBAL"));
    // By default an unsigned model fails (issue 12: the gate fails closed).
    check(&tree).assert().code(1).stdout(contains(
        "unsigned models fail (--allow-unsigned lets them pass)",
    ));
    fs::remove_file(tree.path("models/evil.pkl")).unwrap();
    // Its signature is still there: the model is missing.
    check(&tree)
        .arg("--allow-unsigned")
        .assert()
        .code(3)
        .stdout(contains("not found"));
    fs::remove_file(tree.path("models/evil.pkl.sig")).unwrap();
    check(&tree)
        .arg("--allow-unsigned")
        .assert()
        .code(0)
        .stdout(contains("models/good: signed by ecdsa-p256"));
    check(&tree).assert().code(1);
    check(&tree).arg("--strict").assert().code(1);
    modelseal()
        .current_dir(tree.dir.path())
        .args(["check", "models/good", "--key"])
        .arg(&tree.public)
        .assert()
        .code(0);
    modelseal()
        .current_dir(tree.dir.path())
        .args(["check", "nowhere", "--key"])
        .arg(&tree.public)
        .assert()
        .code(3);
    let garbage = tree.path("models/good.sig");
    fs::write(&garbage, b"{not json").unwrap();
    check(&tree).arg("--allow-unsigned").assert().code(4);
    modelseal().args(["check", "models"]).assert().code(64);
}

#[test]
fn json_reports_each_model_and_a_summary() {
    let tree = tree();
    let report = json(check(&tree).arg("--allow-unsigned"), 1);
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["strict"], false);
    assert_eq!(report["summary"]["models"], 4);
    assert_eq!(report["summary"]["passed"], 2);
    assert_eq!(report["summary"]["failed"], 2);
    assert_eq!(report["summary"]["unsigned"], 1);
    let by_name = |name: &str| {
        report["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    let good = by_name("good");
    assert_eq!(good["exit_code"], 0);
    assert_eq!(good["integrity"]["status"], "verified");
    assert!(good["digest"].as_str().unwrap().starts_with("sha256:"));
    let tampered = by_name("tampered");
    assert_eq!(tampered["exit_code"], 1);
    assert_eq!(tampered["integrity"]["status"], "changed");
    assert_eq!(tampered["integrity"]["changed"][0], "weights.bin");
    let evil = by_name("evil.pkl");
    assert_eq!(evil["exit_code"], 2);
    assert_eq!(evil["findings"][0]["rule_id"], "PICKLE-DANGEROUS-GLOBAL");
    let unsigned = by_name("unsigned.bin");
    assert_eq!(unsigned["exit_code"], 0);
    assert_eq!(unsigned["integrity"]["status"], "unsigned");
    assert!(
        unsigned["warnings"][0]
            .as_str()
            .unwrap()
            .contains("no signature")
    );
}

#[test]
fn sarif_holds_findings_and_integrity_failures_and_validates() {
    let tree = tree();
    let out = check(&tree)
        .args(["--strict", "--format", "sarif"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    for rule in ["MODEL-CHANGED", "MODEL-UNSIGNED", "PICKLE-DANGEROUS-GLOBAL"] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    assert_valid_sarif(&out);
}

#[test]
fn failing_models_are_quarantined_with_incidents_and_logged() {
    let tree = tree();
    let quarantine = tree.path("quarantine");
    let log = tree.path("audit.jsonl");
    check(&tree)
        .arg("--strict")
        .arg("--quarantine")
        .arg(&quarantine)
        .arg("--audit-log")
        .arg(&log)
        .assert()
        .code(1);
    // The good model stays; the three failing ones (and their signatures) left.
    assert!(tree.path("models/good").is_dir());
    for gone in [
        "tampered",
        "tampered.sig",
        "unsigned.bin",
        "evil.pkl",
        "evil.pkl.sig",
    ] {
        assert!(!tree.path(&format!("models/{gone}")).exists(), "{gone}");
    }
    let mut ids: Vec<String> = fs::read_dir(&quarantine)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 3);
    for (id, name) in ids.iter().zip(["evil.pkl", "tampered", "unsigned.bin"]) {
        assert!(id.starts_with(&format!("{name}_")), "{id}");
        let home = quarantine.join(id);
        // Each model has a directory of its own in its incident (issue 11 item 9).
        assert!(home.join("model").join(name).exists(), "{id}");
        let incident: serde_json::Value =
            serde_json::from_slice(&fs::read(home.join("incident.json")).unwrap()).unwrap();
        for field in [
            "original_path",
            "quarantined_at",
            "reason",
            "findings",
            "tool",
            "host",
            "user",
        ] {
            assert!(!incident[field].is_null(), "{id}: {field}");
        }
        assert!(
            Path::new(incident["original_path"].as_str().unwrap())
                .ends_with(format!("models/{name}"))
        );
    }
    let evil: serde_json::Value =
        serde_json::from_slice(&fs::read(quarantine.join(&ids[0]).join("incident.json")).unwrap())
            .unwrap();
    assert!(evil["digest"].as_str().unwrap().starts_with("sha256:"));
    // Every incident records the digest of what it holds, signed or not.
    for id in &ids {
        let incident: serde_json::Value =
            serde_json::from_slice(&fs::read(quarantine.join(id).join("incident.json")).unwrap())
                .unwrap();
        assert!(
            incident["digest"].as_str().unwrap().starts_with("sha256:"),
            "{id}"
        );
    }
    assert_eq!(evil["signature"], "signature.sig");
    assert_eq!(
        evil["findings"]["findings"][0]["rule_id"],
        "PICKLE-DANGEROUS-GLOBAL"
    );
    modelseal()
        .args(["quarantine", "list"])
        .arg(&quarantine)
        .assert()
        .success()
        .stdout(contains("evil.pkl_"))
        .stdout(contains("quarantined"));
    // Four decisions logged, each quarantine announced by an intent first, and the log is
    // consistent (no --key: not authenticated).
    modelseal()
        .args(["audit", "verify"])
        .arg(&log)
        .assert()
        .success()
        .stdout(contains("consistent, 7 entries"));
    let logged = fs::read_to_string(&log).unwrap();
    assert_eq!(logged.matches("\"action\":\"check\"").count(), 4);
    assert_eq!(logged.matches("\"quarantined\"").count(), 3);
    assert_eq!(logged.matches("\"result\":\"intent\"").count(), 3);
}

#[test]
fn release_rechecks_and_refuses_a_still_failing_model_unless_forced() {
    let tree = tree();
    let quarantine = tree.path("quarantine");
    let (_, other_public) = keypair(tree.dir.path(), "other", "ecdsa-p256");
    // Checked with the wrong key, the good model is quarantined too.
    modelseal()
        .current_dir(tree.dir.path())
        .args(["check", "models/good", "models/evil.pkl", "--key"])
        .arg(&other_public)
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(1);
    let id = |prefix: &str| {
        fs::read_dir(&quarantine)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with(prefix))
            .unwrap()
    };
    let release = |id: &str, to: &str| {
        let mut cmd = modelseal();
        cmd.args(["quarantine", "release"])
            .arg(&quarantine)
            .arg(id)
            .arg("--to")
            .arg(tree.path(to))
            .arg("--key")
            .arg(&tree.public)
            .arg("--audit-log")
            .arg(tree.path("audit.jsonl"));
        cmd
    };
    // With the right key the good model verifies and scans clean: released.
    release(&id("good_"), "released/good")
        .assert()
        .success()
        .stdout(contains("verified and scanned clean"));
    assert!(tree.path("released/good/weights.bin").is_file());
    // The malicious one still fails: refused (exit 2), then forced with a recorded reason.
    release(&id("evil.pkl_"), "released/evil.pkl")
        .assert()
        .code(2)
        .stderr(contains("--force"));
    assert!(!tree.path("released/evil.pkl").exists());
    release(&id("evil.pkl_"), "released/evil.pkl")
        .args(["--force", "needed for the incident review"])
        .assert()
        .success();
    let (incident, _) = modelseal_store::quarantine::show(&quarantine, &id("evil.pkl_")).unwrap();
    assert_eq!(
        incident.release.unwrap().forced_reason.as_deref(),
        Some("needed for the incident review")
    );
    let logged = fs::read_to_string(tree.path("audit.jsonl")).unwrap();
    for result in [
        "\"result\":\"pass\"",
        "\"result\":\"refused\"",
        "\"result\":\"forced\"",
    ] {
        assert!(logged.contains(result), "{result}");
    }
}

/// D-1 (red team 3): a models root that can be traversed but not listed (mode 0111, checked
/// by a user who does not own it) was "0 model(s)", exit 0, while a loader opens
/// `models/evil/pytorch_model.bin` by name. Now it cannot be listed: exit 4. Run as `nobody`
/// through `setpriv` when the tests run as root (root lists anything); skipped when neither
/// works.
#[cfg(unix)]
#[test]
fn an_unlistable_models_root_is_unreadable_not_empty() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let models = dir.path().join("models");
    fs::create_dir_all(models.join("evil")).unwrap();
    fs::write(models.join("evil/pytorch_model.bin"), MALICIOUS).unwrap();
    let (_key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    fs::set_permissions(&public, fs::Permissions::from_mode(0o644)).unwrap();
    let binary = dir.path().join("modelseal");
    fs::copy(assert_cmd::cargo::cargo_bin("modelseal"), &binary).unwrap();
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(models.join("evil"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&models, fs::Permissions::from_mode(0o111)).unwrap();
    let as_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let run = |args: &[&std::ffi::OsStr]| {
        let mut command = if as_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(&binary);
            c
        } else {
            std::process::Command::new(&binary)
        };
        command.args(args).output()
    };
    let key = public.as_os_str();
    for args in [
        vec![
            "check".as_ref(),
            "--models-root".as_ref(),
            models.as_os_str(),
        ],
        vec!["check".as_ref(), models.as_os_str()],
    ] {
        let mut args = args.clone();
        args.extend(["--key".as_ref(), key, "--strict".as_ref()]);
        let Ok(out) = run(&args) else {
            modelseal_test::skip::<()>("cannot run as another user (setpriv)");
            break;
        };
        if as_root && out.status.code().is_none_or(|c| c > 4) {
            modelseal_test::skip::<()>(&format!("setpriv failed: {out:?}"));
            break;
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {out:?}");
        assert!(!stdout.contains("0 model(s)"), "{stdout}");
        assert!(stdout.contains("cannot list"), "{stdout}");
    }
    fs::set_permissions(&models, fs::Permissions::from_mode(0o755)).unwrap();
}

/// V-3 (red team 3): `test-fixture/` and `test-fixture.sig` copied to `prod/` and `prod.sig`
/// verified and passed `check --strict` silently. model_signing does not bind the name, so it
/// still passes by default, but `verify` and `check` say "signed as test-fixture", and
/// `--require-name-match` makes it an integrity failure (exit 1).
#[test]
fn another_models_signature_is_reported_and_fails_when_names_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let models = dir.path().join("models");
    let fixture = models.join("test-fixture");
    fs::create_dir_all(&fixture).unwrap();
    fs::write(fixture.join("config.json"), b"{}").unwrap();
    sign(&fixture, &key, &[]);
    let prod = models.join("prod");
    fs::create_dir_all(&prod).unwrap();
    fs::copy(fixture.join("config.json"), prod.join("config.json")).unwrap();
    fs::copy(models.join("test-fixture.sig"), models.join("prod.sig")).unwrap();
    let run = |args: &[&str]| {
        let out = modelseal()
            .args(args)
            .arg(&prod)
            .arg("--key")
            .arg(&public)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for command in [&["verify"][..], &["check", "--strict"][..]] {
        let (code, stdout) = run(command);
        assert_eq!(code, Some(0), "{command:?}: {stdout}");
        assert!(
            stdout.contains("signed as test-fixture, not prod"),
            "{command:?}: {stdout}"
        );
        let mut strict = command.to_vec();
        strict.push("--require-name-match");
        let (code, stdout) = run(&strict);
        assert_eq!(code, Some(1), "{strict:?}: {stdout}");
        assert!(
            stdout.contains("signed as test-fixture"),
            "{strict:?}: {stdout}"
        );
    }
    // The model it was signed for passes with the flag.
    let out = modelseal()
        .args(["check", "--strict", "--require-name-match"])
        .arg(&fixture)
        .arg("--key")
        .arg(&public)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// D-2 (red team 3): `m.sig.sig` (a malicious pickle) beside a signed `m` was never checked,
/// and `check --strict --models-root` passed: it is an unsigned model now.
#[test]
fn a_signature_of_a_signature_is_checked_as_an_unsigned_model() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let models = dir.path().join("models");
    fs::create_dir_all(&models).unwrap();
    fs::write(models.join("m"), b"weights").unwrap();
    sign(&models.join("m"), &key, &[]);
    fs::write(models.join("m.sig.sig"), MALICIOUS).unwrap();
    let out = modelseal()
        .arg("check")
        .arg("--models-root")
        .arg(&models)
        .arg("--key")
        .arg(&public)
        .arg("--strict")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("m.sig.sig"), "{stdout}");
}

/// V-4 (red team 3): a 64 GiB sparse extra file under a 4 KiB-shard signature made `check`
/// list 16M shard names (a 580 MB report): it is one name now, text and JSON.
#[test]
fn an_extra_sparse_file_under_shards_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = dir.path().join("m");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("a.bin"), b"x").unwrap();
    sign(&model, &key, &["--shard-size", "4096"]);
    fs::File::create(model.join("extra.bin"))
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    for format in ["text", "json"] {
        let out = modelseal()
            .arg("check")
            .arg(&model)
            .arg("--key")
            .arg(&public)
            .args(["--strict", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(
            out.stdout.len() < 10_000,
            "{format}: {} bytes",
            out.stdout.len()
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("extra.bin"), "{stdout}");
        assert!(!stdout.contains("extra.bin:0:4096"), "{stdout}");
    }
}

/// Issue 12: a deployment gate fails closed. An unsigned model fails by default (exit 1);
/// `--allow-unsigned` lets it pass with a warning; `--strict`, the old opt-in, still parses.
#[test]
fn an_unsigned_model_fails_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let _ = keypair(dir.path(), "k", "ed25519");
    fs::write(dir.path().join("plain.bin"), b"plain bytes").unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "plain.bin", "--key", "k.pub"];
        args.extend_from_slice(extra);
        crate::messages::transcript(dir.path(), &args)
    };
    insta::assert_snapshot!("check_unsigned_default", run(&[]));
    insta::assert_snapshot!("check_unsigned_allowed", run(&["--allow-unsigned"]));
    assert_eq!(run(&["--strict"]), run(&[]), "--strict is the default now");
    let both = run(&["--strict", "--allow-unsigned"]);
    assert!(both.starts_with("exit: 64"), "{both}");
    let report = json(
        modelseal()
            .current_dir(dir.path())
            .args(["check", "plain.bin", "--key", "k.pub"]),
        1,
    );
    assert_eq!(report["strict"], true);
    assert_eq!(report["summary"]["unsigned"], 1);
}

/// Red team F3 (2.102): `check T --models-root T` checked every model twice (4 for 2).
#[test]
fn check_path_and_models_root_overlap_counts_each_model_once() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let models = dir.path().join("models");
    for name in ["a", "b"] {
        fs::create_dir_all(models.join(name)).unwrap();
        fs::write(models.join(name).join("w.bin"), name).unwrap();
    }
    sign(&models.join("a"), &key, &[]);
    let report = json(
        modelseal()
            .current_dir(dir.path())
            .args([
                "check",
                "models",
                "--models-root",
                "./models",
                "--allow-unsigned",
            ])
            .arg("--key")
            .arg(&public),
        0,
    );
    assert_eq!(report["summary"]["models"], 2, "{report}");
}

/// Red team F2 (2.103): `check models/ --quarantine q` before anything is signed moves the
/// whole directory as one unsigned model. What moves stays so (fail closed); the message says
/// how to check each model below it, and names signed models it holds.
#[test]
fn check_unsigned_directory_of_models_says_use_models_root() {
    let dir = tempfile::tempdir().unwrap();
    let _ = keypair(dir.path(), "k", "ed25519");
    let models = dir.path().join("models");
    for name in ["a", "b"] {
        fs::create_dir_all(models.join(name)).unwrap();
        fs::write(models.join(name).join("w.bin"), name).unwrap();
    }
    modelseal()
        .current_dir(dir.path())
        .args(["check", "models", "--key", "k.pub"])
        .assert()
        .code(1)
        .stdout(contains("use --models-root models"));
}
