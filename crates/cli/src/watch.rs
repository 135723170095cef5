//! `ghost watch` (dispute wrong results on models whose weights you hold) and `ghost load`
//! (many paid requests at once).

use crate::global::{self, Global};
use anyhow::Result;
use clap::Args;
use ghost_client::{
    keys,
    load::{self, LoadSummary},
    wire::parse_vector,
};
use ghost_model::store;
use ghost_primitives::{parse_hash, quantise_vector, ModelId};
use ghost_prover::watcher;
use std::{path::PathBuf, time::Duration};

#[derive(Args)]
pub struct WatchArgs {
    /// Model directory; repeat to watch several.
    #[arg(long = "model", required = true)]
    models: Vec<PathBuf>,
    /// Where the watcher keeps its reports (salts and fraud proofs) until revealed or
    /// reclaimed; keep it across restarts.
    #[arg(long, default_value = "ghost-watch")]
    state: PathBuf,
}

/// Watch models until interrupted.
pub fn watch(args: WatchArgs, global: &Global) -> Result<()> {
    let key = global.key()?;
    let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
    let runtime = global::runtime()?;
    runtime.block_on(watcher::run(&global.chain_url()?, key, models, args.state, |event| println!("{event}")))
}

#[derive(Args)]
pub struct LoadArgs {
    /// Model id (0x-hex).
    #[arg(long, value_parser = parse_hash)]
    model: ModelId,
    /// Input vector for every request (comma-separated numbers).
    #[arg(long, allow_hyphen_values = true)]
    input: String,
    /// A client key, a secret URI (`//Bob`); repeat for several (each submits its own
    /// requests in nonce order).
    /// Read after parsing, so that a mistyped secret is never echoed in a usage error.
    #[arg(long = "client", required = true)]
    clients: Vec<String>,
    /// Requests per client.
    #[arg(long, default_value_t = 20)]
    requests: u32,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Print a JSON summary at the end.
    #[arg(long)]
    json: bool,
}

/// Load the chain with paid requests and report each block.
pub fn load(args: LoadArgs, global: &Global) -> Result<()> {
    let input = quantise_vector(&parse_vector(&args.input)?, false);
    let runtime = global::runtime()?;
    let chain = global.chain(&runtime)?;
    let started = std::time::Instant::now();
    let patience = Duration::from_secs(args.timeout);
    let clients = args
        .clients
        .iter()
        .map(|c| {
            global::warn_if_secret(c, "--client");
            Ok(keys::keypair(c)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let (clients, requests) = (&clients, args.requests);
    let blocks = runtime
        .block_on(load::load(&chain, clients, &args.model, &input, requests, patience, |row| println!("{row}")))?;
    let s = LoadSummary::of(&blocks, requests as usize * clients.len(), started.elapsed().as_secs_f64());
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!(
            "{} requests closed in {} blocks ({:.1} s; {} expired unanswered): {:.1} settled per second, at most \
             {} in a block, the busiest block at {:.1}% of its weight",
            s.requests,
            s.blocks,
            s.seconds,
            s.expired,
            s.settled_per_second,
            s.settled_per_block_peak,
            s.peak_weight_percent
        );
    }
    Ok(())
}
