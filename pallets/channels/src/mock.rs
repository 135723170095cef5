//! A test runtime with the real registry, mutual-credit and inference pallets beside this
//! one; signatures are `TestSignature`s (an account and the message it signed).

use crate as pallet_channels;
use polkadot_sdk::{
    frame_support::{
        construct_runtime, derive_impl, parameter_types,
        traits::{ConstU32, ConstU64},
    },
    frame_system, pallet_balances,
    sp_io::TestExternalities,
    sp_runtime::{testing::TestSignature, BuildStorage, Perbill},
};

type Block = frame_system::mocking::MockBlock<Test>;

construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Credit: pallet_mutual_credit,
        Registry: pallet_ghost_registry,
        Inference: pallet_inference,
        Channels: pallet_channels,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type AccountStore = System;
}

#[derive_impl(pallet_mutual_credit::config_preludes::TestDefaultConfig)]
impl pallet_mutual_credit::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type PalletId = pallet_mutual_credit::EscrowPalletId;
}

#[derive_impl(pallet_ghost_registry::config_preludes::TestDefaultConfig)]
impl pallet_ghost_registry::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MinBond = ConstU64<1_000>;
    type UnbondingDelay = ConstU64<20>;
    type Exposure = Channels;
}

pub const MIN_SLASH: u64 = 800;
pub const SLASH_PER_CREDIT: u64 = 10;
pub const REPORT_REWARD: u64 = 20;
pub const CHANNEL_DEPOSIT: u64 = 40;
pub const CLOSE_TIMEOUT: u64 = 10;
pub const RECEIPT_WINDOW: u64 = 15;
pub const MAX_REDEEM: u32 = 4;

parameter_types! {
    pub const ClientShare: Perbill = Perbill::from_percent(50);
}

impl pallet_inference::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Registry = Registry;
    type Credit = Credit;
    type ResultWindow = ConstU64<5>;
    type ChallengeWindow = ConstU64<10>;
    type RequestDeposit = ConstU64<50>;
    type ReportBond = ConstU64<300>;
    type MinSlash = ConstU64<MIN_SLASH>;
    type SlashPerCredit = ConstU64<SLASH_PER_CREDIT>;
    type ReportReward = ConstU64<REPORT_REWARD>;
    type ClientShare = ClientShare;
    type MaxInputLen = ConstU32<256>;
    type MaxOutputLen = ConstU32<256>;
    type MaxLayers = ConstU32<8>;
    type MaxFraudProofBytes = ConstU32<{ 64 * 1024 }>;
    type WeightInfo = ();
}

impl pallet_channels::Config for Test {
    type Signature = TestSignature;
    type CloseTimeout = ConstU64<CLOSE_TIMEOUT>;
    type ReceiptWindow = ConstU64<RECEIPT_WINDOW>;
    type ChannelDeposit = ConstU64<CHANNEL_DEPOSIT>;
    type MaxRedeem = ConstU32<MAX_REDEEM>;
    type WeightInfo = ();
    type BenchmarkHelper = TestSigners;
}

/// Benchmark signers: account `1000 + seed`, signing with a `TestSignature`.
pub struct TestSigners;

impl crate::BenchmarkHelper<u64, TestSignature> for TestSigners {
    fn signer(seed: u32) -> u64 {
        1000 + u64::from(seed)
    }
    fn sign(signer: &u64, message: &[u8]) -> TestSignature {
        TestSignature(*signer, message.to_vec())
    }
}

/// Accounts: 1 owner, 2 honest prover, 3 client (credit limit 10,000), 4 watcher, 5 second
/// client (limit 10,000), 6 a lazy prover, 7 its sybil client (limit 10,000), 8 a griefer;
/// each holds 100,000 native.
pub fn new_test_ext() -> TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis builds");
    pallet_balances::GenesisConfig::<Test> { balances: (1..=8).map(|a| (a, 100_000)).collect(), ..Default::default() }
        .assimilate_storage(&mut storage)
        .expect("balances genesis");
    pallet_mutual_credit::GenesisConfig::<Test> { limits: vec![(3, 10_000), (5, 10_000), (7, 10_000)] }
        .assimilate_storage(&mut storage)
        .expect("credit genesis");
    let mut ext = TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Move to block `n` (the pallet has no hooks).
pub fn run_to(n: u64) {
    System::set_block_number(n.max(System::block_number()));
}
