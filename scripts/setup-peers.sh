#!/usr/bin/env bash
# Installs the real peer tools the interoperability tests run (model_signing, the OMS
# reference) into ./.venv. Idempotent: does nothing when the requirements are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=scripts/peers-requirements.txt
stamp=.venv/.modelseal-peers.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/model_signing ]; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$want" > "$stamp"
