//! `modelseal sbom create`, `diff`, `validate` and `audit`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::modelseal;

fn venv() -> Option<PathBuf> {
    modelseal_test::venv()
}

#[test]
fn a_python_environment_becomes_a_deterministic_cyclonedx_document() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.json");
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(&venv)
        .args([
            "--spec-version",
            "1.5",
            "--timestamp",
            "2026-11-23T00:00:00Z",
            "-o",
        ])
        .arg(&first)
        .assert()
        .success()
        .stderr(predicates::str::contains("CycloneDX 1.5"));
    let again = modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(&venv)
        .args([
            "--spec-version",
            "1.5",
            "--timestamp",
            "2026-11-23T00:00:00Z",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(fs::read(&first).unwrap(), again, "two runs must diff clean");
    let document: serde_json::Value = serde_json::from_slice(&again).unwrap();
    assert_eq!(document["specVersion"], "1.5");
    assert!(document["components"].as_array().unwrap().len() > 50);
}

#[test]
fn bad_inputs_have_clear_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(3);
    let dist = dir.path().join("x-1.0.dist-info");
    fs::create_dir(&dist).unwrap();
    fs::write(dist.join("METADATA"), "Version: 1.0\n").unwrap();
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(dir.path())
        .assert()
        .code(4)
        .stderr(predicates::str::contains("METADATA: no Name field"));
    modelseal()
        .args(["sbom", "create", "--python-env"])
        .arg(dir.path())
        .args(["--timestamp", "yesterday"])
        .assert()
        .code(64);
}

/// A site-packages with the given distributions (name, version, licence).
fn site(dir: &Path, packages: &[(&str, &str, &str)]) {
    for (name, version, license) in packages {
        let dist = dir.join(format!("{name}-{version}.dist-info"));
        fs::create_dir_all(&dist).unwrap();
        fs::write(
            dist.join("METADATA"),
            format!(
                "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: {license}\n"
            ),
        )
        .unwrap();
        fs::write(dist.join("RECORD"), "").unwrap();
    }
}

fn create(source: &Path, output: &Path, extra: &[&str]) {
    modelseal()
        .args(["sbom", "create"])
        .arg(source)
        .args(["--timestamp", "2026-11-23T00:00:00Z", "-o"])
        .arg(output)
        .args(extra)
        .assert()
        .success();
}

/// Issue 12: the CycloneDX and SPDX documents of one environment (a compound licence, a
/// licence list, a dotted name) and of one model diff clean, exit 0, in every format.
#[test]
fn cyclonedx_and_spdx_of_the_same_inputs_diff_clean() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    site(
        &env,
        &[
            ("boolean.py", "5.0", "BSD-2-Clause"),
            ("dual", "1.0", "MIT OR Apache-2.0"),
            ("custom", "1.0", "Some Licence, v2"),
        ],
    );
    let model = dir.path().join("tiny");
    fs::create_dir(&model).unwrap();
    let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let mut weights = (header.len() as u64).to_le_bytes().to_vec();
    weights.extend_from_slice(header);
    weights.extend_from_slice(&[0; 8]);
    fs::write(model.join("model.safetensors"), weights).unwrap();
    fs::write(
        model.join("README.md"),
        "---\nlicense: other\nlicense_name: Llama 2 Community License Agreement\n---\n",
    )
    .unwrap();
    for (name, source) in [("env", &env), ("model", &model)] {
        let spdx = dir.path().join(format!("{name}.spdx.json"));
        create(source, &spdx, &["--format", "spdx-json"]);
        for (format, spec) in [
            ("cyclonedx-json", "1.5"),
            ("cyclonedx-json", "1.6"),
            ("cyclonedx-xml", "1.5"),
            ("cyclonedx-xml", "1.6"),
        ] {
            let cdx = dir.path().join(format!("{name}-{format}-{spec}"));
            create(source, &cdx, &["--format", format, "--spec-version", spec]);
            for (old, new) in [(&cdx, &spdx), (&spdx, &cdx)] {
                modelseal()
                    .args(["sbom", "diff"])
                    .arg(old)
                    .arg(new)
                    .assert()
                    .code(0)
                    .stdout(
                        "0 added, 0 removed, 0 version changed, 0 licence changed, 0 hash changed\n",
                    );
            }
        }
    }
}

#[test]
fn diff_reports_changes_with_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let (old_env, new_env) = (dir.path().join("old"), dir.path().join("new"));
    site(
        &old_env,
        &[("numpy", "2.0.0", "BSD-3-Clause"), ("six", "1.16.0", "MIT")],
    );
    site(
        &new_env,
        &[
            ("numpy", "2.1.0", "BSD-3-Clause"),
            ("requests", "2.32.0", "Apache-2.0"),
        ],
    );
    let (old, new) = (dir.path().join("old.json"), dir.path().join("new.json"));
    create(&old_env, &old, &["--name", "app"]);
    create(&new_env, &new, &["--name", "app"]);
    modelseal()
        .args(["sbom", "diff"])
        .arg(&old)
        .arg(&old)
        .assert()
        .code(0)
        .stdout("0 added, 0 removed, 0 version changed, 0 licence changed, 0 hash changed\n");
    modelseal()
        .args(["sbom", "diff"])
        .arg(&old)
        .arg(&new)
        .assert()
        .code(1)
        .stdout(
            "+ requests 2.32.0\n- six 1.16.0\n~ numpy 2.0.0 -> 2.1.0\n\
             1 added, 1 removed, 1 version changed, 0 licence changed, 0 hash changed\n",
        );
    let json = modelseal()
        .args(["sbom", "diff", "--format", "json"])
        .arg(&old)
        .arg(&new)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["added"][0]["purl"], "pkg:pypi/requests@2.32.0");
    assert_eq!(json["version_changed"][0]["to"], "2.1.0");
    modelseal()
        .args(["sbom", "diff"])
        .arg(&old)
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(3);
    fs::write(dir.path().join("garbage.json"), "{\"hello\": 1}").unwrap();
    modelseal()
        .args(["sbom", "diff"])
        .arg(&old)
        .arg(dir.path().join("garbage.json"))
        .assert()
        .code(4)
        .stderr(predicates::str::contains(
            "garbage.json: neither a CycloneDX nor an SPDX document",
        ));
}

#[test]
fn a_model_directory_is_detected_and_its_changed_weights_diffed() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny");
    fs::create_dir(&model).unwrap();
    let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let mut weights = (header.len() as u64).to_le_bytes().to_vec();
    weights.extend_from_slice(header);
    weights.extend_from_slice(&[0u8; 8]);
    fs::write(model.join("model.safetensors"), &weights).unwrap();
    fs::write(
        model.join("config.json"),
        r#"{"model_type": "bert", "architectures": ["BertForMaskedLM"]}"#,
    )
    .unwrap();
    let before = dir.path().join("before.json");
    create(&model, &before, &[]);
    let document: serde_json::Value = serde_json::from_slice(&fs::read(&before).unwrap()).unwrap();
    let root = &document["metadata"]["component"];
    assert_eq!(root["type"], "machine-learning-model");
    assert_eq!(root["modelCard"]["modelParameters"]["task"], "fill-mask");
    assert_eq!(root["components"].as_array().unwrap().len(), 2);
    weights[header.len() + 8] = 1;
    fs::write(model.join("model.safetensors"), &weights).unwrap();
    let after = dir.path().join("after.json");
    create(&model, &after, &[]);
    modelseal()
        .args(["sbom", "diff"])
        .arg(&before)
        .arg(&after)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "# model.safetensors (no version): SHA-256:",
        ))
        .stdout(predicates::str::contains("1 hash changed"));
}

#[test]
fn best_effort_skips_broken_entries_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path(), &[("good", "1.0", "MIT")]);
    let broken = dir.path().join("broken-1.0.dist-info");
    fs::create_dir(&broken).unwrap();
    fs::write(broken.join("METADATA"), "Name: broken\n").unwrap();
    modelseal()
        .args(["sbom", "create"])
        .arg(dir.path())
        .assert()
        .code(4)
        .stderr(predicates::str::contains(
            "broken-1.0.dist-info/METADATA: no Version field",
        ));
    let output = modelseal()
        .args(["sbom", "create", "--best-effort", "-q"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicates::str::contains("warning: skipped: "))
        .get_output()
        .stdout
        .clone();
    let document: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(document["components"].as_array().unwrap().len(), 1);
    modelseal()
        .args(["sbom", "create"])
        .arg(dir.path().join("broken-1.0.dist-info/METADATA"))
        .assert()
        .code(4)
        .stderr(predicates::str::contains("name its kind with"));
    modelseal().args(["sbom", "create"]).assert().code(64);
}

#[test]
fn the_three_formats_of_one_environment_diff_clean() {
    let Some(venv) = venv() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut documents = Vec::new();
    for (format, file) in [
        ("cyclonedx-json", "bom.cdx.json"),
        ("cyclonedx-xml", "bom.cdx.xml"),
        ("spdx-json", "bom.spdx.json"),
    ] {
        let path = dir.path().join(file);
        create(&venv, &path, &["--format", format]);
        documents.push(path);
    }
    for other in &documents[1..] {
        modelseal()
            .args(["sbom", "diff"])
            .arg(&documents[0])
            .arg(other)
            .assert()
            .code(0);
    }
}

#[test]
fn audit_matches_osv_records_and_fails_at_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    site(
        &env,
        &[("numpy", "2.0.0", "BSD-3-Clause"), ("six", "1.16.0", "MIT")],
    );
    let sbom = dir.path().join("bom.cdx.xml");
    create(&env, &sbom, &["--format", "cyclonedx-xml"]);
    let osv = dir.path().join("osv");
    fs::create_dir_all(osv.join("PyPI")).unwrap();
    let record = serde_json::json!({
        "schema_version": "1.6.0",
        "id": "GHSA-test-0001-0001",
        "modified": "2026-01-01T00:00:00Z",
        "aliases": ["CVE-2026-0001"],
        "summary": "Buffer overflow in numpy.frombuffer",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": "NumPy"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}]
        }]
    });
    fs::write(
        osv.join("PyPI/GHSA-test-0001-0001.json"),
        record.to_string(),
    )
    .unwrap();
    modelseal()
        .args(["sbom", "audit"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .assert()
        .code(2)
        .stdout(predicates::str::contains(
            "critical 9.8 GHSA-test-0001-0001 (CVE-2026-0001) numpy 2.0.0: fixed in 2.0.1",
        ))
        .stdout(predicates::str::contains(
            "1 finding(s) in 2 component(s) checked (1 skipped: not a PyPI, crates.io or npm package)",
        ));
    modelseal()
        .args(["sbom", "audit", "--fail-on", "critical", "--format", "json"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .assert()
        .code(2)
        .stdout(predicates::str::contains("\"id\": \"GHSA-test-0001-0001\""));
    // Issue 14 (11): `--fail-on none` means never fail (it meant "any finding"); `any` is
    // every finding.
    modelseal()
        .args(["sbom", "audit", "--fail-on", "none"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("GHSA-test-0001-0001"));
    modelseal()
        .args(["sbom", "audit", "--fail-on", "any"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .assert()
        .code(2);
    // Fixed version installed: nothing to report.
    let patched = dir.path().join("patched");
    site(&patched, &[("numpy", "2.0.1", "BSD-3-Clause")]);
    let patched_sbom = dir.path().join("patched.spdx.json");
    create(&patched, &patched_sbom, &["--format", "spdx-json"]);
    modelseal()
        .args(["sbom", "audit"])
        .arg(&patched_sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("0 finding(s)"));
    modelseal()
        .args(["sbom", "audit"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(dir.path().join("nope"))
        .assert()
        .code(3);
    fs::write(osv.join("PyPI/broken.json"), "{\"id\": ").unwrap();
    modelseal()
        .args(["sbom", "audit"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .assert()
        .code(4)
        .stderr(predicates::str::contains("broken.json:1:"));
}

/// The CycloneDX specification's own test documents (`modelseal_test::official`).
fn spec_tests(version: &str) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
    let dir = modelseal_test::official(&format!("fixtures/cyclonedx-spec-tests/{version}"))?;
    let entries = fs::read_dir(&dir).unwrap();
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let valid = files
        .iter()
        .filter(|p| name(p).starts_with("valid-"))
        .cloned()
        .collect();
    let invalid = files
        .iter()
        .filter(|p| name(p).starts_with("invalid-"))
        .cloned()
        .collect();
    Some((valid, invalid))
}

#[test]
fn validate_accepts_the_valid_spec_documents_and_rejects_the_invalid() {
    for version in ["1.5", "1.6"] {
        let Some((valid, invalid)) = spec_tests(version) else {
            return;
        };
        let mut layers = vec![vec![]];
        if cfg!(feature = "schema") {
            let Some(schemas) = modelseal_test::official("schemas") else {
                return;
            };
            layers.push(vec!["--schema-dir".into(), schemas.into_os_string()]);
        }
        for extra in layers {
            modelseal()
                .args(["sbom", "validate"])
                .args(&extra)
                .args(&valid)
                .assert()
                .code(0);
            let output = modelseal()
                .args(["sbom", "validate", "--format", "json"])
                .args(&extra)
                .args(&invalid)
                .assert()
                .code(4)
                .get_output()
                .stdout
                .clone();
            let results: serde_json::Value = serde_json::from_slice(&output).unwrap();
            for result in results.as_array().unwrap() {
                assert_eq!(result["valid"], false, "{result}");
            }
            assert_eq!(results.as_array().unwrap().len(), invalid.len());
        }
    }
}

#[test]
fn validate_reports_problems_with_their_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    site(&env, &[("numpy", "2.0.0", "BSD-3-Clause")]);
    let good = dir.path().join("good.json");
    create(&env, &good, &[]);
    let mut document: serde_json::Value =
        serde_json::from_slice(&fs::read(&good).unwrap()).unwrap();
    document["dependencies"][0]["dependsOn"] = serde_json::json!(["pkg:pypi/nowhere@1.0"]);
    let bad = dir.path().join("bad.json");
    fs::write(&bad, document.to_string()).unwrap();
    modelseal()
        .args(["sbom", "validate"])
        .arg(&good)
        .arg(&bad)
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(3)
        .stdout(predicates::str::contains(
            "good.json: valid CycloneDX 1.6 JSON",
        ))
        .stdout(predicates::str::contains(
            "bad.json: invalid CycloneDX 1.6 JSON: 1 error(s)",
        ))
        .stdout(predicates::str::contains("/dependencies/0/dependsOn/0"))
        .stdout(predicates::str::contains("missing.json: "));
    fs::write(dir.path().join("x.json"), "[1, 2").unwrap();
    modelseal()
        .args(["sbom", "validate"])
        .arg(dir.path().join("x.json"))
        .assert()
        .code(4);
    modelseal()
        .args(["sbom", "validate", "--schema-dir"])
        .arg(dir.path())
        .arg(&good)
        .assert()
        .code(64);
}

#[test]
fn lockfiles_of_several_ecosystems_make_one_document() {
    let lockfiles =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../modelseal-sbom/tests/fixtures/lockfiles");
    let dir = tempfile::tempdir().unwrap();
    for format in ["cyclonedx-json", "cyclonedx-xml", "spdx-json"] {
        let output = dir.path().join(format);
        modelseal()
            .args(["sbom", "create", "--name", "demo", "--format", format, "-o"])
            .arg(&output)
            .arg(lockfiles.join("uv"))
            .arg(lockfiles.join("cargo/Cargo.toml"))
            .arg("--lockfile")
            .arg(lockfiles.join("npm/package-lock.json"))
            .assert()
            .success();
        modelseal()
            .args(["sbom", "validate"])
            .arg(&output)
            .assert()
            .code(0);
    }
    let document: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("cyclonedx-json")).unwrap()).unwrap();
    assert_eq!(document["metadata"]["component"]["name"], "demo");
    let roots: Vec<&str> = document["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == "project:demo")
        .unwrap()["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        roots,
        [
            "pkg:cargo/demo-cli@0.4.0",
            "pkg:npm/demo-web@2.0.0",
            "pkg:pypi/demo-app@0.1.0"
        ]
    );
    let purls: Vec<&str> = document["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    for expected in [
        "pkg:cargo/thiserror@1.0.69",
        "pkg:cargo/thiserror@2.0.21",
        "pkg:npm/%40types/node@22.20.5",
        "pkg:pypi/pytest@9.2.0",
    ] {
        assert!(
            purls.contains(&expected),
            "{expected} missing from {purls:?}"
        );
    }
    // The three formats of the same inputs say the same.
    for other in ["cyclonedx-xml", "spdx-json"] {
        modelseal()
            .args(["sbom", "diff"])
            .arg(dir.path().join("cyclonedx-json"))
            .arg(dir.path().join(other))
            .assert()
            .code(0);
    }
    modelseal()
        .args(["sbom", "create", "--lockfile"])
        .arg(lockfiles.join("uv/pyproject.toml"))
        .assert()
        .code(64);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Runs `args`, which must finish within seconds with exit 4 and say the input is not a
/// regular file (on stdout for `validate`'s per-file verdicts, else on stderr).
#[cfg(unix)]
fn assert_refused_promptly(args: &[&std::ffi::OsStr]) {
    assert_exit_4_promptly(args, "not a regular file");
}

#[cfg(unix)]
fn assert_exit_4_promptly(args: &[&std::ffi::OsStr], message: &str) {
    let output = modelseal()
        .args(args)
        .timeout(std::time::Duration::from_mins(1))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(4), "{args:?}: {said}");
    assert!(said.contains(message), "{args:?}: {said}");
}

const SMALL_CYCLONEDX: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}"#;

/// FIFOs and devices given as documents are refused at once with exit 4. `validate`, `diff` and
/// `audit` used to check the size the file claimed and then read it whole, so `/dev/zero` was
/// read until memory ran out and a FIFO without a writer blocked forever.
#[cfg(unix)]
#[test]
fn documents_that_are_fifos_or_devices_are_refused_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("bom.json");
    mkfifo(&fifo);
    let good = dir.path().join("good.json");
    fs::write(&good, SMALL_CYCLONEDX).unwrap();
    let osv = dir.path().join("osv");
    fs::create_dir_all(osv.join("PyPI")).unwrap();
    let zero = Path::new("/dev/zero");
    for bad in [fifo.as_path(), zero] {
        let bad = bad.as_os_str();
        assert_refused_promptly(&["sbom".as_ref(), "validate".as_ref(), bad]);
        assert_refused_promptly(&["sbom".as_ref(), "diff".as_ref(), bad, good.as_os_str()]);
        assert_refused_promptly(&["sbom".as_ref(), "diff".as_ref(), good.as_os_str(), bad]);
        assert_refused_promptly(&[
            "sbom".as_ref(),
            "audit".as_ref(),
            bad,
            "--osv-dir".as_ref(),
            osv.as_os_str(),
        ]);
    }
    // An OSV database named as a FIFO or a device is refused the same way (inside a directory,
    // only regular files are records).
    let fifo_zip = dir.path().join("all.zip");
    mkfifo(&fifo_zip);
    for database in [fifo.as_path(), fifo_zip.as_path(), zero] {
        assert_refused_promptly(&[
            "sbom".as_ref(),
            "audit".as_ref(),
            good.as_os_str(),
            "--osv-dir".as_ref(),
            database.as_os_str(),
        ]);
    }
}

/// A lockfile that is a FIFO or a device is refused at once with exit 4: lockfile reads had no
/// bound at all, and a FIFO blocked forever.
#[cfg(unix)]
#[test]
fn lockfiles_that_are_fifos_or_devices_are_refused_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo/uv.lock");
    fs::create_dir(fifo.parent().unwrap()).unwrap();
    mkfifo(&fifo);
    let zero = dir.path().join("zero/poetry.lock");
    fs::create_dir(zero.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for lockfile in [&fifo, &zero] {
        assert_refused_promptly(&[
            "sbom".as_ref(),
            "create".as_ref(),
            "--lockfile".as_ref(),
            lockfile.as_os_str(),
        ]);
        // Named as a SOURCE, a lockfile must be a regular file to be recognised at all.
        assert_exit_4_promptly(
            &["sbom".as_ref(), "create".as_ref(), lockfile.as_os_str()],
            "not a Python environment, lockfile",
        );
    }
}

/// Built without the `schema` feature, `--schema-dir` is a usage error that says why, rather
/// than a silent pass of the built-in checks only.
#[cfg(not(feature = "schema"))]
#[test]
fn schema_dir_without_the_schema_feature_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    fs::write(&good, SMALL_CYCLONEDX).unwrap();
    modelseal()
        .args(["sbom", "validate"])
        .arg(&good)
        .arg("--schema-dir")
        .arg(dir.path())
        .assert()
        .code(64)
        .stderr(predicates::str::contains(
            "built without the `schema` feature",
        ));
}

/// Reading paths of the SBOM collectors are bounded and never block (issue 11, item 7):
/// `-r /dev/zero` in a requirements file took 16.8 GB; an include that is a FIFO, a device or
/// larger than the lockfile bound (64 MiB), and a venv `METADATA` or `RECORD` that is a device
/// or a FIFO, are refused at once with exit 4 (already held after issue 10: each read goes
/// through `modelseal_fs::read_limited`).
#[cfg(unix)]
#[test]
fn includes_and_venv_metadata_are_bounded_and_never_block() {
    let dir = tempfile::tempdir().unwrap();
    let requirements = dir.path().join("requirements.txt");
    let fifo = dir.path().join("fifo.txt");
    mkfifo(&fifo);
    let huge = dir.path().join("huge.txt");
    fs::File::create(&huge)
        .unwrap()
        .set_len(modelseal_sbom::collect::MAX_LOCKFILE + 1)
        .unwrap();
    for (include, message) in [
        ("/dev/zero", "not a regular file"),
        ("fifo.txt", "not a regular file"),
        ("huge.txt", "larger than"),
    ] {
        fs::write(&requirements, format!("six==1.16.0\n-r {include}\n")).unwrap();
        assert_exit_4_promptly(
            &[
                "sbom".as_ref(),
                "create".as_ref(),
                "--lockfile".as_ref(),
                requirements.as_os_str(),
            ],
            message,
        );
    }
    for file in ["METADATA", "RECORD"] {
        let env = dir.path().join(format!("env-{file}"));
        site(&env, &[("six", "1.16.0", "MIT")]);
        let target = env.join("six-1.16.0.dist-info").join(file);
        fs::remove_file(&target).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &target).unwrap();
        assert_refused_promptly(&[
            "sbom".as_ref(),
            "create".as_ref(),
            "--python-env".as_ref(),
            env.as_os_str(),
        ]);
        fs::remove_file(&target).unwrap();
        mkfifo(&target);
        assert_refused_promptly(&[
            "sbom".as_ref(),
            "create".as_ref(),
            "--python-env".as_ref(),
            env.as_os_str(),
        ]);
    }
}

/// An advisory's strings are escaped on stdout: an OSV summary holding `ESC[2J`, an OSC
/// title and a newline cannot clear the screen or forge a "0 findings" line (red team 2, F15).
#[test]
fn audit_escapes_what_the_osv_database_says() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("env");
    site(&env, &[("numpy", "2.0.0", "BSD-3-Clause")]);
    let sbom = dir.path().join("bom.cdx.json");
    create(&env, &sbom, &[]);
    let osv = dir.path().join("osv");
    fs::create_dir_all(osv.join("PyPI")).unwrap();
    let record = serde_json::json!({
        "schema_version": "1.6.0",
        "id": "GHSA-\u{1b}[31mred",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "\u{1b}[2J\u{1b}]0;pwned\u{7} cleared\nFAKE: 0 findings",
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": "numpy"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}]
        }]
    });
    fs::write(osv.join("PyPI/evil.json"), record.to_string()).unwrap();
    let out = modelseal()
        .args(["sbom", "audit"])
        .arg(&sbom)
        .arg("--osv-dir")
        .arg(&osv)
        .args(["--fail-on", "none"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("FAKE")),
        "a forged line: {stdout}"
    );
    assert!(stdout.contains("\\u{1b}[2J"), "{stdout}");
}
