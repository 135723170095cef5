//! Benchmarks (FRAME v2), with real models, ghost proofs and fraud proofs. Proof-dependent
//! calls take the proof's size: the model is shaped so the proof is about `b` bytes.

use super::*;
use crate::pallet::BoundedInput;
use crate::pallet::{BalanceOf, Pallet as Inference};
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use ghost_primitives::{testing, Input, Model, Shape, Trace};
use pallet_ghost_registry::ModelRegistry;
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{frame_benchmarking, frame_support, frame_system};
use sp_runtime::traits::{Bounded, One, Saturating};

struct Setup<T: Config> {
    model: Model,
    client: T::AccountId,
    prover: T::AccountId,
    reporter: T::AccountId,
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
    let reporter: T::AccountId = account("reporter", 0, 0);
    T::Registry::register_for_benchmark(&owner, model.ghost_file(), 100, &prover);
    T::Credit::set_limit(&client, u128::MAX / 4);
    let _ = T::Currency::mint_into(&client, BalanceOf::<T>::max_value() / 4u32.into());
    let _ = T::Currency::mint_into(&reporter, BalanceOf::<T>::max_value() / 4u32.into());
    Setup { model, client, prover, reporter }
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
    BoundedInput::bound(input).expect("input fits")
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

const SALT: [u8; 32] = [7; 32];

/// Commit the reporter's `fraud` proof against `id`, in an earlier block.
fn committed<T: Config>(s: &Setup<T>, id: RequestId, fraud: &[u8]) {
    let digest = Inference::<T>::dispute_digest(&s.reporter, id, &SALT, fraud);
    Inference::<T>::commit(RawOrigin::Signed(s.reporter.clone()).into(), id, digest).expect("commit");
    next_block::<T>();
}

fn proof_of<T: Config>(s: &Setup<T>, trace: &Trace) -> BoundedVec<u8, crate::MaxProofBytesOf<T>> {
    s.model.prove_trace(trace).expect("proof").encode().try_into().expect("proof fits")
}

fn answered<T: Config>(s: &Setup<T>, trace: &Trace) -> RequestId {
    let id = requested::<T>(s);
    let claim = trace.claim();
    Inference::<T>::submit_result(
        RawOrigin::Signed(s.prover.clone()).into(),
        id,
        claim.output.try_into().expect("output fits"),
        claim.links.try_into().expect("links fit"),
        proof_of::<T>(s, trace),
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

    /// The call's own work on `l` layers, the last `o` wide; verification is `verify_proof`.
    #[benchmark]
    fn submit_result(o: Linear<1, { T::MaxOutputLen::get() }>, l: Linear<1, { T::MaxLayers::get() }>) {
        let shapes: Vec<Shape> = (0..l)
            .map(|j| {
                let e = if j + 1 == l { o } else { 8 };
                Shape::new(16, 2).widths(8, e).select(2, 1)
            })
            .collect();
        let s = setup_model::<T>(testing::model(1, &shapes).expect("benchmark model"));
        let trace = honest::<T>(&s);
        let id = requested::<T>(&s);
        let claim = trace.claim();
        let (output, links) = (claim.output.try_into().expect("fits"), claim.links.try_into().expect("fits"));
        let proof = proof_of::<T>(&s, &trace);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.prover.clone()), id, output, links, proof);
        assert!(Requests::<T>::get(id).is_some_and(|r| r.result.is_some()));
    }

    /// `submit_result` with a proof of `c` compressions of verification work, up to the
    /// most any admitted model needs.
    #[benchmark]
    fn verify_proof(c: Linear<600, { T::Registry::proof_limits().compressions as u32 }>) {
        let s = setup_model::<T>(model_for_compressions::<T>(c));
        let trace = honest::<T>(&s);
        let id = requested::<T>(&s);
        let claim = trace.claim();
        let (output, links) = (claim.output.try_into().expect("fits"), claim.links.try_into().expect("fits"));
        let proof = proof_of::<T>(&s, &trace);
        #[block]
        {
            Inference::<T>::submit_result(RawOrigin::Signed(s.prover.clone()).into(), id, output, links, proof)
                .expect("a valid proof");
        }
        assert!(Requests::<T>::get(id).is_some_and(|r| r.result.is_some()));
    }

    #[benchmark]
    fn accept() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        #[extrinsic_call]
        _(RawOrigin::Signed(s.client.clone()), id);
        assert!(!Requests::<T>::contains_key(id));
    }

    /// The heavier of the two settlements: a result paid after its deadline.
    #[benchmark]
    fn settle() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        let after = frame_system::Pallet::<T>::block_number()
            .saturating_add(T::ChallengeWindow::get())
            .saturating_add(One::one());
        frame_system::Pallet::<T>::set_block_number(after);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.reporter.clone()), id);
        assert!(!Requests::<T>::contains_key(id));
    }

    #[benchmark]
    fn commit() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        let digest = Inference::<T>::dispute_digest(&s.reporter, id, &SALT, &[]);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.reporter.clone()), id, digest);
        assert!(Commitments::<T>::contains_key((id, &s.reporter, digest)));
    }

    #[benchmark]
    fn reclaim() {
        let s = setup::<T>(small());
        let id = answered::<T>(&s, &honest::<T>(&s));
        let digest = Inference::<T>::dispute_digest(&s.reporter, id, &SALT, &[1]);
        Inference::<T>::commit(RawOrigin::Signed(s.reporter.clone()).into(), id, digest).expect("commit");
        Inference::<T>::accept(RawOrigin::Signed(s.client.clone()).into(), id).expect("accept");
        #[extrinsic_call]
        _(RawOrigin::Signed(s.reporter.clone()), id, digest);
        assert!(!Commitments::<T>::contains_key((id, &s.reporter, digest)));
    }

    /// A convicting fraud proof of about `b` bytes, over the whole range a report may
    /// carry: its rows widen with `b` up to the widest the chain admits (about 12.5 KB of
    /// fraud proof; larger `b` measure that widest model, since a fraud proof cannot be
    /// padded and the rest of `MaxFraudProofBytes` is headroom for deeper trees).
    #[benchmark]
    fn report_exclusion(b: Linear<300, { T::MaxFraudProofBytes::get() }>) {
        let widest = T::MaxInputLen::get().min(T::MaxOutputLen::get()).max(1);
        let w = (b / 12).clamp(4, widest);
        let s = setup::<T>(Shape::new(4096, 16).widths(w, w).select(8, 4));
        let cheat = lazy::<T>(&s);
        let id = answered::<T>(&s, &cheat);
        let fraud = s.model.find_fraud(&input_of(&s.model), &cheat).expect("checks").expect("a fraud");
        let fraud: BoundedVec<u8, T::MaxFraudProofBytes> = fraud.encode().try_into().expect("fraud fits");
        committed::<T>(&s, id, &fraud);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.reporter.clone()), id, SALT, fraud);
        assert!(!Requests::<T>::contains_key(id));
    }

    impl_benchmark_test_suite!(Inference, crate::mock::new_test_ext(), crate::mock::Test);
}
