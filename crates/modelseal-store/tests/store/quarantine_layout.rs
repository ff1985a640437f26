//! Issue 11 items 9, 10 and 11 (store side): the incident layout, overlapping directories and
//! the leftovers of killed runs.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::fs;
use std::path::{Path, PathBuf};

use modelseal_fs::Wait;
use modelseal_store::quarantine::{self, Options, QuarantineError, Reason};

fn reason(signature: Option<PathBuf>) -> Reason {
    Reason {
        summary: "signature does not verify".into(),
        findings: serde_json::json!([]),
        digest: None,
        signature,
    }
}

fn quarantine(model: &Path, dir: &Path, signature: Option<PathBuf>) -> quarantine::Incident {
    quarantine::quarantine(
        model,
        dir,
        reason(signature),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap()
}

/// Before, the model went beside `incident.json` and `signature.sig`: a model of either name
/// collided with them and left an orphan incident.
#[test]
fn models_named_like_the_incident_files_are_quarantined() {
    for name in ["incident.json", "signature.sig"] {
        let work = tempfile::tempdir().unwrap();
        let model = work.path().join(name);
        fs::write(&model, b"payload").unwrap();
        let signature = work.path().join("model.sig");
        fs::write(&signature, b"{}").unwrap();
        let dir = work.path().join("q");
        let incident = quarantine(&model, &dir, Some(signature));
        let home = dir.join(&incident.id);
        assert_eq!(fs::read(incident.model_path(&home)).unwrap(), b"payload");
        assert_eq!(fs::read(home.join("signature.sig")).unwrap(), b"{}");
        let (shown, path) = quarantine::show(&dir, &incident.id).unwrap();
        assert_eq!(shown, incident);
        assert_eq!(path, home.join("model").join(name));
        let listed = quarantine::inventory(&dir).unwrap();
        assert!(listed.unreadable.is_empty());
        assert!(listed.incidents[0].complete);
        let to = work.path().join("back");
        quarantine::release(&dir, &incident.id, &to, None, &actor()).unwrap();
        assert_eq!(fs::read(&to).unwrap(), b"payload");
    }
}

/// Incidents written before the model had its own directory are read, listed and released
/// where they are (not migrated).
#[test]
fn incidents_in_the_old_layout_are_still_read_and_released() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("old-model");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("w.bin"), b"w").unwrap();
    let dir = work.path().join("q");
    let incident = quarantine(&model, &dir, None);
    // Rewrite it as the old layout wrote it.
    let home = dir.join(&incident.id);
    fs::rename(home.join("model/old-model"), home.join("old-model")).unwrap();
    fs::remove_dir(home.join("model")).unwrap();
    let mut json: serde_json::Value =
        serde_json::from_slice(&fs::read(home.join("incident.json")).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("layout");
    fs::write(home.join("incident.json"), json.to_string()).unwrap();

    let listed = quarantine::list(&dir).unwrap();
    assert!(listed[0].complete);
    let (_, path) = quarantine::show(&dir, &incident.id).unwrap();
    assert_eq!(path, home.join("old-model"));
    let to = work.path().join("released");
    quarantine::release(&dir, &incident.id, &to, None, &actor()).unwrap();
    assert_eq!(fs::read(to.join("w.bin")).unwrap(), b"w");
}

/// `--quarantine m/q` on model `m` wrote into the model and failed with EINVAL on every run.
#[test]
fn a_quarantine_dir_inside_the_model_is_refused_before_anything_is_written() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("m");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("w.bin"), b"w").unwrap();
    for dir in [model.join("q"), model.join("deeper/q"), model.clone()] {
        let err = quarantine::quarantine(
            &model,
            &dir,
            reason(None),
            &actor(),
            Options::default(),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                QuarantineError::Overlap {
                    dir_inside_model: true,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("inside the model"), "{err}");
    }
    let names: Vec<_> = fs::read_dir(&model).unwrap().collect();
    assert_eq!(names.len(), 1, "nothing was created in the model");
}

#[test]
fn a_model_inside_the_quarantine_dir_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("q");
    let model = dir.join("some-incident/model/m");
    fs::create_dir_all(&model).unwrap();
    let err = quarantine::quarantine(
        &model,
        &dir,
        reason(None),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            QuarantineError::Overlap {
                dir_inside_model: false,
                ..
            }
        ),
        "{err}"
    );
    assert!(model.exists());
}

/// Killed runs left `.partial` copies (98 in 150 kills), tombstones and staging directories:
/// the next run removes them, but never those of a run still holding its lock.
#[test]
fn recover_removes_the_leftovers_of_killed_runs_but_not_of_live_ones() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("q");
    let model = work.path().join("m");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("w.bin"), b"w").unwrap();
    let incident = quarantine(&model, &dir, None);
    let home = dir.join(&incident.id);
    let quarantined = incident.model_path(&home);
    let [partial, release_tombstone] = modelseal_fs::leftovers(&quarantined, &quarantined);
    let original_tombstone = modelseal_fs::tombstone_of(&model);
    let staging = dir.join(".m_20261203T000000.000000000Z.new");
    for leftover in [&partial, &release_tombstone, &original_tombstone, &staging] {
        fs::create_dir_all(leftover.join("sub")).unwrap();
        fs::write(leftover.join("sub/w.bin"), b"half").unwrap();
    }
    // A live run holds the incident: nothing of it is touched.
    let held = modelseal_fs::lock_path(&home, Wait::Try).unwrap().unwrap();
    let removed = quarantine::recover(&dir).unwrap();
    assert_eq!(removed, [staging]);
    assert!(partial.exists() && original_tombstone.exists());
    drop(held);
    let mut removed = quarantine::recover(&dir).unwrap();
    removed.sort();
    let mut expected = vec![partial.clone(), release_tombstone, original_tombstone];
    expected.sort();
    assert_eq!(removed, expected);
    assert_eq!(fs::read(quarantined.join("w.bin")).unwrap(), b"w");
    assert!(quarantine::recover(&dir).unwrap().is_empty());
}

/// A 1.15M-resource signature put a 58 MB problem line into the incident.
#[test]
fn a_huge_reason_is_capped_in_the_incident() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("m.bin");
    fs::write(&model, b"x").unwrap();
    let dir = work.path().join("q");
    let mut big = reason(None);
    big.summary = "missing: ".to_owned() + &"shard.bin, ".repeat(500_000);
    big.findings = serde_json::json!(vec!["finding"; 300_000]);
    let incident =
        quarantine::quarantine(&model, &dir, big, &actor(), Options::default(), &mut |_| {})
            .unwrap();
    assert!(incident.reason.len() < 10_000);
    assert!(incident.reason.ends_with("more bytes)"));
    assert!(incident.findings["summarised"]["bytes"].as_u64().unwrap() > 1 << 20);
    let on_disk = fs::metadata(dir.join(&incident.id).join("incident.json")).unwrap();
    assert!(on_disk.len() < 64 << 10);
}
