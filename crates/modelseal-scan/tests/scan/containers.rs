//! Issue 13, "containers": every reading a loader could make, archives and compression read as
//! the real readers read them, one memory budget, ONNX external data in every placement and
//! spelling, `torch.distributed.checkpoint` shards. Samples proven under the real loaders live
//! in tests/fixtures/scan-corpus/containers (scripts/scan-corpus/containers.py).

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use modelseal_scan::formats::scan_bytes;
use modelseal_scan::{Context, Limits, Policy, RuleId, ScanOptions, Severity, scan_file};

/// A protocol-0 pickle that runs `os.system` (every byte ASCII).
const PAYLOAD: &[u8] = b"cos\nsystem\n(S'touch CANARY'\ntR.";

fn small_limits() -> Limits {
    Limits {
        max_member_bytes: 1 << 20,
        max_depth: 8,
        max_raw_bytes: 1 << 20,
        max_total_bytes: 16 << 20,
    }
}

fn scan_with(data: &[u8], limits: &Limits) -> Vec<(RuleId, Severity)> {
    let policy = Policy::builtin();
    let mut ctx = Context::new(Path::new("t"), &policy, limits);
    scan_bytes(data, &mut ctx);
    ctx.findings
        .iter()
        .map(|f| (f.rule_id, f.severity))
        .collect()
}

fn top(findings: &[(RuleId, Severity)]) -> Option<Severity> {
    findings.iter().map(|(_, s)| *s).max()
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/scan-corpus/containers")
        .join(name)
}

fn top_of_file(path: &Path, options: &ScanOptions) -> Option<Severity> {
    let report = scan_file(path, options);
    assert!(report.error.is_none(), "{report:?}");
    report.findings.iter().map(|f| f.severity).max()
}

fn binbytes_lead(n: usize) -> Vec<u8> {
    let mut data = b"B".to_vec();
    data.extend_from_slice(&u32::try_from(n).unwrap().to_le_bytes());
    data.resize(5 + n, 0);
    data.push(b'0');
    data.extend_from_slice(PAYLOAD);
    data
}

#[test]
fn a_pickle_whose_import_sits_behind_a_100_kib_binbytes_is_run() {
    let data = binbytes_lead(100 << 10);
    assert_eq!(
        top(&scan_with(&data, &small_limits())),
        Some(Severity::Critical)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.pkl");
    std::fs::write(&path, &data).unwrap();
    assert_eq!(
        top_of_file(&path, &ScanOptions::default()),
        Some(Severity::Critical)
    );
    assert_eq!(
        top_of_file(
            &corpus("malicious/binbytes-lead.pkl"),
            &ScanOptions::default()
        ),
        Some(Severity::Critical)
    );
}

#[test]
fn a_zip_pickle_member_is_a_pickle_whatever_its_first_bytes() {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file(
        "archive/data.pkl",
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
    )
    .unwrap();
    z.write_all(&binbytes_lead(100 << 10)).unwrap();
    z.finish().unwrap();
    assert_eq!(
        top(&scan_with(&buf.into_inner(), &small_limits())),
        Some(Severity::Critical)
    );
}

/// Files sniffed as another format (tar, HDF5 user block, GGUF, safetensors) that
/// `pickle.load` runs: critical, plus the polyglot itself.
#[test]
fn a_pickle_that_is_also_a_tar_hdf5_gguf_or_safetensors_file_is_read_as_both() {
    for name in [
        "malicious/pickle-tar.tar",
        "malicious/pickle-userblock.h5",
        "malicious/pickle.gguf",
        "malicious/pickle.safetensors",
    ] {
        let report = scan_file(&corpus(name), &ScanOptions::default());
        let rules: Vec<RuleId> = report.findings.iter().map(|f| f.rule_id).collect();
        assert!(rules.contains(&RuleId::PolyglotPickle), "{name}: {rules:?}");
        assert!(
            rules.contains(&RuleId::PickleDangerousGlobal),
            "{name}: {rules:?}"
        );
        let data = std::fs::read(corpus(name)).unwrap();
        assert_eq!(
            top(&scan_with(&data, &Limits::default())),
            Some(Severity::Critical),
            "{name} in memory"
        );
    }
    assert_eq!(
        top_of_file(&corpus("benign/userblock.h5"), &ScanOptions::default()),
        None
    );
}

fn tar_with(kind: u8, name: &str, body: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_path(name).unwrap();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::new(kind));
    header.set_cksum();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append(&header, body).unwrap();
    builder.into_inner().unwrap()
}

/// Python's tarfile extracts CONTTYPE, GNU sparse-less `S`... and every unknown type as a
/// regular file; the `tar` crate's `is_file()` is only `0` and NUL.
#[test]
fn tar_members_of_every_type_tarfile_reads_as_a_file_are_scanned() {
    for kind in [b'0', b'\0', b'7', b'Z'] {
        let data = tar_with(kind, "model.pkl", PAYLOAD);
        assert_eq!(
            top(&scan_with(&data, &small_limits())),
            Some(Severity::Critical),
            "type {kind:?}"
        );
    }
    // Directories and links hold nothing to run.
    assert_eq!(
        top(&scan_with(&tar_with(b'5', "dir", b""), &small_limits())),
        None
    );
    assert_eq!(
        top_of_file(
            &corpus("malicious/conttype-member.tar"),
            &ScanOptions::default()
        ),
        Some(Severity::Critical)
    );
}

/// `LZMAFile` (joblib) reads every concatenated xz stream; the import was in the second.
#[test]
fn an_import_in_a_second_xz_stream_is_found() {
    assert_eq!(
        top_of_file(
            &corpus("malicious/concatenated.joblib.xz"),
            &ScanOptions::default()
        ),
        Some(Severity::Critical)
    );
    assert!(
        top_of_file(&corpus("benign/model.joblib.xz"), &ScanOptions::default())
            <= Some(Severity::Medium)
    );
}

/// joblib's zlib file reads concatenated zlib streams too.
#[test]
fn an_import_in_a_second_zlib_stream_is_found() {
    let stream = |data: &[u8]| {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    };
    let data = [stream(b"N0"), stream(PAYLOAD)].concat();
    assert_eq!(
        top(&scan_with(&data, &small_limits())),
        Some(Severity::Critical)
    );
}

/// A pickle longer than the raw-file limit whose payload lies past it: two mediums and exit 0
/// before; what the loader runs was not all read, so high.
#[test]
fn a_pickle_cut_by_the_raw_file_limit_with_its_payload_past_it_is_high() {
    let mut data = b"\x80\x02".to_vec();
    for _ in 0..2000 {
        // BINUNICODE of 1000 bytes, POP
        data.push(b'X');
        data.extend_from_slice(&1000u32.to_le_bytes());
        data.extend_from_slice(&[b'a'; 1000]);
        data.push(b'0');
    }
    data.extend_from_slice(b"cos\nsystem\n(S'id'\ntR.");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.pkl");
    std::fs::write(&path, &data).unwrap();
    let options = ScanOptions {
        limits: small_limits(),
        ..ScanOptions::default()
    };
    let report = scan_file(&path, &options);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule_id == RuleId::FileTooLarge && f.severity == Severity::High),
        "{:?}",
        report.findings
    );
}

fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file(
        name,
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
    )
    .unwrap();
    z.write_all(data).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

fn deflated_zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file(
        name,
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    z.write_all(data).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

/// A small zip whose nested levels each expand to most of the member limit: each level used
/// to get the whole limit again (a 1 MB zip took 8.4 GB). Now one budget: it ends with a
/// high finding and never holds more than the budget.
#[test]
fn a_nested_zip_bomb_ends_with_a_high_finding_within_one_budget() {
    // A pickle (sniffed, so read whole) of 900 KiB of zeros.
    let mut inner = b"\x80\x04\x8e".to_vec();
    let n = (900 << 10) - 12;
    inner.extend_from_slice(&(n as u64).to_le_bytes());
    inner.resize(11 + n, 0);
    inner.push(b'.');
    // Each level is a deflated member (so the file stays small) that expands to a stored
    // zip holding 900 KiB of padding beside the level below: scanning it holds every level
    // at once.
    let mut data = stored_zip("data.pkl", &inner);
    for level in 0..4 {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("pad.bin", stored).unwrap();
        z.write_all(&vec![0u8; 900 << 10]).unwrap();
        z.start_file("next.zip", stored).unwrap();
        z.write_all(&data).unwrap();
        z.finish().unwrap();
        data = deflated_zip(&format!("level{level}.zip"), &buf.into_inner());
    }
    assert!(data.len() < 64 << 10, "the bomb is {} bytes", data.len());
    let limits = Limits {
        max_member_bytes: 4 << 20,
        max_depth: 16,
        max_raw_bytes: 4 << 20,
        max_total_bytes: 3 << 20,
    };
    let policy = Policy::builtin();
    let mut ctx = Context::new(Path::new("bomb.zip"), &policy, &limits);
    scan_bytes(&data, &mut ctx);
    assert!(
        ctx.findings
            .iter()
            .any(|f| f.rule_id == RuleId::ScanBudgetExhausted && f.severity == Severity::High),
        "{:?}",
        ctx.findings
    );
    assert_eq!(ctx.budget.held(), 0, "every reservation was given back");
    // Within a budget that holds it, the same archive is clean.
    let roomy = Limits {
        max_total_bytes: 64 << 20,
        ..limits
    };
    assert_eq!(top(&scan_with(&data, &roomy)), None);
}

/// `torch.distributed.checkpoint` shards are torch.save zips back to back: read as one zip
/// they were "prepended data" (a high false alarm on every benign shard).
#[test]
fn a_distcp_shard_is_read_as_back_to_back_torch_save_zips() {
    let options = ScanOptions::default();
    assert_eq!(
        top_of_file(&corpus("benign/distcp/__0_0.distcp"), &options),
        None
    );
    let report = scan_file(&corpus("malicious/distcp/__0_0.distcp"), &options);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule_id == RuleId::PickleDangerousGlobal
                && f.location
                    .member
                    .as_deref()
                    .is_some_and(|m| m.ends_with("data.pkl"))),
        "{:?}",
        report.findings
    );
    // Two plain zips back to back too, in memory.
    let two = [
        stored_zip("a/data.pkl", b"\x80\x02K\x01."),
        stored_zip(
            "b/data.pkl",
            b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.",
        ),
    ]
    .concat();
    let findings = scan_with(&two, &small_limits());
    assert!(!findings.iter().any(|(r, _)| *r == RuleId::ZipPrependedData));
    assert_eq!(top(&findings), Some(Severity::Critical));
}

fn pb_varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = u8::try_from(v & 0x7f).unwrap();
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn pb(field: u64, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    pb_varint(field << 3 | 2, &mut out);
    pb_varint(data.len() as u64, &mut out);
    out.extend_from_slice(data);
    out
}

fn external_tensor(location: &str) -> Vec<u8> {
    let entry = [pb(1, b"location"), pb(2, location.as_bytes())].concat();
    [pb(8, b"w"), pb(13, &entry), vec![0x70, 1]].concat() // data_location (14) = EXTERNAL
}

fn model_with_graph(graph: &[u8]) -> Vec<u8> {
    [vec![0x08, 8], pb(7, graph)].concat()
}

fn escapes(model: &[u8]) -> bool {
    scan_with(model, &small_limits())
        .iter()
        .any(|(r, s)| *r == RuleId::OnnxExternalDataEscape && *s == Severity::High)
}

/// `onnx.load` resolves the external data of every tensor it finds: initializers, sparse
/// initializers, node attribute tensors (a Constant's `value`), in subgraphs, training graphs
/// and functions. Only graph initializers were checked.
#[test]
fn onnx_external_data_escapes_in_every_tensor_placement() {
    let evil = "../../../etc/passwd";
    // A Constant node whose value attribute (t = 5) is an external tensor.
    let attribute = [pb(1, b"value"), pb(5, &external_tensor(evil))].concat();
    let constant = [pb(4, b"Constant"), pb(5, &attribute)].concat();
    assert!(escapes(&model_with_graph(&pb(1, &constant))), "attribute t");
    let tensors = [pb(1, b"values"), pb(10, &external_tensor(evil))].concat();
    let node = [pb(4, b"X"), pb(5, &tensors)].concat();
    assert!(
        escapes(&model_with_graph(&pb(1, &node))),
        "attribute tensors"
    );
    // A sparse initializer's values.
    let sparse = pb(1, &external_tensor(evil));
    assert!(
        escapes(&model_with_graph(&pb(15, &sparse))),
        "sparse initializer"
    );
    // A function's Constant node (FunctionProto.node = 7, ModelProto.functions = 25).
    let function = [pb(1, b"f"), pb(7, &constant)].concat();
    let model = [vec![0x08, 8], pb(7, b""), pb(25, &function)].concat();
    assert!(escapes(&model), "function");
    // A training graph (ModelProto.training_info = 20, TrainingInfoProto.initialization = 1).
    let training = pb(1, &pb(5, &external_tensor(evil)));
    let model = [vec![0x08, 8], pb(7, b""), pb(20, &training)].concat();
    assert!(escapes(&model), "training info");
    // Graph first, ir_version last: onnx.load does not care about field order.
    let model = [pb(7, &pb(5, &external_tensor(evil))), vec![0x08, 8]].concat();
    assert!(escapes(&model), "graph before ir_version");
}

#[test]
fn onnx_external_data_escapes_in_every_spelling() {
    for evil in [
        "../x",
        "a/../../x",
        "a\\..\\..\\x",
        "./../x",
        "/etc/passwd",
        "\\\\server\\share\\x",
        "C:\\x",
        "c:x",
        "file:///etc/passwd",
        "... /x",
        "a/.. /x",
    ] {
        let model = model_with_graph(&pb(5, &external_tensor(evil)));
        assert!(escapes(&model), "{evil:?}");
    }
    for fine in ["weights.bin", "sub/w.bin", "./w.bin", "w..bin", ".hidden"] {
        let model = model_with_graph(&pb(5, &external_tensor(fine)));
        assert!(!escapes(&model), "{fine:?}");
    }
    // The key written twice: protobuf keeps the last, so this entry is a location.
    let entry = [
        pb(1, b"offset"),
        pb(1, b"location"),
        pb(2, b"../../etc/passwd"),
    ]
    .concat();
    let tensor = [pb(8, b"w"), pb(13, &entry)].concat();
    assert!(escapes(&model_with_graph(&pb(5, &tensor))), "last key wins");
    // Keys in another order than onnx writes them.
    let entry = [pb(2, b"../../etc/passwd"), pb(1, b"location")].concat();
    let tensor = [pb(13, &pb(1, b"length")), pb(13, &entry), pb(8, b"w")].concat();
    assert!(
        escapes(&model_with_graph(&pb(5, &tensor))),
        "value before key"
    );
}

/// A location that names a file beside the model, which is a link out of its directory.
#[cfg(unix)]
#[test]
fn onnx_external_data_that_leaves_the_directory_through_a_link() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"s").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("w.bin")).unwrap();
    std::fs::write(dir.path().join("inside.bin"), b"w").unwrap();
    let path = dir.path().join("model.onnx");
    std::fs::write(&path, model_with_graph(&pb(5, &external_tensor("w.bin")))).unwrap();
    let report = scan_file(&path, &ScanOptions::default());
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule_id == RuleId::OnnxExternalDataEscape),
        "{:?}",
        report.findings
    );
    std::fs::write(
        &path,
        model_with_graph(&pb(5, &external_tensor("inside.bin"))),
    )
    .unwrap();
    assert_eq!(top_of_file(&path, &ScanOptions::default()), None);
}

/// The miss: the rule read external data from `TensorProto` field 14, which is
/// `data_location`; the onnx library writes `external_data` as field 13, so no file it wrote
/// ever fired (the hand-built test model used 14 too).
#[test]
fn onnx_external_data_written_by_the_onnx_library_is_found() {
    let options = ScanOptions::default();
    for name in ["onnx/initializer-escape.onnx", "onnx/constant-escape.onnx"] {
        let report = scan_file(&corpus(name), &options);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.rule_id == RuleId::OnnxExternalDataEscape),
            "{name}: {:?}",
            report.findings
        );
    }
    assert_eq!(
        top_of_file(&corpus("onnx/initializer-inside.onnx"), &options),
        None
    );
}

/// A local header stating another size than the central directory: PyTorch (miniz) and
/// Python's zipfile read the central directory's, streaming readers the local header's, so
/// the two see different bytes. Only the name was compared.
#[test]
fn a_local_header_stating_another_size_than_the_central_directory_is_reported() {
    let mut z = stored_zip("archive/data.pkl", b"\x80\x02K\x01.");
    assert_eq!(&z[..4], b"PK\x03\x04");
    let honest = scan_with(&z, &small_limits());
    assert!(honest.is_empty(), "{honest:?}");
    z[18..22].copy_from_slice(&3u32.to_le_bytes()); // compressed size
    z[22..26].copy_from_slice(&3u32.to_le_bytes()); // uncompressed size
    assert!(
        scan_with(&z, &small_limits())
            .iter()
            .any(|(r, s)| *r == RuleId::ZipHeaderMismatch && *s == Severity::High)
    );
}
