//! Weights of `pallet-mutual-credit`.
//!
//! Conservative estimates until the benchmark machinery of `ghost-node` regenerates this
//! file (`ghost-node benchmark pallet --pallet pallet_mutual_credit --extrinsic '*'
//! --output pallets/mutual-credit/src/weights.rs`); the benchmarks are in `benchmarking.rs`.

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions of the calls.
pub trait WeightInfo {
    fn transfer() -> Weight;
    fn set_credit_limit() -> Weight;
    fn open_credit() -> Weight;
    fn close_credit() -> Weight;
}

/// Weights for a runtime, using its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn transfer() -> Weight {
        // Reads: both balances, the payer's line. Writes: both balances.
        Weight::from_parts(40_000_000, 6_000).saturating_add(T::DbWeight::get().reads_writes(3, 2))
    }
    fn set_credit_limit() -> Weight {
        Weight::from_parts(15_000_000, 3_600).saturating_add(T::DbWeight::get().reads_writes(1, 1))
    }
    fn open_credit() -> Weight {
        // Line, account, holds. Writes: line, account, holds.
        Weight::from_parts(60_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
    }
    fn close_credit() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(4, 3))
    }
}

/// For tests: the same figures against RocksDB weights.
impl WeightInfo for () {
    fn transfer() -> Weight {
        Weight::from_parts(40_000_000, 6_000).saturating_add(RocksDbWeight::get().reads_writes(3, 2))
    }
    fn set_credit_limit() -> Weight {
        Weight::from_parts(15_000_000, 3_600).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
    }
    fn open_credit() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(RocksDbWeight::get().reads_writes(3, 3))
    }
    fn close_credit() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(RocksDbWeight::get().reads_writes(4, 3))
    }
}
