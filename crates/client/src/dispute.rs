//! The client's side of the dispute game, for every party that disputes a result: a client
//! that does not accept an answer (`ghost infer`) and a watcher that found a wrong one.
//!
//! A dispute is committed first and revealed in a later block, so that it cannot be copied
//! from the pool; a commitment that someone else's challenge made moot is reclaimed once
//! the request closes.

use crate::{
    api::{self, GhostRpcClient},
    chain::{runtime, BoundedVec, Chain, Wait},
    keys::show_account,
    outcome::Outcome,
};
use anyhow::{anyhow, bail, Context, Result};
use ghost_primitives::ModelId;
use std::time::Duration;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// What a dispute puts forward.
pub enum Evidence<'a> {
    /// An exclusion fraud proof (encoded): a better row or list the prover left out.
    Exclusion(&'a [u8]),
    /// A prove-it challenge: the prover must post its ghost proof on chain.
    ProveIt,
}

/// How a dispute went.
pub enum Filed {
    /// Committed and revealed; the reveal's transaction.
    Revealed(Outcome),
    /// Someone else challenged first: our commitment stays unrevealed, to be
    /// [`reclaim`]ed once the request closes.
    Preempted(AccountId32),
}

/// Commit to `evidence` against request `id`, tell `committed` once the commitment is in
/// a block, then reveal it in a later block.
pub async fn file(
    chain: &Chain,
    key: &Keypair,
    me: &AccountId32,
    id: u64,
    evidence: Evidence<'_>,
    committed: impl FnOnce(),
) -> Result<Filed> {
    let bytes: &[u8] = match evidence {
        Evidence::Exclusion(fraud) => fraud,
        Evidence::ProveIt => &[],
    };
    let digest = ghost_primitives::commitment::dispute(me, id, bytes);
    chain.submit(&runtime::tx().inference().commit(id, digest), key, Wait::InBlock).await?;
    committed();
    match evidence {
        Evidence::Exclusion(fraud) => {
            let call = runtime::tx().inference().report_exclusion(id, BoundedVec(fraud.to_vec()));
            Ok(Filed::Revealed(chain.submit(&call, key, Wait::InBlock).await?))
        }
        Evidence::ProveIt => match chain.submit(&runtime::tx().inference().challenge(id), key, Wait::InBlock).await {
            Ok(opened) => Ok(Filed::Revealed(opened)),
            Err(e) => match chain.challenger(id).await? {
                Some(challenger) if &challenger != me => Ok(Filed::Preempted(challenger)),
                _ => Err(e),
            },
        },
    }
}

/// Release the bond of an unrevealed commitment on request `id`, once it closed.
pub async fn reclaim(chain: &Chain, key: &Keypair, id: u64) -> Result<Outcome> {
    chain.submit(&runtime::tx().inference().reclaim(id), key, Wait::InBlock).await
}

/// How long a prover's endpoint may take to hand over a proof.
pub const PROOF_FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// The ghost proof `prover` serves for request `id` (`ghost_proof`), from the endpoint
/// published with its bond on `model`.
pub async fn served_proof(chain: &Chain, model: &ModelId, prover: &AccountId32, id: u64) -> Result<Vec<u8>> {
    let bond = chain.bond(model, prover).await?.ok_or_else(|| anyhow!("the prover has no bond"))?;
    let url = String::from_utf8_lossy(&bond.endpoint.0).into_owned();
    if url.is_empty() {
        bail!("the prover publishes no endpoint");
    }
    let client = api::client(&url, PROOF_FETCH_TIMEOUT)?;
    let entry = client.proof(id).await.with_context(|| format!("the proof is missing at {url}"))?;
    Ok(entry.proof.0)
}

/// A prover convicted on chain, as its `ProverConvicted` event says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conviction {
    /// Request id.
    pub id: u64,
    /// The prover.
    pub prover: AccountId32,
    /// The chain's reason (`ExcludedRow`, `MissedResponse`, ...).
    pub reason: String,
    /// Native tokens slashed.
    pub slashed: u128,
    /// Credit refunded to the client.
    pub refund: u128,
}

impl Conviction {
    /// `request N: prover P convicted (Reason)`: how every report of a conviction begins.
    pub fn headline(&self) -> String {
        format!("request {}: prover {} convicted ({})", self.id, show_account(&self.prover), self.reason)
    }
}

impl From<runtime::inference::events::ProverConvicted> for Conviction {
    fn from(e: runtime::inference::events::ProverConvicted) -> Self {
        Self { id: e.id, prover: e.prover, reason: format!("{:?}", e.reason), slashed: e.slashed, refund: e.refund }
    }
}
