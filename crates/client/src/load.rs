//! `ghost load`: many paid requests at once, and what each block settled.

use crate::{
    chain::{runtime, Chain, Wait},
    keys::account_of,
};
use anyhow::{anyhow, bail, Context, Result};
use ghost_primitives::{hex0x, Input, ModelId};
use std::{fmt, time::Duration};
use subxt::utils::{AccountId32, Static};
use subxt_signer::sr25519::Keypair;

/// What one block of a load run held.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct BlockLoad {
    /// Block number.
    pub number: u32,
    /// Extrinsics in it (the timestamp inherent included).
    pub extrinsics: usize,
    /// Requests opened, results posted and requests settled in it.
    pub requested: u32,
    /// Results posted.
    pub results: u32,
    /// Requests settled (paid).
    pub settled: u32,
    /// Requests that expired unanswered (refunded).
    pub expired: u32,
    /// Share of the block's normal-class weight (ref time) used, in percent.
    pub weight_percent: f64,
    /// Bytes of extrinsics.
    pub length: u32,
}

/// `ghost load`: `requests` paid requests from each of `clients` on `model`, each
/// accepted as soon as its result is posted (or settled for a refund once its result
/// deadline passed unanswered); the blocks they took, each `report`ed as it
/// is finalised.
pub async fn load(
    chain: &Chain,
    clients: &[Keypair],
    model: &ModelId,
    input: &Input,
    requests: u32,
    patience: Duration,
    mut report: impl FnMut(&BlockLoad),
) -> Result<Vec<BlockLoad>> {
    let info = chain.model(model).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(model)))?;
    info.shape.0.input.check(input).map_err(|e| anyhow!("the input does not fit model {}: {e}", hex0x(model)))?;
    let max_ref_time = {
        let weights = chain.api.constants().at(&runtime::constants().system().block_weights())?;
        weights.per_class.normal.max_total.map_or(weights.max_block.ref_time, |w| w.ref_time)
    };
    let owners: Vec<AccountId32> = clients.iter().map(account_of).collect();
    let total = requests as usize * clients.len();
    let mut heads = chain.api.blocks().subscribe_finalized().await?;
    let started = std::time::Instant::now();
    for round in 0..requests {
        for key in clients {
            let call = runtime::tx().inference().request(*model, Static(input.clone()), info.price);
            chain.submit(&call, key, Wait::Submitted).await.with_context(|| format!("request {round}"))?;
        }
    }
    let mut blocks = Vec::new();
    let mut accepting = Vec::new();
    let mut unanswered = std::collections::BTreeMap::new();
    let mut closed = 0usize;
    while closed < total {
        if started.elapsed() > patience {
            bail!("only {closed} of {total} requests closed in {patience:?}");
        }
        let Some(block) = heads.next().await else { bail!("the node stopped reporting blocks") };
        let block = block?;
        let mut row = BlockLoad { number: block.number(), ..Default::default() };
        let extrinsics = block.extrinsics().await?;
        row.extrinsics = extrinsics.len();
        row.length = extrinsics.iter().map(|x| x.bytes().len() as u32).sum();
        let at = chain.api.storage().at(block.hash());
        if let Some(w) = at.fetch(&runtime::storage().system().block_weight()).await? {
            row.weight_percent = w.normal.ref_time as f64 * 100.0 / max_ref_time.max(1) as f64;
        }
        for event in block.events().await?.iter() {
            let event = event?;
            use runtime::inference::events as ev;
            if let Some(e) = event.as_event::<ev::Requested>()? {
                if let Some(i) = owners.iter().position(|o| o == &e.client) {
                    row.requested += 1;
                    unanswered.insert(e.id, (e.deadline, i));
                }
            } else if let Some(e) = event.as_event::<ev::ResultSubmitted>()? {
                unanswered.remove(&e.id);
                if let Some(request) = chain.request(e.id).await? {
                    if let Some(i) = owners.iter().position(|o| o == &request.client) {
                        row.results += 1;
                        let (chain, key) = (chain.clone(), clients[i].clone());
                        accepting.push(tokio::spawn(async move {
                            chain.submit(&runtime::tx().inference().accept(e.id), &key, Wait::Submitted).await
                        }));
                    }
                }
            } else if event.as_event::<ev::Settled>()?.is_some() {
                row.settled += 1;
            } else if event.as_event::<ev::Expired>()?.is_some() {
                row.expired += 1;
            }
        }
        // Nothing closes on its own: a request left unanswered is settled (refunded) by its
        // client once its deadline passed.
        let due: Vec<u64> = unanswered.iter().filter(|(_, (d, _))| row.number > *d).map(|(id, _)| *id).collect();
        for id in due {
            if let Some((_, i)) = unanswered.remove(&id) {
                let (chain, key) = (chain.clone(), clients[i].clone());
                accepting.push(tokio::spawn(async move {
                    chain.submit(&runtime::tx().inference().settle(id), &key, Wait::Submitted).await
                }));
            }
        }
        closed += (row.settled + row.expired) as usize;
        report(&row);
        blocks.push(row);
    }
    for task in accepting {
        task.await??;
    }
    Ok(blocks)
}

impl fmt::Display for BlockLoad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "block #{:<6} {:>4} extrinsics {:>4} requested {:>4} results {:>4} settled {:>4} expired {:>5.1}% weight {:>7} bytes",
            self.number, self.extrinsics, self.requested, self.results, self.settled, self.expired, self.weight_percent, self.length
        )
    }
}

/// What a whole `ghost load` run did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoadSummary {
    /// Requests sent.
    pub requests: usize,
    /// Requests that expired unanswered.
    pub expired: u32,
    /// Blocks until every request closed.
    pub blocks: usize,
    /// Seconds until every request closed.
    pub seconds: f64,
    /// Most requests settled in one block.
    pub settled_per_block_peak: u32,
    /// Requests settled per block that settled any.
    pub settled_per_block_mean: f64,
    /// Requests settled per second.
    pub settled_per_second: f64,
    /// The busiest block's share of its normal-class weight, in percent.
    pub peak_weight_percent: f64,
}

impl LoadSummary {
    /// The summary of `blocks`, for `requests` requests closed in `seconds`.
    pub fn of(blocks: &[BlockLoad], requests: usize, seconds: f64) -> Self {
        let expired: u32 = blocks.iter().map(|b| b.expired).sum();
        let settled = (requests as f64 - f64::from(expired)).max(0.0);
        let busy = blocks.iter().filter(|b| b.settled > 0).count();
        Self {
            requests,
            expired,
            blocks: blocks.len(),
            seconds,
            settled_per_block_peak: blocks.iter().map(|b| b.settled).max().unwrap_or(0),
            settled_per_block_mean: settled / busy.max(1) as f64,
            settled_per_second: settled / seconds.max(f64::MIN_POSITIVE),
            peak_weight_percent: blocks.iter().map(|b| b.weight_percent).fold(0.0, f64::max),
        }
    }
}
