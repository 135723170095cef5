//! Following the chain: the one loop behind every long-running agent (the prover daemon,
//! the watcher). It connects, lets the agent catch up on what happened while it was away,
//! then hands it every finalised block; when the node goes away, or finalises nothing for
//! [`STALL`] (a silent socket looks just like that), it reconnects with backoff and catches
//! up again, forever. What it sees (the connection, each finalised block) it records in the
//! agent's [`Liveness`], which `ghost_health` reports.

use crate::{
    chain::{within, Chain, STALL},
    liveness::Liveness,
};
use anyhow::{bail, Context, Result};
use std::{convert::Infallible, future::Future, time::Duration};
use subxt::{blocks::Block, OnlineClient, PolkadotConfig};

/// A finalised block, as the follower is handed it.
pub type FinalizedBlock = Block<PolkadotConfig, OnlineClient<PolkadotConfig>>;

/// An agent that follows finalised blocks.
pub trait Follower {
    /// Just connected (first start or after an outage): catch up with the chain's state.
    fn connected(&mut self, chain: &Chain) -> impl Future<Output = Result<()>> + Send;
    /// A new finalised block.
    fn finalized(&mut self, chain: &Chain, block: FinalizedBlock) -> impl Future<Output = Result<()>> + Send;
}

/// First wait before reconnecting; it doubles after each failure up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait before reconnecting.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Follow the chain at `url` with `follower` until the future is dropped: every error
/// (a node down, a dropped subscription, a failed read) ends the session, is logged, and a
/// new session starts after the backoff. `liveness` hears of the connection and of every
/// finalised block.
pub async fn follow(url: &str, follower: &mut impl Follower, liveness: &Liveness) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let Err(e) = session(url, follower, &mut backoff, liveness).await;
        liveness.reconnecting();
        tracing::warn!(error = %format!("{e:#}"), retry_in = ?backoff, "lost the chain; reconnecting");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: catch up, then every finalised block, until something fails.
/// A session that caught up resets `backoff`: only failures in a row wait longer.
async fn session(
    url: &str,
    follower: &mut impl Follower,
    backoff: &mut Duration,
    liveness: &Liveness,
) -> Result<Infallible> {
    let chain = Chain::connect(url, Duration::from_secs(2)).await?;
    // Subscribe before catching up, so no block between the two is missed.
    let mut heads = chain.api.blocks().subscribe_finalized().await.context("following finalised blocks")?;
    follower.connected(&chain).await?;
    liveness.connected();
    *backoff = FIRST_BACKOFF;
    loop {
        let next = async { Ok(heads.next().await) };
        let Some(block) = within(STALL, next, stalled).await? else {
            bail!("the node closed the finalised-block subscription")
        };
        let block = block.context("the finalised-block subscription failed")?;
        let number = block.number();
        tracing::debug!(number, "finalised");
        liveness.finalized(number);
        let late = || {
            format!("block #{number} took over {} s to handle (the connection may have gone silent)", STALL.as_secs())
        };
        within(STALL, follower.finalized(&chain, block), late).await?;
    }
}

/// Why a session with no new finalised head for [`STALL`] ends.
fn stalled() -> String {
    format!("the node finalised no block for {} s (stalled, or the connection went silent)", STALL.as_secs())
}
