//! Deterministic models for benchmarks and on-chain tests: `no_std`, no randomness source,
//! entries drawn from BLAKE2b of a seed. Not for serving: the keys are not normalised and
//! the lists are equal slices, not trained clusters.

use crate::{
    hash::Blake2b256,
    model::{LayerWeights, Model},
    trace::Input,
    Result,
};
use alloc::vec::Vec;

/// The shape of one lookup layer.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Patterns.
    pub n: u32,
    /// Key width.
    pub d: u32,
    /// Value width.
    pub e: u32,
    /// Lists (equal slices of the rows).
    pub c: u32,
    /// Patterns used.
    pub k: u32,
    /// Lists probed.
    pub n_probe: u32,
}

/// `count` entries in `[-8192, 8191]` (Q14: `[-0.5, 0.5)`) from `seed` and `stream`.
pub fn entries(seed: u64, stream: u32, count: usize) -> Vec<i16> {
    let mut out = Vec::with_capacity(count);
    let mut block = 0u32;
    while out.len() < count {
        let mut h = Blake2b256::new();
        h.update(&seed.to_le_bytes()).update(&stream.to_le_bytes()).update(&block.to_le_bytes());
        for pair in h.finalize().chunks_exact(2) {
            if out.len() < count {
                out.push(i16::from_le_bytes([pair[0], pair[1]]) >> 2);
            }
        }
        block += 1;
    }
    out
}

/// A stack of lookup layers (layer `i + 1`'s `d` must equal layer `i`'s `e`).
pub fn model(seed: u64, shapes: &[Shape]) -> Result<Model> {
    let layers = shapes
        .iter()
        .enumerate()
        .map(|(l, s)| {
            let c = s.c.clamp(1, s.n.max(1));
            let offsets: Vec<u32> = (0..=c).map(|j| (s.n as u64 * j as u64 / c as u64) as u32).collect();
            let stream = 4 * l as u32;
            LayerWeights::Lookup {
                d: s.d,
                e: s.e,
                k: s.k,
                beta_q16: 8 << 16,
                n_probe: s.n_probe.min(c),
                normalize: true,
                offsets,
                keys: entries(seed, stream, (s.n * s.d) as usize),
                values: entries(seed, stream + 1, (s.n * s.e) as usize),
                centroids: entries(seed, stream + 2, (c * s.d) as usize),
            }
        })
        .collect();
    Model::new(b"testing".to_vec(), layers)
}

/// A vector input of width `d`.
pub fn input(seed: u64, d: u32) -> Input {
    Input::Vector(entries(seed, u32::MAX, d as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_deterministic_and_prove() {
        let shapes = [Shape { n: 100, d: 8, e: 4, c: 5, k: 3, n_probe: 2 }];
        let a = model(1, &shapes).unwrap();
        assert_eq!(a.id(), model(1, &shapes).unwrap().id());
        assert_ne!(a.id(), model(2, &shapes).unwrap().id());
        let input = input(3, 8);
        let (trace, proof) = a.prove(&input).unwrap();
        crate::proof::verify_claim(a.ghost_file(), &input, &trace.claim(), &proof).unwrap();
    }
}
