#!/usr/bin/env bash
# Runs every check and test of the workspace. One profile (release) and one feature set,
# so tests, benches and binaries share one compiled dependency graph in one target dir.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

bash scripts/setup.sh
bash scripts/toolchain.sh

step() { printf '\n== %s ==\n' "$*"; }

# One feature set for everything (scripts/features, which every script reads), so the
# polkadot-sdk graph is compiled once for the node, the runtime, the tests and the benches:
# the pallets' benchmarks compile and run as tests on their mock runtimes, but the runtime
# itself is built without `runtime-benchmarks` (the node embeds the production runtime).
# The node's `benchmark` subcommand (feature `benchmark-cli`) stays out: scripts/weights.sh builds it.
features=$(<scripts/features)

step "format"
cargo fmt --all -- --check

step "lint"
# Check mode compiles every dependency a second time (metadata only); the wasm runtime is
# not needed to lint the crates that embed it.
SKIP_WASM_BUILD=1 cargo clippy --workspace --all-targets --release --locked --features "$features" -- -D warnings

step "structure"
# The checkers' own tests; no import circle between the modules of any crate; no library
# prints (libraries log through tracing); docs/ARCHITECTURE.md names only paths that exist
# and its dependency rules hold; and the verifier's std build pulls in no
# randomness (floats and rand are the `float` feature's).
python3 -m unittest discover -s scripts/tests -q
python3 scripts/module-cycles.py .
python3 scripts/library-prints.py .
python3 scripts/architecture.py .
if cargo tree --locked -p ghost-primitives --no-default-features --features std -e normal | grep -q ' rand '; then
    echo "ghost-primitives with std alone depends on rand" >&2
    exit 1
fi

step "no_std primitives for the runtime's targets"
# Every wasm target that is installed (setup guarantees wasm32-unknown-unknown).
for target in wasm32-unknown-unknown wasm32v1-none; do
    if rustup target list --installed | grep -qx "$target"; then
        cargo build --release --locked -p ghost-primitives --no-default-features --target "$target"
    else
        echo "skipped: $target is not installed"
    fi
done

step "tests (builds ghost-node and its wasm runtime for the integration tests)"
cargo test --workspace --release --locked --features "$features"

step "the system under faults (a short seeded run)"
# Four validators, three provers (one lazy), two watchers and three clients under the
# faults seed 1 draws for two minutes, then healed, settled and checked
# (crates/chaos; the longer recorded runs are in docs/reliability.md).
cargo build --workspace --release --locked --features "$features" --bins
GHOST_CHAOS_NO_BUILD=1 bash scripts/chaos.sh "${GHOST_CHAOS_SEED:-1}" "${GHOST_CHAOS_SECONDS:-120}"

step "benches compile"
cargo bench --workspace --locked --no-run --features "$features"

step "shipped runtime"
# The runtime the tests built (plain wasm beside the compressed blob; the compact one only
# strips debug info, so the imports are the same) must not need the benchmarking host
# functions, which production nodes lack.
python3 scripts/wasm-imports.py "$CARGO_TARGET_DIR/release/wbuild/ghost-runtime/ghost_runtime.wasm" --forbid ext_benchmarking_
