//! Channels opened, paid, closed and finished; vouchers stale, replayed, forged and from
//! other chains or channels; receipts honest, forged and lazy, reported by anyone; the
//! bond kept until every receipt's window ends; invariants after every test; and the
//! property test over random sequences of honest and hostile calls.

use crate::{mock::*, Error, Event, Evidence, Exposures, Refusal, ReportedReceipt, SignedVoucher};
use codec::Encode;
use ghost_primitives::{
    channel::{input_hash, proof_hash, ReceiptFault, Voucher},
    testing, Input, Model, Shape, Trace,
};
use pallet_inference::BoundedInput;
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{
    frame_support::{
        assert_noop, assert_ok,
        traits::fungible::{Inspect, InspectHold},
        BoundedVec,
    },
    sp_runtime::{testing::TestSignature, DispatchError, Perbill},
};
use proptest::{prelude::*, test_runner::TestCaseError};

const OWNER: u64 = 1;
const PROVER: u64 = 2;
const CLIENT: u64 = 3;
const WATCHER: u64 = 4;
const CLIENT2: u64 = 5;
const LAZY: u64 = 6;
const SYBIL: u64 = 7;
const GRIEFER: u64 = 8;
const PRICE: u128 = 100;
const ROYALTY_PERCENT: u32 = 20;
/// What a receipt at `PRICE` convicts for: `max(MIN_SLASH, SLASH_PER_CREDIT × PRICE)`.
const SLASH: u64 = SLASH_PER_CREDIT * PRICE as u64;
const BOND: u64 = 5 * SLASH;

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

fn bond_of(m: &Model, who: u64) -> u64 {
    pallet_ghost_registry::Bonds::<Test>::get(m.id(), who).map_or(0, |b| b.amount)
}

fn check_invariants() {
    assert_eq!(Credit::total(), Some(0), "credit sums to zero");
    Channels::do_try_state().expect("channel invariants");
    Inference::do_try_state().expect("inference invariants");
    Registry::do_try_state().expect("registry invariants");
    for who in 1..=8u64 {
        if !crate::Channels::<Test>::iter_values().any(|c| c.client == who) {
            let held = Balances::balance_on_hold(&RuntimeHoldReason::Channels(crate::HoldReason::ChannelDeposit), &who);
            assert_eq!(held, 0, "account {who} holds a deposit for no channel");
        }
    }
}

/// The model registered, PROVER and LAZY bonded on it.
fn setup() -> Model {
    let m = model();
    let bytes: BoundedVec<u8, _> = m.ghost_file().encode().try_into().unwrap();
    let commitment = Registry::registration_commitment(&OWNER, &m.id());
    assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(OWNER), commitment));
    run_to(2);
    let royalty = Perbill::from_percent(ROYALTY_PERCENT);
    assert_ok!(Registry::register(RuntimeOrigin::signed(OWNER), bytes, PRICE, royalty));
    assert_ok!(Registry::bond(RuntimeOrigin::signed(PROVER), m.id(), BOND, Default::default()));
    assert_ok!(Registry::bond(RuntimeOrigin::signed(LAZY), m.id(), BOND, Default::default()));
    m
}

fn test(f: impl FnOnce(&Model)) {
    new_test_ext().execute_with(|| {
        let m = setup();
        f(&m);
        check_invariants();
    });
}

fn now() -> u64 {
    System::block_number()
}

fn open_by(m: &Model, client: u64, prover: u64, deposit: u128) -> u64 {
    let id = crate::NextChannelId::<Test>::get();
    assert_ok!(Channels::open(RuntimeOrigin::signed(client), prover, m.id(), deposit));
    id
}

fn signed_voucher(channel: u64, amount: u128, signer: u64) -> SignedVoucher<Test> {
    let voucher = Voucher { genesis: Channels::genesis(), channel, amount };
    SignedVoucher { channel, amount, signature: TestSignature(signer, voucher.signing_message().to_vec()) }
}

fn redeem(prover: u64, vouchers: Vec<SignedVoucher<Test>>) -> Result<(), DispatchError> {
    Channels::redeem(RuntimeOrigin::signed(prover), vouchers.try_into().unwrap())
}

fn refusals() -> Vec<Refusal> {
    System::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::Channels(Event::RedeemRefused { reason, .. }) => Some(reason),
            _ => None,
        })
        .collect()
}

/// The trace of `prover` on `input()`: honest, or lazy at layer 0.
fn trace(m: &Model, prover: u64, lazy: bool) -> Trace {
    if lazy {
        m.lazy_trace(&input(), 0, &prover.encode()).unwrap().expect("a row to leave out")
    } else {
        m.trace_bound(&input(), &prover.encode()).unwrap()
    }
}

/// A receipt `prover` signs on `channel` for `trace`, with the proof it names.
struct Signed {
    receipt: ReportedReceipt<Test>,
    signature: TestSignature,
    proof: Vec<u8>,
}

fn receipt(m: &Model, prover: u64, client: u64, channel: u64, seq: u64, trace: &Trace) -> Signed {
    let proof = m.prove_trace(trace).unwrap().encode();
    let claim = trace.claim();
    let receipt = ReportedReceipt::<Test> {
        genesis: Channels::genesis(),
        channel,
        seq,
        at: now(),
        prover,
        client,
        model: m.id(),
        price: PRICE,
        input: input_hash(&input()),
        output: claim.output.try_into().unwrap(),
        links: claim.links.try_into().unwrap(),
        proof: proof_hash(&proof),
    };
    sign(receipt, proof)
}

/// Sign `receipt` as its prover.
fn sign(receipt: ReportedReceipt<Test>, proof: Vec<u8>) -> Signed {
    let signature = TestSignature(receipt.prover, receipt.to_receipt().signing_message().to_vec());
    Signed { receipt, signature, proof }
}

fn report(who: u64, signed: &Signed, evidence: Evidence<Test>) -> Result<(), DispatchError> {
    Channels::report_receipt(
        RuntimeOrigin::signed(who),
        Box::new(signed.receipt.clone()),
        signed.signature.clone(),
        bounded(input()),
        evidence,
    )
    .map(|_| ())
    .map_err(|e| e.error)
}

fn proof_evidence(signed: &Signed) -> Evidence<Test> {
    Evidence::Proof(signed.proof.clone().try_into().unwrap())
}

fn fraud_evidence(m: &Model, trace: &Trace) -> Evidence<Test> {
    let fraud = m.find_fraud(&input(), trace).unwrap().expect("a fraud");
    Evidence::Fraud(fraud.encode().try_into().unwrap())
}

#[test]
fn a_channel_pays_its_latest_voucher_and_refunds_the_rest() {
    test(|m| {
        let c = open_by(m, CLIENT, PROVER, 10 * PRICE);
        assert_eq!((credit(CLIENT), Credit::escrowed(crate::PURSE)), (-1_000, 1_000));
        let held = Balances::balance_on_hold(&RuntimeHoldReason::Channels(crate::HoldReason::ChannelDeposit), &CLIENT);
        assert_eq!(held, CHANNEL_DEPOSIT);
        assert_eq!(Exposures::<Test>::get(m.id(), PROVER).open, 1);
        // Three answers verified: the client signs 300; the prover redeems 100, then 300.
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, PRICE, CLIENT)]));
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, 3 * PRICE, CLIENT)]));
        assert_eq!((credit(PROVER), credit(OWNER)), (240, 60), "fee and 20% royalty on 300");
        assert_eq!(crate::Channels::<Test>::get(c).unwrap().redeemed, 300);
        System::assert_has_event(Event::Redeemed { channel: c, redeemed: 300, fee: 160, royalty: 40 }.into());
        // The client tops up and closes; the prover redeems during the timeout.
        assert_ok!(Channels::top_up(RuntimeOrigin::signed(CLIENT), c, 5 * PRICE));
        assert_ok!(Channels::close(RuntimeOrigin::signed(CLIENT), c));
        let closes_at = now() + CLOSE_TIMEOUT;
        System::assert_has_event(Event::Closing { channel: c, closes_at }.into());
        assert_noop!(Channels::top_up(RuntimeOrigin::signed(CLIENT), c, 1), Error::<Test>::Closing);
        assert_noop!(Channels::close(RuntimeOrigin::signed(CLIENT), c), Error::<Test>::Closing);
        run_to(closes_at);
        assert_noop!(Channels::finish(RuntimeOrigin::signed(GRIEFER), c), Error::<Test>::TooEarly);
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, 4 * PRICE, CLIENT)]));
        run_to(closes_at + 1);
        assert_ok!(Channels::finish(RuntimeOrigin::signed(GRIEFER), c));
        System::assert_has_event(Event::Closed { channel: c, redeemed: 400, refund: 1_100 }.into());
        assert_eq!((credit(CLIENT), credit(PROVER), credit(OWNER)), (-400, 320, 80));
        assert_eq!(Credit::escrowed(crate::PURSE), 0);
        // Too late: the channel is gone.
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, 5 * PRICE, CLIENT)]));
        assert_eq!(refusals(), vec![Refusal::UnknownChannel]);
        assert_eq!(Exposures::<Test>::get(m.id(), PROVER).open, 0);
    });
}

#[test]
fn opening_refuses_what_cannot_be_served() {
    test(|m| {
        let open =
            |who: u64, prover: u64, model, deposit| Channels::open(RuntimeOrigin::signed(who), prover, model, deposit);
        assert_noop!(open(CLIENT, PROVER, [9; 32], PRICE), Error::<Test>::UnknownModel);
        assert_noop!(open(CLIENT, WATCHER, m.id(), PRICE), Error::<Test>::NotBonded);
        assert_noop!(open(CLIENT, PROVER, m.id(), PRICE - 1), Error::<Test>::DepositBelowPrice);
        // No credit line: the deposit cannot be escrowed.
        assert_noop!(open(GRIEFER, PROVER, m.id(), PRICE), pallet_mutual_credit::Error::<Test>::CreditLimitExceeded);
        assert_noop!(open(CLIENT, PROVER, m.id(), 10_001), pallet_mutual_credit::Error::<Test>::CreditLimitExceeded);
        let c = open_by(m, CLIENT, PROVER, PRICE);
        assert_noop!(Channels::top_up(RuntimeOrigin::signed(CLIENT2), c, 1), Error::<Test>::NotClient);
        assert_noop!(Channels::close(RuntimeOrigin::signed(GRIEFER), c), Error::<Test>::NotParty);
        assert_noop!(Channels::finish(RuntimeOrigin::signed(GRIEFER), c), Error::<Test>::NotClosing);
        assert_noop!(Channels::top_up(RuntimeOrigin::signed(CLIENT), c, u128::MAX), Error::<Test>::Overflow);
        assert_noop!(Channels::top_up(RuntimeOrigin::signed(CLIENT), 99, 1), Error::<Test>::UnknownChannel);
    });
}

/// Attack: vouchers replayed, stale, forged, signed for another channel or another chain,
/// redeemed by another prover, or over the deposit. Each is refused on its own; the
/// valid ones in the same call still pay; nothing is paid twice or beyond the deposit.
#[test]
fn only_the_latest_genuine_voucher_pays_and_never_beyond_the_deposit() {
    test(|m| {
        let c = open_by(m, CLIENT, PROVER, 3 * PRICE);
        let other = open_by(m, CLIENT2, PROVER, 3 * PRICE);
        let lazy_channel = open_by(m, CLIENT, LAZY, 3 * PRICE);
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, 2 * PRICE, CLIENT)]));
        let before = credit(PROVER);
        let foreign = {
            let voucher = Voucher { genesis: [1; 32], channel: c, amount: 3 * PRICE };
            SignedVoucher {
                channel: c,
                amount: 3 * PRICE,
                signature: TestSignature(CLIENT, voucher.signing_message().to_vec()),
            }
        };
        let moved = {
            // CLIENT's voucher for `c`, presented for CLIENT2's channel.
            let mut v = signed_voucher(c, 3 * PRICE, CLIENT);
            v.channel = other;
            v
        };
        let forged = signed_voucher(c, 3 * PRICE, PROVER);
        assert_ok!(redeem(
            PROVER,
            vec![signed_voucher(c, 2 * PRICE, CLIENT), signed_voucher(c, PRICE, CLIENT), foreign, moved]
        ));
        assert_ok!(redeem(PROVER, vec![forged, signed_voucher(lazy_channel, PRICE, CLIENT)]));
        assert_eq!(
            refusals(),
            vec![
                Refusal::Stale,
                Refusal::Stale,
                Refusal::BadSignature,
                Refusal::BadSignature,
                Refusal::BadSignature,
                Refusal::NotProver
            ]
        );
        assert_eq!(credit(PROVER), before, "nothing paid");
        // A voucher over the deposit pays the deposit; after a top-up the same voucher pays the rest.
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, 5 * PRICE, CLIENT)]));
        assert_eq!(crate::Channels::<Test>::get(c).unwrap().redeemed, 3 * PRICE);
        assert_ok!(Channels::top_up(RuntimeOrigin::signed(CLIENT), c, 10 * PRICE));
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, 5 * PRICE, CLIENT)]));
        assert_eq!(crate::Channels::<Test>::get(c).unwrap().redeemed, 5 * PRICE);
        assert_eq!(credit(PROVER) + credit(OWNER), 5 * PRICE as i128);
        assert_noop!(redeem(PROVER, vec![]), Error::<Test>::NoVouchers);
    });
}

/// The prover closes at once, giving up what it did not redeem; the client is refunded.
#[test]
fn a_prover_closes_at_once() {
    test(|m| {
        let c = open_by(m, CLIENT, PROVER, 3 * PRICE);
        assert_ok!(redeem(PROVER, vec![signed_voucher(c, PRICE, CLIENT)]));
        assert_ok!(Channels::close(RuntimeOrigin::signed(PROVER), c));
        System::assert_has_event(Event::Closed { channel: c, redeemed: PRICE, refund: 2 * PRICE }.into());
        assert_eq!(credit(CLIENT), -(PRICE as i128));
        assert!(crate::Channels::<Test>::get(c).is_none());
    });
}

/// An honest receipt cannot be used against its prover, whatever evidence is shown.
#[test]
fn an_honest_receipt_convicts_nobody() {
    test(|m| {
        let c = open_by(m, CLIENT, PROVER, 3 * PRICE);
        let t = trace(m, PROVER, false);
        let signed = receipt(m, PROVER, CLIENT, c, 0, &t);
        assert_noop!(report(WATCHER, &signed, proof_evidence(&signed)), Error::<Test>::NotGuilty);
        let lazy = trace(m, LAZY, true);
        // A fraud proof found against another (lazy) trace does not fit this one's links.
        assert_noop!(report(WATCHER, &signed, fraud_evidence(m, &lazy)), Error::<Test>::NotGuilty);
        let other_proof = Signed { proof: b"another proof".to_vec(), ..receipt(m, PROVER, CLIENT, c, 0, &t) };
        assert_noop!(report(WATCHER, &other_proof, proof_evidence(&other_proof)), Error::<Test>::OtherProof);
        let mut other_input = receipt(m, PROVER, CLIENT, c, 0, &t);
        other_input.receipt.input = [0; 32];
        let other_input = sign(other_input.receipt, other_input.proof);
        assert_noop!(report(WATCHER, &other_input, proof_evidence(&other_input)), Error::<Test>::OtherInput);
        // A receipt the prover did not sign (a client forging one to get it slashed).
        let mut forged = receipt(m, PROVER, CLIENT, c, 0, &t);
        forged.receipt.output[0] ^= 1;
        assert_noop!(report(WATCHER, &forged, proof_evidence(&forged)), Error::<Test>::BadSignature);
        assert_eq!(bond_of(m, PROVER), BOND);
    });
}

/// A receipt whose proof does not prove its answer convicts in one call: the reporter gets
/// the reimbursement, the client half the rest and the price back, the remainder burns.
/// The same receipt convicts once.
#[test]
fn a_receipt_with_a_bad_proof_convicts_in_one_call() {
    test(|m| {
        let c = open_by(m, CLIENT, LAZY, 3 * PRICE);
        assert_ok!(redeem(LAZY, vec![signed_voucher(c, PRICE, CLIENT)]));
        let t = trace(m, LAZY, false);
        let mut lie = receipt(m, LAZY, CLIENT, c, 0, &t);
        lie.receipt.output[0] ^= 1;
        let lie = sign(lie.receipt, lie.proof);
        let (issuance, client_native, watcher_native) =
            (Balances::total_issuance(), Balances::total_balance(&CLIENT), Balances::total_balance(&WATCHER));
        let lazy_credit = credit(LAZY);
        assert_ok!(report(WATCHER, &lie, proof_evidence(&lie)));
        let compensation = (SLASH - REPORT_REWARD) / 2;
        let burned = SLASH - REPORT_REWARD - compensation;
        System::assert_has_event(
            Event::ReceiptConvicted {
                receipt: lie.receipt.to_receipt().digest(),
                channel: c,
                prover: LAZY,
                reporter: WATCHER,
                fault: ReceiptFault::BadProof,
                slashed: SLASH,
                reward: REPORT_REWARD,
                compensation,
                burned,
                // What it was paid, without the owner's royalty: all its credit.
                refund: PRICE * 80 / 100,
            }
            .into(),
        );
        assert_eq!(bond_of(m, LAZY), BOND - SLASH);
        assert_eq!(Balances::total_balance(&WATCHER), watcher_native + REPORT_REWARD);
        assert_eq!(Balances::total_balance(&CLIENT), client_native + compensation);
        assert_eq!(Balances::total_issuance(), issuance - burned);
        assert_eq!((lazy_credit, credit(LAZY)), (80, 0), "what it was paid is returned");
        assert_noop!(report(CLIENT, &lie, proof_evidence(&lie)), Error::<Test>::AlreadyConvicted);
    });
}

/// A lazy answer's proof verifies, so the client paid for it; an exclusion fraud proof
/// against its receipt convicts. A front-runner copying the report from the pool gets
/// only the reimbursement, which a transaction's fee exceeds.
#[test]
fn a_lazy_receipt_convicts_by_an_exclusion_proof_and_copying_it_pays_nothing() {
    test(|m| {
        let c = open_by(m, CLIENT, LAZY, 3 * PRICE);
        let t = trace(m, LAZY, true);
        let signed = receipt(m, LAZY, CLIENT, c, 0, &t);
        assert_noop!(report(WATCHER, &signed, proof_evidence(&signed)), Error::<Test>::NotGuilty);
        let griefer = Balances::total_balance(&GRIEFER);
        assert_ok!(report(GRIEFER, &signed, fraud_evidence(m, &t)));
        System::assert_has_event(
            Event::ReceiptConvicted {
                receipt: signed.receipt.to_receipt().digest(),
                channel: c,
                prover: LAZY,
                reporter: GRIEFER,
                fault: ReceiptFault::ExcludedRow,
                slashed: SLASH,
                reward: REPORT_REWARD,
                compensation: (SLASH - REPORT_REWARD) / 2,
                burned: SLASH - REPORT_REWARD - (SLASH - REPORT_REWARD) / 2,
                // The lazy prover was never paid and has no credit line: nothing to return.
                refund: 0,
            }
            .into(),
        );
        assert_eq!(Balances::total_balance(&GRIEFER), griefer + REPORT_REWARD);
        assert_noop!(report(WATCHER, &signed, fraud_evidence(m, &t)), Error::<Test>::AlreadyConvicted);
    });
}

/// Receipts from another chain, from the future, or past their window are refused.
#[test]
fn receipts_are_bound_to_the_chain_and_their_window() {
    test(|m| {
        let c = open_by(m, CLIENT, LAZY, 3 * PRICE);
        let t = trace(m, LAZY, true);
        let mut elsewhere = receipt(m, LAZY, CLIENT, c, 0, &t);
        elsewhere.receipt.genesis = [1; 32];
        let elsewhere = sign(elsewhere.receipt, elsewhere.proof);
        assert_noop!(report(WATCHER, &elsewhere, fraud_evidence(m, &t)), Error::<Test>::WrongGenesis);
        let mut future = receipt(m, LAZY, CLIENT, c, 0, &t);
        future.receipt.at = now() + 1;
        let future = sign(future.receipt, future.proof);
        assert_noop!(report(WATCHER, &future, fraud_evidence(m, &t)), Error::<Test>::ReceiptExpired);
        let signed = receipt(m, LAZY, CLIENT, c, 0, &t);
        run_to(now() + RECEIPT_WINDOW + 1);
        assert_noop!(report(WATCHER, &signed, fraud_evidence(m, &t)), Error::<Test>::ReceiptExpired);
    });
}

/// A prover cannot take its bond away from its receipts: while it has a channel open, and
/// for the receipt window after the last one closes, its bond stays.
#[test]
fn no_bond_is_withdrawn_while_receipts_can_be_reported() {
    test(|m| {
        let c = open_by(m, CLIENT, LAZY, 3 * PRICE);
        assert_ok!(Registry::unbond(RuntimeOrigin::signed(LAZY), m.id()));
        // Unbonding: no new channel.
        assert_noop!(Channels::open(RuntimeOrigin::signed(CLIENT2), LAZY, m.id(), PRICE), Error::<Test>::NotBonded);
        run_to(now() + 20);
        assert_noop!(
            Registry::withdraw(RuntimeOrigin::signed(LAZY), m.id()),
            pallet_ghost_registry::Error::<Test>::Exposed
        );
        let t = trace(m, LAZY, true);
        let signed = receipt(m, LAZY, CLIENT, c, 3, &t);
        assert_ok!(Channels::close(RuntimeOrigin::signed(LAZY), c));
        run_to(now() + RECEIPT_WINDOW);
        assert_noop!(
            Registry::withdraw(RuntimeOrigin::signed(LAZY), m.id()),
            pallet_ghost_registry::Error::<Test>::Exposed
        );
        assert_ok!(report(WATCHER, &signed, fraud_evidence(m, &t)));
        // A receipt may be dated a little ahead of its client's view: exposed that much longer.
        run_to(now() + u64::from(ghost_primitives::channel::MAX_RECEIPT_SKEW));
        assert_noop!(
            Registry::withdraw(RuntimeOrigin::signed(LAZY), m.id()),
            pallet_ghost_registry::Error::<Test>::Exposed
        );
        run_to(now() + 1);
        assert_ok!(Registry::withdraw(RuntimeOrigin::signed(LAZY), m.id()));
        // The finished channel's record goes once its receipts are past their window.
        assert_ok!(Channels::forget(RuntimeOrigin::signed(GRIEFER), c));
        assert_noop!(Channels::forget(RuntimeOrigin::signed(GRIEFER), c), Error::<Test>::ChannelForgotten);
    });
}

/// Attack (audit H1): a prover signs a receipt against itself on a channel that does not
/// exist, or with a price of its own choosing, to drain its bond before the reports that
/// would pay its victims land. A receipt is judged only against its channel's parties and
/// terms, and it slashes only the part of the bond no open result has locked.
#[test]
fn a_prover_cannot_drain_its_bond_through_receipts_of_its_own_making() {
    test(|m| {
        let c = open_by(m, CLIENT, LAZY, 3 * PRICE);
        let t = trace(m, LAZY, false);
        let mut forged = receipt(m, LAZY, CLIENT, c, 0, &t);
        forged.receipt.output[0] ^= 1;
        for (channel, client, price, error) in [
            (99, CLIENT, PRICE, Error::<Test>::ChannelForgotten),
            (c, SYBIL, PRICE, Error::<Test>::NotTheChannels),
            (c, CLIENT, 1_000 * PRICE, Error::<Test>::NotTheChannels),
        ] {
            let mut r = forged.receipt.clone();
            (r.channel, r.client, r.price) = (channel, client, price);
            let signed = sign(r, forged.proof.clone());
            assert_noop!(report(LAZY, &signed, proof_evidence(&signed)), error);
        }
        assert_noop!(Channels::open(RuntimeOrigin::signed(LAZY), LAZY, m.id(), PRICE), Error::<Test>::SelfChannel);
        // With most of its bond locked behind open results, a conviction takes only the rest.
        let locked = BOND - SLASH / 2;
        assert_ok!(<Registry as pallet_ghost_registry::ModelRegistry<u64>>::lock(&m.id(), &LAZY, locked));
        let signed = sign(forged.receipt.clone(), forged.proof.clone());
        assert_ok!(report(WATCHER, &signed, proof_evidence(&signed)));
        let bond = pallet_ghost_registry::Bonds::<Test>::get(m.id(), LAZY).unwrap();
        assert_eq!((bond.amount, bond.locked), (locked, locked), "every open result's lock stays backed");
        <Registry as pallet_ghost_registry::ModelRegistry<u64>>::unlock(&m.id(), &LAZY, locked);
    });
}

/// One voucher per channel in one call: a prover redeems many channels at once.
#[test]
fn one_call_redeems_many_channels() {
    test(|m| {
        let channels: Vec<u64> =
            (0..MAX_REDEEM).map(|i| open_by(m, [CLIENT, CLIENT2][i as usize % 2], PROVER, PRICE)).collect();
        let vouchers =
            channels.iter().enumerate().map(|(i, &c)| signed_voucher(c, PRICE, [CLIENT, CLIENT2][i % 2])).collect();
        assert_ok!(redeem(PROVER, vouchers));
        assert!(refusals().is_empty());
        assert_eq!(credit(PROVER) + credit(OWNER), (MAX_REDEEM as u128 * PRICE) as i128);
    });
}

// ---------------------------------------------------------------------------------------
// The property test: random sequences of honest and hostile calls, with delays.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    /// A client (CLIENT, CLIENT2 or SYBIL) opens a channel to PROVER or LAZY.
    Open {
        client: u8,
        lazy: bool,
        prices: u8,
    },
    /// The client of channel `c` asks for an answer; it verifies it and the receipt, and
    /// only then signs the voucher for everything verified (delivered at once or later).
    Ask {
        c: u8,
        deliver: bool,
    },
    /// The prover of channel `c` redeems the latest voucher it holds, or an old one.
    Redeem {
        c: u8,
        stale: bool,
    },
    /// A hostile prover redeems a voucher it signed itself, or one moved to another channel.
    Forge {
        c: u8,
        moved: bool,
    },
    TopUp {
        c: u8,
        prices: u8,
    },
    Close {
        c: u8,
        by_prover: bool,
    },
    Finish {
        c: u8,
    },
    /// A watcher audits the lazy prover's latest receipt on channel `c` (fraud proof).
    Audit {
        c: u8,
        by_sybil: bool,
    },
    /// Someone reports an honest receipt anyway.
    Smear {
        c: u8,
        fraud: bool,
    },
    Wait {
        blocks: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0u8..3, any::<bool>(), 1u8..6).prop_map(|(client, lazy, prices)| Op::Open { client, lazy, prices }),
        4 => (any::<u8>(), any::<bool>()).prop_map(|(c, deliver)| Op::Ask { c, deliver }),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(c, stale)| Op::Redeem { c, stale }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(c, moved)| Op::Forge { c, moved }),
        1 => (any::<u8>(), 1u8..4).prop_map(|(c, prices)| Op::TopUp { c, prices }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(c, by_prover)| Op::Close { c, by_prover }),
        1 => any::<u8>().prop_map(|c| Op::Finish { c }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(c, by_sybil)| Op::Audit { c, by_sybil }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(c, fraud)| Op::Smear { c, fraud }),
        1 => (1u8..20).prop_map(|blocks| Op::Wait { blocks }),
    ]
}

/// What the off-chain parties of one channel know.
#[derive(Default, Clone)]
struct Ledger {
    id: u64,
    client: u64,
    prover: u64,
    /// Answers the client verified (and so owes for).
    verified: u128,
    /// The highest voucher the client signed, and whether the prover has it yet.
    signed: u128,
    delivered: u128,
    /// Vouchers the prover holds, in order.
    held: Vec<u128>,
    /// The lazy prover's receipts not yet reported, with their traces' owner.
    lazy_receipts: Vec<(u64, u64)>,
    /// Honest receipts (seq, block).
    honest_receipts: Vec<(u64, u64)>,
    closed: bool,
}

/// What one sequence reached.
#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    answers: u64,
    redeemed: u64,
    refused: u64,
    convictions: u64,
    expired_audits: u64,
    smears: u64,
    finished: u64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.answers += o.answers;
        self.redeemed += o.redeemed;
        self.refused += o.refused;
        self.convictions += o.convictions;
        self.expired_audits += o.expired_audits;
        self.smears += o.smears;
        self.finished += o.finished;
    }
}

fn count(events: &[Event<Test>], f: impl Fn(&Event<Test>) -> bool) -> u64 {
    events.iter().filter(|e| f(e)).count() as u64
}

/// Play `ops`, checking after every call:
/// * credit sums to zero, the purse equals the channels' remainders, nothing is
///   redeemed beyond a deposit (`try_state`);
/// * a client never pays for more answers than it verified;
/// * the honest prover is never convicted and its bond is whole;
/// * every lazy receipt reported in its window convicts, once;
/// * the liar loses a slash per conviction while its bond lasts.
fn play(ops: Vec<Op>) -> Result<Tally, TestCaseError> {
    new_test_ext().execute_with(|| {
        let m = &setup();
        let honest_trace = trace(m, PROVER, false);
        let lazy_trace = trace(m, LAZY, true);
        let lazy_fraud = fraud_evidence(m, &lazy_trace);
        let mut ledgers: Vec<Ledger> = Vec::new();
        let mut tally = Tally::default();
        let mut convictions = 0u64;
        let lazy_native = Balances::total_balance(&LAZY);
        for op in ops {
            let pick = |c: u8, ledgers: &Vec<Ledger>| (!ledgers.is_empty()).then(|| c as usize % ledgers.len());
            match op {
                Op::Open { client, lazy, prices } => {
                    let client = [CLIENT, CLIENT2, SYBIL][client as usize];
                    let prover = if lazy { LAZY } else { PROVER };
                    let id = crate::NextChannelId::<Test>::get();
                    if Channels::open(RuntimeOrigin::signed(client), prover, m.id(), prices as u128 * PRICE).is_ok() {
                        ledgers.push(Ledger { id, client, prover, ..Default::default() });
                    }
                }
                Op::Ask { c, deliver } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &mut ledgers[i];
                    if l.closed || crate::Channels::<Test>::get(l.id).is_none_or(|ch| ch.closes_at.is_some()) {
                        continue;
                    }
                    let seq = l.verified as u64 / PRICE as u64;
                    let t = if l.prover == LAZY { &lazy_trace } else { &honest_trace };
                    let signed = receipt(m, l.prover, l.client, l.id, seq, t);
                    // The client verifies the proof against the receipt before paying:
                    // a lazy answer verifies too (only an audit finds it).
                    let verifier = ghost_primitives::Verifier::try_from(m.ghost_file().clone()).unwrap();
                    let ok = verifier
                        .verify(&l.prover.encode(), &input(), &signed.receipt.to_receipt().claim(), &signed.proof)
                        .is_ok();
                    prop_assert!(ok, "every answer served here verifies");
                    tally.answers += 1;
                    l.verified += PRICE;
                    l.signed = l.verified;
                    if deliver {
                        l.delivered = l.signed;
                        l.held.push(l.signed);
                    }
                    if l.prover == LAZY {
                        l.lazy_receipts.push((seq, now()));
                    } else {
                        l.honest_receipts.push((seq, now()));
                    }
                }
                Op::Redeem { c, stale } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &ledgers[i];
                    let amount = if stale { l.held.first().copied() } else { l.held.last().copied() };
                    if let Some(amount) = amount {
                        let _ = redeem(l.prover, vec![signed_voucher(l.id, amount, l.client)]);
                    }
                }
                Op::Forge { c, moved } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &ledgers[i];
                    let voucher = if moved {
                        // A voucher the client really signed, on another channel.
                        let other = ledgers[(i + 1) % ledgers.len()].id;
                        let Some(&amount) = l.held.last() else { continue };
                        if other == l.id {
                            continue;
                        }
                        let mut v = signed_voucher(l.id, amount, l.client);
                        v.channel = other;
                        v
                    } else {
                        signed_voucher(l.id, 50 * PRICE, l.prover)
                    };
                    let _ = redeem(l.prover, vec![voucher]);
                }
                Op::TopUp { c, prices } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let _ = Channels::top_up(
                        RuntimeOrigin::signed(ledgers[i].client),
                        ledgers[i].id,
                        prices as u128 * PRICE,
                    );
                }
                Op::Close { c, by_prover } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &mut ledgers[i];
                    // An honest prover redeems what it holds before closing.
                    if by_prover {
                        if let Some(&amount) = l.held.last() {
                            let _ = redeem(l.prover, vec![signed_voucher(l.id, amount, l.client)]);
                        }
                    }
                    let who = if by_prover { l.prover } else { l.client };
                    let _ = Channels::close(RuntimeOrigin::signed(who), l.id);
                }
                Op::Finish { c } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &mut ledgers[i];
                    // The honest prover redeems once it sees the channel closing, with
                    // any voucher still in flight delivered by then.
                    if crate::Channels::<Test>::get(l.id).is_some_and(|ch| ch.closes_at.is_some()) && l.prover == PROVER
                    {
                        l.delivered = l.signed;
                        l.held.push(l.signed);
                        let _ = redeem(l.prover, vec![signed_voucher(l.id, l.signed, l.client)]);
                    }
                    if Channels::finish(RuntimeOrigin::signed(GRIEFER), l.id).is_ok() {
                        l.closed = true;
                    }
                }
                Op::Audit { c, by_sybil } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &mut ledgers[i];
                    // The oldest first: the one most likely to have left its window.
                    if l.lazy_receipts.is_empty() {
                        continue;
                    }
                    let (seq, at) = l.lazy_receipts.remove(0);
                    let mut signed = receipt(m, LAZY, l.client, l.id, seq, &lazy_trace);
                    signed.receipt.at = at;
                    let signed = sign(signed.receipt, signed.proof);
                    let reporter = if by_sybil { SYBIL } else { WATCHER };
                    let result = report(reporter, &signed, lazy_fraud.clone());
                    if now() <= at + RECEIPT_WINDOW {
                        prop_assert!(result.is_ok(), "a lazy receipt in its window convicts: {result:?}");
                        convictions += 1;
                        prop_assert_eq!(
                            report(WATCHER, &signed, lazy_fraud.clone()),
                            Err(Error::<Test>::AlreadyConvicted.into())
                        );
                    } else {
                        prop_assert_eq!(result, Err(Error::<Test>::ReceiptExpired.into()));
                        tally.expired_audits += 1;
                    }
                }
                Op::Smear { c, fraud } => {
                    let Some(i) = pick(c, &ledgers) else { continue };
                    let l = &ledgers[i];
                    let Some(&(seq, at)) = l.honest_receipts.last() else { continue };
                    let mut signed = receipt(m, PROVER, l.client, l.id, seq, &honest_trace);
                    signed.receipt.at = at;
                    let signed = sign(signed.receipt, signed.proof);
                    let evidence = if fraud { lazy_fraud.clone() } else { proof_evidence(&signed) };
                    prop_assert!(report(GRIEFER, &signed, evidence).is_err(), "an honest receipt never convicts");
                    tally.smears += 1;
                }
                Op::Wait { blocks } => run_to(now() + blocks as u64),
            }
            check_invariants();
            // A client never pays for more than it verified.
            for l in &ledgers {
                if let Some(ch) = crate::Channels::<Test>::get(l.id) {
                    prop_assert!(
                        ch.redeemed <= l.verified,
                        "channel {} paid {} for {} verified",
                        l.id,
                        ch.redeemed,
                        l.verified
                    );
                }
            }
            prop_assert_eq!(bond_of(m, PROVER), BOND, "the honest prover is never slashed");
        }
        // The liar lost a slash per conviction, and what it was paid is at most the
        // prices of its answers, each far below a slash.
        let lost = lazy_native - Balances::total_balance(&LAZY);
        prop_assert_eq!(lost, convictions.min(BOND / SLASH) * SLASH);
        check_invariants();
        let events: Vec<Event<Test>> = System::events()
            .into_iter()
            .filter_map(|r| if let RuntimeEvent::Channels(e) = r.event { Some(e) } else { None })
            .collect();
        tally.redeemed = count(&events, |e| matches!(e, Event::Redeemed { .. }));
        tally.refused = count(&events, |e| matches!(e, Event::RedeemRefused { .. }));
        tally.finished = count(&events, |e| matches!(e, Event::Closed { .. }));
        tally.convictions = convictions;
        Ok(tally)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Random sequences of honest and hostile calls keep every invariant (see [`play`]).
    #[test]
    fn channels_pay_only_for_verified_answers_and_convict_only_liars(ops in prop::collection::vec(op(), 1..50)) {
        play(ops)?;
    }
}

/// The same game at a fixed seed reaches every outcome it checks, so none of its
/// assertions is vacuous.
#[test]
fn the_channel_game_reaches_every_outcome() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config { cases: 64, ..Config::default() },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let total = std::cell::RefCell::new(Tally::default());
    runner
        .run(&prop::collection::vec(op(), 1..50), |ops| {
            total.borrow_mut().add(play(ops)?);
            Ok(())
        })
        .expect("every case holds");
    let t = total.into_inner();
    eprintln!("the channel game, 64 cases: {t:?}");
    assert!(t.answers > 0 && t.redeemed > 0 && t.refused > 0 && t.finished > 0, "{t:?}");
    assert!(t.convictions > 0 && t.expired_audits > 0 && t.smears > 0, "{t:?}");
}
