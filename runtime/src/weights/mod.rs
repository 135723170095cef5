//! Weights generated on the reference machine by `scripts/weights.sh` (the node's
//! `benchmark pallet` command); do not edit by hand.

pub mod pallet_ghost_registry;
pub mod pallet_inference;
pub mod pallet_mutual_credit;
