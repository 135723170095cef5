//! A model with its weights and trees: the prover's side of the protocol.
//!
//! [`Model::new`] turns weights into a ghost file (building every tree); [`Model::trace`]
//! runs the sparse forward pass and records what each layer used; [`Model::prove`] adds
//! the ghost proof; [`Model::find_fraud`] is the watcher's check of someone else's trace.

use crate::{
    error::TreeKind,
    fraud::{Evidence, ExcludedList, ExcludedRow, FraudProof},
    ghost_file::{EmbeddingSpec, GhostFile, LayerSpec, LookupSpec},
    hash::{Hash, ModelId},
    layer::{self, row},
    merkle::{leaf_hashes, Tree},
    params::LookupParams,
    proof::{EmbeddingProof, GhostProof, LayerProof, LookupProof},
    trace::{Input, LinkOpening, Trace},
    verifier::Verifier,
    Error, Result,
};
use alloc::vec::Vec;

/// One layer's weights, before commitment: its matrices (row-major, Q14) and the
/// hyperparameters they are used with. Its SCALE encoding is the `weights.scale` file of a
/// model directory (each variant encodes as its index, then its struct's fields in order).
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
pub enum LayerWeights {
    /// A token table.
    Embedding(EmbeddingWeights),
    /// A lookup layer's patterns and index.
    Lookup(LookupWeights),
}

/// An embedding's weights: one row per token.
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
pub struct EmbeddingWeights {
    /// Row width.
    pub dim: u32,
    /// Whether the output row is renormalised.
    pub normalize: bool,
    /// `rows x dim` entries.
    pub values: Vec<i16>,
}

/// A lookup layer's patterns and index, rows ordered by list as `offsets` says.
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
pub struct LookupWeights {
    /// Widths, `k`, `beta`, `n_probe`, renormalisation.
    pub params: LookupParams,
    /// `C + 1` list offsets.
    pub offsets: Vec<u32>,
    /// `N x d` keys.
    pub keys: Vec<i16>,
    /// `N x e` values.
    pub values: Vec<i16>,
    /// `C x d` centroids.
    pub centroids: Vec<i16>,
}

impl LayerWeights {
    /// The lookup layer's weights, if this is one.
    pub fn as_lookup(&self) -> Option<&LookupWeights> {
        match self {
            LayerWeights::Lookup(w) => Some(w),
            LayerWeights::Embedding(_) => None,
        }
    }

    /// [`LayerWeights::as_lookup`], mutably.
    pub fn as_lookup_mut(&mut self) -> Option<&mut LookupWeights> {
        match self {
            LayerWeights::Lookup(w) => Some(w),
            LayerWeights::Embedding(_) => None,
        }
    }
}

impl From<EmbeddingWeights> for LayerWeights {
    fn from(w: EmbeddingWeights) -> Self {
        LayerWeights::Embedding(w)
    }
}

impl From<LookupWeights> for LayerWeights {
    fn from(w: LookupWeights) -> Self {
        LayerWeights::Lookup(w)
    }
}

impl EmbeddingWeights {
    /// Build the layer's tree and spec.
    fn commit(&self, l: u32) -> Result<(LayerSpec, LayerTrees)> {
        let dim = self.dim as usize;
        if dim == 0 || self.values.is_empty() || !self.values.len().is_multiple_of(dim) {
            return Err(Error::WeightsMismatch { layer: l });
        }
        let patterns = Tree::from_leaves(&pattern_leaves(l, &[], 0, &self.values, dim)?)?;
        let spec = LayerSpec::Embedding(EmbeddingSpec {
            rows: patterns.len(),
            dim: self.dim,
            normalize: self.normalize,
            patterns_root: patterns.root(),
        });
        Ok((spec, LayerTrees { patterns, centroids: None }))
    }

    /// The row of token `t`.
    pub fn row(&self, t: u32) -> Result<&[i16]> {
        row(&self.values, self.dim as usize, t)
    }

    /// The output for token `t`.
    fn output(&self, t: u32) -> Result<Vec<i16>> {
        layer::finish(self.row(t)?.to_vec(), self.normalize)
    }
}

impl LookupWeights {
    /// Key row `i` (width `d`).
    pub fn key(&self, i: u32) -> Result<&[i16]> {
        row(&self.keys, self.params.d as usize, i)
    }

    /// Value row `i` (width `e`).
    pub fn value(&self, i: u32) -> Result<&[i16]> {
        row(&self.values, self.params.e as usize, i)
    }

    /// Value row `i`, mutably.
    pub fn value_mut(&mut self, i: u32) -> Result<&mut [i16]> {
        crate::layer::row_mut(&mut self.values, self.params.e as usize, i)
    }

    /// Centroid row `i` (width `d`).
    pub fn centroid(&self, i: u32) -> Result<&[i16]> {
        row(&self.centroids, self.params.d as usize, i)
    }

    /// Build the layer's trees and spec.
    fn commit(&self, l: u32) -> Result<(LayerSpec, LayerTrees)> {
        let (d, e) = (self.params.d as usize, self.params.e as usize);
        let n = self.offsets.last().copied().unwrap_or(0) as usize;
        let c = self.offsets.len().saturating_sub(1);
        if d == 0
            || e == 0
            || self.keys.len() != n.saturating_mul(d)
            || self.values.len() != n.saturating_mul(e)
            || self.centroids.len() != c.saturating_mul(d)
        {
            return Err(Error::WeightsMismatch { layer: l });
        }
        let patterns = Tree::from_leaves(&pattern_leaves(l, &self.keys, d, &self.values, e)?)?;
        let centroids = Tree::from_leaves(&centroid_leaves(l, &self.centroids, d)?)?;
        let spec = LayerSpec::Lookup(LookupSpec {
            params: self.params,
            offsets: self.offsets.clone(),
            patterns_root: patterns.root(),
            centroids_root: centroids.root(),
        });
        Ok((spec, LayerTrees { patterns, centroids: Some(centroids) }))
    }

    /// Number of lists `C`.
    fn lists(&self) -> u32 {
        self.offsets.len().saturating_sub(1) as u32
    }

    /// The honest probed lists and selected rows for input `x`.
    fn select(&self, x: &[i16]) -> Result<(Vec<u32>, Vec<u32>)> {
        let d = self.params.d as usize;
        if x.len() != d {
            return Err(Error::WrongDimension { expected: d as u32, got: x.len() as u32 });
        }
        let mut centroid_scores = Vec::new();
        crate::fixed::score_rows(x, &self.centroids, 0..self.lists(), &mut centroid_scores)?;
        let probed = layer::top(centroid_scores, self.params.n_probe as usize);
        let selected = layer::top(score_lists(x, &self.keys, &self.offsets, &probed)?, self.params.k as usize);
        Ok((probed, selected))
    }

    /// The output on input `x` over the rows `selected`.
    fn output(&self, x: &[i16], selected: &[u32]) -> Result<Vec<i16>> {
        let ks = selected.iter().map(|&i| self.key(i)).collect::<Result<Vec<_>>>()?;
        let vs = selected.iter().map(|&i| self.value(i)).collect::<Result<Vec<_>>>()?;
        layer::combine(x, &ks, &vs, self.params.beta, self.params.e as usize, self.params.normalize)
    }
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
            let (spec, tree) = match w {
                LayerWeights::Embedding(w) => w.commit(i as u32)?,
                LayerWeights::Lookup(w) => w.commit(i as u32)?,
            };
            specs.push(spec);
            trees.push(tree);
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

    /// The weights of lookup layer `layer`, or why there are none.
    pub fn lookup_weights(&self, layer: u32) -> Result<&LookupWeights> {
        self.weights.get(layer as usize).and_then(LayerWeights::as_lookup).ok_or(Error::NotALookupLayer { layer })
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

    /// The honest forward pass of a prover bound to `binding` (see [`Verifier::seed`]).
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
                LayerWeights::Embedding(w) => {
                    let Input::Token(t) = input else { return Err(Error::WrongInputKind) };
                    (Vec::new(), alloc::vec![*t], w.output(*t)?)
                }
                LayerWeights::Lookup(w) => {
                    let (mut probed, mut selected) = w.select(&x)?;
                    choose(l, &mut probed, &mut selected);
                    // Commitments list indices in ascending order, whatever the hook did.
                    probed.sort_unstable();
                    probed.dedup();
                    selected.sort_unstable();
                    selected.dedup();
                    let output = w.output(&x, &selected)?;
                    (probed, selected, output)
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
        self.lookup_weights(l)?.select(x)
    }

    /// The output of lookup layer `l` on input `x` over the rows `selected`.
    pub fn output(&self, l: u32, x: &[i16], selected: &[u32]) -> Result<Vec<i16>> {
        self.lookup_weights(l)?.output(x, selected)
    }

    /// The ghost proof of a trace (honest or not: the proof opens what the trace used).
    pub fn prove_trace(&self, trace: &Trace) -> Result<GhostProof> {
        let mut layers = Vec::with_capacity(trace.openings.len());
        for (i, (opening, w)) in trace.openings.iter().zip(&self.weights).enumerate() {
            let trees = self.trees.get(i).ok_or(Error::LayerKindMismatch { layer: i as u32 })?;
            // All probed lists may be empty: then nothing is selected and nothing opened.
            let patterns_proof =
                if opening.selected.is_empty() { Vec::new() } else { trees.patterns.prove(&opening.selected)? };
            let mismatch = Error::LayerKindMismatch { layer: i as u32 };
            layers.push(match w {
                LayerWeights::Embedding(w) => {
                    let token = *opening.selected.first().ok_or(mismatch)?;
                    let row = w.row(token)?.to_vec();
                    LayerProof::Embedding(EmbeddingProof { token, row, proof: patterns_proof })
                }
                LayerWeights::Lookup(w) => {
                    let centroids = trees.centroids.as_ref().ok_or(mismatch)?;
                    LayerProof::Lookup(w.open(opening, centroids, patterns_proof)?)
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
    pub fn find_fraud(&self, input: &Input, trace: &Trace) -> Result<Option<FraudProof>> {
        for (i, opening) in trace.openings.iter().enumerate() {
            let l = i as u32;
            let Some(LayerWeights::Lookup(w)) = self.weights.get(i) else { continue };
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
            if x.len() != w.params.d as usize {
                continue;
            }
            let Some(evidence) = w.evidence(l, &x, opening, &self.trees[i])? else { continue };
            return Ok(Some(FraudProof { layer: l, input_link, link: opening.clone(), evidence }));
        }
        Ok(None)
    }
}

// The prover's and the watcher's side of a lookup layer: what a trace used, opened, and
// what it should have used instead.
impl LookupWeights {
    /// The opening of the lists and rows `opening` used, with the patterns' multiproof.
    fn open(&self, opening: &LinkOpening, centroids: &Tree, patterns_proof: Vec<Hash>) -> Result<LookupProof> {
        let (d, e) = (self.params.d as usize, self.params.e as usize);
        Ok(LookupProof {
            probed: opening.probed.clone(),
            centroids: gather(&self.centroids, d, &opening.probed)?,
            centroids_proof: centroids.prove(&opening.probed)?,
            selected: opening.selected.clone(),
            keys: gather(&self.keys, d, &opening.selected)?,
            values: gather(&self.values, e, &opening.selected)?,
            patterns_proof,
        })
    }

    /// What `opening` (layer `l`, input `x` of width `d`) left out that it should not
    /// have: a list before a row. `None` when it chose correctly.
    fn evidence(&self, l: u32, x: &[i16], opening: &LinkOpening, trees: &LayerTrees) -> Result<Option<Evidence>> {
        let (honest_probed, _) = self.select(x)?;
        let list_swap = swap_pair(&honest_probed, &opening.probed).filter(|&(_, beaten)| beaten < self.lists());
        if let Some((excluded, beaten)) = list_swap {
            let centroids = trees.centroids.as_ref().ok_or(Error::NotALookupLayer { layer: l })?;
            return Ok(Some(Evidence::ExcludedList(self.excluded_list(excluded, beaten, centroids)?)));
        }
        // Best rows within the lists the prover committed to.
        let candidates = score_lists(x, &self.keys, &self.offsets, &opening.probed)?;
        let best = layer::top(candidates, opening.selected.len());
        let Some((excluded, beaten)) = swap_pair(&best, &opening.selected) else { return Ok(None) };
        if beaten >= trees.patterns.len() {
            return Ok(None);
        }
        Ok(Some(Evidence::ExcludedRow(self.excluded_row(excluded, beaten, &trees.patterns)?)))
    }

    /// The evidence that list `excluded` was left out for `beaten`.
    fn excluded_list(&self, excluded: u32, beaten: u32, centroids: &Tree) -> Result<ExcludedList> {
        Ok(ExcludedList {
            excluded,
            beaten,
            excluded_centroid: self.centroid(excluded)?.to_vec(),
            beaten_centroid: self.centroid(beaten)?.to_vec(),
            proof: centroids.prove(&sorted_pair(excluded, beaten))?,
        })
    }

    /// The evidence that row `excluded` was left out for `beaten`.
    fn excluded_row(&self, excluded: u32, beaten: u32, patterns: &Tree) -> Result<ExcludedRow> {
        Ok(ExcludedRow {
            excluded,
            beaten,
            excluded_key: self.key(excluded)?.to_vec(),
            excluded_value: self.value(excluded)?.to_vec(),
            beaten_key: self.key(beaten)?.to_vec(),
            beaten_value: self.value(beaten)?.to_vec(),
            proof: patterns.prove(&sorted_pair(excluded, beaten))?,
        })
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
