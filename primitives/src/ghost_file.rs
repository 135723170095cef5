//! The ghost file: a model's architecture and the roots of all its trees.
//!
//! SCALE-encoded, versioned, bounded by [`limits::MAX_GHOST_FILE_BYTES`]; the model id is
//! the BLAKE2b-256 of the encoded bytes. The byte layout is in `docs/ghost-file.md`.

use crate::{
    error::LayerRule,
    hash::{blake2_256, Hash},
    limits, Error, Result,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// A model's identity: BLAKE2b-256 of its encoded ghost file.
pub type ModelId = Hash;

/// First bytes of every ghost file.
pub const MAGIC: [u8; 4] = *b"GHST";
/// The format version this code reads and writes.
pub const VERSION: u8 = 1;

/// A model's architecture and commitments.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct GhostFile {
    /// Always [`MAGIC`].
    pub magic: [u8; 4],
    /// Always [`VERSION`].
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
    /// Key (and input, and centroid) width.
    pub d: u32,
    /// Value (and output) width.
    pub e: u32,
    /// Patterns used per lookup.
    pub k: u32,
    /// Inverse temperature, Q16.
    pub beta_q16: u32,
    /// Lists searched per lookup.
    pub n_probe: u32,
    /// Whether the output is renormalised to unit length.
    pub normalize: bool,
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
        Ok(total.min(self.k))
    }
}

impl LayerSpec {
    /// Input width (0 for an embedding, whose input is a token).
    pub fn input_dim(&self) -> u32 {
        match self {
            LayerSpec::Embedding(_) => 0,
            LayerSpec::Lookup(l) => l.d,
        }
    }

    /// Output width.
    pub fn output_dim(&self) -> u32 {
        match self {
            LayerSpec::Embedding(e) => e.dim,
            LayerSpec::Lookup(l) => l.e,
        }
    }

    /// Whether the output is renormalised.
    pub fn normalize(&self) -> bool {
        match self {
            LayerSpec::Embedding(e) => e.normalize,
            LayerSpec::Lookup(l) => l.normalize,
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
                len: bytes.len().min(u32::MAX as usize) as u32,
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
        let mut input = bytes;
        let file = Self::decode_all_with_depth_limit(limits::MAX_DECODE_DEPTH, &mut input)
            .map_err(|_| Error::GhostFileMalformed)?;
        file.validate()?;
        Ok(file)
    }

    /// Decode, and check that the bytes are the model `expected`.
    pub fn decode_expecting(bytes: &[u8], expected: &ModelId) -> Result<Self> {
        if bytes.len() <= limits::MAX_GHOST_FILE_BYTES && &blake2_256(bytes) != expected {
            return Err(Error::ModelIdMismatch);
        }
        Self::decode_bounded(bytes)
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
                len: self.encoded_size().min(u32::MAX as usize) as u32,
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
                    if !dim_ok(l.d) || !dim_ok(l.e) {
                        return bad(LayerRule::Dimension);
                    }
                    if prev_out.is_some_and(|p| p != l.d) {
                        return bad(LayerRule::Chain);
                    }
                    if l.k == 0 || l.k > limits::MAX_K {
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
                    if l.n_probe == 0 || l.n_probe > limits::MAX_N_PROBE || l.n_probe > lists {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(d: u32, e: u32) -> LayerSpec {
        LayerSpec::Lookup(LookupSpec {
            d,
            e,
            k: 2,
            beta_q16: 1 << 16,
            n_probe: 1,
            normalize: true,
            offsets: alloc::vec![0, 3, 5],
            patterns_root: [1; 32],
            centroids_root: [2; 32],
        })
    }

    #[test]
    fn round_trips_and_ids_bind_the_bytes() {
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![lookup(4, 8), lookup(8, 2)]);
        let bytes = file.encode();
        assert_eq!(&bytes[..5], b"GHST\x01");
        assert_eq!(GhostFile::decode_bounded(&bytes).unwrap(), file);
        assert_eq!(GhostFile::decode_expecting(&bytes, &file.id()).unwrap(), file);
        let mut other = bytes.clone();
        *other.last_mut().unwrap() ^= 1;
        assert_eq!(GhostFile::decode_expecting(&other, &file.id()), Err(Error::ModelIdMismatch));
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
        let mut bad_offsets = lookup(4, 4);
        if let LayerSpec::Lookup(l) = &mut bad_offsets {
            l.offsets = alloc::vec![0, 5, 3];
        }
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![bad_offsets]);
        assert_eq!(file.validate(), Err(Error::InvalidLayer { layer: 0, reason: LayerRule::Offsets }));
        let mut probe = lookup(4, 4);
        if let LayerSpec::Lookup(l) = &mut probe {
            l.n_probe = 3;
        }
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![probe]);
        assert_eq!(file.validate(), Err(Error::InvalidLayer { layer: 0, reason: LayerRule::NProbe }));
        let emb = LayerSpec::Embedding(EmbeddingSpec { rows: 3, dim: 4, normalize: false, patterns_root: [0; 32] });
        let file = GhostFile::new(b"m".to_vec(), alloc::vec![lookup(4, 4), emb]);
        assert_eq!(file.validate(), Err(Error::InvalidLayer { layer: 1, reason: LayerRule::EmbeddingPosition }));
        assert_eq!(GhostFile::new(b"m".to_vec(), alloc::vec![]).validate(), Err(Error::InvalidModel));
    }

    #[test]
    fn lists_locate_rows() {
        let LayerSpec::Lookup(l) = lookup(4, 4) else { unreachable!() };
        assert_eq!(l.list_of(0), Some(0));
        assert_eq!(l.list_of(2), Some(0));
        assert_eq!(l.list_of(3), Some(1));
        assert_eq!(l.list_of(4), Some(1));
        assert_eq!(l.list_of(5), None);
        assert_eq!(l.selected_count(&[1]).unwrap(), 2);
    }
}
