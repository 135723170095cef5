"""FAISS and numpy on the rows and lists of a committed ghost model, one thread.

Reads a model directory written by `ghost model build` (its `weights.scale`: SCALE
`Vec<LayerWeights>`, docs/protocol.md §9.5), takes its first lookup layer's keys, values,
centroids and list layout as they are (Q14 entries as real numbers), and measures per
single query: FAISS IVF-Flat and IVF-SQfp16 with the model's own centroids and lists
(inner product, `nprobe` and `k` as in the model), and the dense layer in numpy (one GEMV
over all keys, softmax, one GEMV over all values). Recall@k is against the exact top-k by
inner product over all rows. Prints one JSON object.

    python3 bench/peers.py MODEL_DIR [--queries 200] [--dense-queries 10] [--seed 1]
"""

import argparse
import json
import pathlib
import time

import faiss
import numpy as np
from faiss.contrib.ivf_tools import add_preassigned


def compact(buf, at):
    """A SCALE compact integer at `at`: (value, next offset)."""
    mode = buf[at] & 3
    if mode == 0:
        return buf[at] >> 2, at + 1
    if mode == 1:
        return int.from_bytes(buf[at:at + 2], "little") >> 2, at + 2
    if mode == 2:
        return int.from_bytes(buf[at:at + 4], "little") >> 2, at + 4
    n = (buf[at] >> 2) + 4
    return int.from_bytes(buf[at + 1:at + 1 + n], "little"), at + 1 + n


def array(buf, at, dtype):
    n, at = compact(buf, at)
    size = np.dtype(dtype).itemsize * n
    return np.frombuffer(buf, dtype=dtype, count=n, offset=at), at + size


def first_lookup(path):
    """The first lookup layer of `weights.scale`: params, offsets, keys, values, centroids."""
    buf = (pathlib.Path(path) / "weights.scale").read_bytes()
    layers, at = compact(buf, 0)
    for _ in range(layers):
        kind = buf[at]
        at += 1
        if kind == 0:  # Embedding { dim, normalize, values }
            at += 5
            _, at = array(buf, at, "<i2")
            continue
        d, e, k, beta, n_probe = np.frombuffer(buf, "<u4", 5, at)
        normalize = buf[at + 20] == 1
        at += 21
        offsets, at = array(buf, at, "<u4")
        keys, at = array(buf, at, "<i2")
        values, at = array(buf, at, "<i2")
        centroids, at = array(buf, at, "<i2")
        q = lambda m, w: (m.astype(np.float32) / 16384.0).reshape(-1, w)
        return dict(d=int(d), e=int(e), k=int(k), beta=beta / 65536.0, n_probe=int(n_probe),
                    normalize=normalize, offsets=offsets, keys=q(keys, d), values=q(values, e),
                    centroids=q(centroids, d))
    raise SystemExit("the model has no lookup layer")


def per_query(fn, queries):
    start = time.perf_counter()
    out = [fn(x) for x in queries]
    return (time.perf_counter() - start) * 1e6 / len(queries), out


def main():
    args = argparse.ArgumentParser()
    args.add_argument("model")
    args.add_argument("--queries", type=int, default=200)
    args.add_argument("--dense-queries", type=int, default=10)
    args.add_argument("--seed", type=int, default=1)
    a = args.parse_args()
    faiss.omp_set_num_threads(1)

    m = first_lookup(a.model)
    keys, values, centroids, offsets = m["keys"], m["values"], m["centroids"], m["offsets"]
    n, d = keys.shape
    lists = len(offsets) - 1
    rng = np.random.default_rng(a.seed)
    # Queries near stored keys, unit length, as `ghost bench` draws them.
    picks = rng.integers(0, n, a.queries)
    queries = keys[picks] + 0.05 * (rng.random((a.queries, d), dtype=np.float32) - 0.5)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    queries = queries.astype(np.float32)
    exact = [set(np.argpartition(-(keys @ x), m["k"])[: m["k"]]) for x in queries]

    report = dict(rows=n, dim=d, lists=lists, k=m["k"], n_probe=m["n_probe"], queries=a.queries)
    assignment = np.repeat(np.arange(lists), np.diff(offsets.astype(np.int64)))
    for name, make in [
        ("ivf_flat", lambda q: faiss.IndexIVFFlat(q, d, lists, faiss.METRIC_INNER_PRODUCT)),
        ("ivf_sq_fp16", lambda q: faiss.IndexIVFScalarQuantizer(
            q, d, lists, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)),
    ]:
        quantizer = faiss.IndexFlatIP(d)
        quantizer.add(centroids)
        index = make(quantizer)
        index.is_trained = True
        # The model's own lists, not FAISS's assignment.
        add_preassigned(index, keys, assignment.astype(np.int64))
        index.nprobe = m["n_probe"]
        us, found = per_query(lambda x: index.search(x[None, :], m["k"])[1][0], queries)
        recall = np.mean([len(exact[i] & set(f.tolist())) / m["k"] for i, f in enumerate(found)])
        report[f"{name}_us"] = us
        report[f"{name}_recall"] = float(recall)

    def dense(x):
        s = keys @ x
        w = np.exp(np.float32(m["beta"]) * (s - s.max()))  # float32 throughout, as ghost
        y = (w @ values) / w.sum()
        return y / np.linalg.norm(y)

    dense(queries[0])  # warm up (allocations, BLAS start-up)
    report["numpy_dense_us"], _ = per_query(dense, queries[: a.dense_queries])
    report["numpy_version"] = np.__version__
    report["faiss_version"] = faiss.__version__
    print(json.dumps(report))


if __name__ == "__main__":
    main()
