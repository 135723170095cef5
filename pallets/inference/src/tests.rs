//! Requests, results, payment, every dispute outcome and every deadline, decided by real
//! ghost proofs and fraud proofs from `ghost-primitives`; invariants after every test and
//! after each step of random call sequences.

use crate::{mock::*, Conviction, Error, Event, Phase, Requests};
use codec::Encode;
use ghost_primitives::{testing, trace::Trace, Hash, Input, Model, Shape};
use pallet_ghost_registry::ModelRegistry;
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{
    frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec},
    sp_runtime::{DispatchError, Perbill},
};
use proptest::prelude::*;

const OWNER: u64 = 1;
const PROVER: u64 = 2;
const CLIENT: u64 = 3;
const WATCHER: u64 = 4;
const PRICE: u128 = 100;

fn model() -> Model {
    testing::model(
        5,
        &[
            Shape { n: 120, d: 8, e: 6, c: 6, k: 4, n_probe: 2, ..Shape::BASE },
            Shape { n: 60, d: 6, e: 3, c: 3, k: 3, n_probe: 1, ..Shape::BASE },
        ],
    )
    .expect("test model")
}

fn input() -> Input {
    testing::input(9, 8)
}

fn credit(who: u64) -> i128 {
    pallet_mutual_credit::Balances::<Test>::get(who)
}

fn check_invariants() {
    assert_eq!(Credit::total(), Some(0), "credit sums to zero");
    Inference::do_try_state().expect("inference invariants");
    Registry::do_try_state().expect("registry invariants");
}

fn test(f: impl FnOnce(&Model)) {
    new_test_ext().execute_with(|| {
        let m = model();
        let bytes: BoundedVec<u8, _> = m.ghost_file().encode().try_into().unwrap();
        assert_ok!(Registry::register(RuntimeOrigin::signed(OWNER), bytes, PRICE, Perbill::from_percent(20)));
        assert_ok!(Registry::bond(RuntimeOrigin::signed(PROVER), m.id(), 2_000));
        f(&m);
        check_invariants();
    });
}

fn request(m: &Model) -> u64 {
    let id = crate::NextRequestId::<Test>::get();
    assert_ok!(Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), input(), PRICE));
    id
}

fn submit(id: u64, trace: &Trace) {
    let claim = trace.claim();
    assert_ok!(Inference::submit_result(
        RuntimeOrigin::signed(PROVER),
        id,
        claim.output.try_into().unwrap(),
        claim.links.try_into().unwrap()
    ));
}

fn proof_bytes(m: &Model, trace: &Trace) -> BoundedVec<u8, <Test as crate::Config>::MaxProofBytes> {
    m.prove_trace(trace).unwrap().encode().try_into().unwrap()
}

/// A lazy trace: layer 0 swaps its best-scoring selected row for one it outranks.
fn lazy(m: &Model) -> Trace {
    ghost_primitives::testing::lazy_trace(m, &input(), 0).unwrap().expect("a row to leave out")
}

fn fraud_bytes(m: &Model, trace: &Trace) -> BoundedVec<u8, <Test as crate::Config>::MaxFraudProofBytes> {
    m.find_fraud(&input(), trace).unwrap().expect("a fraud").encode().try_into().unwrap()
}

fn bond_held(who: u64) -> u64 {
    Balances::balance_on_hold(&RuntimeHoldReason::Inference(crate::HoldReason::ChallengeBond), &who)
}

fn prover_bond(m: &Model) -> u64 {
    pallet_ghost_registry::Bonds::<Test>::get(m.id(), PROVER).map(|b| b.amount).unwrap_or(0)
}

#[test]
fn request_escrows_and_accept_pays_fee_and_royalty() {
    test(|m| {
        let id = request(m);
        assert_eq!((credit(CLIENT), Credit::escrowed()), (-100, 100));
        System::assert_last_event(
            Event::Requested { id, client: CLIENT, model: m.id(), price: PRICE, deadline: 1 + RESULT_WINDOW }.into(),
        );
        let trace = m.trace(&input()).unwrap();
        submit(id, &trace);
        assert!(matches!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered));
        assert_noop!(Inference::accept(RuntimeOrigin::signed(PROVER), id), Error::<Test>::NotClient);
        assert_ok!(Inference::accept(RuntimeOrigin::signed(CLIENT), id));
        System::assert_last_event(Event::Settled { id, prover: PROVER, fee: 80, royalty: 20 }.into());
        assert_eq!((credit(PROVER), credit(OWNER), credit(CLIENT), Credit::escrowed()), (80, 20, -100, 0));
        assert!(Requests::<Test>::get(id).is_none());
    });
}

#[test]
fn request_errors() {
    test(|m| {
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), [7; 32], input(), PRICE),
            Error::<Test>::UnknownModel
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), input(), PRICE - 1),
            Error::<Test>::PriceAboveLimit
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), Input::Vector(vec![0; 257]), PRICE),
            Error::<Test>::InputTooLong
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(WATCHER), m.id(), input(), PRICE),
            pallet_mutual_credit::Error::<Test>::CreditLimitExceeded
        );
        assert_noop!(Inference::request(RuntimeOrigin::none(), m.id(), input(), PRICE), DispatchError::BadOrigin);
        // The deadline queue of a block is bounded (4 in the mock).
        for _ in 0..4 {
            request(m);
        }
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), input(), PRICE),
            Error::<Test>::DeadlineQueueFull
        );
        assert_ok!(Registry::retire(RuntimeOrigin::signed(OWNER), m.id()));
        run_to(2);
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), input(), PRICE),
            Error::<Test>::ModelRetired
        );
    });
}

#[test]
fn submit_result_errors() {
    test(|m| {
        let id = request(m);
        let claim = m.trace(&input()).unwrap().claim();
        let out: BoundedVec<i16, _> = claim.output.clone().try_into().unwrap();
        let links: BoundedVec<Hash, _> = claim.links.clone().try_into().unwrap();
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(WATCHER), id, out.clone(), links.clone()),
            Error::<Test>::NotBonded
        );
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), 99, out.clone(), links.clone()),
            Error::<Test>::UnknownRequest
        );
        assert_ok!(Inference::submit_result(RuntimeOrigin::signed(PROVER), id, out.clone(), links.clone()));
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), id, out.clone(), links.clone()),
            Error::<Test>::WrongPhase
        );
        let late = request(m);
        System::set_block_number(1 + RESULT_WINDOW + 1);
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), late, out, links),
            Error::<Test>::DeadlinePassed
        );
        System::set_block_number(1);
    });
}

#[test]
fn an_unanswered_request_expires_and_refunds_the_client() {
    test(|m| {
        let id = request(m);
        assert_noop!(Inference::settle(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::DeadlineNotReached);
        run_to(1 + RESULT_WINDOW + 1);
        System::assert_last_event(Event::Expired { id, refund: PRICE }.into());
        assert_eq!((credit(CLIENT), Credit::escrowed()), (0, 0));
        assert_noop!(Inference::settle(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::UnknownRequest);
    });
}

#[test]
fn an_unchallenged_result_settles_itself() {
    test(|m| {
        let id = request(m);
        submit(id, &m.trace(&input()).unwrap());
        run_to(1 + CHALLENGE_WINDOW);
        assert!(Requests::<Test>::get(id).is_some(), "still challengeable in the last block");
        run_to(1 + CHALLENGE_WINDOW + 1);
        System::assert_last_event(Event::Settled { id, prover: PROVER, fee: 80, royalty: 20 }.into());
        assert_eq!(credit(PROVER), 80);
    });
}

#[test]
fn settle_is_callable_by_anyone_after_the_deadline() {
    test(|m| {
        let id = request(m);
        submit(id, &m.trace(&input()).unwrap());
        // Without the hook (e.g. a queue entry already consumed), `settle` does the same.
        System::set_block_number(1 + CHALLENGE_WINDOW + 1);
        assert_ok!(Inference::settle(RuntimeOrigin::signed(WATCHER), id));
        assert_eq!(credit(PROVER), 80);
        System::set_block_number(1);
    });
}

#[test]
fn an_honest_proof_defeats_a_prove_it_challenge() {
    test(|m| {
        let id = request(m);
        let trace = m.trace(&input()).unwrap();
        submit(id, &trace);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(CLIENT), id));
        System::assert_last_event(
            Event::Challenged { id, challenger: CLIENT, respond_until: 1 + RESPONSE_WINDOW }.into(),
        );
        assert_eq!(bond_held(CLIENT), CHALLENGE_BOND);
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::WrongPhase);
        assert_noop!(Inference::accept(RuntimeOrigin::signed(CLIENT), id), Error::<Test>::WrongPhase);
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(WATCHER), id, proof_bytes(m, &trace)),
            Error::<Test>::NotProver
        );
        let free = Balances::free_balance(PROVER);
        assert_ok!(Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &trace)));
        assert_eq!(Balances::free_balance(PROVER), free + CHALLENGE_BOND, "the bond is forfeited to the prover");
        assert_eq!((bond_held(CLIENT), credit(PROVER), credit(OWNER)), (0, 80, 20));
        System::assert_has_event(Event::ChallengeAnswered { id, challenger: CLIENT, forfeited: CHALLENGE_BOND }.into());
    });
}

#[test]
fn forged_proofs_are_rejected_and_the_silent_prover_is_convicted() {
    test(|m| {
        let id = request(m);
        let honest = m.trace(&input()).unwrap();
        // The prover posts a wrong output (and links of the honest trace).
        let mut claim = honest.claim();
        claim.output[0] = claim.output[0].wrapping_add(3);
        assert_ok!(Inference::submit_result(
            RuntimeOrigin::signed(PROVER),
            id,
            claim.output.try_into().unwrap(),
            claim.links.try_into().unwrap()
        ));
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id));
        // Wrong output: the honest proof does not prove the posted claim.
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &honest)),
            Error::<Test>::ProofRejected
        );
        // Wrong row: a proof opening another row's data.
        let mut forged = m.prove_trace(&honest).unwrap();
        if let ghost_primitives::proof::LayerProof::Lookup { values, .. } = &mut forged.layers[0] {
            values[0] = values[0].wrapping_add(1);
        }
        let forged: BoundedVec<u8, _> = forged.encode().try_into().unwrap();
        assert_noop!(Inference::respond(RuntimeOrigin::signed(PROVER), id, forged), Error::<Test>::ProofRejected);
        // Wrong root: a proof from another model.
        let other = testing::model(
            6,
            &[
                Shape { n: 120, d: 8, e: 6, c: 6, k: 4, n_probe: 2, ..Shape::BASE },
                Shape { n: 60, d: 6, e: 3, c: 3, k: 3, n_probe: 1, ..Shape::BASE },
            ],
        )
        .unwrap();
        let foreign = proof_bytes(&other, &other.trace(&input()).unwrap());
        assert_noop!(Inference::respond(RuntimeOrigin::signed(PROVER), id, foreign), Error::<Test>::ProofRejected);
        let junk: BoundedVec<u8, _> = vec![1, 2, 3].try_into().unwrap();
        assert_noop!(Inference::respond(RuntimeOrigin::signed(PROVER), id, junk), Error::<Test>::ProofRejected);

        let (bond_before, watcher_before, client_before) =
            (prover_bond(m), Balances::free_balance(WATCHER), Balances::free_balance(CLIENT));
        run_to(1 + RESPONSE_WINDOW + 1);
        System::assert_last_event(
            Event::ProverConvicted {
                id,
                prover: PROVER,
                reason: Conviction::MissedResponse,
                slashed: SLASH,
                refund: PRICE,
            }
            .into(),
        );
        assert_eq!(prover_bond(m), bond_before - SLASH);
        assert_eq!(Balances::free_balance(WATCHER), watcher_before + CHALLENGE_BOND + SLASH / 2);
        assert_eq!(Balances::free_balance(CLIENT), client_before + SLASH / 2);
        assert_eq!((credit(CLIENT), credit(PROVER), bond_held(WATCHER)), (0, 0, 0));
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &honest)),
            Error::<Test>::UnknownRequest
        );
    });
}

#[test]
fn a_late_response_is_refused() {
    test(|m| {
        let id = request(m);
        let trace = m.trace(&input()).unwrap();
        submit(id, &trace);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(CLIENT), id));
        System::set_block_number(1 + RESPONSE_WINDOW + 1);
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &trace)),
            Error::<Test>::DeadlinePassed
        );
        System::set_block_number(1);
    });
}

#[test]
fn an_excluded_row_convicts_at_once() {
    test(|m| {
        let id = request(m);
        let cheat = lazy(m);
        submit(id, &cheat);
        // The lazy prover's own ghost proof verifies: only a fraud proof catches it.
        assert_ok!(ghost_primitives::verify_claim(
            m.ghost_file(),
            &input(),
            &cheat.claim(),
            &m.prove_trace(&cheat).unwrap()
        ));
        let watcher_before = Balances::free_balance(WATCHER);
        assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, fraud_bytes(m, &cheat)));
        System::assert_last_event(
            Event::ProverConvicted {
                id,
                prover: PROVER,
                reason: Conviction::ExcludedRow,
                slashed: SLASH,
                refund: PRICE,
            }
            .into(),
        );
        assert_eq!(Balances::free_balance(WATCHER), watcher_before + SLASH / 2);
        assert_eq!((credit(CLIENT), bond_held(WATCHER)), (0, 0));
    });
}

#[test]
fn an_excluded_list_convicts_during_a_prove_it_challenge() {
    test(|m| {
        let id = request(m);
        let honest = m.trace(&input()).unwrap();
        let skipped = honest.openings[0].probed[0];
        let outsider = (0..6).find(|j| !honest.openings[0].probed.contains(j)).unwrap();
        let spec = m.ghost_file().lookup(0).unwrap().clone();
        let cheat = m
            .trace_with(&input(), &mut |l, p, s| {
                if l == 0 {
                    p.retain(|&j| j != skipped);
                    p.push(outsider);
                    let mut pool: Vec<u32> = p.iter().flat_map(|&j| spec.list_range(j).unwrap()).collect();
                    pool.truncate(4);
                    *s = pool;
                }
            })
            .unwrap();
        submit(id, &cheat);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(CLIENT), id));
        assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, fraud_bytes(m, &cheat)));
        System::assert_last_event(
            Event::ProverConvicted {
                id,
                prover: PROVER,
                reason: Conviction::ExcludedList,
                slashed: SLASH,
                refund: PRICE,
            }
            .into(),
        );
        assert_eq!((bond_held(CLIENT), bond_held(WATCHER)), (0, 0), "both challengers' bonds are returned");
    });
}

#[test]
fn a_bogus_fraud_proof_costs_the_challenger() {
    test(|m| {
        let id = request(m);
        let cheat = lazy(m);
        let honest = m.trace(&input()).unwrap();
        submit(id, &honest);
        // A fraud proof made against a different (lazy) trace does not open the posted links.
        let prover_before = Balances::free_balance(PROVER);
        assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, fraud_bytes(m, &cheat)));
        System::assert_last_event(
            Event::ChallengeDefeated {
                id,
                challenger: WATCHER,
                forfeited: CHALLENGE_BOND,
                reason: ghost_primitives::Error::LinkMismatch { layer: 0 },
            }
            .into(),
        );
        assert_eq!(Balances::free_balance(PROVER), prover_before + CHALLENGE_BOND);
        let junk: BoundedVec<u8, _> = vec![0xff; 10].try_into().unwrap();
        assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, junk));
        assert!(matches!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered), "the request goes on");
        // Errors before any bond is taken.
        let empty: BoundedVec<u8, _> = vec![].try_into().unwrap();
        assert_noop!(
            Inference::report_exclusion(RuntimeOrigin::signed(98), id, empty.clone()),
            Error::<Test>::InsufficientBond
        );
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(98), id), Error::<Test>::InsufficientBond);
        let pending = request(m);
        assert_noop!(
            Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), pending, empty.clone()),
            Error::<Test>::WrongPhase
        );
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), pending), Error::<Test>::WrongPhase);
        System::set_block_number(1 + CHALLENGE_WINDOW + 1);
        assert_noop!(
            Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, empty),
            Error::<Test>::DeadlinePassed
        );
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::DeadlinePassed);
        System::set_block_number(1);
    });
}

#[test]
fn slashing_never_exceeds_the_bond() {
    test(|m| {
        // Two convictions in a row: the second takes what is left.
        for _ in 0..3 {
            let id = request(m);
            submit(id, &lazy(m));
            assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, fraud_bytes(m, &lazy(m))));
            if !Registry::is_bonded(&m.id(), &PROVER) {
                break;
            }
        }
        assert!(prover_bond(m) < 1_000);
    });
}

#[derive(Clone, Debug)]
enum Op {
    Request(bool),
    Submit(u8, bool),
    Accept(u8),
    Challenge(u8, bool),
    Respond(u8),
    Fraud(u8),
    Advance(u64),
    Settle(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(Op::Request),
        (any::<u8>(), any::<bool>()).prop_map(|(r, honest)| Op::Submit(r, honest)),
        any::<u8>().prop_map(Op::Accept),
        (any::<u8>(), any::<bool>()).prop_map(|(r, w)| Op::Challenge(r, w)),
        any::<u8>().prop_map(Op::Respond),
        any::<u8>().prop_map(Op::Fraud),
        (1u64..6).prop_map(Op::Advance),
        any::<u8>().prop_map(Op::Settle),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..30)) {
        test(|m| {
            let honest = m.trace(&input()).unwrap();
            let cheat = lazy(m);
            let mut posted: std::collections::BTreeMap<u64, bool> = Default::default();
            let pick = |r: u8| {
                let ids: Vec<u64> = Requests::<Test>::iter_keys().collect();
                ids.get(r as usize % ids.len().max(1)).copied().unwrap_or(u64::MAX)
            };
            for op in ops {
                let _ = match op {
                    Op::Request(second) => Inference::request(RuntimeOrigin::signed(if second { 5 } else { CLIENT }), m.id(), input(), PRICE),
                    Op::Submit(r, is_honest) => {
                        let id = pick(r);
                        let claim = if is_honest { honest.claim() } else { cheat.claim() };
                        let result = Inference::submit_result(RuntimeOrigin::signed(PROVER), id, claim.output.try_into().unwrap(), claim.links.try_into().unwrap());
                        if result.is_ok() { posted.insert(id, is_honest); }
                        result
                    }
                    Op::Accept(r) => { let id = pick(r); let client = Requests::<Test>::get(id).map(|q| q.client).unwrap_or(CLIENT); Inference::accept(RuntimeOrigin::signed(client), id) }
                    Op::Challenge(r, watcher) => Inference::challenge(RuntimeOrigin::signed(if watcher { WATCHER } else { CLIENT }), pick(r)),
                    Op::Respond(r) => {
                        let id = pick(r);
                        let trace = if posted.get(&id).copied().unwrap_or(true) { &honest } else { &cheat };
                        Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, trace))
                    }
                    Op::Fraud(r) => Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), pick(r), fraud_bytes(m, &cheat)),
                    Op::Advance(n) => { run_to(System::block_number() + n); Ok(()) }
                    Op::Settle(r) => Inference::settle(RuntimeOrigin::signed(WATCHER), pick(r)),
                };
                check_invariants();
            }
        });
    }
}
