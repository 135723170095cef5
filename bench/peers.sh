#!/usr/bin/env bash
# FAISS (IVF-Flat, IVF-SQfp16) and numpy (dense layer) beside `ghost bench`, one thread each,
# on the same rows and lists: the model `ghost model build synthetic` builds with the
# defaults, which is the layer `ghost bench` generates. FAISS and numpy come from PyPI into
# a virtual environment of their own. Prints the figures and the ratios.
#
#   bash bench/peers.sh            # 2^20 rows; ROWS=65536 for a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ghostchain/target}
rows=${ROWS:-1048576}
venv=${PEERS_VENV:-$HOME/.cache/ghostchain/peers-venv}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "faiss-cpu==1.15.1" "numpy==2.4.6"
# The workspace with the one feature set (scripts/features), as every script and CI builds:
# one compiled graph, and the `ghost` binary it leaves is the same build.
features=$(<scripts/features)
cargo build --release --locked --workspace --features "$features"
ghost="$CARGO_TARGET_DIR/release/ghost"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ghost" --quiet model build synthetic --rows "$rows" --out "$work/model" >/dev/null
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$venv/bin/python" bench/peers.py "$work/model" >"$work/peers.json"
"$ghost" --quiet bench --rows "$rows" --json >"$work/ghost.json"

"$venv/bin/python" - "$work/ghost.json" "$work/peers.json" <<'PY'
import json, sys
g, p = (json.load(open(f)) for f in sys.argv[1:3])
print(f"N = {g['rows']}, d = e = {g['dim']}, C = {g['lists']}, k = {g['k']}, n_probe = {g['n_probe']}, one thread")
rows = [
    ("ghost sparse forward", g["forward_us"], g["recall"]),
    ("ghost sparse forward + proof", g["sparse_us"], g["recall"]),
    ("FAISS IVF-Flat search", p["ivf_flat_us"], p["ivf_flat_recall"]),
    ("FAISS IVF-SQfp16 search", p["ivf_sq_fp16_us"], p["ivf_sq_fp16_recall"]),
    ("ghost dense layer (f32)", g["dense_us"], None),
    ("numpy dense layer (GEMV)", p["numpy_dense_us"], None),
    ("ghost decode + verify", g["verify_us"], None),
    ("BLAKE2b floor of that verify", g["verify_floor_us"], None),
]
for name, us, recall in rows:
    r = "" if recall is None else f"   recall@{g['k']} {recall:.3f}"
    print(f"{name:32} {us:>12.1f} us{r}")
print(f"ghost forward / FAISS IVF-Flat         {g['forward_us'] / p['ivf_flat_us']:.2f}   (goal 1.0)")
print(f"ghost forward+proof / FAISS IVF-Flat   {g['sparse_us'] / p['ivf_flat_us']:.2f}   (goal 1.2)")
print(f"ghost forward+proof / FAISS IVF-SQfp16 {g['sparse_us'] / p['ivf_sq_fp16_us']:.2f}")
print(f"numpy dense / ghost forward+proof      {p['numpy_dense_us'] / g['sparse_us']:.0f}x")
print(f"ghost verify / hash floor              {g['verify_us'] / g['verify_floor_us']:.2f}   (goal 1.5)")
PY
