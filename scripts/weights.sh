#!/usr/bin/env bash
# Regenerates the runtime's weights of the three Ghostchain pallets by running their
# benchmarks on this machine, through the node's benchmark machinery (wasm, compiled).
# Output: runtime/src/weights/<pallet>.rs, used by runtime/src/configs.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
# The CI's feature set plus the node's `benchmark` subcommand (frame-benchmarking-cli).
features="ghost-node/benchmark-cli,ghost-node/runtime-benchmarks,pallet-mutual-credit/runtime-benchmarks,pallet-ghost-registry/runtime-benchmarks,pallet-inference/runtime-benchmarks"
# frame-benchmarking-cli's storage-benchmark runtime is not in the workspace's default
# resolution, which the wasm builder reads; `benchmark pallet` does not use it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
cargo build --release --locked --workspace --features "$features"
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
