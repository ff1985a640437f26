//! Passphrases: `key generate` asks for one on a terminal (twice, no echo) and refuses to
//! guess without one; `sign` asks for an encrypted key's passphrase on a terminal. The terminal
//! is a pseudo-terminal driven by Python's `pty` module.

use std::fs;
use std::path::Path;
use std::process::Command;

use predicates::str::contains;

use crate::{make_model, modelseal, verify_cmd};

#[test]
fn key_generate_without_a_terminal_or_a_passphrase_choice_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    modelseal()
        .args(["key", "generate", "--out"])
        .arg(&key)
        .write_stdin("not a terminal\n")
        .timeout(std::time::Duration::from_mins(1))
        .assert()
        .code(64)
        .stderr(contains("--passphrase-env"))
        .stderr(contains("--no-passphrase"));
    assert!(!key.exists() && !dir.path().join("key.pub").exists());
    modelseal()
        .args([
            "key",
            "generate",
            "--no-passphrase",
            "--passphrase-env",
            "X",
            "--out",
        ])
        .arg(&key)
        .assert()
        .code(64);
}

/// Runs modelseal on a pseudo-terminal, answering each passphrase prompt with the next of
/// `answers`; returns (exit code, everything the terminal showed).
fn on_a_terminal(args: &[&std::ffi::OsStr], answers: &[&str]) -> Option<(i32, String)> {
    const DRIVER: &str = r#"
import os, pty, sys, termios, time
answers = os.environ["PTY_ANSWERS"].split("\n") if os.environ["PTY_ANSWERS"] else []
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
asked = 0
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    while seen.lower().count(b"passphrase") > asked and asked < len(answers):
        # Type as a person would: once the terminal has stopped echoing (the prompt is shown
        # a moment before echo goes off). If echo never goes off, the answer shows on screen
        # and the test below fails.
        deadline = time.time() + 10
        while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < deadline:
            time.sleep(0.01)
        os.write(fd, answers[asked].encode() + b"\n")
        asked += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    if Command::new("python3").arg("--version").output().is_err() {
        return modelseal_test::skip("python3 not installed: the terminal prompts are not driven");
    }
    let output = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(assert_cmd::cargo::cargo_bin("modelseal"))
        .args(args)
        .env("PTY_ANSWERS", answers.join("\n"))
        .env("XDG_CONFIG_HOME", crate::NO_USER_CONFIG)
        .env_remove("MODELSEAL_KEY")
        .output()
        .unwrap();
    Some((
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn key_generate_asks_twice_on_a_terminal_and_sign_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let generate = |answers: &[&str]| {
        on_a_terminal(
            &[
                os("key"),
                os("generate"),
                os("--force"),
                os("--out"),
                key.as_os_str(),
            ],
            answers,
        )
    };
    let Some((code, screen)) = generate(&["correct horse", "battery staple"]) else {
        return;
    };
    assert_eq!(code, 64, "{screen}");
    assert!(screen.contains("differ"), "{screen}");
    assert!(!key.exists());

    let (code, screen) = generate(&["correct horse", "correct horse"]).unwrap();
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("correct horse"),
        "the passphrase is not echoed: {screen}"
    );
    assert!(
        fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    );

    let model = make_model(dir.path());
    let sign = |answers: &[&str]| {
        on_a_terminal(
            &[os("sign"), model.as_os_str(), os("--key"), key.as_os_str()],
            answers,
        )
        .unwrap()
    };
    let (code, screen) = sign(&["wrong"]);
    assert_eq!(code, 64, "{screen}");
    assert!(screen.contains("wrong passphrase"), "{screen}");
    let (code, screen) = sign(&["correct horse"]);
    assert_eq!(code, 0, "{screen}");
    verify_cmd(&model, Path::new(&format!("{}.pub", key.display())))
        .assert()
        .success();
    // Without a terminal the encrypted key still needs --passphrase-env, as before.
    crate::sign_cmd(&model, &key)
        .assert()
        .code(64)
        .stderr(contains("--passphrase-env"));
}

/// Red team 4-low: `verify --signature -` on a terminal waited silently; it now says what it
/// waits for. (The driver answers Ctrl-D at once: an empty signature, exit 4.)
#[test]
fn verify_signature_dash_on_a_terminal_says_what_it_waits_for() {
    const DRIVER: &str = r#"
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
sent = False
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if b"Ctrl-D" in seen and not sent:
        os.write(fd, b"\x04")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    if Command::new("python3").arg("--version").output().is_err() {
        modelseal_test::skip::<()>("python3 not installed: the terminal is not driven");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = crate::keypair(dir.path(), "k", "ecdsa-p256");
    let model = crate::make_model(dir.path());
    let output = Command::new("timeout")
        .arg("20")
        .arg("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(assert_cmd::cargo::cargo_bin("modelseal"))
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .args(["--signature", "-", "--no-config"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("reading the signature from stdin"),
        "{shown}"
    );
    assert_eq!(output.status.code(), Some(4), "{shown}");
}
