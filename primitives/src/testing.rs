//! Deterministic models for benchmarks and on-chain tests: `no_std`, no randomness source,
//! entries drawn from BLAKE2b of a seed. Not for serving: the keys are not normalised and
//! the lists are equal slices, not trained clusters. Also the one lazy prover that tests,
//! benchmarks, demos and `ghost serve --misbehave` play.

use crate::{
    hash::Blake2b256,
    model::{LayerWeights, Model},
    shape::Shape,
    trace::{Input, Trace},
    Result,
};
use alloc::vec::Vec;

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
                beta_q16: s.beta_q16,
                n_probe: s.n_probe.min(c),
                normalize: s.normalize,
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

/// A lazy prover's trace of `input`: at lookup layer `layer` the best selected row is swapped
/// for the first probed row left out. Any selected row outranks every row left out, so the
/// trace is a provable exclusion, while its own ghost proof still verifies. `None` when
/// `layer` is not a lookup layer or every probed row is selected (nothing to leave out).
pub fn lazy_trace(model: &Model, input: &Input, layer: u32) -> Result<Option<Trace>> {
    lazy_trace_bound(model, input, layer, &[])
}

/// [`lazy_trace`] of a prover bound to `binding` (on chain: its encoded account).
pub fn lazy_trace_bound(model: &Model, input: &Input, layer: u32, binding: &[u8]) -> Result<Option<Trace>> {
    let Ok(spec) = model.ghost_file().lookup(layer) else { return Ok(None) };
    let mut swapped = false;
    let trace = model.trace_bound_with(input, binding, &mut |l, probed, selected| {
        if l != layer || selected.is_empty() {
            return;
        }
        let pool = probed.iter().filter_map(|&j| spec.list_range(j)).flatten();
        if let Some(outsider) = pool.into_iter().find(|r| !selected.contains(r)) {
            selected.remove(0);
            selected.push(outsider);
            swapped = true;
        }
    })?;
    Ok(swapped.then_some(trace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_deterministic_and_prove() {
        let shapes = [Shape { n: 100, d: 8, e: 4, c: 5, k: 3, n_probe: 2, ..Shape::BASE }];
        let a = model(1, &shapes).unwrap();
        assert_eq!(a.id(), model(1, &shapes).unwrap().id());
        assert_ne!(a.id(), model(2, &shapes).unwrap().id());
        let input = input(3, 8);
        let (trace, proof) = a.prove(&input).unwrap();
        crate::proof::verify_claim(a.ghost_file(), &input, &trace.claim(), &proof).unwrap();
    }

    #[test]
    fn the_lazy_trace_proves_itself_and_is_convicted() {
        let shapes = [
            Shape { n: 120, d: 8, e: 8, c: 6, k: 3, n_probe: 2, ..Shape::BASE },
            Shape { n: 60, d: 8, e: 4, c: 4, k: 2, n_probe: 2, ..Shape::BASE },
        ];
        let m = model(5, &shapes).unwrap();
        let input = input(6, 8);
        for layer in 0..2 {
            let lazy = lazy_trace(&m, &input, layer).unwrap().expect("a row to leave out");
            let honest = m.trace(&input).unwrap();
            assert_ne!(lazy.openings[layer as usize].selected, honest.openings[layer as usize].selected);
            let proof = m.prove_trace(&lazy).unwrap();
            crate::proof::verify_claim(m.ghost_file(), &input, &lazy.claim(), &proof).unwrap();
            let fraud = m.find_fraud(&input, &lazy).unwrap().expect("an exclusion");
            crate::fraud::verify_fraud(m.ghost_file(), &input, &lazy.claim().links, &fraud).unwrap();
        }
        assert!(lazy_trace(&m, &input, 2).unwrap().is_none(), "no such layer");
        let all = model(5, &[Shape { n: 6, d: 8, e: 4, c: 2, k: 6, n_probe: 2, ..Shape::BASE }]).unwrap();
        assert!(lazy_trace(&all, &input, 0).unwrap().is_none(), "every probed row is selected");
    }
}
