//! From f32 matrices to a committed model: normalise keys, train the inverted-file index,
//! order rows by list, quantise, build the trees.

use crate::kmeans::{self, Options};
use anyhow::{bail, ensure, Result};
use ghost_primitives::{
    limits,
    quant::{quantise, FloatLayer, QuantStats},
    synthetic, Model, Shape,
};
use ndarray::{Array2, Axis};

/// The architecture of one lookup layer, as the user chooses it.
#[derive(Clone, Debug)]
pub struct LayerParams {
    /// Lists `C`.
    pub lists: u32,
    /// Lists probed per lookup.
    pub n_probe: u32,
    /// Patterns used per lookup.
    pub k: u32,
    /// Inverse temperature.
    pub beta: f32,
    /// Renormalise the layer's output.
    pub normalize: bool,
    /// k-means iterations.
    pub kmeans_iterations: usize,
    /// Rows sampled to train k-means.
    pub kmeans_sample: usize,
    /// Seed of k-means.
    pub seed: u64,
}

impl Default for LayerParams {
    fn default() -> Self {
        Self {
            lists: 1024,
            n_probe: 8,
            k: 32,
            beta: 16.0,
            normalize: true,
            kmeans_iterations: 8,
            kmeans_sample: 65_536,
            seed: 0,
        }
    }
}

/// A lookup layer built from `keys` (`N x d`) and `values` (`N x e`): key rows are
/// normalised to unit length, rows are stored ordered by list. Also returns the stored
/// order: `order[stored row] = input row`.
pub fn lookup_layer(
    keys: Array2<f32>,
    values: Array2<f32>,
    params: &LayerParams,
    progress: bool,
) -> Result<(FloatLayer, Vec<u32>)> {
    let (n, d) = keys.dim();
    let (nv, e) = values.dim();
    ensure!(n == nv, "keys have {n} rows but values have {nv}");
    ensure!(n >= 1 && n as u64 <= limits::MAX_ROWS as u64, "{n} rows: 1 to {} are supported", limits::MAX_ROWS);
    ensure!((1..=limits::MAX_DIM as usize).contains(&d), "key width {d}: 1 to {} supported", limits::MAX_DIM);
    ensure!((1..=limits::MAX_DIM as usize).contains(&e), "value width {e}: 1 to {} supported", limits::MAX_DIM);
    ensure!((1..=limits::MAX_K).contains(&params.k), "k = {}: 1 to {} supported", params.k, limits::MAX_K);
    ensure!(params.lists >= 1 && params.lists <= limits::MAX_LISTS, "lists: 1 to {} supported", limits::MAX_LISTS);
    ensure!(
        params.n_probe >= 1 && params.n_probe <= params.lists.min(limits::MAX_N_PROBE),
        "n_probe = {} must be between 1 and min(lists, {})",
        params.n_probe,
        limits::MAX_N_PROBE
    );
    ensure!(params.beta.is_finite() && params.beta >= 0.0, "beta must be a finite non-negative number");
    if keys.iter().chain(values.iter()).any(|v| !v.is_finite()) {
        bail!("weights hold NaN or infinite values");
    }
    let mut keys = keys;
    for mut row in keys.rows_mut() {
        let norm = row.dot(&row).sqrt();
        ensure!(norm > 0.0, "a key row is all zeros: it cannot be normalised");
        row /= norm;
    }
    let lists = (params.lists as usize).min(n);
    let index = kmeans::train(
        keys.view(),
        &Options {
            lists,
            iterations: params.kmeans_iterations,
            sample: params.kmeans_sample,
            seed: params.seed,
            progress,
        },
    );
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| (index.assignment[i as usize], i));
    let mut offsets = vec![0u32; lists + 1];
    for &j in &index.assignment {
        offsets[j as usize + 1] += 1;
    }
    for j in 0..lists {
        offsets[j + 1] += offsets[j];
    }
    let idx: Vec<usize> = order.iter().map(|&i| i as usize).collect();
    let layer = FloatLayer::Lookup {
        d: d as u32,
        e: e as u32,
        k: params.k,
        beta: params.beta,
        n_probe: params.n_probe.min(lists as u32),
        normalize: params.normalize,
        offsets,
        keys: keys.select(Axis(0), &idx).into_iter().collect(),
        values: values.select(Axis(0), &idx).into_iter().collect(),
        centroids: index.centroids.into_iter().collect(),
    };
    Ok((layer, order))
}

/// Synthetic f32 matrices: `n` unit keys scattered around `clusters` centres, values
/// near per-cluster centres (seeded).
pub fn synthetic_matrices(n: u32, d: u32, e: u32, clusters: u32, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let shape = Shape { rows: n, lists: clusters.max(1), layer: LookupParams { d, e, k: 1, beta: Beta::from_int(1), n_probe: 1, normalize: false } };
    let FloatLayer::Lookup { keys, values, .. } = synthetic::model(seed, &[shape]).remove(0) else {
        unreachable!("the synthetic generator makes lookup layers")
    };
    (
        Array2::from_shape_vec((n as usize, d as usize), keys).expect("generator shape"),
        Array2::from_shape_vec((n as usize, e as usize), values).expect("generator shape"),
    )
}

/// Quantise float layers and commit to them.
pub fn commit(name: &str, layers: &[FloatLayer]) -> Result<(Model, QuantStats)> {
    let spinner = crate::progress::spinner("hashing rows and building trees");
    let (weights, stats) = quantise(layers);
    let model = Model::new(name.as_bytes().to_vec(), weights)?;
    spinner.finish_and_clear();
    if stats.saturated > 0 {
        tracing::warn!(saturated = stats.saturated, "entries outside [-2, 2) were clamped by quantisation");
    }
    Ok((model, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_ordered_by_list_and_nothing_is_lost() {
        let (keys, values) = synthetic_matrices(500, 8, 3, 6, 1);
        let params = LayerParams { lists: 6, n_probe: 2, k: 4, ..Default::default() };
        let (layer, order) = lookup_layer(keys.clone(), values.clone(), &params, false).unwrap();
        let FloatLayer::Lookup { offsets, values: stored, .. } = &layer else { unreachable!() };
        assert_eq!(offsets.len(), 7);
        assert_eq!(*offsets.last().unwrap(), 500);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        for (stored_row, &orig) in order.iter().enumerate() {
            assert_eq!(&stored[stored_row * 3..stored_row * 3 + 3], values.row(orig as usize).as_slice().unwrap());
        }
        let (model, _) = commit("t", &[layer]).unwrap();
        assert_eq!(model.ghost_file().layers.len(), 1);
    }

    #[test]
    fn bad_shapes_are_refused_with_a_reason() {
        let (keys, values) = synthetic_matrices(50, 4, 2, 2, 1);
        let short = values.slice(ndarray::s![..40, ..]).to_owned();
        let err = lookup_layer(keys.clone(), short, &LayerParams::default(), false).unwrap_err();
        assert!(err.to_string().contains("50 rows"), "{err}");
        let p = LayerParams { n_probe: 5, lists: 4, ..Default::default() };
        assert!(lookup_layer(keys.clone(), values.clone(), &p, false).is_err());
        let mut zero = keys;
        zero.row_mut(3).fill(0.0);
        assert!(lookup_layer(zero, values, &LayerParams { lists: 2, n_probe: 1, ..Default::default() }, false).is_err());
    }
}
