#!/usr/bin/env python3
"""Scanner comparison on the corpus: detections, false alarms, errors and wall time per tool.

    scripts/bench-scan.sh            (sets up .venv-bench with the peers, then runs this)

Each tool is run on every corpus file separately, as a CI gate would run it per artifact,
and its exit code is read as its verdict; then on the whole corpus directory once, timed.
A 4 GiB PyTorch-layout checkpoint (zip, one data.pkl and one 4 GiB storage) is generated and
scanned to show that only pickle members are read.
"""
import json
import os
import resource
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests/fixtures/scan-corpus")
BENCH = os.path.join(ROOT, ".venv-bench/bin")
MODELSEAL = os.path.join(ROOT, "target/release/modelseal")

# (name, command for one path, how to read the exit code, supports a directory)
TOOLS = [
    ("modelseal 0.1.0", lambda p: [MODELSEAL, "scan", "-q", p], {0: "clean", 2: "alarm", 4: "error"}),
    ("picklescan 1.0.5", lambda p: [f"{BENCH}/picklescan", "-p", p], {0: "clean", 1: "alarm", 2: "error"}),
    ("modelscan 0.8.8", lambda p: [f"{BENCH}/modelscan", "-p", p], {0: "clean", 1: "alarm", 2: "error", 3: "not scanned", 4: "error"}),
    ("fickling 0.1.12", lambda p: [f"{BENCH}/fickling", "--check-safety", p], {0: "clean", 1: "alarm"}),
    ("modelaudit 0.2.54", lambda p: [f"{BENCH}/modelaudit", "scan", p], {0: "clean", 1: "alarm", 2: "error"}),
]


def run(cmd, timeout=600):
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env={**os.environ, "NO_COLOR": "1"})
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    return code, time.perf_counter() - start


def main():
    # Optional tool filter: bench-scan.py modelseal picklescan
    wanted = sys.argv[1:]
    tools = [t for t in TOOLS if not wanted or t[0].split()[0] in wanted]
    samples = json.load(open(os.path.join(CORPUS, "corpus.json")))["samples"]
    malicious = [s for s in samples if s["kind"] == "malicious"]
    benign = [s for s in samples if s["kind"] == "benign"]
    rows, misses = [], {}
    for name, cmd, verdicts in tools:
        detected = alarms = errors = 0
        missed = []
        start = time.perf_counter()
        for s in samples:
            code, _ = run(cmd(os.path.join(CORPUS, s["file"])))
            verdict = verdicts.get(code, "error")
            if s["kind"] == "malicious":
                if verdict == "alarm":
                    detected += 1
                else:
                    missed.append(f'{s["file"]} ({verdict})')
            elif verdict == "alarm":
                alarms += 1
            if verdict in ("error", "timeout"):
                errors += 1
        per_file = time.perf_counter() - start
        if name.startswith("fickling"):
            whole = per_file  # no directory mode
        else:
            _, whole = run(cmd(CORPUS))
            if whole < 1:  # fast: best of ten, the same for every tool, against machine noise
                whole = min([whole] + [run(cmd(CORPUS))[1] for _ in range(9)])
            elif whole < 10:
                whole = min([whole] + [run(cmd(CORPUS))[1] for _ in range(2)])
        rows.append((name, detected, alarms, errors, per_file, whole))
        misses[name] = missed
    ours = rows[0]
    print(f"corpus: {len(malicious)} malicious, {len(benign)} benign samples (tests/fixtures/scan-corpus)\n")
    print(f"| tool | malicious detected | false alarms on benign | errors / not scanned | {len(samples)} per-file runs, s | modelseal faster (per file) | whole corpus, ms | modelseal faster (whole corpus) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, detected, alarms, errors, per_file, whole in rows:
        per = "—" if name == ours[0] else f"{per_file / ours[4]:.0f}×"
        speed = "—" if name == ours[0] else f"{whole / ours[5]:.0f}×"
        print(f"| {name} | {detected}/{len(malicious)} | {alarms}/{len(benign)} | {errors} | {per_file:.2f} | {per} | {whole * 1000:.1f} | {speed} |")
    print()
    for name, missed in misses.items():
        if missed:
            print(f"- {name} missed: " + ", ".join(missed))
    big_checkpoint()


def big_checkpoint():
    path = os.path.join(ROOT, "bench-data/checkpoint-4g.pt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        import pickle
        chunk = os.urandom(1 << 20)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
            z.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
            z.writestr("archive/version", "3\n")
            with z.open("archive/data/0", "w", force_zip64=True) as f:
                for _ in range(4096):
                    f.write(chunk)
    size = os.path.getsize(path)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([MODELSEAL, "scan", "-q", path], capture_output=True)
        times.append(time.perf_counter() - start)
    rss = subprocess.run(["/usr/bin/time", "-f", "%M", MODELSEAL, "scan", "-q", path], capture_output=True, text=True).stderr.strip().splitlines()[-1]
    print(f"\n4 GiB PyTorch-layout checkpoint ({size / 2**30:.2f} GiB, zip with data.pkl and one 4 GiB storage):"
          f" modelseal scan {min(times) * 1000:.0f} ms (best of 3), peak RSS {int(rss) / 1024:.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
