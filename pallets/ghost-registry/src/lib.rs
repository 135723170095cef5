//! # Ghost registry
//!
//! The chain's record of models: their ghost files (architecture and Merkle roots), owners,
//! prices and royalties, their lineage of versions, and the provers bonded to serve them.
//!
//! ## Overview
//!
//! * A model is registered by its ghost file; its id is the file's BLAKE2b-256 hash
//!   (`ghost-primitives`). The owner pays a storage deposit proportional to the file.
//!   Registration is commit–reveal: the owner first commits to `H(owner ‖ model id)` and
//!   registers in a later block, so a ghost file copied from the transaction pool cannot be
//!   registered by anyone else first. Commitments are kept per committer ([`Commitments`]):
//!   a copy of someone's commitment is a commitment of the copier's own, which blocks
//!   nothing and registers nothing (the copier's registration needs `H(copier ‖ model id)`).
//!   A registered file has no parent: versions come only from verified sparse updates.
//! * **Clones.** The weights of a model are its layers' roots, summed up in one digest
//!   ([`roots_digest`]). Each digest has one owner ([`RootsOwner`]), claimed by the first
//!   `register` or `publish_update` of those roots: a file whose roots another owner holds
//!   is refused ([`Error::CloneOfAnotherOwnersModel`]), so a licensee holding the weights
//!   cannot register them again under another name, royalty or training-data hash to
//!   bypass the owner's royalty or fake a lineage. The same owner may register the same
//!   roots again and publish versions of them. A claim is as old as the commitment that
//!   made it: a registration's commitment; for a version, the owner's commitment to the
//!   version's id if it made one (optional, consumed like a registration's), else the
//!   block of the update. A claim made with a strictly older commitment takes another
//!   owner's claim over ([`Event::CloneSuperseded`]), and that owner's models with those
//!   roots take no more requests, bonds or versions. Roots read from an owner's pending
//!   `register` (or committed-to `publish_update`) in the pool are committed to after the
//!   owner's commitment, so copying them and registering first gains nothing. A version
//!   never inherits its parent's age: otherwise a chain of sparse updates from an old
//!   claim could walk onto another owner's roots and take them.
//! * The registry refuses models whose worst-case ghost proof ([`ModelShape`]) is larger
//!   than the chain accepts or heavier to verify than it allows, so that an honest prover
//!   can always answer a prove-it challenge, and keeps that shape beside the file so that
//!   no call has to decode the file to check an input or bound its weight. It also refuses
//!   a file that leaves no room for its versions ([`Error::NoRoomForVersions`]): a version
//!   always names its parent and may declare a training-data hash, so a file registers only
//!   if it still fits `MaxGhostFileBytes` with both at their largest encoding; every version
//!   of a registered model can then be published and updated again.
//! * A new version is published by a **sparse update**: changed row indices, their old and
//!   new rows and one multiproof. The pallet checks the old rows against the parent's root
//!   and computes the new root from the same proof (`GhostFile::apply_update`); the new
//!   ghost file records its parent and an optional training-data hash. The proof must hold
//!   exactly the hashes its indices need ([`multiproof_hashes`], counted before hashing),
//!   and the call is charged for its row entries, for its indices and proof hashes
//!   ([`WeightInfo::verify_update`]) and for loading the files.
//! * **Deposits** are held while their reason lasts. A registration commitment holds
//!   `DepositBase` until `cancel_commitment` releases it or `register` makes it part of the
//!   model's deposit (held once). A model holds `DepositBase + DepositPerByte × file bytes`.
//!   `retire` releases nothing: requests opened before it may still be answered and
//!   disputed, and a dispute needs the ghost file ([`ModelRegistry::verifier`]). Every open
//!   result locks a slash of its prover's bond on the model ([`ModelRegistry::lock`]), a
//!   locked bond cannot be withdrawn, and nobody can bond on a retired model; so once a
//!   retired model has no bond left, bonded or unbonding, no result of it is open and none
//!   can be posted. Then `reap` deletes its ghost file and releases its deposit but
//!   `DepositBase`, which stays held for the record, kept for lineage and the roots claim.
//! * Provers bond native tokens per model to serve it, unbond, and withdraw after a delay;
//!   bonds stay slashable until withdrawn. A bond carries the prover's public endpoint (the
//!   URL of its JSON-RPC, where it serves the ghost proofs of its results), so the chain is
//!   where clients find the provers of a model: iterate `Bonds` by model. Each open result
//!   locks the slash it risks ([`ModelRegistry::lock`]), so every result is backed in full
//!   and a locked bond cannot be withdrawn.
//! * Other pallets read models and bonds, and slash or burn provers' bonds, through
//!   [`ModelRegistry`].
//!
//! ## Dispatchable functions
//!
//! * [`commit_registration`](Pallet::commit_registration) — origin: signed (the future
//!   owner). Holds `DepositBase`. Errors: [`Error::AlreadyCommitted`] (this account made
//!   this commitment already), [`Error::InsufficientDeposit`]. Event:
//!   [`Event::RegistrationCommitted`].
//! * [`register`](Pallet::register) — origin: signed (becomes the owner), with its own
//!   commitment from an earlier block, whose deposit becomes part of the model's. Errors:
//!   [`Error::InvalidGhostFile`], [`Error::ParentNotAllowed`], [`Error::NotCommitted`],
//!   [`Error::CommittedThisBlock`], [`Error::ProofTooLarge`],
//!   [`Error::VerificationTooHeavy`], [`Error::NoRoomForVersions`],
//!   [`Error::AlreadyRegistered`], [`Error::CloneOfAnotherOwnersModel`],
//!   [`Error::InsufficientDeposit`], [`Error::Overflow`]. Events:
//!   [`Event::ModelRegistered`], and [`Event::CloneSuperseded`] when its older commitment
//!   takes the roots over.
//! * [`cancel_commitment`](Pallet::cancel_commitment) — origin: the committer. Releases
//!   the deposit of an unused commitment. Errors: [`Error::NotCommitted`]. Event:
//!   [`Event::CommitmentCancelled`].
//! * [`publish_update`](Pallet::publish_update) — origin: the parent's owner, holding the
//!   parent's roots; with, optionally, its commitment to the version's id from an earlier
//!   block (consumed, its deposit part of the version's). Errors:
//!   [`Error::UpdateTooLarge`], [`Error::UnknownModel`], [`Error::NotOwner`],
//!   [`Error::ModelRetired`], [`Error::CloneOfAnotherOwnersModel`],
//!   [`Error::InvalidUpdate`], [`Error::InvalidGhostFile`], [`Error::CommittedThisBlock`],
//!   [`Error::ProofTooLarge`], [`Error::VerificationTooHeavy`],
//!   [`Error::NoRoomForVersions`], [`Error::AlreadyRegistered`],
//!   [`Error::InsufficientDeposit`], [`Error::Overflow`]. Events:
//!   [`Event::ModelRegistered`], [`Event::VersionPublished`], and
//!   [`Event::CloneSuperseded`] when its older commitment takes the new roots over.
//! * [`retire`](Pallet::retire) — origin: the owner. Errors: [`Error::UnknownModel`],
//!   [`Error::NotOwner`], [`Error::ModelRetired`]. Event: [`Event::ModelRetired`].
//! * [`reap`](Pallet::reap) — origin: the owner of a retired model no prover is bonded or
//!   unbonding on. Deletes the ghost file, releases the deposit but `DepositBase`. Errors:
//!   [`Error::UnknownModel`], [`Error::NotOwner`], [`Error::NotRetired`],
//!   [`Error::ProversRemain`]. Event: [`Event::ModelReaped`].
//! * [`bond`](Pallet::bond) — origin: signed (the prover). Bonds, tops up, or (with a zero
//!   amount) only changes the endpoint clients fetch proofs from. Errors:
//!   [`Error::BadEndpoint`], [`Error::UnknownModel`], [`Error::ModelRetired`],
//!   [`Error::CloneOfAnotherOwnersModel`], [`Error::Unbonding`], [`Error::Overflow`],
//!   [`Error::BondTooSmall`], [`Error::InsufficientFunds`]. Event: [`Event::Bonded`].
//! * [`unbond`](Pallet::unbond) — origin: a bonded prover. Errors: [`Error::NotBonded`],
//!   [`Error::Unbonding`]. Event: [`Event::Unbonding`].
//! * [`withdraw`](Pallet::withdraw) — origin: an unbonding prover. Errors:
//!   [`Error::NotBonded`], [`Error::StillBonded`], [`Error::TooEarly`],
//!   [`Error::BondLocked`], [`Error::Exposed`]. Event: [`Event::Withdrawn`].
//!
//! ## Other pallets' interface ([`ModelRegistry`])
//!
//! `terms` (a superseded clone or a retired model is not `active`), `verifier`,
//! `is_bonded`, `lock` / `unlock`, and `slash` / `burn`, which take up to an amount of a
//! bond from its locked part first and move it to an account ([`Event::Slashed`]) or burn
//! it, lowering total issuance ([`Event::Burned`]).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::Encode;
use frame_support::weights::Weight;
use ghost_primitives::{Claim, GhostFile, Hash, Input, LayerSpec, ModelId, ModelShape, ProofBound, Verifier};
use polkadot_sdk::{frame_support, frame_system, sp_runtime};
use sp_runtime::Perbill;

/// What the inference pallet needs to know of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelTerms<AccountId> {
    /// Receives the royalty.
    pub owner: AccountId,
    /// Price of one inference, in credit.
    pub price: u128,
    /// Owner's share of the price.
    pub royalty: Perbill,
    /// Whether new requests are accepted.
    pub active: bool,
    /// Layers, input, output width and worst-case proof of the model.
    pub shape: ModelShape,
}

/// Reading models and bonds, and slashing provers.
pub trait ModelRegistry<AccountId> {
    /// Native balance of bonds.
    type Balance;
    /// The largest ghost proof of any admitted model (the registry's `MaxProofBytes`): the
    /// bound of a proof posted on chain.
    type MaxProofBytes: frame_support::traits::Get<u32>;
    /// A model's terms.
    fn terms(model: &ModelId) -> Option<ModelTerms<AccountId>>;
    /// The verifier of a registered model (its ghost file, validated at registration).
    fn verifier(model: &ModelId) -> Option<Verifier>;
    /// Whether `prover` is bonded (and not unbonding) on `model`.
    fn is_bonded(model: &ModelId, prover: &AccountId) -> bool;
    /// Lock `amount` of `prover`'s bond on `model` for an open result: fails unless the
    /// prover is bonded and that much of its bond is not locked yet.
    fn lock(model: &ModelId, prover: &AccountId, amount: Self::Balance) -> sp_runtime::DispatchResult;
    /// Unlock up to `amount` locked by [`ModelRegistry::lock`] (the result closed).
    fn unlock(model: &ModelId, prover: &AccountId, amount: Self::Balance);
    /// Lock up to `amount` of the part of `prover`'s bond on `model` that nothing has
    /// locked, unbonding or not, for a slash about to take it: what [`ModelRegistry::slash`]
    /// then takes comes out of this lock and leaves every other lock backed. Returns what
    /// was locked.
    fn lock_free_part(model: &ModelId, prover: &AccountId, amount: Self::Balance) -> Self::Balance;
    /// Move up to `amount` of `prover`'s bond on `model` to `to`, taking it from what is
    /// locked first; returns what moved.
    fn slash(model: &ModelId, prover: &AccountId, amount: Self::Balance, to: &AccountId) -> Self::Balance;
    /// Burn up to `amount` of `prover`'s bond on `model` (total issuance falls by as much),
    /// taking it from what is locked first, exactly as [`ModelRegistry::slash`] does;
    /// returns what burned.
    fn burn(model: &ModelId, prover: &AccountId, amount: Self::Balance) -> Self::Balance;
    /// The most any admitted model's ghost proof may take: bytes, BLAKE2b compressions,
    /// multiply-adds (`ProofBound` as a limit).
    fn proof_limits() -> ProofBound;
    /// The largest ghost file the registry stores.
    fn max_ghost_file_bytes() -> u32;
    /// The weight of loading (reading, decoding, validating) a ghost file of `bytes`.
    fn load_ghost_file_weight(bytes: u32) -> Weight;
    /// Register a model and bond a prover on it (benchmarks only).
    #[cfg(feature = "runtime-benchmarks")]
    fn register_for_benchmark(owner: &AccountId, file: &GhostFile, price: u128, prover: &AccountId);
}

/// What another pallet still holds against a prover's bond beyond its locks (signed
/// receipts that may yet be reported, say): the registry lets no bond be withdrawn while
/// it is exposed.
pub trait ProverExposure<AccountId> {
    /// Whether `prover`'s bond on `model` may still be needed.
    fn exposed(model: &ModelId, prover: &AccountId) -> bool;
}

impl<AccountId> ProverExposure<AccountId> for () {
    fn exposed(_: &ModelId, _: &AccountId) -> bool {
        false
    }
}

/// The digest of a ghost file's weights: BLAKE2b-256 of the SCALE encoding of its layers'
/// roots in order, as `Vec<(patterns root, Option<centroids root>)>` (an embedding has no
/// centroids). Roots bind every row, its layer, its index and the leaf count, so two files
/// with one digest commit to the same weights whatever their names, parameters, lineage or
/// training-data hashes: the registry's one definition of a clone ([`RootsOwner`]).
pub fn roots_digest(file: &GhostFile) -> Hash {
    let roots: Vec<(Hash, Option<Hash>)> = file
        .layers
        .iter()
        .map(|layer| match layer {
            LayerSpec::Embedding(e) => (e.patterns_root, None),
            LayerSpec::Lookup(l) => (l.patterns_root, Some(l.centroids_root)),
        })
        .collect();
    ghost_primitives::blake2_256(&roots.encode())
}

/// The number of hashes a compact multiproof of `indices` in a tree of `leaves` leaves
/// holds (`docs/protocol.md` §3.4), counted without hashing anything; `None` when the
/// indices are empty, not strictly increasing or out of range, or as soon as the count
/// exceeds `limit`. Each step of the walk merges two known nodes (`indices - 1` in all),
/// takes a proof hash (at most `limit`) or promotes a level's last node (one a level), so
/// it takes at most `indices + limit + 32` steps.
pub fn multiproof_hashes(indices: &[u32], leaves: u32, limit: usize) -> Option<usize> {
    let in_range = indices.last().is_some_and(|&last| last < leaves);
    if !in_range || indices.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let mut level: Vec<u32> = indices.to_vec();
    let mut next: Vec<u32> = Vec::with_capacity(level.len());
    let (mut width, mut needed) = (leaves, 0usize);
    while width > 1 {
        next.clear();
        let mut i = 0;
        while let Some(&index) = level.get(i) {
            if index % 2 == 1 || (index + 1 < width && level.get(i + 1) != Some(&(index + 1))) {
                // A sibling that is not known: one proof hash.
                needed = needed.checked_add(1)?;
                if needed > limit {
                    return None;
                }
            } else if index + 1 < width {
                // Both children known.
                i += 1;
            }
            // Otherwise the last node of an odd level, promoted unchanged.
            next.push(index / 2);
            i += 1;
        }
        core::mem::swap(&mut level, &mut next);
        width = width.div_ceil(2);
    }
    Some(needed)
}

/// Whether `endpoint` may be stored with a bond: empty, or an `http://` or `https://` URL
/// of printable ASCII without spaces (what a client can put in a request line as is).
pub fn endpoint_is_valid(endpoint: &[u8]) -> bool {
    endpoint.is_empty()
        || ((endpoint.starts_with(b"http://") || endpoint.starts_with(b"https://"))
            && endpoint.iter().all(|b| b.is_ascii_graphic()))
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use alloc::vec::Vec;
    use codec::Encode;
    use frame_support::{
        pallet_prelude::*,
        traits::{
            fungible::{Inspect, Mutate, MutateHold},
            tokens::{Fortitude, Precision, Restriction},
        },
    };
    use frame_system::pallet_prelude::*;
    use ghost_primitives::{Hash, ModelUpdate};
    use sp_runtime::traits::{CheckedAdd, Saturating, Zero};

    pub(crate) type BalanceOf<T> =
        <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config(with_default)]
    pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The native currency: deposits and bonds are holds on it.
        #[pallet::no_default]
        type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason> + Mutate<Self::AccountId>;
        /// The overarching hold reason.
        #[pallet::no_default]
        type RuntimeHoldReason: From<HoldReason>;
        /// Largest ghost file accepted.
        #[pallet::constant]
        type MaxGhostFileBytes: Get<u32>;
        /// Deposit held per model, whatever its size.
        #[pallet::constant]
        #[pallet::no_default_bounds]
        type DepositBase: Get<BalanceOf<Self>>;
        /// Deposit held per byte of ghost file.
        #[pallet::constant]
        #[pallet::no_default_bounds]
        type DepositPerByte: Get<BalanceOf<Self>>;
        /// Smallest bond a prover may serve with.
        #[pallet::constant]
        #[pallet::no_default_bounds]
        type MinBond: Get<BalanceOf<Self>>;
        /// Blocks between unbonding and withdrawing; longer than any dispute can last.
        #[pallet::constant]
        #[pallet::no_default_bounds]
        type UnbondingDelay: Get<BlockNumberFor<Self>>;
        /// Most rows one sparse update may change.
        #[pallet::constant]
        type MaxUpdateRows: Get<u32>;
        /// Largest ghost proof the chain accepts: models whose worst-case proof is larger
        /// are refused (an honest prover could not answer a prove-it challenge).
        #[pallet::constant]
        type MaxProofBytes: Get<u32>;
        /// Longest prover endpoint (URL) stored with a bond.
        #[pallet::constant]
        type MaxEndpointBytes: Get<u32>;
        /// Most BLAKE2b compressions the verification of one ghost proof may take.
        #[pallet::constant]
        type MaxProofCompressions: Get<u64>;
        /// Most fixed-point multiply-adds the verification of one ghost proof may take.
        #[pallet::constant]
        type MaxProofProducts: Get<u64>;
        /// What else holds a bond: a bond exposed to it cannot be withdrawn.
        type Exposure: ProverExposure<Self::AccountId>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// Default configurations, for `#[derive_impl]`: [`config_preludes::TestDefaultConfig`]
    /// is what the pallets' tests run with (a `u64` balance).
    pub mod config_preludes {
        use super::*;
        use frame_support::{
            derive_impl,
            traits::{ConstU32, ConstU64},
        };

        /// Small bounds and deposits for tests.
        pub struct TestDefaultConfig;

        #[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
        impl frame_system::DefaultConfig for TestDefaultConfig {}

        #[frame_support::register_default_impl(TestDefaultConfig)]
        impl DefaultConfig for TestDefaultConfig {
            type MaxGhostFileBytes = ConstU32<{ 64 * 1024 }>;
            type DepositBase = ConstU64<100>;
            type DepositPerByte = ConstU64<1>;
            type MinBond = ConstU64<500>;
            type UnbondingDelay = ConstU64<10>;
            type MaxUpdateRows = ConstU32<16>;
            type MaxProofBytes = ConstU32<{ 256 * 1024 }>;
            type MaxEndpointBytes = ConstU32<64>;
            type MaxProofCompressions = ConstU64<28_000>;
            type MaxProofProducts = ConstU64<4_000_000>;
            type Exposure = ();
            type WeightInfo = ();
        }
    }

    /// Why native tokens are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// Storage deposit of a registered model.
        ModelDeposit,
        /// A prover's bond.
        ProverBond,
    }

    /// Whether a model takes new requests, and whether its ghost file is still stored.
    #[derive(Clone, Copy, Encode, Decode, DecodeWithMemTracking, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub enum ModelStatus {
        /// Takes requests (unless another owner holds its roots: [`RootsOwner`]).
        Active,
        /// Takes no new requests; record, ghost file and deposit kept for the disputes of
        /// requests opened before.
        Retired,
        /// Retired with no prover bonded or unbonding any more, so no dispute can need it:
        /// its ghost file is deleted and all of its deposit but `DepositBase` released. The
        /// record stays, for lineage and the roots claim.
        Reaped,
    }

    /// The on-chain record of a model.
    #[derive(Clone, Encode, Decode, DecodeWithMemTracking, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub struct ModelInfo<AccountId, Balance, BlockNumber> {
        /// Registrant; receives royalties; may update and retire.
        pub owner: AccountId,
        /// Price of one inference, in credit.
        pub price: u128,
        /// Owner's share of each price.
        pub royalty: Perbill,
        /// Storage deposit held from the owner.
        pub deposit: Balance,
        /// Active or retired.
        pub status: ModelStatus,
        /// The version this one was derived from.
        pub parent: Option<ModelId>,
        /// Declared training-data hash (lineage).
        pub training_data: Option<Hash>,
        /// Block of registration.
        pub registered_at: BlockNumber,
        /// Layers, input, output width and worst-case proof, from the ghost file.
        pub shape: ModelShape,
        /// The digest of its layers' roots ([`roots_digest`]): the key of its roots claim.
        pub roots: Hash,
    }

    /// Who holds a roots digest, and since when.
    #[derive(Clone, Encode, Decode, DecodeWithMemTracking, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub struct RootsClaim<AccountId, BlockNumber> {
        /// The one owner whose models with these roots take requests.
        pub owner: AccountId,
        /// The block of the oldest commitment behind the claim: the commitment that
        /// registered these roots (for a version published without one, its block).
        pub since: BlockNumber,
    }

    /// A prover's bond on a model.
    #[derive(Clone, Encode, Decode, DecodeWithMemTracking, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub struct BondInfo<Balance, BlockNumber, Endpoint> {
        /// Held amount (slashing lowers it).
        pub amount: Balance,
        /// The part that backs open results (one slash each); never above `amount`.
        pub locked: Balance,
        /// When unbonding, the first block withdrawal is allowed.
        pub withdrawable_at: Option<BlockNumber>,
        /// Where the prover serves its ghost proofs: an `http://` or `https://` URL of its
        /// JSON-RPC (`ghost_proof`, keyed by request id); empty when it serves none.
        pub endpoint: Endpoint,
    }

    /// The endpoint stored with a bond.
    pub type EndpointOf<T> = BoundedVec<u8, <T as Config>::MaxEndpointBytes>;
    pub(crate) type BondInfoOf<T> = BondInfo<BalanceOf<T>, BlockNumberFor<T>, EndpointOf<T>>;

    /// A model's record with the runtime's types.
    pub type ModelInfoOf<T> = ModelInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

    /// Registered models.
    #[pallet::storage]
    pub type Models<T: Config> = StorageMap<_, Identity, ModelId, ModelInfoOf<T>>;

    /// Their ghost files (the bytes whose hash is the id).
    #[pallet::storage]
    pub type GhostFiles<T: Config> = StorageMap<_, Identity, ModelId, BoundedVec<u8, T::MaxGhostFileBytes>>;

    /// Registration commitments by committer and digest (`H(SCALE(owner) ‖ model id)`): the
    /// block of the commitment and the deposit held for it. Keyed by the committer, so a
    /// copy of someone's digest is a commitment of the copier's own that blocks nothing.
    #[pallet::storage]
    pub type Commitments<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, Hash, (BlockNumberFor<T>, BalanceOf<T>)>;

    /// Roots claims: each roots digest ([`roots_digest`]) to the one owner whose models with
    /// these roots take requests. Filled by `register` and `publish_update`, never emptied
    /// (records stay, even reaped).
    #[pallet::storage]
    pub type RootsOwner<T: Config> =
        StorageMap<_, Identity, Hash, RootsClaim<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>>;

    /// Bonds by model and prover.
    #[pallet::storage]
    pub type Bonds<T: Config> = StorageDoubleMap<_, Identity, ModelId, Blake2_128Concat, T::AccountId, BondInfoOf<T>>;

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A future owner committed to registering a model.
        RegistrationCommitted {
            /// Who committed.
            who: T::AccountId,
            /// The commitment digest.
            commitment: Hash,
        },
        /// An unused registration commitment was withdrawn.
        CommitmentCancelled {
            /// Whose commitment.
            who: T::AccountId,
            /// The commitment digest.
            commitment: Hash,
        },
        /// A model was registered.
        ModelRegistered {
            /// The model id.
            model: ModelId,
            /// The model's owner.
            owner: T::AccountId,
            /// Credit paid per inference.
            price: u128,
            /// The owner's share of each price.
            royalty: Perbill,
            /// Native tokens held for the model.
            deposit: BalanceOf<T>,
        },
        /// A new version was published by a verified sparse update.
        VersionPublished {
            /// The model id.
            model: ModelId,
            /// The version it updates.
            parent: ModelId,
            /// The model's owner.
            owner: T::AccountId,
            /// Rows the update changed.
            changed_rows: u32,
        },
        /// A model stopped taking requests.
        ModelRetired {
            /// The model id.
            model: ModelId,
        },
        /// A retired model nothing can dispute any more was reaped: its ghost file deleted,
        /// its deposit released but for `DepositBase`, kept for the record.
        ModelReaped {
            /// The model id.
            model: ModelId,
            /// Native tokens released to the owner.
            released: BalanceOf<T>,
        },
        /// An owner whose commitment is older than the roots claim of another registered
        /// (or published) these roots: the claim passed to it, and the other owner's models
        /// with these roots stopped taking requests, bonds and versions.
        CloneSuperseded {
            /// The roots digest.
            roots: Hash,
            /// Who held the claim.
            previous: T::AccountId,
            /// Who holds it now.
            owner: T::AccountId,
        },
        /// A prover bonded (or topped up, or changed its endpoint) on a model.
        Bonded {
            /// The model id.
            model: ModelId,
            /// The prover.
            prover: T::AccountId,
            /// The prover's whole bond on the model now.
            total: BalanceOf<T>,
            /// Where the prover serves its proofs (empty: nowhere).
            endpoint: EndpointOf<T>,
        },
        /// A prover started unbonding.
        Unbonding {
            /// The model id.
            model: ModelId,
            /// The prover.
            prover: T::AccountId,
            /// The first block the bond can be withdrawn in.
            withdrawable_at: BlockNumberFor<T>,
        },
        /// A prover withdrew its bond.
        Withdrawn {
            /// The model id.
            model: ModelId,
            /// The prover.
            prover: T::AccountId,
            /// Native tokens released.
            amount: BalanceOf<T>,
        },
        /// Part of a prover's bond was slashed.
        Slashed {
            /// The model id.
            model: ModelId,
            /// The prover.
            prover: T::AccountId,
            /// Native tokens moved.
            amount: BalanceOf<T>,
            /// Who received them.
            to: T::AccountId,
        },
        /// Part of a prover's bond was burned.
        Burned {
            /// The model id.
            model: ModelId,
            /// The prover.
            prover: T::AccountId,
            /// Native tokens burned.
            amount: BalanceOf<T>,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// The bytes are not a valid ghost file (see `docs/ghost-file.md`, "Validity").
        InvalidGhostFile,
        /// A model with this ghost file is already registered.
        AlreadyRegistered,
        /// Not enough free balance for the storage deposit.
        InsufficientDeposit,
        /// No model has this id.
        UnknownModel,
        /// Only the model's owner may do this.
        NotOwner,
        /// The model is retired: publish or use another version.
        ModelRetired,
        /// The update changes more rows than `MaxUpdateRows`: split it.
        UpdateTooLarge,
        /// The update's old rows do not match the model, or its proof is malformed.
        InvalidUpdate,
        /// The bond would be below `MinBond`.
        BondTooSmall,
        /// Not enough free balance to bond.
        InsufficientFunds,
        /// The account has no bond on this model.
        NotBonded,
        /// The bond is unbonding: withdraw it after the delay, then bond again.
        Unbonding,
        /// Call `unbond` first.
        StillBonded,
        /// The unbonding delay has not passed yet.
        TooEarly,
        /// A deposit computation overflowed.
        Overflow,
        /// A registered ghost file must not name a parent: new versions are published by
        /// `publish_update`.
        ParentNotAllowed,
        /// No registration commitment of this account matches: call
        /// `commit_registration(H(owner ‖ model id))` first.
        NotCommitted,
        /// The commitment was made in this block: register (or publish the version) in a
        /// later one.
        CommittedThisBlock,
        /// This commitment exists already.
        AlreadyCommitted,
        /// The model's worst-case ghost proof is larger than `MaxProofBytes`: fewer layers,
        /// smaller `k`, `n_probe` or widths.
        ProofTooLarge,
        /// Verifying the model's worst-case ghost proof takes more hashing or arithmetic
        /// than `MaxProofCompressions` / `MaxProofProducts` allow.
        VerificationTooHeavy,
        /// Part of the bond backs open results: withdraw after they close.
        BondLocked,
        /// Receipts the prover signed may still be reported: close its payment channels on
        /// the model and wait out the receipt window.
        Exposed,
        /// Not enough of the bond is free to back another open result: bond more.
        BondExhausted,
        /// An endpoint is empty or an `http://` / `https://` URL of printable ASCII without
        /// spaces.
        BadEndpoint,
        /// Another owner holds these layer roots (the same weights, perhaps under another
        /// name, royalty or training-data hash) with an older commitment: a clone is refused,
        /// and a model superseded by the roots' owner takes no requests, bonds or versions.
        CloneOfAnotherOwnersModel,
        /// The ghost file leaves no room for its versions, which add a parent and a
        /// training-data hash: shorten its name or its layers until it is that much below
        /// `MaxGhostFileBytes`.
        NoRoomForVersions,
        /// Only a retired model not reaped yet can be reaped: retire it first.
        NotRetired,
        /// Provers are still bonded or unbonding on the model, so its open results may still
        /// be disputed: reap after every bond is withdrawn.
        ProversRemain,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Register the model `ghost_file` describes, at `price` credit per inference with
        /// `royalty` of each price for the owner.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register(ghost_file.len() as u32))]
        pub fn register(
            origin: OriginFor<T>,
            ghost_file: BoundedVec<u8, T::MaxGhostFileBytes>,
            price: u128,
            royalty: Perbill,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            let verifier = Verifier::decode(&ghost_file).map_err(|_| Error::<T>::InvalidGhostFile)?;
            ensure!(verifier.file().parent.is_none(), Error::<T>::ParentNotAllowed);
            let id = verifier.id();
            let commitment = Self::registration_commitment(&owner, &id);
            let (at, held) = Commitments::<T>::get(&owner, commitment).ok_or(Error::<T>::NotCommitted)?;
            ensure!(at < frame_system::Pallet::<T>::block_number(), Error::<T>::CommittedThisBlock);
            // The commitment's deposit becomes part of the model's (held once, not twice);
            // the commitment's block is the age of the roots claim.
            Commitments::<T>::remove(&owner, commitment);
            Self::insert_model(owner, &verifier, ghost_file, price, royalty, None, held, at)?;
            Ok(())
        }

        /// Publish the next version of `parent` by a sparse update; the new version keeps
        /// `price` and `royalty` as given. If the owner committed to the version's id
        /// (`H(owner ‖ version id)`, in an earlier block), the commitment is consumed and
        /// dates the version's roots claim; otherwise the claim is as old as this block.
        /// Charged for the update's row entries, for its multiproof (indices and proof
        /// hashes) and for the largest ghost files; refunded to the parent's and version's
        /// sizes.
        #[pallet::call_index(1)]
        #[pallet::weight(Pallet::<T>::publish_update_weight(update, T::MaxGhostFileBytes::get()))]
        pub fn publish_update(
            origin: OriginFor<T>,
            parent: ModelId,
            update: ModelUpdate,
            price: u128,
            royalty: Perbill,
        ) -> DispatchResultWithPostInfo {
            let owner = ensure_signed(origin)?;
            ensure!(update.indices.len() <= T::MaxUpdateRows::get() as usize, Error::<T>::UpdateTooLarge);
            let info = Models::<T>::get(parent).ok_or(Error::<T>::UnknownModel)?;
            ensure!(info.owner == owner, Error::<T>::NotOwner);
            ensure!(info.status == ModelStatus::Active, Error::<T>::ModelRetired);
            // A superseded clone has no versions.
            ensure!(Self::holds_roots(&info), Error::<T>::CloneOfAnotherOwnersModel);
            let file = Self::verifier_of(&parent).ok_or(Error::<T>::UnknownModel)?;
            let next = Self::next_version(file.file(), &update)?;
            let (next, bytes) = Verifier::with_bytes(next).map_err(|_| Error::<T>::InvalidUpdate)?;
            let bytes: BoundedVec<u8, T::MaxGhostFileBytes> =
                bytes.try_into().map_err(|_| Error::<T>::InvalidGhostFile)?;
            let id = next.id();
            // The version's roots claim is as old as the owner's commitment to it, if any
            // (consumed like a registration's), else as this block: never as old as the
            // parent's, or a chain of updates from an old claim could walk onto anyone's roots.
            let now = frame_system::Pallet::<T>::block_number();
            let (since, held) = match Commitments::<T>::take(&owner, Self::registration_commitment(&owner, &id)) {
                Some((at, held)) => {
                    ensure!(at < now, Error::<T>::CommittedThisBlock);
                    (at, held)
                }
                None => (now, Zero::zero()),
            };
            let changed_rows = update.indices.len() as u32;
            let loaded = info.shape.file_bytes.max(bytes.len() as u32);
            Self::insert_model(owner.clone(), &next, bytes, price, royalty, Some(parent), held, since)?;
            Self::deposit_event(Event::VersionPublished { model: id, parent, owner, changed_rows });
            // Charged for the largest files before dispatch; these ones' sizes now.
            Ok(Some(Self::publish_update_weight(&update, loaded)).into())
        }

        /// Stop taking requests for `model`. Its record, ghost file and deposit stay: requests
        /// opened before may still be answered and disputed, which needs the ghost file.
        /// `reap` releases the deposit once nothing can.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::retire())]
        pub fn retire(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Models::<T>::try_mutate(model, |info| {
                let info = info.as_mut().ok_or(Error::<T>::UnknownModel)?;
                ensure!(info.owner == who, Error::<T>::NotOwner);
                ensure!(info.status == ModelStatus::Active, Error::<T>::ModelRetired);
                info.status = ModelStatus::Retired;
                Ok::<_, DispatchError>(())
            })?;
            Self::deposit_event(Event::ModelRetired { model });
            Ok(())
        }

        /// Bond `amount` native tokens (more, if already bonded) to serve `model`, and
        /// publish `endpoint`, the URL clients fetch this prover's ghost proofs from (empty:
        /// none). A bonded prover may give a zero `amount` to change only its endpoint.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::bond())]
        pub fn bond(
            origin: OriginFor<T>,
            model: ModelId,
            amount: BalanceOf<T>,
            endpoint: EndpointOf<T>,
        ) -> DispatchResult {
            let prover = ensure_signed(origin)?;
            ensure!(endpoint_is_valid(&endpoint), Error::<T>::BadEndpoint);
            let info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
            ensure!(info.status == ModelStatus::Active, Error::<T>::ModelRetired);
            ensure!(Self::holds_roots(&info), Error::<T>::CloneOfAnotherOwnersModel);
            let mut bond = Bonds::<T>::get(model, &prover).unwrap_or(BondInfo {
                amount: Zero::zero(),
                locked: Zero::zero(),
                withdrawable_at: None,
                endpoint: Default::default(),
            });
            ensure!(bond.withdrawable_at.is_none(), Error::<T>::Unbonding);
            bond.amount = bond.amount.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
            ensure!(bond.amount >= T::MinBond::get(), Error::<T>::BondTooSmall);
            if !amount.is_zero() {
                T::Currency::hold(&HoldReason::ProverBond.into(), &prover, amount)
                    .map_err(|_| Error::<T>::InsufficientFunds)?;
            }
            bond.endpoint = endpoint.clone();
            let total = bond.amount;
            Bonds::<T>::insert(model, &prover, bond);
            Self::deposit_event(Event::Bonded { model, prover, total, endpoint });
            Ok(())
        }

        /// Stop serving `model`; the bond can be withdrawn after `UnbondingDelay` blocks
        /// and stays slashable until then.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::unbond())]
        pub fn unbond(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
            let prover = ensure_signed(origin)?;
            let withdrawable_at = frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
            Bonds::<T>::try_mutate(model, &prover, |bond| {
                let bond = bond.as_mut().ok_or(Error::<T>::NotBonded)?;
                ensure!(bond.withdrawable_at.is_none(), Error::<T>::Unbonding);
                bond.withdrawable_at = Some(withdrawable_at);
                Ok::<_, DispatchError>(())
            })?;
            Self::deposit_event(Event::Unbonding { model, prover, withdrawable_at });
            Ok(())
        }

        /// Release an unbonded bond after the delay.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::withdraw())]
        pub fn withdraw(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
            let prover = ensure_signed(origin)?;
            let bond = Bonds::<T>::get(model, &prover).ok_or(Error::<T>::NotBonded)?;
            let at = bond.withdrawable_at.ok_or(Error::<T>::StillBonded)?;
            ensure!(frame_system::Pallet::<T>::block_number() >= at, Error::<T>::TooEarly);
            ensure!(bond.locked.is_zero(), Error::<T>::BondLocked);
            ensure!(!T::Exposure::exposed(&model, &prover), Error::<T>::Exposed);
            let amount =
                T::Currency::release(&HoldReason::ProverBond.into(), &prover, bond.amount, Precision::BestEffort)?;
            Bonds::<T>::remove(model, &prover);
            Self::deposit_event(Event::Withdrawn { model, prover, amount });
            Ok(())
        }

        /// Commit to registering a model: `commitment = BLAKE2b-256(SCALE(owner) ‖ model
        /// id)`. Holds `DepositBase` until `register` (where it becomes part of the model's
        /// deposit) or `cancel_commitment`.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::commit_registration())]
        pub fn commit_registration(origin: OriginFor<T>, commitment: Hash) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(!Commitments::<T>::contains_key(&who, commitment), Error::<T>::AlreadyCommitted);
            let deposit = T::DepositBase::get();
            T::Currency::hold(&HoldReason::ModelDeposit.into(), &who, deposit)
                .map_err(|_| Error::<T>::InsufficientDeposit)?;
            let now = frame_system::Pallet::<T>::block_number();
            Commitments::<T>::insert(&who, commitment, (now, deposit));
            Self::deposit_event(Event::RegistrationCommitted { who, commitment });
            Ok(())
        }

        /// Withdraw an unused registration commitment and release its deposit.
        #[pallet::call_index(7)]
        #[pallet::weight(T::WeightInfo::cancel_commitment())]
        pub fn cancel_commitment(origin: OriginFor<T>, commitment: Hash) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let (_, held) = Commitments::<T>::get(&who, commitment).ok_or(Error::<T>::NotCommitted)?;
            T::Currency::release(&HoldReason::ModelDeposit.into(), &who, held, Precision::BestEffort)?;
            Commitments::<T>::remove(&who, commitment);
            Self::deposit_event(Event::CommitmentCancelled { who, commitment });
            Ok(())
        }

        /// Delete the ghost file of a retired `model` that no prover is bonded or unbonding
        /// on any more, and release its deposit but `DepositBase`, which stays held for the
        /// record (kept for lineage and the roots claim).
        ///
        /// Sound because every open result locks a slash of its prover's bond on the model
        /// ([`ModelRegistry::lock`]), a locked bond cannot be withdrawn, and nobody can bond
        /// on a retired model: with no bond left, no result of this model is open, none can
        /// be posted, and nothing will ask for its verifier again.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::reap())]
        pub fn reap(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
            ensure!(info.owner == who, Error::<T>::NotOwner);
            ensure!(info.status == ModelStatus::Retired, Error::<T>::NotRetired);
            ensure!(Bonds::<T>::iter_key_prefix(model).next().is_none(), Error::<T>::ProversRemain);
            let keep = T::DepositBase::get().min(info.deposit);
            let released = T::Currency::release(
                &HoldReason::ModelDeposit.into(),
                &who,
                info.deposit.saturating_sub(keep),
                Precision::BestEffort,
            )?;
            info.deposit = info.deposit.saturating_sub(released);
            info.status = ModelStatus::Reaped;
            Models::<T>::insert(model, info);
            GhostFiles::<T>::remove(model);
            Self::deposit_event(Event::ModelReaped { model, released });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// The verifier of `model`: its stored ghost file, decoded but not validated or
        /// hashed again (only files that passed [`Verifier::decode`] or [`Verifier::new`]
        /// are stored, under their hash).
        pub fn verifier_of(model: &ModelId) -> Option<Verifier> {
            GhostFiles::<T>::get(model).and_then(|bytes| Verifier::registered(&bytes, *model).ok())
        }

        /// Verify `proof` (an encoded ghost proof) for `claim` on `input` against the
        /// registered `model`, bound to `prover` (`None`: an off-chain, unbound answer).
        /// What the runtime API offers clients: the same limit as a transaction
        /// (`MaxProofBytes`) and the same verifier. An unknown model is `ModelIdMismatch`.
        pub fn verify_proof(
            model: ModelId,
            prover: Option<T::AccountId>,
            input: Input,
            claim: Claim,
            proof: Vec<u8>,
        ) -> Result<(), ghost_primitives::Error> {
            let max = T::MaxProofBytes::get();
            if proof.len() > max as usize {
                return Err(ghost_primitives::Error::ProofTooLarge {
                    len: ghost_primitives::limits::len_u32(proof.len()),
                    max,
                });
            }
            let verifier = Self::verifier_of(&model).ok_or(ghost_primitives::Error::ModelIdMismatch)?;
            let binding = prover.map(|p| p.encode()).unwrap_or_default();
            verifier.verify(&binding, &input, &claim, &proof).map(drop)
        }

        /// A model's record and its ghost file's bytes (`None` once reaped: the record alone
        /// stays in `Models`).
        pub fn model_and_file(model: ModelId) -> Option<(ModelInfoOf<T>, Vec<u8>)> {
            Some((Models::<T>::get(model)?, GhostFiles::<T>::get(model)?.into_inner()))
        }

        /// Row entries an update carries (old and new rows): what verifying it hashes.
        pub fn update_entries(update: &ModelUpdate) -> u32 {
            let entries: usize =
                update.old_rows.iter().chain(&update.new_rows).map(|r| r.key.len() + r.value.len()).sum();
            u32::try_from(entries).unwrap_or(u32::MAX)
        }

        /// Indices and proof hashes an update carries: the nodes its multiproof walks hash
        /// (`indices + proof - 1` inner nodes each, as [`Self::next_version`] admits only a
        /// proof of exactly the hashes the indices need).
        pub fn update_nodes(update: &ModelUpdate) -> u32 {
            u32::try_from(update.indices.len().saturating_add(update.proof.len())).unwrap_or(u32::MAX)
        }

        /// The weight of `publish_update(update)` where parent and version are at most
        /// `file_bytes` each: its row entries, its multiproof, and twice a ghost file's
        /// load (reading and decoding the parent; copying, validating, encoding and
        /// hashing the version).
        pub fn publish_update_weight(update: &ModelUpdate, file_bytes: u32) -> Weight {
            T::WeightInfo::publish_update(Self::update_entries(update))
                .saturating_add(T::WeightInfo::verify_update(Self::update_nodes(update)))
                .saturating_add(T::WeightInfo::load_ghost_file(file_bytes).saturating_mul(2))
        }

        /// The leaves of the tree `update` changes in `file`, if it names one.
        fn updated_tree_leaves(file: &GhostFile, update: &ModelUpdate) -> Option<u32> {
            use ghost_primitives::TreeKind;
            match (file.layers.get(update.layer as usize)?, update.tree) {
                (LayerSpec::Embedding(e), TreeKind::Patterns) => Some(e.rows),
                (LayerSpec::Lookup(l), TreeKind::Patterns) => Some(l.rows()),
                (LayerSpec::Lookup(l), TreeKind::Centroids) => Some(l.lists()),
                (LayerSpec::Embedding(_), TreeKind::Centroids) => None,
            }
        }

        /// The version of `parent` that `update` yields, verified. Before hashing anything,
        /// the proof must hold exactly the hashes its indices need in the parent's tree
        /// ([`multiproof_hashes`], a walk of at most `indices + proof` steps a level): a
        /// short proof would otherwise have its missing hashes walked and counted, up to 26
        /// per index, beyond what the call is charged for.
        pub fn next_version(parent: &GhostFile, update: &ModelUpdate) -> Result<GhostFile, Error<T>> {
            let leaves = Self::updated_tree_leaves(parent, update).ok_or(Error::<T>::InvalidUpdate)?;
            let needed = multiproof_hashes(&update.indices, leaves, update.proof.len());
            ensure!(needed == Some(update.proof.len()), Error::<T>::InvalidUpdate);
            parent.apply_update(update).map_err(|_| Error::<T>::InvalidUpdate)
        }

        /// The largest encoding a version of `file` (encoded in `bytes`) can have: a version
        /// changes a root (same size), always names a parent and may declare a training-data
        /// hash, so it is at most the worst-case encoding of those two fields larger.
        pub fn largest_version_bytes(file: &GhostFile, bytes: u32) -> Option<u32> {
            let lineage = file.parent.encoded_size().checked_add(file.training_data.encoded_size())?;
            let room = <Option<Hash> as MaxEncodedLen>::max_encoded_len().checked_mul(2)?.checked_sub(lineage)?;
            bytes.checked_add(u32::try_from(room).ok()?)
        }

        /// The largest ghost file stored: `MaxGhostFileBytes`, and what the primitives decode.
        pub fn max_file_bytes() -> u32 {
            T::MaxGhostFileBytes::get()
                .min(ghost_primitives::limits::len_u32(ghost_primitives::limits::MAX_GHOST_FILE_BYTES))
        }

        /// Whether `info`'s owner holds its roots claim (else the model is a superseded
        /// clone: no requests, bonds or versions).
        pub fn holds_roots(info: &ModelInfoOf<T>) -> bool {
            RootsOwner::<T>::get(info.roots).is_some_and(|claim| claim.owner == info.owner)
        }

        /// Claim `roots` for `owner` with a commitment of block `since`: free roots are
        /// claimed, the owner's own claim keeps the older block, another owner's claim is
        /// taken over only by an older commitment (roots copied from the pool are always
        /// committed to after their owner's commitment), and otherwise refused.
        fn claim_roots(roots: Hash, owner: &T::AccountId, since: BlockNumberFor<T>) -> Result<(), Error<T>> {
            match RootsOwner::<T>::get(roots) {
                Some(claim) if claim.owner == *owner && claim.since <= since => {}
                Some(claim) if claim.owner == *owner => {
                    RootsOwner::<T>::insert(roots, RootsClaim { owner: owner.clone(), since });
                }
                Some(claim) if since < claim.since => {
                    RootsOwner::<T>::insert(roots, RootsClaim { owner: owner.clone(), since });
                    Self::deposit_event(Event::CloneSuperseded { roots, previous: claim.owner, owner: owner.clone() });
                }
                Some(_) => return Err(Error::<T>::CloneOfAnotherOwnersModel),
                None => RootsOwner::<T>::insert(roots, RootsClaim { owner: owner.clone(), since }),
            }
            Ok(())
        }

        /// The registration commitment of `owner` to `model`.
        pub fn registration_commitment(owner: &T::AccountId, model: &ModelId) -> Hash {
            ghost_primitives::commitment::registration(owner, model)
        }

        /// The shape of `file`, if the chain can serve it: every honest proof fits the
        /// chain's proof limit, and its verification the chain's work limits.
        pub fn admissible_shape(file: &GhostFile) -> Result<ModelShape, Error<T>> {
            let shape = file.shape().ok_or(Error::<T>::InvalidGhostFile)?;
            ensure!(shape.proof.bytes <= u64::from(T::MaxProofBytes::get()), Error::<T>::ProofTooLarge);
            ensure!(
                shape.proof.compressions <= T::MaxProofCompressions::get()
                    && shape.proof.products <= T::MaxProofProducts::get(),
                Error::<T>::VerificationTooHeavy
            );
            Ok(shape)
        }

        /// Store a model whose bytes are `file`'s, holding its deposit from `owner` (less
        /// `already_held`, a commitment's deposit that becomes part of it), and claim its
        /// roots with a commitment of block `since`.
        #[allow(clippy::too_many_arguments)]
        fn insert_model(
            owner: T::AccountId,
            verifier: &Verifier,
            bytes: BoundedVec<u8, T::MaxGhostFileBytes>,
            price: u128,
            royalty: Perbill,
            parent: Option<ModelId>,
            already_held: BalanceOf<T>,
            since: BlockNumberFor<T>,
        ) -> DispatchResult {
            let (file, id) = (verifier.file(), verifier.id());
            let shape = Self::admissible_shape(file)?;
            // Every version of it must fit too (versions only grow by their lineage fields).
            let largest = Self::largest_version_bytes(file, shape.file_bytes).ok_or(Error::<T>::NoRoomForVersions)?;
            ensure!(largest <= Self::max_file_bytes(), Error::<T>::NoRoomForVersions);
            ensure!(!Models::<T>::contains_key(id), Error::<T>::AlreadyRegistered);
            let roots = roots_digest(file);
            Self::claim_roots(roots, &owner, since)?;
            let per_byte: BalanceOf<T> = T::DepositPerByte::get().saturating_mul((bytes.len() as u32).into());
            let deposit = T::DepositBase::get().checked_add(&per_byte).ok_or(Error::<T>::Overflow)?;
            let to_hold = deposit.saturating_sub(already_held);
            T::Currency::hold(&HoldReason::ModelDeposit.into(), &owner, to_hold)
                .map_err(|_| Error::<T>::InsufficientDeposit)?;
            let info = ModelInfo {
                owner: owner.clone(),
                price,
                royalty,
                deposit,
                status: ModelStatus::Active,
                parent,
                training_data: file.training_data,
                registered_at: frame_system::Pallet::<T>::block_number(),
                shape,
                roots,
            };
            Models::<T>::insert(id, info);
            GhostFiles::<T>::insert(id, bytes);
            Self::deposit_event(Event::ModelRegistered { model: id, owner, price, royalty, deposit });
            Ok(())
        }

        /// Take up to `amount` of `prover`'s bond on `model` by `take` (which moves or burns
        /// held tokens and returns how many), from the locked part first; a bond taken to
        /// zero is removed. `None` when there is no bond (nothing taken, no event).
        fn take_bond(
            model: &ModelId,
            prover: &T::AccountId,
            amount: BalanceOf<T>,
            take: impl FnOnce(BalanceOf<T>) -> Result<BalanceOf<T>, DispatchError>,
        ) -> Option<BalanceOf<T>> {
            let mut bond = Bonds::<T>::get(model, prover)?;
            let taken = take(amount.min(bond.amount)).unwrap_or_else(|_| Zero::zero());
            bond.amount = bond.amount.saturating_sub(taken);
            bond.locked = bond.locked.saturating_sub(taken).min(bond.amount);
            if bond.amount.is_zero() {
                Bonds::<T>::remove(model, prover);
            } else {
                Bonds::<T>::insert(model, prover, bond);
            }
            Some(taken)
        }

        /// The chain of versions ending at `model`, newest first (at most `limit` long).
        pub fn lineage(model: ModelId, limit: u32) -> Vec<ModelId> {
            let mut out = Vec::new();
            let mut next = Some(model);
            while let Some(id) = next {
                if out.len() >= limit as usize || !Models::<T>::contains_key(id) {
                    break;
                }
                out.push(id);
                next = Models::<T>::get(id).and_then(|m| m.parent);
            }
            out
        }
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    impl<T: Config> Pallet<T> {
        /// Every model not reaped has its ghost file, hashing to its id, whose roots digest
        /// is the record's; a reaped model has none, and no file is stored without a model.
        /// Every model's roots are claimed, every claim is held by an owner of a model with
        /// those roots, no younger than that model. Held deposits (models and commitments)
        /// and bonds equal the records; no bond locks more than it holds.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
            use frame_support::traits::fungible::InspectHold;
            let mut held: BTreeMap<T::AccountId, (BalanceOf<T>, BalanceOf<T>)> = BTreeMap::new();
            let mut stored = 0usize;
            let mut claimants: BTreeSet<(Hash, T::AccountId)> = BTreeSet::new();
            for (id, info) in Models::<T>::iter() {
                match GhostFiles::<T>::get(id) {
                    Some(bytes) => {
                        ensure!(info.status != ModelStatus::Reaped, "reaped model with a ghost file");
                        ensure!(ghost_primitives::blake2_256(&bytes) == id, "ghost file does not hash to its id");
                        let file = Verifier::registered(&bytes, id).map_err(|_| "stored ghost file does not decode")?;
                        ensure!(roots_digest(file.file()) == info.roots, "roots digest differs from the file's");
                        stored += 1;
                    }
                    None => ensure!(info.status == ModelStatus::Reaped, "model without ghost file"),
                }
                let claim = RootsOwner::<T>::get(info.roots).ok_or("model roots without a claim")?;
                if claim.owner == info.owner {
                    ensure!(claim.since <= info.registered_at, "roots claim younger than a model holding it");
                    claimants.insert((info.roots, info.owner.clone()));
                }
                let entry = held.entry(info.owner).or_insert((Zero::zero(), Zero::zero()));
                entry.0 = entry.0.saturating_add(info.deposit);
            }
            ensure!(GhostFiles::<T>::iter_keys().count() == stored, "orphan ghost file");
            for (roots, claim) in RootsOwner::<T>::iter() {
                ensure!(claimants.contains(&(roots, claim.owner)), "roots claim without a model of its owner");
            }
            for (who, _, (_, deposit)) in Commitments::<T>::iter() {
                let entry = held.entry(who).or_insert((Zero::zero(), Zero::zero()));
                entry.0 = entry.0.saturating_add(deposit);
            }
            for (_, prover, bond) in Bonds::<T>::iter() {
                ensure!(bond.locked <= bond.amount, "a bond locks more than it holds");
                let entry = held.entry(prover).or_insert((Zero::zero(), Zero::zero()));
                entry.1 = entry.1.saturating_add(bond.amount);
            }
            for (who, (deposits, bonds)) in held {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), &who) == deposits,
                    "held deposits differ from the records"
                );
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::ProverBond.into(), &who) == bonds,
                    "held bonds differ from the records"
                );
            }
            Ok(())
        }
    }

    impl<T: Config> ModelRegistry<T::AccountId> for Pallet<T> {
        type Balance = BalanceOf<T>;
        type MaxProofBytes = T::MaxProofBytes;

        fn terms(model: &ModelId) -> Option<ModelTerms<T::AccountId>> {
            Models::<T>::get(model).map(|m| ModelTerms {
                active: m.status == ModelStatus::Active && Self::holds_roots(&m),
                owner: m.owner,
                price: m.price,
                royalty: m.royalty,
                shape: m.shape,
            })
        }

        fn verifier(model: &ModelId) -> Option<Verifier> {
            Self::verifier_of(model)
        }

        fn is_bonded(model: &ModelId, prover: &T::AccountId) -> bool {
            Bonds::<T>::get(model, prover).is_some_and(|b| b.withdrawable_at.is_none() && b.amount >= T::MinBond::get())
        }

        fn lock(model: &ModelId, prover: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
            Bonds::<T>::try_mutate(model, prover, |bond| {
                let bond = bond.as_mut().ok_or(Error::<T>::NotBonded)?;
                ensure!(bond.withdrawable_at.is_none(), Error::<T>::Unbonding);
                let locked = bond.locked.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
                ensure!(locked <= bond.amount, Error::<T>::BondExhausted);
                bond.locked = locked;
                Ok(())
            })
        }

        fn unlock(model: &ModelId, prover: &T::AccountId, amount: BalanceOf<T>) {
            Bonds::<T>::mutate(model, prover, |bond| {
                if let Some(bond) = bond {
                    bond.locked = bond.locked.saturating_sub(amount);
                }
            });
        }

        fn lock_free_part(model: &ModelId, prover: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
            Bonds::<T>::mutate(model, prover, |bond| match bond {
                Some(bond) => {
                    let taken = amount.min(bond.amount.saturating_sub(bond.locked));
                    bond.locked = bond.locked.saturating_add(taken);
                    taken
                }
                None => Zero::zero(),
            })
        }

        fn proof_limits() -> ProofBound {
            ProofBound {
                bytes: T::MaxProofBytes::get().into(),
                compressions: T::MaxProofCompressions::get(),
                products: T::MaxProofProducts::get(),
            }
        }

        fn max_ghost_file_bytes() -> u32 {
            T::MaxGhostFileBytes::get()
        }

        fn load_ghost_file_weight(bytes: u32) -> Weight {
            T::WeightInfo::load_ghost_file(bytes)
        }

        fn slash(model: &ModelId, prover: &T::AccountId, amount: BalanceOf<T>, to: &T::AccountId) -> BalanceOf<T> {
            let moved = Self::take_bond(model, prover, amount, |amount| {
                T::Currency::transfer_on_hold(
                    &HoldReason::ProverBond.into(),
                    prover,
                    to,
                    amount,
                    Precision::BestEffort,
                    Restriction::Free,
                    Fortitude::Force,
                )
            });
            if let Some(amount) = moved {
                Self::deposit_event(Event::Slashed { model: *model, prover: prover.clone(), amount, to: to.clone() });
            }
            moved.unwrap_or_else(Zero::zero)
        }

        fn burn(model: &ModelId, prover: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
            let burned = Self::take_bond(model, prover, amount, |amount| {
                T::Currency::burn_held(
                    &HoldReason::ProverBond.into(),
                    prover,
                    amount,
                    Precision::BestEffort,
                    Fortitude::Force,
                )
            });
            if let Some(amount) = burned {
                Self::deposit_event(Event::Burned { model: *model, prover: prover.clone(), amount });
            }
            burned.unwrap_or_else(Zero::zero)
        }

        #[cfg(feature = "runtime-benchmarks")]
        fn register_for_benchmark(owner: &T::AccountId, file: &GhostFile, price: u128, prover: &T::AccountId) {
            use frame_support::traits::fungible::Mutate;
            let plenty = T::MinBond::get()
                .saturating_mul(1000u32.into())
                .saturating_add(T::DepositPerByte::get().saturating_mul(T::MaxGhostFileBytes::get().into()))
                .saturating_add(T::DepositBase::get());
            let _ = T::Currency::mint_into(owner, plenty);
            let _ = T::Currency::mint_into(prover, plenty);
            // Benchmark set-up only: a failure is a broken benchmark, reported loudly.
            let (verifier, bytes) = Verifier::with_bytes(file.clone()).expect("benchmark model is valid");
            let bytes: BoundedVec<u8, T::MaxGhostFileBytes> = bytes.try_into().expect("benchmark model fits");
            let now = frame_system::Pallet::<T>::block_number();
            Self::insert_model(
                owner.clone(),
                &verifier,
                bytes,
                price,
                Perbill::from_percent(10),
                None,
                Zero::zero(),
                now,
            )
            .expect("benchmark model registers");
            // Enough bond to back a full deadline queue of open results.
            let amount = T::MinBond::get().saturating_mul(500u32.into());
            let _ = T::Currency::hold(&HoldReason::ProverBond.into(), prover, amount);
            let endpoint = alloc::vec![b'h'; T::MaxEndpointBytes::get() as usize].try_into().unwrap_or_default();
            Bonds::<T>::insert(
                file.id(),
                prover,
                BondInfo { amount, locked: Zero::zero(), withdrawable_at: None, endpoint },
            );
        }
    }
}
