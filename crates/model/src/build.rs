//! From f32 matrices to a committed model: normalise keys, train the inverted-file index,
//! order rows by list, quantise, build the trees.

use crate::kmeans::{self, Options};
use anyhow::{bail, ensure, Result};
use ghost_primitives::{
    limits, quantise, synthetic, FloatEmbedding, FloatLayer, FloatLookup, LookupParams, Model, QuantStats, Shape,
};
use ndarray::{Array2, Axis};

/// How a layer's inverted-file index is trained.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct IndexParams {
    /// Inverted-file lists `C` (at most one per row).
    #[arg(long, default_value_t = IndexParams::DEFAULT.lists)]
    pub lists: u32,
    /// k-means iterations.
    #[arg(long, default_value_t = IndexParams::DEFAULT.kmeans_iterations)]
    pub kmeans_iterations: usize,
    /// Rows sampled to train k-means.
    #[arg(long, default_value_t = IndexParams::DEFAULT.kmeans_sample)]
    pub kmeans_sample: usize,
    /// Seed of k-means (and of synthetic data).
    #[arg(long, default_value_t = IndexParams::DEFAULT.seed)]
    pub seed: u64,
}

impl IndexParams {
    /// 1,024 lists, 8 iterations of k-means over at most 65,536 sampled rows, seed 0.
    pub const DEFAULT: IndexParams = IndexParams { lists: 1024, kmeans_iterations: 8, kmeans_sample: 65_536, seed: 0 };
}

impl Default for IndexParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A lookup layer as the user chooses it: its hyperparameters (the data gives the widths)
/// and how its index is trained.
#[derive(Clone, Debug, Default, PartialEq, Eq, clap::Args)]
pub struct LayerParams {
    /// `k`, `beta`, `n_probe`, renormalisation.
    #[command(flatten)]
    pub layer: LookupParams,
    /// Lists and k-means.
    #[command(flatten)]
    pub index: IndexParams,
}

/// A lookup layer built from `keys` (`N x d`) and `values` (`N x e`): key rows are
/// normalised to unit length, rows are stored ordered by list. Also returns the stored
/// order: `order[stored row] = input row`.
pub fn lookup_layer(
    keys: Array2<f32>,
    values: Array2<f32>,
    params: &LayerParams,
    progress: bool,
) -> Result<(FloatLookup, Vec<u32>)> {
    let (n, d) = keys.dim();
    let (nv, e) = values.dim();
    ensure!(n == nv, "keys have {n} rows but values have {nv}");
    ensure!(n >= 1 && n as u64 <= limits::MAX_ROWS as u64, "{n} rows: 1 to {} are supported", limits::MAX_ROWS);
    ensure!((1..=limits::MAX_DIM as usize).contains(&d), "key width {d}: 1 to {} supported", limits::MAX_DIM);
    ensure!((1..=limits::MAX_DIM as usize).contains(&e), "value width {e}: 1 to {} supported", limits::MAX_DIM);
    let (layer, index) = (&params.layer, &params.index);
    ensure!((1..=limits::MAX_K).contains(&layer.k), "k = {}: 1 to {} supported", layer.k, limits::MAX_K);
    ensure!(index.lists >= 1 && index.lists <= limits::MAX_LISTS, "lists: 1 to {} supported", limits::MAX_LISTS);
    ensure!(
        layer.n_probe >= 1 && layer.n_probe <= index.lists.min(limits::MAX_N_PROBE),
        "n_probe = {} must be between 1 and min(lists, {})",
        layer.n_probe,
        limits::MAX_N_PROBE
    );
    if keys.iter().chain(values.iter()).any(|v| !v.is_finite()) {
        bail!("weights hold NaN or infinite values");
    }
    let mut keys = keys;
    for mut row in keys.rows_mut() {
        let norm = row.dot(&row).sqrt();
        ensure!(norm > 0.0, "a key row is all zeros: it cannot be normalised");
        row /= norm;
    }
    let lists = (index.lists as usize).min(n);
    let index = kmeans::train(
        keys.view(),
        &Options {
            lists,
            iterations: index.kmeans_iterations,
            sample: index.kmeans_sample,
            seed: index.seed,
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
    // Reorder one matrix at a time, dropping each original as soon as its copy exists: at
    // 2^24 rows a matrix is 4 GiB, so the peak is three of them, not five.
    let keys = rows_in_order(keys, &idx);
    let values = rows_in_order(values, &idx);
    let layer = FloatLookup {
        params: LookupParams { d: d as u32, e: e as u32, ..*layer }.over_lists(lists as u32),
        offsets,
        keys,
        values,
        centroids: index.centroids.into_iter().collect(),
    };
    Ok((layer, order))
}

/// An embedding layer from a `vocabulary x d` table whose rows feed a lookup layer with
/// keys `d` wide: rows normalised to unit length (the lookup's keys are), output kept
/// unit.
pub fn embedding_layer(table: Array2<f32>, d: usize) -> Result<FloatLayer> {
    let (vocabulary, dim) = table.dim();
    ensure!(
        dim == d,
        "the embedding table's rows have {dim} entries but the keys have {d}: an embedding feeds the lookup"
    );
    ensure!(
        vocabulary >= 1 && vocabulary as u64 <= limits::MAX_ROWS as u64,
        "an embedding table of {vocabulary} tokens: 1 to {} are supported",
        limits::MAX_ROWS
    );
    ensure!(table.iter().all(|v| v.is_finite()), "the embedding table holds NaN or infinite values");
    let mut table = table;
    for (t, mut row) in table.rows_mut().into_iter().enumerate() {
        let norm = row.dot(&row).sqrt();
        ensure!(norm > 0.0, "token {t}'s embedding is all zeros: it cannot be normalised");
        row /= norm;
    }
    Ok(FloatEmbedding { dim: d as u32, normalize: true, values: table.into_raw_vec_and_offset().0 }.into())
}

/// The rows of `m` in the order `idx`, row-major, taking `m` (freed on return).
fn rows_in_order(m: Array2<f32>, idx: &[usize]) -> Vec<f32> {
    // `select` builds a standard-layout array, so its buffer is the rows in order.
    let (flat, offset) = m.select(Axis(0), idx).into_raw_vec_and_offset();
    debug_assert!(offset.unwrap_or(0) == 0);
    flat
}

/// Synthetic f32 matrices: `n` unit keys scattered around `clusters` centres, values
/// near per-cluster centres (seeded).
pub fn synthetic_matrices(n: u32, d: u32, e: u32, clusters: u32, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let shape = Shape::new(n, clusters.max(1)).widths(d, e);
    let FloatLookup { keys, values, .. } = synthetic::layer(seed, &shape);
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
pub(crate) mod tests {
    use super::*;

    pub(crate) fn params(lists: u32, n_probe: u32, k: u32) -> LayerParams {
        LayerParams {
            layer: LookupParams { k, n_probe, ..LookupParams::DEFAULT },
            index: IndexParams { lists, ..IndexParams::DEFAULT },
        }
    }

    #[test]
    fn rows_are_ordered_by_list_and_nothing_is_lost() {
        let (keys, values) = synthetic_matrices(500, 8, 3, 6, 1);
        let params = params(6, 2, 4);
        let (layer, order) = lookup_layer(keys.clone(), values.clone(), &params, false).unwrap();
        let FloatLookup { offsets, values: stored, .. } = &layer;
        assert_eq!(offsets.len(), 7);
        assert_eq!(*offsets.last().unwrap(), 500);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        for (stored_row, &orig) in order.iter().enumerate() {
            assert_eq!(
                ghost_primitives::row(stored, 3, stored_row as u32).unwrap(),
                values.row(orig as usize).as_slice().unwrap()
            );
        }
        let (model, _) = commit("t", &[layer.into()]).unwrap();
        assert_eq!(model.ghost_file().layers.len(), 1);
    }

    #[test]
    fn bad_shapes_are_refused_with_a_reason() {
        let (keys, values) = synthetic_matrices(50, 4, 2, 2, 1);
        let short = values.slice_axis(Axis(0), ndarray::Slice::from(..40)).to_owned();
        let err = lookup_layer(keys.clone(), short, &LayerParams::default(), false).unwrap_err();
        assert!(err.to_string().contains("50 rows"), "{err}");
        let p = params(4, 5, 4);
        assert!(lookup_layer(keys.clone(), values.clone(), &p, false).is_err());
        let mut zero = keys;
        zero.row_mut(3).fill(0.0);
        assert!(lookup_layer(zero, values, &params(2, 1, 4), false).is_err());
    }
}
