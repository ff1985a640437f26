#!/usr/bin/env python3
"""Loads one `environments` sample with the real library, as a victim would.

    environments_load.py LOADER PATH

The loaders of scripts/load-sample.py, plus `torch-pickle`: `pickle.load` of a plain pickle
whose classes live in torch (torch.distributed.checkpoint's `.metadata`), so that the sample
is proven in the torch tier. Exit 0 when the load completed, 1 when the loader raised.
"""
import pickle
import runpy
import sys
from pathlib import Path

loader, path = sys.argv[1], sys.argv[2]
if loader == "torch-pickle":
    try:
        import torch  # noqa: F401 - the classes the pickle names
        with open(path, "rb") as f:
            pickle.load(f)
    except BaseException as e:  # noqa: BLE001 - report any failure of the loader
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
else:
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "load-sample.py"), run_name="__main__")
