#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test (including live
# interoperability with model_signing 1.1.1, which a missing peer fails rather than skips),
# and the documentation build.
#
# `scripts/test.sh --quick` is the fast path for development: the Rust tests alone, no
# peers installed, no lints; every test that needs a peer is listed as skipped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every skip is written here and summarised at the end: cargo test hides a passing test's
# output, so a skip would otherwise pass unseen.
mkdir -p target
export MODELSEAL_SKIP_LOG="$PWD/target/skipped.log"
: > "$MODELSEAL_SKIP_LOG"
summarise_skips() {
  echo "$(wc -l < "$MODELSEAL_SKIP_LOG") test(s) skipped" >&2
  sed 's/^/  /' "$MODELSEAL_SKIP_LOG" >&2
}
command -v cargo >/dev/null 2>&1 || {
  echo "test.sh: cargo is not installed (Rust 1.95+: https://rustup.rs)" >&2
  exit 127
}
if [ "${1:-}" = "--quick" ]; then
  status=0
  cargo test --workspace --all-features --locked --no-fail-fast || status=$?
  summarise_skips
  if [ "$status" -ne 0 ]; then
    echo "quick run FAILED (exit $status)" >&2
    exit "$status"
  fi
  echo "quick run passed (not the full suite: run scripts/test.sh for the peers, lints and docs)"
  exit 0
elif [ $# -gt 0 ]; then
  echo "usage: scripts/test.sh [--quick]" >&2
  exit 64
fi
scripts/setup-peers.sh
export MODELSEAL_REQUIRE_PEERS=1
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
# ...and without optional features, so the default build stays clean too.
cargo clippy --workspace --all-targets --locked -- -D warnings
status=0
cargo test --workspace --all-features --locked --no-fail-fast || status=$?
if [ "$status" -ne 0 ]; then
  summarise_skips
  echo "tests FAILED (exit $status)" >&2
  exit "$status"
fi
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked --quiet
# The fuzz targets (run with scripts/fuzz.sh) must keep compiling.
cargo check --manifest-path fuzz/Cargo.toml --target-dir target --locked --quiet
# A required peer that is missing already failed its test (MODELSEAL_REQUIRE_PEERS); only the
# optional torch tier (5 GB, scripts/setup-peers.sh --torch) may skip, and it is listed.
summarise_skips
if grep -qv ': optional torch tier: ' "$MODELSEAL_SKIP_LOG"; then
  echo "a required test skipped: failing" >&2
  exit 1
fi
echo "all checks passed"
