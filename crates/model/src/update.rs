//! Sparse updates between two versions of a model: the rows that changed, their old and
//! new contents and one multiproof of them in the old tree (what `publish_update` checks).

use anyhow::{bail, Result};
use ghost_primitives::{
    row, EmbeddingWeights, Hash, LayerWeights, LookupWeights, Model, ModelUpdate, TreeKind, UpdatedRow,
};

/// The update that turns `old` into `new`: both must have the same architecture and
/// differ in the rows of exactly one tree (one layer's patterns or centroids).
pub fn diff(old: &Model, new: &Model, training_data: Option<Hash>) -> Result<ModelUpdate> {
    if old.weights().len() != new.weights().len() {
        bail!(
            "the versions have {} and {} layers: an update changes rows, not layers",
            old.weights().len(),
            new.weights().len()
        );
    }
    let mut changes = Vec::new();
    for (l, (a, b)) in old.weights().iter().zip(new.weights()).enumerate() {
        let l = l as u32;
        match (a, b) {
            (
                LayerWeights::Embedding(EmbeddingWeights { dim, values: va, .. }),
                LayerWeights::Embedding(EmbeddingWeights { dim: db, values: vb, .. }),
            ) => {
                same_shape(l, *dim == *db && va.len() == vb.len())?;
                let rows = changed_rows(&[(va, vb, *dim as usize)]);
                if !rows.is_empty() {
                    let pick = |v: &[i16], i: u32| -> Result<UpdatedRow> {
                        Ok(UpdatedRow { key: Vec::new(), value: row(v, *dim as usize, i)?.to_vec() })
                    };
                    let pairs = rows.iter().map(|&i| Ok((pick(va, i)?, pick(vb, i)?))).collect::<Result<Vec<_>>>()?;
                    changes.push((l, TreeKind::Patterns, rows.clone(), pairs));
                }
            }
            (
                LayerWeights::Lookup(LookupWeights { params, offsets, keys, values, centroids }),
                LayerWeights::Lookup(LookupWeights { params: p2, offsets: o2, keys: k2, values: v2, centroids: c2 }),
            ) => {
                let (d, e) = (params.d as usize, params.e as usize);
                same_shape(
                    l,
                    (params, offsets) == (p2, o2)
                        && keys.len() == k2.len()
                        && values.len() == v2.len()
                        && centroids.len() == c2.len(),
                )?;
                let rows = changed_rows(&[(keys, k2, d), (values, v2, e)]);
                if !rows.is_empty() {
                    let pick = |k: &[i16], v: &[i16], i: u32| -> Result<UpdatedRow> {
                        Ok(UpdatedRow { key: row(k, d, i)?.to_vec(), value: row(v, e, i)?.to_vec() })
                    };
                    let pairs =
                        rows.iter().map(|&i| Ok((pick(keys, values, i)?, pick(k2, v2, i)?))).collect::<Result<_>>()?;
                    changes.push((l, TreeKind::Patterns, rows, pairs));
                }
                let lists = changed_rows(&[(centroids, c2, d)]);
                if !lists.is_empty() {
                    let pick = |c: &[i16], i: u32| -> Result<UpdatedRow> {
                        Ok(UpdatedRow { key: row(c, d, i)?.to_vec(), value: Vec::new() })
                    };
                    let pairs =
                        lists.iter().map(|&i| Ok((pick(centroids, i)?, pick(c2, i)?))).collect::<Result<_>>()?;
                    changes.push((l, TreeKind::Centroids, lists, pairs));
                }
            }
            _ => bail!("layer {l} is a lookup in one version and an embedding in the other"),
        }
    }
    let (layer, tree, indices, pairs) = match changes.len() {
        0 => bail!("the two versions have the same weights: there is nothing to update"),
        1 => changes.remove(0),
        n => bail!("the versions differ in {n} trees; an update changes one (publish one version per tree)"),
    };
    let trees = &old.trees()[layer as usize];
    let tree_of = match tree {
        TreeKind::Patterns => &trees.patterns,
        TreeKind::Centroids => trees.centroids.as_ref().expect("a lookup layer has centroids"),
    };
    let proof = tree_of.prove(&indices)?;
    let (old_rows, new_rows) = pairs.into_iter().unzip();
    Ok(ModelUpdate { layer, tree, indices, old_rows, new_rows, proof, training_data })
}

/// A copy of `model` whose pattern `row` of lookup layer `layer` has the value `value`
/// (real numbers, quantised to Q14); the ghost file keeps the name and has no parent.
pub fn patch_value(model: &Model, layer: u32, row: u32, value: &[f32]) -> Result<Model> {
    let mut weights = model.weights().to_vec();
    let Some(LayerWeights::Lookup(LookupWeights { params, values, .. })) = weights.get_mut(layer as usize) else {
        bail!("layer {layer} is not a lookup layer of this model");
    };
    let e = params.e as usize;
    if value.len() != e {
        bail!("the value row has {} entries; layer {layer} has rows of {e}", value.len());
    }
    let Ok(slots) = ghost_primitives::row_mut(values, e, row) else {
        bail!("layer {layer} has {} rows; there is no row {row}", values.len() / e.max(1));
    };
    for (slot, v) in slots.iter_mut().zip(value) {
        *slot = ghost_primitives::q14(*v).0;
    }
    Model::new(model.ghost_file().name.clone(), weights).map_err(|e| anyhow::anyhow!("the patched model: {e}"))
}

fn same_shape(layer: u32, same: bool) -> Result<()> {
    if !same {
        bail!("layer {layer} has another architecture in the new version (widths, lists, k, beta or n_probe)");
    }
    Ok(())
}

/// Indices of the rows that differ in any of the `(old, new, width)` matrices.
pub(crate) fn changed_rows(matrices: &[(&Vec<i16>, &Vec<i16>, usize)]) -> Vec<u32> {
    let rows = matrices.first().map_or(0, |(a, _, w)| if *w == 0 { 0 } else { a.len() / w });
    (0..rows as u32).filter(|&i| matrices.iter().any(|(a, b, w)| row(a, *w, i) != row(b, *w, i))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_primitives::{testing, Shape};
    use proptest::prelude::*;

    fn model() -> Model {
        testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap()
    }

    fn with_values(m: &Model, change: impl Fn(&mut Vec<i16>)) -> Model {
        let mut weights = m.weights().to_vec();
        if let LayerWeights::Lookup(LookupWeights { values, .. }) = &mut weights[0] {
            change(values);
        }
        Model::new(m.ghost_file().name.clone(), weights).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// The update names exactly the changed rows, and the chain's check of it yields
        /// the new version's roots.
        #[test]
        fn the_update_applies_to_the_new_version(rows in proptest::collection::btree_set(0u32..64, 1..6), delta in 1i16..100) {
            let old = model();
            let new = with_values(&old, |v| for &r in &rows { v[r as usize * 4] = v[r as usize * 4].wrapping_add(delta) });
            let update = diff(&old, &new, Some([3; 32])).unwrap();
            prop_assert_eq!(&update.indices, &rows.iter().copied().collect::<Vec<_>>());
            let next = old.ghost_file().apply_update(&update).unwrap();
            prop_assert_eq!(&next.layers, &new.ghost_file().layers);
            prop_assert_eq!(next.parent, Some(old.id()));
        }
    }

    #[test]
    fn nothing_or_a_new_architecture_is_refused() {
        let old = model();
        assert!(diff(&old, &old, None).unwrap_err().to_string().contains("nothing to update"));
        let other = testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(3, 2)]).unwrap();
        assert!(diff(&old, &other, None).unwrap_err().to_string().contains("another architecture"));
    }
}
