//! The reporter's side of the dispute game, for every party that holds a model's weights
//! and found an excluded row or list in a result the chain accepted (the watcher).
//!
//! A report is committed first (a salted digest: nothing in the pool can be copied) and
//! revealed in a later block, before the result's deadline. A valid fraud proof convicts
//! the prover and returns the report bond with a reward; an invalid one burns the bond.
//! When someone else convicted first, the reveal finds the request closed and the
//! commitment's bond is [`reclaim`]ed instead.

use crate::{
    chain::{runtime, BoundedVec, Chain, Wait},
    keys::show_account,
    outcome::Outcome,
};
use anyhow::{anyhow, Result};
use ghost_primitives::{commitment::Salt, Hash};
use rand::RngCore;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// A report about to be committed: what the reporter keeps (journals) until it has
/// revealed or reclaimed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commitment {
    /// Request id.
    pub id: u64,
    /// The secret salt.
    pub salt: Salt,
    /// The digest committed to: `commitment::dispute(who, id, salt, fraud)`.
    pub digest: Hash,
}

impl Commitment {
    /// A fresh commitment of `who` to `fraud` against request `id`, under a random salt.
    pub fn new(who: &AccountId32, id: u64, fraud: &[u8]) -> Self {
        let mut salt = Salt::default();
        rand::rngs::OsRng.fill_bytes(&mut salt);
        Self::with_salt(who, id, salt, fraud)
    }

    /// The commitment of `who` to `fraud` against request `id` under `salt`.
    pub fn with_salt(who: &AccountId32, id: u64, salt: Salt, fraud: &[u8]) -> Self {
        Self { id, salt, digest: ghost_primitives::commitment::dispute(who, id, &salt, fraud) }
    }
}

/// How a report went.
pub enum Filed {
    /// The fraud proof convicted the prover.
    Convicted(Conviction),
    /// The fraud proof did not convict: the bond was burned (the chain's reason).
    Rejected {
        /// Request id.
        id: u64,
        /// The bond burned.
        burned: u128,
        /// Why the fraud proof failed.
        reason: String,
    },
    /// The request closed before the reveal (someone else convicted first, or it was
    /// settled): the commitment's bond was reclaimed.
    Closed {
        /// The reclaim's transaction.
        reclaimed: Outcome,
    },
}

/// Report `fraud` (an encoded exclusion fraud proof) against request `id`: draw a salt,
/// hand the commitment to `journal` (which must keep it before anything is sent: an
/// error there stops the report), commit, wait for the commitment's block, then reveal in
/// a later block.
pub async fn file(
    chain: &Chain,
    key: &Keypair,
    me: &AccountId32,
    id: u64,
    fraud: &[u8],
    journal: impl FnOnce(&Commitment) -> Result<()>,
) -> Result<Filed> {
    let commitment = Commitment::new(me, id, fraud);
    journal(&commitment)?;
    chain.submit(&runtime::tx().inference().commit(id, commitment.digest), key, Wait::InBlock).await?;
    reveal(chain, key, &commitment, fraud).await
}

/// Reveal `commitment` (to `fraud`), committed in an earlier block.
pub async fn reveal(chain: &Chain, key: &Keypair, commitment: &Commitment, fraud: &[u8]) -> Result<Filed> {
    let id = commitment.id;
    let call = runtime::tx().inference().report_exclusion(id, commitment.salt, BoundedVec(fraud.to_vec()));
    let revealed = match chain.submit(&call, key, Wait::InBlock).await {
        Ok(revealed) => revealed,
        Err(e) if format!("{e:#}").contains("Inference.UnknownRequest") => {
            let reclaimed = reclaim(chain, key, id, commitment.digest).await?;
            return Ok(Filed::Closed { reclaimed });
        }
        Err(e) => return Err(e),
    };
    let events = revealed.events.as_ref().ok_or_else(|| anyhow!("the reveal left no events"))?;
    if let Some(c) = events.find_first::<runtime::inference::events::ProverConvicted>()? {
        return Ok(Filed::Convicted(c.into()));
    }
    if let Some(r) = events.find_first::<runtime::inference::events::ReportRejected>()? {
        return Ok(Filed::Rejected { id, burned: r.burned, reason: r.reason.0.to_string() });
    }
    Err(anyhow!("the reveal of the report on request {id} left neither a conviction nor a rejection"))
}

/// Release the bond of the unrevealed commitment `digest` on request `id`, once the
/// request closed or its deadline passed.
pub async fn reclaim(chain: &Chain, key: &Keypair, id: u64, digest: Hash) -> Result<Outcome> {
    chain.submit(&runtime::tx().inference().reclaim(id, digest), key, Wait::InBlock).await
}

/// A prover convicted on chain, as its `ProverConvicted` event says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conviction {
    /// Request id.
    pub id: u64,
    /// The prover.
    pub prover: AccountId32,
    /// Who reported it.
    pub reporter: AccountId32,
    /// The chain's reason (`ExcludedRow`, `ExcludedList`).
    pub reason: String,
    /// Native tokens slashed in all.
    pub slashed: u128,
    /// Of it, the reporter's reward.
    pub reward: u128,
    /// Of it, paid to the client.
    pub compensation: u128,
    /// Of it, burned.
    pub burned: u128,
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
        Self {
            id: e.id,
            prover: e.prover,
            reporter: e.reporter,
            reason: format!("{:?}", e.reason),
            slashed: e.slashed,
            reward: e.reward,
            compensation: e.compensation,
            burned: e.burned,
            refund: e.refund,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_are_salted_and_bound_to_the_reporter() {
        let (me, other) = (AccountId32([1; 32]), AccountId32([2; 32]));
        let a = Commitment::new(&me, 5, b"fraud");
        let b = Commitment::new(&me, 5, b"fraud");
        assert_ne!(a.salt, b.salt, "a fresh salt each time");
        assert_ne!(a.digest, b.digest);
        assert_eq!(Commitment::with_salt(&me, 5, a.salt, b"fraud"), a, "the digest is the salt's");
        assert_eq!(a.digest, ghost_primitives::commitment::dispute(&me, 5, &a.salt, b"fraud"));
        assert_ne!(Commitment::with_salt(&other, 5, a.salt, b"fraud").digest, a.digest);
    }
}
