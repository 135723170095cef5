//! `ghost`: build committed models, serve proven sparse inference, pay for and verify
//! answers, dispute wrong ones, benchmark. See `ghost --help` and `docs/ARCHITECTURE.md`.
//!
//! This file parses the command line and dispatches: one `match`, one function a command.
//! The commands' modules print the reports the libraries return.

mod bench;
mod channel;
mod credit;
mod digits;
mod global;
mod infer;
mod model;
mod prover;
mod request;
mod serve;
mod watch;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use global::{done, Global, Rejected, Verdict};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ghost",
    version,
    about = "Verifiable sparse inference: build and register models, serve and pay for proven answers, dispute wrong ones",
    after_help = "Start a dev chain with `ghost-node --dev --tmp`; every chain command then works with --suri //Alice.\n\
                  Exit codes: 0 done (an answer verified), 1 an error, 2 an answer rejected (or refunded after a dispute)."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build, inspect, register, update and list models.
    #[command(subcommand)]
    Model(model::ModelCommand),
    /// Mutual credit: balances, transfers, collateral, limits.
    #[command(subcommand)]
    Credit(credit::CreditCommand),
    /// Payment channels: open, top up, close, show, and pay for verified answers at serving speed.
    #[command(subcommand)]
    Channel(channel::ChannelCommand),
    /// The on-chain prover daemon.
    #[command(subcommand)]
    Prover(prover::ProverCommand),
    /// Serve models over JSON-RPC with ghost proofs (off chain).
    #[command(after_help = "Example:\n  ghost serve --model ./digits --listen 127.0.0.1:9955")]
    Serve(serve::ServeArgs),
    /// Ask for an answer and verify it: paid on chain (--model ID), or from a prover directly (--prover URL).
    #[command(after_help = "Examples:\n  ghost infer --model 0x5f3c... --input 0,3,12,... --suri //Bob\n  \
                            ghost infer --prover http://127.0.0.1:9955 --ghost-file ./digits --input 0,3,12,...")]
    Infer(infer::InferArgs),
    /// Load the chain with paid requests (a bounded run) and report what each block settled.
    #[command(
        after_help = "Example:\n  ghost load --model 0x5f3c... --input 0,3,12,... --client //Bob --client //Alice --requests 50"
    )]
    Load(watch::LoadArgs),
    /// Watch the results posted on models whose weights you hold; report excluded entries.
    #[command(after_help = "Example:\n  ghost watch --model ./digits --suri //Dave --state ./watch")]
    Watch(watch::WatchArgs),
    /// Open requests: settle one after its deadline.
    #[command(subcommand)]
    Request(request::RequestCommand),
    /// Verify a saved answer against a ghost file.
    #[command(after_help = "Example:\n  ghost verify --ghost-file ./digits --response answer.json")]
    Verify(infer::VerifyArgs),
    /// Sparse-with-proof against dense, recall, proof size, verification, memory.
    #[command(after_help = "Example:\n  ghost bench --rows 65536 --queries 100")]
    #[command(args_conflicts_with_subcommands = true)]
    Bench(bench::BenchArgs),
    /// The digits classifier's accuracy: fixed-point sparse against f32 dense.
    #[command(after_help = "Example:\n  ghost digits --json")]
    Digits(digits::DigitsArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let parsed = Cli::command().try_get_matches().and_then(|matches| {
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.global.suri_on_command_line =
            matches!(global::value_source(&matches, "suri"), Some(clap::parser::ValueSource::CommandLine));
        Ok(cli)
    });
    let Cli { global, command } = match parsed {
        Ok(cli) => cli,
        // A value that does not parse is an error like any other (exit 1); exit 2 means an
        // answer was rejected. Usage mistakes and --help keep clap's own codes.
        Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
            let _ = e.print();
            return ExitCode::from(1);
        }
        Err(e) => e.exit(),
    };
    ghost_model::progress::set_quiet(global.quiet);
    ghost_client::endpoint::allow_private(global.allow_private_endpoints);
    let verdict: Verdict = match command {
        Command::Model(command) => model::run(command, &global).and_then(|()| done()),
        Command::Credit(command) => credit::run(command, &global).and_then(|()| done()),
        Command::Channel(command) => channel::run(command, &global).and_then(|()| done()),
        Command::Prover(command) => prover::run(command, &global).and_then(|()| done()),
        Command::Serve(args) => serve::run(args).and_then(|()| done()),
        Command::Infer(args) => infer::run(args, &global),
        Command::Load(args) => watch::load(args, &global).and_then(|()| done()),
        Command::Watch(args) => watch::watch(args, &global).and_then(|()| done()),
        Command::Request(command) => request::run(command, &global).and_then(|()| done()),
        Command::Verify(args) => infer::verify(args),
        Command::Bench(args) => bench::run(args).and_then(|()| done()),
        Command::Digits(args) => digits::run(args).and_then(|()| done()),
    };
    match verdict {
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
