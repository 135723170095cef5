//! `ghost`: build committed models, serve proven sparse inference, verify answers,
//! benchmark. See `ghost --help` and `docs/ARCHITECTURE.md`.
//!
//! This file parses the command line and prints; the work is the library's.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use ghost_primitives::Input;
use ghost_prover::{
    bench::{self, BenchParams},
    build::{self, Source},
    chain::{self, Chain, Wait},
    client::{self, verify_answer},
    daemon, digits,
    onchain::{self, CreditCall},
    rpc::{self, Misbehaviour, Prover},
    serve_bench, store, watcher,
    wire::{hex0x, parse_id, parse_vector, quantise_vector, Answer, InputArgs},
};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc};

#[derive(Parser)]
#[command(
    name = "ghost",
    version,
    about = "Verifiable sparse inference: build and register models, serve and pay for proven answers, dispute wrong ones",
    after_help = "Start a dev chain with `ghost-node --dev --tmp`; every chain command then works with --suri //Alice.\n\
                  Exit codes: 0 done (an answer verified), 1 an error, 2 an answer rejected (or refunded after a dispute)."
)]
struct Cli {
    /// Hide progress bars.
    #[arg(long, global = true)]
    quiet: bool,
    /// The node's WebSocket JSON-RPC.
    #[arg(long, global = true, env = "GHOST_CHAIN_URL", default_value = chain::DEFAULT_URL)]
    chain_url: String,
    /// The key that signs: a secret URI (`//Alice`, a mnemonic, a 0x seed) or a file holding one.
    #[arg(long, global = true, env = "GHOST_SURI", hide_env_values = true)]
    suri: Option<String>,
    /// Return once the node accepted a transaction, without waiting for its block to be finalised.
    #[arg(long, global = true)]
    no_wait: bool,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    fn wait(&self) -> Wait {
        if self.no_wait {
            Wait::Submitted
        } else {
            Wait::Finalized
        }
    }

    fn key(&self) -> Result<subxt_signer::sr25519::Keypair> {
        let suri =
            self.suri.as_deref().context("this command signs: give --suri (or set GHOST_SURI), e.g. --suri //Alice")?;
        chain::keypair(suri)
    }

    fn chain(&self, runtime: &tokio::runtime::Runtime) -> Result<Chain> {
        runtime.block_on(Chain::connect(&self.chain_url, std::time::Duration::from_secs(5)))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Build, inspect, register, update and list models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Mutual credit: balances, transfers, collateral, limits.
    #[command(subcommand)]
    Credit(CreditCommand),
    /// The on-chain prover daemon.
    #[command(subcommand)]
    Prover(ProverCommand),
    /// Serve models over JSON-RPC with ghost proofs (off chain).
    #[command(after_help = "Example:\n  ghost serve --model ./digits --listen 127.0.0.1:9955")]
    Serve(ServeArgs),
    /// Ask for an answer and verify it: paid on chain (--model ID), or from a prover directly (--prover URL).
    #[command(after_help = "Examples:\n  ghost infer --model 0x5f3c... --input 0,3,12,... --suri //Bob\n  \
                            ghost infer --prover http://127.0.0.1:9955 --ghost-file ./digits --input 0,3,12,...")]
    Infer(InferArgs),
    /// Load the chain with paid requests (a bounded run) and report what each block settled.
    #[command(
        after_help = "Example:\n  ghost load --model 0x5f3c... --input 0,3,12,... --client //Bob --client //Alice --requests 50"
    )]
    Load {
        /// Model id (0x-hex).
        #[arg(long)]
        model: String,
        /// Input vector for every request (comma-separated numbers).
        #[arg(long, allow_hyphen_values = true)]
        input: String,
        /// A client key; repeat for several (each submits its own requests in nonce order).
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
    },
    /// Watch the results posted on models whose weights you hold; dispute wrong ones.
    #[command(after_help = "Example:\n  ghost watch --model ./digits --suri //Dave")]
    Watch {
        /// Model directory; repeat to watch several.
        #[arg(long = "model", required = true)]
        models: Vec<PathBuf>,
    },
    /// Verify a saved answer against a ghost file.
    #[command(after_help = "Example:\n  ghost verify --ghost-file ./digits --response answer.json")]
    Verify(VerifyArgs),
    /// Sparse-with-proof against dense, recall, proof size, verification, memory.
    #[command(after_help = "Example:\n  ghost bench --rows 65536 --queries 100")]
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        /// Another benchmark than the layer's.
        #[command(subcommand)]
        other: Option<BenchCommand>,
        /// What to measure.
        #[command(flatten)]
        params: BenchParams,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The digits classifier's accuracy: fixed-point sparse against f32 dense.
    #[command(after_help = "Example:\n  ghost digits --json")]
    Digits {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// Instead: align a base model to shifted local data at two sites by sparse
        /// fine-tuning, merge the two, and report accuracy before and after.
        #[arg(long)]
        align: bool,
        /// The steps of each site's tuning (with --align).
        #[command(flatten)]
        steps: ghost_prover::tune::Steps,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Build a model directory from matrices, synthetic data or the digits data.
    #[command(subcommand)]
    Build(Source),
    /// Describe a model directory or ghost file.
    #[command(after_help = "Example:\n  ghost model info ./digits")]
    Info {
        /// Model directory or ghost file.
        path: PathBuf,
    },
    /// Copy a model with one pattern's value row replaced (for example, a corrected label):
    /// the smallest new version, to publish with `model update`.
    #[command(
        after_help = "Example:\n  ghost model patch ./digits --out ./digits-v2 --row 17 --value 0,0,0,1,0,0,0,0,0,0"
    )]
    Patch {
        /// The model directory to copy.
        dir: PathBuf,
        /// Where the patched copy goes.
        #[arg(long)]
        out: PathBuf,
        /// Lookup layer of the pattern.
        #[arg(long, default_value_t = 0)]
        layer: u32,
        /// Pattern (row) index, in the layer's list order.
        #[arg(long)]
        row: u32,
        /// The new value row: comma-separated numbers (quantised to Q14 as given).
        #[arg(long, allow_hyphen_values = true)]
        value: String,
    },
    /// Fine-tune a model on local examples: gradient steps on the value rows its lookups
    /// select, nothing else; writes the model and `tune.json` (changed rows, data hash).
    #[command(
        after_help = "Example:\n  ghost model tune --model ./digits --data local.csv --classes 10 --out ./digits-local"
    )]
    Tune {
        /// The model directory to tune.
        #[arg(long)]
        model: PathBuf,
        /// Where the tuned model goes.
        #[arg(long)]
        out: PathBuf,
        /// The examples and the steps.
        #[command(flatten)]
        params: ghost_prover::tune::TuneParams,
    },
    /// Merge tunings of one version: each changed row becomes the base row plus the mean
    /// change of the tunings that changed it (FedAvg over the rows touched).
    #[command(after_help = "Example:\n  ghost model merge --base ./digits --from ./a --from ./b --out ./digits-v2")]
    Merge {
        /// The version every tuning started from.
        #[arg(long)]
        base: PathBuf,
        /// A tuned model directory (with its `tune.json`); repeat.
        #[arg(long = "from", required = true)]
        from: Vec<PathBuf>,
        /// Where the merged model goes.
        #[arg(long)]
        out: PathBuf,
        /// Keep at most this many changed rows: those that changed most. The chain takes
        /// at most 256 rows a version (`MaxUpdateRows`).
        #[arg(long)]
        max_rows: Option<usize>,
    },
    /// Register a model directory's ghost file on chain (commit, then reveal a block later).
    #[command(after_help = "Example:\n  ghost model register ./digits --price 10 --royalty 10 --suri //Alice")]
    Register {
        /// Model directory or ghost file.
        dir: PathBuf,
        /// Price of one inference, in credit.
        #[arg(long)]
        price: u128,
        /// The owner's share of each price, in percent.
        #[arg(long, default_value_t = 0.0)]
        royalty: f64,
    },
    /// Publish the model in DIR as the next version of the one in --from, by a sparse update.
    #[command(
        after_help = "Example:\n  ghost model update ./digits-v2 --from ./digits --training-data-hash 0x1234... --suri //Alice"
    )]
    Update {
        /// The new version's model directory (its ghost file becomes the published one).
        dir: PathBuf,
        /// The registered version's model directory.
        #[arg(long)]
        from: PathBuf,
        /// BLAKE2b-256 of the data the new version was trained on (0x-hex); default: the
        /// one in the directory's `tune.json`, when `ghost model tune` or `merge` made it.
        #[arg(long)]
        training_data_hash: Option<String>,
        /// New price (default: the old version's).
        #[arg(long)]
        price: Option<u128>,
        /// New royalty in percent (default: the old version's).
        #[arg(long)]
        royalty: Option<f64>,
    },
    /// A registered model: terms, shape, lineage, provers and their endpoints.
    #[command(after_help = "Example:\n  ghost model show 0x5f3c...")]
    Show {
        /// Model id (0x-hex).
        id: String,
    },
    /// Every registered model.
    #[command(after_help = "Example:\n  ghost model list --chain-url ws://127.0.0.1:9944")]
    List,
}

#[derive(Subcommand)]
enum CreditCommand {
    /// Native balances and credit of accounts (default: the --suri key's), and the credit total.
    #[command(after_help = "Example:\n  ghost credit show alice bob 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty")]
    Show {
        /// Accounts: SS58, 0x-hex or a dev name (alice, bob, ...).
        accounts: Vec<String>,
    },
    /// Transfer credit (plain units) to an account.
    #[command(after_help = "Example:\n  ghost credit transfer bob 25 --suri //Alice")]
    Transfer {
        /// Receiver.
        to: String,
        /// Credit units.
        amount: u128,
    },
    /// Hold native collateral (GHOST) to raise your credit limit.
    #[command(after_help = "Example:\n  ghost credit open 10 --suri //Charlie")]
    Open {
        /// GHOST to hold, e.g. 10 or 2.5.
        collateral: String,
    },
    /// Release native collateral (GHOST).
    #[command(after_help = "Example:\n  ghost credit close 10 --suri //Charlie")]
    Close {
        /// GHOST to release.
        collateral: String,
    },
    /// Grant an account a credit limit (root: the sudo key signs).
    #[command(after_help = "Example:\n  ghost credit limit charlie 1000 --suri //Alice")]
    Limit {
        /// Account.
        who: String,
        /// The limit, in credit units.
        granted: u128,
    },
}

#[derive(Subcommand)]
enum ProverCommand {
    /// Bond on the models, answer every request on them, serve and defend the proofs.
    #[command(
        after_help = "Example:\n  ghost prover run --model ./digits --suri //Charlie --listen 127.0.0.1:9955 --journal ./journal"
    )]
    Run(ProverRunArgs),
    /// Stop serving a model: the bond can be withdrawn after the unbonding delay, once no
    /// open result locks it.
    #[command(after_help = "Example:\n  ghost prover unbond --model 0x5f3c... --suri //Charlie")]
    Unbond {
        /// Model id (0x-hex).
        #[arg(long)]
        model: String,
    },
    /// Release an unbonded bond after the delay.
    #[command(after_help = "Example:\n  ghost prover withdraw --model 0x5f3c... --suri //Charlie")]
    Withdraw {
        /// Model id (0x-hex).
        #[arg(long)]
        model: String,
    },
}

#[derive(Args)]
struct ProverRunArgs {
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
    bond: Option<String>,
    /// Answers computed at once (default: the number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Misbehave on purpose, to demonstrate disputes.
    #[arg(long, value_enum)]
    misbehave: Option<Misbehaviour>,
}

/// Benchmarks besides the layer's.
#[derive(Subcommand)]
enum BenchCommand {
    /// `ghost serve` under a bounded loopback load: requests/s, latency, CPU per request.
    #[command(after_help = "Example:\n  ghost bench serve --model ./model --requests 2000 --concurrency 1,2,8")]
    Serve {
        /// The load.
        #[command(flatten)]
        params: serve_bench::ServeBenchParams,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Model directory; repeat to serve several.
    #[arg(long = "model", required = true)]
    models: Vec<PathBuf>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9955")]
    listen: SocketAddr,
    /// Answers computed at once (default: the number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Misbehave on purpose, to demonstrate verification and disputes.
    #[arg(long, value_enum)]
    misbehave: Option<Misbehaviour>,
    /// Stop when standard input closes: a supervisor that holds the other end of a pipe
    /// stops the server by exiting, however it exits.
    #[arg(long)]
    stop_on_stdin_close: bool,
}

#[derive(Args)]
struct InferArgs {
    /// On chain: the registered model's id (0x-hex); pays with the --suri key.
    #[arg(long, conflicts_with_all = ["prover", "ghost_file", "save"])]
    model: Option<String>,
    /// Most credit to pay (default: the model's price).
    #[arg(long, requires = "model")]
    max_price: Option<u128>,
    /// On chain: challenge (prove-it) even a result whose proof verifies.
    #[arg(long, requires = "model")]
    challenge: bool,
    /// On chain: do not accept a verified result at once; wait for the chain to settle it
    /// after the challenge window (watchers may still convict it meanwhile).
    #[arg(long, requires = "model")]
    wait_settlement: bool,
    /// Off chain: the prover's URL, e.g. http://127.0.0.1:9955.
    #[arg(long, requires = "ghost_file")]
    prover: Option<String>,
    /// Off chain: the model's ghost file (or its model directory).
    #[arg(long, requires = "prover")]
    ghost_file: Option<PathBuf>,
    /// The input.
    #[command(flatten)]
    input: InputArgs,
    /// Keep the answer (JSON) in this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print the answer as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct VerifyArgs {
    /// The model's ghost file (or its model directory).
    #[arg(long)]
    ghost_file: PathBuf,
    /// A saved answer (`ghost infer --save`).
    #[arg(long)]
    response: PathBuf,
}

/// A verification failure: exit code 2, distinct from usage or I/O errors (1).
struct Rejected(String);

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Rejected(why))) => {
            eprintln!("REJECTED: {why}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<Result<(), Rejected>> {
    let progress = !cli.quiet;
    match &cli.command {
        Command::Model(
            ModelCommand::Register { .. }
            | ModelCommand::Update { .. }
            | ModelCommand::Show { .. }
            | ModelCommand::List,
        )
        | Command::Credit(_)
        | Command::Prover(_)
        | Command::Watch { .. }
        | Command::Load { .. } => return on_chain(cli).map(Ok),
        Command::Infer(args) if args.model.is_some() => return infer_on_chain(&cli),
        _ => {}
    }
    match cli.command {
        Command::Model(ModelCommand::Build(source)) => {
            let how = std::env::args().collect::<Vec<_>>().join(" ");
            let manifest = build::build(&source, &how, progress)?;
            println!("built {} at {}", manifest.model_id, source.output().out.display());
            for line in &manifest.layers {
                println!("  {line}");
            }
            Ok(Ok(()))
        }
        Command::Model(ModelCommand::Info { path }) => {
            let (file, bytes) = store::read_ghost_file(&path)?;
            println!("model id    {}", hex0x(&file.id()));
            println!("name        {}", String::from_utf8_lossy(&file.file().name));
            println!("ghost file  {} bytes", bytes.len());
            println!("parent      {}", file.file().parent.map(|p| hex0x(&p)).unwrap_or_else(|| "none".into()));
            for (i, layer) in file.file().layers.iter().enumerate() {
                println!("layer {i:<4}  {}", store::describe(layer));
            }
            Ok(Ok(()))
        }
        Command::Model(ModelCommand::Tune { model, out, params }) => {
            refuse_overwrite(&out, &[&model])?;
            let base = store::load(&model)?;
            let examples = ghost_prover::tune::Examples::read(&params, &base)?;
            let started = std::time::Instant::now();
            let tuned = ghost_prover::tune::tune(&base, &examples, &params.steps, params.max_rows, progress)?;
            let how = format!("{} tuned on {}", model.display(), params.data.display());
            let manifest = ghost_prover::tune::save(&out, &tuned, &how)?;
            let r = &tuned.record;
            println!("built {} at {} (tuned from {})", manifest.model_id, out.display(), r.parent);
            println!(
                "{} example(s), {} epoch(s) in {:.2} s: loss {:.4} -> {:.4}",
                r.examples,
                r.epochs,
                started.elapsed().as_secs_f64(),
                r.loss_before,
                r.loss_after
            );
            println!("{} row(s) of layer {} changed; training data {}", r.changed_rows.len(), r.layer, r.training_data);
            Ok(Ok(()))
        }
        Command::Model(ModelCommand::Merge { base, from, out, max_rows }) => {
            refuse_overwrite(&out, &std::iter::once(&base).chain(&from).collect::<Vec<_>>())?;
            let base_model = store::load(&base)?;
            let tunings = from
                .iter()
                .map(|dir| {
                    let record = ghost_prover::tune::TuneRecord::read(dir)?
                        .with_context(|| format!("{} has no tune.json: it is not a tuning", dir.display()))?;
                    Ok(ghost_prover::tune::Tuned { model: store::load(dir)?, record })
                })
                .collect::<Result<Vec<_>>>()?;
            let merged = ghost_prover::tune::merge(&base_model, &tunings, max_rows)?;
            let how = format!("{} merged from {} tuning(s)", base.display(), from.len());
            let manifest = ghost_prover::tune::save(&out, &merged, &how)?;
            println!("built {} at {} (merged into {})", manifest.model_id, out.display(), merged.record.parent);
            println!(
                "{} row(s) of layer {} changed; training data {} (commits to {} contribution(s))",
                merged.record.changed_rows.len(),
                merged.record.layer,
                merged.record.training_data,
                from.len()
            );
            Ok(Ok(()))
        }
        Command::Model(ModelCommand::Patch { dir, out, layer, row, value }) => {
            let model = store::load(&dir)?;
            let patched = ghost_prover::update::patch_value(&model, layer, row, &parse_vector(&value)?)?;
            let how = format!("{} with row {row} of layer {layer} patched", dir.display());
            let manifest = store::save(&out, &patched, &Default::default(), &how)?;
            println!("built {} at {} (from {})", manifest.model_id, out.display(), hex0x(&model.id()));
            Ok(Ok(()))
        }
        Command::Serve(args) => serve(args).map(Ok),
        Command::Infer(args) => infer(args),
        Command::Model(_) | Command::Credit(_) | Command::Prover(_) | Command::Watch { .. } | Command::Load { .. } => {
            unreachable!("handled on chain above")
        }
        Command::Verify(args) => verify(args),
        Command::Bench { other: Some(BenchCommand::Serve { params, json }), .. } => {
            let r = serve_bench::run(&params)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                print_serve_bench(&r);
            }
            Ok(Ok(()))
        }
        Command::Bench { other: None, params, json } => {
            let r = bench::run(&params, progress && !json)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                print_bench(&r);
            }
            Ok(Ok(()))
        }
        Command::Digits { json, align: true, steps } => {
            let (_, _, r) = digits::align(&steps)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "base: {} images; two sites of {} and {} images shifted one pixel right",
                    r.base_images, r.site_images[0], r.site_images[1]
                );
                println!("accuracy        local (shifted)   original");
                let rows = [("base", r.base), ("site A", r.sites[0]), ("site B", r.sites[1]), ("merged", r.merged)];
                for (name, s) in rows {
                    println!("{name:<15} {:>14.2}%   {:>7.2}%", s.local, s.original);
                }
                println!(
                    "version 2 changes {} of {} rows; update {} bytes (multiproof {}); per example: {:.2} rows \
                     changed, {:.0} us of tuning",
                    r.rows_changed,
                    r.rows,
                    r.update_bytes,
                    r.update_proof_bytes,
                    r.rows_changed_per_example,
                    r.tune_us_per_example
                );
            }
            Ok(Ok(()))
        }
        Command::Digits { json, .. } => {
            let (_, accuracy) = digits::run()?;
            if json {
                println!("{}", serde_json::to_string(&accuracy)?);
            } else {
                println!(
                    "digits ({} test images): fixed-point sparse {:.2}%, f32 sparse {:.2}%, f32 dense {:.2}%; \
                     fixed sparse and f32 dense agree on {:.2}%",
                    accuracy.test_images,
                    accuracy.sparse_fixed,
                    accuracy.sparse_f32,
                    accuracy.dense_f32,
                    accuracy.agreement
                );
            }
            Ok(Ok(()))
        }
    }
}

/// The commands that talk to the chain.
fn on_chain(cli: Cli) -> Result<()> {
    // `ghost prover run` answers requests on this runtime.
    let answering = match &cli.command {
        Command::Prover(ProverCommand::Run(args)) => workers(args.workers),
        _ => 1,
    };
    let runtime = answering_runtime(answering)?;
    let wait = cli.wait();
    match &cli.command {
        Command::Model(ModelCommand::Register { dir, price, royalty }) => {
            let (key, chain) = (cli.key()?, cli.chain(&runtime)?);
            let royalty = onchain::royalty_parts(*royalty)?;
            runtime.block_on(onchain::register(&chain, &key, dir, *price, royalty, wait)).map(drop)
        }
        Command::Model(ModelCommand::Update { dir, from, training_data_hash, price, royalty }) => {
            let (key, chain) = (cli.key()?, cli.chain(&runtime)?);
            let training = match training_data_hash {
                Some(hash) => Some(parse_id(hash).context("--training-data-hash")?),
                None => ghost_prover::tune::TuneRecord::read(dir)?.map(|r| r.training_data_hash()).transpose()?,
            };
            let royalty = royalty.map(onchain::royalty_parts).transpose()?;
            runtime.block_on(onchain::update(&chain, &key, dir, from, training, (*price, royalty), wait)).map(drop)
        }
        Command::Model(ModelCommand::Show { id }) => {
            let id = parse_id(id)?;
            let chain = cli.chain(&runtime)?;
            runtime.block_on(onchain::show(&chain, &id))
        }
        Command::Model(ModelCommand::List) => {
            let chain = cli.chain(&runtime)?;
            runtime.block_on(onchain::list(&chain))
        }
        Command::Credit(command) => credit(&cli, command, &runtime, wait),
        Command::Prover(ProverCommand::Run(args)) => {
            let key = cli.key()?;
            let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
            let bond = args.bond.as_deref().map(chain::parse_tokens).transpose().context("--bond")?;
            runtime.block_on(daemon::run(daemon::Config {
                url: cli.chain_url.clone(),
                key,
                models,
                listen: args.listen,
                public_url: args.public_url.clone(),
                journal: args.journal.clone(),
                bond,
                misbehaviour: args.misbehave,
                workers: workers(args.workers),
            }))
        }
        Command::Prover(ProverCommand::Unbond { model }) => {
            let id = parse_id(model).context("--model")?;
            let (key, chain) = (cli.key()?, cli.chain(&runtime)?);
            chain::print_outcome("unbonding", &runtime.block_on(onchain::unbond(&chain, &key, id, wait))?);
            Ok(())
        }
        Command::Prover(ProverCommand::Withdraw { model }) => {
            let id = parse_id(model).context("--model")?;
            let (key, chain) = (cli.key()?, cli.chain(&runtime)?);
            chain::print_outcome("withdrawn", &runtime.block_on(onchain::withdraw(&chain, &key, id, wait))?);
            Ok(())
        }
        Command::Watch { models } => {
            let key = cli.key()?;
            let models = models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
            runtime.block_on(watcher::run(&cli.chain_url, key, models))
        }
        Command::Load { model, input, clients, requests, timeout, json } => {
            let model = parse_id(model).context("--model")?;
            let input = quantise_vector(&parse_vector(input)?, false);
            let keys = clients.iter().map(|c| chain::keypair(c)).collect::<Result<Vec<_>>>()?;
            let chain = cli.chain(&runtime)?;
            let started = std::time::Instant::now();
            let patience = std::time::Duration::from_secs(*timeout);
            let blocks = runtime.block_on(onchain::load(&chain, &keys, &model, &input, *requests, patience))?;
            let s = onchain::LoadSummary::of(&blocks, *requests as usize * keys.len(), started.elapsed().as_secs_f64());
            if *json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!(
                    "{} requests closed in {} blocks ({:.1} s; {} expired unanswered): {:.1} settled per second, \
                     at most {} in a block, the busiest block at {:.1}% of its weight",
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
        _ => unreachable!("only chain commands come here"),
    }
}

fn credit(cli: &Cli, command: &CreditCommand, runtime: &tokio::runtime::Runtime, wait: Wait) -> Result<()> {
    let call = match command {
        CreditCommand::Show { accounts } => {
            let chain = cli.chain(runtime)?;
            let who = if accounts.is_empty() {
                vec![chain::account_of(&cli.key().context("name accounts, or give --suri")?)]
            } else {
                accounts.iter().map(|a| chain::parse_account(a)).collect::<Result<Vec<_>>>()?
            };
            return runtime.block_on(onchain::credit_show(&chain, &who));
        }
        CreditCommand::Transfer { to, amount } => {
            CreditCall::Transfer { to: chain::parse_account(to)?, amount: *amount }
        }
        CreditCommand::Open { collateral } => CreditCall::Open { collateral: chain::parse_tokens(collateral)? },
        CreditCommand::Close { collateral } => CreditCall::Close { collateral: chain::parse_tokens(collateral)? },
        CreditCommand::Limit { who, granted } => {
            CreditCall::Limit { who: chain::parse_account(who)?, granted: *granted }
        }
    };
    let (key, chain) = (cli.key()?, cli.chain(runtime)?);
    let (outcome, moved) = runtime.block_on(onchain::credit(&chain, &key, call, wait))?;
    chain::print_outcome("done", &outcome);
    // The balances the call moved, as they are now.
    if outcome.block.is_some() {
        runtime.block_on(onchain::credit_show(&chain, &moved))?;
    }
    Ok(())
}

fn infer_on_chain(cli: &Cli) -> Result<Result<(), Rejected>> {
    let Command::Infer(args) = &cli.command else { unreachable!("an infer command") };
    let model = parse_id(args.model.as_deref().unwrap_or_default()).context("--model")?;
    let input = read_input(&args.input)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (key, chain) = (cli.key()?, cli.chain(&runtime)?);
    let options = onchain::InferOptions {
        max_price: args.max_price,
        challenge: args.challenge,
        wait_settlement: args.wait_settlement,
    };
    let (verdict, claim) = runtime.block_on(onchain::infer(&chain, &key, &model, &input, options))?;
    if let Some(claim) = &claim {
        let answer = Answer::new(&model, &input, claim, &[]);
        if args.json {
            println!("{}", serde_json::to_string(&answer)?);
        } else {
            print_answer(&answer);
        }
    }
    match verdict {
        onchain::Verdict::Accepted => {
            println!("verdict: verified and paid");
            Ok(Ok(()))
        }
        onchain::Verdict::ProvenOnChain => {
            println!("verdict: proven on chain against the challenge, and paid");
            Ok(Ok(()))
        }
        onchain::Verdict::Refunded(why) => Ok(Err(Rejected(format!("{why}; the price was refunded")))),
    }
}

/// The input of `ghost infer`, with its warning printed.
fn read_input(args: &InputArgs) -> Result<Input> {
    let (input, warning) = args.read()?;
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    Ok(input)
}

/// Refuse to write a model to `out` when it is one of the `inputs`: the version tuned or
/// merged from must survive (the update is published against it).
fn refuse_overwrite(out: &std::path::Path, inputs: &[&PathBuf]) -> Result<()> {
    let same = |a: &std::path::Path, b: &std::path::Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(input) = inputs.iter().find(|i| same(out, i)) {
        bail!("--out {} is an input of this command: write the new version elsewhere", input.display());
    }
    Ok(())
}

/// A runtime for serving: answers run on its threads, at most `workers` at once (the
/// prover's semaphore), so one thread more keeps the network served meanwhile.
fn answering_runtime(workers: usize) -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(workers.max(1) + 1).enable_all().build()?)
}

/// Answers computed at once: as asked, or one per core.
fn workers(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

fn serve(args: ServeArgs) -> Result<()> {
    let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
    let ids: Vec<String> = models.iter().map(|m| hex0x(&m.id())).collect();
    let workers = workers(args.workers);
    if let Some(m) = args.misbehave {
        tracing::warn!(misbehaviour = ?m, "serving DISHONEST answers on purpose");
    }
    let prover = Prover::new(models.into_iter().map(Arc::new).collect(), workers, args.misbehave);
    let runtime = answering_runtime(workers)?;
    let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    if args.stop_on_stdin_close {
        // A plain thread, not the runtime's blocking pool: the runtime would wait for it
        // when shutting down for another reason.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            let _ = closed.send(());
        });
    }
    // Without the flag the sender is dropped unsent: that never stops the server.
    let stop = async move {
        if stdin_closed.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    runtime.block_on(rpc::serve_until_stopped(
        args.listen,
        prover,
        |addr| {
            // One write, errors ignored: a closed stdout must not stop a serving prover.
            let mut banner = format!("serving {} model(s) on http://{addr}\n", ids.len());
            for id in &ids {
                banner.push_str(&format!("  model {id}\n"));
            }
            let mut stdout = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut stdout, banner.as_bytes())
                .and_then(|_| std::io::Write::flush(&mut stdout));
            tracing::info!(%addr, workers, "prover listening");
        },
        stop,
    ))
}

fn infer(args: InferArgs) -> Result<Result<(), Rejected>> {
    let (Some(prover), Some(ghost_file)) = (&args.prover, &args.ghost_file) else {
        bail!("say where to ask: --model ID (on chain), or --prover URL --ghost-file DIR (off chain)");
    };
    let (file, _) = store::read_ghost_file(ghost_file)?;
    let input = read_input(&args.input)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let answer = runtime.block_on(client::ask(prover, &file, &input))?;
    if let Some(path) = &args.save {
        client::save_answer(path, &answer)?;
    }
    match verify_answer(&file, &answer, Some(&input)) {
        Ok(v) => {
            if args.json {
                println!("{}", serde_json::to_string(&answer)?);
            } else {
                print_answer(&answer);
                println!(
                    "verified: model {}, proof {} bytes, checked in {:.0} us",
                    hex0x(&file.id()),
                    v.proof_bytes,
                    v.elapsed.as_secs_f64() * 1e6
                );
            }
            Ok(Ok(()))
        }
        Err(why) => Ok(Err(Rejected(why.to_string()))),
    }
}

fn print_answer(answer: &Answer) {
    let out = answer.output_f32();
    let shown: Vec<String> = out.iter().take(16).map(|v| format!("{v:.4}")).collect();
    let more = if out.len() > 16 { format!(", ... ({} values)", out.len()) } else { String::new() };
    println!("output: [{}{more}]", shown.join(", "));
    println!("argmax: {}", ghost_primitives::quant::argmax(&out));
}

fn verify(args: VerifyArgs) -> Result<Result<(), Rejected>> {
    let (file, _) = store::read_ghost_file(&args.ghost_file)?;
    let answer = match client::read_answer(&args.response)? {
        Ok(answer) => answer,
        Err(why) => return Ok(Err(Rejected(why))),
    };
    match verify_answer(&file, &answer, None) {
        Ok(v) => {
            print_answer(&answer);
            println!("verified: proof {} bytes, checked in {:.0} us", v.proof_bytes, v.elapsed.as_secs_f64() * 1e6);
            Ok(Ok(()))
        }
        Err(why) => Ok(Err(Rejected(why.to_string()))),
    }
}

fn print_serve_bench(r: &serve_bench::ServeBenchReport) {
    println!("model {}: started in {:.1} s, peak memory {:.0} MiB", r.model, r.startup_s, r.server_peak_rss_mib);
    println!(
        "response {:.0} bytes (proof {:.0}); proving takes {:.1} us a request in-process",
        r.response_bytes, r.proof_bytes, r.prove_us
    );
    println!("concurrency  requests/s     p50 us     p99 us  server CPU us/request  overhead");
    for l in &r.loads {
        println!(
            "{:>11} {:>11.0} {:>10.0} {:>10.0} {:>22.1} {:>8.1}%",
            l.concurrency,
            l.requests_per_s,
            l.p50_us,
            l.p99_us,
            l.server_cpu_us,
            100.0 * l.overhead
        );
    }
}

fn print_bench(r: &bench::BenchReport) {
    println!(
        "N = {}, d = e = {}, C = {}, k = {}, n_probe = {} (one thread, setup {:.1} s)",
        r.rows, r.dim, r.lists, r.k, r.n_probe, r.setup_s
    );
    println!("sparse forward          {:>10.1} us", r.forward_us);
    println!("sparse forward + proof  {:>10.1} us", r.sparse_us);
    println!("dense forward (f32)     {:>10.1} us   speedup {:.1}x", r.dense_us, r.speedup);
    println!("recall vs exact top-k   {:>10.3}", r.recall);
    println!(
        "proof bytes             {:>10.0}   floor {:.0} (ratio {:.3})",
        r.proof_bytes,
        r.floor_bytes,
        r.proof_bytes / r.floor_bytes
    );
    println!("verify (decode + check) {:>10.1} us", r.verify_us);
    println!(
        "hash floor of verify    {:>10.1} us   {:.0} compressions x {:.3} us; verify / floor {:.2}",
        r.verify_floor_us,
        r.compressions,
        r.compression_us,
        r.verify_us / r.verify_floor_us
    );
    println!("peak memory             {:>10.0} MiB", r.peak_rss_mib);
}
