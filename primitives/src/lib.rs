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
//! ## The API
//!
//! Everything is imported from the crate root or one of its namespaces below, one path per
//! name; the other modules are private, for reading. The root holds:
//!
//! * verifying: [`Verifier`], [`GhostFile`] and its [`LayerSpec`] ([`EmbeddingSpec`],
//!   [`LookupSpec`]), [`ModelShape`], [`InputShape`], [`ProofBound`]; [`GhostProof`] and
//!   its [`LayerProof`] ([`EmbeddingProof`], [`LookupProof`]); [`FraudProof`] and its
//!   [`Evidence`] ([`ExcludedRow`], [`ExcludedList`]), [`decode_fraud`];
//! * the commitment chain: [`Input`], [`Claim`], [`LinkOpening`], [`Trace`];
//! * a layer's hyperparameters: [`LookupParams`], [`Beta`] (and [`BetaParseError`]);
//! * hashing: [`Hash`](type@Hash), [`ModelId`], [`blake2_256`], [`Blake2b256`], [`leaf_hash`];
//! * errors: [`Error`], [`Result`], and the enums it names: [`ProofFault`], [`TreeKind`],
//!   [`LayerRule`];
//! * proving: [`Model`] and its [`LayerWeights`] ([`EmbeddingWeights`],
//!   [`LookupWeights`]), [`LayerTrees`], [`Tree`]; [`Shape`], what the generators take;
//!   [`ModelUpdate`] and [`UpdatedRow`], sparse updates that publish a new version;
//! * with `std`: [`hex0x`], [`parse_hash`] and [`HexError`], the `0x`-hex text of hashes;
//! * with `quant` (and so with `float`), quantisation: `FloatLayer` (`FloatEmbedding`, `FloatLookup`),
//!   `FloatInput`, `quantise` (and `QuantStats`), `quantise_input`, `quantise_vector`, `normalise`, `l2_norm`,
//!   `q14`, `to_f32`; the f32 reference and its error: `reference_forward`,
//!   `error_report` (and `ErrorReport`), `argmax`.
//!
//! Groups whose names would be unclear at the root keep a namespace:
//!
//! * [`limits`]: the protocol's size bounds;
//! * [`commitment`]: the digests of commit-reveal registrations and disputes;
//! * [`channel`]: payment channels' signed vouchers and receipts, and the judgement of a
//!   receipt against its evidence;
//! * [`ranking`]: the forward pass's scores (`dot`, `score_rows`), top-`n` and softmax
//!   weights (`softmax_q30`), for tools comparing a lookup with the exact top-k and for
//!   displays of what a proof opened;
//! * [`testing`]: deterministic `no_std` models for runtime benchmarks and tests;
//! * `synthetic` (feature `float`): seeded clustered models for tests, benchmarks and
//!   the CLI.
//!
//! The verifier side (hyperparameters, fixed point, ranking, hashing, Merkle trees, the
//! ghost file, the chain, proofs and fraud proofs, the verifier) uses no floating point
//! and imports nothing of the prover side (`model`, `testing`, `quant`, `synthetic`). The
//! exact byte formats and arithmetic are specified in `docs/protocol.md` and
//! `docs/ghost-file.md`; this crate is their reference implementation, and
//! `tests/known_answer.rs` pins its bytes.
//!
//! ## Features
//!
//! | Feature | Adds | Enabled by |
//! |---|---|---|
//! | (none) | Everything above but the rows below: `no_std` + `alloc`, integer arithmetic only; builds for `wasm32-unknown-unknown` | the runtime's wasm build, the pallets and the runtime API (`default-features = false`), the wasm test harness |
//! | `std` (default) | `std` for every dependency; the scoring loop compiled for AVX-512, AVX2 and the baseline, chosen at run time (`multiversion`); `std::error::Error` for [`Error`]; [`hex0x`], [`parse_hash`], [`HexError`] (`hex`) | the native runtime, pallets and runtime API (through their own `std`), the node, every off-chain crate |
//! | `quant` (implies `std`) | quantisation (`FloatLayer`, `quantise`, `q14`, `quantise_vector`, …), the f32 reference, `Beta::to_f32`: floats without randomness | clients that quantise their own inputs (the browser verifier, `crates/verify-js`) |
//! | `float` (implies `quant`) | `synthetic`: randomness (`rand`, `rand_chacha`), for tooling only; the verifier never needs it | off-chain crates that build, quantise or generate models (model building, the client, the CLI) |
//! | `cli` (implies `std`) | [`LookupParams`] as a clap argument group (`clap`) | the crates whose command line takes a layer's hyperparameters (model building, the CLI) |
//!
//! As the workspace stands: the runtime, the pallets and the runtime API enable none in
//! wasm and `std` natively; the node and `ghost-prover` enable `std`; `ghost-client`
//! `std` + `float`; `ghost-model` and the CLI (`ghost-cli`) `std` + `float` + `cli`;
//! the browser verifier (`ghost-verify`) `std` + `quant`. This
//! crate's own property tests, benchmark and example need `float`.
//!
//! `std` alone does not bring in floating point or randomness:
//! `cargo tree -p ghost-primitives --no-default-features --features std` lists no `rand`.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod channel;
mod codec_util;
pub mod commitment;
mod error;
mod fixed;
mod fraud;
mod ghost_file;
mod hash;
#[cfg(feature = "std")]
mod hex_text;
mod layer;
mod merkle;
mod model;
mod params;
mod proof;
#[cfg(feature = "quant")]
mod quant;
mod shape;
#[cfg(feature = "float")]
pub mod synthetic;
pub mod testing;
mod trace;
mod update;
mod verifier;

pub use error::{Error, LayerRule, ProofFault, Result, TreeKind};
pub use fraud::{decode_fraud, Evidence, ExcludedList, ExcludedRow, FraudProof};
pub use ghost_file::{EmbeddingSpec, GhostFile, InputShape, LayerSpec, LookupSpec, ModelShape, ProofBound};
pub use hash::{blake2_256, Blake2b256, Hash, ModelId};
#[cfg(feature = "std")]
pub use hex_text::{hex0x, parse_hash, HexError};
pub use layer::{row, row_mut};
pub use merkle::{leaf_hash, Tree};
pub use model::{EmbeddingWeights, LayerTrees, LayerWeights, LookupWeights, Model};
pub use params::{Beta, BetaParseError, LookupParams};
pub use proof::{EmbeddingProof, GhostProof, LayerProof, LookupProof};
#[cfg(feature = "quant")]
pub use quant::{
    argmax, error_report, l2_norm, normalise, q14, quantise, quantise_input, quantise_vector, reference_forward,
    to_f32, ErrorReport, FloatEmbedding, FloatInput, FloatLayer, FloatLookup, QuantStats,
};
pub use shape::Shape;
pub use trace::{Claim, Input, LinkOpening, Trace};
pub use update::{ModelUpdate, UpdatedRow};
pub use verifier::Verifier;

/// Scoring rows against an input, ranking them and weighing them, exactly as a lookup
/// layer does: for tools that compare a lookup's selection with the exact top-k over every
/// row, and for displays of what a proof opened.
pub mod ranking {
    pub use crate::{
        fixed::{dot, score_rows, softmax_q30},
        layer::top,
    };
}

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
    /// The largest SCALE-encoded exclusion fraud proof within these limits: the accused
    /// layer (4), two link openings (an optional one: 1 more), the evidence's tag (1) and
    /// the larger evidence, an excluded row: two indices, four rows and a multiproof of two
    /// leaves in the deepest tree. A chain that admits this many bytes can take a report
    /// against any result (checked against real fraud proofs in `fraud.rs`' tests).
    pub const MAX_FRAUD_PROOF_BYTES: usize = {
        // compact length prefixes: 2 bytes up to 16,383 entries, 1 up to 63
        let link = 32 + 4 + (2 + 4 * MAX_N_PROBE as usize) + (2 + 4 * MAX_K as usize) + (2 + 2 * MAX_DIM as usize);
        let row = 2 + 2 * MAX_DIM as usize;
        let depth = 26; // MAX_ROWS = 2^26
        let excluded_row = 4 + 4 + 4 * row + 1 + 2 * depth * 32;
        4 + 1 + 2 * link + 1 + excluded_row
    };
    /// Model name in the ghost file.
    pub const MAX_NAME_BYTES: u32 = 128;
    /// SCALE nesting depth accepted when decoding protocol structures.
    pub const MAX_DECODE_DEPTH: u32 = 16;

    /// A length as errors report it: lengths past `u32::MAX` are reported as `u32::MAX`.
    pub fn len_u32(len: usize) -> u32 {
        u32::try_from(len).unwrap_or(u32::MAX)
    }
}
