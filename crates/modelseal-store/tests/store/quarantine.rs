//! Quarantine never loses a model: the process is killed at every step of the move (same
//! filesystem and copy-across-filesystems), and the model must be either where it was or
//! whole in quarantine.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use modelseal_fs::MoveStep;
use modelseal_store::quarantine::{self, Options, Reason, Step};

fn make_model(root: &Path) -> PathBuf {
    let model = root.join("bert-tiny");
    fs::create_dir_all(model.join("sub")).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    fs::write(model.join("sub/weights.bin"), vec![7u8; 300_000]).unwrap();
    fs::write(model.join("empty"), b"").unwrap();
    model
}

/// Every file under `root` with its contents, to compare before and after.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    out
}

fn reason() -> Reason {
    Reason {
        summary: "critical finding".into(),
        findings: serde_json::json!([{ "rule_id": "PICKLE-DANGEROUS-GLOBAL" }]),
        digest: Some("sha256:00".into()),
        signature: None,
    }
}

/// Run only as a child of the crash test: quarantines MODEL into DIR and aborts the process
/// (no unwinding, no cleanup) right after STEP.
#[test]
fn child_process_for_crash_tests() {
    let Ok(step) = std::env::var("MODELSEAL_TEST_CRASH_AT") else {
        return;
    };
    let model = PathBuf::from(std::env::var("MODELSEAL_TEST_MODEL").unwrap());
    let dir = PathBuf::from(std::env::var("MODELSEAL_TEST_DIR").unwrap());
    let options = Options {
        always_copy: std::env::var_os("MODELSEAL_TEST_COPY").is_some(),
    };
    quarantine::quarantine(&model, &dir, reason(), &actor(), options, &mut |s| {
        if format!("{s:?}") == step {
            std::process::abort();
        }
    })
    .unwrap();
}

#[test]
fn a_kill_at_any_step_leaves_the_model_in_place_or_whole_in_quarantine() {
    let steps: &[(bool, &[Step])] = &[
        (
            false,
            &[Step::IncidentWritten, Step::Move(MoveStep::Renamed)],
        ),
        (
            true,
            &[
                Step::IncidentWritten,
                Step::Move(MoveStep::Copied),
                Step::Move(MoveStep::OriginalSetAside),
                Step::Move(MoveStep::CopyInPlace),
                Step::Move(MoveStep::OriginalRemoved),
            ],
        ),
    ];
    for (copy, steps) in steps {
        for step in *steps {
            let work = tempfile::tempdir().unwrap();
            let model = make_model(work.path());
            let before = snapshot(&model);
            let dir = work.path().join("quarantine");
            let mut child = Command::new(std::env::current_exe().unwrap());
            child
                .args([
                    "quarantine::child_process_for_crash_tests",
                    "--exact",
                    "--nocapture",
                ])
                .env("MODELSEAL_TEST_CRASH_AT", format!("{step:?}"))
                .env("MODELSEAL_TEST_MODEL", &model)
                .env("MODELSEAL_TEST_DIR", &dir);
            if *copy {
                child.env("MODELSEAL_TEST_COPY", "1");
            }
            let status = child.output().unwrap().status;
            assert!(
                !status.success(),
                "the child should have been killed at {step:?}"
            );
            let listed = quarantine::list(&dir).unwrap();
            assert_eq!(listed.len(), 1, "{step:?}");
            let quarantined = listed[0]
                .incident
                .model_path(&dir.join(&listed[0].incident.id));
            let in_place = model.exists() && snapshot(&model) == before;
            let whole_in_quarantine = quarantined.exists() && snapshot(&quarantined) == before;
            // Between the move's two renames the original is whole at its tombstone.
            let tombstone = modelseal_fs::tombstone_of(&model);
            let set_aside = tombstone.exists() && snapshot(&tombstone) == before;
            assert!(
                in_place || whole_in_quarantine || set_aside,
                "copy={copy} step={step:?}: the model is neither in place nor whole in quarantine"
            );
            assert_eq!(listed[0].complete, quarantined.exists());
            // Recovery finishes the move (or leaves the model in place): never both, never
            // neither, and nothing left behind.
            quarantine::recover(&dir).unwrap();
            let in_place = model.exists() && snapshot(&model) == before;
            let whole_in_quarantine = quarantined.exists() && snapshot(&quarantined) == before;
            assert!(
                in_place != whole_in_quarantine,
                "copy={copy} step={step:?}: after recovery in place={in_place}, in quarantine={whole_in_quarantine}"
            );
            assert!(!tombstone.exists(), "copy={copy} step={step:?}");
        }
    }
}

#[test]
fn quarantine_list_show_and_release() {
    for always_copy in [false, true] {
        let work = tempfile::tempdir().unwrap();
        let model = make_model(work.path());
        let before = snapshot(&model);
        let dir = work.path().join("q");
        let mut seen = Vec::new();
        let incident = quarantine::quarantine(
            &model,
            &dir,
            reason(),
            &actor(),
            Options { always_copy },
            &mut |s| seen.push(s),
        )
        .unwrap();
        assert!(!model.exists());
        assert!(incident.id.starts_with("bert-tiny_"));
        assert_eq!(incident.original_path, model);
        let (shown, path) = quarantine::show(&dir, &incident.id).unwrap();
        assert_eq!(shown, incident);
        assert_eq!(snapshot(&path), before);
        let report: serde_json::Value = serde_json::from_slice(
            &fs::read(dir.join(&incident.id).join("incident.json")).unwrap(),
        )
        .unwrap();
        for field in [
            "original_path",
            "quarantined_at",
            "reason",
            "findings",
            "digest",
            "tool",
            "host",
            "user",
        ] {
            assert!(report.get(field).is_some(), "{field}");
        }
        let to = work.path().join("restored");
        let released = quarantine::release(
            &dir,
            &incident.id,
            &to,
            Some("false alarm".into()),
            &actor(),
        )
        .unwrap();
        assert_eq!(snapshot(&to), before);
        assert_eq!(
            released.release.unwrap().forced_reason.as_deref(),
            Some("false alarm")
        );
        // The incident stays as the record; the model cannot be released twice.
        assert!(quarantine::release(&dir, &incident.id, &to, None, &actor()).is_err());
        assert!(!quarantine::list(&dir).unwrap()[0].complete);
    }
}

#[test]
fn single_files_and_hostile_ids() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("model.pkl");
    fs::write(&file, b"payload").unwrap();
    let dir = work.path().join("q");
    let incident = quarantine::quarantine(
        &file,
        &dir,
        reason(),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        fs::read(incident.model_path(&dir.join(&incident.id))).unwrap(),
        b"payload"
    );
    for id in ["../x", "", ".", "a/b"] {
        assert!(quarantine::show(&dir, id).is_err(), "{id:?}");
    }
    assert!(matches!(
        quarantine::quarantine(
            &work.path().join("missing"),
            &dir,
            reason(),
            &actor(),
            Options::default(),
            &mut |_| {}
        ),
        Err(quarantine::QuarantineError::Fs(e)) if e.is_not_found()
    ));
}

/// The real cross-filesystem path, when this machine has a tmpfs at /dev/shm apart from the
/// temporary directory (Linux CI machines do).
#[test]
fn a_move_across_filesystems_copies_verifies_and_removes() {
    use std::os::unix::fs::MetadataExt;
    let shm = Path::new("/dev/shm");
    let work = tempfile::tempdir().unwrap();
    let Ok(source_root) = tempfile::tempdir_in(shm) else {
        modelseal_test::skip::<()>("no /dev/shm for the cross-filesystem case");
        return;
    };
    if fs::metadata(shm).unwrap().dev() == fs::metadata(work.path()).unwrap().dev() {
        modelseal_test::skip::<()>("/dev/shm is on the same filesystem as the temp dir");
        return;
    }
    let model = make_model(source_root.path());
    let before = snapshot(&model);
    let dir = work.path().join("q");
    let mut steps = Vec::new();
    let incident = quarantine::quarantine(
        &model,
        &dir,
        reason(),
        &actor(),
        Options::default(),
        &mut |s| {
            steps.push(s);
        },
    )
    .unwrap();
    assert_eq!(
        steps,
        [
            Step::IncidentWritten,
            Step::Move(MoveStep::Copied),
            Step::Move(MoveStep::OriginalSetAside),
            Step::Move(MoveStep::CopyInPlace),
            Step::Move(MoveStep::OriginalRemoved)
        ]
    );
    assert!(!model.exists());
    assert_eq!(
        snapshot(&incident.model_path(&dir.join(&incident.id))),
        before
    );
}
