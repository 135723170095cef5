//! Command line: the standard Substrate node commands plus benchmarking.

#[cfg(feature = "benchmark-cli")]
use polkadot_sdk::frame_benchmarking_cli;
use polkadot_sdk::sc_cli;

/// `ghost-node [SUBCOMMAND] [RUN OPTIONS]`.
#[derive(Debug, clap::Parser)]
pub struct Cli {
    /// A maintenance command instead of running the node.
    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,

    /// Options of a running node.
    #[clap(flatten)]
    pub run: sc_cli::RunCmd,
}

/// Maintenance commands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
    /// Key management.
    #[command(subcommand)]
    Key(sc_cli::KeySubcommand),
    /// Export a chain specification (`--chain dev|local|FILE`, `--raw`, `--output FILE`).
    ExportChainSpec(sc_cli::ExportChainSpecCmd),
    /// Build a chain specification (deprecated: use `export-chain-spec`).
    #[allow(deprecated)]
    BuildSpec(sc_cli::BuildSpecCmd),
    /// Validate blocks.
    CheckBlock(sc_cli::CheckBlockCmd),
    /// Export blocks.
    ExportBlocks(sc_cli::ExportBlocksCmd),
    /// Export the state of a block as a chain spec.
    ExportState(sc_cli::ExportStateCmd),
    /// Import blocks.
    ImportBlocks(sc_cli::ImportBlocksCmd),
    /// Remove the whole chain.
    PurgeChain(sc_cli::PurgeChainCmd),
    /// Revert the chain to a previous state.
    Revert(sc_cli::RevertCmd),
    /// Benchmarks: `benchmark pallet` regenerates the pallets' weights.
    #[cfg(feature = "benchmark-cli")]
    #[command(subcommand)]
    Benchmark(frame_benchmarking_cli::BenchmarkCmd),
    /// Benchmarks: only in a node built with `--features benchmark-cli`.
    #[cfg(not(feature = "benchmark-cli"))]
    Benchmark {
        /// Ignored: this build has no benchmark commands.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
    /// Database metadata.
    ChainInfo(sc_cli::ChainInfoCmd),
}
