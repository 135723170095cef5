//! Benchmarks (FRAME v2). Each call on its heaviest path: `redeem` with every voucher
//! paying, `report_receipt` convicting on a real receipt whose proof does not prove it.

use super::*;
use crate::pallet::{BalanceOf, Pallet as Channels};
use alloc::{boxed::Box, vec::Vec};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use ghost_primitives::{
    channel::{input_hash, proof_hash, Voucher},
    testing, Input, Model, Shape,
};
use pallet_ghost_registry::ModelRegistry;
use pallet_inference::BoundedInput;
use pallet_mutual_credit::CreditLedger;
use polkadot_sdk::{frame_benchmarking, frame_support, frame_system};
use sp_runtime::traits::{Bounded, Saturating};

struct Setup<T: Config> {
    model: Model,
    client: T::AccountId,
    prover: T::AccountId,
}

fn setup<T: Config>() -> Setup<T>
where
    T::Currency: Mutate<T::AccountId>,
{
    let model = testing::model(1, &[Shape::new(256, 8).widths(16, 16).select(8, 2)]).expect("benchmark model");
    let owner: T::AccountId = account("owner", 0, 0);
    let prover = T::BenchmarkHelper::signer(0);
    let client = T::BenchmarkHelper::signer(1);
    T::Registry::register_for_benchmark(&owner, model.ghost_file(), 100, &prover);
    T::Credit::set_limit(&client, u128::MAX / 4);
    let _ = T::Currency::mint_into(&client, BalanceOf::<T>::max_value() / 4u32.into());
    Setup { model, client, prover }
}

fn opened<T: Config>(s: &Setup<T>) -> ChannelId {
    let id = NextChannelId::<T>::get();
    Channels::<T>::open(RawOrigin::Signed(s.client.clone()).into(), s.prover.clone(), s.model.id(), 1_000_000)
        .expect("open");
    id
}

fn input_of(m: &Model) -> Input {
    testing::input(2, m.ghost_file().lookup(0).map(|l| l.params.d).unwrap_or(1))
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn open() {
        let s = setup::<T>();
        #[extrinsic_call]
        _(RawOrigin::Signed(s.client.clone()), s.prover.clone(), s.model.id(), 1_000_000);
        assert!(crate::Channels::<T>::contains_key(0));
    }

    #[benchmark]
    fn top_up() {
        let s = setup::<T>();
        let c = opened(&s);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.client.clone()), c, 1_000);
        assert_eq!(crate::Channels::<T>::get(c).expect("open").deposit, 1_001_000);
    }

    #[benchmark]
    fn close_by_client() {
        let s = setup::<T>();
        let c = opened(&s);
        #[extrinsic_call]
        close(RawOrigin::Signed(s.client.clone()), c);
        assert!(crate::Channels::<T>::get(c).expect("closing").closes_at.is_some());
    }

    /// Finishing (the prover's `close` does the same work) after a redemption.
    #[benchmark]
    fn finish() {
        let s = setup::<T>();
        let c = opened(&s);
        Channels::<T>::close(RawOrigin::Signed(s.client.clone()).into(), c).expect("close");
        let after = frame_system::Pallet::<T>::block_number()
            .saturating_add(T::CloseTimeout::get())
            .saturating_add(1u32.into());
        frame_system::Pallet::<T>::set_block_number(after);
        #[extrinsic_call]
        _(RawOrigin::Signed(s.client.clone()), c);
        assert!(!crate::Channels::<T>::contains_key(c));
    }

    /// `n` vouchers, each on its own channel, each paying the prover and the owner.
    #[benchmark]
    fn redeem(n: Linear<1, { T::MaxRedeem::get() }>) {
        let s = setup::<T>();
        let genesis = Channels::<T>::genesis();
        let vouchers: Vec<SignedVoucher<T>> = (0..n)
            .map(|_| {
                let channel = opened(&s);
                let amount = 500_000;
                let message = Voucher { genesis, channel, amount }.signing_message();
                SignedVoucher { channel, amount, signature: T::BenchmarkHelper::sign(&s.client, &message) }
            })
            .collect();
        let vouchers: BoundedVec<_, T::MaxRedeem> = vouchers.try_into().expect("within MaxRedeem");
        #[extrinsic_call]
        _(RawOrigin::Signed(s.prover.clone()), vouchers);
        assert_eq!(crate::Channels::<T>::get(0).expect("open").redeemed, 500_000);
    }

    /// A receipt whose output was changed after proving: verified, refuted, convicted.
    #[benchmark]
    fn report_receipt() {
        let s = setup::<T>();
        let c = opened(&s);
        let input = input_of(&s.model);
        let trace = s.model.trace_bound(&input, &s.prover.encode()).expect("trace");
        let proof = s.model.prove_trace(&trace).expect("proof").encode();
        let mut claim = trace.claim();
        claim.output[0] ^= 1;
        let receipt = ReportedReceipt::<T> {
            genesis: Channels::<T>::genesis(),
            channel: c,
            seq: 0,
            at: frame_system::Pallet::<T>::block_number(),
            prover: s.prover.clone(),
            client: s.client.clone(),
            model: s.model.id(),
            price: 100,
            input: input_hash(&input),
            output: claim.output.try_into().expect("output fits"),
            links: claim.links.try_into().expect("links fit"),
            proof: proof_hash(&proof),
        };
        let signature = T::BenchmarkHelper::sign(&s.prover, &receipt.to_receipt().signing_message());
        let digest = receipt.to_receipt().digest();
        let bounded = BoundedInput::<T>::bound(input).expect("input fits");
        let evidence = Evidence::<T>::Proof(proof.try_into().expect("proof fits"));
        let reporter: T::AccountId = account("reporter", 0, 0);
        #[extrinsic_call]
        _(RawOrigin::Signed(reporter), Box::new(receipt), signature, bounded, evidence);
        assert!(Convicted::<T>::contains_key(digest));
    }

    impl_benchmark_test_suite!(Channels, crate::mock::new_test_ext(), crate::mock::Test);
}
