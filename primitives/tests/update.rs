//! Sparse updates: the new root computed from one multiproof equals a full rebuild.

mod common;

use ghost_primitives::{row_mut, Error, LayerSpec, LayerWeights, Model, ModelUpdate, TreeKind, UpdatedRow};
use proptest::prelude::*;

fn rows_of(w: &LayerWeights, tree: TreeKind, indices: &[u32]) -> Vec<UpdatedRow> {
    indices
        .iter()
        .map(|&i| match (w, tree) {
            (LayerWeights::Lookup(w), TreeKind::Patterns) => {
                UpdatedRow { key: w.key(i).unwrap().to_vec(), value: w.value(i).unwrap().to_vec() }
            }
            (LayerWeights::Lookup(w), TreeKind::Centroids) => {
                UpdatedRow { key: w.centroid(i).unwrap().to_vec(), value: vec![] }
            }
            (LayerWeights::Embedding(w), _) => UpdatedRow { key: vec![], value: w.row(i).unwrap().to_vec() },
        })
        .collect()
}

fn write_rows(w: &mut LayerWeights, tree: TreeKind, indices: &[u32], rows: &[UpdatedRow]) {
    for (&i, r) in indices.iter().zip(rows) {
        match (&mut *w, tree) {
            (LayerWeights::Lookup(w), TreeKind::Patterns) => {
                row_mut(&mut w.keys, w.params.d as usize, i).unwrap().copy_from_slice(&r.key);
                w.value_mut(i).unwrap().copy_from_slice(&r.value);
            }
            (LayerWeights::Lookup(w), TreeKind::Centroids) => {
                row_mut(&mut w.centroids, w.params.d as usize, i).unwrap().copy_from_slice(&r.key);
            }
            (LayerWeights::Embedding(w), _) => {
                row_mut(&mut w.values, w.dim as usize, i).unwrap().copy_from_slice(&r.value);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sparse_update_root_equals_a_rebuild(
        p in common::params(),
        layer_pick in any::<prop::sample::Index>(),
        centroids in any::<bool>(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..6),
        delta in 1i16..500,
    ) {
        let model = common::model(&p);
        let file = model.ghost_file();
        let l = layer_pick.index(file.layers.len());
        let (tree, count) = match &file.layers[l] {
            LayerSpec::Embedding(s) => (TreeKind::Patterns, s.rows),
            LayerSpec::Lookup(s) if centroids => (TreeKind::Centroids, s.lists()),
            LayerSpec::Lookup(s) => (TreeKind::Patterns, s.rows()),
        };
        let mut indices: Vec<u32> = picks.iter().map(|i| i.index(count as usize) as u32).collect();
        indices.sort_unstable();
        indices.dedup();
        let trees = &model.trees()[l];
        let proof = match tree {
            TreeKind::Patterns => trees.patterns.prove(&indices).unwrap(),
            TreeKind::Centroids => trees.centroids.as_ref().unwrap().prove(&indices).unwrap(),
        };
        let old_rows = rows_of(&model.weights()[l], tree, &indices);
        let new_rows: Vec<UpdatedRow> = old_rows
            .iter()
            .map(|r| UpdatedRow {
                key: r.key.iter().map(|v| v.wrapping_add(delta)).collect(),
                value: r.value.iter().map(|v| v.wrapping_sub(delta)).collect(),
            })
            .collect();
        let update = ModelUpdate { layer: l as u32, tree, indices: indices.clone(), old_rows: old_rows.clone(), new_rows: new_rows.clone(), proof: proof.clone(), training_data: Some([9; 32]) };
        let next = file.apply_update(&update).unwrap();

        let mut weights = model.weights().to_vec();
        write_rows(&mut weights[l], tree, &indices, &new_rows);
        let rebuilt = Model::new(b"test".to_vec(), weights).unwrap();
        let mut want = rebuilt.ghost_file().clone();
        want.parent = Some(model.id());
        want.training_data = Some([9; 32]);
        prop_assert_eq!(&next, &want);
        prop_assert_eq!(next.parent, Some(model.id()));

        // Lying about the old rows is caught by the old root.
        let mut lie = update.clone();
        lie.old_rows[0] = new_rows[0].clone();
        prop_assert!(matches!(file.apply_update(&lie), Err(Error::RootMismatch { .. })), "unexpected verdict");
        // The proof must match the indices exactly.
        let mut spare = update.clone();
        spare.proof.push([0; 32]);
        prop_assert!(matches!(file.apply_update(&spare), Err(Error::WrongProofHashCount { .. })), "unexpected verdict");
        let mut shape = update;
        shape.new_rows.pop();
        prop_assert!(file.apply_update(&shape).is_err());
    }
}
