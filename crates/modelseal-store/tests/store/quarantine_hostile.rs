//! Quarantine under attack: oversized or special signatures, long multi-byte names, damaged
//! incident reports, and several processes quarantining the same model at once.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use modelseal_store::quarantine::{self, Options, Reason, Step};

fn reason(signature: Option<PathBuf>) -> Reason {
    Reason {
        summary: "critical finding".into(),
        findings: serde_json::json!([]),
        digest: None,
        signature,
    }
}

fn model(root: &Path, name: &str) -> PathBuf {
    let model = root.join(name);
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("weights.bin"), b"weights").unwrap();
    model
}

fn mkfifo(path: &Path) {
    assert!(
        std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn an_oversized_signature_is_not_copied_and_the_incident_says_why() {
    let work = tempfile::tempdir().unwrap();
    let m = model(work.path(), "m");
    let sig = work.path().join("m.sig");
    let file = fs::File::create(&sig).unwrap();
    file.set_len(modelseal_sign::MAX_SIGNATURE_BYTES + 1)
        .unwrap();
    let dir = work.path().join("q");
    let incident = quarantine::quarantine(
        &m,
        &dir,
        reason(Some(sig)),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let home = dir.join(&incident.id);
    assert!(home.join("model/m").is_dir(), "the model is quarantined");
    assert!(!home.join("signature.sig").exists());
    assert_eq!(incident.signature, None);
    let why = incident.signature_not_kept.as_deref().unwrap();
    assert!(why.contains("larger than"), "{why}");
    let (shown, _) = quarantine::show(&dir, &incident.id).unwrap();
    assert_eq!(shown, incident);
}

#[cfg(unix)]
#[test]
fn a_fifo_signature_is_refused_without_blocking() {
    let work = tempfile::tempdir().unwrap();
    let m = model(work.path(), "m");
    let sig = work.path().join("m.sig");
    mkfifo(&sig);
    let dir = work.path().join("q");
    let incident = quarantine::quarantine(
        &m,
        &dir,
        reason(Some(sig)),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(incident.signature_not_kept.is_some());
    assert!(dir.join(&incident.id).join("model/m").is_dir());
}

#[test]
fn a_small_signature_is_still_kept() {
    let work = tempfile::tempdir().unwrap();
    let m = model(work.path(), "m");
    let sig = work.path().join("m.sig");
    fs::write(&sig, b"{\"bundle\":1}").unwrap();
    let dir = work.path().join("q");
    let incident = quarantine::quarantine(
        &m,
        &dir,
        reason(Some(sig)),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(incident.signature.as_deref(), Some("signature.sig"));
    assert_eq!(incident.signature_not_kept, None);
    assert_eq!(
        fs::read(dir.join(&incident.id).join("signature.sig")).unwrap(),
        b"{\"bundle\":1}"
    );
}

#[test]
fn a_long_multibyte_name_is_quarantined_with_an_id_under_the_limit() {
    let work = tempfile::tempdir().unwrap();
    let name = "模".repeat(83); // 249 bytes: a legal file name
    let m = model(work.path(), &name);
    let dir = work.path().join("q");
    let incident = quarantine::quarantine(
        &m,
        &dir,
        reason(None),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(incident.id.len() <= 255, "{}", incident.id.len());
    assert!(incident.id.starts_with('模'));
    assert_eq!(incident.name, name);
    assert!(incident.model_path(&dir.join(&incident.id)).is_dir());
}

#[cfg(unix)]
#[test]
fn list_reports_the_incidents_it_cannot_read() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("q");
    let good = quarantine::quarantine(
        &model(work.path(), "good"),
        &dir,
        reason(None),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let good_json = fs::read_to_string(dir.join(&good.id).join("incident.json")).unwrap();
    let bad = |name: &str| {
        let home = dir.join(name);
        fs::create_dir(&home).unwrap();
        home.join("incident.json")
    };
    mkfifo(&bad("fifo"));
    std::os::unix::fs::symlink("/dev/zero", bad("zero")).unwrap();
    fs::File::create(bad("sparse"))
        .unwrap()
        .set_len(20 << 30)
        .unwrap();
    fs::write(bad("truncated"), &good_json[..good_json.len() / 2]).unwrap();
    fs::write(
        bad("escape"),
        good_json.replacen("\"name\": \"good\"", "\"name\": \"../../../etc\"", 1),
    )
    .unwrap();
    fs::write(bad("nested"), "[".repeat(100_000)).unwrap();
    bad("missing");

    let inventory = quarantine::inventory(&dir).unwrap();
    assert_eq!(inventory.incidents.len(), 1);
    assert_eq!(inventory.incidents[0].incident, good);
    let mut unreadable: Vec<String> = inventory
        .unreadable
        .iter()
        .map(|u| u.dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    unreadable.sort();
    assert_eq!(
        unreadable,
        [
            "escape",
            "fifo",
            "missing",
            "nested",
            "sparse",
            "truncated",
            "zero"
        ]
    );
    let missing = inventory
        .unreadable
        .iter()
        .find(|u| u.dir.ends_with("missing"))
        .unwrap();
    assert!(missing.error.is_not_found());
    // `list` keeps its shape: the readable incidents only.
    assert_eq!(quarantine::list(&dir).unwrap().len(), 1);
}

#[test]
fn a_move_that_loses_the_race_leaves_no_incident() {
    let work = tempfile::tempdir().unwrap();
    let m = model(work.path(), "m");
    let elsewhere = work.path().join("moved-by-someone-else");
    let dir = work.path().join("q");
    // Another process takes the model between the incident and the move.
    let result = quarantine::quarantine(
        &m,
        &dir,
        reason(None),
        &actor(),
        Options::default(),
        &mut |step| {
            if step == Step::IncidentWritten {
                fs::rename(&m, &elsewhere).unwrap();
            }
        },
    );
    assert!(result.is_err());
    assert!(elsewhere.join("weights.bin").exists());
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "no incident left");
}

#[test]
fn concurrent_quarantines_of_one_model_leave_exactly_one_incident() {
    let work = tempfile::tempdir().unwrap();
    let m = model(work.path(), "cm");
    let dir = work.path().join("cq");
    let barrier = Arc::new(Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (m, dir, barrier) = (m.clone(), dir.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                quarantine::quarantine(
                    &m,
                    &dir,
                    reason(None),
                    &actor(),
                    Options::default(),
                    &mut |_| {},
                )
                .is_ok()
            })
        })
        .collect();
    let moved = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(moved, 1);
    let inventory = quarantine::inventory(&dir).unwrap();
    assert_eq!(inventory.incidents.len(), 1);
    assert!(inventory.incidents[0].complete);
    assert!(inventory.unreadable.is_empty());
}

/// A link planted where the quarantined model should be is never released, even with a
/// forced reason: release would hand out whatever it points at (red team 2, F17).
#[cfg(unix)]
#[test]
fn a_link_planted_in_place_of_the_quarantined_model_is_never_released() {
    let work = tempfile::tempdir().unwrap();
    let m = model(work.path(), "m");
    let dir = work.path().join("q");
    let incident = quarantine::quarantine(
        &m,
        &dir,
        reason(None),
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let (_, quarantined) = quarantine::show(&dir, &incident.id).unwrap();
    fs::remove_dir_all(&quarantined).unwrap();
    let outside = work.path().join("secret.bin");
    fs::write(&outside, b"not the model").unwrap();
    std::os::unix::fs::symlink(&outside, &quarantined).unwrap();
    let to = work.path().join("released");
    let refused = quarantine::release(
        &dir,
        &incident.id,
        &to,
        Some("the operator insists".into()),
        &actor(),
    )
    .unwrap_err();
    assert!(refused.to_string().contains("symbolic link"), "{refused}");
    assert!(fs::symlink_metadata(&to).is_err(), "nothing was released");
    assert!(fs::symlink_metadata(&quarantined).unwrap().is_symlink());
}
