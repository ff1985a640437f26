//! Issue 12 (store side): a released model comes back with its signature, and incidents are
//! named by unique id prefixes.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failures

use crate::actor;
use std::fs;
use std::path::{Path, PathBuf};

use modelseal_store::quarantine::{self, Options, QuarantineError, Reason};

fn quarantine(model: &Path, dir: &Path, signature: Option<PathBuf>) -> quarantine::Incident {
    let reason = Reason {
        summary: "signature does not verify".into(),
        findings: serde_json::json!([]),
        digest: None,
        signature,
    };
    quarantine::quarantine(
        model,
        dir,
        reason,
        &actor(),
        Options::default(),
        &mut |_| {},
    )
    .unwrap()
}

/// The signature stayed inside the incident and the next `check` failed the released model
/// as unsigned: it is written beside the model's new path, and the incident keeps its copy.
#[test]
fn release_writes_the_kept_signature_beside_the_released_model() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("m.bin");
    fs::write(&model, b"weights").unwrap();
    let signature = work.path().join("m.bin.sig");
    fs::write(&signature, b"bundle").unwrap();
    let dir = work.path().join("q");
    let incident = quarantine(&model, &dir, Some(signature.clone()));
    assert_eq!(
        incident.original_signature.as_deref(),
        Some(signature.as_path())
    );
    let to = work.path().join("back/m.bin");
    let released = quarantine::release(&dir, &incident.id, &to, None, &actor()).unwrap();
    assert_eq!(fs::read(&to).unwrap(), b"weights");
    let beside = work.path().join("back/m.bin.sig");
    assert_eq!(fs::read(&beside).unwrap(), b"bundle");
    let release = released.release.unwrap();
    assert_eq!(release.signature.as_deref(), Some(beside.as_path()));
    assert!(release.signature_not_restored.is_none());
    assert_eq!(
        fs::read(dir.join(&incident.id).join("signature.sig")).unwrap(),
        b"bundle"
    );
}

/// A different file where the signature goes is never replaced, and nothing moves; the same
/// bytes there are fine.
#[test]
fn release_never_replaces_another_file_where_the_signature_goes() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("m.bin");
    fs::write(&model, b"weights").unwrap();
    let signature = work.path().join("m.bin.sig");
    fs::write(&signature, b"bundle").unwrap();
    let dir = work.path().join("q");
    let incident = quarantine(&model, &dir, Some(signature.clone()));
    fs::write(&signature, b"another").unwrap();
    let refused = quarantine::release(&dir, &incident.id, &model, None, &actor());
    assert!(
        matches!(refused, Err(QuarantineError::SignatureInTheWay { .. })),
        "{refused:?}"
    );
    assert!(!model.exists());
    assert_eq!(fs::read(&signature).unwrap(), b"another");
    #[cfg(unix)]
    {
        fs::remove_file(&signature).unwrap();
        std::os::unix::fs::symlink(dir.join(&incident.id).join("signature.sig"), &signature)
            .unwrap();
        let refused = quarantine::release(&dir, &incident.id, &model, None, &actor());
        assert!(matches!(
            refused,
            Err(QuarantineError::SignatureInTheWay { .. })
        ));
        fs::remove_file(&signature).unwrap();
    }
    fs::write(&signature, b"bundle").unwrap();
    quarantine::release(&dir, &incident.id, &model, None, &actor()).unwrap();
    assert_eq!(fs::read(&model).unwrap(), b"weights");
}

/// Ids are found by a unique prefix of at least [`quarantine::MIN_ID_PREFIX`] characters.
#[test]
fn incident_ids_resolve_from_unique_prefixes() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("q");
    let mut ids = Vec::new();
    for name in ["alpha.bin", "alpine.bin", "alpine.bin"] {
        let model = work.path().join(name);
        fs::write(&model, b"x").unwrap();
        ids.push(quarantine(&model, &dir, None).id);
    }
    fs::create_dir(dir.join(".alpha.bin_staging.new")).unwrap();
    assert_eq!(quarantine::resolve_id(&dir, &ids[1]).unwrap(), ids[1]);
    assert_eq!(quarantine::resolve_id(&dir, "alpha").unwrap(), ids[0]);
    match quarantine::resolve_id(&dir, "alpi") {
        Err(QuarantineError::AmbiguousId { candidates, .. }) => {
            assert_eq!(candidates, [ids[1].clone(), ids[2].clone()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        quarantine::resolve_id(&dir, "alp"),
        Err(QuarantineError::IdPrefixTooShort(_))
    ));
    for missing in ["beta", ".alpha", "../q", ""] {
        let e = quarantine::resolve_id(&dir, missing).unwrap_err();
        assert!(e.is_not_found(), "{missing}: {e:?}");
    }
}

/// Red team F4 (2.113): `release --to Q/m` moved the model into the quarantine directory
/// itself, where `list` then warned about an unreadable incident. A destination inside the
/// quarantine directory (or the directory itself) is refused with nothing moved.
#[test]
fn release_into_the_quarantine_directory_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("m.bin");
    fs::write(&model, b"weights").unwrap();
    let dir = work.path().join("q");
    let incident = quarantine(&model, &dir, None);
    for to in [
        dir.join("m"),
        dir.join("sub/m"),
        dir.clone(),
        dir.join(".").join("m"),
    ] {
        let err = quarantine::release(&dir, &incident.id, &to, None, &actor()).unwrap_err();
        assert!(
            matches!(err, QuarantineError::ReleaseIntoQuarantine { .. }),
            "{}: {err}",
            to.display()
        );
        assert!(!to.join("m.bin").exists() && !dir.join("m").exists());
    }
    let (_, kept) = quarantine::show(&dir, &incident.id).unwrap();
    assert!(kept.is_file());
}
