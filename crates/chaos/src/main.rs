//! `ghost-chaos run --seed N --minutes M`: the system under a seeded fault schedule, checked.

use anyhow::Result;
use clap::{Parser, Subcommand};
use ghost_chaos::{cluster::Options, schedule};
use std::{path::PathBuf, time::Duration};

#[derive(Parser)]
#[command(name = "ghost-chaos", about = "Run Ghostchain under faults and check the history")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the system, inject the seed's faults, settle, and check.
    Run(RunArgs),
    /// Print the faults a seed draws (a run with the same seed and length injects these).
    Schedule(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The seed of the faults and of the clients' inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Minutes of faults (seconds with --seconds).
    #[arg(long, default_value_t = 5)]
    minutes: u64,
    /// Seconds of faults instead of minutes.
    #[arg(long)]
    seconds: Option<u64>,
    /// One fault is drawn every this many seconds; each lasts up to two of them.
    #[arg(long, default_value_t = 15)]
    window: u64,
    /// Where the run keeps its history, logs and journals (default: a new directory under
    /// the system's temporary one).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Where `ghost` and `ghost-node` are.
    #[arg(long, env = "GHOST_BIN", default_value = "target/release")]
    bin: PathBuf,
    /// The digits data the clients draw their inputs from.
    #[arg(long, default_value = "data/digits.csv.gz")]
    data: PathBuf,
    /// Keep validators on loopback (no network namespaces, no partitions).
    #[arg(long)]
    no_namespaces: bool,
}

impl RunArgs {
    fn options(&self) -> Result<Options> {
        let length = Duration::from_secs(self.seconds.unwrap_or(self.minutes * 60));
        let work = match &self.work {
            Some(work) => work.clone(),
            None => std::env::temp_dir().join(format!("ghost-chaos-{}-{}", self.seed, std::process::id())),
        };
        std::fs::create_dir_all(&work)?;
        Ok(Options {
            seed: self.seed,
            length,
            window: Duration::from_secs(self.window.max(2)),
            work: std::path::absolute(&work)?,
            bin: std::path::absolute(&self.bin)?,
            data: std::path::absolute(&self.data)?,
            namespaces: !self.no_namespaces,
        })
    }
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "ghost_chaos=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match Cli::parse().command {
        Command::Run(args) => run(args),
        Command::Schedule(args) => print_schedule(args),
    }
}

fn run(args: RunArgs) -> Result<()> {
    let options = args.options()?;
    println!(
        "ghost-chaos: seed {}, {} s of faults, work in {}",
        options.seed,
        options.length.as_secs(),
        options.work.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    // A signal ends the run as its end would: processes stopped, namespaces and disks removed.
    let report = runtime.block_on(async {
        tokio::select! {
            report = ghost_chaos::run::run(options) => report,
            signal = terminated() => Err(anyhow::anyhow!("stopped by {signal}")),
        }
    })?;
    println!("{report}");
    if !report.breaches.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

async fn terminated() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    }
}

fn print_schedule(args: RunArgs) -> Result<()> {
    let shape = ghost_chaos::cluster::shape(!args.no_namespaces);
    let length = Duration::from_secs(args.seconds.unwrap_or(args.minutes * 60));
    for p in schedule::draw(args.seed, &shape, length, Duration::from_secs(args.window.max(2))) {
        println!("{:>8.1} s  for {:>5.1} s  {}", p.at_ms as f64 / 1e3, p.lasts_ms as f64 / 1e3, p.fault);
    }
    Ok(())
}
