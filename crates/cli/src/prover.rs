//! `ghost prover`: the on-chain prover daemon, unbonding and withdrawing.

use crate::global::{self, Global};
use anyhow::Result;
use clap::{Args, Subcommand};
use ghost_client::{registry, tokens::Tokens};
use ghost_model::store;
use ghost_primitives::{parse_hash, ModelId};
use ghost_prover::{
    daemon::{self, ChannelPolicy},
    rpc::Misbehaviour,
    server::{self, Limits},
};
use std::{net::SocketAddr, path::PathBuf};

#[derive(Subcommand)]
pub enum ProverCommand {
    /// Bond on the models, answer every request on them with its proof, settle the results
    /// after their deadlines (the only way the prover is paid), serve the proofs.
    #[command(
        after_help = "Example:\n  ghost prover run --model ./digits --suri //Charlie --listen 127.0.0.1:9955 --journal ./journal"
    )]
    Run(RunArgs),
    /// Stop serving a model: the bond can be withdrawn after the unbonding delay, once no
    /// open result locks it.
    #[command(after_help = "Example:\n  ghost prover unbond --model 0x5f3c... --suri //Charlie")]
    Unbond {
        /// Model id (0x-hex).
        #[arg(long, value_parser = parse_hash)]
        model: ModelId,
    },
    /// Release an unbonded bond after the delay.
    #[command(after_help = "Example:\n  ghost prover withdraw --model 0x5f3c... --suri //Charlie")]
    Withdraw {
        /// Model id (0x-hex).
        #[arg(long, value_parser = parse_hash)]
        model: ModelId,
    },
}

#[derive(Args)]
pub struct RunArgs {
    /// Model directory; repeat to serve several.
    #[arg(long = "model", required = true)]
    models: Vec<PathBuf>,
    /// Address the proof JSON-RPC listens on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9955")]
    listen: SocketAddr,
    /// The URL clients reach that JSON-RPC at, published with the bond (default: http:// + the bound address).
    #[arg(long)]
    public_url: Option<String>,
    /// The journal directory (results posted, their proofs); keep it across restarts.
    #[arg(long, default_value = "ghost-journal")]
    journal: PathBuf,
    /// Bond per model in GHOST (default: the larger of the chain's MinBond and ten slashes).
    #[arg(long)]
    bond: Option<Tokens>,
    /// Answers computed at once (default: the number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Misbehave on purpose: skip-best-row (the proof verifies; a watcher convicts it), or
    /// corrupt-output / corrupt-proof (the chain refuses the result at submission).
    #[arg(long, value_enum)]
    misbehave: Option<Misbehaviour>,
    /// Also answer ghost_infer on the endpoint, for free. Off by default: the prover sells
    /// inference on chain, and its endpoint serves the proofs of the results it posted.
    #[arg(long)]
    serve_free_inference: bool,
    /// Also serve the verification page on the endpoint's address (`GET /`): a person
    /// draws a digit, and the browser verifies the proof (with --serve-free-inference).
    #[arg(long)]
    ui: bool,
    /// Calls a second one connection may make to the endpoint, each call of a batch counted (0: no bound).
    #[arg(long, default_value_t = Limits::DEFAULT.calls_per_second)]
    calls_per_second: u32,
    /// Answers a payment channel may have unpaid at once (what a client can pipeline).
    #[arg(long, default_value_t = ChannelPolicy::DEFAULT.max_unpaid)]
    max_unpaid: u32,
    /// Redeem channel vouchers once they would add this much credit.
    #[arg(long, default_value_t = ChannelPolicy::DEFAULT.redeem_threshold)]
    redeem_threshold: u128,
    /// Redeem channel vouchers at least this often, in seconds.
    #[arg(long, default_value_t = ChannelPolicy::DEFAULT.redeem_every.as_secs())]
    redeem_every: u64,
}

/// Run a `ghost prover` command.
pub fn run(command: ProverCommand, global: &Global) -> Result<()> {
    let (what, outcome) = match command {
        ProverCommand::Run(args) => return serve_on_chain(args, global),
        ProverCommand::Unbond { model } => {
            let runtime = global::runtime()?;
            let (key, chain) = (global.key()?, global.chain(&runtime)?);
            ("unbonding", runtime.block_on(registry::unbond(&chain, &key, model, global.wait()))?)
        }
        ProverCommand::Withdraw { model } => {
            let runtime = global::runtime()?;
            let (key, chain) = (global.key()?, global.chain(&runtime)?);
            ("withdrawn", runtime.block_on(registry::withdraw(&chain, &key, model, global.wait()))?)
        }
    };
    println!("{}", outcome.report(what));
    Ok(())
}

fn serve_on_chain(args: RunArgs, global: &Global) -> Result<()> {
    if args.ui && !args.serve_free_inference {
        tracing::warn!(
            "--ui without --serve-free-inference: the page can show the model, but its questions are refused"
        );
    }
    let workers = global::workers(args.workers);
    // The chain loop's runtime: answers are computed on its blocking pool, and the
    // endpoint runs on a runtime of its own (`server::spawn`).
    let runtime = global::runtime()?;
    let key = global.key()?;
    let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
    let config = daemon::Config {
        url: global.chain_url()?,
        key,
        models,
        listen: args.listen,
        public_url: args.public_url,
        journal: args.journal,
        bond: args.bond.map(|b| b.0),
        misbehaviour: args.misbehave,
        workers,
        serve_free_inference: args.serve_free_inference,
        limits: Limits { calls_per_second: args.calls_per_second, ..Limits::DEFAULT },
        pages: args.ui.then_some(crate::serve::page as server::Pages),
        channels: ChannelPolicy {
            max_unpaid: args.max_unpaid,
            redeem_threshold: args.redeem_threshold,
            redeem_every: std::time::Duration::from_secs(args.redeem_every),
        },
    };
    runtime.block_on(daemon::run(config, |started| println!("{started}")))
}
