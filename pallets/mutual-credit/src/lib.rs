//! # Mutual credit
//!
//! Signed credit balances that always sum to zero: paying moves credit from one account to
//! another, and an account may go negative down to its credit limit. Clients pay for
//! inference in credit; provers and model owners earn it.
//!
//! ## Overview
//!
//! * Every account's balance is an `i128`; the sum over all accounts is zero at every block.
//! * An account's credit limit is what root granted it plus what its held native
//!   collateral buys (`collateral / CollateralPerCredit`), so a sybil cannot mint credit.
//! * The escrow account (derived from [`Config::PalletId`]) holds credit for open inference
//!   requests and payment channels; it can never go negative. Other pallets move credit in
//!   and out of escrow through [`CreditLedger`], each in a [`Purse`] of its own, and the
//!   purses add up to the escrow's balance.
//!
//! ## Dispatchable functions
//!
//! * [`transfer`](Pallet::transfer) — origin: signed. Moves `amount` to `to`.
//!   Errors: [`Error::ZeroAmount`], [`Error::SelfTransfer`], [`Error::EscrowIsReserved`],
//!   [`Error::UnknownReceiver`], [`Error::CreditLimitExceeded`], [`Error::Overflow`]. Event:
//!   [`Event::Transferred`].
//! * [`set_credit_limit`](Pallet::set_credit_limit) — origin: root. Sets the granted part
//!   of an account's limit. Errors: [`Error::EscrowIsReserved`]. Event:
//!   [`Event::CreditLimitSet`].
//! * [`open_credit`](Pallet::open_credit) — origin: signed. Holds `collateral` native tokens
//!   and raises the limit by what they buy. Errors: [`Error::ZeroAmount`],
//!   [`Error::InsufficientFunds`], [`Error::Overflow`]. Event: [`Event::CreditOpened`].
//! * [`close_credit`](Pallet::close_credit) — origin: signed. Releases `collateral` if the
//!   remaining limit still covers a negative balance. Errors: [`Error::ZeroAmount`],
//!   [`Error::NotEnoughCollateral`], [`Error::BalanceNeedsCollateral`]. Event:
//!   [`Event::CreditClosed`].
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

polkadot_sdk::frame_support::parameter_types! {
    /// The pallet id the escrow account derives from, `gh/credt`: what runtimes configure
    /// as [`Config::PalletId`].
    pub const EscrowPalletId: polkadot_sdk::frame_support::PalletId =
        polkadot_sdk::frame_support::PalletId(*b"gh/credt");
}

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use polkadot_sdk::{frame_support, frame_system, sp_runtime};

/// Credit amounts (unsigned: transfers, limits) and balances (signed).
pub type Credit = u128;
/// A signed credit balance.
pub type CreditBalance = i128;

/// A named part of the escrow: each pallet that escrows credit keeps its own purse, so
/// that what it holds can be checked against its own records.
pub type Purse = [u8; 8];

/// Moving credit in and out of escrow, for the pallets that take payment.
pub trait CreditLedger<AccountId> {
    /// Move `amount` from `from` into escrow, in `purse`, within `from`'s credit limit.
    fn escrow(purse: Purse, from: &AccountId, amount: Credit) -> sp_runtime::DispatchResult;
    /// Pay `amount` out of `purse` to `to`.
    fn release(purse: Purse, to: &AccountId, amount: Credit) -> sp_runtime::DispatchResult;
    /// Credit held in `purse`.
    fn escrowed(purse: Purse) -> Credit;
    /// Move up to `amount` from `from` to `to`, as far as `from`'s limit allows (a
    /// convicted prover returning a price it was paid); returns what moved.
    fn recover(from: &AccountId, to: &AccountId, amount: Credit) -> Credit;
    /// Give `who` a credit limit (benchmarks set up payers with it).
    #[cfg(feature = "runtime-benchmarks")]
    fn set_limit(who: &AccountId, limit: Credit);
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use alloc::vec::Vec;
    use frame_support::{
        pallet_prelude::*,
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::Precision,
        },
        PalletId,
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::traits::{AccountIdConversion, CheckedAdd, CheckedSub, Zero};

    pub(crate) type BalanceOf<T> =
        <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

    #[pallet::pallet]
    pub struct Pallet<T>(_);

    #[pallet::config(with_default)]
    pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The native currency, holding collateral.
        #[pallet::no_default]
        type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        #[pallet::no_default]
        type RuntimeHoldReason: From<HoldReason>;
        /// Native tokens of collateral that buy one unit of credit limit.
        #[pallet::constant]
        #[pallet::no_default_bounds]
        type CollateralPerCredit: Get<BalanceOf<Self>>;
        /// Derives the escrow account.
        #[pallet::constant]
        #[pallet::no_default]
        type PalletId: Get<PalletId>;
        /// Weights of the calls.
        type WeightInfo: WeightInfo;
    }

    /// Default configurations, for `#[derive_impl]`: [`config_preludes::TestDefaultConfig`]
    /// is what the pallets' tests run with (a `u64` balance).
    pub mod config_preludes {
        use super::*;
        use frame_support::{derive_impl, traits::ConstU64};

        /// Ten native tokens of collateral per unit of credit.
        pub struct TestDefaultConfig;

        #[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
        impl frame_system::DefaultConfig for TestDefaultConfig {}

        #[frame_support::register_default_impl(TestDefaultConfig)]
        impl DefaultConfig for TestDefaultConfig {
            type CollateralPerCredit = ConstU64<10>;
            type WeightInfo = ();
        }
    }

    /// Why native tokens are held.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// Collateral backing a credit limit.
        Collateral,
    }

    /// Credit balance of each account (absent = 0).
    #[pallet::storage]
    pub type Balances<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, CreditBalance, ValueQuery>;

    /// What backs an account's credit limit.
    #[derive(Clone, Encode, Decode, DecodeWithMemTracking, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
    pub struct CreditLine<Balance> {
        /// Granted by root.
        pub granted: Credit,
        /// Native collateral held for this line.
        pub collateral: Balance,
    }

    /// An account's credit as clients see it (what the runtime API returns).
    #[derive(Clone, Encode, Decode, PartialEq, Eq, Debug, TypeInfo)]
    pub struct CreditAccount<Balance> {
        /// Signed credit balance.
        pub balance: CreditBalance,
        /// Full credit limit (granted plus what collateral buys).
        pub limit: Credit,
        /// The part of the limit granted by root.
        pub granted: Credit,
        /// Native collateral held.
        pub collateral: Balance,
    }

    /// Credit in escrow by purse; together they are the escrow account's balance.
    #[pallet::storage]
    pub type Purses<T: Config> = StorageMap<_, Identity, Purse, Credit, ValueQuery>;

    /// Credit lines (absent = no limit: the balance cannot go below zero).
    #[pallet::storage]
    pub type Lines<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, CreditLine<BalanceOf<T>>, ValueQuery>;

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Credit limits granted at genesis.
        pub limits: Vec<(T::AccountId, Credit)>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            let escrow = Pallet::<T>::escrow_account();
            for (who, limit) in &self.limits {
                // A chain spec that grants the escrow a limit would let it go negative.
                assert!(who != &escrow, "the genesis credit limits name the escrow account");
                Lines::<T>::mutate(who, |line| line.granted = *limit);
            }
        }
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// Credit was transferred.
        Transferred {
            /// Who paid it.
            from: T::AccountId,
            /// Who received it.
            to: T::AccountId,
            /// Credit units.
            amount: Credit,
        },
        /// Root set the granted part of a credit limit.
        CreditLimitSet {
            /// The account.
            who: T::AccountId,
            /// The limit granted.
            granted: Credit,
        },
        /// Collateral was held and the limit raised.
        CreditOpened {
            /// The account.
            who: T::AccountId,
            /// Collateral now held.
            collateral: BalanceOf<T>,
            /// The full credit limit now.
            limit: Credit,
        },
        /// Collateral was released and the limit lowered.
        CreditClosed {
            /// The account.
            who: T::AccountId,
            /// Collateral released.
            collateral: BalanceOf<T>,
            /// The full credit limit now.
            limit: Credit,
        },
        /// Credit moved into escrow.
        Escrowed {
            /// The purse it is held in.
            purse: Purse,
            /// Whose credit.
            from: T::AccountId,
            /// Credit units.
            amount: Credit,
        },
        /// Credit was paid out of escrow.
        Released {
            /// The purse it was held in.
            purse: Purse,
            /// Who received it.
            to: T::AccountId,
            /// Credit units.
            amount: Credit,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// The amount is zero: send a positive amount.
        ZeroAmount,
        /// Sender and receiver are the same account.
        SelfTransfer,
        /// The escrow account is moved only by the inference pallet.
        EscrowIsReserved,
        /// The payment would take the balance below the credit limit: open more credit
        /// with collateral, or ask for a larger limit.
        CreditLimitExceeded,
        /// The escrow does not hold that much (a bug in the caller).
        EscrowShortfall,
        /// A balance or limit left the representable range.
        Overflow,
        /// Not enough free native balance to hold as collateral.
        InsufficientFunds,
        /// Less collateral is held than asked to release.
        NotEnoughCollateral,
        /// Releasing that collateral would leave the balance below the lowered limit:
        /// pay back credit first.
        BalanceNeedsCollateral,
        /// The receiver has no account on chain (no native balance): credit balances are
        /// storage, which an account's existential deposit pays for.
        UnknownReceiver,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Transfer `amount` of credit to `to`.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::transfer())]
        pub fn transfer(origin: OriginFor<T>, to: T::AccountId, amount: Credit) -> DispatchResult {
            let from = ensure_signed(origin)?;
            ensure!(amount > 0, Error::<T>::ZeroAmount);
            ensure!(from != to, Error::<T>::SelfTransfer);
            let escrow = Self::escrow_account();
            ensure!(from != escrow && to != escrow, Error::<T>::EscrowIsReserved);
            ensure!(frame_system::Pallet::<T>::account_exists(&to), Error::<T>::UnknownReceiver);
            Self::move_credit(&from, &to, amount)?;
            Self::deposit_event(Event::Transferred { from, to, amount });
            Ok(())
        }

        /// Set the granted part of `who`'s credit limit.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::set_credit_limit())]
        pub fn set_credit_limit(origin: OriginFor<T>, who: T::AccountId, granted: Credit) -> DispatchResult {
            ensure_root(origin)?;
            ensure!(who != Self::escrow_account(), Error::<T>::EscrowIsReserved);
            Lines::<T>::mutate(&who, |line| line.granted = granted);
            Self::deposit_event(Event::CreditLimitSet { who, granted });
            Ok(())
        }

        /// Hold `collateral` native tokens and raise the credit limit by what they buy.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::open_credit())]
        pub fn open_credit(origin: OriginFor<T>, collateral: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(!collateral.is_zero(), Error::<T>::ZeroAmount);
            let mut line = Lines::<T>::get(&who);
            line.collateral = line.collateral.checked_add(&collateral).ok_or(Error::<T>::Overflow)?;
            T::Currency::hold(&HoldReason::Collateral.into(), &who, collateral)
                .map_err(|_| Error::<T>::InsufficientFunds)?;
            Lines::<T>::insert(&who, &line);
            let limit = Self::limit_of(&line)?;
            Self::deposit_event(Event::CreditOpened { who, collateral, limit });
            Ok(())
        }

        /// Release `collateral` native tokens and lower the limit accordingly.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::close_credit())]
        pub fn close_credit(origin: OriginFor<T>, collateral: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(!collateral.is_zero(), Error::<T>::ZeroAmount);
            let mut line = Lines::<T>::get(&who);
            line.collateral = line.collateral.checked_sub(&collateral).ok_or(Error::<T>::NotEnoughCollateral)?;
            let limit = Self::limit_of(&line)?;
            ensure!(Self::within(Balances::<T>::get(&who), limit), Error::<T>::BalanceNeedsCollateral);
            T::Currency::release(&HoldReason::Collateral.into(), &who, collateral, Precision::Exact)
                .map_err(|_| Error::<T>::NotEnoughCollateral)?;
            Lines::<T>::insert(&who, &line);
            Self::deposit_event(Event::CreditClosed { who, collateral, limit });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// The account holding escrowed credit.
        pub fn escrow_account() -> T::AccountId {
            T::PalletId::get().into_account_truncating()
        }

        /// The full credit limit of a line: granted plus what the collateral buys.
        pub fn limit_of(line: &CreditLine<BalanceOf<T>>) -> Result<Credit, Error<T>> {
            let per = T::CollateralPerCredit::get();
            let bought: Credit =
                if per.is_zero() { 0 } else { (line.collateral / per).try_into().map_err(|_| Error::<T>::Overflow)? };
            line.granted.checked_add(bought).ok_or(Error::<T>::Overflow)
        }

        /// `who`'s balance, limit and what backs the limit (a limit that overflows reads as
        /// unlimited: it cannot be reached).
        pub fn credit_account(who: &T::AccountId) -> CreditAccount<BalanceOf<T>> {
            let line = Lines::<T>::get(who);
            CreditAccount {
                balance: Balances::<T>::get(who),
                limit: Self::limit_of(&line).unwrap_or(Credit::MAX),
                granted: line.granted,
                collateral: line.collateral,
            }
        }

        /// `who`'s current credit limit.
        pub fn limit(who: &T::AccountId) -> Result<Credit, Error<T>> {
            Self::limit_of(&Lines::<T>::get(who))
        }

        fn within(balance: CreditBalance, limit: Credit) -> bool {
            // balance >= -limit, without negating a limit above i128::MAX.
            balance >= 0 || balance.unsigned_abs() <= limit
        }

        /// Move credit, enforcing the payer's limit; the sum of balances is unchanged.
        pub(crate) fn move_credit(from: &T::AccountId, to: &T::AccountId, amount: Credit) -> DispatchResult {
            // Reading both balances before writing either would create `amount` from nothing.
            ensure!(from != to, Error::<T>::SelfTransfer);
            let signed = CreditBalance::try_from(amount).map_err(|_| Error::<T>::Overflow)?;
            let from_balance = Balances::<T>::get(from).checked_sub(signed).ok_or(Error::<T>::Overflow)?;
            let to_balance = Balances::<T>::get(to).checked_add(signed).ok_or(Error::<T>::Overflow)?;
            ensure!(Self::within(from_balance, Self::limit(from)?), Error::<T>::CreditLimitExceeded);
            Self::store(from, from_balance);
            Self::store(to, to_balance);
            Ok(())
        }

        fn store(who: &T::AccountId, balance: CreditBalance) {
            if balance == 0 {
                Balances::<T>::remove(who);
            } else {
                Balances::<T>::insert(who, balance);
            }
        }

        /// Sum of all balances: zero at every block (checked by `try_state`).
        pub fn total() -> Option<CreditBalance> {
            Balances::<T>::iter_values().try_fold(0i128, |acc, b| acc.checked_add(b))
        }
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            ensure!(Self::total() == Some(0), "credit balances do not sum to zero");
            let purses = Purses::<T>::iter_values().try_fold(0u128, |acc, c| acc.checked_add(c));
            let escrow = Balances::<T>::get(Self::escrow_account());
            ensure!(escrow >= 0, "escrow is negative");
            ensure!(purses == Some(escrow.unsigned_abs()), "the purses do not add up to the escrow");
            Ok(())
        }
    }

    impl<T: Config> CreditLedger<T::AccountId> for Pallet<T> {
        fn escrow(purse: Purse, from: &T::AccountId, amount: Credit) -> DispatchResult {
            if amount == 0 {
                return Ok(());
            }
            let held = Purses::<T>::get(purse).checked_add(amount).ok_or(Error::<T>::Overflow)?;
            Self::move_credit(from, &Self::escrow_account(), amount)?;
            Purses::<T>::insert(purse, held);
            Self::deposit_event(Event::Escrowed { purse, from: from.clone(), amount });
            Ok(())
        }

        fn release(purse: Purse, to: &T::AccountId, amount: Credit) -> DispatchResult {
            if amount == 0 {
                return Ok(());
            }
            let held = Purses::<T>::get(purse).checked_sub(amount).ok_or(Error::<T>::EscrowShortfall)?;
            Self::move_credit(&Self::escrow_account(), to, amount)?;
            if held == 0 {
                Purses::<T>::remove(purse);
            } else {
                Purses::<T>::insert(purse, held);
            }
            Self::deposit_event(Event::Released { purse, to: to.clone(), amount });
            Ok(())
        }

        fn escrowed(purse: Purse) -> Credit {
            Purses::<T>::get(purse)
        }

        fn recover(from: &T::AccountId, to: &T::AccountId, amount: Credit) -> Credit {
            let escrow = Self::escrow_account();
            if from == to || from == &escrow || to == &escrow {
                return 0;
            }
            // Room above the limit: balance + limit, capped at i128::MAX.
            let limit = CreditBalance::try_from(Self::limit(from).unwrap_or(0)).unwrap_or(CreditBalance::MAX);
            let room = Balances::<T>::get(from).saturating_add(limit).max(0).unsigned_abs();
            let moved = amount.min(room);
            if moved == 0 || Self::move_credit(from, to, moved).is_err() {
                return 0;
            }
            Self::deposit_event(Event::Transferred { from: from.clone(), to: to.clone(), amount: moved });
            moved
        }

        #[cfg(feature = "runtime-benchmarks")]
        fn set_limit(who: &T::AccountId, limit: Credit) {
            Lines::<T>::mutate(who, |line| line.granted = limit);
        }
    }
}
