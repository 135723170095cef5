//! The per-layer commitment hash chain a prover posts with a result.
//!
//! `seed = H(0x04 || model id || SCALE(input) || binding)`; link `l` opens to
//! `LinkOpening { prev, layer: l, probed P_l, selected S_l, output y_l }` and hashes to
//! `H(0x03 || SCALE(opening))`, where `prev` is link `l - 1` (the seed for `l = 0`). The
//! claim is the model output with all `L` links: a ghost proof must reproduce them, and an
//! exclusion fraud proof opens one (and its predecessor, for the layer's input).
//!
//! The `binding` names who answers: the chain binds a result to its prover's account (the
//! SCALE encoding of the account id), so that links copied from another prover's result
//! open to nothing under the copier's seed. Off-chain answers use the empty binding, whose
//! seed is `H(0x04 || model id || SCALE(input))`.

use crate::hash::{Blake2b256, Hash, ModelId, TAG_LINK, TAG_SEED};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// A model input: a token for models that start with an embedding, else a Q14 vector.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Input {
    /// A token id.
    Token(u32),
    /// A Q14 vector of the first layer's width.
    Vector(Vec<i16>),
}

/// What a prover committed to for one layer.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct LinkOpening {
    /// The previous link (the seed for layer 0).
    pub prev: Hash,
    /// The layer's position.
    pub layer: u32,
    /// Probed list ids, ascending (empty for an embedding).
    pub probed: Vec<u32>,
    /// Selected row ids, ascending (the token for an embedding).
    pub selected: Vec<u32>,
    /// The layer's output, after renormalisation if the layer renormalises.
    pub output: Vec<i16>,
}

impl LinkOpening {
    /// The link hash.
    pub fn hash(&self) -> Hash {
        let mut hasher = Blake2b256::tagged(TAG_LINK);
        self.encode_to(&mut hasher);
        hasher.finalize()
    }
}

/// The start of a chain bound to `binding` (on chain: the prover's encoded account id).
/// `SCALE(input)` is self-delimiting, so the binding is simply what follows it.
pub fn bound_seed(model: &ModelId, input: &Input, binding: &[u8]) -> Hash {
    let mut hasher = Blake2b256::tagged(TAG_SEED);
    hasher.update(model);
    input.encode_to(&mut hasher);
    hasher.update(binding);
    hasher.finalize()
}

/// A prover's answer as posted on chain: the output and the per-layer links.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Claim {
    /// The model output (Q14).
    pub output: Vec<i16>,
    /// Link hash of every layer, in order.
    pub links: Vec<Hash>,
}

/// A full trace: the opening of every link (kept by the prover, shown to challengers).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Trace {
    /// One opening per layer.
    pub openings: Vec<LinkOpening>,
}

impl Trace {
    /// The claim this trace commits to.
    pub fn claim(&self) -> Claim {
        Claim {
            output: self.openings.last().map(|o| o.output.clone()).unwrap_or_default(),
            links: self.openings.iter().map(LinkOpening::hash).collect(),
        }
    }
}
