//! `ghost watch`: a watcher that holds the weights of its models and checks every result
//! the chain accepts on them.
//!
//! Every result carries its ghost proof, which the chain verified; the watcher reads it
//! from the very extrinsic that posted it, and recomputes the honest answer (bound to the
//! prover). A result equal to it is left alone. A valid proof whose rows or lists were not
//! the best gives an exclusion fraud proof (`Model::find_fraud`): the watcher keeps the
//! report in its state directory ([`crate::reports`]), commits to it, and reveals it in a
//! later block; when someone else convicted first, it reclaims the bond.
//!
//! Each finalised block's open requests are read once: every result on our models not
//! taken up yet is scheduled ([`crate::checks`]: earliest deadline first, none too late
//! to be reported), and checked in a task of its own (a bounded number at once), retried
//! with backoff until its deadline. Tasks use the current connection (replaced on every
//! reconnection); one that hears nothing new of the chain for several tries gives the
//! result up, and a later block takes it up again. A result with a report of ours left
//! over (a watcher stopped, a commitment that failed) is taken up as any other: its check
//! reveals the report first; after the deadline, the bond is reclaimed. Each step is
//! reported as a [`WatchEvent`]. What it sees of the chain and how its writes go are kept
//! in one [`Liveness`], which the audit endpoint's `ghost_health` reports (a watcher
//! started without `--listen` serves nothing, so reports it nowhere).

pub use crate::findings::Finding;
use crate::{
    audit::{self, AuditEvent, Audits},
    checks::{reportable, Next, Schedule, Tries},
    findings::weigh,
    reports::{Report, Reports},
};
use anyhow::{anyhow, Result};
use codec::Encode;
use ghost_client::{
    chain::{runtime, Chain, Phase, Posted, Request},
    dispute::{self, Conviction, Filed},
    follow::{self, FinalizedBlock, Follower},
    keys::{account_of, show_account},
    liveness::Liveness,
    tokens::fmt_tokens,
};
use ghost_primitives::{Model, ModelId};
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
};
use subxt::utils::{AccountId32, H256};
use subxt_signer::sr25519::Keypair;
use tokio::sync::{mpsc, watch, Semaphore};

/// Results recomputed at once.
pub const CHECKS_AT_ONCE: usize = 4;
/// Check tasks at once (recomputing, or waiting on the chain); the rest wait their turn.
pub const TASKS_AT_ONCE: usize = 16;

/// What the watcher saw and did, as it happens.
pub enum WatchEvent {
    /// Started.
    Started {
        /// The watcher's account.
        me: AccountId32,
        /// Models watched.
        models: usize,
        /// Where its reports are kept.
        state: PathBuf,
    },
    /// A result was recomputed and found honest.
    Honest {
        /// Request id.
        id: u64,
        /// Its prover.
        prover: AccountId32,
    },
    /// A result differs from the honest one, but no fraud proof can be built.
    Unexplained {
        /// Request id.
        id: u64,
        /// Why.
        why: String,
    },
    /// An exclusion is being reported (kept on disk, about to be committed).
    Disputing {
        /// Request id.
        id: u64,
    },
    /// A prover was convicted.
    Convicted(Conviction),
    /// Our fraud proof did not convict; its bond was burned.
    Rejected {
        /// Request id.
        id: u64,
        /// The bond burned.
        burned: u128,
        /// Why.
        reason: String,
    },
    /// An unused report bond was reclaimed (the request closed before our reveal).
    Reclaimed {
        /// Request id.
        id: u64,
    },
    /// A receipt handed in by a client was audited (`ghost watch --listen`).
    Audit(AuditEvent),
    /// Something could not be done (`what`: "check", "report", "reclaim the report bond").
    Failed {
        /// Request id.
        id: u64,
        /// What failed.
        what: &'static str,
        /// Why, as a sentence.
        why: String,
    },
}

impl fmt::Display for WatchEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchEvent::Started { me, models, state } => write!(
                f,
                "watcher {} watching {models} model(s); reports kept in {}",
                show_account(me),
                state.display()
            ),
            WatchEvent::Honest { id, prover } => {
                write!(f, "request {id}: the result of {} is honest", show_account(prover))
            }
            WatchEvent::Unexplained { id, why } => {
                write!(f, "request {id}: the result differs from the honest one, but {why}")
            }
            WatchEvent::Disputing { id } => {
                write!(f, "request {id}: the prover skipped a better entry; reporting the exclusion")
            }
            WatchEvent::Convicted(c) => write!(
                f,
                "{}, slashed {} (reward {} to {}), client refunded {} credit",
                c.headline(),
                fmt_tokens(c.slashed),
                fmt_tokens(c.reward),
                show_account(&c.reporter),
                c.refund
            ),
            WatchEvent::Rejected { id, burned, reason } => {
                write!(f, "request {id}: our fraud proof was rejected ({reason}); {} burned", fmt_tokens(*burned))
            }
            WatchEvent::Reclaimed { id } => write!(f, "request {id}: reclaimed the unused report bond"),
            WatchEvent::Audit(event) => event.fmt(f),
            WatchEvent::Failed { id, what, why } => write!(f, "request {id}: could not {what}: {why}"),
        }
    }
}

/// Run until interrupted, reconnecting with backoff when the node goes away, keeping
/// reports under `state`; every finding and verdict goes to `report`.
pub async fn run(
    url: &str,
    key: Keypair,
    models: Vec<Model>,
    state: PathBuf,
    listen: Option<SocketAddr>,
    mut report: impl FnMut(WatchEvent) + Send,
) -> Result<()> {
    let me = account_of(&key);
    let genesis = tokio::select! {
        genesis = crate::daemon::genesis(url) => genesis,
        _ = tokio::signal::ctrl_c() => return Ok(()),
    };
    let liveness = Arc::new(Liveness::new());
    let reports = Reports::open(&state, genesis, &me)?.reporting_to(liveness.clone());
    let models: BTreeMap<ModelId, Arc<Model>> = models.into_iter().map(|m| (m.id(), Arc::new(m))).collect();
    report(WatchEvent::Started { me: me.clone(), models: models.len(), state: reports.dir().to_path_buf() });
    let (events, mut heard) = mpsc::unbounded_channel();
    let chain = watch::Sender::new(None);
    // Receipts handed in by clients, audited beside the results posted on chain.
    let mut audit_server = None;
    let audits = match listen {
        None => None,
        Some(listen) => {
            let path = reports.dir().join("audits.jsonl");
            let (audits, taken, backlog) =
                Audits::open(&path, genesis, models.clone(), chain.subscribe(), liveness.clone())?;
            let (addr, handle) = audit::serve(listen, audits.clone()).await?;
            audit_server = Some(handle);
            report(WatchEvent::Audit(AuditEvent::Listening { addr, backlog }));
            let told = events.clone();
            let say = move |event| {
                let _ = told.send(WatchEvent::Audit(event));
            };
            tokio::spawn(audit::work(audits.clone(), taken, key.clone(), say));
            Some(audits)
        }
    };
    let shared = Arc::new(Shared {
        key,
        me,
        models,
        reports,
        checks: Semaphore::new(CHECKS_AT_ONCE),
        tasks: Arc::new(Semaphore::new(TASKS_AT_ONCE)),
        busy: Mutex::new(BTreeSet::new()),
        schedule: Mutex::new(Schedule::default()),
        chain,
        view: Mutex::new(View::default()),
        audits,
        events,
    });
    let mut watcher = Watcher { shared };
    let follow = follow::follow(url, &mut watcher, &liveness);
    tokio::pin!(follow);
    loop {
        tokio::select! {
            _ = &mut follow => break,
            Some(event) = heard.recv() => report(event),
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    if let Some(handle) = audit_server {
        let _ = handle.stop();
    }
    Ok(())
}

/// What the watcher's tasks share.
struct Shared {
    key: Keypair,
    me: AccountId32,
    models: BTreeMap<ModelId, Arc<Model>>,
    reports: Reports,
    /// Bounds the recomputations running at once.
    checks: Semaphore,
    /// Bounds the check tasks alive at once.
    tasks: Arc<Semaphore>,
    /// Requests with a task of ours under way.
    busy: Mutex<BTreeSet<u64>>,
    /// The checks waiting for a task, and the results taken up.
    schedule: Mutex<Schedule<Source>>,
    /// The current connection, replaced on every reconnection.
    chain: watch::Sender<Option<Chain>>,
    /// The chain as the last finalised block showed it.
    view: Mutex<View>,
    /// The receipts clients hand in, when listening for them.
    audits: Option<Arc<Audits>>,
    events: mpsc::UnboundedSender<WatchEvent>,
}

/// The open requests at a finalised block.
#[derive(Default)]
struct View {
    /// The block's number.
    now: u32,
    /// Every open request's deadline, by id.
    deadlines: BTreeMap<u64, u32>,
}

impl Shared {
    fn say(&self, event: WatchEvent) {
        let _ = self.events.send(event);
    }

    fn start(&self, id: u64) -> bool {
        self.busy.lock().map(|mut s| s.insert(id)).unwrap_or(false)
    }

    fn finish(&self, id: u64) {
        if let Ok(mut s) = self.busy.lock() {
            s.remove(&id);
        }
    }

    /// The current connection, if any.
    fn chain(&self) -> Option<Chain> {
        self.chain.borrow().clone()
    }

    /// The last finalised block's number, and request `id`'s deadline then (`None`: closed).
    fn deadline(&self, id: u64) -> (u32, Option<u32>) {
        self.view.lock().map(|v| (v.now, v.deadlines.get(&id).copied())).unwrap_or((0, None))
    }

    /// Forget request `id`'s result, so that the next block takes it up again.
    fn forget(&self, id: u64) {
        if let Ok(mut s) = self.schedule.lock() {
            s.forget(id);
        }
    }
}

/// The follower: it schedules the checks, block by block.
struct Watcher {
    shared: Arc<Shared>,
}
/// Where a result's proof is read from.
#[derive(Clone, Copy)]
enum Source {
    /// The block whose events announced it.
    Block(H256),
    /// The open request (taken up later): its posting block is found from its deadline.
    Open,
}

impl Follower for Watcher {
    /// Catch up: every open result on our models not checked yet (posted while we were
    /// away, or with a report of ours left over), and the reports left over.
    async fn connected(&mut self, chain: &Chain) -> Result<()> {
        self.shared.chain.send_replace(Some(chain.clone()));
        let (now, _) = chain.finalized().await?;
        step(&self.shared, chain, now, &BTreeMap::new()).await
    }

    async fn finalized(&mut self, chain: &Chain, block: FinalizedBlock) -> Result<()> {
        use runtime::inference::events as ev;
        let events = block.events().await?;
        let mut posted = BTreeMap::new();
        for event in events.iter() {
            let event = event?;
            if let Some(e) = event.as_event::<ev::ResultSubmitted>()? {
                posted.insert(e.id, block.hash());
            } else if let Some(c) = event.as_event::<ev::ProverConvicted>()? {
                // Someone else's conviction of a result we took up (ours are told by their task).
                let taken = self.shared.schedule.lock().is_ok_and(|s| s.taken(c.id));
                if c.reporter != self.shared.me && taken {
                    self.shared.say(WatchEvent::Convicted(c.into()));
                }
            }
        }
        step(&self.shared, chain, block.number(), &posted).await
    }
}

/// One finalised block, `now` (its results announced in `posted`): read the open
/// requests once, schedule the results not taken up, settle the reports left over, and
/// start the checks due, earliest deadline first.
async fn step(shared: &Arc<Shared>, chain: &Chain, now: u32, posted: &BTreeMap<u64, H256>) -> Result<()> {
    let requests = chain.requests().await?;
    let deadlines: BTreeMap<u64, u32> = requests.iter().map(|(id, r)| (*id, r.deadline)).collect();
    if let Ok(mut view) = shared.view.lock() {
        *view = View { now, deadlines: deadlines.clone() };
    }
    if let Some(audits) = &shared.audits {
        audits.set_now(now);
        if let Ok(window) = chain.constant_u32("Channels", "ReceiptWindow") {
            audits.set_window(window);
        }
    }
    {
        let mut schedule = shared.schedule.lock().map_err(|_| anyhow!("the watcher's schedule was poisoned"))?;
        schedule.retain(|id| deadlines.contains_key(&id));
        sweep(shared, &mut schedule, chain, now, &deadlines);
        for (id, request) in &requests {
            let theirs = request.result.as_ref().is_some_and(|r| r.prover != shared.me);
            if matches!(request.phase, Phase::Answered) && theirs && shared.models.contains_key(&request.model) {
                let source = posted.get(id).map_or(Source::Open, |at| Source::Block(*at));
                schedule.offer(*id, request.deadline, source);
            }
        }
    }
    launch(shared, now);
    Ok(())
}

/// Start the checks due, earliest deadline first, while tasks are free.
fn launch(shared: &Arc<Shared>, now: u32) {
    loop {
        let Ok(permit) = shared.tasks.clone().try_acquire_owned() else { return };
        let Some((id, source)) = shared.schedule.lock().ok().and_then(|mut s| s.next(now)) else { return };
        if !shared.start(id) {
            // A reclaim of ours under way: taken up again by a later block.
            shared.forget(id);
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            examine(&shared, id, source).await;
            shared.finish(id);
            drop(permit);
        });
    }
}

/// Check request `id`'s result, and report it if it excluded a better entry; every step
/// is retried with backoff, on the current connection, while the request is open and its
/// deadline not passed.
async fn examine(shared: &Shared, id: u64, source: Source) {
    let mut tries = Tries::new(shared.deadline(id).0);
    loop {
        let tried = match shared.chain() {
            Some(chain) => attempt(shared, &chain, id, source).await,
            None => Err(Attempt::Failed("check", anyhow!("there is no connection to the node"))),
        };
        let costly = match tried {
            Ok(()) | Err(Attempt::Done) => return,
            Err(Attempt::Failed(what, why)) => {
                shared.say(WatchEvent::Failed { id, what, why: format!("{why:#}") });
                what == "report"
            }
        };
        let (now, deadline) = shared.deadline(id);
        match tries.after(costly, now, deadline) {
            Next::Retry(wait) => tokio::time::sleep(wait).await,
            Next::Stop => return,
            Next::GiveUp => {
                tracing::info!(request = id, "no news of the chain: the check waits for the next block");
                shared.forget(id);
                return;
            }
        }
    }
}

/// How one try at a result ended short of its end.
enum Attempt {
    /// Nothing more to do (not ours to check, or the request is gone).
    Done,
    /// A step failed: worth another try.
    Failed(&'static str, anyhow::Error),
}

async fn attempt(shared: &Shared, chain: &Chain, id: u64, source: Source) -> Result<(), Attempt> {
    let check = |e| Attempt::Failed("check", e);
    let Some(request) = chain.request(id).await.map_err(check)? else { return Err(Attempt::Done) };
    let Some(model) = shared.models.get(&request.model).cloned() else { return Err(Attempt::Done) };
    if request.result.as_ref().is_none_or(|r| r.prover == shared.me) {
        return Err(Attempt::Done);
    }
    let posted = match source {
        Source::Block(at) => chain.posted_result(at, id).await,
        Source::Open => chain.posted_result_of(id, &request).await,
    }
    .map_err(check)?;
    let finding = {
        let _permit = shared.checks.acquire().await.map_err(|e| check(e.into()))?;
        inspect(&model, &request, &posted).await.map_err(check)?
    };
    let fraud = match finding {
        None => {
            shared.say(WatchEvent::Honest { id, prover: posted.prover });
            return Ok(());
        }
        Some(Finding::Unexplained(why)) => {
            shared.say(WatchEvent::Unexplained { id, why });
            return Ok(());
        }
        Some(Finding::Excluded(fraud)) => fraud,
    };
    // A commitment of ours from an earlier try (or run) is revealed rather than doubled;
    // one the chain does not hold is replaced.
    for report in shared.reports.all().into_iter().filter(|r| r.id == id) {
        let (commitment, fraud) = report.commitment().map_err(|e| Attempt::Failed("report", e))?;
        match dispute::reveal(chain, &shared.key, &commitment, &fraud).await {
            Ok(filed) => {
                told(shared, &report, filed);
                return Ok(());
            }
            Err(e) if format!("{e:#}").contains("Inference.NotCommitted") => {
                shared.reports.remove(&report).map_err(|e| Attempt::Failed("report", e))?
            }
            Err(e) => return Err(Attempt::Failed("report", e)),
        }
    }
    let mut kept = None;
    let keep = |commitment: &dispute::Commitment| {
        let report = Report::new(commitment, &fraud);
        shared.reports.put(&report)?;
        kept = Some(report);
        shared.say(WatchEvent::Disputing { id });
        Ok(())
    };
    let filed = dispute::file(chain, &shared.key, &shared.me, id, &fraud, keep).await;
    // A record of a commitment that failed stays: revealed by a later try, or reclaimed.
    let filed = filed.map_err(|e| Attempt::Failed("report", e))?;
    if let Some(report) = kept {
        told(shared, &report, filed);
    }
    Ok(())
}

/// Report how the reveal of `report` went, and forget its record.
fn told(shared: &Shared, report: &Report, filed: Filed) {
    let id = report.id;
    let event = match filed {
        Filed::Convicted(c) => WatchEvent::Convicted(c),
        Filed::Rejected { id, burned, reason } => WatchEvent::Rejected { id, burned, reason },
        Filed::Closed { .. } => WatchEvent::Reclaimed { id },
    };
    shared.say(event);
    if let Err(e) = shared.reports.remove(report) {
        tracing::warn!(request = id, error = %format!("{e:#}"), "the report record stays");
    }
}

/// The reports left over (at finalised block `now`, the open requests' `deadlines`): one
/// whose report can still land is its result's check's to reveal (taken up again, should
/// its check have ended); the others are revealed while the deadline allows and their
/// bond is reclaimed once the request closed or its deadline passed, each in a task.
fn sweep(
    shared: &Arc<Shared>,
    schedule: &mut Schedule<Source>,
    chain: &Chain,
    now: u32,
    deadlines: &BTreeMap<u64, u32>,
) {
    let mut ids: Vec<u64> = shared.reports.all().iter().map(|r| r.id).collect();
    ids.dedup();
    for id in ids {
        let deadline = deadlines.get(&id).copied();
        if deadline.is_some_and(|d| reportable(now, d)) {
            if !shared.busy.lock().is_ok_and(|b| b.contains(&id)) {
                schedule.forget(id);
            }
            continue;
        }
        if !shared.start(id) {
            continue;
        }
        let (shared, chain) = (shared.clone(), chain.clone());
        tokio::spawn(async move {
            let open = deadline.is_some_and(|d| now <= d);
            if let Err(e) = settle_leftovers(&shared, &chain, id, open).await {
                tracing::debug!(request = id, error = %format!("{e:#}"), "a leftover report stays for the next block");
            }
            shared.finish(id);
        });
    }
}

/// Reveal the reports on request `id` while it is `open`, else reclaim their bonds. A
/// record is forgotten only once its report was told, or its commitment is gone and the
/// request closed.
async fn settle_leftovers(shared: &Shared, chain: &Chain, id: u64, open: bool) -> Result<()> {
    for report in shared.reports.all().into_iter().filter(|r| r.id == id) {
        let (commitment, fraud) = report.commitment()?;
        if open {
            match dispute::reveal(chain, &shared.key, &commitment, &fraud).await {
                Ok(filed) => told(shared, &report, filed),
                // Never committed, or not yet: kept until the deadline passed, then reclaimed.
                Err(e) if format!("{e:#}").contains("Inference.NotCommitted") => {}
                Err(e) => return Err(e),
            }
            continue;
        }
        match dispute::reclaim(chain, &shared.key, id, commitment.digest).await {
            Ok(_) => {
                shared.reports.remove(&report)?;
                shared.say(WatchEvent::Reclaimed { id });
            }
            Err(e) if format!("{e:#}").contains("Inference.NotCommitted") => shared.reports.remove(&report)?,
            Err(e) => {
                shared.say(WatchEvent::Failed { id, what: "reclaim the report bond", why: format!("{e:#}") });
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Recompute `request`'s posted result; `None` when it is the honest one, else what its
/// proof shows.
pub async fn inspect(model: &Arc<Model>, request: &Request, posted: &Posted) -> Result<Option<Finding>> {
    let input = request.input.0.clone();
    let binding = posted.prover.encode();
    let (model, posted) = (model.clone(), posted.clone());
    tokio::task::spawn_blocking(move || weigh(&model, &input, &binding, &posted.claim, &posted.proof))
        .await
        .map_err(|e| anyhow!("the check stopped: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::chain::{runtime::runtime_types::pallet_inference::pallet::PostedResult, BoundedVec};
    use ghost_primitives::{testing, Shape};

    /// A request on `model` whose posted result is `trace` with its proof, bound to `prover`.
    fn posted(
        model: &Model,
        input: &ghost_primitives::Input,
        prover: AccountId32,
        trace: &ghost_primitives::Trace,
    ) -> (Request, Posted) {
        let claim = trace.claim();
        let request = Request {
            client: AccountId32([1; 32]),
            model: model.id(),
            input: subxt::utils::Static(input.clone()),
            price: 10,
            deposit: 1,
            phase: Phase::Answered,
            result: Some(PostedResult {
                prover: prover.clone(),
                output: BoundedVec(claim.output.clone()),
                links: BoundedVec(claim.links.clone()),
                locked: 1,
            }),
            deadline: 40,
        };
        let proof = model.prove_trace(trace).unwrap().encode();
        (request, Posted { id: 3, prover, claim, proof, block: 20, challenge_until: 40 })
    }

    /// The proof a lazy prover posted yields a fraud proof that convicts it; an honest
    /// result yields no finding.
    #[tokio::test]
    async fn a_posted_lazy_proof_gives_a_convicting_fraud_proof() {
        let model = Arc::new(testing::model(11, &[Shape::new(256, 8).widths(16, 8).select(4, 2)]).unwrap());
        let prover = AccountId32([7; 32]);
        let binding = prover.encode();
        let input = testing::input(3, 16);
        let lazy = model.lazy_trace(&input, 0, &binding).unwrap().expect("a row to skip");
        let (request, result) = posted(&model, &input, prover.clone(), &lazy);
        let Some(Finding::Excluded(fraud)) = inspect(&model, &request, &result).await.unwrap() else {
            panic!("the lazy proof was not turned into a fraud proof");
        };
        let fraud = ghost_primitives::decode_fraud(&fraud).unwrap();
        let links = lazy.claim().links;
        assert_eq!(model.verifier().verify_fraud(&binding, &input, &links, &fraud), Ok(()));

        let honest = model.trace_bound(&input, &binding).unwrap();
        let (request, result) = posted(&model, &input, prover, &honest);
        assert!(inspect(&model, &request, &result).await.unwrap().is_none(), "an honest result is left alone");
    }
}
