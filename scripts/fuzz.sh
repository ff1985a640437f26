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
all=(oms_statement signature_bundle private_key certificate_chain scan_pickle scan_bytes scan_zip scan_safetensors scan_gguf scan_hdf5 audit_log sbom_document sbom_files formats_zip formats_gguf formats_safetensors formats_npy formats_pickle scan_code)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
export RUSTC_BOOTSTRAP=1

fixtures=tests/fixtures/oms-model-signing-1.1.1
for target in "${all[@]}"; do mkdir -p "fuzz/corpus/$target"; done
# The scanner targets start from the real-library corpus (small files only).
find tests/fixtures/scan-corpus -type f -size -64k ! -name corpus.json -exec cp {} fuzz/corpus/scan_bytes/ \;
find tests/fixtures/scan-corpus -type f \( -name '*.pkl' -o -name '*-raw.joblib' \) -size -64k -exec cp {} fuzz/corpus/scan_pickle/ \;
find tests/fixtures/scan-corpus -type f \( -name '*.pt' -o -name '*.npz' -o -name '*.keras' \) -size -64k -exec cp {} fuzz/corpus/scan_zip/ \;
find tests/fixtures/scan-corpus -type f -name '*.safetensors' -exec cp {} fuzz/corpus/scan_safetensors/ \;
find tests/fixtures/scan-corpus -type f -name '*.gguf' -exec cp {} fuzz/corpus/scan_gguf/ \;
# The pickle decoder (its first bytes pick a dialect and source) from the same pickles; the code
# scanners (first byte picks the scanner) from templates, configs and YAML.
cp fuzz/corpus/scan_pickle/* fuzz/corpus/formats_pickle/ 2>/dev/null || true
find tests/fixtures/scan-corpus -type f \( -name '*.jinja' -o -name '*.yaml' -o -name '*.json' -o -name '*.py' \) -size -64k -exec cp {} fuzz/corpus/scan_code/ \;
# The format parsers start from the same files as their scanners.
for format in zip gguf safetensors; do cp fuzz/corpus/scan_$format/* fuzz/corpus/formats_$format/ 2>/dev/null || true; done
find tests/fixtures/scan-corpus -type f -name '*.npy' -size -64k -exec cp {} fuzz/corpus/formats_npy/ \;
find tests/fixtures/hdf5 tests/fixtures/scan-corpus -type f -name '*.h5' -exec cp {} fuzz/corpus/scan_hdf5/ \;
# SBOM documents: the writers' and validators' fixtures and the real SPDX example.
find crates/modelseal-sbom/tests/fixtures -type f \( -name '*.json' -o -name '*.xml' \) -size -64k -exec cp {} fuzz/corpus/sbom_document/ \;
# The collectors' inputs: real lockfiles and model headers, the selector byte naming the parser.
lockfiles=crates/modelseal-sbom/tests/fixtures/lockfiles
seed_file() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } > "fuzz/corpus/sbom_files/$1-$(basename "$2")"; }
seed_file 0 "$lockfiles/uv/requirements.txt"; seed_file 1 "$lockfiles/poetry/poetry.lock"
seed_file 2 "$lockfiles/uv/uv.lock"; seed_file 3 "$lockfiles/pipenv/Pipfile.lock"
seed_file 4 "$lockfiles/uv/pylock.toml"; seed_file 5 "$lockfiles/cargo/Cargo.lock"
seed_file 6 "$lockfiles/npm/package-lock.json"
for f in tests/fixtures/scan-corpus/benign/*.gguf; do seed_file 7 "$f"; done
for f in tests/fixtures/scan-corpus/benign/*.safetensors; do seed_file 8 "$f"; done
seed_file 10 crates/modelseal-osv/tests/fixtures/osv/PyPI/$(ls crates/modelseal-osv/tests/fixtures/osv/PyPI | head -1)
# A small real audit log with a checkpoint, written by the CLI.
if [ ! -s fuzz/corpus/audit_log/seed.jsonl ]; then
  cargo build --quiet --release --bin modelseal
  seed=$(mktemp -d)
  target/release/modelseal key generate --no-passphrase --algorithm ed25519 --out "$seed/k" >/dev/null 2>&1
  for _ in 1 2 3; do target/release/modelseal scan examples --audit-log fuzz/corpus/audit_log/seed.jsonl >/dev/null || true; done
  target/release/modelseal audit checkpoint fuzz/corpus/audit_log/seed.jsonl --key "$seed/k" >/dev/null
  rm -rf "$seed"
fi
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
