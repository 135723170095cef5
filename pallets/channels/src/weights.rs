//! Weights of `pallet_channels`.
//!
//! Provisional until the first `bash scripts/weights.sh channels`: each call is given the
//! measured figure of its nearest inference call with a margin (`open` that of `request`,
//! `finish` above `accept`), a voucher 130 µs (an sr25519 verification and a channel's two
//! payments), and `report_receipt` that of a conviction; the verification a report adds is
//! charged from `pallet_inference`'s measured weights.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// The weight of each call of `pallet_channels`.
pub trait WeightInfo {
	fn open() -> Weight;
	fn top_up() -> Weight;
	fn close_by_client() -> Weight;
	fn finish() -> Weight;
	fn redeem(n: u32, ) -> Weight;
	fn report_receipt() -> Weight;
}

/// Weights for a runtime, with its database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn open() -> Weight {
		Weight::from_parts(100_000_000, 8811)
			.saturating_add(T::DbWeight::get().reads(9))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	fn top_up() -> Weight {
		Weight::from_parts(60_000_000, 3593)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn close_by_client() -> Weight {
		Weight::from_parts(40_000_000, 3593)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn finish() -> Weight {
		Weight::from_parts(130_000_000, 8811)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn redeem(n: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 3593)
			.saturating_add(Weight::from_parts(130_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((5_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().reads(1))
	}
	fn report_receipt() -> Weight {
		Weight::from_parts(320_000_000, 8811)
			.saturating_add(T::DbWeight::get().reads(14))
			.saturating_add(T::DbWeight::get().writes(12))
	}
}

/// For tests and mocks: the same figures with RocksDB's database weights.
impl WeightInfo for () {
	fn open() -> Weight {
		Weight::from_parts(100_000_000, 8811)
			.saturating_add(RocksDbWeight::get().reads(9))
			.saturating_add(RocksDbWeight::get().writes(8))
	}
	fn top_up() -> Weight {
		Weight::from_parts(60_000_000, 3593)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn close_by_client() -> Weight {
		Weight::from_parts(40_000_000, 3593)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn finish() -> Weight {
		Weight::from_parts(130_000_000, 8811)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn redeem(n: u32, ) -> Weight {
		Weight::from_parts(20_000_000, 3593)
			.saturating_add(Weight::from_parts(130_000_000, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes((5_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().reads(1))
	}
	fn report_receipt() -> Weight {
		Weight::from_parts(320_000_000, 8811)
			.saturating_add(RocksDbWeight::get().reads(14))
			.saturating_add(RocksDbWeight::get().writes(12))
	}
}
