//! Requests, results, payment, every dispute outcome and every deadline, decided by real
//! ghost proofs and fraud proofs from `ghost-primitives`; the attacks on the dispute game
//! played one by one; invariants after every test and after each step of random call
//! sequences from honest and hostile accounts.

use crate::{mock::*, BoundedInput, Commitments, Conviction, Deadlines, Error, Event, Phase, Requests};
use codec::Encode;
use ghost_primitives::{testing, Hash, Input, LayerProof, Model, Shape, Trace};
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{
    frame_support::{
        assert_noop, assert_ok,
        storage::{with_transaction, TransactionOutcome},
        traits::fungible::InspectHold,
        BoundedVec,
    },
    sp_runtime::{DispatchError, Perbill},
};
use proptest::prelude::*;

const OWNER: u64 = 1;
const PROVER: u64 = 2;
const CLIENT: u64 = 3;
const WATCHER: u64 = 4;
const CLIENT2: u64 = 5;
const CHEAT: u64 = 6;
const PRICE: u128 = 100;
/// Bond of each prover: five open results' worth of slashes.
const BOND: u64 = 5 * SLASH;

fn model() -> Model {
    testing::model(5, &[Shape::new(120, 6).widths(8, 6).select(4, 2), Shape::new(60, 3).widths(6, 3).select(3, 1)])
        .expect("test model")
}

fn input() -> Input {
    testing::input(9, 8)
}

fn bounded(input: Input) -> BoundedInput<Test> {
    match input {
        Input::Token(t) => BoundedInput::Token(t),
        Input::Vector(v) => BoundedInput::Vector(v.try_into().expect("input fits")),
    }
}

fn credit(who: u64) -> i128 {
    pallet_mutual_credit::Balances::<Test>::get(who)
}

fn hold(reason: crate::HoldReason, who: u64) -> u64 {
    Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), &who)
}

fn bond_held(who: u64) -> u64 {
    hold(crate::HoldReason::ChallengeBond, who)
}

fn prover_bond(m: &Model, who: u64) -> (u64, u64) {
    pallet_ghost_registry::Bonds::<Test>::get(m.id(), who).map(|b| (b.amount, b.locked)).unwrap_or((0, 0))
}

fn check_invariants() {
    assert_eq!(Credit::total(), Some(0), "credit sums to zero");
    Inference::do_try_state().expect("inference invariants");
    Registry::do_try_state().expect("registry invariants");
    let now = System::block_number();
    let mut locked: std::collections::BTreeMap<u64, u64> = Default::default();
    for (id, request) in Requests::<Test>::iter() {
        // No request is stuck past its deadline: the queue reaches it within the spill,
        // or anyone can settle it now.
        match request.settle_at {
            Some(at) => assert!(at > now && at <= request.deadline + 1 + DEADLINE_SPILL as u64, "request {id}"),
            None => {
                assert!(now <= request.deadline || settles(id), "request {id} stuck past its deadline");
            }
        }
        if let Some(result) = &request.result {
            *locked.entry(result.prover).or_default() += result.locked;
        }
    }
    // Every open result is backed by a full slash of its prover's bond.
    let m = model();
    for who in [PROVER, CHEAT] {
        let (amount, held) = prover_bond(&m, who);
        let open = locked.get(&who).copied().unwrap_or(0);
        assert_eq!(held, open, "prover {who}: locked for its open results");
        assert!(held <= amount, "prover {who}: locks more than it holds");
    }
    // Accounts without open requests hold no request deposit.
    for who in 1..=6u64 {
        if !Requests::<Test>::iter_values().any(|r| r.client == who) {
            assert_eq!(hold(crate::HoldReason::RequestDeposit, who), 0, "account {who}");
        }
    }
}

/// Whether `settle(id)` would succeed now (tried, then rolled back).
fn settles(id: u64) -> bool {
    with_transaction(|| {
        let r = Inference::settle(RuntimeOrigin::signed(WATCHER), id);
        TransactionOutcome::Rollback(Ok::<_, DispatchError>(r.is_ok()))
    })
    .unwrap_or(false)
}

fn test(f: impl FnOnce(&Model)) {
    new_test_ext().execute_with(|| {
        let m = model();
        let bytes: BoundedVec<u8, _> = m.ghost_file().encode().try_into().unwrap();
        let commitment = Registry::registration_commitment(&OWNER, &m.id());
        assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(OWNER), commitment));
        run_to(2);
        assert_ok!(Registry::register(RuntimeOrigin::signed(OWNER), bytes, PRICE, Perbill::from_percent(20)));
        assert_ok!(Registry::bond(RuntimeOrigin::signed(PROVER), m.id(), BOND, Default::default()));
        assert_ok!(Registry::bond(RuntimeOrigin::signed(CHEAT), m.id(), BOND, Default::default()));
        f(&m);
        check_invariants();
    });
}

fn now() -> u64 {
    System::block_number()
}

fn next_block() {
    run_to(now() + 1);
}

fn request_by(m: &Model, client: u64) -> u64 {
    let id = crate::NextRequestId::<Test>::get();
    assert_ok!(Inference::request(RuntimeOrigin::signed(client), m.id(), bounded(input()), PRICE));
    id
}

fn request(m: &Model) -> u64 {
    request_by(m, CLIENT)
}

/// The honest trace of `prover`, bound to its account.
fn honest(m: &Model, prover: u64) -> Trace {
    m.trace_bound(&input(), &prover.encode()).unwrap()
}

/// A lazy trace of `prover`: layer 0 swaps its best-scoring selected row for one it outranks.
fn lazy(m: &Model, prover: u64) -> Trace {
    m.lazy_trace(&input(), 0, &prover.encode()).unwrap().expect("a row to leave out")
}

fn submit_as(prover: u64, id: u64, trace: &Trace) {
    let claim = trace.claim();
    assert_ok!(Inference::submit_result(
        RuntimeOrigin::signed(prover),
        id,
        claim.output.try_into().unwrap(),
        claim.links.try_into().unwrap()
    ));
}

fn submit(id: u64, trace: &Trace) {
    submit_as(PROVER, id, trace)
}

fn proof_bytes(m: &Model, trace: &Trace) -> BoundedVec<u8, crate::MaxProofBytesOf<Test>> {
    m.prove_trace(trace).unwrap().encode().try_into().unwrap()
}

fn fraud_bytes(m: &Model, trace: &Trace) -> BoundedVec<u8, <Test as crate::Config>::MaxFraudProofBytes> {
    m.find_fraud(&input(), trace).unwrap().expect("a fraud").encode().try_into().unwrap()
}

fn commit(who: u64, id: u64, evidence: &[u8]) {
    assert_ok!(Inference::commit(RuntimeOrigin::signed(who), id, Inference::dispute_digest(&who, id, evidence)));
}

/// Commit a prove-it challenge, then reveal it in the next block.
fn challenge(who: u64, id: u64) {
    commit(who, id, &[]);
    next_block();
    assert_ok!(Inference::challenge(RuntimeOrigin::signed(who), id));
}

/// Commit an exclusion fraud proof, then reveal it in the next block.
fn report(who: u64, id: u64, fraud: &BoundedVec<u8, <Test as crate::Config>::MaxFraudProofBytes>) {
    commit(who, id, fraud);
    next_block();
    assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(who), id, fraud.clone()));
}

#[test]
fn request_escrows_and_accept_pays_fee_and_royalty() {
    test(|m| {
        let id = request(m);
        assert_eq!((credit(CLIENT), Credit::escrowed()), (-100, 100));
        assert_eq!(hold(crate::HoldReason::RequestDeposit, CLIENT), REQUEST_DEPOSIT);
        System::assert_last_event(
            Event::Requested { id, client: CLIENT, model: m.id(), price: PRICE, deadline: now() + RESULT_WINDOW }
                .into(),
        );
        submit(id, &honest(m, PROVER));
        assert!(matches!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered));
        assert_eq!(prover_bond(m, PROVER), (BOND, SLASH), "the result locks one slash");
        assert_noop!(Inference::accept(RuntimeOrigin::signed(PROVER), id), Error::<Test>::NotClient);
        assert_ok!(Inference::accept(RuntimeOrigin::signed(CLIENT), id));
        System::assert_last_event(Event::Settled { id, prover: PROVER, fee: 80, royalty: 20 }.into());
        assert_eq!((credit(PROVER), credit(OWNER), credit(CLIENT), Credit::escrowed()), (80, 20, -100, 0));
        assert_eq!(prover_bond(m, PROVER), (BOND, 0), "the lock is released");
        assert_eq!(hold(crate::HoldReason::RequestDeposit, CLIENT), 0, "the deposit is returned");
        assert!(Requests::<Test>::get(id).is_none());
        assert!(Deadlines::<Test>::iter().all(|(_, q)| !q.contains(&id)), "its queue slot is freed");
    });
}

#[test]
fn request_errors() {
    test(|m| {
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), [7; 32], bounded(input()), PRICE),
            Error::<Test>::UnknownModel
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), bounded(input()), PRICE - 1),
            Error::<Test>::PriceAboveLimit
        );
        // The input must fit the model: width, kind.
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), bounded(Input::Vector(vec![0; 7])), PRICE),
            Error::<Test>::BadInput
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), BoundedInput::Token(1), PRICE),
            Error::<Test>::BadInput
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(WATCHER), m.id(), bounded(input()), PRICE),
            pallet_mutual_credit::Error::<Test>::CreditLimitExceeded
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(99), m.id(), bounded(input()), PRICE),
            Error::<Test>::InsufficientDeposit
        );
        assert_noop!(
            Inference::request(RuntimeOrigin::none(), m.id(), bounded(input()), PRICE),
            DispatchError::BadOrigin
        );
        assert_ok!(Registry::retire(RuntimeOrigin::signed(OWNER), m.id()));
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), bounded(input()), PRICE),
            Error::<Test>::ModelRetired
        );
    });
}

#[test]
fn submit_result_errors() {
    test(|m| {
        let id = request(m);
        let claim = honest(m, PROVER).claim();
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
        // One link per layer, and an output as wide as the last layer.
        let short: BoundedVec<Hash, _> = claim.links[..1].to_vec().try_into().unwrap();
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), id, out.clone(), short),
            Error::<Test>::WrongLinkCount
        );
        let wide: BoundedVec<i16, _> = vec![0; 7].try_into().unwrap();
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), id, wide, links.clone()),
            Error::<Test>::WrongOutputWidth
        );
        assert_ok!(Inference::submit_result(RuntimeOrigin::signed(PROVER), id, out.clone(), links.clone()));
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), id, out.clone(), links.clone()),
            Error::<Test>::WrongPhase
        );
        let late = request(m);
        let back = now();
        System::set_block_number(back + RESULT_WINDOW + 1);
        assert_noop!(
            Inference::submit_result(RuntimeOrigin::signed(PROVER), late, out, links),
            Error::<Test>::DeadlinePassed
        );
        System::set_block_number(back);
    });
}

#[test]
fn an_unanswered_request_expires_and_refunds_the_client() {
    test(|m| {
        let id = request(m);
        assert_noop!(Inference::settle(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::DeadlineNotReached);
        run_to(now() + RESULT_WINDOW + 1);
        System::assert_last_event(Event::Expired { id, refund: PRICE }.into());
        assert_eq!((credit(CLIENT), Credit::escrowed()), (0, 0));
        assert_eq!(hold(crate::HoldReason::RequestDeposit, CLIENT), 0);
        assert_noop!(Inference::settle(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::UnknownRequest);
    });
}

#[test]
fn an_unchallenged_result_settles_itself() {
    test(|m| {
        let id = request(m);
        let start = now();
        submit(id, &honest(m, PROVER));
        run_to(start + CHALLENGE_WINDOW);
        assert!(Requests::<Test>::get(id).is_some(), "still challengeable in the last block");
        run_to(start + CHALLENGE_WINDOW + 1);
        System::assert_last_event(Event::Settled { id, prover: PROVER, fee: 80, royalty: 20 }.into());
        assert_eq!(credit(PROVER), 80);
        assert_eq!(prover_bond(m, PROVER), (BOND, 0));
    });
}

#[test]
fn an_honest_proof_defeats_a_prove_it_challenge_and_is_paid_at_the_deadline() {
    test(|m| {
        let id = request(m);
        let trace = honest(m, PROVER);
        submit(id, &trace);
        commit(CLIENT, id, &[]);
        assert_eq!(bond_held(CLIENT), CHALLENGE_BOND, "the bond is held from the commitment");
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(CLIENT), id), Error::<Test>::CommittedThisBlock);
        next_block();
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::NotCommitted);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(CLIENT), id));
        System::assert_last_event(
            Event::Challenged { id, challenger: CLIENT, respond_until: now() + RESPONSE_WINDOW }.into(),
        );
        assert_noop!(Inference::accept(RuntimeOrigin::signed(CLIENT), id), Error::<Test>::WrongPhase);
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(WATCHER), id, proof_bytes(m, &trace)),
            Error::<Test>::NotProver
        );
        let free = Balances::free_balance(PROVER);
        assert_ok!(Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &trace)));
        assert_eq!(Balances::free_balance(PROVER), free + CHALLENGE_BOND, "the bond is forfeited to the prover");
        System::assert_last_event(
            Event::ChallengeAnswered {
                id,
                challenger: CLIENT,
                forfeited: CHALLENGE_BOND,
                challenge_until: now() + CHALLENGE_WINDOW,
            }
            .into(),
        );
        // Not paid yet: the result is open to exclusion proofs for a full window.
        assert_eq!((bond_held(CLIENT), credit(PROVER)), (0, 0));
        assert!(matches!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered));
        commit(WATCHER, id, &[]);
        next_block();
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::AlreadyProven);
        run_to(now() + CHALLENGE_WINDOW);
        assert_eq!((credit(PROVER), credit(OWNER)), (80, 20), "paid when the window closed");
        // The watcher's unrevealed commitment comes back once the request has closed.
        assert_ok!(Inference::reclaim(RuntimeOrigin::signed(WATCHER), id));
        assert_eq!(bond_held(WATCHER), 0);
    });
}

/// Attack 1: a lazy prover has a sybil challenge its result, answers at once with its own
/// (valid) ghost proof and is paid before any watcher can file an exclusion proof. Now a
/// valid response pays nothing: the watcher convicts in the reopened window.
#[test]
fn a_valid_proof_does_not_close_the_window_for_exclusion_proofs() {
    test(|m| {
        let id = request(m);
        let cheat = lazy(m, PROVER);
        submit(id, &cheat);
        // The sybil (here CLIENT2) challenges; the prover answers in the same block.
        challenge(CLIENT2, id);
        assert_ok!(Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &cheat)));
        assert_eq!(credit(PROVER), 0, "a valid proof alone pays nothing");
        // The watcher builds its fraud proof (from the weights, or the openings in `respond`).
        report(WATCHER, id, &fraud_bytes(m, &cheat));
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
        assert_eq!((credit(PROVER), credit(CLIENT)), (0, 0));
        assert_eq!(prover_bond(m, PROVER), (BOND - SLASH, 0));
    });
}

#[test]
fn forged_proofs_are_rejected_and_the_silent_prover_is_convicted() {
    test(|m| {
        let id = request(m);
        let truth = honest(m, PROVER);
        // The prover posts a wrong output (and the links of the honest trace).
        let mut claim = truth.claim();
        claim.output[0] = claim.output[0].wrapping_add(3);
        assert_ok!(Inference::submit_result(
            RuntimeOrigin::signed(PROVER),
            id,
            claim.output.try_into().unwrap(),
            claim.links.try_into().unwrap()
        ));
        challenge(WATCHER, id);
        // Wrong output: the honest proof does not prove the posted claim.
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &truth)),
            Error::<Test>::ProofRejected
        );
        // Wrong row: a proof opening another row's data.
        let mut forged = m.prove_trace(&truth).unwrap();
        if let LayerProof::Lookup(p) = &mut forged.layers[0] {
            p.values[0] = p.values[0].wrapping_add(1);
        }
        let forged: BoundedVec<u8, _> = forged.encode().try_into().unwrap();
        assert_noop!(Inference::respond(RuntimeOrigin::signed(PROVER), id, forged), Error::<Test>::ProofRejected);
        let junk: BoundedVec<u8, _> = vec![1, 2, 3].try_into().unwrap();
        assert_noop!(Inference::respond(RuntimeOrigin::signed(PROVER), id, junk), Error::<Test>::ProofRejected);

        let (watcher_before, client_before) = (Balances::free_balance(WATCHER), Balances::free_balance(CLIENT));
        run_to(now() + RESPONSE_WINDOW + 1);
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
        assert_eq!(prover_bond(m, PROVER), (BOND - SLASH, 0));
        assert_eq!(Balances::free_balance(WATCHER), watcher_before + CHALLENGE_BOND + SLASH / 2);
        assert_eq!(Balances::free_balance(CLIENT), client_before + REQUEST_DEPOSIT + SLASH / 2);
        assert_eq!((credit(CLIENT), credit(PROVER), bond_held(WATCHER)), (0, 0, 0));
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &truth)),
            Error::<Test>::UnknownRequest
        );
    });
}

/// Attack 4a: a bonded prover copies another prover's output and links (from the pool or
/// an earlier request with the same input) and takes the fee. The links are bound to the
/// first prover's account: the copier cannot prove them and is convicted.
#[test]
fn a_copied_result_convicts_the_copier() {
    test(|m| {
        let original = request(m);
        let copied = request_by(m, CLIENT2);
        let work = honest(m, PROVER);
        submit(original, &work);
        submit_as(CHEAT, copied, &work);
        challenge(CLIENT2, copied);
        // Even the true proof of the copied work is rejected under the copier's account.
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(CHEAT), copied, proof_bytes(m, &work)),
            Error::<Test>::ProofRejected
        );
        run_to(now() + RESPONSE_WINDOW + 1);
        assert_eq!(prover_bond(m, CHEAT), (BOND - SLASH, 0));
        assert_eq!(credit(CLIENT2), 0, "refunded");
        // The original prover is unaffected.
        assert_eq!(prover_bond(m, PROVER), (BOND, SLASH));
    });
}

/// Attack 4b: the convicted prover (or anyone) copies a watcher's fraud proof out of the
/// pool to collect the challenger's share. Reveals need the revealer's own commitment
/// from an earlier block, and the commitment binds the account.
#[test]
fn a_fraud_proof_copied_from_the_pool_is_refused() {
    test(|m| {
        let id = request(m);
        let cheat = lazy(m, PROVER);
        submit(id, &cheat);
        let fraud = fraud_bytes(m, &cheat);
        commit(WATCHER, id, &fraud);
        next_block();
        // The watcher's reveal is in the pool; a copier reveals the same bytes first.
        assert_noop!(
            Inference::report_exclusion(RuntimeOrigin::signed(CLIENT2), id, fraud.clone()),
            Error::<Test>::NotCommitted
        );
        // A commitment made now is too late for this block, and the prover cannot commit.
        commit(CLIENT2, id, &fraud);
        assert_noop!(
            Inference::report_exclusion(RuntimeOrigin::signed(CLIENT2), id, fraud.clone()),
            Error::<Test>::CommittedThisBlock
        );
        assert_noop!(
            Inference::commit(RuntimeOrigin::signed(PROVER), id, Inference::dispute_digest(&PROVER, id, &fraud)),
            Error::<Test>::OwnResult
        );
        let before = Balances::free_balance(WATCHER);
        assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, fraud));
        assert_eq!(Balances::free_balance(WATCHER), before + CHALLENGE_BOND + SLASH / 2);
        // The copier's commitment is worth nothing; its bond comes back after the close.
        assert_ok!(Inference::reclaim(RuntimeOrigin::signed(CLIENT2), id));
        assert_eq!(bond_held(CLIENT2), 0);
    });
}

#[test]
fn an_excluded_list_convicts_during_a_prove_it_challenge() {
    test(|m| {
        let id = request(m);
        let skipped = honest(m, PROVER).openings[0].probed[0];
        let probed = honest(m, PROVER).openings[0].probed.clone();
        let outsider = (0..6).find(|j| !probed.contains(j)).unwrap();
        let spec = m.ghost_file().lookup(0).unwrap().clone();
        let cheat = m
            .trace_bound_with(&input(), &PROVER.encode(), &mut |l, p, s| {
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
        challenge(CLIENT, id);
        report(WATCHER, id, &fraud_bytes(m, &cheat));
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
        submit(id, &honest(m, PROVER));
        // A fraud proof made against a different (lazy) trace does not open the posted links.
        let bogus = fraud_bytes(m, &lazy(m, PROVER));
        let prover_before = Balances::free_balance(PROVER);
        report(WATCHER, id, &bogus);
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
        assert!(matches!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered), "the request goes on");
        // Errors before any bond is taken.
        assert_noop!(Inference::commit(RuntimeOrigin::signed(98), id, [0; 32]), Error::<Test>::InsufficientBond);
        let pending = request(m);
        assert_noop!(Inference::commit(RuntimeOrigin::signed(WATCHER), pending, [0; 32]), Error::<Test>::WrongPhase);
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), pending), Error::<Test>::WrongPhase);
        let back = now();
        System::set_block_number(back + CHALLENGE_WINDOW + 1);
        assert_noop!(Inference::commit(RuntimeOrigin::signed(CLIENT), id, [0; 32]), Error::<Test>::DeadlinePassed);
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::DeadlinePassed);
        System::set_block_number(back);
    });
}

/// Attack 2: filling the deadline queue with cheap requests must not refuse a challenge
/// or a result. The queue spills into later blocks; when every slot in reach is full the
/// request is left to `settle`, which anyone may call after the deadline.
#[test]
fn a_full_deadline_queue_never_refuses_a_defence() {
    test(|m| {
        let id = request(m);
        submit(id, &honest(m, PROVER));
        commit(WATCHER, id, &[]);
        next_block();
        // The attacker fills every slot the challenge's deadline could use.
        let deadline = now() + RESPONSE_WINDOW;
        for at in deadline + 1..=deadline + 1 + DEADLINE_SPILL as u64 {
            Deadlines::<Test>::insert(at, BoundedVec::truncate_from(vec![1_000 + at; 4]));
        }
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id));
        System::assert_has_event(Event::SettlementDeferred { id, deadline }.into());
        assert_eq!(Requests::<Test>::get(id).unwrap().settle_at, None);
        // Remove the attacker's fake entries (they name no request) to keep the invariants.
        for at in deadline + 1..=deadline + 1 + DEADLINE_SPILL as u64 {
            Deadlines::<Test>::remove(at);
        }
        run_to(deadline + 5);
        assert!(Requests::<Test>::get(id).is_some(), "deferred, not lost");
        assert_ok!(Inference::settle(RuntimeOrigin::signed(CLIENT2), id));
        assert_eq!(prover_bond(m, PROVER), (BOND - SLASH, 0), "the silent prover is convicted");
    });
}

/// The same attack through the front door: requests fill a block's slots, and the next
/// request spills to a later block; the result and challenge still land.
#[test]
fn requests_spill_into_later_blocks_and_new_business_is_refused_last() {
    test(|m| {
        let ids: Vec<u64> = (0..4 * (1 + DEADLINE_SPILL as u64)).map(|i| request_by(m, 3 + 2 * (i % 2))).collect();
        let first = now() + RESULT_WINDOW + 1;
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(Requests::<Test>::get(id).unwrap().settle_at, Some(first + n as u64 / 4));
        }
        assert_noop!(
            Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), bounded(input()), PRICE),
            Error::<Test>::DeadlineQueueFull
        );
        // Defences are never refused.
        submit(ids[0], &honest(m, PROVER));
        challenge(WATCHER, ids[0]);
        run_to(now() + 30);
        assert!(Requests::<Test>::iter().count() == 0, "every request settled");
    });
}

/// Attack 5: one bond behind any number of open results. Every result locks a full slash,
/// so a bond of five slashes backs five open results and no sixth.
#[test]
fn every_open_result_is_backed_by_a_full_slash() {
    test(|m| {
        let cheat = lazy(m, CHEAT);
        let ids: Vec<u64> = (0..5).map(|i| request_by(m, if i % 2 == 0 { CLIENT } else { CLIENT2 })).collect();
        for &id in &ids {
            submit_as(CHEAT, id, &cheat);
        }
        let sixth = request(m);
        let claim = cheat.claim();
        assert_noop!(
            Inference::submit_result(
                RuntimeOrigin::signed(CHEAT),
                sixth,
                claim.output.try_into().unwrap(),
                claim.links.try_into().unwrap()
            ),
            pallet_ghost_registry::Error::<Test>::BondExhausted
        );
        // Every conviction slashes in full.
        let fraud = fraud_bytes(m, &cheat);
        for &id in &ids {
            commit(WATCHER, id, &fraud);
        }
        next_block();
        for &id in &ids {
            assert_ok!(Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, fraud.clone()));
            System::assert_has_event(
                Event::ProverConvicted {
                    id,
                    prover: CHEAT,
                    reason: Conviction::ExcludedRow,
                    slashed: SLASH,
                    refund: PRICE,
                }
                .into(),
            );
        }
        assert_eq!(prover_bond(m, CHEAT), (0, 0));
    });
}

#[test]
fn a_late_response_is_refused() {
    test(|m| {
        let id = request(m);
        let trace = honest(m, PROVER);
        submit(id, &trace);
        challenge(CLIENT, id);
        let back = now();
        System::set_block_number(back + RESPONSE_WINDOW + 1);
        assert_noop!(
            Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &trace)),
            Error::<Test>::DeadlinePassed
        );
        System::set_block_number(back);
    });
}

#[test]
fn commitments_are_one_per_account_and_reclaimed_only_after_the_close() {
    test(|m| {
        let id = request(m);
        submit(id, &honest(m, PROVER));
        commit(WATCHER, id, &[1]);
        assert_noop!(Inference::commit(RuntimeOrigin::signed(WATCHER), id, [0; 32]), Error::<Test>::AlreadyCommitted);
        assert_noop!(Inference::reclaim(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::RequestOpen);
        assert_noop!(Inference::reclaim(RuntimeOrigin::signed(CLIENT), id), Error::<Test>::NotCommitted);
        next_block();
        // A reveal that does not match the commitment is refused, and the bond stays.
        assert_noop!(Inference::challenge(RuntimeOrigin::signed(WATCHER), id), Error::<Test>::NotCommitted);
        assert_ok!(Inference::accept(RuntimeOrigin::signed(CLIENT), id));
        assert!(Commitments::<Test>::contains_key(id, WATCHER));
        assert_ok!(Inference::reclaim(RuntimeOrigin::signed(WATCHER), id));
        assert_eq!(bond_held(WATCHER), 0);
    });
}

#[derive(Clone, Debug)]
enum Op {
    Request(bool),
    /// An honest result by the honest prover.
    Submit(u8),
    /// The cheat posts a lazy result, or copies the honest prover's.
    Cheat(u8, bool),
    Accept(u8),
    /// Commit a prove-it challenge (by a client, the watcher, or a sybil of the cheat).
    CommitChallenge(u8, u8),
    /// Commit the fraud proof against the cheat's lazy trace.
    CommitFraud(u8, u8),
    /// Reveal an existing commitment as it was committed (waiting a block if it is new),
    /// or (`true`) as the other kind: a mismatch must fail cleanly.
    Reveal(u8, bool),
    /// Reveal by someone who did not commit (a front-runner copying from the pool).
    CopyReveal(u8, u8, bool),
    /// The cheat answers a challenge with its own (lazy) proof.
    CheatRespond(u8),
    Reclaim(u8, u8),
    Advance(u64),
    Settle(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => any::<bool>().prop_map(Op::Request),
        2 => any::<u8>().prop_map(Op::Submit),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(r, copy)| Op::Cheat(r, copy)),
        1 => any::<u8>().prop_map(Op::Accept),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(r, w)| Op::CommitChallenge(r, w)),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(r, w)| Op::CommitFraud(r, w)),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(r, f)| Op::Reveal(r, f)),
        1 => (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(r, w, f)| Op::CopyReveal(r, w, f)),
        1 => any::<u8>().prop_map(Op::CheatRespond),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(r, w)| Op::Reclaim(r, w)),
        3 => (1u64..4).prop_map(Op::Advance),
        1 => (4u64..25).prop_map(Op::Advance),
        1 => any::<u8>().prop_map(Op::Settle),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random sequences of every call from the honest prover, a cheating prover, clients,
    /// a watcher and sybils, with random block advances. After every step: credit sums to
    /// zero, escrow equals the open requests, held deposits and bonds equal the open
    /// requests, challenges and commitments, every open result is backed by a locked
    /// slash, no request is stuck past its deadline, and the honest prover — which answers
    /// every prove-it challenge as soon as it sees it — is never slashed.
    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..60)) {
        test(|m| {
            let good = honest(m, PROVER);
            let cheat = lazy(m, CHEAT);
            let fraud = fraud_bytes(m, &cheat);
            let disputers = [CLIENT, WATCHER, CLIENT2, OWNER];
            let who = |w: u8| disputers[w as usize % disputers.len()];
            let pick = |r: u8| {
                let ids: Vec<u64> = Requests::<Test>::iter_keys().collect();
                ids.get(r as usize % ids.len().max(1)).copied().unwrap_or(u64::MAX)
            };
            // Disputes aim at requests with a result (most often the cheat's), as real
            // challengers and watchers do; the rest of the picks are blind.
            let pick_answered = |r: u8, cheat_only: bool| {
                let ids: Vec<u64> = Requests::<Test>::iter()
                    .filter(|(_, q)| q.result.as_ref().is_some_and(|res| !cheat_only || res.prover == CHEAT))
                    .map(|(id, _)| id)
                    .collect();
                ids.get(r as usize % ids.len().max(1)).copied().unwrap_or(u64::MAX)
            };
            let (honest_bond, _) = prover_bond(m, PROVER);
            let mut closed: Vec<u64> = Vec::new();
            for op in ops {
                let _ = match op {
                    Op::Request(second) => Inference::request(RuntimeOrigin::signed(if second { CLIENT2 } else { CLIENT }), m.id(), bounded(input()), PRICE),
                    Op::Submit(r) => {
                        let claim = good.claim();
                        Inference::submit_result(RuntimeOrigin::signed(PROVER), pick(r), claim.output.try_into().unwrap(), claim.links.try_into().unwrap())
                    }
                    Op::Cheat(r, copy) => {
                        let claim = if copy { good.claim() } else { cheat.claim() };
                        Inference::submit_result(RuntimeOrigin::signed(CHEAT), pick(r), claim.output.try_into().unwrap(), claim.links.try_into().unwrap())
                    }
                    Op::Accept(r) => { let id = pick(r); let client = Requests::<Test>::get(id).map(|q| q.client).unwrap_or(CLIENT); Inference::accept(RuntimeOrigin::signed(client), id) }
                    Op::CommitChallenge(r, w) => { let (id, a) = (pick_answered(r, false), who(w)); Inference::commit(RuntimeOrigin::signed(a), id, Inference::dispute_digest(&a, id, &[])) }
                    Op::Reveal(r, swap) => {
                        let commitments: Vec<(u64, u64, crate::Commitment<u64, u64>)> = Commitments::<Test>::iter().collect();
                        match commitments.get(r as usize % commitments.len().max(1)) {
                            Some((id, a, c)) => {
                                let (id, a) = (*id, *a);
                                if c.at == now() {
                                    next_block();
                                }
                                let as_fraud = (c.digest != Inference::dispute_digest(&a, id, &[])) != swap;
                                if as_fraud {
                                    Inference::report_exclusion(RuntimeOrigin::signed(a), id, fraud.clone()).map(|_| ()).map_err(|e| e.error)
                                } else {
                                    Inference::challenge(RuntimeOrigin::signed(a), id)
                                }
                            }
                            None => Ok(()),
                        }
                    }
                    Op::CopyReveal(r, w, as_fraud) => {
                        let (id, a) = (pick(r), who(w));
                        if Commitments::<Test>::contains_key(id, a) {
                            Ok(())
                        } else {
                            let copied = if as_fraud {
                                Inference::report_exclusion(RuntimeOrigin::signed(a), id, fraud.clone()).map(|_| ()).map_err(|e| e.error)
                            } else {
                                Inference::challenge(RuntimeOrigin::signed(a), id)
                            };
                            assert!(copied.is_err(), "a reveal without a commitment was accepted");
                            copied
                        }
                    }
                    Op::CheatRespond(r) => Inference::respond(RuntimeOrigin::signed(CHEAT), pick_answered(r, true), proof_bytes(m, &cheat)).map(|_| ()).map_err(|e| e.error),
                    Op::CommitFraud(r, w) => { let (id, a) = (pick_answered(r, true), who(w)); Inference::commit(RuntimeOrigin::signed(a), id, Inference::dispute_digest(&a, id, &fraud)) }
                    Op::Reclaim(r, w) => {
                        let id = closed.get(r as usize % closed.len().max(1)).copied().unwrap_or(u64::MAX);
                        Inference::reclaim(RuntimeOrigin::signed(who(w)), id)
                    }
                    Op::Advance(n) => { run_to(now() + n); Ok(()) }
                    Op::Settle(r) => Inference::settle(RuntimeOrigin::signed(WATCHER), pick(r)),
                };
                // The honest prover is online: it answers every prove-it challenge on its
                // results in the block it sees it.
                let challenged: Vec<u64> = Requests::<Test>::iter()
                    .filter(|(_, q)| matches!(q.phase, Phase::Challenged { .. }) && q.result.as_ref().is_some_and(|r| r.prover == PROVER))
                    .map(|(id, _)| id)
                    .collect();
                for id in challenged {
                    assert_ok!(Inference::respond(RuntimeOrigin::signed(PROVER), id, proof_bytes(m, &good)));
                }
                for id in 0..crate::NextRequestId::<Test>::get() {
                    if !Requests::<Test>::contains_key(id) && !closed.contains(&id) {
                        closed.push(id);
                    }
                }
                check_invariants();
                assert_eq!(prover_bond(m, PROVER).0, honest_bond, "the honest prover was slashed");
            }
        });
    }
}
