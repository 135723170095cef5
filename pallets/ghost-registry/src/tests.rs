//! Every call's success and error paths, with real ghost files and sparse updates from
//! `ghost-primitives`; the invariants after every test; random call sequences.

use crate::{
    mock::*, multiproof_hashes, roots_digest, BondInfo, Bonds, Commitments, Error, Event, GhostFiles, ModelRegistry,
    ModelStatus, Models, RootsOwner,
};
use codec::Encode;
use ghost_primitives::{testing, GhostFile, Model, ModelId, ModelUpdate, Shape, Tree, Verifier};
use polkadot_sdk::{
    frame_support::{
        assert_noop, assert_ok,
        dispatch::GetDispatchInfo,
        traits::{fungible::InspectHold, Get},
        BoundedVec,
    },
    sp_runtime::{DispatchError, Perbill},
};
use proptest::prelude::*;

const SHAPE: Shape = Shape::new(64, 4).widths(8, 4).select(3, 2);

fn url() -> crate::EndpointOf<Test> {
    b"http://127.0.0.1:9955".to_vec().try_into().unwrap()
}

fn endpoint(s: &[u8]) -> crate::EndpointOf<Test> {
    s.to_vec().try_into().unwrap()
}

fn model(seed: u64) -> Model {
    testing::model(seed, &[SHAPE]).expect("test model")
}

fn bytes(m: &Model) -> BoundedVec<u8, <Test as crate::Config>::MaxGhostFileBytes> {
    file_bytes(m.ghost_file())
}

fn file_bytes(f: &GhostFile) -> BoundedVec<u8, <Test as crate::Config>::MaxGhostFileBytes> {
    f.encode().try_into().expect("fits")
}

/// `m`'s ghost file under another name: other bytes, another id, the same weights.
fn renamed(m: &Model, name: &[u8]) -> GhostFile {
    let mut file = m.ghost_file().clone();
    file.name = name.to_vec();
    file
}

/// `m` with `delta` added to the values of layer 0's `rows`: what [`update_of`] makes of it,
/// with its trees, to build the next update from.
fn updated(m: &Model, rows: &[u32], delta: i16) -> Model {
    let mut layers = m.weights().to_vec();
    let weights = layers[0].as_lookup_mut().expect("a lookup layer");
    for &r in rows {
        for v in weights.value_mut(r).expect("row in range") {
            *v = v.wrapping_add(delta);
        }
    }
    Model::new(m.ghost_file().name.clone(), layers).expect("valid weights")
}

fn held_deposit(who: u64) -> u64 {
    Balances::balance_on_hold(&RuntimeHoldReason::Registry(crate::HoldReason::ModelDeposit), &who)
}

const ALICE: u64 = 1;
const LEE: u64 = 2;
const MALLORY: u64 = 3;

fn check_invariants() {
    Registry::do_try_state().expect("registry invariants");
}

fn test(f: impl FnOnce()) {
    new_test_ext().execute_with(|| {
        f();
        check_invariants();
    });
}

/// Commit to `m` for `owner` and move to the next block, where it may be registered.
fn commit(owner: u64, m: &Model) {
    commit_to(owner, m.id());
}

/// Commit to the model `id` for `owner` and move to the next block.
fn commit_to(owner: u64, id: ModelId) {
    let commitment = Registry::registration_commitment(&owner, &id);
    assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(owner), commitment));
    System::set_block_number(System::block_number() + 1);
}

/// Commit to `file` for `owner`, then register it in the next block.
fn register_file(owner: u64, file: &GhostFile, royalty: Perbill) -> Result<(), DispatchError> {
    commit_to(owner, file.id());
    register_committed(owner, file, royalty)
}

/// Register `file` for `owner`, who committed to it in an earlier block.
fn register_committed(owner: u64, file: &GhostFile, royalty: Perbill) -> Result<(), DispatchError> {
    Registry::register(RuntimeOrigin::signed(owner), file_bytes(file), 10, royalty)
}

fn register(owner: u64, m: &Model) {
    commit(owner, m);
    assert_ok!(Registry::register(RuntimeOrigin::signed(owner), bytes(m), 10, Perbill::from_percent(20)));
}

/// An update changing rows `rows` of layer 0's patterns by `delta`.
fn update_of(m: &Model, rows: &[u32], delta: i16) -> ModelUpdate {
    testing::value_update(m, 0, rows, |v| v.wrapping_add(delta), Some([7; 32])).unwrap()
}

#[test]
fn register_stores_the_file_and_holds_the_deposit() {
    test(|| {
        let m = model(1);
        register(1, &m);
        let info = Models::<Test>::get(m.id()).unwrap();
        let deposit = 100 + bytes(&m).len() as u64;
        assert_eq!((info.owner, info.price, info.deposit, info.status), (1, 10, deposit, ModelStatus::Active));
        assert_eq!(
            Balances::balance_on_hold(&RuntimeHoldReason::Registry(crate::HoldReason::ModelDeposit), &1),
            deposit
        );
        System::assert_last_event(
            Event::ModelRegistered { model: m.id(), owner: 1, price: 10, royalty: Perbill::from_percent(20), deposit }
                .into(),
        );
        assert_eq!(Registry::verifier(&m.id()).as_ref().map(Verifier::file), Some(m.ghost_file()));
        let terms = Registry::terms(&m.id()).unwrap();
        assert!(terms.active && terms.owner == 1 && terms.price == 10);
    });
}

#[test]
fn register_errors() {
    test(|| {
        let m = model(1);
        register(1, &m);
        commit(2, &m);
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(2), bytes(&m), 1, Perbill::zero()),
            Error::<Test>::AlreadyRegistered
        );
        let junk: BoundedVec<u8, _> = b"GHST\x01junk".to_vec().try_into().unwrap();
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(1), junk, 1, Perbill::zero()),
            Error::<Test>::InvalidGhostFile
        );
        let poor = 99; // no balance at all
        assert_noop!(
            Registry::commit_registration(
                RuntimeOrigin::signed(poor),
                Registry::registration_commitment(&poor, &model(2).id())
            ),
            Error::<Test>::InsufficientDeposit
        );
        assert_noop!(
            Registry::register(RuntimeOrigin::none(), bytes(&model(3)), 1, Perbill::zero()),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn a_sparse_update_publishes_a_verified_version() {
    test(|| {
        let m = model(1);
        register(1, &m);
        let update = update_of(&m, &[3, 17, 40], 5);
        assert_ok!(Registry::publish_update(RuntimeOrigin::signed(1), m.id(), update.clone(), 12, Perbill::zero()));
        let next = m.ghost_file().apply_update(&update).unwrap();
        let info = Models::<Test>::get(next.id()).expect("new version registered");
        assert_eq!((info.parent, info.training_data, info.price), (Some(m.id()), Some([7; 32]), 12));
        assert_eq!(GhostFiles::<Test>::get(next.id()).unwrap().to_vec(), next.encode());
        System::assert_last_event(
            Event::VersionPublished { model: next.id(), parent: m.id(), owner: 1, changed_rows: 3 }.into(),
        );
        assert_eq!(Registry::lineage(next.id(), 10), vec![next.id(), m.id()]);
    });
}

#[test]
fn update_errors() {
    test(|| {
        let m = model(1);
        register(1, &m);
        let good = update_of(&m, &[3], 5);
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(2), m.id(), good.clone(), 1, Perbill::zero()),
            Error::<Test>::NotOwner
        );
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(1), [9; 32], good.clone(), 1, Perbill::zero()),
            Error::<Test>::UnknownModel
        );
        let mut lie = good.clone();
        lie.old_rows[0].value[0] ^= 1;
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(1), m.id(), lie, 1, Perbill::zero()),
            Error::<Test>::InvalidUpdate
        );
        let big = update_of(&m, &(0..17).collect::<Vec<_>>(), 1);
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(1), m.id(), big, 1, Perbill::zero()),
            Error::<Test>::UpdateTooLarge
        );
        // The same update twice would register the same version twice.
        assert_ok!(Registry::publish_update(RuntimeOrigin::signed(1), m.id(), good.clone(), 10, Perbill::zero()));
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(1), m.id(), good.clone(), 10, Perbill::zero()),
            Error::<Test>::AlreadyRegistered
        );
        assert_ok!(Registry::retire(RuntimeOrigin::signed(1), m.id()));
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(1), m.id(), good, 1, Perbill::zero()),
            Error::<Test>::ModelRetired
        );
    });
}

#[test]
fn retire_stops_requests_and_bonds() {
    test(|| {
        let m = model(1);
        register(1, &m);
        assert_noop!(Registry::retire(RuntimeOrigin::signed(2), m.id()), Error::<Test>::NotOwner);
        assert_noop!(Registry::retire(RuntimeOrigin::signed(1), [0; 32]), Error::<Test>::UnknownModel);
        assert_ok!(Registry::retire(RuntimeOrigin::signed(1), m.id()));
        System::assert_last_event(Event::ModelRetired { model: m.id() }.into());
        assert!(!Registry::terms(&m.id()).unwrap().active);
        assert_noop!(Registry::retire(RuntimeOrigin::signed(1), m.id()), Error::<Test>::ModelRetired);
        assert_noop!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 500, url()), Error::<Test>::ModelRetired);
    });
}

#[test]
fn bond_unbond_withdraw() {
    test(|| {
        let m = model(1);
        register(1, &m);
        assert_noop!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 499, url()), Error::<Test>::BondTooSmall);
        assert_noop!(Registry::bond(RuntimeOrigin::signed(2), [1; 32], 500, url()), Error::<Test>::UnknownModel);
        assert_noop!(Registry::bond(RuntimeOrigin::signed(98), m.id(), 500, url()), Error::<Test>::InsufficientFunds);
        assert_ok!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 500, url()));
        assert_ok!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 100, url()));
        System::assert_last_event(Event::Bonded { model: m.id(), prover: 2, total: 600, endpoint: url() }.into());
        assert_noop!(Registry::bond(RuntimeOrigin::signed(2), m.id(), u64::MAX, url()), Error::<Test>::Overflow);
        assert!(Registry::is_bonded(&m.id(), &2));
        assert_noop!(Registry::withdraw(RuntimeOrigin::signed(2), m.id()), Error::<Test>::StillBonded);
        assert_noop!(Registry::unbond(RuntimeOrigin::signed(3), m.id()), Error::<Test>::NotBonded);
        assert_ok!(Registry::unbond(RuntimeOrigin::signed(2), m.id()));
        System::assert_last_event(Event::Unbonding { model: m.id(), prover: 2, withdrawable_at: 12 }.into());
        assert!(!Registry::is_bonded(&m.id(), &2));
        assert_noop!(Registry::unbond(RuntimeOrigin::signed(2), m.id()), Error::<Test>::Unbonding);
        assert_noop!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 500, url()), Error::<Test>::Unbonding);
        assert_noop!(Registry::withdraw(RuntimeOrigin::signed(2), m.id()), Error::<Test>::TooEarly);
        assert_noop!(Registry::withdraw(RuntimeOrigin::signed(3), m.id()), Error::<Test>::NotBonded);
        System::set_block_number(12);
        assert_ok!(Registry::withdraw(RuntimeOrigin::signed(2), m.id()));
        System::assert_last_event(Event::Withdrawn { model: m.id(), prover: 2, amount: 600 }.into());
        assert_eq!(Bonds::<Test>::get(m.id(), 2), None);
    });
}

#[test]
fn a_bond_carries_the_provers_endpoint() {
    test(|| {
        let m = model(1);
        register(1, &m);
        for bad in [&b"ftp://x"[..], b"http://a b", b"127.0.0.1:9955", b"https://\xff", b"http://\n"] {
            assert_noop!(
                Registry::bond(RuntimeOrigin::signed(2), m.id(), 500, endpoint(bad)),
                Error::<Test>::BadEndpoint
            );
        }
        // A zero amount changes only the endpoint, and only of an existing bond.
        assert_noop!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 0, url()), Error::<Test>::BondTooSmall);
        assert_ok!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 500, endpoint(b"")));
        let held = Balances::total_balance_on_hold(&2);
        let moved = endpoint(b"https://prover.example:443/rpc");
        assert_ok!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 0, moved.clone()));
        System::assert_last_event(
            Event::Bonded { model: m.id(), prover: 2, total: 500, endpoint: moved.clone() }.into(),
        );
        assert_eq!(Balances::total_balance_on_hold(&2), held, "nothing more is held");
        assert_eq!(Bonds::<Test>::get(m.id(), 2).map(|b| b.endpoint), Some(moved));
        // Clients find the provers of a model by iterating its bonds.
        assert_ok!(Registry::bond(RuntimeOrigin::signed(3), m.id(), 500, url()));
        let mut provers: Vec<u64> = Bonds::<Test>::iter_prefix(m.id()).map(|(who, _)| who).collect();
        provers.sort();
        assert_eq!(provers, vec![2, 3]);
    });
}

#[test]
fn slashing_moves_held_bond_and_stops_at_the_bond() {
    test(|| {
        let m = model(1);
        register(1, &m);
        assert_ok!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 600, url()));
        assert_eq!(Registry::slash(&m.id(), &2, 200, &3), 200);
        assert_eq!(
            Bonds::<Test>::get(m.id(), 2),
            Some(BondInfo { amount: 400, locked: 0, withdrawable_at: None, endpoint: url() })
        );
        assert!(!Registry::is_bonded(&m.id(), &2), "below MinBond: no longer serving");
        assert_eq!(Balances::free_balance(3), 100_200);
        assert_eq!(Registry::slash(&m.id(), &2, 1_000, &3), 400);
        assert_eq!(Bonds::<Test>::get(m.id(), 2), None);
        assert_eq!(Registry::slash(&m.id(), &2, 1, &3), 0);
    });
}

/// Attack: a squatter copies a ghost file out of the pool (or computes the next version of
/// a pending `publish_update`) and registers it first. Without the owner's commitment from
/// an earlier block it cannot; a file naming a parent is refused outright.
#[test]
fn copying_a_ghost_file_from_the_pool_gains_nothing() {
    test(|| {
        let m = model(1);
        let owner_commitment = Registry::registration_commitment(&1, &m.id());
        assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(1), owner_commitment));
        // The squatter sees the owner's `register` in the pool: no commitment of its own.
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(2), bytes(&m), 1, Perbill::zero()),
            Error::<Test>::NotCommitted
        );
        // Committing now is too late for this block, and the owner's commitment is not its.
        assert_ok!(Registry::commit_registration(
            RuntimeOrigin::signed(2),
            Registry::registration_commitment(&2, &m.id())
        ));
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(2), bytes(&m), 1, Perbill::zero()),
            Error::<Test>::CommittedThisBlock
        );
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(1), bytes(&m), 1, Perbill::zero()),
            Error::<Test>::CommittedThisBlock
        );
        System::set_block_number(2);
        assert_ok!(Registry::register(RuntimeOrigin::signed(1), bytes(&m), 10, Perbill::zero()));
        assert_eq!(Models::<Test>::get(m.id()).unwrap().owner, 1);
        // The squatter's commitment is worthless; it takes its deposit back.
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(2), bytes(&m), 1, Perbill::zero()),
            Error::<Test>::AlreadyRegistered
        );
        assert_noop!(
            Registry::cancel_commitment(RuntimeOrigin::signed(1), Registry::registration_commitment(&2, &m.id())),
            Error::<Test>::NotCommitted
        );
        assert_ok!(Registry::cancel_commitment(
            RuntimeOrigin::signed(2),
            Registry::registration_commitment(&2, &m.id())
        ));
        // Lineage hijack: the next version, computed from a pending update, names a parent.
        let update = update_of(&m, &[3], 5);
        let next = m.ghost_file().apply_update(&update).unwrap();
        assert!(next.parent.is_some());
        let next_bytes: BoundedVec<u8, _> = next.encode().try_into().unwrap();
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(2), next_bytes, 1, Perbill::zero()),
            Error::<Test>::ParentNotAllowed
        );
    });
}

/// The registry keeps a registered file's declared training-data hash as lineage.
#[test]
fn registration_keeps_the_training_data_hash() {
    test(|| {
        let m = model(4);
        let mut file = m.ghost_file().clone();
        file.training_data = Some([9; 32]);
        let bytes: BoundedVec<u8, _> = file.encode().try_into().unwrap();
        assert_ok!(Registry::commit_registration(
            RuntimeOrigin::signed(1),
            Registry::registration_commitment(&1, &file.id())
        ));
        System::set_block_number(2);
        assert_ok!(Registry::register(RuntimeOrigin::signed(1), bytes, 1, Perbill::zero()));
        assert_eq!(Models::<Test>::get(file.id()).unwrap().training_data, Some([9; 32]));
    });
}

/// Attack: a model whose honest ghost proof cannot be posted (larger than the chain's
/// proof limit, or heavier to verify than a block allows) would make every prove-it
/// challenge convict an honest prover. The registry refuses it, naming the limit.
#[test]
fn models_whose_honest_proof_cannot_be_posted_are_refused() {
    test(|| {
        // d = e = 1024, k = 256 over 32 layers: megabytes of proof.
        let wide = Shape::new(256, 1).widths(1024, 1024).select(256, 1);
        let file = ghost_primitives::GhostFile::new(
            b"wide".to_vec(),
            (0..32)
                .map(|_| {
                    ghost_primitives::LayerSpec::Lookup(ghost_primitives::LookupSpec {
                        params: wide.layer,
                        offsets: vec![0, wide.rows],
                        patterns_root: [1; 32],
                        centroids_root: [2; 32],
                    })
                })
                .collect(),
        );
        assert!(file.proof_bound().bytes > 256 * 1024);
        let bytes: BoundedVec<u8, _> = file.encode().try_into().unwrap();
        assert_ok!(Registry::commit_registration(
            RuntimeOrigin::signed(1),
            Registry::registration_commitment(&1, &file.id())
        ));
        System::set_block_number(2);
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(1), bytes, 1, Perbill::zero()),
            Error::<Test>::ProofTooLarge
        );
        // Small proofs but heavy arithmetic: within bytes, over the products limit.
        let heavy = testing::model(3, &[Shape::new(4096, 1).widths(256, 256).select(200, 1)]).unwrap();
        let shape = heavy.ghost_file().shape().unwrap();
        assert!(
            shape.proof.products > 4_000_000 || shape.proof.compressions > 28_000 || shape.proof.bytes > 256 * 1024
        );
        assert!(Registry::admissible_shape(heavy.ghost_file()).is_err());
    });
}

/// Every open result locks one slash: a bond backs as many results as it holds slashes,
/// and a locked bond cannot be withdrawn.
#[test]
fn locked_bond_backs_results_and_cannot_be_withdrawn() {
    test(|| {
        let m = model(1);
        register(1, &m);
        assert_ok!(Registry::bond(RuntimeOrigin::signed(2), m.id(), 1_000, url()));
        assert_ok!(Registry::lock(&m.id(), &2, 400));
        assert_ok!(Registry::lock(&m.id(), &2, 400));
        assert_noop!(Registry::lock(&m.id(), &2, 400), Error::<Test>::BondExhausted);
        assert_noop!(Registry::lock(&m.id(), &3, 1), Error::<Test>::NotBonded);
        // A slash takes from the lock it backs.
        assert_eq!(Registry::slash(&m.id(), &2, 400, &3), 400);
        assert_eq!(Bonds::<Test>::get(m.id(), 2).map(|b| (b.amount, b.locked)), Some((600, 400)));
        assert_ok!(Registry::unbond(RuntimeOrigin::signed(2), m.id()));
        assert_noop!(Registry::lock(&m.id(), &2, 1), Error::<Test>::Unbonding);
        System::set_block_number(100);
        assert_noop!(Registry::withdraw(RuntimeOrigin::signed(2), m.id()), Error::<Test>::BondLocked);
        Registry::unlock(&m.id(), &2, 400);
        assert_ok!(Registry::withdraw(RuntimeOrigin::signed(2), m.id()));
    });
}

/// Attack (M5): Mallory copies Alice's `commit_registration` from the pool with a higher tip,
/// so hers lands first. Commitments are kept per committer: Alice still commits and
/// registers; Mallory's copy commits to `H(Alice ‖ id)`, which registers nothing for her
/// (her own registration needs `H(Mallory ‖ id)`), and she gets her deposit back.
#[test]
fn a_copied_registration_commitment_blocks_nothing() {
    test(|| {
        let m = model(1);
        let alices = Registry::registration_commitment(&ALICE, &m.id());
        assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(MALLORY), alices));
        assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(ALICE), alices));
        assert_eq!(Commitments::<Test>::get(MALLORY, alices), Some((1, 100)));
        assert_eq!(Commitments::<Test>::get(ALICE, alices), Some((1, 100)));
        System::set_block_number(2);
        assert_noop!(
            Registry::register(RuntimeOrigin::signed(MALLORY), bytes(&m), 1, Perbill::zero()),
            Error::<Test>::NotCommitted
        );
        assert_ok!(Registry::register(RuntimeOrigin::signed(ALICE), bytes(&m), 10, Perbill::from_percent(20)));
        assert_eq!(Models::<Test>::get(m.id()).map(|i| i.owner), Some(ALICE));
        let free = Balances::free_balance(MALLORY);
        assert_ok!(Registry::cancel_commitment(RuntimeOrigin::signed(MALLORY), alices));
        System::assert_last_event(Event::CommitmentCancelled { who: MALLORY, commitment: alices }.into());
        assert_eq!((Balances::free_balance(MALLORY), held_deposit(MALLORY)), (free + 100, 0));
    });
}

/// Attack (M6): Lee, licensed to serve Alice's model, holds its weights and registers the
/// same layers under another name, royalty 0 and a training-data hash of his own, to serve
/// them without Alice's royalty (or a copy of a version, without its parent). Refused: the
/// roots are Alice's. Alice herself may register her roots again and publish versions.
#[test]
fn a_clone_of_another_owners_model_is_refused() {
    test(|| {
        let m = model(1);
        register(ALICE, &m);
        assert_eq!(RootsOwner::<Test>::get(roots_digest(m.ghost_file())).map(|c| c.owner), Some(ALICE));
        let mut clone = renamed(&m, b"cheaper");
        clone.training_data = Some([3; 32]);
        commit_to(LEE, clone.id());
        assert_noop!(register_committed(LEE, &clone, Perbill::zero()), Error::<Test>::CloneOfAnotherOwnersModel);
        // A version's roots are its owner's too.
        let update = update_of(&m, &[3], 5);
        assert_ok!(Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), update.clone(), 10, Perbill::zero()));
        let mut version = m.ghost_file().apply_update(&update).unwrap();
        (version.parent, version.name) = (None, b"lee".to_vec());
        commit_to(LEE, version.id());
        assert_noop!(register_committed(LEE, &version, Perbill::zero()), Error::<Test>::CloneOfAnotherOwnersModel);
        // The owner may: the same roots under another name, and the same update on it.
        let again = renamed(&m, b"alice, again");
        assert_ok!(register_file(ALICE, &again, Perbill::from_percent(5)));
        assert_ok!(Registry::publish_update(RuntimeOrigin::signed(ALICE), again.id(), update, 10, Perbill::zero()));
        assert!(Registry::terms(&again.id()).unwrap().active);
    });
}

/// Attack (M6, the pool race): Mallory reads the roots of Alice's pending `register` in the
/// pool, commits to a renamed copy and, Alice's transaction being held back a block,
/// registers it first. Her commitment is younger than Alice's: Alice's registration takes
/// the roots over, and Mallory's copy takes no requests, bonds or versions any more.
#[test]
fn an_older_commitment_supersedes_roots_copied_from_the_pool() {
    test(|| {
        let m = model(1);
        let roots = roots_digest(m.ghost_file());
        assert_ok!(Registry::commit_registration(
            RuntimeOrigin::signed(ALICE),
            Registry::registration_commitment(&ALICE, &m.id())
        ));
        System::set_block_number(2);
        let copy = renamed(&m, b"mallory");
        assert_ok!(register_file(MALLORY, &copy, Perbill::from_percent(100)));
        assert_eq!(System::block_number(), 3);
        assert!(Registry::terms(&copy.id()).unwrap().active);
        assert_ok!(Registry::register(RuntimeOrigin::signed(ALICE), bytes(&m), 10, Perbill::from_percent(20)));
        System::assert_has_event(Event::CloneSuperseded { roots, previous: MALLORY, owner: ALICE }.into());
        assert_eq!(RootsOwner::<Test>::get(roots).map(|c| (c.owner, c.since)), Some((ALICE, 1)));
        assert!(Registry::terms(&m.id()).unwrap().active);
        assert!(!Registry::terms(&copy.id()).unwrap().active, "the copy takes no requests");
        assert_noop!(
            Registry::bond(RuntimeOrigin::signed(LEE), copy.id(), 500, url()),
            Error::<Test>::CloneOfAnotherOwnersModel
        );
        assert_noop!(
            Registry::publish_update(
                RuntimeOrigin::signed(MALLORY),
                copy.id(),
                update_of(&m, &[3], 5),
                1,
                Perbill::zero()
            ),
            Error::<Test>::CloneOfAnotherOwnersModel
        );
        // A new, younger commitment does not take the roots back.
        let another = renamed(&m, b"mallory 2");
        commit_to(MALLORY, another.id());
        assert_noop!(register_committed(MALLORY, &another, Perbill::zero()), Error::<Test>::CloneOfAnotherOwnersModel);
        let commitment = Registry::registration_commitment(&MALLORY, &another.id());
        assert_ok!(Registry::cancel_commitment(RuntimeOrigin::signed(MALLORY), commitment));
        // Mallory can only retire her copy and reap it: all but the record's deposit back.
        assert_ok!(Registry::retire(RuntimeOrigin::signed(MALLORY), copy.id()));
        assert_ok!(Registry::reap(RuntimeOrigin::signed(MALLORY), copy.id()));
        assert_eq!(held_deposit(MALLORY), 100);
    });
}

/// Attack (M6, through versions): Lee holds Alice's weights and an old claim of his own, a
/// model registered before Alice's that differs from hers in one row. He publishes the
/// update that turns it into Alice's roots. A version's claim is as old as its own
/// commitment (or its block), never its parent's: his version is a clone, refused.
#[test]
fn a_version_does_not_inherit_its_parents_age() {
    test(|| {
        let m = model(1);
        let near = updated(&m, &[3], 9);
        let lees = renamed(&near, b"lee's old model");
        assert_ok!(register_file(LEE, &lees, Perbill::zero()));
        System::set_block_number(10);
        register(ALICE, &m);
        let onto_alices = update_of(&near, &[3], -9);
        assert_eq!(
            roots_digest(&lees.apply_update(&onto_alices).unwrap()),
            roots_digest(m.ghost_file()),
            "the update walks onto Alice's roots"
        );
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(LEE), lees.id(), onto_alices, 1, Perbill::zero()),
            Error::<Test>::CloneOfAnotherOwnersModel
        );
    });
}

/// Attack (M6, the pool race for versions): a pending `publish_update` shows the next
/// version's roots, and Mallory registers a renamed copy of them first. An owner who
/// committed to the version beforehand takes its roots over; one who did not is refused,
/// as the copy's claim is older than the update.
#[test]
fn a_committed_version_supersedes_roots_copied_from_the_pool() {
    test(|| {
        let m = model(1);
        register(ALICE, &m);
        let update = update_of(&m, &[3], 5);
        let version = m.ghost_file().apply_update(&update).unwrap();
        let roots = roots_digest(&version);
        let commitment = Registry::registration_commitment(&ALICE, &version.id());
        assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(ALICE), commitment));
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), update.clone(), 10, Perbill::zero()),
            Error::<Test>::CommittedThisBlock
        );
        System::set_block_number(3);
        let mut copy = version.clone();
        (copy.parent, copy.name) = (None, b"mallory".to_vec());
        assert_ok!(register_file(MALLORY, &copy, Perbill::from_percent(100)));
        let held = held_deposit(ALICE);
        assert_ok!(Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), update, 10, Perbill::zero()));
        System::assert_has_event(Event::CloneSuperseded { roots, previous: MALLORY, owner: ALICE }.into());
        assert_eq!(RootsOwner::<Test>::get(roots).map(|c| (c.owner, c.since)), Some((ALICE, 2)));
        assert!(!Registry::terms(&copy.id()).unwrap().active);
        // The commitment's deposit became part of the version's.
        let deposit = Models::<Test>::get(version.id()).unwrap().deposit;
        assert_eq!(held_deposit(ALICE), held + deposit - 100);
        assert_eq!(Commitments::<Test>::get(ALICE, commitment), None);
        // Without a commitment, the copy registered first keeps the roots.
        let next = update_of(&updated(&m, &[3], 5), &[9], 1);
        let mut copy = version.apply_update(&next).unwrap();
        (copy.parent, copy.name) = (None, b"mallory 2".to_vec());
        assert_ok!(register_file(MALLORY, &copy, Perbill::from_percent(100)));
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(ALICE), version.id(), next, 10, Perbill::zero()),
            Error::<Test>::CloneOfAnotherOwnersModel
        );
    });
}

/// A real model (one narrow row per list) whose ghost file, renamed, is exactly `len` bytes.
fn model_of_bytes(len: u32) -> (Model, GhostFile) {
    let build = |lists| testing::model(9, &[Shape::new(lists, lists).widths(1, 1).select(1, 1)]).unwrap();
    let unnamed = |m: &Model| renamed(m, b"");
    let fixed = unnamed(&build(100)).encoded_size() as u32 - 4 * 100;
    let m = build((len - fixed - 40) / 4);
    let mut file = unnamed(&m);
    while file.encoded_size() < len as usize {
        file.name.push(b'n');
    }
    assert_eq!(file.encoded_size(), len as usize);
    (m, file)
}

/// Attack (L8): a ghost file within 64 bytes of `MaxGhostFileBytes` used to register and then
/// never take an update (a version adds a parent and a training-data hash). Now a file
/// registers only with room for both, and every version of it can be updated again.
#[test]
fn every_registered_model_can_be_updated_up_to_the_bound() {
    test(|| {
        let max: u32 = <Test as crate::Config>::MaxGhostFileBytes::get();
        let room = 2 * 33 - 2; // two `Option<[u8; 32]>` at their largest, less two `None`s
                               // Deposits for three versions of a 64 KiB file.
        assert_ok!(<Balances as polkadot_sdk::frame_support::traits::fungible::Mutate<u64>>::mint_into(
            &ALICE, 300_000
        ));
        let (_, too_close) = model_of_bytes(max - room + 1);
        commit_to(ALICE, too_close.id());
        assert_noop!(register_committed(ALICE, &too_close, Perbill::zero()), Error::<Test>::NoRoomForVersions);
        let (m, file) = model_of_bytes(max - room);
        assert_ok!(register_file(ALICE, &file, Perbill::zero()));
        let first = update_of(&m, &[3], 5);
        assert_ok!(Registry::publish_update(
            RuntimeOrigin::signed(ALICE),
            file.id(),
            first.clone(),
            1,
            Perbill::zero()
        ));
        let version = file.apply_update(&first).unwrap();
        assert_eq!(GhostFiles::<Test>::get(version.id()).map(|b| b.len() as u32), Some(max));
        let second = update_of(&updated(&m, &[3], 5), &[9], 1);
        assert_ok!(Registry::publish_update(
            RuntimeOrigin::signed(ALICE),
            version.id(),
            second.clone(),
            1,
            Perbill::zero()
        ));
        let next = version.apply_update(&second).unwrap();
        assert_eq!(GhostFiles::<Test>::get(next.id()).map(|b| b.len() as u32), Some(max));
    });
}

/// A commitment's deposit is released on `cancel_commitment` and, at `register`, becomes
/// part of the model's deposit (held once, not twice).
#[test]
fn a_commitment_deposit_is_released_on_cancel_and_consumed_by_register() {
    test(|| {
        let m = model(1);
        let commitment = Registry::registration_commitment(&ALICE, &m.id());
        let free = Balances::free_balance(ALICE);
        assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(ALICE), commitment));
        assert_eq!((Balances::free_balance(ALICE), held_deposit(ALICE)), (free - 100, 100));
        assert_noop!(
            Registry::commit_registration(RuntimeOrigin::signed(ALICE), commitment),
            Error::<Test>::AlreadyCommitted
        );
        assert_ok!(Registry::cancel_commitment(RuntimeOrigin::signed(ALICE), commitment));
        assert_eq!((Balances::free_balance(ALICE), held_deposit(ALICE)), (free, 0));
        assert_noop!(
            Registry::cancel_commitment(RuntimeOrigin::signed(ALICE), commitment),
            Error::<Test>::NotCommitted
        );
        register(ALICE, &m);
        let deposit = 100 + bytes(&m).len() as u64;
        assert_eq!(Models::<Test>::get(m.id()).map(|i| i.deposit), Some(deposit));
        assert_eq!((Balances::free_balance(ALICE), held_deposit(ALICE)), (free - deposit, deposit));
        assert_eq!(Commitments::<Test>::get(ALICE, commitment), None);
    });
}

/// Retiring keeps the ghost file and the deposit (requests opened before may still be
/// disputed); once no prover is bonded or unbonding, `reap` deletes the file and releases
/// all but `DepositBase`, which stays for the record. Lineage still walks through it.
#[test]
fn reaping_releases_the_deposit_once_nothing_can_dispute_the_model() {
    test(|| {
        let m = model(1);
        register(ALICE, &m);
        let deposit = 100 + bytes(&m).len() as u64;
        let update = update_of(&m, &[3], 5);
        assert_ok!(Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), update.clone(), 10, Perbill::zero()));
        let version = m.ghost_file().apply_update(&update).unwrap().id();
        let both = deposit + Models::<Test>::get(version).unwrap().deposit;
        assert_ok!(Registry::bond(RuntimeOrigin::signed(LEE), m.id(), 1_000, url()));
        assert_ok!(Registry::lock(&m.id(), &LEE, 400)); // an open result
        assert_noop!(Registry::reap(RuntimeOrigin::signed(ALICE), [0; 32]), Error::<Test>::UnknownModel);
        assert_noop!(Registry::reap(RuntimeOrigin::signed(LEE), m.id()), Error::<Test>::NotOwner);
        assert_noop!(Registry::reap(RuntimeOrigin::signed(ALICE), m.id()), Error::<Test>::NotRetired);
        assert_ok!(Registry::retire(RuntimeOrigin::signed(ALICE), m.id()));
        assert_eq!(held_deposit(ALICE), both, "retiring releases nothing");
        assert!(Registry::verifier(&m.id()).is_some(), "the open result can still be disputed");
        assert_noop!(Registry::reap(RuntimeOrigin::signed(ALICE), m.id()), Error::<Test>::ProversRemain);
        assert_ok!(Registry::unbond(RuntimeOrigin::signed(LEE), m.id()));
        assert_noop!(Registry::reap(RuntimeOrigin::signed(ALICE), m.id()), Error::<Test>::ProversRemain);
        System::set_block_number(100);
        assert_noop!(Registry::withdraw(RuntimeOrigin::signed(LEE), m.id()), Error::<Test>::BondLocked);
        Registry::unlock(&m.id(), &LEE, 400); // the result closed
        assert_ok!(Registry::withdraw(RuntimeOrigin::signed(LEE), m.id()));
        let free = Balances::free_balance(ALICE);
        assert_ok!(Registry::reap(RuntimeOrigin::signed(ALICE), m.id()));
        let released = deposit - 100;
        System::assert_last_event(Event::ModelReaped { model: m.id(), released }.into());
        assert_eq!((Balances::free_balance(ALICE), held_deposit(ALICE)), (free + released, both - released));
        let info = Models::<Test>::get(m.id()).unwrap();
        assert_eq!((info.status, info.deposit), (ModelStatus::Reaped, 100));
        assert_eq!(GhostFiles::<Test>::get(m.id()), None);
        assert!(Registry::verifier(&m.id()).is_none() && !Registry::terms(&m.id()).unwrap().active);
        assert_eq!(Registry::lineage(version, 10), vec![version, m.id()]);
        assert_noop!(Registry::reap(RuntimeOrigin::signed(ALICE), m.id()), Error::<Test>::NotRetired);
        assert_noop!(Registry::retire(RuntimeOrigin::signed(ALICE), m.id()), Error::<Test>::ModelRetired);
        assert_noop!(Registry::bond(RuntimeOrigin::signed(LEE), m.id(), 500, url()), Error::<Test>::ModelRetired);
        assert_noop!(
            Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), update, 1, Perbill::zero()),
            Error::<Test>::ModelRetired
        );
    });
}

/// Attack (L2): an update's two root walks hash `indices + proof - 1` nodes each, and a proof
/// shorter than its indices need had its missing hashes walked as well (up to 26 an index),
/// while the call was charged for row entries only. It is now charged per index and per
/// proof hash, and a proof that is not exactly what the indices need is refused before any
/// hashing.
#[test]
fn publish_update_is_charged_for_its_multiproof() {
    test(|| {
        let m = model(1);
        register(ALICE, &m);
        let near = update_of(&m, &[0, 1], 5);
        let far = update_of(&m, &[0, 63], 5);
        assert_eq!(Registry::update_entries(&near), Registry::update_entries(&far));
        assert!(far.proof.len() > near.proof.len());
        let charged = |update: &ModelUpdate| {
            RuntimeCall::Registry(crate::Call::publish_update {
                parent: m.id(),
                update: update.clone(),
                price: 1,
                royalty: Perbill::zero(),
            })
            .get_dispatch_info()
            .call_weight
        };
        assert!(charged(&far).ref_time() > charged(&near).ref_time(), "a longer proof costs more");
        let walk = <() as crate::WeightInfo>::verify_update(2 + far.proof.len() as u32);
        assert!(charged(&far).all_gte(walk));
        for bad in [far.proof.len() - 1, far.proof.len() + 1] {
            let mut wrong = far.clone();
            wrong.proof.resize(bad, [0; 32]);
            assert_noop!(
                Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), wrong, 1, Perbill::zero()),
                Error::<Test>::InvalidUpdate
            );
        }
        let post = Registry::publish_update(RuntimeOrigin::signed(ALICE), m.id(), far.clone(), 1, Perbill::zero())
            .expect("a valid update");
        let version = m.ghost_file().apply_update(&far).unwrap().id();
        let larger = GhostFiles::<Test>::get(version).unwrap().len() as u32; // than the parent
        assert_eq!(post.actual_weight, Some(Registry::publish_update_weight(&far, larger)));
        assert!(post.actual_weight.unwrap().all_lte(charged(&far)));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The pre-check's count of proof hashes is what the prover's tree puts in a proof.
    #[test]
    fn multiproof_hashes_counts_what_a_tree_proves(leaves in 1u32..300, picks in prop::collection::vec(any::<u32>(), 1..24)) {
        let mut indices: Vec<u32> = picks.iter().map(|p| p % leaves).collect();
        indices.sort();
        indices.dedup();
        let hashes: Vec<[u8; 32]> = (0..leaves).map(|i| ghost_primitives::blake2_256(&i.to_le_bytes())).collect();
        let proof = Tree::from_leaves(&hashes).unwrap().prove(&indices).unwrap();
        prop_assert_eq!(multiproof_hashes(&indices, leaves, usize::MAX), Some(proof.len()));
        prop_assert_eq!(multiproof_hashes(&indices, leaves, proof.len()), Some(proof.len()));
        if !proof.is_empty() {
            prop_assert_eq!(multiproof_hashes(&indices, leaves, proof.len() - 1), None);
        }
        prop_assert_eq!(multiproof_hashes(&indices, indices[indices.len() - 1], usize::MAX), None);
        if indices.len() > 1 {
            let mut unsorted = indices.clone();
            unsorted.swap(0, 1);
            prop_assert_eq!(multiproof_hashes(&unsorted, leaves, usize::MAX), None);
        }
    }
}

/// `burn` takes from the locked part of the bond first, exactly like `slash`, and burns it:
/// total issuance falls by what it returns.
#[test]
fn burning_takes_the_locked_bond_first_and_reduces_issuance() {
    test(|| {
        let m = model(1);
        register(ALICE, &m);
        assert_ok!(Registry::bond(RuntimeOrigin::signed(LEE), m.id(), 1_000, url()));
        assert_ok!(Registry::lock(&m.id(), &LEE, 400));
        let issuance = Balances::total_issuance();
        assert_eq!(Registry::burn(&m.id(), &LEE, 300), 300);
        System::assert_last_event(Event::Burned { model: m.id(), prover: LEE, amount: 300 }.into());
        assert_eq!(Balances::total_issuance(), issuance - 300);
        assert_eq!(Bonds::<Test>::get(m.id(), LEE).map(|b| (b.amount, b.locked)), Some((700, 100)));
        assert_eq!(Balances::balance_on_hold(&RuntimeHoldReason::Registry(crate::HoldReason::ProverBond), &LEE), 700);
        assert_eq!(Registry::burn(&m.id(), &LEE, 5_000), 700);
        assert_eq!(Balances::total_issuance(), issuance - 1_000);
        assert_eq!(Bonds::<Test>::get(m.id(), LEE), None);
        assert_eq!(Registry::burn(&m.id(), &LEE, 1), 0);
    });
}

#[derive(Clone, Debug)]
enum Op {
    Register(u64, u64),
    Update(u64, u8, i16),
    Retire(u64, u8),
    Bond(u64, u8, u64),
    Unbond(u64, u8),
    Withdraw(u64, u8),
    Slash(u8, u64, u64),
    Burn(u8, u64, u64),
    Reap(u64, u8),
    Lock(u8, u64, u64),
    Unlock(u8, u64, u64),
    Commit(u64, u64),
    Cancel(u64, u64),
    Advance(u64),
}

/// Ghost files the random sequences register: four models and two clones of the first
/// two under other names (same roots).
const FILES: u64 = 6;

fn op() -> impl Strategy<Value = Op> {
    let who = 1u64..=5;
    prop_oneof![
        (who.clone(), 0u64..FILES).prop_map(|(a, s)| Op::Register(a, s)),
        (who.clone(), any::<u8>(), 1i16..50).prop_map(|(a, m, d)| Op::Update(a, m, d)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Retire(a, m)),
        (who.clone(), any::<u8>(), 0u64..900).prop_map(|(a, m, n)| Op::Bond(a, m, n)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Unbond(a, m)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Withdraw(a, m)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Slash(m, p, n)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Burn(m, p, n)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Reap(a, m)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Lock(m, p, n)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Unlock(m, p, n)),
        (who.clone(), 0u64..FILES).prop_map(|(a, s)| Op::Commit(a, s)),
        (who, 0u64..FILES).prop_map(|(a, s)| Op::Cancel(a, s)),
        (1u64..8).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..40)) {
        new_test_ext().execute_with(|| {
            let models: Vec<Model> = (0..4).map(model).collect();
            let mut files: Vec<GhostFile> = models.iter().map(|m| m.ghost_file().clone()).collect();
            files.extend([renamed(&models[0], b"clone 0"), renamed(&models[1], b"clone 1")]);
            let pick = |i: u8| {
                let ids: Vec<_> = Models::<Test>::iter_keys().collect();
                ids.get(i as usize % ids.len().max(1)).copied().unwrap_or([0; 32])
            };
            for op in ops {
                let _ = match op {
                    Op::Register(a, s) => Registry::register(RuntimeOrigin::signed(a), file_bytes(&files[s as usize]), 5, Perbill::zero()),
                    Op::Update(a, m, delta) => {
                        let id = pick(m);
                        let roots = Models::<Test>::get(id).map(|info| info.roots);
                        match models.iter().find(|x| Some(roots_digest(x.ghost_file())) == roots) {
                            Some(base) => Registry::publish_update(RuntimeOrigin::signed(a), id, update_of(base, &[1, 9], delta), 5, Perbill::zero()).map(|_| ()).map_err(|e| e.error),
                            None => Ok(()),
                        }
                    }
                    Op::Retire(a, m) => Registry::retire(RuntimeOrigin::signed(a), pick(m)),
                    Op::Bond(a, m, n) => Registry::bond(RuntimeOrigin::signed(a), pick(m), n, url()),
                    Op::Unbond(a, m) => Registry::unbond(RuntimeOrigin::signed(a), pick(m)),
                    Op::Withdraw(a, m) => Registry::withdraw(RuntimeOrigin::signed(a), pick(m)),
                    Op::Slash(m, p, n) => { Registry::slash(&pick(m), &p, n, &1); Ok(()) }
                    Op::Burn(m, p, n) => { Registry::burn(&pick(m), &p, n); Ok(()) }
                    Op::Reap(a, m) => Registry::reap(RuntimeOrigin::signed(a), pick(m)),
                    Op::Lock(m, p, n) => Registry::lock(&pick(m), &p, n),
                    Op::Unlock(m, p, n) => { Registry::unlock(&pick(m), &p, n); Ok(()) }
                    Op::Commit(a, s) => Registry::commit_registration(RuntimeOrigin::signed(a), Registry::registration_commitment(&a, &files[s as usize].id())),
                    Op::Cancel(a, s) => Registry::cancel_commitment(RuntimeOrigin::signed(a), Registry::registration_commitment(&a, &files[s as usize].id())),
                    Op::Advance(n) => { System::set_block_number(System::block_number() + n); Ok(()) }
                };
                check_invariants();
            }
        });
    }
}
