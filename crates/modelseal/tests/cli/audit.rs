//! `--audit-log` on deciding commands and `modelseal audit ...`.

use std::fs;
use std::path::Path;

use predicates::prelude::PredicateBooleanExt;

use crate::{keypair, make_model, modelseal, sign, sign_cmd, verify_cmd};

fn entries(log: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("index").is_some())
        .collect()
}

#[test]
fn decisions_are_logged_and_the_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let log = dir.path().join("audit.jsonl");
    let log_arg = log.to_str().unwrap();
    sign(&model, &key, &["--audit-log", log_arg]);
    verify_cmd(&model, &public)
        .args(["--audit-log", log_arg, "--audit-key"])
        .arg(&key)
        .args(["--audit-checkpoint-every", "2"])
        .assert()
        .success();
    fs::write(model.join("config.json"), b"changed").unwrap();
    verify_cmd(&model, &public)
        .args(["--audit-log", log_arg])
        .assert()
        .code(1);
    let pickle = dir.path().join("evil.pkl");
    fs::write(&pickle, b"cos\nsystem\n(S'id'\ntR.").unwrap();
    modelseal()
        .arg("scan")
        .arg(&pickle)
        .args(["--audit-log", log_arg])
        .assert()
        .code(2);
    let logged = entries(&log);
    let summary: Vec<(&str, &str)> = logged
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("sign", "pass"),
            ("verify", "pass"),
            ("verify", "integrity-failure"),
            ("scan", "threat")
        ]
    );
    assert_eq!(logged[0]["digest"], logged[1]["digest"]);
    assert!(logged[0]["digest"].as_str().unwrap().starts_with("sha256:"));
    // The last two entries were written without --audit-key: no signed checkpoint covers
    // them, so with the key the log is not intact (issue 11 item 4)...
    modelseal()
        .args(["audit", "verify"])
        .arg(&log)
        .arg("--key")
        .arg(&public)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "line 4: Uncovered: entries 2..=3",
        ));
    // ... unless they are accepted as a tail younger than the checkpoint interval.
    modelseal()
        .args(["audit", "verify", "--allow-uncovered-tail"])
        .arg(&log)
        .arg("--key")
        .arg(&public)
        .assert()
        .success()
        .stdout(predicates::str::contains("intact, 4 entries"))
        .stdout(predicates::str::contains("1 checkpoint(s) matched"))
        .stdout(predicates::str::contains(
            "the last 2 entries are not yet covered",
        ));
}

#[test]
fn tampering_is_reported_with_its_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    // The log lies outside what is scanned: a log inside an input is refused.
    let scanned = dir.path().join("scanned");
    fs::create_dir(&scanned).unwrap();
    for _ in 0..4 {
        modelseal()
            .args(["scan", "--audit-log"])
            .arg(&log)
            .arg(&scanned)
            .assert()
            .success();
    }
    let text = fs::read_to_string(&log).unwrap();
    fs::write(
        &log,
        text.replacen("\"result\":\"pass\"", "\"result\":\"threat\"", 1),
    )
    .unwrap();
    modelseal()
        .args(["audit", "verify"])
        .arg(&log)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("line 1: Edited"));
    let out = modelseal()
        .args(["audit", "verify", "--format", "json"])
        .arg(&log)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["report"]["problems"][0]["kind"], "edited");
    assert_eq!(report["report"]["problems"][0]["line"], 1);
}

#[test]
fn truncation_is_caught_with_a_saved_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let log = dir.path().join("audit.jsonl");
    for _ in 0..3 {
        modelseal()
            .args(["scan", "--audit-log"])
            .arg(&log)
            .arg(dir.path().join("k.pub"))
            .assert()
            .success();
    }
    let note = modelseal()
        .args(["audit", "checkpoint"])
        .arg(&log)
        .arg("--key")
        .arg(&key)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let saved = dir.path().join("checkpoint.txt");
    fs::write(&saved, &note).unwrap();
    let text = fs::read_to_string(&log).unwrap();
    let kept: Vec<&str> = text.lines().take(2).collect();
    fs::write(&log, kept.join("\n") + "\n").unwrap();
    modelseal()
        .args(["audit", "verify"])
        .arg(&log)
        .arg("--key")
        .arg(&public)
        .arg("--checkpoint")
        .arg(&saved)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("Truncated"));
}

#[test]
fn proofs_are_printed_and_bad_requests_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    // The log lies outside what is scanned: a log inside an input is refused.
    let scanned = dir.path().join("scanned");
    fs::create_dir(&scanned).unwrap();
    for _ in 0..5 {
        modelseal()
            .args(["scan", "--audit-log"])
            .arg(&log)
            .arg(&scanned)
            .assert()
            .success();
    }
    let out = modelseal()
        .args(["audit", "prove", "--index", "3"])
        .arg(&log)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let proof: modelseal_store::audit::InclusionProof = serde_json::from_slice(&out).unwrap();
    assert!(proof.verify());
    assert_eq!(proof.tree_size, 5);
    let out = modelseal()
        .args(["audit", "consistency"])
        .arg(&log)
        .arg("2")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let proof: modelseal_store::audit::ConsistencyProof = serde_json::from_slice(&out).unwrap();
    assert!(proof.verify());
    modelseal()
        .args(["audit", "prove", "--index", "5"])
        .arg(&log)
        .assert()
        .code(64);
    modelseal()
        .args(["audit", "verify"])
        .arg(dir.path().join("missing.jsonl"))
        .assert()
        .code(3);
}

#[test]
fn two_check_processes_writing_at_once_never_corrupt_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let (_, public) = keypair(dir.path(), "k", "ed25519");
    let model = dir.path().join("model.bin");
    fs::write(&model, b"weights").unwrap();
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let log = log.clone();
            let model = model.clone();
            let public = public.clone();
            std::thread::spawn(move || {
                for _ in 0..15 {
                    let binary = assert_cmd::cargo::cargo_bin("modelseal");
                    let status = std::process::Command::new(binary)
                        .arg("check")
                        .arg(&model)
                        .arg("--key")
                        .arg(&public)
                        .arg("--allow-unsigned")
                        .arg("--audit-log")
                        .arg(&log)
                        .stdout(std::process::Stdio::null())
                        .status()
                        .unwrap();
                    assert!(status.success());
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    modelseal()
        .args(["audit", "verify"])
        .arg(&log)
        .assert()
        .success()
        .stdout(predicates::str::contains("consistent, 30 entries"));
}

/// Issue 11 item 4 end to end: a log rewritten whole (entries changed, chain recomputed,
/// checkpoints deleted) is caught with the key and by the witness directory, and without
/// either the report says plainly that nothing was authenticated.
#[test]
fn a_rewritten_log_is_caught_by_the_key_and_the_witness() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    let log = dir.path().join("audit.jsonl");
    let witness = dir.path().join("witness");
    for _ in 0..4 {
        modelseal()
            .args(["scan", "--audit-log"])
            .arg(&log)
            .arg("--audit-key")
            .arg(&key)
            .args(["--audit-checkpoint-every", "2", "--audit-checkpoint-dir"])
            .arg(&witness)
            .arg(&public)
            .assert()
            .success();
    }
    assert_eq!(fs::read_dir(&witness).unwrap().count(), 2);
    let verify = |args: &[&str]| {
        let mut cmd = modelseal();
        cmd.args(["audit", "verify"]).arg(&log).args(args);
        cmd
    };
    verify(&["--key", public.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "every entry covered by a signed checkpoint",
        ));
    // The forger's rewrite.
    let mut prev = String::new();
    let mut forged = Vec::new();
    for line in fs::read_to_string(&log).unwrap().lines() {
        if line.starts_with("{\"checkpoint\"") {
            continue;
        }
        let mut entry: serde_json::Value = serde_json::from_str(line).unwrap();
        entry["subject"] = "nothing-to-see".into();
        entry["prev"] = prev.clone().into();
        let typed: modelseal_store::audit::Entry = serde_json::from_value(entry).unwrap();
        let text = serde_json::to_string(&typed).unwrap();
        prev = hex_leaf(&text);
        forged.push(text);
    }
    fs::write(&log, forged.join("\n") + "\n").unwrap();
    verify(&["--key", public.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("line 1: Uncovered"));
    verify(&[])
        .assert()
        .success()
        .stdout(predicates::str::contains("NOT authenticated"))
        .stdout(predicates::str::contains("intact").not());
    verify(&["--checkpoint-dir", witness.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("CheckpointMismatch"));
}

fn hex_leaf(line: &str) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update([0u8]);
    hasher.update(line.as_bytes());
    hasher.finalize().iter().fold(String::new(), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Three scans writing a log without any audit key: what a forger who deleted the genuine log
/// writes.
fn forged_log(dir: &Path) -> std::path::PathBuf {
    let model = make_model(dir);
    let log = dir.join("forged.jsonl");
    for _ in 0..3 {
        modelseal()
            .arg("scan")
            .arg(&model)
            .arg("--audit-log")
            .arg(&log)
            .assert()
            .success();
    }
    log
}

/// Red team 3, A-1 (`a_tail_forgery.sh`): a genuine log replaced by 3 entries written without
/// the key was "intact" and `"authenticated": true` under `--allow-uncovered-tail`, covered 0.
#[test]
fn a_tail_forgery_with_no_signed_checkpoint_is_never_authenticated() {
    let dir = tempfile::tempdir().unwrap();
    let (_key, public) = keypair(dir.path(), "ak", "ed25519");
    let log = forged_log(dir.path());
    let verify = |args: &[&str]| {
        let mut cmd = modelseal();
        cmd.args(["audit", "verify"])
            .arg(&log)
            .arg("--key")
            .arg(&public)
            .args(args);
        cmd
    };
    verify(&[])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("no signed checkpoint yet"));
    verify(&["--allow-uncovered-tail"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "NOT authenticated: no signed checkpoint yet",
        ))
        .stdout(predicates::str::contains("✓").not());
    let json = verify(&["--allow-uncovered-tail", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["authenticated"], false, "{json}");
    assert_eq!(json["report"]["covered"], 0, "{json}");
}

/// Red team 3, A-2 (`a_zero_note.sh`): `audit checkpoint` on an empty log wrote a size-0
/// note, and a size-0 trusted or witness checkpoint "matched" any log, making a forged one
/// `"authenticated": true`.
#[test]
fn a_zero_note_is_never_written_and_authenticates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "ak", "ed25519");
    let empty = dir.path().join("empty.jsonl");
    fs::write(&empty, b"").unwrap();
    let witness = dir.path().join("wit");
    modelseal()
        .args(["audit", "checkpoint"])
        .arg(&empty)
        .arg("--key")
        .arg(&key)
        .arg("--checkpoint-dir")
        .arg(&witness)
        .assert()
        .code(4)
        .stderr(predicates::str::contains("holds no entries"));
    assert!(fs::read_dir(&witness).map_or(true, |d| d.count() == 0));
    // A size-0 note made by hand (what older versions wrote), signed by the key.
    let note = modelseal_store::audit::Checkpoint {
        size: 0,
        root: [0; 32],
    }
    .sign(&modelseal_sign::SigningKey::load(&key, None).unwrap())
    .unwrap();
    let note_path = dir.path().join("zero.note");
    fs::write(&note_path, &note).unwrap();
    fs::create_dir_all(&witness).unwrap();
    fs::write(witness.join(format!("checkpoint-{:020}.note", 0)), &note).unwrap();
    let log = forged_log(dir.path());
    for args in [
        vec!["--trusted-checkpoint", note_path.to_str().unwrap()],
        vec!["--checkpoint-dir", witness.to_str().unwrap()],
        vec![
            "--key",
            public.to_str().unwrap(),
            "--trusted-checkpoint",
            note_path.to_str().unwrap(),
            "--allow-uncovered-tail",
        ],
    ] {
        let out = modelseal()
            .args(["audit", "verify"])
            .arg(&log)
            .args(&args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["authenticated"], false, "{args:?}: {json}");
        assert_eq!(json["report"]["trusted_matched"], 0, "{args:?}: {json}");
    }
}

/// Issue 12: `audit verify` on a weights file reported "tampering" (exit 1) and printed 1.4
/// million lines. A file that is not an audit log is recognised at its first record: exit 4,
/// one line, and the 50 MB are not read.
#[test]
fn a_weights_file_and_a_config_are_not_audit_logs() {
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join("model.bin");
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let random: Vec<u8> = (0..50 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    fs::write(&weights, &random).unwrap();
    let config = dir.path().join("modelseal.toml");
    fs::write(
        &config,
        "[check]\nkey = \"release.pub\"\nquarantine = \"/srv/q\"\n",
    )
    .unwrap();
    for file in [&weights, &config] {
        for format in ["text", "json"] {
            let out = modelseal()
                .args(["audit", "verify", "--format", format])
                .arg(file)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(4), "{}", file.display());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("not a modelseal audit log: {}", file.display())),
                "{stderr}"
            );
            assert!(
                stderr.lines().count() <= 2 && out.stdout.len() < 1024,
                "{stderr}"
            );
        }
    }
}

/// Damage on every line is reported as the first [`MAX_PROBLEMS`] problems and a count, in
/// text and in JSON; intents never completed are capped the same way.
#[test]
fn repeated_problems_and_pending_intents_are_capped_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let actor = modelseal_store::audit::Actor::from_environment();
    for i in 0..1_005 {
        let intent = modelseal_store::audit::Event {
            action: "release".to_owned(),
            subject: Some(format!("q/{i}")),
            digest: None,
            result: "intent".to_owned(),
            detail: serde_json::Value::Null,
        };
        modelseal_store::audit::append(&log, intent, &actor, None).unwrap();
    }
    let mut text = fs::read_to_string(&log).unwrap();
    for _ in 0..1_200 {
        text.push_str("{\"index\": \"damaged\"}\n");
    }
    fs::write(&log, text).unwrap();
    let out = modelseal()
        .args(["audit", "verify"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches(": Malformed:").count(), 1_000);
    assert!(stdout.contains("… and 200 more problem(s)"), "{stdout}");
    assert_eq!(stdout.matches("never completed").count(), 1_000);
    assert!(stdout.contains("… and 5 more intent(s)"), "{stdout}");
    let out = modelseal()
        .args(["audit", "verify", "--format", "json"])
        .arg(&log)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["report"]["problems"].as_array().unwrap().len(),
        1_000
    );
    assert_eq!(report["report"]["problems_omitted"], 200);
    assert_eq!(report["report"]["pending"].as_array().unwrap().len(), 1_000);
    assert_eq!(report["report"]["pending_omitted"], 5);
}

/// Red team F1 (2.99, 2.101): `--audit-log` naming a TOML config or a weights file appended an
/// entry to it, and `audit verify` then called it "not a modelseal audit log". Now every
/// deciding command refuses the same way (exit 4) and the file is left as it was.
#[test]
fn audit_log_at_a_config_or_weights_file_is_refused_not_appended() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    sign(&model, &key, &[]);
    let config = dir.path().join("conf.toml");
    fs::write(&config, "[trust]\nkey = \"k.pub\"\n").unwrap();
    let weights = dir.path().join("weights.bin");
    fs::write(&weights, [0x80u8, 2, 0x7d, 0x71, 0, 0x2e, 0xff, 0xfe]).unwrap();
    for target in [&config, &weights] {
        let before = fs::read(target).unwrap();
        verify_cmd(&model, &public)
            .arg("--audit-log")
            .arg(target)
            .assert()
            .code(4)
            .stderr(predicates::str::contains("not a modelseal audit log"));
        modelseal()
            .arg("check")
            .arg(&model)
            .arg("--key")
            .arg(&public)
            .arg("--audit-log")
            .arg(target)
            .assert()
            .code(4)
            .stderr(predicates::str::contains("not a modelseal audit log"));
        modelseal()
            .arg("audit")
            .arg("verify")
            .arg(target)
            .assert()
            .code(4);
        assert_eq!(fs::read(target).unwrap(), before);
    }
}

/// Red team F1 (2.100): `verify M --audit-log M/w.bin` appended the entry to a file of the
/// model it had just verified, so the model no longer verified. An audit log inside one of the
/// command's inputs is a usage error (exit 64), refused before the command acts.
#[test]
fn audit_log_inside_the_model_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "k", "ed25519");
    sign(&model, &key, &[]);
    let weights = model.join("weights.bin");
    let before = fs::read(&weights).unwrap();
    let new_log = model.join("sub/audit.jsonl");
    for log in [&weights, &new_log] {
        verify_cmd(&model, &public)
            .arg("--audit-log")
            .arg(log)
            .assert()
            .code(64)
            .stderr(predicates::str::contains("inside"));
        modelseal()
            .arg("check")
            .arg(&model)
            .arg("--key")
            .arg(&public)
            .arg("--audit-log")
            .arg(log)
            .assert()
            .code(64);
        modelseal()
            .arg("scan")
            .arg(&model)
            .arg("--audit-log")
            .arg(log)
            .assert()
            .code(64);
        sign_cmd(&model, &key)
            .arg("--audit-log")
            .arg(log)
            .assert()
            .code(64);
    }
    // --models-root is an input too.
    modelseal()
        .arg("check")
        .arg("--models-root")
        .arg(dir.path())
        .arg("--key")
        .arg(&public)
        .arg("--audit-log")
        .arg(dir.path().join("audit.jsonl"))
        .assert()
        .code(64);
    // A single-file model named as its own log.
    let single = dir.path().join("single.bin");
    fs::write(&single, b"weights").unwrap();
    modelseal()
        .arg("scan")
        .arg(&single)
        .arg("--audit-log")
        .arg(&single)
        .assert()
        .code(64);
    assert_eq!(fs::read(&weights).unwrap(), before);
    assert!(!new_log.exists());
    verify_cmd(&model, &public).assert().success();
}

/// Red team 3-A: an audit log that cannot be written (a directory, a missing directory) was
/// reported as bad input (exit 4 or 3); it is an output not written (74), as for `sign`.
#[test]
fn rt_3a_an_unwritable_audit_log_is_an_output_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let scanned = dir.path().join("scanned");
    std::fs::create_dir_all(&scanned).unwrap();
    std::fs::write(scanned.join("w.bin"), b"plain bytes").unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for log in [logs.clone(), dir.path().join("missing/a.jsonl")] {
        let output = crate::modelseal()
            .arg("scan")
            .arg(&scanned)
            .arg("--audit-log")
            .arg(&log)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(74), "{log:?}");
        let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(error["error"]["kind"], "output_not_written", "{error}");
    }
}
