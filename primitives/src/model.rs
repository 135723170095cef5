//! A model with its weights and trees: the prover's side of the protocol.
//!
//! [`Model::new`] turns weights into a ghost file (building every tree); [`Model::trace`]
//! runs the sparse forward pass and records what each layer used; [`Model::prove`] adds
//! the ghost proof; [`Model::find_fraud`] is the watcher's check of someone else's trace.

use crate::{
    error::TreeKind,
    ghost_file::{EmbeddingSpec, GhostFile, LayerSpec, LookupSpec},
    hash::{Hash, ModelId},
    layer::{self, row},
    merkle::{leaf_hashes, Tree},
    params::LookupParams,
    proof::{GhostProof, LayerProof},
    trace::{Input, LinkOpening, Trace},
    verifier::Verifier,
    Error, Result,
};
use alloc::vec::Vec;

/// One layer's weights, before commitment: its matrices (row-major, Q14) and the
/// hyperparameters they are used with. Its SCALE encoding is the `weights.scale` file of a
/// model directory.
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
pub enum LayerWeights {
    /// A token table.
    Embedding {
        /// Row width.
        dim: u32,
        /// Whether the output row is renormalised.
        normalize: bool,
        /// `rows x dim` entries.
        values: Vec<i16>,
    },
    /// A lookup layer's patterns and index, rows ordered by list as `offsets` says.
    Lookup {
        /// Widths, `k`, `beta`, `n_probe`, renormalisation.
        params: LookupParams,
        /// `C + 1` list offsets.
        offsets: Vec<u32>,
        /// `N x d` keys.
        keys: Vec<i16>,
        /// `N x e` values.
        values: Vec<i16>,
        /// `C x d` centroids.
        centroids: Vec<i16>,
    },
}

/// A layer's trees: patterns, and centroids for lookups.
pub struct LayerTrees {
    /// Pattern (or embedding row) tree.
    pub patterns: Tree,
    /// Centroid tree (lookup layers only).
    pub centroids: Option<Tree>,
}

/// Rows hashed per batch when committing a layer: enough to keep every hash lane busy,
/// few enough that the batch's messages stay small.
const LEAF_BATCH: usize = 4096;

/// The pattern leaves of a layer (`d = 0` for an embedding table, which has no keys).
pub fn pattern_leaves(layer: u32, keys: &[i16], d: usize, values: &[i16], e: usize) -> Result<Vec<Hash>> {
    let rows = values.len() / e.max(1);
    batched_leaves(rows, |range, indices| {
        let key = keys.get(range.start * d..range.end * d).ok_or(Error::Overflow)?;
        let value = values.get(range.start * e..range.end * e).ok_or(Error::Overflow)?;
        leaf_hashes(TreeKind::Patterns, layer, indices, &[key, value])
    })
}

/// The centroid leaves of a layer.
pub fn centroid_leaves(layer: u32, centroids: &[i16], d: usize) -> Result<Vec<Hash>> {
    let count = centroids.len() / d.max(1);
    batched_leaves(count, |range, indices| {
        let rows = centroids.get(range.start * d..range.end * d).ok_or(Error::Overflow)?;
        leaf_hashes(TreeKind::Centroids, layer, indices, &[rows])
    })
}

/// The leaves of rows `0..count`, [`LEAF_BATCH`] rows at a time.
fn batched_leaves(
    count: usize,
    mut batch: impl FnMut(core::ops::Range<usize>, &[u32]) -> Result<Vec<Hash>>,
) -> Result<Vec<Hash>> {
    let mut leaves = Vec::with_capacity(count);
    let mut indices = Vec::with_capacity(LEAF_BATCH.min(count));
    for start in (0..count).step_by(LEAF_BATCH) {
        let end = (start + LEAF_BATCH).min(count);
        indices.clear();
        indices.extend((start..end).map(|i| i as u32));
        leaves.extend(batch(start..end, &indices)?);
    }
    Ok(leaves)
}

/// A committed model: ghost file, weights and trees.
pub struct Model {
    verifier: Verifier,
    weights: Vec<LayerWeights>,
    trees: Vec<LayerTrees>,
}

impl core::fmt::Debug for Model {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Weights and trees are large and private: show the identity only.
        f.debug_struct("Model").field("id", &self.id()).field("layers", &self.weights.len()).finish_non_exhaustive()
    }
}

/// Hook for [`Model::trace_with`]: sees and may change each lookup layer's probed lists
/// and selected rows before the layer's output is computed.
pub type Choice<'a> = &'a mut dyn FnMut(u32, &mut Vec<u32>, &mut Vec<u32>);

impl Model {
    /// Commit to `layers`: build every tree and the ghost file.
    pub fn new(name: Vec<u8>, layers: Vec<LayerWeights>) -> Result<Self> {
        let mut specs = Vec::with_capacity(layers.len());
        let mut trees = Vec::with_capacity(layers.len());
        for (i, w) in layers.iter().enumerate() {
            let l = i as u32;
            let mismatch = Error::WeightsMismatch { layer: l };
            match w {
                LayerWeights::Embedding { dim, normalize, values } => {
                    let dim_us = *dim as usize;
                    if dim_us == 0 || values.is_empty() || values.len() % dim_us != 0 {
                        return Err(mismatch);
                    }
                    let patterns = Tree::from_leaves(&pattern_leaves(l, &[], 0, values, dim_us)?)?;
                    specs.push(LayerSpec::Embedding(EmbeddingSpec {
                        rows: patterns.len(),
                        dim: *dim,
                        normalize: *normalize,
                        patterns_root: patterns.root(),
                    }));
                    trees.push(LayerTrees { patterns, centroids: None });
                }
                LayerWeights::Lookup { params, offsets, keys, values, centroids } => {
                    let (du, eu) = (params.d as usize, params.e as usize);
                    let n = offsets.last().copied().unwrap_or(0) as usize;
                    let c = offsets.len().saturating_sub(1);
                    if du == 0
                        || eu == 0
                        || keys.len() != n.saturating_mul(du)
                        || values.len() != n.saturating_mul(eu)
                        || centroids.len() != c.saturating_mul(du)
                    {
                        return Err(mismatch);
                    }
                    let patterns = Tree::from_leaves(&pattern_leaves(l, keys, du, values, eu)?)?;
                    let cents = Tree::from_leaves(&centroid_leaves(l, centroids, du)?)?;
                    specs.push(LayerSpec::Lookup(LookupSpec {
                        params: *params,
                        offsets: offsets.clone(),
                        patterns_root: patterns.root(),
                        centroids_root: cents.root(),
                    }));
                    trees.push(LayerTrees { patterns, centroids: Some(cents) });
                }
            }
        }
        let verifier = Verifier::new(GhostFile::new(name, specs))?;
        Ok(Self { verifier, weights: layers, trees })
    }

    /// Commit to `layers` and require the result to be the model `file` describes (its
    /// lineage fields included): how a prover loads weights for a registered model.
    pub fn for_ghost_file(file: Verifier, layers: Vec<LayerWeights>) -> Result<Self> {
        let mut model = Self::new(file.file().name.clone(), layers)?;
        let (built, wanted) = (&model.verifier.file().layers, &file.file().layers);
        if built.len() != wanted.len() {
            return Err(Error::WeightsMismatch { layer: built.len().min(wanted.len()) as u32 });
        }
        if let Some(l) = built.iter().zip(wanted).position(|(a, b)| a != b) {
            return Err(Error::WeightsMismatch { layer: l as u32 });
        }
        model.verifier = file;
        Ok(model)
    }

    /// The ghost file.
    pub fn ghost_file(&self) -> &GhostFile {
        self.verifier.file()
    }

    /// The model id.
    pub fn id(&self) -> ModelId {
        self.verifier.id()
    }

    /// The model's verifier: what clients and the chain check this model's proofs with.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The weights.
    pub fn weights(&self) -> &[LayerWeights] {
        &self.weights
    }

    /// The trees.
    pub fn trees(&self) -> &[LayerTrees] {
        &self.trees
    }

    /// The honest sparse forward pass, with what every layer used.
    pub fn trace(&self, input: &Input) -> Result<Trace> {
        self.trace_with(input, &mut |_, _, _| {})
    }

    /// The forward pass, letting `choose` override each lookup layer's lists and rows.
    /// Honest provers never do; tests and demos use it to play a cheating prover.
    pub fn trace_with(&self, input: &Input, choose: Choice<'_>) -> Result<Trace> {
        self.trace_bound_with(input, &[], choose)
    }

    /// The honest forward pass of a prover bound to `binding` (see [`crate::trace`]).
    pub fn trace_bound(&self, input: &Input, binding: &[u8]) -> Result<Trace> {
        self.trace_bound_with(input, binding, &mut |_, _, _| {})
    }

    /// [`Model::trace_with`] for a prover bound to `binding`.
    pub fn trace_bound_with(&self, input: &Input, binding: &[u8], choose: Choice<'_>) -> Result<Trace> {
        self.verifier.check_input(input)?;
        let mut prev = self.verifier.seed(input, binding);
        let mut x: Vec<i16> = match input {
            Input::Vector(v) => v.clone(),
            Input::Token(_) => Vec::new(),
        };
        let mut openings = Vec::with_capacity(self.weights.len());
        for (i, w) in self.weights.iter().enumerate() {
            let l = i as u32;
            let (probed, selected, output) = match w {
                LayerWeights::Embedding { dim, normalize, values } => {
                    let Input::Token(t) = input else { return Err(Error::WrongInputKind) };
                    let out = layer::finish(row(values, *dim as usize, *t)?.to_vec(), *normalize)?;
                    (Vec::new(), alloc::vec![*t], out)
                }
                LayerWeights::Lookup { .. } => {
                    let (mut probed, mut selected) = self.select(l, &x)?;
                    choose(l, &mut probed, &mut selected);
                    // Commitments list indices in ascending order, whatever the hook did.
                    probed.sort_unstable();
                    probed.dedup();
                    selected.sort_unstable();
                    selected.dedup();
                    let out = self.output(l, &x, &selected)?;
                    (probed, selected, out)
                }
            };
            let opening = LinkOpening { prev, layer: l, probed, selected, output };
            prev = opening.hash();
            x = opening.output.clone();
            openings.push(opening);
        }
        Ok(Trace { openings })
    }

    /// A lazy prover's trace of `input`, bound to `binding`: at lookup layer `layer` the
    /// best selected row is swapped for the first probed row left out. Any selected row
    /// outranks every row left out, so the trace is a provable exclusion, while its own
    /// ghost proof still verifies. `None` when `layer` is not a lookup layer or every
    /// probed row is selected (nothing to leave out). Honest provers never call it; tests,
    /// benchmarks, demos and `ghost serve --misbehave skip-best-row` play it.
    pub fn lazy_trace(&self, input: &Input, layer: u32, binding: &[u8]) -> Result<Option<Trace>> {
        let Ok(spec) = self.ghost_file().lookup(layer) else { return Ok(None) };
        let mut swapped = false;
        let trace = self.trace_bound_with(input, binding, &mut |l, probed, selected| {
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

    /// The honest probed lists and selected rows of lookup layer `l` for input `x`.
    pub fn select(&self, l: u32, x: &[i16]) -> Result<(Vec<u32>, Vec<u32>)> {
        let Some(LayerWeights::Lookup { params, offsets, keys, centroids, .. }) = self.weights.get(l as usize) else {
            return Err(Error::NotALookupLayer { layer: l });
        };
        let d = params.d as usize;
        if x.len() != d {
            return Err(Error::WrongDimension { expected: d as u32, got: x.len() as u32 });
        }
        let lists = offsets.len().saturating_sub(1) as u32;
        let mut centroid_scores = Vec::new();
        crate::fixed::score_rows(x, centroids, 0..lists, &mut centroid_scores)?;
        let probed = layer::top(centroid_scores, params.n_probe as usize);
        let selected = layer::top(score_lists(x, keys, offsets, &probed)?, params.k as usize);
        Ok((probed, selected))
    }

    /// The output of lookup layer `l` on input `x` over the rows `selected`.
    pub fn output(&self, l: u32, x: &[i16], selected: &[u32]) -> Result<Vec<i16>> {
        let Some(LayerWeights::Lookup { params, keys, values, .. }) = self.weights.get(l as usize) else {
            return Err(Error::NotALookupLayer { layer: l });
        };
        let (d, e) = (params.d as usize, params.e as usize);
        let ks = selected.iter().map(|&i| row(keys, d, i)).collect::<Result<Vec<_>>>()?;
        let vs = selected.iter().map(|&i| row(values, e, i)).collect::<Result<Vec<_>>>()?;
        layer::combine(x, &ks, &vs, params.beta, e, params.normalize)
    }

    /// The ghost proof of a trace (honest or not: the proof opens what the trace used).
    pub fn prove_trace(&self, trace: &Trace) -> Result<GhostProof> {
        let mut layers = Vec::with_capacity(trace.openings.len());
        for (i, (opening, w)) in trace.openings.iter().zip(&self.weights).enumerate() {
            let trees = self.trees.get(i).ok_or(Error::LayerKindMismatch { layer: i as u32 })?;
            // All probed lists may be empty: then nothing is selected and nothing opened.
            let patterns_proof =
                if opening.selected.is_empty() { Vec::new() } else { trees.patterns.prove(&opening.selected)? };
            layers.push(match w {
                LayerWeights::Embedding { dim, values, .. } => {
                    let token = *opening.selected.first().ok_or(Error::LayerKindMismatch { layer: i as u32 })?;
                    LayerProof::Embedding {
                        token,
                        row: row(values, *dim as usize, token)?.to_vec(),
                        proof: patterns_proof,
                    }
                }
                LayerWeights::Lookup { params, keys, values, centroids, .. } => {
                    let (d, e) = (params.d as usize, params.e as usize);
                    let cents = trees.centroids.as_ref().ok_or(Error::LayerKindMismatch { layer: i as u32 })?;
                    LayerProof::Lookup {
                        probed: opening.probed.clone(),
                        centroids: gather(centroids, d, &opening.probed)?,
                        centroids_proof: cents.prove(&opening.probed)?,
                        selected: opening.selected.clone(),
                        keys: gather(keys, d, &opening.selected)?,
                        values: gather(values, e, &opening.selected)?,
                        patterns_proof,
                    }
                }
            });
        }
        Ok(GhostProof { layers })
    }

    /// The honest trace and its ghost proof.
    pub fn prove(&self, input: &Input) -> Result<(Trace, GhostProof)> {
        let trace = self.trace(input)?;
        let proof = self.prove_trace(&trace)?;
        Ok((trace, proof))
    }

    /// Check someone's trace against the weights: the first lookup layer whose committed
    /// lists or rows are not the best ones for its committed input, as a fraud proof.
    /// `None` when every layer chose correctly (wrong outputs are for a ghost proof to show).
    pub fn find_fraud(&self, input: &Input, trace: &Trace) -> Result<Option<crate::FraudProof>> {
        for (i, opening) in trace.openings.iter().enumerate() {
            let l = i as u32;
            if !matches!(self.weights.get(i), Some(LayerWeights::Lookup { .. })) {
                continue;
            }
            let (x, input_link) = match i.checked_sub(1) {
                None => match input {
                    Input::Vector(v) => (v.clone(), None),
                    Input::Token(_) => return Err(Error::WrongInputKind),
                },
                Some(p) => {
                    let prev = trace.openings.get(p).ok_or(Error::LinkMismatch { layer: l })?;
                    (prev.output.clone(), Some(prev.clone()))
                }
            };
            let Some(LayerWeights::Lookup { params, offsets, keys, values, centroids, .. }) = self.weights.get(i)
            else {
                continue;
            };
            let (d, e) = (params.d as usize, params.e as usize);
            if x.len() != d {
                continue;
            }
            let (honest_probed, _) = self.select(l, &x)?;
            let lists = offsets.len().saturating_sub(1) as u32;
            let list_swap = swap_pair(&honest_probed, &opening.probed).filter(|&(_, beaten)| beaten < lists);
            let evidence = if let Some((excluded, beaten)) = list_swap {
                let idx = sorted_pair(excluded, beaten);
                let cents = self.trees[i].centroids.as_ref().ok_or(Error::NotALookupLayer { layer: l })?;
                crate::Evidence::ExcludedList {
                    excluded,
                    beaten,
                    excluded_centroid: row(centroids, d, excluded)?.to_vec(),
                    beaten_centroid: row(centroids, d, beaten)?.to_vec(),
                    proof: cents.prove(&idx)?,
                }
            } else {
                // Best rows within the lists the prover committed to.
                let candidates = score_lists(&x, keys, offsets, &opening.probed)?;
                let best = layer::top(candidates, opening.selected.len());
                let Some((excluded, beaten)) = swap_pair(&best, &opening.selected) else { continue };
                if beaten >= self.trees[i].patterns.len() {
                    continue;
                }
                let idx = sorted_pair(excluded, beaten);
                crate::Evidence::ExcludedRow {
                    excluded,
                    beaten,
                    excluded_key: row(keys, d, excluded)?.to_vec(),
                    excluded_value: row(values, e, excluded)?.to_vec(),
                    beaten_key: row(keys, d, beaten)?.to_vec(),
                    beaten_value: row(values, e, beaten)?.to_vec(),
                    proof: self.trees[i].patterns.prove(&idx)?,
                }
            };
            return Ok(Some(crate::FraudProof { layer: l, input_link, link: opening.clone(), evidence }));
        }
        Ok(None)
    }
}

/// `(score, row)` of every row in the given lists (ids that are not lists are skipped).
fn score_lists(x: &[i16], keys: &[i16], offsets: &[u32], lists: &[u32]) -> Result<Vec<(i64, u32)>> {
    let mut candidates = Vec::new();
    for &j in lists {
        let Some((&start, &end)) = offsets.get(j as usize).zip(offsets.get(j as usize + 1)) else { continue };
        crate::fixed::score_rows(x, keys, start..end, &mut candidates)?;
    }
    Ok(candidates)
}

/// An entry of `best` missing from `committed`, and an entry of `committed` missing from
/// `best` that it outranks (the worst such one is not needed: any will do).
fn swap_pair(best: &[u32], committed: &[u32]) -> Option<(u32, u32)> {
    let excluded = best.iter().find(|b| committed.binary_search(b).is_err())?;
    let beaten = committed.iter().find(|c| best.binary_search(c).is_err())?;
    Some((*excluded, *beaten))
}

fn sorted_pair(a: u32, b: u32) -> [u32; 2] {
    if a < b {
        [a, b]
    } else {
        [b, a]
    }
}

/// Rows `indices` of a row-major matrix, concatenated.
fn gather(matrix: &[i16], w: usize, indices: &[u32]) -> Result<Vec<i16>> {
    let mut out = Vec::with_capacity(indices.len() * w);
    for &i in indices {
        out.extend_from_slice(row(matrix, w, i)?);
    }
    Ok(out)
}
