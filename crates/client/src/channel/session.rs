//! A client's session on one channel: ask, verify, keep the receipt, then pay.
//!
//! Every answer is checked ([`check_answer`]) before anything is owed for it. Its receipt
//! is appended to the client's log and synced before the answer is returned: the receipt
//! is the client's evidence. A voucher is logged before it is sent, so the amount signed
//! only ever grows, across restarts too. The voucher for the answers verified so far rides
//! on the next request, so paying costs no round trip; [`Session::pay_up`] sends it on its
//! own. A receipt whose answer does not verify is kept as evidence and never paid.
//!
//! Layout: `DIR/<genesis>/<channel>/receipts.jsonl` (every receipt, with its input and
//! whether it verified; a rejected one keeps its proof) and `vouchers.jsonl` (every amount
//! signed).

use super::{
    audit::{Auditor, Forwarded},
    message::{
        check_answer, sign_request, sign_voucher, AccountBytes, ChainReceipt, Expected, MessageError, WireReceipt,
        WireTicket,
    },
    onchain::ChannelInfo,
};
use crate::{
    api::{self, ChannelAnswer, GhostRpcClient, BAD_VOUCHER, PAYMENT_REQUIRED, UNAVAILABLE},
    chain::Chain,
    durable::Log,
    wire::{Answer, ProofBytes, WireInput},
};
use anyhow::{anyhow, bail, Context, Result};
use ghost_primitives::{channel::ChannelId, hex0x, Input, ModelId, Verifier};
use serde::{Deserialize, Serialize};
use std::{
    path::{Path, PathBuf},
    sync::{atomic::AtomicBool, Mutex},
    time::{Duration, Instant},
};
use subxt_signer::sr25519::Keypair;

/// One line of `receipts.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeptReceipt {
    /// The receipt, signed.
    pub receipt: WireReceipt,
    /// The input it answers.
    pub input: WireInput,
    /// Whether its answer verified (and so is owed for).
    pub verified: bool,
    /// The proof of an answer that did not verify: evidence for `report_receipt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofBytes>,
}

/// One line of `vouchers.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signed {
    amount: String,
}

/// Why an answer was not taken.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The prover could not be reached or refused the request.
    #[error("the prover at {url} did not answer: {why}")]
    Unanswered {
        /// The prover's URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The answer or its receipt did not check out: nothing is owed for it (a receipt the
    /// prover signed is kept as evidence).
    #[error("the answer was refused: {0}")]
    Refused(MessageError),
    /// The receipt could not be made durable: the answer is not taken.
    #[error("the receipt could not be kept: {0}")]
    Log(String),
}

/// A verified, kept answer.
#[derive(Debug)]
pub struct Taken {
    /// The answer.
    pub answer: Answer,
    /// Its receipt.
    pub receipt: ChainReceipt,
    /// From sending the request to the receipt being kept.
    pub latency: Duration,
}

struct Ledger {
    /// Credit owed: the price of every verified answer.
    owed: u128,
    /// Digests of the receipts kept: a receipt is paid once, however often it is served.
    kept: std::collections::BTreeSet<ghost_primitives::Hash>,
    /// The largest voucher signed.
    signed: u128,
    receipts: Log,
    vouchers: Log,
}

/// The file whose presence says the client gave a channel up (see [`Session::ask`]); it
/// holds a [`GivenUp`].
const ABANDONED: &str = "abandoned";
/// How often a request the prover answers busy (`-32003`) is sent again, and the first
/// pause (doubled each time: 620 ms in all), before it counts as unanswered. A pipelining
/// client slows to the prover's per-connection call rate instead of failing.
const BUSY_RETRIES: u32 = 5;
const BUSY_PAUSE: Duration = Duration::from_millis(20);
/// The file a session holds locked: one process at a time on a channel, since each pays
/// only for the answers it verified itself.
const LOCK: &str = "lock";

/// What the client records when it gives a channel up: with whom, for whom and which
/// model (records may be shared by several keys and models), and at which block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenUp {
    /// The channel's prover.
    pub prover: subxt::utils::AccountId32,
    /// The channel's client.
    pub client: subxt::utils::AccountId32,
    /// The channel's model, `0x`-hex.
    pub model: String,
    /// The client's best block when it gave the channel up.
    pub block: u32,
}

/// The channels `client` gave up on `model` on the chain of `genesis`, with records under
/// `root`, whether or not they are still on chain (a prover can close a channel and end it
/// at once). Markers of other keys or models, and those written before they held a
/// [`GivenUp`], are left out.
pub fn given_up(
    root: &Path,
    genesis: &ghost_primitives::Hash,
    client: &subxt::utils::AccountId32,
    model: &ModelId,
) -> Vec<(ChannelId, GivenUp)> {
    let Ok(dirs) = std::fs::read_dir(root.join(hex0x(genesis))) else { return Vec::new() };
    let model = hex0x(model);
    dirs.filter_map(|dir| {
        let dir = dir.ok()?;
        let channel = dir.file_name().to_str()?.parse::<ChannelId>().ok()?;
        let marker = std::fs::read(dir.path().join(ABANDONED)).ok()?;
        Some((channel, serde_json::from_slice::<GivenUp>(&marker).ok()?))
    })
    .filter(|(_, marker)| &marker.client == client && marker.model == model)
    .collect()
}

/// Whether another process of the client holds `channel`'s session now (see [`LOCK`]).
pub fn in_use(root: &Path, genesis: &ghost_primitives::Hash, channel: ChannelId) -> bool {
    let Ok(lock) = std::fs::File::open(channel_dir(root, genesis, channel).join(LOCK)) else { return false };
    matches!(lock.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// Where the records of `channel` are kept under `root`.
fn channel_dir(root: &Path, genesis: &ghost_primitives::Hash, channel: ChannelId) -> PathBuf {
    root.join(hex0x(genesis)).join(channel.to_string())
}

/// Send with `send` again while the prover answers busy (`-32003`: the connection's call
/// rate, or every worker; nothing was run, reserved or counted), after growing pauses.
async fn patiently<T, Sent>(send: impl Fn() -> Sent) -> Result<T, jsonrpsee::core::ClientError>
where
    Sent: std::future::Future<Output = Result<T, jsonrpsee::core::ClientError>>,
{
    let mut reply = send().await;
    let mut pause = BUSY_PAUSE;
    for _ in 0..BUSY_RETRIES {
        if !matches!(&reply, Err(jsonrpsee::core::ClientError::Call(e)) if e.code() == UNAVAILABLE) {
            break;
        }
        tokio::time::sleep(pause).await;
        pause = pause.saturating_mul(2);
        reply = send().await;
    }
    reply
}

/// Whether `reply` is the prover's refusal to serve more unpaid answers.
fn refused_unpaid(reply: &Result<ChannelAnswer, jsonrpsee::core::ClientError>) -> bool {
    matches!(reply, Err(jsonrpsee::core::ClientError::Call(e)) if e.code() == PAYMENT_REQUIRED)
}

/// Whether the client whose records are under `root` gave `channel` up: its prover holds
/// as many unpaid answers as it allows, answers the client never took (it was killed, or
/// its disk was full, before it kept their receipts), so it serves nothing more on it.
pub fn abandoned(root: &Path, genesis: &ghost_primitives::Hash, channel: ChannelId) -> bool {
    channel_dir(root, genesis, channel).join(ABANDONED).exists()
}

/// A client's session on one of its channels.
pub struct Session {
    channel: ChannelId,
    url: String,
    rpc: api::Client,
    verifier: Verifier,
    key: Keypair,
    expected: Mutex<Expected>,
    ledger: Mutex<Ledger>,
    dir: PathBuf,
    audit: Option<Auditor>,
    /// The next request's nonce: started from the clock, so a restarted session never
    /// reuses one.
    nonce: std::sync::atomic::AtomicU64,
    /// Whether the channel was given up (see [`abandoned`]).
    given_up: std::sync::atomic::AtomicBool,
    /// Held shared by every request under way, and alone by one that must tell whether
    /// the channel is stuck: that needs no other request of the session under way.
    gate: tokio::sync::RwLock<()>,
    /// Held locked while the session lives (see [`LOCK`]).
    _lock: std::fs::File,
}

impl Session {
    /// Start (or resume) the session of `key`'s channel `channel` at the prover's `url`,
    /// keeping its records under `root`. The channel is read from the finalised chain;
    /// `verifier` is its model's.
    pub async fn open(
        chain: &Chain,
        key: Keypair,
        channel: ChannelId,
        url: &str,
        verifier: Verifier,
        root: &Path,
    ) -> Result<Self> {
        let info = chain.channel(channel).await?.ok_or_else(|| anyhow!("channel {channel} is not open"))?;
        let best = chain.best_number().await?;
        Self::resume(chain.genesis(), &info, key, channel, url, verifier, root, best)
    }

    /// [`Session::open`] with the channel already read.
    #[allow(clippy::too_many_arguments)]
    pub fn resume(
        genesis: ghost_primitives::Hash,
        info: &ChannelInfo,
        key: Keypair,
        channel: ChannelId,
        url: &str,
        verifier: Verifier,
        root: &Path,
        best: u32,
    ) -> Result<Self> {
        let me: AccountBytes = key.public_key().0;
        if info.client.0 != me {
            bail!("channel {channel} is another account's: only its client pays on it");
        }
        if info.model != verifier.id() {
            bail!("channel {channel} serves model {}, not {}", hex0x(&info.model), hex0x(&verifier.id()));
        }
        let dir = channel_dir(root, &genesis, channel);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let lock = std::fs::File::create(dir.join(LOCK)).with_context(|| format!("creating {}", dir.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                bail!("channel {channel} is in use by another process of this client (one process a channel)")
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", dir.join(LOCK).display()))
            }
        }
        let (receipts, kept) = Log::open::<KeptReceipt>(&dir.join("receipts.jsonl"))?;
        let (vouchers, signed) = Log::open::<Signed>(&dir.join("vouchers.jsonl"))?;
        let verified = kept.records.iter().filter(|r| r.verified).count() as u128;
        let digests = kept.records.iter().filter_map(|r| r.receipt.parse().ok()).map(|(r, _)| r.digest()).collect();
        let signed = signed.records.iter().filter_map(|s| s.amount.parse::<u128>().ok()).max().unwrap_or(0);
        let expected = Expected {
            genesis,
            channel,
            prover: info.prover.0,
            client: me,
            model: info.model,
            price: info.price,
            best,
        };
        let owed = verified.saturating_mul(info.price);
        let given_up = dir.join(ABANDONED).exists();
        Ok(Self {
            channel,
            url: url.to_string(),
            rpc: api::client(url, Duration::from_secs(60))?,
            verifier,
            key,
            expected: Mutex::new(expected),
            ledger: Mutex::new(Ledger { owed, kept: digests, signed, receipts, vouchers }),
            dir,
            audit: None,
            nonce: std::sync::atomic::AtomicU64::new(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            ),
            given_up: std::sync::atomic::AtomicBool::new(given_up),
            gate: Default::default(),
            _lock: lock,
        })
    }

    /// Hand this session's receipts to `auditor` (see [`super::audit`]).
    pub fn with_audit(mut self, auditor: Auditor) -> Self {
        self.audit = Some(auditor);
        self
    }

    /// Wait until every receipt offered for audit was handed in (`None`: no auditor).
    pub async fn finish_audit(&self) -> Option<Forwarded> {
        match &self.audit {
            Some(auditor) => Some(auditor.finish().await),
            None => None,
        }
    }

    /// The channel.
    pub fn channel(&self) -> ChannelId {
        self.channel
    }

    /// Where its records are.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Credit owed for verified answers, and the largest voucher signed.
    pub fn owed_and_signed(&self) -> (u128, u128) {
        let ledger = self.ledger.lock().expect("never poisoned");
        (ledger.owed, ledger.signed)
    }

    /// The chain has reached block `best` (receipts must be recent).
    pub fn set_best(&self, best: u32) {
        let mut expected = self.expected.lock().expect("never poisoned");
        expected.best = expected.best.max(best);
    }

    /// The signed ticket of a new request for `input`.
    fn ticket(&self, input: &Input) -> WireTicket {
        let nonce = self.nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let genesis = self.expected.lock().expect("never poisoned").genesis;
        sign_request(&self.key, genesis, self.channel, &self.verifier.id(), input, nonce)
    }

    /// A voucher for everything verified, if more is owed than signed: logged first.
    fn voucher_due(&self) -> Result<Option<super::WireVoucher>, AskError> {
        let mut ledger = self.ledger.lock().expect("never poisoned");
        if ledger.owed <= ledger.signed {
            return Ok(None);
        }
        let amount = ledger.owed;
        ledger.vouchers.append(&Signed { amount: amount.to_string() }).map_err(|e| AskError::Log(e.to_string()))?;
        ledger.signed = amount;
        let genesis = self.expected.lock().expect("never poisoned").genesis;
        Ok(Some(sign_voucher(&self.key, genesis, self.channel, amount)))
    }

    /// A voucher for every answer verified so far: the one due, or the last one signed,
    /// again, as the prover may not have it. None while nothing is owed.
    fn voucher_for_all(&self) -> Result<Option<super::WireVoucher>, AskError> {
        if let Some(voucher) = self.voucher_due()? {
            return Ok(Some(voucher));
        }
        let (owed, signed) = self.owed_and_signed();
        let amount = owed.max(signed);
        if amount == 0 {
            return Ok(None);
        }
        let genesis = self.expected.lock().expect("never poisoned").genesis;
        Ok(Some(sign_voucher(&self.key, genesis, self.channel, amount)))
    }

    /// Pay for everything verified so far, on its own: what the prover says it holds.
    pub async fn pay_up(&self) -> Result<u128> {
        let Some(voucher) = self.voucher_for_all()? else { return Ok(0) };
        let paid = patiently(|| self.rpc.channel_pay(voucher.clone()))
            .await
            .with_context(|| format!("paying {}", self.url))?;
        paid.parse().map_err(|_| anyhow!("the prover's paid amount {paid:?} is not a number"))
    }

    /// Ask for `input`: the answer is taken only once it and its receipt check out and the
    /// receipt is kept. The voucher for earlier answers rides along.
    pub async fn ask(&self, input: &Input) -> Result<Taken, AskError> {
        let started = Instant::now();
        let given_up = || AskError::Unanswered { url: self.url.clone(), why: "the channel was given up".into() };
        let shared = self.gate.read().await;
        if self.is_abandoned() {
            return Err(given_up());
        }
        let mut reply = self.request(input, self.voucher_due()?).await;
        if refused_unpaid(&reply) {
            // Answers pipelined by others on this session may have left the voucher behind:
            // pay for every answer verified, and ask once more.
            reply = self.request(input, self.voucher_for_all()?).await;
        }
        if refused_unpaid(&reply) {
            // Still refused. Either requests of this session under way hold the prover's
            // unpaid answers, and it serves again once they are paid; or the prover holds
            // answers this client never took (it was killed, or its disk was full, before
            // it kept their receipts), and it serves nothing more here. Only a request
            // with no other under way can tell the two apart: wait for the others to end
            // (none starts meanwhile), pay for all they verified, and ask alone.
            drop(shared);
            let _alone = self.gate.write().await;
            if self.is_abandoned() {
                return Err(given_up());
            }
            reply = self.request(input, self.voucher_for_all()?).await;
            if refused_unpaid(&reply) {
                // Paid for all it verified, nothing under way, and refused: the prover's
                // unpaid answers are ones this client will never take. The channel is
                // given up (the next join closes it and opens another).
                self.abandon();
            }
        }
        let ChannelAnswer { answer, receipt } =
            reply.map_err(|e| AskError::Unanswered { url: self.url.clone(), why: e.to_string() })?;
        self.take(input, answer, receipt, started)
    }

    /// Ask for `input`, with `voucher` riding along. A request numbered below what the
    /// prover remembers (another process on this channel, a clock set back) is numbered
    /// from above it and asked again.
    async fn request(
        &self,
        input: &Input,
        voucher: Option<super::WireVoucher>,
    ) -> Result<ChannelAnswer, jsonrpsee::core::ClientError> {
        let model = hex0x(&self.verifier.id());
        let send =
            |voucher| self.rpc.channel_infer(self.channel, model.clone(), input.into(), self.ticket(input), voucher);
        // Each time with a new ticket.
        let reply = patiently(|| send(voucher.clone())).await;
        if let Err(jsonrpsee::core::ClientError::Call(e)) = &reply {
            let replayed = e.data().and_then(|d| serde_json::from_str::<api::Replayed>(d.get()).ok());
            if let (BAD_VOUCHER, Some(replayed)) = (e.code(), replayed) {
                self.nonce.fetch_max(replayed.above.saturating_add(1), std::sync::atomic::Ordering::Relaxed);
                return send(None).await;
            }
        }
        reply
    }

    /// Mark the channel given up, durably; a failure is logged (the next refusal tries again).
    fn abandon(&self) {
        if self.is_abandoned() {
            return;
        }
        tracing::warn!(
            channel = self.channel,
            prover = %self.url,
            "the prover holds answers this client never took as unpaid, and serves no more: the channel is given up"
        );
        let marker = {
            let expected = self.expected.lock().expect("never poisoned");
            GivenUp {
                prover: subxt::utils::AccountId32(expected.prover),
                client: subxt::utils::AccountId32(expected.client),
                model: hex0x(&expected.model),
                block: expected.best,
            }
        };
        let marker = serde_json::to_vec(&marker).expect("a marker encodes");
        match crate::durable::write_atomic(&self.dir.join(ABANDONED), &marker) {
            Ok(()) => self.given_up.store(true, std::sync::atomic::Ordering::SeqCst),
            // Not given up in this run either: the next refusal tries again.
            Err(e) => tracing::warn!(channel = self.channel, error = %e, "the channel could not be marked given up"),
        }
    }

    /// Whether the channel was given up.
    pub fn is_abandoned(&self) -> bool {
        self.given_up.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Check an answer and keep its receipt (or keep a refused one as evidence).
    fn take(&self, input: &Input, answer: Answer, receipt: WireReceipt, started: Instant) -> Result<Taken, AskError> {
        let expected = self.expected.lock().expect("never poisoned").clone();
        let checked = check_answer(&self.verifier, &expected, input, &answer, &receipt);
        let mut ledger = self.ledger.lock().expect("never poisoned");
        let checked = checked.and_then(|parsed| {
            if ledger.kept.contains(&parsed.digest()) {
                return Err(MessageError::Unexpected {
                    field: "receipt",
                    why: "it was served before: paid once".into(),
                });
            }
            Ok(parsed)
        });
        match checked {
            Ok(parsed) => {
                let kept = KeptReceipt { receipt, input: input.into(), verified: true, proof: None };
                ledger.receipts.append(&kept).map_err(|e| AskError::Log(e.to_string()))?;
                ledger.owed = ledger.owed.saturating_add(expected.price);
                ledger.kept.insert(parsed.digest());
                drop(ledger);
                if let Some(auditor) = &self.audit {
                    auditor.offer(&kept.receipt, kept.input, &answer.proof, false);
                }
                Ok(Taken { answer, receipt: parsed, latency: started.elapsed() })
            }
            Err(why) => {
                // Signed by the channel's prover: evidence, kept with the proof it names,
                // and handed to the auditor, if any, whatever the sampling.
                // Only a proof the chain could take is worth its room.
                let reportable = answer.proof.0.len() <= ghost_primitives::limits::MAX_PROOF_BYTES;
                if reportable && receipt.parse().is_ok_and(|(r, _)| r.prover == expected.prover) {
                    if let Some(auditor) = &self.audit {
                        auditor.offer(&receipt, input.into(), &answer.proof, true);
                    }
                    let kept = KeptReceipt { receipt, input: input.into(), verified: false, proof: Some(answer.proof) };
                    if let Err(e) = ledger.receipts.append(&kept) {
                        tracing::warn!(error = %e, "a refused receipt could not be kept as evidence");
                    }
                }
                Err(AskError::Refused(why))
            }
        }
    }

    /// Every receipt kept, in order.
    pub fn receipts(&self) -> Result<Vec<KeptReceipt>> {
        Ok(Log::open::<KeptReceipt>(&self.dir.join("receipts.jsonl"))?.1.records)
    }
}

/// What [`ask_many`] measured.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Answers verified, kept and owed for.
    pub taken: u64,
    /// Answers refused or not given.
    pub failed: u64,
    /// The first failure, if any.
    pub first_failure: Option<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Request to kept receipt, sorted.
    pub latencies: Vec<Duration>,
    /// What was handed in for audit, when receipts were.
    pub audited: Option<Forwarded>,
}

impl RunReport {
    /// Verified answers per second.
    pub fn rate(&self) -> f64 {
        self.taken as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q` (0..=1).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        self.latencies[i]
    }
}

/// Ask `session` for `input` `count` times, `concurrency` at once, then pay for every
/// verified answer. Each answer is verified and its receipt kept before it counts.
///
/// Once `stop` is set no new request starts; those under way finish and are paid (a
/// request dropped half-way would leave an answer the prover counts as unpaid).
pub async fn ask_many(
    session: &Session,
    input: &Input,
    count: u64,
    concurrency: usize,
    stop: &AtomicBool,
) -> RunReport {
    use futures::StreamExt;
    let started = Instant::now();
    let results: Vec<Result<Taken, AskError>> = futures::stream::iter(0..count)
        .take_while(|_| std::future::ready(!stop.load(std::sync::atomic::Ordering::SeqCst)))
        .map(|_| session.ask(input))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut report = RunReport::default();
    for result in results {
        match result {
            Ok(taken) => {
                report.taken += 1;
                report.latencies.push(taken.latency);
            }
            Err(e) => {
                report.failed += 1;
                report.first_failure.get_or_insert_with(|| e.to_string());
            }
        }
    }
    if let Err(e) = session.pay_up().await {
        report.first_failure.get_or_insert_with(|| format!("the final voucher was not taken: {e:#}"));
    }
    report.elapsed = started.elapsed();
    report.audited = session.finish_audit().await;
    report.latencies.sort();
    report
}

/// Keep `session`'s view of the best block current (receipts must be dated near it), for
/// as long as the chain reports blocks; run it beside the asking. When the chain stops
/// reporting them, it says why, sets `stop` (so that no new request starts) and waits
/// forever: the asking under way finishes on its own.
pub async fn track_best(session: &Session, chain: &Chain, stop: &AtomicBool) -> std::convert::Infallible {
    stop_when_lost(follow_best(chain, |best| session.set_best(best)).await, stop).await
}

/// Say why the best blocks are no longer followed, set `stop`, and never return.
pub async fn stop_when_lost(why: anyhow::Error, stop: &AtomicBool) -> std::convert::Infallible {
    tracing::warn!(error = %format!("{why:#}"), "the best blocks are lost: no new request starts; those under way finish");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    std::future::pending().await
}

/// Tell `seen` every new best block's number while the chain reports blocks; returns only
/// with why it stopped.
pub async fn follow_best(chain: &Chain, seen: impl Fn(u32)) -> anyhow::Error {
    let mut blocks = match chain.api.blocks().subscribe_best().await {
        Ok(blocks) => blocks,
        Err(e) => return anyhow!("following the best blocks: {e}"),
    };
    while let Some(block) = blocks.next().await {
        match block {
            Ok(block) => seen(block.number()),
            Err(e) => return anyhow!("following the best blocks: {e}"),
        }
    }
    anyhow!("the node stopped reporting blocks")
}
