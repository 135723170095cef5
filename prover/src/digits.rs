//! The digits classifier: a Hopfield lookup whose keys are training images and whose
//! values are one-hot labels; the predicted class is the output's largest entry.
//!
//! Data: the UCI optical digits test set (1,797 8x8 images, `data/digits.csv.gz`, built
//! into the binary). Fixed split: even rows train (899), odd rows test (898). Images are
//! used as they are (64 pixel values), normalised to unit length like every key.

use crate::build::{commit, lookup_layer, IndexParams, LayerParams};
use anyhow::{ensure, Context, Result};
use ghost_primitives::{
    quant::{self, FloatInput, FloatLayer},
    Beta, LookupParams, Model,
};
use ndarray::Array2;
use std::io::Read;

/// The vendored data set.
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");
/// Pixels per image.
pub const PIXELS: usize = 64;
/// Classes.
pub const CLASSES: usize = 10;

/// One labelled image.
#[derive(Clone, Debug)]
pub struct Sample {
    /// 64 pixel intensities, 0..=16.
    pub pixels: Vec<f32>,
    /// 0..=9.
    pub label: u8,
}

/// Parse the gzipped CSV: 64 integers then the label, per line.
pub fn load(gz: &[u8]) -> Result<Vec<Sample>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).context("digits data is not gzipped text")?;
    let matrix = crate::import::parse_csv(&text)?;
    ensure!(matrix.ncols() == PIXELS + 1, "digits rows have {} columns, {} expected", matrix.ncols(), PIXELS + 1);
    matrix
        .rows()
        .into_iter()
        .map(|row| {
            let label = row[PIXELS];
            ensure!((0.0..=9.0).contains(&label) && label.fract() == 0.0, "label {label} is not a digit");
            Ok(Sample { pixels: row.iter().take(PIXELS).copied().collect(), label: label as u8 })
        })
        .collect()
}

/// The fixed split: even rows train, odd rows test.
pub fn split(samples: &[Sample]) -> (Vec<Sample>, Vec<Sample>) {
    let train = samples.iter().step_by(2).cloned().collect();
    let test = samples.iter().skip(1).step_by(2).cloned().collect();
    (train, test)
}

/// The classifier's architecture.
pub fn params() -> LayerParams {
    // beta = 96: the softmax weight of a neighbour 0.05 less similar than the nearest is
    // e^-4.8, so the 16 patterns a lookup uses carry nearly all of the dense layer's mass.
    LayerParams {
        layer: LookupParams { k: 16, beta: Beta::from_int(96), n_probe: 6, normalize: false, ..LookupParams::DEFAULT },
        index: IndexParams { lists: 16, kmeans_iterations: 10, ..IndexParams::DEFAULT },
    }
}

/// The classifier layer from training samples.
pub fn classifier(train: &[Sample], params: &LayerParams) -> Result<FloatLayer> {
    let keys = Array2::from_shape_vec((train.len(), PIXELS), train.iter().flat_map(|s| s.pixels.clone()).collect())?;
    let mut values = Array2::<f32>::zeros((train.len(), CLASSES));
    for (i, s) in train.iter().enumerate() {
        values[(i, s.label as usize)] = 1.0;
    }
    Ok(lookup_layer(keys, values, params, false)?.0)
}

/// Test accuracies, in percent.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Accuracy {
    /// Test images.
    pub test_images: usize,
    /// The committed fixed-point sparse model (what provers serve and chains verify).
    pub sparse_fixed: f64,
    /// The same sparse computation in f32.
    pub sparse_f32: f64,
    /// The dense Hopfield layer in f32 (all training images, full softmax).
    pub dense_f32: f64,
    /// Test images where fixed-point sparse and f32 dense predict the same class.
    pub agreement: f64,
}

fn unit(pixels: &[f32]) -> Vec<f32> {
    let norm = pixels.iter().map(|v| v * v).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
    pixels.iter().map(|v| v / norm).collect()
}

/// Evaluate the committed `model` (built from `layer`) on `test`.
pub fn evaluate(model: &Model, layer: &FloatLayer, test: &[Sample]) -> Result<Accuracy> {
    let layers = std::slice::from_ref(layer);
    let (mut fixed, mut sparse, mut dense, mut agree) = (0usize, 0usize, 0usize, 0usize);
    for s in test {
        let input = FloatInput::Vector(unit(&s.pixels));
        let out = model.trace(&quant::quantise_input(&input))?.claim().output;
        let out_f: Vec<f32> = out.iter().map(|&q| ghost_primitives::quant::to_f32(q)).collect();
        let fixed_class = quant::argmax(&out_f);
        let dense_class = quant::argmax(&quant::reference_forward(layers, &input, true));
        fixed += (fixed_class == s.label as usize) as usize;
        sparse += (quant::argmax(&quant::reference_forward(layers, &input, false)) == s.label as usize) as usize;
        dense += (dense_class == s.label as usize) as usize;
        agree += (fixed_class == dense_class) as usize;
    }
    let pct = |n: usize| 100.0 * n as f64 / test.len().max(1) as f64;
    Ok(Accuracy {
        test_images: test.len(),
        sparse_fixed: pct(fixed),
        sparse_f32: pct(sparse),
        dense_f32: pct(dense),
        agreement: pct(agree),
    })
}

/// Build the classifier from the vendored data and evaluate it.
pub fn run() -> Result<(Model, Accuracy)> {
    let samples = load(DIGITS_CSV_GZ)?;
    let (train, test) = split(&samples);
    let layer = classifier(&train, &params())?;
    let (model, _) = commit("digits", std::slice::from_ref(&layer))?;
    let accuracy = evaluate(&model, &layer, &test)?;
    Ok((model, accuracy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_sparse_is_within_half_a_point_of_f32_dense() {
        let (model, acc) = run().unwrap();
        // The model `ghost model build digits` has always built: its id is part of the
        // docs, the scripts and every chain that registered it.
        assert_eq!(
            crate::wire::hex0x(&model.id()),
            "0xc8183c4ab2b0c9b1573b028650bbd74ee18f77e7e60e5a56f7262d3137e9e933"
        );
        assert_eq!(acc.test_images, 898);
        assert!((acc.sparse_fixed - acc.dense_f32).abs() <= 0.5, "{acc:?}");
        assert!(acc.dense_f32 > 95.0, "the classifier works at all: {acc:?}");
    }

    #[test]
    fn the_data_is_what_its_readme_says() {
        let samples = load(DIGITS_CSV_GZ).unwrap();
        assert_eq!(samples.len(), 1797);
        let (train, test) = split(&samples);
        assert_eq!((train.len(), test.len()), (899, 898));
        assert!(samples.iter().all(|s| s.pixels.iter().all(|&p| (0.0..=16.0).contains(&p))));
    }
}
