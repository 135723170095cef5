#!/usr/bin/env bash
# Regenerates each Ghostchain pallet's `weights.rs` by running its benchmarks on this
# machine through the node's benchmark machinery (the wasm runtime, compiled), formatted by
# `.maintain/frame-weight-template.hbs`. The runtime uses `pallet_x::weights::SubstrateWeight`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
# The node with its `benchmark` subcommand (frame-benchmarking-cli) and the runtime built with
# `runtime-benchmarks`: the one build that does not use scripts/features. It shares the target
# directory, so every crate whose features match the CI's build is reused; frame-benchmarking-cli
# (~90 crates), the crates whose features it changes, the node and the runtime with its
# benchmarks are compiled for this script alone, a cost of its own that CI and the other
# scripts never pay. Its wasm runtime is a blob of its own name (runtime/build.rs), so it never
# replaces the production runtime's. Its binary does take `release/ghost-node` (cargo leaves
# the last build there): the node that was there is put back on exit.
node="$CARGO_TARGET_DIR/release/ghost-node"
if [ -e "$node" ]; then
    ln -f "$node" "$node.production"
    trap 'mv -f "$node.production" "$node"' EXIT
fi
cargo build --release --locked -p ghost-node --features benchmark-cli
# Pallets named as arguments (default: all four), e.g. `bash scripts/weights.sh ghost-registry`.
pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(mutual-credit ghost-registry inference channels)
for pallet in "${pallets[@]}"; do
    "$node" benchmark pallet --chain dev --pallet "pallet_${pallet//-/_}" --extrinsic '*' \
        --steps "${STEPS:-20}" --repeat "${REPEAT:-5}" --heap-pages 4096 \
        --template .maintain/frame-weight-template.hbs \
        --output "pallets/$pallet/src/weights.rs"
done
