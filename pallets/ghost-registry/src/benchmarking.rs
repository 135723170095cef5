//! Benchmarks (FRAME v2), with real ghost files and sparse updates.

use super::*;
use crate::pallet::{BalanceOf, Pallet as Registry};
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use ghost_primitives::{testing, Model, ModelUpdate, Shape};
use polkadot_sdk::{frame_benchmarking, frame_support, frame_system};
use sp_runtime::traits::Bounded;

fn funded<T: Config>(name: &'static str) -> T::AccountId {
    let who: T::AccountId = account(name, 0, 0);
    let _ = T::Currency::mint_into(&who, BalanceOf::<T>::max_value() / 4u32.into());
    who
}

/// A model whose ghost file has about `lists * 4` bytes of offsets.
fn model_with_lists(lists: u32) -> Model {
    let n = lists.max(1) * 4;
    testing::model(7, &[Shape::new(n, lists.max(1)).widths(16, 16).select(8, 1)]).expect("benchmark model")
}

fn update_of(m: &Model, rows: u32) -> ModelUpdate {
    let indices: Vec<u32> = (0..rows).map(|i| i * 2).collect();
    testing::value_update(m, 0, &indices, |v| v ^ 1, None).expect("indices in range")
}

/// Commit `owner` to `m` and move to the next block, where it may be registered.
fn committed<T: Config>(owner: &T::AccountId, m: &Model) {
    let commitment = Registry::<T>::registration_commitment(owner, &m.id());
    Registry::<T>::commit_registration(RawOrigin::Signed(owner.clone()).into(), commitment).expect("commits");
    let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
    frame_system::Pallet::<T>::set_block_number(next);
}

fn registered<T: Config>(owner: &T::AccountId, m: &Model) -> ModelId {
    let bytes: BoundedVec<u8, T::MaxGhostFileBytes> = m.ghost_file().encode().try_into().expect("fits");
    committed::<T>(owner, m);
    Registry::<T>::register(RawOrigin::Signed(owner.clone()).into(), bytes, 1, Perbill::zero()).expect("registers");
    m.id()
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    // Linear in the bytes; measured up to 64 KiB (a model with 16,000 lists) and
    // extrapolated, so the set-up model stays small enough for the wasm heap.
    fn register(b: Linear<256, { T::MaxGhostFileBytes::get().min(64 * 1024) }>) {
        let owner = funded::<T>("owner");
        // Offsets are 4 bytes per list: choose lists so the file is about `b` bytes.
        let m = model_with_lists((b.saturating_sub(200) / 4).max(1));
        let bytes: BoundedVec<u8, T::MaxGhostFileBytes> = m.ghost_file().encode().try_into().expect("fits");
        committed::<T>(&owner, &m);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), bytes, 1, Perbill::zero());
        assert!(Models::<T>::contains_key(m.id()));
    }

    /// `e` row entries in the update (old and new rows): the widest rows the chain admits
    /// (d = e = 1024), as many as `e` needs, at most `MaxUpdateRows`. The parent's ghost
    /// file is small: loading it is `load_ghost_file`.
    #[benchmark]
    fn publish_update(e: Linear<4, { T::MaxUpdateRows::get() * 4 * 1024 }>) {
        let owner = funded::<T>("owner");
        let rows = e.div_ceil(4 * 1024).clamp(1, T::MaxUpdateRows::get());
        let half = (e / rows / 4).clamp(1, 1024);
        let m = testing::model(7, &[Shape::new(2 * rows, 1).widths(half, half).select(1, 1)]).expect("benchmark model");
        let id = registered::<T>(&owner, &m);
        let update = update_of(&m, rows);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id, update, 1, Perbill::zero());
    }

    /// Reading and decoding a stored ghost file of about `f` bytes (what the verifying
    /// calls do with their model), then validating, encoding and hashing it (what
    /// `publish_update` does with the new version): an upper bound for both.
    #[benchmark]
    fn load_ghost_file(f: Linear<256, { T::MaxGhostFileBytes::get() }>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        // One list per 4 bytes of offsets, one narrow row per list.
        let lists = (f.saturating_sub(200) / 4).clamp(1, ghost_primitives::limits::MAX_LISTS);
        let m = testing::model(7, &[Shape::new(lists, lists).widths(1, 1).select(1, 1)]).expect("benchmark model");
        let id = registered::<T>(&owner, &m);
        #[block]
        {
            let stored = Registry::<T>::verifier_of(&id).ok_or(BenchmarkError::Stop("stored"))?;
            let checked =
                ghost_primitives::Verifier::new(stored.into_file()).map_err(|_| BenchmarkError::Stop("valid"))?;
            assert_eq!(checked.id(), id);
        }
        Ok(())
    }

    #[benchmark]
    fn commit_registration() {
        let owner = funded::<T>("owner");
        let commitment = Registry::<T>::registration_commitment(&owner, &[7; 32]);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), commitment);
        assert!(Commitments::<T>::contains_key(commitment));
    }

    #[benchmark]
    fn cancel_commitment() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let commitment = Registry::<T>::registration_commitment(&owner, &[7; 32]);
        Registry::<T>::commit_registration(RawOrigin::Signed(owner.clone()).into(), commitment)?;
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), commitment);
        assert!(!Commitments::<T>::contains_key(commitment));
        Ok(())
    }

    #[benchmark]
    fn retire() {
        let owner = funded::<T>("owner");
        let id = registered::<T>(&owner, &model_with_lists(4));
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert_eq!(Models::<T>::get(id).map(|m| m.status), Some(ModelStatus::Retired));
    }

    #[benchmark]
    fn bond() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let prover = funded::<T>("prover");
        let id = registered::<T>(&owner, &model_with_lists(4));
        // The longest endpoint: validated byte by byte and stored.
        let mut url = b"https://".to_vec();
        url.resize(T::MaxEndpointBytes::get() as usize, b'p');
        let endpoint: crate::EndpointOf<T> = url.try_into().map_err(|_| BenchmarkError::Stop("endpoint bound"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(prover.clone()), id, T::MinBond::get(), endpoint);
        assert!(Bonds::<T>::contains_key(id, &prover));
        Ok(())
    }

    #[benchmark]
    fn unbond() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let prover = funded::<T>("prover");
        let id = registered::<T>(&owner, &model_with_lists(4));
        Registry::<T>::bond(RawOrigin::Signed(prover.clone()).into(), id, T::MinBond::get(), Default::default())?;
        #[extrinsic_call]
        _(RawOrigin::Signed(prover.clone()), id);
        Ok(())
    }

    #[benchmark]
    fn withdraw() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let prover = funded::<T>("prover");
        let id = registered::<T>(&owner, &model_with_lists(4));
        Registry::<T>::bond(RawOrigin::Signed(prover.clone()).into(), id, T::MinBond::get(), Default::default())?;
        Registry::<T>::unbond(RawOrigin::Signed(prover.clone()).into(), id)?;
        let later = frame_system::Pallet::<T>::block_number() + T::UnbondingDelay::get();
        frame_system::Pallet::<T>::set_block_number(later);
        #[extrinsic_call]
        _(RawOrigin::Signed(prover.clone()), id);
        assert!(!Bonds::<T>::contains_key(id, &prover));
        Ok(())
    }

    impl_benchmark_test_suite!(Registry, crate::mock::new_test_ext(), crate::mock::Test);
}
