//! The pallets `ghost-node benchmark pallet` measures.

polkadot_sdk::frame_benchmarking::define_benchmarks!(
    [pallet_mutual_credit, MutualCredit]
    [pallet_ghost_registry, GhostRegistry]
    [pallet_inference, Inference]
    [pallet_channels, Channels]
);

pub use crate::{Channels, GhostRegistry, Inference, MutualCredit};
