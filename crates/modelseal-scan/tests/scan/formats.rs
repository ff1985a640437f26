//! Tampering and hostile-input rules, each on a minimal crafted file.

#![allow(clippy::unwrap_used)] // test helpers

use std::io::Write;
use std::path::Path;

use modelseal_scan::formats::scan_bytes;
use modelseal_scan::{Context, Limits, Policy, RuleId, Severity};

/// Every (rule, severity) `scan_bytes` reports for `data` under small limits (shared by the
/// other modules of this binary).
pub(crate) fn findings(data: &[u8]) -> Vec<(RuleId, Severity)> {
    let policy = Policy::builtin();
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_depth: 4,
        max_raw_bytes: 1 << 20,
        max_total_bytes: 16 << 20,
    };
    let mut ctx = Context::new(Path::new("test"), &policy, &limits);
    scan_bytes(data, &mut ctx);
    ctx.findings
        .iter()
        .map(|f| (f.rule_id, f.severity))
        .collect()
}

fn has(data: &[u8], rule: RuleId) -> bool {
    findings(data).iter().any(|(r, _)| *r == rule)
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    for (name, data) in entries {
        z.start_file(
            *name,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
    buf.into_inner()
}

const EVIL: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";

#[test]
fn local_header_name_differing_from_the_central_directory() {
    let mut z = zip_of(&[("archive/data.pkl", EVIL)]);
    let at = z
        .windows(16)
        .position(|w| w == b"archive/data.pkl")
        .unwrap();
    z[at..at + 16].copy_from_slice(b"archive/data.txt");
    assert!(has(&z, RuleId::ZipHeaderMismatch));
    assert!(
        has(&z, RuleId::PickleDangerousGlobal),
        "the member is still scanned through the central directory"
    );
}

#[test]
fn a_member_altered_after_writing_fails_its_crc() {
    let mut z = zip_of(&[("archive/data.pkl", EVIL)]);
    let at = z.windows(EVIL.len()).position(|w| w == EVIL).unwrap();
    z[at + EVIL.len() - 4] = b'j'; // "id" -> "jd" in the stored data
    let policy = Policy::builtin();
    let limits = Limits::default();
    let mut ctx = Context::new(Path::new("t"), &policy, &limits);
    scan_bytes(&z, &mut ctx);
    assert!(has(&z, RuleId::ZipCrcMismatch), "{:?}", ctx.findings);
}

#[test]
fn duplicate_and_escaping_names() {
    let z = zip_of(&[("a/data.pkl", b"N."), ("../../evil.pkl", b"N.")]);
    assert!(has(&z, RuleId::ZipPathTraversal));
    let mut z = zip_of(&[("a/data.pkl", b"N."), ("a/data.pkx", b"N.")]);
    // Rename the second entry in both headers: two entries with one name.
    while let Some(at) = z.windows(10).position(|w| w == b"a/data.pkx") {
        z[at + 9] = b'l';
    }
    assert!(has(&z, RuleId::ZipDuplicateName), "{:?}", findings(&z));
}

#[test]
fn junk_or_a_pickle_in_front_of_a_zip() {
    let mut glued = b"MZ self-extractor stub ".to_vec();
    glued.extend(zip_of(&[("archive/data.pkl", EVIL)]));
    assert!(
        has(&glued, RuleId::PickleDangerousGlobal),
        "the zip behind the stub is scanned"
    );
    let mut polyglot = EVIL.to_vec();
    polyglot.extend(zip_of(&[("archive/data.pkl", b"N.")]));
    assert!(has(&polyglot, RuleId::PolyglotPickleZip));
}

#[test]
fn decompression_bombs_are_cut_at_the_limit() {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; 3 << 20]).unwrap();
    assert!(has(&enc.finish().unwrap(), RuleId::ArchiveMemberTooLarge));
}

#[test]
fn nested_archives_stop_at_the_depth_limit() {
    let mut data = zip_of(&[("data.pkl", EVIL)]);
    for i in 0..6 {
        data = zip_of(&[(&format!("level{i}.zip"), &data)]);
    }
    assert!(has(&data, RuleId::ArchiveTooDeep));
}

fn safetensors(header: &str, data_len: usize) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend(std::iter::repeat_n(0u8, data_len));
    out
}

#[test]
fn lying_safetensors_headers() {
    let good = safetensors(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        8,
    );
    assert!(findings(&good).is_empty());
    let overlap = safetensors(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
        8,
    );
    assert!(findings(&overlap).contains(&(RuleId::SafetensorsInvalidHeader, Severity::High)));
    let out_of_range = safetensors(
        r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
        8,
    );
    assert!(findings(&out_of_range).contains(&(RuleId::SafetensorsInvalidHeader, Severity::High)));
    let wrong_size = safetensors(
        r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
        8,
    );
    assert!(has(&wrong_size, RuleId::SafetensorsInvalidHeader));
    let bad_meta = safetensors(
        r#"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        8,
    );
    assert!(has(&bad_meta, RuleId::SafetensorsInvalidHeader));
}

#[test]
fn truncated_gguf() {
    let mut g = b"GGUF".to_vec();
    g.extend(3u32.to_le_bytes());
    g.extend(1u64.to_le_bytes());
    g.extend(1_000_000u64.to_le_bytes());
    assert!(has(&g, RuleId::GgufMalformed));
}

#[test]
fn build_into_a_global_object() {
    // ctorch\nserialization\n then BUILD with a dict: writes attributes of a module.
    assert!(
        findings(b"ctorch\nserialization\n}S'load'\nNsb.")
            .contains(&(RuleId::PickleGlobalMutation, Severity::High))
    );
    assert!(
        findings(b"cos\nenviron\n}S'X'\nS'1'\nsb.")
            .contains(&(RuleId::PickleGlobalMutation, Severity::Critical))
    );
}

#[test]
fn unknown_globals_referenced_but_not_called_are_medium() {
    let data = b"\x80\x04\x8c\x05mylib\x8c\x05Thing\x93\x85.";
    assert_eq!(
        findings(data),
        vec![(RuleId::PickleUnknownGlobal, Severity::Medium)]
    );
}

/// Protobuf encoding helpers for crafted ONNX models.
fn pb_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn pb_bytes(field: u64, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pb_varint(field << 3 | 2, &mut out);
    pb_varint(data.len() as u64, &mut out);
    out.extend_from_slice(data);
    out
}

fn onnx_model(domain: &str, location: &str) -> Vec<u8> {
    let node = [pb_bytes(4, b"Add"), pb_bytes(7, domain.as_bytes())].concat();
    let entry = [pb_bytes(1, b"location"), pb_bytes(2, location.as_bytes())].concat();
    // external_data is TensorProto field 13 (14 is data_location).
    let tensor = [pb_bytes(8, b"weights"), pb_bytes(13, &entry)].concat();
    let graph = [pb_bytes(1, &node), pb_bytes(5, &tensor)].concat();
    let opset = [pb_bytes(1, b""), vec![0x10, 17]].concat();
    [vec![0x08, 8], pb_bytes(8, &opset), pb_bytes(7, &graph)].concat()
}

#[test]
fn onnx_external_data_and_custom_domains() {
    assert!(findings(&onnx_model("", "weights.bin")).is_empty());
    assert_eq!(
        findings(&onnx_model("", "../../../etc/passwd")),
        vec![(RuleId::OnnxExternalDataEscape, Severity::High)]
    );
    assert_eq!(
        findings(&onnx_model("", "/etc/shadow")),
        vec![(RuleId::OnnxExternalDataEscape, Severity::High)]
    );
    assert_eq!(
        findings(&onnx_model("evil.custom_ops", "w.bin")),
        vec![(RuleId::OnnxCustomDomain, Severity::Medium)]
    );
    assert!(findings(&onnx_model("com.microsoft", "w.bin")).is_empty());
    // A node attribute with an invalid wire type: the model is recognised, its graph is not
    // whole.
    let node = [pb_bytes(4, b"If"), pb_bytes(5, &[0x0f])].concat();
    let broken = [vec![0x08, 8], pb_bytes(7, &pb_bytes(1, &node))].concat();
    assert_eq!(
        findings(&broken),
        vec![(RuleId::OnnxMalformed, Severity::Medium)]
    );
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(path),
    )
    .unwrap()
}

#[test]
fn keras_configs_in_every_hdf5_layout_h5py_writes() {
    for (file, expected) in [
        (
            "v0-vlen-foreign.h5",
            Some((RuleId::KerasForeignModule, Severity::Critical)),
        ),
        (
            "v0-fixed-lambda.h5",
            Some((RuleId::KerasLambdaBytecode, Severity::Critical)),
        ),
        // 20 more attributes: the v1 object header continues in a second block.
        (
            "v0-many-attributes-foreign.h5",
            Some((RuleId::KerasForeignModule, Severity::Critical)),
        ),
        (
            "userblock-foreign.h5",
            Some((RuleId::KerasForeignModule, Severity::Critical)),
        ),
        (
            "latest-vlen-foreign.h5",
            Some((RuleId::KerasForeignModule, Severity::Critical)),
        ),
        // Dense attribute storage is not read, and so is never passed as clean.
        (
            "latest-dense-foreign.h5",
            Some((RuleId::Hdf5Unreadable, Severity::High)),
        ),
        ("v0-clean.h5", None),
    ] {
        let found = findings(&fixture(&format!("hdf5/{file}")));
        assert_eq!(found.first().copied(), expected, "{file}: {found:?}");
        assert!(found.len() <= 1, "{file}: {found:?}");
    }
}

#[test]
fn hdf5_truncated_anywhere_is_reported_never_clean_or_a_panic() {
    let data = fixture("hdf5/v0-vlen-foreign.h5");
    for cut in (8..data.len()).step_by(97) {
        let found = findings(&data[..cut]);
        assert!(
            found.iter().any(|(_, s)| *s >= Severity::High),
            "cut at {cut}: {found:?}"
        );
    }
}

#[test]
fn torchscript_names_are_classes_only_inside_a_torchscript_archive() {
    let script = fixture("scan-corpus/benign/torchscript-scripted.pt");
    assert!(findings(&script).is_empty());
    // The same data.pkl in a plain torch.save archive (no constants.pkl) would be unpickled
    // by Python: `__torch__` names are then unknown globals.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&script)).unwrap();
    let name = archive
        .file_names()
        .find(|n| n.ends_with("/data.pkl"))
        .unwrap()
        .to_owned();
    let mut pickle = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name(&name).unwrap(), &mut pickle).unwrap();
    let plain = zip_of(&[("archive/data.pkl", &pickle), ("archive/version", b"3\n")]);
    assert!(has(&plain, RuleId::PickleUnknownCall));
}

#[test]
fn torch_legacy_storage_bytes_are_data_not_trailing_garbage() {
    assert!(findings(&fixture("scan-corpus/benign/torch-legacy.pt")).is_empty());
    let payload = fixture("scan-corpus/malicious/torch-legacy-sys-info-payload.pt");
    assert!(has(&payload, RuleId::PickleDangerousGlobal));
}

/// 5 MB of `EMPTY_DICT` once took 558 MB to scan; now the scanner stops at its memory budget and
/// says so (high), instead of running out of memory or calling the file clean.
#[test]
fn a_hostile_pickle_of_millions_of_objects_is_too_complex() {
    let mut data = b"\x80\x04".to_vec();
    data.resize(5 << 20, b'}');
    data.push(b'.');
    let policy = Policy::builtin();
    let limits = Limits::default();
    let mut ctx = Context::new(Path::new("test"), &policy, &limits);
    scan_bytes(&data, &mut ctx);
    let rules: Vec<_> = ctx
        .findings
        .iter()
        .map(|f| (f.rule_id, f.severity))
        .collect();
    assert_eq!(rules, vec![(RuleId::PickleTooComplex, Severity::High)]);
}

fn zip_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/zip")
            .join(name),
    )
    .unwrap()
}

fn critical_dangerous_global(findings: &[(RuleId, Severity)]) -> bool {
    findings.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical))
}

#[test]
fn a_malicious_data_pkl_shadowed_by_a_benign_duplicate_is_still_scanned() {
    // Written by Python's zipfile (tests/fixtures/zip/make.py): zip readers keyed by name see
    // only one of the two, so each must be read through its own local header.
    for fixture in [
        "duplicate-data-pkl-malicious-first.zip",
        "duplicate-data-pkl-malicious-last.zip",
    ] {
        let found = findings(&zip_fixture(fixture));
        assert!(critical_dangerous_global(&found), "{fixture}: {found:?}");
        assert!(
            found.contains(&(RuleId::ZipDuplicateName, Severity::High)),
            "{fixture}: {found:?}"
        );
    }
}

#[test]
fn a_zip64_pytorch_checkpoint_scans_clean() {
    for fixture in [
        "zip64-pytorch-checkpoint.zip",
        "zip64-pytorch-checkpoint-deflated.zip",
    ] {
        assert_eq!(findings(&zip_fixture(fixture)), [], "{fixture}");
    }
    let duplicated = findings(&zip_fixture("zip64-duplicate-data-pkl.zip"));
    assert!(
        duplicated.contains(&(RuleId::ZipDuplicateName, Severity::High)),
        "{duplicated:?}"
    );
    assert!(critical_dangerous_global(&duplicated), "{duplicated:?}");
}

/// The same archive with its end record saturated (count 0xFFFF, size and offset 0xFFFFFFFF)
/// behind a valid zip64 end record and locator: what an attacker writes to force a reader's
/// zip64 path.
fn force_zip64_end_record(zip: &[u8]) -> Vec<u8> {
    let eocd = zip.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let field = |at: usize, n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&zip[eocd + at..eocd + at + n]);
        u64::from_le_bytes(b)
    };
    let (count, size, offset) = (field(10, 2), field(12, 4), field(16, 4));
    let mut out = zip[..eocd].to_vec();
    let record_at = out.len() as u64;
    out.extend_from_slice(b"PK\x06\x06");
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for v in [count, count, size, offset] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(b"PK\x06\x07\0\0\0\0");
    out.extend_from_slice(&record_at.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff");
    out.extend_from_slice(&[0xff; 8]);
    out.extend_from_slice(&zip[eocd + 20..]);
    out
}

#[test]
fn forcing_zip64_through_the_end_record_changes_nothing() {
    let archives = [
        zip_of(&[("archive/data.pkl", EVIL), ("archive/version", b"3\n")]),
        zip_of(&[("archive/data.pkl", b"\x80\x02N.")]),
        zip_fixture("duplicate-data-pkl-malicious-first.zip"),
        zip_fixture("duplicate-data-pkl-malicious-last.zip"),
        zip_fixture("zip64-pytorch-checkpoint-deflated.zip"),
    ];
    for plain in archives {
        let forced = force_zip64_end_record(&plain);
        let (mut a, mut b) = (findings(&plain), findings(&forced));
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        let mut glued = b"junk in front ".to_vec();
        glued.extend_from_slice(&forced);
        assert!(has(&glued, RuleId::ZipPrependedData));
    }
}

/// A GGUF v1 file (32-bit counts and lengths) with a chat template that escapes its sandbox.
fn gguf_v1(template: &str) -> Vec<u8> {
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes()); // version
    out.extend_from_slice(&1u32.to_le_bytes()); // tensors
    out.extend_from_slice(&2u32.to_le_bytes()); // key/values
    string(&mut out, "general.architecture");
    out.extend_from_slice(&8u32.to_le_bytes());
    string(&mut out, "llama");
    string(&mut out, "tokenizer.chat_template");
    out.extend_from_slice(&8u32.to_le_bytes());
    string(&mut out, template);
    string(&mut out, "token_embd.weight");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // F32
    out.extend_from_slice(&0u64.to_le_bytes());
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    out.extend_from_slice(&[0; 32]);
    out
}

#[test]
fn a_v1_gguf_parses_with_the_shared_reader() {
    let benign = gguf_v1("{% for m in messages %}{{ m.content }}{% endfor %}");
    assert_eq!(findings(&benign), []);
    let hostile = gguf_v1("{{ cycler.__init__.__globals__.os.popen('id').read() }}");
    let found = findings(&hostile);
    assert!(!found.is_empty(), "{found:?}");
    assert!(
        !found.iter().any(|(r, _)| *r == RuleId::GgufMalformed),
        "{found:?}"
    );
    let mut truncated = benign.clone();
    truncated.truncate(40);
    assert!(has(&truncated, RuleId::GgufMalformed));
}

fn npy_v1(header: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// Red team F1 (C10-C14, E12, E13): `numpy.load(allow_pickle=True)` reads each of these headers
/// as an object array and runs the pickle after it; the scan must run that pickle too.
#[test]
fn npy_object_dtype_spellings_that_numpy_runs_are_critical() {
    let headers = [
        "{'descr': 'object', 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '<O', 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '=O', 'fortran_order': False, 'shape': (1,), }",
        "{\"descr\": \"|O\", \"fortran_order\": False, \"shape\": (1,), }",
        "{'descr': [('a', '<f4'), ('b', [('c', 'object_')])], 'fortran_order': False, 'shape': (1,), }",
    ];
    for header in headers {
        let npy = npy_v1(header, EVIL);
        let f = findings(&npy);
        assert!(critical_dangerous_global(&f), "{header}: {f:?}");
        let npz = zip_of(&[("arr_0.npy", &npy)]);
        let f = findings(&npz);
        assert!(critical_dangerous_global(&f), "npz {header}: {f:?}");
    }
}

/// Red team F1: a header dict this parser cannot read may still load in numpy: high, not medium.
#[test]
fn npy_header_numpy_may_read_but_the_parser_cannot_is_high() {
    let npy = npy_v1(
        "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
        EVIL,
    );
    let f = findings(&npy);
    assert!(
        f.contains(&(RuleId::NumpyMalformed, Severity::High)),
        "{f:?}"
    );
    assert!(critical_dangerous_global(&f), "{f:?}");
}

/// A v3 GGUF with one key-less header and tensors `(dims, type, offset)`, then `data` bytes.
fn gguf_with_tensors(tensors: &[(&[u64], u32, u64)], data: usize) -> Vec<u8> {
    let mut g = b"GGUF".to_vec();
    g.extend(3u32.to_le_bytes());
    g.extend((tensors.len() as u64).to_le_bytes());
    g.extend(0u64.to_le_bytes());
    for (i, (dims, ggml_type, offset)) in tensors.iter().enumerate() {
        let name = format!("t{i}");
        g.extend((name.len() as u64).to_le_bytes());
        g.extend(name.as_bytes());
        g.extend(u32::try_from(dims.len()).unwrap().to_le_bytes());
        for d in *dims {
            g.extend(d.to_le_bytes());
        }
        g.extend(ggml_type.to_le_bytes());
        g.extend(offset.to_le_bytes());
    }
    while !g.len().is_multiple_of(32) {
        g.push(0);
    }
    g.extend(std::iter::repeat_n(1u8, data));
    g
}

/// Red team F3 (C02-C04, C20): tensor infos that do not fit the file scanned clean.
#[test]
fn gguf_lying_tensor_infos_are_malformed() {
    let honest = gguf_with_tensors(&[(&[4], 0, 0), (&[4], 0, 32)], 48);
    assert!(findings(&honest).is_empty(), "{:?}", findings(&honest));
    let lying_dims = gguf_with_tensors(&[(&[1_000_000_000_000], 0, 0)], 64);
    assert!(findings(&lying_dims).contains(&(RuleId::GgufMalformed, Severity::Medium)));
    let unknown_type = gguf_with_tensors(&[(&[4], 9999, 0)], 32);
    assert!(findings(&unknown_type).contains(&(RuleId::GgufMalformed, Severity::Medium)));
    let header_only_far_offset = gguf_with_tensors(&[(&[4], 0, 1 << 40)], 0);
    assert!(has(&header_only_far_offset, RuleId::GgufMalformed));
    // gguf-py maps overlapping tensors without complaint: high.
    let overlap = gguf_with_tensors(&[(&[4], 0, 0), (&[4], 0, 0)], 16);
    assert!(findings(&overlap).contains(&(RuleId::GgufMalformed, Severity::High)));
}
