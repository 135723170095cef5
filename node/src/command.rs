//! Dispatch of the command line.

use crate::{
    chain_spec,
    cli::{Cli, Subcommand},
    service,
};
use ghost_runtime::opaque::Block;
#[cfg(feature = "benchmark-cli")]
use polkadot_sdk::frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
use polkadot_sdk::{
    sc_cli::{self, SubstrateCli},
    sc_consensus_grandpa, sc_network,
    sc_service::{self, PartialComponents},
    sp_runtime,
};

impl SubstrateCli for Cli {
    fn impl_name() -> String {
        "Ghostchain Node".into()
    }

    fn impl_version() -> String {
        env!("SUBSTRATE_CLI_IMPL_VERSION").into()
    }

    fn description() -> String {
        env!("CARGO_PKG_DESCRIPTION").into()
    }

    fn author() -> String {
        env!("CARGO_PKG_AUTHORS").into()
    }

    fn support_url() -> String {
        "https://github.com/ghostchain/ghostchain/issues".into()
    }

    fn copyright_start_year() -> i32 {
        2026
    }

    fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
        Ok(match id {
            "dev" => Box::new(chain_spec::development()?),
            "" | "local" => Box::new(chain_spec::local()?),
            other => match local_validators(other) {
                Some(validators) => Box::new(chain_spec::local_of(validators)?),
                None => Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(other))?),
            },
        })
    }
}

/// The number of validators `N` of a chain named `local-N`.
fn local_validators(chain: &str) -> Option<usize> {
    chain.strip_prefix("local-")?.parse().ok()
}

/// Parse the command line and run it.
pub fn run() -> sc_cli::Result<()> {
    let mut cli = Cli::from_args();
    // The built-in local testnet runs on one machine: its validators may make up a network
    // key at start. Validators of any other chain must keep theirs (`--node-key-file`), as
    // their peer id is how the others find them.
    let chain = cli.run.shared_params.chain.as_deref().unwrap_or_default();
    if !cli.run.shared_params.dev && (matches!(chain, "" | "local") || local_validators(chain).is_some()) {
        cli.run.network_params.node_key_params.unsafe_force_node_key_generation = true;
    }

    match &cli.subcommand {
        Some(Subcommand::Key(cmd)) => cmd.run(&cli),
        Some(Subcommand::ExportChainSpec(cmd)) => cmd.run(cli.load_spec(&cmd.chain)?),
        #[allow(deprecated)]
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::CheckBlock(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents { client, task_manager, import_queue, .. } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::ExportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.database), task_manager))
            })
        }
        Some(Subcommand::ExportState(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.chain_spec), task_manager))
            })
        }
        Some(Subcommand::ImportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents { client, task_manager, import_queue, .. } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        Some(Subcommand::Revert(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents { client, task_manager, backend, .. } = service::new_partial(&config)?;
                let aux_revert = Box::new(|client, _, blocks| {
                    sc_consensus_grandpa::revert(client, blocks)?;
                    Ok(())
                });
                Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
            })
        }
        #[cfg(feature = "benchmark-cli")]
        Some(Subcommand::Benchmark(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| match cmd {
                BenchmarkCmd::Pallet(cmd) => {
                    cmd.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(Some(config.chain_spec))
                }
                BenchmarkCmd::Block(cmd) => {
                    let PartialComponents { client, .. } = service::new_partial(&config)?;
                    cmd.run(client)
                }
                BenchmarkCmd::Machine(cmd) => cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()),
                _ => Err("this node benchmarks pallets (`benchmark pallet`), blocks and the machine".into()),
            })
        }
        #[cfg(not(feature = "benchmark-cli"))]
        Some(Subcommand::Benchmark { .. }) => Err("this ghost-node was built without the benchmark commands: \
             build it with `cargo build --release -p ghost-node --features benchmark-cli` (scripts/weights.sh does)"
            .into()),
        Some(Subcommand::ChainInfo(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run::<Block>(&config))
        }
        None => {
            let runner = cli.create_runner(&cli.run)?;
            runner.run_node_until_exit(|config| async move {
                match config.network.network_backend {
                    sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
                        sc_network::NetworkWorker<Block, <Block as sp_runtime::traits::Block>::Hash>,
                    >(config)
                    .map_err(sc_cli::Error::Service),
                    sc_network::config::NetworkBackendType::Litep2p => {
                        service::new_full::<sc_network::Litep2pNetworkBackend>(config).map_err(sc_cli::Error::Service)
                    }
                }
            })
        }
    }
}
