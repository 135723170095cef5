//! What the harness watches while the run goes: every validator's best and finalised heads
//! (each second, recorded when they change) and every process's resident memory (every
//! five).

use crate::{
    actors::Actor,
    history::{Event, History},
};
use anyhow::{anyhow, Result};
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

/// Validator at `url`'s finalised head: number and hash.
pub async fn finalized(url: &str) -> Result<(u32, String)> {
    let client = HttpClientBuilder::default().request_timeout(Duration::from_secs(2)).build(url)?;
    let hash: String = client.request("chain_getFinalizedHead", rpc_params![]).await?;
    let header: serde_json::Value = client.request("chain_getHeader", rpc_params![hash.clone()]).await?;
    let number = header["number"].as_str().ok_or_else(|| anyhow!("a header without a number"))?;
    let number = u32::from_str_radix(number.trim_start_matches("0x"), 16)?;
    Ok((number, hash))
}

/// The number of validator at `url`'s best block.
pub async fn best(url: &str) -> Result<u32> {
    let client = HttpClientBuilder::default().request_timeout(Duration::from_secs(2)).build(url)?;
    let header: serde_json::Value = client.request("chain_getHeader", rpc_params![]).await?;
    let number = header["number"].as_str().ok_or_else(|| anyhow!("a header without a number"))?;
    Ok(u32::from_str_radix(number.trim_start_matches("0x"), 16)?)
}

/// The hash of block `number` on the validator at `url`'s chain.
pub async fn block_hash(url: &str, number: u32) -> Result<String> {
    let client = HttpClientBuilder::default().request_timeout(Duration::from_secs(5)).build(url)?;
    let hash: Option<String> = client.request("chain_getBlockHash", rpc_params![number]).await?;
    hash.ok_or_else(|| anyhow!("no block {number}"))
}

/// Resident memory of `pid`, KiB.
pub fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Sample until `stop`.
pub async fn run(history: Arc<History>, nodes: Vec<String>, actors: Vec<Arc<Actor>>, mut stop: watch::Receiver<bool>) {
    let mut last: Vec<Option<(u32, String)>> = vec![None; nodes.len()];
    let mut last_best: Vec<Option<u32>> = vec![None; nodes.len()];
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    for second in 0u64.. {
        tokio::select! {
            _ = tick.tick() => {}
            _ = async { let _ = stop.wait_for(|s| *s).await; } => return,
        }
        let heads = futures::future::join_all(nodes.iter().map(|url| finalized(url))).await;
        for (node, head) in heads.into_iter().enumerate() {
            if let Ok(head) = head {
                if last[node].as_ref() != Some(&head) {
                    history.record(Event::Finalized { node, number: head.0, hash: head.1.clone() });
                    last[node] = Some(head);
                }
            }
        }
        let bests = futures::future::join_all(nodes.iter().map(|url| best(url))).await;
        for (node, number) in bests.into_iter().enumerate() {
            if let Ok(number) = number {
                if last_best[node] != Some(number) {
                    history.record(Event::Best { node, number });
                    last_best[node] = Some(number);
                }
            }
        }
        if second % 5 == 0 {
            for actor in &actors {
                if let Some((pid, kib)) = actor.pid().and_then(|pid| resident_kib(pid).map(|kib| (pid, kib))) {
                    history.record(Event::Memory { actor: actor.name().to_string(), pid, kib });
                }
            }
        }
    }
}
