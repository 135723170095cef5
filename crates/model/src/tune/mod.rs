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

mod merge;

pub use merge::{merge, merge_hash};

use crate::{import, progress, store};
use anyhow::{bail, ensure, Context, Result};
use ghost_primitives::quantise_vector;
use ghost_primitives::{
    q14, row, row_mut, to_f32, Blake2b256, Hash, Input, LayerWeights, LookupWeights, Model, ModelId,
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
        let i = i as u32;
        let input = row(&self.inputs, self.d, i).expect("an example's index is below the count of examples");
        (input, row(&self.targets, self.e, i).expect("every example has a target"))
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
        ghost_primitives::parse_hash(&self.training_data).context("tune.json's trainingData")
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
    let is_lookup = |l: usize| matches!(model.weights().get(l), Some(LayerWeights::Lookup(_)));
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
pub fn keep_largest(
    base: &[i16],
    values: &mut [i16],
    e: usize,
    changed: &[u32],
    max_rows: Option<usize>,
) -> Result<Vec<u32>> {
    let Some(max) = max_rows.filter(|&m| m < changed.len()) else { return Ok(changed.to_vec()) };
    let mut by_change: Vec<(i64, u32)> = changed
        .iter()
        .map(|&r| {
            let (old, new) = (row(base, e, r)?, row(values, e, r)?);
            Ok((old.iter().zip(new).map(|(&a, &b)| (b as i64 - a as i64).pow(2)).sum(), r))
        })
        .collect::<Result<_>>()?;
    by_change.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, r) in &by_change[max..] {
        row_mut(values, e, r)?.copy_from_slice(row(base, e, r)?);
    }
    let mut kept: Vec<u32> = by_change[..max].iter().map(|&(_, r)| r).collect();
    kept.sort_unstable();
    Ok(kept)
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
    let Some(LayerWeights::Lookup(LookupWeights { params, keys, values, .. })) = model.weights().get(l as usize) else {
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
            .map(|&r| Ok(beta * x.iter().zip(row(keys, d, r)?).map(|(a, &k)| a * to_f32(k)).sum::<f32>()))
            .collect::<Result<_>>()?;
        prepared.push(Prepared { selected, logits });
    }

    // The f32 copy of every row some example selects, and nothing else.
    let mut rows: BTreeMap<u32, Vec<f32>> = BTreeMap::new();
    for ex in &prepared {
        for &r in &ex.selected {
            if let std::collections::btree_map::Entry::Vacant(slot) = rows.entry(r) {
                slot.insert(row(values, e, r)?.iter().map(|&q| to_f32(q)).collect());
            }
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
    let Some(LayerWeights::Lookup(LookupWeights { values: new_values, .. })) = weights.get_mut(l as usize) else {
        bail!("layer {l} is not a lookup layer")
    };
    let mut changed = Vec::new();
    for (&r, v) in &rows {
        let slot = row_mut(new_values, e, r)?;
        let q: Vec<i16> = v.iter().map(|&x| q14(x).0).collect();
        if q.as_slice() != &*slot {
            slot.copy_from_slice(&q);
            changed.push(r);
        }
    }
    let changed = keep_largest(values, new_values, e, &changed, max_rows)?;
    let tuned =
        Model::new(model.ghost_file().name.clone(), weights).map_err(|e| anyhow::anyhow!("the tuned model: {e}"))?;
    let record = TuneRecord {
        parent: ghost_primitives::hex0x(&model.id()),
        layer: l,
        changed_rows: changed,
        training_data: ghost_primitives::hex0x(&examples.hash()),
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
    let norm = ghost_primitives::l2_norm(&z);
    let y = if normalize && norm > 0.0 { z.iter().map(|v| v / norm).collect() } else { z };
    (y, w, norm)
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
mod tests;
