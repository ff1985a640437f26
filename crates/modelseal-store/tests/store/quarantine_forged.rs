//! Red team 3: a quarantine directory written by an adversary (forged incidents, links planted
//! in incidents), a model redeployed after quarantine, and a signature that is a link.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use modelseal_store::quarantine::{self, Options, Reason};

fn reason(signature: Option<PathBuf>) -> Reason {
    Reason {
        summary: "unsigned".into(),
        findings: serde_json::json!([]),
        digest: None,
        signature,
    }
}

fn quarantine(
    model: &Path,
    dir: &Path,
    signature: Option<PathBuf>,
    copy: bool,
) -> quarantine::Incident {
    quarantine::quarantine(
        model,
        dir,
        reason(signature),
        &actor(),
        Options { always_copy: copy },
        &mut |_| {},
    )
    .unwrap()
}

/// An incident as `q_forged_incident*.sh` writes it, naming `original` as the model's path.
fn forge_incident(dir: &Path, original: &Path) -> PathBuf {
    let name = original.file_name().unwrap().to_str().unwrap();
    let id = format!("{name}_20260101T000000.000000000Z");
    let home = dir.join(&id);
    fs::create_dir_all(&home).unwrap();
    let incident = serde_json::json!({
        "id": id, "name": name, "original_path": original,
        "quarantined_at": "2026-01-01T00:00:00Z", "reason": "x", "findings": null,
        "digest": null, "tool": "modelseal", "host": "h", "user": "u", "layout": 2
    });
    fs::write(home.join("incident.json"), incident.to_string()).unwrap();
    home
}

/// Q-1 (`q_forged_incident_dirlink.sh`): `model -> /victim/dir` made recovery compare the
/// victim with itself and delete it.
#[test]
fn q_forged_incident_dirlink_deletes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let (dir, victim_dir) = (work.path().join("q"), work.path().join("victimdir"));
    fs::create_dir_all(&victim_dir).unwrap();
    let victim = victim_dir.join("shadow");
    fs::write(&victim, b"secret only root can read").unwrap();
    // A partial-looking file in the victim's directory must not go either.
    fs::write(victim_dir.join(".shadow.partial"), b"not ours").unwrap();
    let home = forge_incident(&dir, &victim);
    symlink(&victim_dir, home.join("model")).unwrap();
    let removed = quarantine::recover(&dir).unwrap();
    assert!(removed.is_empty(), "{removed:?}");
    assert_eq!(fs::read(&victim).unwrap(), b"secret only root can read");
    assert!(victim_dir.join(".shadow.partial").exists());
}

/// Q-1 (`q_forged_incident.sh`): a byte-for-byte copy (variant B) or a link (variant A) as
/// "the quarantined model" made recovery delete the original path the incident names.
#[test]
fn q_forged_incident_never_deletes_the_original_path() {
    let work = tempfile::tempdir().unwrap();
    let (dir, victim_dir) = (work.path().join("q"), work.path().join("victimdir"));
    fs::create_dir_all(&victim_dir).unwrap();
    for (name, as_link) in [("precious.txt", true), ("precious2.txt", false)] {
        let victim = victim_dir.join(name);
        fs::write(&victim, b"precious data").unwrap();
        let home = forge_incident(&dir, &victim);
        fs::create_dir_all(home.join("model")).unwrap();
        if as_link {
            symlink(&victim, home.join("model").join(name)).unwrap();
        } else {
            fs::copy(&victim, home.join("model").join(name)).unwrap();
        }
    }
    let removed = quarantine::recover(&dir).unwrap();
    assert!(removed.is_empty(), "{removed:?}");
    for name in ["precious.txt", "precious2.txt"] {
        assert_eq!(fs::read(victim_dir.join(name)).unwrap(), b"precious data");
    }
}

/// Q-4 (`q_recover_redeploy.sh`): a model quarantined, then the same bytes redeployed at its
/// path, was deleted by the next recovery as the leftover of an interrupted move.
#[test]
fn q_recover_redeploy_keeps_the_redeployed_model() {
    for copy in [false, true] {
        let work = tempfile::tempdir().unwrap();
        let (dir, model) = (work.path().join("q"), work.path().join("m"));
        fs::create_dir(&model).unwrap();
        fs::write(model.join("config.json"), b"{}").unwrap();
        let keep = work.path().join("keep");
        fs::create_dir(&keep).unwrap();
        fs::write(keep.join("config.json"), b"{}").unwrap();
        quarantine(&model, &dir, None, copy);
        assert!(!model.exists());
        fs::rename(&keep, &model).unwrap();
        let removed = quarantine::recover(&dir).unwrap();
        assert!(removed.is_empty(), "copy={copy}: {removed:?}");
        assert_eq!(fs::read(model.join("config.json")).unwrap(), b"{}");
    }
}

/// Q-10 (`q_sig_link_leak.sh`): `m.sig -> secret` (0600) was copied by the root gate into
/// the incident as a 0644 `signature.sig`.
#[test]
fn q_sig_link_leak_keeps_no_linked_signature_and_incidents_are_private() {
    let work = tempfile::tempdir().unwrap();
    let secret = work.path().join("shadow");
    fs::write(&secret, b"root:$6$SECRETHASH").unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    let model = work.path().join("m");
    fs::create_dir(&model).unwrap();
    fs::write(model.join("config.json"), b"{}").unwrap();
    let sig = work.path().join("m.sig");
    symlink(&secret, &sig).unwrap();
    let dir = work.path().join("q");
    let incident = quarantine(&model, &dir, Some(sig), false);
    let home = dir.join(&incident.id);
    assert!(!home.join("signature.sig").exists());
    assert_eq!(incident.signature, None);
    assert_eq!(
        incident.signature_not_kept.as_deref(),
        Some("signature not kept: it is a symbolic link")
    );
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&home.join("model")), 0o700);
    assert_eq!(mode(&home.join("incident.json")), 0o600);
    // A real signature is still kept, readable by its owner only.
    let other = work.path().join("n.bin");
    fs::write(&other, b"n").unwrap();
    let real_sig = work.path().join("n.bin.sig");
    fs::write(&real_sig, b"{}").unwrap();
    let incident = quarantine(&other, &dir, Some(real_sig), false);
    let kept = dir.join(&incident.id).join("signature.sig");
    assert_eq!(mode(&kept), 0o600);
}

/// Q-2 (`q_release_link.sh`, variant): a link inside a quarantined directory model pointing
/// outside it would be deployed as a link to whatever its owner puts there later.
#[test]
fn q_release_link_inside_the_model_pointing_out_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("m");
    fs::create_dir_all(model.join("sub")).unwrap();
    fs::write(model.join("w.bin"), b"w").unwrap();
    // A link staying inside the model is fine.
    symlink("../w.bin", model.join("sub/inside")).unwrap();
    let dir = work.path().join("q");
    let incident = quarantine(&model, &dir, None, false);
    let (_, quarantined) = quarantine::show(&dir, &incident.id).unwrap();
    let attacker = work.path().join("attacker.bin");
    fs::write(&attacker, b"later malicious").unwrap();
    symlink(&attacker, quarantined.join("pytorch_model.bin")).unwrap();
    symlink("../../x", quarantined.join("sub/up")).unwrap();
    let to = work.path().join("srv/m");
    let refused =
        quarantine::release(&dir, &incident.id, &to, Some("forced".into()), &actor()).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("symbolic link pointing outside"),
        "{refused}"
    );
    assert!(fs::symlink_metadata(&to).is_err());
    fs::remove_file(quarantined.join("pytorch_model.bin")).unwrap();
    let refused = quarantine::release(&dir, &incident.id, &to, None, &actor()).unwrap_err();
    assert!(refused.to_string().contains("sub/up"), "{refused}");
    fs::remove_file(quarantined.join("sub/up")).unwrap();
    quarantine::release(&dir, &incident.id, &to, None, &actor()).unwrap();
    assert_eq!(fs::read(to.join("sub/inside")).unwrap(), b"w");
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Red team F5 (2.120, 2.121): a copy of a real incident under another directory name was
/// listed under the real incident's id (the same id twice), and `show` of the copy's
/// directory showed the real id. An incident whose report's id is not its directory's name
/// is flagged as unreadable, and `show` never resolves it.
#[test]
fn incident_copied_under_another_directory_name_is_flagged_not_listed_twice() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("beta.bin");
    fs::write(&model, b"weights").unwrap();
    let dir = work.path().join("q");
    let real = quarantine(&model, &dir, None, false);
    let forged = dir.join("zzzz_20260101T000000Z");
    copy_tree(&dir.join(&real.id), &forged);
    let inventory = quarantine::inventory(&dir).unwrap();
    let ids: Vec<&str> = inventory
        .incidents
        .iter()
        .map(|l| l.incident.id.as_str())
        .collect();
    assert_eq!(ids, [real.id.as_str()]);
    assert_eq!(inventory.unreadable.len(), 1);
    assert_eq!(inventory.unreadable[0].dir, forged);
    let why = inventory.unreadable[0].error.to_string();
    assert!(
        why.contains(&real.id) && why.contains("zzzz_20260101T000000Z"),
        "{why}"
    );
    assert!(quarantine::show(&dir, "zzzz_20260101T000000Z").is_err());
    let (shown, path) = quarantine::show(&dir, &real.id).unwrap();
    assert_eq!(shown.id, real.id);
    assert!(path.starts_with(dir.join(&real.id)));
}
