//! # Inference
//!
//! Paid, verified, disputable inference requests. A client escrows the model's price in
//! credit (and holds a native request deposit); a bonded prover posts the output, the
//! per-layer commitment links bound to its account, **and the ghost proof**. The pallet
//! verifies the proof before it accepts the result, and locks behind it a slash that grows
//! with the price. The client accepts, or anyone settles the request once its deadline has
//! passed.
//!
//! ## The dispute game
//!
//! A posted result has been verified, so the one thing left to dispute is retrieval: that
//! the prover used the rows its proof opens rather than the best ones. An **exclusion fraud
//! proof** shows a row (or a list) the prover left out that outranks one it used. It is
//! reported in two steps, so that a report seen in the transaction pool cannot be copied:
//! [`commit`](Pallet::commit) to `H(SCALE(who) ‖ id ‖ salt ‖ fraud)` holding `ReportBond`,
//! then, in a later block and before the deadline, [`report_exclusion`](Pallet::report_exclusion)
//! reveals it. Anyone may commit any number of times: no commitment blocks another.
//!
//! * The first valid reveal convicts. The prover loses what the result locked: the
//!   reporter gets its bond back and `ReportReward` (a reimbursement of its two
//!   transactions, not a prize, so a liar reporting itself through a sybil recovers
//!   nothing), the client its price and `ClientShare` of the rest, and the remainder is
//!   burned.
//! * A reveal whose fraud proof does not convict burns the reporter's bond.
//! * Every other commitment is reclaimed by its owner with [`reclaim`](Pallet::reclaim) once
//!   the request has closed or its deadline has passed.
//!
//! Settlement is lazy: nothing is queued. After the deadline, [`settle`](Pallet::settle)
//! by anyone pays an unchallenged result (its prover settles to be paid) or refunds a
//! request nobody answered (its client settles to be refunded). No resource is shared
//! between requests, so no account can make another's request fail. The state machine,
//! costs and risks are in `docs/protocol.md` §8; the attacks and their tests in
//! `docs/threat-model.md`.
//!
//! ## Dispatchable functions
//!
//! * [`request`](Pallet::request) — origin: signed (the client). Escrows the price, holds
//!   `RequestDeposit`. Errors: [`Error::UnknownModel`], [`Error::ModelRetired`],
//!   [`Error::PriceAboveLimit`], [`Error::BadInput`], [`Error::InsufficientDeposit`],
//!   credit errors. Event: [`Event::Requested`].
//! * [`submit_result`](Pallet::submit_result) — origin: a prover bonded on the model.
//!   Verifies the ghost proof bound to the prover's account, then locks the slash of the
//!   price from its bond. Errors: [`Error::UnknownRequest`], [`Error::NotBonded`],
//!   [`Error::WrongPhase`], [`Error::DeadlinePassed`], [`Error::WrongLinkCount`],
//!   [`Error::WrongOutputWidth`], [`Error::ProofRejected`], registry bond errors. Event:
//!   [`Event::ResultSubmitted`].
//! * [`accept`](Pallet::accept) — origin: the client. Pays now, giving up disputes. Errors:
//!   [`Error::UnknownRequest`], [`Error::NotClient`], [`Error::WrongPhase`]. Event:
//!   [`Event::Settled`].
//! * [`settle`](Pallet::settle) — origin: signed (anyone). Closes a request whose deadline
//!   has passed. Errors: [`Error::UnknownRequest`], [`Error::DeadlineNotReached`]. Event:
//!   [`Event::Settled`] or [`Event::Expired`].
//! * [`commit`](Pallet::commit) — origin: signed (anyone but the request's prover). Holds
//!   `ReportBond`. Errors: [`Error::UnknownRequest`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::OwnResult`], [`Error::AlreadyCommitted`],
//!   [`Error::InsufficientBond`]. Event: [`Event::Committed`].
//! * [`report_exclusion`](Pallet::report_exclusion) — origin: a committer. Reveals an
//!   exclusion fraud proof. Errors: [`Error::UnknownRequest`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::NotCommitted`], [`Error::CommittedThisBlock`].
//!   Event: [`Event::ProverConvicted`] or [`Event::ReportRejected`].
//! * [`reclaim`](Pallet::reclaim) — origin: a committer. Releases the bond of a commitment
//!   never revealed, once its request has closed or its deadline passed. Errors:
//!   [`Error::NotCommitted`], [`Error::RequestOpen`]. Event: [`Event::Reclaimed`].
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

use polkadot_sdk::{frame_support, frame_system, sp_runtime};

/// Request ids.
pub type RequestId = u64;

/// The purse of the credit escrow that holds open requests' prices.
pub const PURSE: pallet_mutual_credit::Purse = *b"gh/reqst";

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use alloc::vec::Vec;
    use frame_support::{
        pallet_prelude::*,
        storage::with_storage_layer,
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::{Fortitude, Precision},
        },
    };
    use frame_system::pallet_prelude::*;
    use ghost_primitives::{commitment::Salt, decode_fraud, Claim, Evidence, GhostProof, Hash, Input, ModelId};
    use pallet_ghost_registry::ModelRegistry;
    use pallet_mutual_credit::CreditLedger;
    use sp_runtime::{
        traits::{Saturating, UniqueSaturatedFrom, Zero},
        DispatchErrorWithPostInfo, Perbill,
    };

    /// The native balance of the inference pallet's currency.
    pub type BalanceOf<T> = <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
    /// The bound of a posted ghost proof: the registry's, which admits no model whose
    /// proofs are larger.
    pub type MaxProofBytesOf<T> =
        <<T as Config>::Registry as ModelRegistry<<T as frame_system::Config>::AccountId>>::MaxProofBytes;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The native currency: request deposits and report bonds are holds on it,
        /// slashes are paid in it.
        type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Models, bonds and slashing.
        type Registry: ModelRegistry<Self::AccountId, Balance = BalanceOf<Self>>;
        /// Credit escrow and payment.
        type Credit: CreditLedger<Self::AccountId>;
        /// Blocks a prover has to post a result.
        #[pallet::constant]
        type ResultWindow: Get<BlockNumberFor<Self>>;
        /// Blocks after a result during which it may be reported: what a watcher needs to
        /// get a commitment and its reveal included against a censor (see the protocol).
        #[pallet::constant]
        type ChallengeWindow: Get<BlockNumberFor<Self>>;
        /// Native deposit a client holds per open request, returned when it closes.
        #[pallet::constant]
        type RequestDeposit: Get<BalanceOf<Self>>;
        /// Bond held per report commitment: returned by a conviction or a reclaim, burned
        /// by a reveal that fails to convict.
        #[pallet::constant]
        type ReportBond: Get<BalanceOf<Self>>;
        /// The least a result locks (and a conviction takes), whatever the price.
        #[pallet::constant]
        type MinSlash: Get<BalanceOf<Self>>;
        /// Native slash per credit unit of the price: a result locks
        /// `max(MinSlash, SlashPerCredit × price)`, so that a lie caught with probability
        /// `p` costs more than it earns once `p × SlashPerCredit` exceeds a credit's worth.
        #[pallet::constant]
        type SlashPerCredit: Get<BalanceOf<Self>>;
        /// What the reporter of a conviction is paid from the slash: at most the fees of a
        /// commitment and its reveal, so reporting oneself never pays.
        #[pallet::constant]
        type ReportReward: Get<BalanceOf<Self>>;
        /// The client's share of a slash after the reward; the rest is burned.
        #[pallet::constant]
        type ClientShare: Get<Perbill>;
        /// Longest input vector.
        #[pallet::constant]
        type MaxInputLen: Get<u32>;
        /// Longest output vector.
        #[pallet::constant]
        type MaxOutputLen: Get<u32>;
        /// Most layers (links) of a claim.
        #[pallet::constant]
        type MaxLayers: Get<u32>;
        /// Largest exclusion fraud proof.
        #[pallet::constant]
        type MaxFraudProofBytes: Get<u32>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// Why native tokens are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A reporter's bond, from its commitment on.
        ReportBond,
        /// A client's deposit for an open request.
        RequestDeposit,
    }

    /// A request's input, bounded.
    #[derive(
        CloneNoBound,
        PartialEqNoBound,
        EqNoBound,
        DebugNoBound,
        Encode,
        Decode,
        DecodeWithMemTracking,
        TypeInfo,
        MaxEncodedLen,
    )]
    #[scale_info(skip_type_params(T))]
    #[codec(mel_bound(T: Config))]
    pub enum BoundedInput<T: Config> {
        /// A token id.
        Token(u32),
        /// A Q14 vector.
        Vector(BoundedVec<i16, T::MaxInputLen>),
    }

    impl<T: Config> BoundedInput<T> {
        /// The primitives' form.
        pub fn to_input(&self) -> Input {
            match self {
                BoundedInput::Token(t) => Input::Token(*t),
                BoundedInput::Vector(v) => Input::Vector(v.to_vec()),
            }
        }

        /// The bounded form of `input`, if its vector fits `MaxInputLen`.
        pub fn bound(input: Input) -> Option<Self> {
            Some(match input {
                Input::Token(t) => BoundedInput::Token(t),
                Input::Vector(v) => BoundedInput::Vector(v.try_into().ok()?),
            })
        }

        /// Entries the input check walks (a token is one).
        pub fn entries(&self) -> u32 {
            match self {
                BoundedInput::Token(_) => 1,
                BoundedInput::Vector(v) => v.len() as u32,
            }
        }
    }

    /// Where a request is.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
    pub enum Phase {
        /// Waiting for a result until the deadline.
        Pending,
        /// A verified result is posted; reportable until the deadline.
        Answered,
    }

    /// A prover's posted, verified result.
    #[derive(
        CloneNoBound,
        PartialEqNoBound,
        EqNoBound,
        DebugNoBound,
        Encode,
        Decode,
        DecodeWithMemTracking,
        TypeInfo,
        MaxEncodedLen,
    )]
    #[scale_info(skip_type_params(T))]
    #[codec(mel_bound(T: Config))]
    pub struct PostedResult<T: Config> {
        /// Who answered (its account is bound into the links' seed).
        pub prover: T::AccountId,
        /// The output (Q14).
        pub output: BoundedVec<i16, T::MaxOutputLen>,
        /// One commitment link per layer.
        pub links: BoundedVec<Hash, T::MaxLayers>,
        /// Part of the prover's bond locked behind this result: what a conviction takes.
        pub locked: BalanceOf<T>,
    }

    /// An open request.
    #[derive(
        CloneNoBound,
        PartialEqNoBound,
        EqNoBound,
        DebugNoBound,
        Encode,
        Decode,
        DecodeWithMemTracking,
        TypeInfo,
        MaxEncodedLen,
    )]
    #[scale_info(skip_type_params(T))]
    #[codec(mel_bound(T: Config))]
    pub struct Request<T: Config> {
        /// Who pays.
        pub client: T::AccountId,
        /// Which model.
        pub model: ModelId,
        /// The input.
        pub input: BoundedInput<T>,
        /// Credit in escrow for it.
        pub price: u128,
        /// Native deposit held from the client until the request closes.
        pub deposit: BalanceOf<T>,
        /// Where it is.
        pub phase: Phase,
        /// The result, once posted.
        pub result: Option<PostedResult<T>>,
        /// The last block of the current phase; `settle` closes the request after it.
        pub deadline: BlockNumberFor<T>,
    }

    /// What a conviction took from a prover's bond, and where it went.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Penalty<Balance> {
        /// Taken in all.
        pub slashed: Balance,
        /// Of it, paid to the reporter.
        pub reward: Balance,
        /// Of it, paid to the client.
        pub compensation: Balance,
        /// Of it, burned.
        pub burned: Balance,
    }

    /// A report committed to and not yet revealed.
    #[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
    pub struct Commitment<Balance, BlockNumber> {
        /// Block of the commitment: the reveal must come in a later one.
        pub at: BlockNumber,
        /// The report bond held for it.
        pub bond: Balance,
    }

    /// The next request id.
    #[pallet::storage]
    pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

    /// Open requests.
    #[pallet::storage]
    pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, Request<T>>;

    /// Report commitments by request, committer and digest
    /// (`H(SCALE(who) ‖ id ‖ salt ‖ fraud)`): any number per account, none in another's way.
    #[pallet::storage]
    pub type Commitments<T: Config> = StorageNMap<
        _,
        (NMapKey<Twox64Concat, RequestId>, NMapKey<Blake2_128Concat, T::AccountId>, NMapKey<Identity, Hash>),
        Commitment<BalanceOf<T>, BlockNumberFor<T>>,
    >;

    /// Why a prover was convicted.
    #[derive(Clone, Copy, Encode, Decode, DecodeWithMemTracking, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub enum Conviction {
        /// A row it left out outranks one it used.
        ExcludedRow,
        /// A list it did not probe outranks one it did.
        ExcludedList,
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A client requested an inference and escrowed its price.
        Requested {
            /// The request.
            id: RequestId,
            /// The client who asked and paid.
            client: T::AccountId,
            /// The model id.
            model: ModelId,
            /// Credit escrowed for the answer.
            price: u128,
            /// The last block a result can be posted in.
            deadline: BlockNumberFor<T>,
        },
        /// A prover posted a result and its ghost proof verified (the proof is the
        /// `submit_result` call that emitted this event).
        ResultSubmitted {
            /// The request.
            id: RequestId,
            /// The prover.
            prover: T::AccountId,
            /// The output posted.
            output: Vec<i16>,
            /// Bond locked behind the result: what a conviction takes.
            locked: BalanceOf<T>,
            /// The last block the result can be reported in.
            challenge_until: BlockNumberFor<T>,
        },
        /// The prover was paid and the owner's royalty too; the request is closed.
        Settled {
            /// The request.
            id: RequestId,
            /// The prover.
            prover: T::AccountId,
            /// The prover's share of the price.
            fee: u128,
            /// The owner's share of the price.
            royalty: u128,
        },
        /// No result came in time; the client was refunded.
        Expired {
            /// The request.
            id: RequestId,
            /// Credit returned to the client.
            refund: u128,
        },
        /// Someone committed to a report on a result.
        Committed {
            /// The request.
            id: RequestId,
            /// Who committed.
            who: T::AccountId,
            /// The salted digest it committed to.
            digest: Hash,
        },
        /// A revealed fraud proof did not convict (`reason` says why); the reporter's bond
        /// was burned.
        ReportRejected {
            /// The request.
            id: RequestId,
            /// Who reported.
            reporter: T::AccountId,
            /// The bond burned.
            burned: BalanceOf<T>,
            /// Why the evidence failed.
            reason: ghost_primitives::Error,
        },
        /// The prover was convicted: its locked bond slashed, the client refunded.
        ProverConvicted {
            /// The request.
            id: RequestId,
            /// The prover.
            prover: T::AccountId,
            /// Who reported it.
            reporter: T::AccountId,
            /// What convicted it.
            reason: Conviction,
            /// Bond taken from the prover in all.
            slashed: BalanceOf<T>,
            /// Of it, paid to the reporter.
            reward: BalanceOf<T>,
            /// Of it, paid to the client.
            compensation: BalanceOf<T>,
            /// Of it, burned.
            burned: BalanceOf<T>,
            /// Credit returned to the client.
            refund: u128,
        },
        /// A commitment never revealed was withdrawn.
        Reclaimed {
            /// The request.
            id: RequestId,
            /// Whose commitment.
            who: T::AccountId,
            /// Its digest.
            digest: Hash,
            /// The bond returned.
            bond: BalanceOf<T>,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// No model has this id.
        UnknownModel,
        /// The model is retired: request a current version.
        ModelRetired,
        /// The model's price is above the `max_price` given.
        PriceAboveLimit,
        /// The input does not fit the model: a token where a vector is expected (or the
        /// reverse), a vector of the wrong width, or a token out of range.
        BadInput,
        /// Not enough free native balance for the request deposit.
        InsufficientDeposit,
        /// No open request has this id (it may be settled already).
        UnknownRequest,
        /// Only provers bonded on the model may post results.
        NotBonded,
        /// Only the client may do this.
        NotClient,
        /// The request is not in the phase this call needs.
        WrongPhase,
        /// The deadline of the request's phase has passed.
        DeadlinePassed,
        /// The deadline has not passed yet: accept, report or wait.
        DeadlineNotReached,
        /// Not enough free balance for the report bond.
        InsufficientBond,
        /// The ghost proof does not prove the result for this prover: nothing was posted.
        ProofRejected,
        /// The result has as many links as the model has layers: one per layer.
        WrongLinkCount,
        /// The output is as wide as the model's last layer.
        WrongOutputWidth,
        /// This account has committed to this digest on this request already.
        AlreadyCommitted,
        /// No commitment of this account on this request matches the revealed report:
        /// `commit` its digest first.
        NotCommitted,
        /// The commitment was made in this block: reveal it in a later one.
        CommittedThisBlock,
        /// The request is still open and its deadline not passed: reveal the commitment, or
        /// reclaim it later.
        RequestOpen,
        /// A prover cannot report its own result.
        OwnResult,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Ask `model` for the answer to `input`, paying at most `max_price` credit.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::request(input.entries()))]
        pub fn request(
            origin: OriginFor<T>,
            model: ModelId,
            input: BoundedInput<T>,
            max_price: u128,
        ) -> DispatchResult {
            let client = ensure_signed(origin)?;
            let terms = T::Registry::terms(&model).ok_or(Error::<T>::UnknownModel)?;
            ensure!(terms.active, Error::<T>::ModelRetired);
            ensure!(terms.price <= max_price, Error::<T>::PriceAboveLimit);
            terms.shape.input.check(&input.to_input()).map_err(|_| Error::<T>::BadInput)?;
            let deposit = T::RequestDeposit::get();
            T::Currency::hold(&HoldReason::RequestDeposit.into(), &client, deposit)
                .map_err(|_| Error::<T>::InsufficientDeposit)?;
            T::Credit::escrow(PURSE, &client, terms.price)?;
            let id = NextRequestId::<T>::mutate(|n| {
                let id = *n;
                *n = n.saturating_add(1);
                id
            });
            let deadline = Self::now().saturating_add(T::ResultWindow::get());
            let request = Request {
                client: client.clone(),
                model,
                input,
                price: terms.price,
                deposit,
                phase: Phase::Pending,
                result: None,
                deadline,
            };
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::Requested { id, client, model, price: terms.price, deadline });
            Ok(())
        }

        /// Post the answer to request `id`: the output, one commitment link per layer
        /// chained from the seed bound to the prover's account, and the encoded ghost proof
        /// that opens them. Charged for the heaviest proof any admitted model has; the
        /// difference to this proof's verification is refunded, and a refusal before the
        /// proof is read pays for the checks alone.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::submit_result(output.len() as u32, links.len() as u32)
            .saturating_add(Pallet::<T>::verify_weight(None)))]
        pub fn submit_result(
            origin: OriginFor<T>,
            id: RequestId,
            output: BoundedVec<i16, T::MaxOutputLen>,
            links: BoundedVec<Hash, T::MaxLayers>,
            proof: BoundedVec<u8, MaxProofBytesOf<T>>,
        ) -> DispatchResultWithPostInfo {
            let prover = ensure_signed(origin)?;
            // A refusal before the proof is looked at (a prover that lost the race for the
            // request, say) pays for these checks only.
            let own = T::WeightInfo::submit_result(output.len() as u32, links.len() as u32);
            let cheap = |e: Error<T>| DispatchErrorWithPostInfo { post_info: Some(own).into(), error: e.into() };
            let mut request = Requests::<T>::get(id).ok_or(cheap(Error::<T>::UnknownRequest))?;
            ensure!(request.phase == Phase::Pending, cheap(Error::<T>::WrongPhase));
            ensure!(Self::now() <= request.deadline, cheap(Error::<T>::DeadlinePassed));
            ensure!(T::Registry::is_bonded(&request.model, &prover), cheap(Error::<T>::NotBonded));
            let terms = T::Registry::terms(&request.model).ok_or(cheap(Error::<T>::UnknownModel))?;
            ensure!(links.len() as u32 == terms.shape.layers, cheap(Error::<T>::WrongLinkCount));
            ensure!(output.len() as u32 == terms.shape.output_dim, cheap(Error::<T>::WrongOutputWidth));
            let verifier = T::Registry::verifier(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let decoded = GhostProof::decode(&proof, verifier.file()).map_err(|_| Error::<T>::ProofRejected)?;
            let claim = Claim { output: output.to_vec(), links: links.to_vec() };
            verifier
                .verify_decoded(&prover.encode(), &request.input.to_input(), &claim, &decoded)
                .map_err(|_| Error::<T>::ProofRejected)?;
            // Every posted result is backed by the slash of its price.
            let locked = Self::slash_for(request.price);
            T::Registry::lock(&request.model, &prover, locked)?;
            let shown = output.to_vec();
            request.result = Some(PostedResult { prover: prover.clone(), output, links, locked });
            request.phase = Phase::Answered;
            request.deadline = Self::now().saturating_add(T::ChallengeWindow::get());
            let challenge_until = request.deadline;
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::ResultSubmitted { id, prover, output: shown, locked, challenge_until });
            let verified = T::WeightInfo::verify_proof(u32::try_from(decoded.compressions()).unwrap_or(u32::MAX))
                .saturating_add(T::Registry::load_ghost_file_weight(terms.shape.file_bytes));
            Ok(Some(
                T::WeightInfo::submit_result(claim.output.len() as u32, claim.links.len() as u32)
                    .saturating_add(verified),
            )
            .into())
        }

        /// Accept the result of request `id` now: pays the prover and the owner, and gives
        /// up reporting it.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::accept())]
        pub fn accept(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.client == who, Error::<T>::NotClient);
            ensure!(request.phase == Phase::Answered, Error::<T>::WrongPhase);
            Self::pay_or_refund(id, request);
            Ok(())
        }

        /// Close request `id` whose deadline has passed: pay its result, or refund the
        /// client when nobody answered. Anyone may call it; the prover does to be paid, the
        /// client to be refunded.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::settle())]
        pub fn settle(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(Self::now() > request.deadline, Error::<T>::DeadlineNotReached);
            match request.phase {
                Phase::Pending => {
                    let refund = request.price;
                    Self::refund(&request);
                    Requests::<T>::remove(id);
                    Self::deposit_event(Event::Expired { id, refund });
                }
                Phase::Answered => Self::pay_or_refund(id, request),
            }
            Ok(())
        }

        /// Reveal an exclusion fraud proof (SCALE-encoded `ghost_primitives::FraudProof`)
        /// against the prover of request `id`, committed with `salt` in an earlier block.
        /// A conviction returns the bond; a fraud proof that does not convict burns it.
        #[pallet::call_index(6)]
        #[pallet::weight((T::WeightInfo::report_exclusion(fraud.len() as u32)
            .saturating_add(T::Registry::load_ghost_file_weight(T::Registry::max_ghost_file_bytes())),
            DispatchClass::Operational))]
        pub fn report_exclusion(
            origin: OriginFor<T>,
            id: RequestId,
            salt: Salt,
            fraud: BoundedVec<u8, T::MaxFraudProofBytes>,
        ) -> DispatchResultWithPostInfo {
            let reporter = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.phase == Phase::Answered, Error::<T>::WrongPhase);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            let result = request.result.clone().ok_or(Error::<T>::WrongPhase)?;
            let terms = T::Registry::terms(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let verifier = T::Registry::verifier(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let digest = Self::dispute_digest(&reporter, id, &salt, &fraud);
            let commitment = Commitments::<T>::get((id, &reporter, digest)).ok_or(Error::<T>::NotCommitted)?;
            ensure!(commitment.at < Self::now(), Error::<T>::CommittedThisBlock);
            Commitments::<T>::remove((id, &reporter, digest));
            let verdict = decode_fraud(&fraud).and_then(|f| {
                verifier
                    .verify_fraud(&result.prover.encode(), &request.input.to_input(), &result.links, &f)
                    .map(|()| f.evidence)
            });
            match verdict {
                Ok(evidence) => {
                    Self::release_bond(&reporter, commitment.bond);
                    let reason = match evidence {
                        Evidence::ExcludedRow(_) => Conviction::ExcludedRow,
                        Evidence::ExcludedList(_) => Conviction::ExcludedList,
                    };
                    Self::convict(id, request, result, reporter, reason);
                }
                Err(why) => {
                    let burned = T::Currency::burn_held(
                        &HoldReason::ReportBond.into(),
                        &reporter,
                        commitment.bond,
                        Precision::BestEffort,
                        Fortitude::Force,
                    )
                    .unwrap_or_else(|_| Zero::zero());
                    Self::deposit_event(Event::ReportRejected { id, reporter, burned, reason: why });
                }
            }
            // Charged for the largest ghost file before dispatch; this model's now.
            let weight = T::WeightInfo::report_exclusion(fraud.len() as u32)
                .saturating_add(T::Registry::load_ghost_file_weight(terms.shape.file_bytes));
            Ok(Some(weight).into())
        }

        /// Commit to reporting the result of request `id`: `digest` is
        /// `BLAKE2b-256(SCALE(who) ‖ SCALE(id) ‖ salt ‖ fraud)` ([`Pallet::dispute_digest`]).
        /// Holds the report bond; reveal with `report_exclusion` in a later block, up to
        /// the deadline (so a commitment is taken only before the deadline's block). Reports
        /// are operational: no filler of the normal class can keep them out of a block.
        #[pallet::call_index(7)]
        #[pallet::weight((T::WeightInfo::commit(), DispatchClass::Operational))]
        pub fn commit(origin: OriginFor<T>, id: RequestId, digest: Hash) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            let result = request.result.as_ref().ok_or(Error::<T>::WrongPhase)?;
            ensure!(result.prover != who, Error::<T>::OwnResult);
            // Its reveal needs a later block within the window.
            ensure!(Self::now() < request.deadline, Error::<T>::DeadlinePassed);
            ensure!(!Commitments::<T>::contains_key((id, &who, digest)), Error::<T>::AlreadyCommitted);
            let bond = T::ReportBond::get();
            T::Currency::hold(&HoldReason::ReportBond.into(), &who, bond).map_err(|_| Error::<T>::InsufficientBond)?;
            Commitments::<T>::insert((id, &who, digest), Commitment { at: Self::now(), bond });
            Self::deposit_event(Event::Committed { id, who, digest });
            Ok(())
        }

        /// Release the bond of the commitment to `digest` on request `id`, never revealed,
        /// once the request has closed or its deadline has passed.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::reclaim())]
        pub fn reclaim(origin: OriginFor<T>, id: RequestId, digest: Hash) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let commitment = Commitments::<T>::get((id, &who, digest)).ok_or(Error::<T>::NotCommitted)?;
            let open = Requests::<T>::get(id).is_some_and(|r| Self::now() <= r.deadline);
            ensure!(!open, Error::<T>::RequestOpen);
            Commitments::<T>::remove((id, &who, digest));
            Self::release_bond(&who, commitment.bond);
            Self::deposit_event(Event::Reclaimed { id, who, digest, bond: commitment.bond });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        fn now() -> BlockNumberFor<T> {
            frame_system::Pallet::<T>::block_number()
        }

        /// What a result of `price` credit locks from its prover's bond, and what a
        /// conviction takes: `max(MinSlash, SlashPerCredit × price)`, saturating.
        pub fn slash_for(price: u128) -> BalanceOf<T> {
            let scaled = T::SlashPerCredit::get().saturating_mul(BalanceOf::<T>::unique_saturated_from(price));
            scaled.max(T::MinSlash::get())
        }

        /// The weight of verifying a ghost proof (decoding it, loading the ghost file) of a
        /// model of `shape`; without a shape, the worst any admitted model has (what
        /// `submit_result` is charged before dispatch).
        pub fn verify_weight(shape: Option<&ghost_primitives::ModelShape>) -> Weight {
            let (compressions, file_bytes) = match shape {
                Some(s) => (s.proof.compressions, s.file_bytes),
                None => (T::Registry::proof_limits().compressions, T::Registry::max_ghost_file_bytes()),
            };
            T::WeightInfo::verify_proof(u32::try_from(compressions).unwrap_or(u32::MAX))
                .saturating_add(T::Registry::load_ghost_file_weight(file_bytes))
        }

        /// The digest a report of request `id` by `who` is committed as.
        pub fn dispute_digest(who: &T::AccountId, id: RequestId, salt: &Salt, fraud: &[u8]) -> Hash {
            ghost_primitives::commitment::dispute(who, id, salt, fraud)
        }

        /// Pay the prover its fee and the owner its royalty, all or nothing; should the
        /// payment fail (a balance out of range), refund the client instead. Closes.
        fn pay_or_refund(id: RequestId, request: Request<T>) {
            let paid = with_storage_layer(|| Self::pay(id, &request));
            if paid.is_err() {
                Self::refund(&request);
                Requests::<T>::remove(id);
                Self::deposit_event(Event::Expired { id, refund: request.price });
            }
            if let Some(result) = &request.result {
                T::Registry::unlock(&request.model, &result.prover, result.locked);
            }
        }

        fn pay(id: RequestId, request: &Request<T>) -> DispatchResult {
            let result = request.result.as_ref().ok_or(Error::<T>::WrongPhase)?;
            let terms = T::Registry::terms(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let royalty = terms.royalty.mul_floor(request.price);
            let fee = request.price.saturating_sub(royalty);
            T::Credit::release(PURSE, &result.prover, fee)?;
            T::Credit::release(PURSE, &terms.owner, royalty)?;
            Self::release_deposit(request);
            Requests::<T>::remove(id);
            Self::deposit_event(Event::Settled { id, prover: result.prover.clone(), fee, royalty });
            Ok(())
        }

        /// Return the client's escrowed price and its deposit.
        fn refund(request: &Request<T>) {
            // Escrow holds every open request's price (an invariant): cannot fail.
            let _ = T::Credit::release(PURSE, &request.client, request.price);
            Self::release_deposit(request);
        }

        fn release_deposit(request: &Request<T>) {
            let _ = T::Currency::release(
                &HoldReason::RequestDeposit.into(),
                &request.client,
                request.deposit,
                Precision::BestEffort,
            );
        }

        /// Take what the result locked: `ReportReward` to the reporter, `ClientShare` of the
        /// rest to the client, the remainder burned; refund the client and close. Every
        /// step happens whatever the others do.
        fn convict(
            id: RequestId,
            request: Request<T>,
            result: PostedResult<T>,
            reporter: T::AccountId,
            reason: Conviction,
        ) {
            let refund = request.price;
            Self::refund(&request);
            Requests::<T>::remove(id);
            let (model, prover) = (&request.model, &result.prover);
            let Penalty { slashed, reward, compensation, burned } =
                Self::penalise(model, prover, result.locked, &reporter, &request.client);
            // The slashes consumed the lock first; release whatever of it is left.
            T::Registry::unlock(model, prover, result.locked.saturating_sub(slashed));
            Self::deposit_event(Event::ProverConvicted {
                id,
                prover: result.prover,
                reporter,
                reason,
                slashed,
                reward,
                compensation,
                burned,
                refund,
            });
        }

        /// Take up to `amount` of `prover`'s bond on `model` (what is locked first), as a
        /// conviction does: `ReportReward` to `reporter`, `ClientShare` of the rest to
        /// `client`, the remainder burned. Every step happens whatever the others do; a
        /// bond smaller than `amount` pays in that order.
        pub fn penalise(
            model: &ModelId,
            prover: &T::AccountId,
            amount: BalanceOf<T>,
            reporter: &T::AccountId,
            client: &T::AccountId,
        ) -> Penalty<BalanceOf<T>> {
            let due_reward = T::ReportReward::get().min(amount);
            let due_client = T::ClientShare::get().mul_floor(amount.saturating_sub(due_reward));
            let due_burn = amount.saturating_sub(due_reward).saturating_sub(due_client);
            let reward = T::Registry::slash(model, prover, due_reward, reporter);
            let compensation = T::Registry::slash(model, prover, due_client, client);
            let burned = T::Registry::burn(model, prover, due_burn);
            let slashed = reward.saturating_add(compensation).saturating_add(burned);
            Penalty { slashed, reward, compensation, burned }
        }

        fn release_bond(who: &T::AccountId, bond: BalanceOf<T>) {
            let _ = T::Currency::release(&HoldReason::ReportBond.into(), who, bond, Precision::BestEffort);
        }

        /// Escrow equals the open requests' prices; held request deposits equal the open
        /// requests'; held report bonds equal the commitments'; a request has a result
        /// exactly when it is answered.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            use alloc::collections::btree_map::BTreeMap;
            use frame_support::traits::fungible::InspectHold;
            let mut escrow: u128 = 0;
            let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            for (_, request) in Requests::<T>::iter() {
                escrow = escrow.checked_add(request.price).ok_or("escrow overflow")?;
                let entry = deposits.entry(request.client.clone()).or_insert(Zero::zero());
                *entry = entry.saturating_add(request.deposit);
                ensure!(
                    (request.phase == Phase::Answered) == request.result.is_some(),
                    "a result exactly when answered"
                );
            }
            for ((_, who, _), commitment) in Commitments::<T>::iter() {
                let entry = bonds.entry(who).or_insert(Zero::zero());
                *entry = entry.saturating_add(commitment.bond);
            }
            ensure!(T::Credit::escrowed(PURSE) == escrow, "escrow differs from the open requests' prices");
            for (who, total) in bonds {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::ReportBond.into(), &who) == total,
                    "held report bonds differ from the commitments"
                );
            }
            for (who, total) in deposits {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::RequestDeposit.into(), &who) == total,
                    "held request deposits differ from the open requests"
                );
            }
            Ok(())
        }
    }
}
