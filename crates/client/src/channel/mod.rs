//! Payment channels off chain: the JSON forms of vouchers and receipts, signing them with
//! an sr25519 key, and checking a receipt against what the client asked and expects.
//! What is signed, and how a receipt is judged, is `ghost_primitives::channel`'s.
//!
//! A client checks every answer before it pays: the receipt must be signed by the
//! channel's prover and name this chain, this channel, the model, the channel's price, a
//! recent block, the input sent, the answer's output and links, and the hash
//! of the answer's proof; and the proof must verify, bound to the prover's account.
//!
//! * [`message`]: the JSON forms, signing, the client's check of an answer and receipt.
//! * [`onchain`]: the chain's side: reading channels, opening, topping up, closing,
//!   redeeming and reporting.
//! * [`session`]: a client's session on one channel: ask, verify, keep the receipt, pay.
//! * [`swarm`]: a model's provers on the client's channels, asked by latency, with
//!   fail-over.
//! * [`audit`]: handing receipts to a watcher for audit.

//!
//! Paying a model's provers over channels, from a key with credit, against a node:
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! use ghost_client::{chain::Chain, channel::swarm::{Swarm, SwarmOptions}, keys};
//! use std::{path::Path, time::Duration};
//!
//! let chain = Chain::connect("ws://127.0.0.1:9944", Duration::from_secs(30)).await?;
//! let key = keys::keypair("//Bob")?;
//! let model = ghost_primitives::parse_hash("0x5f3c…")?;
//! // Up to three provers; a channel of 1,000 credit opened with each that has none yet.
//! let options = SwarmOptions { provers: 3, deposit: Some(1_000), audit: None };
//! let swarm = Swarm::join(&chain, &key, &model, Path::new("ghost-channels"), &options, |joined| {
//!     tracing::info!(%joined, "joined");
//! })
//! .await?;
//! let input = ghost_primitives::Input::Vector(vec![0; 64]);
//! // Verified, its receipt kept, owed for; the voucher rides on the next request.
//! let served = swarm.ask(&input).await.map_err(|failed| anyhow::anyhow!("no prover answered: {failed:?}"))?;
//! println!("class {}", ghost_primitives::argmax(&served.taken.answer.output.iter().map(|&q| ghost_primitives::to_f32(q)).collect::<Vec<_>>()));
//! // Pay for everything verified so far before leaving.
//! for (_, paid) in swarm.pay_up().await {
//!     paid?;
//! }
//! # Ok(())
//! # }
//! ```

pub mod audit;
pub mod message;
pub mod onchain;
pub mod session;
pub mod swarm;

pub use message::*;
