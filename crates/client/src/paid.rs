//! Paid inference on chain (`ghost infer --model ID`): request and pay, wait for the
//! result, verify the ghost proof the chain accepted with it (read from the very
//! extrinsic that posted it), then wait for the challenge window to pass and settle, or
//! accept at once when asked. Each step is reported as an [`InferEvent`]; every wait is
//! bounded by the request's deadlines.

use crate::{
    chain::{runtime, Account, Chain, Wait, STALL},
    dispute::Conviction,
    keys::{account_of, show_account},
    outcome::Outcome,
    tokens::fmt_tokens,
};
use anyhow::{anyhow, bail, Result};
use codec::Encode;
use ghost_primitives::{hex0x, Claim, Input, ModelId, Verifier};
use std::{fmt, time::Duration};
use subxt::utils::{AccountId32, Static};
use subxt_signer::sr25519::Keypair;

/// What `ghost infer --model ID` found.
pub enum Verdict {
    /// The proof verified; the result was accepted at once (and paid).
    Accepted,
    /// The proof verified; nobody convicted the result in the challenge window, and it
    /// was settled (paid).
    Settled,
    /// The prover was convicted or never answered; the client was refunded (why).
    Refunded(String),
    /// The proof the chain accepted does not verify here (why): the result was not
    /// accepted; the request settles at its deadline.
    Unverified(String),
}

/// How `ghost infer --model ID` treats the result.
#[derive(Clone, Copy, Debug, Default)]
pub struct InferOptions {
    /// Most credit to pay (default: the model's price).
    pub max_price: Option<u128>,
    /// Accept a verified result at once, giving up the challenge window (in which
    /// watchers holding the weights can still convict an excluded row). By default the
    /// window is waited out and the request settled.
    pub accept: bool,
}

/// Blocks past a result's deadline left to its prover to settle it, before the client does.
pub const SETTLE_GRACE: u32 = 8;
/// Blocks past every deadline after which the request is given up on.
pub const MARGIN: u32 = 15;

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
        /// The last block a result can be posted in.
        deadline: u32,
    },
    /// A prover posted a result, and the chain verified its proof.
    Posted {
        /// Request id.
        id: u64,
        /// The prover.
        prover: AccountId32,
        /// Block.
        block: u32,
    },
    /// The proof the chain accepted verified here too.
    Verified {
        /// Request id.
        id: u64,
        /// What happens next.
        then: AfterVerified,
    },
    /// A transaction of ours: accept, settle.
    Transaction {
        /// What it did.
        what: &'static str,
        /// Its outcome.
        outcome: Outcome,
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
    /// Left open to reports until block `until`, then settled.
    AwaitingWindow {
        /// The last block of the challenge window.
        until: u32,
    },
}

impl fmt::Display for InferEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InferEvent::Paid { id, price, block, deadline } => write!(
                f,
                "request {id}: paid {price} credit into escrow (block #{block}); a result is due by block #{deadline}"
            ),
            InferEvent::Posted { id, prover, block } => write!(
                f,
                "request {id}: result posted by {} in block #{block}, its ghost proof verified on chain",
                show_account(prover)
            ),
            InferEvent::Verified { id, then: AfterVerified::Accepting { blocks, seconds } } => write!(
                f,
                "request {id}: ghost proof verified locally, {blocks} block(s) and {seconds:.1} s after the request \
                 was submitted; accepting"
            ),
            InferEvent::Verified { id, then: AfterVerified::AwaitingWindow { until } } => write!(
                f,
                "request {id}: ghost proof verified locally; open to fraud proofs until block #{until}, then settled"
            ),
            InferEvent::Transaction { what, outcome } => write!(f, "{}", outcome.report(what)),
            InferEvent::Settled { id, fee, royalty } => {
                write!(f, "request {id}: settled: {fee} credit to the prover, {royalty} to the owner")
            }
            InferEvent::Convicted(c) => write!(
                f,
                "{}; slashed {} ({} compensation to the client); {} credit refunded",
                c.headline(),
                fmt_tokens(c.slashed),
                fmt_tokens(c.compensation),
                c.refund
            ),
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

/// `ghost infer --model ID`: request and pay, wait for the result, verify the proof the
/// chain accepted with it, then accept it at once (`options.accept`) or wait out the
/// challenge window and settle it if nobody did; every step is `report`ed as it happens.
pub async fn infer(
    chain: &Chain,
    key: &Keypair,
    model: &ModelId,
    input: &Input,
    options: InferOptions,
    mut report: impl FnMut(InferEvent),
) -> Result<(Verdict, Option<Claim>)> {
    use runtime::inference::events as ev;
    let me = account_of(key);
    let info = chain.model(model).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(model)))?;
    let bytes = chain.ghost_file(model).await?.ok_or_else(|| anyhow!("model {} has no ghost file", hex0x(model)))?;
    let file = Verifier::decode_expecting(&bytes, model).map_err(|e| anyhow!("the chain's ghost file: {e}"))?;
    info.shape.0.input.check(input).map_err(|e| anyhow!("the input does not fit model {}: {e}", hex0x(model)))?;
    let before = chain.account(&me).await?;
    // Follow finalised blocks from before the request, so no event of it is missed.
    let mut heads = chain.api.blocks().subscribe_finalized().await?;
    let call =
        runtime::tx().inference().request(*model, Static(input.clone()), options.max_price.unwrap_or(info.price));
    let asked = std::time::Instant::now();
    let outcome = chain.submit(&call, key, Wait::Finalized).await?;
    let requested = outcome
        .events
        .as_ref()
        .ok_or_else(|| anyhow!("no events"))?
        .find_first::<ev::Requested>()?
        .ok_or_else(|| anyhow!("the request left no Requested event"))?;
    let (id, mut deadline) = (requested.id, requested.deadline);
    let requested_in = outcome.block.unwrap_or_default();
    report(InferEvent::Paid { id, price: requested.price, block: requested_in, deadline });
    let (mut claim, mut answered, mut accepted) = (None, false, false);
    // Our settlement landed: its event comes with a later finalised block; not sent again.
    let mut settled_by_us = false;
    let verdict = 'follow: loop {
        let block = match tokio::time::timeout(STALL, heads.next()).await {
            Err(_) => bail!(
                "the node finalised no block for {} s while request {id} was open; it can be settled after \
                 block #{deadline} (`ghost request settle {id}`)",
                STALL.as_secs()
            ),
            Ok(None) => bail!("the node stopped reporting blocks before request {id} closed"),
            Ok(Some(block)) => block?,
        };
        let number = block.number();
        for event in block.events().await?.iter() {
            let event = event?;
            if let Some(e) = event.as_event::<ev::ResultSubmitted>()?.filter(|e| e.id == id) {
                report(InferEvent::Posted { id, prover: e.prover.clone(), block: number });
                let posted = read_posted(chain, block.hash(), id).await?;
                claim = Some(posted.claim.clone());
                (answered, deadline) = (true, posted.challenge_until);
                if let Err(e) = file.verify(&posted.prover.encode(), input, &posted.claim, &posted.proof) {
                    let why = format!(
                        "the proof the chain accepted does not verify here ({e}); not accepting it (is the node \
                         honest?)"
                    );
                    return Ok((Verdict::Unverified(why), claim));
                }
                if options.accept {
                    let (blocks, seconds) = (number.saturating_sub(requested_in), asked.elapsed().as_secs_f64());
                    report(InferEvent::Verified { id, then: AfterVerified::Accepting { blocks, seconds } });
                    let call = runtime::tx().inference().accept(id);
                    let outcome = chain.submit(&call, key, Wait::Finalized).await?;
                    accepted = true;
                    report(InferEvent::Transaction { what: "accepted", outcome });
                } else {
                    report(InferEvent::Verified { id, then: AfterVerified::AwaitingWindow { until: deadline } });
                }
            } else if let Some(e) = event.as_event::<ev::Settled>()?.filter(|e| e.id == id) {
                report(InferEvent::Settled { id, fee: e.fee, royalty: e.royalty });
                let verdict = if accepted { Verdict::Accepted } else { Verdict::Settled };
                break 'follow verdict;
            } else if let Some(e) = event.as_event::<ev::ProverConvicted>()?.filter(|e| e.id == id) {
                let conviction = Conviction::from(e);
                let why = format!("the prover was convicted ({})", conviction.reason);
                report(InferEvent::Convicted(conviction));
                break 'follow Verdict::Refunded(why);
            } else if let Some(e) = event.as_event::<ev::Expired>()?.filter(|e| e.id == id) {
                report(InferEvent::Expired { id, refund: e.refund });
                let why = if answered { "the prover could not be paid" } else { "no prover answered in time" };
                break 'follow Verdict::Refunded(why.into());
            }
        }
        // Past the deadline: settle it ourselves, once its prover had a few blocks to.
        let grace = if answered { SETTLE_GRACE } else { 0 };
        if number > deadline.saturating_add(grace) && !accepted && !settled_by_us {
            let call = runtime::tx().inference().settle(id);
            match chain.submit(&call, key, Wait::Finalized).await {
                // Its event comes with the finalised block, handled above.
                Ok(outcome) => {
                    settled_by_us = true;
                    report(InferEvent::Transaction { what: "settled", outcome })
                }
                Err(e) => {
                    tracing::info!(request = id, error = %format!("{e:#}"), "not settled by us (closed already?)")
                }
            }
        }
        if number > deadline.saturating_add(grace + MARGIN) {
            bail!(
                "request {id} is still open {} blocks after its deadline (block #{deadline}); settle it with \
                 `ghost request settle {id}`",
                number - deadline
            );
        }
    };
    report(InferEvent::Spent { before, after: chain.account(&me).await? });
    Ok((verdict, claim))
}

/// The result of request `id` accepted in block `at`, read again a few times should the
/// node fail to answer.
async fn read_posted(chain: &Chain, at: subxt::utils::H256, id: u64) -> Result<crate::chain::Posted> {
    let mut tries = 0;
    loop {
        match chain.posted_result(at, id).await {
            Ok(posted) => return Ok(posted),
            Err(e) if tries < 3 => {
                tracing::debug!(request = id, error = %format!("{e:#}"), "reading the posted result again");
                tries += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e.context(format!("reading the result of request {id} from its block"))),
        }
    }
}

/// `ghost request settle ID`: close request `id` after its deadline (pays its prover,
/// or refunds its client when nobody answered).
pub async fn settle(chain: &Chain, key: &Keypair, id: u64, wait: Wait) -> Result<Outcome> {
    chain.submit(&runtime::tx().inference().settle(id), key, wait).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines scripts and tests look for.
    #[test]
    fn steps_read_as_sentences() {
        let verified = InferEvent::Verified { id: 3, then: AfterVerified::AwaitingWindow { until: 44 } };
        assert_eq!(
            verified.to_string(),
            "request 3: ghost proof verified locally; open to fraud proofs until block #44, then settled"
        );
        let settled = InferEvent::Settled { id: 3, fee: 9, royalty: 1 };
        assert_eq!(settled.to_string(), "request 3: settled: 9 credit to the prover, 1 to the owner");
        let expired = InferEvent::Expired { id: 4, refund: 10 };
        assert_eq!(expired.to_string(), "request 4: no result in time; 10 credit refunded");
    }
}
