//! Seeded synthetic models: clustered unit keys in an inverted-file layout, for tests,
//! benchmarks and `ghost model build synthetic`.

use crate::{
    quant::{FloatLayer, FloatLookup},
    shape::Shape,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    // Sum of uniforms: cheap, deterministic, close enough to normal for test data.
    (0..4).map(|_| rng.gen::<f32>()).sum::<f32>() - 2.0
}

fn unit(v: &mut [f32]) {
    crate::normalise(v);
}

/// A random unit vector of width `d`.
pub fn unit_vector(rng: &mut ChaCha8Rng, d: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..d).map(|_| gaussian(rng)).collect();
    unit(&mut v);
    v
}

/// A lookup layer whose `n` keys are unit vectors scattered around `c` random centres
/// (the centres are the centroids; list sizes vary), and whose values are unit vectors
/// near their key's centre, so consecutive layers stay meaningful.
pub fn lookup_layer(shape: &Shape, rng: &mut ChaCha8Rng) -> FloatLookup {
    let (n, d, e, c) =
        (shape.rows as usize, shape.layer.d as usize, shape.layer.e as usize, shape.lists.max(1) as usize);
    let centres: Vec<Vec<f32>> = (0..c).map(|_| unit_vector(rng, d)).collect();
    let value_centres: Vec<Vec<f32>> = (0..c).map(|_| unit_vector(rng, e)).collect();
    // List sizes: a random split of n into c parts (some may be empty).
    let mut cuts: Vec<u32> = (0..c - 1).map(|_| rng.gen_range(0..=shape.rows)).collect();
    cuts.sort_unstable();
    let mut offsets = Vec::with_capacity(c + 1);
    offsets.push(0);
    offsets.extend(cuts);
    offsets.push(shape.rows);
    let spread = 0.6 / (d as f32).sqrt();
    let mut keys = Vec::with_capacity(n * d);
    let mut values = Vec::with_capacity(n * e);
    for j in 0..c {
        for _ in offsets[j]..offsets[j + 1] {
            let mut key: Vec<f32> = centres[j].iter().map(|x| x + spread * gaussian(rng)).collect();
            unit(&mut key);
            keys.extend(key);
            let mut value: Vec<f32> = value_centres[j].iter().map(|x| x + 0.5 * gaussian(rng)).collect();
            unit(&mut value);
            values.extend(value);
        }
    }
    FloatLookup { params: shape.layer.over_lists(c as u32), offsets, keys, values, centroids: centres.concat() }
}

/// A seeded stack of lookup layers (each layer's `d` is the previous layer's `e`).
pub fn model(seed: u64, shapes: &[Shape]) -> Vec<FloatLayer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    shapes.iter().map(|s| FloatLayer::Lookup(lookup_layer(s, &mut rng))).collect()
}

/// The one lookup layer of [`model`]`(seed, &[shape])`, as its struct.
pub fn layer(seed: u64, shape: &Shape) -> FloatLookup {
    lookup_layer(shape, &mut ChaCha8Rng::seed_from_u64(seed))
}

/// A seeded query near one of a layer's keys (or a random unit vector).
pub fn query(seed: u64, d: usize) -> Vec<f32> {
    unit_vector(&mut ChaCha8Rng::seed_from_u64(seed), d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_layer_is_the_models_first() {
        let shape = Shape::new(50, 4).widths(6, 3);
        assert_eq!(model(9, &[shape, shape]).remove(0), FloatLayer::Lookup(layer(9, &shape)));
    }
}
