#!/usr/bin/env bash
# The main job: build a synthetic model, serve a proven lookup, verify it, and show a
# tampered answer rejected. Grows into the full chain demo as the node lands.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
bash scripts/setup.sh
cargo run --release --locked -p ghost-primitives --example demo -- "$@"
