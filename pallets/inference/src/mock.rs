//! A test runtime with the real registry and mutual-credit pallets beside this one.

use crate as pallet_inference;
use polkadot_sdk::{
    frame_support::{
        construct_runtime, derive_impl, parameter_types,
        traits::{ConstU32, ConstU64, Hooks},
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
    pub const ChallengerShare: Perbill = Perbill::from_percent(50);
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
pub const RESPONSE_WINDOW: u64 = 4;
pub const CHALLENGE_BOND: u64 = 300;
pub const SLASH: u64 = 800;
pub const REQUEST_DEPOSIT: u64 = 50;
pub const DEADLINE_SPILL: u32 = 2;

impl pallet_inference::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Registry = Registry;
    type Credit = Credit;
    type ResultWindow = ConstU64<RESULT_WINDOW>;
    type ChallengeWindow = ConstU64<CHALLENGE_WINDOW>;
    type ResponseWindow = ConstU64<RESPONSE_WINDOW>;
    type RequestDeposit = ConstU64<REQUEST_DEPOSIT>;
    type ChallengeBond = ConstU64<CHALLENGE_BOND>;
    type Slash = ConstU64<SLASH>;
    type ChallengerShare = ChallengerShare;
    type MaxInputLen = ConstU32<256>;
    type MaxOutputLen = ConstU32<256>;
    type MaxLayers = ConstU32<8>;
    type MaxFraudProofBytes = ConstU32<{ 64 * 1024 }>;
    type MaxDeadlinesPerBlock = ConstU32<4>;
    type DeadlineSpill = ConstU32<DEADLINE_SPILL>;
    type WeightInfo = ();
}

/// Accounts: 1 owner, 2 prover, 3 client (credit limit 1,000), 4 watcher, 5 second client
/// (limit 1,000), 6 a second (dishonest) prover; each holds 100,000 native.
pub fn new_test_ext() -> TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis builds");
    pallet_balances::GenesisConfig::<Test> { balances: (1..=6).map(|a| (a, 100_000)).collect(), ..Default::default() }
        .assimilate_storage(&mut storage)
        .expect("balances genesis");
    pallet_mutual_credit::GenesisConfig::<Test> { limits: vec![(3, 1_000), (5, 1_000)] }
        .assimilate_storage(&mut storage)
        .expect("credit genesis");
    let mut ext = TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Move to block `n`, running `on_initialize` of the blocks on the way.
pub fn run_to(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        <Inference as Hooks<u64>>::on_initialize(next);
    }
}
