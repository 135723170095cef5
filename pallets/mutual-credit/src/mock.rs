//! A test runtime: System, Balances and this pallet.

use crate as pallet_mutual_credit;
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
        Credit: pallet_mutual_credit,
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

/// Accounts 1..=5 hold 1,000 native each; account 1 is granted a credit limit of 100.
pub fn new_test_ext() -> TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("genesis builds");
    pallet_balances::GenesisConfig::<Test> { balances: (1..=5).map(|a| (a, 1_000)).collect(), ..Default::default() }
        .assimilate_storage(&mut storage)
        .expect("balances genesis");
    pallet_mutual_credit::GenesisConfig::<Test> { limits: vec![(1, 100)] }
        .assimilate_storage(&mut storage)
        .expect("credit genesis");
    let mut ext = TestExternalities::new(storage);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
