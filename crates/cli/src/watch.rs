//! `ghost watch` (dispute wrong results on models whose weights you hold) and `ghost load`
//! (many paid requests at once).

use crate::{
    channel::SwarmArgs,
    global::{self, Global},
};
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
    /// Take channel receipts for audit at this address (clients hand them in with
    /// `--audit http://ADDR`); receipts whose answers were lazy or forged are reported.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
}

/// Watch models until interrupted.
pub fn watch(args: WatchArgs, global: &Global) -> Result<()> {
    let key = global.key()?;
    let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
    let runtime = global::runtime()?;
    runtime
        .block_on(watcher::run(&global.chain_url()?, key, models, args.state, args.listen, |event| println!("{event}")))
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
    /// Pay over channels (the first --client's) instead of on chain: --requests answers
    /// from the model's provers, each verified, its receipt kept, then paid by voucher.
    #[arg(long)]
    channels: bool,
    /// Over channels: requests in flight at once.
    #[arg(long, default_value_t = 8, requires = "channels")]
    concurrency: usize,
    #[command(flatten)]
    swarm: SwarmArgs,
}

/// What `ghost load --channels` measured, as `--json` prints it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ChannelLoad {
    answers: u64,
    failed: u64,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed_over: u64,
    by_prover: Vec<(String, u64)>,
    channels_opened: usize,
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
    if args.channels {
        return load_channels(&args, &runtime, &chain, &clients[0], &input);
    }
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

/// `ghost load --channels`: paid, verified answers from the model's swarm.
fn load_channels(
    args: &LoadArgs,
    runtime: &tokio::runtime::Runtime,
    chain: &ghost_client::chain::Chain,
    key: &subxt_signer::sr25519::Keypair,
    input: &ghost_primitives::Input,
) -> Result<()> {
    use ghost_client::channel::swarm::{ask_swarm, track_best};
    let report = runtime.block_on(async {
        let (swarm, opened) = args.swarm.join(chain, key, &args.model).await?;
        // Losing the node stops new requests; those under way finish and are paid.
        let stop = std::sync::atomic::AtomicBool::new(false);
        let report = tokio::select! {
            report = ask_swarm(&swarm, input, u64::from(args.requests), args.concurrency, &stop) => report,
            never = track_best(&swarm, chain, &stop) => match never {},
        };
        let by_prover: Vec<(String, u64)> =
            swarm.members().iter().zip(&report.answered).map(|(m, n)| (keys::show_account(&m.prover), *n)).collect();
        let unpaid: Vec<String> = report
            .unpaid
            .iter()
            .map(|(i, why)| format!("not paid yet, prover {}: {why}", keys::show_account(&swarm.members()[*i].prover)))
            .collect();
        Ok::<_, anyhow::Error>((report, by_prover, opened, unpaid))
    })?;
    let (report, by_prover, opened, unpaid) = report;
    let run = &report.run;
    let summary = ChannelLoad {
        answers: run.taken,
        failed: run.failed,
        seconds: run.elapsed.as_secs_f64(),
        per_second: run.rate(),
        p50_ms: run.quantile(0.5).as_secs_f64() * 1e3,
        p99_ms: run.quantile(0.99).as_secs_f64() * 1e3,
        failed_over: report.failed_over,
        by_prover,
        channels_opened: opened,
    };
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        let spread: Vec<String> = summary.by_prover.iter().map(|(p, n)| format!("{p} {n}")).collect();
        println!(
            "{} paid, verified answer(s) in {:.2} s: {:.0} a second; latency p50 {:.2} ms, p99 {:.2} ms; \
             {} failed over; by prover: {}",
            summary.answers,
            summary.seconds,
            summary.per_second,
            summary.p50_ms,
            summary.p99_ms,
            summary.failed_over,
            spread.join(", ")
        );
    }
    if let Some(forwarded) = &run.audited {
        println!("{}", crate::channel::audited_line(forwarded));
    }
    for line in unpaid {
        println!("{line}");
    }
    if run.failed > 0 {
        anyhow::bail!(
            "{} of {} answer(s) were not had: {}",
            run.failed,
            args.requests,
            run.first_failure.clone().unwrap_or_default()
        );
    }
    Ok(())
}
