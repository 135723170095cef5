//! Sparse fine-tuning and federated merging.
//!
//! A lookup uses only the `k` rows it selects, so an example can only teach those rows.
//! `tune` runs a few epochs of gradient steps on the value rows that a model's own
//! (fixed-point, served) lookups select for each example, on an f32 copy of just those
//! rows, then re-quantises them: every other row keeps its bytes. `merge` averages
//! several tunings of one version per row, over the tunings that changed it.
//!
//! What is tuned: the value rows of one lookup layer (the last, by default), against the
//! squared error `1/2 |y - t|^2` of that layer's output `y` (after renormalisation when
//! the layer renormalises) and the example's target `t`. The layer's input is what the
//! model computes for the example, so earlier layers are used, not changed. Keys,
//! centroids and list membership are never changed, so the selection of an example does
//! not move during tuning, and the update is one tree of one layer: what
//! `publish_update` takes.

use crate::{import, progress, store, wire::quantise_vector};
use anyhow::{bail, ensure, Context, Result};
use ghost_primitives::{
    hash::Blake2b256,
    quant::{q14, to_f32},
    Hash, Input, LayerWeights, Model, ModelId,
};
use rand::{seq::SliceRandom, SeedableRng};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, path::Path};

/// The record a tuned or merged model directory keeps beside its weights.
pub const RECORD: &str = "tune.json";

/// How to tune.
#[derive(Clone, Debug, clap::Args)]
pub struct TuneParams {
    /// Labelled examples: a matrix (`.csv`, `.npy` or `.safetensors`) whose rows are an
    /// input (the model's input width) followed by its target (the output width), or by
    /// a class index with `--classes`.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// The tensor to read from a `.safetensors` file holding several.
    #[arg(long)]
    pub tensor: Option<String>,
    /// Targets are class indices (one column) turned into one-hot rows of this width.
    #[arg(long)]
    pub classes: Option<usize>,
    /// The steps.
    #[command(flatten)]
    pub steps: Steps,
    /// Keep at most this many changed rows: those that changed most (see `docs/tuning.md`).
    #[arg(long)]
    pub max_rows: Option<usize>,
}

/// The gradient steps of a tune.
#[derive(Clone, Debug, clap::Args)]
pub struct Steps {
    /// The lookup layer whose value rows are tuned (default: the last lookup layer).
    #[arg(long)]
    pub layer: Option<u32>,
    /// Passes over the examples.
    #[arg(long, default_value_t = Steps::DEFAULT.epochs)]
    pub epochs: u32,
    /// Step size of each gradient step.
    #[arg(long, default_value_t = Steps::DEFAULT.learning_rate)]
    pub learning_rate: f32,
    /// Seed of the order the examples are visited in, each epoch.
    #[arg(long, default_value_t = Steps::DEFAULT.seed)]
    pub seed: u64,
}

impl Steps {
    /// The defaults: the last lookup layer, three epochs of steps of 0.5, seed 0.
    pub const DEFAULT: Steps = Steps { layer: None, epochs: 3, learning_rate: 0.5, seed: 0 };
}

/// Labelled examples, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Examples {
    /// Input width.
    pub d: usize,
    /// Target width.
    pub e: usize,
    /// `count x d` inputs.
    pub inputs: Vec<f32>,
    /// `count x e` targets.
    pub targets: Vec<f32>,
}

impl Examples {
    /// How many.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.d.max(1)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Example `i`: its input and its target.
    pub fn get(&self, i: usize) -> (&[f32], &[f32]) {
        (&self.inputs[i * self.d..(i + 1) * self.d], &self.targets[i * self.e..(i + 1) * self.e])
    }

    /// Split rows of a matrix into inputs of width `d` and targets: the remaining
    /// columns, or with `classes`, one column of class indices made one-hot.
    pub fn from_rows(rows: &ndarray::Array2<f32>, d: usize, e: usize, classes: Option<usize>) -> Result<Self> {
        let want = if classes.is_some() { d + 1 } else { d + e };
        ensure!(
            rows.ncols() == want,
            "the examples have {} columns; this model takes inputs of {d} and {}, so {want} are expected",
            rows.ncols(),
            if classes.is_some() { "a class index".to_string() } else { format!("targets of {e}") }
        );
        ensure!(rows.nrows() > 0, "there are no examples");
        if let Some(c) = classes {
            ensure!(c == e, "--classes {c}: the model's output has {e} entries, one per class");
        }
        let (mut inputs, mut targets) = (Vec::with_capacity(rows.nrows() * d), Vec::with_capacity(rows.nrows() * e));
        for (i, row) in rows.rows().into_iter().enumerate() {
            ensure!(row.iter().all(|v| v.is_finite()), "example {i} holds NaN or infinite values");
            inputs.extend(row.iter().take(d));
            match classes {
                Some(c) => {
                    let label = row[d];
                    ensure!(
                        label >= 0.0 && label.fract() == 0.0 && (label as usize) < c,
                        "example {i}: class {label} is not one of 0..{c}"
                    );
                    targets.extend((0..c).map(|j| if j == label as usize { 1.0 } else { 0.0 }));
                }
                None => targets.extend(row.iter().skip(d)),
            }
        }
        Ok(Self { d, e, inputs, targets })
    }

    /// Read examples for `model` from `p.data`.
    pub fn read(p: &TuneParams, model: &Model) -> Result<Self> {
        let file = model.ghost_file();
        let d = match file.layers.first() {
            Some(ghost_primitives::LayerSpec::Lookup(s)) => s.params.d as usize,
            _ => bail!("tuning needs a model whose input is a vector (its first layer a lookup layer)"),
        };
        let e = file.output_dim() as usize;
        let rows = import::read_matrix(&p.data, p.tensor.as_deref())?;
        Self::from_rows(&rows, d, e, p.classes).with_context(|| format!("reading {}", p.data.display()))
    }

    /// The training-data hash: BLAKE2b-256 of the examples' bytes, `u32` LE count, input
    /// width and target width, then each example's input and target as `f32` LE. The
    /// same examples hash the same from any file format.
    pub fn hash(&self) -> Hash {
        let mut h = Blake2b256::new();
        for n in [self.len(), self.d, self.e] {
            h.update(&(n as u32).to_le_bytes());
        }
        for i in 0..self.len() {
            let (x, t) = self.get(i);
            for v in x.iter().chain(t) {
                h.update(&v.to_le_bytes());
            }
        }
        h.finalize()
    }
}

/// One contribution to a merge, as its record names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Contribution {
    /// The contributing model's id.
    pub model: String,
    /// Its training-data hash.
    pub training_data: String,
}

/// What a tuned (or merged) directory records: `tune.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TuneRecord {
    /// The version tuned (`0x`-hex id).
    pub parent: String,
    /// The lookup layer whose value rows changed.
    pub layer: u32,
    /// Pattern rows whose bytes changed, ascending.
    pub changed_rows: Vec<u32>,
    /// The training-data hash (`0x`-hex) to publish with the update.
    pub training_data: String,
    /// Examples seen (a tune), or 0 (a merge).
    pub examples: usize,
    /// Epochs, step size and seed of a tune.
    pub epochs: u32,
    /// Step size.
    pub learning_rate: f32,
    /// Seed of the visiting order.
    pub seed: u64,
    /// Mean squared error (`1/2 |y - t|^2`) over the examples before tuning, in f32.
    pub loss_before: f32,
    /// The same after.
    pub loss_after: f32,
    /// For a merge, the tunings merged, in the order given.
    pub contributions: Vec<Contribution>,
}

impl TuneRecord {
    /// Read `dir/tune.json`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(RECORD);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                Ok(Some(serde_json::from_str(&text).with_context(|| format!("{} is malformed", path.display()))?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The training-data hash as bytes.
    pub fn training_data_hash(&self) -> Result<Hash> {
        crate::wire::parse_id(&self.training_data).context("tune.json's trainingData")
    }
}

/// A tuned model and its record.
pub struct Tuned {
    /// The model, its ghost file without a parent (the chain sets it on publication).
    pub model: Model,
    /// What changed and why.
    pub record: TuneRecord,
}

/// What an example needs for its steps: the layer's input (f32), its selected rows and
/// their scores times beta (the softmax logits, fixed while values are tuned).
struct Prepared {
    selected: Vec<u32>,
    logits: Vec<f32>,
}

/// The last lookup layer of `model`, or `asked` if it is one.
fn tuned_layer(model: &Model, asked: Option<u32>) -> Result<u32> {
    let is_lookup = |l: usize| matches!(model.weights().get(l), Some(LayerWeights::Lookup { .. }));
    match asked {
        Some(l) if is_lookup(l as usize) => Ok(l),
        Some(l) => bail!("layer {l} is not a lookup layer of this model"),
        None => (0..model.weights().len()).rev().find(|&l| is_lookup(l)).map(|l| l as u32).context("no lookup layer"),
    }
}

/// Keep only the `max_rows` changed rows that changed most (largest squared distance from
/// the base row, ties to the lower row), putting the others back as they were in `base`.
/// An update's rows are bounded on chain (`MaxUpdateRows`), so a tuning or a merge can be
/// held to what one version may carry. Returns the rows kept, ascending.
pub fn keep_largest(base: &[i16], values: &mut [i16], e: usize, changed: &[u32], max_rows: Option<usize>) -> Vec<u32> {
    let Some(max) = max_rows.filter(|&m| m < changed.len()) else { return changed.to_vec() };
    let row = |m: &[i16], r: u32| m[r as usize * e..][..e].to_vec();
    let mut by_change: Vec<(i64, u32)> = changed
        .iter()
        .map(|&r| {
            let (old, new) = (row(base, r), row(values, r));
            (old.iter().zip(&new).map(|(&a, &b)| (b as i64 - a as i64).pow(2)).sum(), r)
        })
        .collect();
    by_change.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, r) in &by_change[max..] {
        values[r as usize * e..][..e].copy_from_slice(&base[r as usize * e..][..e]);
    }
    let mut kept: Vec<u32> = by_change[..max].iter().map(|&(_, r)| r).collect();
    kept.sort_unstable();
    kept
}

/// Fine-tune `model` on `examples` (see the module documentation), keeping at most
/// `max_rows` changed rows.
pub fn tune(
    model: &Model,
    examples: &Examples,
    p: &Steps,
    max_rows: Option<usize>,
    show_progress: bool,
) -> Result<Tuned> {
    ensure!(p.learning_rate.is_finite() && p.learning_rate > 0.0, "--learning-rate must be a positive number");
    ensure!(!examples.is_empty(), "there are no examples");
    let l = tuned_layer(model, p.layer)?;
    let Some(LayerWeights::Lookup { params, keys, values, .. }) = model.weights().get(l as usize) else {
        bail!("layer {l} is not a lookup layer")
    };
    let (d, e) = (params.d as usize, params.e as usize);
    ensure!(
        examples.e == e || l as usize + 1 == model.weights().len(),
        "only the last layer's output has targets; tune layer {} or give targets for layer {l}",
        model.weights().len() - 1
    );
    let beta = params.beta.to_f32();

    // The served lookups: each example's selected rows and logits, fixed from here on.
    let mut prepared = Vec::with_capacity(examples.len());
    for i in 0..examples.len() {
        let input = quantise_vector(examples.get(i).0, false);
        let trace = model.trace(&input).with_context(|| format!("example {i}"))?;
        let x: Vec<f32> = match l.checked_sub(1) {
            None => match &input {
                Input::Vector(v) => v.iter().map(|&q| to_f32(q)).collect(),
                Input::Token(_) => bail!("tuning takes vector inputs"),
            },
            Some(prev) => trace.openings[prev as usize].output.iter().map(|&q| to_f32(q)).collect(),
        };
        let selected = trace.openings[l as usize].selected.clone();
        let logits = selected
            .iter()
            .map(|&r| beta * x.iter().zip(&keys[r as usize * d..][..d]).map(|(a, &k)| a * to_f32(k)).sum::<f32>())
            .collect();
        prepared.push(Prepared { selected, logits });
    }

    // The f32 copy of every row some example selects, and nothing else.
    let mut rows: BTreeMap<u32, Vec<f32>> = BTreeMap::new();
    for ex in &prepared {
        for &r in &ex.selected {
            rows.entry(r).or_insert_with(|| values[r as usize * e..][..e].iter().map(|&q| to_f32(q)).collect());
        }
    }
    let loss = |rows: &BTreeMap<u32, Vec<f32>>| -> f32 {
        let total: f32 = prepared
            .iter()
            .enumerate()
            .map(|(i, ex)| {
                let (y, _, _) = layer_output(ex, rows, e, params.normalize);
                y.iter().zip(examples.get(i).1).map(|(a, b)| 0.5 * (a - b) * (a - b)).sum::<f32>()
            })
            .sum();
        total / prepared.len() as f32
    };
    let loss_before = loss(&rows);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
    let mut order: Vec<usize> = (0..prepared.len()).collect();
    let bar = if show_progress {
        progress::bar(u64::from(p.epochs) * prepared.len() as u64, "tuning")
    } else {
        indicatif::ProgressBar::hidden()
    };
    for _ in 0..p.epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            let ex = &prepared[i];
            let (y, weights, norm) = layer_output(ex, &rows, e, params.normalize);
            let target = examples.get(i).1;
            // dL/dy = y - t; through the renormalisation y = z / |z|:
            // dL/dz = (g - y (y . g)) / |z|.
            let mut g: Vec<f32> = y.iter().zip(target).map(|(a, b)| a - b).collect();
            if params.normalize && norm > 0.0 {
                let yg: f32 = y.iter().zip(&g).map(|(a, b)| a * b).sum();
                g.iter_mut().zip(&y).for_each(|(gj, yj)| *gj = (*gj - yj * yg) / norm);
            }
            // dz/dv_r = p_r: each selected row steps by its softmax weight.
            for (&r, &w) in ex.selected.iter().zip(&weights) {
                if let Some(v) = rows.get_mut(&r) {
                    v.iter_mut().zip(&g).for_each(|(vj, gj)| *vj -= p.learning_rate * w * gj);
                }
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let loss_after = loss(&rows);

    // Re-quantise: a row changed when its bytes did.
    let mut weights = model.weights().to_vec();
    let Some(LayerWeights::Lookup { values: new_values, .. }) = weights.get_mut(l as usize) else {
        bail!("layer {l} is not a lookup layer")
    };
    let mut changed = Vec::new();
    for (&r, v) in &rows {
        let slot = &mut new_values[r as usize * e..][..e];
        let q: Vec<i16> = v.iter().map(|&x| q14(x).0).collect();
        if q.as_slice() != &*slot {
            slot.copy_from_slice(&q);
            changed.push(r);
        }
    }
    let changed = keep_largest(values, new_values, e, &changed, max_rows);
    let tuned =
        Model::new(model.ghost_file().name.clone(), weights).map_err(|e| anyhow::anyhow!("the tuned model: {e}"))?;
    let record = TuneRecord {
        parent: crate::wire::hex0x(&model.id()),
        layer: l,
        changed_rows: changed,
        training_data: crate::wire::hex0x(&examples.hash()),
        examples: examples.len(),
        epochs: p.epochs,
        learning_rate: p.learning_rate,
        seed: p.seed,
        loss_before,
        loss_after,
        contributions: Vec::new(),
    };
    Ok(Tuned { model: tuned, record })
}

/// The layer's f32 output for a prepared example over the current rows: `y`, the
/// softmax weights, and `|z|` before renormalisation.
fn layer_output(ex: &Prepared, rows: &BTreeMap<u32, Vec<f32>>, e: usize, normalize: bool) -> (Vec<f32>, Vec<f32>, f32) {
    let max = ex.logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let w: Vec<f32> = ex.logits.iter().map(|s| (s - max).exp()).collect();
    let total: f32 = w.iter().sum();
    let w: Vec<f32> = w.into_iter().map(|x| x / total).collect();
    let mut z = vec![0f32; e];
    for (r, wi) in ex.selected.iter().zip(&w) {
        z.iter_mut().zip(&rows[r]).for_each(|(zj, v)| *zj += wi * v);
    }
    let norm = z.iter().map(|v| v * v).sum::<f32>().sqrt();
    let y = if normalize && norm > 0.0 { z.iter().map(|v| v / norm).collect() } else { z };
    (y, w, norm)
}

/// The training-data hash of a merge: BLAKE2b-256 of the tag `ghost-merge-v1`, the `u32`
/// LE count of contributions, then each contribution's model id and training-data hash
/// in the order given. A contributor finds its own pair in the published list and checks
/// the hash.
pub fn merge_hash(contributions: &[(ModelId, Hash)]) -> Hash {
    let mut h = Blake2b256::new();
    h.update(b"ghost-merge-v1").update(&(contributions.len() as u32).to_le_bytes());
    for (model, data) in contributions {
        h.update(model).update(data);
    }
    h.finalize()
}

/// Merge tunings of `base`: each row any of them changed becomes the base row plus the
/// mean of the changes of the tunings that changed it (each entry rounded half up, in
/// integers: merging one tuning gives that tuning's rows exactly), keeping at most
/// `max_rows` changed rows. Every tuning must name `base` as its parent, tune the same
/// layer, and change nothing but value rows.
pub fn merge(base: &Model, tunings: &[Tuned], max_rows: Option<usize>) -> Result<Tuned> {
    ensure!(!tunings.is_empty(), "nothing to merge: give at least one --from");
    let base_id = crate::wire::hex0x(&base.id());
    let layer = tunings[0].record.layer;
    let Some(LayerWeights::Lookup { params, keys, values, .. }) = base.weights().get(layer as usize) else {
        bail!("layer {layer} is not a lookup layer of the base")
    };
    let e = params.e as usize;
    let mut sums: BTreeMap<u32, (Vec<i64>, i64)> = BTreeMap::new();
    let mut contributions = Vec::new();
    for (i, Tuned { model, record }) in tunings.iter().enumerate() {
        ensure!(
            record.parent == base_id,
            "tuning {} was made from {}, not from the base {base_id}",
            i + 1,
            record.parent
        );
        ensure!(
            record.layer == layer,
            "tuning {} changed layer {}, the first changed layer {layer}",
            i + 1,
            record.layer
        );
        let Some(LayerWeights::Lookup { keys: k2, values: v2, params: p2, .. }) = model.weights().get(layer as usize)
        else {
            bail!("tuning {}: layer {layer} is not a lookup layer", i + 1)
        };
        ensure!(
            p2 == params && k2 == keys && v2.len() == values.len() && model.weights().len() == base.weights().len(),
            "tuning {} changed more than value rows of layer {layer}",
            i + 1
        );
        for (l, (a, b)) in base.weights().iter().zip(model.weights()).enumerate() {
            ensure!(l == layer as usize || a == b, "tuning {} changed layer {l} too", i + 1);
        }
        for r in crate::update::changed_rows(&[(values, v2, e)]) {
            let (old, new) = (&values[r as usize * e..][..e], &v2[r as usize * e..][..e]);
            let (sum, count) = sums.entry(r).or_insert_with(|| (vec![0; e], 0));
            sum.iter_mut().zip(old.iter().zip(new)).for_each(|(s, (&o, &n))| *s += n as i64 - o as i64);
            *count += 1;
        }
        contributions.push((model.id(), record.training_data_hash()?));
    }
    let mut weights = base.weights().to_vec();
    let Some(LayerWeights::Lookup { values: merged, .. }) = weights.get_mut(layer as usize) else {
        bail!("layer {layer} is not a lookup layer")
    };
    let mut changed = Vec::new();
    for (&r, (sum, count)) in &sums {
        let slot = &mut merged[r as usize * e..][..e];
        for (v, s) in slot.iter_mut().zip(sum) {
            // floor(s / count + 1/2): the mean change, rounded half up. The result is a
            // mean of i16 values, so it is one.
            let mean = (2 * s + count).div_euclid(2 * count);
            *v = (*v as i64 + mean).clamp(i16::MIN as i64, i16::MAX as i64) as i16;
        }
        if slot != &values[r as usize * e..][..e] {
            changed.push(r);
        }
    }
    let changed = keep_largest(values, merged, e, &changed, max_rows);
    let model =
        Model::new(base.ghost_file().name.clone(), weights).map_err(|e| anyhow::anyhow!("the merged model: {e}"))?;
    let record = TuneRecord {
        parent: base_id,
        layer,
        changed_rows: changed,
        training_data: crate::wire::hex0x(&merge_hash(&contributions)),
        examples: 0,
        epochs: 0,
        learning_rate: 0.0,
        seed: 0,
        loss_before: 0.0,
        loss_after: 0.0,
        contributions: contributions
            .iter()
            .map(|(m, t)| Contribution { model: crate::wire::hex0x(m), training_data: crate::wire::hex0x(t) })
            .collect(),
    };
    Ok(Tuned { model, record })
}

/// Save a tuned or merged model to `out`: the model directory, and its record.
pub fn save(out: &Path, tuned: &Tuned, how: &str) -> Result<store::Manifest> {
    let manifest = store::save(out, &tuned.model, &Default::default(), how)?;
    let path = out.join(RECORD);
    std::fs::write(&path, serde_json::to_string_pretty(&tuned.record)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{commit, lookup_layer, synthetic_matrices, tests::params};
    use proptest::prelude::*;
    use rand::Rng;

    fn model(seed: u64) -> Model {
        let (k, v) = synthetic_matrices(256, 8, 4, 8, seed);
        let (layer, _) = lookup_layer(k, v, &params(8, 3, 4), false).unwrap();
        commit("tune-test", &[layer]).unwrap().0
    }

    fn examples(seed: u64, n: usize) -> Examples {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let inputs = (0..n * 8).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let targets = (0..n * 4).map(|_| rng.gen_range(-1.0..1.0)).collect();
        Examples { d: 8, e: 4, inputs, targets }
    }

    fn values(m: &Model) -> &[i16] {
        match &m.weights()[0] {
            LayerWeights::Lookup { values, .. } => values,
            LayerWeights::Embedding { .. } => unreachable!("a lookup model"),
        }
    }

    fn steps(seed: u64, epochs: u32, learning_rate: f32) -> Steps {
        Steps { seed, epochs, learning_rate, ..Steps::DEFAULT }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Only rows some example selected change, only in their values, and the record
        /// names exactly the rows whose bytes changed.
        #[test]
        fn a_tune_changes_no_row_that_no_example_selected(
            seed in 0u64..1000, n in 1usize..12, lr in 0.05f32..3.0,
        ) {
            let base = model(seed % 4);
            let ex = examples(seed, n);
            let tuned = tune(&base, &ex, &steps(seed, 2, lr), None, false).unwrap();
            let mut selected = std::collections::BTreeSet::new();
            for i in 0..ex.len() {
                let trace = base.trace(&quantise_vector(ex.get(i).0, false)).unwrap();
                selected.extend(trace.openings[0].selected.iter().copied());
            }
            let (old, new) = (values(&base), values(&tuned.model));
            let changed: Vec<u32> = (0..256u32).filter(|&r| old[r as usize * 4..][..4] != new[r as usize * 4..][..4]).collect();
            prop_assert!(changed.iter().all(|r| selected.contains(r)), "{changed:?} not in {selected:?}");
            prop_assert_eq!(&tuned.record.changed_rows, &changed);
            for (a, b) in base.weights().iter().zip(tuned.model.weights()) {
                let (LayerWeights::Lookup { keys: k1, centroids: c1, offsets: o1, .. },
                     LayerWeights::Lookup { keys: k2, centroids: c2, offsets: o2, .. }) = (a, b) else { unreachable!() };
                prop_assert!(k1 == k2 && c1 == c2 && o1 == o2);
            }
        }

        /// The update published from a tune turns the old ghost file into one whose
        /// roots are the tuned directory's.
        #[test]
        fn the_published_update_has_the_tuned_root(seed in 0u64..1000, n in 1usize..12) {
            let base = model(seed % 4);
            let tuned = tune(&base, &examples(seed, n), &steps(seed, 3, 1.0), None, false).unwrap();
            prop_assume!(!tuned.record.changed_rows.is_empty());
            let update = crate::update::diff(&base, &tuned.model, Some(tuned.record.training_data_hash().unwrap())).unwrap();
            prop_assert_eq!(&update.indices, &tuned.record.changed_rows);
            let next = base.ghost_file().apply_update(&update).unwrap();
            prop_assert_eq!(&next.layers, &tuned.model.ghost_file().layers);
        }

        /// A row budget keeps the rows that changed most and puts back the others.
        #[test]
        fn a_row_budget_keeps_the_largest_changes(seed in 0u64..1000, n in 1usize..12, max in 0usize..20) {
            let base = model(seed % 4);
            let ex = examples(seed, n);
            let all = tune(&base, &ex, &steps(seed, 2, 1.0), None, false).unwrap();
            let held = tune(&base, &ex, &steps(seed, 2, 1.0), Some(max), false).unwrap();
            prop_assert_eq!(held.record.changed_rows.len(), all.record.changed_rows.len().min(max));
            let (v0, va, vh) = (values(&base), values(&all.model), values(&held.model));
            let change = |r: u32| -> i64 {
                (0..4).map(|j| (va[r as usize * 4 + j] as i64 - v0[r as usize * 4 + j] as i64).pow(2)).sum()
            };
            for r in 0..256u32 {
                let row = |v: &[i16]| v[r as usize * 4..][..4].to_vec();
                let kept = held.record.changed_rows.contains(&r);
                prop_assert_eq!(row(vh), if kept { row(va) } else { row(v0) });
            }
            let least_kept = held.record.changed_rows.iter().map(|&r| change(r)).min();
            let most_dropped = all.record.changed_rows.iter().filter(|r| !held.record.changed_rows.contains(r)).map(|&r| change(r)).max();
            if let (Some(k), Some(d)) = (least_kept, most_dropped) {
                prop_assert!(k >= d);
            }
        }

        /// Merging one tuning gives that tuning's weights, byte for byte.
        #[test]
        fn merging_one_contribution_equals_it(seed in 0u64..1000, n in 1usize..12) {
            let base = model(seed % 4);
            let tuned = tune(&base, &examples(seed, n), &steps(seed, 2, 1.0), None, false).unwrap();
            let weights = tuned.model.weights().to_vec();
            let rows = tuned.record.changed_rows.clone();
            let merged = merge(&base, &[tuned], None).unwrap();
            prop_assert_eq!(merged.model.weights(), weights.as_slice());
            prop_assert_eq!(merged.record.changed_rows, rows);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_tuning_lowers_the_loss() {
        let base = model(1);
        let ex = examples(7, 10);
        let a = tune(&base, &ex, &Steps::DEFAULT, None, false).unwrap();
        let b = tune(&base, &ex, &Steps::DEFAULT, None, false).unwrap();
        assert_eq!(a.model.weights(), b.model.weights());
        assert_eq!(a.record, b.record);
        assert!(a.record.loss_after < a.record.loss_before, "{:?}", a.record);
        let other = tune(&base, &ex, &steps(1, 3, 0.5), None, false).unwrap();
        assert_eq!(other.record.training_data, a.record.training_data, "the data hash is the data's");
    }

    #[test]
    fn a_merge_averages_the_changes_of_the_tunings_that_made_them() {
        let base = model(2);
        let a = tune(&base, &examples(3, 6), &Steps::DEFAULT, None, false).unwrap();
        let b = tune(&base, &examples(4, 6), &Steps::DEFAULT, None, false).unwrap();
        let (va, vb, v0) = (values(&a.model).to_vec(), values(&b.model).to_vec(), values(&base).to_vec());
        let (ra, rb) = (a.record.changed_rows.clone(), b.record.changed_rows.clone());
        let hashes = [
            (a.model.id(), a.record.training_data_hash().unwrap()),
            (b.model.id(), b.record.training_data_hash().unwrap()),
        ];
        let merged = merge(&base, &[a, b], None).unwrap();
        let vm = values(&merged.model);
        for r in 0..256u32 {
            let row = |v: &[i16]| v[r as usize * 4..][..4].to_vec();
            let want = match (ra.contains(&r), rb.contains(&r)) {
                (true, true) => row(&va)
                    .iter()
                    .zip(row(&vb))
                    .map(|(&x, y)| ((x as i32 + y as i32 + 1).div_euclid(2)) as i16)
                    .collect(),
                (true, false) => row(&va),
                (false, true) => row(&vb),
                (false, false) => row(&v0),
            };
            assert_eq!(row(vm), want, "row {r}");
        }
        assert_eq!(merged.record.training_data, crate::wire::hex0x(&merge_hash(&hashes)));
        assert_eq!(merged.record.contributions.len(), 2);
    }

    #[test]
    fn tunings_of_another_version_or_no_examples_are_refused() {
        let (base, other) = (model(1), model(2));
        let t = tune(&other, &examples(1, 3), &Steps::DEFAULT, None, false).unwrap();
        let err = merge(&base, &[t], None).err().unwrap().to_string();
        assert!(err.contains("not from the base"), "{err}");
        // A contribution that also moved a key (which would move the lists) is refused,
        // though its record names the base.
        let honest = tune(&base, &examples(2, 3), &Steps::DEFAULT, None, false).unwrap();
        let mut weights = honest.model.weights().to_vec();
        let LayerWeights::Lookup { keys, .. } = &mut weights[0] else { unreachable!("a lookup model") };
        keys[0] = keys[0].wrapping_add(1);
        let forged = Tuned { model: Model::new(b"tune-test".to_vec(), weights).unwrap(), record: honest.record };
        let err = merge(&base, &[forged], None).err().unwrap().to_string();
        assert!(err.contains("changed more than value rows"), "{err}");
        assert!(merge(&base, &[], None).is_err());
        let none = Examples { d: 8, e: 4, inputs: vec![], targets: vec![] };
        assert!(tune(&base, &none, &Steps::DEFAULT, None, false).is_err());
        let rows = ndarray::Array2::from_shape_vec((1, 9), vec![0.0; 9]).unwrap();
        assert!(Examples::from_rows(&rows, 8, 4, None).unwrap_err().to_string().contains("12 are expected"));
        let rows = ndarray::Array2::from_shape_vec((1, 9), vec![0.5; 9]).unwrap();
        assert!(Examples::from_rows(&rows, 8, 4, Some(4)).unwrap_err().to_string().contains("not one of 0..4"));
    }
}
