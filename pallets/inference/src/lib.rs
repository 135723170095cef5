//! # Inference
//!
//! Paid, disputable inference requests. A client escrows the model's price in credit (and
//! holds a native request deposit); a bonded prover posts the output and the per-layer
//! commitment links, bound to its account, and locks one slash of its bond behind them;
//! the client accepts, or the request settles itself when the challenge window closes.
//!
//! ## The dispute game
//!
//! Anyone may dispute a result within the window, in two steps (commit–reveal), so that a
//! dispute seen in the transaction pool cannot be copied: first [`commit`](Pallet::commit)
//! to `H(SCALE(who) ‖ id ‖ evidence)` holding the challenge bond, then, in a later block,
//! reveal it:
//!
//! * **prove it** ([`challenge`](Pallet::challenge), empty evidence) — the prover must post
//!   a ghost proof within the response window; the pallet verifies it with
//!   `ghost-primitives` (the same code clients run). A valid proof forfeits the
//!   challenger's bond to the prover and returns the request to *Answered* for a fresh
//!   challenge window, so exclusion fraud proofs can still be filed: a valid proof never
//!   pays anyone by itself.
//! * **excluded row / excluded list** ([`report_exclusion`](Pallet::report_exclusion),
//!   the fraud proof as evidence) — an exclusion fraud proof, verified at once.
//!
//! A convicted prover is slashed (the challenger and the client share the slash), the
//! client is refunded and every challenger's bond returned. A losing challenger forfeits
//! its bond to the prover. Missed deadlines settle against whoever missed them: no result
//! in time refunds the client; no response in time convicts the prover. The state machine,
//! costs and risks are in `docs/protocol.md`; the attacks and their tests in
//! `docs/threat-model.md`.
//!
//! Deadlines are kept in a bounded per-block queue and settled in `on_initialize`. A
//! request is queued once, at the first block after its deadline with room (searching
//! `DeadlineSpill` blocks on); if all are full it is left to [`settle`](Pallet::settle),
//! which anyone may call after the deadline. A full queue refuses only new requests, never
//! a call that defends someone. Every path has a bounded weight.
//!
//! ## Dispatchable functions
//!
//! * [`request`](Pallet::request) — origin: signed (the client). Escrows the price, holds
//!   `RequestDeposit`. Errors: [`Error::UnknownModel`], [`Error::ModelRetired`],
//!   [`Error::PriceAboveLimit`], [`Error::BadInput`], [`Error::InsufficientDeposit`],
//!   [`Error::DeadlineQueueFull`], credit errors. Event: [`Event::Requested`].
//! * [`submit_result`](Pallet::submit_result) — origin: a prover bonded on the model.
//!   Locks `Slash` of its bond. Errors: [`Error::UnknownRequest`], [`Error::NotBonded`],
//!   [`Error::WrongPhase`], [`Error::DeadlinePassed`], [`Error::WrongLinkCount`],
//!   [`Error::WrongOutputWidth`], registry bond errors. Event: [`Event::ResultSubmitted`].
//! * [`accept`](Pallet::accept) — origin: the client. Errors: [`Error::UnknownRequest`],
//!   [`Error::NotClient`], [`Error::WrongPhase`]. Event: [`Event::Settled`].
//! * [`settle`](Pallet::settle) — origin: signed (anyone). Settles a request whose deadline
//!   has passed and that the queue has not reached. Errors: [`Error::UnknownRequest`],
//!   [`Error::DeadlineNotReached`]. Events: [`Event::Settled`], [`Event::Expired`] or
//!   [`Event::ProverConvicted`].
//! * [`commit`](Pallet::commit) — origin: signed (anyone but the request's prover). Holds
//!   the challenge bond. Errors: [`Error::UnknownRequest`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::AlreadyCommitted`], [`Error::InsufficientBond`].
//!   Event: [`Event::Committed`].
//! * [`challenge`](Pallet::challenge) — origin: a committer. Prove-it challenge. Errors:
//!   [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::DeadlinePassed`],
//!   [`Error::AlreadyProven`], [`Error::NotCommitted`], [`Error::CommittedThisBlock`].
//!   Event: [`Event::Challenged`].
//! * [`respond`](Pallet::respond) — origin: the challenged prover. Errors:
//!   [`Error::UnknownRequest`], [`Error::NotProver`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::ProofRejected`]. Event:
//!   [`Event::ChallengeAnswered`].
//! * [`report_exclusion`](Pallet::report_exclusion) — origin: a committer. Exclusion fraud
//!   proof. Errors: [`Error::UnknownRequest`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::NotCommitted`], [`Error::CommittedThisBlock`].
//!   Events: [`Event::ProverConvicted`] or [`Event::ChallengeDefeated`].
//! * [`reclaim`](Pallet::reclaim) — origin: a committer whose request has closed. Releases
//!   the bond of a commitment never revealed. Errors: [`Error::NotCommitted`],
//!   [`Error::RequestOpen`]. Event: [`Event::Reclaimed`].
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

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use alloc::vec::Vec;
    use frame_support::{
        pallet_prelude::*,
        storage::with_storage_layer,
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::{Fortitude, Precision, Restriction},
        },
    };
    use frame_system::pallet_prelude::*;
    use ghost_primitives::{decode_fraud, Claim, Evidence, Hash, Input, ModelId};
    use pallet_ghost_registry::ModelRegistry;
    use pallet_mutual_credit::CreditLedger;
    use sp_runtime::{
        traits::{One, Saturating, Zero},
        Perbill,
    };

    pub(crate) type BalanceOf<T> =
        <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
    /// The bound of a posted ghost proof: the registry's, which admits no model whose
    /// proofs are larger.
    pub type MaxProofBytesOf<T> =
        <<T as Config>::Registry as ModelRegistry<<T as frame_system::Config>::AccountId>>::MaxProofBytes;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The native currency: request deposits and challenge bonds are holds on it,
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
        /// Blocks after a result (or a valid response) during which it may be challenged.
        #[pallet::constant]
        type ChallengeWindow: Get<BlockNumberFor<Self>>;
        /// Blocks a challenged prover has to post its ghost proof.
        #[pallet::constant]
        type ResponseWindow: Get<BlockNumberFor<Self>>;
        /// Native deposit a client holds per open request, returned when it closes: what
        /// an open request (and its deadline slot) costs a spammer.
        #[pallet::constant]
        type RequestDeposit: Get<BalanceOf<Self>>;
        /// Bond a challenger puts up (forfeited to the prover if the challenge fails).
        #[pallet::constant]
        type ChallengeBond: Get<BalanceOf<Self>>;
        /// What a convicted prover loses from its bond; locked per open result.
        #[pallet::constant]
        type Slash: Get<BalanceOf<Self>>;
        /// The challenger's share of a slash; the client gets the rest.
        #[pallet::constant]
        type ChallengerShare: Get<Perbill>;
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
        /// Deadlines settled per block at most.
        #[pallet::constant]
        type MaxDeadlinesPerBlock: Get<u32>;
        /// Blocks after a deadline searched for a queue slot before a request is left to
        /// `settle`.
        #[pallet::constant]
        type DeadlineSpill: Get<u32>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// Why native tokens are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A challenger's bond (from its commitment on).
        ChallengeBond,
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
    }

    /// Where a request is.
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
    pub enum Phase<T: Config> {
        /// Waiting for a result.
        Pending,
        /// A result is posted; challengeable until the deadline.
        Answered,
        /// A prove-it challenge waits for the prover's ghost proof.
        Challenged {
            /// Who challenged.
            challenger: T::AccountId,
            /// The challenger's bond.
            bond: BalanceOf<T>,
        },
    }

    /// A prover's posted result.
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
        /// Part of the prover's bond locked behind this result.
        pub locked: BalanceOf<T>,
        /// Whether a ghost proof of it was verified (a prove-it challenge answered): then
        /// only exclusion fraud proofs can dispute it.
        pub proven: bool,
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
        pub phase: Phase<T>,
        /// The result, once posted.
        pub result: Option<PostedResult<T>>,
        /// The last block of the current phase.
        pub deadline: BlockNumberFor<T>,
        /// The block at whose start the queue settles it (after `deadline`); `None` when
        /// every slot was full and it is left to `settle`.
        pub settle_at: Option<BlockNumberFor<T>>,
    }

    /// A dispute committed to and not yet revealed.
    #[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
    pub struct Commitment<Balance, BlockNumber> {
        /// `BLAKE2b-256(SCALE(who) ‖ SCALE(id) ‖ evidence)`: evidence is empty for a prove-it
        /// challenge and the encoded fraud proof for an exclusion.
        pub digest: Hash,
        /// Block of the commitment: the reveal must come in a later one.
        pub at: BlockNumber,
        /// The challenge bond held for it.
        pub bond: Balance,
    }

    /// The next request id.
    #[pallet::storage]
    pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

    /// Open requests.
    #[pallet::storage]
    pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, Request<T>>;

    /// Requests settled at the start of a block (each open request at most once).
    #[pallet::storage]
    pub type Deadlines<T: Config> =
        StorageMap<_, Twox64Concat, BlockNumberFor<T>, BoundedVec<RequestId, T::MaxDeadlinesPerBlock>, ValueQuery>;

    /// Dispute commitments by request and committer.
    #[pallet::storage]
    pub type Commitments<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        RequestId,
        Blake2_128Concat,
        T::AccountId,
        Commitment<BalanceOf<T>, BlockNumberFor<T>>,
    >;

    /// Why a prover was convicted.
    #[derive(Clone, Copy, Encode, Decode, DecodeWithMemTracking, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub enum Conviction {
        /// It did not post a ghost proof within the response window.
        MissedResponse,
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
        /// A prover posted a result.
        ResultSubmitted {
            /// The request.
            id: RequestId,
            /// The prover.
            prover: T::AccountId,
            /// The output posted.
            output: Vec<i16>,
            /// The last block the result can be disputed in.
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
        /// Someone committed to disputing a result.
        Committed {
            /// The request.
            id: RequestId,
            /// Who committed.
            who: T::AccountId,
        },
        /// A prove-it challenge was opened.
        Challenged {
            /// The request.
            id: RequestId,
            /// Who challenged.
            challenger: T::AccountId,
            /// The last block the prover can answer in.
            respond_until: BlockNumberFor<T>,
        },
        /// The prover answered a prove-it challenge with a valid ghost proof (its openings
        /// are in the `respond` call of this block); the challenger's bond went to the
        /// prover, and the result is challengeable by exclusion until `challenge_until`.
        ChallengeAnswered {
            /// The request.
            id: RequestId,
            /// Who challenged.
            challenger: T::AccountId,
            /// What the loser of the dispute forfeited to the winner.
            forfeited: BalanceOf<T>,
            /// The last block the result can be disputed in.
            challenge_until: BlockNumberFor<T>,
        },
        /// An exclusion fraud proof failed to convict (`reason` says why); the challenger's
        /// bond went to the prover.
        ChallengeDefeated {
            /// The request.
            id: RequestId,
            /// Who challenged.
            challenger: T::AccountId,
            /// What the loser of the dispute forfeited to the winner.
            forfeited: BalanceOf<T>,
            /// Why the evidence failed.
            reason: ghost_primitives::Error,
        },
        /// The prover was convicted: slashed, the client refunded.
        ProverConvicted {
            /// The request.
            id: RequestId,
            /// The prover.
            prover: T::AccountId,
            /// What convicted it.
            reason: Conviction,
            /// Bond taken from the prover.
            slashed: BalanceOf<T>,
            /// Credit returned to the client.
            refund: u128,
        },
        /// Every deadline slot was full: the request is settled by `settle` after
        /// `deadline`, by anyone.
        SettlementDeferred {
            /// The request.
            id: RequestId,
            /// The block settlement is retried in.
            deadline: BlockNumberFor<T>,
        },
        /// A commitment never revealed was withdrawn after its request closed.
        Reclaimed {
            /// The request.
            id: RequestId,
            /// Whose commitment.
            who: T::AccountId,
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
        /// Only the request's prover may do this.
        NotProver,
        /// The request is not in the phase this call needs.
        WrongPhase,
        /// The deadline of the request's phase has passed.
        DeadlinePassed,
        /// The deadline has not passed yet: accept, challenge or wait.
        DeadlineNotReached,
        /// Not enough free balance for the challenge bond.
        InsufficientBond,
        /// Every deadline slot within reach is taken: request again in a later block.
        DeadlineQueueFull,
        /// The ghost proof does not prove the posted result (see the primitives' error).
        ProofRejected,
        /// The result has as many links as the model has layers: one per layer.
        WrongLinkCount,
        /// The output is as wide as the model's last layer.
        WrongOutputWidth,
        /// A ghost proof of this result was verified already: dispute it by exclusion.
        AlreadyProven,
        /// This account has a commitment on this request already.
        AlreadyCommitted,
        /// No commitment of this account on this request matches the revealed dispute:
        /// `commit` its digest first.
        NotCommitted,
        /// The commitment was made in this block: reveal it in a later one.
        CommittedThisBlock,
        /// The request is still open: reveal the commitment, or reclaim it once it closes.
        RequestOpen,
        /// A prover cannot dispute its own result.
        OwnResult,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            let due = Deadlines::<T>::take(now);
            let count = due.len() as u32;
            for id in due {
                if let Some(mut request) = Requests::<T>::get(id) {
                    if request.deadline < now {
                        // Its slot is the one just taken.
                        request.settle_at = None;
                        Self::expire(id, request);
                    }
                }
            }
            T::WeightInfo::on_initialize(count)
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Ask `model` for the answer to `input`, paying at most `max_price` credit.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::request(match &input { BoundedInput::Vector(v) => v.len() as u32, BoundedInput::Token(_) => 1 }))]
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
            T::Credit::escrow(&client, terms.price)?;
            let id = NextRequestId::<T>::mutate(|n| {
                let id = *n;
                *n = n.saturating_add(1);
                id
            });
            let deadline = Self::now().saturating_add(T::ResultWindow::get());
            let mut request = Request {
                client: client.clone(),
                model,
                input,
                price: terms.price,
                deposit,
                phase: Phase::Pending,
                result: None,
                deadline,
                settle_at: None,
            };
            // New business is the one thing a full queue refuses.
            ensure!(Self::schedule(id, &mut request), Error::<T>::DeadlineQueueFull);
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::Requested { id, client, model, price: terms.price, deadline });
            Ok(())
        }

        /// Post the answer to request `id`: the output and one commitment link per layer,
        /// chained from the seed bound to the prover's account.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::submit_result(output.len() as u32, links.len() as u32))]
        pub fn submit_result(
            origin: OriginFor<T>,
            id: RequestId,
            output: BoundedVec<i16, T::MaxOutputLen>,
            links: BoundedVec<Hash, T::MaxLayers>,
        ) -> DispatchResult {
            let prover = ensure_signed(origin)?;
            let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.phase == Phase::Pending, Error::<T>::WrongPhase);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            ensure!(T::Registry::is_bonded(&request.model, &prover), Error::<T>::NotBonded);
            let terms = T::Registry::terms(&request.model).ok_or(Error::<T>::UnknownModel)?;
            ensure!(links.len() as u32 == terms.shape.layers, Error::<T>::WrongLinkCount);
            ensure!(output.len() as u32 == terms.shape.output_dim, Error::<T>::WrongOutputWidth);
            // Every posted result is backed by a full slash.
            let locked = T::Slash::get();
            T::Registry::lock(&request.model, &prover, locked)?;
            let shown = output.to_vec();
            request.result = Some(PostedResult { prover: prover.clone(), output, links, locked, proven: false });
            request.phase = Phase::Answered;
            request.deadline = Self::now().saturating_add(T::ChallengeWindow::get());
            Self::reschedule(id, &mut request);
            let challenge_until = request.deadline;
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::ResultSubmitted { id, prover, output: shown, challenge_until });
            Ok(())
        }

        /// Accept the result of request `id` now: pays the prover and the owner.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::accept())]
        pub fn accept(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.client == who, Error::<T>::NotClient);
            ensure!(request.phase == Phase::Answered, Error::<T>::WrongPhase);
            Self::unqueue(id, request.settle_at);
            Self::pay_or_refund(id, request);
            Ok(())
        }

        /// Settle request `id` whose deadline has passed, as the queue would: pay an
        /// unchallenged result, refund a request nobody answered, convict a prover that did
        /// not respond. For requests whose settlement was deferred (or not reached yet).
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::settle())]
        pub fn settle(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(Self::now() > request.deadline, Error::<T>::DeadlineNotReached);
            Self::unqueue(id, request.settle_at);
            Self::expire(id, request);
            Ok(())
        }

        /// Commit to disputing the result of request `id`: `digest` is
        /// `BLAKE2b-256(SCALE(who) ‖ SCALE(id) ‖ evidence)` ([`Pallet::dispute_digest`]).
        /// Holds the challenge bond; reveal with `challenge` or `report_exclusion` in a
        /// later block, before the deadline.
        #[pallet::call_index(7)]
        #[pallet::weight(T::WeightInfo::commit())]
        pub fn commit(origin: OriginFor<T>, id: RequestId, digest: Hash) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            let result = request.result.as_ref().ok_or(Error::<T>::WrongPhase)?;
            ensure!(result.prover != who, Error::<T>::OwnResult);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            ensure!(!Commitments::<T>::contains_key(id, &who), Error::<T>::AlreadyCommitted);
            let bond = T::ChallengeBond::get();
            T::Currency::hold(&HoldReason::ChallengeBond.into(), &who, bond)
                .map_err(|_| Error::<T>::InsufficientBond)?;
            Commitments::<T>::insert(id, &who, Commitment { digest, at: Self::now(), bond });
            Self::deposit_event(Event::Committed { id, who });
            Ok(())
        }

        /// Reveal a prove-it challenge of request `id` (committed with empty evidence): its
        /// prover must post a ghost proof within the response window, or be convicted.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::challenge())]
        pub fn challenge(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            let challenger = ensure_signed(origin)?;
            let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.phase == Phase::Answered, Error::<T>::WrongPhase);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            ensure!(!request.result.as_ref().is_some_and(|r| r.proven), Error::<T>::AlreadyProven);
            let bond = Self::reveal(id, &challenger, &[])?;
            request.phase = Phase::Challenged { challenger: challenger.clone(), bond };
            request.deadline = Self::now().saturating_add(T::ResponseWindow::get());
            Self::reschedule(id, &mut request);
            let respond_until = request.deadline;
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::Challenged { id, challenger, respond_until });
            Ok(())
        }

        /// Answer a prove-it challenge on request `id` with the encoded ghost proof. A valid
        /// proof takes the challenger's bond and reopens the result to exclusion fraud
        /// proofs for a full challenge window; it pays nothing by itself.
        #[pallet::call_index(5)]
        #[pallet::weight(Pallet::<T>::respond_weight(None))]
        pub fn respond(
            origin: OriginFor<T>,
            id: RequestId,
            proof: BoundedVec<u8, MaxProofBytesOf<T>>,
        ) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            let Phase::Challenged { challenger, bond } = request.phase.clone() else {
                return Err(Error::<T>::WrongPhase.into());
            };
            let result = request.result.as_mut().ok_or(Error::<T>::WrongPhase)?;
            ensure!(result.prover == who, Error::<T>::NotProver);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            let terms = T::Registry::terms(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let verifier = T::Registry::verifier(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let claim = Claim { output: result.output.to_vec(), links: result.links.to_vec() };
            let binding = result.prover.encode();
            verifier
                .verify(&binding, &request.input.to_input(), &claim, &proof)
                .map_err(|_| Error::<T>::ProofRejected)?;
            result.proven = true;
            let forfeited = Self::forfeit(&challenger, &who, bond);
            request.phase = Phase::Answered;
            request.deadline = Self::now().saturating_add(T::ChallengeWindow::get());
            Self::reschedule(id, &mut request);
            let challenge_until = request.deadline;
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::ChallengeAnswered { id, challenger, forfeited, challenge_until });
            Ok(Some(Self::respond_weight(Some(&terms.shape))).into())
        }

        /// Reveal an exclusion fraud proof (SCALE-encoded `ghost_primitives::FraudProof`,
        /// committed as the evidence) against the prover of request `id`. The committed bond
        /// is returned if the proof convicts, forfeited to the prover if it does not.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::report_exclusion(fraud.len() as u32)
            .saturating_add(T::Registry::load_ghost_file_weight(T::Registry::max_ghost_file_bytes())))]
        pub fn report_exclusion(
            origin: OriginFor<T>,
            id: RequestId,
            fraud: BoundedVec<u8, T::MaxFraudProofBytes>,
        ) -> DispatchResultWithPostInfo {
            let challenger = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.phase != Phase::Pending, Error::<T>::WrongPhase);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            let result = request.result.clone().ok_or(Error::<T>::WrongPhase)?;
            let terms = T::Registry::terms(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let verifier = T::Registry::verifier(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let bond = Self::reveal(id, &challenger, &fraud)?;
            let binding = result.prover.encode();
            let verdict = decode_fraud(&fraud).and_then(|f| {
                verifier.verify_fraud(&binding, &request.input.to_input(), &result.links, &f).map(|()| f.evidence)
            });
            match verdict {
                Ok(evidence) => {
                    Self::release_bond(&challenger, bond);
                    let reason = match evidence {
                        Evidence::ExcludedRow(_) => Conviction::ExcludedRow,
                        Evidence::ExcludedList(_) => Conviction::ExcludedList,
                    };
                    Self::unqueue(id, request.settle_at);
                    Self::convict(id, request, &challenger, reason);
                }
                Err(why) => {
                    let forfeited = Self::forfeit(&challenger, &result.prover, bond);
                    Self::deposit_event(Event::ChallengeDefeated { id, challenger, forfeited, reason: why });
                }
            }
            // Charged for the largest ghost file before dispatch; this model's now.
            let weight = T::WeightInfo::report_exclusion(fraud.len() as u32)
                .saturating_add(T::Registry::load_ghost_file_weight(terms.shape.file_bytes));
            Ok(Some(weight).into())
        }

        /// Release the bond of a commitment on request `id` that was never revealed, once
        /// the request has closed.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::reclaim())]
        pub fn reclaim(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let commitment = Commitments::<T>::get(id, &who).ok_or(Error::<T>::NotCommitted)?;
            ensure!(!Requests::<T>::contains_key(id), Error::<T>::RequestOpen);
            Commitments::<T>::remove(id, &who);
            Self::release_bond(&who, commitment.bond);
            Self::deposit_event(Event::Reclaimed { id, who, bond: commitment.bond });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        fn now() -> BlockNumberFor<T> {
            frame_system::Pallet::<T>::block_number()
        }

        /// The weight of `respond` on a model of `shape`: verifying its worst-case proof
        /// and loading its ghost file. Without a shape, the worst any admitted model has
        /// (what is charged before dispatch; the difference is refunded after).
        pub fn respond_weight(shape: Option<&ghost_primitives::ModelShape>) -> Weight {
            let (compressions, file_bytes) = match shape {
                Some(s) => (s.proof.compressions, s.file_bytes),
                None => (T::Registry::proof_limits().compressions, T::Registry::max_ghost_file_bytes()),
            };
            T::WeightInfo::respond(u32::try_from(compressions).unwrap_or(u32::MAX))
                .saturating_add(T::Registry::load_ghost_file_weight(file_bytes))
        }

        /// The digest a dispute of request `id` by `who` is committed as: `evidence` is empty
        /// for a prove-it challenge and the encoded fraud proof for an exclusion.
        pub fn dispute_digest(who: &T::AccountId, id: RequestId, evidence: &[u8]) -> Hash {
            ghost_primitives::commitment::dispute(who, id, evidence)
        }

        /// Consume `who`'s commitment on `id`, which must match `evidence` and come from an
        /// earlier block; returns the bond held for it.
        fn reveal(id: RequestId, who: &T::AccountId, evidence: &[u8]) -> Result<BalanceOf<T>, DispatchError> {
            let commitment = Commitments::<T>::get(id, who).ok_or(Error::<T>::NotCommitted)?;
            ensure!(commitment.digest == Self::dispute_digest(who, id, evidence), Error::<T>::NotCommitted);
            ensure!(commitment.at < Self::now(), Error::<T>::CommittedThisBlock);
            Commitments::<T>::remove(id, who);
            Ok(commitment.bond)
        }

        /// Queue `id` at the first block after its deadline with room, at most
        /// `DeadlineSpill` blocks later, leaving any earlier slot; `false` (and no slot)
        /// when all are full.
        fn schedule(id: RequestId, request: &mut Request<T>) -> bool {
            Self::unqueue(id, request.settle_at.take());
            let first = request.deadline.saturating_add(One::one());
            let mut at = first;
            for _ in 0..=T::DeadlineSpill::get() {
                if Deadlines::<T>::try_mutate(at, |queue| queue.try_push(id)).is_ok() {
                    request.settle_at = Some(at);
                    return true;
                }
                at = at.saturating_add(One::one());
            }
            false
        }

        /// [`Pallet::schedule`] for a call that defends someone: never refused; when every
        /// slot is full the request is left to `settle`.
        fn reschedule(id: RequestId, request: &mut Request<T>) {
            if !Self::schedule(id, request) {
                Self::deposit_event(Event::SettlementDeferred { id, deadline: request.deadline });
            }
        }

        fn unqueue(id: RequestId, slot: Option<BlockNumberFor<T>>) {
            if let Some(at) = slot {
                Deadlines::<T>::mutate(at, |queue| queue.retain(|&q| q != id));
            }
        }

        /// Settle a request past its deadline (already out of the queue): pay an
        /// unchallenged result, refund a request nobody answered, convict a prover that did
        /// not respond.
        fn expire(id: RequestId, request: Request<T>) {
            match request.phase.clone() {
                Phase::Pending => {
                    let refund = request.price;
                    Self::refund(&request);
                    Requests::<T>::remove(id);
                    Self::deposit_event(Event::Expired { id, refund });
                }
                Phase::Answered => Self::pay_or_refund(id, request),
                Phase::Challenged { challenger, .. } => {
                    Self::convict(id, request, &challenger, Conviction::MissedResponse);
                }
            }
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
            T::Credit::release(&result.prover, fee)?;
            T::Credit::release(&terms.owner, royalty)?;
            Self::release_deposit(request);
            Requests::<T>::remove(id);
            Self::deposit_event(Event::Settled { id, prover: result.prover.clone(), fee, royalty });
            Ok(())
        }

        /// Return the client's escrowed price and its deposit.
        fn refund(request: &Request<T>) {
            // Escrow holds every open request's price (an invariant): cannot fail.
            let _ = T::Credit::release(&request.client, request.price);
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

        /// Slash the prover (shared by challenger and client), return an open prove-it
        /// challenger's bond, refund the client, close. Every step happens whatever the
        /// others do.
        fn convict(id: RequestId, request: Request<T>, challenger: &T::AccountId, reason: Conviction) {
            if let Phase::Challenged { challenger: prove_it, bond } = &request.phase {
                Self::release_bond(prove_it, *bond);
            }
            let refund = request.price;
            Self::refund(&request);
            Requests::<T>::remove(id);
            let Some(result) = request.result else { return };
            let slash = T::Slash::get();
            let to_challenger = T::ChallengerShare::get().mul_floor(slash);
            let mut slashed = T::Registry::slash(&request.model, &result.prover, to_challenger, challenger);
            slashed = slashed.saturating_add(T::Registry::slash(
                &request.model,
                &result.prover,
                slash.saturating_sub(to_challenger),
                &request.client,
            ));
            // The slash consumed the lock; release whatever of it is left.
            T::Registry::unlock(&request.model, &result.prover, result.locked.saturating_sub(slashed));
            Self::deposit_event(Event::ProverConvicted { id, prover: result.prover, reason, slashed, refund });
        }

        fn release_bond(who: &T::AccountId, bond: BalanceOf<T>) {
            let _ = T::Currency::release(&HoldReason::ChallengeBond.into(), who, bond, Precision::BestEffort);
        }

        fn forfeit(challenger: &T::AccountId, prover: &T::AccountId, bond: BalanceOf<T>) -> BalanceOf<T> {
            T::Currency::transfer_on_hold(
                &HoldReason::ChallengeBond.into(),
                challenger,
                prover,
                bond,
                Precision::BestEffort,
                Restriction::Free,
                Fortitude::Force,
            )
            .unwrap_or_else(|_| Zero::zero())
        }

        /// Escrow equals the open requests' prices; held request deposits equal the open
        /// requests'; held challenge bonds equal the open challenges' and commitments';
        /// every open request is queued once, after its deadline, or left to `settle`.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            use alloc::collections::btree_map::BTreeMap;
            use frame_support::traits::fungible::InspectHold;
            let mut escrow: u128 = 0;
            let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            for (id, request) in Requests::<T>::iter() {
                escrow = escrow.checked_add(request.price).ok_or("escrow overflow")?;
                let entry = deposits.entry(request.client.clone()).or_insert(Zero::zero());
                *entry = entry.saturating_add(request.deposit);
                if let Phase::Challenged { challenger, bond } = &request.phase {
                    let entry = bonds.entry(challenger.clone()).or_insert(Zero::zero());
                    *entry = entry.saturating_add(*bond);
                }
                ensure!(
                    request.phase == Phase::Pending || request.result.is_some(),
                    "an answered request without result"
                );
                if let Some(at) = request.settle_at {
                    ensure!(at > request.deadline, "queued before its deadline");
                    ensure!(Deadlines::<T>::get(at).contains(&id), "open request missing from its slot");
                }
            }
            for (at, queue) in Deadlines::<T>::iter() {
                for id in queue {
                    let request = Requests::<T>::get(id).ok_or("a queue slot of a closed request")?;
                    ensure!(request.settle_at == Some(at), "a request queued twice");
                }
            }
            for (_, who, commitment) in Commitments::<T>::iter() {
                let entry = bonds.entry(who).or_insert(Zero::zero());
                *entry = entry.saturating_add(commitment.bond);
            }
            ensure!(T::Credit::escrowed() == escrow, "escrow differs from the open requests' prices");
            for (who, total) in bonds {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), &who) == total,
                    "held challenge bonds differ from the open challenges and commitments"
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
