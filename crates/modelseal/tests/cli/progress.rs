//! Byte progress (issue 12): a bar on stderr for long hashing, never on stdout, and none when
//! stderr is not a terminal unless `MODELSEAL_PROGRESS=always` asks for it.

use std::fs;

use crate::{keypair, make_model, modelseal};

/// The bar draws bytes against a total; these are in its template.
fn has_bar(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    text.contains("KiB/") || text.contains("MiB/") || text.contains(" B/")
}

#[test]
fn piped_stderr_shows_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    for args in [
        vec!["digest".as_ref(), model.as_os_str()],
        vec![
            "sign".as_ref(),
            model.as_os_str(),
            "--key".as_ref(),
            key.as_os_str(),
        ],
        vec![
            "verify".as_ref(),
            model.as_os_str(),
            "--key".as_ref(),
            public.as_os_str(),
        ],
        vec!["scan".as_ref(), model.as_os_str()],
    ] {
        let out = modelseal()
            .args(&args)
            .env_remove("MODELSEAL_PROGRESS")
            .assert()
            .success();
        assert!(
            out.get_output().stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.get_output().stderr)
        );
    }
}

#[test]
fn forced_progress_goes_to_stderr_and_leaves_stdout_alone() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    fs::write(model.join("big.bin"), vec![7u8; 4 << 20]).unwrap();
    let (key, public) = keypair(dir.path(), "key", "ecdsa-p256");
    modelseal()
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .assert()
        .success();
    for args in [
        vec!["digest".as_ref(), model.as_os_str()],
        vec![
            "digest".as_ref(),
            model.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ],
        vec![
            "verify".as_ref(),
            model.as_os_str(),
            "--key".as_ref(),
            public.as_os_str(),
        ],
        vec![
            "check".as_ref(),
            model.as_os_str(),
            "--key".as_ref(),
            public.as_os_str(),
        ],
        vec!["scan".as_ref(), model.as_os_str()],
    ] {
        let quiet = modelseal()
            .args(&args)
            .env("MODELSEAL_PROGRESS", "never")
            .assert()
            .success();
        let forced = modelseal()
            .args(&args)
            .env("MODELSEAL_PROGRESS", "always")
            .assert()
            .success();
        assert_eq!(
            quiet.get_output().stdout,
            forced.get_output().stdout,
            "{args:?}: stdout changed"
        );
        assert!(
            has_bar(&forced.get_output().stderr),
            "{args:?}: no bar in {:?}",
            String::from_utf8_lossy(&forced.get_output().stderr)
        );
        assert!(!has_bar(&quiet.get_output().stderr), "{args:?}");
    }
}
