#!/usr/bin/env python3
"""Writes the "containers" sub-corpus (issue 13, §1 format detection, archives, limits; §3 distcp).

    .venv/bin/python scripts/scan-corpus/containers.py tests/fixtures/scan-corpus/containers

Each malicious sample is a file some other reader takes for another format (tar, HDF5, GGUF,
safetensors), or whose payload a reader reaches in a way the scanner used to miss (a long
leading data opcode, a second xz stream, a tar member type tarfile extracts as a file); each
creates ./CANARY when loaded with the loader named in corpus.json
(scripts/scan-corpus/containers_load.py). Benign samples are what the real libraries write
(torch.distributed.checkpoint shards, xz joblib files, HDF5 with a user block).
"""
import hashlib
import io
import json
import lzma
import os
import struct
import sys
import tarfile

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/scan-corpus/containers"
manifest = []

# Protocol 0: every byte is ASCII, so it fits a tar name field or an HDF5 user block.
PAYLOAD = b"cos\nsystem\n(S'touch CANARY'\ntR."


def path_of(name):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def add(name, kind, family, loader, note):
    manifest.append({"file": name, "kind": kind, "family": family, "loader": loader, "note": note})


def write(name, data, kind, family, loader, note):
    with open(path_of(name), "wb") as f:
        f.write(data)
    add(name, kind, family, loader, note)


def binbytes_lead():
    # BINBYTES of 100 KiB, POP, then the import: past the 64 KiB sniff window.
    data = b"B" + struct.pack("<I", 100 << 10) + b"\0" * (100 << 10) + b"0" + PAYLOAD
    write("malicious/binbytes-lead.pkl", data, "malicious", "long leading data opcode",
          "pickle", "a 100 KiB BINBYTES pushes the import past the sniff window")


def pickle_tar():
    # A tar whose first header's name field is a pickle: tarfile reads an archive,
    # pickle.load runs the pickle and stops at its STOP.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(PAYLOAD.decode())
        body = b"weights"
        info.size, info.mtime = len(body), 0
        tar.addfile(info, io.BytesIO(body))
    write("malicious/pickle-tar.tar", buf.getvalue(), "malicious", "pickle that is also a tar",
          "pickle", "the first tar header's name field is a protocol-0 pickle")


def tar_conttype():
    # A member of type CONTTYPE ('7'): tarfile extracts it as a regular file.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("model.pkl")
        info.size, info.mtime, info.type = len(PAYLOAD), 0, tarfile.CONTTYPE
        tar.addfile(info, io.BytesIO(PAYLOAD))
    write("malicious/conttype-member.tar", buf.getvalue(), "malicious",
          "tar member type read as a file", "tar-members",
          "CONTTYPE member: tarfile extracts it as a file, the tar crate's is_file() said no")


def hdf5_userblock(malicious):
    import h5py
    import numpy as np
    name = "malicious/pickle-userblock.h5" if malicious else "benign/userblock.h5"
    path = path_of(name)
    with h5py.File(path, "w", userblock_size=512, track_order=False) as f:
        f.create_dataset("w", data=np.arange(6, dtype=np.float32), track_times=False)
    if malicious:
        with open(path, "r+b") as f:
            f.write(PAYLOAD)
        add(name, "malicious", "pickle that is also HDF5", "pickle",
            "the HDF5 user block holds a pickle; h5py still opens the file")
    else:
        add(name, "benign", "HDF5", "h5py", "benign control: HDF5 with a 512-byte user block")


def gguf_pickle():
    # "GGUF" + version: 'G' (BINFLOAT) eats 8 bytes, the pickle follows in the tensor count.
    data = b"GGUF\x03\x00\x00\x00\x00" + b"0" + PAYLOAD + b"\x00" * 64
    write("malicious/pickle.gguf", data, "malicious", "pickle disguised as GGUF", "pickle",
          "starts with the GGUF magic and version; pickle.load reads it as BINFLOAT then a pickle")


def safetensors_pickle():
    # 8-byte header length, '{' at byte 8: BINBYTES(4) swallows them, then the pickle.
    content = b"\x00\x00\x00{"
    head = b"B" + struct.pack("<I", len(content)) + content + b"0" + PAYLOAD
    header_len = struct.unpack("<Q", head[:8])[0]
    data = head + b" " * (8 + header_len - len(head))
    write("malicious/pickle.safetensors", data, "malicious", "pickle disguised as safetensors",
          "pickle", "the header length and '{' are the start of a BINBYTES; the pickle follows")


def xz_concatenated():
    # A harmless start in one xz stream, the import in a second: LZMAFile (joblib.load)
    # reads both.
    data = lzma.compress(b"N0") + lzma.compress(PAYLOAD)
    write("malicious/concatenated.joblib.xz", data, "malicious", "concatenated xz streams",
          "joblib", "the import is split across two xz streams; the scanner read only the first")


def joblib_xz_benign():
    import joblib
    import numpy as np
    path = path_of("benign/model.joblib.xz")
    joblib.dump({"weights": np.arange(10.0), "name": "m"}, path, compress=("xz", 3))
    add("benign/model.joblib.xz", "benign", "joblib xz", "joblib",
        "benign control: joblib.dump(compress='xz')")


class SystemCanary:
    def __reduce__(self):
        return (os.system, ("touch CANARY",))


def distcp(malicious):
    import torch
    import torch.distributed.checkpoint as dcp
    kind = "malicious" if malicious else "benign"
    directory = path_of(f"{kind}/distcp/x")[:-2]
    state = {"w": torch.arange(4, dtype=torch.float32), "b": torch.zeros(2), "step": 7}
    if malicious:
        state["extra"] = SystemCanary()
    dcp.save(state, checkpoint_id=directory, no_dist=True)
    name = f"{kind}/distcp/__0_0.distcp"
    if malicious:
        add(name, kind, "torch.distributed.checkpoint", "torch-distcp",
            "a non-tensor item's torch.save blob calls os.system; dcp.load runs it")
    else:
        add(name, kind, "torch.distributed.checkpoint", "torch-distcp",
            "benign control: a shard of back-to-back torch.save zips (tensors and an int)")


def onnx_fixtures():
    """ONNX files written by the onnx library, not corpus samples (external data runs no code,
    so no CANARY can prove them): read by the scanner's tests."""
    import onnx
    from onnx import TensorProto, helper

    def external(name, location):
        t = helper.make_tensor(name, TensorProto.FLOAT, [1], [0.0])
        t.ClearField("float_data")
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", "0"), ("length", "4")):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        return t

    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    for name, location, in_attribute in (
        ("initializer-escape.onnx", "../../../../etc/hostname", False),
        ("constant-escape.onnx", "../../../../etc/hostname", True),
        ("initializer-inside.onnx", "weights.bin", False),
    ):
        tensor = external("c", location)
        if in_attribute:
            nodes, initializers = [helper.make_node("Constant", [], ["y"], value=tensor)], []
        else:
            nodes, initializers = [helper.make_node("Identity", ["c"], ["y"])], [tensor]
        graph = helper.make_graph(nodes, "g", [], [out], initializer=initializers)
        model = helper.make_model(graph, producer_name="modelseal-tests")
        onnx.save(model, path_of(f"onnx/{name}"))


def main():
    binbytes_lead()
    pickle_tar()
    tar_conttype()
    hdf5_userblock(True)
    hdf5_userblock(False)
    gguf_pickle()
    safetensors_pickle()
    xz_concatenated()
    joblib_xz_benign()
    distcp(True)
    distcp(False)
    onnx_fixtures()
    for sample in manifest:
        with open(os.path.join(OUT, sample["file"]), "rb") as f:
            sample["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(OUT, "corpus.json"), "w") as f:
        json.dump({
            "generated_by": "scripts/scan-corpus/containers.py",
            "load_script": "scripts/scan-corpus/containers_load.py",
            "libraries": "numpy, joblib, h5py",
            "samples": manifest,
        }, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
