#!/usr/bin/env bash
# Chain figures for docs/benchmarks.md, on a dev chain on loopback: the time from a paid
# request to a verified answer, and requests settled per block under a bounded load
# (CLIENTS clients x REQUESTS requests each, one honest prover bonded with BOND GHOST: each
# open result locks the slash of its price, so the bond caps the results open at once).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
# The binaries of the one feature set (scripts/features): a no-op when they are fresh, and
# it puts back the production node if scripts/weights.sh left its benchmark build there.
features=$(<scripts/features)
cargo build --release --locked --workspace --features "$features"
source scripts/devchain.sh
start_dev_chain
"$ghost" --quiet model build digits --out "$work/digits" >/dev/null
id=$("$ghost" model register "$work/digits" --price 10 --suri //Alice | awk '/^model 0x/ {print $2}')
"$ghost" prover run --model "$work/digits" --suri //Charlie --listen 127.0.0.1:0 --journal "$work/journal" --bond "${BOND:-5000}" >"$work/prover.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do "$ghost" model show "$id" | grep '^prover ' >/dev/null && break; sleep 0.5; done
image=$(gzip -dc data/digits.csv.gz | sed -n 2p | cut -d, -f1-64)

echo "== request to verified answer (${SAMPLES:-5} sequential paid inferences) =="
for _ in $(seq "${SAMPLES:-5}"); do
    "$ghost" infer --on-chain --model "$id" --input "$image" --suri //Bob | grep "verified locally"
done

clients=()
for who in Bob Dave Eve Ferdie; do clients+=(--client "//$who"); done
echo "== load: ${CLIENTS:-4} clients x ${REQUESTS:-50} requests =="
"$ghost" load --model "$id" --input "$image" "${clients[@]:0:$(( 2 * ${CLIENTS:-4} ))}" --requests "${REQUESTS:-50}"
