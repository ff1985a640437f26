#!/usr/bin/env python3
"""Loads one "containers" sample with the real library, as a victim would.

    containers_load.py LOADER PATH

Run it in a scratch directory: malicious samples create ./CANARY when their payload runs.
Exit 0 when the load completed, 1 when the loader raised (a payload may still have run).
"""
import os
import pickle
import sys

loader, path = sys.argv[1], sys.argv[2]

try:
    if loader == "pickle":
        with open(path, "rb") as f:
            pickle.load(f)
    elif loader == "joblib":
        import joblib
        joblib.load(path)
    elif loader == "h5py":
        import h5py
        with h5py.File(path, "r") as f:
            f["w"][()]
    elif loader == "tar-members":
        # What NeMo-style and torch legacy-tar loaders do: extract members, unpickle them.
        import tarfile
        with tarfile.open(path) as tar:
            for member in tar.getmembers():
                data = tar.extractfile(member)
                if data is not None:
                    pickle.load(data)
    elif loader == "torch-distcp":
        # The shard's directory is the checkpoint (its .metadata beside it).
        import torch
        import torch.distributed.checkpoint as dcp
        from torch.distributed.checkpoint.default_planner import DefaultLoadPlanner
        directory = os.path.dirname(path)
        reader = dcp.FileSystemReader(directory)
        metadata = reader.read_metadata()
        state = {}
        for key, md in metadata.state_dict_metadata.items():
            if hasattr(md, "size"):
                state[key] = torch.empty(md.size, dtype=md.properties.dtype)
            else:
                state[key] = None
        dcp.load(state, storage_reader=reader, planner=DefaultLoadPlanner(), no_dist=True)
    else:
        sys.exit(f"unknown loader {loader}")
except SystemExit:
    raise
except BaseException as e:  # noqa: BLE001 - report any failure of the loader
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
