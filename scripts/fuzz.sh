#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, seeded from tests/fixtures.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
# Install once with: cargo install cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(oms_statement signature_bundle private_key certificate_chain scan_pickle scan_bytes)
export RUSTC_BOOTSTRAP=1

fixtures=tests/fixtures/oms-model-signing-1.1.1
mkdir -p fuzz/corpus/{oms_statement,signature_bundle,private_key,certificate_chain,scan_pickle,scan_bytes}
# The scanner targets start from the real-library corpus (small files only).
find tests/fixtures/scan-corpus -type f -size -64k ! -name corpus.json -exec cp {} fuzz/corpus/scan_bytes/ \;
find tests/fixtures/scan-corpus -type f \( -name '*.pkl' -o -name '*-raw.joblib' \) -size -64k -exec cp {} fuzz/corpus/scan_pickle/ \;
for sig in "$fixtures"/*.sig examples/model.sig; do
  cp "$sig" "fuzz/corpus/signature_bundle/$(basename "$sig")"
  python3 -c 'import json,base64,sys; sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]))' "$sig" \
    > "fuzz/corpus/oms_statement/$(basename "$sig").json"
done
cp "$fixtures"/keys/*.pem examples/keys/* fuzz/corpus/private_key/
for pem in "$fixtures"/keys/cert/*.pem; do
  openssl x509 -in "$pem" -outform DER -out "fuzz/corpus/certificate_chain/$(basename "$pem" .pem).der" 2>/dev/null || true
done

for target in "${targets[@]}"; do
  echo "== $target for ${seconds}s"
  cargo fuzz run -O "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 | tail -n 12
done
