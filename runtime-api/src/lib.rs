//! `GhostApi`: Ghostchain's runtime API. Clients verify ghost proofs and read models and
//! credit accounts with the chain's own code (the wasm runtime running `ghost-primitives`),
//! through `state_call`, without a transaction.
//!
//! Declared here, apart from the runtime, so that a client or an RPC extension can name it
//! without the runtime; the runtime implements each method as a one-line call of a pallet
//! function.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use ghost_primitives::{Claim, Error, Input, ModelId};
use pallet_ghost_registry::ModelInfo;
pub use pallet_mutual_credit::CreditAccount;
use polkadot_sdk::sp_api;

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
        fn verify_proof(model: ModelId, prover: Option<AccountId>, input: Input, claim: Claim, proof: Vec<u8>) -> Result<(), Error>;
        /// A model's record and its ghost file bytes.
        fn model(model: ModelId) -> Option<(ModelInfo<AccountId, Balance, BlockNumber>, Vec<u8>)>;
        /// The model and its ancestors, newest first (at most 64).
        fn versions(model: ModelId) -> Vec<ModelId>;
        /// A credit account.
        fn credit_account(who: AccountId) -> CreditAccount<Balance>;
    }
}
