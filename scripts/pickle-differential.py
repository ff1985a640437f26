#!/usr/bin/env python3
"""Random pickle opcode arguments, each loaded by CPython's two unpicklers, as JSON lines.

    pickle-differential.py --seed S --count N

Each case is a minimal pickle around one argument (numbers in every spelling: signs,
whitespace, base prefixes, leading zeros, PEP 515 underscores, NULs, huge values, empty;
STRING literals with every escape; raw-unicode-escape; GLOBAL/INST/PERSID lines; memo
indices; counted binary arguments) or a framed stream whose opcodes straddle frame ends.
Each is run through the C unpickler (`pickle.loads`, or `pickle.Unpickler` where a hook is
needed: `find_class`, `persistent_load`, a preloaded memo) and the pure-Python one
(`pickle._Unpickler`), and printed as

    {"kind": K, "data": HEX, "c": RESULT, "py": RESULT[, "memo": [I]][, "file": {...}]}

where RESULT is {"err": "ExceptionName"} or {"ok": VALUE}. VALUE is {"int": I} (fits an i64),
{"big": true}, {"bool": B}, {"float": "<IEEE bits, hex>"}, {"str": S} (lone surrogates as
U+FFFD), {"global": [M, N]}, or {"list": ["s:<text>" | "b:<hex>", ...]}. Frame cases also
carry "file": the C unpickler reading an io.BytesIO (no peek) and a BufferedReader of
`buffer_size` bytes; they are read with pickle.load as a file. The decoder's differential
test (crates/modelseal-formats/tests/formats/differential.rs) replays every case.
Deterministic for a seed.
"""
import argparse
import io
import json
import pickle
import random
import re
import struct
import sys
import warnings

PY_SPACE = [b" ", b"\t", b"\x0b", b"\x0c", b"\r"]
NOT_SPACE = [b"\x1c", b"\xa0", b"\x85"]


def encode(value):
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value} if -(2**63) <= value < 2**63 else {"big": True}
    if isinstance(value, float):
        return {"float": struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)}
    if isinstance(value, Global):
        return {"global": [encode(value.module)["str"], encode(value.name)["str"]]}
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, str):
                items.append("s:" + encode(item)["str"])
            elif isinstance(item, (bytes, bytearray)):
                items.append("b:" + bytes(item).hex())
            else:
                return {"other": "list"}
        return {"list": items}
    return {"other": type(value).__name__}


def outcome(load):
    try:
        return {"ok": encode(load())}
    except RecursionError:
        raise
    except BaseException as e:  # noqa: BLE001 - any failure of the loader is the answer
        return {"err": type(e).__name__}


class Global:
    """What find_class returns here: the names it was asked for (INST calls it)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        return self


class CHooked(pickle.Unpickler):
    def find_class(self, module, name):
        return Global(module, name)

    def persistent_load(self, pid):
        return pid


class PyHooked(pickle._Unpickler):
    def find_class(self, module, name):
        return Global(module, name)

    def persistent_load(self, pid):
        return pid


def load_both(data):
    def c():
        return CHooked(io.BytesIO(data), encoding="latin1").load()

    def py():
        return PyHooked(io.BytesIO(data), encoding="latin1").load()

    return outcome(c), outcome(py)


# --- argument spellings -----------------------------------------------------------------

def pick(r, choices, weights=None):
    return r.choices(choices, weights)[0]


def digits(r, alphabet, n):
    return bytes(r.choice(alphabet) for _ in range(n))


def underscored(r, text):
    if not text or r.random() < 0.6:
        return text
    out = bytearray()
    for i, b in enumerate(text):
        out.append(b)
        if r.random() < 0.3:
            out += b"_" * pick(r, [1, 2], [9, 1])
    if r.random() < 0.1:
        out[:0] = b"_"
    return bytes(out)


def number(r):
    special = [b"", b"0", b"1", b"00", b"01", b"+0", b"-0", b"+1", b" 1", b"1 ", b"0x", b"0b",
               b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
               b"-9223372036854775809", b"18446744073709551615", b"0x7fffffffffffffff",
               b"0x8000000000000000", b"-0x8000000000000000", b"0777777777777777777777",
               b"0" * 4300, b"0" * 4301, b"1" * 4300, b"1" * 4301, b"\x00", b"\x00\x00",
               b"1\x00", b"1\x002", b"True", b"1L", b"1l", b"0L"]
    if r.random() < 0.1:
        return r.choice(special)
    ws = lambda: b"" if r.random() < 0.75 else r.choice(PY_SPACE + NOT_SPACE) * r.randint(1, 2)
    sign = pick(r, [b"", b"+", b"-", b"--", b"+-"], [10, 3, 4, 1, 1])
    prefix = pick(r, [b"", b"0x", b"0X", b"0o", b"0O", b"0b", b"0B", b"0", b"00", b"0_"],
                  [20, 3, 1, 3, 1, 3, 1, 4, 1, 1])
    alphabet = {b"0x": b"0123456789abcdefABCDEFg", b"0X": b"0123456789abcdefABCDEFg",
                b"0o": b"012345678", b"0O": b"012345678", b"0b": b"012", b"0B": b"012"}.get(
                    prefix, b"0123456789" if r.random() < 0.95 else b"0123456789a")
    n = pick(r, [0, r.randint(1, 5), r.randint(6, 18), r.randint(18, 21), r.randint(22, 60),
                 r.randint(4295, 4305)], [1, 20, 10, 10, 4, 1])
    body = underscored(r, digits(r, alphabet, n))
    if prefix in (b"0x", b"0X", b"0o", b"0O", b"0b", b"0B") and r.random() < 0.15:
        body = b"_" + body
    suffix = pick(r, [b"", b"L", b"l", b"\x00", b"\x00junk", b"j", b".0", b"e5", b"x"],
                  [40, 4, 1, 2, 1, 1, 1, 1, 1])
    return ws() + sign + prefix + body + ws() + suffix


def float_text(r):
    special = [b"inf", b"-inf", b"+inf", b"Infinity", b"-INFINITY", b"infinit", b"nan", b"-nan",
               b"NaN", b"+nan", b"nan(1)", b"1e308", b"1.8e308", b"1e309", b"-1e999", b"2e-324",
               b"5e-324", b"1e-400", b"0x1p3", b".", b"e5", b"1e", b"1e+", b"1.", b".5", b"-.5",
               b"", b"\x00", b"1.5\x00x", b"1_0.5", b"1__0", b"_1", b"1_", b"1_.5", b"1._5",
               b"1e1_0", b"1e_1", b" 1.5", b"1.5 ", b"\t2\r", b"1,5", b"0" * 400 + b"1"]
    if r.random() < 0.25:
        return r.choice(special)
    sign = pick(r, [b"", b"+", b"-"], [6, 1, 2])
    whole = digits(r, b"0123456789", pick(r, [0, r.randint(1, 3), r.randint(4, 30)], [1, 6, 2]))
    frac = b"" if r.random() < 0.3 else b"." + digits(r, b"0123456789", r.randint(0, 20))
    exp = b"" if r.random() < 0.6 else (pick(r, [b"e", b"E"]) + pick(r, [b"", b"+", b"-"])
                                        + digits(r, b"0123456789", pick(r, [0, 1, 2, 3, 5], [1, 5, 5, 4, 1])))
    text = sign + underscored(r, whole) + frac + exp
    if r.random() < 0.1:
        text = r.choice(PY_SPACE) + text
    if r.random() < 0.1:
        text += r.choice(PY_SPACE)
    return text


def string_body(r):
    pieces = [b"a", b"Z", b" ", b"'", b'"', b"\\", b"\\\\", b"\\n", b"\\t", b"\\r", b"\\a",
              b"\\b", b"\\f", b"\\v", b"\\'", b'\\"', b"\\x41", b"\\xfF", b"\\x4", b"\\xg1",
              b"\\x", b"\\0", b"\\7", b"\\07", b"\\101", b"\\777", b"\\8", b"\\q", b"\\u0041",
              b"\xe9", b"\xff", b"\x00", b"\\\n"[:2]]
    return b"".join(r.choice(pieces) for _ in range(r.randint(0, 8)))


def string_arg(r):
    body = string_body(r)
    quote = pick(r, [b"'", b'"', b"mixed", b"none", b"one"], [10, 6, 1, 1, 1])
    if quote == b"mixed":
        return b"'" + body + b'"'
    if quote == b"none":
        return body
    if quote == b"one":
        return r.choice([b"'", b'"'])
    return quote + body + quote


def unicode_arg(r):
    pieces = [b"a", b"\\", b"\\\\", b"\\u0041", b"\\u00e9", b"\\u12", b"\\u12g4", b"\\U0001F600",
              b"\\U00110000", b"\\Uffffffff", b"\\ud800", b"\\udc00", b"\\U0000d800", b"\\x41",
              b"\\n", b"\xe9", b"\xff", b"\x00", b"u", b"\\U", b"\\u"]
    return b"".join(r.choice(pieces) for _ in range(r.randint(0, 6)))


def name_arg(r):
    pieces = [b"os", b"system", b"a", b"_", b".", b"torch", b"\xc3\xa9", b"\xe4\xb8\xad",
              b"\xed\xa0\x80", b"\xff", b"\xc3", b"\x00", b" ", b"\r", b"1"]
    return b"".join(r.choice(pieces) for _ in range(pick(r, [0, 1, 2, 3], [1, 5, 4, 2])))


def text_case(r):
    kind = pick(r, ["int", "long", "float", "string", "unicode", "global", "inst", "persid",
                    "get", "put", "binary"], [20, 10, 14, 12, 8, 6, 4, 3, 6, 6, 6])
    memo = None
    if kind == "int":
        data = b"I" + number(r) + b"\n."
    elif kind == "long":
        text = number(r)
        data = b"L" + text + (b"L" if r.random() < 0.5 else b"") + b"\n."
    elif kind == "float":
        data = b"F" + float_text(r) + b"\n."
    elif kind == "string":
        data = b"S" + string_arg(r) + b"\n."
    elif kind == "unicode":
        data = b"V" + unicode_arg(r) + b"\n."
    elif kind == "global":
        data = b"c" + name_arg(r) + b"\n" + name_arg(r) + b"\n."
    elif kind == "inst":
        data = b"(i" + name_arg(r) + b"\n" + name_arg(r) + b"\n."
    elif kind == "persid":
        data = b"P" + name_arg(r) + b"\n."
    elif kind in ("get", "put"):
        text = number(r) if r.random() < 0.7 else str(r.randint(0, 300)).encode()
        # Bound what the C unpickler allocates for its memo array (16 bytes per index up to
        # the largest): small, or so large that the allocation fails at once.
        runs = re.split(rb"[^0-9]", text.replace(b"_", b""))
        run = max((len(d.lstrip(b"0")) for d in runs if d), default=0)
        if 5 <= run < 19:
            text = str(r.randint(0, 9999)).encode()
        if kind == "get":
            # The memo holds one index (what the generator meant); GET finds it or fails.
            try:
                target = int(text.replace(b"_", b"").strip(b" \t\r\x0b\x0c+"), 10)
            except ValueError:
                target = r.randint(0, 3)
            if not 0 <= target < 10000:
                target = 1
            memo = {target: target}
            data = b"Np" + str(target).encode() + b"\n0g" + text + b"\n."
        else:
            data = b"Np" + text + b"\n0g" + text + b"\n."
    else:
        data = binary_case(r)
    c, py = load_both(data)
    if kind == "get":
        c, py = ({"ok": {"int": next(iter(memo))}} if "ok" in x else x for x in (c, py))
    if kind == "put":
        # The value pushed back is None either way; what matters is the index it was put at,
        # which the second GET of the same text proves. Report it as the memo key.
        c = memo_key(c, data, CHooked)
        py = memo_key(py, data, PyHooked)
    case = {"kind": kind, "data": data.hex(), "c": c, "py": py}
    if memo is not None:
        case["memo"] = sorted(memo)
    return case


def memo_key(result, data, unpickler):
    if "err" in result:
        return result
    u = unpickler(io.BytesIO(data), encoding="latin1")
    u.load()
    memo = u.memo.copy() if hasattr(u.memo, "copy") else dict(u.memo)
    keys = sorted(memo)
    return {"ok": encode(keys[0])} if len(keys) == 1 else {"err": "memo"}


def utf8ish(r):
    pieces = [b"a", b"\xc3\xa9", b"\xe4\xb8\xad", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80",
              b"\xed\xbf\xbf", b"\xed\x9f\xbf", b"\xc0\x80", b"\xff", b"\xc3", b"\xf4\x90\x80\x80",
              b"\x00"]
    return b"".join(r.choice(pieces) for _ in range(r.randint(0, 5)))


def binary_case(r):
    op = r.choice(["long1", "long4", "binunicode", "short_binunicode", "binunicode8",
                   "binstring", "short_binstring", "binbytes", "frame"])
    short = r.random() < 0.1
    if op == "long1":
        body = bytes(r.getrandbits(8) for _ in range(r.randint(0, 20)))
        if r.random() < 0.3 and body:
            body = body[:1] * len(body)
        data = b"\x8a" + bytes([len(body)]) + body
    elif op == "long4":
        body = bytes(r.getrandbits(8) for _ in range(r.randint(0, 12)))
        n = len(body) if r.random() < 0.9 else r.choice([-1, -(2**31)])
        data = b"\x8b" + struct.pack("<i", n) + body
    elif op in ("binunicode", "short_binunicode", "binunicode8"):
        body = utf8ish(r)
        head = {"binunicode": b"X" + struct.pack("<I", len(body)),
                "short_binunicode": b"\x8c" + bytes([len(body)]),
                "binunicode8": b"\x8d" + struct.pack("<Q", len(body))}[op]
        data = head + body
    elif op in ("binstring", "short_binstring"):
        body = bytes(r.getrandbits(8) for _ in range(r.randint(0, 6)))
        n = len(body) if r.random() < 0.85 else -1
        data = (b"T" + struct.pack("<i", n) if op == "binstring" else b"U" + bytes([len(body)])) + body
    elif op == "binbytes":
        body = bytes(r.getrandbits(8) for _ in range(r.randint(0, 6)))
        data = b"B" + struct.pack("<I", len(body)) + body + b"0N"
    else:
        # A frame that does or does not cover the rest.
        rest = b"N."
        n = r.choice([0, 1, 2, 3, 100, 2**63, 2**64 - 1])
        data = b"\x80\x04\x95" + struct.pack("<Q", n) + rest
        return data
    data += b"."
    if short:
        data = data[: r.randint(0, len(data) - 1)]
    return data


# --- framed streams: what each reading of a file joins --------------------------------------

def framed_case(r):
    """Frames whose last opcode may run past the frame's end, read from bytes and files."""
    body = bytearray(b"\x80\x04")
    frames = r.randint(1, 3)
    body += b"]("  # EMPTY_LIST, MARK
    for _ in range(frames):
        items = bytearray()
        for _ in range(r.randint(0, 4)):
            items += item(r)
        straddle = r.random() < 0.7
        frame_len = len(items)
        tail = b""
        if straddle:
            # The frame ends inside the next opcode: its header, part of its argument.
            tail = item(r, big=r.random() < 0.2)
            cut = r.randint(1, max(1, len(tail) - 1))
            frame_len += cut
        if r.random() < 0.15:
            frame_len = r.choice([2**17 - 1, 2**17, 2**17 + 1, frame_len + r.randint(1, 50)])
        body += b"\x95" + struct.pack("<Q", frame_len) + items + tail
    if r.random() < 0.5:
        body += bytes(r.choice(b"aNe") for _ in range(r.randint(0, 3)))
    body += b"e."
    if r.random() < 0.2:
        body += bytes(r.getrandbits(8) for _ in range(r.randint(0, 40)))
    return bytes(body)


def item(r, big=False):
    text = bytes(r.choice(b"abcXe.(N\x8c\x95") for _ in range(r.randint(0, 12)))
    if big:
        text = b"a" * r.choice([4000, 5000, 70000, 140000])
    form = r.choice(["short_binunicode", "binunicode", "unicode", "short_binbytes", "binbytes"])
    if form == "short_binunicode" and len(text) < 256:
        return b"\x8c" + bytes([len(text)]) + text
    if form == "unicode" and b"\n" not in text and b"\\" not in text:
        return b"V" + text + b"\n"
    if form == "short_binbytes" and len(text) < 256:
        return b"C" + bytes([len(text)]) + text
    if form == "binbytes":
        return b"B" + struct.pack("<I", len(text)) + text
    return b"X" + struct.pack("<I", len(text)) + text


class BytesRaw(io.RawIOBase):
    """A raw stream over bytes, so BufferedReader buffers exactly as over a regular file."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, b):
        return self._data.readinto(b)


def frame_case(r):
    data = framed_case(r)
    size = r.choice([4096, 4096, 8192, r.randint(16, 9000)])
    c = outcome(lambda: pickle.loads(data))
    py = outcome(lambda: pickle._loads(data))
    file_c = outcome(lambda: pickle.load(io.BytesIO(data)))
    buffered = outcome(lambda: pickle.load(io.BufferedReader(BytesRaw(data), buffer_size=size)))
    return {"kind": "frame", "data": data.hex(), "c": c, "py": py,
            "file": {"c": file_c, "buffered": buffered, "buffer_size": size}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--frames", type=float, default=0.02,
                        help="share of cases that are framed streams (slower: four loads)")
    args = parser.parse_args()
    # STRING's unknown escapes warn; the warnings are not the answer.
    warnings.simplefilter("ignore")
    r = random.Random(args.seed)
    out = sys.stdout
    for _ in range(args.count):
        case = frame_case(r) if r.random() < args.frames else text_case(r)
        out.write(json.dumps(case) + "\n")


if __name__ == "__main__":
    main()
