//! # Channels
//!
//! Payment channels on mutual credit: paid, verified inference at serving speed, with the
//! chain out of the request path. A client escrows a deposit of credit for one prover and
//! one model; off chain it sends requests, verifies each answer and its signed **receipt**,
//! and only then signs a **voucher** for the cumulative amount it owes. The prover redeems
//! its latest voucher whenever it likes, many channels in one call. The signed messages and
//! the judgement of a receipt live in `ghost_primitives::channel`; `docs/protocol.md` §9
//! gives the off-chain protocol and the costs.
//!
//! ## The game
//!
//! * Only the latest voucher counts: a channel records what has been redeemed, and a voucher
//!   pays the difference, never beyond the deposit. Vouchers name the chain's genesis and
//!   the channel, so none is replayed elsewhere.
//! * A client closing a channel gets the unredeemed remainder back after `CloseTimeout`
//!   blocks, time the prover has to redeem (redeeming is operational: no filler of the
//!   normal class can keep it out of a block). A prover closing a channel gives up at once.
//! * A receipt is evidence. Anyone holding one can convict its prover in one call, with no
//!   window to answer, by showing that its proof does not prove its answer or by an
//!   exclusion fraud proof, and only a receipt whose client, prover, model and price are its
//!   channel's (kept `ReceiptWindow` blocks after the channel finishes). The prover loses
//!   `slash_for(price)` of the part of its bond no open result has locked, split as the
//!   inference pallet's convictions are (`ReportReward` to the reporter, at most what the
//!   call costs, so copying a report from the pool gains nothing; `ClientShare` of the rest
//!   to the receipt's client; the remainder burned), and returns the price to the client as
//!   far as its credit allows. A receipt convicts once, and only within `ReceiptWindow`
//!   blocks of when it was issued.
//! * A prover's bond on a model is exposed while it has channels on it and for
//!   `ReceiptWindow` blocks after the last one finishes: the registry lets no exposed bond
//!   be withdrawn, so every receipt can still be punished.
//!
//! ## Dispatchable functions
//!
//! * [`open`](Pallet::open) — origin: signed (the client). Escrows `deposit` credit, holds
//!   `ChannelDeposit`. Errors: [`Error::UnknownModel`], [`Error::ModelRetired`],
//!   [`Error::NotBonded`], [`Error::SelfChannel`], [`Error::DepositBelowPrice`],
//!   [`Error::Overflow`], [`Error::InsufficientDeposit`], credit errors. Event:
//!   [`Event::Opened`].
//! * [`top_up`](Pallet::top_up) — origin: the client. Escrows more. Errors:
//!   [`Error::UnknownChannel`], [`Error::NotClient`], [`Error::Closing`],
//!   [`Error::Overflow`], credit errors. Event: [`Event::ToppedUp`].
//! * [`close`](Pallet::close) — origin: the client (starts the timeout) or the prover
//!   (closes at once). Errors: [`Error::UnknownChannel`], [`Error::NotParty`],
//!   [`Error::Closing`]. Event: [`Event::Closing`] or [`Event::Closed`].
//! * [`finish`](Pallet::finish) — origin: signed (anyone). Closes a channel whose timeout
//!   has passed. Errors: [`Error::UnknownChannel`], [`Error::NotClosing`],
//!   [`Error::TooEarly`]. Event: [`Event::Closed`].
//! * [`redeem`](Pallet::redeem) — origin: signed (the prover), operational. Redeems up to
//!   `MaxRedeem` vouchers; each is paid or refused on its own. Errors: [`Error::NoVouchers`].
//!   Events: [`Event::Redeemed`], [`Event::RedeemRefused`].
//! * [`report_receipt`](Pallet::report_receipt) — origin: signed (anyone), operational.
//!   Errors: [`Error::WrongGenesis`], [`Error::ReceiptExpired`], [`Error::AlreadyConvicted`],
//!   [`Error::BadSignature`], [`Error::ChannelForgotten`], [`Error::NotTheChannels`],
//!   [`Error::UnknownModel`], [`Error::OtherInput`], [`Error::OtherProof`],
//!   [`Error::NotGuilty`]. Event: [`Event::ReceiptConvicted`].
//! * [`forget`](Pallet::forget) — origin: signed (anyone). Drops a finished channel's
//!   record once its receipts are past their window. Errors: [`Error::ChannelForgotten`],
//!   [`Error::StillReportable`].
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

pub use ghost_primitives::channel::ChannelId;
use polkadot_sdk::{frame_support, frame_system, sp_runtime};

/// The largest deposit a channel holds: the largest credit balance (`i128::MAX`), so that
/// refunding it can never overflow.
pub const MAX_DEPOSIT: u128 = i128::MAX as u128;

/// The purse of the credit escrow that holds channel deposits.
pub const PURSE: pallet_mutual_credit::Purse = *b"gh/chanl";

/// Accounts that sign vouchers and receipts in benchmarks. Declared whatever the
/// features, so that a runtime configures it once (the workspace builds the pallets'
/// benchmarks without the runtime's).
pub trait BenchmarkHelper<AccountId, Signature> {
    /// An account that can sign, from a seed.
    fn signer(seed: u32) -> AccountId;
    /// `signer`'s signature of `message`.
    fn sign(signer: &AccountId, message: &[u8]) -> Signature;
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_support::{
        pallet_prelude::*,
        storage::{transactional::with_transaction_opaque_err, TransactionOutcome},
        traits::{fungible::MutateHold, tokens::Precision},
    };
    use frame_system::pallet_prelude::*;
    use ghost_primitives::{
        channel::{judge, Acquittal, Receipt, ReceiptEvidence, ReceiptFault, Voucher},
        Hash, ModelId,
    };
    use pallet_ghost_registry::ModelRegistry;
    use pallet_inference::{BoundedInput, MaxProofBytesOf, Penalty};
    use pallet_mutual_credit::CreditLedger;
    use sp_runtime::{
        traits::{IdentifyAccount, Saturating, Verify, Zero},
        Perbill,
    };

    pub(crate) type BalanceOf<T> = pallet_inference::BalanceOf<T>;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// Channels build on the inference pallet: its currency, registry, credit ledger,
    /// bounds and slashing rule are theirs.
    #[pallet::config]
    pub trait Config:
        polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>>
        + pallet_inference::Config<RuntimeHoldReason: From<HoldReason>>
    {
        /// What clients sign vouchers and provers receipts with.
        type Signature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>> + Parameter + DecodeWithMemTracking;
        /// Blocks a closing channel waits for its prover's last redemption.
        #[pallet::constant]
        type CloseTimeout: Get<BlockNumberFor<Self>>;
        /// Blocks after it was issued during which a receipt can be reported.
        #[pallet::constant]
        type ReceiptWindow: Get<BlockNumberFor<Self>>;
        /// Native deposit a client holds per open channel, returned when it closes.
        #[pallet::constant]
        type ChannelDeposit: Get<BalanceOf<Self>>;
        /// Most vouchers one `redeem` takes.
        #[pallet::constant]
        type MaxRedeem: Get<u32>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
        /// Signers for the benchmarks.
        type BenchmarkHelper: BenchmarkHelper<Self::AccountId, <Self as Config>::Signature>;
    }

    /// Why native tokens are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A client's deposit for an open channel.
        ChannelDeposit,
    }

    /// An open channel.
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
    pub struct Channel<T: Config> {
        /// Who pays and signs vouchers.
        pub client: T::AccountId,
        /// Who answers, signs receipts and redeems.
        pub prover: T::AccountId,
        /// The model served.
        pub model: ModelId,
        /// Credit per answer, the model's price when the channel opened.
        pub price: u128,
        /// The owner's share of what is redeemed, the model's royalty when the channel opened.
        pub royalty: Perbill,
        /// Credit escrowed for the channel in all.
        pub deposit: u128,
        /// Credit redeemed so far: the latest voucher paid, capped at the deposit.
        pub redeemed: u128,
        /// Native deposit held from the client until the channel closes.
        pub held: BalanceOf<T>,
        /// When closing, the last block the prover can redeem in.
        pub closes_at: Option<BlockNumberFor<T>>,
    }

    /// A voucher as a prover redeems it: the genesis is the chain's own.
    #[derive(
        CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo,
    )]
    #[scale_info(skip_type_params(T))]
    pub struct SignedVoucher<T: Config> {
        /// The channel.
        pub channel: ChannelId,
        /// Credit owed on it in all.
        pub amount: u128,
        /// The client's signature of the voucher's signing message.
        pub signature: <T as Config>::Signature,
    }

    /// A receipt as reported: `ghost_primitives::channel::Receipt` with bounded vectors
    /// (the same SCALE bytes).
    #[derive(
        CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo,
    )]
    #[scale_info(skip_type_params(T))]
    pub struct ReportedReceipt<T: Config> {
        /// The chain's genesis hash.
        pub genesis: Hash,
        /// The channel.
        pub channel: ChannelId,
        /// The answer's number on the channel.
        pub seq: u64,
        /// The prover's latest finalised block when it answered.
        pub at: BlockNumberFor<T>,
        /// Who answered and signed.
        pub prover: T::AccountId,
        /// Who asked.
        pub client: T::AccountId,
        /// The model.
        pub model: ModelId,
        /// The answer's price.
        pub price: u128,
        /// Hash of the input.
        pub input: Hash,
        /// The output.
        pub output: BoundedVec<i16, T::MaxOutputLen>,
        /// One link per layer.
        pub links: BoundedVec<Hash, T::MaxLayers>,
        /// Hash of the ghost proof.
        pub proof: Hash,
    }

    impl<T: Config> ReportedReceipt<T> {
        /// The primitives' receipt.
        pub fn to_receipt(&self) -> Receipt<T::AccountId, BlockNumberFor<T>> {
            Receipt {
                genesis: self.genesis,
                channel: self.channel,
                seq: self.seq,
                at: self.at,
                prover: self.prover.clone(),
                client: self.client.clone(),
                model: self.model,
                price: self.price,
                input: self.input,
                output: self.output.to_vec(),
                links: self.links.to_vec(),
                proof: self.proof,
            }
        }
    }

    /// What is shown against a receipt.
    #[derive(
        CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, DecodeWithMemTracking, TypeInfo,
    )]
    #[scale_info(skip_type_params(T))]
    pub enum Evidence<T: Config> {
        /// The encoded ghost proof the receipt names, which does not prove its answer.
        Proof(BoundedVec<u8, MaxProofBytesOf<T>>),
        /// An encoded exclusion fraud proof against its retrieval.
        Fraud(BoundedVec<u8, T::MaxFraudProofBytes>),
    }

    /// A channel's parties and terms, kept after it finishes while its receipts can be reported.
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
    pub struct Parties<T: Config> {
        /// The client.
        pub client: T::AccountId,
        /// The prover.
        pub prover: T::AccountId,
        /// The model.
        pub model: ModelId,
        /// The price.
        pub price: u128,
        /// The last block a receipt of the channel can be reported in.
        pub until: BlockNumberFor<T>,
    }

    /// A prover's exposure on a model: receipts it signed may be reported while it has
    /// open channels and until `until`.
    #[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
    pub struct Exposure<BlockNumber> {
        /// Open channels (closing ones included).
        pub open: u32,
        /// The last block a receipt of a finished channel can be reported in.
        pub until: BlockNumber,
    }

    /// Why one voucher of a `redeem` paid nothing.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
    pub enum Refusal {
        /// No open channel has this id (it may have finished).
        UnknownChannel,
        /// The channel is another prover's.
        NotProver,
        /// The voucher is not above what was redeemed (or the deposit is spent).
        Stale,
        /// The client did not sign this voucher.
        BadSignature,
        /// Paying out failed (a balance out of range); nothing moved.
        PaymentFailed,
    }

    /// The next channel id.
    #[pallet::storage]
    pub type NextChannelId<T> = StorageValue<_, ChannelId, ValueQuery>;

    /// Open channels.
    #[pallet::storage]
    pub type Channels<T: Config> = StorageMap<_, Twox64Concat, ChannelId, Channel<T>>;

    /// Provers' exposure by model.
    #[pallet::storage]
    pub type Exposures<T: Config> =
        StorageDoubleMap<_, Identity, ModelId, Blake2_128Concat, T::AccountId, Exposure<BlockNumberFor<T>>, ValueQuery>;

    /// Who and what a finished channel was, until its receipts can no longer be reported:
    /// a receipt is judged against its channel's parties, model and price.
    #[pallet::storage]
    pub type Finished<T: Config> = StorageMap<_, Twox64Concat, ChannelId, Parties<T>>;

    /// Receipts that convicted, by digest, with the block: none convicts twice.
    #[pallet::storage]
    pub type Convicted<T: Config> = StorageMap<_, Identity, Hash, BlockNumberFor<T>>;

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A client opened a channel.
        Opened {
            /// The channel.
            channel: ChannelId,
            /// Who pays.
            client: T::AccountId,
            /// Who serves.
            prover: T::AccountId,
            /// The model.
            model: ModelId,
            /// Credit per answer.
            price: u128,
            /// Credit escrowed.
            deposit: u128,
        },
        /// A client escrowed more.
        ToppedUp {
            /// The channel.
            channel: ChannelId,
            /// Credit escrowed in all now.
            deposit: u128,
        },
        /// A client started closing a channel.
        Closing {
            /// The channel.
            channel: ChannelId,
            /// The last block its prover can redeem in.
            closes_at: BlockNumberFor<T>,
        },
        /// A channel closed: the client got the unredeemed remainder back.
        Closed {
            /// The channel.
            channel: ChannelId,
            /// Credit redeemed over its life.
            redeemed: u128,
            /// Credit returned to the client.
            refund: u128,
        },
        /// A voucher was redeemed.
        Redeemed {
            /// The channel.
            channel: ChannelId,
            /// Credit redeemed in all now.
            redeemed: u128,
            /// Paid to the prover now.
            fee: u128,
            /// Paid to the model's owner now.
            royalty: u128,
        },
        /// A voucher paid nothing.
        RedeemRefused {
            /// The channel it named.
            channel: ChannelId,
            /// Why.
            reason: Refusal,
        },
        /// A receipt convicted its prover.
        ReceiptConvicted {
            /// The receipt's digest.
            receipt: Hash,
            /// Its channel.
            channel: ChannelId,
            /// The prover.
            prover: T::AccountId,
            /// Who reported it.
            reporter: T::AccountId,
            /// What convicted it.
            fault: ReceiptFault,
            /// Bond taken in all.
            slashed: BalanceOf<T>,
            /// Of it, paid to the reporter.
            reward: BalanceOf<T>,
            /// Of it, paid to the client.
            compensation: BalanceOf<T>,
            /// Of it, burned.
            burned: BalanceOf<T>,
            /// Credit the prover returned to the client.
            refund: u128,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// No model has this id.
        UnknownModel,
        /// The model is retired: open a channel on a current version.
        ModelRetired,
        /// The prover is not bonded on the model.
        NotBonded,
        /// A deposit pays for at least one answer.
        DepositBelowPrice,
        /// A client cannot open a channel to itself.
        SelfChannel,
        /// Not enough free native balance for the channel deposit.
        InsufficientDeposit,
        /// No open channel has this id.
        UnknownChannel,
        /// Only the channel's client may do this.
        NotClient,
        /// Only the channel's client or prover may do this.
        NotParty,
        /// The channel is closing.
        Closing,
        /// The channel is not closing: its client closes it first.
        NotClosing,
        /// The channel's timeout has not passed: its prover may still redeem.
        TooEarly,
        /// An amount left the representable range.
        Overflow,
        /// `redeem` takes at least one voucher.
        NoVouchers,
        /// The receipt names another chain.
        WrongGenesis,
        /// The receipt is older than the receipt window, or from a future block.
        ReceiptExpired,
        /// This receipt has convicted already.
        AlreadyConvicted,
        /// The signature is not the receipt's prover's.
        BadSignature,
        /// The input shown is not the one the receipt names.
        OtherInput,
        /// The proof shown is not the one the receipt names.
        OtherProof,
        /// The evidence does not refute the receipt: its proof verifies, or the fraud
        /// proof fails. Nothing changed.
        NotGuilty,
        /// The receipt's client, prover, model or price are not its channel's.
        NotTheChannels,
        /// The channel finished long enough ago that its receipts are past their window.
        ChannelForgotten,
        /// The finished channel's receipts can still be reported.
        StillReportable,
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
        /// Open a channel to `prover` for `model`, escrowing `deposit` credit (at least the
        /// model's price).
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::open())]
        pub fn open(origin: OriginFor<T>, prover: T::AccountId, model: ModelId, deposit: u128) -> DispatchResult {
            let client = ensure_signed(origin)?;
            let terms = T::Registry::terms(&model).ok_or(Error::<T>::UnknownModel)?;
            ensure!(terms.active, Error::<T>::ModelRetired);
            ensure!(T::Registry::is_bonded(&model, &prover), Error::<T>::NotBonded);
            ensure!(client != prover, Error::<T>::SelfChannel);
            ensure!(deposit >= terms.price, Error::<T>::DepositBelowPrice);
            ensure!(deposit <= MAX_DEPOSIT, Error::<T>::Overflow);
            let held = T::ChannelDeposit::get();
            T::Currency::hold(&HoldReason::ChannelDeposit.into(), &client, held)
                .map_err(|_| Error::<T>::InsufficientDeposit)?;
            T::Credit::escrow(PURSE, &client, deposit)?;
            let channel = NextChannelId::<T>::mutate(|n| {
                let id = *n;
                *n = n.saturating_add(1);
                id
            });
            Exposures::<T>::mutate(model, &prover, |e| e.open = e.open.saturating_add(1));
            let record = Channel {
                client: client.clone(),
                prover: prover.clone(),
                model,
                price: terms.price,
                royalty: terms.royalty,
                deposit,
                redeemed: 0,
                held,
                closes_at: None,
            };
            Channels::<T>::insert(channel, record);
            Self::deposit_event(Event::Opened { channel, client, prover, model, price: terms.price, deposit });
            Ok(())
        }

        /// Escrow `amount` more credit in `channel`.
        #[pallet::call_index(1)]
        #[pallet::weight(<T as Config>::WeightInfo::top_up())]
        pub fn top_up(origin: OriginFor<T>, channel: ChannelId, amount: u128) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut record = Channels::<T>::get(channel).ok_or(Error::<T>::UnknownChannel)?;
            ensure!(record.client == who, Error::<T>::NotClient);
            ensure!(record.closes_at.is_none(), Error::<T>::Closing);
            record.deposit =
                record.deposit.checked_add(amount).filter(|d| *d <= MAX_DEPOSIT).ok_or(Error::<T>::Overflow)?;
            T::Credit::escrow(PURSE, &who, amount)?;
            let deposit = record.deposit;
            Channels::<T>::insert(channel, record);
            Self::deposit_event(Event::ToppedUp { channel, deposit });
            Ok(())
        }

        /// Close `channel`. Its client starts the timeout, after which anyone may
        /// [`finish`](Pallet::finish) it; its prover closes it at once, giving up whatever
        /// it has not redeemed.
        #[pallet::call_index(2)]
        #[pallet::weight(<T as Config>::WeightInfo::close_by_client().max(<T as Config>::WeightInfo::finish()))]
        pub fn close(origin: OriginFor<T>, channel: ChannelId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut record = Channels::<T>::get(channel).ok_or(Error::<T>::UnknownChannel)?;
            if who == record.prover {
                Self::do_finish(channel, record);
                return Ok(());
            }
            ensure!(who == record.client, Error::<T>::NotParty);
            ensure!(record.closes_at.is_none(), Error::<T>::Closing);
            let closes_at = Self::now().saturating_add(T::CloseTimeout::get());
            record.closes_at = Some(closes_at);
            Channels::<T>::insert(channel, record);
            Self::deposit_event(Event::Closing { channel, closes_at });
            Ok(())
        }

        /// Finish closing `channel` once its timeout has passed: the client gets the
        /// unredeemed remainder and its deposit back. Anyone may call it.
        #[pallet::call_index(3)]
        #[pallet::weight(<T as Config>::WeightInfo::finish())]
        pub fn finish(origin: OriginFor<T>, channel: ChannelId) -> DispatchResult {
            ensure_signed(origin)?;
            let record = Channels::<T>::get(channel).ok_or(Error::<T>::UnknownChannel)?;
            let closes_at = record.closes_at.ok_or(Error::<T>::NotClosing)?;
            ensure!(Self::now() > closes_at, Error::<T>::TooEarly);
            Self::do_finish(channel, record);
            Ok(())
        }

        /// Redeem the latest voucher of each of several channels. Each pays what it adds to
        /// its channel's redeemed amount, up to the deposit: the fee to the prover, the
        /// royalty to the model's owner. A voucher that pays nothing is refused on its own
        /// (an event says why); the others still pay.
        #[pallet::call_index(4)]
        #[pallet::weight((<T as Config>::WeightInfo::redeem(vouchers.len() as u32), DispatchClass::Operational))]
        pub fn redeem(origin: OriginFor<T>, vouchers: BoundedVec<SignedVoucher<T>, T::MaxRedeem>) -> DispatchResult {
            let prover = ensure_signed(origin)?;
            ensure!(!vouchers.is_empty(), Error::<T>::NoVouchers);
            let genesis = Self::genesis();
            for voucher in vouchers {
                let channel = voucher.channel;
                // All of one voucher's payment or none of it.
                let paid = with_transaction_opaque_err(|| match Self::redeem_one(&prover, genesis, voucher) {
                    Ok(paid) => TransactionOutcome::Commit(Ok(paid)),
                    Err(refused) => TransactionOutcome::Rollback(Err(refused)),
                })
                .unwrap_or(Err(Refusal::PaymentFailed));
                match paid {
                    Ok((redeemed, fee, royalty)) => {
                        Self::deposit_event(Event::Redeemed { channel, redeemed, fee, royalty })
                    }
                    Err(reason) => Self::deposit_event(Event::RedeemRefused { channel, reason }),
                }
            }
            Ok(())
        }

        /// Convict the prover of `receipt` on `evidence`: its ghost proof, which does not
        /// prove its answer to `input`, or an exclusion fraud proof. Anyone may call it,
        /// within `ReceiptWindow` blocks of the receipt's `at`. Charged for the heaviest
        /// verification before dispatch; the difference to this model's is refunded.
        #[pallet::call_index(5)]
        #[pallet::weight((<T as Config>::WeightInfo::report_receipt()
            .saturating_add(Pallet::<T>::evidence_weight(evidence, None)), DispatchClass::Operational))]
        // Boxed so that the receipt does not make every `RuntimeCall` as large as itself.
        #[allow(clippy::boxed_local)]
        pub fn report_receipt(
            origin: OriginFor<T>,
            receipt: alloc::boxed::Box<ReportedReceipt<T>>,
            signature: <T as Config>::Signature,
            input: BoundedInput<T>,
            evidence: Evidence<T>,
        ) -> DispatchResultWithPostInfo {
            let reporter = ensure_signed(origin)?;
            ensure!(receipt.genesis == Self::genesis(), Error::<T>::WrongGenesis);
            let now = Self::now();
            ensure!(
                receipt.at <= now && now <= receipt.at.saturating_add(T::ReceiptWindow::get()),
                Error::<T>::ReceiptExpired
            );
            let full = receipt.to_receipt();
            let digest = full.digest();
            ensure!(!Convicted::<T>::contains_key(digest), Error::<T>::AlreadyConvicted);
            ensure!(signature.verify(&full.signing_message()[..], &receipt.prover), Error::<T>::BadSignature);
            let parties = Self::parties(receipt.channel, now)?;
            ensure!(
                parties.client == receipt.client
                    && parties.prover == receipt.prover
                    && parties.model == receipt.model
                    && parties.price == receipt.price,
                Error::<T>::NotTheChannels
            );
            let verifier = T::Registry::verifier(&receipt.model).ok_or(Error::<T>::UnknownModel)?;
            let terms = T::Registry::terms(&receipt.model).ok_or(Error::<T>::UnknownModel)?;
            let shown = match &evidence {
                Evidence::Proof(bytes) => ReceiptEvidence::Proof(bytes),
                Evidence::Fraud(bytes) => ReceiptEvidence::Fraud(bytes),
            };
            let fault = judge(&verifier, &full, &input.to_input(), shown).map_err(|why| match why {
                Acquittal::OtherInput => Error::<T>::OtherInput,
                Acquittal::OtherProof => Error::<T>::OtherProof,
                Acquittal::OtherModel => Error::<T>::UnknownModel,
                Acquittal::Honest(_) => Error::<T>::NotGuilty,
            })?;
            Convicted::<T>::insert(digest, now);
            let (model, prover, client) = (&receipt.model, &receipt.prover, &receipt.client);
            // Only the part of the bond no open result has locked: the slash is locked first,
            // so it comes out of that lock and every other lock stays backed.
            let due = pallet_inference::Pallet::<T>::slash_for(receipt.price);
            let amount = T::Registry::lock_free_part(model, prover, due);
            let Penalty { slashed, reward, compensation, burned } =
                pallet_inference::Pallet::<T>::penalise(model, prover, amount, &reporter, client);
            let refund = T::Credit::recover(prover, client, receipt.price);
            Self::deposit_event(Event::ReceiptConvicted {
                receipt: digest,
                channel: receipt.channel,
                prover: prover.clone(),
                reporter,
                fault,
                slashed,
                reward,
                compensation,
                burned,
                refund,
            });
            Ok(Some(
                <T as Config>::WeightInfo::report_receipt()
                    .saturating_add(Self::evidence_weight(&evidence, Some(&terms.shape))),
            )
            .into())
        }

        /// Forget a finished channel whose receipts are past their window. Anyone may call
        /// it; it frees the record receipts were judged against.
        #[pallet::call_index(6)]
        #[pallet::weight(<T as Config>::WeightInfo::close_by_client())]
        pub fn forget(origin: OriginFor<T>, channel: ChannelId) -> DispatchResult {
            ensure_signed(origin)?;
            let parties = Finished::<T>::get(channel).ok_or(Error::<T>::ChannelForgotten)?;
            ensure!(Self::now() > parties.until, Error::<T>::StillReportable);
            Finished::<T>::remove(channel);
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        fn now() -> BlockNumberFor<T> {
            frame_system::Pallet::<T>::block_number()
        }

        /// The chain's genesis hash, which every voucher and receipt names.
        pub fn genesis() -> Hash {
            let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
            let mut out = [0u8; 32];
            let bytes = hash.as_ref();
            let n = bytes.len().min(32);
            out[..n].copy_from_slice(&bytes[..n]);
            out
        }

        /// The weight of judging `evidence` against a receipt of a model of `shape`; without
        /// a shape, the worst any admitted model has.
        pub fn evidence_weight(evidence: &Evidence<T>, shape: Option<&ghost_primitives::ModelShape>) -> Weight {
            match evidence {
                Evidence::Proof(_) => pallet_inference::Pallet::<T>::verify_weight(shape),
                Evidence::Fraud(bytes) => {
                    let file = shape.map_or_else(T::Registry::max_ghost_file_bytes, |s| s.file_bytes);
                    <<T as pallet_inference::Config>::WeightInfo as pallet_inference::WeightInfo>::report_exclusion(
                        bytes.len() as u32,
                    )
                    .saturating_add(T::Registry::load_ghost_file_weight(file))
                }
            }
        }

        /// The parties and terms of `channel`, open or finished and still reportable at `now`.
        fn parties(channel: ChannelId, now: BlockNumberFor<T>) -> Result<Parties<T>, Error<T>> {
            if let Some(c) = Channels::<T>::get(channel) {
                let until = now.saturating_add(T::ReceiptWindow::get());
                return Ok(Parties { client: c.client, prover: c.prover, model: c.model, price: c.price, until });
            }
            Finished::<T>::get(channel).filter(|p| now <= p.until).ok_or(Error::<T>::ChannelForgotten)
        }

        /// Whether `prover`'s receipts on `model` may still be reported.
        pub fn is_exposed(model: &ModelId, prover: &T::AccountId) -> bool {
            let exposure = Exposures::<T>::get(model, prover);
            exposure.open > 0 || Self::now() <= exposure.until
        }

        fn redeem_one(
            prover: &T::AccountId,
            genesis: Hash,
            voucher: SignedVoucher<T>,
        ) -> Result<(u128, u128, u128), Refusal> {
            let mut record = Channels::<T>::get(voucher.channel).ok_or(Refusal::UnknownChannel)?;
            ensure!(&record.prover == prover, Refusal::NotProver);
            let upto = voucher.amount.min(record.deposit);
            ensure!(upto > record.redeemed, Refusal::Stale);
            let signed = Voucher { genesis, channel: voucher.channel, amount: voucher.amount };
            ensure!(voucher.signature.verify(&signed.signing_message()[..], &record.client), Refusal::BadSignature);
            let paid = upto.saturating_sub(record.redeemed);
            let royalty = record.royalty.mul_floor(paid);
            let fee = paid.saturating_sub(royalty);
            // A model reaped since the channel opened has no owner left: its share goes
            // with the fee.
            let (fee, royalty) = match T::Registry::terms(&record.model) {
                Some(terms) => {
                    T::Credit::release(PURSE, &terms.owner, royalty).map_err(|_| Refusal::PaymentFailed)?;
                    (fee, royalty)
                }
                None => (paid, 0),
            };
            T::Credit::release(PURSE, prover, fee).map_err(|_| Refusal::PaymentFailed)?;
            record.redeemed = upto;
            Channels::<T>::insert(voucher.channel, record);
            Ok((upto, fee, royalty))
        }

        /// Refund the unredeemed remainder and the native deposit, record the exposure the
        /// channel leaves, and remove it.
        fn do_finish(channel: ChannelId, record: Channel<T>) {
            let refund = record.deposit.saturating_sub(record.redeemed);
            // The purse holds every open channel's remainder (an invariant): cannot fail.
            let _ = T::Credit::release(PURSE, &record.client, refund);
            let _ = T::Currency::release(
                &HoldReason::ChannelDeposit.into(),
                &record.client,
                record.held,
                Precision::BestEffort,
            );
            let until = Self::now()
                .saturating_add(T::ReceiptWindow::get())
                .saturating_add(ghost_primitives::channel::MAX_RECEIPT_SKEW.into());
            Exposures::<T>::mutate(record.model, &record.prover, |e| {
                e.open = e.open.saturating_sub(1);
                e.until = e.until.max(until);
            });
            let parties = Parties {
                client: record.client.clone(),
                prover: record.prover.clone(),
                model: record.model,
                price: record.price,
                until,
            };
            Finished::<T>::insert(channel, parties);
            Channels::<T>::remove(channel);
            Self::deposit_event(Event::Closed { channel, redeemed: record.redeemed, refund });
        }

        /// The purse equals the open channels' unredeemed deposits; nothing is redeemed
        /// beyond a deposit; held channel deposits equal the records; every prover's count
        /// of open channels is right.
        pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
            use alloc::collections::btree_map::BTreeMap;
            use frame_support::traits::fungible::InspectHold;
            let mut escrow: u128 = 0;
            let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
            let mut open: BTreeMap<(ModelId, T::AccountId), u32> = BTreeMap::new();
            for (_, channel) in Channels::<T>::iter() {
                ensure!(channel.redeemed <= channel.deposit, "redeemed beyond the deposit");
                let remainder = channel.deposit.saturating_sub(channel.redeemed);
                escrow = escrow.checked_add(remainder).ok_or("escrow overflow")?;
                let entry = held.entry(channel.client.clone()).or_insert(Zero::zero());
                *entry = entry.saturating_add(channel.held);
                *open.entry((channel.model, channel.prover.clone())).or_insert(0) += 1;
            }
            ensure!(T::Credit::escrowed(PURSE) == escrow, "the purse differs from the channels' remainders");
            for (who, total) in held {
                ensure!(
                    T::Currency::balance_on_hold(&HoldReason::ChannelDeposit.into(), &who) == total,
                    "held channel deposits differ from the channels"
                );
            }
            for (model, prover, exposure) in Exposures::<T>::iter() {
                let counted = open.remove(&(model, prover)).unwrap_or(0);
                ensure!(exposure.open == counted, "a prover's open channel count is wrong");
            }
            ensure!(open.is_empty(), "a channel's prover has no exposure record");
            Ok(())
        }
    }

    impl<T: Config> pallet_ghost_registry::ProverExposure<T::AccountId> for Pallet<T> {
        fn exposed(model: &ModelId, prover: &T::AccountId) -> bool {
            Self::is_exposed(model, prover)
        }
    }
}
