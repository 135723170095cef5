#!/usr/bin/env bash
# The main job, as far as it exists: build the digits classifier as a committed model,
# serve it, ask for a classification and verify the ghost proof; then ask a dishonest
# prover and watch the answer be refused; then the protocol tour (fraud proof included).
# Grows into the dev-chain demo (paid and challenged inferences) as the node lands.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
bash scripts/setup.sh
bash scripts/toolchain.sh
# The same build as the tests (one compiled graph): binaries and test harnesses.
features="ghost-node/runtime-benchmarks,pallet-mutual-credit/runtime-benchmarks,pallet-ghost-registry/runtime-benchmarks,pallet-inference/runtime-benchmarks"
cargo test --workspace --release --locked --features "$features" --no-run
ghost="$CARGO_TARGET_DIR/release/ghost"
node="$CARGO_TARGET_DIR/release/ghost-node"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

say() { printf '\n== %s ==\n' "$*"; }

say "a dev chain: Alice validates, GRANDPA finalises"
rpc_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$node" --dev --tmp --rpc-port "$rpc_port" --no-prometheus --no-telemetry >"$work/node.log" 2>&1 &
pids+=($!)
finalized() {
    curl -s -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"chain_getFinalizedHead"}' "http://127.0.0.1:$rpc_port" |
        python3 -c 'import json,sys; h=json.load(sys.stdin)["result"]; print(h)' 2>/dev/null || true
}
number_of() {
    curl -s -H 'Content-Type: application/json' -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"chain_getHeader\",\"params\":[\"$1\"]}" "http://127.0.0.1:$rpc_port" |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"], 16))'
}
for _ in $(seq 120); do
    head=$(finalized)
    if [ -n "$head" ] && [ "$(number_of "$head")" -ge 3 ]; then break; fi
    sleep 0.5
done
echo "finalised block #$(number_of "$(finalized)") on ws://127.0.0.1:$rpc_port (connect polkadot.js or subxt there)"

say "build the digits classifier (keys: 899 training images, values: one-hot labels)"
"$ghost" --quiet model build --digits --out "$work/digits"

start_prover() { # name, dir, extra args...; sets $url. Not run in a subshell, so that its
    # PID reaches `pids` and the cleanup stops it.
    local out="$work/serve.$1"
    "$ghost" --quiet serve --model "$2" --listen 127.0.0.1:0 "${@:3}" >"$out" 2>"$out.log" &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q '^serving' "$out" 2>/dev/null && break
        sleep 0.1
    done
    url=$(awk '/^serving/ {print $NF}' "$out")
}

say "serve it, and classify test image 1 (label $(gzip -dc data/digits.csv.gz | sed -n 2p | cut -d, -f65))"
start_prover honest "$work/digits"
image=$(gzip -dc data/digits.csv.gz | sed -n 2p | cut -d, -f1-64)
"$ghost" infer --prover "$url" --ghost-file "$work/digits" --input "$image" --save "$work/answer.json"
"$ghost" verify --ghost-file "$work/digits" --response "$work/answer.json"

say "a dishonest prover changes the output after proving: the client refuses it"
start_prover lying "$work/digits" --misbehave corrupt-output
if "$ghost" infer --prover "$url" --ghost-file "$work/digits" --input "$image"; then
    echo "a forged answer was accepted" >&2
    exit 1
fi

say "accuracy of the committed fixed-point sparse model against the f32 dense layer"
"$ghost" digits

say "protocol tour: proofs, tampering, and an exclusion fraud proof against a lazy prover"
cargo run --release --locked -q -p ghost-primitives --example demo
