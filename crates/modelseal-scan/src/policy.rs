//! Which Python globals a model may name. Allowlist first: a global is safe only when it is on
//! the list below (Python data types and the reconstruction helpers every checkpoint names), on
//! a shipped allowlist pack generated from the real libraries (`crates/modelseal-scan/packs`), or on the user's
//! policy files. Known-dangerous callables are named so that reports say what they do;
//! everything else is unknown, and unknown code that a load would run is a high finding.

mod packs;

use std::collections::BTreeSet;

use serde::Deserialize;

pub use packs::{PackInfo, shipped_info, shipped_sources};

/// What a global is, by policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Vetted or allowed by the user: loading it runs no code beyond building data.
    Safe,
    /// A known way to run code, touch files or the network, load native code, import or resolve
    /// attributes, or deserialize again; the category explains which.
    Dangerous(&'static str),
    /// Neither: allowlist-first, a scan reports it for review instead of passing it.
    Unknown,
}

/// Modules (and their submodules) whose every global is dangerous. The C-accelerator aliases
/// (`posix`, `nt`, `_operator`, `_pickle`, `_io`, ...) are listed under their own names because
/// the unpickler imports them as written.
const DANGEROUS_MODULES: &[(&str, &str)] = &[
    ("os", "process and file system access"),
    ("posix", "process and file system access"),
    ("nt", "process and file system access"),
    ("_posixsubprocess", "process execution"),
    ("subprocess", "process execution"),
    ("pty", "process execution"),
    ("pexpect", "process execution"),
    ("multiprocessing", "process execution"),
    ("_thread", "thread creation"),
    ("threading", "thread creation"),
    ("signal", "signal handling"),
    ("sys", "interpreter internals"),
    ("importlib", "module import"),
    ("imp", "module import"),
    ("_imp", "module import"),
    ("pkgutil", "module import"),
    ("zipimport", "module import"),
    ("runpy", "code execution"),
    ("code", "code execution"),
    ("codeop", "code compilation"),
    ("types", "code object construction"),
    ("marshal", "code object deserialization"),
    ("pdb", "code execution"),
    ("bdb", "code execution"),
    ("trace", "code execution"),
    ("timeit", "code execution"),
    ("profile", "code execution"),
    ("cProfile", "code execution"),
    ("doctest", "code execution"),
    ("pydoc", "module import and process execution"),
    ("idlelib", "code execution"),
    ("inspect", "attribute resolution"),
    ("operator", "attribute resolution and calls"),
    ("_operator", "attribute resolution and calls"),
    ("functools", "calls with bound arguments"),
    ("ctypes", "native code"),
    ("_ctypes", "native code"),
    ("cffi", "native code"),
    ("socket", "network access"),
    ("_socket", "network access"),
    ("socketserver", "network access"),
    ("ssl", "network access"),
    ("http", "network access"),
    ("urllib", "network access"),
    ("urllib2", "network access"),
    ("urllib3", "network access"),
    ("requests", "network access"),
    ("httpx", "network access"),
    ("aiohttp", "network access"),
    ("ftplib", "network access"),
    ("smtplib", "network access"),
    ("telnetlib", "network access"),
    ("xmlrpc", "network access"),
    ("webbrowser", "process execution"),
    ("asyncio", "process and network access"),
    ("shutil", "file system access"),
    ("tempfile", "file system access"),
    ("glob", "file system access"),
    ("fileinput", "file access"),
    ("io", "file access"),
    ("_io", "file access"),
    ("codecs", "file access"),
    ("pathlib", "file system access"),
    ("sqlite3", "file access"),
    ("shelve", "nested deserialization"),
    ("dbm", "file access"),
    ("pickle", "nested deserialization"),
    ("_pickle", "nested deserialization"),
    ("cPickle", "nested deserialization"),
    ("dill", "nested deserialization"),
    ("cloudpickle", "nested deserialization"),
    ("jsonpickle", "nested deserialization"),
    ("yaml", "nested deserialization"),
    ("joblib", "nested deserialization"),
    ("numpy.f2py", "native code"),
    ("numpy.distutils", "process execution"),
    ("numpy.testing", "code execution"),
    ("numpy.lib.npyio", "nested deserialization"),
    ("torch.hub", "code download and execution"),
    ("torch.utils.cpp_extension", "native code"),
    ("torch.serialization", "nested deserialization"),
    ("torch.jit", "nested deserialization"),
    ("torch.package", "nested deserialization"),
    ("torch._C", "native calls"),
    ("torch.ops", "native calls"),
    ("torch.classes", "native calls"),
    ("torch.storage", "nested deserialization"),
    ("pandas.io", "nested deserialization"),
    ("site", "module import"),
    ("distutils", "process execution"),
    ("setuptools", "process execution"),
    ("pip", "package installation"),
    ("venv", "process execution"),
    ("ensurepip", "package installation"),
];

/// Globals dangerous by name wherever they live.
const DANGEROUS_GLOBALS: &[(&str, &str)] = &[
    ("builtins.eval", "code execution"),
    ("builtins.exec", "code execution"),
    ("builtins.compile", "code compilation"),
    ("builtins.__import__", "module import"),
    ("builtins.open", "file access"),
    ("builtins.getattr", "attribute resolution"),
    ("builtins.setattr", "attribute writes"),
    ("builtins.delattr", "attribute writes"),
    ("builtins.globals", "interpreter internals"),
    ("builtins.locals", "interpreter internals"),
    ("builtins.vars", "interpreter internals"),
    ("builtins.input", "interactive input"),
    ("builtins.breakpoint", "code execution"),
    ("builtins.help", "process execution"),
    ("builtins.exit", "interpreter exit"),
    ("builtins.quit", "interpreter exit"),
    ("builtins.type", "class construction"),
    ("builtins.super", "attribute resolution"),
    ("builtins.memoryview", "memory access"),
    ("builtins.map", "calls with bound arguments"),
    ("builtins.filter", "calls with bound arguments"),
    ("builtins.apply", "calls with bound arguments"),
    ("torch.load", "nested deserialization"),
    ("torch.save", "file access"),
    ("torch.from_file", "file access"),
    ("numpy.load", "nested deserialization"),
    ("numpy.loadtxt", "file access"),
    ("numpy.fromfile", "file access"),
    ("numpy.save", "file access"),
    ("numpy.memmap", "file access"),
    (
        "numpy.core._ufunc_reconstruct",
        "module import and attribute resolution",
    ),
    (
        "numpy._core._ufunc_reconstruct",
        "module import and attribute resolution",
    ),
    ("pandas.read_pickle", "nested deserialization"),
    ("keras.models.load_model", "nested deserialization"),
    (
        "tensorflow.keras.models.load_model",
        "nested deserialization",
    ),
    ("collections.namedtuple", "code execution (class template)"),
];

/// Name components that reach code wherever they appear in a dotted name (protocol ≥ 4 walks
/// `a.b.c` attribute by attribute).
const DANGEROUS_COMPONENTS: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "builtins",
    "__builtins__",
    "__builtin__",
    "importlib",
    "system",
    "popen",
    "spawn",
    "spawnl",
    "spawnv",
    "execv",
    "execve",
    "execl",
    "eval",
    "exec",
    "compile",
    "__import__",
    "getattr",
    "setattr",
    "__getattribute__",
    "__getattr__",
    "__globals__",
    "__subclasses__",
    "__class__",
    "__base__",
    "__bases__",
    "__mro__",
    "__dict__",
    "__code__",
    "__closure__",
    "__func__",
    "__self__",
    "__reduce__",
    "__reduce_ex__",
    "__init__",
    "__new__",
    "__call__",
    "__loader__",
    "__spec__",
    "modules",
];

/// Exact qualified names real models need.
const SAFE_GLOBALS: &[&str] = &[
    // Python data types
    "builtins.object",
    "builtins.set",
    "builtins.frozenset",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.slice",
    "builtins.range",
    "builtins.complex",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.str",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    // A time zone by key, as pandas pickles tz-aware timestamps (`getattr(ZoneInfo,
    // "_unpickle")(key, from_cache)`): reads the system's zone database, runs nothing.
    "zoneinfo.ZoneInfo",
    "zoneinfo.ZoneInfo._unpickle",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "argparse.Namespace",
    // PyTorch tensors, storages and dtypes
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._tensor._rebuild_from_type_v2",
    "torch._tensor._rebuild_from_type",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.Buffer",
    "torch.Size",
    "torch.device",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.UntypedStorage",
    "torch.FloatStorage",
    "torch.DoubleStorage",
    "torch.HalfStorage",
    "torch.BFloat16Storage",
    "torch.LongStorage",
    "torch.IntStorage",
    "torch.ShortStorage",
    "torch.CharStorage",
    "torch.ByteStorage",
    "torch.BoolStorage",
    "torch.ComplexFloatStorage",
    "torch.ComplexDoubleStorage",
    "torch.QInt8Storage",
    "torch.QUInt8Storage",
    "torch.QInt32Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt2x4Storage",
    "torch.serialization._get_layout",
    "torch.strided",
    "torch.sparse_coo",
    "torch.contiguous_format",
    "torch.channels_last",
    "torch.preserve_format",
    "torch.float16",
    "torch.float32",
    "torch.float64",
    "torch.bfloat16",
    "torch.half",
    "torch.float",
    "torch.double",
    "torch.int8",
    "torch.int16",
    "torch.int32",
    "torch.int64",
    "torch.uint8",
    "torch.bool",
    "torch.complex64",
    "torch.complex128",
    "torch.qint8",
    "torch.quint8",
    "torch.qint32",
    "torch.float8_e4m3fn",
    "torch.float8_e5m2",
    "torch.per_tensor_affine",
    "torch.per_channel_affine",
    "torch.torch_version.TorchVersion",
    // NumPy arrays, scalars, dtypes, random states
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._generator.Generator",
    "numpy.random.bit_generator.SeedSequence",
    // TorchScript's list and type-tag builders: each returns its argument unchanged
    "torch.jit._pickle.build_intlist",
    "torch.jit._pickle.build_tensorlist",
    "torch.jit._pickle.build_doublelist",
    "torch.jit._pickle.build_boollist",
    "torch.jit._pickle.build_tensor_from_id",
    "torch.jit._pickle.restore_type_tag",
    // joblib's array wrappers (the arrays follow the pickle as raw bytes)
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
];

/// `pathlib`'s path classes: constructing a path touches nothing, so pickled paths (training
/// arguments, configs) are data. Their methods (`Path.write_text`, `Path.unlink`, `Path.open`)
/// are reached as dotted names and stay dangerous with the rest of `pathlib`.
/// (`scripts/make-allowlist-packs.py` reads this list so packs judge re-exports alike.)
const PATHLIB_CLASSES: &[&str] = &[
    "PurePath",
    "PurePosixPath",
    "PureWindowsPath",
    "Path",
    "PosixPath",
    "WindowsPath",
];

/// The modules Python has defined `pathlib`'s classes in (3.13 moved them to `pathlib._local`).
const PATHLIB_MODULES: &[&str] = &["pathlib", "pathlib._local"];

/// A user policy file (TOML):
///
/// ```toml
/// [allow]
/// globals = ["mylib.layers.CustomLayer", "mylib.blocks.*"]
/// [deny]
/// globals = ["numpy.load"]
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Where a pack comes from (`[pack]`: name, generating command, library versions); shipped
    /// packs have one, a user's file may.
    #[serde(default)]
    pub pack: Option<PackInfo>,
    /// Globals the user vouches for, on top of the built-in allowlist.
    #[serde(default)]
    pub allow: NameList,
    /// Globals to report as dangerous whatever else says; deny wins over allow.
    #[serde(default)]
    pub deny: NameList,
}

/// One section of a policy file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameList {
    /// `module.name` for one global, `prefix.*` for everything below a module.
    #[serde(default)]
    pub globals: Vec<String>,
}

/// A policy file that is not TOML or does not have the shape of a [`PolicyFile`] (an unknown
/// key is refused, so a typo cannot silently allow nothing).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct PolicyError(#[from] toml::de::Error);

/// How imports are judged: the built-in allowlist and denylist, extended by the user's policy
/// files ([`Policy::classify`]).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    allow: BTreeSet<String>,
    allow_prefixes: Vec<String>,
    deny: BTreeSet<String>,
    deny_prefixes: Vec<String>,
}

impl Policy {
    /// The built-in policy.
    pub fn builtin() -> Self {
        Policy::default()
    }

    /// Adds a policy file's entries. `module.name` entries are exact; `prefix.*` entries cover
    /// everything below `prefix`.
    pub fn extend(&mut self, file: PolicyFile) {
        for (names, exact, prefixes) in [
            (
                file.allow.globals,
                &mut self.allow,
                &mut self.allow_prefixes,
            ),
            (file.deny.globals, &mut self.deny, &mut self.deny_prefixes),
        ] {
            for name in names {
                match name.strip_suffix(".*") {
                    Some(prefix) => prefixes.push(format!("{prefix}.")),
                    None => {
                        exact.insert(name);
                    }
                }
            }
        }
    }

    /// Parses and adds a TOML policy.
    pub fn extend_from_toml(&mut self, text: &str) -> Result<(), PolicyError> {
        let file: PolicyFile = toml::from_str(text)?;
        self.extend(file);
        Ok(())
    }

    /// Classifies the global `module.name` as the unpickler would resolve it.
    pub fn classify(&self, module: &str, name: &str) -> Verdict {
        let qualified = format!("{module}.{name}");
        if self.deny.contains(&qualified)
            || self
                .deny_prefixes
                .iter()
                .any(|p| qualified.starts_with(p.as_str()))
        {
            return Verdict::Dangerous("denied by policy");
        }
        // Vetted exact names come before module-wide rules (joblib's array wrapper lives in
        // a module whose loaders are dangerous).
        if SAFE_GLOBALS.contains(&qualified.as_str()) || is_pathlib_class(module, name) {
            return Verdict::Safe;
        }
        if let Some(category) = dangerous(module, name, &qualified) {
            return Verdict::Dangerous(category);
        }
        let packs = packs::shipped();
        // A library's own module re-exporting `io.open` or `functools.partial` is no shelter;
        // no allow entry overrides it.
        if packs.deny.contains(&qualified) {
            return Verdict::Dangerous("dangerous callable re-exported by a library");
        }
        if self.allow.contains(&qualified)
            || self
                .allow_prefixes
                .iter()
                .any(|p| qualified.starts_with(p.as_str()))
            || packs.allow.contains(&qualified)
        {
            return Verdict::Safe;
        }
        Verdict::Unknown
    }
}

/// `pathlib.PosixPath` and its siblings, named exactly (a dotted `Path.write_text` is not).
fn is_pathlib_class(module: &str, name: &str) -> bool {
    PATHLIB_MODULES.contains(&module) && PATHLIB_CLASSES.contains(&name)
}

pub(crate) fn in_module(module: &str, root: &str) -> bool {
    module == root || (module.starts_with(root) && module.as_bytes().get(root.len()) == Some(&b'.'))
}

fn dangerous(module: &str, name: &str, qualified: &str) -> Option<&'static str> {
    if let Some((_, category)) = DANGEROUS_GLOBALS.iter().find(|(q, _)| *q == qualified) {
        return Some(category);
    }
    if let Some((_, category)) = DANGEROUS_MODULES.iter().find(|(m, _)| in_module(module, m)) {
        return Some(category);
    }
    // A dotted name walks attributes from the module: `torch.serialization.os.system`,
    // `collections.OrderedDict.__init__.__globals__`.
    if name.split('.').count() > 1 || name.starts_with("__") {
        for component in name.split('.') {
            if DANGEROUS_COMPONENTS.contains(&component) {
                return Some("attribute walk to code execution");
            }
        }
    }
    // ... and reaches whatever the module imported: `torch.nn.modules.module` + `torch.load`
    // is `torch.load`; `transformers.trainer` + `shutil.rmtree` is `shutil.rmtree`.
    let mut tail = name;
    while let Some((walked_module, _)) = tail.rsplit_once('.') {
        if DANGEROUS_GLOBALS.iter().any(|(q, _)| *q == tail) {
            return Some("attribute walk to a dangerous callable");
        }
        if DANGEROUS_MODULES
            .iter()
            .any(|(m, _)| in_module(walked_module, m))
        {
            return Some("attribute walk to a dangerous module");
        }
        tail = match tail.split_once('.') {
            Some((_, rest)) => rest,
            None => break,
        };
    }
    // (The module path itself is imported, not walked: `numpy.random._pickle` is a real
    // module, not the `_pickle` accelerator, so module components are not checked here.)
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(q: &str) -> Verdict {
        let (module, name) = q.rsplit_once('.').unwrap();
        Policy::builtin().classify(module, name)
    }

    #[test]
    fn real_model_globals_are_safe() {
        for q in [
            "torch._utils._rebuild_tensor_v2",
            "collections.OrderedDict",
            "torch.FloatStorage",
            "numpy.core.multiarray._reconstruct",
            "numpy.dtype",
            "sklearn.linear_model._logistic.LogisticRegression",
            "sklearn.tree._tree.Tree",
            "joblib.numpy_pickle.NumpyArrayWrapper",
            "numpy.random._pickle.__randomstate_ctor",
            "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
            "numpy.float64",
            "numpy.dtypes.Float64DType",
            "torch.nn.modules.linear.Linear",
        ] {
            assert_eq!(verdict(q), Verdict::Safe, "{q}");
        }
    }

    #[test]
    fn code_execution_is_dangerous_in_every_spelling() {
        for q in [
            "os.system",
            "posix.system",
            "nt.system",
            "subprocess.Popen",
            "builtins.eval",
            "builtins.getattr",
            "_operator.attrgetter",
            "operator.methodcaller",
            "_pickle.loads",
            "_io.FileIO",
            "importlib.import_module",
            "torch.serialization.load",
            "numpy.testing._private.utils.runstring",
            "runpy._run_code",
            "os.path.join",
            "ctypes.CDLL",
            "functools.partial",
            "pickle.loads",
            "torch.load",
        ] {
            assert!(matches!(verdict(q), Verdict::Dangerous(_)), "{q}");
        }
        // Dotted names walk attributes (protocol 4): an allowlisted module is no shelter.
        let p = Policy::builtin();
        assert!(matches!(
            p.classify("torch.serialization", "os.system"),
            Verdict::Dangerous(_)
        ));
        assert!(matches!(
            p.classify("collections", "OrderedDict.__init__.__globals__"),
            Verdict::Dangerous(_)
        ));
        assert!(matches!(
            p.classify("sklearn", "Foo.__reduce__"),
            Verdict::Dangerous(_)
        ));
        assert!(matches!(
            p.classify("torch", "__builtins__"),
            Verdict::Dangerous(_)
        ));
    }

    #[test]
    fn globals_of_real_environments_are_safe() {
        for q in [
            // every torch dtype pickled by name, storages, reconstruction helpers
            "torch.uint16",
            "torch.uint32",
            "torch.uint64",
            "torch.float8_e4m3fn",
            "torch.float8_e5m2",
            "torch.float8_e4m3fnuz",
            "torch.bits8",
            "torch.complex32",
            "torch.UntypedStorage",
            "torch.ComplexFloatStorage",
            "torch._utils._rebuild_qtensor",
            "torch.nn.modules.container.Sequential",
            "torch.optim.lr_scheduler.StepLR",
            "torch.distributed.checkpoint.metadata.Metadata",
            "torch.distributed.checkpoint.metadata.TensorStorageMetadata",
            "torchvision.models.resnet.ResNet",
            "torchvision.models.resnet.BasicBlock",
            "transformers.training_args.TrainingArguments",
            "transformers.trainer_utils.IntervalStrategy",
            "transformers.trainer_utils.SchedulerType",
            "transformers.generation.configuration_utils.GenerationConfig",
            "transformers.models.bert.configuration_bert.BertConfig",
            "accelerate.utils.dataclasses.DistributedType",
            "pandas.core.frame.DataFrame",
            "pandas._libs.internals._unpickle_block",
            "pandas.core.internals.managers.BlockManager",
            "pandas.core.indexes.base._new_Index",
            "scipy.sparse._csr.csr_matrix",
            "numpy.ma.core._mareconstruct",
            "numpy.ma.core.MaskedArray",
            "numpy.rec.recarray",
            "numpy.log1p",
            "sklearn.tree._tree.Tree",
            "sklearn.pipeline.Pipeline",
            "lightgbm.basic.Booster",
            "lightgbm.sklearn.LGBMClassifier",
            "xgboost.core.Booster",
            "xgboost.sklearn.XGBClassifier",
            "catboost.core.CatBoostClassifier",
            "transformers.activations.NewGELUActivation",
            "sklearn.neighbors._kd_tree.newObj",
            "sklearn.metrics._dist_metrics.newObj",
        ] {
            assert_eq!(verdict(q), Verdict::Safe, "{q}");
        }
    }

    #[test]
    fn pathlib_classes_are_data_and_its_functions_are_not() {
        let p = Policy::builtin();
        for class in [
            "PosixPath",
            "PurePosixPath",
            "WindowsPath",
            "PureWindowsPath",
            "Path",
        ] {
            assert_eq!(p.classify("pathlib", class), Verdict::Safe, "{class}");
            assert_eq!(
                p.classify("pathlib._local", class),
                Verdict::Safe,
                "{class}"
            );
        }
        for method in [
            "Path.write_text",
            "Path.write_bytes",
            "Path.read_bytes",
            "Path.unlink",
            "Path.open",
            "PosixPath.touch",
            "Path.rmdir",
        ] {
            assert!(
                matches!(p.classify("pathlib", method), Verdict::Dangerous(_)),
                "{method}"
            );
        }
        assert!(matches!(p.classify("pathlib", "os"), Verdict::Dangerous(_)));
    }

    /// Stdlib callables that the libraries really re-export under their own modules (found
    /// by `scripts/make-allowlist-packs.py`) and names that only look like library ones.
    const KNOWN_DANGEROUS_REEXPORTS: &[&str] = &[
        "numpy.lib._datasource._open",
        "sklearn.callback._transport.Listener",
        "sklearn.callback._transport.Client",
        "lightgbm.basic.NamedTemporaryFile",
        "lightgbm.engine.attrgetter",
        "pandas.core.common.partial",
        "pandas.core.frame.StringIO",
        "torch.optim.lr_scheduler.partial",
        "accelerate.state.partial",
    ];

    #[test]
    fn dangerous_callables_reexported_by_ml_libraries_are_dangerous() {
        for q in KNOWN_DANGEROUS_REEXPORTS {
            assert!(matches!(verdict(q), Verdict::Dangerous(_)), "{q}");
        }
        // Attribute walks from an admitted module to a re-exported module (protocol 4).
        let p = Policy::builtin();
        for (module, name) in [
            ("transformers.training_args", "os.system"),
            ("torch.nn.modules.module", "torch.load"),
            ("pandas.core.frame", "StringIO"),
        ] {
            assert!(
                matches!(p.classify(module, name), Verdict::Dangerous(_)),
                "{module} {name}"
            );
        }
        // No user allow entry makes them safe.
        let mut p = Policy::builtin();
        p.extend_from_toml("[allow]\nglobals = [\"numpy.lib._datasource._open\"]\n")
            .unwrap();
        assert!(matches!(
            p.classify("numpy.lib._datasource", "_open"),
            Verdict::Dangerous(_)
        ));
    }

    #[test]
    fn every_shipped_pack_parses_and_names_its_versions() {
        let mut names = Vec::new();
        for (name, text) in shipped_sources() {
            let file: PolicyFile = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let info = file.pack.unwrap_or_else(|| panic!("{name} has no [pack]"));
            assert_eq!(info.name, name);
            assert!(info.command.contains("scripts/make-allowlist-packs.py"));
            assert!(
                info.versions.contains_key(name),
                "{name}: {:?}",
                info.versions
            );
            assert!(!file.allow.globals.is_empty(), "{name} admits nothing");
            names.push(name);
        }
        assert_eq!(shipped_info().len(), names.len());
    }

    #[test]
    fn user_packs_in_the_shipped_format_extend_the_policy() {
        let mut p = Policy::builtin();
        assert_eq!(p.classify("mylib.layers", "Attention"), Verdict::Unknown);
        p.extend_from_toml(
            "[pack]\nname = \"mylib\"\ncommand = \"gen\"\nversions = { mylib = \"1.0\" }\n\
             [allow]\nglobals = [\"mylib.layers.Attention\"]\n[deny]\nglobals = [\"mylib.run\"]\n",
        )
        .unwrap();
        assert_eq!(p.classify("mylib.layers", "Attention"), Verdict::Safe);
        assert!(matches!(p.classify("mylib", "run"), Verdict::Dangerous(_)));
        // A shipped pack is itself a valid --policy file.
        let (_, torch) = shipped_sources().next().unwrap();
        Policy::builtin().extend_from_toml(torch).unwrap();
    }

    #[test]
    fn no_shipped_pack_admits_a_dangerous_name() {
        let packs = packs::shipped();
        assert!(packs.allow.len() > 1000);
        for q in &packs.allow {
            let (module, name) = q.rsplit_once('.').unwrap();
            assert_eq!(dangerous(module, name, q), None, "{q}");
            assert!(!packs.deny.contains(q), "{q} is allowed and denied");
            assert!(!q.contains(".*") && !q.contains('<'), "{q}");
            assert!(
                !KNOWN_DANGEROUS_REEXPORTS.contains(&q.as_str()),
                "{q} is a dangerous re-export"
            );
            // However the pickle splits module and name, the denylist still sees it.
            for (i, _) in q.match_indices('.') {
                let module = &q[..i];
                assert!(
                    !DANGEROUS_MODULES.iter().any(|(m, _)| in_module(module, m)),
                    "{q}"
                );
            }
        }
        for q in &packs.deny {
            let (module, name) = q.rsplit_once('.').unwrap();
            assert!(
                matches!(
                    Policy::builtin().classify(module, name),
                    Verdict::Dangerous(_)
                ),
                "{q}"
            );
        }
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(verdict("mylib.make_model"), Verdict::Unknown);
        assert_eq!(
            verdict("sklearn.utils._testing.assert_run_python_script"),
            Verdict::Unknown,
            "functions are not classes"
        );
        assert_eq!(
            verdict("osmium.Thing"),
            Verdict::Unknown,
            "module prefixes match whole components"
        );
    }

    #[test]
    fn policy_files_extend_and_deny() {
        let mut p = Policy::builtin();
        p.extend_from_toml("[allow]\nglobals = [\"mylib.Layer\", \"other.*\"]\n[deny]\nglobals = [\"numpy.dtype\"]\n").unwrap();
        assert_eq!(p.classify("mylib", "Layer"), Verdict::Safe);
        assert_eq!(p.classify("other.deep", "thing"), Verdict::Safe);
        assert!(matches!(
            p.classify("numpy", "dtype"),
            Verdict::Dangerous("denied by policy")
        ));
        assert!(
            matches!(p.classify("os", "system"), Verdict::Dangerous(_)),
            "allow cannot override danger"
        );
        assert!(
            p.extend_from_toml("[allow]\nglobal = []\n").is_err(),
            "typos are errors"
        );
    }
}
