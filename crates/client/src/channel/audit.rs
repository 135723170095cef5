//! Handing receipts to a watcher for audit (`--audit URL --audit-rate p`): channel traffic
//! never reaches the chain, so a watcher holding the weights sees it only through the
//! clients. A receipt whose answer did not verify is always handed in; a verified one
//! with probability `rate`, drawn by the client, so that the prover cannot tell which
//! answers are audited.
//!
//! Forwarding runs beside the asking, from a bounded queue: an audit never delays an
//! answer. [`Auditor::finish`] waits until everything queued was handed in.

use crate::{
    api::{self, AuditRpcClient},
    wire::{ProofBytes, WireInput, WireReceipt},
};
use anyhow::Result;
use futures::StreamExt;
use std::{sync::Mutex, time::Duration};
use tokio::{sync::mpsc, task::JoinHandle};

/// Receipts waiting to be handed in; beyond it they are dropped (and counted).
const QUEUE: usize = 4096;
/// Receipts in flight to the watcher at once.
const AT_ONCE: usize = 4;
/// Tries per receipt.
const TRIES: u32 = 3;

/// What was handed in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Forwarded {
    /// Receipts the watcher took (or knew).
    pub handed: u64,
    /// Receipts it did not take, or that could not reach it.
    pub failed: u64,
    /// Receipts dropped because the queue was full.
    pub dropped: u64,
    /// The first failure, as a sentence.
    pub first_failure: Option<String>,
}

struct Handed {
    receipt: WireReceipt,
    input: WireInput,
    proof: ProofBytes,
}

/// A client's auditor: the watcher it hands receipts to, and the share it hands.
pub struct Auditor {
    url: String,
    rate: f64,
    queue: Mutex<Option<mpsc::Sender<Handed>>>,
    task: Mutex<Option<JoinHandle<Forwarded>>>,
    dropped: std::sync::atomic::AtomicU64,
}

impl Auditor {
    /// Hand receipts to the watcher at `url`: every refused one, and a share `rate`
    /// (0..=1) of the verified ones. Starts its task on the current runtime.
    pub fn start(url: &str, rate: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&rate) {
            anyhow::bail!("the audit rate {rate} is not a share between 0 and 1");
        }
        let client = api::client(url, Duration::from_secs(30))?;
        let (queue, taken) = mpsc::channel::<Handed>(QUEUE);
        let target = url.to_string();
        let task = tokio::spawn(async move {
            let stream = futures::stream::unfold(taken, |mut taken| async move { Some((taken.recv().await?, taken)) });
            let mut forwarded = Forwarded::default();
            let results = stream
                .map(|handed| {
                    let (client, target) = (&client, &target);
                    async move {
                        let mut last = String::new();
                        for attempt in 0..TRIES {
                            match client
                                .audit_receipt(handed.receipt.clone(), handed.input.clone(), handed.proof.clone())
                                .await
                            {
                                Ok(_) => return Ok(()),
                                Err(e) => last = e.to_string(),
                            }
                            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                        }
                        tracing::warn!(watcher = %target, error = %last, "a receipt could not be handed in for audit");
                        Err(last)
                    }
                })
                .buffer_unordered(AT_ONCE);
            let mut results = std::pin::pin!(results);
            while let Some(result) = results.next().await {
                match result {
                    Ok(()) => forwarded.handed += 1,
                    Err(why) => {
                        forwarded.failed += 1;
                        forwarded.first_failure.get_or_insert(why);
                    }
                }
            }
            forwarded
        });
        Ok(Self {
            url: url.to_string(),
            rate,
            queue: Mutex::new(Some(queue)),
            task: Mutex::new(Some(task)),
            dropped: Default::default(),
        })
    }

    /// The watcher's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Offer a receipt with its input and proof: handed in if it was `refused`, else with
    /// probability `rate`.
    pub fn offer(&self, receipt: &WireReceipt, input: WireInput, proof: &ProofBytes, refused: bool) {
        if !refused && rand::random::<f64>() >= self.rate {
            return;
        }
        let Ok(queue) = self.queue.lock() else { return };
        let Some(queue) = queue.as_ref() else { return };
        let handed = Handed { receipt: receipt.clone(), input, proof: proof.clone() };
        if queue.try_send(handed).is_err() {
            self.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Stop taking receipts, and wait until every one queued was handed in (or failed).
    pub async fn finish(&self) -> Forwarded {
        drop(self.queue.lock().ok().and_then(|mut q| q.take()));
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        let mut forwarded = match task {
            Some(task) => task.await.unwrap_or_default(),
            None => Forwarded::default(),
        };
        forwarded.dropped = self.dropped.load(std::sync::atomic::Ordering::Relaxed);
        forwarded
    }
}
