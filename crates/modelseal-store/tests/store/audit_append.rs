//! Appending to a hostile log: padded, overflowing, a FIFO or a link. Each is refused with a
//! typed error, without reading the log whole, and before the caller acts (`Recorder::ready`).

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use modelseal_fs::Reason;
use modelseal_store::audit::{self, AuditError, Event, MAX_TAIL_SCAN, Recorder};

fn event() -> Event {
    Event {
        action: "check".into(),
        subject: Some("models/m".into()),
        digest: None,
        result: "pass".into(),
        detail: serde_json::json!({}),
    }
}

fn recorder(path: &Path) -> Recorder<'_> {
    Recorder {
        path,
        actor: actor(),
        checkpoints: None,
    }
}

/// A log of three entries.
fn log() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    for _ in 0..3 {
        audit::append(&path, event(), &actor(), None).unwrap();
    }
    (dir, path)
}

fn grow(path: &Path, by: u64) {
    let file = OpenOptions::new().write(true).open(path).unwrap();
    let len = file.metadata().unwrap().len();
    file.set_len(len + by).unwrap();
}

#[test]
fn a_log_padded_past_the_tail_bound_is_refused_not_read_whole() {
    let (_dir, path) = log();
    // `truncate -s +1G`: a sparse run of zero bytes, no newline, no entry.
    grow(&path, 1 << 30);
    let err = audit::append(&path, event(), &actor(), None).unwrap_err();
    assert!(
        matches!(err, AuditError::NoEntryInTail { searched, .. } if searched == MAX_TAIL_SCAN),
        "{err}"
    );
    assert!(matches!(
        recorder(&path).ready(),
        Err(AuditError::NoEntryInTail { .. })
    ));
}

#[test]
fn the_last_entry_is_found_behind_megabytes_of_other_lines_within_the_bound() {
    let (_dir, path) = log();
    // 3 MiB of whole lines that are not entries: found by the backwards scan, past its first
    // windows.
    let junk = "not an entry\n".repeat(3 << 20 >> 4);
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(&junk);
    fs::write(&path, text).unwrap();
    recorder(&path).ready().unwrap();
    let entry = audit::append(&path, event(), &actor(), None).unwrap();
    assert_eq!(entry.index, 3);
}

#[test]
fn an_append_after_the_largest_index_is_a_typed_error_not_a_panic() {
    let (_dir, path) = log();
    let text = fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("{\"index\":2,"));
    for index in [u64::MAX, u64::MAX - 1] {
        let forged = last.replacen("\"index\":2,", &format!("\"index\":{index},"), 1);
        fs::write(&path, format!("{text}{forged}\n")).unwrap();
        let err = audit::append(&path, event(), &actor(), None).unwrap_err();
        assert!(matches!(err, AuditError::IndexOverflow { .. }), "{err}");
        assert!(matches!(
            recorder(&path).ready(),
            Err(AuditError::IndexOverflow { .. })
        ));
    }
    // Nothing was appended.
    assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 4);
}

#[cfg(unix)]
#[test]
fn ready_refuses_a_fifo_without_blocking_and_accepts_a_new_log() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let err = recorder(&fifo).ready().unwrap_err();
    assert!(
        matches!(&err, AuditError::Fs(e) if matches!(e.reason, Reason::NotRegular(_))),
        "{err}"
    );
    let fresh = dir.path().join("new.jsonl");
    recorder(&fresh).ready().unwrap();
    assert_eq!(
        audit::append(&fresh, event(), &actor(), None)
            .unwrap()
            .index,
        0
    );
}

#[cfg(unix)]
#[test]
fn a_link_as_the_log_is_refused_and_its_target_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.jsonl");
    let link = dir.path().join("audit.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for err in [
        recorder(&link).ready().unwrap_err(),
        audit::append(&link, event(), &actor(), None).unwrap_err(),
    ] {
        assert!(
            matches!(&err, AuditError::Fs(e) if matches!(e.reason, Reason::SymlinkRefused)),
            "{err}"
        );
    }
    assert!(!target.exists());
}

/// Red team F1 (2.99, 2.101): `--audit-log` naming a config or a weights file appended an
/// entry to it. A non-empty file whose first line is not an entry or a checkpoint is refused
/// with `NotALog` by `ready`, `append` and `checkpoint`, and left byte for byte as it was.
#[test]
fn audit_log_at_a_non_log_file_is_refused_not_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("conf.toml");
    let weights = dir.path().join("weights.bin");
    fs::write(&toml, "[trust]\nkey = \"k.pub\"\n").unwrap();
    fs::write(&weights, b"\x80\x02}q\x00.\x00\xff\xfe binary weights").unwrap();
    for path in [&toml, &weights] {
        let before = fs::read(path).unwrap();
        assert!(
            matches!(recorder(path).ready(), Err(AuditError::NotALog { .. })),
            "ready accepted {}",
            path.display()
        );
        let err = audit::append(path, event(), &actor(), None).unwrap_err();
        assert!(matches!(err, AuditError::NotALog { .. }), "{err}");
        let key =
            modelseal_sign::SigningKey::generate(modelseal_sign::KeyAlgorithm::Ed25519).unwrap();
        let err = audit::checkpoint(path, &key).unwrap_err();
        assert!(matches!(err, AuditError::NotALog { .. }), "{err}");
        assert_eq!(
            fs::read(path).unwrap(),
            before,
            "{} changed",
            path.display()
        );
    }
    // An empty existing file is a new log, as a missing one is.
    let empty = dir.path().join("empty.jsonl");
    fs::write(&empty, b"").unwrap();
    audit::append(&empty, event(), &actor(), None).unwrap();
}
