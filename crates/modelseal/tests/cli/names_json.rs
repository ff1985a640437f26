//! Names in JSON and SARIF, and stdout that is not there (red team 12, areas 4 and 5).
//!
//! - 5-A: a file named with DEL, a C1 control (U+009B, a CSI), U+202E or U+2028 reached every
//!   JSON and SARIF document raw, so `cat report.json` acted on it. Now escaped as `\uXXXX`,
//!   the parsed values unchanged.
//! - 5-E: byte 0xff and a file literally named `w\xff.bin` were the same JSON string.
//! - 5-B: `sign --ignore`'s note and `key generate` printed names raw.
//! - 4-A: with stdout closed (`>&-`) the output was lost and the exit was 0.
//! - 4-D: `key generate --out -` wrote the private key to a file named `-`.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Output;

use crate::{keypair, make_model, modelseal, sign, sign_cmd, verify_cmd};

/// ESC, DEL, C1 CSI, right-to-left override, line separator.
const HIDDEN: [char; 5] = ['\u{1b}', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2028}'];
const PLANTED: &str = "a\u{1b}[31m del\u{7f} csi\u{9b}31m \u{202e}nib.exe \u{2028}.bin";

fn assert_no_raw_hidden(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for c in HIDDEN {
        assert!(
            !text.contains(c),
            "{what}: U+{:04X} raw in {text}",
            u32::from(c)
        );
    }
}

/// Every string in a JSON value.
fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => into.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, into)),
        _ => {}
    }
}

fn parsed_strings(output: &Output) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    let mut all = Vec::new();
    strings(&value, &mut all);
    all
}

#[test]
fn red_team_5a_hidden_characters_never_reach_json_or_sarif_raw() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    // The model directory and a file in it carry the planted name, so every report names it.
    let made = make_model(dir.path());
    fs::write(made.join(PLANTED), b"x").unwrap();
    let model = dir.path().join(format!("m{PLANTED}"));
    fs::rename(&made, &model).unwrap();
    sign(&model, &key, &[]);
    let runs: Vec<(&str, Output)> = vec![
        (
            "scan json",
            modelseal()
                .arg("scan")
                .arg(&model)
                .args(["--format", "json"])
                .output()
                .unwrap(),
        ),
        (
            "scan sarif",
            modelseal()
                .arg("scan")
                .arg(&model)
                .args(["--format", "sarif"])
                .output()
                .unwrap(),
        ),
        (
            "verify json",
            verify_cmd(&model, &public)
                .args(["--format", "json"])
                .output()
                .unwrap(),
        ),
        (
            "check json",
            modelseal()
                .arg("check")
                .arg(&model)
                .arg("--key")
                .arg(&public)
                .args(["--format", "json"])
                .output()
                .unwrap(),
        ),
        (
            "check sarif",
            modelseal()
                .arg("check")
                .arg(&model)
                .arg("--key")
                .arg(&public)
                .args(["--format", "sarif"])
                .output()
                .unwrap(),
        ),
        (
            "digest json",
            modelseal()
                .arg("digest")
                .arg(&model)
                .args(["--format", "json"])
                .output()
                .unwrap(),
        ),
    ];
    for (what, output) in &runs {
        assert_no_raw_hidden(what, &output.stdout);
        let all = parsed_strings(output);
        // SARIF names files by URI, percent-encoded; JSON reports by name.
        assert!(
            what.ends_with("sarif") || all.iter().any(|s| s.contains(PLANTED)),
            "{what}: the parsed report names the file as it is: {all:?}"
        );
    }
    // The error object's `path`: a model that does not exist, under the planted name.
    let missing = dir.path().join(format!("gone{PLANTED}"));
    for format in ["json", "sarif"] {
        let output = modelseal()
            .arg("scan")
            .arg(&missing)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "{output:?}");
        assert_no_raw_hidden("error object", &output.stdout);
        let all = parsed_strings(&output);
        assert!(
            format == "sarif" || all.iter().any(|s| s.contains(PLANTED)),
            "{format}: {all:?}"
        );
    }
}

/// The audit log is JSON lines a reviewer reads with `cat` too.
#[test]
fn red_team_5a_hidden_characters_never_reach_the_audit_log_raw() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let made = make_model(dir.path());
    let model = dir.path().join(format!("m{PLANTED}"));
    fs::rename(&made, &model).unwrap();
    let log = dir.path().join("audit.log");
    sign_cmd(&model, &key)
        .arg("--audit-log")
        .arg(&log)
        .assert()
        .success();
    let bytes = fs::read(&log).unwrap();
    assert_no_raw_hidden("audit log", &bytes);
    let line = bytes.split(|b| *b == b'\n').next().unwrap();
    let value: serde_json::Value = serde_json::from_slice(line).unwrap();
    let mut all = Vec::new();
    strings(&value, &mut all);
    assert!(all.iter().any(|s| s.contains(PLANTED)), "{all:?}");
}

#[test]
fn red_team_5e_a_backslash_name_and_a_byte_are_two_json_names() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    fs::create_dir(&model).unwrap();
    fs::write(model.join(OsStr::from_bytes(b"w\xff.bin")), b"a").unwrap();
    fs::write(model.join(r"w\xff.bin"), b"b").unwrap();
    let output = modelseal()
        .arg("scan")
        .arg(&model)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let all = parsed_strings(&output);
    let byte = all.iter().filter(|s| s.ends_with(r"/w\xff.bin")).count();
    let literal = all.iter().filter(|s| s.ends_with(r"/w\\xff.bin")).count();
    assert!(byte >= 1 && literal >= 1, "{all:?}");
    assert_eq!(byte, literal, "each file is named once: {all:?}");
}

#[test]
fn red_team_5b_sign_ignore_note_and_key_generate_escape_names() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    let output = sign_cmd(&model, &key)
        .arg("--signature")
        .arg(dir.path().join("m.sig"))
        .arg("--ignore")
        .arg(format!("/x/evil\u{1b}[31mRED{}", '\u{9b}'))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_no_raw_hidden("sign --ignore note", &output.stderr);
    assert!(String::from_utf8_lossy(&output.stderr).contains(r"evil\u{1b}[31mRED\u{9b}"));

    let keys = dir.path().join("keys");
    fs::create_dir(&keys).unwrap();
    for format in ["text", "json"] {
        let out = keys.join(format!("t{format}\u{1b}]0;pwned\u{7}\u{202e}.pem"));
        let output = modelseal()
            .args([
                "key",
                "generate",
                "--no-passphrase",
                "--format",
                format,
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        assert_no_raw_hidden(format, &output.stdout);
        assert!(!output.stdout.contains(&0x07), "BEL raw");
        if format == "json" {
            let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(value["private_key"], out.to_str().unwrap());
        }
    }
    // A path that is not UTF-8 keeps its byte (`\xff`), not U+FFFD.
    let out = keys.join(OsStr::from_bytes(b"k\xff.pem"));
    let output = modelseal()
        .args([
            "key",
            "generate",
            "--no-passphrase",
            "--format",
            "json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let private = value["private_key"].as_str().unwrap();
    assert!(private.ends_with(r"k\xff.pem"), "{private}");
    assert!(
        value["public_key"]
            .as_str()
            .unwrap()
            .ends_with(r"k\xff.pem.pub")
    );
}

/// `modelseal ARGS >&-`: stdout closed before the process starts.
fn with_stdout_closed(args: &[&OsStr]) -> Output {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(r#""$0" "$@" >&-"#)
        .arg(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(args)
        .env_remove("NO_COLOR")
        .env("XDG_CONFIG_HOME", crate::NO_USER_CONFIG);
    for name in crate::modelseal_variables() {
        cmd.env_remove(name);
    }
    cmd.output().unwrap()
}

#[test]
fn red_team_4a_a_signature_to_a_closed_stdout_is_exit_74_and_a_read_write_dev_null_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    sign(&model, &key, &[]);
    let m = model.as_os_str();
    // A report to a closed stdout cannot be told from one to Python's
    // `subprocess.DEVNULL` (both a read-write /dev/null): the reader chose to drop it.
    let digest = with_stdout_closed(&[OsStr::new("digest"), m]);
    assert_eq!(digest.status.code(), Some(0), "{digest:?}");
    let verify = with_stdout_closed(&[
        OsStr::new("verify"),
        m,
        OsStr::new("--key"),
        public.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("json"),
    ]);
    assert_eq!(verify.status.code(), Some(0), "{verify:?}");
    // A product written to stdout (a signature) is refused there: it would be lost.
    let signed = with_stdout_closed(&[
        OsStr::new("sign"),
        m,
        OsStr::new("--key"),
        key.as_os_str(),
        OsStr::new("--signature"),
        OsStr::new("-"),
    ]);
    assert_eq!(signed.status.code(), Some(74), "{signed:?}");
    let stderr = String::from_utf8_lossy(&signed.stderr);
    assert!(!stderr.contains("Signed"), "{stderr}");
    // `> /dev/null` is a real stdout: the reader chose to drop it.
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("modelseal"));
    let status = cmd
        .arg("digest")
        .arg(&model)
        .env("XDG_CONFIG_HOME", crate::NO_USER_CONFIG)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    // Python's `subprocess.DEVNULL` opens /dev/null read-write (the vm slice's benchmark
    // got exit 74 for a scan there).
    let devnull = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("modelseal"))
        .arg("digest")
        .arg(&model)
        .env("XDG_CONFIG_HOME", crate::NO_USER_CONFIG)
        .stdout(devnull)
        .status()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn red_team_4a_a_pipe_closed_before_the_bundle_is_not_called_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    // The reader is gone before modelseal writes: `sign … --signature - | true`.
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec 3>&1; ("$0" "$@" 2>&3; echo "exit $?" >&3) | true"#)
        .arg(assert_cmd::cargo::cargo_bin("modelseal"))
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .args(["--signature", "-"])
        .env("XDG_CONFIG_HOME", crate::NO_USER_CONFIG)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Signed"), "{text}");
    // A closed pipe is the reader's choice, not an error (docs/DESIGN.md).
    assert!(text.contains("exit 0"), "{text}");
}

#[test]
fn red_team_4d_key_generate_out_dash_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = modelseal()
        .current_dir(dir.path())
        .args(["key", "generate", "--no-passphrase", "--out", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64), "{output:?}");
    assert!(!dir.path().join("-").exists() && !dir.path().join("-.pub").exists());
    assert!(output.stdout.is_empty());
    // A file named `-` is `./-`.
    modelseal()
        .current_dir(dir.path())
        .args(["key", "generate", "--no-passphrase", "--out", "./-"])
        .assert()
        .success();
    assert!(Path::new(&dir.path().join("-")).is_file());
}
