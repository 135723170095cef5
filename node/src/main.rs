//! `ghost-node`: the Ghostchain node.
//!
//! * `ghost-node --dev` — one validator (Alice) on a temporary database: blocks every 2 s,
//!   finalised by GRANDPA right after; RPC on 127.0.0.1:9944.
//! * `ghost-node --chain local --alice` / `--bob` (with `--bootnodes`) — a two-validator
//!   Aura + GRANDPA network on one machine; `--chain local-4` with `--alice` … `--dave`
//!   has four, the fewest that finalise with one of them down.
//! * `ghost-node benchmark pallet ...` — regenerates the pallets' weights (feature `benchmark-cli`).

#![allow(
    clippy::result_large_err,
    reason = "the node returns the errors of the Substrate service and CLI APIs it calls, as they are"
)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
    command::run()
}
