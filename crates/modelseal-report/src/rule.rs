//! Every rule a report can carry, as an enum: a typo does not compile, and the SARIF rule
//! table, the docs and the JSON `rule_id` strings all derive from this one list.

use serde::{Serialize, Serializer};

use crate::Severity;

/// Who reports a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The scanner, about the content of a file.
    Scan,
    /// The gate, about a model's signature and presence.
    Gate,
}

macro_rules! rules {
    ($($variant:ident = ($id:literal, $severity:ident, $source:ident, $summary:literal),)*) => {
        /// A rule: a stable id, the highest severity it reports and a one-line summary.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        // Each variant's doc is its summary: plain text made for SARIF, not Markdown.
        #[allow(clippy::doc_markdown)]
        pub enum RuleId {
            $(#[doc = $summary] $variant,)*
        }

        impl RuleId {
            /// Every rule, in documentation order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The stable id (`PICKLE-DANGEROUS-GLOBAL`).
            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $id,)* }
            }

            /// The highest severity the rule reports (some report lower for lesser cases).
            pub fn severity(self) -> Severity {
                match self { $(RuleId::$variant => Severity::$severity,)* }
            }

            /// Who reports it.
            pub fn source(self) -> Source {
                match self { $(RuleId::$variant => Source::$source,)* }
            }

            /// Why it matters, in one sentence.
            pub fn summary(self) -> &'static str {
                match self { $(RuleId::$variant => $summary,)* }
            }
        }
    };
}

rules! {
    PickleDangerousGlobal = ("PICKLE-DANGEROUS-GLOBAL", Critical, Scan, "A pickle imports a known-dangerous callable (code or process execution, file or network access, native code, importers, attribute resolvers, nested deserializers)."),
    PickleUnknownCall = ("PICKLE-UNKNOWN-CALL", High, Scan, "Loading a pickle calls, or hands to a call, a global that is not on the allowlist: unknown code runs."),
    PickleUnknownGlobal = ("PICKLE-UNKNOWN-GLOBAL", Medium, Scan, "A pickle imports a global that is not on the allowlist without calling it."),
    PickleGlobalMutation = ("PICKLE-GLOBAL-MUTATION", Critical, Scan, "BUILD, APPEND(S), SETITEM(S) or ADDITEMS write into a global object (a module, class or shared container) of the loading process."),
    PickleExtensionCode = ("PICKLE-EXTENSION-CODE", High, Scan, "EXT1/EXT2/EXT4 name a callable through the copyreg extension registry at load time."),
    PickleDynamicCall = ("PICKLE-DYNAMIC-CALL", High, Scan, "A pickle calls a value returned by another call, or imports a global whose name is computed at load time: the callable is chosen at load time."),
    PickleMalformed = ("PICKLE-MALFORMED", Medium, Scan, "A pickle stream ends with an error; everything before the error runs when loaded."),
    PickleTooComplex = ("PICKLE-TOO-COMPLEX", High, Scan, "A pickle needs more memory than the scanner's budget to analyse (millions of objects, memo entries or imports): the part past the budget was not scanned."),
    PickleTrailingData = ("PICKLE-TRAILING-DATA", Low, Scan, "Bytes follow the last pickle stream of a file that should hold only pickles."),
    PickleDynamicImport = ("PICKLE-DYNAMIC-IMPORT", Critical, Scan, "STACK_GLOBAL imports a global whose module or name is computed at load time (a call's result or another global): what it imports is unknowable (critical when the import is called or handed to a call, high otherwise)."),
    PickleJoblibUnreadable = ("PICKLE-JOBLIB-UNREADABLE", High, Scan, "joblib reads an array from the file whose size or place the scanner cannot determine as joblib would: what follows was not read as joblib reads it."),
    PolyglotPickleZip = ("POLYGLOT-PICKLE-ZIP", High, Scan, "A file is both a pickle and a zip archive: loaders disagree on what it is."),
    PolyglotPickle = ("POLYGLOT-PICKLE", High, Scan, "A file of another format (tar, HDF5, safetensors, GGUF, zip member...) is also a pickle that pickle.load runs: it was scanned under both readings."),
    ZipUnreadable = ("ZIP-UNREADABLE", High, Scan, "A zip archive or entry cannot be read, so its contents were not scanned."),
    ZipHeaderMismatch = ("ZIP-HEADER-MISMATCH", High, Scan, "A local file header disagrees with the central directory: different readers see different content."),
    ZipCrcMismatch = ("ZIP-CRC-MISMATCH", High, Scan, "An entry does not match its CRC-32: it was altered after the archive was written."),
    ZipDuplicateName = ("ZIP-DUPLICATE-NAME", High, Scan, "Two entries share a name: different readers load different ones."),
    ZipPathTraversal = ("ZIP-PATH-TRAVERSAL", High, Scan, "An entry name is absolute or contains `..` and escapes the extraction directory."),
    ZipEncrypted = ("ZIP-ENCRYPTED", High, Scan, "An entry is encrypted and cannot be scanned."),
    ZipPrependedData = ("ZIP-PREPENDED-DATA", High, Scan, "Bytes precede the first zip entry (e.g. a pickle glued in front); they are scanned too."),
    TarUnreadable = ("TAR-UNREADABLE", High, Scan, "A tar archive or entry cannot be read."),
    TarPathTraversal = ("TAR-PATH-TRAVERSAL", High, Scan, "A tar entry name escapes the extraction directory."),
    ArchiveMemberTooLarge = ("ARCHIVE-MEMBER-TOO-LARGE", High, Scan, "An archive member or compressed stream expands beyond the scan limit (a possible bomb); it was not fully scanned."),
    ArchiveTooDeep = ("ARCHIVE-TOO-DEEP", High, Scan, "Archives are nested beyond the scan limit."),
    ScanBudgetExhausted = ("SCAN-BUDGET-EXHAUSTED", High, Scan, "What a file holds does not fit in the scan's one memory budget (shared across nested archives and parallel workers); the rest was not scanned."),
    CompressedUnreadable = ("COMPRESSED-UNREADABLE", Medium, Scan, "A compressed stream cannot be decompressed."),
    CompressedTruncated = ("COMPRESSED-TRUNCATED", Medium, Scan, "A compressed stream is damaged; what decompressed was scanned."),
    FileTooLarge = ("FILE-TOO-LARGE", High, Scan, "Only the start of a very large raw file was scanned: high when a pickle continues past what was read, medium when only data follows its last stream."),
    NumpyObjectArray = ("NUMPY-OBJECT-ARRAY", Low, Scan, "A NumPy array of Python objects: its data is a pickle (scanned), run by numpy.load(allow_pickle=True)."),
    NumpyMalformed = ("NUMPY-MALFORMED", Medium, Scan, "A .npy header is truncated or malformed."),
    SafetensorsInvalidHeader = ("SAFETENSORS-INVALID-HEADER", High, Scan, "A safetensors header lies: sizes out of bounds, overlapping or uncovered byte ranges, unknown dtypes, sizes that do not match shapes."),
    KerasLambdaBytecode = ("KERAS-LAMBDA-BYTECODE", Critical, Scan, "A Keras Lambda layer carries marshalled Python bytecode, which runs when the model is loaded with safe_mode=False (and always in older Keras and tf.keras)."),
    KerasForeignModule = ("KERAS-FOREIGN-MODULE", Critical, Scan, "A Keras config names an object from a module outside Keras; Keras before 3.9 imports it and calls it while loading (CVE-2025-1550). Critical when the object is a known-dangerous callable, high otherwise."),
    KerasUnsafeFunction = ("KERAS-UNSAFE-FUNCTION", Critical, Scan, "A Keras config calls a Keras function that is not a modelling operation (enable_unsafe_deserialization, get_file, load_model, ...; CVE-2025-8747, CVE-2025-9906)."),
    KerasEmbeddedModel = ("KERAS-EMBEDDED-MODEL", Medium, Scan, "A Keras config string holds a whole serialized file (base64 torch.save bytes of a TorchModuleWrapper, a pickle) that the layer deserializes on load with safe_mode=False; it is scanned as a nested file, whose own findings say what it runs."),
    KerasExternalModel = ("KERAS-EXTERNAL-MODEL", High, Scan, "A Keras TFSMLayer loads a TensorFlow SavedModel from a path outside the file when the model is loaded with safe_mode=False: a graph this scan has not seen runs."),
    Hdf5Unreadable = ("HDF5-UNREADABLE", High, Scan, "The root attributes of an HDF5 file (where Keras keeps model_config) could not be read (dense attribute storage, shared messages, malformed structures), so the config was not checked. A model_config that is not JSON is reported as medium."),
    TorchScriptDangerousCall = ("TORCHSCRIPT-DANGEROUS-CALL", Critical, Scan, "The TorchScript code of a torch.jit archive calls a builtin that reaches files, processes or native libraries (torch.from_file, torch.ops.load_library, ...): critical in __setstate__, which torch.jit.load runs, high in methods that run when the model is called."),
    TorchScriptCustomOp = ("TORCHSCRIPT-CUSTOM-OP", High, Scan, "The TorchScript code calls an operator from a namespace PyTorch and its libraries do not register: native code from a custom library."),
    TorchPackageShippedModule = ("TORCH-PACKAGE-SHIPPED-MODULE", Critical, Scan, "A torch.package archive ships a Python module, which PackageImporter imports from the archive whatever its name: critical when a pickle of the archive imports it, high otherwise."),
    ConfigInstantiateTarget = ("CONFIG-INSTANTIATE-TARGET", Critical, Scan, "A Hydra/OmegaConf config (a YAML file, a .nemo archive's model_config.yaml) names a _target_ that hydra.utils.instantiate imports and calls: critical outside the modelling packages and the policy's allowlist, low inside."),
    ConfigUnreadable = ("CONFIG-UNREADABLE", High, Scan, "A YAML config cannot be parsed (or expands beyond the parser's alias limit), so the Hydra targets in it were not checked."),
    RemoteCode = ("REMOTE-CODE", Critical, Scan, "A transformers auto_map names a Python file that from_pretrained(trust_remote_code=True) imports and runs: high, critical when the file beside the config calls what only a payload needs (processes, exec, sockets, decoders)."),
    OnnxExternalDataEscape = ("ONNX-EXTERNAL-DATA-ESCAPE", High, Scan, "An ONNX initializer takes its data from a path outside the model directory (absolute or with `..`): a loader that follows it reads arbitrary files."),
    OnnxCustomDomain = ("ONNX-CUSTOM-DOMAIN", Medium, Scan, "An ONNX operator or opset uses a non-standard domain: running it needs a custom operator library (native code)."),
    OnnxMalformed = ("ONNX-MALFORMED", Medium, Scan, "An ONNX model does not parse to its end, or nests subgraphs too deeply."),
    GgufMalformed = ("GGUF-MALFORMED", Medium, Scan, "A GGUF header, metadata or tensor table is malformed."),
    ChatTemplatePythonInternals = ("CHAT-TEMPLATE-PYTHON-INTERNALS", Critical, Scan, "A Jinja chat template reaches Python internals (`__class__`, `__globals__`, ...): rendering it outside a sandbox runs code."),
    ChatTemplateGadget = ("CHAT-TEMPLATE-GADGET", High, Scan, "A Jinja chat template uses an object known to lead to Python globals (lipsum, cycler, joiner, namespace, ...)."),
    ModelChanged = ("MODEL-CHANGED", High, Gate, "A file of the model was changed, removed or added after signing."),
    ModelSignatureInvalid = ("MODEL-SIGNATURE-INVALID", High, Gate, "The model's signature is malformed, does not verify, or is not from a trusted key."),
    ModelUnsigned = ("MODEL-UNSIGNED", Medium, Gate, "The model has no signature (an error with --strict)."),
    ModelNotFound = ("MODEL-NOT-FOUND", High, Gate, "A model named on the command line, or whose signature exists, is not there."),
    FileUnreadable = ("FILE-UNREADABLE", High, Gate, "A file could not be read, so it was not scanned; such a file is never reported clean."),
}

impl RuleId {
    /// The rule with this id.
    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == id)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for rule in RuleId::ALL {
            assert!(seen.insert(rule.as_str()), "{rule} twice");
            assert_eq!(RuleId::parse(rule.as_str()), Some(*rule));
            assert!(
                rule.summary().ends_with('.'),
                "{rule}: summary is a sentence"
            );
        }
        assert_eq!(
            serde_json::to_string(&RuleId::ZipDuplicateName).unwrap(),
            "\"ZIP-DUPLICATE-NAME\""
        );
    }
}
