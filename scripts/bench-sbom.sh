#!/usr/bin/env bash
# SBOM comparison: `modelseal sbom create` against `cyclonedx-py environment` (cyclonedx-bom,
# with its default validation and with --no-validate) over the same virtualenv, in one run.
# Usage: scripts/bench-sbom.sh [VENV]   (default: the peers' .venv, ~120 packages)
# Results go to docs/BENCHMARKS.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
[ -x "$venv/bin/cyclonedx-py" ] || scripts/setup-peers.sh
cargo build --release --locked --quiet
exec python3 - "$venv" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, time

venv = sys.argv[1]
out = tempfile.mkdtemp()
packages = sum(1 for d in os.listdir(next(
    os.path.join(venv, "lib", p, "site-packages") for p in os.listdir(os.path.join(venv, "lib"))))
    if d.endswith(".dist-info"))

def timed(cmd, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)

ms_json = os.path.join(out, "modelseal.json")
runs = {
    # create checks its own document (the built-in CycloneDX validator) before writing it
    "modelseal sbom create": (["target/release/modelseal", "sbom", "create", "--python-env", venv,
                               "-o", ms_json], 20),
    "modelseal sbom validate (the same document again)": (
        ["target/release/modelseal", "sbom", "validate", ms_json], 20),
    "cyclonedx-py environment (validation on, its default)": (
        [os.path.join(venv, "bin", "cyclonedx-py"), "environment", "--of", "JSON", "--sv", "1.6",
         "-o", os.path.join(out, "peer.json"), os.path.join(venv, "bin", "python")], 3),
    "cyclonedx-py environment --no-validate": (
        [os.path.join(venv, "bin", "cyclonedx-py"), "environment", "--no-validate", "--of", "JSON",
         "--sv", "1.6", "-o", os.path.join(out, "peer-nv.json"), os.path.join(venv, "bin", "python")], 3),
}
results = {name: timed(cmd, n) for name, (cmd, n) in runs.items()}
components = len(json.load(open(ms_json))["components"])
base = results["modelseal sbom create"][1]
print(f"environment: {venv} ({packages} distributions, {components} components)\n")
print("| command | best | median | median vs modelseal create |")
print("|---|---:|---:|---:|")
for name, (best, median) in results.items():
    print(f"| {name} | {best*1000:.1f} ms | {median*1000:.1f} ms | {median/base:.1f}x |")
PY
