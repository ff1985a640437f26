//! `check --quarantine` and `quarantine ...` against the layout and overlap attacks of issue 11
//! (items 9 and 10).

use std::fs;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::{keypair, modelseal};

/// `--quarantine m/q` on model `m` wrote into the model and failed with EINVAL on every run.
#[test]
fn a_quarantine_dir_inside_the_model_is_refused_before_any_move() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let model = dir.path().join("m");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("w.bin"), b"weights").unwrap();
    modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .arg("--strict")
        .arg("--quarantine")
        .arg(model.join("q"))
        .assert()
        .code(64)
        .stderr(contains("the quarantine directory is inside the model"));
    assert!(
        !model.join("q").exists(),
        "nothing was written into the model"
    );
    assert_eq!(fs::read(model.join("w.bin")).unwrap(), b"weights");
    // And the other way round: a model inside the quarantine directory.
    let quarantine = dir.path().join("q");
    let inside = quarantine.join("x/model/m2");
    fs::create_dir_all(&inside).unwrap();
    fs::write(inside.join("w.bin"), b"w").unwrap();
    modelseal()
        .arg("check")
        .arg(&inside)
        .arg("--key")
        .arg(&public)
        .arg("--strict")
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(64)
        .stderr(contains("the model is inside the quarantine directory"));
    assert!(inside.join("w.bin").exists());
}

/// A failing model named like the incident's own files collided with them and left an orphan
/// incident: each model now has a directory of its own in its incident.
#[test]
fn models_named_incident_json_and_signature_sig_are_quarantined_and_released() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let models = dir.path().join("models");
    fs::create_dir(&models).unwrap();
    let quarantine = dir.path().join("q");
    for name in ["incident.json", "signature.sig"] {
        fs::write(models.join(name), b"payload").unwrap();
        modelseal()
            .arg("check")
            .arg(models.join(name))
            .arg("--key")
            .arg(&public)
            .arg("--strict")
            .arg("--quarantine")
            .arg(&quarantine)
            .assert()
            .code(1);
        assert!(!models.join(name).exists(), "{name} was quarantined");
    }
    let listed = modelseal()
        .args(["quarantine", "list", "--format", "json"])
        .arg(&quarantine)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    for item in listed {
        assert_eq!(item["complete"], true, "{item}");
        assert_eq!(item["layout"], 2);
        let id = item["id"].as_str().unwrap();
        let to = dir.path().join(format!("released-{id}"));
        modelseal()
            .args(["quarantine", "release"])
            .arg(&quarantine)
            .arg(id)
            .arg("--to")
            .arg(&to)
            .arg("--key")
            .arg(&public)
            .args(["--force", "test"])
            .arg("--audit-log")
            .arg(dir.path().join("audit.jsonl"))
            .assert()
            .success();
        assert_eq!(fs::read(&to).unwrap(), b"payload");
    }
    // Each release was announced before the move and completed after it (issue 11 item 12).
    let log = fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let results: Vec<&str> = entries
        .iter()
        .map(|e| e["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["intent", "forced", "intent", "forced"]);
    assert_eq!(entries[1]["detail"]["intent"], entries[0]["index"]);
    modelseal()
        .args(["audit", "verify"])
        .arg(dir.path().join("audit.jsonl"))
        .assert()
        .success()
        .stdout(contains("never completed").not());
    // A run killed between an intent and its outcome shows as pending, not as tampering.
    let intent = modelseal_store::audit::Event {
        action: "release".to_owned(),
        subject: Some("q/x".to_owned()),
        digest: None,
        result: "intent".to_owned(),
        detail: serde_json::Value::Null,
    };
    let actor = modelseal_store::audit::Actor::from_environment();
    modelseal_store::audit::append(&dir.path().join("audit.jsonl"), intent, &actor, None).unwrap();
    modelseal()
        .args(["audit", "verify"])
        .arg(dir.path().join("audit.jsonl"))
        .assert()
        .success()
        .stdout(contains(
            "entry 4 (line 5): release of q/x was announced but never completed",
        ));
}

/// Red team 3, Q-4 (`q_recover_redeploy.sh`): an unsigned `m` quarantined, the same bytes
/// copied back and signed: the next `check --quarantine --audit-log` deleted `models/m` as
/// the leftover of an interrupted move ("not found", exit 3, nothing in the log).
#[test]
fn q_recover_redeploy_round_trip_passes_the_signed_model() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let models = dir.path().join("models");
    let model = models.join("m");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    let quarantine = dir.path().join("q");
    let check = || {
        let mut cmd = modelseal();
        cmd.arg("check")
            .arg("--models-root")
            .arg(&models)
            .arg("--key")
            .arg(&public)
            .arg("--strict")
            .arg("--quarantine")
            .arg(&quarantine);
        cmd
    };
    check().assert().code(1);
    assert!(!model.exists(), "quarantined");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    crate::sign(&model, &key, &[]);
    let log = dir.path().join("a.jsonl");
    check()
        .arg("--audit-log")
        .arg(&log)
        .assert()
        .success()
        .stderr(contains("recovery removed").not());
    assert_eq!(fs::read(model.join("config.json")).unwrap(), b"{}");
}

/// Red team 3, Q-1 (`q_forged_incident_dirlink.sh`): a forged incident whose `model` is a link
/// to the victim's directory made the next gate run delete the victim's file.
#[test]
fn q_forged_incident_dirlink_makes_the_gate_delete_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let victim_dir = dir.path().join("victimdir");
    fs::create_dir_all(&victim_dir).unwrap();
    let victim = victim_dir.join("shadow");
    fs::write(&victim, b"secret").unwrap();
    let quarantine = dir.path().join("q");
    let home = quarantine.join("shadow_20260101T000000.000000000Z");
    fs::create_dir_all(&home).unwrap();
    std::os::unix::fs::symlink(&victim_dir, home.join("model")).unwrap();
    let incident = serde_json::json!({
        "id": "shadow_20260101T000000.000000000Z", "name": "shadow", "original_path": victim,
        "quarantined_at": "2026-01-01T00:00:00Z", "reason": "x", "findings": null,
        "digest": null, "tool": "modelseal", "host": "h", "user": "u", "layout": 2
    });
    fs::write(home.join("incident.json"), incident.to_string()).unwrap();
    let unsigned = dir.path().join("u.bin");
    fs::write(&unsigned, b"hi").unwrap();
    modelseal()
        .arg("check")
        .arg(&unsigned)
        .arg("--key")
        .arg(&public)
        .arg("--strict")
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(1);
    assert_eq!(fs::read(&victim).unwrap(), b"secret");
}

/// Recovery says what it removed, on stderr and in the audit log.
#[test]
fn what_recovery_removes_is_reported_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let quarantine = dir.path().join("q");
    let staging = quarantine.join(".x_20260101T000000.000000000Z.new");
    fs::create_dir_all(&staging).unwrap();
    let unsigned = dir.path().join("u.bin");
    fs::write(&unsigned, b"hi").unwrap();
    let log = dir.path().join("a.jsonl");
    modelseal()
        .arg("check")
        .arg(&unsigned)
        .arg("--key")
        .arg(&public)
        .arg("--strict")
        .arg("--quarantine")
        .arg(&quarantine)
        .arg("--audit-log")
        .arg(&log)
        .assert()
        .code(1)
        .stderr(contains("quarantine recovery removed"));
    assert!(!staging.exists());
    let logged = fs::read_to_string(&log).unwrap();
    assert!(logged.contains("\"action\":\"recover\""), "{logged}");
}

/// Issue 12: a signed model quarantined because the gate was given the wrong key, released
/// with the right one, failed the next `check` as unsigned: its signature stayed inside the
/// incident. Release puts the signature back beside the model.
#[test]
fn a_released_model_comes_back_with_its_signature_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let (_, wrong) = keypair(dir.path(), "other", "ed25519");
    let models = dir.path().join("models");
    let model = models.join("m");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    crate::sign(&model, &key, &[]);
    let quarantine = dir.path().join("q");
    let check = |public: &std::path::Path| {
        let mut cmd = modelseal();
        cmd.arg("check")
            .arg(&model)
            .arg("--key")
            .arg(public)
            .arg("--quarantine")
            .arg(&quarantine);
        cmd
    };
    check(&wrong).assert().code(1);
    assert!(!model.exists() && !models.join("m.sig").exists());
    let listed = modelseal()
        .args(["quarantine", "list", "--format", "json"])
        .arg(&quarantine)
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        listed[0]["original_signature"],
        models.join("m.sig").to_str().unwrap()
    );
    modelseal()
        .args(["quarantine", "release"])
        .arg(&quarantine)
        .arg(&id)
        .arg("--to")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .arg("--audit-log")
        .arg(dir.path().join("a.jsonl"))
        .assert()
        .success()
        .stdout(contains("signature restored"));
    assert!(models.join("m.sig").is_file());
    let log = fs::read_to_string(dir.path().join("a.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["result"], "pass");
    assert_eq!(
        last["detail"]["signature"],
        models.join("m.sig").to_str().unwrap()
    );
    check(&public).assert().success();
    // The incident keeps its copy as the record, and the release says where it went.
    let home = quarantine.join(&id);
    assert!(home.join("signature.sig").is_file());
    let incident: serde_json::Value =
        serde_json::from_slice(&fs::read(home.join("incident.json")).unwrap()).unwrap();
    assert_eq!(
        incident["release"]["signature"],
        models.join("m.sig").to_str().unwrap()
    );
    // What list and show print for a released incident matches the published schemas.
    crate::schemas::assert_matches_schema("quarantine-list.schema.json", &listed);
    let shown = modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg(&id)
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        shown["incident"]["release"]["signature"],
        incident["release"]["signature"]
    );
    crate::schemas::assert_matches_schema("quarantine-show.schema.json", &shown);
}

/// A different file already where the signature goes is never replaced: the release is
/// refused before the model moves.
#[test]
fn a_release_never_overwrites_a_different_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let (_, wrong) = keypair(dir.path(), "other", "ed25519");
    let model = dir.path().join("m.bin");
    fs::write(&model, b"weights").unwrap();
    crate::sign(&model, &key, &[]);
    let quarantine = dir.path().join("q");
    modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&wrong)
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(1);
    let to = dir.path().join("back.bin");
    fs::write(dir.path().join("back.bin.sig"), b"someone else's").unwrap();
    let id = fs::read_dir(&quarantine)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    modelseal()
        .args(["quarantine", "release"])
        .arg(&quarantine)
        .arg(&id)
        .arg("--to")
        .arg(&to)
        .arg("--key")
        .arg(&public)
        .assert()
        .code(64)
        .stderr(contains("back.bin.sig"));
    assert!(!to.exists(), "the model stayed in quarantine");
    assert_eq!(
        fs::read(dir.path().join("back.bin.sig")).unwrap(),
        b"someone else's"
    );
}

/// Issue 12: quarantine ids accept a unique prefix of at least four characters, as git and
/// docker do; an ambiguous one lists the candidates (exit 64), an unknown one is not found.
#[test]
fn quarantine_ids_accept_unique_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let quarantine = dir.path().join("q");
    for name in ["alpha.bin", "alpine.bin", "beta.bin"] {
        let model = dir.path().join(name);
        fs::write(&model, b"unsigned").unwrap();
        modelseal()
            .arg("check")
            .arg(&model)
            .arg("--key")
            .arg(&public)
            .arg("--quarantine")
            .arg(&quarantine)
            .assert()
            .code(1);
    }
    modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg("beta")
        .assert()
        .success()
        .stdout(contains("\"name\": \"beta.bin\""));
    modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg("alp")
        .assert()
        .code(64)
        .stderr(contains("at least 4"));
    modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg("alpi")
        .assert()
        .success()
        .stdout(contains("\"name\": \"alpine.bin\""));
    modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg("alph")
        .assert()
        .success()
        .stdout(contains("\"name\": \"alpha.bin\""));
    modelseal()
        .args(["quarantine", "release"])
        .arg(&quarantine)
        .arg("al.b")
        .arg("--to")
        .arg(dir.path().join("x"))
        .arg("--key")
        .arg(&public)
        .assert()
        .code(3);
    modelseal()
        .args(["quarantine", "release"])
        .arg(&quarantine)
        .arg("alpin")
        .arg("--to")
        .arg(dir.path().join("x"))
        .arg("--key")
        .arg(&public)
        .args(["--force", "test"])
        .assert()
        .success()
        .stdout(contains("released alpine.bin_"));
    assert_eq!(fs::read(dir.path().join("x")).unwrap(), b"unsigned");
    // Two incidents of one model share their name: the prefix is ambiguous.
    let again = dir.path().join("beta.bin");
    fs::write(&again, b"unsigned").unwrap();
    modelseal()
        .arg("check")
        .arg(&again)
        .arg("--key")
        .arg(&public)
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(1);
    modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg("beta.bin_")
        .assert()
        .code(64)
        .stderr(contains("ambiguous"))
        .stderr(contains("beta.bin_2"));
}

/// Red team F4 (2.113): `quarantine release Q ID --to Q/m` exited 0 releasing into the
/// quarantine directory itself. Refused as a usage error (exit 64), the incident intact.
#[test]
fn release_into_the_quarantine_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let (_, wrong) = keypair(dir.path(), "other", "ed25519");
    let model = dir.path().join("m");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    crate::sign(&model, &key, &[]);
    let quarantine = dir.path().join("q");
    modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&wrong)
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(1);
    let listed = modelseal()
        .args(["quarantine", "list", "--format", "json"])
        .arg(&quarantine)
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    modelseal()
        .args(["quarantine", "release"])
        .arg(&quarantine)
        .arg(&id)
        .arg("--to")
        .arg(quarantine.join("m"))
        .arg("--key")
        .arg(&public)
        .assert()
        .code(64)
        .stderr(contains("quarantine directory"));
    assert!(!quarantine.join("m").exists());
}

/// Red team F5 (2.120, 2.121): a copy of an incident under another directory name was listed
/// under the real id, twice. It is flagged with a warning naming both, listed once, and
/// `show` of the copy is refused (exit 4).
#[test]
fn list_flags_an_incident_copied_under_another_directory_name() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let model = dir.path().join("beta.bin");
    fs::write(&model, b"weights").unwrap();
    let quarantine = dir.path().join("q");
    modelseal()
        .arg("check")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .arg("--quarantine")
        .arg(&quarantine)
        .assert()
        .code(1);
    let id = fs::read_dir(&quarantine)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with("beta"))
        .unwrap();
    let forged = quarantine.join("zzzz_20260101T000000Z");
    fs::create_dir_all(forged.join("model")).unwrap();
    fs::copy(
        quarantine.join(&id).join("incident.json"),
        forged.join("incident.json"),
    )
    .unwrap();
    fs::write(forged.join("model/beta.bin"), b"weights").unwrap();
    let out = modelseal()
        .args(["quarantine", "list", "--format", "json"])
        .arg(&quarantine)
        .assert()
        .success()
        .stderr(contains("zzzz_20260101T000000Z").and(contains("is not its directory")))
        .get_output()
        .stdout
        .clone();
    let listed: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    modelseal()
        .args(["quarantine", "show"])
        .arg(&quarantine)
        .arg("zzzz")
        .assert()
        .code(4);
}
