//! The options every command takes, and what they give: the signing key, the chain
//! connection, how long to wait for a transaction, the runtimes commands run on.

use anyhow::{bail, Context, Result};
use clap::Args;
use ghost_client::{
    chain::{parse_url, Chain, Wait, DEFAULT_URL},
    keys,
};
use std::{path::PathBuf, time::Duration};
use subxt_signer::sr25519::Keypair;

/// How long a command waits for the node to come up.
const PATIENCE: Duration = Duration::from_secs(5);

/// Options of every command.
#[derive(Args)]
pub struct Global {
    /// Hide progress bars and spinners.
    #[arg(long, global = true)]
    pub quiet: bool,
    /// The node's WebSocket JSON-RPC.
    #[arg(long, global = true, env = "GHOST_CHAIN_URL", default_value = DEFAULT_URL)]
    chain_url: String,
    /// The key that signs: a secret URI (`//Alice`, a mnemonic, a 0x seed). On the command
    /// line a secret is visible to every user of the machine: pass it in GHOST_SURI, or use --suri-file.
    #[arg(long, global = true, env = "GHOST_SURI", hide_env_values = true)]
    pub suri: Option<String>,
    /// A file holding the signing key's secret URI, readable by its owner only (chmod 600).
    #[arg(long, global = true, env = "GHOST_SURI_FILE")]
    pub suri_file: Option<PathBuf>,
    /// Reach prover endpoints on loopback, private or link-local addresses (a dev chain on
    /// one machine, a private network); refused otherwise.
    #[arg(long, global = true, env = "GHOST_ALLOW_PRIVATE_ENDPOINTS")]
    pub allow_private_endpoints: bool,
    /// Whether --suri came from the command line (not the environment): set after parsing.
    #[arg(skip)]
    pub suri_on_command_line: bool,
    /// Return once the node accepted a transaction, without waiting for its block to be finalised.
    #[arg(long, global = true)]
    pub no_wait: bool,
}

impl Global {
    /// How transactions are followed.
    pub fn wait(&self) -> Wait {
        if self.no_wait {
            Wait::Submitted
        } else {
            Wait::Finalized
        }
    }

    /// The signing key of `--suri` or `--suri-file`.
    pub fn key(&self) -> Result<Keypair> {
        match (&self.suri, &self.suri_file) {
            (Some(_), Some(_)) => {
                bail!("give the key once: --suri (GHOST_SURI) or --suri-file (GHOST_SURI_FILE), not both")
            }
            (None, Some(path)) => Ok(keys::keypair_from_file(path)?),
            (Some(suri), None) => {
                if self.suri_on_command_line {
                    warn_if_secret(suri, "--suri");
                }
                Ok(keys::keypair(suri)?)
            }
            (None, None) => bail!(
                "this command signs: give --suri (or GHOST_SURI) or --suri-file (or GHOST_SURI_FILE), e.g. --suri //Alice"
            ),
        }
    }

    /// The node URL of `--chain-url`, checked when a command needs it (commands that never
    /// touch a chain ignore a stale value in the environment).
    pub fn chain_url(&self) -> Result<String> {
        parse_url(&self.chain_url).context("--chain-url (or GHOST_CHAIN_URL)")
    }

    /// A connection to the node of `--chain-url`, on `runtime`.
    pub fn chain(&self, runtime: &tokio::runtime::Runtime) -> Result<Chain> {
        runtime.block_on(Chain::connect(&self.chain_url()?, PATIENCE))
    }
}

/// Warn that the secret `suri`, given on the command line as `flag`, is visible in the
/// process list. Dev URIs (`//Alice`) hold no secret and pass quietly.
pub fn warn_if_secret(suri: &str, flag: &str) {
    if !keys::is_dev_uri(suri) {
        tracing::warn!(
            "the secret of {flag} is visible to every user of this machine (ps, /proc): \
             pass it in GHOST_SURI, or in a file with --suri-file"
        );
    }
}

/// A runtime for a command that talks to the chain or a prover.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Runtime::new()?)
}

/// A runtime for serving: answers run on its threads, at most `workers` at once (the
/// prover's semaphore), so one thread more keeps the network served meanwhile.
pub fn answering_runtime(workers: usize) -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(workers.max(1) + 1).enable_all().build()?)
}

/// Answers computed at once: as asked, or one per core.
pub fn workers(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// A verification failure: exit code 2, distinct from usage or I/O errors (1).
pub struct Rejected(pub String);

/// What a command ends with: done, or an answer rejected (exit 2); errors are exit 1.
pub type Verdict = Result<std::result::Result<(), Rejected>>;

/// Done.
pub fn done() -> Verdict {
    Ok(Ok(()))
}

/// Where the value of the global argument `id` came from, at whichever subcommand level
/// it was given (a command line source wins over the environment).
pub fn value_source(matches: &clap::ArgMatches, id: &str) -> Option<clap::parser::ValueSource> {
    let mut found = matches.value_source(id);
    let mut level = matches;
    while let Some((_, sub)) = level.subcommand() {
        found = found.max(sub.value_source(id));
        level = sub;
    }
    found
}
