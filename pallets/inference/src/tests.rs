//! Requests, verified results, payment, reports and lazy settlement, decided by real ghost
//! proofs and fraud proofs from `ghost-primitives`; each attack of the security review on
//! the game played one by one; invariants after every test; and the attacker's property
//! test (`attackers_never_profit_and_honest_parties_never_lose`).

use crate::{mock::*, BoundedInput, Commitments, Conviction, Error, Event, Phase, Requests};
use codec::Encode;
use ghost_primitives::{testing, Hash, Input, Model, Shape, Trace};
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{
    frame_support::{
        assert_noop, assert_ok,
        traits::fungible::{Inspect, InspectHold},
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
/// What a result at `PRICE` locks: `max(MIN_SLASH, SLASH_PER_CREDIT × PRICE)`.
const SLASH: u64 = SLASH_PER_CREDIT * PRICE as u64;
/// Bond of each prover: five open results' worth of slashes.
const BOND: u64 = 5 * SLASH;
const SALT: [u8; 32] = [7; 32];

type Fraud = BoundedVec<u8, <Test as crate::Config>::MaxFraudProofBytes>;
type Proof = BoundedVec<u8, crate::MaxProofBytesOf<Test>>;

fn model() -> Model {
    testing::model(5, &[Shape::new(120, 6).widths(8, 6).select(4, 2), Shape::new(60, 3).widths(6, 3).select(3, 1)])
        .expect("test model")
}

fn input() -> Input {
    testing::input(9, 8)
}

fn bounded(input: Input) -> BoundedInput<Test> {
    BoundedInput::bound(input).expect("input fits")
}

fn credit(who: u64) -> i128 {
    pallet_mutual_credit::Balances::<Test>::get(who)
}

fn hold(reason: crate::HoldReason, who: u64) -> u64 {
    Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), &who)
}

fn bond_held(who: u64) -> u64 {
    hold(crate::HoldReason::ReportBond, who)
}

fn prover_bond(m: &Model, who: u64) -> (u64, u64) {
    pallet_ghost_registry::Bonds::<Test>::get(m.id(), who).map(|b| (b.amount, b.locked)).unwrap_or((0, 0))
}

/// Everything `who` owns in native tokens: free, held, and bonded (a bond is a hold).
fn native(who: u64) -> u64 {
    Balances::total_balance(&who)
}

fn check_invariants() {
    assert_eq!(Credit::total(), Some(0), "credit sums to zero");
    Inference::do_try_state().expect("inference invariants");
    Registry::do_try_state().expect("registry invariants");
    // Every open result is backed by its lock, and every lock by an open result.
    let m = model();
    for who in [PROVER, CHEAT] {
        let open: u64 = Requests::<Test>::iter_values()
            .filter_map(|r| r.result)
            .filter(|r| r.prover == who)
            .map(|r| r.locked)
            .sum();
        let (amount, locked) = prover_bond(&m, who);
        assert_eq!(locked, open, "prover {who}: locked for its open results");
        assert!(locked <= amount, "prover {who}: locks more than it holds");
    }
    for who in 1..=7u64 {
        if !Requests::<Test>::iter_values().any(|r| r.client == who) {
            assert_eq!(hold(crate::HoldReason::RequestDeposit, who), 0, "account {who}");
        }
    }
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

/// A lazy trace of `prover`: layer 0 swaps its best-scoring selected row for one it
/// outranks. Its ghost proof verifies; only a fraud proof convicts it.
fn lazy(m: &Model, prover: u64) -> Trace {
    m.lazy_trace(&input(), 0, &prover.encode()).unwrap().expect("a row to leave out")
}

fn proof_bytes(m: &Model, trace: &Trace) -> Proof {
    m.prove_trace(trace).unwrap().encode().try_into().unwrap()
}

fn fraud_bytes(m: &Model, trace: &Trace) -> Fraud {
    m.find_fraud(&input(), trace).unwrap().expect("a fraud").encode().try_into().unwrap()
}

fn submit_call(m: &Model, prover: u64, id: u64, trace: &Trace, proof: Proof) -> Result<(), DispatchError> {
    let _ = m;
    let claim = trace.claim();
    Inference::submit_result(
        RuntimeOrigin::signed(prover),
        id,
        claim.output.try_into().unwrap(),
        claim.links.try_into().unwrap(),
        proof,
    )
    .map(|_| ())
    .map_err(|e| e.error)
}

fn submit_as(m: &Model, prover: u64, id: u64, trace: &Trace) {
    assert_ok!(submit_call(m, prover, id, trace, proof_bytes(m, trace)));
}

fn digest(who: u64, id: u64, fraud: &[u8]) -> Hash {
    Inference::dispute_digest(&who, id, &SALT, fraud)
}

fn commit(who: u64, id: u64, fraud: &[u8]) {
    assert_ok!(Inference::commit(RuntimeOrigin::signed(who), id, digest(who, id, fraud)));
}

fn reveal(who: u64, id: u64, fraud: &Fraud) -> Result<(), DispatchError> {
    Inference::report_exclusion(RuntimeOrigin::signed(who), id, SALT, fraud.clone()).map(|_| ()).map_err(|e| e.error)
}

/// Commit an exclusion fraud proof, then reveal it in the next block.
fn report(who: u64, id: u64, fraud: &Fraud) {
    commit(who, id, fraud);
    next_block();
    assert_ok!(reveal(who, id, fraud));
}

#[test]
fn request_escrows_and_accept_pays_fee_and_royalty() {
    test(|m| {
        let id = request(m);
        assert_eq!((credit(CLIENT), Credit::escrowed(crate::PURSE)), (-100, 100));
        assert_eq!(hold(crate::HoldReason::RequestDeposit, CLIENT), REQUEST_DEPOSIT);
        System::assert_last_event(
            Event::Requested { id, client: CLIENT, model: m.id(), price: PRICE, deadline: now() + RESULT_WINDOW }
                .into(),
        );
        submit_as(m, PROVER, id, &honest(m, PROVER));
        assert_eq!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered);
        assert_eq!(prover_bond(m, PROVER), (BOND, SLASH), "the result locks the slash of its price");
        assert_noop!(Inference::accept(RuntimeOrigin::signed(PROVER), id), Error::<Test>::NotClient);
        assert_ok!(Inference::accept(RuntimeOrigin::signed(CLIENT), id));
        System::assert_last_event(Event::Settled { id, prover: PROVER, fee: 80, royalty: 20 }.into());
        assert_eq!((credit(PROVER), credit(OWNER), credit(CLIENT), Credit::escrowed(crate::PURSE)), (80, 20, -100, 0));
        assert_eq!(prover_bond(m, PROVER), (BOND, 0), "the lock is released");
        assert_eq!(hold(crate::HoldReason::RequestDeposit, CLIENT), 0, "the deposit is returned");
        assert!(Requests::<Test>::get(id).is_none());
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
fn a_result_is_refused_unless_its_proof_verifies_for_its_prover() {
    test(|m| {
        let id = request(m);
        let good = honest(m, PROVER);
        let claim = good.claim();
        let out: BoundedVec<i16, _> = claim.output.clone().try_into().unwrap();
        let links: BoundedVec<Hash, _> = claim.links.clone().try_into().unwrap();
        let proof = proof_bytes(m, &good);
        let call = |who: u64, id: u64, out: BoundedVec<i16, _>, links: BoundedVec<Hash, _>, proof: Proof| {
            Inference::submit_result(RuntimeOrigin::signed(who), id, out, links, proof).map_err(|e| e.error)
        };
        assert_noop!(call(WATCHER, id, out.clone(), links.clone(), proof.clone()), Error::<Test>::NotBonded);
        assert_noop!(call(PROVER, 99, out.clone(), links.clone(), proof.clone()), Error::<Test>::UnknownRequest);
        let short: BoundedVec<Hash, _> = claim.links[..1].to_vec().try_into().unwrap();
        assert_noop!(call(PROVER, id, out.clone(), short, proof.clone()), Error::<Test>::WrongLinkCount);
        let wide: BoundedVec<i16, _> = vec![0; 7].try_into().unwrap();
        assert_noop!(call(PROVER, id, wide, links.clone(), proof.clone()), Error::<Test>::WrongOutputWidth);
        // A wrong output with the honest proof, garbage bytes, a truncated proof.
        let mut wrong = claim.output.clone();
        wrong[0] = wrong[0].wrapping_add(1);
        assert_noop!(
            call(PROVER, id, wrong.try_into().unwrap(), links.clone(), proof.clone()),
            Error::<Test>::ProofRejected
        );
        assert_noop!(
            call(PROVER, id, out.clone(), links.clone(), vec![0xff; 40].try_into().unwrap()),
            Error::<Test>::ProofRejected
        );
        let cut: Proof = proof[..proof.len() - 1].to_vec().try_into().unwrap();
        assert_noop!(call(PROVER, id, out.clone(), links.clone(), cut), Error::<Test>::ProofRejected);
        // Another prover's result and proof, copied from the pool: bound to its account.
        assert_noop!(call(CHEAT, id, out.clone(), links.clone(), proof.clone()), Error::<Test>::ProofRejected);
        assert_ok!(call(PROVER, id, out.clone(), links.clone(), proof.clone()));
        assert_noop!(call(PROVER, id, out.clone(), links.clone(), proof.clone()), Error::<Test>::WrongPhase);
        let late = request(m);
        let back = now();
        System::set_block_number(back + RESULT_WINDOW + 1);
        assert_noop!(call(PROVER, late, out, links, proof), Error::<Test>::DeadlinePassed);
        System::set_block_number(back);
    });
}

#[test]
fn a_prover_that_loses_the_race_pays_for_the_checks_only() {
    use crate::WeightInfo;
    test(|m| {
        let id = request(m);
        submit_as(m, PROVER, id, &honest(m, PROVER));
        let trace = honest(m, CHEAT);
        let claim = trace.claim();
        let (o, l) = (claim.output.len() as u32, claim.links.len() as u32);
        let late = Inference::submit_result(
            RuntimeOrigin::signed(CHEAT),
            id,
            claim.output.try_into().unwrap(),
            claim.links.try_into().unwrap(),
            proof_bytes(m, &trace),
        )
        .unwrap_err();
        assert_eq!(late.error, Error::<Test>::WrongPhase.into());
        assert_eq!(late.post_info.actual_weight, Some(<() as WeightInfo>::submit_result(o, l)));
    });
}

#[test]
fn a_prover_answers_only_what_its_bond_backs() {
    test(|m| {
        let trace = honest(m, PROVER);
        for _ in 0..5 {
            let id = request_by(m, CLIENT);
            submit_as(m, PROVER, id, &trace);
        }
        assert_eq!(prover_bond(m, PROVER), (BOND, BOND));
        let id = request_by(m, CLIENT2);
        assert_noop!(
            submit_call(m, PROVER, id, &trace, proof_bytes(m, &trace)),
            pallet_ghost_registry::Error::<Test>::BondExhausted
        );
    });
}

#[test]
fn nothing_settles_by_itself_and_each_party_settles_what_it_is_owed() {
    test(|m| {
        // Nobody answers: the client settles to be refunded.
        let unanswered = request(m);
        let answered = request_by(m, CLIENT2);
        submit_as(m, PROVER, answered, &honest(m, PROVER));
        let until = Requests::<Test>::get(answered).unwrap().deadline;
        assert_noop!(Inference::settle(RuntimeOrigin::signed(CLIENT), unanswered), Error::<Test>::DeadlineNotReached);
        assert_noop!(Inference::settle(RuntimeOrigin::signed(PROVER), answered), Error::<Test>::DeadlineNotReached);
        run_to(until + 30);
        assert!(Requests::<Test>::contains_key(unanswered) && Requests::<Test>::contains_key(answered));
        assert_ok!(Inference::settle(RuntimeOrigin::signed(CLIENT), unanswered));
        System::assert_last_event(Event::Expired { id: unanswered, refund: PRICE }.into());
        assert_eq!(credit(CLIENT), 0);
        // The prover settles to be paid (anyone may).
        assert_ok!(Inference::settle(RuntimeOrigin::signed(PROVER), answered));
        System::assert_last_event(Event::Settled { id: answered, prover: PROVER, fee: 80, royalty: 20 }.into());
        assert_eq!(prover_bond(m, PROVER), (BOND, 0));
        assert_noop!(Inference::settle(RuntimeOrigin::signed(PROVER), answered), Error::<Test>::UnknownRequest);
    });
}

#[test]
fn many_requests_in_one_block_refuse_nobody_else() {
    // M1: there is no queue to fill. An attacker's requests in one block (here as many as
    // its credit allows) leave another client's request, and every settlement, untouched.
    test(|m| {
        let mut ids = Vec::new();
        while Inference::request(RuntimeOrigin::signed(CLIENT), m.id(), bounded(input()), PRICE).is_ok() {
            ids.push(crate::NextRequestId::<Test>::get() - 1);
        }
        assert_eq!(ids.len(), 10, "the credit line bounds the attacker, not a shared slot");
        let id = request_by(m, CLIENT2);
        submit_as(m, PROVER, id, &honest(m, PROVER));
        run_to(now() + CHALLENGE_WINDOW + 1);
        assert_ok!(Inference::settle(RuntimeOrigin::signed(PROVER), id));
        for id in ids {
            assert_ok!(Inference::settle(RuntimeOrigin::signed(CLIENT), id));
        }
    });
}

#[test]
fn a_lazy_result_is_convicted_and_the_slash_is_shared_as_stated() {
    test(|m| {
        let id = request(m);
        let cheat = lazy(m, CHEAT);
        submit_as(m, CHEAT, id, &cheat);
        let fraud = fraud_bytes(m, &cheat);
        let (watcher, client, issuance) = (native(WATCHER), native(CLIENT), Balances::total_issuance());
        report(WATCHER, id, &fraud);
        let reward = REPORT_REWARD;
        let compensation = CLIENT_SHARE_PERCENT as u64 * (SLASH - reward) / 100;
        let burned = SLASH - reward - compensation;
        System::assert_last_event(
            Event::ProverConvicted {
                id,
                prover: CHEAT,
                reporter: WATCHER,
                reason: Conviction::ExcludedRow,
                slashed: SLASH,
                reward,
                compensation,
                burned,
                refund: PRICE,
            }
            .into(),
        );
        assert_eq!(native(WATCHER), watcher + reward, "bond back and the reward");
        assert_eq!(bond_held(WATCHER), 0);
        assert_eq!(native(CLIENT), client + compensation);
        assert_eq!(credit(CLIENT), 0, "the price is refunded");
        assert_eq!(Balances::total_issuance(), issuance - burned, "the rest is burned");
        assert_eq!(prover_bond(m, CHEAT), (BOND - SLASH, 0));
        assert_eq!(credit(CHEAT), 0, "a liar is never paid");
    });
}

#[test]
fn a_conviction_takes_what_the_result_locked_not_todays_parameter() {
    // L1: the slash is fixed when the result is posted.
    test(|m| {
        let id = request(m);
        let cheat = lazy(m, CHEAT);
        submit_as(m, CHEAT, id, &cheat);
        MinSlash::set(&(3 * SLASH));
        let other = request_by(m, CLIENT2);
        submit_as(m, PROVER, other, &honest(m, PROVER));
        assert_eq!(prover_bond(m, PROVER), (BOND, 3 * SLASH), "new results lock the new slash");
        report(WATCHER, id, &fraud_bytes(m, &cheat));
        assert_eq!(prover_bond(m, CHEAT), (BOND - SLASH, 0), "the old result loses what it locked");
        assert_eq!(prover_bond(m, PROVER), (BOND, 3 * SLASH), "no other lock is touched");
    });
}

#[test]
fn the_slash_grows_with_the_price() {
    // L6: `max(MinSlash, SlashPerCredit × price)`, saturating.
    test(|_| {
        assert_eq!(Inference::slash_for(0), MIN_SLASH);
        assert_eq!(Inference::slash_for(80), MIN_SLASH);
        assert_eq!(Inference::slash_for(1_000), SLASH_PER_CREDIT * 1_000);
        assert_eq!(Inference::slash_for(u128::MAX), u64::MAX);
    });
}

#[test]
fn no_commitment_blocks_another_and_the_first_valid_reveal_convicts() {
    // C2: the liar's sybil commits first (several times, garbage and the real proof) and
    // the client commits too; the watcher can still commit and convict, and every other
    // committer gets its bond back.
    test(|m| {
        let id = request(m);
        let cheat = lazy(m, CHEAT);
        submit_as(m, CHEAT, id, &cheat);
        let fraud = fraud_bytes(m, &cheat);
        let sybil = 7;
        commit(sybil, id, &[1, 2, 3]);
        commit(sybil, id, &fraud);
        commit(CLIENT, id, &fraud);
        assert_noop!(
            Inference::commit(RuntimeOrigin::signed(sybil), id, digest(sybil, id, &fraud)),
            Error::<Test>::AlreadyCommitted
        );
        assert_noop!(
            Inference::commit(RuntimeOrigin::signed(CHEAT), id, digest(CHEAT, id, &fraud)),
            Error::<Test>::OwnResult
        );
        commit(WATCHER, id, &fraud);
        commit(WATCHER, id, &[9]);
        // In the same block nothing can be revealed.
        assert_noop!(reveal(WATCHER, id, &fraud), Error::<Test>::CommittedThisBlock);
        next_block();
        assert_ok!(reveal(WATCHER, id, &fraud));
        assert!(!Requests::<Test>::contains_key(id));
        // A later reveal finds the request closed; every other commitment is reclaimed.
        assert_noop!(reveal(CLIENT, id, &fraud), Error::<Test>::UnknownRequest);
        for (who, f) in [(sybil, vec![1, 2, 3]), (sybil, fraud.to_vec()), (CLIENT, fraud.to_vec()), (WATCHER, vec![9])]
        {
            assert_ok!(Inference::reclaim(RuntimeOrigin::signed(who), id, digest(who, id, &f)));
        }
        assert!(Commitments::<Test>::iter().next().is_none());
        assert_eq!((bond_held(sybil), bond_held(CLIENT), bond_held(WATCHER)), (0, 0, 0));
    });
}

#[test]
fn a_liar_reporting_itself_through_a_sybil_recovers_only_the_reward() {
    // M3: the reward is a fixed reimbursement of the reporter's two transactions (the
    // runtime sets it below their fees), so a self-report through a sybil loses the liar
    // the whole slash less the reward; the client's share and the burn never come back.
    test(|m| {
        let sybil = 7;
        let before = native(CHEAT) + native(sybil);
        let id = request(m);
        let cheat = lazy(m, CHEAT);
        submit_as(m, CHEAT, id, &cheat);
        report(sybil, id, &fraud_bytes(m, &cheat));
        let after = native(CHEAT) + native(sybil);
        assert_eq!(before - after, SLASH - REPORT_REWARD);
        const { assert!(REPORT_REWARD * 10 < SLASH) };
        assert_eq!(credit(CHEAT), 0);
    });
}

#[test]
fn a_report_copied_from_the_pool_reveals_nothing_and_convicts_nobody() {
    // The digest binds the reporter and a secret salt: a copier that sees the reveal in
    // the pool cannot have committed to it, and a copied digest opens to nothing of its own.
    test(|m| {
        let id = request(m);
        let cheat = lazy(m, CHEAT);
        submit_as(m, CHEAT, id, &cheat);
        let fraud = fraud_bytes(m, &cheat);
        let theirs = digest(WATCHER, id, &fraud);
        assert_ok!(Inference::commit(RuntimeOrigin::signed(CLIENT2), id, theirs));
        commit(WATCHER, id, &fraud);
        next_block();
        assert_noop!(reveal(CLIENT2, id, &fraud), Error::<Test>::NotCommitted);
        assert_noop!(
            Inference::report_exclusion(RuntimeOrigin::signed(WATCHER), id, [8; 32], fraud.clone()),
            Error::<Test>::NotCommitted
        );
        assert_ok!(reveal(WATCHER, id, &fraud));
        System::assert_has_event(
            Event::ProverConvicted {
                id,
                prover: CHEAT,
                reporter: WATCHER,
                reason: Conviction::ExcludedRow,
                slashed: SLASH,
                reward: REPORT_REWARD,
                compensation: CLIENT_SHARE_PERCENT as u64 * (SLASH - REPORT_REWARD) / 100,
                burned: SLASH - REPORT_REWARD - CLIENT_SHARE_PERCENT as u64 * (SLASH - REPORT_REWARD) / 100,
                refund: PRICE,
            }
            .into(),
        );
    });
}

#[test]
fn a_bogus_report_burns_its_bond_and_leaves_the_result_standing() {
    // H1 is gone with the prove-it game: an honest prover gains nothing from a false
    // report and loses nothing to it; the false reporter loses its bond to nobody.
    test(|m| {
        let id = request(m);
        submit_as(m, PROVER, id, &honest(m, PROVER));
        let cheat = lazy(m, CHEAT);
        let wrong = fraud_bytes(m, &cheat);
        let (prover, issuance) = (native(PROVER), Balances::total_issuance());
        commit(CLIENT2, id, &wrong);
        next_block();
        assert_ok!(reveal(CLIENT2, id, &wrong));
        assert!(matches!(
            System::events().last().map(|e| e.event.clone()),
            Some(RuntimeEvent::Inference(Event::ReportRejected { reporter: CLIENT2, burned: REPORT_BOND, .. }))
        ));
        assert_eq!(Balances::total_issuance(), issuance - REPORT_BOND);
        assert_eq!(native(PROVER), prover);
        assert_eq!(Requests::<Test>::get(id).unwrap().phase, Phase::Answered);
        run_to(now() + CHALLENGE_WINDOW);
        assert_ok!(Inference::settle(RuntimeOrigin::signed(PROVER), id));
        assert_eq!(credit(PROVER), 80);
    });
}

#[test]
fn reports_and_reclaims_keep_to_their_windows() {
    test(|m| {
        let pending = request(m);
        assert_noop!(Inference::commit(RuntimeOrigin::signed(WATCHER), pending, [0; 32]), Error::<Test>::WrongPhase);
        let id = request_by(m, CLIENT2);
        let cheat = lazy(m, CHEAT);
        submit_as(m, CHEAT, id, &cheat);
        let fraud = fraud_bytes(m, &cheat);
        commit(WATCHER, id, &fraud);
        assert_noop!(
            Inference::reclaim(RuntimeOrigin::signed(WATCHER), id, digest(WATCHER, id, &fraud)),
            Error::<Test>::RequestOpen
        );
        assert_noop!(
            Inference::reclaim(RuntimeOrigin::signed(CLIENT), id, digest(WATCHER, id, &fraud)),
            Error::<Test>::NotCommitted
        );
        assert_noop!(Inference::commit(RuntimeOrigin::signed(99), id, [1; 32]), Error::<Test>::InsufficientBond);
        let deadline = Requests::<Test>::get(id).unwrap().deadline;
        run_to(deadline);
        // A commitment in the deadline's block could never be revealed: refused.
        assert_noop!(Inference::commit(RuntimeOrigin::signed(CLIENT), id, [2; 32]), Error::<Test>::DeadlinePassed);
        assert_ok!(reveal(WATCHER, id, &vec![1u8].try_into().unwrap()).or_else(|e| {
            assert_eq!(e, Error::<Test>::NotCommitted.into());
            Ok::<(), DispatchError>(())
        }));
        run_to(deadline + 1);
        assert_noop!(reveal(WATCHER, id, &fraud), Error::<Test>::DeadlinePassed);
        assert_noop!(Inference::commit(RuntimeOrigin::signed(CLIENT), id, [2; 32]), Error::<Test>::DeadlinePassed);
        // Past the deadline the bond comes back even before anyone settles.
        assert_ok!(Inference::reclaim(RuntimeOrigin::signed(WATCHER), id, digest(WATCHER, id, &fraud)));
        assert_eq!(bond_held(WATCHER), 0);
        assert_ok!(Inference::settle(RuntimeOrigin::signed(CHEAT), id));
    });
}

#[test]
fn an_excluded_list_convicts() {
    test(|m| {
        let id = request(m);
        let skipped = honest(m, CHEAT).openings[0].probed[0];
        let probed = honest(m, CHEAT).openings[0].probed.clone();
        let outsider = (0..6).find(|j| !probed.contains(j)).unwrap();
        let spec = m.ghost_file().lookup(0).unwrap().clone();
        let cheat = m
            .trace_bound_with(&input(), &CHEAT.encode(), &mut |l, p, s| {
                if l == 0 {
                    p.retain(|&j| j != skipped);
                    p.push(outsider);
                    let mut pool: Vec<u32> = p.iter().flat_map(|&j| spec.list_range(j).unwrap()).collect();
                    pool.truncate(4);
                    *s = pool;
                }
            })
            .unwrap();
        submit_as(m, CHEAT, id, &cheat);
        report(WATCHER, id, &fraud_bytes(m, &cheat));
        assert!(System::events().iter().any(|e| matches!(
            e.event,
            RuntimeEvent::Inference(Event::ProverConvicted { reason: Conviction::ExcludedList, .. })
        )));
    });
}

// ---- The attacker's property test ---------------------------------------------------

/// The most blocks an inclusion adversary delays an honest party's call. A watcher's
/// commit and reveal are each delayed by up to `D`, so `2 D + 1 < CHALLENGE_WINDOW`; a
/// prover's answer by up to `D < RESULT_WINDOW`.
const D: u64 = 4;
const SYBIL: u64 = 7;
const HONEST_BOND: u64 = 20 * SLASH;
const GRIEFER: u64 = 8;

#[derive(Clone, Debug)]
enum Op {
    /// A client (honest or the griefer) requests.
    Request(u8),
    /// The honest prover answers an open request, its call delayed by `delay` blocks.
    Honest(u8, u64),
    /// The liar answers: lazily (a valid proof of the wrong rows), with a forged proof,
    /// or with the honest prover's proof copied from the pool.
    Liar(u8, u8),
    /// The liar's sybil reports the liar's own lazy result first (a self-report), or
    /// commits garbage.
    SybilSelfReport(u8, bool),
    /// The griefer reports an honest result with a fraud proof that cannot convict.
    Grief(u8),
    /// A client accepts a result early.
    Accept(u8),
    /// Hostile calls that must fail: settling early, reclaiming an open commitment.
    Early(u8),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Request),
        3 => (any::<u8>(), 0..=D).prop_map(|(r, d)| Op::Honest(r, d)),
        3 => (any::<u8>(), any::<u8>()).prop_map(|(r, k)| Op::Liar(r, k)),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(r, g)| Op::SybilSelfReport(r, g)),
        1 => any::<u8>().prop_map(Op::Grief),
        1 => any::<u8>().prop_map(Op::Accept),
        1 => any::<u8>().prop_map(Op::Early),
        3 => (1u64..4).prop_map(Op::Advance),
    ]
}

/// A call an honest party makes; the adversary picks the block it lands in.
#[derive(Clone, Debug)]
enum Call {
    Submit(u64),
    WatchCommit(u64),
    WatchReveal(u64),
    Reclaim(u64, Hash),
    ProverSettle(u64),
    ClientSettle(u64),
}

/// What a run reached.
#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    convictions: u32,
    failed_frauds: u32,
    races: u32,
    delays: u32,
    lazy_posted: u32,
    forged_refused: u32,
    self_reports: u32,
    own_client: u32,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.convictions += o.convictions;
        self.failed_frauds += o.failed_frauds;
        self.races += o.races;
        self.delays += o.delays;
        self.lazy_posted += o.lazy_posted;
        self.forged_refused += o.forged_refused;
        self.self_reports += o.self_reports;
        self.own_client += o.own_client;
    }
}

struct World {
    m: std::rc::Rc<Model>,
    good: Trace,
    cheat: Trace,
    fraud: Fraud,
    delays: Vec<u64>,
    next_delay: usize,
    queue: Vec<(u64, Call)>,
    issuance: u64,
    burned: u64,
    seen_events: usize,
    honest_results: u32,
    paid_honest: u32,
    lazy_results: Vec<u64>,
    tally: Tally,
}

fn picked(r: u8, ids: &[u64]) -> Option<u64> {
    (!ids.is_empty()).then(|| ids[r as usize % ids.len()])
}

fn open_where(f: impl Fn(&crate::Request<Test>) -> bool) -> Vec<u64> {
    let mut ids: Vec<u64> = Requests::<Test>::iter().filter(|(_, r)| f(r)).map(|(id, _)| id).collect();
    ids.sort();
    ids
}

impl World {
    fn new() -> Self {
        let m = model();
        let bytes: BoundedVec<u8, _> = m.ghost_file().encode().try_into().unwrap();
        assert_ok!(Registry::commit_registration(
            RuntimeOrigin::signed(OWNER),
            Registry::registration_commitment(&OWNER, &m.id())
        ));
        run_to(2);
        assert_ok!(Registry::register(RuntimeOrigin::signed(OWNER), bytes, PRICE, Perbill::from_percent(20)));
        // Enough to back every request two clients' credit can keep open (2 x 10): the
        // honest prover never has to turn one down.
        assert_ok!(Registry::bond(RuntimeOrigin::signed(PROVER), m.id(), HONEST_BOND, Default::default()));
        assert_ok!(Registry::bond(RuntimeOrigin::signed(CHEAT), m.id(), BOND, Default::default()));
        let (good, cheat) = (honest(&m, PROVER), lazy(&m, CHEAT));
        let fraud = fraud_bytes(&m, &cheat);
        World {
            m: std::rc::Rc::new(m),
            good,
            cheat,
            fraud,
            delays: Vec::new(),
            next_delay: 0,
            queue: Vec::new(),
            issuance: Balances::total_issuance(),
            burned: 0,
            seen_events: 0,
            honest_results: 0,
            paid_honest: 0,
            lazy_results: Vec::new(),
            tally: Tally::default(),
        }
    }

    /// An honest call, sent now, lands after a delay of the adversary's choice (≤ `D`).
    fn send(&mut self, call: Call, at_least: u64) {
        let d = if self.delays.is_empty() { 0 } else { self.delays[self.next_delay % self.delays.len()] };
        self.next_delay += 1;
        if d > 0 {
            self.tally.delays += 1;
        }
        self.queue.push((now() + at_least + d, call));
    }

    /// Count what closed since the last look (burns enter the issuance check).
    fn observe(&mut self) {
        let events = System::events();
        for e in &events[self.seen_events..] {
            match &e.event {
                RuntimeEvent::Inference(Event::ProverConvicted { burned, .. }) => {
                    self.burned += burned;
                    self.tally.convictions += 1;
                }
                RuntimeEvent::Inference(Event::ReportRejected { burned, .. }) => {
                    self.burned += burned;
                    self.tally.failed_frauds += 1;
                }
                _ => {}
            }
        }
        self.seen_events = events.len();
        check_invariants();
        assert_eq!(Balances::total_issuance() + self.burned, self.issuance, "native issuance is conserved");
    }

    /// Land the honest calls due in this block, then move to the next one.
    fn tick(&mut self) {
        loop {
            let (due, later): (Vec<_>, Vec<_>) = self.queue.drain(..).partition(|(at, _)| *at <= now());
            self.queue = later;
            if due.is_empty() {
                break;
            }
            for (at, call) in due {
                assert_eq!(at, now(), "an honest call landed later than the adversary chose");
                self.land(call);
                self.observe();
            }
        }
        System::reset_events();
        self.seen_events = 0;
        next_block();
    }

    fn land(&mut self, call: Call) {
        let m = self.m.clone();
        let m = &*m;
        match call {
            Call::Submit(id) => match Requests::<Test>::get(id) {
                Some(q) if q.phase == Phase::Pending => {
                    assert!(now() <= q.deadline, "the honest prover's answer is never late");
                    submit_as(m, PROVER, id, &self.good);
                    self.honest_results += 1;
                    self.send(Call::ProverSettle(id), CHALLENGE_WINDOW + 1);
                }
                // Answered by another first (and maybe closed by a report since).
                Some(_) => assert_eq!(
                    submit_call(m, PROVER, id, &self.good, proof_bytes(m, &self.good)),
                    Err(Error::<Test>::WrongPhase.into())
                ),
                None => assert_eq!(
                    submit_call(m, PROVER, id, &self.good, proof_bytes(m, &self.good)),
                    Err(Error::<Test>::UnknownRequest.into())
                ),
            },
            Call::WatchCommit(id) => {
                if Requests::<Test>::contains_key(id) {
                    if Commitments::<Test>::iter_keys().any(|(i, w, _)| i == id && w == SYBIL) {
                        self.tally.races += 1;
                    }
                    // Never blocked, whoever committed before.
                    commit(WATCHER, id, &self.fraud);
                    self.send(Call::WatchReveal(id), 1);
                }
            }
            Call::WatchReveal(id) => {
                let fraud = self.fraud.clone();
                if Requests::<Test>::contains_key(id) {
                    assert_ok!(reveal(WATCHER, id, &fraud));
                    assert!(!Requests::<Test>::contains_key(id), "the watcher's report convicts");
                } else {
                    assert_eq!(reveal(WATCHER, id, &fraud), Err(Error::<Test>::UnknownRequest.into()));
                    self.send(Call::Reclaim(id, digest(WATCHER, id, &fraud)), 0);
                }
            }
            Call::Reclaim(id, d) => {
                assert_ok!(Inference::reclaim(RuntimeOrigin::signed(WATCHER), id, d));
            }
            Call::ProverSettle(id) => {
                if Requests::<Test>::contains_key(id) {
                    assert_ok!(Inference::settle(RuntimeOrigin::signed(PROVER), id));
                    self.paid_honest += 1;
                }
            }
            Call::ClientSettle(id) => match Requests::<Test>::get(id) {
                Some(q) if q.phase == Phase::Pending => {
                    assert_ok!(Inference::settle(RuntimeOrigin::signed(q.client), id));
                }
                // Answered: its prover settles (or a report closes it).
                _ => {}
            },
        }
    }

    fn step(&mut self, op: Op) {
        let m = self.m.clone();
        match op {
            Op::Request(r) => {
                // The liar's sybil is a client too: it gets the client's share back.
                let client = [CLIENT, CLIENT2, SYBIL][r as usize % 3];
                let result = Inference::request(RuntimeOrigin::signed(client), m.id(), bounded(input()), PRICE);
                if credit(client) - (PRICE as i128) < -1_000 {
                    assert_eq!(result, Err(pallet_mutual_credit::Error::<Test>::CreditLimitExceeded.into()));
                } else {
                    assert_ok!(result);
                    let id = crate::NextRequestId::<Test>::get() - 1;
                    self.send(Call::ClientSettle(id), RESULT_WINDOW + 1);
                }
            }
            Op::Honest(r, d) => {
                if let Some(id) = picked(r, &open_where(|q| q.phase == Phase::Pending && now() + D <= q.deadline)) {
                    if d > 0 {
                        self.tally.delays += 1;
                    }
                    self.queue.push((now() + d, Call::Submit(id)));
                }
            }
            Op::Liar(r, kind) => {
                if let Some(id) = picked(r, &open_where(|q| q.phase == Phase::Pending && now() <= q.deadline)) {
                    // Convictions eat the liar's bond: below `MinBond` it is no longer
                    // bonded, and a bond with no free slash backs no new result.
                    let (amount, locked) = prover_bond(&m, CHEAT);
                    let bonded = amount >= 1_000;
                    let refused = |e: Error<Test>| -> Result<(), DispatchError> {
                        Err(if bonded { e.into() } else { Error::<Test>::NotBonded.into() })
                    };
                    match kind % 3 {
                        0 => {
                            let posted = submit_call(&m, CHEAT, id, &self.cheat, proof_bytes(&m, &self.cheat));
                            if !bonded {
                                assert_eq!(posted, Err(Error::<Test>::NotBonded.into()));
                            } else if amount - locked < SLASH {
                                assert_eq!(posted, Err(pallet_ghost_registry::Error::<Test>::BondExhausted.into()));
                            } else {
                                assert_ok!(posted);
                                self.tally.lazy_posted += 1;
                                if Requests::<Test>::get(id).is_some_and(|q| q.client == SYBIL) {
                                    self.tally.own_client += 1;
                                }
                                self.lazy_results.push(id);
                                self.send(Call::WatchCommit(id), 0);
                            }
                        }
                        1 => {
                            let mut forged = proof_bytes(&m, &self.cheat).to_vec();
                            let last = forged.len() - 1;
                            forged[last] ^= 1;
                            assert_eq!(
                                submit_call(&m, CHEAT, id, &self.cheat, forged.try_into().unwrap()),
                                refused(Error::<Test>::ProofRejected)
                            );
                            self.tally.forged_refused += 1;
                        }
                        _ => {
                            assert_eq!(
                                submit_call(&m, CHEAT, id, &self.good, proof_bytes(&m, &self.good)),
                                refused(Error::<Test>::ProofRejected),
                                "a copied result is bound to its prover"
                            );
                            self.tally.forged_refused += 1;
                        }
                    }
                }
            }
            Op::SybilSelfReport(r, garbage) => {
                let ids: Vec<u64> = self
                    .lazy_results
                    .iter()
                    .copied()
                    .filter(|id| Requests::<Test>::get(id).is_some_and(|q| now() < q.deadline))
                    .collect();
                if let Some(id) = picked(r, &ids) {
                    let f: Fraud = if garbage { vec![1, 2, 3].try_into().unwrap() } else { self.fraud.clone() };
                    commit(SYBIL, id, &f);
                    self.tick();
                    // The sybil reveals at once; the watcher's calls of this block landed first.
                    match Requests::<Test>::get(id) {
                        Some(_) => {
                            assert_ok!(reveal(SYBIL, id, &f));
                            if garbage {
                                assert!(Requests::<Test>::contains_key(id), "garbage convicts nobody");
                            } else {
                                assert!(!Requests::<Test>::contains_key(id), "the first valid reveal convicts");
                                self.tally.self_reports += 1;
                            }
                        }
                        None => assert_eq!(reveal(SYBIL, id, &f), Err(Error::<Test>::UnknownRequest.into())),
                    }
                    if Requests::<Test>::get(id).is_none_or(|q| now() > q.deadline) {
                        assert_ok!(Inference::reclaim(RuntimeOrigin::signed(SYBIL), id, digest(SYBIL, id, &f))
                            .or_else(|e| if e == Error::<Test>::NotCommitted.into() { Ok(()) } else { Err(e) }));
                    }
                }
            }
            Op::Grief(r) => {
                let mine = open_where(|q| q.result.as_ref().is_some_and(|x| x.prover == PROVER) && now() < q.deadline);
                if let Some(id) = picked(r, &mine) {
                    let fraud = self.fraud.clone();
                    commit(GRIEFER, id, &fraud);
                    self.tick();
                    if Requests::<Test>::contains_key(id) {
                        assert_ok!(reveal(GRIEFER, id, &fraud));
                        assert!(Requests::<Test>::contains_key(id), "an honest result stands");
                    }
                }
            }
            Op::Accept(r) => {
                if let Some(id) = picked(r, &open_where(|q| q.phase == Phase::Answered)) {
                    let request = Requests::<Test>::get(id).unwrap();
                    // Honest clients accept what they verified and checked: honest results.
                    assert_noop!(Inference::accept(RuntimeOrigin::signed(GRIEFER), id), Error::<Test>::NotClient);
                    if request.result.as_ref().is_some_and(|x| x.prover == PROVER) {
                        assert_ok!(Inference::accept(RuntimeOrigin::signed(request.client), id));
                        self.paid_honest += 1;
                    }
                }
            }
            Op::Early(r) => {
                if let Some(id) = picked(r, &open_where(|q| now() <= q.deadline)) {
                    assert_noop!(
                        Inference::settle(RuntimeOrigin::signed(GRIEFER), id),
                        Error::<Test>::DeadlineNotReached
                    );
                    assert_noop!(
                        Inference::reclaim(RuntimeOrigin::signed(GRIEFER), id, [3; 32]),
                        Error::<Test>::NotCommitted
                    );
                    // Nor can anyone take a bond back while its report could still land.
                    let theirs = Commitments::<Test>::iter_keys().find(|(i, _, _)| *i == id);
                    if let Some((_, who, digest)) = theirs {
                        assert_noop!(
                            Inference::reclaim(RuntimeOrigin::signed(who), id, digest),
                            Error::<Test>::RequestOpen
                        );
                    }
                }
            }
            Op::Advance(n) => {
                for _ in 0..n {
                    self.tick();
                }
            }
        }
        self.observe();
    }

    /// Play `ops`, let every window close, and check the payoffs.
    fn play(mut self, ops: Vec<Op>) -> Tally {
        let prover0 = native(PROVER);
        let liar0 = native(CHEAT) + native(SYBIL);
        let griefer0 = native(GRIEFER);
        for op in ops {
            self.step(op);
        }
        for _ in 0..(RESULT_WINDOW + CHALLENGE_WINDOW + 4 * D + 4) {
            self.tick();
        }
        self.observe();
        assert!(self.queue.is_empty(), "every honest call landed: {:?}", self.queue);
        assert_eq!(Requests::<Test>::iter().count(), 0, "every request was settled by its party");
        assert!(Commitments::<Test>::iter_keys().all(|(_, w, _)| w != WATCHER), "the watcher got every bond back");
        assert_eq!(bond_held(WATCHER), 0);
        // No honest prover ever loses anything, and it is paid once for every result.
        assert_eq!(native(PROVER), prover0, "the honest prover lost native tokens");
        assert_eq!(prover_bond(&self.m, PROVER), (HONEST_BOND, 0));
        assert_eq!(self.paid_honest, self.honest_results);
        assert_eq!(credit(PROVER), 80 * i128::from(self.honest_results), "paid for each result, once");
        // Every lazy result is convicted: the watcher reports within the window less D.
        assert_eq!(self.tally.convictions, self.tally.lazy_posted, "every lazy result is convicted");
        assert_eq!(credit(CHEAT), 0, "a liar is never paid");
        // A liar's net gain is negative: each lazy result costs the slash, less the reward
        // its sybil took when it reported first and the client's share when its sybil was
        // the client, less nothing else.
        let loss = i128::from(liar0) - i128::from(native(CHEAT) + native(SYBIL));
        let compensation = i128::from(CLIENT_SHARE_PERCENT as u64 * (SLASH - REPORT_REWARD) / 100);
        let expected = i128::from(self.tally.lazy_posted) * i128::from(SLASH)
            - i128::from(self.tally.self_reports) * i128::from(REPORT_REWARD)
            - i128::from(self.tally.own_client) * compensation;
        assert!(loss >= expected, "the liar lost {loss}, at least {expected} expected");
        if self.tally.lazy_posted > 0 {
            assert!(loss > 0, "lying paid");
        }
        assert!(native(GRIEFER) <= griefer0, "griefing paid");
        self.tally
    }
}

fn game() -> impl Strategy<Value = (Vec<Op>, Vec<u64>)> {
    (prop::collection::vec(op(), 1..50), prop::collection::vec(0..=D, 1..16))
}

fn run_game(ops: Vec<Op>, delays: Vec<u64>) -> Tally {
    new_test_ext().execute_with(|| {
        let mut world = World::new();
        world.delays = delays;
        world.play(ops)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random call sequences from an honest prover, a lazy and lying prover, its sybil,
    /// a griefer, clients and a watcher, while an inclusion adversary delays every honest
    /// call by up to `D` blocks. After every step: credit sums to zero, native issuance is
    /// conserved (burns counted), escrow equals the open prices, every lock is backed. At
    /// the end: the honest prover lost nothing and was paid once per result, every lazy
    /// result was convicted, the liar's net gain is negative, and every `commit` of the
    /// watcher succeeded (each is asserted).
    #[test]
    fn attackers_never_profit_and_honest_parties_never_lose((ops, delays) in game()) {
        run_game(ops, delays);
    }
}

/// The same game over 128 cases of a fixed seed, counting what the cases reached: the
/// figures the docs quote (`cargo test -p pallet-inference attackers -- --nocapture`).
#[test]
fn the_attackers_game_reaches_every_outcome() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config { cases: 128, ..Config::default() },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let total = std::cell::RefCell::new(Tally::default());
    runner
        .run(&game(), |(ops, delays)| {
            total.borrow_mut().add(run_game(ops, delays));
            Ok(())
        })
        .expect("every case holds");
    let total = total.into_inner();
    eprintln!("the attackers' game, 128 cases: {total:?}");
    assert!(total.convictions > 0 && total.failed_frauds > 0 && total.races > 0 && total.delays > 0);
    assert!(total.forged_refused > 0 && total.self_reports > 0 && total.own_client > 0);
}
