//! # ghost-client
//!
//! The library an application links to pay for inference and check it: the chain client,
//! keys, typed reads of the three pallets, paid inference, the reporter's side of disputes,
//! prover discovery, and answer verification through [`ghost_primitives::Verifier`]. It
//! prints nothing: every call returns a typed report or an error that is a sentence, and
//! long flows report their steps as typed events to a closure the caller passes.
//!
//! An application finds a model's provers on chain, asks one, and verifies the answer
//! before it trusts it:
//!
//! ```
//! use ghost_client::{answer, provers, wire::Answer};
//! use ghost_primitives::{testing, Shape, Verifier};
//! # use ghost_client::api::{Entry, GhostRpcServer, Health};
//! # use jsonrpsee::core::{async_trait, RpcResult};
//! # struct Toy(ghost_primitives::Model);
//! # #[async_trait]
//! # impl GhostRpcServer for Toy {
//! #     async fn health(&self) -> RpcResult<Health> { unimplemented!() }
//! #     async fn models(&self) -> RpcResult<Vec<String>> { unimplemented!() }
//! #     async fn ghost_file(&self, _: Option<String>) -> RpcResult<String> { unimplemented!() }
//! #     async fn proof(&self, _: u64) -> RpcResult<Entry> { unimplemented!() }
//! #     async fn channel_infer(&self, _: u64, _: String, _: ghost_client::wire::WireInput, _: ghost_client::wire::WireTicket, _: Option<ghost_client::channel::WireVoucher>) -> RpcResult<ghost_client::api::ChannelAnswer> { unimplemented!() }
//! #     async fn channel_pay(&self, _: ghost_client::channel::WireVoucher) -> RpcResult<String> { unimplemented!() }
//! #     async fn infer(&self, _: String, input: ghost_client::wire::WireInput) -> RpcResult<Answer> {
//! #         let input = input.into();
//! #         let (trace, proof) = self.0.prove(&input).unwrap();
//! #         Ok(Answer::new(&self.0.id(), &input, &trace.claim(), &proof.encode()))
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! // The model as its owner registered it (here the primitives' testing model), and a
//! // prover serving it.
//! let model = testing::model(1, &[Shape::new(64, 4).widths(8, 4).select(3, 2)])?;
//! let ghost_file = codec::Encode::encode(model.ghost_file());
//! let model_id = model.id();
//! # let server = jsonrpsee::server::Server::builder().build("127.0.0.1:0").await?;
//! # let url = format!("http://{}", server.local_addr()?);
//! # let _running = server.start(Toy(model).into_rpc());
//!
//! // On a chain, the ghost file is `chain.ghost_file(&model_id)` and the provers'
//! // endpoints are `provers::endpoints(&chain, &model_id)`, after
//! // `let chain = ghost_client::chain::Chain::connect(url, patience).await?`.
//! let verifier = Verifier::decode_expecting(&ghost_file, &model_id)?;
//! let endpoints = vec!["http://127.0.0.1:9".to_string(), url]; // the first one is down
//! // Both are on loopback, which clients refuse unless the process allows it.
//! ghost_client::endpoint::allow_private(true);
//!
//! // Ask them in turn; the first answer whose ghost proof verifies is kept.
//! let input = testing::input(2, 8);
//! let served = provers::ask_any(&endpoints, &verifier, &input).await.map_err(|failed| {
//!     anyhow::anyhow!("no prover gave a verified answer: {} failed", failed.len())
//! })?;
//! assert_eq!(served.failed.len(), 1);
//! assert!(served.verified.proof_bytes > 0);
//!
//! // A tampered answer gets a typed rejection, with the verifier's reason.
//! let mut forged = served.answer.clone();
//! forged.output[0] ^= 1;
//! let rejection = answer::verify_answer(&verifier, &forged, Some(&input)).unwrap_err();
//! assert!(matches!(rejection, answer::Rejection::Invalid(_)));
//! # Ok(())
//! # }
//! ```
//!
//! `docs/examples/client.rs` does the same against a dev chain and pays for the answer;
//! the chain test runs it.
//!
//! * [`chain`]: the connection to a node; transactions; typed reads (generated from the
//!   committed metadata, here and nowhere else).
//! * [`keys`]: signing keys and accounts. [`tokens`]: native token amounts.
//! * [`outcome`]: what a transaction did, for people.
//! * [`follow`]: the one follow-the-chain loop of the long-running agents. [`liveness`]:
//!   what they know of their own health (`ghost_health`).
//! * [`registry`]: models, versions, lineage, bonds. [`credit`]: mutual credit.
//! * [`paid`]: paid inference on chain, settled after the challenge window or accepted.
//!   [`dispute`]: the reporter's side of disputes (commit, reveal, reclaim).
//! * [`load`]: many paid requests at once.
//! * [`api`]: the prover's JSON-RPC API. [`wire`]: its JSON forms.
//! * [`answer`]: ask a prover, verify an answer. [`provers`]: discovery and fail-over.
//! * [`channel`]: payment channels' vouchers and receipts on the wire: signing them, and
//!   checking an answer and its receipt before paying. [`durable`]: synced logs and
//!   atomic files, for what must survive a crash.
//! * [`endpoint`]: which prover endpoints a client may reach (public ones, unless told).

pub mod answer;
pub mod api;
pub mod chain;
pub mod channel;
pub mod credit;
pub mod dispute;
pub mod durable;
pub mod endpoint;
pub mod follow;
pub mod keys;
pub mod liveness;
pub mod load;
pub mod outcome;
pub mod paid;
pub mod provers;
pub mod registry;
pub mod tokens;
pub mod wire;
