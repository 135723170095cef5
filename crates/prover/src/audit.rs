//! Receipt audits: the watcher's endpoint (`ghost watch --listen`) where clients hand in
//! the receipts of their channels, with the inputs and proofs, so that someone holding the
//! weights checks answers nobody posted on chain.
//!
//! A receipt is taken only if its prover signed it, for this chain, on a model watched
//! here, for the input and proof handed in with it, and while it can still be reported.
//! It is appended to `audits.jsonl` and synced before the ticket is returned: a watcher
//! killed at any point audits it after its restart. Each is judged once
//! (`ghost_primitives::channel::judge`, the chain's own judgement): a proof that does not
//! verify is reported with that proof; a valid proof whose rows or lists were not the best
//! is reported with the exclusion fraud proof that shows it. A report is retried on the
//! current connection until it lands, someone else convicted first, or the receipt's
//! window ends. The endpoint also answers `ghost_health` from the watcher's [`Liveness`],
//! with the receipts taken since start and those not audited to their end yet.

use crate::{
    findings::{weigh, Finding as Weighed},
    server::{self, Limits},
};
use anyhow::{anyhow, Context, Result};
use codec::Encode;
use ghost_client::{
    api::{AuditRpcServer, AuditTicket, Health, AUDIT_REFUSED, UNAVAILABLE},
    chain::Chain,
    channel::{
        onchain::{report_receipt, Evidence},
        ChainReceipt, WireReceipt,
    },
    durable::{write_atomic, Log},
    keys::show_account,
    liveness::Liveness,
    wire::{ProofBytes, WireInput},
};
use ghost_primitives::{
    channel::{input_hash, judge, proof_hash, Acquittal, ReceiptEvidence, ReceiptFault},
    hex0x, Hash, Input, Model, ModelId,
};
use jsonrpsee::{
    core::{async_trait, RpcResult},
    server::ServerHandle,
    types::ErrorObjectOwned,
};
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    fmt,
    net::SocketAddr,
    path::Path,
    sync::{
        atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;
use tokio::sync::{mpsc, watch, Semaphore};

/// Receipts waiting for their audit; one more is refused as busy (it is not kept).
pub const QUEUE: usize = 1024;
/// Receipts taken whose audit has not ended, at most: each may need a report, and reports
/// land about one a second (`REPORTS_AT_ONCE`, each waiting for finality), so more would
/// lapse in their window (30 blocks on the dev chain) and "taken" would promise what the
/// watcher cannot do. Beyond it, receipts are refused as busy, to be handed in again.
/// (Found by the fault harness: a flood of lazy receipts left thousands taken and never
/// reported.)
pub const BACKLOG: usize = 16;
/// Receipts judged at once (each a forward pass, and a fraud proof when it was lazy).
const AT_ONCE: usize = 2;
/// Reports under way at once.
const REPORTS_AT_ONCE: usize = 4;
/// Receipts between the queue and the end of their audit (judged, waiting for their date or
/// a report): the queue backs up beyond it, and intake answers busy.
const IN_HAND: usize = 256;
/// Intake's chain reads at once; more are answered busy.
const READS_AT_ONCE: usize = 8;
/// How far ahead of the watcher's finalised block a receipt may be dated: a client takes
/// receipts up to `MAX_RECEIPT_SKEW` ahead of its best block, which finality trails.
const AHEAD: u32 = 2 * ghost_primitives::channel::MAX_RECEIPT_SKEW + 10;
/// A view of the chain older than this may be behind a receipt's date (three blocks).
const STALE_VIEW_SECONDS: u64 = 6;
/// Pause between two tries of a report that did not land.
const RETRY: Duration = Duration::from_secs(3);
/// The audit log's name in `ghost_health`'s `journal`.
pub const STORE: &str = "audit log";

/// One line of `audits.jsonl`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum Line {
    /// A receipt taken for audit.
    Taken(Box<Handed>),
    /// Its audit ended (clean, reported, convicted by someone else, or too late): its digest.
    Done { receipt: String },
}

/// A receipt as handed in.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Handed {
    receipt: WireReceipt,
    input: WireInput,
    proof: ProofBytes,
}

/// A receipt taken, checked to be the prover's and to match its input and proof.
pub struct Held {
    receipt: ChainReceipt,
    signature: [u8; 64],
    input: Input,
    proof: Vec<u8>,
    digest: Hash,
}

/// What an audit found and did, as it happens.
#[derive(Clone, Debug)]
pub enum AuditEvent {
    /// The endpoint listens.
    Listening {
        /// Its address.
        addr: SocketAddr,
        /// Receipts taken before a restart and not audited yet.
        backlog: usize,
    },
    /// A receipt's answer is the honest one.
    Clean {
        /// Channel and sequence number.
        at: (u64, u64),
    },
    /// A receipt convicted its prover, on our report.
    Convicted {
        /// Channel and sequence number.
        at: (u64, u64),
        /// The prover.
        prover: AccountId32,
        /// What convicted it.
        fault: ReceiptFault,
    },
    /// A receipt's answer is not the honest one, and no evidence shows it.
    Unexplained {
        /// Channel and sequence number.
        at: (u64, u64),
        /// Why.
        why: String,
    },
    /// A report did not land, or the receipt was convicted already or is too old now.
    Ended {
        /// Channel and sequence number.
        at: (u64, u64),
        /// Why, as a sentence.
        why: String,
    },
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditEvent::Listening { addr, backlog } => {
                write!(f, "auditing receipts at http://{addr} ({backlog} taken before and not audited yet)")
            }
            AuditEvent::Clean { at: (c, s) } => write!(f, "receipt {s} of channel {c}: honest"),
            AuditEvent::Convicted { at: (c, s), prover, fault } => {
                write!(f, "receipt {s} of channel {c}: convicted {} in one call ({fault:?})", show_account(prover))
            }
            AuditEvent::Unexplained { at: (c, s), why } => {
                write!(f, "receipt {s} of channel {c}: not the honest answer, but {why}")
            }
            AuditEvent::Ended { at: (c, s), why } => write!(f, "receipt {s} of channel {c}: {why}"),
        }
    }
}

/// The receipts a watcher audits.
pub struct Audits {
    genesis: Hash,
    models: BTreeMap<ModelId, Arc<Model>>,
    /// `ReceiptWindow`, once read from the chain (0 until then: nothing refused as old).
    window: AtomicU32,
    /// The last finalised block seen.
    now: AtomicU32,
    kept: Mutex<Kept>,
    queue: mpsc::Sender<Held>,
    /// The current connection: receipts are checked against their channels on chain.
    chain: watch::Receiver<Option<Chain>>,
    /// Bounds the reports under way (each waits on the chain, holding its evidence).
    reports: Semaphore,
    /// Bounds intake's chain reads.
    reads: Semaphore,
    /// The watcher's health, told how each append to the log goes.
    liveness: Arc<Liveness>,
    /// Receipts taken since start.
    taken: AtomicU64,
    /// Receipts taken (before a restart too) whose audit has not ended.
    queued: AtomicUsize,
}

struct Kept {
    log: Log,
    /// Digests taken, with the block they can be reported until (0: not known yet).
    seen: BTreeMap<Hash, u32>,
}

impl Audits {
    /// Open the audit log at `path` for the chain of `genesis`, auditing `models`: the
    /// receipts taken before and not audited come back in the queue returned. `liveness`
    /// is told how each append goes, and is what `ghost_health` reports.
    pub fn open(
        path: &Path,
        genesis: Hash,
        models: BTreeMap<ModelId, Arc<Model>>,
        chain: watch::Receiver<Option<Chain>>,
        liveness: Arc<Liveness>,
    ) -> Result<(Arc<Self>, mpsc::Receiver<Held>, usize)> {
        let (_, read) = Log::open::<Line>(path).with_context(|| format!("opening {}", path.display()))?;
        // Taken receipts by digest, in order, less those whose audit ended.
        let mut taken: Vec<(String, Box<Handed>)> = Vec::new();
        let mut done = std::collections::BTreeSet::new();
        for line in read.records {
            match line {
                Line::Taken(handed) => {
                    if let Ok((parsed, _)) = handed.receipt.parse() {
                        taken.push((hex0x(&parsed.digest()), handed));
                    }
                }
                Line::Done { receipt } => {
                    done.insert(receipt);
                }
            }
        }
        // The log keeps only what is still to do: rewritten whole, then appended to.
        let mut text = Vec::new();
        let mut backlog = Vec::new();
        for (digest, handed) in taken {
            if done.contains(&digest) {
                continue;
            }
            if let Ok(held) = check(&genesis, &models, &handed.receipt, handed.input.clone(), handed.proof.clone()) {
                text.extend(serde_json::to_vec(&Line::Taken(handed))?);
                text.push(b'\n');
                backlog.push(held);
            }
        }
        write_atomic(path, &text).with_context(|| format!("rewriting {}", path.display()))?;
        let (log, _) = Log::open::<Line>(path).with_context(|| format!("opening {}", path.display()))?;
        let waiting = backlog.len();
        let (queue, taken) = mpsc::channel(QUEUE + waiting);
        let seen = backlog.iter().map(|h| (h.digest, 0)).collect();
        for held in backlog {
            queue.try_send(held).map_err(|_| anyhow!("the audit queue refused its backlog"))?;
        }
        let audits = Self {
            genesis,
            models,
            window: AtomicU32::new(0),
            now: AtomicU32::new(0),
            kept: Mutex::new(Kept { log, seen }),
            queue,
            chain,
            reports: Semaphore::new(REPORTS_AT_ONCE),
            reads: Semaphore::new(READS_AT_ONCE),
            liveness,
            taken: AtomicU64::new(0),
            queued: AtomicUsize::new(waiting),
        };
        Ok((Arc::new(audits), taken, waiting))
    }

    /// A new finalised block: receipts too old to report are refused from now on, and
    /// forgotten.
    pub fn set_now(&self, now: u32) {
        self.now.fetch_max(now, Ordering::Relaxed);
        if let Ok(mut kept) = self.kept.lock() {
            kept.seen.retain(|_, until| *until == 0 || *until >= now);
        }
    }

    /// The chain's `ReceiptWindow`.
    pub fn set_window(&self, window: u32) {
        self.window.store(window, Ordering::Relaxed);
    }

    /// The last block `receipt` can be reported in (`None`: the window is not known yet).
    fn until(&self, receipt: &ChainReceipt) -> Option<u32> {
        match self.window.load(Ordering::Relaxed) {
            0 => None,
            window => Some(receipt.at.saturating_add(window)),
        }
    }

    /// Take a receipt for audit: checked (against its channel on chain too), logged and
    /// synced, then queued. A receipt handed in before is answered as if new: the answer
    /// says nothing of who else handed it in.
    pub async fn take(
        &self,
        receipt: WireReceipt,
        input: WireInput,
        proof: ProofBytes,
    ) -> Result<AuditTicket, Refused> {
        let held = check(&self.genesis, &self.models, &receipt, input.clone(), proof.clone())?;
        // Handed in before: nothing more to read or keep.
        if self.kept.lock().is_ok_and(|k| k.seen.contains_key(&held.digest)) {
            return Ok(AuditTicket::Taken);
        }
        self.check_channel(&held.receipt).await?;
        self.keep(held, Handed { receipt, input, proof })
    }

    /// Log and queue a checked receipt, once.
    fn keep(&self, held: Held, handed: Handed) -> Result<AuditTicket, Refused> {
        let until = self.until(&held.receipt);
        let mut kept = self.kept.lock().map_err(|_| Refused::Log("the audit log was poisoned".into()))?;
        if kept.seen.contains_key(&held.digest) {
            return Ok(AuditTicket::Taken);
        }
        if self.queued.load(Ordering::Relaxed) >= BACKLOG {
            return Err(Refused::Busy);
        }
        let permit = self.queue.try_reserve().map_err(|_| Refused::Busy)?;
        let appended = kept.log.append(&Line::Taken(Box::new(handed)));
        self.liveness.wrote(STORE, &appended);
        appended.map_err(|e| Refused::Log(e.to_string()))?;
        kept.seen.insert(held.digest, until.unwrap_or(0));
        self.taken.fetch_add(1, Ordering::Relaxed);
        self.queued.fetch_add(1, Ordering::Relaxed);
        permit.send(held);
        Ok(AuditTicket::Taken)
    }

    /// `ghost_health`'s answer: the watcher's liveness, the models watched, the receipts
    /// taken since start (`served`) and those whose audit has not ended (`auditsQueued`).
    pub fn health(&self) -> Health {
        let taken = self.taken.load(Ordering::Relaxed);
        let health = self.liveness.health(self.models.len(), taken);
        Health { audits_queued: Some(self.queued.load(Ordering::Relaxed)), ..health }
    }

    /// Whether, at `now`, the watcher has seen no finalised block for a while: its view of
    /// the chain may be behind a receipt's date.
    fn view_stale(&self, now: std::time::Instant) -> bool {
        self.liveness.health_at(now, 0, 0).lag_seconds.is_none_or(|lag| lag > STALE_VIEW_SECONDS)
    }

    /// Whether `receipt` can convict anyone on chain: its channel (open, or finished and
    /// still reportable) has its parties and price, and its date is inside its window.
    async fn check_channel(&self, receipt: &ChainReceipt) -> Result<(), Refused> {
        let now = self.now.load(Ordering::Relaxed);
        // Not following the chain yet: nothing can be judged about dates.
        if now == 0 {
            return Err(Refused::Busy);
        }
        if self.until(receipt).is_some_and(|until| until < now) {
            return Err(Refused::Expired);
        }
        // Dated ahead is fine (it is reported from its date on), but not beyond what a
        // client could have taken.
        if receipt.at > now.saturating_add(AHEAD) {
            // A watcher that has seen no finalised block for a while (paused, its node down,
            // finality stalled) is behind, rather than the receipt ahead: try again later.
            if self.view_stale(std::time::Instant::now()) {
                return Err(Refused::Busy);
            }
            return Err(Refused::Unusable(format!(
                "it is dated block {}, far ahead of the chain at {now}",
                receipt.at
            )));
        }
        let chain = self.chain.borrow().clone().ok_or(Refused::Busy)?;
        let _reading = self.reads.try_acquire().map_err(|_| Refused::Busy)?;
        let unreadable = |e: anyhow::Error| {
            tracing::warn!(error = %format!("{e:#}"), "reading a receipt's channel failed");
            Refused::Busy
        };
        let terms = match chain.channel(receipt.channel).await.map_err(unreadable)? {
            Some(open) => Some((open.client.0, open.prover.0, open.model, open.price)),
            None => chain
                .finished_channel(receipt.channel)
                .await
                .map_err(unreadable)?
                .map(|f| (f.client.0, f.prover.0, f.model, f.price)),
        };
        match terms {
            Some(terms) if terms == (receipt.client, receipt.prover, receipt.model, receipt.price) => Ok(()),
            Some(_) => Err(Refused::Unusable("it is not its channel's: parties, model or price differ".into())),
            None => Err(Refused::Unusable(format!("channel {} is not on chain", receipt.channel))),
        }
    }

    fn done(&self, digest: &Hash) {
        let _ = self.queued.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        let line = Line::Done { receipt: hex0x(digest) };
        let appended = self.kept.lock().map_err(|_| anyhow!("poisoned")).and_then(|mut k| {
            let appended = k.log.append(&line);
            self.liveness.wrote(STORE, &appended);
            Ok(appended?)
        });
        if let Err(e) = appended {
            // Not fatal: the receipt is audited again after a restart, and judged the same.
            tracing::warn!(error = %e, "an audit's end could not be logged");
        }
    }
}

/// Why a receipt was not taken for audit.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// It is not a receipt that can convict anyone here.
    #[error("the receipt is not taken: {0}")]
    Unusable(String),
    /// It is too old to be reported.
    #[error("the receipt is too old to be reported")]
    Expired,
    /// The queue is full.
    #[error("too many receipts wait for audit: hand it in later")]
    Busy,
    /// It could not be kept durably.
    #[error("the receipt could not be kept: {0}")]
    Log(String),
}

/// `receipt` with its `input` and `proof`, checked to be reportable here.
fn check(
    genesis: &Hash,
    models: &BTreeMap<ModelId, Arc<Model>>,
    receipt: &WireReceipt,
    input: WireInput,
    proof: ProofBytes,
) -> Result<Held, Refused> {
    if proof.0.len() > ghost_primitives::limits::MAX_PROOF_BYTES {
        return Err(Refused::Unusable("its proof is larger than any the chain takes".into()));
    }
    let (receipt, signature) = receipt.parse().map_err(|e| Refused::Unusable(e.to_string()))?;
    if &receipt.genesis != genesis {
        return Err(Refused::Unusable("it is for another chain".into()));
    }
    let model = models
        .get(&receipt.model)
        .ok_or_else(|| Refused::Unusable(format!("model {} is not watched here", hex0x(&receipt.model))))?;
    let input: Input = input.into();
    model.verifier().check_input(&input).map_err(|e| Refused::Unusable(format!("its input does not fit: {e}")))?;
    if input_hash(&input) != receipt.input {
        return Err(Refused::Unusable("the input is not the one it answers".into()));
    }
    if proof_hash(&proof.0) != receipt.proof {
        return Err(Refused::Unusable("the proof is not the one it names".into()));
    }
    let digest = receipt.digest();
    Ok(Held { receipt, signature, input, proof: proof.0, digest })
}

/// What judging a receipt against the weights found.
enum Finding {
    Honest,
    Report(Evidence),
    Unexplained(String),
}

/// Judge `held` with `model`'s weights, as the chain would judge the evidence.
fn examine(model: &Model, held: &Held) -> Finding {
    let receipt = &held.receipt;
    match judge(model.verifier(), receipt, &held.input, ReceiptEvidence::Proof(&held.proof)) {
        Ok(_) => return Finding::Report(Evidence::Proof(held.proof.clone())),
        Err(Acquittal::Honest(_)) => {}
        Err(other) => return Finding::Unexplained(format!("it does not match its proof ({other:?})")),
    }
    let binding = receipt.prover.encode();
    match weigh(model, &held.input, &binding, &receipt.claim(), &held.proof) {
        Ok(None) => Finding::Honest,
        Ok(Some(Weighed::Excluded(fraud))) => Finding::Report(Evidence::Fraud(fraud)),
        Ok(Some(Weighed::Unexplained(why))) => Finding::Unexplained(why),
        Err(e) => Finding::Unexplained(format!("the honest answer could not be computed: {e}")),
    }
}

/// The endpoint's JSON-RPC.
struct Endpoint(Arc<Audits>);

#[async_trait]
impl AuditRpcServer for Endpoint {
    async fn watcher_health(&self) -> RpcResult<Health> {
        // The counts stay the operator's (in its log): from them a prover could tell which
        // of its answers were handed in, and cheat only the clients that never audit.
        Ok(Health { served: 0, audits_queued: None, ..self.0.health() })
    }

    async fn audit_receipt(&self, receipt: WireReceipt, input: WireInput, proof: ProofBytes) -> RpcResult<AuditTicket> {
        self.0.take(receipt, input, proof).await.map_err(|refused| {
            let code = match refused {
                Refused::Busy => UNAVAILABLE,
                Refused::Log(_) => ghost_client::api::INTERNAL,
                _ => AUDIT_REFUSED,
            };
            ErrorObjectOwned::owned(code, refused.to_string(), None::<()>)
        })
    }
}

/// Serve `audits` on `listen` (bounded as a prover's endpoint is).
pub async fn serve(listen: SocketAddr, audits: Arc<Audits>) -> Result<(SocketAddr, ServerHandle)> {
    server::serve_methods(listen, Endpoint(audits).into_rpc().into(), Limits::DEFAULT).await
}

/// Audit the receipts `taken` as they come, reporting with `key` on the current connection
/// (`chain`), and tell each outcome to `say`. Returns when the queue's senders are gone.
pub async fn work(
    audits: Arc<Audits>,
    mut taken: mpsc::Receiver<Held>,
    key: Keypair,
    say: impl Fn(AuditEvent) + Send + Sync + 'static,
) {
    let say = Arc::new(say);
    let at_once = Arc::new(Semaphore::new(AT_ONCE));
    let in_hand = Arc::new(Semaphore::new(IN_HAND));
    loop {
        // A slot first: while every one is taken, the queue backs up and intake is busy.
        let Ok(slot) = in_hand.clone().acquire_owned().await else { return };
        let Some(held) = taken.recv().await else { return };
        let Ok(permit) = at_once.clone().acquire_owned().await else { return };
        let (audits, key, say) = (audits.clone(), key.clone(), say.clone());
        tokio::spawn(async move {
            let at = (held.receipt.channel, held.receipt.seq);
            let Some(model) = audits.models.get(&held.receipt.model).cloned() else { return };
            let judged = tokio::task::spawn_blocking(move || {
                let finding = examine(&model, &held);
                (held, finding)
            })
            .await;
            drop(permit);
            let Ok((held, finding)) = judged else { return };
            match finding {
                Finding::Honest => {
                    audits.done(&held.digest);
                    say(AuditEvent::Clean { at });
                }
                Finding::Unexplained(why) => {
                    audits.done(&held.digest);
                    say(AuditEvent::Unexplained { at, why });
                }
                Finding::Report(evidence) => {
                    let event = report(&audits, &key, &held, evidence).await;
                    audits.done(&held.digest);
                    say(event);
                }
            }
            drop(slot);
        });
    }
}

/// Report `held` once its date is reached, until it lands, the chain refuses it for good
/// (convicted already, or any other judgement of the pallet's), or its window ends.
async fn report(audits: &Audits, key: &Keypair, held: &Held, evidence: Evidence) -> AuditEvent {
    let at = (held.receipt.channel, held.receipt.seq);
    let chain = audits.chain.clone();
    let mut last = String::from("no connection to the chain");
    loop {
        let now = audits.now.load(Ordering::Relaxed);
        if audits.until(&held.receipt).is_some_and(|until| until < now) {
            return AuditEvent::Ended { at, why: format!("too old to report now; the last try failed: {last}") };
        }
        // A receipt is reportable from its own block on (a prover may date it ahead); a
        // report holds one of a few places only once it is due.
        if now < held.receipt.at {
            tokio::time::sleep(RETRY).await;
            continue;
        }
        let Ok(reporting) = audits.reports.acquire().await else {
            return AuditEvent::Ended { at, why: "the watcher is stopping".into() };
        };
        let current = chain.borrow().clone();
        if let Some(current) = current {
            // Convicted already (on another report, or ours before a restart), or nothing
            // left to slash: a report would only cost its fee.
            if current.receipt_convicted(&held.digest).await.unwrap_or(false) {
                return AuditEvent::Ended { at, why: "convicted already, on another report".into() };
            }
            let prover = AccountId32(held.receipt.prover);
            if let Ok(bond) = current.bond(&held.receipt.model, &prover).await {
                if bond.is_none_or(|b| b.amount <= b.locked) {
                    return AuditEvent::Ended { at, why: "its prover has no free bond left to slash".into() };
                }
            }
            let evidence = evidence.clone();
            let fault = match &evidence {
                Evidence::Proof(_) => ReceiptFault::BadProof,
                Evidence::Fraud(_) => ReceiptFault::ExcludedRow,
            };
            match report_receipt(&current, key, &held.receipt, &held.signature, &held.input, evidence).await {
                Ok(outcome) => {
                    let fault = convicted_fault(&outcome).unwrap_or(fault);
                    return AuditEvent::Convicted { at, prover: AccountId32(held.receipt.prover), fault };
                }
                Err(e) => {
                    last = format!("{e:#}");
                    if last.contains("AlreadyConvicted") {
                        return AuditEvent::Ended { at, why: "convicted already, on another report".into() };
                    }
                    // The pallet judged it (not a lost connection): trying again changes nothing.
                    if judged_by_the_pallet(&last) && !last.contains("ReceiptExpired") {
                        return AuditEvent::Ended { at, why: format!("the chain refused the report: {last}") };
                    }
                    tracing::warn!(channel = at.0, seq = at.1, error = %last, "a receipt report did not land");
                }
            }
        }
        drop(reporting);
        tokio::time::sleep(RETRY).await;
    }
}

/// Whether a failed report was refused by the pallet (`Channels.report_receipt failed:
/// Channels.<Error>: …`), rather than lost on its way (a node that stopped reporting on it,
/// a connection closed: those are tried again). Found by the fault harness: a report whose
/// node went down was taken for a judgement, and its lazy receipt was never reported again.
fn judged_by_the_pallet(error: &str) -> bool {
    error.contains("report_receipt failed: Channels.")
}

/// The fault the chain's `ReceiptConvicted` event names.
fn convicted_fault(outcome: &ghost_client::outcome::Outcome) -> Option<ReceiptFault> {
    use ghost_client::chain::runtime::channels::events::ReceiptConvicted;
    let event = outcome.events.as_ref()?.find_first::<ReceiptConvicted>().ok()??;
    use ghost_client::chain::runtime::runtime_types::ghost_primitives::channel::ReceiptFault as F;
    Some(match event.fault {
        F::BadProof => ReceiptFault::BadProof,
        F::ExcludedRow => ReceiptFault::ExcludedRow,
        F::ExcludedList => ReceiptFault::ExcludedList,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::channel::sign_receipt;
    use ghost_primitives::{testing, Shape};

    const GENESIS: Hash = [4; 32];

    /// Hand a receipt in as the endpoint does, but for its channel's check on chain.
    fn hand(
        audits: &Audits,
        models: &BTreeMap<ModelId, Arc<Model>>,
        (receipt, input, proof): (WireReceipt, WireInput, ProofBytes),
    ) -> Result<AuditTicket, Refused> {
        let held = check(&GENESIS, models, &receipt, input.clone(), proof.clone())?;
        audits.keep(held, Handed { receipt, input, proof })
    }

    fn open(path: &Path, models: &BTreeMap<ModelId, Arc<Model>>) -> (Arc<Audits>, mpsc::Receiver<Held>, usize) {
        Audits::open(path, GENESIS, models.clone(), watch::channel(None).1, Arc::new(Liveness::new())).unwrap()
    }

    fn model() -> Arc<Model> {
        Arc::new(testing::model(11, &[Shape::new(256, 8).widths(16, 8).select(4, 2)]).unwrap())
    }

    /// A receipt of `prover` for `trace` on `model`, with its input and proof.
    fn receipt(
        model: &Model,
        prover: &Keypair,
        input: &Input,
        trace: &ghost_primitives::Trace,
        seq: u64,
    ) -> (WireReceipt, WireInput, ProofBytes) {
        let claim = trace.claim();
        let proof = model.prove_trace(trace).unwrap().encode();
        let chain = ChainReceipt {
            genesis: GENESIS,
            channel: 1,
            seq,
            at: 10,
            prover: prover.public_key().0,
            client: [2; 32],
            model: model.id(),
            price: 10,
            input: input_hash(input),
            output: claim.output,
            links: claim.links,
            proof: proof_hash(&proof),
        };
        (sign_receipt(prover, &chain), input.into(), ProofBytes(proof))
    }

    /// A lazy answer is turned into the fraud proof that convicts it, a forged proof is
    /// reported as it is, an honest answer is left alone; receipts that could convict
    /// nobody are refused, and a receipt is taken once.
    #[test]
    fn receipts_are_judged_as_the_chain_judges_them() {
        let model = model();
        let dave = subxt_signer::sr25519::dev::dave();
        let binding = dave.public_key().0.encode();
        let input = testing::input(3, 16);
        let dir = tempfile::tempdir().unwrap();
        let models = BTreeMap::from([(model.id(), model.clone())]);
        let (audits, mut queue, _) = open(&dir.path().join("audits.jsonl"), &models);

        let lazy = model.lazy_trace(&input, 0, &binding).unwrap().expect("a row to skip");
        let lazy_receipt = receipt(&model, &dave, &input, &lazy, 0);
        assert_eq!(hand(&audits, &models, lazy_receipt.clone()).unwrap(), AuditTicket::Taken);
        // Handed in twice: the same answer, and audited once.
        assert_eq!(hand(&audits, &models, lazy_receipt).unwrap(), AuditTicket::Taken);
        let held = queue.try_recv().unwrap();
        assert!(queue.try_recv().is_err(), "queued once");
        let Finding::Report(Evidence::Fraud(fraud)) = examine(&model, &held) else { panic!("lazy, not reported") };
        let judged = judge(model.verifier(), &held.receipt, &input, ReceiptEvidence::Fraud(&fraud));
        assert!(matches!(judged, Ok(ReceiptFault::ExcludedRow | ReceiptFault::ExcludedList)), "{judged:?}");

        let honest = model.trace_bound(&input, &binding).unwrap();
        let (r, i, mut p) = receipt(&model, &dave, &input, &honest, 1);
        hand(&audits, &models, (r.clone(), i.clone(), p.clone())).unwrap();
        assert!(matches!(examine(&model, &queue.try_recv().unwrap()), Finding::Honest));

        // The proof handed in must be the one the receipt names; another input neither.
        let mid = p.0.len() / 2;
        p.0[mid] ^= 1;
        assert!(matches!(hand(&audits, &models, (r.clone(), i, p)), Err(Refused::Unusable(_))));
        let other: WireInput = (&testing::input(4, 16)).into();
        let proof = receipt_proof(&r, &model, &honest);
        assert!(matches!(hand(&audits, &models, (r.clone(), other, proof)), Err(Refused::Unusable(_))));
        // Signed by someone else than the prover it names.
        let mut forged = r.clone();
        forged.seq = 7;
        let proof = receipt_proof(&r, &model, &honest);
        assert!(matches!(hand(&audits, &models, (forged, (&input).into(), proof)), Err(Refused::Unusable(_))));
        // A proof larger than the chain takes is not kept.
        let huge = ProofBytes(vec![0; ghost_primitives::limits::MAX_PROOF_BYTES + 1]);
        assert!(matches!(hand(&audits, &models, (r, (&input).into(), huge)), Err(Refused::Unusable(_))));
    }

    /// The test model, Dave, an input, and Dave's honest answer to it.
    fn honest_answer() -> (Arc<Model>, Keypair, Input, ghost_primitives::Trace) {
        let model = model();
        let dave = subxt_signer::sr25519::dev::dave();
        let input = testing::input(3, 16);
        let honest = model.trace_bound(&input, &dave.public_key().0.encode()).unwrap();
        (model, dave, input, honest)
    }

    fn receipt_proof(_: &WireReceipt, model: &Model, trace: &ghost_primitives::Trace) -> ProofBytes {
        ProofBytes(model.prove_trace(trace).unwrap().encode())
    }

    /// The audit endpoint answers `ghost_health` as a prover's does, with its lag, but
    /// not its counts: those would tell a prover which of its answers were handed in.
    #[tokio::test]
    async fn the_audit_endpoint_answers_health_with_its_queue() {
        use ghost_client::api::AuditRpcClient;
        let (model, dave, input, honest) = honest_answer();
        let dir = tempfile::tempdir().unwrap();
        let models = BTreeMap::from([(model.id(), model.clone())]);
        let (audits, _queue, _) = open(&dir.path().join("audits.jsonl"), &models);
        hand(&audits, &models, receipt(&model, &dave, &input, &honest, 0)).unwrap();
        let (addr, handle) = serve("127.0.0.1:0".parse().unwrap(), audits.clone()).await.unwrap();
        let client = jsonrpsee::http_client::HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();
        let health = client.watcher_health().await.unwrap();
        assert_eq!((health.status.as_str(), health.models, health.served), ("ok", 1, 0));
        assert_eq!((health.audits_queued, health.chain.as_deref()), (None, Some("connecting")));
        assert_eq!((audits.health().served, audits.health().audits_queued), (1, Some(1)), "the operator's counts");
        assert_eq!((health.finalized, health.journal.as_deref()), (None, Some("ok")));
        let _ = handle.stop();
    }

    #[test]
    fn only_the_pallets_refusals_end_a_report() {
        assert!(judged_by_the_pallet(
            "Channels.report_receipt failed: Channels.NotLazy: The evidence does not show the receipt wrong."
        ));
        for lost in [
            "the node stopped reporting on Channels.report_receipt",
            "Channels.report_receipt did not make it into a block: Transaction is outdated",
            "following Channels.report_receipt: RPC error: client error: The background task closed",
            "reading the account's nonce: RPC error: client error: connection closed; restart required",
        ] {
            assert!(!judged_by_the_pallet(lost), "{lost}");
        }
    }

    /// No more receipts are taken than can be reported in their window: beyond the backlog,
    /// intake is busy, and takes again once an audit ends.
    #[test]
    fn intake_is_busy_beyond_what_can_be_reported_in_time() {
        let (model, dave, input, honest) = honest_answer();
        let dir = tempfile::tempdir().unwrap();
        let models = BTreeMap::from([(model.id(), model.clone())]);
        let (audits, mut queue, _) = open(&dir.path().join("audits.jsonl"), &models);
        for seq in 0..BACKLOG as u64 {
            hand(&audits, &models, receipt(&model, &dave, &input, &honest, seq)).unwrap();
        }
        let one_more = receipt(&model, &dave, &input, &honest, BACKLOG as u64);
        assert!(matches!(hand(&audits, &models, one_more.clone()), Err(Refused::Busy)));
        let first = queue.try_recv().unwrap();
        audits.done(&first.digest);
        hand(&audits, &models, one_more).unwrap();
    }

    /// A receipt taken is audited after a restart, unless its audit ended; the log keeps
    /// only what is still to do.
    #[tokio::test]
    async fn a_taken_receipt_survives_a_restart_until_its_audit_ends() {
        let (model, dave, input, honest) = honest_answer();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audits.jsonl");
        let models = BTreeMap::from([(model.id(), model.clone())]);
        let digests: Vec<Hash> = {
            let (audits, mut queue, _) = open(&path, &models);
            for seq in 0..3 {
                hand(&audits, &models, receipt(&model, &dave, &input, &honest, seq)).unwrap();
            }
            let first = queue.try_recv().unwrap();
            audits.done(&first.digest);
            // `ghost_health`: three taken, one audited to its end.
            let health = audits.health();
            assert_eq!((health.served, health.audits_queued, health.models), (3, Some(2), 1));
            std::iter::from_fn(|| queue.try_recv().ok()).map(|h| h.digest).collect()
        };
        let (audits, mut queue, backlog) = open(&path, &models);
        assert_eq!(backlog, 2);
        let health = audits.health();
        assert_eq!((health.served, health.audits_queued), (0, Some(2)), "the backlog is queued, not taken anew");
        let back: Vec<Hash> = std::iter::from_fn(|| queue.try_recv().ok()).map(|h| h.digest).collect();
        assert_eq!(back, digests);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
        // Known after the restart too: handed in again, it is not audited twice.
        hand(&audits, &models, receipt(&model, &dave, &input, &honest, 1)).unwrap();
        assert!(queue.try_recv().is_err());
        // Too old once the window is known and passed; dated ahead of the chain, refused.
        audits.set_window(5);
        audits.set_now(16);
        let (r, i, p) = receipt(&model, &dave, &input, &honest, 9);
        assert!(matches!(audits.take(r, i, p).await, Err(Refused::Expired)));
        let mut ahead = receipt(&model, &dave, &input, &honest, 10);
        ahead.0 = {
            let (mut parsed, _) = ahead.0.parse().unwrap();
            parsed.at = 100;
            sign_receipt(&dave, &parsed)
        };
        // Far ahead: refused while the watcher's view is fresh; a view with no finalised
        // block for a while may be behind instead (the receipt is then refused as busy).
        audits.liveness.finalized(16);
        assert!(matches!(audits.take(ahead.0, ahead.1, ahead.2).await, Err(Refused::Unusable(_))));
        let later = std::time::Instant::now() + Duration::from_secs(STALE_VIEW_SECONDS + 2);
        assert!(!audits.view_stale(std::time::Instant::now()) && audits.view_stale(later));
    }
}
