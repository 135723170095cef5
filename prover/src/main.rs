//! `ghost`: build committed models, serve proven sparse inference, verify answers,
//! benchmark. See `ghost --help` and `docs/ARCHITECTURE.md`.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use ghost_primitives::{quant::FloatLayer, Input};
use ghost_prover::{
    bench::{self, BenchParams},
    build::{commit, lookup_layer, synthetic_matrices, LayerParams},
    client::verify_answer,
    digits, import,
    rpc::{self, GhostApiClient, Misbehaviour, Prover},
    store::{self, hex0x},
    wire::{parse_vector, quantise_vector, Answer},
};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

#[derive(Parser)]
#[command(name = "ghost", version, about = "Verifiable sparse inference: build, serve, verify, benchmark")]
struct Cli {
    /// Hide progress bars.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build, inspect models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Serve models over JSON-RPC with ghost proofs.
    Serve(ServeArgs),
    /// Ask a prover, verify the answer against the ghost file, print it.
    Infer(InferArgs),
    /// Verify a saved answer against a ghost file.
    Verify(VerifyArgs),
    /// Sparse-with-proof against dense, recall, proof size, verification, memory.
    Bench(BenchArgs),
    /// The digits classifier's accuracy: fixed-point sparse against f32 dense.
    Digits {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Build a model directory from matrices, synthetic data or the digits data.
    Build(BuildArgs),
    /// Describe a model directory or ghost file.
    Info {
        /// Model directory or ghost file.
        path: PathBuf,
    },
}

#[derive(Args)]
struct BuildArgs {
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Model name.
    #[arg(long, default_value = "ghost-model")]
    name: String,
    /// Generate clustered synthetic data instead of reading matrices.
    #[arg(long, conflicts_with_all = ["keys", "digits"])]
    synthetic: bool,
    /// The digits classifier (keys = training images, values = one-hot labels).
    #[arg(long, conflicts_with_all = ["keys", "synthetic"])]
    digits: bool,
    /// Key matrix (`N x d`): .safetensors, .npy or .csv.
    #[arg(long, requires = "values")]
    keys: Option<PathBuf>,
    /// Value matrix (`N x e`): .safetensors, .npy or .csv.
    #[arg(long, requires = "keys")]
    values: Option<PathBuf>,
    /// Tensor name of the keys in a .safetensors file.
    #[arg(long)]
    keys_tensor: Option<String>,
    /// Tensor name of the values in a .safetensors file.
    #[arg(long)]
    values_tensor: Option<String>,
    /// Synthetic: patterns per layer.
    #[arg(long, default_value_t = 65536)]
    rows: u32,
    /// Synthetic: input (key) width.
    #[arg(long, default_value_t = 64)]
    dim: u32,
    /// Synthetic: value width (and key width of later layers).
    #[arg(long, default_value_t = 64)]
    value_dim: u32,
    /// Synthetic: number of layers.
    #[arg(long, default_value_t = 1)]
    layers: u32,
    /// Synthetic: clusters in the data (default: the number of lists).
    #[arg(long)]
    clusters: Option<u32>,
    /// Seed of synthetic data and k-means.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Inverted-file lists `C`.
    #[arg(long, default_value_t = 1024)]
    lists: u32,
    /// Lists probed per lookup.
    #[arg(long, default_value_t = 8)]
    n_probe: u32,
    /// Patterns used per lookup.
    #[arg(long, default_value_t = 32)]
    k: u32,
    /// Inverse temperature.
    #[arg(long, default_value_t = 16.0)]
    beta: f32,
    /// Do not renormalise layer outputs.
    #[arg(long)]
    no_normalize: bool,
    /// k-means iterations.
    #[arg(long, default_value_t = 8)]
    kmeans_iterations: usize,
    /// Rows sampled to train k-means.
    #[arg(long, default_value_t = 65536)]
    kmeans_sample: usize,
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
}

#[derive(Args)]
struct InferArgs {
    /// Prover URL, e.g. http://127.0.0.1:9955.
    #[arg(long)]
    prover: String,
    /// The model's ghost file (or its model directory).
    #[arg(long)]
    ghost_file: PathBuf,
    /// Input vector: comma-separated numbers or a JSON array.
    #[arg(long, conflicts_with_all = ["input_file", "token"], allow_hyphen_values = true)]
    input: Option<String>,
    /// File holding the input vector.
    #[arg(long, conflicts_with = "token")]
    input_file: Option<PathBuf>,
    /// Input token (models that start with an embedding).
    #[arg(long)]
    token: Option<u32>,
    /// Send the vector as given instead of normalised to unit length.
    #[arg(long)]
    raw: bool,
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

#[derive(Args)]
struct BenchArgs {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Patterns `N`.
    #[arg(long, default_value_t = 1 << 20)]
    rows: u32,
    /// Key and value width.
    #[arg(long, default_value_t = 64)]
    dim: u32,
    /// Lists `C`.
    #[arg(long, default_value_t = 1024)]
    lists: u32,
    /// Patterns used.
    #[arg(long, default_value_t = 32)]
    k: u32,
    /// Lists probed.
    #[arg(long, default_value_t = 8)]
    n_probe: u32,
    /// Queries on the sparse path.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Queries on the dense path.
    #[arg(long, default_value_t = 10)]
    dense_queries: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
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
    match cli.command {
        Command::Model(ModelCommand::Build(args)) => build(args, progress).map(Ok),
        Command::Model(ModelCommand::Info { path }) => info(path).map(Ok),
        Command::Serve(args) => serve(args).map(Ok),
        Command::Infer(args) => infer(args),
        Command::Verify(args) => verify(args),
        Command::Bench(args) => bench_cmd(args, progress).map(Ok),
        Command::Digits { json } => {
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

fn build(args: BuildArgs, progress: bool) -> Result<()> {
    let params = LayerParams {
        lists: args.lists,
        n_probe: args.n_probe,
        k: args.k,
        beta: args.beta,
        normalize: !args.no_normalize,
        kmeans_iterations: args.kmeans_iterations,
        kmeans_sample: args.kmeans_sample,
        seed: args.seed,
    };
    let source = std::env::args().collect::<Vec<_>>().join(" ");
    let layers: Vec<FloatLayer> = if args.digits {
        let samples = digits::load(digits::DIGITS_CSV_GZ)?;
        let (train, _) = digits::split(&samples);
        vec![digits::classifier(&train, &digits::params())?]
    } else if args.synthetic {
        if args.layers == 0 {
            bail!("--layers must be at least 1");
        }
        let mut layers = Vec::new();
        for l in 0..args.layers {
            let d = if l == 0 { args.dim } else { args.value_dim };
            tracing::info!(layer = l, rows = args.rows, d, e = args.value_dim, "generating synthetic layer");
            let (k, v) = synthetic_matrices(
                args.rows,
                d,
                args.value_dim,
                args.clusters.unwrap_or(args.lists),
                args.seed.wrapping_add(l as u64),
            );
            layers.push(lookup_layer(k, v, &params, progress)?.0);
        }
        layers
    } else if let (Some(keys), Some(values)) = (&args.keys, &args.values) {
        let k = import::read_matrix(keys, args.keys_tensor.as_deref())?;
        let v = import::read_matrix(values, args.values_tensor.as_deref())?;
        tracing::info!(rows = k.nrows(), d = k.ncols(), e = v.ncols(), "read matrices");
        vec![lookup_layer(k, v, &params, progress)?.0]
    } else {
        bail!("say what to build from: --synthetic, --digits, or --keys FILE --values FILE");
    };
    let name = if args.digits && args.name == "ghost-model" { "digits".to_string() } else { args.name };
    let (model, stats) = commit(&name, &layers)?;
    let manifest = store::save(&args.out, &model, &stats, &source)?;
    println!("built {} at {}", manifest.model_id, args.out.display());
    for line in &manifest.layers {
        println!("  {line}");
    }
    Ok(())
}

fn info(path: PathBuf) -> Result<()> {
    let (file, bytes) = store::read_ghost_file(&path)?;
    println!("model id    {}", hex0x(&file.id()));
    println!("name        {}", String::from_utf8_lossy(&file.name));
    println!("ghost file  {} bytes", bytes.len());
    println!("parent      {}", file.parent.map(|p| hex0x(&p)).unwrap_or_else(|| "none".into()));
    for (i, layer) in file.layers.iter().enumerate() {
        println!("layer {i:<4}  {}", store::describe(layer));
    }
    Ok(())
}

fn serve(args: ServeArgs) -> Result<()> {
    let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
    let ids: Vec<String> = models.iter().map(|m| hex0x(&m.id())).collect();
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
    if let Some(m) = args.misbehave {
        tracing::warn!(misbehaviour = ?m, "serving DISHONEST answers on purpose");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let (addr, handle) = rpc::serve(args.listen, Prover::new(models, workers, args.misbehave)).await?;
        // One write, errors ignored: a closed stdout must not stop a serving prover.
        let mut banner = format!("serving {} model(s) on http://{addr}\n", ids.len());
        for id in &ids {
            banner.push_str(&format!("  model {id}\n"));
        }
        let mut stdout = std::io::stdout().lock();
        let _ =
            std::io::Write::write_all(&mut stdout, banner.as_bytes()).and_then(|_| std::io::Write::flush(&mut stdout));
        drop(stdout);
        tracing::info!(%addr, workers, "prover listening");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("stopping");
                let _ = handle.stop();
            }
            _ = handle.clone().stopped() => {}
        }
        Ok(())
    })
}

fn infer(args: InferArgs) -> Result<Result<(), Rejected>> {
    let (file, _) = store::read_ghost_file(&args.ghost_file)?;
    let input = match (&args.input, &args.input_file, args.token) {
        (Some(text), _, _) => quantise_vector(&parse_vector(text)?, args.raw),
        (_, Some(path), _) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            quantise_vector(&parse_vector(&text)?, args.raw)
        }
        (_, _, Some(token)) => Input::Token(token),
        _ => bail!("give an input: --input, --input-file or --token"),
    };
    ghost_primitives::model::check_input(&file, &input).context("the input does not fit this model")?;
    let model_id = hex0x(&file.id());
    let runtime = tokio::runtime::Runtime::new()?;
    let answer: Answer = runtime.block_on(async {
        let client = jsonrpsee::http_client::HttpClientBuilder::default()
            .max_response_size(rpc::MAX_RESPONSE_BYTES)
            .request_timeout(std::time::Duration::from_secs(60))
            .build(&args.prover)
            .with_context(|| format!("prover URL {}", args.prover))?;
        client
            .infer(model_id.clone(), (&input).into())
            .await
            .with_context(|| format!("asking {} for model {model_id}", args.prover))
    })?;
    if let Some(path) = &args.save {
        std::fs::write(path, serde_json::to_string_pretty(&answer)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    match verify_answer(&file, &answer, Some(&input)) {
        Ok(v) => {
            if args.json {
                println!("{}", serde_json::to_string(&answer)?);
            } else {
                print_answer(&answer);
                println!(
                    "verified: model {model_id}, proof {} bytes, checked in {:.0} us",
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
    let text =
        std::fs::read_to_string(&args.response).with_context(|| format!("reading {}", args.response.display()))?;
    let answer: Answer = match serde_json::from_str(&text) {
        Ok(a) => a,
        Err(e) => return Ok(Err(Rejected(format!("{} is not a saved answer: {e}", args.response.display())))),
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

fn bench_cmd(args: BenchArgs, progress: bool) -> Result<()> {
    let params = BenchParams {
        rows: args.rows,
        dim: args.dim,
        lists: args.lists,
        k: args.k,
        n_probe: args.n_probe,
        queries: args.queries,
        dense_queries: args.dense_queries,
        seed: args.seed,
        ..Default::default()
    };
    let r = bench::run(&params, progress && !args.json)?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        println!(
            "N = {}, d = e = {}, C = {}, k = {}, n_probe = {} (one thread, setup {:.1} s)",
            r.rows, r.dim, r.lists, r.k, r.n_probe, r.setup_s
        );
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
        println!("peak memory             {:>10.0} MiB", r.peak_rss_mib);
    }
    Ok(())
}
