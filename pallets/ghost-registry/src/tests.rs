//! Every call's success and error paths, with real ghost files and sparse updates from
//! `ghost-primitives`; the invariants after every test; random call sequences.

use crate::{mock::*, BondInfo, Bonds, Error, Event, GhostFiles, ModelRegistry, ModelStatus, Models};
use codec::Encode;
use ghost_primitives::{testing, Model, ModelUpdate, Shape, Verifier};
use polkadot_sdk::{
    frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec},
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
    m.ghost_file().encode().try_into().expect("fits")
}

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
    let commitment = Registry::registration_commitment(&owner, &m.id());
    assert_ok!(Registry::commit_registration(RuntimeOrigin::signed(owner), commitment));
    System::set_block_number(System::block_number() + 1);
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

#[derive(Clone, Debug)]
enum Op {
    Register(u64, u64),
    Update(u64, u8, i16),
    Retire(u64, u8),
    Bond(u64, u8, u64),
    Unbond(u64, u8),
    Withdraw(u64, u8),
    Slash(u8, u64, u64),
    Lock(u8, u64, u64),
    Unlock(u8, u64, u64),
    Commit(u64, u64),
    Cancel(u64, u64),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 1u64..=5;
    prop_oneof![
        (who.clone(), 0u64..4).prop_map(|(a, s)| Op::Register(a, s)),
        (who.clone(), any::<u8>(), 1i16..50).prop_map(|(a, m, d)| Op::Update(a, m, d)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Retire(a, m)),
        (who.clone(), any::<u8>(), 0u64..900).prop_map(|(a, m, n)| Op::Bond(a, m, n)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Unbond(a, m)),
        (who.clone(), any::<u8>()).prop_map(|(a, m)| Op::Withdraw(a, m)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Slash(m, p, n)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Lock(m, p, n)),
        (any::<u8>(), who.clone(), 0u64..700).prop_map(|(m, p, n)| Op::Unlock(m, p, n)),
        (who.clone(), 0u64..4).prop_map(|(a, s)| Op::Commit(a, s)),
        (who, 0u64..4).prop_map(|(a, s)| Op::Cancel(a, s)),
        (1u64..8).prop_map(Op::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..40)) {
        new_test_ext().execute_with(|| {
            let models: Vec<Model> = (0..4).map(model).collect();
            let pick = |i: u8| {
                let ids: Vec<_> = Models::<Test>::iter_keys().collect();
                ids.get(i as usize % ids.len().max(1)).copied().unwrap_or([0; 32])
            };
            for op in ops {
                let _ = match op {
                    Op::Register(a, s) => Registry::register(RuntimeOrigin::signed(a), bytes(&models[s as usize]), 5, Perbill::zero()),
                    Op::Update(a, m, delta) => {
                        let id = pick(m);
                        match models.iter().find(|x| x.id() == id) {
                            Some(base) => Registry::publish_update(RuntimeOrigin::signed(a), id, update_of(base, &[1, 9], delta), 5, Perbill::zero()).map(|_| ()).map_err(|e| e.error),
                            None => Ok(()),
                        }
                    }
                    Op::Retire(a, m) => Registry::retire(RuntimeOrigin::signed(a), pick(m)),
                    Op::Bond(a, m, n) => Registry::bond(RuntimeOrigin::signed(a), pick(m), n, url()),
                    Op::Unbond(a, m) => Registry::unbond(RuntimeOrigin::signed(a), pick(m)),
                    Op::Withdraw(a, m) => Registry::withdraw(RuntimeOrigin::signed(a), pick(m)),
                    Op::Slash(m, p, n) => { Registry::slash(&pick(m), &p, n, &1); Ok(()) }
                    Op::Lock(m, p, n) => Registry::lock(&pick(m), &p, n),
                    Op::Unlock(m, p, n) => { Registry::unlock(&pick(m), &p, n); Ok(()) }
                    Op::Commit(a, s) => Registry::commit_registration(RuntimeOrigin::signed(a), Registry::registration_commitment(&a, &models[s as usize].id())),
                    Op::Cancel(a, s) => Registry::cancel_commitment(RuntimeOrigin::signed(a), Registry::registration_commitment(&a, &models[s as usize].id())),
                    Op::Advance(n) => { System::set_block_number(System::block_number() + n); Ok(()) }
                };
                check_invariants();
            }
        });
    }
}
