//! `ghost credit`: balances, transfers, collateral, limits.

use crate::global::{self, Global};
use anyhow::{Context, Result};
use clap::Subcommand;
use ghost_client::{
    credit::{self, CreditCall},
    keys::{account_of, parse_account},
    tokens::Tokens,
};
use subxt::utils::AccountId32;

#[derive(Subcommand)]
pub enum CreditCommand {
    /// Native balances and credit of accounts (default: the --suri key's), and the credit total.
    #[command(after_help = "Example:\n  ghost credit show alice bob 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty")]
    Show {
        /// Accounts: SS58, 0x-hex or a dev name (alice, bob, ...).
        #[arg(value_parser = parse_account)]
        accounts: Vec<AccountId32>,
    },
    /// Transfer credit (plain units) to an account.
    #[command(after_help = "Example:\n  ghost credit transfer bob 25 --suri //Alice")]
    Transfer {
        /// Receiver.
        #[arg(value_parser = parse_account)]
        to: AccountId32,
        /// Credit units.
        amount: u128,
    },
    /// Hold native collateral (GHOST) to raise your credit limit.
    #[command(after_help = "Example:\n  ghost credit open 10 --suri //Charlie")]
    Open {
        /// GHOST to hold, e.g. 10 or 2.5.
        collateral: Tokens,
    },
    /// Release native collateral (GHOST).
    #[command(after_help = "Example:\n  ghost credit close 10 --suri //Charlie")]
    Close {
        /// GHOST to release.
        collateral: Tokens,
    },
    /// Grant an account a credit limit (root: the sudo key signs).
    #[command(after_help = "Example:\n  ghost credit limit charlie 1000 --suri //Alice")]
    Limit {
        /// Account.
        #[arg(value_parser = parse_account)]
        who: AccountId32,
        /// The limit, in credit units.
        granted: u128,
    },
}

/// Run a `ghost credit` command.
pub fn run(command: CreditCommand, global: &Global) -> Result<()> {
    let runtime = global::runtime()?;
    let call = match command {
        CreditCommand::Show { accounts } => {
            let chain = global.chain(&runtime)?;
            let who = if accounts.is_empty() {
                vec![account_of(&global.key().context("name accounts, or give --suri")?)]
            } else {
                accounts
            };
            println!("{}", runtime.block_on(credit::balances(&chain, &who))?);
            return Ok(());
        }
        CreditCommand::Transfer { to, amount } => CreditCall::Transfer { to, amount },
        CreditCommand::Open { collateral } => CreditCall::Open { collateral: collateral.0 },
        CreditCommand::Close { collateral } => CreditCall::Close { collateral: collateral.0 },
        CreditCommand::Limit { who, granted } => CreditCall::Limit { who, granted },
    };
    let (key, chain) = (global.key()?, global.chain(&runtime)?);
    let (outcome, moved) = runtime.block_on(credit::credit(&chain, &key, call, global.wait()))?;
    println!("{}", outcome.report("done"));
    // The balances the call moved, as they are now.
    if outcome.block.is_some() {
        println!("{}", runtime.block_on(credit::balances(&chain, &moved))?);
    }
    Ok(())
}
