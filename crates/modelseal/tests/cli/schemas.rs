//! Output a pipeline can rely on (issue 12): every `--format json` output, success or failure,
//! validates against its published schema (docs/schemas/), a failure is one error object on
//! stdout (never nothing, never two documents), and `--format sarif` fails with a valid SARIF
//! log that says the run failed, so `scan --format sarif > x.sarif` never leaves an empty file.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{keypair, make_model, modelseal, sign, verify_cmd};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas")
}

/// Validates `value` against docs/schemas/`name`, with every error listed.
pub fn assert_matches_schema(name: &str, value: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_slice(&fs::read(schema_dir().join(name)).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: {errors:#?}\n{}",
        serde_json::to_string_pretty(value).unwrap()
    );
}

/// stdout as exactly one JSON document (a second one, or trailing text, fails the parse).
fn one_document(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// A failure under `--format json`: one error object, valid, of `kind` and `exit`.
fn assert_error(output: &std::process::Output, kind: &str, exit: i32) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(exit), "{output:?}");
    let value = one_document(output);
    assert_matches_schema("error.schema.json", &value);
    assert_eq!(value["error"]["kind"], kind, "{value}");
    assert_eq!(value["exit_code"], exit);
    // The message still reaches a human on stderr.
    assert!(String::from_utf8_lossy(&output.stderr).contains("error: "));
    value
}

/// `verify`/`scan --format json|sarif` printed nothing on stdout when the input was missing.
#[test]
fn a_missing_input_under_format_json_is_one_error_object_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let missing = dir.path().join("missing");
    let m = missing.to_str().unwrap();
    let p = public.to_str().unwrap();
    let k = key.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["verify", m, "--key", p],
        vec!["scan", m],
        // A missing model is check's report (verdict "not found"); a missing key is a failure.
        vec!["check", p, "--key", m],
        vec!["digest", m],
        vec!["sign", m, "--key", k],
        vec!["sbom", "diff", m, m],
        vec!["sbom", "audit", m, "--osv-dir", m],
        vec!["audit", "verify", m],
        vec!["quarantine", "list", m],
    ];
    for args in cases {
        let output = modelseal()
            .args(&args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let value = assert_error(&output, "not_found", 3);
        assert!(
            value["error"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("missing")),
            "{args:?}: {value}"
        );
    }
    // `quarantine show` always prints JSON, so its failure is JSON too.
    let output = modelseal()
        .args(["quarantine", "show", m, "nope"])
        .output()
        .unwrap();
    assert_error(&output, "not_found", 3);
}

#[test]
fn other_failures_carry_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    // A key that exists is not replaced without --force: usage.
    let output = modelseal()
        .args([
            "key",
            "generate",
            "--no-passphrase",
            "--format",
            "json",
            "--out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert_error(&output, "usage", 64);
    // A signature that is not JSON: malformed, about the signature file.
    let sig = dir.path().join("bad.sig");
    fs::write(&sig, "not json").unwrap();
    let output = verify_cmd(&model, &public)
        .arg("--signature")
        .arg(&sig)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let value = assert_error(&output, "malformed", 4);
    assert_eq!(value["error"]["path"], sig.to_str().unwrap());
    // Another key: integrity.
    sign(&model, &key, &[]);
    let (_, other) = keypair(dir.path(), "other", "ecdsa-p256");
    let output = verify_cmd(&model, &other)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_error(&output, "integrity", 1);
}

/// A failure after the report was built (the audit log cannot be written) replaces the report:
/// stdout is still exactly one JSON document, the error object.
#[test]
fn a_failure_after_the_report_leaves_one_document_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    let output = modelseal()
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .args(["--format", "json", "--audit-log"])
        .arg(dir.path().join("no/such/dir/audit.log"))
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    let value = one_document(&output);
    assert_matches_schema("error.schema.json", &value);
}

/// clap's own refusals under `--format json` are error objects too (exit 64).
#[test]
fn a_usage_error_under_format_json_is_an_error_object() {
    let output = modelseal()
        .args(["scan", "x", "--format", "json", "--no-such-flag"])
        .output()
        .unwrap();
    let value = assert_error(&output, "usage", 64);
    assert!(value["error"]["path"].is_null());
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--no-such-flag")
    );
    let output = modelseal()
        .args(["scan", "x", "--format=sarif", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    let log = one_document(&output);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    // Without --format json, stdout stays empty as before.
    let output = modelseal()
        .args(["scan", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(output.stdout.is_empty());
}

/// `scan --format sarif > x.sarif` on a missing input left an empty file.
#[test]
fn a_failed_sarif_run_is_a_valid_log_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keypair(dir.path(), "k", "ecdsa-p256");
    // A missing scan input; check with a missing key (a missing model is its report).
    let missing = dir.path().join("missing.pt");
    for args in [
        vec!["scan".as_ref(), missing.as_os_str()],
        vec![
            "check".as_ref(),
            public.as_os_str(),
            "--key".as_ref(),
            missing.as_os_str(),
        ],
    ] {
        let output = modelseal()
            .args(&args)
            .args(["--format", "sarif"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "{output:?}");
        let log = one_document(&output);
        assert_eq!(log["version"], "2.1.0");
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notification = &invocation["toolExecutionNotifications"][0];
        assert_eq!(notification["level"], "error");
        assert_eq!(notification["descriptor"]["id"], "not_found");
        assert!(
            notification["message"]["text"]
                .as_str()
                .unwrap()
                .contains("not found")
        );
        let uri = notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.ends_with("missing.pt"), "{uri}");
        crate::assert_valid_sarif(&output.stdout);
    }
}

/// A renamed field is caught: the schemas are strict where the output is ours.
fn assert_a_renamed_field_fails(value: &serde_json::Value) {
    let mut renamed = value.clone();
    let report = renamed["report"].as_object_mut().unwrap();
    let missing = report.remove("missing").unwrap();
    report.insert("missing_files".to_owned(), missing);
    let schema: serde_json::Value =
        serde_json::from_slice(&fs::read(schema_dir().join("verify.schema.json")).unwrap())
            .unwrap();
    assert!(
        !jsonschema::draft202012::new(&schema)
            .unwrap()
            .is_valid(&renamed)
    );
}

fn json_of(cmd: &mut assert_cmd::Command, exit: i32) -> serde_json::Value {
    let output = cmd.output().unwrap();
    assert_eq!(output.status.code(), Some(exit), "{output:?}");
    one_document(&output)
}

/// The success outputs of every `--format json` command match their schemas.
#[test]
fn every_json_output_matches_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let value = json_of(
        modelseal()
            .args([
                "key",
                "generate",
                "--no-passphrase",
                "--format",
                "json",
                "--out",
            ])
            .arg(dir.path().join("k2")),
        0,
    );
    assert_matches_schema("key-generate.schema.json", &value);

    let model = make_model(dir.path());
    let value = json_of(
        modelseal()
            .arg("digest")
            .arg(&model)
            .args(["--format", "json", "--shard-size", "100000"]),
        0,
    );
    assert_matches_schema("digest.schema.json", &value);

    let log = dir.path().join("audit.log");
    let value = json_of(
        modelseal()
            .arg("sign")
            .arg(&model)
            .arg("--key")
            .arg(&key)
            .args(["--format", "json", "--audit-log"])
            .arg(&log),
        0,
    );
    assert_matches_schema("sign.schema.json", &value);

    let value = json_of(verify_cmd(&model, &public).args(["--format", "json"]), 0);
    assert_matches_schema("verify.schema.json", &value);
    fs::write(model.join("config.json"), b"{}").unwrap();
    fs::write(model.join("planted.bin"), b"x").unwrap();
    let value = json_of(
        verify_cmd(&model, &public)
            .args(["--format", "json", "--audit-log"])
            .arg(&log),
        1,
    );
    assert_matches_schema("verify.schema.json", &value);
    assert_a_renamed_field_fails(&value);

    let value = json_of(
        modelseal()
            .args(["audit", "verify", "--format", "json"])
            .arg(&log),
        0,
    );
    assert_matches_schema("audit-verify.schema.json", &value);

    // A threat, a clean file and an unreadable one.
    let files = dir.path().join("files");
    fs::create_dir(&files).unwrap();
    fs::write(files.join("evil.pkl"), b"cos\nsystem\n(S'id'\ntR.").unwrap();
    fs::write(files.join("ok.pkl"), b"\x80\x02K\x01.").unwrap();
    fs::write(files.join("broken.safetensors"), b"\xff\xff").unwrap();
    let value = json_of(
        modelseal()
            .arg("scan")
            .arg(&files)
            .args(["--format", "json"]),
        2,
    );
    assert_matches_schema("scan.schema.json", &value);

    // The gate, with a quarantine: check, quarantine list and show.
    let quarantine = dir.path().join("quarantine");
    let value = json_of(
        modelseal()
            .arg("check")
            .arg(&model)
            .arg(&files)
            .arg("--key")
            .arg(&public)
            .args(["--format", "json", "--quarantine"])
            .arg(&quarantine),
        1,
    );
    assert_matches_schema("check.schema.json", &value);
    let value = json_of(
        modelseal()
            .args(["quarantine", "list", "--format", "json"])
            .arg(&quarantine),
        0,
    );
    assert_matches_schema("quarantine-list.schema.json", &value);
    let id = value[0]["id"].as_str().unwrap().to_owned();
    let value = json_of(
        modelseal()
            .args(["quarantine", "show"])
            .arg(&quarantine)
            .arg(&id),
        0,
    );
    assert_matches_schema("quarantine-show.schema.json", &value);
}

fn site(dir: &Path, packages: &[(&str, &str)]) {
    for (name, version) in packages {
        let dist = dir.join(format!("{name}-{version}.dist-info"));
        fs::create_dir_all(&dist).unwrap();
        fs::write(
            dist.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n"),
        )
        .unwrap();
        fs::write(dist.join("RECORD"), "").unwrap();
    }
}

#[test]
fn the_sbom_json_outputs_match_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let old_env = dir.path().join("old");
    let new_env = dir.path().join("new");
    site(&old_env, &[("numpy", "2.0.0"), ("six", "1.16.0")]);
    site(&new_env, &[("numpy", "2.0.1"), ("rich", "13.0.0")]);
    let mut boms = Vec::new();
    for env in [&old_env, &new_env] {
        let bom = env.with_extension("cdx.json");
        modelseal()
            .args(["sbom", "create"])
            .arg(env)
            .args(["--timestamp", "2026-11-23T00:00:00Z", "-o"])
            .arg(&bom)
            .assert()
            .success();
        boms.push(bom);
    }
    let value = json_of(
        modelseal()
            .args(["sbom", "diff", "--format", "json"])
            .args(&boms),
        1,
    );
    assert_matches_schema("sbom-diff.schema.json", &value);
    let not_a_bom = dir.path().join("x.json");
    fs::write(&not_a_bom, "{}").unwrap();
    let value = json_of(
        modelseal()
            .args(["sbom", "validate", "--format", "json"])
            .args(&boms)
            .arg(&not_a_bom),
        4,
    );
    assert_matches_schema("sbom-validate.schema.json", &value);

    let osv = dir.path().join("osv");
    fs::create_dir_all(osv.join("PyPI")).unwrap();
    let record = serde_json::json!({
        "schema_version": "1.6.0",
        "id": "GHSA-test-0001-0001",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "Buffer overflow in numpy.frombuffer",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": "numpy"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}]
        }]
    });
    fs::write(
        osv.join("PyPI/GHSA-test-0001-0001.json"),
        record.to_string(),
    )
    .unwrap();
    let value = json_of(
        modelseal()
            .args(["sbom", "audit", "--format", "json"])
            .arg(&boms[0])
            .arg("--osv-dir")
            .arg(&osv),
        2,
    );
    assert_matches_schema("sbom-audit.schema.json", &value);
}

/// The error object's kinds in the schema are exactly the CLI's: a kind added to one and not
/// the other fails here.
#[test]
fn the_error_schema_lists_every_kind() {
    let schema: serde_json::Value =
        serde_json::from_slice(&fs::read(schema_dir().join("error.schema.json")).unwrap()).unwrap();
    let kinds = &schema["properties"]["error"]["properties"]["kind"]["enum"];
    let mut kinds: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    let readme = fs::read_to_string(schema_dir().join("README.md")).unwrap();
    for kind in &kinds {
        assert!(readme.contains(&format!("`{kind}`")), "README lacks {kind}");
    }
    assert_eq!(
        kinds,
        [
            "integrity",
            "internal",
            "io",
            "malformed",
            "not_found",
            "output_not_written",
            "threat",
            "usage"
        ]
    );
}

/// `verify --format json` claims OMS interoperability only for what the `model_signing` CLI
/// accepts (the claim itself is checked against the peer in modelseal-sign's `oms_claim`),
/// and says why not otherwise; both shapes match the schema.
#[test]
fn verify_json_claims_interoperability_only_for_sha256_ecdsa_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    for (extra, interoperable) in [(&[][..], true), (&["--hash", "blake3"][..], false)] {
        crate::sign(&model, &key, extra);
        let value = json_of(
            crate::verify_cmd(&model, &public).args(["--format", "json"]),
            0,
        );
        assert_eq!(
            value["report"]["oms_interoperable"], interoperable,
            "{extra:?}"
        );
        assert_eq!(
            value["report"]["oms_incompatibility"].is_string(),
            !interoperable,
            "{value}"
        );
        assert_matches_schema("verify.schema.json", &value);
    }
}
