//! Weights of `pallet-ghost-registry`.
//!
//! Conservative estimates until the benchmark machinery of `ghost-node` regenerates this
//! file (`ghost-node benchmark pallet --pallet pallet_ghost_registry --extrinsic '*'
//! --output pallets/ghost-registry/src/weights.rs`); the benchmarks are in `benchmarking.rs`.
//! `b` is ghost-file bytes, `n` changed rows, `w` entries of the widest changed row.

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions of the calls.
pub trait WeightInfo {
    fn register(b: u32) -> Weight;
    fn publish_update(n: u32, w: u32) -> Weight;
    fn retire() -> Weight;
    fn bond() -> Weight;
    fn unbond() -> Weight;
    fn withdraw() -> Weight;
}

fn register(b: u32, db: polkadot_sdk::frame_support::weights::RuntimeDbWeight) -> Weight {
    // Decoding and hashing the file is linear in its bytes.
    Weight::from_parts(60_000_000, 4_000)
        .saturating_add(Weight::from_parts(20_000, 2).saturating_mul(b.into()))
        .saturating_add(db.reads_writes(3, 4))
}

fn publish_update(n: u32, w: u32, db: polkadot_sdk::frame_support::weights::RuntimeDbWeight) -> Weight {
    // Decode the parent file (bounded by MaxGhostFileBytes), hash 2n leaves and two
    // multiproof paths per row.
    Weight::from_parts(2_000_000_000, 1_100_000)
        .saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(n.into()))
        .saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(w.into()))
        .saturating_add(db.reads_writes(4, 4))
}

/// Weights for a runtime, using its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn register(b: u32) -> Weight {
        register(b, T::DbWeight::get())
    }
    fn publish_update(n: u32, w: u32) -> Weight {
        publish_update(n, w, T::DbWeight::get())
    }
    fn retire() -> Weight {
        Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
    }
    fn bond() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(4, 3))
    }
    fn unbond() -> Weight {
        Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
    }
    fn withdraw() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
    }
}

/// For tests: the same figures against RocksDB weights.
impl WeightInfo for () {
    fn register(b: u32) -> Weight {
        register(b, RocksDbWeight::get())
    }
    fn publish_update(n: u32, w: u32) -> Weight {
        publish_update(n, w, RocksDbWeight::get())
    }
    fn retire() -> Weight {
        Weight::from_parts(20_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
    }
    fn bond() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(RocksDbWeight::get().reads_writes(4, 3))
    }
    fn unbond() -> Weight {
        Weight::from_parts(20_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
    }
    fn withdraw() -> Weight {
        Weight::from_parts(60_000_000, 8_000).saturating_add(RocksDbWeight::get().reads_writes(3, 3))
    }
}
