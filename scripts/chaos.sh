#!/usr/bin/env bash
# The whole system under faults: `bash scripts/chaos.sh [SEED] [SECONDS]` starts four
# validators, three provers (one lazy), two watchers and three clients as real processes,
# injects the faults SEED draws for SECONDS (default: seed 1, 180 s), heals, settles and
# checks the history against the guarantees (crates/chaos). Exits non-zero on any breach.
# The same seed draws the same faults at the same times: a failing run can be replayed.
# Needs root for network namespaces (partitions) and tmpfs (full disks); without, it runs
# with neither and says so. GHOST_CHAOS_WORK keeps the run's files (history, logs,
# journals) there; GHOST_CHAOS_NO_BUILD=1 skips the build (CI has built everything).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
seed=${1:-1}
seconds=${2:-180}
if [ "${GHOST_CHAOS_NO_BUILD:-}" != 1 ]; then
    bash scripts/setup.sh
    bash scripts/toolchain.sh
    cargo build --workspace --release --locked --features "$(<scripts/features)" --bins
fi
work=${GHOST_CHAOS_WORK:-$(mktemp -d /tmp/ghost-chaos.XXXXXX)}
mkdir -p "$work"
# A reused work directory's records name another run's process and network.
rm -f "$work/chaos.pid" "$work/net.tag"
# In a process group of its own, so that whatever it started goes with it, even if it is
# killed before its own clean-up. It writes its process id first: setsid forks where it
# must.
setsid bash -c 'echo "$$" > "$1/chaos.pid" && exec "${@:2}"' chaos "$work" \
    "$CARGO_TARGET_DIR/release/ghost-chaos" run --seed "$seed" --seconds "$seconds" --work "$work" \
    --bin "$CARGO_TARGET_DIR/release" --data data/digits.csv.gz &
chaos=$!
ended=
cleanup() {
    # A run that ended by itself removed its disks and network (and its net.tag) itself;
    # those are free for other runs now, so they are not touched here.
    [ -z "$ended" ] || return 0
    if [ -s "$work/chaos.pid" ]; then chaos=$(<"$work/chaos.pid"); fi
    kill -- -"$chaos" 2>/dev/null || true
    # Let it finish its own clean-up first.
    for _ in $(seq 20); do
        kill -0 -- -"$chaos" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL -- -"$chaos" 2>/dev/null || true
    for disk in "$work"/disk/*; do
        if mountpoint -q "$disk" 2>/dev/null; then umount -l "$disk" || true; fi
    done
    # What this run left if it was killed before its own clean-up: its namespaces (TAGvI)
    # and bridge (TAGbr), named in net.tag (crates/chaos/src/net.rs), and no other run's.
    if [ -s "$work/net.tag" ]; then
        tag=$(<"$work/net.tag")
        for ns in $(ip netns list 2>/dev/null | awk -v t="^${tag}v[0-9]" '$1 ~ t {print $1}'); do ip netns del "$ns" || true; done
        if ip link show "${tag}br" >/dev/null 2>&1; then ip link del "${tag}br" || true; fi
    fi
}
trap cleanup EXIT
set +e
wait "$chaos"
code=$?
# Killed by a signal (128 + its number), it may have left its network behind.
if [ "$code" -lt 128 ]; then ended=1; fi
set -e
if [ "$code" != 0 ]; then
    echo "chaos: seed $seed FAILED (exit $code); its files are in $work" >&2
    for log in "$work"/logs/*.log; do
        [ -f "$log" ] || continue
        echo "--- last lines of $(basename "$log")" >&2
        tail -n 8 "$log" >&2
    done
    exit "$code"
fi
[ -n "${GHOST_CHAOS_WORK:-}" ] || rm -rf "$work"
