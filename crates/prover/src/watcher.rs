//! `ghost watch`: a watcher that holds the weights of its models and recomputes every
//! result posted on them.
//!
//! A result equal to the honest answer (bound to its prover) is left alone. Otherwise the
//! watcher fetches the prover's ghost proof from its registered endpoint: a valid proof
//! whose rows or lists were not the best gives an exclusion fraud proof
//! (`Model::find_fraud`), which it commits to and reveals a block later; anything else
//! (no proof, an invalid one, a wrong output) gets a prove-it challenge, committed and
//! revealed the same way. Each case is reported as a [`WatchEvent`].

use anyhow::{anyhow, Result};
use codec::Encode;
use ghost_client::{
    chain::{runtime, Chain, Phase, Request},
    dispute::{self, Conviction, Evidence, Filed},
    follow::{self, FinalizedBlock, Follower},
    keys::{account_of, show_account},
    tokens::fmt_tokens,
};
use ghost_primitives::{Claim, Error, Model, ModelId};
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    sync::Arc,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// What the watcher found wrong with a result.
#[derive(Clone, Debug)]
pub enum Finding {
    /// The prover left out a better row or list: this fraud proof (encoded) convicts it.
    Excluded(Vec<u8>),
    /// The result is wrong in a way only a prove-it challenge shows (why).
    ProveIt(String),
}

/// What the watcher saw and did, as it happens.
pub enum WatchEvent {
    /// Started.
    Started {
        /// The watcher's account.
        me: AccountId32,
        /// Models watched.
        models: usize,
    },
    /// A result was recomputed and found honest.
    Honest {
        /// Request id.
        id: u64,
        /// Its prover.
        prover: AccountId32,
    },
    /// A result is being disputed.
    Disputing {
        /// Request id.
        id: u64,
        /// With what (an exclusion) or why (a prove-it challenge).
        finding: Finding,
    },
    /// Someone else challenged first; our bond is reclaimed at the close.
    Preempted {
        /// Request id.
        id: u64,
        /// Who challenged.
        challenger: AccountId32,
    },
    /// An unused challenge bond was reclaimed.
    Reclaimed {
        /// Request id.
        id: u64,
    },
    /// Something could not be done (`what`: "check", "dispute", "reclaim the challenge bond").
    Failed {
        /// Request id.
        id: u64,
        /// What failed.
        what: &'static str,
        /// Why, as a sentence.
        why: String,
    },
    /// A prover of a checked result was convicted.
    Convicted(Conviction),
    /// A fraud proof on a checked result failed.
    Defeated {
        /// Request id.
        id: u64,
        /// Who filed it.
        challenger: AccountId32,
        /// Why it failed.
        reason: String,
    },
    /// The prover of a checked result answered its challenge with a valid proof.
    Answered {
        /// Request id.
        id: u64,
    },
}

impl fmt::Display for WatchEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchEvent::Started { me, models } => write!(f, "watcher {} watching {models} model(s)", show_account(me)),
            WatchEvent::Honest { id, prover } => {
                write!(f, "request {id}: the result of {} is honest", show_account(prover))
            }
            WatchEvent::Disputing { id, finding: Finding::Excluded(_) } => {
                write!(f, "request {id}: the prover skipped a better entry; reporting the exclusion")
            }
            WatchEvent::Disputing { id, finding: Finding::ProveIt(why) } => {
                write!(f, "request {id}: {why}; challenging (prove-it)")
            }
            WatchEvent::Preempted { id, challenger } => write!(
                f,
                "request {id}: {} challenged it first; reclaiming our bond at the close",
                show_account(challenger)
            ),
            WatchEvent::Reclaimed { id } => write!(f, "request {id}: reclaimed the unused challenge bond"),
            WatchEvent::Failed { id, what, why } => write!(f, "request {id}: could not {what}: {why}"),
            WatchEvent::Convicted(c) => {
                write!(f, "{}, slashed {}, client refunded {} credit", c.headline(), fmt_tokens(c.slashed), c.refund)
            }
            WatchEvent::Defeated { id, challenger, reason } => write!(
                f,
                "request {id}: the fraud proof of {} failed: {reason}; its bond went to the prover",
                show_account(challenger)
            ),
            WatchEvent::Answered { id } => {
                write!(f, "request {id}: the prover answered the challenge with a valid proof")
            }
        }
    }
}

/// Run until interrupted, reconnecting with backoff when the node goes away; every
/// finding and verdict goes to `report`.
pub async fn run(url: &str, key: Keypair, models: Vec<Model>, report: impl FnMut(WatchEvent) + Send) -> Result<()> {
    let me = account_of(&key);
    let models: BTreeMap<ModelId, Arc<Model>> = models.into_iter().map(|m| (m.id(), Arc::new(m))).collect();
    let mut watcher = Watcher { key, me, models, seen: BTreeSet::new(), reclaim: BTreeSet::new(), report };
    (watcher.report)(WatchEvent::Started { me: watcher.me.clone(), models: watcher.models.len() });
    tokio::select! {
        _ = follow::follow(url, &mut watcher) => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// The watcher's state across blocks and reconnections.
struct Watcher<R> {
    key: Keypair,
    me: AccountId32,
    models: BTreeMap<ModelId, Arc<Model>>,
    /// Requests whose results were checked (each once).
    seen: BTreeSet<u64>,
    /// Requests with a commitment of ours left unrevealed, to reclaim once closed.
    reclaim: BTreeSet<u64>,
    report: R,
}

impl<R: FnMut(WatchEvent) + Send> Follower for Watcher<R> {
    async fn connected(&mut self, _chain: &Chain) -> Result<()> {
        Ok(())
    }

    async fn finalized(&mut self, chain: &Chain, block: FinalizedBlock) -> Result<()> {
        let events = block.events().await?;
        self.report_verdicts(&events);
        // A prover that withheld its proof from its endpoint had to post it to answer a
        // prove-it challenge: the proof is in this block's `respond` call. Inspect it.
        for answered in events.find::<runtime::inference::events::ChallengeAnswered>() {
            let id = answered?.id;
            let Some(request) = chain.request(id).await? else { continue };
            let Some(model) = self.models.get(&request.model).cloned() else { continue };
            if request.result.as_ref().is_some_and(|r| r.prover == self.me) {
                continue;
            }
            let mut posted = None;
            for call in block.extrinsics().await?.find::<runtime::inference::calls::types::Respond>() {
                let call = call?;
                if call.value.id == id {
                    posted = Some(call.value.proof.0);
                }
            }
            let Some(proof) = posted else { continue };
            if let finding @ Finding::Excluded(_) = inspect(&model, &request, proof).await? {
                self.dispute(chain, id, finding).await;
            }
        }
        for (id, request) in chain.requests().await? {
            let Some(model) = self.models.get(&request.model).cloned() else { continue };
            let Some(result) = &request.result else { continue };
            if matches!(request.phase, Phase::Pending) || result.prover == self.me || self.seen.contains(&id) {
                continue;
            }
            self.seen.insert(id);
            match check(chain, &model, id, &request).await {
                Ok(None) => (self.report)(WatchEvent::Honest { id, prover: result.prover.clone() }),
                Ok(Some(finding)) => self.dispute(chain, id, finding).await,
                Err(e) => (self.report)(WatchEvent::Failed { id, what: "check", why: format!("{e:#}") }),
            }
        }
        // Release the bonds of commitments left unrevealed, once their requests closed.
        for id in self.reclaim.clone() {
            if chain.request(id).await?.is_none() {
                self.reclaim.remove(&id);
                match dispute::reclaim(chain, &self.key, id).await {
                    Ok(_) => (self.report)(WatchEvent::Reclaimed { id }),
                    Err(e) => (self.report)(WatchEvent::Failed {
                        id,
                        what: "reclaim the challenge bond",
                        why: format!("{e:#}"),
                    }),
                }
            }
        }
        Ok(())
    }
}

impl<R: FnMut(WatchEvent) + Send> Watcher<R> {
    /// Commit to the dispute of `finding`, then reveal it in a later block; a commitment
    /// left unrevealed (someone challenged first) is reclaimed once the request closes.
    async fn dispute(&mut self, chain: &Chain, id: u64, finding: Finding) {
        let evidence = match &finding {
            Finding::Excluded(fraud) => Evidence::Exclusion(fraud.as_slice()),
            Finding::ProveIt(_) => Evidence::ProveIt,
        };
        // Told once the commitment is in a block, before the reveal.
        let report = &mut self.report;
        let committed = || report(WatchEvent::Disputing { id, finding: finding.clone() });
        let filed = dispute::file(chain, &self.key, &self.me, id, evidence, committed).await;
        match filed {
            // The verdict is reported from the finalised block's events.
            Ok(Filed::Revealed(_)) => {}
            Ok(Filed::Preempted(challenger)) => {
                self.reclaim.insert(id);
                (self.report)(WatchEvent::Preempted { id, challenger });
            }
            Err(e) => (self.report)(WatchEvent::Failed { id, what: "dispute", why: format!("{e:#}") }),
        }
    }

    /// Report how the disputes on results this watcher checked ended, once, from the
    /// finalised block that holds the verdict.
    fn report_verdicts(&mut self, events: &subxt::events::Events<subxt::PolkadotConfig>) {
        use runtime::inference::events as ev;
        for event in events.iter().flatten() {
            let verdict = if let Ok(Some(c)) = event.as_event::<ev::ProverConvicted>() {
                WatchEvent::Convicted(c.into())
            } else if let Ok(Some(d)) = event.as_event::<ev::ChallengeDefeated>() {
                WatchEvent::Defeated { id: d.id, challenger: d.challenger, reason: d.reason.0.to_string() }
            } else if let Ok(Some(a)) = event.as_event::<ev::ChallengeAnswered>() {
                WatchEvent::Answered { id: a.id }
            } else {
                continue;
            };
            let id = match &verdict {
                WatchEvent::Convicted(Conviction { id, .. })
                | WatchEvent::Defeated { id, .. }
                | WatchEvent::Answered { id } => *id,
                _ => continue,
            };
            if self.seen.contains(&id) {
                (self.report)(verdict);
            }
        }
    }
}

/// Recompute request `id`'s result; `None` when it is the honest one.
pub async fn check(chain: &Chain, model: &Arc<Model>, id: u64, request: &Request) -> Result<Option<Finding>> {
    let result = request.result.as_ref().ok_or_else(|| anyhow!("no result posted"))?;
    let input = request.input.0.clone();
    let binding = result.prover.encode();
    let posted = Claim { output: result.output.0.clone(), links: result.links.0.clone() };
    let honest = {
        let (model, input, binding) = (model.clone(), input.clone(), binding.clone());
        tokio::task::spawn_blocking(move || model.trace_bound(&input, &binding)).await??.claim()
    };
    if honest == posted {
        return Ok(None);
    }
    // Wrong: is it a choice the prover can be shown to have skipped?
    let proof = match dispute::served_proof(chain, &request.model, &result.prover, id).await {
        Ok(p) => p,
        Err(why) => return Ok(Some(Finding::ProveIt(format!("no proof to inspect ({why:#})")))),
    };
    inspect(model, request, proof).await.map(Some)
}

/// What the ghost proof `proof` of request's posted result shows: an excluded row or list
/// (a fraud proof), or else a wrong result only a prove-it challenge can settle.
async fn inspect(model: &Arc<Model>, request: &Request, proof: Vec<u8>) -> Result<Finding> {
    let result = request.result.as_ref().ok_or_else(|| anyhow!("no result posted"))?;
    let input = request.input.0.clone();
    let binding = result.prover.encode();
    let posted = Claim { output: result.output.0.clone(), links: result.links.0.clone() };
    let model = model.clone();
    let finding = tokio::task::spawn_blocking(move || {
        let trace = match model.verifier().verify(&binding, &input, &posted, &proof) {
            Ok(trace) => trace,
            Err(e @ (Error::TraceLength { .. } | Error::TraceMismatch { .. })) => {
                return Finding::ProveIt(format!("its proof is of another claim: {e}"))
            }
            Err(e) => return Finding::ProveIt(format!("its proof does not verify: {e}")),
        };
        match model.find_fraud(&input, &trace) {
            Ok(Some(fraud)) => Finding::Excluded(fraud.encode()),
            Ok(None) => Finding::ProveIt("the output differs from the honest one".into()),
            Err(e) => Finding::ProveIt(format!("no fraud proof could be built: {e}")),
        }
    })
    .await?;
    Ok(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::chain::{runtime::runtime_types::pallet_inference::pallet::PostedResult, BoundedVec};
    use ghost_primitives::{testing, Shape};

    /// A request on `model` whose posted result is `trace`, bound to `prover`.
    fn request(
        model: &Model,
        input: &ghost_primitives::Input,
        prover: AccountId32,
        trace: &ghost_primitives::Trace,
    ) -> Request {
        let claim = trace.claim();
        Request {
            client: AccountId32([1; 32]),
            model: model.id(),
            input: subxt::utils::Static(input.clone()),
            price: 10,
            deposit: 1,
            phase: Phase::Answered,
            result: Some(PostedResult {
                prover,
                output: BoundedVec(claim.output),
                links: BoundedVec(claim.links),
                locked: 1,
                proven: true,
            }),
            deadline: 40,
            settle_at: Some(41),
        }
    }

    /// The proof a lazy prover posted in `respond` yields a fraud proof that convicts it;
    /// an honest proof yields none.
    #[tokio::test]
    async fn a_posted_lazy_proof_gives_a_convicting_fraud_proof() {
        let model = Arc::new(testing::model(11, &[Shape::new(256, 8).widths(16, 8).select(4, 2)]).unwrap());
        let prover = AccountId32([7; 32]);
        let binding = prover.encode();
        let input = testing::input(3, 16);
        let lazy = model.lazy_trace(&input, 0, &binding).unwrap().expect("a row to skip");
        let proof = model.prove_trace(&lazy).unwrap().encode();
        let posted = request(&model, &input, prover.clone(), &lazy);
        let Finding::Excluded(fraud) = inspect(&model, &posted, proof).await.unwrap() else {
            panic!("the lazy proof was not turned into a fraud proof");
        };
        let fraud = ghost_primitives::decode_fraud(&fraud).unwrap();
        let links = lazy.claim().links;
        assert_eq!(model.verifier().verify_fraud(&binding, &input, &links, &fraud), Ok(()));

        let honest = model.trace_bound(&input, &binding).unwrap();
        let proof = model.prove_trace(&honest).unwrap().encode();
        let posted = request(&model, &input, prover, &honest);
        assert!(
            matches!(inspect(&model, &posted, proof).await.unwrap(), Finding::ProveIt(_)),
            "no exclusion in an honest proof"
        );
    }
}
