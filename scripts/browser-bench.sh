#!/usr/bin/env bash
# The browser verifier's figures (docs/benchmarks.md): one answer of the digits classifier
# verified natively and in headless Chromium (the page's wasm), the page's load time and
# the wasm package's size. Needs Chromium and chromedriver (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
bash scripts/setup.sh
bash scripts/toolchain.sh
cargo bench --locked --workspace --features "$(<scripts/features)" --bench browser
