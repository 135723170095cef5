//! Sparse updates: a new model version that changes a few rows of one tree.
//!
//! The update carries the changed indices, their old and new rows and one multiproof.
//! The multiproof's hashes are the siblings of the changed leaves, which a change of
//! those leaves does not touch: the same proof verifies the old leaves against the old
//! root and, fed the new leaves, yields the new root. No other row needs to be known.

use crate::{
    error::TreeKind,
    ghost_file::{GhostFile, LayerSpec},
    hash::Hash,
    merkle::{leaf_hash, root_from_multiproof},
    Error, Result,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// A changed row: its key and value (patterns; key empty for an embedding) or its
/// centroid (centroids; `value` empty).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct UpdatedRow {
    /// Key row, or centroid row.
    pub key: Vec<i16>,
    /// Value row (empty for a centroid).
    pub value: Vec<i16>,
}

/// A sparse update of one tree of one layer.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ModelUpdate {
    /// The layer changed.
    pub layer: u32,
    /// Which of its trees.
    pub tree: TreeKind,
    /// Changed row indices, strictly increasing.
    pub indices: Vec<u32>,
    /// The rows as they were.
    pub old_rows: Vec<UpdatedRow>,
    /// The rows as they become.
    pub new_rows: Vec<UpdatedRow>,
    /// Multiproof of `indices` in the old tree.
    pub proof: Vec<Hash>,
    /// Hash of the data the update was trained on, if declared.
    pub training_data: Option<Hash>,
}

/// Verify the `old` leaves at `indices` against `old_root` (a tree of `count` leaves) and
/// return the root of the same tree with the `new` leaves in their place.
pub fn sparse_update(
    old_root: &Hash,
    count: u32,
    indices: &[u32],
    old: &[Hash],
    new: &[Hash],
    proof: &[Hash],
    (layer, tree): (u32, TreeKind),
) -> Result<Hash> {
    if old.len() != indices.len() || new.len() != indices.len() {
        return Err(Error::UpdateShape);
    }
    if &root_from_multiproof(indices, old, proof, count)? != old_root {
        return Err(Error::RootMismatch { layer, tree });
    }
    root_from_multiproof(indices, new, proof, count)
}

impl GhostFile {
    /// The next version of this model under `update`: the changed tree's root replaced,
    /// `parent` set to this model's id, `training_data` as the update declares.
    pub fn apply_update(&self, update: &ModelUpdate) -> Result<GhostFile> {
        let l = update.layer;
        let (d, e, count, root) = match (self.layers.get(l as usize), update.tree) {
            (Some(LayerSpec::Embedding(s)), TreeKind::Patterns) => (0, s.dim, s.rows, s.patterns_root),
            (Some(LayerSpec::Lookup(s)), TreeKind::Patterns) => (s.params.d, s.params.e, s.rows(), s.patterns_root),
            (Some(LayerSpec::Lookup(s)), TreeKind::Centroids) => (s.params.d, 0, s.lists(), s.centroids_root),
            _ => return Err(Error::LayerKindMismatch { layer: l }),
        };
        let leaves = |rows: &[UpdatedRow]| -> Result<Vec<Hash>> {
            if rows.len() != update.indices.len() {
                return Err(Error::UpdateShape);
            }
            rows.iter()
                .zip(&update.indices)
                .map(|(r, &i)| {
                    if r.key.len() != d as usize {
                        return Err(Error::WrongDimension { expected: d, got: r.key.len() as u32 });
                    }
                    if r.value.len() != e as usize {
                        return Err(Error::WrongDimension { expected: e, got: r.value.len() as u32 });
                    }
                    Ok(match update.tree {
                        TreeKind::Patterns => leaf_hash(TreeKind::Patterns, l, i, &[&r.key, &r.value]),
                        TreeKind::Centroids => leaf_hash(TreeKind::Centroids, l, i, &[&r.key]),
                    })
                })
                .collect()
        };
        let new_root = sparse_update(
            &root,
            count,
            &update.indices,
            &leaves(&update.old_rows)?,
            &leaves(&update.new_rows)?,
            &update.proof,
            (l, update.tree),
        )?;
        let mut next = self.clone();
        next.parent = Some(self.id());
        next.training_data = update.training_data;
        match (next.layers.get_mut(l as usize), update.tree) {
            (Some(LayerSpec::Embedding(s)), _) => s.patterns_root = new_root,
            (Some(LayerSpec::Lookup(s)), TreeKind::Patterns) => s.patterns_root = new_root,
            (Some(LayerSpec::Lookup(s)), TreeKind::Centroids) => s.centroids_root = new_root,
            (None, _) => return Err(Error::LayerKindMismatch { layer: l }),
        }
        next.validate()?;
        Ok(next)
    }
}
