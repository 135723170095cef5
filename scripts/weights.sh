#!/usr/bin/env bash
# Regenerates the runtime's weights of the three Ghostchain pallets by running their
# benchmarks on this machine, through the node's benchmark machinery (wasm, compiled).
# Output: runtime/src/weights/<pallet>.rs, used by runtime/src/configs.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
# The node with its `benchmark` subcommand (frame-benchmarking-cli) and the runtime's benchmarks.
cargo build --release --locked -p ghost-node --features benchmark-cli
node="$CARGO_TARGET_DIR/release/ghost-node"
mkdir -p runtime/src/weights
for pallet in pallet_mutual_credit pallet_ghost_registry pallet_inference; do
    out="runtime/src/weights/$pallet.rs"
    "$node" benchmark pallet --chain dev --pallet "$pallet" --extrinsic '*' \
        --steps "${STEPS:-20}" --repeat "${REPEAT:-5}" --output "$out"
    # The runtime reaches FRAME through the polkadot-sdk umbrella crate.
    sed -i -e 's/^use frame_support::/use polkadot_sdk::frame_support::/' \
        -e 's/T: frame_system::Config/T: polkadot_sdk::frame_system::Config/' "$out"
done
cargo fmt --all
