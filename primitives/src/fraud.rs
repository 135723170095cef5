//! Exclusion fraud proofs: a ghost proof shows the committed rows were used, not that
//! they were the best. These show one was not: a row (or list) the prover left out that
//! outranks one it committed to, with a Merkle proof of both.
//!
//! The proof opens the committed link of the layer and, for the layer's input, the link
//! before it (or uses the request's input for layer 0), so it is checked against the
//! links posted on chain alone, in one step.

use crate::{
    error::TreeKind,
    fixed::dot,
    ghost_file::GhostFile,
    hash::Hash,
    layer::outranks,
    merkle::{leaf_hash, verify_multiproof},
    trace::{Input, LinkOpening},
    Error, Result,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// What was left out, and what it beats.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Evidence {
    /// A row in a probed list, not selected, that outranks a selected row.
    ExcludedRow {
        /// What the prover left out.
        excluded: u32,
        /// What it committed to instead, which the excluded one outranks.
        beaten: u32,
        /// The excluded row's key.
        excluded_key: Vec<i16>,
        /// The excluded row's value.
        excluded_value: Vec<i16>,
        /// The beaten row's key.
        beaten_key: Vec<i16>,
        /// The beaten row's value.
        beaten_value: Vec<i16>,
        /// Multiproof of both pattern leaves, indices in ascending order.
        proof: Vec<Hash>,
    },
    /// A list not probed whose centroid outranks a probed list's.
    ExcludedList {
        /// What the prover left out.
        excluded: u32,
        /// What it committed to instead, which the excluded one outranks.
        beaten: u32,
        /// The excluded list's centroid.
        excluded_centroid: Vec<i16>,
        /// The beaten list's centroid.
        beaten_centroid: Vec<i16>,
        /// Multiproof of both centroid leaves, indices in ascending order.
        proof: Vec<Hash>,
    },
}

/// An exclusion fraud proof against one lookup layer of a posted claim.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct FraudProof {
    /// The layer accused.
    pub layer: u32,
    /// The opening of link `layer - 1` (its output is the layer's input); `None` for 0.
    pub input_link: Option<LinkOpening>,
    /// The opening of link `layer`.
    pub link: LinkOpening,
    /// The excluded entry and the committed one it beats.
    pub evidence: Evidence,
}

/// `Ok(())` when `fraud` convicts the prover of the claim with these `links` for `input`,
/// whose commitment chain starts at `seed`; otherwise the reason the fraud proof fails.
/// Called through [`Verifier::verify_fraud`](crate::Verifier::verify_fraud).
///
/// Every opening the proof relies on is tied to the posted links and, through them, to
/// the seed: link `l` by its hash, its input link `l - 1` by its hash and by `prev`, and
/// that input link's own `prev` to link `l - 2` (the seed, of this model, input and
/// binding, when `l = 1`).
pub(crate) fn verify(file: &GhostFile, seed: Hash, input: &Input, links: &[Hash], fraud: &FraudProof) -> Result<()> {
    let l = fraud.layer;
    let spec = file.lookup(l)?;
    if links.len() != file.layers.len() {
        return Err(Error::TraceLength { expected: file.layers.len() as u32, got: links.len() as u32 });
    }
    let link = &fraud.link;
    if link.layer != l || links.get(l as usize) != Some(&link.hash()) {
        return Err(Error::LinkMismatch { layer: l });
    }
    // The layer's input, bound to the chain.
    let x: &[i16] = match (l.checked_sub(1), &fraud.input_link) {
        (None, None) => {
            let Input::Vector(v) = input else { return Err(Error::WrongInputKind) };
            if link.prev != seed {
                return Err(Error::LinkMismatch { layer: l });
            }
            v
        }
        (Some(p), Some(prev)) => {
            let committed = links.get(p as usize).ok_or(Error::LinkMismatch { layer: p })?;
            if prev.layer != p || &prev.hash() != committed || &link.prev != committed {
                return Err(Error::LinkMismatch { layer: p });
            }
            let before = match p.checked_sub(1) {
                None => seed,
                Some(q) => *links.get(q as usize).ok_or(Error::LinkMismatch { layer: q })?,
            };
            if prev.prev != before {
                return Err(Error::LinkMismatch { layer: p });
            }
            &prev.output
        }
        _ => return Err(Error::LinkMismatch { layer: l }),
    };
    let d = spec.params.d as usize;
    if x.len() != d {
        return Err(Error::WrongDimension { expected: spec.params.d, got: x.len() as u32 });
    }
    let check_width = |v: &[i16], w: u32| {
        if v.len() == w as usize {
            Ok(())
        } else {
            Err(Error::WrongDimension { expected: w, got: v.len() as u32 })
        }
    };
    let pair = |a: u32, b: u32, la: Hash, lb: Hash| if a < b { ([a, b], [la, lb]) } else { ([b, a], [lb, la]) };

    match &fraud.evidence {
        Evidence::ExcludedRow { excluded, beaten, excluded_key, excluded_value, beaten_key, beaten_value, proof } => {
            if link.selected.binary_search(excluded).is_ok() {
                return Err(Error::NotExcluded { index: *excluded });
            }
            match spec.list_of(*excluded) {
                Some(j) if link.probed.binary_search(&j).is_ok() => {}
                _ => return Err(Error::ExcludedRowNotProbed { row: *excluded }),
            }
            if link.selected.binary_search(beaten).is_err() {
                return Err(Error::NotCommitted { index: *beaten });
            }
            check_width(excluded_key, spec.params.d)?;
            check_width(beaten_key, spec.params.d)?;
            check_width(excluded_value, spec.params.e)?;
            check_width(beaten_value, spec.params.e)?;
            let (idx, leaves) = pair(
                *excluded,
                *beaten,
                leaf_hash(TreeKind::Patterns, l, *excluded, &[excluded_key, excluded_value]),
                leaf_hash(TreeKind::Patterns, l, *beaten, &[beaten_key, beaten_value]),
            );
            verify_multiproof(&spec.patterns_root, &idx, &leaves, proof, spec.rows(), l, TreeKind::Patterns)?;
            if outranks((dot(x, excluded_key), *excluded), (dot(x, beaten_key), *beaten)) {
                Ok(())
            } else {
                Err(Error::DoesNotOutrank)
            }
        }
        Evidence::ExcludedList { excluded, beaten, excluded_centroid, beaten_centroid, proof } => {
            if link.probed.binary_search(excluded).is_ok() {
                return Err(Error::NotExcluded { index: *excluded });
            }
            if link.probed.binary_search(beaten).is_err() {
                return Err(Error::NotCommitted { index: *beaten });
            }
            check_width(excluded_centroid, spec.params.d)?;
            check_width(beaten_centroid, spec.params.d)?;
            let (idx, leaves) = pair(
                *excluded,
                *beaten,
                leaf_hash(TreeKind::Centroids, l, *excluded, &[excluded_centroid]),
                leaf_hash(TreeKind::Centroids, l, *beaten, &[beaten_centroid]),
            );
            verify_multiproof(&spec.centroids_root, &idx, &leaves, proof, spec.lists(), l, TreeKind::Centroids)?;
            if outranks((dot(x, excluded_centroid), *excluded), (dot(x, beaten_centroid), *beaten)) {
                Ok(())
            } else {
                Err(Error::DoesNotOutrank)
            }
        }
    }
}

/// Bounded SCALE decoding of a fraud proof, as the chain receives it.
pub fn decode_fraud(bytes: &[u8]) -> Result<FraudProof> {
    use codec::DecodeLimit;
    if bytes.len() > crate::limits::MAX_PROOF_BYTES {
        return Err(Error::ProofTooLarge {
            len: bytes.len().min(u32::MAX as usize) as u32,
            max: crate::limits::MAX_PROOF_BYTES as u32,
        });
    }
    let mut input = bytes;
    FraudProof::decode_all_with_depth_limit(crate::limits::MAX_DECODE_DEPTH, &mut input)
        .map_err(|_| Error::ProofMalformed { offset: 0, fault: crate::error::ProofFault::NotScale })
}
