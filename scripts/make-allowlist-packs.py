#!/usr/bin/env python3
"""Writes the scanner's allowlist packs from the real libraries.

    .venv/bin/python scripts/make-allowlist-packs.py [--out crates/modelseal-scan/packs]

One pack per library: crates/modelseal-scan/packs/<pack>.toml, in the format of a `--policy`
file plus a `[pack]` table naming the versions it was generated from and this command.

What a pack admits, for each module it walks (the modules are chosen per library below):
- classes whose `__module__` is that module and that are defined in the library itself, under
  the name pickle writes for them (`__module__` + `__qualname__`) and under the public alias
  the module exposes them by (`torch.FloatStorage`, `numpy.ma.MaskedArray`);
- reconstruction helpers: functions defined in the library whose name says they rebuild an
  object (`_rebuild_*`, `*_reconstruct`, `*unpickle*`, `__pyx_unpickle_*`, `_new_*`, `*_ctor`);
- values pickled by name: torch dtypes, layouts, memory formats and qschemes, NumPy ufuncs.

What it never admits: anything re-exported from outside the library (a stdlib file class,
`socket`, `subprocess`, `os` functions, `builtins.eval`, `functools.partial`, ...), classes
deriving from a stdlib class that touches threads, processes, files or the network, anything in
a module the scanner's denylist names (read from crates/modelseal-scan/src/policy.rs so the two
never disagree), and the modules excluded below (hubs, downloads, I/O, compilers, process
groups, tests). Callables from a denied module that a library module re-exports are written to
the pack's `[deny]` list, so that a pickle reaching `os.system` through an ML module is named as
what it is.
"""
import argparse
import enum
import importlib
import io
import logging
import os
import pkgutil
import platform
import re
import sys
import types
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY_RS = ROOT / "crates/modelseal-scan/src/policy.rs"
COMMAND = "python3 scripts/make-allowlist-packs.py"

# Modules walked per pack: (module, recursive). Exclusions are prefixes, matched on whole
# dotted components.
PACKS = {
    "torch": {
        "libraries": ["torch"],
        "walk": [
            ("torch", False),
            ("torch._utils", False),
            ("torch._tensor", False),
            ("torch.nn", True),
            ("torch.optim", True),
            ("torch.torch_version", False),
            ("torch.types", False),
            ("torch.distributed.checkpoint.metadata", False),
            ("torch.distributed.checkpoint.planner", False),
            ("torch.distributed.checkpoint.filesystem", False),
            ("torch.amp.grad_scaler", False),
            ("torch.ao.quantization", True),
        ],
        "exclude": [
            "torch.nn.parallel",          # process groups
            "torch.nn.attention.flex_attention",  # compiles kernels
            "torch.nn.utils.stateless",
            "torch.ao.quantization.fx",   # graph code generation
            "torch.ao.quantization.pt2e",
            "torch.ao.quantization.quantizer",
            "torch.ao.quantization.experimental",
        ],
        # filesystem: only its metadata records; its readers and writers open files.
        "only": {"torch.distributed.checkpoint.filesystem": {"_StorageInfo", "_StoragePrefix"}},
    },
    "torchvision": {
        "libraries": ["torchvision", "torch"],
        "walk": [("torchvision.models", True), ("torchvision.transforms", True),
                 ("torchvision.ops", True)],
        "exclude": ["torchvision.models._utils", "torchvision.models.feature_extraction",
                    "torchvision.io", "torchvision.datasets"],
    },
    "transformers": {
        "libraries": ["transformers", "torch"],
        "walk": [
            ("transformers", False),
            ("transformers.training_args", False),
            ("transformers.training_args_seq2seq", False),
            ("transformers.trainer_utils", False),
            ("transformers.trainer_callback", False),
            ("transformers.debug_utils", False),
            ("transformers.configuration_utils", False),
            ("transformers.modeling_utils", False),
            ("transformers.tokenization_utils_base", False),
            ("transformers.generation", True),
            ("transformers.utils.generic", False),
            ("transformers.utils.quantization_config", False),
            ("transformers.activations", False),
            ("transformers.pytorch_utils", False),
            ("transformers.cache_utils", False),
            ("transformers.modeling_outputs", False),
            ("transformers.modeling_layers", False),
            ("transformers.tokenization_utils_tokenizers", False),
            ("transformers.tokenization_python", False),
            ("transformers.models", True),
        ],
        "public_of": ["transformers"],
        "exclude": [
            "transformers.pipelines", "transformers.integrations", "transformers.commands",
            "transformers.utils.hub", "transformers.testing_utils", "transformers.data",
            "transformers.trainer", "transformers.cli", "transformers.onnx",
            "transformers.models.auto",  # resolves and downloads classes by name
            "transformers.generation.streamers",  # threads and queues
            "transformers.kernels",
        ],
        "exclude_names": r"(Callback|Pipeline|Trainer|Streamer|Processor.*Mixin|Dataset|"
                         r"DataCollator|Hub|Download|Writer|Logger|Server|Client)$",
        # Lazy transformers imports every model module on walk: restrict to the files that
        # hold classes pickles name.
        "module_filter": r"^transformers\.models\.[^.]+\.(configuration|modeling|tokenization)_"
                         r"[^.]+$|^transformers\.(?!models\.)",
    },
    "accelerate": {
        "libraries": ["accelerate", "torch"],
        "walk": [("accelerate.state", False), ("accelerate.utils.dataclasses", False)],
        "exclude": [],
        "exclude_names": r"(Plugin|Tracker)$",
    },
    "pandas": {
        "libraries": ["pandas"],
        "walk": [("pandas", False), ("pandas.core", True), ("pandas._libs", True),
                 ("pandas.arrays", False), ("pandas.tseries", True)],
        "exclude": ["pandas.core.computation", "pandas.io", "pandas.plotting", "pandas.util",
                    "pandas.testing", "pandas._testing", "pandas.tests", "pandas.core.config_init",
                    "pandas._libs.testing", "pandas.core.interchange", "pandas.core._numba"],
    },
    "scipy": {
        "libraries": ["scipy"],
        "walk": [("scipy.sparse", True), ("scipy.stats._distn_infrastructure", False),
                 ("scipy.stats._continuous_distns", False), ("scipy.stats._discrete_distns", False)],
        "exclude": ["scipy.sparse.linalg", "scipy.sparse.csgraph", "scipy.sparse.tests",
                    "scipy._lib._ccallback"],  # LowLevelCallable: a native function pointer
    },
    "numpy": {
        "libraries": ["numpy"],
        "walk": [("numpy", False), ("numpy.ma", True), ("numpy.rec", False),
                 ("numpy.dtypes", False), ("numpy.random", True), ("numpy._core.multiarray", False),
                 ("numpy._core.records", False), ("numpy.core.multiarray", False),
                 ("numpy._core.numeric", False), ("numpy.polynomial", True)],
        "exclude": ["numpy.ma.tests", "numpy.random.tests", "numpy.polynomial.tests",
                    "numpy.random._examples", "numpy.ma.testutils"],
        # numpy.ma.mrecords.fromtextfile and friends are functions, never admitted; these are
        # what its pickles name besides classes.
        "helpers": {"numpy._core.multiarray": {"_reconstruct", "scalar"},
                    "numpy.core.multiarray": {"_reconstruct", "scalar"},
                    "numpy._core.numeric": {"_frombuffer"}},
    },
    "sklearn": {
        "libraries": ["sklearn", "scipy"],
        "walk": [("sklearn", True)],
        "exclude": ["sklearn.datasets", "sklearn.tests", "sklearn.utils._testing",
                    "sklearn.utils.tests", "sklearn.externals", "sklearn.experimental",
                    "sklearn._build_utils", "sklearn.utils._show_versions",
                    "sklearn.utils.parallel", "sklearn.utils._joblib", "sklearn.conftest",
                    "sklearn._min_dependencies", "sklearn.callback._transport",
                    "sklearn.callback._progressbar"],
        "exclude_re": r"\.tests(\.|$)",
    },
    "lightgbm": {
        "libraries": ["lightgbm"],
        "walk": [("lightgbm", True)],
        "exclude": ["lightgbm.dask", "lightgbm.plotting", "lightgbm.callback", "lightgbm.libpath"],
    },
    "xgboost": {
        "libraries": ["xgboost"],
        "walk": [("xgboost", True)],
        "exclude": ["xgboost.dask", "xgboost.spark", "xgboost.tracker", "xgboost.collective",
                    "xgboost.federated", "xgboost.testing", "xgboost.plotting", "xgboost.callback",
                    "xgboost.libpath", "xgboost.rabit", "xgboost.tracker", "xgboost.conftest"],
    },
    "catboost": {
        "libraries": ["catboost"],
        "walk": [("catboost", True)],
        "exclude": ["catboost.widget", "catboost.eval", "catboost.datasets", "catboost.utils",
                    "catboost.monoforest", "catboost.dev_utils", "catboost.hnsw",
                    "catboost.text_processing", "catboost.carry"],
        "exclude_names": r"(Widget|Pool)$",
    },
}

# `newObj` is Cython's `cls.__new__(cls)` helper (scikit-learn's trees and distance metrics).
HELPER = re.compile(r"(^_rebuild|rebuild_|reconstruct$|unpickle|^_new_|_ctor$|^newObj$)")
# stdlib bases whose instances run threads or processes, or own files, sockets or loggers.
RISKY_BASE_MODULES = {"threading", "multiprocessing", "subprocess", "socket", "socketserver",
                      "io", "_io", "logging", "concurrent", "asyncio", "queue", "tempfile",
                      "zipfile", "tarfile", "shelve", "http", "urllib", "ssl", "mmap"}


def in_module(module, root):
    return module == root or module.startswith(root + ".")


def denylist():
    """DANGEROUS_MODULES and DANGEROUS_GLOBALS of policy.rs, as written there."""
    src = POLICY_RS.read_text()
    if not src:  # a split policy: read every file of the directory
        src = ""
    for extra in sorted((POLICY_RS.parent / "policy").glob("*.rs")):
        src += extra.read_text()

    def table(name):
        block = re.search(rf"const {name}: &\[\(&str, &str\)\] = &\[(.*?)\n\];", src, re.S)
        return [m.group(1) for m in re.finditer(r'\(\s*"([^"]+)",\s*"[^"]*",?\s*\)', block.group(1))]

    def names(name):
        block = re.search(rf"const {name}: &\[&str\] = &\[(.*?)\n\];", src, re.S)
        return re.findall(r'"([^"]+)"', block.group(1))

    return (table("DANGEROUS_MODULES"), set(table("DANGEROUS_GLOBALS")),
            set(names("DANGEROUS_COMPONENTS")), set(names("PATHLIB_CLASSES")))


def quiet_import(name):
    sink = io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = sink
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except BaseException:  # a module that needs a missing extra: not part of the pack
        return None
    finally:
        sys.stdout, sys.stderr = old


def modules_of(spec):
    excluded = spec["exclude"]
    exclude_re = re.compile(spec["exclude_re"]) if "exclude_re" in spec else None
    keep_re = re.compile(spec["module_filter"]) if "module_filter" in spec else None

    def wanted(name):
        if any(in_module(name, e) for e in excluded):
            return False
        if exclude_re and exclude_re.search(name):
            return False
        return keep_re is None or keep_re.search(name) or name in dict(spec["walk"])

    seen = {}
    for root, recursive in spec["walk"]:
        if not wanted(root):
            continue
        module = quiet_import(root)
        if module is None:
            continue
        seen[root] = module
        if not recursive or not hasattr(module, "__path__"):
            continue
        for info in pkgutil.walk_packages(module.__path__, root + ".", onerror=lambda _: None):
            if info.name in seen or not wanted(info.name):
                continue
            sub = quiet_import(info.name)
            if sub is not None:
                seen[info.name] = sub
    return seen


def dangerous_module(module, dangerous_modules):
    return any(in_module(module, d) for d in dangerous_modules)


def safe_name(module, name, dangerous_modules, dangerous_globals, components):
    if f"{module}.{name}" in dangerous_globals or dangerous_module(module, dangerous_modules):
        return False
    # The scanner checks every component of a dotted (nested) name, not of the module path.
    return not any(part in components for part in name.split(".")) and "<" not in name


def risky_class(cls):
    # A context manager owns a resource or flips global state on entry or construction
    # (`torch.set_grad_enabled`, file and lock wrappers): not data.
    if hasattr(cls, "__enter__") or hasattr(cls, "__aenter__"):
        return True
    for base in cls.__mro__[1:]:
        mod = getattr(base, "__module__", "") or ""
        if mod.split(".")[0] in RISKY_BASE_MODULES:
            return True
    return False


def reexported_danger(modname, attr, value, owner, dangerous_modules, dangerous_globals, pathlib_classes):
    """`modname.attr` is a callable from a denied module (or a denied builtin) that the library
    re-exports: pickles can reach it under the library's name."""
    if not callable(value) or not owner:
        return False
    qualname = getattr(value, "__qualname__", attr)
    if owner in ("pathlib", "pathlib._local") and qualname in pathlib_classes:
        return False  # data, as the scanner judges `pathlib.PosixPath` itself
    return (dangerous_module(owner, dangerous_modules) or f"{owner}.{qualname}" in dangerous_globals
            or (owner == "builtins" and f"builtins.{attr}" in dangerous_globals))


def pack(name, spec, dangerous_modules, dangerous_globals, components, pathlib_classes):
    library_roots = {lib.split(".")[0] for lib in spec["libraries"][:1]}
    exclude_names = re.compile(spec.get("exclude_names", r"^$"))
    only = spec.get("only", {})
    helpers = spec.get("helpers", {})
    allow, deny = set(), set()

    def ours(mod):
        return (mod or "").split(".")[0] in library_roots and not any(
            in_module(mod, e) for e in spec["exclude"])

    modules = modules_of(spec)
    for modname, module in sorted(modules.items()):
        try:
            attrs = list(vars(module).items())
        except TypeError:
            continue
        for attr, value in attrs:
            if attr.startswith("__") and not attr.startswith("__pyx_unpickle_"):
                continue
            if modname in only and attr not in only[modname]:
                continue
            owner = getattr(value, "__module__", None) if not isinstance(value, types.ModuleType) else None
            if not isinstance(owner, str):
                owner = None
            # A stdlib callable re-exported under the library: deny, never allow.
            if callable(value) and owner and not ours(owner):
                continue  # re-exported from elsewhere: never allowed (denied below if dangerous)
            entries = []
            if isinstance(value, type):
                if owner is None or not ours(owner) or exclude_names.search(value.__name__):
                    continue
                if risky_class(value):
                    continue
                qualname = getattr(value, "__qualname__", value.__name__)
                entries.append((owner, qualname))
                if owner != modname or qualname != attr:
                    entries.append((modname, attr))  # the public alias
            elif callable(value) and owner and ours(owner):
                if name == "numpy" and type(value).__name__ == "ufunc":
                    entries.append((modname, attr))  # pickled by name; computes only
                elif name == "torch" and modname == "torch.nn.functional" == owner:
                    # Tensor functions a module keeps as state (`self.act = F.relu`): pickled
                    # by name, they compute on tensors and touch nothing else.
                    entries.append((modname, attr))
                elif HELPER.search(attr) or attr in helpers.get(modname, ()):
                    if owner == modname or attr.startswith("__pyx_unpickle_") or attr in helpers.get(modname, ()):
                        entries.append((modname, attr))
            elif not callable(value) and not isinstance(value, types.ModuleType) \
                    and ours(type(value).__module__) and by_name(value):
                # A singleton pickled by name (`pandas.NA`): a reference to an existing value.
                entries.append((modname, attr))
            elif name == "torch" and modname == "torch" and type(value).__name__ in (
                    "dtype", "layout", "memory_format", "qscheme"):
                entries.append(("torch", attr))  # pickled by name, plain values
            for module_name, qualname in entries:
                if safe_name(module_name, qualname, dangerous_modules, dangerous_globals, components):
                    allow.add(f"{module_name}.{qualname}")
    # Every module of the library loaded by now, walked or not: an attacker names any of them.
    for modname, module in sorted(sys.modules.items()):
        if modname.split(".")[0] not in library_roots or dangerous_module(modname, dangerous_modules):
            continue
        try:
            attrs = list(vars(module).items())
        except TypeError:
            continue
        for attr, value in attrs:
            if attr.startswith("__") or isinstance(value, types.ModuleType):
                continue
            owner = getattr(value, "__module__", None)
            if isinstance(owner, str) and reexported_danger(
                    modname, attr, value, owner, dangerous_modules, dangerous_globals, pathlib_classes):
                deny.add(f"{modname}.{attr}")
    return sorted(allow), sorted(deny - allow)


def by_name(value):
    """Whether pickle saves `value` as a reference to a global (its `__reduce__` is a str)."""
    # Only a class that defines its own __reduce__ is asked (object's default on a pybind11
    # value aborts the interpreter).
    if "__reduce__" not in vars(type(value)):
        return False
    try:
        return isinstance(type(value).__reduce__(value), str)
    except Exception:  # noqa: BLE001 - any failure means "not by name"
        return False


def toml_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(out, name, spec, allow, deny):
    versions = {}
    for lib in spec["libraries"]:
        module = quiet_import(lib)
        versions[lib] = getattr(module, "__version__", "unknown")
    lines = [
        f"# Allowlist pack `{name}`: generated by scripts/make-allowlist-packs.py from the",
        "# installed libraries below. Do not edit; regenerate.",
        "[pack]",
        f"name = {toml_string(name)}",
        f"command = {toml_string(COMMAND)}",
        f"python = {toml_string(platform.python_version())}",
        "versions = { " + ", ".join(f"{k} = {toml_string(str(v))}" for k, v in versions.items()) + " }",
        "",
        "[allow]",
        "globals = [",
        *[f"  {toml_string(g)}," for g in allow],
        "]",
        "",
        "# Dangerous callables these libraries re-export under their own modules.",
        "[deny]",
        "globals = [",
        *[f"  {toml_string(g)}," for g in deny],
        "]",
        "",
    ]
    (out / f"{name}.toml").write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "crates/modelseal-scan/packs")
    parser.add_argument("packs", nargs="*", default=list(PACKS))
    args = parser.parse_args()
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ["HF_HUB_OFFLINE"] = "1"
    logging.disable(logging.CRITICAL)
    dangerous_modules, dangerous_globals, components, pathlib_classes = denylist()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.packs:
        spec = PACKS[name]
        allow, deny = pack(name, spec, dangerous_modules, dangerous_globals, components,
                           pathlib_classes)
        write(args.out, name, spec, allow, deny)
        print(f"{name}: {len(allow)} allowed, {len(deny)} denied re-exports", file=sys.stderr)


if __name__ == "__main__":
    main()
