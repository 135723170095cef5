//! Paid inference on chain (`ghost infer --model ID`): request and pay, wait for the
//! result, verify it against the prover's served proof, then accept it, or dispute it and
//! follow the dispute to its end. Each step is reported as an [`InferEvent`].

use crate::{
    chain::{requested_id, runtime, Account, Chain, Wait},
    dispute::{self, Conviction, Evidence, Filed},
    keys::{account_of, show_account},
    outcome::Outcome,
    tokens::fmt_tokens,
};
use anyhow::{anyhow, bail, Result};
use codec::Encode;
use ghost_primitives::{hex0x, Claim, Input, ModelId, Verifier};
use std::fmt;
use subxt::utils::{AccountId32, Static};
use subxt_signer::sr25519::Keypair;

/// What `ghost infer --model ID` found.
pub enum Verdict {
    /// The proof verified; the result was accepted (and paid).
    Accepted,
    /// The prover proved its result on chain against a challenge; it was paid at the deadline.
    ProvenOnChain,
    /// The prover was convicted or never answered; the client was refunded (why).
    Refunded(String),
}

/// How `ghost infer --model ID` treats the result.
#[derive(Clone, Copy, Debug, Default)]
pub struct InferOptions {
    /// Most credit to pay (default: the model's price).
    pub max_price: Option<u128>,
    /// Challenge (prove-it) even a result whose proof verifies: the prover must prove it
    /// on chain.
    pub challenge: bool,
    /// Do not accept a verified result at once: let the chain settle it after the challenge
    /// window, during which watchers holding the weights can still convict an excluded row.
    pub wait_settlement: bool,
}

/// A step of a paid inference, as it happens.
pub enum InferEvent {
    /// The request was paid into escrow.
    Paid {
        /// Request id.
        id: u64,
        /// Credit escrowed.
        price: u128,
        /// Block it landed in.
        block: u32,
    },
    /// A prover posted a result.
    Posted {
        /// Request id.
        id: u64,
        /// The prover.
        prover: AccountId32,
        /// Block.
        block: u32,
    },
    /// The served proof verified here.
    Verified {
        /// Request id.
        id: u64,
        /// What happens next.
        then: AfterVerified,
    },
    /// A transaction of ours: accept, challenge, reclaim.
    Transaction {
        /// What it did.
        what: &'static str,
        /// Its outcome.
        outcome: Outcome,
    },
    /// The result is disputed with a prove-it challenge.
    Challenging {
        /// Request id.
        id: u64,
        /// Why.
        why: String,
    },
    /// Someone else challenged first; the dispute is followed.
    Preempted {
        /// Request id.
        id: u64,
        /// Who challenged.
        challenger: AccountId32,
    },
    /// The prover proved its result on chain.
    ProvenOnChain {
        /// Request id.
        id: u64,
        /// The challenge bond it took.
        forfeited: u128,
        /// Last block of the fraud-proof window.
        until: u32,
    },
    /// The request settled: the prover and the owner were paid.
    Settled {
        /// Request id.
        id: u64,
        /// Credit to the prover.
        fee: u128,
        /// Credit to the owner.
        royalty: u128,
    },
    /// The prover was convicted.
    Convicted(Conviction),
    /// No result in time.
    Expired {
        /// Request id.
        id: u64,
        /// Credit refunded.
        refund: u128,
    },
    /// What the whole request cost.
    Spent {
        /// The account before.
        before: Account,
        /// After.
        after: Account,
    },
}

/// What follows a verified proof.
pub enum AfterVerified {
    /// Accepted at once, `blocks` and `seconds` after the request.
    Accepting {
        /// Blocks since the request.
        blocks: u32,
        /// Seconds since the request.
        seconds: f64,
    },
    /// Left to the chain to settle after the challenge window.
    AwaitingSettlement,
    /// Challenged anyway, as asked.
    ChallengingAnyway,
}

impl fmt::Display for InferEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InferEvent::Paid { id, price, block } => {
                write!(f, "request {id}: paid {price} credit into escrow (block #{block})")
            }
            InferEvent::Posted { id, prover, block } => {
                write!(f, "request {id}: result posted by {} in block #{block}", show_account(prover))
            }
            InferEvent::Verified { id, then: AfterVerified::Accepting { blocks, seconds } } => write!(
                f,
                "request {id}: ghost proof verified locally, {blocks} block(s) and {seconds:.1} s after the request \
                 was submitted; accepting"
            ),
            InferEvent::Verified { id, then: AfterVerified::AwaitingSettlement } => {
                write!(f, "request {id}: ghost proof verified locally; waiting for the chain to settle it")
            }
            InferEvent::Verified { id, then: AfterVerified::ChallengingAnyway } => {
                write!(f, "request {id}: ghost proof verified locally")
            }
            InferEvent::Transaction { what, outcome } => write!(f, "{}", outcome.report(what)),
            InferEvent::Challenging { id, why } => write!(f, "request {id}: {why}; challenging (prove-it)"),
            InferEvent::Preempted { id, challenger } => {
                write!(f, "request {id}: {} challenged it first; following the dispute", show_account(challenger))
            }
            InferEvent::ProvenOnChain { id, forfeited, until } => write!(
                f,
                "request {id}: the prover proved its result on chain; bond of {} forfeited; open to fraud proofs \
                 until block #{until}",
                fmt_tokens(*forfeited)
            ),
            InferEvent::Settled { id, fee, royalty } => {
                write!(f, "request {id}: settled: {fee} credit to the prover, {royalty} to the owner")
            }
            InferEvent::Convicted(c) => {
                write!(f, "{}; slashed {}; {} credit refunded", c.headline(), fmt_tokens(c.slashed), c.refund)
            }
            InferEvent::Expired { id, refund } => {
                write!(f, "request {id}: no result in time; {refund} credit refunded")
            }
            InferEvent::Spent { before, after } => write!(
                f,
                "credit spent: {} (balance {} -> {}); native: {} -> {} free",
                before.credit - after.credit,
                before.credit,
                after.credit,
                fmt_tokens(before.free),
                fmt_tokens(after.free)
            ),
        }
    }
}

/// `ghost infer --model ID`: request and pay, wait for the result, verify it against the
/// prover's proof, accept it, or challenge it and follow the dispute to its end; every
/// step is `report`ed as it happens.
pub async fn infer(
    chain: &Chain,
    key: &Keypair,
    model: &ModelId,
    input: &Input,
    options: InferOptions,
    mut report: impl FnMut(InferEvent),
) -> Result<(Verdict, Option<Claim>)> {
    let me = account_of(key);
    let info = chain.model(model).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(model)))?;
    let bytes = chain.ghost_file(model).await?.ok_or_else(|| anyhow!("model {} has no ghost file", hex0x(model)))?;
    let file = Verifier::decode_expecting(&bytes, model).map_err(|e| anyhow!("the chain's ghost file: {e}"))?;
    info.shape.0.input.check(input).map_err(|e| anyhow!("the input does not fit model {}: {e}", hex0x(model)))?;
    let before = chain.account(&me).await?;
    let spent = |after| InferEvent::Spent { before, after };
    // Follow finalised blocks from before the request, so no event of it is missed.
    let mut heads = chain.api.blocks().subscribe_finalized().await?;
    let call =
        runtime::tx().inference().request(*model, Static(input.clone()), options.max_price.unwrap_or(info.price));
    let asked = std::time::Instant::now();
    let outcome = chain.submit(&call, key, Wait::Finalized).await?;
    let id = requested_id(outcome.events.as_ref().ok_or_else(|| anyhow!("no events"))?)?;
    let requested_in = outcome.block.unwrap_or_default();
    report(InferEvent::Paid { id, price: info.price, block: requested_in });
    let mut challenged = false;
    // A commitment of ours that someone else's challenge made moot: reclaimed at the close.
    let mut committed = false;
    let mut claim = None;
    while let Some(block) = heads.next().await {
        let block = block?;
        for event in block.events().await?.iter() {
            let event = event?;
            use runtime::inference::events as ev;
            if let Some(e) = event.as_event::<ev::ResultSubmitted>()?.filter(|e| e.id == id) {
                report(InferEvent::Posted { id, prover: e.prover.clone(), block: block.number() });
                let request = chain.request(id).await?.ok_or_else(|| anyhow!("request {id} closed"))?;
                let result = request.result.ok_or_else(|| anyhow!("request {id} has no result"))?;
                let posted = Claim { output: result.output.0.clone(), links: result.links.0.clone() };
                claim = Some(posted.clone());
                let checked = fetch_and_verify(chain, &file, model, &e.prover, id, input, &posted).await;
                let checked = match checked {
                    Ok(()) if options.challenge => {
                        report(InferEvent::Verified { id, then: AfterVerified::ChallengingAnyway });
                        Err(anyhow!("challenging anyway, as asked (--challenge)"))
                    }
                    Ok(()) if options.wait_settlement => {
                        report(InferEvent::Verified { id, then: AfterVerified::AwaitingSettlement });
                        continue;
                    }
                    other => other,
                };
                match checked {
                    Ok(()) => {
                        let blocks = block.number().saturating_sub(requested_in);
                        let seconds = asked.elapsed().as_secs_f64();
                        report(InferEvent::Verified { id, then: AfterVerified::Accepting { blocks, seconds } });
                        let accepted =
                            chain.submit(&runtime::tx().inference().accept(id), key, Wait::Finalized).await?;
                        report(InferEvent::Transaction { what: "accepted", outcome: accepted });
                        report(spent(chain.account(&me).await?));
                        return Ok((Verdict::Accepted, claim));
                    }
                    Err(why) => {
                        report(InferEvent::Challenging { id, why: format!("{why:#}") });
                        challenged = true;
                        match dispute::file(chain, key, &me, id, Evidence::ProveIt, || {}).await? {
                            Filed::Revealed(opened) => {
                                report(InferEvent::Transaction { what: "challenged", outcome: opened })
                            }
                            Filed::Preempted(challenger) => {
                                committed = true;
                                report(InferEvent::Preempted { id, challenger });
                            }
                        }
                    }
                }
            } else if let Some(e) = event.as_event::<ev::ChallengeAnswered>()?.filter(|e| e.id == id) {
                report(InferEvent::ProvenOnChain { id, forfeited: e.forfeited, until: e.challenge_until });
            } else if let Some(e) = event.as_event::<ev::Settled>()?.filter(|e| e.id == id) {
                report(InferEvent::Settled { id, fee: e.fee, royalty: e.royalty });
                reclaim_if(chain, key, id, committed, &mut report).await?;
                report(spent(chain.account(&me).await?));
                let verdict = if challenged { Verdict::ProvenOnChain } else { Verdict::Accepted };
                return Ok((verdict, claim));
            } else if let Some(e) = event.as_event::<ev::ProverConvicted>()?.filter(|e| e.id == id) {
                let conviction = Conviction::from(e);
                let reason = conviction.reason.clone();
                report(InferEvent::Convicted(conviction));
                reclaim_if(chain, key, id, committed, &mut report).await?;
                report(spent(chain.account(&me).await?));
                return Ok((Verdict::Refunded(format!("the prover was convicted ({reason})")), claim));
            } else if let Some(e) = event.as_event::<ev::Expired>()?.filter(|e| e.id == id) {
                report(InferEvent::Expired { id, refund: e.refund });
                report(spent(chain.account(&me).await?));
                return Ok((Verdict::Refunded("no prover answered in time".into()), claim));
            }
        }
    }
    bail!("the node stopped reporting blocks before request {id} closed")
}

/// Reclaim the bond of a commitment left unrevealed, if there is one.
async fn reclaim_if(
    chain: &Chain,
    key: &Keypair,
    id: u64,
    committed: bool,
    report: &mut impl FnMut(InferEvent),
) -> Result<()> {
    if committed {
        let outcome = dispute::reclaim(chain, key, id).await?;
        report(InferEvent::Transaction { what: "reclaimed the unused challenge bond", outcome });
    }
    Ok(())
}

/// Fetch the proof of request `id` from `prover`'s registered endpoint and verify the
/// posted claim with it.
async fn fetch_and_verify(
    chain: &Chain,
    file: &Verifier,
    model: &ModelId,
    prover: &AccountId32,
    id: u64,
    input: &Input,
    posted: &Claim,
) -> Result<()> {
    let bytes = dispute::served_proof(chain, model, prover, id).await?;
    file.verify(&prover.encode(), input, posted, &bytes).map(drop).map_err(|e| anyhow!("the proof is rejected: {e}"))
}
