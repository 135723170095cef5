//! Ghost proofs: what a prover used, opened against the model's roots, and the verifier.
//!
//! Wire layout (`docs/protocol.md`, "Ghost proof encoding"): a version byte, the layer
//! count, then per layer a kind byte and its fields; indices gap-encoded, rows as zigzag
//! varints of the difference from the previous row, hashes raw. Decoding needs the ghost
//! file (it gives the row widths) and accepts only canonical encodings.

use crate::{
    codec_util::{Reader, Writer},
    error::TreeKind,
    ghost_file::{GhostFile, LayerSpec},
    hash::Hash,
    layer::{self, row},
    limits,
    merkle::{leaf_hash, leaf_hashes, verify_multiproof},
    trace::{Input, LinkOpening, Trace},
    Error, Result,
};
use alloc::vec::Vec;

/// The proof format version.
pub const PROOF_VERSION: u8 = 1;
const KIND_EMBEDDING: u8 = 0;
const KIND_LOOKUP: u8 = 1;
/// Upper bound on a multiproof's hashes: one per level for each opened leaf.
const MAX_HASHES_PER_LEAF: usize = 32;

/// The opened part of one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerProof {
    /// The embedding row of the input token.
    Embedding {
        /// The input token.
        token: u32,
        /// The token's row.
        row: Vec<i16>,
        /// Multiproof of the row.
        proof: Vec<Hash>,
    },
    /// Probed centroids and selected patterns, each with one multiproof.
    Lookup {
        /// Probed list ids, ascending.
        probed: Vec<u32>,
        /// Their centroids, row-major.
        centroids: Vec<i16>,
        /// Multiproof of the centroids.
        centroids_proof: Vec<Hash>,
        /// Selected row ids, ascending.
        selected: Vec<u32>,
        /// Their keys, row-major.
        keys: Vec<i16>,
        /// The rows, row-major.
        values: Vec<i16>,
        /// Multiproof of the selected patterns.
        patterns_proof: Vec<Hash>,
    },
}

/// A ghost proof: one [`LayerProof`] per layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GhostProof {
    /// The layers, input first.
    pub layers: Vec<LayerProof>,
}

impl GhostProof {
    /// The compact wire encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.byte(PROOF_VERSION);
        w.len(self.layers.len());
        for layer in &self.layers {
            match layer {
                LayerProof::Embedding { token, row, proof } => {
                    w.byte(KIND_EMBEDDING);
                    w.varint(*token as u64);
                    w.rows(row, row.len());
                    w.hashes(proof);
                }
                LayerProof::Lookup { probed, centroids, centroids_proof, selected, keys, values, patterns_proof } => {
                    w.byte(KIND_LOOKUP);
                    w.ascending(probed);
                    w.rows(centroids, centroids.len() / probed.len().max(1));
                    w.hashes(centroids_proof);
                    w.ascending(selected);
                    w.rows(keys, keys.len() / selected.len().max(1));
                    w.rows(values, values.len() / selected.len().max(1));
                    w.hashes(patterns_proof);
                }
            }
        }
        w.bytes
    }

    /// Decode against the model's ghost file, with every bound checked before allocating.
    pub fn decode(bytes: &[u8], file: &GhostFile) -> Result<Self> {
        if bytes.len() > limits::MAX_PROOF_BYTES {
            return Err(Error::ProofTooLarge {
                len: bytes.len().min(u32::MAX as usize) as u32,
                max: limits::MAX_PROOF_BYTES as u32,
            });
        }
        let mut r = Reader::new(bytes);
        if r.byte()? != PROOF_VERSION {
            return Err(Error::ProofMalformed { offset: 0, fault: crate::error::ProofFault::UnknownVersion });
        }
        let count = r.len(file.layers.len())?;
        if count != file.layers.len() {
            return Err(Error::LayerKindMismatch { layer: count as u32 });
        }
        let mut layers = Vec::with_capacity(count);
        for (i, spec) in file.layers.iter().enumerate() {
            let kind = r.byte()?;
            layers.push(match (kind, spec) {
                (KIND_EMBEDDING, LayerSpec::Embedding(s)) => {
                    let token = r.u32()?;
                    let row = r.rows(1, s.dim as usize)?;
                    let proof = r.hashes(MAX_HASHES_PER_LEAF)?;
                    LayerProof::Embedding { token, row, proof }
                }
                (KIND_LOOKUP, LayerSpec::Lookup(s)) => {
                    let (d, e) = (s.params.d as usize, s.params.e as usize);
                    let probed = r.ascending(s.params.n_probe as usize)?;
                    let centroids = r.rows(probed.len(), d)?;
                    let centroids_proof = r.hashes(probed.len() * MAX_HASHES_PER_LEAF)?;
                    let selected = r.ascending(s.params.k as usize)?;
                    let keys = r.rows(selected.len(), d)?;
                    let values = r.rows(selected.len(), e)?;
                    let patterns_proof = r.hashes(selected.len() * MAX_HASHES_PER_LEAF)?;
                    LayerProof::Lookup { probed, centroids, centroids_proof, selected, keys, values, patterns_proof }
                }
                _ => return Err(Error::LayerKindMismatch { layer: i as u32 }),
            });
        }
        r.finish()?;
        Ok(Self { layers })
    }

    /// The BLAKE2b compressions checking this proof's rows against their roots takes: each
    /// opened leaf (`H(0x00 || tree || layer || index || row)`, 128 bytes a block), each
    /// inner node (one block; a compact multiproof of `m` leaves and `h` hashes merges
    /// exactly `m + h - 1` times, whatever the shape) and each ghost root (one block).
    /// The hash floor of a verification; the links and the seed add a few per layer.
    pub fn compressions(&self) -> u64 {
        let blocks = |entries: usize| ((10 + 2 * entries as u64).div_ceil(128)).max(1);
        let tree = |opened: usize, width: usize, hashes: usize| -> u64 {
            if opened == 0 {
                return 0;
            }
            opened as u64 * blocks(width) + (opened + hashes - 1) as u64 + 1
        };
        self.layers
            .iter()
            .map(|l| match l {
                LayerProof::Embedding { row, proof, .. } => tree(1, row.len(), proof.len()),
                LayerProof::Lookup { probed, centroids, centroids_proof, selected, keys, values, patterns_proof } => {
                    let width = |entries: usize, rows: usize| entries / rows.max(1);
                    tree(probed.len(), width(centroids.len(), probed.len()), centroids_proof.len())
                        + tree(selected.len(), width(keys.len() + values.len(), selected.len()), patterns_proof.len())
                }
            })
            .sum()
    }

    /// The floor a proof can be compared with: the raw rows (2 bytes an entry) plus the
    /// hashes a compact multiproof needs (32 bytes each); indices and framing excluded.
    pub fn floor_bytes(&self) -> usize {
        self.layers
            .iter()
            .map(|l| match l {
                LayerProof::Embedding { row, proof, .. } => 2 * row.len() + 32 * proof.len(),
                LayerProof::Lookup { centroids, centroids_proof, keys, values, patterns_proof, .. } => {
                    2 * (centroids.len() + keys.len() + values.len())
                        + 32 * (centroids_proof.len() + patterns_proof.len())
                }
            })
            .sum()
    }
}

/// Check `proof` against the model `file` for `input`, with the commitment chain starting
/// at `seed`, and require its final output to be `output`. Returns the trace it proves.
/// Called through [`Verifier`](crate::Verifier), which has checked the input's shape.
///
/// Checks, per layer: the layer kind; for an embedding that the opened row is the input
/// token's; for a lookup exactly `n_probe` probed lists, exactly `min(k, rows in them)`
/// selected rows, every one inside a probed list; every opened row against its root;
/// then the layer output recomputed bit for bit. Last, the final output against `output`.
pub(crate) fn verify_output(
    file: &GhostFile,
    seed: Hash,
    input: &Input,
    output: &[i16],
    proof: &GhostProof,
) -> Result<Trace> {
    if proof.layers.len() != file.layers.len() {
        return Err(Error::LayerKindMismatch { layer: proof.layers.len().min(file.layers.len()) as u32 });
    }
    let mut prev = seed;
    let mut x: Vec<i16> = match input {
        Input::Vector(v) => v.clone(),
        Input::Token(_) => Vec::new(),
    };
    let mut openings = Vec::with_capacity(file.layers.len());
    for (i, (spec, lp)) in file.layers.iter().zip(&proof.layers).enumerate() {
        let l = i as u32;
        let opening = match (spec, lp) {
            (LayerSpec::Embedding(s), LayerProof::Embedding { token, row: emb, proof }) => {
                let Input::Token(t) = input else { return Err(Error::WrongInputKind) };
                if token != t {
                    return Err(Error::TokenMismatch { expected: *t, got: *token });
                }
                if emb.len() != s.dim as usize {
                    return Err(Error::WrongDimension { expected: s.dim, got: emb.len() as u32 });
                }
                let leaf = leaf_hash(TreeKind::Patterns, l, *t, &[&[], emb]);
                verify_multiproof(&s.patterns_root, &[*t], &[leaf], proof, s.rows, l, TreeKind::Patterns)?;
                LinkOpening {
                    prev,
                    layer: l,
                    probed: Vec::new(),
                    selected: alloc::vec![*t],
                    output: layer::finish(emb.clone(), s.normalize)?,
                }
            }
            (
                LayerSpec::Lookup(s),
                LayerProof::Lookup { probed, centroids, centroids_proof, selected, keys, values, patterns_proof },
            ) => {
                let (d, e) = (s.params.d as usize, s.params.e as usize);
                if x.len() != d {
                    return Err(Error::WrongDimension { expected: s.params.d, got: x.len() as u32 });
                }
                if probed.len() != s.params.n_probe as usize {
                    return Err(Error::ProbedListCount {
                        layer: l,
                        expected: s.params.n_probe,
                        got: probed.len() as u32,
                    });
                }
                if let Some(&bad) = probed.iter().find(|&&j| j >= s.lists()) {
                    return Err(Error::ListOutOfRange { layer: l, list: bad });
                }
                if centroids.len() != probed.len() * d {
                    return Err(Error::WrongDimension {
                        expected: (probed.len() * d) as u32,
                        got: centroids.len() as u32,
                    });
                }
                let c_leaves = leaf_hashes(TreeKind::Centroids, l, probed, &[centroids])?;
                verify_multiproof(
                    &s.centroids_root,
                    probed,
                    &c_leaves,
                    centroids_proof,
                    s.lists(),
                    l,
                    TreeKind::Centroids,
                )?;

                let expected = s.selected_count(probed)?;
                if selected.len() != expected as usize {
                    return Err(Error::SelectedCount { layer: l, expected, got: selected.len() as u32 });
                }
                for &r in selected {
                    match s.list_of(r) {
                        Some(j) if probed.binary_search(&j).is_ok() => {}
                        _ => return Err(Error::RowNotInProbedList { layer: l, row: r }),
                    }
                }
                if keys.len() != selected.len() * d || values.len() != selected.len() * e {
                    return Err(Error::WrongDimension {
                        expected: (selected.len() * (d + e)) as u32,
                        got: (keys.len() + values.len()) as u32,
                    });
                }
                let mut ks = Vec::with_capacity(selected.len());
                let mut vs = Vec::with_capacity(selected.len());
                for n in 0..selected.len() as u32 {
                    ks.push(row(keys, d, n)?);
                    vs.push(row(values, e, n)?);
                }
                let p_leaves = leaf_hashes(TreeKind::Patterns, l, selected, &[keys, values])?;
                if !selected.is_empty() {
                    verify_multiproof(
                        &s.patterns_root,
                        selected,
                        &p_leaves,
                        patterns_proof,
                        s.rows(),
                        l,
                        TreeKind::Patterns,
                    )?;
                } else if !patterns_proof.is_empty() {
                    return Err(Error::WrongProofHashCount { expected: 0, got: patterns_proof.len() as u32 });
                }
                let out = layer::combine(&x, &ks, &vs, s.params.beta, e, s.params.normalize)?;
                LinkOpening { prev, layer: l, probed: probed.clone(), selected: selected.clone(), output: out }
            }
            _ => return Err(Error::LayerKindMismatch { layer: l }),
        };
        prev = opening.hash();
        x = opening.output.clone();
        openings.push(opening);
    }
    if x.as_slice() != output {
        return Err(Error::OutputMismatch);
    }
    Ok(Trace { openings })
}
