#!/usr/bin/env bash
# The README quick start: build modelseal, then on a copy of examples/model generate a key,
# sign the model, verify it, and show a one-byte tamper being caught.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in cargo python3; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "quickstart: $tool is not installed (needed: a Rust toolchain 1.95+ from https://rustup.rs, and python3)" >&2
    exit 127
  }
done
# Bold headings on a terminal only, and never under NO_COLOR.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
# Say what is about to take time, then let cargo show its progress.
printf '%sBuilding modelseal (release).%s A first build compiles ~200 crates: about 3 minutes on\n' "$bold" "$plain" >&2
printf 'an idle 2-core machine, seconds afterwards. Progress follows.\n\n' >&2
cargo build --release --locked -p modelseal
ms=target/release/modelseal
printf '\nBuilt %s (install it on your PATH with: cargo install --locked --path crates/modelseal)\n' "$ms" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/model "$work/model"

step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

step modelseal verify examples/model --key examples/keys/example-ecdsa-p256.pub --signature examples/model.sig
"$ms" verify examples/model --key examples/keys/example-ecdsa-p256.pub --signature examples/model.sig

step modelseal key generate --no-passphrase --out key
"$ms" key generate --no-passphrase --out "$work/key"
step modelseal sign model --key key
"$ms" sign "$work/model" --key "$work/key"
step modelseal verify model --key key.pub
"$ms" verify "$work/model" --key "$work/key.pub"

step "flip one byte of model.safetensors, add a file, then verify again"
python3 - "$work/model/model.safetensors" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-1] ^= 1; open(p, "wb").write(b)
PY
echo "import os; os.system('id')" > "$work/model/helper.py"
status=0
"$ms" verify "$work/model" --key "$work/key.pub" || status=$?
if [ "$status" -eq 1 ]; then
  printf '\ntamper caught: verify exited with %s (integrity failure)\n' "$status"
else
  printf '\nexpected exit 1, got %s\n' "$status" >&2
  exit 1
fi
