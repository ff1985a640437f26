#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test (including live
# interoperability with model_signing 1.1.1, which a missing peer fails rather than skips),
# and the documentation build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-peers.sh
export MODELSEAL_REQUIRE_PEERS=1
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
# ...and without optional features, so the default build stays clean too.
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-features --locked
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked --quiet
# The fuzz targets (run with scripts/fuzz.sh) must keep compiling.
cargo check --manifest-path fuzz/Cargo.toml --target-dir target --locked --quiet
echo "all checks passed"
