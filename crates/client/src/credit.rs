//! Mutual credit: transfers, collateral, limits, and balances.

use crate::{
    chain::{runtime, Account, Chain, Wait},
    keys::{account_of, show_account},
    outcome::Outcome,
    tokens::fmt_tokens,
};
use anyhow::Result;
use std::fmt;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// A mutual-credit call `ghost credit` makes.
#[derive(Clone, Debug)]
pub enum CreditCall {
    /// Move credit units to an account.
    Transfer {
        /// The receiver.
        to: AccountId32,
        /// Credit units.
        amount: u128,
    },
    /// Hold native collateral (planck) to raise one's limit.
    Open {
        /// Planck to hold.
        collateral: u128,
    },
    /// Release native collateral (planck).
    Close {
        /// Planck to release.
        collateral: u128,
    },
    /// Grant an account a credit limit, through sudo.
    Limit {
        /// The account.
        who: AccountId32,
        /// The limit, in credit units.
        granted: u128,
    },
}

/// Submit a `ghost credit` call; returns its outcome and the accounts whose credit it moved.
pub async fn credit(chain: &Chain, key: &Keypair, call: CreditCall, wait: Wait) -> Result<(Outcome, Vec<AccountId32>)> {
    use runtime::runtime_types::{ghost_runtime::RuntimeCall, pallet_mutual_credit::pallet::Call};
    let mut moved = vec![account_of(key)];
    let outcome = match call {
        CreditCall::Transfer { to, amount } => {
            moved.push(to.clone());
            chain.submit(&runtime::tx().mutual_credit().transfer(to, amount), key, wait).await?
        }
        CreditCall::Open { collateral } => {
            chain.submit(&runtime::tx().mutual_credit().open_credit(collateral), key, wait).await?
        }
        CreditCall::Close { collateral } => {
            chain.submit(&runtime::tx().mutual_credit().close_credit(collateral), key, wait).await?
        }
        CreditCall::Limit { who, granted } => {
            moved.push(who.clone());
            let inner = RuntimeCall::MutualCredit(Call::set_credit_limit { who, granted });
            chain.submit(&runtime::tx().sudo().sudo(inner), key, wait).await?
        }
    };
    Ok((outcome, moved))
}

/// Accounts' native balances and credit, and the sum of all credit (`ghost credit show`).
pub struct Balances {
    /// Each account asked for, with its money.
    pub accounts: Vec<(AccountId32, Account)>,
    /// The sum of every account's credit on chain (zero, by the mutual-credit invariant).
    pub total: i128,
}

/// Read `who`'s balances and the credit total.
pub async fn balances(chain: &Chain, who: &[AccountId32]) -> Result<Balances> {
    let mut accounts = Vec::new();
    for account in who {
        accounts.push((account.clone(), chain.account(account).await?));
    }
    Ok(Balances { accounts, total: chain.credit_total().await? })
}

impl fmt::Display for Balances {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<60} {:>28} {:>20} {:>12} {:>12}", "account", "free", "held", "credit", "limit")?;
        for (account, a) in &self.accounts {
            writeln!(
                f,
                "{:<60} {:>28} {:>20} {:>12} {:>12}",
                show_account(account),
                fmt_tokens(a.free),
                fmt_tokens(a.held),
                a.credit,
                a.credit_limit
            )?;
        }
        write!(f, "credit sums to {} over all accounts", self.total)
    }
}
