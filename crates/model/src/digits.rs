//! The digits classifier: a Hopfield lookup whose keys are training images and whose
//! values are one-hot labels; the predicted class is the output's largest entry.
//!
//! Data: the UCI optical digits test set (1,797 8x8 images, `data/digits.csv.gz`, built
//! into the binary). Fixed split: even rows train (899), odd rows test (898). Images are
//! used as they are (64 pixel values), normalised to unit length like every key.

use crate::build::{commit, lookup_layer, IndexParams, LayerParams};
use anyhow::{ensure, Context, Result};
use ghost_primitives::{Beta, FloatInput, FloatLayer, LookupParams, Model};
use ndarray::Array2;
use std::io::Read;

/// The vendored data set.
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../../data/digits.csv.gz");
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
    Ok(lookup_layer(keys, values, params, false)?.0.into())
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
    let mut unit = pixels.to_vec();
    ghost_primitives::normalise(&mut unit);
    unit
}

/// The class the committed `model` predicts for `input`: the largest entry of its
/// fixed-point output.
fn predict(model: &Model, input: &FloatInput) -> Result<usize> {
    let out = model.trace(&ghost_primitives::quantise_input(input))?.claim().output;
    Ok(ghost_primitives::argmax(&out.iter().map(|&q| ghost_primitives::to_f32(q)).collect::<Vec<_>>()))
}

/// Evaluate the committed `model` (built from `layer`) on `test`.
pub fn evaluate(model: &Model, layer: &FloatLayer, test: &[Sample]) -> Result<Accuracy> {
    let layers = std::slice::from_ref(layer);
    let (mut fixed, mut sparse, mut dense, mut agree) = (0usize, 0usize, 0usize, 0usize);
    for s in test {
        let input = FloatInput::Vector(unit(&s.pixels));
        let fixed_class = predict(model, &input)?;
        let dense_class = ghost_primitives::argmax(&ghost_primitives::reference_forward(layers, &input, true)?);
        fixed += (fixed_class == s.label as usize) as usize;
        sparse += (ghost_primitives::argmax(&ghost_primitives::reference_forward(layers, &input, false)?)
            == s.label as usize) as usize;
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

/// `image` moved `dx` pixels right (and `dy` down), zeros shifted in: the shift a local
/// deployment sees when its camera or scanner frames digits differently.
pub fn translate(image: &[f32], dx: i32, dy: i32) -> Vec<f32> {
    let mut out = vec![0.0; PIXELS];
    for y in 0..8i32 {
        for x in 0..8i32 {
            let (sx, sy) = (x - dx, y - dy);
            if (0..8).contains(&sx) && (0..8).contains(&sy) {
                out[(y * 8 + x) as usize] = image[(sy * 8 + sx) as usize];
            }
        }
    }
    out
}

/// The share of `samples` the committed model classifies right, in percent.
pub fn accuracy(model: &Model, samples: &[Sample]) -> Result<f64> {
    let mut right = 0usize;
    for s in samples {
        right += (predict(model, &FloatInput::Vector(unit(&s.pixels)))? == s.label as usize) as usize;
    }
    Ok(100.0 * right as f64 / samples.len().max(1) as f64)
}

/// Samples as the rows `tune` reads: 64 pixels, then the class.
pub fn as_examples(samples: &[Sample]) -> Result<crate::tune::Examples> {
    let rows = Array2::from_shape_vec(
        (samples.len(), PIXELS + 1),
        samples.iter().flat_map(|s| s.pixels.iter().copied().chain([s.label as f32])).collect(),
    )?;
    crate::tune::Examples::from_rows(&rows, PIXELS, CLASSES, Some(CLASSES))
}

/// The local-alignment experiment's data, all from the fixed split: the base is trained
/// on the first half of the training images; two local sites hold the second half,
/// shifted one pixel right, one quarter each; the local test split is the test images
/// shifted the same way, the original split the test images as they are.
pub struct LocalData {
    /// The base model's training images.
    pub base: Vec<Sample>,
    /// Site A's local training images (shifted).
    pub site_a: Vec<Sample>,
    /// Site B's local training images (shifted).
    pub site_b: Vec<Sample>,
    /// The test images, shifted.
    pub local_test: Vec<Sample>,
    /// The test images as they are.
    pub original_test: Vec<Sample>,
}

impl LocalData {
    /// Split the vendored data set.
    pub fn new() -> Result<Self> {
        let samples = load(DIGITS_CSV_GZ)?;
        let (train, test) = split(&samples);
        let shift = |s: &Sample| Sample { pixels: translate(&s.pixels, 1, 0), label: s.label };
        let half = train.len() / 2;
        let local: Vec<Sample> = train[half..].iter().map(shift).collect();
        let quarter = local.len() / 2;
        Ok(Self {
            base: train[..half].to_vec(),
            site_a: local[..quarter].to_vec(),
            site_b: local[quarter..].to_vec(),
            local_test: test.iter().map(shift).collect(),
            original_test: test,
        })
    }
}

/// Accuracy on the local (shifted) and the original test split, in percent.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Splits {
    /// On the shifted test images.
    pub local: f64,
    /// On the test images as they are.
    pub original: f64,
}

/// The local-alignment experiment's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Alignment {
    /// Images the base was built from, and each site's local images.
    pub base_images: usize,
    /// Site A's and site B's local training images.
    pub site_images: [usize; 2],
    /// The base model.
    pub base: Splits,
    /// Site A's and site B's tunings alone.
    pub sites: [Splits; 2],
    /// The merge of both tunings: version 2.
    pub merged: Splits,
    /// Rows version 2 changes, of the base's.
    pub rows_changed: usize,
    /// Rows of the base.
    pub rows: usize,
    /// Bytes of the encoded sparse update (`publish_update`'s argument: old and new rows
    /// and the multiproof).
    pub update_bytes: usize,
    /// Bytes of its multiproof alone (32 a hash).
    pub update_proof_bytes: usize,
    /// Rows each tuning changed, per local example.
    pub rows_changed_per_example: f64,
    /// Tuning time per example (both sites, all epochs), microseconds.
    pub tune_us_per_example: f64,
}

/// Build the base, tune it at both sites, merge, and measure (see [`LocalData`]).
pub fn align(steps: &crate::tune::Steps) -> Result<(Model, Vec<crate::tune::Tuned>, Alignment)> {
    let data = LocalData::new()?;
    let layer = classifier(&data.base, &params())?;
    let (base, _) = commit("digits-base", std::slice::from_ref(&layer))?;
    let splits = |m: &Model| -> Result<Splits> {
        Ok(Splits { local: accuracy(m, &data.local_test)?, original: accuracy(m, &data.original_test)? })
    };
    let started = std::time::Instant::now();
    let a = crate::tune::tune(&base, &as_examples(&data.site_a)?, steps, None, false)?;
    let b = crate::tune::tune(&base, &as_examples(&data.site_b)?, steps, None, false)?;
    let tune_us_per_example =
        started.elapsed().as_secs_f64() * 1e6 / (data.site_a.len() + data.site_b.len()).max(1) as f64;
    let tunings = vec![a, b];
    let merged = crate::tune::merge(&base, &tunings, None)?;
    let [a, b] = [&tunings[0], &tunings[1]];
    let update = crate::update::diff(&base, &merged.model, Some(merged.record.training_data_hash()?))?;
    let report = Alignment {
        base_images: data.base.len(),
        site_images: [data.site_a.len(), data.site_b.len()],
        base: splits(&base)?,
        sites: [splits(&a.model)?, splits(&b.model)?],
        merged: splits(&merged.model)?,
        rows_changed: merged.record.changed_rows.len(),
        rows: data.base.len(),
        update_bytes: codec::Encode::encode(&update).len(),
        update_proof_bytes: 32 * update.proof.len(),
        rows_changed_per_example: (a.record.changed_rows.len() + b.record.changed_rows.len()) as f64
            / (data.site_a.len() + data.site_b.len()).max(1) as f64,
        tune_us_per_example,
    };
    let mut tuned = tunings;
    tuned.push(merged);
    Ok((base, tuned, report))
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
            ghost_primitives::hex0x(&model.id()),
            "0xc8183c4ab2b0c9b1573b028650bbd74ee18f77e7e60e5a56f7262d3137e9e933"
        );
        assert_eq!(acc.test_images, 898);
        assert!((acc.sparse_fixed - acc.dense_f32).abs() <= 0.5, "{acc:?}");
        assert!(acc.dense_f32 > 95.0, "the classifier works at all: {acc:?}");
    }

    /// The local-alignment experiment (docs/benchmarks.md): merging the two sites'
    /// tunings gains at least 10 points on the shifted test images (16.6 measured) and
    /// loses at most 3 on the original ones (2.2 measured).
    #[test]
    fn aligning_to_shifted_data_helps_locally_and_keeps_the_original() {
        let (base, tuned, r) = align(&crate::tune::Steps::DEFAULT).unwrap();
        assert_eq!((r.base_images, r.site_images), (449, [225, 225]));
        assert!(r.merged.local >= r.base.local + 10.0, "{r:?}");
        assert!(r.merged.original >= r.base.original - 3.0, "{r:?}");
        assert!(r.base.original > 95.0 && r.base.local < 60.0, "the shift is real: {r:?}");
        // Version 2 is one sparse update of the base, naming both contributions.
        let merged = &tuned[2];
        assert_eq!(merged.record.parent, ghost_primitives::hex0x(&base.id()));
        assert_eq!(merged.record.contributions.len(), 2);
        assert!(r.rows_changed > 0 && r.rows_changed < r.rows);
    }

    #[test]
    fn translation_moves_pixels_and_shifts_in_zeros() {
        let image: Vec<f32> = (0..64).map(|i| i as f32).collect();
        let moved = translate(&image, 1, 0);
        assert_eq!(&moved[..8], &[0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(translate(&image, 0, 0), image);
        assert!(translate(&image, 0, 8).iter().all(|&p| p == 0.0));
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
