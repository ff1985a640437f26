#!/usr/bin/env bash
# Installs the real peer tools the tests run: Python peers (model_signing, the OMS reference,
# and the libraries that write and load the scanner corpus) into ./.venv, and Microsoft's
# SARIF validator (npm) into ./.tools. Idempotent: does nothing when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=scripts/peers-requirements.txt
stamp=.venv/.modelseal-peers.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if ! { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/model_signing ]; }; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
fi
sarif_validator=@microsoft/sarif-multitool@5.7.0
if [ ! -x .tools/node_modules/.bin/sarif-multitool ]; then
  npm install --silent --no-audit --no-fund --prefix .tools "$sarif_validator" >/dev/null
fi
