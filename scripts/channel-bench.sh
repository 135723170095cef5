#!/usr/bin/env bash
# Channel figures for docs/benchmarks.md, on a dev chain on loopback, node, provers and
# client on the same cores: paid, verified answers a second over a channel and their
# latency (`ghost load --channels`), on the digits classifier and on the 2^20-row
# synthetic model, beside the on-chain path in the same run (`ghost infer --on-chain`);
# the prover's CPU per paid answer (its threads' schedstat) against proving alone
# (`ghost bench serve`, in-process); and the extrinsics the channel took in all.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
features=$(<scripts/features)
cargo build --release --locked --workspace --features "$features"
source scripts/devchain.sh
start_dev_chain
answers=${ANSWERS:-3000}

# CPU time of a process's threads so far, in nanoseconds.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }

"$ghost" --quiet model build digits --out "$work/digits" >/dev/null
"$ghost" --quiet model build synthetic --name big --rows 1048576 --out "$work/big" >/dev/null
declare -A id
for name in digits big; do
    id[$name]=$("$ghost" model register "$work/$name" --price 10 --suri //Alice | awk '/^model 0x/ {print $2}')
done
never=(--redeem-threshold 1000000000000 --redeem-every 1000000)
"$ghost" prover run --model "$work/digits" --suri //Charlie --listen 127.0.0.1:0 --journal "$work/journal.charlie" "${never[@]}" >"$work/charlie.log" 2>&1 &
pids+=($!)
charlie=$!
"$ghost" prover run --model "$work/big" --suri //Dave --listen 127.0.0.1:0 --journal "$work/journal.dave" "${never[@]}" >"$work/dave.log" 2>&1 &
pids+=($!)
dave=$!
for name in digits big; do
    for _ in $(seq 240); do "$ghost" model show "${id[$name]}" | grep '^prover ' >/dev/null && break; sleep 0.5; done
done
image=$(gzip -dc data/digits.csv.gz | sed -n 2p | cut -d, -f1-64)
# A 64-wide input for the synthetic model.
vector=$(python3 -c 'import math; print(",".join(f"{math.sin(i * 0.7):.3f}" for i in range(64)))')

echo "== on chain: ${SAMPLES:-3} paid inferences in a row, digits =="
for _ in $(seq "${SAMPLES:-3}"); do
    started=$(date +%s%N)
    "$ghost" infer --on-chain --accept --model "${id[digits]}" --input "$image" --suri //Bob >"$work/infer.txt"
    grep -q 'verified locally' "$work/infer.txt"
    echo "request to verified answer: $(( ($(date +%s%N) - started) / 1000000 )) ms"
done

channel() { # name, prover pid, input, client
    local name=$1 pid=$2 input=$3 client=$4
    echo "== channel: $name, $answers answers, concurrency 8 =="
    # Open the channel first (one extrinsic), so the CPU counted is the answers'.
    "$ghost" load --channels --model "${id[$name]}" --input "$input" --client "$client" --requests 8 \
        --concurrency 8 --provers 1 --deposit 500000 --state "$work/channels" | tail -n 1
    local before after
    before=$(cpu_ns "$pid")
    "$ghost" load --channels --model "${id[$name]}" --input "$input" --client "$client" --requests "$answers" \
        --concurrency 8 --provers 1 --deposit 0 --state "$work/channels" | tee "$work/load.$name.txt"
    after=$(cpu_ns "$pid")
    echo "prover CPU per paid answer: $(( (after - before) / answers / 1000 )) us"
}
channel digits "$charlie" "$image" //Bob
channel big "$dave" "$vector" //Eve

echo "== proving alone, in-process, and plain ghost_infer: 2^20 (ghost bench serve) =="
"$ghost" bench serve --model "$work/big" --requests 2000 --concurrency 8

echo "== extrinsics on the channel: open (above), then close, the prover's redeem, finish =="
ch=$("$ghost" channel list --suri //Eve | sed -n 's/^channel \([0-9]*\):.*/\1/p' | head -1)
"$ghost" channel close "$ch" --suri //Eve >"$work/close.txt"
head -n 1 "$work/close.txt"
for _ in $(seq 120); do grep -q redeemed "$work/dave.log" && break; sleep 0.5; done
grep redeemed "$work/dave.log" | head -n 1
"$ghost" channel show "$ch"
