#!/usr/bin/env python3
"""The "vm" sub-corpus of issue 13 (tests/fixtures/scan-corpus/vm/): names computed at load
time and joblib arrays read as joblib reads them.

    .venv/bin/python scripts/scan-corpus/vm.py

Malicious samples run `touch CANARY` when loaded by their real loader (joblib.load for the
.joblib files, pickle.load for the .pkl ones); each hides its payload where a scanner that does
not read the file as the loader does misses it. Benign samples are written by joblib and
CPython themselves. Every file is deterministic; corpus.json pins each one's sha256.
"""
import hashlib
import io
import json
import os
import pickle
import random
import struct

import joblib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests/fixtures/scan-corpus/vm")
PAYLOAD = b"cposix\nsystem\n(S'touch CANARY'\ntR"


def s(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def wrapper(dtype, alignment=None):
    """joblib's opcodes for a NumpyArrayWrapper of one element of `dtype`, through its BUILD."""
    w = b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}("
    w += s("subclass") + b"cnumpy\nndarray\n"
    w += s("shape") + b"K\x01\x85"
    w += s("order") + s("C")
    w += s("dtype") + b"cnumpy\ndtype\n" + s(dtype) + b"\x89\x88\x87R(K\x03" + s("<")
    w += b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    w += s("allow_mmap") + b"\x89"
    if alignment is not None:
        w += s("numpy_array_alignment_bytes") + b"K" + bytes([alignment])
    return w + b"ub"


def malicious():
    yield ("malicious/joblib-alignment-zero.joblib", "joblib",
           "joblib array wrapper",
           "numpy_array_alignment_bytes = 0: joblib still reads a padding-length byte (3) and "
           "the padding; a scanner that pads only for positive alignments lands on a STOP "
           "inside the array and misses what follows",
           b"\x80\x02](" + wrapper("f8", 0) + b"\x03\xff\xff\xff"
           + b"\x00\x00\x00\x00.\xff\xff\xff" + PAYLOAD + b"e.")
    yield ("malicious/joblib-dtype-float64.joblib", "joblib",
           "joblib array wrapper",
           "dtype spelled 'float64' (np.dtype accepts it): joblib reads 8 bytes of array; a "
           "scanner that only parses 'f8' decodes the array as opcodes and stops at the STOP "
           "it holds",
           b"\x80\x02](" + wrapper("float64") + b".\xff\xff\xff\xff\xff\xff\xff" + PAYLOAD
           + b"e.")
    framed = b"](" + wrapper("f8") + b"N0N0N0N0"
    yield ("malicious/joblib-frame-end.joblib", "joblib",
           "joblib array wrapper",
           "the wrapper's BUILD is inside a FRAME with opcodes after it: joblib's pure-Python "
           "unpickler buffered the frame, so the array comes from the file after the frame and "
           "reading resumes past the array once the frame is used up",
           b"\x80\x04\x95" + struct.pack("<Q", len(framed)) + framed
           + b".\xff\xff\xff\xff\xff\xff\xff" + PAYLOAD + b"e.")
    yield ("malicious/dynamic-import-join.pkl", "pickle",
           "computed STACK_GLOBAL",
           "STACK_GLOBAL of a module name built at load time by str.join(['o','s']): the "
           "import is dynamic and called",
           b"\x80\x04" + s("builtins") + s("str.join") + b"\x93" + s("") + b"]" + s("po")
           + b"a" + s("six") + b"a\x86R" + s("system") + b"\x93" + s("touch CANARY")
           + b"\x85R.")
    yield ("malicious/dynamic-import-codecs.pkl", "pickle",
           "computed STACK_GLOBAL",
           "STACK_GLOBAL of a module name decoded at load time (codecs.decode('cbfvk', "
           "'rot13') == 'posix'), handed to functools.partial and the partial called",
           b"\x80\x04" + s("functools") + s("partial") + b"\x93" + s("codecs") + s("decode")
           + b"\x93" + s("cbfvk") + s("rot13") + b"\x86R" + s("system") + b"\x93"
           + s("touch CANARY") + b"\x86R)R.")


def benign():
    rng = np.random.default_rng(13)
    arrays = {
        "weights": rng.standard_normal((16, 4)),
        "ints": np.arange(7, dtype="<i4"),
        "fortran": np.asfortranarray(rng.standard_normal((3, 5)).astype("f4")),
        "records": np.zeros(3, dtype=[("x", "<f4"), ("name", "U5"), ("nested", [("a", "i2")])]),
        "objects": np.array([1, "two", (3.0,)], dtype=object),
        "structured_objects": np.zeros(2, dtype=[("x", "f8"), ("o", "O")]),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3)),
        "dates": np.array(["2024-01-01"], dtype="datetime64[D]"),
    }
    for name, kwargs, note in [
        ("benign/joblib-arrays.joblib", {}, "uncompressed, aligned arrays of many dtypes, "
         "object and structured arrays (nested pickles), protocol 4 with frames"),
        ("benign/joblib-arrays-protocol2.joblib", {"protocol": 2}, "protocol 2: no frames"),
        ("benign/joblib-arrays-zlib.joblib", {"compress": ("zlib", 3)},
         "zlib-compressed: arrays without alignment"),
    ]:
        buf = io.BytesIO()
        joblib.dump(arrays, buf, **kwargs)
        yield name, "joblib", "joblib dump", note, buf.getvalue()
    rows = random.Random(13)
    data = [{"id": i, "name": f"item-{i}", "score": rows.random(),
             "tags": [f"t{rows.randrange(50)}" for _ in range(3)],
             "values": [rows.random() for _ in range(4)]} for i in range(3000)]
    yield ("benign/data-heavy.pkl", "pickle", "data-heavy pickle",
           "lists, dicts, strings and floats written by pickle.dump (the value model's fast "
           "path)", pickle.dumps(data))


def main():
    samples = []
    for kind, items in (("malicious", malicious()), ("benign", benign())):
        for file, loader, family, note, data in items:
            path = os.path.join(OUT, file)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            samples.append({"file": file, "kind": kind, "family": family, "loader": loader,
                            "note": note, "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {"generated_by": "scripts/scan-corpus/vm.py",
                "load_script": "scripts/load-sample.py",
                "libraries": "numpy, joblib", "samples": samples}
    with open(os.path.join(OUT, "corpus.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
