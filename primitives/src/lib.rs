//! # Ghost primitives
//!
//! The one implementation of Ghostchain's model math, commitments and verifiers. The
//! runtime (wasm), the prover and the CLI (native) all call this crate, so a ghost proof
//! is accepted or rejected by the same code everywhere.
//!
//! Verifying starts from a [`Verifier`]: a validated ghost file with its model id.
//!
//! ```
//! use ghost_primitives::{testing, Shape, Verifier};
//!
//! // A prover's model (weights and trees) and one forward pass with its ghost proof.
//! let layer = Shape::new(64, 4).widths(8, 4).select(3, 2);
//! let model = testing::model(1, &[layer])?;
//! let input = testing::input(2, 8);
//! let (trace, proof) = model.prove(&input)?;
//!
//! // A client holds only the ghost file's bytes, the claim and the proof's bytes.
//! let file = codec::Encode::encode(model.ghost_file());
//! let verifier = Verifier::decode_expecting(&file, &model.id())?;
//! let claim = trace.claim();
//! verifier.verify(&[], &input, &claim, &proof.encode())?;
//!
//! // A changed output is caught.
//! let mut forged = claim.clone();
//! forged.output[0] ^= 1;
//! assert!(verifier.verify(&[], &input, &forged, &proof.encode()).is_err());
//! # Ok::<(), ghost_primitives::Error>(())
//! ```
//!
//! * [`params`]: a lookup layer's hyperparameters and the Q16 inverse temperature.
//! * [`fixed`]: the Q14 fixed-point format, integer `exp`, softmax mixing, renormalisation.
//! * [`layer`]: the sparse Hopfield lookup (lists, rows, ties to the lower index).
//! * [`merkle`]: domain-separated BLAKE2b-256 trees and hardened compact multiproofs.
//! * [`ghost_file`]: the model's architecture and roots; its hash is the model id.
//! * [`verifier`]: [`Verifier`], the one entry for ghost proofs and fraud proofs.
//! * [`proof`]: ghost proofs and their compact encoding.
//! * [`fraud`]: exclusion fraud proofs (excluded row, excluded list).
//! * [`trace`]: the per-layer commitment hash chain a prover posts with a result.
//! * [`model`]: weights plus trees: forward pass and proof generation (prover side).
//! * [`update`]: sparse updates that publish a new model version.
//! * [`commitment`]: the digests of commit-reveal registrations and disputes.
//! * [`testing`]: deterministic `no_std` models for runtime benchmarks and tests.
//! * [`quant`] (feature `float`): quantisation from f32 and its error against an f32
//!   reference.
//! * [`synthetic`] (feature `float`): seeded clustered models for tests, benchmarks and
//!   the CLI.
//!
//! The verifier modules (`params` to `trace`) use no floating point and import nothing of
//! `model`, `testing`, `quant` or `synthetic`. The exact byte formats and arithmetic are
//! specified in `docs/protocol.md` and `docs/ghost-file.md`; this crate is their
//! reference implementation, and `tests/known_answer.rs` pins its bytes.
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
pub mod params;
pub mod proof;
#[cfg(feature = "float")]
pub mod quant;
pub mod shape;
#[cfg(feature = "float")]
pub mod synthetic;
pub mod testing;
pub mod trace;
pub mod update;
pub mod verifier;

pub use error::{Error, ProofFault, Result, TreeKind};
pub use fraud::{decode_fraud, Evidence, FraudProof};
pub use ghost_file::{GhostFile, InputShape, LayerSpec, LookupSpec, ModelShape, ProofBound};
pub use hash::{Hash, ModelId};
pub use model::{LayerWeights, Model};
pub use params::{Beta, LookupParams};
pub use proof::GhostProof;
pub use shape::Shape;
pub use trace::{Claim, Input, LinkOpening, Trace};
pub use update::ModelUpdate;
pub use verifier::Verifier;

/// The README's Rust example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExample;

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
