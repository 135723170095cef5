//! The ghost file: a model's architecture and the roots of all its trees.
//!
//! SCALE-encoded, versioned, bounded by [`limits::MAX_GHOST_FILE_BYTES`]; the model id is
//! the BLAKE2b-256 of the encoded bytes. The byte layout is in `docs/ghost-file.md`.

use crate::{
    error::LayerRule,
    hash::{blake2_256, Hash, ModelId},
    limits,
    params::LookupParams,
    trace::Input,
    Error, Result,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// First bytes of every ghost file.
pub const MAGIC: [u8; 4] = *b"GHST";
/// The format version this code reads and writes.
pub const VERSION: u8 = 1;

/// A model's architecture and commitments.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct GhostFile {
    /// Always `GHST`.
    pub magic: [u8; 4],
    /// Always 1, the format version this code reads and writes.
    pub version: u8,
    /// A human-readable name (UTF-8 by convention, at most `MAX_NAME_BYTES`).
    pub name: Vec<u8>,
    /// The model id this version was derived from by a sparse update, if any.
    pub parent: Option<ModelId>,
    /// Hash of the data the model (or this update) was trained on, if declared.
    pub training_data: Option<Hash>,
    /// The layers, input first.
    pub layers: Vec<LayerSpec>,
}

/// One layer's architecture and roots.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum LayerSpec {
    /// Token id `t` to value row `t`.
    Embedding(EmbeddingSpec),
    /// A Modern-Hopfield lookup over an inverted-file index.
    Lookup(LookupSpec),
}

/// An embedding: `rows` value rows of width `dim`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct EmbeddingSpec {
    /// Number of tokens (rows).
    pub rows: u32,
    /// Row width.
    pub dim: u32,
    /// Whether the output row is renormalised to unit length.
    pub normalize: bool,
    /// Ghost root of the rows (pattern leaves with an empty key).
    pub patterns_root: Hash,
}

/// A lookup layer: `N` patterns (key `d`, value `e`) in `C` lists.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct LookupSpec {
    /// Widths, `k`, `beta`, `n_probe`, renormalisation (encoded as their six fields).
    pub params: LookupParams,
    /// `C + 1` row offsets: list `j` holds rows `offsets[j]..offsets[j + 1]`.
    pub offsets: Vec<u32>,
    /// Ghost root of the `N` pattern leaves (key row and value row together).
    pub patterns_root: Hash,
    /// Ghost root of the `C` centroid leaves.
    pub centroids_root: Hash,
}

impl LookupSpec {
    /// Number of lists `C`.
    pub fn lists(&self) -> u32 {
        self.offsets.len().saturating_sub(1) as u32
    }

    /// Number of patterns `N`.
    pub fn rows(&self) -> u32 {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// Rows of list `j`, if `j` is a list.
    pub fn list_range(&self, j: u32) -> Option<core::ops::Range<u32>> {
        let start = *self.offsets.get(j as usize)?;
        let end = *self.offsets.get(j as usize + 1)?;
        Some(start..end)
    }

    /// The list holding `row` (lists are contiguous and ordered).
    pub fn list_of(&self, row: u32) -> Option<u32> {
        if row >= self.rows() {
            return None;
        }
        // First offset strictly greater than `row`, minus one.
        let upper = self.offsets.partition_point(|&o| o <= row);
        Some(upper.checked_sub(1)? as u32)
    }

    /// `min(k, rows in the given lists)`: how many rows a lookup must select.
    pub fn selected_count(&self, probed: &[u32]) -> Result<u32> {
        let mut total: u32 = 0;
        for &j in probed {
            let range = self.list_range(j).ok_or(Error::Overflow)?;
            total = total.checked_add(range.end - range.start).ok_or(Error::Overflow)?;
        }
        Ok(total.min(self.params.k))
    }
}

impl LayerSpec {
    /// Input width (0 for an embedding, whose input is a token).
    pub fn input_dim(&self) -> u32 {
        match self {
            LayerSpec::Embedding(_) => 0,
            LayerSpec::Lookup(l) => l.params.d,
        }
    }

    /// Output width.
    pub fn output_dim(&self) -> u32 {
        match self {
            LayerSpec::Embedding(e) => e.dim,
            LayerSpec::Lookup(l) => l.params.e,
        }
    }

    /// Whether the output is renormalised.
    pub fn normalize(&self) -> bool {
        match self {
            LayerSpec::Embedding(e) => e.normalize,
            LayerSpec::Lookup(l) => l.params.normalize,
        }
    }
}

impl GhostFile {
    /// A version-1 ghost file with no lineage.
    pub fn new(name: Vec<u8>, layers: Vec<LayerSpec>) -> Self {
        Self { magic: MAGIC, version: VERSION, name, parent: None, training_data: None, layers }
    }

    /// The model id: BLAKE2b-256 of the encoding.
    pub fn id(&self) -> ModelId {
        blake2_256(&self.encode())
    }

    /// Decode and validate, rejecting oversized, malformed or inconsistent files.
    pub fn decode_bounded(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > limits::MAX_GHOST_FILE_BYTES {
            return Err(Error::GhostFileTooLarge {
                len: crate::limits::len_u32(bytes.len()),
                max: limits::MAX_GHOST_FILE_BYTES as u32,
            });
        }
        if bytes.get(..4) != Some(&MAGIC[..]) {
            return Err(Error::BadMagic);
        }
        match bytes.get(4) {
            Some(&VERSION) => {}
            Some(&version) => return Err(Error::UnsupportedVersion { version }),
            None => return Err(Error::GhostFileMalformed),
        }
        let file = Self::decode_unvalidated(bytes)?;
        file.validate()?;
        Ok(file)
    }

    /// The SCALE decoding alone (depth-limited, no trailing bytes), without the size and
    /// architecture checks: for bytes that were validated when they were stored.
    pub(crate) fn decode_unvalidated(bytes: &[u8]) -> Result<Self> {
        let mut input = bytes;
        Self::decode_all_with_depth_limit(limits::MAX_DECODE_DEPTH, &mut input).map_err(|_| Error::GhostFileMalformed)
    }

    /// Check every architectural rule (`docs/ghost-file.md`, "Validity").
    pub fn validate(&self) -> Result<()> {
        if self.magic != MAGIC {
            return Err(Error::BadMagic);
        }
        if self.version != VERSION {
            return Err(Error::UnsupportedVersion { version: self.version });
        }
        if self.layers.is_empty()
            || self.layers.len() > limits::MAX_LAYERS as usize
            || self.name.len() > limits::MAX_NAME_BYTES as usize
        {
            return Err(Error::InvalidModel);
        }
        if self.encoded_size() > limits::MAX_GHOST_FILE_BYTES {
            return Err(Error::GhostFileTooLarge {
                len: crate::limits::len_u32(self.encoded_size()),
                max: limits::MAX_GHOST_FILE_BYTES as u32,
            });
        }
        let dim_ok = |x: u32| (1..=limits::MAX_DIM).contains(&x);
        let mut prev_out: Option<u32> = None;
        for (i, layer) in self.layers.iter().enumerate() {
            let layer_no = i as u32;
            let bad = |reason| Err(Error::InvalidLayer { layer: layer_no, reason });
            match layer {
                LayerSpec::Embedding(e) => {
                    if i != 0 {
                        return bad(LayerRule::EmbeddingPosition);
                    }
                    if !dim_ok(e.dim) {
                        return bad(LayerRule::Dimension);
                    }
                    if e.rows == 0 || e.rows > limits::MAX_ROWS {
                        return bad(LayerRule::Rows);
                    }
                }
                LayerSpec::Lookup(l) => {
                    if !dim_ok(l.params.d) || !dim_ok(l.params.e) {
                        return bad(LayerRule::Dimension);
                    }
                    if prev_out.is_some_and(|p| p != l.params.d) {
                        return bad(LayerRule::Chain);
                    }
                    if l.params.k == 0 || l.params.k > limits::MAX_K {
                        return bad(LayerRule::K);
                    }
                    let lists = l.lists();
                    if l.offsets.len() < 2
                        || lists > limits::MAX_LISTS
                        || l.offsets.first() != Some(&0)
                        || l.offsets.windows(2).any(|w| w[0] > w[1])
                    {
                        return bad(LayerRule::Offsets);
                    }
                    if l.rows() == 0 || l.rows() > limits::MAX_ROWS {
                        return bad(LayerRule::Rows);
                    }
                    if l.params.n_probe == 0 || l.params.n_probe > limits::MAX_N_PROBE || l.params.n_probe > lists {
                        return bad(LayerRule::NProbe);
                    }
                }
            }
            prev_out = Some(layer.output_dim());
        }
        Ok(())
    }

    /// The lookup layer at `layer`, or why there is none.
    pub fn lookup(&self, layer: u32) -> Result<&LookupSpec> {
        match self.layers.get(layer as usize) {
            Some(LayerSpec::Lookup(l)) => Ok(l),
            _ => Err(Error::NotALookupLayer { layer }),
        }
    }

    /// Width of the model's output.
    pub fn output_dim(&self) -> u32 {
        self.layers.last().map(LayerSpec::output_dim).unwrap_or(0)
    }

    /// What the chain keeps of this model besides its bytes.
    pub fn shape(&self) -> Option<ModelShape> {
        Some(ModelShape {
            layers: u32::try_from(self.layers.len()).ok()?,
            input: InputShape::of(self)?,
            output_dim: self.output_dim(),
            file_bytes: u32::try_from(self.encoded_size()).ok()?,
            proof: self.proof_bound(),
        })
    }

    /// Upper bounds on any ghost proof of this model that the verifier can accept, and on
    /// the work of verifying it, from the shape alone. The chain refuses to register a
    /// model whose bound exceeds its limits, so that an honest prover can always post its
    /// proof and the verification's weight is known before dispatch.
    pub fn proof_bound(&self) -> ProofBound {
        let mut b = ProofBound::default();
        // Version byte and layer count.
        b.add_bytes(1 + VARINT_MAX);
        for layer in &self.layers {
            match layer {
                LayerSpec::Embedding(s) => {
                    b.add_bytes(1 + VARINT_MAX);
                    b.add_opening(1, u64::from(s.rows), 0, u64::from(s.dim));
                }
                LayerSpec::Lookup(s) => {
                    let (d, e) = (u64::from(s.params.d), u64::from(s.params.e));
                    // Kind byte; every opened row is matched against the input (d products).
                    b.add_bytes(1);
                    b.add_opening(u64::from(s.params.n_probe), u64::from(s.lists()), d, 0);
                    let selected = u64::from(s.params.k).min(u64::from(s.rows()));
                    b.add_opening(selected, u64::from(s.rows()), d, e);
                    b.products = b.products.saturating_add(selected.saturating_mul(e));
                }
            }
        }
        b
    }
}

/// The summary of a model that the chain keeps beside its ghost file: enough to check a
/// request's input and a result's shape, and to bound a proof's size and verification
/// work, without decoding the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub struct ModelShape {
    /// Number of layers, and so of commitment links in a claim.
    pub layers: u32,
    /// What the first layer takes.
    pub input: InputShape,
    /// Width of the output.
    pub output_dim: u32,
    /// Encoded size of the ghost file (what loading it for a verification costs).
    pub file_bytes: u32,
    /// Worst-case proof size and verification work.
    pub proof: ProofBound,
}

/// What a model takes as input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum InputShape {
    /// A token id below `rows` (the model starts with an embedding).
    Token {
        /// Rows of the embedding.
        rows: u32,
    },
    /// A Q14 vector of width `dim`.
    Vector {
        /// The width.
        dim: u32,
    },
}

impl InputShape {
    /// The input of `file`'s first layer (`None` for a file without layers).
    pub fn of(file: &GhostFile) -> Option<Self> {
        Some(match file.layers.first()? {
            LayerSpec::Embedding(e) => InputShape::Token { rows: e.rows },
            LayerSpec::Lookup(l) => InputShape::Vector { dim: l.params.d },
        })
    }

    /// Whether `input` fits, or why not.
    pub fn check(&self, input: &Input) -> Result<()> {
        match (self, input) {
            (InputShape::Token { rows }, Input::Token(t)) if t >= rows => {
                Err(Error::TokenOutOfRange { token: *t, rows: *rows })
            }
            (InputShape::Vector { dim }, Input::Vector(v)) if v.len() != *dim as usize => {
                Err(Error::WrongDimension { expected: *dim, got: crate::limits::len_u32(v.len()) })
            }
            (InputShape::Token { .. }, Input::Token(_)) | (InputShape::Vector { .. }, Input::Vector(_)) => Ok(()),
            _ => Err(Error::WrongInputKind),
        }
    }
}

/// Longest LEB128 varint of a `u32` (indices, counts, zigzag row entries).
const VARINT_MAX: u64 = 5;
/// Longest zigzag varint of a row entry's difference (`|diff| <= 65535`).
const ENTRY_MAX: u64 = 3;

/// Worst-case size and verification work of a model's ghost proofs
/// ([`GhostFile::proof_bound`]). Every figure saturates rather than overflows.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct ProofBound {
    /// Encoded bytes of the largest proof.
    pub bytes: u64,
    /// BLAKE2b compressions: every opened leaf (128 bytes a block) and every inner node
    /// recomputed on the way to the roots.
    pub compressions: u64,
    /// Fixed-point multiply-adds: scores of the opened rows and the value mix.
    pub products: u64,
}

impl ProofBound {
    fn add_bytes(&mut self, n: u64) {
        self.bytes = self.bytes.saturating_add(n);
    }

    /// `m` leaves opened from a tree of `n`, each with a key part of width `key` (scored
    /// against the input) and a value part of width `value`: indices, rows and a compact
    /// multiproof, which holds at most `m` hashes per level and at most `n - m` in all
    /// (each covers a disjoint subtree of unopened leaves).
    fn add_opening(&mut self, m: u64, n: u64, key: u64, value: u64) {
        let width = key.saturating_add(value);
        let depth = u64::from(u64::BITS - n.saturating_sub(1).leading_zeros());
        let hashes = m.saturating_mul(depth).min(n.saturating_sub(m));
        let rows = m.saturating_mul(width).saturating_mul(ENTRY_MAX);
        self.add_bytes(
            VARINT_MAX
                .saturating_add(m.saturating_mul(VARINT_MAX))
                .saturating_add(rows)
                .saturating_add(VARINT_MAX)
                .saturating_add(hashes.saturating_mul(32)),
        );
        // A leaf is 10 bytes of header and 2 bytes an entry; a node one block.
        let leaf_blocks = width.saturating_mul(2).saturating_add(10).div_ceil(128).max(1);
        self.compressions = self
            .compressions
            .saturating_add(m.saturating_mul(leaf_blocks))
            .saturating_add(m.saturating_add(hashes))
            .saturating_add(1);
        self.products = self.products.saturating_add(m.saturating_mul(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Beta, LookupParams};

    fn lookup_spec(d: u32, e: u32) -> LookupSpec {
        LookupSpec {
            params: LookupParams { d, e, k: 2, beta: Beta::from_int(1), n_probe: 1, normalize: true },
            offsets: alloc::vec![0, 3, 5],
            patterns_root: [1; 32],
            centroids_root: [2; 32],
        }
    }

    fn lookup(d: u32, e: u32) -> LayerSpec {
        LayerSpec::Lookup(lookup_spec(d, e))
    }

    #[test]
    fn round_trips_and_ids_bind_the_bytes() {
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![lookup(4, 8), lookup(8, 2)]);
        let bytes = file.encode();
        assert_eq!(&bytes[..5], b"GHST\x01");
        assert_eq!(GhostFile::decode_bounded(&bytes).unwrap(), file);
        assert_eq!(crate::Verifier::decode_expecting(&bytes, &file.id()).unwrap().file(), &file);
        let mut other = bytes.clone();
        *other.last_mut().unwrap() ^= 1;
        assert_eq!(crate::Verifier::decode_expecting(&other, &file.id()), Err(Error::ModelIdMismatch));
    }

    #[test]
    fn rejects_malformed_files() {
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![lookup(4, 8)]);
        let bytes = file.encode();
        assert_eq!(GhostFile::decode_bounded(&bytes[..bytes.len() - 1]), Err(Error::GhostFileMalformed));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(GhostFile::decode_bounded(&trailing), Err(Error::GhostFileMalformed));
        assert_eq!(GhostFile::decode_bounded(b"NOPE\x01"), Err(Error::BadMagic));
        assert_eq!(GhostFile::decode_bounded(b"GHST\x02"), Err(Error::UnsupportedVersion { version: 2 }));
        let huge = alloc::vec![0u8; limits::MAX_GHOST_FILE_BYTES + 1];
        assert!(matches!(GhostFile::decode_bounded(&huge), Err(Error::GhostFileTooLarge { .. })));
    }

    #[test]
    fn rejects_inconsistent_architectures() {
        let chain = GhostFile::new(b"m".to_vec(), alloc::vec![lookup(4, 8), lookup(4, 2)]);
        assert_eq!(chain.validate(), Err(Error::InvalidLayer { layer: 1, reason: LayerRule::Chain }));
        let bad_offsets = LookupSpec { offsets: alloc::vec![0, 5, 3], ..lookup_spec(4, 4) };
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![LayerSpec::Lookup(bad_offsets)]);
        assert_eq!(file.validate(), Err(Error::InvalidLayer { layer: 0, reason: LayerRule::Offsets }));
        let mut probe = lookup_spec(4, 4);
        probe.params.n_probe = 3;
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![LayerSpec::Lookup(probe)]);
        assert_eq!(file.validate(), Err(Error::InvalidLayer { layer: 0, reason: LayerRule::NProbe }));
        let emb = LayerSpec::Embedding(EmbeddingSpec { rows: 3, dim: 4, normalize: false, patterns_root: [0; 32] });
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![lookup(4, 4), emb]);
        assert_eq!(file.validate(), Err(Error::InvalidLayer { layer: 1, reason: LayerRule::EmbeddingPosition }));
        assert_eq!(GhostFile::new(b"m".to_vec(), alloc::vec![]).validate(), Err(Error::InvalidModel));
    }

    #[test]
    fn lists_locate_rows() {
        let l = lookup_spec(4, 4);
        assert_eq!(l.list_of(0), Some(0));
        assert_eq!(l.list_of(2), Some(0));
        assert_eq!(l.list_of(3), Some(1));
        assert_eq!(l.list_of(4), Some(1));
        assert_eq!(l.list_of(5), None);
        assert_eq!(l.selected_count(&[1]).unwrap(), 2);
    }
}
