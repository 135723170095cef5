//! Benchmarks (FRAME v2), with real models, ghost proofs and fraud proofs. Proof-dependent
//! calls take the proof's size: the model is shaped so the proof is about `b` bytes.

use super::*;
use crate::pallet::BoundedInput;
use crate::pallet::{BalanceOf, Pallet as Inference};
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get, Hooks},
    BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use ghost_primitives::{testing, Input, Model, Shape, Trace};
use pallet_ghost_registry::ModelRegistry;
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{frame_benchmarking, frame_support, frame_system};
use sp_runtime::traits::{Bounded, One, Saturating};

struct Setup<T: Config> {
    model: Model,
    client: T::AccountId,
    prover: T::AccountId,
    challenger: T::AccountId,
}

fn setup<T: Config>(shape: Shape) -> Setup<T>
where
    T::Currency: Mutate<T::AccountId>,
{
    setup_model::<T>(testing::model(1, &[shape]).expect("benchmark model"))
}

fn setup_model<T: Config>(model: Model) -> Setup<T>
where
    T::Currency: Mutate<T::AccountId>,
{
    let owner: T::AccountId = account("owner", 0, 0);
    let client: T::AccountId = account("client", 0, 0);
    let prover: T::AccountId = account("prover", 0, 0);
    let challenger: T::AccountId = account("challenger", 0, 0);
    T::Registry::register_for_benchmark(&owner, model.ghost_file(), 100, &prover);
    T::Credit::set_limit(&client, u128::MAX / 4);
    let _ = T::Currency::mint_into(&client, BalanceOf::<T>::max_value() / 4u32.into());
    let _ = T::Currency::mint_into(&challenger, BalanceOf::<T>::max_value() / 4u32.into());
    Setup { model, client, prover, challenger }
}

fn small() -> Shape {
    Shape::new(256, 8).widths(16, 16).select(8, 2)
}

/// A model whose worst-case proof takes about `c` BLAKE2b compressions to verify (at
/// least `c`, where the chain's limits allow): layers of 4,096 patterns (d = e = 32, 16
/// lists, 4 probed), as few as reach `c`, each with the smallest `k` that does, within
/// the chain's proof limits. Rows of 64 entries are the worst case per compression for
/// decoding and arithmetic among shapes that reach the compression limit within the
/// byte limit (wider rows run into the byte limit first).
fn model_for_compressions<T: Config>(c: u32) -> Model {
    let limits = T::Registry::proof_limits();
    let layer = |k: u32| Shape::new(4096, 16).widths(32, 32).select(k, 4);
    let bound = |layers: u32, k: u32| {
        let spec = |s: Shape| {
            ghost_primitives::LayerSpec::Lookup(ghost_primitives::LookupSpec {
                params: s.layer,
                offsets: (0..=s.lists).map(|j| j * (s.rows / s.lists)).collect(),
                patterns_root: [0; 32],
                centroids_root: [0; 32],
            })
        };
        ghost_primitives::GhostFile::new(b"testing".to_vec(), (0..layers).map(|_| spec(layer(k))).collect())
            .proof_bound()
    };
    let admitted = |b: ghost_primitives::ProofBound| {
        b.bytes <= limits.bytes && b.compressions <= limits.compressions && b.products <= limits.products
    };
    let mut best = (1, 1);
    'search: for layers in 1..=T::MaxLayers::get() {
        for k in 1..=256 {
            let b = bound(layers, k);
            if !admitted(b) {
                break;
            }
            best = (layers, k);
            if b.compressions >= u64::from(c) {
                break 'search;
            }
        }
    }
    let (layers, k) = best;
    testing::model(1, &(0..layers).map(|_| layer(k)).collect::<Vec<_>>()).expect("benchmark model")
}

fn input_of(m: &Model) -> Input {
    testing::input(2, m.ghost_file().lookup(0).map(|l| l.params.d).unwrap_or(1))
}

fn bounded<T: Config>(input: Input) -> BoundedInput<T> {
    match input {
        Input::Token(t) => BoundedInput::Token(t),
        Input::Vector(v) => BoundedInput::Vector(v.try_into().expect("input fits")),
    }
}

fn requested<T: Config>(s: &Setup<T>) -> RequestId {
    let id = NextRequestId::<T>::get();
    Inference::<T>::request(
        RawOrigin::Signed(s.client.clone()).into(),
        s.model.id(),
        bounded::<T>(input_of(&s.model)),
        u128::MAX,
    )
    .expect("request");
    id
}

/// The honest trace of the set-up prover, bound to its account.
fn honest<T: Config>(s: &Setup<T>) -> Trace {
    s.model.trace_bound(&input_of(&s.model), &s.prover.encode()).expect("trace")
}

fn next_block<T: Config>() {
    let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
    frame_system::Pallet::<T>::set_block_number(next);
}

/// Commit the challenger's dispute of `id` with `evidence`, in an earlier block.
fn committed<T: Config>(s: &Setup<T>, id: RequestId, evidence: &[u8]) {
    let digest = Inference::<T>::dispute_digest(&s.challenger, id, evidence);
    Inference::<T>::commit(RawOrigin::Signed(s.challenger.clone()).into(), id, digest).expect("commit");
    next_block::<T>();
}

/// A prove-it challenge of `id` by the set-up challenger.
fn challenged<T: Config>(s: &Setup<T>, id: RequestId) {
    committed::<T>(s, id, &[]);
    Inference::<T>::challenge(RawOrigin::Signed(s.challenger.clone()).into(), id).expect("challenge");
}

fn answered<T: Config>(s: &Setup<T>, trace: &Trace) -> RequestId {
    let id = requested::<T>(s);
    let claim = trace.claim();
    Inference::<T>::submit_result(
        RawOrigin::Signed(s.prover.clone()).into(),
        id,
        claim.output.try_into().expect("output fits"),
        claim.links.try_into().expect("links fit"),
    )
    .expect("submit");
    id
}

/// A lazy trace of the set-up prover: layer 0 swaps its best-scoring selected row for one
/// it outranks.
fn lazy<T: Config>(s: &Setup<T>) -> Trace {
    s.model.lazy_trace(&input_of(&s.model), 0, &s.prover.encode()).expect("trace").expect("a row to leave out")
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn request(i: Linear<1, { T::MaxInputLen::get() }>) {
        // The model takes `i` entries: the input check walks them all.
        let s = setup::<T>(Shape::new(64, 4).widths(i, 16).select(4, 1));
        let input = bounded::<T>(Input::Vector((0..i).map(|v| v as i16).collect()));
        #[extrinsic_call]
        _(RawOrigin::Signed(s.client.clone()), s.model.id(), input, u128::MAX);
        assert_eq!(NextRequestId::<T>::get(), 1);
    }

    #[benchmark]
    fn submit_result(o: Linear<1, { T::MaxOutputLen::get() }>, l: Linear<1, { T::MaxLayers::get() }>) {
        // `l` layers, the last `o` wide: the result is checked against that shape.
        let shapes: Vec<Shape> = (0..l)
            .map(|j| {
                let e = if j + 1 == l { o } else { 8 };
                let d = 8;
                Shape::new(16, 2).widths(d, e).select(2, 1)
            })
            .collect();
        let model = testing::model(1, &shapes).expect("benchmark model");
        let s = setup_model::<T>(model);
        let id = requested::<T>(&s);
        let output: BoundedVec<i16, T::MaxOutputLen> =
            (0..o).map(|v| v as i16).collect::<Vec<_>>().try_into().expect("fits");
        let links: BoundedVec<ghost_primitives::Hash, T::MaxLayers> =
            (0..l).map(|v| [v as u8; 32]).collect::<Vec<_>>().try_into().expect("fits");
        #[extrinsic_call]
        _(RawOrigin::Signed(s.prover.clone()), id, output, links);
    }

    #[benchmark]
    fn accept() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        #[extrinsic_call]
        _(RawOrigin::Signed(s.client.clone()), id);
        assert!(!Requests::<T>::contains_key(id));
    }

    /// The worst deadline: a prove-it challenge left unanswered convicts the prover.
    #[benchmark]
    fn settle() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        challenged::<T>(&s, id);
        let after = frame_system::Pallet::<T>::block_number()
            .saturating_add(T::ResponseWindow::get())
            .saturating_add(One::one());
        frame_system::Pallet::<T>::set_block_number(after);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.challenger.clone()), id);
        assert!(!Requests::<T>::contains_key(id));
    }

    #[benchmark]
    fn challenge() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        committed::<T>(&s, id, &[]);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.challenger.clone()), id);
    }

    /// `c` compressions of verification work, up to the most any admitted model needs.
    #[benchmark]
    fn respond(c: Linear<600, { T::Registry::proof_limits().compressions as u32 }>) {
        let s = setup_model::<T>(model_for_compressions::<T>(c));
        let trace = honest::<T>(&s);
        let id = answered::<T>(&s, &trace);
        challenged::<T>(&s, id);
        let proof: BoundedVec<u8, crate::MaxProofBytesOf<T>> =
            s.model.prove_trace(&trace).expect("proof").encode().try_into().expect("proof fits");
        #[extrinsic_call]
        _(RawOrigin::Signed(s.prover.clone()), id, proof);
        assert!(Requests::<T>::get(id).is_some_and(|r| r.result.is_some_and(|r| r.proven)));
    }

    #[benchmark]
    fn commit() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        let digest = Inference::<T>::dispute_digest(&s.challenger, id, &[]);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.challenger.clone()), id, digest);
        assert!(Commitments::<T>::contains_key(id, &s.challenger));
    }

    #[benchmark]
    fn reclaim() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        let digest = Inference::<T>::dispute_digest(&s.challenger, id, &[1]);
        Inference::<T>::commit(RawOrigin::Signed(s.challenger.clone()).into(), id, digest).expect("commit");
        Inference::<T>::accept(RawOrigin::Signed(s.client.clone()).into(), id).expect("accept");
        #[extrinsic_call]
        _(RawOrigin::Signed(s.challenger.clone()), id);
        assert!(!Commitments::<T>::contains_key(id, &s.challenger));
    }

    #[benchmark]
    fn report_exclusion(b: Linear<300, 8_000>) {
        // Fraud proofs carry two rows: widen them to reach about `b` bytes.
        let widest = T::MaxInputLen::get().min(T::MaxOutputLen::get()).max(1);
        let w = (b / 9).max(4).min(widest);
        let s = setup::<T>(Shape::new(4096, 16).widths(w, w).select(8, 4));
        let cheat = lazy::<T>(&s);
        let id = answered::<T>(&s, &cheat);
        let fraud = s.model.find_fraud(&input_of(&s.model), &cheat).expect("checks").expect("a fraud");
        let fraud: BoundedVec<u8, T::MaxFraudProofBytes> = fraud.encode().try_into().expect("fraud fits");
        committed::<T>(&s, id, &fraud);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.challenger.clone()), id, fraud);
        assert!(!Requests::<T>::contains_key(id));
    }

    #[benchmark]
    fn on_initialize(n: Linear<0, { T::MaxDeadlinesPerBlock::get() }>) {
        let s = setup::<T>(small());
        let trace = honest::<T>(&s);
        // Open n prove-it challenges, a few per block so no set-up queue overflows ...
        let start = frame_system::Pallet::<T>::block_number();
        let mut ids = Vec::new();
        for i in 0..n {
            frame_system::Pallet::<T>::set_block_number(start.saturating_add((2 * (i / 8)).into()));
            let id = answered::<T>(&s, &trace);
            challenged::<T>(&s, id);
            ids.push(id);
        }
        // ... then let all of them expire in one block: the worst case, n convictions.
        let due: BlockNumberFor<T> = frame_system::Pallet::<T>::block_number().saturating_add(100u32.into());
        for id in &ids {
            Requests::<T>::mutate(id, |r| {
                if let Some(r) = r {
                    if let Some(at) = r.settle_at {
                        Deadlines::<T>::mutate(at, |q| q.retain(|q| q != id));
                    }
                    r.deadline = due.saturating_sub(One::one());
                    r.settle_at = Some(due);
                }
            });
        }
        let queue: BoundedVec<RequestId, T::MaxDeadlinesPerBlock> = ids.try_into().expect("n is bounded");
        Deadlines::<T>::insert(due, queue);
        frame_system::Pallet::<T>::set_block_number(due);
        #[block]
        {
            Inference::<T>::on_initialize(due);
        }
        assert_eq!(Requests::<T>::iter().count(), 0);
    }

    impl_benchmark_test_suite!(Inference, crate::mock::new_test_ext(), crate::mock::Test);
}
