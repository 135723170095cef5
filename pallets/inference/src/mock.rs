//! A test runtime with the real registry and mutual-credit pallets beside this one.

use crate as pallet_inference;
use polkadot_sdk::{
    frame_support::{
        construct_runtime, derive_impl, parameter_types,
        traits::{ConstU32, ConstU64},
    },
    frame_system, pallet_balances,
    sp_io::TestExternalities,
    sp_runtime::{BuildStorage, Perbill},
};

type Block = frame_system::mocking::MockBlock<Test>;

construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Credit: pallet_mutual_credit,
        Registry: pallet_ghost_registry,
        Inference: pallet_inference,
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

parameter_types! {
    pub const ClientShare: Perbill = Perbill::from_percent(CLIENT_SHARE_PERCENT);
    /// In storage, so that a test can change it while results are open (a runtime upgrade).
    pub storage MinSlash: u64 = MIN_SLASH;
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
    type UnbondingDelay = ConstU64<100>;
}

pub const RESULT_WINDOW: u64 = 5;
pub const CHALLENGE_WINDOW: u64 = 10;
pub const REPORT_BOND: u64 = 300;
/// What a result priced up to 80 credit locks.
pub const MIN_SLASH: u64 = 800;
/// Native slash per credit of the price: a result priced above 80 locks more than `MIN_SLASH`.
pub const SLASH_PER_CREDIT: u64 = 10;
pub const REPORT_REWARD: u64 = 20;
pub const CLIENT_SHARE_PERCENT: u32 = 50;
pub const REQUEST_DEPOSIT: u64 = 50;

impl pallet_inference::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Registry = Registry;
    type Credit = Credit;
    type ResultWindow = ConstU64<RESULT_WINDOW>;
    type ChallengeWindow = ConstU64<CHALLENGE_WINDOW>;
    type RequestDeposit = ConstU64<REQUEST_DEPOSIT>;
    type ReportBond = ConstU64<REPORT_BOND>;
    type MinSlash = MinSlash;
    type SlashPerCredit = ConstU64<SLASH_PER_CREDIT>;
    type ReportReward = ConstU64<REPORT_REWARD>;
    type ClientShare = ClientShare;
    type MaxInputLen = ConstU32<256>;
    type MaxOutputLen = ConstU32<256>;
    type MaxLayers = ConstU32<8>;
    type MaxFraudProofBytes = ConstU32<{ 64 * 1024 }>;
    type WeightInfo = ();
}

/// Accounts: 1 owner, 2 prover, 3 client (credit limit 1,000), 4 watcher, 5 second client
/// (limit 1,000), 6 a second (dishonest) prover, 7 its sybil (a client too: limit 1,000),
/// 8 a griefer; each holds
/// 100,000 native.
pub fn new_test_ext() -> TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis builds");
    pallet_balances::GenesisConfig::<Test> { balances: (1..=8).map(|a| (a, 100_000)).collect(), ..Default::default() }
        .assimilate_storage(&mut storage)
        .expect("balances genesis");
    pallet_mutual_credit::GenesisConfig::<Test> { limits: vec![(3, 1_000), (5, 1_000), (7, 1_000)] }
        .assimilate_storage(&mut storage)
        .expect("credit genesis");
    let mut ext = TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Move to block `n` (the pallet has no hooks: settlement is lazy).
pub fn run_to(n: u64) {
    System::set_block_number(n.max(System::block_number()));
}
