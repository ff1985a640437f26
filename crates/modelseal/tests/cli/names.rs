//! Names from disk in every output (issue 11, items 6 and 8): a name that is not UTF-8 is
//! carried as bytes and spelled out (`\xff`) in text, JSON, SARIF and the incident, never a
//! panic; a name holding a newline and `✓ fake: signed` cannot forge a line of `check`,
//! `quarantine list`, `verify` or an error; an NFD name does not print like its NFC twin.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::keypair;
use crate::messages::transcript;

const EVIL_PICKLE: &[u8] = b"cos\nsystem\n(S'id'\ntR.";
const FORGED: &str = "bert\n✓ fake: signed";

fn run(dir: &Path, args: &[&OsStr]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Quarantine ids and times, key hints and digests change from run to run.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\d{8}T\d{6}\.\d+Z", "[TIME]"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z", "[TIME]"),
        (r"key [0-9a-f]{16}", "key [HINT]"),
        (r"sha256:[0-9a-f]{64}", "sha256:[DIGEST]"),
    ]
}

/// `scan --format json`, `check --format json --quarantine` and SARIF with a name that is not
/// UTF-8: every report arrives (no panic, exit 70 before issue 10), the model is quarantined,
/// and the bytes are spelled out, so `m\xff` and `m\xfe` stay two names.
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_spelled_out_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let model = Path::new(OsStr::from_bytes(b"m\xff"));
    fs::create_dir(dir.path().join(model)).unwrap();
    fs::write(dir.path().join(model).join("e.pkl"), EVIL_PICKLE).unwrap();
    let (_, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let m = model.as_os_str();

    let scan = run(
        dir.path(),
        &["scan".as_ref(), m, "--format".as_ref(), "json".as_ref()],
    );
    assert_eq!(scan.status.code(), Some(2), "{scan:?}");
    assert_eq!(json(&scan)["files"][0]["path"], "m\\xff/e.pkl");
    let text = run(dir.path(), &["scan".as_ref(), m]);
    assert!(String::from_utf8_lossy(&text.stdout).starts_with("✗ \"m\\xff/e.pkl\" (pickle)"));
    let sarif = run(
        dir.path(),
        &["scan".as_ref(), m, "--format".as_ref(), "sarif".as_ref()],
    );
    let sarif = json(&sarif);
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "m%FF/e.pkl");

    let check = run(
        dir.path(),
        &[
            "check".as_ref(),
            m,
            "--key".as_ref(),
            public.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            "--allow-unsigned".as_ref(),
            "--quarantine".as_ref(),
            "q".as_ref(),
        ],
    );
    assert_eq!(check.status.code(), Some(2), "{check:?}");
    let report = json(&check);
    assert_eq!(report["models"][0]["model"], "m\\xff", "{report}");
    assert!(report["models"][0]["quarantined"].is_string(), "{report}");
    assert!(
        !dir.path().join(model).exists(),
        "the model went to quarantine"
    );
    let list = run(
        dir.path(),
        &["quarantine".as_ref(), "list".as_ref(), "q".as_ref()],
    );
    assert_eq!(list.status.code(), Some(0), "{list:?}");
}

/// A model directory named `bert\n✓ fake: signed` forged a passing line in `check` and in
/// `quarantine list`; a planted file forged one in `verify` and in sign's errors.
#[cfg(unix)]
#[test]
fn a_planted_newline_cannot_forge_a_line() {
    let dir = tempfile::tempdir().unwrap();
    keypair(dir.path(), "k", "ecdsa-p256");
    fs::create_dir_all(dir.path().join("models").join(FORGED)).unwrap();
    fs::write(
        dir.path().join("models").join(FORGED).join("w.pkl"),
        EVIL_PICKLE,
    )
    .unwrap();
    let check = transcript(
        dir.path(),
        &[
            "check",
            "--models-root",
            "models",
            "--key",
            "k.pub",
            "--strict",
            "--quarantine",
            "q",
        ],
    );
    let list = transcript(dir.path(), &["quarantine", "list", "q"]);

    fs::create_dir(dir.path().join("s")).unwrap();
    fs::write(dir.path().join("s/a.txt"), b"a").unwrap();
    let sign = |dir: &Path| transcript(dir, &["sign", "s", "--key", "k"]);
    assert!(sign(dir.path()).starts_with("exit: 0"));
    fs::write(dir.path().join("s").join(FORGED), b"planted").unwrap();
    let verify = transcript(dir.path(), &["verify", "s", "--key", "k.pub"]);
    fs::remove_file(dir.path().join("s").join(FORGED)).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(dir.path().join("s").join(FORGED))
            .status()
            .unwrap()
            .success()
    );
    let sign_error = sign(dir.path());

    for (what, text) in [
        ("check", &check),
        ("list", &list),
        ("verify", &verify),
        ("sign", &sign_error),
    ] {
        assert!(
            !text.lines().any(|l| l.starts_with('✓')),
            "{what} printed a forged line:\n{text}"
        );
    }
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("forged_name_check", check);
        insta::assert_snapshot!("forged_name_quarantine_list", list);
        insta::assert_snapshot!("forged_name_verify", verify);
        insta::assert_snapshot!("forged_name_sign_error", sign_error);
    });
}

/// `é` (NFC) and `e` + U+0301 (NFD) are two files that printed identically.
#[test]
fn nfd_and_nfc_names_print_differently() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("m")).unwrap();
    fs::write(dir.path().join("m/\u{e9}l\u{e8}ve.pkl"), EVIL_PICKLE).unwrap();
    fs::write(dir.path().join("m/e\u{301}le\u{300}ve.pkl"), EVIL_PICKLE).unwrap();
    insta::assert_snapshot!("nfc_and_nfd_names", transcript(dir.path(), &["scan", "m"]));
}

/// N-2 (red team 3): U+2028, U+061C and invisible format characters in a file name printed
/// raw in `scan` and `check` text (`pytorch<U+00AD>model.bin` read as `pytorchmodel.bin`):
/// each is escaped now.
#[test]
fn invisible_and_line_separating_characters_in_names_are_escaped_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let hidden = [
        '\u{2028}',
        '\u{61c}',
        '\u{ad}',
        '\u{180e}',
        '\u{fff9}',
        '\u{1d173}',
        '\u{e0001}',
        '\u{34f}',
    ];
    let model = dir.path().join("m");
    fs::create_dir(&model).unwrap();
    for c in hidden {
        fs::write(model.join(format!("pytorch{c}model.bin")), EVIL_PICKLE).unwrap();
    }
    let (_key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    for command in ["scan", "check"] {
        let mut args = vec![OsStr::new(command), OsStr::new("m")];
        if command == "check" {
            args.extend([OsStr::new("--key"), public.as_os_str()]);
        }
        let out = run(dir.path(), &args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for c in hidden {
            assert!(
                !text.contains(c),
                "{command}: U+{:04X} raw in {text}",
                u32::from(c)
            );
            let escape = format!("\\u{{{:x}}}", u32::from(c));
            assert!(
                text.contains(&escape),
                "{command}: {escape} missing in {text}"
            );
        }
    }
}
