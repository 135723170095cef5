#!/usr/bin/env bash
# Acceptance check that the node embeds a production runtime: a runtime that any host can
# run, not only ghost-node. Starts `ghost-node --dev --tmp` on free loopback ports, forks
# it with Chopsticks (which executes the runtime's wasm in its own executor and refuses a
# runtime importing a host function it lacks, such as the benchmarking ones; no
# `--allow-unresolved-imports`), asks Chopsticks to build a block (`dev_newBlock`) and
# checks that the new block is the fork's head + 1. Prints one line and exits 0 when it
# works; exits non-zero with a sentence when not. Not part of scripts/test.sh: the first run
# installs Chopsticks from npm (a few minutes) into ~/.cache/ghostchain/chopsticks.
#
#   bash scripts/chopsticks.sh              # builds with scripts/features first (a no-op when fresh)
#   GHOST_NODE=path/to/ghost-node bash scripts/chopsticks.sh    # that binary, no build
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
chopsticks_version=${CHOPSTICKS_VERSION:-1.5.1}
cache=${CHOPSTICKS_CACHE:-$HOME/.cache/ghostchain/chopsticks}

fail() {
    echo "chopsticks check FAILED: $*" >&2
    for log in "${work:-/nonexistent}"/*.log; do
        [ -f "$log" ] || continue
        echo "--- last lines of $(basename "$log")" >&2
        tail -n 20 "$log" >&2
    done
    exit 1
}
for tool in python3 npm node; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed; this check needs it."
done

if [ -n "${GHOST_NODE:-}" ]; then
    node_bin=$GHOST_NODE
else
    # The one feature set of every script: a no-op when the binaries are fresh, and it puts
    # back the production node if scripts/weights.sh left its benchmark build there.
    features=$(<scripts/features)
    cargo build --release --locked --workspace --features "$features"
    node_bin="$CARGO_TARGET_DIR/release/ghost-node"
fi
[ -x "$node_bin" ] || fail "no node binary at $node_bin."

# Chopsticks, pinned, into a cache outside the repository.
chopsticks="$cache/node_modules/.bin/chopsticks"
installed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' \
    "$cache/node_modules/@acala-network/chopsticks/package.json" 2>/dev/null || true)
if [ "$installed" != "$chopsticks_version" ] || [ ! -x "$chopsticks" ]; then
    echo "installing @acala-network/chopsticks@$chopsticks_version into $cache"
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
        "@acala-network/chopsticks@$chopsticks_version" >/dev/null ||
        fail "npm could not install @acala-network/chopsticks@$chopsticks_version."
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# rpc URL METHOD [PARAMS-JSON]: the result of a JSON-RPC call over HTTP, as JSON; fails on an error.
rpc() {
    python3 - "$@" <<'PY'
import json, sys, urllib.request
url, method = sys.argv[1:3]
params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
try:
    reply = json.load(urllib.request.urlopen(request, timeout=120))
except Exception as e:
    sys.exit(f"{method} at {url}: {e}")
if "error" in reply:
    sys.exit(f"{method} at {url}: {reply['error'].get('message', reply['error'])}")
print(json.dumps(reply["result"]))
PY
}
json_field() { python3 -c 'import json, sys; v = json.loads(sys.argv[1]); print(eval("v" + sys.argv[2]))' "$@"; }

# The node: its RPC answers HTTP and WebSocket on one port.
rpc_port=$(free_port)
p2p_port=$(free_port)
"$node_bin" --dev --tmp --rpc-port "$rpc_port" --port "$p2p_port" --no-prometheus --no-telemetry --no-mdns \
    >"$work/node.log" 2>&1 &
pids+=($!)
node_http="http://127.0.0.1:$rpc_port"
fork_number=0
for _ in $(seq 120); do
    kill -0 "${pids[0]}" 2>/dev/null || fail "ghost-node exited at start."
    if header=$(rpc "$node_http" chain_getHeader 2>/dev/null); then
        fork_number=$(json_field "$header" '["number"]')
        fork_number=$((fork_number))
        # Fork a block the node built (not genesis), as a user would fork a running chain.
        [ "$fork_number" -ge 1 ] && break
    fi
    sleep 0.5
done
[ "$fork_number" -ge 1 ] || fail "the dev node built no block within 60 s."
fork_hash=$(json_field "$(rpc "$node_http" chain_getBlockHash "[$fork_number]")" '')
version=$(rpc "$node_http" state_getRuntimeVersion)
spec="$(json_field "$version" '["specName"]') v$(json_field "$version" '["specVersion"]')"

# Chopsticks on an OS-assigned port, forking that block; it builds blocks only when asked.
cat >"$work/chopsticks.yml" <<EOF
endpoint: ws://127.0.0.1:$rpc_port
block: "$fork_hash"
host: 127.0.0.1
port: 0
build-block-mode: Manual
EOF
"$chopsticks" --config "$work/chopsticks.yml" >"$work/chopsticks.log" 2>&1 &
pids+=($!)
addr=""
for _ in $(seq 240); do
    kill -0 "${pids[1]}" 2>/dev/null || break
    addr=$(grep -o 'listening on http://[0-9.:]*' "$work/chopsticks.log" | head -n 1 | sed 's|.*http://||' || true)
    [ -n "$addr" ] && break
    sleep 0.5
done
unresolved=$(grep -o 'Unresolved function[^"]*' "$work/chopsticks.log" | head -n 1 || true)
[ -z "$unresolved" ] || fail "Chopsticks refused the runtime: $unresolved"
[ -n "$addr" ] || fail "Chopsticks did not start serving within 120 s."
fork="http://$addr"

head_before=$(json_field "$(rpc "$fork" chain_getHeader)" '["number"]')
[ $((head_before)) = "$fork_number" ] ||
    fail "Chopsticks' head is block $((head_before)), not the forked block $fork_number."
new_hash=$(rpc "$fork" dev_newBlock '[{"count": 1}]' 2>"$work/newblock.err") ||
    fail "dev_newBlock failed: $(cat "$work/newblock.err")"
new_hash=$(json_field "$new_hash" '')
new_number=$(( $(json_field "$(rpc "$fork" chain_getHeader "[\"$new_hash\"]")" '["number"]') ))
unresolved=$(grep -o 'Unresolved function[^"]*' "$work/chopsticks.log" | head -n 1 || true)
[ -z "$unresolved" ] || fail "Chopsticks refused the runtime: $unresolved"
[ "$new_number" = $((fork_number + 1)) ] ||
    fail "Chopsticks built block $new_number, not $((fork_number + 1)) on the fork of block $fork_number."
echo "chopsticks $chopsticks_version ran the node's runtime ($spec): forked block #$fork_number ($fork_hash), built block #$new_number ($new_hash)"
