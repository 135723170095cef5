//! # Ghost primitives
//!
//! The one implementation of Ghostchain's model math, commitments and verifiers. The
//! runtime (wasm), the prover and the CLI (native) all call this crate, so a ghost proof
//! is accepted or rejected by the same code everywhere.
//!
//! * [`fixed`]: the Q14 fixed-point format, integer `exp`, softmax mixing, renormalisation.
//! * [`layer`]: the sparse Hopfield lookup (lists, rows, ties to the lower index).
//! * [`merkle`]: domain-separated BLAKE2b-256 trees and hardened compact multiproofs.
//! * [`ghost_file`]: the model's architecture and roots; its hash is the model id.
//! * [`model`]: weights plus trees: forward pass and proof generation (prover side).
//! * [`trace`]: the per-layer commitment hash chain a prover posts with a result.
//! * [`proof`]: ghost proofs, their compact encoding and [`proof::verify`].
//! * [`fraud`]: exclusion fraud proofs (excluded row, excluded list).
//! * [`update`]: sparse updates that publish a new model version.
//! * [`quant`] (std): quantisation from f32 and its error against an f32 reference.
//! * [`synthetic`] (std): seeded clustered models for tests, benchmarks and the CLI.
//! * [`testing`]: deterministic `no_std` models for runtime benchmarks and pallet tests.
//!
//! The exact byte formats and arithmetic are specified in `docs/protocol.md` and
//! `docs/ghost-file.md`; this crate is their reference implementation.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod codec_util;
pub mod commitment;
pub mod error;
pub mod fixed;
pub mod fraud;
pub mod ghost_file;
pub mod hash;
pub mod layer;
pub mod merkle;
pub mod model;
pub mod proof;
#[cfg(feature = "std")]
pub mod quant;
pub mod shape;
#[cfg(feature = "std")]
pub mod synthetic;
pub mod testing;
pub mod trace;
pub mod update;

pub use error::{Error, Result};
pub use fraud::{verify_fraud, verify_fraud_bound, Evidence, FraudProof};
pub use ghost_file::{GhostFile, InputShape, LayerSpec, ModelId, ModelShape, ProofBound};
pub use hash::Hash;
pub use model::{LayerWeights, Model};
pub use proof::{verify, verify_bound, verify_claim, verify_claim_bound, GhostProof};
pub use shape::Shape;
pub use trace::{Claim, Input, LinkOpening};
pub use update::ModelUpdate;

/// Hard bounds on every size the protocol accepts. Decoders reject anything larger
/// before allocating for it; the chain may choose tighter bounds of its own.
pub mod limits {
    /// Layers in one model.
    pub const MAX_LAYERS: u32 = 32;
    /// Width of a key, value or centroid row (`d`, `e`).
    pub const MAX_DIM: u32 = 1024;
    /// Rows (`N`) of one pattern tree, or tokens of an embedding.
    pub const MAX_ROWS: u32 = 1 << 26;
    /// Inverted-file lists (`C`) of one layer.
    pub const MAX_LISTS: u32 = 1 << 16;
    /// Patterns used per layer (`k`).
    pub const MAX_K: u32 = 256;
    /// Lists probed per layer (`n_probe`).
    pub const MAX_N_PROBE: u32 = 256;
    /// Encoded ghost file.
    pub const MAX_GHOST_FILE_BYTES: usize = 1 << 20;
    /// Encoded ghost proof.
    pub const MAX_PROOF_BYTES: usize = 8 << 20;
    /// Model name in the ghost file.
    pub const MAX_NAME_BYTES: u32 = 128;
    /// SCALE nesting depth accepted when decoding protocol structures.
    pub const MAX_DECODE_DEPTH: u32 = 16;
}
