//! A test runtime: System, Balances and the registry.

use crate as pallet_ghost_registry;
use polkadot_sdk::{
    frame_support::{construct_runtime, derive_impl},
    frame_system, pallet_balances,
    sp_io::TestExternalities,
    sp_runtime::BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Registry: pallet_ghost_registry,
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

#[derive_impl(pallet_ghost_registry::config_preludes::TestDefaultConfig)]
impl pallet_ghost_registry::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
}

/// Accounts 1..=5 hold 100,000 native each.
pub fn new_test_ext() -> TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis builds");
    pallet_balances::GenesisConfig::<Test> { balances: (1..=5).map(|a| (a, 100_000)).collect(), ..Default::default() }
        .assimilate_storage(&mut storage)
        .expect("balances genesis");
    let mut ext = TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
