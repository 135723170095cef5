#!/usr/bin/env bash
# Regenerates each Ghostchain pallet's `weights.rs` by running its benchmarks on this
# machine through the node's benchmark machinery (the wasm runtime, compiled), formatted by
# `.maintain/frame-weight-template.hbs`. The runtime uses `pallet_x::weights::SubstrateWeight`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
# The node with its `benchmark` subcommand (frame-benchmarking-cli) and the runtime's benchmarks.
cargo build --release --locked -p ghost-node --features benchmark-cli
node="$CARGO_TARGET_DIR/release/ghost-node"
# Pallets named as arguments (default: all three), e.g. `bash scripts/weights.sh ghost-registry`.
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(mutual-credit ghost-registry inference)
for pallet in "${pallets[@]}"; do
    "$node" benchmark pallet --chain dev --pallet "pallet_${pallet//-/_}" --extrinsic '*' \
        --steps "${STEPS:-20}" --repeat "${REPEAT:-5}" --heap-pages 4096 \
        --template .maintain/frame-weight-template.hbs \
        --output "pallets/$pallet/src/weights.rs"
done
