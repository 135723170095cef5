#!/usr/bin/env bash
# Runs every check and test of the workspace. One profile (release) and one feature set,
# so tests, benches and binaries share one compiled dependency graph in one target dir.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

bash scripts/setup.sh

step() { printf '\n== %s ==\n' "$*"; }

# One feature set for everything: runtime benchmarks on (the pallets' benchmarks run as
# tests, and the node can regenerate weights), so the polkadot-sdk graph is compiled once
# for the node, the runtime, the tests and the benches.
features="ghost-node/runtime-benchmarks,pallet-mutual-credit/runtime-benchmarks,pallet-ghost-registry/runtime-benchmarks,pallet-inference/runtime-benchmarks"

step "format"
cargo fmt --all -- --check

step "lint"
# Lint runs in check mode, a second compilation of every dependency: the node and runtime
# (1,000+ client crates) are linted by developers before they commit, not here, to keep
# CI within its time budget. Everything else is linted on every run.
cargo clippy --workspace --exclude ghost-node --exclude ghost-runtime --all-targets --release --locked \
    --features "pallet-mutual-credit/runtime-benchmarks,pallet-ghost-registry/runtime-benchmarks,pallet-inference/runtime-benchmarks" -- -D warnings

step "no_std primitives for the runtime's targets"
cargo build --release --locked -p ghost-primitives --no-default-features --target wasm32-unknown-unknown
cargo build --release --locked -p ghost-primitives --no-default-features --target wasm32v1-none

step "tests (builds ghost-node and its wasm runtime for the integration tests)"
cargo test --workspace --release --locked --features "$features"

step "benches compile"
cargo bench --workspace --locked --no-run --features "$features"
