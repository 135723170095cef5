//! `ghost request`: open requests by hand (settle one after its deadline).

use crate::global::{self, Global};
use anyhow::Result;
use clap::Subcommand;
use ghost_client::paid;

#[derive(Subcommand)]
pub enum RequestCommand {
    /// Close a request whose deadline has passed: pays its prover, or refunds its client
    /// when nobody answered. Anyone may; settlement is never automatic.
    #[command(after_help = "Example:\n  ghost request settle 7 --suri //Charlie")]
    Settle {
        /// The request id.
        id: u64,
    },
}

/// Run a `ghost request` command.
pub fn run(command: RequestCommand, global: &Global) -> Result<()> {
    let runtime = global::runtime()?;
    let (key, chain) = (global.key()?, global.chain(&runtime)?);
    match command {
        RequestCommand::Settle { id } => {
            let outcome = runtime.block_on(paid::settle(&chain, &key, id, global.wait()))?;
            println!("{}", outcome.report("settled"));
        }
    }
    Ok(())
}
