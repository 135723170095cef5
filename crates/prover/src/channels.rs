//! The prover's side of payment channels: which channels it serves, what each has paid and
//! been served, and the voucher log, its money.
//!
//! A voucher is counted only once it is checked (the channel's client signed it, on this
//! chain) and appended to the log and synced: a prover killed at any point restarts with
//! every voucher it acknowledged, and redeems them. An answer is given only while the
//! channel's unpaid answers stay within the prover's bound (`max_unpaid` prices), and
//! within the channel's deposit: what a client can take without paying is bounded. How the
//! last append to the log went is told to the daemon's [`Liveness`] (`ghost_health`'s
//! `journal`): a log whose failed append could not be cut back refuses every later one.

use anyhow::{Context, Result};
use ghost_client::{
    chain::Chain,
    channel::{
        onchain::ChannelInfo, sign_receipt, AccountBytes, ChainReceipt, MessageError, WireReceipt, WireTicket,
        WireVoucher,
    },
    durable::Log,
    liveness::Liveness,
    wire::Answer,
};
use ghost_primitives::{
    channel::{input_hash, proof_hash, ChannelId},
    Hash, Input, ModelId,
};
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::Path,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc, Mutex,
    },
};
use subxt_signer::sr25519::Keypair;

/// How long a request waits for the desk's first connection to the chain.
const CONNECTION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A channel's terms as the chain recorded them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    /// The client, who signs vouchers.
    pub client: AccountBytes,
    /// The model served.
    pub model: ModelId,
    /// Credit per answer.
    pub price: u128,
    /// Credit escrowed in all.
    pub deposit: u128,
    /// Credit redeemed so far.
    pub redeemed: u128,
    /// Whether its client is closing it: the prover answers no more and redeems now.
    pub closing: bool,
}

/// Why a channel request or voucher was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The channel is not open to this prover (or not finalised yet).
    #[error("channel {0} is not open to this prover on the finalised chain")]
    UnknownChannel(ChannelId),
    /// The channel serves another model.
    #[error("channel {0} serves another model")]
    OtherModel(ChannelId),
    /// The channel is closing.
    #[error("channel {0} is closing: open another")]
    Closing(ChannelId),
    /// Too many answers are unpaid: send a voucher first.
    #[error(
        "channel {channel} has {unpaid} unpaid answer(s), the most this prover allows: send a voucher for {owed} first"
    )]
    Unpaid {
        /// The channel.
        channel: ChannelId,
        /// Answers served and not paid.
        unpaid: u128,
        /// The cumulative amount that pays them.
        owed: u128,
    },
    /// The deposit does not cover another answer.
    #[error("channel {0}'s deposit is spent: top it up")]
    DepositSpent(ChannelId),
    /// The voucher is not the client's.
    #[error("the voucher is refused: {0}")]
    BadVoucher(MessageError),
    /// The request is not signed by the channel's client.
    #[error("the request is refused: {0}")]
    BadTicket(MessageError),
    /// The request's nonce was seen (or is older than those remembered).
    #[error("request {nonce} on channel {channel} was seen before: sign it anew, numbered above {floor}")]
    Replayed {
        /// The channel.
        channel: ChannelId,
        /// The nonce.
        nonce: u64,
        /// A nonce above which none was refused as old (the highest seen, at least).
        floor: u64,
    },
    /// The voucher could not be made durable: it is not counted.
    #[error("the voucher could not be written to the log: {0}")]
    Log(String),
}

/// One line of the voucher log: a voucher counted, an answer reserved, or both (one
/// synced write a request).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Logged {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    voucher: Option<WireVoucher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    served: Option<Served>,
}

/// An answer reserved on a channel: logged before it is given, so that a restarted prover
/// neither numbers two answers alike nor forgets what is unpaid.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Served {
    channel: ChannelId,
    /// Answers reserved on the channel in all, this one included.
    count: u128,
    /// This answer's sequence number.
    seq: u64,
    /// The client's nonce of the request: no request is served twice, restarts included.
    #[serde(default)]
    nonce: u64,
}

/// The voucher log's name in `ghost_health`'s `journal`.
pub const STORE: &str = "voucher log";

/// Nonces remembered a channel: older ones are refused outright.
const NONCES: usize = 4096;

struct Lane {
    terms: Terms,
    /// The finalised block the terms were last read at.
    seen_at: u32,
    /// Answers given (reservations given back are not counted).
    served: u128,
    /// The next sequence number: it only grows, so no two answers share one.
    next_seq: u64,
    /// The best voucher held: its amount (at most the deposit) and itself.
    best: Option<(u128, WireVoucher)>,
    /// The recent requests' nonces, and the one at or below which all are refused.
    nonces: std::collections::BTreeSet<u64>,
    nonce_floor: Option<u64>,
}

impl Lane {
    fn paid(&self) -> u128 {
        self.best.as_ref().map_or(0, |(a, _)| *a)
    }
}

/// What [`Book::take`] did: what the channel has paid in all, and the reservation asked
/// for (its sequence number and terms), or why it was refused.
type Taken = (u128, Option<Result<(u64, Terms), Refusal>>);

/// The channels a prover serves.
pub struct Book {
    genesis: Hash,
    max_unpaid: u128,
    lanes: Mutex<BTreeMap<ChannelId, Lane>>,
    /// What the log holds for channels the book has not seen yet: the best voucher and the
    /// last reservation.
    pending: Mutex<BTreeMap<ChannelId, Logged>>,
    log: Mutex<Log>,
    /// Told how each append to the log went.
    liveness: Arc<Liveness>,
}

impl Book {
    /// Open the voucher log in `dir` (the prover's journal directory, locked by it) for the
    /// chain of `genesis`, allowing `max_unpaid` unpaid answers a channel.
    pub fn open(dir: &Path, genesis: Hash, max_unpaid: u32) -> Result<Self> {
        let path = dir.join("vouchers.jsonl");
        let (log, read) = Log::open::<Logged>(&path).with_context(|| format!("opening {}", path.display()))?;
        // By channel: the best voucher, and the latest reservation with the highest nonce.
        let mut pending: BTreeMap<ChannelId, Logged> = BTreeMap::new();
        let amount = |v: &WireVoucher| v.amount.parse::<u128>().unwrap_or(0);
        for Logged { voucher, served } in read.records {
            if let Some(voucher) = voucher {
                let held = &mut pending.entry(voucher.channel).or_default().voucher;
                if held.as_ref().is_none_or(|held| amount(held) < amount(&voucher)) {
                    *held = Some(voucher);
                }
            }
            if let Some(served) = served {
                let last = &mut pending.entry(served.channel).or_default().served;
                // The latest reservation, with the highest nonce seen.
                let nonce = last.map_or(0, |l| l.nonce).max(served.nonce);
                *last = Some(Served { nonce, ..served });
            }
        }
        Ok(Self {
            genesis,
            max_unpaid: u128::from(max_unpaid.max(1)),
            lanes: Mutex::new(BTreeMap::new()),
            pending: Mutex::new(pending),
            log: Mutex::new(log),
            liveness: Default::default(),
        })
    }

    /// Tell `liveness` how each append to the log goes.
    pub fn reporting_to(mut self, liveness: Arc<Liveness>) -> Self {
        self.liveness = liveness;
        self
    }

    /// Whether `channel` is known.
    pub fn knows(&self, channel: ChannelId) -> bool {
        self.lanes.lock().is_ok_and(|l| l.contains_key(&channel))
    }

    /// Record `channel`'s terms as the chain has them now. A channel seen for the first
    /// time takes the vouchers the log holds for it (checked again), and counts as served
    /// what they paid.
    pub fn set_terms(&self, channel: ChannelId, terms: Terms, seen_at: u32) {
        let mut lanes = self.lanes.lock().expect("the book's lock is never poisoned");
        if let Some(lane) = lanes.get_mut(&channel) {
            lane.terms = terms;
            lane.seen_at = lane.seen_at.max(seen_at);
            return;
        }
        let Logged { voucher, served: last } =
            self.pending.lock().ok().and_then(|mut p| p.remove(&channel)).unwrap_or_default();
        let best = voucher
            .and_then(|v| v.check(self.genesis, &terms.client).ok().map(|a| (a.min(terms.deposit), v)))
            .filter(|(a, _)| *a > 0);
        let paid = best.as_ref().map_or(0, |(a, _)| *a);
        // Served: at least what was paid for, and what was reserved before a restart.
        let served = paid.checked_div(terms.price).unwrap_or(0).max(last.map_or(0, |s| s.count));
        let next_seq = last.map_or(0, |s| s.seq.saturating_add(1)).max(u64::try_from(served).unwrap_or(u64::MAX));
        // Every request before the restart counts as seen.
        let nonce_floor = last.map(|s| s.nonce);
        lanes.insert(channel, Lane { terms, seen_at, served, next_seq, best, nonces: Default::default(), nonce_floor });
    }

    /// Forget `channel` (it finished) if its terms were last read before block `before`:
    /// a channel learned since (by a request) is newer than the read that missed it.
    pub fn forget(&self, channel: ChannelId, before: u32) {
        if let Ok(mut lanes) = self.lanes.lock() {
            if lanes.get(&channel).is_some_and(|lane| lane.seen_at < before) {
                lanes.remove(&channel);
            }
        }
    }

    /// Take `voucher`: checked to be the channel's client's, and made durable before it
    /// counts. Returns what the channel has paid in all.
    pub fn pay(&self, voucher: &WireVoucher) -> Result<u128, Refusal> {
        self.take(voucher.channel, Some(voucher), None).map(|(paid, _)| paid)
    }

    /// The client of `channel`, who signs its requests and vouchers.
    pub fn client(&self, channel: ChannelId) -> Result<AccountBytes, Refusal> {
        let lanes = self.lanes.lock().expect("the book's lock is never poisoned");
        Ok(lanes.get(&channel).ok_or(Refusal::UnknownChannel(channel))?.terms.client)
    }

    /// Reserve the next answer on `channel` for `model`, asked by the client's request
    /// `nonce` (its ticket checked), counting `voucher` first if one came with it: the
    /// answer's sequence number and the terms, if the nonce is new and the channel's
    /// unpaid answers and deposit allow one more. The voucher and the reservation are
    /// logged in one synced write before either counts.
    pub fn reserve(
        &self,
        channel: ChannelId,
        model: &ModelId,
        nonce: u64,
        voucher: Option<&WireVoucher>,
    ) -> Result<(u64, Terms), Refusal> {
        match self.take(channel, voucher, Some((model, nonce)))? {
            (_, Some(Ok(reserved))) => Ok(reserved),
            (_, Some(Err(refused))) => Err(refused),
            (_, None) => Err(Refusal::UnknownChannel(channel)),
        }
    }

    /// Count `voucher` if it raises what `channel` has paid, and reserve an answer of
    /// `model` if asked; log both in one write, then apply them.
    fn take(
        &self,
        channel: ChannelId,
        voucher: Option<&WireVoucher>,
        asked: Option<(&ModelId, u64)>,
    ) -> Result<Taken, Refusal> {
        let amount = match voucher {
            None => None,
            Some(voucher) => {
                let client = {
                    let lanes = self.lanes.lock().expect("the book's lock is never poisoned");
                    lanes.get(&channel).ok_or(Refusal::UnknownChannel(channel))?.terms.client
                };
                Some(voucher.check(self.genesis, &client).map_err(Refusal::BadVoucher)?)
            }
        };
        let mut lanes = self.lanes.lock().expect("the book's lock is never poisoned");
        let lane = lanes.get_mut(&channel).ok_or(Refusal::UnknownChannel(channel))?;
        let price = lane.terms.price;
        // Only what the deposit can pay counts, and only a rise of at least one answer's
        // price is logged: a client cannot grow the log a unit at a time.
        let raised = amount
            .map(|a| a.min(lane.terms.deposit))
            .filter(|counted| *counted >= lane.paid().saturating_add(price.max(1)));
        let paid = raised.unwrap_or(lane.paid());
        let reserved = asked.map(|(model, nonce)| {
            if lane.nonce_floor.is_some_and(|floor| nonce <= floor) || lane.nonces.contains(&nonce) {
                let floor = lane.nonces.last().copied().max(lane.nonce_floor).unwrap_or(nonce);
                return Err(Refusal::Replayed { channel, nonce, floor });
            }
            if &lane.terms.model != model {
                return Err(Refusal::OtherModel(channel));
            }
            if lane.terms.closing {
                return Err(Refusal::Closing(channel));
            }
            let next = lane.served.saturating_add(1);
            if next.saturating_mul(price) > lane.terms.deposit {
                return Err(Refusal::DepositSpent(channel));
            }
            let unpaid = lane.served.saturating_sub(paid.checked_div(price).unwrap_or(next));
            if unpaid >= self.max_unpaid {
                return Err(Refusal::Unpaid { channel, unpaid, owed: lane.served.saturating_mul(price) });
            }
            Ok(Served { channel, count: next, seq: lane.next_seq, nonce })
        });
        let served = reserved.as_ref().and_then(|r| r.as_ref().ok().copied());
        let line = Logged { voucher: raised.and(voucher.cloned()), served };
        if line.voucher.is_some() || line.served.is_some() {
            // Logged (and synced) before it counts: the log is the prover's money, and
            // what it has served.
            let appended = self.log.lock().expect("the log's lock is never poisoned").append(&line);
            self.liveness.wrote(STORE, &appended);
            appended.map_err(|e| Refusal::Log(e.to_string()))?;
        }
        if let (Some(counted), Some(voucher)) = (raised, voucher) {
            lane.best = Some((counted, voucher.clone()));
        }
        if let Some(served) = served {
            lane.served = served.count;
            lane.next_seq = served.seq.saturating_add(1);
            lane.nonces.insert(served.nonce);
            if lane.nonces.len() > NONCES {
                lane.nonce_floor = lane.nonces.pop_first().max(lane.nonce_floor);
            }
        }
        let reserved = reserved.map(|r| r.map(|s| (s.seq, lane.terms.clone())));
        Ok((lane.paid(), reserved))
    }

    /// Give back a reservation whose answer was never given (the inference or its receipt
    /// failed): the client owes nothing for it. Logged too, so that a restart does not
    /// count it as unpaid and refuse the client for an answer it never had; its sequence
    /// number and nonce stay used. If the log cannot take the line (a full disk), the
    /// reservation is still given back here, and only a restart would count it again.
    pub fn unreserve(&self, channel: ChannelId) {
        let Ok(mut lanes) = self.lanes.lock() else { return };
        let Some(lane) = lanes.get_mut(&channel) else { return };
        let Some(count) = lane.served.checked_sub(1) else { return };
        lane.served = count;
        let Some(nonce) = lane.nonces.last().copied().max(lane.nonce_floor) else { return };
        let given_back = Served { channel, count, seq: lane.next_seq.saturating_sub(1), nonce };
        let line = Logged { voucher: None, served: Some(given_back) };
        let appended = self.log.lock().expect("the log's lock is never poisoned").append(&line);
        self.liveness.wrote(STORE, &appended);
    }

    /// The best voucher of every channel that pays more than its redeemed amount, with what
    /// it would add: what a redemption should carry.
    pub fn unredeemed(&self) -> Vec<(WireVoucher, u128)> {
        let lanes = self.lanes.lock().expect("the book's lock is never poisoned");
        lanes
            .values()
            .filter_map(|lane| {
                let (amount, voucher) = lane.best.as_ref()?;
                let gain = amount.min(&lane.terms.deposit).saturating_sub(lane.terms.redeemed);
                (gain > 0).then(|| (voucher.clone(), gain))
            })
            .collect()
    }

    /// Channels whose client is closing them.
    pub fn closing(&self) -> Vec<ChannelId> {
        let lanes = self.lanes.lock().expect("the book's lock is never poisoned");
        lanes.iter().filter(|(_, l)| l.terms.closing).map(|(c, _)| *c).collect()
    }

    /// Channels known.
    pub fn channels(&self) -> Vec<ChannelId> {
        self.lanes.lock().map(|l| l.keys().copied().collect()).unwrap_or_default()
    }
}

/// A prover's channel desk: the book, the key that signs receipts, and the chain it reads
/// channels from (set once connected), shared by the JSON-RPC server and the daemon.
pub struct Desk {
    /// The channels and vouchers.
    pub book: Book,
    key: Keypair,
    me: AccountBytes,
    genesis: Hash,
    chain: tokio::sync::RwLock<Option<Chain>>,
    /// The latest finalised block seen: what receipts are dated with.
    finalized: AtomicU32,
}

impl Desk {
    /// A desk for `key` on the chain of `genesis`, with its voucher log in `dir`.
    pub fn open(dir: &Path, key: Keypair, genesis: Hash, max_unpaid: u32) -> Result<Self> {
        let me = key.public_key().0;
        Ok(Self {
            book: Book::open(dir, genesis, max_unpaid)?,
            key,
            me,
            genesis,
            chain: tokio::sync::RwLock::new(None),
            finalized: AtomicU32::new(0),
        })
    }

    /// Tell `liveness` how each append to the voucher log goes.
    pub fn reporting_to(mut self, liveness: Arc<Liveness>) -> Self {
        self.book = self.book.reporting_to(liveness);
        self
    }

    /// The prover's account.
    pub fn me(&self) -> AccountBytes {
        self.me
    }

    /// Read channels from `chain` from now on.
    pub async fn connected(&self, chain: &Chain) {
        if let Ok((number, _)) = chain.finalized().await {
            self.finalized.fetch_max(number, Ordering::Relaxed);
        }
        *self.chain.write().await = Some(chain.clone());
    }

    /// A new finalised block: date receipts with it, and bring every channel of this
    /// prover in line with the chain (new ones, top-ups, redemptions, closings; finished
    /// ones forgotten).
    pub async fn finalized(&self, chain: &Chain, number: u32) -> Result<()> {
        self.finalized.fetch_max(number, Ordering::Relaxed);
        let open = chain.channels().await?;
        let mut mine = std::collections::BTreeSet::new();
        for (id, info) in open {
            if info.prover.0 == self.me {
                mine.insert(id);
                self.book.set_terms(id, terms_of(&info), number);
            }
        }
        for id in self.book.channels() {
            if !mine.contains(&id) {
                self.book.forget(id, number);
            }
        }
        Ok(())
    }

    /// Make sure `channel` is known: read it from the finalised chain if it is not.
    pub async fn ensure(&self, channel: ChannelId) -> Result<(), Refusal> {
        if self.book.knows(channel) {
            return Ok(());
        }
        self.refresh(channel).await
    }

    /// Read `channel` from the finalised chain again. Just after a start the connection may
    /// not be up yet: it is waited for a little, so that a restarted prover does not turn
    /// away the clients (and vouchers) of channels it serves.
    pub async fn refresh(&self, channel: ChannelId) -> Result<(), Refusal> {
        let deadline = tokio::time::Instant::now() + CONNECTION_WAIT;
        let chain = loop {
            if let Some(chain) = self.chain.read().await.clone() {
                break chain;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Refusal::UnknownChannel(channel));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        match chain.channel(channel).await {
            Ok(Some(info)) if info.prover.0 == self.me => {
                self.book.set_terms(channel, terms_of(&info), self.finalized.load(Ordering::Relaxed));
                Ok(())
            }
            Ok(_) => Err(Refusal::UnknownChannel(channel)),
            Err(e) => {
                tracing::warn!(channel, error = %format!("{e:#}"), "reading a channel failed");
                Err(Refusal::UnknownChannel(channel))
            }
        }
    }

    /// The nonce of `ticket`, if it is `channel`'s client's signature of this request.
    pub fn ticket(
        &self,
        channel: ChannelId,
        model: &ModelId,
        input: &Input,
        ticket: &WireTicket,
    ) -> Result<u64, Refusal> {
        let client = self.book.client(channel)?;
        ticket.check(self.genesis, channel, model, input, &client).map_err(Refusal::BadTicket)
    }

    /// Sign the receipt of answer `seq` on `channel` to `input`: `answer` (its proof bound
    /// to this prover), under `terms`.
    pub fn receipt(
        &self,
        channel: ChannelId,
        seq: u64,
        terms: &Terms,
        input: &Input,
        answer: &Answer,
    ) -> anyhow::Result<WireReceipt> {
        let claim = answer.claim()?;
        let receipt = ChainReceipt {
            genesis: self.genesis,
            channel,
            seq,
            at: self.finalized.load(Ordering::Relaxed),
            prover: self.me,
            client: terms.client,
            model: terms.model,
            price: terms.price,
            input: input_hash(input),
            output: claim.output,
            links: claim.links,
            proof: proof_hash(&answer.proof.0),
        };
        Ok(sign_receipt(&self.key, &receipt))
    }
}

fn terms_of(info: &ChannelInfo) -> Terms {
    Terms {
        client: info.client.0,
        model: info.model,
        price: info.price,
        deposit: info.deposit,
        redeemed: info.redeemed,
        closing: info.closes_at.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::channel::sign_voucher;

    const GENESIS: Hash = [9; 32];

    fn terms(client: &subxt_signer::sr25519::Keypair) -> Terms {
        Terms { client: client.public_key().0, model: [1; 32], price: 10, deposit: 100, redeemed: 0, closing: false }
    }

    #[test]
    fn answers_stop_at_the_unpaid_bound_and_resume_when_paid() {
        let dir = tempfile::tempdir().unwrap();
        let bob = subxt_signer::sr25519::dev::bob();
        let book = Book::open(dir.path(), GENESIS, 2).unwrap();
        assert!(matches!(book.reserve(0, &[1; 32], 1, None), Err(Refusal::UnknownChannel(0))));
        book.set_terms(0, terms(&bob), 1);
        assert_eq!(book.reserve(0, &[1; 32], 2, None).unwrap().0, 0);
        assert_eq!(book.reserve(0, &[1; 32], 3, None).unwrap().0, 1);
        assert!(matches!(book.reserve(0, &[1; 32], 4, None), Err(Refusal::Unpaid { unpaid: 2, owed: 20, .. })));
        assert!(matches!(book.reserve(0, &[2; 32], 5, None), Err(Refusal::OtherModel(0))));
        // A voucher from someone else, or for another chain, pays nothing.
        let alice = subxt_signer::sr25519::dev::alice();
        assert!(matches!(book.pay(&sign_voucher(&alice, GENESIS, 0, 20)), Err(Refusal::BadVoucher(_))));
        assert!(matches!(book.pay(&sign_voucher(&bob, [0; 32], 0, 20)), Err(Refusal::BadVoucher(_))));
        assert_eq!(book.pay(&sign_voucher(&bob, GENESIS, 0, 20)).unwrap(), 20);
        // An older voucher, or one raising by less than a price, changes nothing (nothing
        // is logged); one beyond the deposit counts up to the deposit.
        assert_eq!(book.pay(&sign_voucher(&bob, GENESIS, 0, 10)).unwrap(), 20);
        assert_eq!(book.pay(&sign_voucher(&bob, GENESIS, 0, 29)).unwrap(), 20);
        let lines = || std::fs::read_to_string(dir.path().join("vouchers.jsonl")).unwrap().lines().count();
        assert_eq!(lines(), 3, "two reservations and one voucher");
        assert_eq!(book.pay(&sign_voucher(&bob, GENESIS, 0, 10_000)).unwrap(), 100);
        assert_eq!(lines(), 4);
        book.forget(0, 1);
        assert!(book.knows(0), "read at block 1: not forgotten by a read of block 1");
        book.forget(0, 2);
        assert!(!book.knows(0));
        // A reservation whose answer was never given is given back; its number is not.
        book.set_terms(0, terms(&bob), 3);
        assert_eq!(book.reserve(0, &[1; 32], 6, None).unwrap().0, 0);
        book.unreserve(0);
        assert_eq!(book.reserve(0, &[1; 32], 7, None).unwrap().0, 1);
        assert_eq!(book.reserve(0, &[1; 32], 8, None).unwrap().0, 2);
        assert!(matches!(book.reserve(0, &[1; 32], 9, None), Err(Refusal::Unpaid { unpaid: 2, .. })));
    }

    /// A reservation given back stays given back across a restart: the client is not
    /// refused for an answer it never had, and its number and nonce stay used.
    #[test]
    fn a_reservation_given_back_is_not_counted_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let bob = subxt_signer::sr25519::dev::bob();
        {
            let book = Book::open(dir.path(), GENESIS, 2).unwrap();
            book.set_terms(0, terms(&bob), 1);
            assert_eq!(book.reserve(0, &[1; 32], 1, None).unwrap().0, 0);
            assert_eq!(book.reserve(0, &[1; 32], 2, None).unwrap().0, 1);
            book.unreserve(0);
        }
        let book = Book::open(dir.path(), GENESIS, 2).unwrap();
        book.set_terms(0, terms(&bob), 1);
        assert!(matches!(book.reserve(0, &[1; 32], 2, None), Err(Refusal::Replayed { nonce: 2, .. })));
        assert_eq!(book.reserve(0, &[1; 32], 3, None).unwrap().0, 2, "one answer unpaid, not two");
        assert!(matches!(book.reserve(0, &[1; 32], 4, None), Err(Refusal::Unpaid { unpaid: 2, .. })));
    }

    #[test]
    fn the_deposit_bounds_the_answers() {
        let dir = tempfile::tempdir().unwrap();
        let bob = subxt_signer::sr25519::dev::bob();
        let book = Book::open(dir.path(), GENESIS, 100).unwrap();
        book.set_terms(0, Terms { deposit: 25, ..terms(&bob) }, 1);
        assert!(book.reserve(0, &[1; 32], 10, None).is_ok());
        assert!(book.reserve(0, &[1; 32], 11, None).is_ok());
        assert!(matches!(book.reserve(0, &[1; 32], 12, None), Err(Refusal::DepositSpent(0))));
        book.set_terms(0, Terms { deposit: 30, ..terms(&bob) }, 2);
        assert!(book.reserve(0, &[1; 32], 13, None).is_ok());
        book.set_terms(0, Terms { closing: true, ..terms(&bob) }, 3);
        assert!(matches!(book.reserve(0, &[1; 32], 14, None), Err(Refusal::Closing(0))));
        assert_eq!(book.closing(), vec![0]);
    }

    /// Every acknowledged voucher is back after a restart; a torn last line is not.
    #[test]
    fn vouchers_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let bob = subxt_signer::sr25519::dev::bob();
        {
            let book = Book::open(dir.path(), GENESIS, 5).unwrap();
            book.set_terms(3, terms(&bob), 1);
            book.pay(&sign_voucher(&bob, GENESIS, 3, 10)).unwrap();
            book.pay(&sign_voucher(&bob, GENESIS, 3, 30)).unwrap();
        }
        use std::io::Write;
        let log = dir.path().join("vouchers.jsonl");
        std::fs::OpenOptions::new().append(true).open(&log).unwrap().write_all(br#"{"voucher":{"chan"#).unwrap();
        let book = Book::open(dir.path(), GENESIS, 5).unwrap();
        book.set_terms(3, terms(&bob), 1);
        let unredeemed = book.unredeemed();
        assert_eq!(unredeemed.len(), 1);
        assert_eq!((unredeemed[0].0.amount.as_str(), unredeemed[0].1), ("30", 30));
        // What the vouchers paid counts as served: the next answer is the fourth.
        assert_eq!(book.reserve(3, &[1; 32], 15, None).unwrap().0, 3);
    }

    /// A restarted prover numbers no two answers alike, still counts what was served and
    /// not paid (its unpaid bound and the deposit hold across the restart), and holds no
    /// voucher beyond the deposit.
    #[test]
    fn a_restart_forgets_neither_what_was_served_nor_what_is_unpaid() {
        let dir = tempfile::tempdir().unwrap();
        let bob = subxt_signer::sr25519::dev::bob();
        {
            let book = Book::open(dir.path(), GENESIS, 3).unwrap();
            book.set_terms(5, terms(&bob), 1);
            for seq in 0..3 {
                assert_eq!(book.reserve(5, &[1; 32], 1_000 + seq, None).unwrap().0, seq);
            }
            // The voucher for the first answer rides on the fourth request.
            let voucher = sign_voucher(&bob, GENESIS, 5, 10);
            assert_eq!(book.reserve(5, &[1; 32], 2_000, Some(&voucher)).unwrap().0, 3);
        }
        let book = Book::open(dir.path(), GENESIS, 3).unwrap();
        book.set_terms(5, terms(&bob), 2);
        assert!(matches!(book.reserve(5, &[1; 32], 2_001, None), Err(Refusal::Unpaid { unpaid: 3, owed: 40, .. })));
        let voucher = sign_voucher(&bob, GENESIS, 5, 40);
        assert_eq!(book.reserve(5, &[1; 32], 2_002, Some(&voucher)).unwrap().0, 4);
        // A voucher beyond the deposit is held at the deposit, before and after a restart.
        assert_eq!(book.pay(&sign_voucher(&bob, GENESIS, 5, 1_000)).unwrap(), 100);
        drop(book);
        let book = Book::open(dir.path(), GENESIS, 3).unwrap();
        book.set_terms(5, terms(&bob), 3);
        assert_eq!(book.pay(&sign_voucher(&bob, GENESIS, 5, 10)).unwrap(), 100);
        assert_eq!(book.unredeemed()[0].1, 100);
    }

    /// A request is served once: its nonce is refused after, restarts included.
    #[test]
    fn a_request_is_served_once() {
        let dir = tempfile::tempdir().unwrap();
        let bob = subxt_signer::sr25519::dev::bob();
        {
            let book = Book::open(dir.path(), GENESIS, 5).unwrap();
            book.set_terms(2, terms(&bob), 1);
            assert_eq!(book.reserve(2, &[1; 32], 40, None).unwrap().0, 0);
            assert!(matches!(book.reserve(2, &[1; 32], 40, None), Err(Refusal::Replayed { nonce: 40, .. })));
            // Out of order, but new: served.
            assert_eq!(book.reserve(2, &[1; 32], 39, None).unwrap().0, 1);
        }
        let book = Book::open(dir.path(), GENESIS, 5).unwrap();
        book.set_terms(2, terms(&bob), 2);
        for old in [39, 40] {
            assert!(matches!(book.reserve(2, &[1; 32], old, None), Err(Refusal::Replayed { .. })));
        }
        assert_eq!(book.reserve(2, &[1; 32], 41, None).unwrap().0, 2);
    }
}
