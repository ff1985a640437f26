//! A planted file name holding an escape sequence and a byte that is not UTF-8
//! (`evil\x1b[31m\xff.bin`) reached `sign`/`verify`/`digest` errors lossily (`�`) and
//! unquoted, although scan and check escape it (issue 12): every message that carries a name
//! from disk now goes through `modelseal_report::name`, in text and JSON, so no raw ESC byte
//! reaches a terminal and `\xff` stays itself.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::process::Output;

use crate::{keypair, make_model, modelseal, sign, sign_cmd, verify_cmd};

const PLANTED: &[u8] = b"evil\x1b[31m\xff.bin";
const PLANTED_UTF8: &[u8] = b"evil\x1b[31m.bin";

fn assert_no_escape(output: &Output) {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        assert!(
            !bytes.contains(&0x1b),
            "a raw ESC reached {stream}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// The name as text output spells it: quoted, ESC and the byte escaped.
const SPELLED: &str = r"evil\u{1b}[31m\xff.bin";

#[test]
fn a_planted_escape_name_is_escaped_in_sign_verify_and_digest_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    sign(&model, &key, &[]);
    // An extra file in a signed directory.
    fs::write(model.join(OsStr::from_bytes(PLANTED)), b"x").unwrap();
    for format in ["text", "json"] {
        let verify = verify_cmd(&model, &public)
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(!verify.status.success());
        assert_no_escape(&verify);
        let sign = sign_cmd(&model, &key)
            .args(["--format", format, "--signature"])
            .arg(dir.path().join("again.sig"))
            .output()
            .unwrap();
        assert_eq!(sign.status.code(), Some(4), "{sign:?}");
        assert_no_escape(&sign);
        let digest = modelseal()
            .arg("digest")
            .arg(&model)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(digest.status.code(), Some(4), "{digest:?}");
        assert_no_escape(&digest);
        for output in [&verify, &sign, &digest] {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(SPELLED), "{stderr}");
            assert!(!stderr.contains('\u{fffd}'), "lossy: {stderr}");
            if format == "json" {
                let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
                crate::schemas::assert_matches_schema("error.schema.json", &value);
                let message = value["error"]["message"].as_str().unwrap();
                assert!(message.contains(SPELLED), "{message}");
                // The path in its lossless JSON spelling: the byte as `\xff`.
                let path = value["error"]["path"].as_str().unwrap();
                assert!(path.ends_with("evil\u{1b}[31m\\xff.bin"), "{path}");
            }
        }
    }
}

/// The escape-sequence name that is valid UTF-8, signed, then changed or removed: listed
/// escaped by verify in text, and JSON-escaped in JSON (already held before issue 12).
#[test]
fn a_signed_escape_name_changed_or_missing_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    let planted = model.join(OsStr::from_bytes(PLANTED_UTF8));
    fs::write(&planted, b"x").unwrap();
    sign(&model, &key, &[]);
    fs::write(&planted, b"changed").unwrap();
    for format in ["text", "json"] {
        let output = verify_cmd(&model, &public)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert_no_escape(&output);
    }
    fs::remove_file(&planted).unwrap();
    for format in ["text", "json"] {
        let output = verify_cmd(&model, &public)
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert_no_escape(&output);
        if format == "text" {
            assert!(
                String::from_utf8_lossy(&output.stdout).contains(r#"missing "evil\u{1b}[31m.bin""#)
            );
        }
    }
}
