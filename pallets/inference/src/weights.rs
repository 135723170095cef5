//! Weights of `pallet-inference`.
//!
//! Conservative estimates until the benchmark machinery of `ghost-node` regenerates this
//! file (`ghost-node benchmark pallet --pallet pallet_inference --extrinsic '*'
//! --output pallets/inference/src/weights.rs`); the benchmarks are in `benchmarking.rs`.
//! `i` is input entries, `o` output entries, `l` links, `b` proof bytes, `n` deadlines.
//! Proof-dependent calls also decode the model's ghost file, bounded by the registry's
//! `MaxGhostFileBytes`, which the base figure covers.

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions of the calls and the deadline hook.
pub trait WeightInfo {
    fn request(i: u32) -> Weight;
    fn submit_result(o: u32, l: u32) -> Weight;
    fn accept() -> Weight;
    fn settle() -> Weight;
    fn challenge() -> Weight;
    fn respond(b: u32) -> Weight;
    fn report_exclusion(b: u32) -> Weight;
    fn on_initialize(n: u32) -> Weight;
}

fn figures(db: RuntimeDbWeight) -> [Weight; 6] {
    [
        // request: terms, escrow (2 balances + line), next id, queue, request.
        Weight::from_parts(80_000_000, 12_000).saturating_add(db.reads_writes(6, 5)),
        // submit_result: request, bond, queue.
        Weight::from_parts(50_000_000, 12_000).saturating_add(db.reads_writes(3, 2)),
        // accept / settle (worst: a conviction, two slashes and a refund).
        Weight::from_parts(150_000_000, 20_000).saturating_add(db.reads_writes(10, 9)),
        // challenge: request, hold, queue.
        Weight::from_parts(60_000_000, 12_000).saturating_add(db.reads_writes(4, 4)),
        // respond / report_exclusion base: decode the ghost file and verify.
        Weight::from_parts(1_500_000_000, 1_100_000).saturating_add(db.reads_writes(12, 10)),
        // per deadline in on_initialize: as settle.
        Weight::from_parts(150_000_000, 20_000).saturating_add(db.reads_writes(10, 9)),
    ]
}

fn request(i: u32, db: RuntimeDbWeight) -> Weight {
    figures(db)[0].saturating_add(Weight::from_parts(10_000, 2).saturating_mul(i.into()))
}
fn submit_result(o: u32, l: u32, db: RuntimeDbWeight) -> Weight {
    figures(db)[1]
        .saturating_add(Weight::from_parts(10_000, 2).saturating_mul(o.into()))
        .saturating_add(Weight::from_parts(50_000, 32).saturating_mul(l.into()))
}
fn verify(b: u32, db: RuntimeDbWeight) -> Weight {
    // Hashing dominates: about one BLAKE2b block per 40 proof bytes, in wasm.
    figures(db)[4].saturating_add(Weight::from_parts(60_000, 1).saturating_mul(b.into()))
}
fn on_initialize(n: u32, db: RuntimeDbWeight) -> Weight {
    Weight::from_parts(5_000_000, 2_000)
        .saturating_add(db.reads_writes(1, 1))
        .saturating_add(figures(db)[5].saturating_mul(n.into()))
}

/// Weights for a runtime, using its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn request(i: u32) -> Weight {
        request(i, T::DbWeight::get())
    }
    fn submit_result(o: u32, l: u32) -> Weight {
        submit_result(o, l, T::DbWeight::get())
    }
    fn accept() -> Weight {
        figures(T::DbWeight::get())[2]
    }
    fn settle() -> Weight {
        figures(T::DbWeight::get())[2]
    }
    fn challenge() -> Weight {
        figures(T::DbWeight::get())[3]
    }
    fn respond(b: u32) -> Weight {
        verify(b, T::DbWeight::get())
    }
    fn report_exclusion(b: u32) -> Weight {
        verify(b, T::DbWeight::get())
    }
    fn on_initialize(n: u32) -> Weight {
        on_initialize(n, T::DbWeight::get())
    }
}

/// For tests: the same figures against RocksDB weights.
impl WeightInfo for () {
    fn request(i: u32) -> Weight {
        request(i, RocksDbWeight::get())
    }
    fn submit_result(o: u32, l: u32) -> Weight {
        submit_result(o, l, RocksDbWeight::get())
    }
    fn accept() -> Weight {
        figures(RocksDbWeight::get())[2]
    }
    fn settle() -> Weight {
        figures(RocksDbWeight::get())[2]
    }
    fn challenge() -> Weight {
        figures(RocksDbWeight::get())[3]
    }
    fn respond(b: u32) -> Weight {
        verify(b, RocksDbWeight::get())
    }
    fn report_exclusion(b: u32) -> Weight {
        verify(b, RocksDbWeight::get())
    }
    fn on_initialize(n: u32) -> Weight {
        on_initialize(n, RocksDbWeight::get())
    }
}
