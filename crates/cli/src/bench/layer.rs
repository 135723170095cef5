//! `ghost bench`: one run, side by side, on the same data: the sparse forward pass with
//! proof generation against the dense Hopfield layer (all `N` scores, full softmax), the
//! recall of the selected set against the exact top-k, proof bytes against the floor,
//! verification time and peak memory. One thread throughout.

use anyhow::Result;
use ghost_model::build::{commit, lookup_layer, synthetic_matrices, LayerParams};
use ghost_primitives::{
    normalise, q14,
    ranking::{self, top},
    FloatLookup, Input, LookupParams, LookupWeights,
};
use ndarray::{ArrayView1, ArrayView2};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What to measure: one synthetic lookup layer (as many clusters in the data as lists),
/// queried near its keys.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchParams {
    /// Patterns `N`.
    #[arg(long, default_value_t = 1 << 20)]
    pub rows: u32,
    /// Key and value width.
    #[arg(long, default_value_t = LookupParams::DEFAULT.d)]
    pub dim: u32,
    /// The layer and its index (the seed also draws the data and the queries).
    #[command(flatten)]
    pub params: LayerParams,
    /// Queries for the sparse path and verification.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    /// Queries for the (slow) dense path.
    #[arg(long, default_value_t = 10)]
    pub dense_queries: usize,
}

/// The figures, in one object.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Patterns `N`.
    pub rows: u32,
    /// Key and value width.
    pub dim: u32,
    /// Lists `C`.
    pub lists: u32,
    /// Patterns used.
    pub k: u32,
    /// Lists probed.
    pub n_probe: u32,
    /// Queries on the sparse path.
    pub queries: usize,
    /// Seconds to generate the data, train the index and commit.
    pub setup_s: f64,
    /// Mean time of one sparse forward pass (the trace: scores, top-k, softmax), no proof.
    pub forward_us: f64,
    /// Mean time of one sparse forward pass with proof generation and encoding.
    pub sparse_us: f64,
    /// Mean time of one dense f32 forward pass.
    pub dense_us: f64,
    /// `dense_us / sparse_us`.
    pub speedup: f64,
    /// Mean share of the exact top-k (all `N` rows, same arithmetic) that the sparse
    /// lookup selected.
    pub recall: f64,
    /// Mean encoded proof size.
    pub proof_bytes: f64,
    /// Mean floor: raw rows plus the multiproof hashes.
    pub floor_bytes: f64,
    /// Mean time to decode and verify one proof.
    pub verify_us: f64,
    /// Mean BLAKE2b compressions a proof's check takes (`GhostProof::compressions`).
    pub compressions: f64,
    /// Measured time of one BLAKE2b compression on this machine (one-shot, 128 bytes).
    pub compression_us: f64,
    /// The hash floor of a verification: `compressions * compression_us`.
    pub verify_floor_us: f64,
    /// Peak resident memory of the process, MiB (Linux `VmHWM`; 0 where unknown).
    pub peak_rss_mib: f64,
}

/// The dense Hopfield layer in f32: all `N` scores, a full softmax, the weighted sum of
/// all values. Both products go through ndarray's matrix-matrix kernel (matrixmultiply,
/// SIMD), the fastest single-threaded f32 path at hand, so the baseline is not a straw man.
fn dense_forward(keys: ArrayView2<f32>, values: ArrayView2<f32>, x: ArrayView1<f32>, beta: f32) -> Vec<f32> {
    // Scores: one matrix-vector product (ndarray's GEMV, rows of `keys` against `x`).
    let scores = keys.dot(&x);
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights = scores.mapv(|s| (beta * (s - max)).exp());
    let total = weights.sum();
    // The weighted sum of all value rows, streamed once in row order (vectorised axpy).
    let mut y = ndarray::Array1::<f32>::zeros(values.ncols());
    for (w, row) in weights.iter().zip(values.rows()) {
        y.scaled_add(*w, &row);
    }
    y /= total;
    let norm = y.dot(&y).sqrt();
    (if norm > 0.0 { y / norm } else { y }).to_vec()
}

/// Peak resident set size of this process in MiB (0 where unknown).
pub fn peak_rss_mib() -> f64 {
    peak_rss_mib_of("/proc/self/status").unwrap_or(0.0)
}

/// Peak resident set size in MiB from a Linux `/proc/PID/status` (its `VmHWM` line).
pub fn peak_rss_mib_of(status: &str) -> Option<f64> {
    let s = std::fs::read_to_string(status).ok()?;
    let kib = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse::<f64>().ok()?;
    Some(kib / 1024.0)
}

/// The time of one BLAKE2b compression: a one-shot hash of one 128-byte block, the best
/// of five runs of 200,000.
fn compression_us() -> f64 {
    let block = [0x5au8; 128];
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for i in 0..200_000u32 {
                let mut b = block;
                b[..4].copy_from_slice(&i.to_le_bytes());
                std::hint::black_box(ghost_primitives::blake2_256(std::hint::black_box(&b)));
            }
            micros(t.elapsed(), 200_000)
        })
        .fold(f64::INFINITY, f64::min)
}

/// `count` unit queries near stored keys, as real lookups are: a random one of `rows` key
/// rows (`row(i)`), each entry moved by up to ±0.025, renormalised.
pub fn queries_near(rows: usize, row: impl Fn(usize) -> Vec<f32>, count: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x9e37);
    (0..count)
        .map(|_| {
            let i = rng.gen_range(0..rows.max(1));
            let mut q: Vec<f32> = row(i).iter().map(|x| x + 0.05 * (rng.gen::<f32>() - 0.5)).collect();
            normalise(&mut q);
            q
        })
        .collect()
}

/// Key row `i` of a matrix of width `d`; the benchmarks draw `i` below the row count.
pub fn key_row<T>(keys: &[T], d: usize, i: usize) -> &[T] {
    ghost_primitives::row(keys, d, i as u32).expect("a drawn row index is below the row count")
}

fn micros(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e6 / n.max(1) as f64
}

/// Run the benchmark.
pub fn run(p: &BenchParams, progress: bool) -> Result<BenchReport> {
    let started = Instant::now();
    let (lists, seed) = (p.params.index.lists, p.params.index.seed);
    tracing::info!(rows = p.rows, dim = p.dim, lists, "generating data and training the index");
    let (keys, values) = synthetic_matrices(p.rows, p.dim, p.dim, lists, seed);
    let (layer, _) = lookup_layer(keys, values, &p.params, progress)?;
    let (model, _) = commit("bench", &[layer.clone().into()])?;
    let setup_s = started.elapsed().as_secs_f64();
    let FloatLookup { keys, values, .. } = &layer;
    let (n, d) = (p.rows as usize, p.dim as usize);
    let keys_f = ArrayView2::from_shape((n, d), keys)?;
    let values_f = ArrayView2::from_shape((n, d), values)?;
    let LookupWeights { keys: keys_q, .. } = model.lookup_weights(0)?;

    let float_queries = queries_near(n, |i| key_row(keys, d, i).to_vec(), p.queries.max(p.dense_queries), seed);
    let vectors: Vec<Vec<i16>> = float_queries.iter().map(|q| q.iter().map(|&x| q14(x).0).collect()).collect();
    let inputs: Vec<Input> = vectors.iter().cloned().map(Input::Vector).collect();

    tracing::info!(queries = p.queries, "sparse forward passes, then with proofs");
    let t = Instant::now();
    for input in inputs.iter().take(p.queries) {
        std::hint::black_box(model.trace(input)?);
    }
    let forward_us = micros(t.elapsed(), p.queries);
    let mut proved = Vec::with_capacity(p.queries);
    let t = Instant::now();
    for input in inputs.iter().take(p.queries) {
        let (trace, proof) = model.prove(input)?;
        let bytes = proof.encode();
        proved.push((trace, bytes, proof));
    }
    let sparse_us = micros(t.elapsed(), p.queries);
    let answers: Vec<_> = proved
        .into_iter()
        .map(|(trace, bytes, proof)| (trace, bytes, proof.floor_bytes(), proof.compressions()))
        .collect();

    tracing::info!(queries = p.dense_queries, "dense forward passes");
    let t = Instant::now();
    let mut sink = 0f32;
    for q in float_queries.iter().take(p.dense_queries) {
        sink += dense_forward(keys_f, values_f, ArrayView1::from(q), p.params.layer.beta.to_f32())[0];
    }
    let dense_us = micros(t.elapsed(), p.dense_queries);
    std::hint::black_box(sink);

    tracing::info!("verification and recall");
    let verifier = model.verifier();
    let t = Instant::now();
    for (input, (trace, bytes, ..)) in inputs.iter().zip(&answers) {
        verifier.verify(&[], input, &trace.claim(), bytes)?;
    }
    let verify_us = micros(t.elapsed(), answers.len());
    let compressions = answers.iter().map(|a| a.3 as f64).sum::<f64>() / answers.len().max(1) as f64;
    let compression_us = compression_us();

    let mut recall = 0.0;
    for (x, (trace, ..)) in vectors.iter().zip(&answers) {
        let mut all = Vec::with_capacity(n);
        ranking::score_rows(x, keys_q, 0..n as u32, &mut all)?;
        let exact = top(all, p.params.layer.k as usize);
        let selected = &trace.openings[0].selected;
        recall += exact.iter().filter(|i| selected.binary_search(i).is_ok()).count() as f64 / exact.len().max(1) as f64;
    }
    let count = answers.len().max(1) as f64;
    Ok(BenchReport {
        rows: p.rows,
        dim: p.dim,
        lists,
        k: p.params.layer.k,
        n_probe: p.params.layer.n_probe,
        queries: p.queries,
        setup_s,
        forward_us,
        sparse_us,
        dense_us,
        speedup: dense_us / sparse_us,
        recall: recall / count,
        proof_bytes: answers.iter().map(|a| a.1.len() as f64).sum::<f64>() / count,
        floor_bytes: answers.iter().map(|a| a.2 as f64).sum::<f64>() / count,
        verify_us,
        compressions,
        compression_us,
        verify_floor_us: compressions * compression_us,
        peak_rss_mib: peak_rss_mib(),
    })
}
