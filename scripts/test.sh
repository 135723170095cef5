#!/usr/bin/env bash
# Runs every check and test of the workspace. One profile (release) and one feature set,
# so tests, benches and binaries share one compiled dependency graph in one target dir.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

bash scripts/setup.sh

step() { printf '\n== %s ==\n' "$*"; }

# Every pallet's benchmarks run as tests: one feature set for everything (the pallets'
# runtime-benchmarks), so the polkadot-sdk graph is compiled once for lint, tests and benches.
features="pallet-mutual-credit/runtime-benchmarks,pallet-ghost-registry/runtime-benchmarks,pallet-inference/runtime-benchmarks"
export SKIP_WASM_BUILD=${SKIP_WASM_BUILD:-1}

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --all-targets --release --locked --features "$features" -- -D warnings

step "no_std primitives for the runtime's targets"
cargo build --release --locked -p ghost-primitives --no-default-features --target wasm32-unknown-unknown
cargo build --release --locked -p ghost-primitives --no-default-features --target wasm32v1-none

step "tests"
cargo test --workspace --release --locked --features "$features"

step "benches compile"
cargo bench --workspace --locked --no-run --features "$features"
