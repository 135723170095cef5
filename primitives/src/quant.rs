//! Quantisation from `f32` and its cost, measured against an `f32` reference.
//!
//! [`FloatLayer`] is the same architecture with real-valued weights. [`quantise`] turns
//! it into [`LayerWeights`] (Q14, saturating at `[-2, 2)`); [`reference_forward`] runs the
//! same sparse lookup, or the dense one over all `N` patterns, in `f32`; and
//! [`error_report`] compares the fixed-point model with either on a set of inputs.

use crate::{
    fixed::ONE_Q14,
    layer::row,
    model::{EmbeddingWeights, LayerWeights, LookupWeights, Model},
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
    Embedding(FloatEmbedding),
    /// Hopfield lookup over an inverted-file index.
    Lookup(FloatLookup),
}

/// A token table with `f32` rows.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatEmbedding {
    /// Row width.
    pub dim: u32,
    /// Whether the output row is renormalised.
    pub normalize: bool,
    /// The rows, row-major.
    pub values: Vec<f32>,
}

/// A lookup layer with `f32` patterns and centroids.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatLookup {
    /// The layer's hyperparameters.
    pub params: LookupParams,
    /// `C + 1` list offsets, as in the ghost file.
    pub offsets: Vec<u32>,
    /// `N x d` keys.
    pub keys: Vec<f32>,
    /// `N x e` values.
    pub values: Vec<f32>,
    /// `C x d` centroids.
    pub centroids: Vec<f32>,
}

impl FloatLayer {
    /// The lookup layer, if this is one.
    pub fn as_lookup(&self) -> Option<&FloatLookup> {
        match self {
            FloatLayer::Lookup(l) => Some(l),
            FloatLayer::Embedding(_) => None,
        }
    }
}

impl From<FloatEmbedding> for FloatLayer {
    fn from(l: FloatEmbedding) -> Self {
        FloatLayer::Embedding(l)
    }
}

impl From<FloatLookup> for FloatLayer {
    fn from(l: FloatLookup) -> Self {
        FloatLayer::Lookup(l)
    }
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
            FloatLayer::Embedding(l) => LayerWeights::Embedding(l.quantise(&mut stats)),
            FloatLayer::Lookup(l) => LayerWeights::Lookup(l.quantise(&mut stats)),
        })
        .collect();
    (out, stats)
}

impl FloatEmbedding {
    fn quantise(&self, stats: &mut QuantStats) -> EmbeddingWeights {
        EmbeddingWeights { dim: self.dim, normalize: self.normalize, values: q_vec(&self.values, stats) }
    }

    /// The output for `input` (a token; a vector reads row 0).
    fn forward(&self, input: &FloatInput) -> Result<Vec<f32>> {
        let t = match input {
            FloatInput::Token(t) => *t,
            FloatInput::Vector(_) => 0,
        };
        Ok(unit_if(row(&self.values, self.dim as usize, t)?.to_vec(), self.normalize))
    }
}

impl FloatLookup {
    fn quantise(&self, stats: &mut QuantStats) -> LookupWeights {
        LookupWeights {
            params: self.params,
            offsets: self.offsets.clone(),
            keys: q_vec(&self.keys, stats),
            values: q_vec(&self.values, stats),
            centroids: q_vec(&self.centroids, stats),
        }
    }

    /// The output for `x`: the sparse lookup, or the dense one over all `N` patterns.
    fn forward(&self, x: &[f32], dense: bool) -> Result<Vec<f32>> {
        let (d, e) = (self.params.d as usize, self.params.e as usize);
        let n = self.offsets.last().copied().unwrap_or(0);
        let rows: Vec<u32> = if dense {
            (0..n).collect()
        } else {
            let lists = self.offsets.len() - 1;
            let cs = (0..lists as u32).map(|j| Ok((dot(x, row(&self.centroids, d, j)?), j))).collect::<Result<_>>()?;
            let probed = top_f32(cs, self.params.n_probe as usize);
            let cand = probed
                .iter()
                .flat_map(|&j| self.offsets[j as usize]..self.offsets[j as usize + 1])
                .map(|i| Ok((dot(x, row(&self.keys, d, i)?), i)))
                .collect::<Result<_>>()?;
            top_f32(cand, self.params.k as usize)
        };
        let y = softmax_mix(x, &rows, &self.keys, &self.values, d, e, self.params.beta.to_f32())?;
        Ok(unit_if(y, self.params.normalize))
    }
}

/// The Euclidean length of `v`, summed in order (the bytes of synthetic models and the
/// digits depend on that order).
pub fn l2_norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// Scale `v` to unit length in place, unless it is all zeros; returns its length before.
pub fn normalise(v: &mut [f32]) -> f32 {
    let norm = l2_norm(v);
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    norm
}

/// Quantise a real vector to Q14, normalising it to unit length first unless `raw`
/// (models built by `ghost model build` store unit keys; queries should match).
pub fn quantise_vector(values: &[f32], raw: bool) -> Input {
    let norm = l2_norm(values);
    if !raw && norm.is_infinite() {
        // A square beyond f32's range: scale by the largest entry first (exact for a
        // power of two, and never needed for a vector whose squares sum in range), so a
        // huge vector keeps its direction instead of quantising to zeros.
        let peak = values.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scaled: Vec<f32> = values.iter().map(|x| x / peak).collect();
        return quantise_vector(&scaled, false);
    }
    let scale = if raw || norm == 0.0 { 1.0 } else { 1.0 / norm };
    Input::Vector(values.iter().map(|&v| q14(v * scale).0).collect())
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

fn softmax_mix(
    x: &[f32],
    rows: &[u32],
    keys: &[f32],
    values: &[f32],
    d: usize,
    e: usize,
    beta: f32,
) -> Result<Vec<f32>> {
    let scores = rows.iter().map(|&i| Ok(dot(x, row(keys, d, i)?))).collect::<Result<Vec<f32>>>()?;
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let w: Vec<f32> = scores.iter().map(|s| (beta * (s - max)).exp()).collect();
    let total: f32 = w.iter().sum();
    let mut y = vec![0f32; e];
    for (wi, &i) in w.iter().zip(rows) {
        for (yj, v) in y.iter_mut().zip(row(values, e, i)?) {
            *yj += wi / total * v;
        }
    }
    Ok(y)
}

fn unit_if(mut y: Vec<f32>, on: bool) -> Vec<f32> {
    if on {
        normalise(&mut y);
    }
    y
}

/// The forward pass in `f32`: the same sparse lookup (`dense = false`), or every layer
/// over all its `N` patterns with a full softmax (`dense = true`).
pub fn reference_forward(layers: &[FloatLayer], input: &FloatInput, dense: bool) -> Result<Vec<f32>> {
    let mut x: Vec<f32> = match input {
        FloatInput::Vector(v) => v.clone(),
        FloatInput::Token(_) => Vec::new(),
    };
    for layer in layers {
        x = match layer {
            FloatLayer::Embedding(l) => l.forward(input)?,
            FloatLayer::Lookup(l) => l.forward(&x, dense)?,
        };
    }
    Ok(x)
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
        let float = reference_forward(layers, input, dense)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_normalised_unless_raw() {
        assert_eq!(quantise_vector(&[0.5, -0.25], true), Input::Vector(alloc::vec![8192, -4096]));
        assert_eq!(quantise_vector(&[3.0, 4.0], false), Input::Vector(alloc::vec![9830, 13107]));
        assert_eq!(quantise_vector(&[3.0, 4.0], true), Input::Vector(alloc::vec![i16::MAX, i16::MAX]));
        assert_eq!(quantise_vector(&[0.0, 0.0], false), Input::Vector(alloc::vec![0, 0]));
        assert_eq!(quantise_vector(&[], false), Input::Vector(alloc::vec![]));
    }

    #[test]
    fn q14_saturates_and_round_trips() {
        assert_eq!(q14(1.0), (16384, false));
        assert_eq!(q14(-2.0), (i16::MIN, false));
        assert_eq!(q14(2.0), (i16::MAX, true));
        assert_eq!(q14(-3.0), (i16::MIN, true));
        assert_eq!(to_f32(q14(0.75).0), 0.75);
    }
}
