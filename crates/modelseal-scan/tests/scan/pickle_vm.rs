//! The symbolic unpickler against the streams of issue 13: names computed at load time,
//! severity by what the loader does with a global, and joblib's arrays read as joblib reads
//! them (each test named after the attack it reproduces).

#![allow(clippy::unwrap_used)] // test helpers

use modelseal_scan::{RuleId, Severity};

use super::formats::findings;

fn worst(data: &[u8]) -> Option<Severity> {
    findings(data).iter().map(|(_, s)| *s).max()
}

/// A BINUNICODE string.
fn s(text: &str) -> Vec<u8> {
    let mut out = vec![b'X'];
    out.extend_from_slice(&u32::try_from(text.len()).unwrap().to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out
}

/// The opcodes joblib writes for a `NumpyArrayWrapper` of one element of `dtype`, up to and
/// including its BUILD; `alignment` is the `numpy_array_alignment_bytes` field (absent if
/// `None`).
fn wrapper(dtype: &str, alignment: Option<u8>) -> Vec<u8> {
    let mut w = b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(".to_vec();
    w.extend(s("subclass"));
    w.extend_from_slice(b"cnumpy\nndarray\n");
    w.extend(s("shape"));
    w.extend_from_slice(b"K\x01\x85");
    w.extend(s("order"));
    w.extend(s("C"));
    w.extend(s("dtype"));
    w.extend_from_slice(b"cnumpy\ndtype\n");
    w.extend(s(dtype));
    w.extend_from_slice(b"\x89\x88\x87R(K\x03");
    w.extend(s("<"));
    w.extend_from_slice(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb");
    w.extend(s("allow_mmap"));
    w.push(0x89);
    if let Some(n) = alignment {
        w.extend(s("numpy_array_alignment_bytes"));
        w.extend_from_slice(&[b'K', n]);
    }
    w.extend_from_slice(b"ub");
    w
}

/// What joblib runs after the array in these tests.
const PAYLOAD: &[u8] = b"cos\nsystem\n(S'id'\ntR";

#[test]
fn joblib_alignment_zero_still_reads_a_padding_byte() {
    // joblib reads the padding byte whenever the field is not None: 0 included. A scanner that
    // only pads for positive alignments lands 1 + 3 bytes early, on a STOP inside the array.
    let mut data = b"\x80\x02](".to_vec();
    data.extend(wrapper("f8", Some(0)));
    data.extend_from_slice(b"\x03\xff\xff\xff"); // padding length 3, then the padding
    data.extend_from_slice(b"\x00\x00\x00\x00.\xff\xff\xff"); // the f8, which hides a STOP
    data.extend_from_slice(PAYLOAD);
    data.extend_from_slice(b"e.");
    let f = findings(&data);
    assert!(
        f.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical)),
        "{f:?}"
    );
}

#[test]
fn joblib_dtype_spelled_float64_is_sized_like_f8() {
    // np.dtype('float64') is 'f8': joblib reads 8 bytes. A scanner that only parses 'f8'
    // decodes the array as opcodes and stops at the STOP it holds.
    let mut data = b"\x80\x02](".to_vec();
    data.extend(wrapper("float64", None));
    data.extend_from_slice(b".\xff\xff\xff\xff\xff\xff\xff");
    data.extend_from_slice(PAYLOAD);
    data.extend_from_slice(b"e.");
    let f = findings(&data);
    assert!(
        f.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical)),
        "{f:?}"
    );
}

#[test]
fn joblib_array_inside_a_frame_is_read_from_the_frame_end() {
    // joblib's unpickler buffers a FRAME, so the array comes from the file after the frame,
    // while the opcodes left in the frame run first; after them reading resumes past the array.
    let mut framed = b"](".to_vec();
    framed.extend(wrapper("f8", None));
    framed.extend_from_slice(b"N0N0N0N0"); // eight harmless bytes left in the frame
    let mut data = b"\x80\x04\x95".to_vec();
    data.extend_from_slice(&(framed.len() as u64).to_le_bytes());
    data.extend(framed);
    data.extend_from_slice(b".\xff\xff\xff\xff\xff\xff\xff"); // the array, read from here
    data.extend_from_slice(PAYLOAD);
    data.extend_from_slice(b"e.");
    let f = findings(&data);
    assert!(
        f.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical)),
        "{f:?}"
    );
}

#[test]
fn joblib_array_of_a_dtype_the_scanner_cannot_size_is_high() {
    let mut data = b"\x80\x02](".to_vec();
    data.extend(wrapper("f3", None));
    data.extend_from_slice(b"\x00\x00\x00e.");
    assert!(
        findings(&data).contains(&(RuleId::PickleJoblibUnreadable, Severity::High)),
        "{:?}",
        findings(&data)
    );
}

#[test]
fn benign_joblib_wrappers_of_every_spelling_stay_clean() {
    for (dtype, size, alignment) in [
        ("f8", 8, Some(16)),
        ("<i4", 4, Some(0)),
        ("d", 8, None),
        ("int64", 8, Some(7)),
        ("<c16", 16, None),
        ("half", 2, Some(1)),
    ] {
        let mut data = b"\x80\x02](".to_vec();
        data.extend(wrapper(dtype, alignment));
        if alignment.is_some() {
            data.extend_from_slice(b"\x02\xff\xff");
        }
        data.extend(std::iter::repeat_n(b'\x8c', size));
        data.extend_from_slice(b"e.");
        assert!(
            worst(&data) <= Some(Severity::Medium),
            "{dtype}: {:?}",
            findings(&data)
        );
    }
}

#[test]
fn stack_global_of_a_joined_module_name_is_a_critical_dynamic_import() {
    // str.join builds 'os' at load time; STACK_GLOBAL imports os.system from it and calls it.
    let mut data = b"\x80\x04".to_vec();
    data.extend(s("builtins"));
    data.extend(s("str.join"));
    data.push(0x93);
    data.extend(s(""));
    data.push(b']');
    data.extend(s("o"));
    data.push(b'a');
    data.extend(s("s"));
    data.extend_from_slice(b"a\x86R");
    data.extend(s("system"));
    data.push(0x93);
    data.extend(s("touch CANARY"));
    data.extend_from_slice(b"\x85R.");
    let f = findings(&data);
    assert!(
        f.contains(&(RuleId::PickleDynamicImport, Severity::Critical)),
        "{f:?}"
    );
    assert!(
        !f.iter().any(|(r, _)| *r == RuleId::PickleMalformed),
        "{f:?}"
    );
}

#[test]
fn stack_global_of_a_codecs_decoded_name_is_a_critical_dynamic_import() {
    // codecs.decode('bf', 'rot13') == 'os', handed to a call (functools.partial) instead of called.
    let mut data = b"\x80\x04".to_vec();
    data.extend(s("functools"));
    data.extend(s("partial"));
    data.push(0x93);
    data.extend(s("codecs"));
    data.extend(s("decode"));
    data.push(0x93);
    data.extend(s("bf"));
    data.extend(s("rot13"));
    data.extend_from_slice(b"\x86R");
    data.extend(s("system"));
    data.extend_from_slice(b"\x93\x85R.");
    let f = findings(&data);
    assert!(
        f.contains(&(RuleId::PickleDynamicImport, Severity::Critical)),
        "{f:?}"
    );
}

#[test]
fn a_computed_import_only_kept_is_high() {
    let mut data = b"\x80\x04".to_vec();
    data.extend(s("codecs"));
    data.extend(s("decode"));
    data.push(0x93);
    data.extend(s("bf"));
    data.extend(s("rot13"));
    data.extend_from_slice(b"\x86R");
    data.extend(s("system"));
    data.extend_from_slice(b"\x93.");
    let f = findings(&data);
    assert!(
        f.contains(&(RuleId::PickleDynamicImport, Severity::High)),
        "{f:?}"
    );
}

#[test]
fn a_dangerous_global_only_referenced_is_high_and_critical_once_called() {
    // Kept as data in the loaded object (module state), os.system does not run at load.
    let referenced = b"\x80\x02}X\x02\x00\x00\x00fncos\nsystem\ns.";
    assert_eq!(
        worst(referenced),
        Some(Severity::High),
        "{:?}",
        findings(referenced)
    );
    let called = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.";
    assert_eq!(worst(called), Some(Severity::Critical));
    // Handed to a call (functools.partial(os.system)) is as bad as called.
    let reached = b"\x80\x02cfunctools\npartial\ncos\nsystem\n\x85R.";
    assert_eq!(worst(reached), Some(Severity::Critical));
}

#[test]
fn a_global_stored_in_a_shared_container_later_handed_to_a_call_is_reached() {
    // The list is memoized before os.system is appended through its memo copy, then the memo
    // copy is handed to a call: sharing must not lose the taint.
    let data = b"\x80\x02]q\x00h\x00cos\nsystem\na0cfunctools\npartial\nh\x00\x85R.";
    assert_eq!(
        worst(data),
        Some(Severity::Critical),
        "{:?}",
        findings(data)
    );
}

/// Red team 13 (b41): pandas pickles a tz-aware timestamp as
/// `getattr(zoneinfo.ZoneInfo, "_unpickle")(key, 1)`; `getattr` with a literal attribute of an
/// imported global is that dotted global, judged like any other import.
#[test]
fn getattr_of_a_literal_attribute_is_judged_as_the_dotted_global() {
    let zoneinfo = b"cbuiltins\ngetattr\n(czoneinfo\nZoneInfo\nS'_unpickle'\ntR(S'UTC'\nI1\ntR.";
    let found = findings(zoneinfo);
    assert!(
        found.iter().all(|(_, s)| *s <= Severity::Medium),
        "{found:?}"
    );
    let system = b"cbuiltins\ngetattr\n(cposix\nsystem\nS'__call__'\ntR(S'touch CANARY'\ntR.";
    let found = findings(system);
    assert!(
        found.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical)),
        "{found:?}"
    );
    let walk = b"cbuiltins\ngetattr\n(cbuiltins\nobject\nS'__subclasses__'\ntR(tR.";
    let found = findings(walk);
    assert!(
        found.iter().any(|(_, s)| *s == Severity::Critical),
        "{found:?}"
    );
    // A computed attribute name is no lookup: getattr itself is called.
    let computed = b"cbuiltins\ngetattr\n(czoneinfo\nZoneInfo\ncbuiltins\nstr\n(S'x'\ntRtR.";
    let found = findings(computed);
    assert!(
        found.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical)),
        "{found:?}"
    );
}
