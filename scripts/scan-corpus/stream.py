#!/usr/bin/env python3
"""The `stream` sub-corpus: pickles whose meaning depends on how the loader reads the stream.

    scripts/scan-corpus/stream.py [OUT]   (default tests/fixtures/scan-corpus/stream)

Malicious samples run `touch CANARY` under `pickle.load(open(path, "rb"))` (scripts/load-sample.py
loaders `pickle` and `pickle-twice`) while a reading of the same bytes as one contiguous buffer
(`pickle.loads`, and a scanner that reads that way) sees only data, or stops early:

- a FRAME of exactly 128 KiB (the C unpickler's PREFETCH, so always `read` whole) whose last
  opcode's argument runs past the frame: the file reading takes the argument from after the
  frame and skips the frame's last bytes;
- a STOP inside such a frame: a second `pickle.load(f)` starts at the frame's end, not after
  the STOP;
- numbers spelled as only CPython reads them (`I0x1f`, a memo index `1_0`, `I1\\0junk`)
  before the payload, which a decoder with stricter number rules stopped at.

Benign samples are written by the real pickle module, or are data-only streams whose every
reading agrees. Deterministic: the same bytes on every run.
"""
import hashlib
import json
import os
import pickle
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/scan-corpus/stream"
PREFETCH = 128 * 1024
PAYLOAD = b"cos\nsystem\n(S'touch CANARY'\ntR."
samples = []


def write(name, data, kind, family, loader, note):
    path = os.path.join(OUT, kind, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    samples.append({"file": f"{kind}/{name}", "kind": kind, "family": family, "loader": loader,
                    "note": note, "sha256": hashlib.sha256(data).hexdigest()})


def frame(length):
    return b"\x95" + struct.pack("<Q", length)


def filler(length):
    """A BINUNICODE and a POP, `length` bytes in all."""
    text = length - 5 - 1
    return b"X" + struct.pack("<I", text) + b"a" * text + b"0"


def straddled_string(frame_len):
    """The frame ends 5 bytes into a BINUNICODE argument; after the frame, a BINBYTES header
    that only the contiguous reading decodes swallows the payload."""
    tail = b"hello"
    zs = 10
    body = filler(frame_len - (1 + 4 + len(tail))) + b"X" + struct.pack("<I", zs + len(tail)) + tail
    assert len(body) == frame_len
    after = b"z" * zs + b"B" + struct.pack("<I", len(PAYLOAD)) + PAYLOAD + b"0N."
    return b"\x80\x04" + frame(frame_len) + body + after


def stop_inside_frame(frame_len):
    """Pickle 1 stops inside the frame; the frame's rest starts a second pickle for a
    contiguous reader (a BINBYTES that swallows the payload), while a second
    `pickle.load(f)` starts at the frame's end: the payload."""
    rest = b"\x80\x04B" + struct.pack("<I", len(PAYLOAD))
    body = filler(frame_len - 2 - len(rest)) + b"N." + rest
    assert len(body) == frame_len
    return b"\x80\x04" + frame(frame_len) + body + PAYLOAD + b"."


def straddled_bytes(frame_len):
    """BINBYTES across the frame's end: copied contiguously by every C reading."""
    head = b"B" + struct.pack("<I", 64) + b"ab"
    body = filler(frame_len - len(head)) + head
    return b"\x80\x04" + frame(frame_len) + body + b"c" * 62 + b"0N."


write("frame-straddle-128k.pkl", straddled_string(PREFETCH), "malicious",
      "FRAME at the 128 KiB prefetch boundary, argument straddling its end", "pickle",
      "pickle.load(file) reads the frame whole and the straddling argument from after it; "
      "pickle.loads of the same bytes sees a string and a bytes object")
write("frame-straddle-large.pkl", straddled_string(PREFETCH + 4096 + 17), "malicious",
      "FRAME above the 128 KiB prefetch, argument straddling its end", "pickle",
      "as frame-straddle-128k with a frame longer than PREFETCH")
write("frame-stop-next-load.pkl", stop_inside_frame(PREFETCH), "malicious",
      "STOP inside a 128 KiB frame: the second load starts at the frame's end", "pickle-twice",
      "a second pickle.load(f) reads the payload; a contiguous reading sees a bytes object")
write("int-base-prefix.pkl", b"I0x1f\n0" + PAYLOAD, "malicious",
      "INT spelled 0x1f before the payload", "pickle",
      "the C unpickler's strtol/PyLong_FromString take base prefixes")
write("memo-index-underscore.pkl", b"I7\np1_0\n0g1_0\n0" + PAYLOAD, "malicious",
      "memo index spelled 1_0 before the payload", "pickle",
      "PyLong_FromString takes PEP 515 underscores in PUT/GET indices")
write("int-nul-suffix.pkl", b"I1\x00junk\n0" + PAYLOAD, "malicious",
      "INT with a NUL before junk, then the payload", "pickle",
      "the C unpickler parses the line as a C string: the NUL ends the number")

data = {"weights": [float(i) / 7 for i in range(20000)],
        "names": [f"layer.{i}.weight" for i in range(6000)],
        "shapes": {f"layer.{i}": (i % 13, 64) for i in range(3000)},
        "blob": bytes(range(256)) * 700}
for proto in (4, 5):
    write(f"large-frames-p{proto}.pkl", pickle.dumps(data, protocol=proto), "benign",
          f"data-heavy pickle written by pickle.dumps (protocol {proto}, 64 KiB frames)", "pickle",
          "benign control written by the real library (false-positive check)")
write("frame-straddle-bytes.pkl", straddled_bytes(PREFETCH), "benign",
      "BINBYTES straddling a 128 KiB frame's end (every C reading agrees)", "pickle",
      "data only: _Unpickler_ReadInto copies the buffer's rest then the file, contiguously")

manifest = {"generated_by": "scripts/scan-corpus/stream.py",
            "load_script": "scripts/load-sample.py",
            "libraries": "pickle",
            "samples": samples}
with open(os.path.join(OUT, "corpus.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
