#!/usr/bin/env bash
# Packs the browser verifier as an npm-style package: `bash scripts/verify-js.sh [DIR]`
# (default: $CARGO_TARGET_DIR/ghost-verify). The package is `ghost-verify`: an ES module
# (wasm-bindgen's `web` target), its wasm and its TypeScript types, built by crates/ui's
# build script from crates/verify-js: the very files `ghost serve --ui` serves.
#
#   import init, { verify } from './ghost_verify.js';
#   await init();
#   const verdict = verify(ghostFileBytes, modelId, { vector: [...] }, answer);
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
out=${1:-$CARGO_TARGET_DIR/ghost-verify}
bash scripts/setup.sh >/dev/null
# The build script's output directory, from cargo's own report of it.
pkg=$(cargo build --release --locked -p ghost-ui --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and "/crates/ui#" in m.get("package_id", "") + "#":
        print(m["out_dir"] + "/pkg")' | tail -n 1)
[ -d "$pkg" ] || { echo "verify-js: the build printed no package directory" >&2; exit 1; }
mkdir -p "$out"
cp "$pkg"/* "$out"/
cp crates/verify-js/README.md "$out"/README.md
echo "ghost-verify package in $out:"
for f in "$out"/*; do
    printf '  %-28s %8d bytes' "$(basename "$f")" "$(wc -c <"$f")"
    case "$f" in *.wasm) printf ', %d gzipped' "$(gzip -9c "$f" | wc -c)" ;; esac
    echo
done
