//! # Inference
//!
//! Paid, disputable inference requests. A client escrows the model's price in credit; a
//! bonded prover posts the output and the per-layer commitment links; the client accepts,
//! or the request settles itself when the challenge window closes. Anyone may challenge
//! within the window, with a bond:
//!
//! * **prove it** — the prover must post a ghost proof within the response window; the
//!   pallet verifies it with `ghost-primitives` (the same code clients run);
//! * **excluded row / excluded list** — an exclusion fraud proof, verified at once.
//!
//! A convicted prover is slashed (the challenger and the client share the slash), the
//! client is refunded and the challenger's bond returned. A losing challenger forfeits its
//! bond to the prover. Missed deadlines settle against whoever missed them: no result in
//! time refunds the client; no response in time convicts the prover.
//!
//! Deadlines are kept in a bounded per-block queue and processed in `on_initialize`, so
//! nothing waits for a caller; [`settle`](Pallet::settle) does the same for one request on
//! demand. Every path has a bounded weight.
//!
//! ## Dispatchable functions
//!
//! * [`request`](Pallet::request) — origin: signed (the client). Escrows the price.
//!   Errors: [`Error::UnknownModel`], [`Error::ModelRetired`], [`Error::PriceAboveLimit`],
//!   [`Error::InputTooLong`], [`Error::DeadlineQueueFull`], credit errors. Event:
//!   [`Event::Requested`].
//! * [`submit_result`](Pallet::submit_result) — origin: a prover bonded on the model.
//!   Errors: [`Error::UnknownRequest`], [`Error::NotBonded`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::DeadlineQueueFull`]. Event: [`Event::ResultSubmitted`].
//! * [`accept`](Pallet::accept) — origin: the client. Errors: [`Error::UnknownRequest`],
//!   [`Error::NotClient`], [`Error::WrongPhase`]. Event: [`Event::Settled`].
//! * [`settle`](Pallet::settle) — origin: signed (anyone). Settles a request whose deadline
//!   has passed. Errors: [`Error::UnknownRequest`], [`Error::DeadlineNotReached`]. Events:
//!   [`Event::Settled`], [`Event::Expired`] or [`Event::ProverConvicted`].
//! * [`challenge`](Pallet::challenge) — origin: signed (anyone). Prove-it challenge.
//!   Errors: [`Error::UnknownRequest`], [`Error::WrongPhase`], [`Error::DeadlinePassed`],
//!   [`Error::InsufficientBond`], [`Error::DeadlineQueueFull`]. Event: [`Event::Challenged`].
//! * [`respond`](Pallet::respond) — origin: the challenged prover. Errors:
//!   [`Error::UnknownRequest`], [`Error::NotProver`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::ProofRejected`]. Events:
//!   [`Event::ChallengeDefeated`], [`Event::Settled`].
//! * [`report_exclusion`](Pallet::report_exclusion) — origin: signed (anyone). Exclusion
//!   fraud proof. Errors: [`Error::UnknownRequest`], [`Error::WrongPhase`],
//!   [`Error::DeadlinePassed`], [`Error::InsufficientBond`]. Events:
//!   [`Event::ProverConvicted`] or [`Event::ChallengeDefeated`].
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
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::{Fortitude, Precision, Restriction},
        },
    };
    use frame_system::pallet_prelude::*;
    use ghost_primitives::{
        fraud::{decode_fraud, verify_fraud, Evidence},
        proof::{verify_claim, GhostProof},
        Claim, Hash, Input, ModelId,
    };
    use pallet_ghost_registry::ModelRegistry;
    use pallet_mutual_credit::CreditLedger;
    use sp_runtime::{
        traits::{One, Saturating, Zero},
        Perbill,
    };

    pub(crate) type BalanceOf<T> =
        <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The native currency: challenge bonds are holds on it, slashes are paid in it.
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
        /// Blocks after a result during which it may be challenged.
        #[pallet::constant]
        type ChallengeWindow: Get<BlockNumberFor<Self>>;
        /// Blocks a challenged prover has to post its ghost proof.
        #[pallet::constant]
        type ResponseWindow: Get<BlockNumberFor<Self>>;
        /// Bond a challenger puts up (forfeited to the prover if the challenge fails).
        #[pallet::constant]
        type ChallengeBond: Get<BalanceOf<Self>>;
        /// What a convicted prover loses from its bond (at most the whole bond).
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
        /// Largest ghost proof.
        #[pallet::constant]
        type MaxProofBytes: Get<u32>;
        /// Largest exclusion fraud proof.
        #[pallet::constant]
        type MaxFraudProofBytes: Get<u32>;
        /// Deadlines processed per block at most.
        #[pallet::constant]
        type MaxDeadlinesPerBlock: Get<u32>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// Why native tokens are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A challenger's bond.
        ChallengeBond,
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
        Challenged { challenger: T::AccountId, bond: BalanceOf<T> },
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
        /// Who answered.
        pub prover: T::AccountId,
        /// The output (Q14).
        pub output: BoundedVec<i16, T::MaxOutputLen>,
        /// One commitment link per layer.
        pub links: BoundedVec<Hash, T::MaxLayers>,
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
        /// Where it is.
        pub phase: Phase<T>,
        /// The result, once posted.
        pub result: Option<PostedResult<T>>,
        /// When the current phase ends.
        pub deadline: BlockNumberFor<T>,
    }

    /// The next request id.
    #[pallet::storage]
    pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

    /// Open requests.
    #[pallet::storage]
    pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, Request<T>>;

    /// Requests whose deadline falls on a block (processed at its start).
    #[pallet::storage]
    pub type Deadlines<T: Config> =
        StorageMap<_, Twox64Concat, BlockNumberFor<T>, BoundedVec<RequestId, T::MaxDeadlinesPerBlock>, ValueQuery>;

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
        Requested { id: RequestId, client: T::AccountId, model: ModelId, price: u128, deadline: BlockNumberFor<T> },
        /// A prover posted a result.
        ResultSubmitted { id: RequestId, prover: T::AccountId, output: Vec<i16>, challenge_until: BlockNumberFor<T> },
        /// The prover was paid and the owner's royalty too; the request is closed.
        Settled { id: RequestId, prover: T::AccountId, fee: u128, royalty: u128 },
        /// No result came in time; the client was refunded.
        Expired { id: RequestId, refund: u128 },
        /// A prove-it challenge was opened.
        Challenged { id: RequestId, challenger: T::AccountId, respond_until: BlockNumberFor<T> },
        /// The prover answered a prove-it challenge with a valid ghost proof; the
        /// challenger's bond went to the prover.
        ChallengeAnswered { id: RequestId, challenger: T::AccountId, forfeited: BalanceOf<T> },
        /// An exclusion fraud proof failed to convict (`reason` says why); the challenger's
        /// bond went to the prover.
        ChallengeDefeated {
            id: RequestId,
            challenger: T::AccountId,
            forfeited: BalanceOf<T>,
            reason: ghost_primitives::Error,
        },
        /// The prover was convicted: slashed, the client refunded.
        ProverConvicted { id: RequestId, prover: T::AccountId, reason: Conviction, slashed: BalanceOf<T>, refund: u128 },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// No model has this id.
        UnknownModel,
        /// The model is retired: request a current version.
        ModelRetired,
        /// The model's price is above the `max_price` given.
        PriceAboveLimit,
        /// The input is longer than `MaxInputLen`.
        InputTooLong,
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
        /// Too many deadlines fall on the same block; try again in the next one.
        DeadlineQueueFull,
        /// The ghost proof does not prove the posted result (see the primitives' error).
        ProofRejected,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            let due = Deadlines::<T>::take(now);
            let count = due.len() as u32;
            for id in due {
                // A request settled early leaves a stale entry: skipped.
                if let Some(request) = Requests::<T>::get(id) {
                    if request.deadline <= now {
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
        #[pallet::weight(T::WeightInfo::request(match &input { Input::Vector(v) => v.len() as u32, Input::Token(_) => 1 }))]
        pub fn request(origin: OriginFor<T>, model: ModelId, input: Input, max_price: u128) -> DispatchResult {
            let client = ensure_signed(origin)?;
            let terms = T::Registry::terms(&model).ok_or(Error::<T>::UnknownModel)?;
            ensure!(terms.active, Error::<T>::ModelRetired);
            ensure!(terms.price <= max_price, Error::<T>::PriceAboveLimit);
            let input = match input {
                Input::Token(t) => BoundedInput::Token(t),
                Input::Vector(v) => BoundedInput::Vector(v.try_into().map_err(|_| Error::<T>::InputTooLong)?),
            };
            T::Credit::escrow(&client, terms.price)?;
            let id = NextRequestId::<T>::mutate(|n| {
                let id = *n;
                *n = n.saturating_add(1);
                id
            });
            let deadline = Self::schedule(id, T::ResultWindow::get())?;
            Requests::<T>::insert(
                id,
                Request {
                    client: client.clone(),
                    model,
                    input,
                    price: terms.price,
                    phase: Phase::Pending,
                    result: None,
                    deadline,
                },
            );
            Self::deposit_event(Event::Requested { id, client, model, price: terms.price, deadline });
            Ok(())
        }

        /// Post the answer to request `id`: the output and one commitment link per layer.
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
            let deadline = Self::schedule(id, T::ChallengeWindow::get())?;
            let shown = output.to_vec();
            request.result = Some(PostedResult { prover: prover.clone(), output, links });
            request.phase = Phase::Answered;
            request.deadline = deadline;
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::ResultSubmitted { id, prover, output: shown, challenge_until: deadline });
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
            Self::pay(id, request)
        }

        /// Settle request `id` whose deadline has passed, as its deadline would.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::settle())]
        pub fn settle(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(Self::now() > request.deadline, Error::<T>::DeadlineNotReached);
            Self::expire(id, request);
            Ok(())
        }

        /// Challenge the result of request `id`: its prover must post a ghost proof within
        /// the response window, or be convicted.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::challenge())]
        pub fn challenge(origin: OriginFor<T>, id: RequestId) -> DispatchResult {
            let challenger = ensure_signed(origin)?;
            let mut request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.phase == Phase::Answered, Error::<T>::WrongPhase);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            let bond = T::ChallengeBond::get();
            T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
                .map_err(|_| Error::<T>::InsufficientBond)?;
            let deadline = Self::schedule(id, T::ResponseWindow::get())?;
            request.phase = Phase::Challenged { challenger: challenger.clone(), bond };
            request.deadline = deadline;
            Requests::<T>::insert(id, request);
            Self::deposit_event(Event::Challenged { id, challenger, respond_until: deadline });
            Ok(())
        }

        /// Answer a prove-it challenge on request `id` with the encoded ghost proof.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::respond(proof.len() as u32))]
        pub fn respond(origin: OriginFor<T>, id: RequestId, proof: BoundedVec<u8, T::MaxProofBytes>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            let Phase::Challenged { challenger, bond } = request.phase.clone() else {
                return Err(Error::<T>::WrongPhase.into());
            };
            let result = request.result.clone().ok_or(Error::<T>::WrongPhase)?;
            ensure!(result.prover == who, Error::<T>::NotProver);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            let file = T::Registry::ghost_file(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let claim = Claim { output: result.output.to_vec(), links: result.links.to_vec() };
            GhostProof::decode(&proof, &file)
                .and_then(|p| verify_claim(&file, &request.input.to_input(), &claim, &p))
                .map_err(|_| Error::<T>::ProofRejected)?;
            let forfeited = Self::forfeit(&challenger, &result.prover, bond);
            Self::deposit_event(Event::ChallengeAnswered { id, challenger, forfeited });
            Self::pay(id, request)
        }

        /// Convict the prover of request `id` with an exclusion fraud proof (SCALE-encoded
        /// `ghost_primitives::FraudProof`). The challenge bond is held first: returned if
        /// the proof convicts, forfeited to the prover if it does not.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::report_exclusion(fraud.len() as u32))]
        pub fn report_exclusion(
            origin: OriginFor<T>,
            id: RequestId,
            fraud: BoundedVec<u8, T::MaxFraudProofBytes>,
        ) -> DispatchResult {
            let challenger = ensure_signed(origin)?;
            let request = Requests::<T>::get(id).ok_or(Error::<T>::UnknownRequest)?;
            ensure!(request.phase != Phase::Pending, Error::<T>::WrongPhase);
            ensure!(Self::now() <= request.deadline, Error::<T>::DeadlinePassed);
            let result = request.result.clone().ok_or(Error::<T>::WrongPhase)?;
            let bond = T::ChallengeBond::get();
            T::Currency::hold(&HoldReason::ChallengeBond.into(), &challenger, bond)
                .map_err(|_| Error::<T>::InsufficientBond)?;
            let file = T::Registry::ghost_file(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let verdict = decode_fraud(&fraud)
                .and_then(|f| verify_fraud(&file, &request.input.to_input(), &result.links, &f).map(|()| f.evidence));
            match verdict {
                Ok(evidence) => {
                    Self::release_bond(&challenger, bond);
                    let reason = match evidence {
                        Evidence::ExcludedRow { .. } => Conviction::ExcludedRow,
                        Evidence::ExcludedList { .. } => Conviction::ExcludedList,
                    };
                    Self::convict(id, request, &challenger, reason);
                }
                Err(why) => {
                    let forfeited = Self::forfeit(&challenger, &result.prover, bond);
                    Self::deposit_event(Event::ChallengeDefeated { id, challenger, forfeited, reason: why });
                }
            }
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        fn now() -> BlockNumberFor<T> {
            frame_system::Pallet::<T>::block_number()
        }

        /// The deadline `window` blocks from now: the last block in which the phase's calls
        /// are accepted. `id` is queued for the block after it and settled at its start.
        fn schedule(id: RequestId, window: BlockNumberFor<T>) -> Result<BlockNumberFor<T>, DispatchError> {
            let deadline = Self::now().saturating_add(window);
            Deadlines::<T>::try_mutate(deadline.saturating_add(One::one()), |queue| queue.try_push(id))
                .map_err(|_| Error::<T>::DeadlineQueueFull)?;
            Ok(deadline)
        }

        /// Settle a request past its deadline: pay an unchallenged result, refund a
        /// request nobody answered, convict a prover that did not respond.
        fn expire(id: RequestId, request: Request<T>) {
            match request.phase.clone() {
                Phase::Pending => {
                    let refund = request.price;
                    // Escrow holds every open request's price: cannot fail.
                    let _ = T::Credit::release(&request.client, refund);
                    Requests::<T>::remove(id);
                    Self::deposit_event(Event::Expired { id, refund });
                }
                Phase::Answered => {
                    let _ = Self::pay(id, request);
                }
                Phase::Challenged { challenger, .. } => {
                    Self::convict(id, request, &challenger, Conviction::MissedResponse);
                }
            }
        }

        /// Pay the prover its fee and the owner its royalty; close the request.
        fn pay(id: RequestId, request: Request<T>) -> DispatchResult {
            let result = request.result.ok_or(Error::<T>::WrongPhase)?;
            let terms = T::Registry::terms(&request.model).ok_or(Error::<T>::UnknownModel)?;
            let royalty = terms.royalty.mul_floor(request.price);
            let fee = request.price.saturating_sub(royalty);
            T::Credit::release(&result.prover, fee)?;
            T::Credit::release(&terms.owner, royalty)?;
            Requests::<T>::remove(id);
            Self::deposit_event(Event::Settled { id, prover: result.prover, fee, royalty });
            Ok(())
        }

        /// Slash the prover (shared by challenger and client), return an open prove-it
        /// challenger's bond, refund the client, close.
        fn convict(id: RequestId, request: Request<T>, challenger: &T::AccountId, reason: Conviction) {
            if let Phase::Challenged { challenger: prove_it, bond } = &request.phase {
                Self::release_bond(prove_it, *bond);
            }
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
            let refund = request.price;
            let _ = T::Credit::release(&request.client, refund);
            Requests::<T>::remove(id);
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

        /// Escrow equals the open requests' prices; held challenge bonds equal the open
        /// challenges'; every open request is queued at its deadline.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            use alloc::collections::btree_map::BTreeMap;
            use frame_support::traits::fungible::InspectHold;
            let mut escrow: u128 = 0;
            let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            for (id, request) in Requests::<T>::iter() {
                escrow = escrow.checked_add(request.price).ok_or("escrow overflow")?;
                if let Phase::Challenged { challenger, bond } = request.phase {
                    let entry = bonds.entry(challenger).or_insert(Zero::zero());
                    *entry = entry.saturating_add(bond);
                }
                ensure!(
                    Deadlines::<T>::get(request.deadline.saturating_add(One::one())).contains(&id),
                    "open request not queued at its deadline"
                );
            }
            ensure!(T::Credit::escrowed() == escrow, "escrow differs from the open requests' prices");
            for (who, total) in bonds {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), &who) == total,
                    "held challenge bonds differ from the open challenges"
                );
            }
            Ok(())
        }
    }
}
