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
    ghost_file::{GhostFile, LookupSpec},
    hash::Hash,
    layer::outranks,
    merkle::{leaf_hash, verify_multiproof},
    trace::{Input, LinkOpening},
    Error, Result,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// What was left out, and what it beats. Each variant encodes as its index, then its
/// struct's fields in order.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Evidence {
    /// A row in a probed list, not selected, that outranks a selected row.
    ExcludedRow(ExcludedRow),
    /// A list not probed whose centroid outranks a probed list's.
    ExcludedList(ExcludedList),
}

/// A row in a probed list, not selected, that outranks a selected row.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ExcludedRow {
    /// What the prover left out.
    pub excluded: u32,
    /// What it committed to instead, which the excluded one outranks.
    pub beaten: u32,
    /// The excluded row's key.
    pub excluded_key: Vec<i16>,
    /// The excluded row's value.
    pub excluded_value: Vec<i16>,
    /// The beaten row's key.
    pub beaten_key: Vec<i16>,
    /// The beaten row's value.
    pub beaten_value: Vec<i16>,
    /// Multiproof of both pattern leaves, indices in ascending order.
    pub proof: Vec<Hash>,
}

/// A list not probed whose centroid outranks a probed list's.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ExcludedList {
    /// What the prover left out.
    pub excluded: u32,
    /// What it committed to instead, which the excluded one outranks.
    pub beaten: u32,
    /// The excluded list's centroid.
    pub excluded_centroid: Vec<i16>,
    /// The beaten list's centroid.
    pub beaten_centroid: Vec<i16>,
    /// Multiproof of both centroid leaves, indices in ascending order.
    pub proof: Vec<Hash>,
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
/// Fraud proofs concern lookup layers only. The accused link must be the posted one, the
/// layer's input is bound to the chain ([`layer_input`]), and the evidence is checked by
/// its kind ([`excluded_row`], [`excluded_list`]).
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
    let x = layer_input(seed, input, links, fraud)?;
    if x.len() != spec.params.d as usize {
        return Err(Error::WrongDimension { expected: spec.params.d, got: x.len() as u32 });
    }
    match &fraud.evidence {
        Evidence::ExcludedRow(e) => excluded_row(spec, l, link, x, e),
        Evidence::ExcludedList(e) => excluded_list(spec, l, link, x, e),
    }
}

/// The accused layer's input, bound to the chain: the request's input for layer 0 (whose
/// link must follow the seed), else the output of the opened input link, which must be
/// the posted link before the accused one and follow the link before it (or the seed).
fn layer_input<'a>(seed: Hash, input: &'a Input, links: &[Hash], fraud: &'a FraudProof) -> Result<&'a [i16]> {
    let (l, link) = (fraud.layer, &fraud.link);
    match (l.checked_sub(1), &fraud.input_link) {
        (None, None) => {
            let Input::Vector(v) = input else { return Err(Error::WrongInputKind) };
            if link.prev != seed {
                return Err(Error::LinkMismatch { layer: l });
            }
            Ok(v)
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
            Ok(&prev.output)
        }
        _ => Err(Error::LinkMismatch { layer: l }),
    }
}

/// An excluded row convicts when it lies in a probed list but was not selected, the
/// beaten row was selected, both open under the patterns root, and the excluded row
/// outranks the beaten one for `x`.
fn excluded_row(spec: &LookupSpec, l: u32, link: &LinkOpening, x: &[i16], e: &ExcludedRow) -> Result<()> {
    if link.selected.binary_search(&e.excluded).is_ok() {
        return Err(Error::NotExcluded { index: e.excluded });
    }
    match spec.list_of(e.excluded) {
        Some(j) if link.probed.binary_search(&j).is_ok() => {}
        _ => return Err(Error::ExcludedRowNotProbed { row: e.excluded }),
    }
    if link.selected.binary_search(&e.beaten).is_err() {
        return Err(Error::NotCommitted { index: e.beaten });
    }
    check_width(&e.excluded_key, spec.params.d)?;
    check_width(&e.beaten_key, spec.params.d)?;
    check_width(&e.excluded_value, spec.params.e)?;
    check_width(&e.beaten_value, spec.params.e)?;
    let (idx, leaves) = ascending_pair(
        (e.excluded, leaf_hash(TreeKind::Patterns, l, e.excluded, &[&e.excluded_key, &e.excluded_value])),
        (e.beaten, leaf_hash(TreeKind::Patterns, l, e.beaten, &[&e.beaten_key, &e.beaten_value])),
    );
    verify_multiproof(&spec.patterns_root, &idx, &leaves, &e.proof, spec.rows(), l, TreeKind::Patterns)?;
    convicts((dot(x, &e.excluded_key), e.excluded), (dot(x, &e.beaten_key), e.beaten))
}

/// An excluded list convicts when it was not probed, the beaten list was, both centroids
/// open under the centroids root, and the excluded one outranks the beaten one for `x`.
fn excluded_list(spec: &LookupSpec, l: u32, link: &LinkOpening, x: &[i16], e: &ExcludedList) -> Result<()> {
    if link.probed.binary_search(&e.excluded).is_ok() {
        return Err(Error::NotExcluded { index: e.excluded });
    }
    if link.probed.binary_search(&e.beaten).is_err() {
        return Err(Error::NotCommitted { index: e.beaten });
    }
    check_width(&e.excluded_centroid, spec.params.d)?;
    check_width(&e.beaten_centroid, spec.params.d)?;
    let (idx, leaves) = ascending_pair(
        (e.excluded, leaf_hash(TreeKind::Centroids, l, e.excluded, &[&e.excluded_centroid])),
        (e.beaten, leaf_hash(TreeKind::Centroids, l, e.beaten, &[&e.beaten_centroid])),
    );
    verify_multiproof(&spec.centroids_root, &idx, &leaves, &e.proof, spec.lists(), l, TreeKind::Centroids)?;
    convicts((dot(x, &e.excluded_centroid), e.excluded), (dot(x, &e.beaten_centroid), e.beaten))
}

/// A row of width `w`, or the error saying it is not.
fn check_width(v: &[i16], w: u32) -> Result<()> {
    if v.len() == w as usize {
        Ok(())
    } else {
        Err(Error::WrongDimension { expected: w, got: v.len() as u32 })
    }
}

/// Two `(index, leaf)` pairs as a multiproof takes them: indices ascending.
fn ascending_pair(a: (u32, Hash), b: (u32, Hash)) -> ([u32; 2], [Hash; 2]) {
    if a.0 < b.0 {
        ([a.0, b.0], [a.1, b.1])
    } else {
        ([b.0, a.0], [b.1, a.1])
    }
}

/// `Ok(())` when the excluded `(score, index)` outranks the beaten one.
fn convicts(excluded: (i64, u32), beaten: (i64, u32)) -> Result<()> {
    if outranks(excluded, beaten) {
        Ok(())
    } else {
        Err(Error::DoesNotOutrank)
    }
}

/// Bounded SCALE decoding of a fraud proof, as the chain receives it.
pub fn decode_fraud(bytes: &[u8]) -> Result<FraudProof> {
    use codec::DecodeLimit;
    if bytes.len() > crate::limits::MAX_PROOF_BYTES {
        return Err(Error::ProofTooLarge {
            len: crate::limits::len_u32(bytes.len()),
            max: crate::limits::MAX_PROOF_BYTES as u32,
        });
    }
    let mut input = bytes;
    FraudProof::decode_all_with_depth_limit(crate::limits::MAX_DECODE_DEPTH, &mut input)
        .map_err(|_| Error::ProofMalformed { offset: 0, fault: crate::error::ProofFault::NotScale })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_DIM, MAX_FRAUD_PROOF_BYTES, MAX_K, MAX_N_PROBE};

    #[test]
    fn the_largest_fraud_proof_is_the_documented_bound() {
        let link = || LinkOpening {
            prev: [1; 32],
            layer: 3,
            probed: vec![7; MAX_N_PROBE as usize],
            selected: vec![9; MAX_K as usize],
            output: vec![-1; MAX_DIM as usize],
        };
        let row = || vec![5i16; MAX_DIM as usize];
        let widest = FraudProof {
            layer: 3,
            input_link: Some(link()),
            link: link(),
            evidence: Evidence::ExcludedRow(ExcludedRow {
                excluded: 1,
                beaten: 2,
                excluded_key: row(),
                excluded_value: row(),
                beaten_key: row(),
                beaten_value: row(),
                proof: vec![[0; 32]; 2 * 26],
            }),
        };
        assert_eq!(widest.encode().len(), MAX_FRAUD_PROOF_BYTES);
        let list = Evidence::ExcludedList(ExcludedList {
            excluded: 1,
            beaten: 2,
            excluded_centroid: row(),
            beaten_centroid: row(),
            proof: vec![[0; 32]; 2 * 16],
        });
        assert!(FraudProof { evidence: list, ..widest }.encode().len() < MAX_FRAUD_PROOF_BYTES);
    }
}
