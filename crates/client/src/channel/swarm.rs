//! A swarm of provers for one model: the bonded provers the chain lists, each reached over
//! a channel of the client's (reused when open, opened when allowed), asked by measured
//! latency, with fail-over.
//!
//! Each request goes to the prover with the lowest expected wait: its smoothed latency
//! times the requests it has in flight (a prover not measured yet goes first). A prover
//! that does not answer is rested with a growing pause, then asked again; one whose
//! answer does not verify is rested for [`LIAR_REST`] (its receipt is kept, and handed to
//! the auditor if any). The request then goes to the next prover; a member is tried at
//! most three times for one request, and when every one left is resting the request waits
//! for the first back (at most 30 s). An answer is owed for
//! only once it verified and its receipt was kept, on its own channel, so failing over
//! never pays twice.

use super::{
    audit::Auditor,
    message::MessageError,
    onchain::{self, ChannelInfo},
    session::{self, AskError, RunReport, Session, Taken},
};
use crate::{chain::Chain, endpoint, provers};
use anyhow::{anyhow, bail, Result};
use ghost_primitives::{channel::ChannelId, hex0x, Input, ModelId, Verifier};
use std::{
    fmt,
    path::Path,
    sync::{atomic::AtomicBool, Mutex},
    time::{Duration, Instant},
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// How long a prover whose answer did not verify is left alone.
pub const LIAR_REST: Duration = Duration::from_secs(600);
/// The longest pause of a prover that does not answer.
const MAX_REST: Duration = Duration::from_secs(30);
/// Tries of one member for one request.
const TRIES: usize = 3;
/// Longest one request waits for a member to come back from rest.
const PATIENCE: Duration = Duration::from_secs(30);
/// Weight of the newest latency in the smoothed one.
const SMOOTHING: f64 = 0.2;
/// Channels given up with one prover, still on chain or gone from it within a close
/// timeout, beyond which no last-resort channel is opened with it: what a prover that
/// refuses every channel can cost a client per close timeout.
const GIVEN_UP_RECENTLY: usize = 2;

/// How to join a model's swarm.
#[derive(Clone, Debug)]
pub struct SwarmOptions {
    /// Provers to use at most.
    pub provers: usize,
    /// Credit to escrow in each channel opened; `None`: open none, use only open ones.
    pub deposit: Option<u128>,
    /// The watcher receipts are handed to, and the share of verified ones handed in.
    pub audit: Option<(String, f64)>,
}

/// What joining did, prover by prover.
#[derive(Clone, Debug)]
pub enum Joined {
    /// An open channel of ours is used.
    Reused {
        /// The channel.
        channel: ChannelId,
        /// Its prover.
        prover: AccountId32,
        /// Credit left in it.
        left: u128,
    },
    /// A channel was opened.
    Opened {
        /// The channel.
        channel: ChannelId,
        /// Its prover.
        prover: AccountId32,
        /// Its deposit.
        deposit: u128,
    },
    /// A channel given up (its prover holds answers never taken as unpaid) was closed.
    Abandoned {
        /// The channel.
        channel: ChannelId,
        /// Its prover.
        prover: AccountId32,
    },
    /// A prover was left out.
    Skipped {
        /// The prover.
        prover: AccountId32,
        /// Why, as a sentence.
        why: String,
    },
}

impl fmt::Display for Joined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::keys::show_account;
        match self {
            Joined::Reused { channel, prover, left } => {
                write!(f, "channel {channel} with prover {}: reused, {left} credit left", show_account(prover))
            }
            Joined::Opened { channel, prover, deposit } => {
                write!(f, "channel {channel} with prover {}: opened with {deposit} credit", show_account(prover))
            }
            Joined::Abandoned { channel, prover } => write!(
                f,
                "channel {channel} with prover {}: given up (it holds answers never taken as unpaid); closing it",
                show_account(prover)
            ),
            Joined::Skipped { prover, why } => write!(f, "prover {} left out: {why}", show_account(prover)),
        }
    }
}

#[derive(Default)]
struct Health {
    /// Smoothed latency in seconds (`None`: not measured yet).
    latency: Option<f64>,
    in_flight: u32,
    /// Failures in a row.
    failures: u32,
    resting_until: Option<Instant>,
    answered: u64,
}

/// One prover of the swarm, on its channel.
pub struct Member {
    /// The prover.
    pub prover: AccountId32,
    /// Its endpoint.
    pub url: String,
    /// The session on its channel.
    pub session: Session,
    health: Mutex<Health>,
}

impl Member {
    fn score(&self, now: Instant) -> Option<f64> {
        let health = self.health.lock().ok()?;
        if health.resting_until.is_some_and(|until| until > now) {
            return None;
        }
        Some(health.latency.unwrap_or(0.0) * f64::from(1 + health.in_flight))
    }

    fn resting_until(&self) -> Option<Instant> {
        self.health.lock().ok()?.resting_until
    }

    fn update(&self, f: impl FnOnce(&mut Health)) {
        if let Ok(mut health) = self.health.lock() {
            f(&mut health);
        }
    }

    /// Answers it gave, verified, on this swarm.
    pub fn answered(&self) -> u64 {
        self.health.lock().map(|h| h.answered).unwrap_or(0)
    }
}

/// A verified answer from the swarm.
pub struct Served {
    /// The answer, its receipt kept.
    pub taken: Taken,
    /// Which member gave it (an index into [`Swarm::members`]).
    pub member: usize,
    /// The provers asked before it, with why each failed.
    pub failed: Vec<(usize, String)>,
}

/// A model's swarm: its provers on the client's channels.
pub struct Swarm {
    model: ModelId,
    members: Vec<Member>,
}

/// The provers a last-resort channel may be opened with, given one entry in `given_up` per
/// channel given up that is still on chain or gone within a close timeout: those with one
/// or more such channels, but fewer than `GIVEN_UP_RECENTLY`. It is asked only when no
/// other prover served in this join (each was tried, and was down or refused), so a
/// prover, or a sybil, that bonds and never answers cannot keep it off.
fn last_resorts<'a>(provers: impl Iterator<Item = &'a AccountId32>, given_up: &[AccountId32]) -> Vec<AccountId32> {
    let count = |prover: &AccountId32| given_up.iter().filter(|p| *p == prover).count();
    provers.filter(|p| (1..GIVEN_UP_RECENTLY).contains(&count(p))).cloned().collect()
}

impl Swarm {
    /// Join `model`'s swarm with `key`: up to `options.provers` bonded provers with a
    /// public endpoint, each on an open channel of `key`'s to it, or on one opened with
    /// `options.deposit`. Records are kept under `root`; `joined` hears each step.
    pub async fn join(
        chain: &Chain,
        key: &Keypair,
        model: &ModelId,
        root: &Path,
        options: &SwarmOptions,
        mut joined: impl FnMut(Joined),
    ) -> Result<Self> {
        let file = chain.ghost_file(model).await?.ok_or_else(|| anyhow!("model {} is not registered", hex0x(model)))?;
        let verifier = Verifier::decode_expecting(&file, model)?;
        let me = crate::keys::account_of(key);
        let ours: Vec<(ChannelId, ChannelInfo)> =
            chain.channels().await?.into_iter().filter(|(_, c)| c.client == me && &c.model == model).collect();
        let mut endpoints = provers::endpoints(chain, model).await?;
        let (genesis, best) = (chain.genesis(), chain.best_number().await?);
        // Channels given up are paid up, closed (the prover redeems what it holds) and not
        // reused; their provers get no new channel while those are on chain (or, if gone,
        // for a close timeout), so a prover that refuses at once cannot make the client
        // open channel after channel. Closing and finishing are best effort: what fails is
        // tried at the next join.
        let mut shunned = Vec::new();
        for (id, info) in &ours {
            if session::abandoned(root, &genesis, *id) {
                shunned.push(info.prover.clone());
                if info.closes_at.is_none() {
                    if let Some(e) = endpoints.iter().find(|e| e.prover == info.prover) {
                        let resumed =
                            Session::resume(genesis, info, key.clone(), *id, &e.url, verifier.clone(), root, best);
                        if let Err(why) = async { resumed?.pay_up().await }.await {
                            tracing::debug!(channel = id, error = %format!("{why:#}"), "paying up a channel given up");
                        }
                    }
                    // Another process of this client still asks on it: it pays what it
                    // verified, and the channel is closed at a later join.
                    if session::in_use(root, &genesis, *id) {
                        continue;
                    }
                    match onchain::close(chain, key, *id).await {
                        Ok(_) => joined(Joined::Abandoned { channel: *id, prover: info.prover.clone() }),
                        Err(e) => {
                            tracing::warn!(channel = id, error = %format!("{e:#}"), "closing a channel given up failed")
                        }
                    }
                }
            }
            // A closing channel past its timeout is finished: its deposit comes back.
            if info.closes_at.is_some_and(|at| at < best) {
                if let Err(e) = onchain::finish(chain, key, *id).await {
                    tracing::debug!(channel = id, error = %format!("{e:#}"), "finishing a closed channel");
                }
            }
        }
        // Channels given up that are gone from chain count too while a close timeout has not
        // passed since: a prover that closes each channel at once (ending it, its deposit
        // back) must not get a fresh one at every join.
        let timeout = chain.constant_u32("Channels", "CloseTimeout")?;
        for (channel, marker) in session::given_up(root, &genesis, &me, model) {
            if !ours.iter().any(|(id, _)| *id == channel) && marker.block.saturating_add(timeout) > best {
                shunned.push(marker.prover);
            }
        }
        let mine: Vec<&(ChannelId, ChannelInfo)> =
            ours.iter().filter(|(id, c)| c.closes_at.is_none() && !session::abandoned(root, &genesis, *id)).collect();
        // Provers we have a channel with first (reusing costs no transaction), the others in
        // random order: the storage order of the bonds is an account's hash, which a sybil
        // can grind to come first.
        {
            use rand::seq::SliceRandom;
            endpoints.shuffle(&mut rand::thread_rng());
        }
        endpoints.sort_by_key(|e| !mine.iter().any(|(_, c)| c.prover == e.prover));
        let mut members = Vec::new();
        // A prover whose channel was given up gets no new one while that one is on chain,
        // unless no other prover served in this join: then one is opened with the first of
        // them that answers and has fewer than `GIVEN_UP_RECENTLY` given up that recently.
        // A client left with nobody for the close timeout is worse off than one more
        // deposit held for a while; and the bound means a prover that refuses every
        // channel at once costs a client at most that many channels' fees and deposits per
        // close timeout.
        let last_resorts = last_resorts(endpoints.iter().map(|e| &e.prover), &shunned);
        for last_resort in [false, true] {
            if last_resort && (!members.is_empty() || options.deposit.is_none() || last_resorts.is_empty()) {
                break;
            }
            for endpoint in &endpoints {
                if members.len() >= options.provers.max(1) || (last_resort && !members.is_empty()) {
                    break;
                }
                let prover = endpoint.prover.clone();
                let is_shunned = shunned.contains(&prover);
                if last_resort && !last_resorts.contains(&prover) {
                    continue;
                }
                if let Err(refused) = endpoint::check(&endpoint.url).await {
                    joined(Joined::Skipped { prover, why: refused.to_string() });
                    continue;
                }
                let open = mine
                    .iter()
                    .filter(|(_, c)| c.prover == prover && c.deposit.saturating_sub(c.redeemed) >= c.price)
                    .max_by_key(|(_, c)| c.deposit.saturating_sub(c.redeemed));
                let (channel, info) = match (open, options.deposit) {
                    (Some((id, info)), _) => {
                        joined(Joined::Reused {
                            channel: *id,
                            prover: prover.clone(),
                            left: info.deposit - info.redeemed,
                        });
                        (*id, info.clone())
                    }
                    (None, Some(_)) if is_shunned && !last_resort => {
                        let why = "a channel with it was given up, and no new one is opened while that one is on chain";
                        joined(Joined::Skipped { prover, why: why.into() });
                        continue;
                    }
                    (None, Some(deposit)) => {
                        if let Err(e) = reachable(&endpoint.url).await {
                            joined(Joined::Skipped { prover, why: format!("it does not answer: {e:#}") });
                            continue;
                        }
                        let opened = async {
                            let (id, _) = onchain::open(chain, key, &prover, model, deposit).await?;
                            let info =
                                chain.channel(id).await?.ok_or_else(|| anyhow!("channel {id} is not on chain"))?;
                            anyhow::Ok((id, info))
                        };
                        let (id, info) = match opened.await {
                            Ok(opened) => opened,
                            Err(e) => {
                                joined(Joined::Skipped { prover, why: format!("opening a channel failed: {e:#}") });
                                continue;
                            }
                        };
                        joined(Joined::Opened { channel: id, prover: prover.clone(), deposit });
                        (id, info)
                    }
                    (None, None) => {
                        joined(Joined::Skipped {
                            prover,
                            why: "no open channel with it, and none may be opened".into(),
                        });
                        continue;
                    }
                };
                let best = chain.best_number().await?;
                let mut session = match Session::resume(
                    chain.genesis(),
                    &info,
                    key.clone(),
                    channel,
                    &endpoint.url,
                    verifier.clone(),
                    root,
                    best,
                ) {
                    Ok(session) => session,
                    // In use by another process of this client, say: the others may serve.
                    Err(e) => {
                        joined(Joined::Skipped { prover, why: format!("{e:#}") });
                        continue;
                    }
                };
                if let Some((url, rate)) = &options.audit {
                    session = session.with_audit(Auditor::start(url, *rate)?);
                }
                members.push(Member {
                    prover,
                    url: endpoint.url.clone(),
                    session,
                    health: Mutex::new(Health::default()),
                });
            }
        }
        if members.is_empty() {
            bail!("no prover of model {} can be reached on a channel", hex0x(model));
        }
        let swarm = Self { model: *model, members };
        // Opening channels took blocks: every session starts from the head as it is now.
        swarm.set_best(chain.best_number().await?);
        Ok(swarm)
    }

    /// The model.
    pub fn model(&self) -> &ModelId {
        &self.model
    }

    /// The provers, on their channels.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The chain has reached block `best`.
    pub fn set_best(&self, best: u32) {
        for member in &self.members {
            member.session.set_best(best);
        }
    }

    /// Ask the swarm for `input`: the fastest prover not resting first, then the next
    /// while one fails. `Err` with every failure when none gave a verified answer.
    pub async fn ask(&self, input: &Input) -> Result<Served, Vec<(usize, String)>> {
        let mut failed: Vec<(usize, String)> = Vec::new();
        let given_up = Instant::now() + PATIENCE;
        loop {
            let now = Instant::now();
            // A member is asked at most TRIES times for one request.
            let tries = |i: usize| failed.iter().filter(|(f, _)| *f == i).count();
            let left: Vec<usize> = (0..self.members.len())
                .filter(|i| tries(*i) < TRIES && !self.members[*i].session.is_abandoned())
                .collect();
            let next = left
                .iter()
                .filter_map(|i| self.members[*i].score(now).map(|s| (*i, s)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let Some((i, _)) = next else {
                // Everyone left is resting (busy, or just failed): wait for the first back.
                let back = left.iter().filter_map(|i| self.members[*i].resting_until()).min();
                match back {
                    Some(back) if back < given_up => {
                        tokio::time::sleep_until(back.into()).await;
                        continue;
                    }
                    _ => return Err(failed),
                }
            };
            let member = &self.members[i];
            member.update(|h| h.in_flight += 1);
            let started = Instant::now();
            let result = member.session.ask(input).await;
            let took = started.elapsed().as_secs_f64();
            member.update(|h| h.in_flight = h.in_flight.saturating_sub(1));
            match result {
                Ok(taken) => {
                    member.update(|h| {
                        h.latency = Some(h.latency.map_or(took, |l| l + SMOOTHING * (took - l)));
                        h.failures = 0;
                        h.resting_until = None;
                        h.answered += 1;
                    });
                    return Ok(Served { taken, member: i, failed });
                }
                Err(AskError::Log(why)) => {
                    // Nothing can be kept: no prover would do better.
                    failed.push((i, format!("the receipt could not be kept: {why}")));
                    return Err(failed);
                }
                Err(e) => {
                    let rest = match &e {
                        // Our view of the chain may lag the prover's: no lie shown.
                        AskError::Refused(MessageError::Unexpected { field: "block", .. }) => Duration::ZERO,
                        AskError::Refused(_) => LIAR_REST,
                        _ => Duration::ZERO,
                    };
                    member.update(|h| {
                        h.failures = h.failures.saturating_add(1);
                        let backoff = Duration::from_millis(250u64 << h.failures.min(7)).min(MAX_REST);
                        h.resting_until = Some(Instant::now() + backoff.max(rest));
                    });
                    tracing::debug!(prover = %member.url, error = %e, "a try failed; the request goes on");
                    failed.push((i, e.to_string()));
                }
            }
        }
    }

    /// Send every channel's voucher for what was verified on it: the provers that took
    /// theirs, and why each other did not.
    pub async fn pay_up(&self) -> Vec<(usize, Result<u128>)> {
        let paid = futures::future::join_all(self.members.iter().map(|m| m.session.pay_up())).await;
        paid.into_iter().enumerate().collect()
    }
}

/// Whether `url` answers `ghost_health` within a few seconds (before escrowing credit).
async fn reachable(url: &str) -> Result<()> {
    use crate::api::GhostRpcClient;
    let client = crate::api::client(url, Duration::from_secs(5))?;
    client.health().await?;
    Ok(())
}

/// What [`ask_swarm`] measured.
#[derive(Debug, Default)]
pub struct SwarmReport {
    /// Answers, latencies and failures.
    pub run: RunReport,
    /// Verified answers per member.
    pub answered: Vec<u64>,
    /// Requests that went to another prover after one failed.
    pub failed_over: u64,
    /// Members whose final voucher was not taken, with why.
    pub unpaid: Vec<(usize, String)>,
}

/// Ask `swarm` for `input` `count` times, `concurrency` at once, then pay every channel.
/// Once `stop` is set no new request starts; those under way finish and are paid.
pub async fn ask_swarm(swarm: &Swarm, input: &Input, count: u64, concurrency: usize, stop: &AtomicBool) -> SwarmReport {
    use futures::StreamExt;
    let started = Instant::now();
    let results: Vec<Result<Served, Vec<(usize, String)>>> = futures::stream::iter(0..count)
        .take_while(|_| std::future::ready(!stop.load(std::sync::atomic::Ordering::SeqCst)))
        .map(|_| async {
            let served = swarm.ask(input).await;
            if let Err(failures) = &served {
                // As it happens, not at the end: a run cut short still says why.
                let last = failures.last().map(|(_, why)| why.as_str()).unwrap_or("no prover to ask");
                tracing::warn!(tries = failures.len(), %last, "a request got no verified answer");
            }
            served
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut report = SwarmReport::default();
    for result in results {
        match result {
            Ok(served) => {
                report.run.taken += 1;
                report.run.latencies.push(served.taken.latency);
                report.failed_over += u64::from(!served.failed.is_empty());
            }
            Err(failures) => {
                report.run.failed += 1;
                let why = failures.last().map(|(_, why)| why.clone()).unwrap_or_else(|| "no prover to ask".into());
                report.run.first_failure.get_or_insert(why);
            }
        }
    }
    for (i, paid) in swarm.pay_up().await {
        if let Err(e) = paid {
            report.unpaid.push((i, format!("{e:#}")));
        }
    }
    report.run.elapsed = started.elapsed();
    report.run.latencies.sort();
    report.answered = swarm.members.iter().map(Member::answered).collect();
    for member in &swarm.members {
        if let Some(forwarded) = member.session.finish_audit().await {
            let audited = report.run.audited.get_or_insert_with(Default::default);
            audited.handed += forwarded.handed;
            audited.failed += forwarded.failed;
            audited.dropped += forwarded.dropped;
            if audited.first_failure.is_none() {
                audited.first_failure = forwarded.first_failure;
            }
        }
    }
    report
}

/// Keep every member's view of the best block current while the chain reports blocks;
/// then set `stop` and wait forever (see [`super::session::track_best`]).
pub async fn track_best(swarm: &Swarm, chain: &Chain, stop: &AtomicBool) -> std::convert::Infallible {
    super::session::stop_when_lost(super::session::follow_best(chain, |best| swarm.set_best(best)).await, stop).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn account(i: u8) -> AccountId32 {
        AccountId32([i; 32])
    }

    #[test]
    fn a_last_resort_only_with_a_prover_given_up_and_within_the_bound() {
        let (a, b) = (account(1), account(2));
        let provers = [a.clone(), b.clone()];
        assert!(last_resorts(provers.iter(), &[]).is_empty(), "nobody given up: the join tried everyone");
        assert_eq!(
            last_resorts(provers.iter(), std::slice::from_ref(&a)),
            vec![a.clone()],
            "b was tried in the join and did not serve (down, or a sybil that never answers)"
        );
        assert_eq!(last_resorts(provers.iter(), &[a.clone(), b.clone()]), vec![a.clone(), b.clone()]);
        assert_eq!(last_resorts(provers.iter(), &[a.clone(), a.clone(), b.clone()]), vec![b.clone()]);
        assert!(last_resorts(provers.iter(), &[a.clone(), a.clone(), b.clone(), b]).is_empty());
    }

    proptest! {
        /// Provers that refuse every channel at once, sybils that bond and never answer,
        /// and a client joining again and again within one close timeout (nothing it gave
        /// up is finished): it opens at most `GIVEN_UP_RECENTLY` channels with each liar,
        /// and none with a sybil, whatever the number of joins.
        #[test]
        fn liars_cost_a_client_a_bounded_number_of_channels(liars in 1u8..5, sybils in 0u8..3, joins in 1usize..40) {
            let liars: Vec<AccountId32> = (0..liars).map(account).collect();
            let sybils: Vec<AccountId32> = (100..100 + sybils).map(account).collect();
            let provers: Vec<AccountId32> = liars.iter().chain(&sybils).cloned().collect();
            let mut given_up: Vec<AccountId32> = Vec::new();
            let mut last_resort_joins = 0;
            for _ in 0..joins {
                // An ordinary join opens with every liar not yet shunned (sybils never
                // answer: nothing is opened with them); if none served, a last resort with
                // the first allowed. Each channel is refused at once and given up.
                let fresh: Vec<_> = liars.iter().filter(|p| !given_up.contains(p)).cloned().collect();
                let opened: Vec<_> = if fresh.is_empty() {
                    last_resorts(provers.iter(), &given_up).into_iter().take(1).collect()
                } else {
                    fresh
                };
                if opened.iter().all(|p| given_up.contains(p)) && !opened.is_empty() {
                    last_resort_joins += 1;
                }
                prop_assert!(opened.iter().all(|p| !sybils.contains(p)));
                given_up.extend(opened);
            }
            // Sybils that never answer do not keep the last resort off.
            prop_assert_eq!(last_resort_joins, joins.saturating_sub(1).min(liars.len() * (GIVEN_UP_RECENTLY - 1)));
            for p in &provers {
                prop_assert!(given_up.iter().filter(|g| *g == p).count() <= GIVEN_UP_RECENTLY);
            }
        }
    }
}
