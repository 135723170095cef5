//! Domain-separated BLAKE2b-256 Merkle trees and hardened compact multiproofs.
//!
//! The tree shape and the multiproof algorithm ("Compact Merkle Multiproofs",
//! arXiv 2002.07648: shared siblings sent once, nothing derivable sent at all) are
//! `rs_merkle`'s. This module adds what the protocol needs on top:
//! * domain separation: leaves are `H(0x00 || ...)`, inner nodes `H(0x01 || l || r)`;
//!   an odd node at the end of a level is promoted unchanged;
//! * the leaf count bound into the commitment: `root = H(0x02 || u32 LE count || tree root)`;
//! * strict multiproofs: indices strictly increasing and in range, exactly the number of
//!   hashes the indices need (no spare, none missing), at least one leaf.

use crate::{
    error::TreeKind,
    hash::{hash_pair, pair_message, Blake2b256, Hash, TAG_LEAF, TAG_NODE, TAG_ROOT},
    Error, Result,
};
use alloc::vec::Vec;

/// `rs_merkle` hasher with the protocol's inner-node encoding.
#[derive(Clone)]
pub struct NodeHasher;

impl rs_merkle::Hasher for NodeHasher {
    type Hash = Hash;

    fn hash(data: &[u8]) -> Hash {
        crate::hash::blake2_256(data)
    }

    fn concat_and_hash(left: &Hash, right: Option<&Hash>) -> Hash {
        match right {
            Some(right) => hash_pair(TAG_NODE, left, right),
            None => *left,
        }
    }
}

/// The hash of one leaf: `H(0x00 || tree tag || u32 LE layer || u32 LE index || row)`,
/// the row as its entries' little-endian `i16` bytes (keys then values for patterns).
pub fn leaf_hash(tree: TreeKind, layer: u32, index: u32, parts: &[&[i16]]) -> Hash {
    let mut message = Vec::with_capacity(LEAF_HEADER + 2 * parts.iter().map(|p| p.len()).sum::<usize>());
    leaf_message(tree, layer, index, parts.iter().copied(), &mut message);
    crate::hash::blake2_256(&message)
}

/// Bytes of a leaf message before its row.
const LEAF_HEADER: usize = 10;

/// Append the message [`leaf_hash`] hashes to `out`.
fn leaf_message<'a>(tree: TreeKind, layer: u32, index: u32, parts: impl Iterator<Item = &'a [i16]>, out: &mut Vec<u8>) {
    out.extend_from_slice(&[TAG_LEAF, tree.tag()]);
    out.extend_from_slice(&layer.to_le_bytes());
    out.extend_from_slice(&index.to_le_bytes());
    for v in parts.flatten() {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// [`leaf_hash`] of many leaves at once, hashed several lanes at a time: leaf `n` has
/// index `indices[n]` and, as its row, row `n` of each matrix of `parts` (row-major, one
/// row per index, so `[keys, values]` of the selected patterns, or the probed centroids).
pub fn leaf_hashes(tree: TreeKind, layer: u32, indices: &[u32], parts: &[&[i16]]) -> Result<Vec<Hash>> {
    let count = indices.len();
    if count == 0 {
        return Ok(Vec::new());
    }
    if let Some(part) = parts.iter().find(|p| p.len() % count != 0) {
        return Err(Error::WrongDimension {
            expected: crate::limits::len_u32(count),
            got: crate::limits::len_u32(part.len()),
        });
    }
    let widths: Vec<usize> = parts.iter().map(|p| p.len() / count).collect();
    let size = LEAF_HEADER + 2 * widths.iter().sum::<usize>();
    let mut messages = Vec::with_capacity(size.saturating_mul(count));
    for (n, &index) in indices.iter().enumerate() {
        let rows = parts.iter().zip(&widths).map(|(p, &w)| crate::row(p, w, n as u32)).collect::<Result<Vec<_>>>()?;
        leaf_message(tree, layer, index, rows.into_iter(), &mut messages);
    }
    Ok(crate::hash::blake2_256_many(messages.chunks_exact(size)))
}

/// The commitment to a tree of `count` leaves whose plain Merkle root is `tree_root`.
pub fn bind_count(count: u32, tree_root: &Hash) -> Hash {
    Blake2b256::tagged(TAG_ROOT).update(&count.to_le_bytes()).update(tree_root).finalize()
}

/// A full tree over a layer's leaves (prover side).
pub struct Tree {
    inner: rs_merkle::MerkleTree<NodeHasher>,
    count: u32,
}

impl Tree {
    /// Build from leaf hashes. An empty tree is rejected: the protocol never commits one.
    pub fn from_leaves(leaves: &[Hash]) -> Result<Self> {
        let count = u32::try_from(leaves.len()).map_err(|_| Error::Overflow)?;
        if count == 0 {
            return Err(Error::EmptyMultiproof);
        }
        Ok(Self { inner: rs_merkle::MerkleTree::from_leaves(leaves), count })
    }

    /// Number of leaves.
    pub fn len(&self) -> u32 {
        self.count
    }

    /// Never true: empty trees cannot be built.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The ghost root: the Merkle root with the leaf count bound in.
    pub fn root(&self) -> Hash {
        // A non-empty rs_merkle tree always has a root.
        bind_count(self.count, &self.inner.root().unwrap_or_default())
    }

    /// The compact multiproof of `indices` (strictly increasing, in range).
    pub fn prove(&self, indices: &[u32]) -> Result<Vec<Hash>> {
        check_indices(indices, self.count)?;
        let idx: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        Ok(self.inner.proof(&idx).proof_hashes().to_vec())
    }
}

/// The protocol's checks on a multiproof's indices.
fn check_indices(indices: &[u32], count: u32) -> Result<()> {
    if indices.is_empty() || count == 0 {
        return Err(Error::EmptyMultiproof);
    }
    if indices.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::IndicesNotStrictlyIncreasing);
    }
    match indices.last() {
        Some(&last) if last >= count => Err(Error::IndexOutOfRange { index: last, leaves: count }),
        _ => Ok(()),
    }
}

/// The ghost root implied by `leaves` at `indices` and the multiproof `proof`, after the
/// strict checks. Compare it with a committed root to verify the leaves.
pub fn root_from_multiproof(indices: &[u32], leaves: &[Hash], proof: &[Hash], count: u32) -> Result<Hash> {
    if indices.len() != leaves.len() {
        return Err(Error::UpdateShape);
    }
    check_indices(indices, count)?;
    Ok(bind_count(count, &tree_root(indices, leaves, proof, count)?))
}

/// The plain Merkle root implied by `leaves` at `indices` (checked: strictly increasing, in
/// range, at least one) and a compact multiproof in `rs_merkle`'s layout: level by level
/// from the leaves up, the sibling hashes that cannot be derived, in index order. Walked
/// directly, without rs_merkle's index bookkeeping; `rs_merkle` stays the prover's tree and
/// this function's test oracle. Every hash of `proof` must be used and none may be missing.
fn tree_root(indices: &[u32], leaves: &[Hash], proof: &[Hash], count: u32) -> Result<Hash> {
    let mut level: Vec<(u32, Hash)> = indices.iter().copied().zip(leaves.iter().copied()).collect();
    let mut next: Vec<(u32, Hash)> = Vec::with_capacity(level.len());
    let (mut width, mut used, mut missing) = (count, 0usize, 0u32);
    // The next proof hash, or a placeholder counted as missing (to report how many the
    // indices needed).
    let mut take = || match proof.get(used) {
        Some(hash) => {
            used += 1;
            *hash
        }
        None => {
            missing = missing.saturating_add(1);
            [0; 32]
        }
    };
    // Each level's inner nodes are hashed together, several lanes at a time.
    let mut messages = Vec::new();
    while width > 1 {
        next.clear();
        messages.clear();
        let mut i = 0;
        while let Some(&(index, hash)) = level.get(i) {
            let (left, right) = if index % 2 == 1 {
                // A right child whose left sibling is not known.
                (take(), hash)
            } else if index + 1 >= width {
                // The last node of an odd level is promoted unchanged: it goes last, after
                // the hashed nodes, as it is the rightmost.
                next.push((index / 2, hash));
                i += 1;
                continue;
            } else if let Some(&(_, right)) = level.get(i + 1).filter(|(j, _)| *j == index + 1) {
                i += 1;
                (hash, right)
            } else {
                (hash, take())
            };
            messages.push(pair_message(TAG_NODE, &left, &right));
            next.push((index / 2, [0; 32]));
            i += 1;
        }
        for (slot, node) in next.iter_mut().zip(crate::hash::blake2_256_many(messages.iter().map(|m| m.as_slice()))) {
            slot.1 = node;
        }
        core::mem::swap(&mut level, &mut next);
        width = width.div_ceil(2);
    }
    let got = u32::try_from(proof.len()).unwrap_or(u32::MAX);
    if missing > 0 || used != proof.len() {
        let expected = u32::try_from(used).unwrap_or(u32::MAX).saturating_add(missing);
        return Err(Error::WrongProofHashCount { expected, got });
    }
    level.first().map(|&(_, root)| root).ok_or(Error::EmptyMultiproof)
}

/// Verify `leaves` at `indices` against the committed `root`.
pub fn verify_multiproof(
    root: &Hash,
    indices: &[u32],
    leaves: &[Hash],
    proof: &[Hash],
    count: u32,
    layer: u32,
    tree: TreeKind,
) -> Result<()> {
    if &root_from_multiproof(indices, leaves, proof, count)? == root {
        Ok(())
    } else {
        Err(Error::RootMismatch { layer, tree })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rs_merkle::utils::indices::proof_indices_by_layers;

    /// The number of hashes a compact multiproof of `indices` in a tree of `count` leaves
    /// holds.
    fn proof_hash_count(indices: &[u32], count: u32) -> Result<u32> {
        check_indices(indices, count)?;
        let idx: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        let needed: usize = proof_indices_by_layers(&idx, count as usize).iter().map(Vec::len).sum();
        u32::try_from(needed).map_err(|_| Error::Overflow)
    }

    fn leaves(n: u32) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(TreeKind::Patterns, 0, i, &[&[i as i16]])).collect()
    }

    fn index_set(n: u32) -> impl Strategy<Value = (u32, Vec<u32>)> {
        (1..n).prop_flat_map(|count| {
            (Just(count), prop::collection::btree_set(0..count, 1..=(count as usize).min(12)))
                .prop_map(|(c, s)| (c, s.into_iter().collect()))
        })
    }

    proptest! {
        /// The direct walk computes what rs_merkle's `MerkleProof::root` computes, on every
        /// shape of tree and index set.
        #[test]
        fn the_walk_agrees_with_rs_merkle((count, idx) in index_set(300)) {
            let all = leaves(count);
            let tree = Tree::from_leaves(&all).unwrap();
            let proof = tree.prove(&idx).unwrap();
            let opened: Vec<Hash> = idx.iter().map(|&i| all[i as usize]).collect();
            let positions: Vec<usize> = idx.iter().map(|&i| i as usize).collect();
            let oracle = rs_merkle::MerkleProof::<NodeHasher>::new(proof.clone())
                .root(&positions, &opened, count as usize)
                .unwrap();
            prop_assert_eq!(tree_root(&idx, &opened, &proof, count).unwrap(), oracle);
            let mut short = proof.clone();
            if short.pop().is_some() {
                prop_assert_eq!(
                    tree_root(&idx, &opened, &short, count),
                    Err(Error::WrongProofHashCount { expected: proof.len() as u32, got: short.len() as u32 })
                );
            }
        }

        #[test]
        fn honest_multiproofs_verify((count, idx) in index_set(300)) {
            let all = leaves(count);
            let tree = Tree::from_leaves(&all).unwrap();
            let proof = tree.prove(&idx).unwrap();
            prop_assert_eq!(proof.len() as u32, proof_hash_count(&idx, count).unwrap());
            let opened: Vec<Hash> = idx.iter().map(|&i| all[i as usize]).collect();
            prop_assert_eq!(root_from_multiproof(&idx, &opened, &proof, count).unwrap(), tree.root());
        }

        #[test]
        fn spare_missing_or_altered_hashes_are_rejected((count, idx) in index_set(300), pick in any::<prop::sample::Index>()) {
            let all = leaves(count);
            let tree = Tree::from_leaves(&all).unwrap();
            let proof = tree.prove(&idx).unwrap();
            let opened: Vec<Hash> = idx.iter().map(|&i| all[i as usize]).collect();
            let mut spare = proof.clone();
            spare.push([7; 32]);
            prop_assert!(matches!(root_from_multiproof(&idx, &opened, &spare, count), Err(Error::WrongProofHashCount { .. })), "unexpected verdict");
            if !proof.is_empty() {
                let mut missing = proof.clone();
                missing.pop();
                prop_assert!(root_from_multiproof(&idx, &opened, &missing, count).is_err());
                let mut altered = proof.clone();
                altered[pick.index(proof.len())][0] ^= 1;
                prop_assert_ne!(root_from_multiproof(&idx, &opened, &altered, count).unwrap(), tree.root());
            }
            // A different leaf count is a different commitment.
            if let Ok(root) = root_from_multiproof(&idx, &opened, &proof, count + 1) {
                prop_assert_ne!(root, tree.root());
            }
        }
    }

    #[test]
    fn duplicate_unsorted_and_out_of_range_indices_are_rejected() {
        let all = leaves(16);
        let tree = Tree::from_leaves(&all).unwrap();
        let proof = tree.prove(&[3]).unwrap();
        // rs_merkle alone accepts a duplicated index; the wrapper does not.
        assert_eq!(
            root_from_multiproof(&[3, 3], &[all[3], all[3]], &proof, 16),
            Err(Error::IndicesNotStrictlyIncreasing)
        );
        let proof2 = tree.prove(&[3, 9]).unwrap();
        assert_eq!(
            root_from_multiproof(&[9, 3], &[all[9], all[3]], &proof2, 16),
            Err(Error::IndicesNotStrictlyIncreasing)
        );
        assert_eq!(
            root_from_multiproof(&[16], &[all[3]], &proof, 16),
            Err(Error::IndexOutOfRange { index: 16, leaves: 16 })
        );
        assert_eq!(root_from_multiproof(&[], &[], &[], 16), Err(Error::EmptyMultiproof));
        assert_eq!(tree.prove(&[4, 4]), Err(Error::IndicesNotStrictlyIncreasing));
    }

    #[test]
    fn a_subtree_cannot_pass_for_a_leaf() {
        let all = leaves(4);
        let tree = Tree::from_leaves(&all).unwrap();
        // The inner node over leaves 0 and 1, offered as a leaf of a two-leaf tree.
        let inner = <NodeHasher as rs_merkle::Hasher>::concat_and_hash(&all[0], Some(&all[1]));
        let right = <NodeHasher as rs_merkle::Hasher>::concat_and_hash(&all[2], Some(&all[3]));
        let fake = root_from_multiproof(&[0], &[inner], &[right], 2).unwrap();
        assert_ne!(fake, tree.root());
    }
}
