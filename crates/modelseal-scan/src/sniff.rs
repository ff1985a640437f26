//! Format detection by content, never by file name: a `.bin` may be a zip, a raw pickle or
//! safetensors, and an attacker chooses the name. Signatures are matched by
//! [`modelseal_formats::sniff`]; the two formats without one are confirmed here, where the
//! symbolic unpickler and the protobuf reader live: a protocol-0/1 pickle must decode
//! ([`modelseal_formats::pickle::may_be_unframed`]) and also run like one.

pub use modelseal_formats::sniff::Format;

use modelseal_formats::pickle::may_be_unframed;

/// Detects the format of a file or member from its first bytes (`head`, at least 64 KiB when
/// available) and its total length.
pub fn sniff(head: &[u8], len: u64) -> Format {
    match modelseal_formats::sniff::sniff(head, len) {
        Format::Other if looks_like_protocol0_pickle(head) => Format::Pickle,
        Format::Other if crate::formats::onnx::looks_like_onnx(head) => Format::Onnx,
        format => format,
    }
}

/// A pickle without a PROTO opcode (protocols 0 and 1): its first opcode must decode, and the
/// symbolic unpickler must see it import something or reach STOP cleanly after a few opcodes,
/// so that ordinary text (most ASCII letters are opcodes) is not taken for a pickle.
fn looks_like_protocol0_pickle(head: &[u8]) -> bool {
    if !may_be_unframed(head) {
        return false;
    }
    let analysis = crate::pickle::analyze(head);
    let Some(stream) = analysis.streams.first() else {
        return false;
    };
    !analysis.globals.is_empty() || (stream.error.is_none() && stream.opcodes >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(sniff(b"PK\x03\x04rest", 100), Format::Zip);
        assert_eq!(sniff(b"\x80\x04\x95", 100), Format::Pickle);
        assert_eq!(sniff(b"cos\nsystem\n(S'id'\ntR.", 100), Format::Pickle);
        assert_eq!(sniff(b"\x93NUMPY\x01\x00", 100), Format::Numpy);
        assert_eq!(sniff(b"GGUF\x03\x00\x00\x00", 100), Format::Gguf);
        let mut st = 2u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{}");
        assert_eq!(sniff(&st, 10), Format::Safetensors);
        assert_eq!(sniff(b"{\"a\": 1}", 8), Format::Json);
        assert_eq!(sniff(b"hello world, this is text\n", 26), Format::Other);
        // TorchScript source in a model archive starts with GLOBAL's opcode byte.
        let source = b"class Net(Module):\n  __parameters__ = []\n";
        assert_eq!(sniff(source, source.len() as u64), Format::Other);
        assert_eq!(sniff(b"x\x9c\x03\x00", 4), Format::Zlib);
        assert_eq!(sniff(b"\x1f\x8b\x08", 3), Format::Gzip);
    }
}
