#!/usr/bin/env python3
"""Writes HDF5 files in the layouts h5py can produce, for the scanner's HDF5 reader tests.

    .venv/bin/python scripts/make-hdf5-fixtures.py tests/fixtures/hdf5

Each file carries a Keras-style `model_config` root attribute; the name says how it is stored.
"""
import json
import os
import sys

import h5py
import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/hdf5"
os.makedirs(OUT, exist_ok=True)
FOREIGN = json.dumps({"module": "os", "class_name": "function", "config": "system"})
LAMBDA = json.dumps({"class_name": "Lambda", "config": {"name": "l", "function": ["4wEA", None, None],
                                                           "function_type": "lambda"}})


def write(name, config, libver="earliest", userblock=0, fixed=False, extra=0):
    with h5py.File(os.path.join(OUT, name), "w", libver=libver, userblock_size=userblock) as f:
        f.attrs["keras_version"] = "3.15.1"
        for i in range(extra):
            f.attrs[f"extra_{i:02}"] = f"value {i}"
        f.attrs["model_config"] = np.bytes_(config.encode()) if fixed else config
        f.create_dataset("weights", data=np.arange(16, dtype=np.float32))


write("v0-vlen-foreign.h5", FOREIGN)
write("v0-fixed-lambda.h5", LAMBDA, fixed=True)
write("v0-many-attributes-foreign.h5", FOREIGN, extra=20)
write("userblock-foreign.h5", FOREIGN, userblock=512)
write("latest-vlen-foreign.h5", FOREIGN, libver="latest")
write("latest-dense-foreign.h5", FOREIGN, libver="latest", extra=20)
write("v0-clean.h5", json.dumps({"module": "keras", "class_name": "Sequential", "config": {"layers": []}}))
print(f"wrote {OUT}")
