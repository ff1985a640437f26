use std::fs;
use std::path::PathBuf;

use predicates::str::contains;

use crate::modelseal;

fn corpus(rel: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/scan-corpus")
        .join(rel)
}

#[test]
fn a_malicious_pickle_fails_the_scan_with_exit_2() {
    modelseal()
        .arg("scan")
        .arg(corpus("malicious/reduce-os-system-p4.pkl"))
        .assert()
        .code(2)
        .stdout(contains("critical"))
        .stdout(contains("PICKLE-DANGEROUS-GLOBAL"))
        .stdout(contains("posix.system"));
}

#[test]
fn benign_models_pass_with_exit_0() {
    modelseal()
        .arg("scan")
        .arg(corpus("benign"))
        .assert()
        .code(0)
        .stdout(contains("no findings"));
}

#[test]
fn fail_on_sets_the_threshold() {
    let ext = corpus("malicious/ext1-extension-registry.pkl");
    modelseal().arg("scan").arg(&ext).assert().code(2);
    modelseal()
        .arg("scan")
        .arg(&ext)
        .args(["--fail-on", "critical"])
        .assert()
        .code(0);
    let npy = corpus("benign/numpy-float32.npy");
    modelseal()
        .arg("scan")
        .arg(&npy)
        .args(["--fail-on", "info"])
        .assert()
        .code(0);
}

#[test]
fn member_paths_are_reported_inside_archives() {
    modelseal()
        .arg("scan")
        .arg(corpus("malicious/numpy-npz-object-member.npz"))
        .assert()
        .code(2)
        .stdout(contains("meta.npy"));
}

#[test]
fn missing_paths_exit_3_and_bad_policies_exit_4() {
    modelseal()
        .args(["scan", "/no/such/model"])
        .assert()
        .code(3)
        .stderr(contains("not found"));
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    fs::write(&policy, "[allow]\nglobalz = []\n").unwrap();
    modelseal()
        .arg("scan")
        .arg(corpus("benign"))
        .arg("--policy")
        .arg(&policy)
        .assert()
        .code(4)
        .stderr(contains("policy"));
    modelseal()
        .arg("scan")
        .arg(corpus("benign"))
        .arg("--policy")
        .arg(dir.path().join("none.toml"))
        .assert()
        .code(3);
}

#[test]
fn a_policy_file_extends_the_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("custom.pkl");
    // A pickle of mylib.layers.Custom(): unknown without a policy.
    fs::write(&model, b"\x80\x04\x8c\x0cmylib.layers\x8c\x06Custom\x93)R.").unwrap();
    modelseal()
        .arg("scan")
        .arg(&model)
        .assert()
        .code(2)
        .stdout(contains("PICKLE-UNKNOWN-CALL"));
    let policy = dir.path().join("policy.toml");
    fs::write(&policy, "[allow]\nglobals = [\"mylib.layers.Custom\"]\n").unwrap();
    modelseal()
        .arg("scan")
        .arg(&model)
        .arg("--policy")
        .arg(&policy)
        .assert()
        .code(0);
}

#[test]
fn json_output_is_one_document_with_a_summary() {
    let out = modelseal()
        .arg("scan")
        .arg(corpus("malicious"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["exit_code"], 2);
    assert!(json["summary"]["critical"].as_u64().unwrap() > 20);
    let first = &json["files"][0]["findings"][0];
    for key in ["rule_id", "severity", "file", "location", "message"] {
        assert!(first.get(key).is_some(), "finding lacks {key}: {first}");
    }
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let out = modelseal()
        .arg("scan")
        .arg(corpus("malicious"))
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "modelseal");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for result in run["results"].as_array().unwrap() {
        assert!(
            rules.contains(&result["ruleId"].as_str().unwrap()),
            "{result}"
        );
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    }
}

/// Microsoft's SARIF validator (schema and SARIF rules), installed by scripts/setup-peers.sh.
#[test]
fn sarif_output_passes_the_official_validator() {
    let out = modelseal()
        .arg("scan")
        .arg(corpus(""))
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    crate::assert_valid_sarif(&out.stdout);
}
