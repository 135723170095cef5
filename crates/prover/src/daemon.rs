//! `ghost prover run`: the on-chain prover.
//!
//! It bonds on its models (with its public endpoint), then follows finalised blocks. At each
//! one it reconciles with the chain's state rather than replaying events: every open
//! request on its models that is still pending gets an answer (the result with its ghost
//! proof, which the chain verifies), every result of its own whose deadline has passed is
//! settled (settlement is lazy: the prover is paid only when someone settles), and
//! journal entries of closed requests are dropped. So a restart, a missed block or a node
//! that was away for a while are all caught up the same way: by the next finalised head.
//! New answers are admitted only while the bond's free part backs them, counting the
//! answers under way and those landed but not finalised yet; at most `workers` are
//! computed at once.
//! The journal ([`crate::journal`]) is written before a result is submitted and before a
//! settlement is sent, and its proofs are served over the JSON-RPC (`ghost_proof`). A
//! result the chain refuses for good (its proof rejected, a wrong shape) is logged as an
//! error and not sent again. What it sees of the chain and how its journal and voucher
//! log's writes go are kept in one [`Liveness`], which its endpoint's `ghost_health`
//! reports.

use crate::{
    channels::Desk,
    journal::{self, Journal},
    rpc::{self, Misbehaviour},
    server::{self, Limits},
};
use anyhow::{anyhow, bail, Context, Result};
use codec::Encode;
use ghost_client::{
    api::{Entry, State},
    chain::{runtime, BoundedVec, Chain, Phase, Wait},
    follow::{self, FinalizedBlock, Follower},
    keys::{account_of, show_account},
    liveness::Liveness,
    tokens::fmt_tokens,
};
use ghost_primitives::{hex0x, parse_hash, Model, ModelId};
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// What the daemon is told.
pub struct Config {
    /// Node URL.
    pub url: String,
    /// The prover's key.
    pub key: Keypair,
    /// The models served.
    pub models: Vec<Model>,
    /// JSON-RPC listen address.
    pub listen: SocketAddr,
    /// The URL published with the bond (default: `http://` + the bound address).
    pub public_url: Option<String>,
    /// The journal directory.
    pub journal: PathBuf,
    /// Bond to hold per model (default: the chain's `MinBond`, or enough for ten slashes).
    pub bond: Option<u128>,
    /// Misbehave on purpose (demos and tests).
    pub misbehaviour: Option<Misbehaviour>,
    /// Answers computed at once.
    pub workers: usize,
    /// Answer `ghost_infer` on the endpoint, for free (off by default: inference is sold on
    /// chain; the endpoint serves the proofs of posted results).
    pub serve_free_inference: bool,
    /// What the endpoint allows its clients.
    pub limits: Limits,
    /// Static pages served beside the JSON-RPC (`--ui`).
    pub pages: Option<server::Pages>,
    /// How channels are served and redeemed.
    pub channels: ChannelPolicy,
}

/// How the daemon serves payment channels and redeems their vouchers.
#[derive(Clone, Copy, Debug)]
pub struct ChannelPolicy {
    /// Answers a channel may have unpaid at once (a client pipelines up to this many).
    pub max_unpaid: u32,
    /// Redeem once the vouchers held would add at least this much credit.
    pub redeem_threshold: u128,
    /// Redeem what is held at least this often (none when there is nothing to add).
    pub redeem_every: std::time::Duration,
}

impl ChannelPolicy {
    /// Eight answers in flight; redeem at 1,000,000 credit or hourly.
    pub const DEFAULT: ChannelPolicy = ChannelPolicy {
        max_unpaid: 8,
        redeem_threshold: 1_000_000,
        redeem_every: std::time::Duration::from_secs(3600),
    };
}

/// Shared by the reconciliation loop and its tasks.
struct Daemon {
    key: Keypair,
    me: AccountId32,
    models: BTreeMap<ModelId, Arc<Model>>,
    journal: Journal,
    misbehaviour: Option<Misbehaviour>,
    /// Requests with a submission under way (answer or settlement), not to be doubled.
    in_flight: Mutex<BTreeSet<u64>>,
    /// Requests whose result the chain refused for good (not sent again).
    refused: Mutex<BTreeSet<u64>>,
    /// The block each of our transactions landed in, by request: the finalised state lags
    /// the best block, so a request we answered may still look pending for a few blocks.
    landed: Mutex<BTreeMap<u64, u32>>,
    /// Bounds the answers computed at once.
    computing: tokio::sync::Semaphore,
    /// The channels served and their vouchers.
    desk: Arc<Desk>,
    channel_policy: ChannelPolicy,
    /// When vouchers were last redeemed.
    last_redeemed: Mutex<std::time::Instant>,
    /// A redemption is under way.
    redeeming: std::sync::atomic::AtomicBool,
}

/// Blocks a transaction of ours may take to be finalised before it is sent again.
const FINALITY_SLACK: u32 = 4;

/// What a started daemon serves, and where.
pub struct Started {
    /// The prover's account.
    pub me: AccountId32,
    /// The JSON-RPC address bound.
    pub addr: SocketAddr,
    /// The URL published with the bonds.
    pub public_url: String,
    /// The models served.
    pub models: Vec<ModelId>,
    /// Whether the verification page is served too (`--ui`).
    pub page: bool,
}

impl fmt::Display for Started {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "prover {} serving proofs on http://{} (published as {})",
            show_account(&self.me),
            self.addr,
            self.public_url
        )?;
        for id in &self.models {
            write!(f, "\n  model {}", hex0x(id))?;
        }
        if self.page {
            write!(f, "\nverification page on {}/", self.public_url.trim_end_matches('/'))?;
        }
        Ok(())
    }
}

/// Run until interrupted: serve the JSON-RPC, tell `ready` once it listens, and follow
/// the chain, reconnecting with backoff whenever the node goes away.
pub async fn run(config: Config, ready: impl FnOnce(Started)) -> Result<()> {
    let me = account_of(&config.key);
    // The journal is the chain's and the key's: learn which chain before opening it.
    let genesis = tokio::select! {
        genesis = genesis(&config.url) => genesis,
        _ = tokio::signal::ctrl_c() => return Ok(()),
    };
    // What the endpoint's `ghost_health` reports: the chain followed, the stores' writes.
    let liveness = Arc::new(Liveness::new());
    let journal = Journal::open(&config.journal, genesis, &me)?.reporting_to(liveness.clone());
    if let Some(m) = config.misbehaviour {
        tracing::warn!(misbehaviour = ?m, "posting DISHONEST results on purpose");
    }
    let models: Vec<Arc<Model>> = config.models.into_iter().map(Arc::new).collect();
    // The voucher log sits in the journal's directory, under its lock.
    let desk = Arc::new(
        Desk::open(journal.dir(), config.key.clone(), genesis, config.channels.max_unpaid)?
            .reporting_to(liveness.clone()),
    );
    // The endpoint runs on threads of its own (one per worker, and one for the network):
    // nothing its clients send can delay the chain loop on this runtime.
    let server = rpc::Prover::new(models.clone(), config.workers, config.misbehaviour)
        .with_journal(journal.clone())
        .with_channels(desk.clone())
        .with_liveness(liveness.clone())
        .serve_free_inference(config.serve_free_inference);
    let endpoint = server::spawn(config.listen, server, config.limits, config.pages, config.workers.max(1) + 1)
        .await
        .with_context(|| format!("serving the JSON-RPC on {}", config.listen))?;
    let addr = endpoint.addr();
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let daemon = Arc::new(Daemon {
        key: config.key,
        me: me.clone(),
        models: models.into_iter().map(|m| (m.id(), m)).collect(),
        journal,
        misbehaviour: config.misbehaviour,
        in_flight: Mutex::new(BTreeSet::new()),
        refused: Mutex::new(BTreeSet::new()),
        landed: Mutex::new(BTreeMap::new()),
        computing: tokio::sync::Semaphore::new(config.workers.max(1)),
        desk,
        channel_policy: config.channels,
        last_redeemed: Mutex::new(std::time::Instant::now()),
        redeeming: std::sync::atomic::AtomicBool::new(false),
    });
    ready(Started {
        me,
        addr,
        public_url: public_url.clone(),
        models: daemon.models.keys().copied().collect(),
        page: config.pages.is_some(),
    });
    tracing::info!(journal = %daemon.journal.dir().display(), entries = daemon.journal.ids().len(), "journal opened");
    let mut session = Session { daemon, public_url, bond: config.bond };
    tokio::select! {
        _ = follow::follow(&config.url, &mut session, &liveness) => {}
        _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
    }
    endpoint.stop().await;
    Ok(())
}

/// The genesis hash of the chain at `url`, waiting for its node as the chain loop does.
pub(crate) async fn genesis(url: &str) -> [u8; 32] {
    let mut backoff = follow::FIRST_BACKOFF;
    loop {
        match Chain::connect(url, std::time::Duration::from_secs(2)).await {
            Ok(chain) => return chain.api.genesis_hash().0,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), retry_in = ?backoff, "no node yet to open the journal for");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(follow::MAX_BACKOFF);
            }
        }
    }
}

/// The daemon as a follower of the chain: bond and catch up on connecting, reconcile at
/// every finalised head. So a restart, a missed block or a node that was away are all
/// caught up the same way.
struct Session {
    daemon: Arc<Daemon>,
    public_url: String,
    bond: Option<u128>,
}

impl Follower for Session {
    async fn connected(&mut self, chain: &Chain) -> Result<()> {
        self.daemon.desk.connected(chain).await;
        ensure_bonded(&self.daemon, chain, &self.public_url, self.bond).await?;
        reconcile(&self.daemon, chain).await
    }

    async fn finalized(&mut self, chain: &Chain, block: FinalizedBlock) -> Result<()> {
        // Channels never hold up the requests' duties: a failed read is retried next block,
        // and a redemption runs as a task of its own (one at a time).
        if let Err(e) = self.daemon.desk.finalized(chain, block.number()).await {
            tracing::warn!(error = %format!("{e:#}"), "reading the channels failed; next block again");
        }
        if !self.daemon.redeeming.swap(true, std::sync::atomic::Ordering::AcqRel) {
            let (daemon, chain) = (self.daemon.clone(), chain.clone());
            tokio::spawn(async move {
                if let Err(e) = redeem_due(&daemon, &chain).await {
                    tracing::warn!(error = %format!("{e:#}"), "redeeming failed; next block again");
                }
                daemon.redeeming.store(false, std::sync::atomic::Ordering::Release);
            });
        }
        reconcile(&self.daemon, chain).await
    }
}

/// Redeem the vouchers held when the policy says so: a channel is closing (its prover
/// has until the timeout), what they would add reaches the threshold, or the period has
/// passed. One call per `MaxRedeem` vouchers.
async fn redeem_due(daemon: &Daemon, chain: &Chain) -> Result<()> {
    let held = daemon.desk.book.unredeemed();
    if held.is_empty() {
        return Ok(());
    }
    let closing = daemon.desk.book.closing();
    let gain: u128 = held.iter().map(|(_, g)| *g).fold(0, u128::saturating_add);
    let policy = daemon.channel_policy;
    let last = *daemon.last_redeemed.lock().expect("never poisoned");
    let due = held.iter().any(|(v, _)| closing.contains(&v.channel))
        || gain >= policy.redeem_threshold
        || last.elapsed() >= policy.redeem_every;
    if !due {
        return Ok(());
    }
    let batch = chain.constant_u32("Channels", "MaxRedeem")?.max(1) as usize;
    let vouchers: Vec<_> = held.into_iter().map(|(v, _)| v).collect();
    for chunk in vouchers.chunks(batch) {
        let report = ghost_client::channel::onchain::redeem(chain, &daemon.key, chunk).await?;
        for (channel, redeemed, fee, royalty) in &report.paid {
            tracing::info!(channel, redeemed, fee, royalty, "redeemed");
        }
        for (channel, why) in &report.refused {
            tracing::warn!(channel, why, "a voucher was refused");
        }
    }
    *daemon.last_redeemed.lock().expect("never poisoned") = std::time::Instant::now();
    Ok(())
}

/// Bond on every served model that has no bond of ours yet (and publish the endpoint on
/// those whose bond names another).
async fn ensure_bonded(daemon: &Daemon, chain: &Chain, public_url: &str, bond: Option<u128>) -> Result<()> {
    let endpoint = BoundedVec(public_url.as_bytes().to_vec());
    for id in daemon.models.keys() {
        if chain.model(id).await?.is_none() {
            bail!("model {} is not registered on this chain: `ghost model register` it first", hex0x(id));
        }
        let amount = match chain.bond(id, &daemon.me).await? {
            Some(b) if b.withdrawable_at.is_some() => {
                bail!("our bond on model {} is unbonding: withdraw it, then start again", hex0x(id))
            }
            Some(b) if b.endpoint.0 == endpoint.0 => continue,
            Some(_) => 0,
            None => match bond {
                Some(amount) => amount,
                None => {
                    let min = chain.constant_u128("GhostRegistry", "MinBond")?;
                    let price = chain.model(id).await?.map_or(0, |m| m.price);
                    min.max(slash_for(chain, price)?.saturating_mul(10))
                }
            },
        };
        let call = runtime::tx().ghost_registry().bond(*id, amount, endpoint.clone());
        let outcome = chain.submit(&call, &daemon.key, Wait::InBlock).await?;
        tracing::info!(model = %hex0x(id), bond = %fmt_tokens(amount), endpoint = public_url, block = ?outcome.block, "bonded");
    }
    Ok(())
}

/// What a result of `price` credit locks from its prover's bond:
/// `max(MinSlash, SlashPerCredit × price)`, as the chain computes it.
fn slash_for(chain: &Chain, price: u128) -> Result<u128> {
    let min = chain.constant_u128("Inference", "MinSlash")?;
    let per_credit = chain.constant_u128("Inference", "SlashPerCredit")?;
    Ok(per_credit.saturating_mul(price).max(min))
}

/// Bring the chain and the journal in line: answer, settle, forget.
async fn reconcile(daemon: &Arc<Daemon>, chain: &Chain) -> Result<()> {
    let (now, _) = chain.finalized().await?;
    let requests = chain.requests().await?;
    let open: BTreeSet<u64> = requests.iter().map(|(id, _)| *id).collect();
    // Each posted result locks the slash of its price from the bond: answer no more than
    // the free part backs (a result the bond cannot back fails and only costs a fee).
    let mut room = BTreeMap::new();
    for id in daemon.models.keys() {
        let free = match chain.bond(id, &daemon.me).await? {
            // Unbonding: the chain takes no new results from us.
            Some(b) if b.withdrawable_at.is_none() => b.amount.saturating_sub(b.locked),
            _ => 0,
        };
        room.insert(*id, free);
    }
    let (mut asks, mut inputs) = (Vec::new(), BTreeMap::new());
    for (id, request) in requests {
        let Some(model) = daemon.models.get(&request.model).cloned() else { continue };
        let ours = request.result.as_ref().is_some_and(|r| r.prover == daemon.me);
        match &request.phase {
            Phase::Pending if now <= request.deadline => {
                if daemon.was_refused(id) {
                    continue;
                }
                let answering = daemon.awaiting_finality(id, now) || daemon.busy(id);
                asks.push(Ask { id, model: request.model, locks: slash_for(chain, request.price)?, answering });
                inputs.insert(id, (model, request.input.0));
            }
            Phase::Answered if ours && now > request.deadline => {
                if daemon.awaiting_finality(id, now) || daemon.busy(id) {
                    continue;
                }
                if daemon.start(id) {
                    let (daemon, chain) = (daemon.clone(), chain.clone());
                    tokio::spawn(async move {
                        if let Err(e) = settle(&daemon, &chain, id).await {
                            tracing::warn!(request = id, error = %format!("{e:#}"), "not settled yet; retrying");
                        }
                        daemon.finish(id);
                    });
                }
            }
            Phase::Answered if ours && daemon.journal.get(id).is_some_and(|e| e.state == State::Computed) => {
                // A journal that refuses writes (a full disk) holds up no other duty: the
                // next block tries again, and `ghost_health` says why meanwhile.
                if let Err(e) = daemon.journal.set_state(id, State::Posted) {
                    tracing::warn!(request = id, error = %format!("{e:#}"), "the journal refused a write; next block again");
                }
            }
            _ => {}
        }
    }
    let (admitted, waiting) = admit(room, &asks);
    for id in admitted {
        let Some((model, input)) = inputs.remove(&id) else { continue };
        if daemon.start(id) {
            let (daemon, chain) = (daemon.clone(), chain.clone());
            tokio::spawn(async move {
                if let Err(e) = answer(&daemon, &chain, id, model, input).await {
                    tracing::warn!(request = id, error = %format!("{e:#}"), "not answered");
                }
                daemon.finish(id);
            });
        }
    }
    if waiting > 0 {
        tracing::warn!(waiting, "the bond backs no more open results: requests wait (bond more to serve them)");
    }
    for id in daemon.journal.ids() {
        if !open.contains(&id) && !daemon.busy(id) {
            tracing::info!(request = id, "closed on chain; dropping its journal entry");
            // A file left behind is read at the next start, and dropped then.
            if let Err(e) = daemon.journal.remove(id) {
                tracing::warn!(request = id, error = %format!("{e:#}"), "a closed request's journal file stays");
            }
            if let Ok(mut l) = daemon.landed.lock() {
                l.remove(&id);
            }
        }
    }
    if let Ok(mut refused) = daemon.refused.lock() {
        refused.retain(|id| open.contains(id));
    }
    Ok(())
}

/// A pending request on one of our models, as the bond's room is shared out.
struct Ask {
    id: u64,
    model: ModelId,
    /// What our result would lock from the bond.
    locks: u128,
    /// Our answer is under way, or landed but not finalised yet: the finalised bond does
    /// not show it locked.
    answering: bool,
}

/// Which of `asks` to answer, each model's bond having `room` free at the finalised
/// block: the answers under way are counted first, then new ones admitted in order while
/// the room lasts. Returns the ids admitted and how many requests wait.
fn admit(mut room: BTreeMap<ModelId, u128>, asks: &[Ask]) -> (Vec<u64>, u32) {
    for ask in asks.iter().filter(|a| a.answering) {
        let free = room.entry(ask.model).or_insert(0);
        *free = free.saturating_sub(ask.locks);
    }
    let (mut admitted, mut waiting) = (Vec::new(), 0);
    for ask in asks.iter().filter(|a| !a.answering) {
        let free = room.entry(ask.model).or_insert(0);
        if *free < ask.locks {
            waiting += 1;
            continue;
        }
        *free -= ask.locks;
        admitted.push(ask.id);
    }
    (admitted, waiting)
}

impl Daemon {
    fn start(&self, id: u64) -> bool {
        self.in_flight.lock().map(|mut s| s.insert(id)).unwrap_or(false)
    }

    fn finish(&self, id: u64) {
        if let Ok(mut s) = self.in_flight.lock() {
            s.remove(&id);
        }
    }

    /// Whether our transaction on `id` landed recently enough that the finalised state may
    /// not show it yet.
    fn awaiting_finality(&self, id: u64, finalized: u32) -> bool {
        self.landed
            .lock()
            .map(|l| l.get(&id).is_some_and(|&at| finalized < at.saturating_add(FINALITY_SLACK)))
            .unwrap_or(false)
    }

    fn landed(&self, id: u64, block: Option<u32>) {
        if let (Ok(mut l), Some(block)) = (self.landed.lock(), block) {
            l.insert(id, block);
        }
    }

    fn was_refused(&self, id: u64) -> bool {
        self.refused.lock().map(|s| s.contains(&id)).unwrap_or(false)
    }

    fn busy(&self, id: u64) -> bool {
        self.in_flight.lock().map(|s| s.contains(&id)).unwrap_or(true)
    }
}

/// Compute (or take from the journal) the answer to request `id`, journal it, post it.
async fn answer(
    daemon: &Daemon,
    chain: &Chain,
    id: u64,
    model: Arc<Model>,
    input: ghost_primitives::Input,
) -> Result<()> {
    let input_hash = journal::input_hash(&input);
    let entry = match daemon.journal.answer_for(id, &model.id(), &input) {
        Some(entry) => entry,
        None => {
            let binding = daemon.me.encode();
            let misbehaviour = daemon.misbehaviour;
            let _computing = daemon.computing.acquire().await?;
            let answer = tokio::task::spawn_blocking(move || rpc::answer_bound(&model, &input, &binding, misbehaviour))
                .await?
                .map_err(|e| anyhow!("computing the answer: {e}"))?;
            let entry = Entry {
                request: id,
                model: answer.model,
                output: answer.output,
                links: answer.links,
                proof: answer.proof,
                state: State::Computed,
            };
            daemon.journal.put(entry.clone(), &input_hash)?;
            entry
        }
    };
    let links = entry.links.iter().map(|l| parse_hash(l)).collect::<Result<Vec<_>, _>>()?;
    let call = runtime::tx().inference().submit_result(
        id,
        BoundedVec(entry.output.clone()),
        BoundedVec(links),
        BoundedVec(entry.proof.0.clone()),
    );
    let outcome = match chain.submit(&call, &daemon.key, Wait::InBlock).await {
        Ok(outcome) => outcome,
        Err(e) => {
            let why = format!("{e:#}");
            if REFUSED_FOR_GOOD.iter().any(|name| why.contains(name)) {
                tracing::error!(request = id, reason = %why, "the chain refused our result: not sending it again");
                if let Ok(mut refused) = daemon.refused.lock() {
                    refused.insert(id);
                }
                return Ok(());
            }
            return Err(e);
        }
    };
    daemon.landed(id, outcome.block);
    daemon.journal.set_state(id, State::Posted)?;
    tracing::info!(request = id, block = ?outcome.block, "result posted");
    Ok(())
}

/// The chain's refusals of a result that sending it again cannot change.
const REFUSED_FOR_GOOD: [&str; 3] =
    ["Inference.ProofRejected", "Inference.WrongLinkCount", "Inference.WrongOutputWidth"];

/// Settle our result on request `id`, its deadline passed: the prover is paid only so.
async fn settle(daemon: &Daemon, chain: &Chain, id: u64) -> Result<()> {
    if daemon.journal.get(id).is_some() {
        daemon.journal.set_state(id, State::Settling)?;
    }
    let call = runtime::tx().inference().settle(id);
    let outcome = match chain.submit(&call, &daemon.key, Wait::InBlock).await {
        Ok(outcome) => outcome,
        // Someone settled it first (the client may): nothing is owed any more.
        Err(e) if format!("{e:#}").contains("Inference.UnknownRequest") => {
            tracing::info!(request = id, "settled by someone else");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    daemon.landed(id, outcome.block);
    let paid = outcome
        .events
        .as_ref()
        .and_then(|events| events.find_first::<runtime::inference::events::Settled>().ok().flatten());
    match paid {
        Some(e) => {
            tracing::info!(request = id, fee = e.fee, royalty = e.royalty, block = ?outcome.block, "settled: paid")
        }
        None => tracing::warn!(request = id, block = ?outcome.block, "settled, but the result was not paid"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(id: u64, model: u8, locks: u128, answering: bool) -> Ask {
        Ask { id, model: [model; 32], locks, answering }
    }

    /// Answers under way count against the bond before any new one is admitted, whatever
    /// their order, so a block never admits more than the bond backs.
    #[test]
    fn answers_under_way_count_against_the_bond() {
        let room = BTreeMap::from([([1; 32], 100u128), ([2; 32], 10)]);
        let asks = [ask(1, 1, 40, false), ask(2, 1, 40, false), ask(3, 1, 40, true), ask(4, 2, 10, false)];
        assert_eq!(admit(room.clone(), &asks), (vec![1, 4], 1), "request 3's answer holds 40 already");
        let idle = [ask(1, 1, 40, false), ask(2, 1, 40, false), ask(3, 1, 40, false)];
        assert_eq!(admit(room.clone(), &idle), (vec![1, 2], 1));
        let full = [ask(1, 1, 60, true), ask(2, 1, 60, true), ask(5, 1, 1, false)];
        assert_eq!(admit(room, &full), (vec![], 1), "over-committed already: nothing more");
        assert_eq!(admit(BTreeMap::new(), &[ask(6, 3, 1, false)]), (vec![], 1), "no bond, no answer");
    }
}
