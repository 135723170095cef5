//! # ghost-prover
//!
//! Serving: the prover's JSON-RPC server, the on-chain prover daemon and its journal, and
//! the watcher. The API the server answers is [`ghost_client::api`]; the chain is reached
//! through `ghost-client`, whose follow-the-chain loop drives both agents; models come
//! from `ghost-model`'s store. It prints nothing: the agents report what they do as typed
//! events to the caller and log through `tracing`.
//!
//! * [`rpc`]: the JSON-RPC API's implementation (`ghost serve`, and the daemon's endpoint).
//! * [`server`]: the bounded HTTP server it runs in, on threads of its own if asked.
//! * [`journal`]: the daemon's durable record of what it posted and is owed.
//! * [`channels`]: the channels it serves, their unpaid bound, and its voucher log.
//! * [`daemon`]: `ghost prover run`, the on-chain prover.
//! * [`watcher`]: `ghost watch`, which recomputes posted results and reports excluded entries.
//! * [`findings`]: what the weights show of someone else's answer (honest, or the fraud proof).
//! * [`audit`]: the watcher's endpoint for channel receipts, and their audit.
//! * [`reports`]: the watcher's durable record of its commitments.
//! * [`checks`]: the watcher's schedule of checks and how its tasks retry.

pub mod audit;
pub mod channels;
pub mod checks;
pub mod daemon;
pub mod findings;
pub mod journal;
pub mod reports;
pub mod rpc;
pub mod server;
pub mod watcher;
