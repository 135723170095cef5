//! `GhostApi`: Ghostchain's runtime API. Clients verify ghost proofs and read models and
//! credit accounts with the chain's own code (the wasm runtime running `ghost-primitives`),
//! through `state_call`, without a transaction.

use alloc::vec::Vec;
use ghost_primitives::{Claim, Input, ModelId};
use pallet_ghost_registry::ModelInfo;
use polkadot_sdk::sp_api;

/// A credit account as the mutual-credit pallet keeps it.
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo)]
pub struct CreditAccount<Balance> {
    /// Signed credit balance.
    pub balance: i128,
    /// Full credit limit (granted plus what collateral buys).
    pub limit: u128,
    /// The part of the limit granted by root.
    pub granted: u128,
    /// Native collateral held.
    pub collateral: Balance,
}

sp_api::decl_runtime_apis! {
    /// Ghostchain's queries.
    pub trait GhostApi<AccountId, Balance, BlockNumber>
    where
        AccountId: codec::Codec,
        Balance: codec::Codec,
        BlockNumber: codec::Codec,
    {
        /// Verify `proof` (encoded ghost proof) for `claim` on `input` against the registered
        /// model: `Ok(())`, or the primitives' reason. `prover` binds the claim to the
        /// account that posted it on chain (`None`: an off-chain, unbound answer). An unknown
        /// model is `ModelIdMismatch`; a proof above the chain's `respond` limit is
        /// `ProofTooLarge`, as it would be on chain.
        fn verify_proof(model: ModelId, prover: Option<AccountId>, input: Input, claim: Claim, proof: Vec<u8>) -> Result<(), ghost_primitives::Error>;
        /// A model's record and its ghost file bytes.
        fn model(model: ModelId) -> Option<(ModelInfo<AccountId, Balance, BlockNumber>, Vec<u8>)>;
        /// The model and its ancestors, newest first (at most 64).
        fn versions(model: ModelId) -> Vec<ModelId>;
        /// A credit account.
        fn credit_account(who: AccountId) -> CreditAccount<Balance>;
    }
}
