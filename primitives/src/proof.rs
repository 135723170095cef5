//! Ghost proofs: what a prover used, opened against the model's roots, and the verifier.
//!
//! Wire layout (`docs/protocol.md`, "Ghost proof encoding"): a version byte, the layer
//! count, then per layer a kind byte and its fields; indices gap-encoded, rows as zigzag
//! varints of the difference from the previous row, hashes raw. Decoding needs the ghost
//! file (it gives the row widths) and accepts only canonical encodings.

use crate::{
    codec_util::{Reader, Writer},
    error::{ProofFault, TreeKind},
    ghost_file::{EmbeddingSpec, GhostFile, LayerSpec, LookupSpec},
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
    Embedding(EmbeddingProof),
    /// Probed centroids and selected patterns, each with one multiproof.
    Lookup(LookupProof),
}

/// The embedding row of the input token, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddingProof {
    /// The input token.
    pub token: u32,
    /// The token's row.
    pub row: Vec<i16>,
    /// Multiproof of the row.
    pub proof: Vec<Hash>,
}

/// A lookup layer's probed centroids and selected patterns, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupProof {
    /// Probed list ids, ascending.
    pub probed: Vec<u32>,
    /// Their centroids, row-major.
    pub centroids: Vec<i16>,
    /// Multiproof of the centroids.
    pub centroids_proof: Vec<Hash>,
    /// Selected row ids, ascending.
    pub selected: Vec<u32>,
    /// Their keys, row-major.
    pub keys: Vec<i16>,
    /// The rows, row-major.
    pub values: Vec<i16>,
    /// Multiproof of the selected patterns.
    pub patterns_proof: Vec<Hash>,
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
                LayerProof::Embedding(p) => p.encode_to(&mut w),
                LayerProof::Lookup(p) => p.encode_to(&mut w),
            }
        }
        w.bytes
    }

    /// Decode against the model's ghost file, with every bound checked before allocating.
    pub fn decode(bytes: &[u8], file: &GhostFile) -> Result<Self> {
        if bytes.len() > limits::MAX_PROOF_BYTES {
            return Err(Error::ProofTooLarge {
                len: crate::limits::len_u32(bytes.len()),
                max: limits::MAX_PROOF_BYTES as u32,
            });
        }
        let mut r = Reader::new(bytes);
        if r.byte()? != PROOF_VERSION {
            return Err(Error::ProofMalformed { offset: 0, fault: ProofFault::UnknownVersion });
        }
        let count = r.len(file.layers.len())?;
        if count != file.layers.len() {
            return Err(Error::LayerKindMismatch { layer: count as u32 });
        }
        let mut layers = Vec::with_capacity(count);
        for (i, spec) in file.layers.iter().enumerate() {
            let kind = r.byte()?;
            layers.push(match (kind, spec) {
                (KIND_EMBEDDING, LayerSpec::Embedding(s)) => LayerProof::Embedding(EmbeddingProof::decode(&mut r, s)?),
                (KIND_LOOKUP, LayerSpec::Lookup(s)) => LayerProof::Lookup(LookupProof::decode(&mut r, s)?),
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
        self.layers
            .iter()
            .map(|l| match l {
                LayerProof::Embedding(p) => tree_compressions(1, p.row.len(), p.proof.len()),
                LayerProof::Lookup(p) => {
                    let width = |entries: usize, rows: usize| entries / rows.max(1);
                    tree_compressions(p.probed.len(), width(p.centroids.len(), p.probed.len()), p.centroids_proof.len())
                        + tree_compressions(
                            p.selected.len(),
                            width(p.keys.len() + p.values.len(), p.selected.len()),
                            p.patterns_proof.len(),
                        )
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
                LayerProof::Embedding(p) => 2 * p.row.len() + 32 * p.proof.len(),
                LayerProof::Lookup(p) => {
                    2 * (p.centroids.len() + p.keys.len() + p.values.len())
                        + 32 * (p.centroids_proof.len() + p.patterns_proof.len())
                }
            })
            .sum()
    }
}

/// The compressions of checking `opened` leaves of `width` entries with `hashes` multiproof
/// hashes against their ghost root (see [`GhostProof::compressions`]).
fn tree_compressions(opened: usize, width: usize, hashes: usize) -> u64 {
    if opened == 0 {
        return 0;
    }
    let blocks = ((10 + 2 * width as u64).div_ceil(128)).max(1);
    opened as u64 * blocks + (opened + hashes - 1) as u64 + 1
}

impl EmbeddingProof {
    fn encode_to(&self, w: &mut Writer) {
        w.byte(KIND_EMBEDDING);
        w.varint(self.token as u64);
        w.rows(&self.row, self.row.len());
        w.hashes(&self.proof);
    }

    fn decode(r: &mut Reader<'_>, spec: &EmbeddingSpec) -> Result<Self> {
        let token = r.u32()?;
        let row = r.rows(1, spec.dim as usize)?;
        let proof = r.hashes(MAX_HASHES_PER_LEAF)?;
        Ok(Self { token, row, proof })
    }
}

impl LookupProof {
    fn encode_to(&self, w: &mut Writer) {
        w.byte(KIND_LOOKUP);
        w.ascending(&self.probed);
        w.rows(&self.centroids, self.centroids.len() / self.probed.len().max(1));
        w.hashes(&self.centroids_proof);
        w.ascending(&self.selected);
        w.rows(&self.keys, self.keys.len() / self.selected.len().max(1));
        w.rows(&self.values, self.values.len() / self.selected.len().max(1));
        w.hashes(&self.patterns_proof);
    }

    fn decode(r: &mut Reader<'_>, spec: &LookupSpec) -> Result<Self> {
        let (d, e) = (spec.params.d as usize, spec.params.e as usize);
        let probed = r.ascending(spec.params.n_probe as usize)?;
        let centroids = r.rows(probed.len(), d)?;
        let centroids_proof = r.hashes(probed.len() * MAX_HASHES_PER_LEAF)?;
        let selected = r.ascending(spec.params.k as usize)?;
        let keys = r.rows(selected.len(), d)?;
        let values = r.rows(selected.len(), e)?;
        let patterns_proof = r.hashes(selected.len() * MAX_HASHES_PER_LEAF)?;
        Ok(Self { probed, centroids, centroids_proof, selected, keys, values, patterns_proof })
    }
}

/// Check `proof` against the model `file` for `input`, with the commitment chain starting
/// at `seed`, and require its final output to be `output`. Returns the trace it proves.
/// Called through [`Verifier`](crate::Verifier), which has checked the input's shape.
///
/// Checks, per layer: the layer kind, then what [`verify_embedding`] or [`verify_lookup`]
/// checks of it. Last, the final output against `output`.
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
            (LayerSpec::Embedding(s), LayerProof::Embedding(p)) => verify_embedding(s, p, l, prev, input)?,
            (LayerSpec::Lookup(s), LayerProof::Lookup(p)) => verify_lookup(s, p, l, prev, &x)?,
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

/// Embedding layer `l`: the opened row is the input token's, of the layer's width, and
/// under the patterns root. Returns the layer's link opening, after `prev`.
fn verify_embedding(
    spec: &EmbeddingSpec,
    p: &EmbeddingProof,
    l: u32,
    prev: Hash,
    input: &Input,
) -> Result<LinkOpening> {
    let Input::Token(t) = input else { return Err(Error::WrongInputKind) };
    if p.token != *t {
        return Err(Error::TokenMismatch { expected: *t, got: p.token });
    }
    if p.row.len() != spec.dim as usize {
        return Err(Error::WrongDimension { expected: spec.dim, got: p.row.len() as u32 });
    }
    let leaf = leaf_hash(TreeKind::Patterns, l, *t, &[&[], &p.row]);
    verify_multiproof(&spec.patterns_root, &[*t], &[leaf], &p.proof, spec.rows, l, TreeKind::Patterns)?;
    let output = layer::finish(p.row.clone(), spec.normalize)?;
    Ok(LinkOpening { prev, layer: l, probed: Vec::new(), selected: alloc::vec![*t], output })
}

/// Lookup layer `l` on input `x`: the probed lists and their centroids
/// ([`verify_centroids`]), the selected rows and their patterns ([`verify_patterns`]),
/// then the output recomputed bit for bit. Returns the layer's link opening, after `prev`.
fn verify_lookup(spec: &LookupSpec, p: &LookupProof, l: u32, prev: Hash, x: &[i16]) -> Result<LinkOpening> {
    if x.len() != spec.params.d as usize {
        return Err(Error::WrongDimension { expected: spec.params.d, got: x.len() as u32 });
    }
    verify_centroids(spec, p, l)?;
    let (keys, values) = verify_patterns(spec, p, l)?;
    let (beta, e, normalize) = (spec.params.beta, spec.params.e as usize, spec.params.normalize);
    let output = layer::combine(x, &keys, &values, beta, e, normalize)?;
    Ok(LinkOpening { prev, layer: l, probed: p.probed.clone(), selected: p.selected.clone(), output })
}

/// Exactly `n_probe` probed lists, each a list of the layer, with one centroid of width
/// `d` each, under the centroids root.
fn verify_centroids(spec: &LookupSpec, p: &LookupProof, l: u32) -> Result<()> {
    let d = spec.params.d as usize;
    if p.probed.len() != spec.params.n_probe as usize {
        return Err(Error::ProbedListCount { layer: l, expected: spec.params.n_probe, got: p.probed.len() as u32 });
    }
    if let Some(&bad) = p.probed.iter().find(|&&j| j >= spec.lists()) {
        return Err(Error::ListOutOfRange { layer: l, list: bad });
    }
    if p.centroids.len() != p.probed.len() * d {
        return Err(Error::WrongDimension { expected: (p.probed.len() * d) as u32, got: p.centroids.len() as u32 });
    }
    let leaves = leaf_hashes(TreeKind::Centroids, l, &p.probed, &[&p.centroids])?;
    verify_multiproof(
        &spec.centroids_root,
        &p.probed,
        &leaves,
        &p.centroids_proof,
        spec.lists(),
        l,
        TreeKind::Centroids,
    )
}

/// Rows borrowed from a row-major matrix.
type Rows<'a> = Vec<&'a [i16]>;

/// Exactly `min(k, rows in the probed lists)` selected rows, every one in a probed list,
/// with a key of width `d` and a value of width `e` each, under the patterns root (no
/// hashes when nothing is selected). Returns the rows' keys and values.
fn verify_patterns<'a>(spec: &LookupSpec, p: &'a LookupProof, l: u32) -> Result<(Rows<'a>, Rows<'a>)> {
    let (d, e) = (spec.params.d as usize, spec.params.e as usize);
    let expected = spec.selected_count(&p.probed)?;
    if p.selected.len() != expected as usize {
        return Err(Error::SelectedCount { layer: l, expected, got: p.selected.len() as u32 });
    }
    for &r in &p.selected {
        match spec.list_of(r) {
            Some(j) if p.probed.binary_search(&j).is_ok() => {}
            _ => return Err(Error::RowNotInProbedList { layer: l, row: r }),
        }
    }
    if p.keys.len() != p.selected.len() * d || p.values.len() != p.selected.len() * e {
        return Err(Error::WrongDimension {
            expected: (p.selected.len() * (d + e)) as u32,
            got: (p.keys.len() + p.values.len()) as u32,
        });
    }
    let mut keys = Vec::with_capacity(p.selected.len());
    let mut values = Vec::with_capacity(p.selected.len());
    for n in 0..p.selected.len() as u32 {
        keys.push(row(&p.keys, d, n)?);
        values.push(row(&p.values, e, n)?);
    }
    let leaves = leaf_hashes(TreeKind::Patterns, l, &p.selected, &[&p.keys, &p.values])?;
    if !p.selected.is_empty() {
        verify_multiproof(
            &spec.patterns_root,
            &p.selected,
            &leaves,
            &p.patterns_proof,
            spec.rows(),
            l,
            TreeKind::Patterns,
        )?;
    } else if !p.patterns_proof.is_empty() {
        return Err(Error::WrongProofHashCount { expected: 0, got: p.patterns_proof.len() as u32 });
    }
    Ok((keys, values))
}
