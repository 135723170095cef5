//! Quantisation from `f32` and its cost, measured against an `f32` reference.
//!
//! [`FloatLayer`] is the same architecture with real-valued weights. [`quantise`] turns
//! it into [`LayerWeights`] (Q14, saturating at `[-2, 2)`); [`reference_forward`] runs the
//! same sparse lookup, or the dense one over all `N` patterns, in `f32`; and
//! [`error_report`] compares the fixed-point model with either on a set of inputs.

use crate::{
    fixed::ONE_Q14,
    model::{LayerWeights, Model},
    params::LookupParams,
    trace::Input,
    Result,
};

/// Round an `f32`-valued Q14 quantity to `i16`, saturating at the ends of the range.
/// Returns the value and whether it saturated.
pub fn q14(x: f32) -> (i16, bool) {
    let scaled = (x as f64 * ONE_Q14 as f64).round();
    if scaled > i16::MAX as f64 {
        (i16::MAX, true)
    } else if scaled < i16::MIN as f64 {
        (i16::MIN, true)
    } else {
        (scaled as i16, false)
    }
}

/// The real value of a Q14 entry.
pub fn to_f32(q: i16) -> f32 {
    q as f32 / ONE_Q14 as f32
}

/// One layer with `f32` weights (row-major, rows ordered by list).
#[derive(Clone, Debug, PartialEq)]
pub enum FloatLayer {
    /// Token id to row.
    Embedding {
        /// Row width.
        dim: u32,
        /// Whether the output row is renormalised.
        normalize: bool,
        /// The rows, row-major.
        values: Vec<f32>,
    },
    /// Hopfield lookup over an inverted-file index.
    Lookup {
        /// The layer's hyperparameters.
        params: LookupParams,
        /// `C + 1` list offsets, as in the ghost file.
        offsets: Vec<u32>,
        /// `N x d` keys.
        keys: Vec<f32>,
        /// `N x e` values.
        values: Vec<f32>,
        /// `C x d` centroids.
        centroids: Vec<f32>,
    },
}

/// An input in real numbers.
#[derive(Clone, Debug, PartialEq)]
pub enum FloatInput {
    /// A token id.
    Token(u32),
    /// A vector of the first layer's width.
    Vector(Vec<f32>),
}

/// What quantisation did to the weights.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuantStats {
    /// Entries that fell outside `[-2, 2)` and were clamped.
    pub saturated: usize,
    /// Largest absolute change of an entry.
    pub max_abs_error: f32,
}

fn q_vec(v: &[f32], stats: &mut QuantStats) -> Vec<i16> {
    v.iter()
        .map(|&x| {
            let (q, sat) = q14(x);
            stats.saturated += sat as usize;
            stats.max_abs_error = stats.max_abs_error.max((to_f32(q) - x).abs());
            q
        })
        .collect()
}

/// Quantise every layer.
pub fn quantise(layers: &[FloatLayer]) -> (Vec<LayerWeights>, QuantStats) {
    let mut stats = QuantStats::default();
    let out = layers
        .iter()
        .map(|layer| match layer {
            FloatLayer::Embedding { dim, normalize, values } => {
                LayerWeights::Embedding { dim: *dim, normalize: *normalize, values: q_vec(values, &mut stats) }
            }
            FloatLayer::Lookup { params, offsets, keys, values, centroids } => LayerWeights::Lookup {
                params: *params,
                offsets: offsets.clone(),
                keys: q_vec(keys, &mut stats),
                values: q_vec(values, &mut stats),
                centroids: q_vec(centroids, &mut stats),
            },
        })
        .collect();
    (out, stats)
}

/// Quantise an input.
pub fn quantise_input(input: &FloatInput) -> Input {
    match input {
        FloatInput::Token(t) => Input::Token(*t),
        FloatInput::Vector(v) => Input::Vector(v.iter().map(|&x| q14(x).0).collect()),
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The `n` best `(score, index)` by score, ties to the lower index, as indices.
fn top_f32(mut c: Vec<(f32, u32)>, n: usize) -> Vec<u32> {
    c.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    c.truncate(n);
    c.into_iter().map(|(_, i)| i).collect()
}

fn softmax_mix(x: &[f32], rows: &[u32], keys: &[f32], values: &[f32], d: usize, e: usize, beta: f32) -> Vec<f32> {
    let scores: Vec<f32> = rows.iter().map(|&i| dot(x, &keys[i as usize * d..][..d])).collect();
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let w: Vec<f32> = scores.iter().map(|s| (beta * (s - max)).exp()).collect();
    let total: f32 = w.iter().sum();
    let mut y = vec![0f32; e];
    for (wi, &i) in w.iter().zip(rows) {
        for (yj, v) in y.iter_mut().zip(&values[i as usize * e..][..e]) {
            *yj += wi / total * v;
        }
    }
    y
}

fn unit_if(y: Vec<f32>, on: bool) -> Vec<f32> {
    let norm = dot(&y, &y).sqrt();
    if on && norm > 0.0 {
        y.into_iter().map(|v| v / norm).collect()
    } else {
        y
    }
}

/// The forward pass in `f32`: the same sparse lookup (`dense = false`), or every layer
/// over all its `N` patterns with a full softmax (`dense = true`).
pub fn reference_forward(layers: &[FloatLayer], input: &FloatInput, dense: bool) -> Vec<f32> {
    let mut x: Vec<f32> = match input {
        FloatInput::Vector(v) => v.clone(),
        FloatInput::Token(_) => Vec::new(),
    };
    for layer in layers {
        x = match layer {
            FloatLayer::Embedding { dim, normalize, values } => {
                let t = match input {
                    FloatInput::Token(t) => *t as usize,
                    FloatInput::Vector(_) => 0,
                };
                let d = *dim as usize;
                unit_if(values.get(t * d..(t + 1) * d).map(<[f32]>::to_vec).unwrap_or_default(), *normalize)
            }
            FloatLayer::Lookup { params, offsets, keys, values, centroids } => {
                let (d, e) = (params.d as usize, params.e as usize);
                let n = offsets.last().copied().unwrap_or(0);
                let rows: Vec<u32> = if dense {
                    (0..n).collect()
                } else {
                    let lists = offsets.len() - 1;
                    let cs = (0..lists as u32).map(|j| (dot(&x, &centroids[j as usize * d..][..d]), j)).collect();
                    let probed = top_f32(cs, params.n_probe as usize);
                    let cand = probed
                        .iter()
                        .flat_map(|&j| offsets[j as usize]..offsets[j as usize + 1])
                        .map(|i| (dot(&x, &keys[i as usize * d..][..d]), i))
                        .collect();
                    top_f32(cand, params.k as usize)
                };
                unit_if(softmax_mix(&x, &rows, keys, values, d, e, params.beta.to_f32()), params.normalize)
            }
        };
    }
    x
}

/// Error of the fixed-point model against an `f32` reference, over some inputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorReport {
    /// Inputs compared.
    pub samples: usize,
    /// Largest absolute difference of an output entry.
    pub max_abs: f32,
    /// Mean absolute difference of an output entry.
    pub mean_abs: f32,
    /// Inputs whose largest output entry is at the same position in both (argmax agreement).
    pub argmax_agreement: f32,
}

/// Compare `model` (the quantised `layers`) with the `f32` reference, sparse or dense.
pub fn error_report(model: &Model, layers: &[FloatLayer], inputs: &[FloatInput], dense: bool) -> Result<ErrorReport> {
    let mut report = ErrorReport { samples: inputs.len(), ..Default::default() };
    let (mut sum, mut entries, mut agree) = (0f64, 0usize, 0usize);
    for input in inputs {
        let trace = model.trace(&quantise_input(input))?;
        let fixed: Vec<f32> = trace.claim().output.iter().map(|&q| to_f32(q)).collect();
        let float = reference_forward(layers, input, dense);
        for (a, b) in fixed.iter().zip(&float) {
            let diff = (a - b).abs();
            report.max_abs = report.max_abs.max(diff);
            sum += diff as f64;
            entries += 1;
        }
        agree += (argmax(&fixed) == argmax(&float)) as usize;
    }
    if entries > 0 {
        report.mean_abs = (sum / entries as f64) as f32;
    }
    if !inputs.is_empty() {
        report.argmax_agreement = agree as f32 / inputs.len() as f32;
    }
    Ok(report)
}

/// Index of the largest entry (the first of equals).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}
