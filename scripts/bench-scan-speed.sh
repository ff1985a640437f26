#!/usr/bin/env bash
# Pickle scan speed vs loading: a ≥ 50 MB data-heavy pickle written by CPython is scanned by
# modelseal (release build), loaded by CPython's pickle.load, and scanned by picklescan and
# modelaudit, in one run, with wall time and peak RSS (see scripts/bench-scan-speed.py).
# Results go to docs/BENCHMARKS.md ("Pickle scan speed vs loading") by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-bench/bin/modelaudit ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet --disable-pip-version-check \
    picklescan==1.0.5 modelscan==0.8.8 fickling==0.1.12 modelaudit==0.2.54
fi
cargo build --release --locked --quiet -p modelseal
exec python3 scripts/bench-scan-speed.py "$@"
