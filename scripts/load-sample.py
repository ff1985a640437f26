#!/usr/bin/env python3
"""Loads one corpus sample with the real library, as a victim would.

    load-sample.py LOADER PATH

Run it in a scratch directory: malicious samples create ./CANARY when their payload runs.
Exit 0 when the load completed, 1 when the loader raised (a payload may still have run).
"""
import copyreg
import json
import pickle
import sys

loader, path = sys.argv[1], sys.argv[2]


def render(template):
    import jinja2  # unsandboxed, as llama-cpp-python < 0.2.72 and many servers rendered
    jinja2.Template(template).render(messages=[{"role": "user", "content": "hi"}],
                                     bos_token="<s>", add_generation_prompt=True)


try:
    if loader == "pickle":
        with open(path, "rb") as f:
            pickle.load(f)
    elif loader == "pickle-twice":
        with open(path, "rb") as f:
            pickle.load(f)
            pickle.load(f)
    elif loader == "pickle-with-extension-240":
        copyreg.add_extension("posix", "system", 240)
        with open(path, "rb") as f:
            pickle.load(f)
    elif loader == "torch":
        import torch
        # weights_only=False: what torch < 2.6 did by default and what code loading whole
        # modules still asks for.
        torch.load(path, weights_only=False)
    elif loader == "torchscript":
        import torch
        torch.jit.load(path)
    elif loader in ("keras", "keras-unsafe"):
        import os
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
        keras.models.load_model(path, safe_mode=loader == "keras")
    elif loader in ("numpy", "numpy-allow-pickle"):
        import numpy as np
        np.load(path, allow_pickle=loader == "numpy-allow-pickle")
    elif loader in ("numpy-npz", "numpy-npz-allow-pickle"):
        import numpy as np
        with np.load(path, allow_pickle=loader == "numpy-npz-allow-pickle") as d:
            for key in d.files:
                d[key]
    elif loader == "joblib":
        import joblib
        joblib.load(path)
    elif loader == "jinja-chat-template":
        with open(path) as f:
            render(json.load(f)["chat_template"])
    elif loader == "gguf-chat-template":
        import gguf
        reader = gguf.GGUFReader(path)
        field = reader.fields["tokenizer.chat_template"]
        render(bytes(field.parts[field.data[0]]).decode())
    elif loader == "safetensors":
        from safetensors.numpy import load_file
        load_file(path)
    elif loader == "onnx":
        import onnx
        onnx.checker.check_model(onnx.load(path))
    elif loader == "json":
        with open(path) as f:
            json.load(f)
    else:
        sys.exit(f"unknown loader {loader}")
except SystemExit:
    raise
except BaseException as e:  # noqa: BLE001 - report any failure of the loader
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
