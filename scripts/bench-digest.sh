#!/usr/bin/env bash
# Hashing/signing benchmark: modelseal against model_signing 1.1.1, parallel `openssl dgst
# -sha256` and b3sum, on the same files, in one run, page cache warm. Prints a Markdown table
# of best-of-N wall times and ratios (docs/BENCHMARKS.md records its output).
#
#   scripts/bench-digest.sh [--runs N] [--data DIR] [--small]
#
# --small uses 4 x 64 MiB + 2,000 small files and a 256 MiB file, for a quick check.
# Needs: openssl, the peers in .venv (scripts/setup-peers.sh), b3sum (cargo install b3sum).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
data=bench-data
big_mib=1024
single_mib=4096
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --small) big_mib=64; single_mib=256; shift ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
  esac
done

scripts/setup-peers.sh
cargo build --release --locked --quiet
ms=$PWD/target/release/modelseal
ref=$PWD/.venv/bin/model_signing
b3sum=$(command -v b3sum || echo "$HOME/.cargo/bin/b3sum")
[ -x "$b3sum" ] || { echo "b3sum not found: cargo install b3sum" >&2; exit 1; }

# Random bytes at GB/s: AES-CTR keystream.
random_file() { { openssl enc -aes-128-ctr -pass pass:modelseal -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } | head -c "$2" >"$1"; }

dir=$data/dir-${big_mib}m
single=$data/single-${single_mib}m.bin
if [ ! -f "$dir.complete" ]; then
  rm -rf "$dir"; mkdir -p "$dir/shards" "$dir/small"
  for i in 1 2 3 4; do random_file "$dir/shards/model-0000$i-of-00004.safetensors" $((big_mib << 20)); done
  for i in $(seq 1 2000); do random_file "$dir/small/file-$i.json" $((1000 + i * 37)); done
  touch "$dir.complete"
fi
[ -f "$single" ] || random_file "$single" $((single_mib << 20))
key=$data/key
[ -f "$key" ] || "$ms" key generate --no-passphrase --out "$key" --force -q
cores=$(nproc)

# Warm the page cache so that every tool reads from memory.
cat "$dir"/shards/* "$dir"/small/* "$single" >/dev/null

best() { # best wall time in seconds of a command over $runs runs
  local best=""
  for _ in $(seq 1 "$runs"); do
    local start end t
    start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  printf '%.3f' "$best"
}

# Parallel openssl: big files one per process, small files in batches, $cores at a time.
openssl_parallel() {
  find "$1" -type f -size +1M -print0 | xargs -0 -P "$cores" -n 1 openssl dgst -sha256
  find "$1" -type f -size -1M -print0 | xargs -0 -P "$cores" -n 250 openssl dgst -sha256
}
b3sum_all() { find "$1" -type f -print0 | xargs -0 "$b3sum" --num-threads "$cores"; }

sig=$data/out.sig
declare -A t
for target in dir single; do
  path=$dir; [ $target = single ] && path=$single
    t[$target,ms_digest]=$(best "$ms" digest "$path")
  t[$target,ms_sign]=$(best "$ms" sign "$path" --key "$key" --signature "$sig")
  t[$target,ms_blake3]=$(best "$ms" digest "$path" --hash blake3)
  t[$target,ms_shards]=$(best "$ms" digest "$path" --shard-size 1073741824)
  t[$target,ref_sign]=$(best "$ref" sign key "$path" --private_key "$key" --signature "$sig")
  if [ $target = dir ]; then
    t[$target,openssl]=$(best openssl_parallel "$path")
    t[$target,b3sum]=$(best b3sum_all "$path")
  else
    t[$target,openssl]=$(best openssl dgst -sha256 "$path")
    t[$target,b3sum]=$(best "$b3sum" --num-threads "$cores" "$path")
  fi
done

ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
gbs() { echo "scale=2; $1 / 1024 / $2" | bc -l | sed 's/^\./0./'; }
dir_mib=$((4 * big_mib + $(du -sm "$dir/small" | cut -f1)))

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); best of $runs runs, page cache warm"
echo "dir: 4 x ${big_mib} MiB + 2,000 small files (${dir_mib} MiB); single: one ${single_mib} MiB file"
echo
echo "| tool | dir: s | dir: GiB/s | single: s | single: GiB/s |"
echo "|---|---:|---:|---:|---:|"
row() { echo "| $1 | ${t[dir,$2]} | $(gbs $dir_mib ${t[dir,$2]}) | ${t[single,$2]} | $(gbs $single_mib ${t[single,$2]}) |"; }
row "\`modelseal digest\` (sha256, files)" ms_digest
row "\`modelseal sign\` (sha256, files)" ms_sign
row "\`modelseal digest --shard-size 1GiB\`" ms_shards
row "\`modelseal digest --hash blake3\`" ms_blake3
row "\`model_signing sign key\` 1.1.1" ref_sign
row "\`openssl dgst -sha256\`, $cores in parallel" openssl
row "\`b3sum --num-threads $cores\`" b3sum
echo
echo "| ratio (higher is better for modelseal) | dir | single |"
echo "|---|---:|---:|"
echo "| model_signing sign / modelseal sign | $(ratio ${t[dir,ref_sign]} ${t[dir,ms_sign]}) | $(ratio ${t[single,ref_sign]} ${t[single,ms_sign]}) |"
echo "| model_signing sign / modelseal sign --shard-size 1GiB (digest) | $(ratio ${t[dir,ref_sign]} ${t[dir,ms_shards]}) | $(ratio ${t[single,ref_sign]} ${t[single,ms_shards]}) |"
echo "| parallel openssl / modelseal digest | $(ratio ${t[dir,openssl]} ${t[dir,ms_digest]}) | $(ratio ${t[single,openssl]} ${t[single,ms_digest]}) |"
echo "| modelseal sha256 / modelseal blake3 | $(ratio ${t[dir,ms_digest]} ${t[dir,ms_blake3]}) | $(ratio ${t[single,ms_digest]} ${t[single,ms_blake3]}) |"
echo "| b3sum / modelseal blake3 | $(ratio ${t[dir,b3sum]} ${t[dir,ms_blake3]}) | $(ratio ${t[single,b3sum]} ${t[single,ms_blake3]}) |"
