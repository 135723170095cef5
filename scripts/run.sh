#!/usr/bin/env bash
# The main job: the whole on-chain story, from the `ghost` CLI against a dev chain.
#
# Builds what is missing, starts `ghost-node --dev`, builds the digits classifier as three
# committed models and registers them (Alice owns them). Charlie serves the first honestly,
# Dave serves the second lazily (skips the best row), Eve serves the third with forged
# proofs; Ferdie watches all three with the weights. Results carry their ghost proofs and
# the chain verifies each before it accepts it. Bob pays for inferences:
#   1. the result's proof, read from the extrinsic the chain accepted, verifies on Bob's
#      side too; nobody reports it in the challenge window, and Charlie's daemon settles
#      it after the window (a prover is paid only by settling);
#   2. verified and accepted at once (`--accept`: Bob gives up disputes);
#   3. a lazy answer whose proof verifies: Ferdie's exclusion fraud proof (committed, then
#      revealed) convicts Dave;
#   4. Eve's forged proof is refused at submission (ProofRejected): no result is posted
#      and Bob settles the request after its deadline to get his refund;
#   5. two sites fine-tune the model on their own (shifted) digits, the tunings are merged
#      and published as version 2 by a sparse update; Charlie serves it, Bob verifies it,
#      and the lineage shows version 1 -> version 2 with the merged training-data hash;
#   6. Bob opens a payment channel with Charlie and pays for 1,000 verified answers off
#      chain with vouchers (each answer's proof and signed receipt checked first, the
#      receipt kept); Charlie redeems them in one call;
#   7. Dave serves lazily over a channel; Bob hands his receipts to Ferdie, who holds the
#      weights: Ferdie's exclusion fraud proof convicts Dave in one call, and Bob has the
#      price back;
#   8. Bob closes both channels and, after the timeout, has the unspent deposits back.
# Prints balances and credit before and after; exits non-zero if any step goes otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
bash scripts/setup.sh
bash scripts/toolchain.sh
# The same build as the tests, with the one feature set (scripts/features): one compiled
# graph, binaries and test harnesses; the node embeds the production runtime.
features=$(<scripts/features)
cargo test --workspace --release --locked --features "$features" --no-run
source scripts/devchain.sh

say() { printf '\n== %s ==\n' "$*"; }
fail() {
    echo "main job FAILED: $*" >&2
    for log in "$work"/*.log; do
        echo "--- last lines of $(basename "$log")" >&2
        tail -n 15 "$log" >&2
    done
    exit 1
}
say "a dev chain: Alice validates, GRANDPA finalises"
start_dev_chain || fail "the node did not come up"
echo "dev chain at $GHOST_CHAIN_URL"

say "build the digits classifier three times (one model per prover); two sites tune it, a merge makes version 2"
label=$(gzip -dc data/digits.csv.gz | sed -n 2p | cut -d, -f65)
image=$(gzip -dc data/digits.csv.gz | sed -n 2p | cut -d, -f1-64)
for name in digits digits-lazy digits-wrong; do
    # Into a file, then its first line: a pipe into head could close before ghost is done.
    "$ghost" --quiet model build digits --name "$name" --out "$work/$name" >"$work/build.$name.txt"
    head -n 1 "$work/build.$name.txt"
done
# Two sites' local data: the training images (even rows), one pixel to the right, as
# another scanner frames them; site A holds the first half, site B the second.
shifted() { # first, last training image (1-based)
    gzip -dc data/digits.csv.gz | awk -F, -v first="$1" -v last="$2" 'NR % 2 == 1 {
        n++; if (n < first || n > last) next
        out = ""
        for (p = 0; p < 64; p++) out = out (p % 8 == 0 ? 0 : $p) ","
        print out $65
    }'
}
shifted 1 450 >"$work/site-a.csv"
shifted 451 899 >"$work/site-b.csv"
for site in a b; do
    "$ghost" --quiet model tune --model "$work/digits" --data "$work/site-$site.csv" --classes 10 \
        --out "$work/digits-$site" | tail -n 1
done
# One version carries at most 256 changed rows (the registry's MaxUpdateRows).
"$ghost" --quiet model merge --base "$work/digits" --from "$work/digits-a" --from "$work/digits-b" \
    --max-rows 256 --out "$work/digits-v2" | tee "$work/merge.txt"
merged=$(grep -o '"trainingData": "0x[0-9a-f]*"' "$work/digits-v2/tune.json" | grep -o '0x[0-9a-f]*')
[ -n "$merged" ] || fail "the merge recorded no training-data hash"

say "Alice registers them (price 10 credit, royalty 10%)"
declare -A id
for name in digits digits-lazy digits-wrong; do
    "$ghost" model register "$work/$name" --price 10 --royalty 10 --suri //Alice | tee "$work/register.$name.out"
    id[$name]=$(awk '/^model 0x/ {print $2}' "$work/register.$name.out")
    [ -n "${id[$name]}" ] || fail "registering $name printed no model id"
done

start() { # name, log, args...: a background ghost process whose PID the cleanup stops
    local name=$1
    shift
    "$ghost" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    eval "pid_$name=$!"
}
wait_for() { # file, pattern, seconds
    for _ in $(seq $(( $3 * 4 ))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.25
    done
    fail "no '$2' in $(basename "$1") after $3 s"
}
bonded() { # model id, account: whether `model show` lists the prover
    "$ghost" model show "$1" | grep "prover      $2" >/dev/null
}

say "provers: Charlie (honest), Dave (lazy: skips the best row), Eve (forges its proofs); watcher: Ferdie"
charlie=$("$ghost" credit show charlie | awk 'NR==2 {print $1}')
start charlie prover run --model "$work/digits" --suri //Charlie --listen 127.0.0.1:0 --journal "$work/journal.charlie"
start dave prover run --model "$work/digits-lazy" --suri //Dave --listen 127.0.0.1:0 --journal "$work/journal.dave" --misbehave skip-best-row
start eve prover run --model "$work/digits-wrong" --suri //Eve --listen 127.0.0.1:0 --journal "$work/journal.eve" --misbehave corrupt-proof
start ferdie watch --model "$work/digits" --model "$work/digits-lazy" --model "$work/digits-wrong" --suri //Ferdie --state "$work/watch.ferdie" --listen 127.0.0.1:0
for name in digits digits-lazy digits-wrong; do
    for _ in $(seq 60); do
        "$ghost" model show "${id[$name]}" | grep '^prover ' >/dev/null && break
        sleep 0.5
    done
    "$ghost" model show "${id[$name]}" | grep '^prover ' || fail "nobody bonded on $name"
done
# The verification page: a person draws a digit and watches the proof check out in the
# browser, against the model registered on this chain (a dev chain lets any origin in).
start page serve --ui --model "$work/digits" --listen 127.0.0.1:0
wait_for "$work/page.log" "^verification page on http://" 30
page_url=$(sed -n 's|^verification page on \(http://[^ ]*\).*|\1|p' "$work/page.log" | head -1)
echo "verification page: ${page_url}?chain=${GHOST_CHAIN_URL/#ws/http}"
wait_for "$work/ferdie.log" "^watcher" 30
wait_for "$work/ferdie.log" "^auditing receipts at http://" 30
audit_url=$(sed -n 's|^auditing receipts at \(http://[^ ]*\).*|\1|p' "$work/ferdie.log" | head -1)

accounts="alice bob charlie dave eve ferdie"
say "balances and credit before"
"$ghost" credit show $accounts | tee "$work/before.txt"

infer() { # expected exit code, output file, args...
    local expected=$1 out=$2
    shift 2
    set +e
    "$ghost" infer --on-chain --input "$image" --suri //Bob "$@" | tee "$out"
    local code=${PIPESTATUS[0]}
    set -e
    [ "$code" = "$expected" ] || fail "ghost infer $* exited $code, expected $expected"
}

say "1. Bob pays for a classification of test image 1 (label $label): the proof the chain accepted verifies locally; after the challenge window Charlie's daemon settles it"
infer 0 "$work/infer1.txt" --model "${id[digits]}"
grep -q "ghost proof verified locally" "$work/infer1.txt" || fail "Bob did not verify the proof posted on chain"
grep -q "settled: 9 credit to the prover, 1 to the owner" "$work/infer1.txt" || fail "the honest answer was not settled"
grep -q "^argmax: $label" "$work/infer1.txt" || fail "the digits model did not classify image 1 as $label"
grep -q "settled: paid" "$work/charlie.log" || fail "Charlie's daemon did not settle its result"

say "2. Bob pays again and accepts at once (--accept: he checked the proof, he gives up disputes)"
infer 0 "$work/infer2.txt" --model "${id[digits]}" --accept
grep -q "^verdict: verified and paid" "$work/infer2.txt" || fail "the accepted answer was not paid"

say "3. Dave's lazy answer verifies, but Ferdie holds the weights: the exclusion fraud proof convicts Dave"
infer 2 "$work/infer3.txt" --model "${id[digits-lazy]}"
grep -q "convicted (ExcludedRow\|convicted (ExcludedList" "$work/infer3.txt" || fail "Dave was not convicted by exclusion"
grep -q "convicted" "$work/ferdie.log" || fail "Ferdie did not report the conviction"

say "4. Eve's forged proof is refused at submission: no result is posted; Bob settles after the deadline and is refunded"
infer 2 "$work/infer4.txt" --model "${id[digits-wrong]}"
grep -q "no result in time; 10 credit refunded" "$work/infer4.txt" || fail "Bob was not refunded"
grep -q "ProofRejected" "$work/eve.log" || fail "the chain did not refuse Eve's forged proof"

say "5. Alice publishes the merge as version 2 by a sparse update; Charlie serves it; Bob's answer verifies against its roots"
"$ghost" model update "$work/digits-v2" --from "$work/digits" --suri //Alice | tee "$work/update.txt"
v2=$(awk '/^version 0x/ {print $2}' "$work/update.txt")
[ -n "$v2" ] || fail "the update printed no version"
kill "$pid_charlie"
wait "$pid_charlie" 2>/dev/null || true
start charlie2 prover run --model "$work/digits" --model "$work/digits-v2" --suri //Charlie --listen 127.0.0.1:0 --journal "$work/journal.charlie" --redeem-threshold 10000 --redeem-every 86400
for _ in $(seq 60); do
    "$ghost" model show "$v2" | grep '^prover ' >/dev/null && break
    sleep 0.5
done
"$ghost" model show "$v2" | tee "$work/show.txt"
grep -q "lineage .* -> " "$work/show.txt" || fail "version 2 shows no lineage"
grep -q "^  v2  $v2  parent .*, trained on $merged" "$work/show.txt" ||
    fail "the lineage does not show version 2 with the merged training-data hash"
infer 0 "$work/infer5.txt" --model "$v2" --accept
grep -q "^verdict: verified and paid" "$work/infer5.txt" || fail "the answer of version 2 was not accepted"

say "6. Bob opens a channel with Charlie and pays for 1,000 verified classifications off chain, eight in flight, with no transaction; Charlie redeems them in one call"
"$ghost" channel open --model "$v2" --prover charlie --deposit 20000 --suri //Bob | tee "$work/channel.txt"
channel=$(sed -n 's/^opened channel \([0-9]*\).*/\1/p' "$work/channel.txt" | head -1)
[ -n "$channel" ] || fail "opening the channel printed no channel id"
"$ghost" channel ask "$channel" --input "$image" --count 1000 --concurrency 8 --state "$work/channels.bob" --suri //Bob | tee "$work/ask.txt"
grep -q "^1000 verified answer(s)" "$work/ask.txt" || fail "Bob did not get 1,000 verified answers"
grep -q "voucher signed for 10000" "$work/ask.txt" || fail "Bob did not pay for the 1,000 answers"
wait_for "$work/charlie2.log" "redeemed" 90
grep -c "redeemed" "$work/charlie2.log" | grep -qx 1 || fail "Charlie redeemed more than once"
"$ghost" channel show "$channel" | tee "$work/channel-show.txt"
grep -q "redeemed 10000" "$work/channel-show.txt" || fail "the channel does not show 10,000 redeemed"

say "7. Dave serves lazily over a channel; Bob hands the receipt to Ferdie, whose fraud proof convicts Dave in one call"
"$ghost" channel open --model "${id[digits-lazy]}" --prover dave --deposit 1000 --suri //Bob | tee "$work/channel-dave.txt"
lazy=$(sed -n 's/^opened channel \([0-9]*\).*/\1/p' "$work/channel-dave.txt" | head -1)
[ -n "$lazy" ] || fail "opening Dave's channel printed no channel id"
"$ghost" channel ask "$lazy" --input "$image" --state "$work/channels.bob" --audit "$audit_url" --suri //Bob |
    tee "$work/ask-dave.txt"
grep -q "^1 verified answer(s)" "$work/ask-dave.txt" || fail "Dave's lazy answer did not verify for Bob"
grep -q "^1 receipt(s) handed in for audit" "$work/ask-dave.txt" || fail "Bob did not hand the receipt to Ferdie"
wait_for "$work/ferdie.log" "of channel $lazy: convicted" 90
grep "of channel $lazy: convicted" "$work/ferdie.log"

say "8. Bob closes both channels; Dave redeems what Bob paid him; after the timeout the channels finish and Bob has the rest back"
"$ghost" channel close "$channel" --suri //Bob
"$ghost" channel close "$lazy" --suri //Bob
wait_for "$work/dave.log" "redeemed" 90
for ch in "$channel" "$lazy"; do
    for _ in $(seq 120); do
        "$ghost" channel finish "$ch" --suri //Bob >"$work/finish.txt" 2>&1 && break
        grep -q "TooEarly" "$work/finish.txt" || { cat "$work/finish.txt"; fail "finishing channel $ch failed"; }
        sleep 1
    done
    grep -q "Channels.Closed" "$work/finish.txt" || fail "channel $ch did not close"
done

say "balances and credit after"
"$ghost" credit show $accounts | tee "$work/after.txt"
grep -q "^credit sums to 0 " "$work/after.txt" || fail "credit does not sum to zero"
credit_of() { awk -v who="$2" '$1 == who {print $(NF-1)}' "$1"; }
bob=$("$ghost" credit show bob | awk 'NR==2 {print $1}')
# Bob paid for three answers (1, 2, 5) of 10 credit each (3 and 4 were refunded), for
# 1,000 on Charlie's channel, and for Dave's lazy one, whose price he had back.
[ $(( $(credit_of "$work/before.txt" "$bob") - $(credit_of "$work/after.txt" "$bob") )) = 10030 ] ||
    fail "Bob's credit moved by other than 10,030"
# Charlie earned 9 of each (10% royalty to Alice).
[ $(( $(credit_of "$work/after.txt" "$charlie") - $(credit_of "$work/before.txt" "$charlie") )) = 9027 ] ||
    fail "Charlie's credit moved by other than 9,027"
# Dave redeemed 9 for his lazy answer and returned its price, 10, on conviction: a liar
# ends below where it started (and lost bond besides).
dave=$("$ghost" credit show dave | awk 'NR==2 {print $1}')
[ $(( $(credit_of "$work/after.txt" "$dave") - $(credit_of "$work/before.txt" "$dave") )) = -1 ] ||
    fail "Dave's credit moved by other than -1"
say "the main job passed: every step happened as told"
