//! `ghost watch`: a watcher that holds the weights of its models and recomputes every
//! result posted on them.
//!
//! A result equal to the honest answer (bound to its prover) is left alone. Otherwise the
//! watcher fetches the prover's ghost proof from its registered endpoint: a valid proof
//! whose rows or lists were not the best gives an exclusion fraud proof
//! (`Model::find_fraud`), which it commits to and reveals a block later; anything else
//! (no proof, an invalid one, a wrong output) gets a prove-it challenge, committed and
//! revealed the same way. Each case is reported on stdout, one line each.

use crate::chain::{self, runtime, BoundedVec, Chain, Phase, Request, Wait};
use anyhow::{anyhow, bail, Context, Result};
use codec::Encode;
use ghost_primitives::{Claim, Error, Model, ModelId};
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Duration,
};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// What the watcher found wrong with a result.
#[derive(Debug)]
pub enum Finding {
    /// The prover left out a better row or list: this fraud proof (encoded) convicts it.
    Excluded(Vec<u8>),
    /// The result is wrong in a way only a prove-it challenge shows (why).
    ProveIt(String),
}

/// Run until interrupted, reconnecting with backoff when the node goes away.
pub async fn run(url: &str, key: Keypair, models: Vec<Model>) -> Result<()> {
    let me = chain::account_of(&key);
    let models: BTreeMap<ModelId, Arc<Model>> = models.into_iter().map(|m| (m.id(), Arc::new(m))).collect();
    println!("watcher {me} watching {} model(s)", models.len());
    let mut seen = BTreeSet::new();
    let follow = async {
        let mut backoff = Duration::from_millis(500);
        loop {
            if let Err(e) = session(url, &key, &me, &models, &mut seen).await {
                tracing::warn!(error = %format!("{e:#}"), retry_in = ?backoff, "lost the chain; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    };
    tokio::select! {
        _ = follow => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

async fn session(
    url: &str,
    key: &Keypair,
    me: &AccountId32,
    models: &BTreeMap<ModelId, Arc<Model>>,
    seen: &mut BTreeSet<u64>,
) -> Result<()> {
    let chain = Chain::connect(url, Duration::from_secs(2)).await?;
    let mut reclaim = BTreeSet::new();
    let mut heads = chain.api.blocks().subscribe_finalized().await.context("following finalised blocks")?;
    while let Some(block) = heads.next().await {
        let block = block.context("the finalised-block subscription failed")?;
        let events = block.events().await?;
        report_verdicts(&events, seen);
        // A prover that withheld its proof from its endpoint had to post it to answer a
        // prove-it challenge: the proof is in this block's `respond` call. Inspect it.
        for answered in events.find::<runtime::inference::events::ChallengeAnswered>() {
            let id = answered?.id;
            let Some(request) = chain.request(id).await? else { continue };
            let Some(model) = models.get(&request.model) else { continue };
            if request.result.as_ref().is_some_and(|r| &r.prover == me) {
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
            if let Finding::Excluded(fraud) = inspect(model, &request, proof).await? {
                match dispute(&chain, key, me, id, &Finding::Excluded(fraud)).await {
                    Ok(_) => {}
                    Err(e) => println!("request {id}: could not dispute: {e:#}"),
                }
            }
        }
        for (id, request) in chain.requests().await? {
            let Some(model) = models.get(&request.model) else { continue };
            let Some(result) = &request.result else { continue };
            if matches!(request.phase, Phase::Pending) || &result.prover == me || seen.contains(&id) {
                continue;
            }
            seen.insert(id);
            match check(&chain, model, id, &request).await {
                Ok(None) => println!("request {id}: the result of {} is honest", result.prover),
                Ok(Some(finding)) => match dispute(&chain, key, me, id, &finding).await {
                    Ok(true) => {
                        reclaim.insert(id);
                    }
                    Ok(false) => {}
                    Err(e) => println!("request {id}: could not dispute: {e:#}"),
                },
                Err(e) => println!("request {id}: could not check: {e:#}"),
            }
        }
        // Release the bonds of commitments left unrevealed, once their requests closed.
        for id in reclaim.clone() {
            if chain.request(id).await?.is_none() {
                reclaim.remove(&id);
                match chain.submit(&runtime::tx().inference().reclaim(id), key, Wait::InBlock).await {
                    Ok(_) => println!("request {id}: reclaimed the unused challenge bond"),
                    Err(e) => println!("request {id}: could not reclaim the challenge bond: {e:#}"),
                }
            }
        }
    }
    bail!("the node closed the finalised-block subscription")
}

/// Recompute request `id`'s result; `None` when it is the honest one.
pub async fn check(chain: &Chain, model: &Arc<Model>, id: u64, request: &Request) -> Result<Option<Finding>> {
    let result = request.result.as_ref().ok_or_else(|| anyhow!("no result posted"))?;
    let input = chain::input_of(&request.input);
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
    let proof = match crate::onchain::served_proof(chain, &request.model, &result.prover, id).await {
        Ok(p) => p,
        Err(why) => return Ok(Some(Finding::ProveIt(format!("no proof to inspect ({why:#})")))),
    };
    inspect(model, request, proof).await.map(Some)
}

/// What the ghost proof `proof` of request's posted result shows: an excluded row or list
/// (a fraud proof), or else a wrong result only a prove-it challenge can settle.
async fn inspect(model: &Arc<Model>, request: &Request, proof: Vec<u8>) -> Result<Finding> {
    let result = request.result.as_ref().ok_or_else(|| anyhow!("no result posted"))?;
    let input = chain::input_of(&request.input);
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

/// Commit to the dispute, then reveal it in a later block; `true` when the commitment is
/// left unrevealed (someone challenged first) and must be reclaimed once the request closes.
async fn dispute(chain: &Chain, key: &Keypair, me: &AccountId32, id: u64, finding: &Finding) -> Result<bool> {
    let evidence: &[u8] = match finding {
        Finding::Excluded(fraud) => fraud,
        Finding::ProveIt(_) => &[],
    };
    let digest = ghost_primitives::commitment::dispute(me, id, evidence);
    chain.submit(&runtime::tx().inference().commit(id, digest), key, Wait::InBlock).await?;
    match finding {
        Finding::Excluded(fraud) => {
            println!("request {id}: the prover skipped a better entry; reporting the exclusion");
            let call = runtime::tx().inference().report_exclusion(id, BoundedVec(fraud.clone()));
            // The verdict is reported from the finalised block's events (`report_verdicts`).
            chain.submit(&call, key, Wait::InBlock).await?;
        }
        Finding::ProveIt(why) => {
            println!("request {id}: {why}; challenging (prove-it)");
            if let Err(e) = chain.submit(&runtime::tx().inference().challenge(id), key, Wait::InBlock).await {
                match chain.challenger(id).await? {
                    Some(challenger) if &challenger != me => {
                        println!("request {id}: {challenger} challenged it first; reclaiming our bond at the close");
                        return Ok(true);
                    }
                    _ => return Err(e),
                }
            }
        }
    }
    Ok(false)
}

/// Report how the disputes on results this watcher checked ended, once, from the finalised
/// block that holds the verdict.
fn report_verdicts(events: &subxt::events::Events<subxt::PolkadotConfig>, seen: &BTreeSet<u64>) {
    use runtime::inference::events as ev;
    for event in events.iter().flatten() {
        if let Ok(Some(c)) = event.as_event::<ev::ProverConvicted>() {
            if seen.contains(&c.id) {
                println!(
                    "request {}: prover {} convicted ({:?}), slashed {}, client refunded {} credit",
                    c.id,
                    c.prover,
                    c.reason,
                    chain::fmt_tokens(c.slashed),
                    c.refund
                );
            }
        } else if let Ok(Some(d)) = event.as_event::<ev::ChallengeDefeated>() {
            if seen.contains(&d.id) {
                println!(
                    "request {}: the fraud proof of {} failed: {}; its bond went to the prover",
                    d.id, d.challenger, d.reason.0
                );
            }
        } else if let Ok(Some(a)) = event.as_event::<ev::ChallengeAnswered>() {
            if seen.contains(&a.id) {
                println!("request {}: the prover answered the challenge with a valid proof", a.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{runtime::runtime_types::pallet_inference::pallet::PostedResult, BoundedVec};
    use ghost_primitives::{testing, Shape};

    /// A request on `model` whose posted result is `trace`, bound to `prover`.
    fn request(
        model: &Model,
        input: &ghost_primitives::Input,
        prover: AccountId32,
        trace: &ghost_primitives::trace::Trace,
    ) -> Request {
        let claim = trace.claim();
        Request {
            client: AccountId32([1; 32]),
            model: model.id(),
            input: chain::chain_input(input),
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
