//! Every rule a scan can report, with its default severity and why it matters. The CLI puts
//! these in SARIF output; docs/scan.md lists them.

use crate::Severity;

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    /// The highest severity the rule reports (some report lower for lesser cases).
    pub severity: Severity,
    pub summary: &'static str,
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "PICKLE-DANGEROUS-GLOBAL",
        severity: Severity::Critical,
        summary: "A pickle imports a known-dangerous callable (code or process execution, file or network access, native code, importers, attribute resolvers, nested deserializers).",
    },
    Rule {
        id: "PICKLE-UNKNOWN-CALL",
        severity: Severity::High,
        summary: "Loading a pickle calls, or hands to a call, a global that is not on the allowlist: unknown code runs.",
    },
    Rule {
        id: "PICKLE-UNKNOWN-GLOBAL",
        severity: Severity::Medium,
        summary: "A pickle imports a global that is not on the allowlist without calling it.",
    },
    Rule {
        id: "PICKLE-GLOBAL-MUTATION",
        severity: Severity::Critical,
        summary: "BUILD, APPEND(S), SETITEM(S) or ADDITEMS write into a global object (a module, class or shared container) of the loading process.",
    },
    Rule {
        id: "PICKLE-EXTENSION-CODE",
        severity: Severity::High,
        summary: "EXT1/EXT2/EXT4 name a callable through the copyreg extension registry at load time.",
    },
    Rule {
        id: "PICKLE-DYNAMIC-CALL",
        severity: Severity::High,
        summary: "A pickle calls a value returned by another call: the callable is chosen at load time.",
    },
    Rule {
        id: "PICKLE-MALFORMED",
        severity: Severity::Medium,
        summary: "A pickle stream ends with an error; everything before the error runs when loaded.",
    },
    Rule {
        id: "PICKLE-TRAILING-DATA",
        severity: Severity::Low,
        summary: "Bytes follow the last pickle stream of a file that should hold only pickles.",
    },
    Rule {
        id: "POLYGLOT-PICKLE-ZIP",
        severity: Severity::High,
        summary: "A file is both a pickle and a zip archive: loaders disagree on what it is.",
    },
    Rule {
        id: "ZIP-UNREADABLE",
        severity: Severity::High,
        summary: "A zip archive or entry cannot be read, so its contents were not scanned.",
    },
    Rule {
        id: "ZIP-HEADER-MISMATCH",
        severity: Severity::High,
        summary: "A local file header disagrees with the central directory: different readers see different content.",
    },
    Rule {
        id: "ZIP-CRC-MISMATCH",
        severity: Severity::High,
        summary: "An entry does not match its CRC-32: it was altered after the archive was written.",
    },
    Rule {
        id: "ZIP-DUPLICATE-NAME",
        severity: Severity::High,
        summary: "Two entries share a name: different readers load different ones.",
    },
    Rule {
        id: "ZIP-PATH-TRAVERSAL",
        severity: Severity::High,
        summary: "An entry name is absolute or contains `..` and escapes the extraction directory.",
    },
    Rule {
        id: "ZIP-ENCRYPTED",
        severity: Severity::High,
        summary: "An entry is encrypted and cannot be scanned.",
    },
    Rule {
        id: "ZIP-PREPENDED-DATA",
        severity: Severity::High,
        summary: "Bytes precede the first zip entry (e.g. a pickle glued in front); they are scanned too.",
    },
    Rule {
        id: "TAR-UNREADABLE",
        severity: Severity::High,
        summary: "A tar archive or entry cannot be read.",
    },
    Rule {
        id: "TAR-PATH-TRAVERSAL",
        severity: Severity::High,
        summary: "A tar entry name escapes the extraction directory.",
    },
    Rule {
        id: "ARCHIVE-MEMBER-TOO-LARGE",
        severity: Severity::High,
        summary: "An archive member or compressed stream expands beyond the scan limit (a possible bomb); it was not fully scanned.",
    },
    Rule {
        id: "ARCHIVE-TOO-DEEP",
        severity: Severity::High,
        summary: "Archives are nested beyond the scan limit.",
    },
    Rule {
        id: "COMPRESSED-UNREADABLE",
        severity: Severity::Medium,
        summary: "A compressed stream cannot be decompressed.",
    },
    Rule {
        id: "COMPRESSED-TRUNCATED",
        severity: Severity::Medium,
        summary: "A compressed stream is damaged; what decompressed was scanned.",
    },
    Rule {
        id: "FILE-TOO-LARGE",
        severity: Severity::Medium,
        summary: "Only the start of a very large raw file was scanned.",
    },
    Rule {
        id: "NUMPY-OBJECT-ARRAY",
        severity: Severity::Low,
        summary: "A NumPy array of Python objects: its data is a pickle (scanned), run by numpy.load(allow_pickle=True).",
    },
    Rule {
        id: "NUMPY-MALFORMED",
        severity: Severity::Medium,
        summary: "A .npy header is truncated or malformed.",
    },
    Rule {
        id: "SAFETENSORS-INVALID-HEADER",
        severity: Severity::High,
        summary: "A safetensors header lies: sizes out of bounds, overlapping or uncovered byte ranges, unknown dtypes, sizes that do not match shapes.",
    },
    Rule {
        id: "KERAS-LAMBDA-BYTECODE",
        severity: Severity::Critical,
        summary: "A Keras Lambda layer carries marshalled Python bytecode, which runs when the model is loaded with safe_mode=False (and always in older Keras and tf.keras).",
    },
    Rule {
        id: "KERAS-FOREIGN-MODULE",
        severity: Severity::Critical,
        summary: "A Keras config names an object from a module outside Keras; Keras before 3.9 imports it and calls it while loading (CVE-2025-1550). Critical when the object is a known-dangerous callable, high otherwise.",
    },
    Rule {
        id: "KERAS-UNSAFE-FUNCTION",
        severity: Severity::Critical,
        summary: "A Keras config calls a Keras function that is not a modelling operation (enable_unsafe_deserialization, get_file, load_model, ...; CVE-2025-8747, CVE-2025-9906).",
    },
    Rule {
        id: "HDF5-UNREADABLE",
        severity: Severity::High,
        summary: "The root attributes of an HDF5 file (where Keras keeps model_config) could not be read (dense attribute storage, shared messages, malformed structures), so the config was not checked. A model_config that is not JSON is reported as medium.",
    },
    Rule {
        id: "ONNX-EXTERNAL-DATA-ESCAPE",
        severity: Severity::High,
        summary: "An ONNX initializer takes its data from a path outside the model directory (absolute or with `..`): a loader that follows it reads arbitrary files.",
    },
    Rule {
        id: "ONNX-CUSTOM-DOMAIN",
        severity: Severity::Medium,
        summary: "An ONNX operator or opset uses a non-standard domain: running it needs a custom operator library (native code).",
    },
    Rule {
        id: "ONNX-MALFORMED",
        severity: Severity::Medium,
        summary: "An ONNX model does not parse to its end, or nests subgraphs too deeply.",
    },
    Rule {
        id: "GGUF-MALFORMED",
        severity: Severity::Medium,
        summary: "A GGUF header, metadata or tensor table is malformed.",
    },
    Rule {
        id: "CHAT-TEMPLATE-PYTHON-INTERNALS",
        severity: Severity::Critical,
        summary: "A Jinja chat template reaches Python internals (`__class__`, `__globals__`, ...): rendering it outside a sandbox runs code.",
    },
    Rule {
        id: "CHAT-TEMPLATE-GADGET",
        severity: Severity::High,
        summary: "A Jinja chat template uses an object known to lead to Python globals (lipsum, cycler, joiner, namespace, ...).",
    },
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    /// Every rule id the scanners report is in the table (so SARIF and docs cover it).
    #[test]
    fn every_reported_rule_is_documented() {
        let sources = [
            include_str!("formats/pickle.rs"),
            include_str!("formats/zip.rs"),
            include_str!("formats/tar.rs"),
            include_str!("formats/compressed.rs"),
            include_str!("formats/numpy.rs"),
            include_str!("formats/safetensors.rs"),
            include_str!("formats/gguf.rs"),
            include_str!("formats/onnx.rs"),
            include_str!("formats/template.rs"),
            include_str!("formats/mod.rs"),
            include_str!("scan.rs"),
        ];
        for source in sources {
            for (i, _) in source.match_indices('"') {
                let rest = &source[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let candidate = &rest[..end];
                let looks_like_rule = candidate.len() > 6
                    && candidate.contains('-')
                    && candidate
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '-' || c.is_ascii_digit());
                if looks_like_rule {
                    assert!(
                        super::rule(candidate).is_some(),
                        "rule {candidate} is reported but not documented"
                    );
                }
            }
        }
    }
}
