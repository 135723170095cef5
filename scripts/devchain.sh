# Sourced by the scripts that drive a dev chain (run.sh, chain-bench.sh): the binaries, a
# work directory and every background process removed on exit, and `start_dev_chain`.
ghost="$CARGO_TARGET_DIR/release/ghost"
node="$CARGO_TARGET_DIR/release/ghost-node"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Start `ghost-node --dev` on a free loopback port, point GHOST_CHAIN_URL at it and wait
# until it answers; its log is $work/node.log.
start_dev_chain() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$node" --dev --tmp --rpc-port "$port" --no-prometheus --no-telemetry --no-mdns >"$work/node.log" 2>&1 &
    pids+=($!)
    export GHOST_CHAIN_URL="ws://127.0.0.1:$port"
    # Every prover of the dev chain listens on loopback, which clients refuse unless allowed.
    export GHOST_ALLOW_PRIVATE_ENDPOINTS=true
    for _ in $(seq 120); do
        "$ghost" model list >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "the dev chain did not come up; its log:" >&2
    tail -n 20 "$work/node.log" >&2
    return 1
}
