//! Issue 11 item 4 and the low items on logs: each attack an outsider tried on the audit log,
//! reproduced. Whoever can write the log can recompute its hash chain, so only a checkpoint
//! signed by a key they do not hold, or kept where they cannot reach it, proves anything.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::path::{Path, PathBuf};

use modelseal_sign::{KeyAlgorithm, SigningKey};
use modelseal_store::audit::{
    self, CheckpointPolicy, Event, ProblemKind, VerifyOptions, VerifyReport,
};

fn event(i: usize) -> Event {
    Event {
        action: "check".into(),
        subject: Some(format!("models/m{i}")),
        digest: None,
        result: if i.is_multiple_of(3) {
            "threat"
        } else {
            "pass"
        }
        .into(),
        detail: serde_json::json!({ "exit": i % 3 }),
    }
}

/// A log of `n` entries with a signed checkpoint every `every`, also kept in `witness`.
fn log(
    n: usize,
    every: u64,
    key: &SigningKey,
    witness: Option<&Path>,
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let policy = CheckpointPolicy {
        key,
        every,
        witness,
    };
    for i in 0..n {
        audit::append(&path, event(i), &actor(), Some(&policy)).unwrap();
    }
    (dir, path)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Rewrites the entries from `from` on (every threat becomes a pass), recomputes the chain
/// as a careful forger would, and keeps checkpoint lines only if `keep_checkpoints`.
fn forge(path: &Path, from: u64, keep_checkpoints: bool) {
    let mut out = Vec::new();
    let mut prev = String::new();
    let mut rewriting = false;
    for line in lines(path) {
        if line.starts_with("{\"checkpoint\"") {
            if keep_checkpoints {
                out.push(line);
            }
            continue;
        }
        let mut entry: audit::Entry = serde_json::from_str(&line).unwrap();
        if entry.index >= from {
            rewriting = true;
            entry.result = "pass".into();
            entry.detail = serde_json::json!({ "exit": 0 });
        }
        if rewriting {
            entry.prev.clone_from(&prev);
        }
        let text = serde_json::to_string(&entry).unwrap();
        prev = hex::encode(audit::leaf_hash(text.as_bytes()));
        out.push(text);
    }
    std::fs::write(path, out.join("\n") + "\n").unwrap();
}

fn kinds(report: &VerifyReport) -> Vec<ProblemKind> {
    report.problems.iter().map(|p| p.kind).collect()
}

fn with_key(path: &Path, key: &SigningKey) -> VerifyReport {
    audit::verify(path, Some(key.public_key()), None).unwrap()
}

#[test]
fn every_entry_rewritten_chain_recomputed_checkpoints_deleted_is_not_intact_with_a_key() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let (_dir, path) = log(72, 8, &key, None);
    assert!(with_key(&path, &key).intact());
    forge(&path, 0, false);
    let report = with_key(&path, &key);
    assert_eq!(kinds(&report), [ProblemKind::Uncovered], "{report:?}");
    assert_eq!(report.problems[0].line, 1);
    assert!(
        report.problems[0].message.contains("entries 0..=71"),
        "{}",
        report.problems[0].message
    );
    assert_eq!(report.covered, 0);
    // Without a key the forgery agrees with itself, and the report says it is unauthenticated.
    let unkeyed = audit::verify(&path, None, None).unwrap();
    assert!(unkeyed.intact() && !unkeyed.authenticated());
}

#[test]
fn checkpoints_kept_and_the_tail_after_the_last_rewritten_is_uncovered() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    // Checkpoints after entries 8, 16, 24; entries 24..29 after the last one.
    let (_dir, path) = log(30, 8, &key, None);
    forge(&path, 24, true);
    let report = with_key(&path, &key);
    assert_eq!(report.checkpoints_verified, 3);
    assert_eq!(report.covered, 24);
    assert_eq!(kinds(&report), [ProblemKind::Uncovered], "{report:?}");
    assert!(report.problems[0].message.contains("entries 24..=29"));
    // 6 entries after the last checkpoint, fewer than the interval of 8: a young tail, which
    // --allow-uncovered-tail accepts (and says so).
    let options = VerifyOptions {
        key: Some(key.public_key()),
        allow_uncovered_tail: Some(7),
        ..VerifyOptions::default()
    };
    let report = audit::verify_with(&path, &options).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.uncovered_accepted, 6);
    // A tail as long as the interval is not young: a checkpoint was due and is missing.
    let options = VerifyOptions {
        allow_uncovered_tail: Some(5),
        ..options
    };
    assert_eq!(
        kinds(&audit::verify_with(&path, &options).unwrap()),
        [ProblemKind::Uncovered]
    );
}

#[test]
fn a_checkpoint_signed_by_another_key_authenticates_nothing() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let forger = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    // The forger rewrites everything and signs fresh checkpoints with their own key.
    let (_dir, path) = log(16, 8, &forger, None);
    let report = with_key(&path, &key);
    assert_eq!(
        kinds(&report),
        [
            ProblemKind::BadSignature,
            ProblemKind::BadSignature,
            ProblemKind::Uncovered
        ]
    );
    // Without a key the forger's checkpoints match their entries, and that proves nothing.
    let unkeyed = audit::verify(&path, None, None).unwrap();
    assert_eq!(unkeyed.checkpoints_verified, 2);
    assert!(!unkeyed.authenticated());
    assert_eq!(unkeyed.covered, 0);
}

#[test]
fn truncation_and_full_rewrites_are_caught_by_the_witness_directory() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let witness = tempfile::tempdir().unwrap();
    let (_dir, path) = log(20, 4, &key, Some(witness.path()));
    assert_eq!(std::fs::read_dir(witness.path()).unwrap().count(), 5);
    let options = |trusted| VerifyOptions {
        key: Some(key.public_key()),
        trusted,
        allow_uncovered_tail: None,
    };
    let notes = audit::witness_notes(witness.path()).unwrap();
    let report = audit::verify_with(&path, &options(notes.clone())).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.trusted_matched, 5);

    // Truncation: the last 8 entries and their checkpoints cut off, a clean cut.
    let original = std::fs::read(&path).unwrap();
    let all = lines(&path);
    std::fs::write(&path, all[..15].join("\n") + "\n").unwrap();
    assert!(
        with_key(&path, &key).intact(),
        "the log alone cannot see a clean cut"
    );
    let report = audit::verify_with(&path, &options(notes.clone())).unwrap();
    assert_eq!(
        kinds(&report),
        [ProblemKind::Truncated, ProblemKind::Truncated]
    );

    // A full rewrite, chain recomputed, checkpoints deleted, and even signed anew with a key
    // of the forger's own: the witness's roots no longer match.
    std::fs::write(&path, &original).unwrap();
    forge(&path, 0, false);
    let report = audit::verify_with(&path, &options(notes)).unwrap();
    assert!(
        kinds(&report).contains(&ProblemKind::CheckpointMismatch),
        "{report:?}"
    );
}

#[test]
fn the_witness_refuses_a_second_checkpoint_of_one_size_with_another_root() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let witness = tempfile::tempdir().unwrap();
    let (_dir, path) = log(4, 4, &key, Some(witness.path()));
    forge(&path, 0, false);
    let err = audit::checkpoint_with_witness(&path, &key, Some(witness.path())).unwrap_err();
    assert!(
        matches!(err, audit::AuditError::WitnessConflict { .. }),
        "{err}"
    );
}

#[test]
fn a_trusted_checkpoint_alone_catches_truncation() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let (_dir, path) = log(6, 100, &key, None);
    let trusted = audit::checkpoint(&path, &key).unwrap();
    let all = lines(&path);
    std::fs::write(&path, all[..4].join("\n") + "\n").unwrap();
    // Without a key the note kept elsewhere is trusted as it is.
    let report = audit::verify(&path, None, Some(&trusted)).unwrap();
    assert_eq!(kinds(&report), [ProblemKind::Truncated]);
}

#[test]
fn a_crlf_log_is_one_crlf_problem_not_every_line_edited() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let (_dir, path) = log(8, 4, &key, None);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace('\n', "\r\n")).unwrap();
    let report = audit::verify(&path, Some(key.public_key()), None).unwrap();
    assert_eq!(kinds(&report), [ProblemKind::CrlfLineEndings], "{report:?}");
    assert_eq!(report.problems[0].line, 1);
    assert!(
        report.problems[0]
            .message
            .contains("CRLF line endings on 10 line(s)")
    );
    assert_eq!(report.checkpoints_verified, 2);
    // An appender still finds the last entry and chains to it.
    audit::append(&path, event(8), &actor(), None).unwrap();
    let report = audit::verify(&path, None, None).unwrap();
    assert_eq!(kinds(&report), [ProblemKind::CrlfLineEndings], "{report:?}");
}

#[test]
fn a_line_longer_than_the_bound_is_malformed_without_being_read_whole() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let (_dir, path) = log(3, 100, &key, None);
    let mut data = std::fs::read(&path).unwrap();
    data.extend(std::iter::repeat_n(b'x', audit::MAX_LINE_BYTES + 1));
    data.push(b'\n');
    std::fs::write(&path, &data).unwrap();
    let report = audit::verify(&path, None, None).unwrap();
    assert_eq!(kinds(&report), [ProblemKind::Malformed]);
    assert_eq!(report.problems[0].line, 4);
    assert_eq!(report.entries, 3);
}

#[test]
fn a_huge_event_is_summarised_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    // What a 1.15M-resource signature put into one problem line: tens of megabytes.
    let problem = "resource missing: ".to_owned() + &"weights/shard.bin, ".repeat(200_000);
    let mut big = event(0);
    big.detail = serde_json::json!({ "problems": [problem] });
    let entry = audit::append(&path, big, &actor(), None).unwrap();
    let line = std::fs::read(&path).unwrap();
    assert!(line.len() <= audit::MAX_ENTRY_BYTES, "{}", line.len());
    let summary = &entry.detail["summarised"];
    assert!(summary["bytes"].as_u64().unwrap() > 3_000_000);
    assert_eq!(summary["sha256"].as_str().unwrap().len(), 64);
    assert!(audit::verify(&path, None, None).unwrap().intact());
}

#[test]
fn indices_at_the_largest_u64_never_wrap_when_verified() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut out = Vec::new();
    let mut prev = String::new();
    for index in [u64::MAX - 1, u64::MAX, u64::MAX] {
        let entry = audit::Entry {
            index,
            time: "2026-12-03T00:00:00Z".into(),
            user: "u".into(),
            host: "h".into(),
            tool: "t".into(),
            action: "check".into(),
            subject: None,
            digest: None,
            result: "pass".into(),
            detail: serde_json::Value::Null,
            prev: prev.clone(),
        };
        let text = serde_json::to_string(&entry).unwrap();
        prev = hex::encode(audit::leaf_hash(text.as_bytes()));
        out.push(text);
    }
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    let report = audit::verify(&path, None, None).unwrap();
    assert_eq!(
        kinds(&report),
        [ProblemKind::Removed, ProblemKind::Reordered]
    );
    assert!(matches!(
        audit::append(&path, event(0), &actor(), None),
        Err(audit::AuditError::IndexOverflow { .. })
    ));
}

#[test]
fn an_intent_without_its_completion_is_reported_pending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut intent = event(0);
    intent.action = "quarantine".into();
    intent.result = "intent".into();
    let first = audit::append(&path, intent.clone(), &actor(), None).unwrap();
    let mut done = event(1);
    done.detail = serde_json::json!({ "intent": first.index });
    audit::append(&path, done, &actor(), None).unwrap();
    let second = audit::append(&path, intent, &actor(), None).unwrap();
    let report = audit::verify(&path, None, None).unwrap();
    assert!(report.intact());
    assert_eq!(report.pending.len(), 1);
    assert_eq!(report.pending[0].index, second.index);
}

/// A log followed by millions of damaged lines gives a bounded report: the first
/// `MAX_PROBLEMS` described, the rest counted (red team 2, F8: 5 MiB of newlines made a
/// 665 MB report and 851 MB of memory).
#[test]
fn millions_of_damaged_lines_give_a_bounded_report() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let (_dir, path) = log(2, 4, &key, None);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&"\n".repeat(200_000));
    std::fs::write(&path, text).unwrap();
    let report = audit::verify(&path, None, None).unwrap();
    assert!(!report.intact());
    assert_eq!(report.problems.len(), audit::MAX_PROBLEMS);
    assert_eq!(report.problem_count(), 200_000);
    assert_eq!(
        report.problems_omitted,
        200_000 - audit::MAX_PROBLEMS as u64
    );
}

/// Red team 3, A-1 (`a_tail_forgery.sh`): a log of 3 entries written without any key was
/// `authenticated` with `--key --allow-uncovered-tail` (covered 0).
#[test]
fn a_tail_forgery_with_no_signed_checkpoint_is_not_authenticated() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    for i in 0..3 {
        audit::append(&path, event(i), &actor(), None).unwrap();
    }
    let strict = VerifyOptions {
        key: Some(key.public_key()),
        ..VerifyOptions::default()
    };
    let report = audit::verify_with(&path, &strict).unwrap();
    assert!(!report.intact() && !report.authenticated());
    assert!(
        report.problems[0]
            .message
            .contains("no signed checkpoint yet")
    );
    let young = VerifyOptions {
        allow_uncovered_tail: Some(63),
        ..strict
    };
    let report = audit::verify_with(&path, &young).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert!(!report.authenticated(), "a log with no signed checkpoint");
    assert!(report.no_signed_checkpoint_yet());
    assert_eq!((report.covered, report.uncovered_accepted), (0, 3));
}

/// Red team 3, A-2 (`a_zero_note.sh`): a size-0 checkpoint "matched" any log, and
/// `audit checkpoint` wrote one for an empty log.
#[test]
fn a_zero_note_authenticates_nothing_and_is_never_written() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    let witness = dir.path().join("witness");
    let refused = audit::checkpoint_with_witness(&empty, &key, Some(&witness)).unwrap_err();
    assert!(
        matches!(refused, audit::AuditError::EmptyLog { .. }),
        "{refused}"
    );
    assert!(std::fs::read_dir(&witness).map_or(true, |d| d.count() == 0));
    let zero = audit::Checkpoint {
        size: 0,
        root: [0; 32],
    }
    .sign(&key)
    .unwrap();
    let path = dir.path().join("forged.jsonl");
    for i in 0..3 {
        audit::append(&path, event(i), &actor(), None).unwrap();
    }
    for key in [None, Some(key.public_key())] {
        let options = VerifyOptions {
            key,
            trusted: vec![("zero".to_owned(), zero.clone())],
            allow_uncovered_tail: Some(63),
        };
        let report = audit::verify_with(&path, &options).unwrap();
        assert_eq!(report.trusted_matched, 0);
        assert!(!report.authenticated(), "key={}", key.is_some());
    }
}
