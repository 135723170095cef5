//! Deterministic models for benchmarks and on-chain tests: `no_std`, no randomness source,
//! entries drawn from BLAKE2b of a seed. Not for serving: the keys are not normalised and
//! the lists are equal slices, not trained clusters.

use crate::{
    error::{Error, TreeKind},
    hash::{Blake2b256, Hash},
    layer::row,
    model::{LayerWeights, LookupWeights, Model},
    shape::Shape,
    trace::Input,
    update::{ModelUpdate, UpdatedRow},
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
            let c = s.lists.clamp(1, s.rows.max(1));
            let offsets: Vec<u32> = (0..=c).map(|j| (s.rows as u64 * j as u64 / c as u64) as u32).collect();
            let stream = 4 * l as u32;
            let (d, e) = (s.layer.d as usize, s.layer.e as usize);
            LayerWeights::Lookup(LookupWeights {
                params: s.layer.over_lists(c),
                offsets,
                keys: entries(seed, stream, s.rows as usize * d),
                values: entries(seed, stream + 1, s.rows as usize * e),
                centroids: entries(seed, stream + 2, c as usize * d),
            })
        })
        .collect();
    Model::new(b"testing".to_vec(), layers)
}

/// A vector input of width `d`.
pub fn input(seed: u64, d: u32) -> Input {
    Input::Vector(entries(seed, u32::MAX, d as usize))
}

/// A sparse update of lookup layer `layer`'s patterns: rows `rows` with every value
/// entry passed through `change` (keys kept), proven against `model`'s tree.
pub fn value_update(
    model: &Model,
    layer: u32,
    rows: &[u32],
    change: impl Fn(i16) -> i16,
    training_data: Option<Hash>,
) -> Result<ModelUpdate> {
    let LookupWeights { params, keys, values, .. } = model.lookup_weights(layer)?;
    let (d, e) = (params.d as usize, params.e as usize);
    let old = rows
        .iter()
        .map(|&i| Ok(UpdatedRow { key: row(keys, d, i)?.to_vec(), value: row(values, e, i)?.to_vec() }))
        .collect::<Result<Vec<_>>>()?;
    let new = old
        .iter()
        .map(|r| UpdatedRow { key: r.key.clone(), value: r.value.iter().map(|&v| change(v)).collect() })
        .collect();
    let trees = model.trees().get(layer as usize).ok_or(Error::NotALookupLayer { layer })?;
    Ok(ModelUpdate {
        layer,
        tree: TreeKind::Patterns,
        indices: rows.to_vec(),
        old_rows: old,
        new_rows: new,
        proof: trees.patterns.prove(rows)?,
        training_data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_deterministic_and_prove() {
        let shapes = [Shape::new(100, 5).widths(8, 4).select(3, 2)];
        let a = model(1, &shapes).unwrap();
        assert_eq!(a.id(), model(1, &shapes).unwrap().id());
        assert_ne!(a.id(), model(2, &shapes).unwrap().id());
        let input = input(3, 8);
        let (trace, proof) = a.prove(&input).unwrap();
        a.verifier().verify_decoded(&[], &input, &trace.claim(), &proof).unwrap();
    }

    #[test]
    fn the_lazy_trace_proves_itself_and_is_convicted() {
        let shapes = [Shape::new(120, 6).widths(8, 8).select(3, 2), Shape::new(60, 4).widths(8, 4).select(2, 2)];
        let m = model(5, &shapes).unwrap();
        let input = input(6, 8);
        for layer in 0..2 {
            let lazy = m.lazy_trace(&input, layer, &[]).unwrap().expect("a row to leave out");
            let honest = m.trace(&input).unwrap();
            assert_ne!(lazy.openings[layer as usize].selected, honest.openings[layer as usize].selected);
            let proof = m.prove_trace(&lazy).unwrap();
            m.verifier().verify_decoded(&[], &input, &lazy.claim(), &proof).unwrap();
            let fraud = m.find_fraud(&input, &lazy).unwrap().expect("an exclusion");
            m.verifier().verify_fraud(&[], &input, &lazy.claim().links, &fraud).unwrap();
        }
        assert!(m.lazy_trace(&input, 2, &[]).unwrap().is_none(), "no such layer");
        let all = model(5, &[Shape::new(6, 2).widths(8, 4).select(6, 2)]).unwrap();
        assert!(all.lazy_trace(&input, 0, &[]).unwrap().is_none(), "every probed row is selected");
    }
}
