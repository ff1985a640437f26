#!/usr/bin/env python3
"""Pickle scan speed vs loading, in one run (scripts/bench-scan-speed.sh sets it up).

    scripts/bench-scan-speed.sh [--mb 50] [--runs 3] [--keep PATH]

Writes a deterministic data-heavy pickle (records of lists, dicts, strings and floats, as a
dataset or a tokenizer cache is pickled) with CPython's default protocol, then runs each tool
on it `--runs` times as a separate process and reports the best wall time and the highest peak
RSS (from wait4's rusage of that one process). Prints a markdown table with ratios to
`pickle.load`. The target of issue 13: modelseal at least 10x faster than loading, with a
lower peak RSS.
"""
import argparse
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".venv-bench/bin")
MODELSEAL = os.path.join(ROOT, "target/release/modelseal")
LOAD = "import pickle, sys\nwith open(sys.argv[1], 'rb') as f:\n    pickle.load(f)\n"


def records(count):
    rng = random.Random(13)
    for i in range(count):
        yield {
            "id": i,
            "name": f"item-{i:08d}",
            "score": rng.random(),
            "tags": [f"tag{rng.randrange(100000)}" for _ in range(3)],
            "values": [rng.random() for _ in range(8)],
            "meta": {"source": "bench", "weight": rng.random(), "ok": i % 3 == 0},
        }


def write(path, megabytes):
    # About 180 bytes per record: write, then grow until the file is large enough.
    count = megabytes * 5_900
    while True:
        data = {"version": 1, "rows": list(records(count))}
        with open(path, "wb") as f:
            pickle.dump(data, f)
        size = os.path.getsize(path)
        if size >= megabytes << 20:
            return size, count
        count = int(count * (megabytes << 20) / size * 1.02) + 1


def run(cmd):
    """Wall time, CPU time (user + system), peak RSS in bytes and exit code of one run."""
    # Output to a scratch file: modelseal refuses a stdout it cannot tell from a closed one.
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=out,
                                env={**os.environ, "NO_COLOR": "1"})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def ratio(base, value):
    speed = base / value if value else float("inf")
    return f"{speed:.1f}x faster" if speed >= 1 else f"{1 / speed:.1f}x slower"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="write the pickle here and keep it")
    parser.add_argument("--only", nargs="*", help="tools to run (first word of the name)")
    parser.add_argument("--write", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        print(*write(args.write, args.mb))
        return
    tmp = tempfile.mkdtemp(prefix="bench-scan-speed-")
    path = args.keep or os.path.join(tmp, "data-heavy.pkl")
    # Written by a child process: a child forked from a parent holding the records would
    # start with the parent's peak RSS (ru_maxrss survives exec).
    written = subprocess.run([sys.executable, __file__, "--mb", str(args.mb), "--write", path],
                             check=True, capture_output=True, text=True).stdout.split()
    size, count = int(written[0]), int(written[1])
    tools = [
        ("pickle.load (CPython %d.%d)" % sys.version_info[:2], [sys.executable, "-c", LOAD, path]),
        ("modelseal scan", [MODELSEAL, "scan", "-q", path]),
        ("picklescan 1.0.5", [os.path.join(BENCH, "picklescan"), "-p", path]),
        ("modelaudit 0.2.54", [os.path.join(BENCH, "modelaudit"), "scan", path]),
    ]
    rows = []
    for name, cmd in tools:
        if args.only and name.split()[0] not in args.only:
            continue
        if not os.path.exists(cmd[0]):
            rows.append((name, None, None, None, "missing"))
            continue
        results = [run(cmd) for _ in range(args.runs)]
        rows.append((name, min(r[0] for r in results), min(r[1] for r in results),
                     max(r[2] for r in results), str(results[-1][3])))
    print(f"data-heavy pickle: {size / (1 << 20):.1f} MiB, {count} records, protocol "
          f"{pickle.DEFAULT_PROTOCOL}; best of {args.runs} runs each; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| tool | exit | wall time | CPU time | peak RSS | CPU time vs pickle.load "
          "| wall vs pickle.load | RSS vs pickle.load |")
    print("|---|---|---|---|---|---|---|---|")
    _, base_wall, base_cpu, base_rss, _ = rows[0]
    for name, wall, cpu, rss, code in rows:
        if wall is None:
            print(f"| {name} | {code} | – | – | – | – | – | – |")
            continue
        print(f"| {name} | {code} | {wall:.2f} s | {cpu:.2f} s | {rss / (1 << 20):.0f} MiB "
              f"| {ratio(base_cpu, cpu)} | {ratio(base_wall, wall)} | {rss / base_rss:.2f} |")
    if not args.keep:
        os.remove(path)
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
