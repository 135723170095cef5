//! Random models for the property tests.
#![allow(dead_code)]

use ghost_primitives::{
    quantise, quantise_input, synthetic, Beta, FloatEmbedding, FloatInput, FloatLayer, Input, LookupParams, Model,
    Shape,
};
use proptest::prelude::*;
use rand::SeedableRng;

/// The parameters of a random model.
#[derive(Clone, Debug)]
pub struct Params {
    pub seed: u64,
    pub embedding: Option<u32>,
    pub shapes: Vec<Shape>,
}

fn shape(d: u32) -> impl Strategy<Value = Shape> {
    (1u32..200, 1u32..7, 1u32..12, 1u32..10, 1u32..6, (1u32 << 15)..(40 << 16), any::<bool>()).prop_map(
        move |(rows, e, lists, k, n_probe, beta_q16, normalize)| Shape {
            rows,
            lists,
            layer: LookupParams { d, e, k, beta: Beta::from_q16(beta_q16), n_probe, normalize },
        },
    )
}

/// One to three lookup layers, optionally after an embedding.
pub fn params() -> impl Strategy<Value = Params> {
    (any::<u64>(), prop::option::of(1u32..20), 1u32..7, 1usize..4)
        .prop_flat_map(|(seed, embedding, d0, depth)| {
            let first = shape(d0);
            (Just(seed), Just(embedding), first, prop::collection::vec(1u32..7, depth - 1)).prop_flat_map(
                move |(seed, embedding, first, _)| {
                    let e0 = first.layer.e;
                    (Just(seed), Just(embedding), Just(first), shape(e0), prop::bool::ANY, Just(depth))
                },
            )
        })
        .prop_map(|(seed, embedding, first, second, third_same, depth)| {
            let mut shapes = vec![first];
            if depth >= 2 {
                shapes.push(second);
            }
            if depth >= 3 {
                // A third layer mapping back to the second's width.
                let mut third = second;
                third.layer.d = second.layer.e;
                third.layer.e = if third_same { second.layer.e } else { 3 };
                shapes.push(third);
            }
            Params { seed, embedding, shapes }
        })
}

/// The float layers of `p`.
pub fn float_layers(p: &Params) -> Vec<FloatLayer> {
    let mut layers = synthetic::model(p.seed, &p.shapes);
    if let Some(rows) = p.embedding {
        let d = p.shapes[0].layer.d as usize;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed ^ 0xe3b);
        let values = (0..rows).flat_map(|_| synthetic::unit_vector(&mut rng, d)).collect();
        layers.insert(0, FloatLayer::Embedding(FloatEmbedding { dim: d as u32, normalize: false, values }));
    }
    layers
}

/// The committed model of `p`.
pub fn model(p: &Params) -> Model {
    let (weights, _) = quantise(&float_layers(p));
    Model::new(b"test".to_vec(), weights).expect("generated models are valid")
}

/// A float input for `p`.
pub fn float_input(p: &Params, seed: u64) -> FloatInput {
    match p.embedding {
        Some(rows) => FloatInput::Token((seed % rows as u64) as u32),
        None => FloatInput::Vector(synthetic::query(seed, p.shapes[0].layer.d as usize)),
    }
}

/// A fixed-point input for `p`.
pub fn input(p: &Params, seed: u64) -> Input {
    quantise_input(&float_input(p, seed))
}
