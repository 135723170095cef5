//! Every call's success and error paths; the invariants after every test; a property test
//! over random call sequences.

use crate::{mock::*, CreditLedger, CreditLine, Error, Event, HoldReason, Lines, Purse, Purses};
use polkadot_sdk::{
    frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold},
    sp_runtime::DispatchError,
};
use proptest::prelude::*;

const A: Purse = *b"test/aaa";
const B: Purse = *b"test/bbb";

/// Balances sum to zero; escrow is never negative and its purses add up to it; held
/// collateral equals the records.
fn check_invariants() {
    assert_eq!(Credit::total(), Some(0), "credit balances must sum to zero");
    let escrow = crate::Balances::<Test>::get(Credit::escrow_account());
    assert!(escrow >= 0);
    assert_eq!(Purses::<Test>::iter_values().sum::<u128>(), escrow.unsigned_abs(), "purses add up to the escrow");
    for who in 1..=5u64 {
        let held = Balances::balance_on_hold(&RuntimeHoldReason::Credit(HoldReason::Collateral), &who);
        assert_eq!(held, Lines::<Test>::get(who).collateral, "collateral hold of {who}");
    }
}

fn test(f: impl FnOnce()) {
    new_test_ext().execute_with(|| {
        f();
        check_invariants();
    });
}

fn balance(who: u64) -> i128 {
    crate::Balances::<Test>::get(who)
}

#[test]
fn transfer_moves_credit_within_the_limit() {
    test(|| {
        assert_ok!(Credit::transfer(RuntimeOrigin::signed(1), 2, 60));
        assert_eq!((balance(1), balance(2)), (-60, 60));
        System::assert_last_event(Event::Transferred { from: 1, to: 2, amount: 60 }.into());
        // Account 2 now has credit to spend without any limit.
        assert_ok!(Credit::transfer(RuntimeOrigin::signed(2), 3, 60));
        assert_eq!(balance(2), 0);
        assert!(!crate::Balances::<Test>::contains_key(2), "zero balances are not stored");
    });
}

#[test]
fn transfer_errors() {
    test(|| {
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(1), 2, 101), Error::<Test>::CreditLimitExceeded);
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(2), 1, 1), Error::<Test>::CreditLimitExceeded);
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(1), 2, 0), Error::<Test>::ZeroAmount);
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(1), 1, 5), Error::<Test>::SelfTransfer);
        let escrow = Credit::escrow_account();
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(1), escrow, 5), Error::<Test>::EscrowIsReserved);
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(escrow), 1, 5), Error::<Test>::EscrowIsReserved);
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(1), 2, u128::MAX), Error::<Test>::Overflow);
        assert_noop!(Credit::transfer(RuntimeOrigin::none(), 2, 1), DispatchError::BadOrigin);
        // Credit balances are storage: only accounts that exist (and so paid an existential
        // deposit) receive them.
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(1), 77, 5), Error::<Test>::UnknownReceiver);
    });
}

/// Attack: moving credit from an account to itself read both balances before writing
/// either, so the second write created `amount` from nothing (the sum left zero). Every
/// path into `move_credit` now refuses it, escrow included.
#[test]
fn moving_credit_to_oneself_creates_nothing() {
    test(|| {
        assert_noop!(Credit::move_credit(&1, &1, 40), Error::<Test>::SelfTransfer);
        let escrow = Credit::escrow_account();
        assert_ok!(<Credit as CreditLedger<u64>>::escrow(A, &1, 40));
        assert_noop!(Credit::move_credit(&escrow, &escrow, 40), Error::<Test>::SelfTransfer);
        assert_eq!(Credit::escrowed(A), 40);
        assert_ok!(<Credit as CreditLedger<u64>>::release(A, &1, 40));
    });
}

/// A chain spec that grants the escrow account a credit limit is refused at genesis.
#[test]
#[should_panic(expected = "the genesis credit limits name the escrow account")]
fn genesis_limits_cannot_name_the_escrow() {
    use polkadot_sdk::sp_runtime::BuildStorage;
    let escrow = Credit::escrow_account();
    let _ = crate::GenesisConfig::<Test> { limits: vec![(escrow, 100)] }.build_storage();
}

#[test]
fn root_sets_limits() {
    test(|| {
        assert_ok!(Credit::set_credit_limit(RuntimeOrigin::root(), 2, 500));
        System::assert_last_event(Event::CreditLimitSet { who: 2, granted: 500 }.into());
        assert_ok!(Credit::transfer(RuntimeOrigin::signed(2), 3, 500));
        assert_noop!(Credit::set_credit_limit(RuntimeOrigin::signed(2), 2, 1), DispatchError::BadOrigin);
        let escrow = Credit::escrow_account();
        assert_noop!(Credit::set_credit_limit(RuntimeOrigin::root(), escrow, 1), Error::<Test>::EscrowIsReserved);
        // Lowering a limit below a debt stops new spending but keeps the debt.
        assert_ok!(Credit::set_credit_limit(RuntimeOrigin::root(), 2, 0));
        assert_noop!(Credit::transfer(RuntimeOrigin::signed(2), 3, 1), Error::<Test>::CreditLimitExceeded);
        assert_eq!(balance(2), -500);
    });
}

#[test]
fn collateral_opens_and_closes_credit() {
    test(|| {
        // 10 native per credit: 300 native buy 30 credit.
        assert_ok!(Credit::open_credit(RuntimeOrigin::signed(3), 300));
        System::assert_last_event(Event::CreditOpened { who: 3, collateral: 300, limit: 30 }.into());
        assert_eq!(Credit::limit(&3).ok(), Some(30));
        assert_ok!(Credit::transfer(RuntimeOrigin::signed(3), 4, 25));
        // Releasing 100 would leave a limit of 20 under a debt of 25.
        assert_noop!(Credit::close_credit(RuntimeOrigin::signed(3), 100), Error::<Test>::BalanceNeedsCollateral);
        assert_ok!(Credit::close_credit(RuntimeOrigin::signed(3), 50));
        System::assert_last_event(Event::CreditClosed { who: 3, collateral: 50, limit: 25 }.into());
        assert_noop!(Credit::close_credit(RuntimeOrigin::signed(3), 251), Error::<Test>::NotEnoughCollateral);
        assert_noop!(Credit::open_credit(RuntimeOrigin::signed(3), 5_000), Error::<Test>::InsufficientFunds);
        assert_noop!(Credit::open_credit(RuntimeOrigin::signed(3), 0), Error::<Test>::ZeroAmount);
        assert_noop!(Credit::close_credit(RuntimeOrigin::signed(3), 0), Error::<Test>::ZeroAmount);
        // Paying back frees all of it.
        assert_ok!(Credit::transfer(RuntimeOrigin::signed(4), 3, 25));
        assert_ok!(Credit::close_credit(RuntimeOrigin::signed(3), 250));
        assert_eq!(Lines::<Test>::get(3), CreditLine { granted: 0, collateral: 0 });
    });
}

#[test]
fn escrow_and_release() {
    test(|| {
        assert_ok!(<Credit as CreditLedger<u64>>::escrow(A, &1, 40));
        assert_eq!(Credit::escrowed(A), 40);
        assert_ok!(<Credit as CreditLedger<u64>>::release(A, &2, 30));
        assert_eq!(Credit::escrowed(A), 10);
        assert_eq!((balance(1), balance(2)), (-40, 30));
        assert_noop!(<Credit as CreditLedger<u64>>::release(A, &2, 11), Error::<Test>::EscrowShortfall);
        assert_noop!(<Credit as CreditLedger<u64>>::escrow(A, &2, 31), Error::<Test>::CreditLimitExceeded);
        assert_ok!(<Credit as CreditLedger<u64>>::escrow(A, &2, 0));
        assert_ok!(<Credit as CreditLedger<u64>>::release(A, &2, 0));
        assert_ok!(<Credit as CreditLedger<u64>>::release(A, &1, 10));
        assert_eq!(Credit::escrowed(A), 0);
    });
}

/// One pallet's purse cannot pay out another's credit, though both sit in one account.
#[test]
fn purses_pay_out_only_what_they_hold() {
    test(|| {
        assert_ok!(<Credit as CreditLedger<u64>>::escrow(A, &1, 40));
        assert_ok!(<Credit as CreditLedger<u64>>::escrow(B, &1, 5));
        assert_noop!(<Credit as CreditLedger<u64>>::release(B, &3, 6), Error::<Test>::EscrowShortfall);
        assert_ok!(<Credit as CreditLedger<u64>>::release(B, &1, 5));
        assert_eq!((Credit::escrowed(A), Credit::escrowed(B)), (40, 0));
        assert_ok!(<Credit as CreditLedger<u64>>::release(A, &1, 40));
    });
}

/// `recover` moves what the payer's limit allows and no more, and never touches escrow.
#[test]
fn recovering_credit_stops_at_the_payers_limit() {
    test(|| {
        // 1 has a limit of 100 (mock genesis), so 100 of room.
        assert_eq!(<Credit as CreditLedger<u64>>::recover(&1, &3, 60), 60);
        assert_eq!(balance(1), -60);
        assert_eq!(<Credit as CreditLedger<u64>>::recover(&1, &3, 500), 40);
        assert_eq!(balance(1), -100);
        assert_eq!(<Credit as CreditLedger<u64>>::recover(&1, &3, 1), 0);
        // 3 has no limit: only what it holds.
        assert_eq!(<Credit as CreditLedger<u64>>::recover(&3, &2, 150), 100);
        let escrow = Credit::escrow_account();
        assert_ok!(<Credit as CreditLedger<u64>>::escrow(A, &2, 10));
        assert_eq!(<Credit as CreditLedger<u64>>::recover(&escrow, &3, 10), 0);
        assert_eq!(<Credit as CreditLedger<u64>>::recover(&2, &2, 10), 0);
        assert_ok!(<Credit as CreditLedger<u64>>::release(A, &2, 10));
    });
}

#[derive(Clone, Debug)]
enum Op {
    Transfer(u64, u64, u128),
    Limit(u64, u128),
    Open(u64, u64),
    Close(u64, u64),
    Escrow(bool, u64, u128),
    Release(bool, u64, u128),
    Recover(u64, u64, u128),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 1u64..=5;
    prop_oneof![
        (who.clone(), who.clone(), 0u128..200).prop_map(|(a, b, n)| Op::Transfer(a, b, n)),
        (who.clone(), 0u128..300).prop_map(|(a, n)| Op::Limit(a, n)),
        (who.clone(), 0u64..700).prop_map(|(a, n)| Op::Open(a, n)),
        (who.clone(), 0u64..700).prop_map(|(a, n)| Op::Close(a, n)),
        (any::<bool>(), who.clone(), 0u128..100).prop_map(|(p, a, n)| Op::Escrow(p, a, n)),
        (any::<bool>(), who.clone(), 0u128..100).prop_map(|(p, a, n)| Op::Release(p, a, n)),
        (who.clone(), who, 0u128..200).prop_map(|(a, b, n)| Op::Recover(a, b, n)),
    ]
}

proptest! {
    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..60)) {
        new_test_ext().execute_with(|| {
            for op in ops {
                // Failures are fine; what must hold is the invariants after each step.
                let _ = match op {
                    Op::Transfer(a, b, n) => Credit::transfer(RuntimeOrigin::signed(a), b, n),
                    Op::Limit(a, n) => Credit::set_credit_limit(RuntimeOrigin::root(), a, n),
                    Op::Open(a, n) => Credit::open_credit(RuntimeOrigin::signed(a), n),
                    Op::Close(a, n) => Credit::close_credit(RuntimeOrigin::signed(a), n),
                    Op::Escrow(p, a, n) => <Credit as CreditLedger<u64>>::escrow(if p { A } else { B }, &a, n),
                    Op::Release(p, a, n) => <Credit as CreditLedger<u64>>::release(if p { A } else { B }, &a, n),
                    Op::Recover(a, b, n) => {
                        let room = Credit::limit(&a).unwrap() as i128 + balance(a);
                        let moved = <Credit as CreditLedger<u64>>::recover(&a, &b, n);
                        assert!(moved <= n && (a == b || moved == n.min(room.max(0) as u128)), "{moved} of {n}");
                        Ok(())
                    }
                };
                check_invariants();
            }
        });
    }
}
