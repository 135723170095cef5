//! # ghost-model
//!
//! Model tooling: everything that makes, changes or stores a committed model. Whether a
//! model or a proof is valid is decided in `ghost-primitives`; this crate turns f32
//! matrices into committed models and keeps them on disk. It knows nothing of the chain,
//! of serving or of the network, and it prints nothing: long work shows an `indicatif`
//! bar on stderr (hidden by [`progress::set_quiet`]) and logs through `tracing`.
//!
//! * [`import`]: f32 matrices from `.safetensors`, `.npy` or CSV.
//! * [`kmeans`]: the inverted-file index (spherical k-means, ndarray).
//! * [`build`]: matrices to a committed, list-ordered, quantised model.
//! * [`source`]: what `ghost model build` builds from (files, synthetic data, digits).
//! * [`store`]: the model directory (ghost file, weights, manifest).
//! * [`digits`]: the digits classifier and its accuracy against f32.
//! * [`tune`]: sparse fine-tuning of value rows, and federated merging of tunings.
//! * [`update`]: the sparse update between two versions of a model.
//! * [`progress`]: progress bars, and the one switch that hides them.

pub mod build;
pub mod digits;
pub mod import;
pub mod kmeans;
pub mod progress;
pub mod source;
pub mod store;
pub mod tune;
pub mod update;
