//! Offline OSV matching end to end: fixture records (validated against the official OSV
//! schema) laid out as osv-scanner keeps them (`<Ecosystem>/all.zip` built here at run time,
//! and loose records), then exact findings for a set of components; and what broken or
//! hostile databases do.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    clippy::disallowed_methods // fixtures are written and read with std::fs
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

use modelseal_bom::bom::{Component, Kind};
use modelseal_osv::{Database, Limits, OsvError, Report, Severity};
use modelseal_test::official;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv")
}

/// The `.json` files of one fixture directory, sorted.
fn records_in(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn write_zip(path: &Path, members: &[(String, Vec<u8>)]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn members_of(dir: &str) -> Vec<(String, Vec<u8>)> {
    records_in(dir)
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// PyPI and npm as `all.zip` archives, crates.io as loose records, and an older loose copy of
/// an npm record beside the archive holding the newer one.
fn database_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for ecosystem in ["PyPI", "npm"] {
        write_zip(
            &dir.path().join(ecosystem).join("all.zip"),
            &members_of(ecosystem),
        );
    }
    std::fs::create_dir(dir.path().join("crates.io")).unwrap();
    for record in records_in("crates.io")
        .into_iter()
        .chain(records_in("stale"))
    {
        let ecosystem = if record.parent().unwrap().ends_with("stale") {
            "npm"
        } else {
            "crates.io"
        };
        std::fs::copy(
            &record,
            dir.path().join(ecosystem).join(record.file_name().unwrap()),
        )
        .unwrap();
    }
    // Not records: ignored.
    std::fs::write(dir.path().join("README.txt"), "osv offline database").unwrap();
    std::fs::write(dir.path().join(".partial.json"), "{").unwrap();
    dir
}

#[test]
fn every_fixture_record_is_valid_against_the_osv_schema() {
    let Some(schema) = official("schemas/osv.schema.json") else {
        return;
    };
    let validator = jsonschema::options().build(&read_json(&schema)).unwrap();
    let mut checked = 0;
    for dir in ["PyPI", "crates.io", "npm", "stale"] {
        for path in records_in(dir) {
            let record = read_json(&path);
            let errors: Vec<String> = validator
                .iter_errors(&record)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 13);
    // The validator does reject what the schema forbids.
    let invalid = serde_json::json!({"id": "GHSA-1", "modified": "yesterday",
        "affected": [{"package": {"ecosystem": "npm", "name": "a"},
            "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]});
    assert!(!validator.is_valid(&invalid));
}

fn package(purl: &str, name: &str, version: &str) -> Component {
    Component::package(purl, name, version)
}

fn components() -> Vec<Component> {
    let mut local = package("pkg:pypi/torch@2.5.1%2Bcu121", "torch", "2.5.1+cu121");
    "torch-cuda".clone_into(&mut local.bom_ref);
    let mut no_purl = Component::new("app", Kind::Application, "app");
    no_purl.version = Some("1.0".to_owned());
    vec![
        package("pkg:pypi/pillow@10.2.0", "Pillow", "10.2.0"),
        package("pkg:pypi/pillow@10.2.0", "Pillow", "10.2.0"), // listed twice
        package("pkg:pypi/pillow@10.3.0", "Pillow", "10.3.0"), // fixed exactly here
        // At `last_affected`, as a local build of it, past it.
        package("pkg:pypi/torch@2.5.1", "torch", "2.5.1"),
        local,
        package("pkg:pypi/torch@2.5.2", "torch", "2.5.2"),
        package("pkg:pypi/transformers@4.35.2", "transformers", "4.35.2"),
        package("pkg:pypi/transformers@4.37.0", "transformers", "4.37.0"), // between pairs
        package("pkg:pypi/transformers@4.38.1", "transformers", "4.38.1"),
        package("pkg:pypi/numpy@1.26.4", "numpy", "1.26.4"), // withdrawn record
        package("pkg:pypi/tokenizers@0.19.0", "tokenizers", "0.19.0"),
        package("pkg:cargo/tokenizers@0.15.0", "tokenizers", "0.15.0"), // same name, crates.io
        package(
            "pkg:cargo/candle-core@0.4.0-alpha.2",
            "candle-core",
            "0.4.0-alpha.2",
        ),
        package("pkg:cargo/candle-core@0.4.0", "candle-core", "0.4.0"),
        package(
            "pkg:npm/%40tensorflow/tfjs-core@4.1.0",
            "@tensorflow/tfjs-core",
            "4.1.0",
        ),
        // Only in a `versions` list.
        package(
            "pkg:npm/onnxruntime-web@1.16.1",
            "onnxruntime-web",
            "1.16.1",
        ),
        package(
            "pkg:npm/onnxruntime-web@1.16.2",
            "onnxruntime-web",
            "1.16.2",
        ),
        // Only in a GIT range.
        package(
            "pkg:npm/onnxruntime-node@1.16.0",
            "onnxruntime-node",
            "1.16.0",
        ),
        package("pkg:pypi/gradio@4.44.1", "gradio", "4.44.1"), // only `introduced`
        package("pkg:pypi/gradio@3.50.0", "gradio", "3.50.0"),
        package("pkg:pypi/pillow@not.a.version", "Pillow", "not.a.version"),
        no_purl,
        package("pkg:huggingface/openai/whisper@abc123", "whisper", "abc123"),
    ]
}

/// (`bom_ref`, id, severity, score in tenths, fixed, aliases)
type Row = (
    String,
    String,
    Severity,
    Option<i64>,
    Vec<String>,
    Vec<String>,
);

#[allow(clippy::cast_possible_truncation)]
fn rows(report: &Report) -> Vec<Row> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.bom_ref.clone(),
                f.id.clone(),
                f.severity,
                f.score.map(|s| (s * 10.0).round() as i64),
                f.fixed.clone(),
                f.aliases.clone(),
            )
        })
        .collect()
}

fn row(
    bom_ref: &str,
    id: &str,
    severity: Severity,
    score: Option<i64>,
    fixed: &[&str],
    aliases: &[&str],
) -> Row {
    (
        bom_ref.to_owned(),
        id.to_owned(),
        severity,
        score,
        fixed.iter().map(|s| (*s).to_owned()).collect(),
        aliases.iter().map(|s| (*s).to_owned()).collect(),
    )
}

/// What the fixtures say about `components()`, in report order.
fn expected_rows() -> Vec<Row> {
    use Severity::{Critical, High, Low, Medium};
    vec![
        row(
            "pkg:pypi/pillow@10.2.0",
            "GHSA-4cx5-89vm-833x",
            Critical,
            Some(98),
            &["10.3.0"],
            &["CVE-2024-90001", "PYSEC-2024-901"],
        ),
        row(
            "pkg:pypi/transformers@4.35.2",
            "GHSA-9gq6-3jvh-m4fx",
            High,
            Some(88),
            &["4.36.0", "4.38.2"],
            &["CVE-2024-90004"],
        ),
        row(
            "pkg:pypi/transformers@4.38.1",
            "GHSA-9gq6-3jvh-m4fx",
            High,
            Some(88),
            &["4.38.2"],
            &["CVE-2024-90004"],
        ),
        row(
            "pkg:pypi/torch@2.5.1",
            "GHSA-r6wq-7xcm-5p2j",
            High,
            None,
            &[],
            &["CVE-2025-90003"],
        ),
        row(
            "torch-cuda",
            "GHSA-r6wq-7xcm-5p2j",
            High,
            None,
            &[],
            &["CVE-2025-90003"],
        ),
        row(
            "pkg:npm/%40tensorflow/tfjs-core@4.1.0",
            "GHSA-2qv5-7mqp-hx9c",
            Medium,
            None,
            &["4.2.0"],
            &["CVE-2024-90007"],
        ),
        row(
            "pkg:pypi/tokenizers@0.19.0",
            "GHSA-6fvq-2mxh-qw8p",
            Medium,
            Some(59),
            &["0.20.0"],
            &["CVE-2024-90005"],
        ),
        row(
            "pkg:pypi/gradio@4.44.1",
            "GHSA-h9x2-wq5c-pc8j",
            Medium,
            Some(61),
            &[],
            &["CVE-2024-90006"],
        ),
        row(
            "pkg:cargo/tokenizers@0.15.0",
            "RUSTSEC-2024-0901",
            Medium,
            Some(55),
            &["0.19.1"],
            &["CVE-2024-90002", "GHSA-j4xw-6m5q-q2vc"],
        ),
        row(
            "pkg:npm/onnxruntime-web@1.16.1",
            "GHSA-w5p8-6gm4-h3rf",
            Low,
            None,
            &[],
            &[],
        ),
        row(
            "pkg:cargo/candle-core@0.4.0-alpha.2",
            "RUSTSEC-2024-0902",
            Severity::None,
            None,
            &["0.4.0"],
            &[],
        ),
    ]
}

#[test]
fn exact_findings_for_a_mixed_bom() {
    let dir = database_dir();
    let database = Database::open(dir.path()).unwrap();
    // 13 fixture records; the stale copy is the same id, withdrawn ones are kept (and skipped
    // when matching).
    assert_eq!(database.len(), 12);
    let components = components();
    let refs: Vec<&Component> = components.iter().collect();
    let report = database.report(&refs);
    assert_eq!(rows(&report), expected_rows());
    assert_eq!((report.checked, report.skipped), (21, 2));
    assert_eq!(report.notes.len(), 1, "{:#?}", report.notes);
    assert!(
        report.notes[0].starts_with(
            "pkg:pypi/pillow@not.a.version: version \"not.a.version\" is not a PEP 440 version"
        ),
        "{}",
        report.notes[0]
    );

    let pillow = &report.findings[0];
    assert_eq!(pillow.name, "Pillow");
    assert_eq!(pillow.version, "10.2.0");
    assert_eq!(
        pillow.summary.as_deref(),
        Some("Pillow buffer overflow in the ICC profile reader")
    );
    assert_eq!(
        pillow.references,
        [
            "https://github.com/advisories/GHSA-4cx5-89vm-833x",
            "https://nvd.nist.gov/vuln/detail/CVE-2024-90001",
            "https://github.com/python-pillow/Pillow",
            "https://github.com/python-pillow/Pillow/commit/2a93aba5cfcf6e241ab4f9392c13e3b74032c061",
        ]
    );
    // The newer copy of the npm record (in the archive) overrides the older loose one.
    let tfjs = &report.findings[5];
    assert_eq!(
        tfjs.summary.as_deref(),
        Some("@tensorflow/tfjs-core prototype pollution in model JSON parsing")
    );

    assert_eq!(report.worst(), Some(Severity::Critical));
    assert!(report.has_finding_at_or_above(Severity::High));
    assert_eq!(database.audit(&refs), report.findings);

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["checked"], 21);
    assert_eq!(json["findings"][0]["severity"], "critical");
    assert_eq!(json["findings"][0]["score"], 9.8);
    assert_eq!(json["findings"][0]["ecosystem"], "PyPI");
    assert_eq!(json["findings"][3]["score"], serde_json::Value::Null);
}

#[test]
fn thresholds_follow_the_worst_finding() {
    let dir = database_dir();
    let database = Database::open(dir.path()).unwrap();
    let web = package(
        "pkg:npm/onnxruntime-web@1.16.0",
        "onnxruntime-web",
        "1.16.0",
    );
    let report = database.report(&[&web]);
    assert_eq!(report.worst(), Some(Severity::Low));
    assert!(report.has_finding_at_or_above(Severity::Low));
    assert!(!report.has_finding_at_or_above(Severity::Medium));
    let clean = package("pkg:pypi/pillow@11.0.0", "Pillow", "11.0.0");
    let report = database.report(&[&clean]);
    assert_eq!(report.worst(), None);
    assert!(!report.has_finding_at_or_above(Severity::None));
}

#[test]
fn a_single_archive_or_record_can_be_opened_directly() {
    let dir = database_dir();
    let pypi = Database::open(&dir.path().join("PyPI/all.zip")).unwrap();
    assert_eq!(pypi.len(), 7);
    let one = Database::open(&fixtures().join("crates.io/RUSTSEC-2024-0901.json")).unwrap();
    let tokenizers = package("pkg:cargo/tokenizers@0.19.0", "tokenizers", "0.19.0");
    assert_eq!(one.audit(&[&tokenizers])[0].id, "RUSTSEC-2024-0901");
}

#[test]
fn a_malformed_member_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("PyPI/all.zip");
    let mut members = members_of("PyPI");
    members.push((
        "GHSA-bad0-0000-0000.json".to_owned(),
        b"{\n  \"id\": \"GHSA-bad0-0000-0000\",\n  \"modified\": 5\n}\n".to_vec(),
    ));
    write_zip(&archive, &members);
    let error = Database::open(dir.path()).unwrap_err();
    assert!(
        matches!(error, OsvError::Syntax { line: 3, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "{}: GHSA-bad0-0000-0000.json:3:15: invalid type: integer `5`, expected a string",
            archive.display()
        )
    );

    let loose = tempfile::tempdir().unwrap();
    let record = loose.path().join("GHSA-bad1-0000-0000.json");
    std::fs::write(
        &record,
        "{\"id\": \"GHSA-bad1-0000-0000\",\n\"affected\": [}\n",
    )
    .unwrap();
    let error = Database::open(loose.path()).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("{}:2:14: ", record.display())),
        "{error}"
    );
}

#[test]
fn missing_empty_and_foreign_databases_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    assert_eq!(
        Database::open(&missing).unwrap_err().to_string(),
        format!("{} not found", missing.display())
    );
    assert_eq!(
        Database::open(dir.path()).unwrap_err().to_string(),
        format!(
            "{}: no OSV records for PyPI, crates.io or npm",
            dir.path().display()
        )
    );
    // Only an ecosystem whose versions are not ordered here: nothing usable.
    write_zip(
        &dir.path().join("Go/all.zip"),
        &[(
            "GO-2024-0001.json".to_owned(),
            br#"{"id": "GO-2024-0001", "modified": "2024-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"}}]}"#
                .to_vec(),
        )],
    );
    assert!(matches!(
        Database::open(dir.path()),
        Err(OsvError::NoRecords(_))
    ));
    std::fs::write(dir.path().join("Go/broken.zip"), b"PK not really").unwrap();
    let error = Database::open(dir.path()).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "{}: not a readable zip archive",
            dir.path().join("Go/broken.zip").display()
        )),
        "{error}"
    );
}

#[test]
fn a_member_above_the_cap_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("PyPI/all.zip");
    let limit = Limits::default().max_record_bytes;
    // Whitespace deflates to almost nothing: a small archive that would inflate past the cap.
    let huge = vec![b' '; usize::try_from(limit).unwrap() + 1];
    write_zip(&archive, &[("GHSA-big0-0000-0000.json".to_owned(), huge)]);
    assert!(std::fs::metadata(&archive).unwrap().len() < 100_000);
    let error = Database::open(dir.path()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: GHSA-big0-0000-0000.json: larger than {limit} bytes, the limit for one record",
            archive.display()
        )
    );
}

/// Rewrites the uncompressed size the local and central headers declare for every member.
fn forge_declared_sizes(bytes: &mut [u8], declared: u32) {
    let forge = |bytes: &mut [u8], signature: &[u8; 4], offset: usize| {
        let mut at = 0;
        while let Some(found) = bytes[at..].windows(4).position(|w| w == signature) {
            let field = at + found + offset;
            bytes[field..field + 4].copy_from_slice(&declared.to_le_bytes());
            at += found + 4;
        }
    };
    forge(bytes, b"PK\x03\x04", 22);
    forge(bytes, b"PK\x01\x02", 24);
}

#[test]
fn a_member_lying_about_its_size_is_still_capped() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("npm/all.zip");
    write_zip(
        &archive,
        &[("GHSA-lie0-0000-0000.json".to_owned(), vec![b' '; 1 << 20])],
    );
    let mut bytes = std::fs::read(&archive).unwrap();
    forge_declared_sizes(&mut bytes, 10);
    std::fs::write(&archive, bytes).unwrap();
    let limits = Limits {
        max_record_bytes: 64 << 10,
        ..Limits::default()
    };
    let error = Database::open_with_limits(dir.path(), limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: GHSA-lie0-0000-0000.json: larger than {} bytes, the limit for one record",
            archive.display(),
            64 << 10
        )
    );
}

#[test]
fn an_archive_above_the_total_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("PyPI/all.zip");
    write_zip(&archive, &members_of("PyPI"));
    let limits = Limits {
        max_archive_bytes: 3000,
        ..Limits::default()
    };
    let error = Database::open_with_limits(dir.path(), limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: inflates to more than 3000 bytes, the limit for one archive",
            archive.display()
        )
    );
    assert!(Database::open(dir.path()).is_ok());
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
