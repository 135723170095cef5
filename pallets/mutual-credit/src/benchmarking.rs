//! Benchmarks (FRAME v2).

use super::*;
use crate::pallet::{BalanceOf, Pallet as Credit};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use polkadot_sdk::{frame_benchmarking, frame_support, frame_system};
use sp_runtime::traits::{Bounded, Zero};

fn funded<T: Config>(name: &'static str) -> T::AccountId
where
    T::Currency: Mutate<T::AccountId>,
{
    let who: T::AccountId = account(name, 0, 0);
    let _ = T::Currency::mint_into(&who, BalanceOf::<T>::max_value() / 4u32.into());
    who
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn transfer() {
        let from: T::AccountId = account("from", 0, 0);
        let to = funded::<T>("to");
        <Credit<T> as CreditLedger<T::AccountId>>::set_limit(&from, 1_000);
        #[extrinsic_call]
        _(RawOrigin::Signed(from.clone()), to.clone(), 500);
        assert_eq!(Balances::<T>::get(&to), 500);
    }

    #[benchmark]
    fn set_credit_limit() {
        let who: T::AccountId = account("who", 0, 0);
        #[extrinsic_call]
        _(RawOrigin::Root, who.clone(), 1_000);
        assert_eq!(Lines::<T>::get(&who).granted, 1_000);
    }

    #[benchmark]
    fn open_credit() {
        let who = funded::<T>("who");
        let collateral = T::CollateralPerCredit::get() * 100u32.into();
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), collateral);
        assert_eq!(Lines::<T>::get(&who).collateral, collateral);
    }

    #[benchmark]
    fn close_credit() -> Result<(), BenchmarkError> {
        let who = funded::<T>("who");
        let collateral = T::CollateralPerCredit::get() * 100u32.into();
        Credit::<T>::open_credit(RawOrigin::Signed(who.clone()).into(), collateral)?;
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), collateral);
        assert!(Lines::<T>::get(&who).collateral.is_zero());
        Ok(())
    }

    impl_benchmark_test_suite!(Credit, crate::mock::new_test_ext(), crate::mock::Test);
}
