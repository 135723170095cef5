//! Every pallet's configuration, and the chain's constants.

use super::*;
use frame_support::{
    derive_impl,
    dispatch::DispatchClass,
    parameter_types,
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
    weights::{
        constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
        IdentityFee, Weight,
    },
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::FungibleAdapter;
use polkadot_sdk::{pallet_aura, pallet_grandpa, pallet_sudo, sp_consensus_aura::sr25519::AuthorityId as AuraId};
use sp_runtime::Perbill;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Largest block, in bytes.
const MAX_BLOCK_BYTES: u32 = 5 * 1024 * 1024;

parameter_types! {
    /// Block hashes kept for lookups (and mortal transactions).
    pub const BlockHashCount: BlockNumber = 2400;
    /// The runtime's version.
    pub const Version: RuntimeVersion = VERSION;
    /// Two seconds of compute per block, 75% for normal transactions.
    pub RuntimeBlockWeights: BlockWeights =
        BlockWeights::with_sensible_defaults(Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX), NORMAL_DISPATCH_RATIO);
    /// 5 MiB blocks, 75% for normal transactions.
    pub RuntimeBlockLength: BlockLength = BlockLength::builder()
        .max_length(MAX_BLOCK_BYTES)
        .modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_BYTES)
        .build();
    /// The generic Substrate address format.
    pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    type Block = Block;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type AccountId = AccountId;
    type Nonce = Nonce;
    type Hash = Hash;
    type BlockHashCount = BlockHashCount;
    type DbWeight = RocksDbWeight;
    type Version = Version;
    type AccountData = pallet_balances::AccountData<Balance>;
    type SS58Prefix = SS58Prefix;
    type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
    type AuthorityId = AuraId;
    type DisabledValidators = ();
    type MaxAuthorities = ConstU32<32>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = ();
    type MaxAuthorities = ConstU32<32>;
    type MaxNominators = ConstU32<0>;
    type MaxSetIdSessionEntries = ConstU64<0>;
    type KeyOwnerProof = sp_core::Void;
    type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
    type Moment = u64;
    type OnTimestampSet = Aura;
    type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
    type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
    type MaxLocks = ConstU32<50>;
    type MaxReserves = ();
    type ReserveIdentifier = [u8; 8];
    type Balance = Balance;
    type RuntimeEvent = RuntimeEvent;
    type DustRemoval = ();
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
    type FreezeIdentifier = RuntimeFreezeReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
    type RuntimeHoldReason = RuntimeHoldReason;
    type RuntimeFreezeReason = RuntimeFreezeReason;
    type DoneSlashHandler = ();
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type OperationalFeeMultiplier = ConstU8<5>;
    type WeightToFee = IdentityFee<Balance>;
    type LengthToFee = crate::fees::LengthToFee;
    type FeeMultiplierUpdate = crate::fees::FeeAdjustment;
    type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// Blocks a prover has to post a result (40 s at 2 s blocks).
pub const RESULT_WINDOW: BlockNumber = 20;
/// Blocks a result stays reportable: the dev chain's short window. A production chain
/// needs hours (`docs/protocol.md` §8.4): what a watcher needs to get a commitment and its
/// reveal in while a censor fills blocks at the fee multiplier's growing price.
pub const CHALLENGE_WINDOW: BlockNumber = 20;
/// Blocks before an unbonded prover bond can be withdrawn: longer than any dispute (an
/// open result's lock keeps it until settled anyway).
pub const UNBONDING_DELAY: BlockNumber = RESULT_WINDOW + CHALLENGE_WINDOW + 10;

/// Largest ghost proof a `submit_result` may carry; the registry refuses models whose
/// worst-case proof is larger. Sized so that a normal-class block holds at least 20
/// worst-case results by length (23: `fees::tests`), and far more by weight (87).
pub const MAX_PROOF_BYTES: u32 = 160 * 1024;
/// Most BLAKE2b compressions one proof's verification may take (the registry refuses
/// heavier models).
pub const MAX_PROOF_COMPRESSIONS: u64 = 28_000;
/// Most fixed-point multiply-adds one proof's verification may take.
pub const MAX_PROOF_PRODUCTS: u64 = 4_000_000;
/// Largest exclusion fraud proof a report may carry: every fraud proof the protocol's
/// limits allow fits, so no lazy result is too large to report.
pub const MAX_FRAUD_PROOF_BYTES: u32 = 20 * 1024;
const _: () = assert!(MAX_FRAUD_PROOF_BYTES as usize >= ghost_primitives::limits::MAX_FRAUD_PROOF_BYTES);
/// Blocks a closing channel waits for its prover's last redemption: the dev chain's
/// minute. A production chain needs an hour or more (`docs/protocol.md` §9): what a prover
/// needs to get a redemption in while a censor fills blocks.
pub const CLOSE_TIMEOUT: BlockNumber = 30;
/// Blocks a receipt stays reportable after it was issued: the dev chain's minute; a
/// production chain gives watchers hours, as it does results.
pub const RECEIPT_WINDOW: BlockNumber = 30;
/// Most vouchers one `redeem` takes.
pub const MAX_REDEEM: u32 = 64;

parameter_types! {
    /// A convicted prover's slash, after the reporter's reward: half to the client, the
    /// rest burned (so that a liar who is also its own client still loses half).
    pub const ClientShare: Perbill = Perbill::from_percent(50);
}

impl pallet_mutual_credit::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    /// A milli-token of collateral buys one credit unit.
    type CollateralPerCredit = ConstU128<MILLI_UNIT>;
    type PalletId = pallet_mutual_credit::EscrowPalletId;
    type WeightInfo = pallet_mutual_credit::weights::SubstrateWeight<Runtime>;
}

impl pallet_ghost_registry::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MaxGhostFileBytes = ConstU32<{ 256 * 1024 }>;
    type DepositBase = ConstU128<{ UNIT }>;
    type DepositPerByte = ConstU128<{ MILLI_UNIT }>;
    type MinBond = ConstU128<{ 100 * UNIT }>;
    type UnbondingDelay = ConstU32<UNBONDING_DELAY>;
    type MaxUpdateRows = ConstU32<256>;
    type MaxProofBytes = ConstU32<MAX_PROOF_BYTES>;
    type MaxEndpointBytes = ConstU32<256>;
    type MaxProofCompressions = ConstU64<MAX_PROOF_COMPRESSIONS>;
    type MaxProofProducts = ConstU64<MAX_PROOF_PRODUCTS>;
    /// Receipts signed on channels keep a bond until they can no longer be reported.
    type Exposure = Channels;
    type WeightInfo = pallet_ghost_registry::weights::SubstrateWeight<Runtime>;
}

impl pallet_inference::Config for Runtime {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Registry = GhostRegistry;
    type Credit = MutualCredit;
    type ResultWindow = ConstU32<RESULT_WINDOW>;
    type ChallengeWindow = ConstU32<CHALLENGE_WINDOW>;
    /// What an open request ties up until its client or prover settles it.
    type RequestDeposit = ConstU128<{ UNIT }>;
    type ReportBond = ConstU128<{ 10 * UNIT }>;
    type MinSlash = ConstU128<{ 50 * UNIT }>;
    /// Ten times a credit's collateral (`CollateralPerCredit`): a lie caught one time in
    /// ten loses what it could earn.
    type SlashPerCredit = ConstU128<{ 10 * MILLI_UNIT }>;
    /// Below the fees of a commitment and its reveal (`fees::tests`): reporting
    /// oneself never pays.
    type ReportReward = ConstU128<{ MILLI_UNIT / 10 }>;
    type ClientShare = ClientShare;
    type MaxInputLen = ConstU32<{ ghost_primitives::limits::MAX_DIM }>;
    type MaxOutputLen = ConstU32<{ ghost_primitives::limits::MAX_DIM }>;
    type MaxLayers = ConstU32<{ ghost_primitives::limits::MAX_LAYERS }>;
    type MaxFraudProofBytes = ConstU32<MAX_FRAUD_PROOF_BYTES>;
    type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
}

impl pallet_channels::Config for Runtime {
    type Signature = crate::Signature;
    type CloseTimeout = ConstU32<CLOSE_TIMEOUT>;
    type ReceiptWindow = ConstU32<RECEIPT_WINDOW>;
    /// What an open channel ties up until it finishes, as a request does.
    type ChannelDeposit = ConstU128<{ UNIT }>;
    type MaxRedeem = ConstU32<MAX_REDEEM>;
    type WeightInfo = pallet_channels::weights::SubstrateWeight<Runtime>;
    type BenchmarkHelper = ChannelSigners;
}

/// The key type the benchmarks' voucher and receipt keys are made under.
const BENCHMARK_KEYS: polkadot_sdk::sp_core::crypto::KeyTypeId = polkadot_sdk::sp_core::crypto::KeyTypeId(*b"ghbn");

/// Benchmarks sign vouchers and receipts with sr25519 keys made in the benchmark host's
/// keystore (called by the benchmarks only).
pub struct ChannelSigners;

impl pallet_channels::BenchmarkHelper<AccountId, crate::Signature> for ChannelSigners {
    fn signer(seed: u32) -> AccountId {
        use sp_runtime::traits::IdentifyAccount;
        let phrase = alloc::format!("//ghost-benchmark-{seed}").into_bytes();
        let public = polkadot_sdk::sp_io::crypto::sr25519_generate(BENCHMARK_KEYS, Some(phrase));
        sp_runtime::MultiSigner::Sr25519(public).into_account()
    }

    fn sign(signer: &AccountId, message: &[u8]) -> crate::Signature {
        let public = polkadot_sdk::sp_core::sr25519::Public::from_raw(*signer.as_ref());
        let signature = polkadot_sdk::sp_io::crypto::sr25519_sign(BENCHMARK_KEYS, &public, message)
            .expect("the benchmark made this key in the keystore");
        crate::Signature::Sr25519(signature)
    }
}
