#!/usr/bin/env bash
# Scanner comparison: modelseal against picklescan, modelscan, fickling and modelaudit on the
# corpus, in one run (see scripts/bench-scan.py). Results go to docs/BENCHMARKS.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-bench/bin/modelaudit ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet --disable-pip-version-check \
    picklescan==1.0.5 modelscan==0.8.8 fickling==0.1.12 modelaudit==0.2.54
fi
cargo build --release --locked --quiet
exec python3 scripts/bench-scan.py "$@"
