#!/usr/bin/env bash
# Installs the real peer tools the tests run: Python peers (model_signing, the OMS reference,
# and the libraries that write and load the scanner corpus) into ./.venv, and Microsoft's
# SARIF validator (npm) into ./.tools. Idempotent: does nothing when nothing changed.
#
#   scripts/setup-peers.sh           the suite's peers (about 1 GB)
#   scripts/setup-peers.sh --torch   and PyTorch (5 GB more, with the CUDA runtime PyPI bundles),
#                                    to prove the corpus's torch samples under torch.load
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in python3 npm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "setup-peers: $tool is not installed; the test peers need it (Debian: apt-get install python3-venv npm)" >&2
    exit 127
  }
done
base=scripts/peers-requirements.txt
torch=scripts/peers-torch-requirements.txt
base_sum=$(cat "$base" | sha256sum | cut -d' ' -f1)
torch_sum=$(cat "$base" "$torch" | sha256sum | cut -d' ' -f1)
stamp=.venv/.modelseal-peers.sha256
have=$(cat "$stamp" 2>/dev/null || true)
if [ "${1:-}" = "--torch" ]; then
  requirements=$torch want=$torch_sum ok="$torch_sum"
else
  requirements=$base want=$base_sum ok="$base_sum $torch_sum"
fi
if ! { [ -x .venv/bin/model_signing ] && [[ " $ok " == *" $have "* ]] && [ -n "$have" ]; }; then
  echo "setup-peers: installing the Python peers from PyPI into .venv (about 0.9 GB, 5 GB more with --torch; a few minutes the first time)" >&2
  python3 -m venv .venv
  # No download cache: it would double the disk the wheels take. One line per package.
  # (pipefail: a failing pip fails the script; its ERROR lines pass the filter.)
  .venv/bin/pip install --no-cache-dir --disable-pip-version-check --progress-bar off -r "$requirements" 2>&1 \
    | { grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' | cut -c1-160 >&2 || true; }
  echo "$want" > "$stamp"
fi
sarif_validator=@microsoft/sarif-multitool@5.7.0
if [ ! -x .tools/node_modules/.bin/sarif-multitool ]; then
  echo "setup-peers: installing Microsoft's SARIF validator from npm into .tools (about 0.1 GB)" >&2
  npm install --silent --no-audit --no-fund --prefix .tools "$sarif_validator" >/dev/null
fi
