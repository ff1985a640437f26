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
