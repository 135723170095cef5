//! # ghost-prover
//!
//! The library behind the `ghost` CLI. Everything that decides whether a proof is valid
//! lives in `ghost-primitives`; this crate builds committed models from real matrices,
//! stores and loads them, serves proven inference over JSON-RPC, verifies answers on the
//! client side, and measures the whole thing.
//!
//! * [`import`]: f32 matrices from `.safetensors`, `.npy` or CSV.
//! * [`kmeans`]: the inverted-file index (spherical k-means, ndarray).
//! * [`build`]: matrices to a committed, list-ordered, quantised model.
//! * [`store`]: the model directory (ghost file, weights, manifest).
//! * [`digits`]: the digits classifier and its accuracy against f32.
//! * [`wire`]: JSON forms of inputs, answers and saved responses.
//! * [`rpc`]: the JSON-RPC API, its server and its client.
//! * [`client`]: call a prover and verify its answer.
//! * [`chain`]: the chain client (subxt, from the runtime's metadata): keys, transactions, reads.
//! * [`journal`]: the prover daemon's durable record of the results it posted.
//! * [`daemon`]: `ghost prover run`, the on-chain prover.
//! * [`watcher`]: `ghost watch`, which recomputes posted results and disputes wrong ones.
//! * [`onchain`]: the chain commands (models, credit, paid inference).
//! * [`update`]: the sparse update between two versions of a model.
//! * [`bench`]: sparse-with-proof against dense, recall, proof size, memory.

pub mod bench;
pub mod build;
pub mod chain;
pub mod client;
pub mod daemon;
pub mod digits;
pub mod import;
pub mod journal;
pub mod kmeans;
pub mod onchain;
pub mod progress;
pub mod rpc;
pub mod serve_bench;
pub mod store;
pub mod tune;
pub mod update;
pub mod watcher;
pub mod wire;
