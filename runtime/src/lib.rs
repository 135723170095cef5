//! # Ghostchain runtime
//!
//! System, Timestamp, Aura, Grandpa, Balances, TransactionPayment, Sudo, and the three
//! Ghostchain pallets: mutual credit, the ghost registry and inference. The runtime API
//! [`GhostApi`](ghost_api::GhostApi) lets clients verify ghost proofs and read models and
//! credit with the chain's own code, without a transaction.
//!
//! * `configs.rs` — every pallet's configuration and the chain's constants.
//! * `apis.rs` — the runtime APIs, the node's and Ghostchain's.
//! * `genesis_config_presets.rs` — `development` and `local_testnet`.
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` recurse deeply.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod ghost_api;

use polkadot_sdk::{
    frame_executive, frame_support, frame_system, pallet_balances, pallet_timestamp, pallet_transaction_payment,
    sp_core, sp_runtime, sp_version,
};
use sp_runtime::{
    generic, impl_opaque_keys,
    traits::{BlakeTwo256, IdentifyAccount, Verify},
    MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
    use super::*;
    use sp_runtime::traits::Hash as HashT;

    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;
    /// Block header.
    pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
    /// Block.
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;
    /// Block hash.
    pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
    /// The keys a validator runs with.
    pub struct SessionKeys {
        pub aura: Aura,
        pub grandpa: Grandpa,
    }
}

/// The runtime's version.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("ghostchain"),
    impl_name: alloc::borrow::Cow::Borrowed("ghostchain"),
    authoring_version: 1,
    spec_version: 100,
    impl_version: 1,
    apis: apis::RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// Block time of the Aura network (the dev chain seals on demand).
pub const MILLI_SECS_PER_BLOCK: u64 = 2000;
/// Aura slot duration.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// One native token.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a token.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// Smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Transaction signatures.
pub type Signature = MultiSignature;
/// Accounts: the public key of the signature scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Native balances.
pub type Balance = u128;
/// Transaction counters.
pub type Nonce = u32;
/// Block hashes.
pub type Hash = sp_core::H256;
/// Block numbers.
pub type BlockNumber = u32;
/// Addresses in extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justification.
pub type SignedBlock = generic::SignedBlock<Block>;

/// What a signed transaction carries besides its call.
pub type TxExtension = (
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
    frame_system::WeightReclaim<Runtime>,
);

/// Extrinsics as they arrive.
pub type UncheckedExtrinsic = generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// What a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Dispatches blocks to the pallets.
pub type Executive =
    frame_executive::Executive<Runtime, Block, frame_system::ChainContext<Runtime>, Runtime, AllPalletsWithSystem, ()>;

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    #[runtime::pallet_index(0)]
    pub type System = polkadot_sdk::frame_system;

    #[runtime::pallet_index(1)]
    pub type Timestamp = polkadot_sdk::pallet_timestamp;

    #[runtime::pallet_index(2)]
    pub type Aura = polkadot_sdk::pallet_aura;

    #[runtime::pallet_index(3)]
    pub type Grandpa = polkadot_sdk::pallet_grandpa;

    #[runtime::pallet_index(4)]
    pub type Balances = polkadot_sdk::pallet_balances;

    #[runtime::pallet_index(5)]
    pub type TransactionPayment = polkadot_sdk::pallet_transaction_payment;

    #[runtime::pallet_index(6)]
    pub type Sudo = polkadot_sdk::pallet_sudo;

    #[runtime::pallet_index(10)]
    pub type MutualCredit = pallet_mutual_credit;

    #[runtime::pallet_index(11)]
    pub type GhostRegistry = pallet_ghost_registry;

    #[runtime::pallet_index(12)]
    pub type Inference = pallet_inference;
}
