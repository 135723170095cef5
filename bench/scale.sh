#!/usr/bin/env bash
# `ghost model build synthetic` and `ghost serve` at growing sizes: build time and peak
# memory, the server's start-up time and peak memory, and the per-request figures of
# `ghost bench serve`. One line of JSON per size. The models are built in a temporary
# directory (4 GiB of weights at 2^24 rows) and removed afterwards.
#
#   bash bench/scale.sh                  # 2^22 and 2^24 rows
#   SIZES="65536 262144" bash bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
sizes=${SIZES:-"4194304 16777216"}
# The workspace with the one feature set (scripts/features), as every script and CI builds:
# one compiled graph, and the `ghost` binary it leaves is the same build.
features=$(<scripts/features)
cargo build --release --locked --workspace --features "$features"
ghost="$CARGO_TARGET_DIR/release/ghost"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rows in $sizes; do
    # The build's wall time and peak memory, as its parent sees them.
    python3 - "$ghost" "$rows" "$work/m$rows" >"$work/build.json" <<'PY'
import json, resource, subprocess, sys, time
ghost, rows, out = sys.argv[1:4]
t = time.monotonic()
subprocess.run([ghost, "--quiet", "model", "build", "synthetic", "--rows", rows, "--out", out],
               check=True, stdout=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"build_s": time.monotonic() - t, "build_peak_mib": peak}))
PY
    "$ghost" --quiet bench serve --model "$work/m$rows" --requests 1000 --json >"$work/serve.json"
    python3 - "$rows" "$work/build.json" "$work/serve.json" "$work/m$rows/weights.scale" <<'PY'
import json, os, sys
rows, build, serve, weights = sys.argv[1], *map(lambda p: json.load(open(p)), sys.argv[2:4]), sys.argv[4]
line = {"rows": int(rows), "weights_mib": os.path.getsize(weights) / 2**20, **build,
        "startup_s": serve["startup_s"], "serve_peak_mib": serve["server_peak_rss_mib"],
        "prove_us": serve["prove_us"], "proof_bytes": serve["proof_bytes"],
        "loads": [{k: l[k] for k in ("concurrency", "requests_per_s", "p50_us", "p99_us", "server_cpu_us")}
                  for l in serve["loads"]]}
print(json.dumps(line))
PY
    rm -rf "$work/m$rows"
done
