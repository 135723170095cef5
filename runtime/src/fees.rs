//! Fees that follow what a block costs: its weight and its length.
//!
//! A byte of a normal-class block costs as much as the weight it displaces
//! ([`TRANSACTION_BYTE_FEE`]), times the fee multiplier ([`LengthToFee`]): filling the
//! class by length costs at least what filling it by weight does, and both compound. The fee multiplier moves with whichever of the two is fuller
//! ([`FeeAdjustment`]): SDK's `TargetedFeeAdjustment` on the normal class's weight, the
//! same rule on length and on the weight of every class, and the largest of the three. Without this, a censor keeps a large transaction (a result
//! and its proof) out of blocks with cheap small ones and the multiplier never notices.

use polkadot_sdk::{frame_support, frame_system, pallet_transaction_payment, sp_runtime};

use crate::{Balance, Runtime};
use frame_support::dispatch::DispatchClass;
use pallet_transaction_payment::{Multiplier, MultiplierUpdate, TargetedFeeAdjustment};
use sp_runtime::{
    traits::{Bounded, Convert, One, Saturating},
    FixedPointNumber, Perquintill,
};

frame_support::parameter_types! {
    /// Blocks fuller than this (by weight or by length) raise the fee multiplier, emptier
    /// ones lower it: spam that fills blocks pays more with every block.
    pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
    /// How fast the multiplier moves (as Polkadot's): about 2.3x a day of full blocks at
    /// 6 s; at 2 s blocks three times as fast.
    pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
    /// Fees never fall below the identity fee.
    pub MinimumMultiplier: Multiplier = Multiplier::one();
    /// No ceiling: sustained spam keeps paying more.
    pub MaximumMultiplier: Multiplier = Bounded::max_value();
}

/// Fee per byte, in planck: a normal-class block's weight (1.5 s, one planck a picosecond)
/// over its length (3.75 MiB), rounded up. `tests::a_full_block_costs_as_much_by_length_as_by_weight`.
pub const TRANSACTION_BYTE_FEE: Balance = 400_000;

/// The length fee: [`TRANSACTION_BYTE_FEE`] a byte, times the fee multiplier. The SDK
/// scales only the weight fee by the multiplier; scaling the bytes too makes a censor who
/// fills blocks with bytes pay a compounding price, as one who fills them with weight does.
pub struct LengthToFee;

impl frame_support::weights::WeightToFee for LengthToFee {
    type Balance = Balance;

    fn weight_to_fee(length: &frame_support::weights::Weight) -> Balance {
        let base = Balance::from(length.ref_time()).saturating_mul(TRANSACTION_BYTE_FEE);
        pallet_transaction_payment::NextFeeMultiplier::<Runtime>::get().saturating_mul_int(base)
    }
}

type ByWeight =
    TargetedFeeAdjustment<Runtime, TargetBlockFullness, AdjustmentVariable, MinimumMultiplier, MaximumMultiplier>;

/// The fee multiplier's update: the larger of the weight rule and the same rule on block
/// length.
pub struct FeeAdjustment;

impl Convert<Multiplier, Multiplier> for FeeAdjustment {
    fn convert(previous: Multiplier) -> Multiplier {
        ByWeight::convert(previous).max(by_length(previous)).max(by_all_classes(previous))
    }
}

impl MultiplierUpdate for FeeAdjustment {
    fn min() -> Multiplier {
        ByWeight::min()
    }
    fn max() -> Multiplier {
        ByWeight::max()
    }
    fn target() -> Perquintill {
        ByWeight::target()
    }
    fn variability() -> Multiplier {
        ByWeight::variability()
    }
}

/// The rule on the block's length (every class) against the normal class's.
fn by_length(previous: Multiplier) -> Multiplier {
    let max = u128::from(*<Runtime as frame_system::Config>::BlockLength::get().max.get(DispatchClass::Normal));
    rule(previous, u128::from(frame_system::Pallet::<Runtime>::block_size()), max)
}

/// The rule on the weight of every class (the SDK's counts the normal class only) against
/// the block's: operational calls that fill blocks (reports, redemptions) raise the
/// multiplier too, so a censor filling that class pays a compounding price as well.
fn by_all_classes(previous: Multiplier) -> Multiplier {
    let max = <Runtime as frame_system::Config>::BlockWeights::get().max_block.ref_time();
    let used = frame_system::Pallet::<Runtime>::block_weight().total().ref_time();
    rule(previous, u128::from(used), u128::from(max))
}

/// `TargetedFeeAdjustment`'s rule — `next = previous × (1 + v·s + v²·s²/2)` for the
/// fullness `s` over the target (`1 − v·s + v²·s²/2` under it) — for `used` of `max`.
fn rule(previous: Multiplier, used: u128, max: u128) -> Multiplier {
    let previous = previous.max(MinimumMultiplier::get());
    let max = max.max(1);
    let used = used.min(max);
    let target = TargetBlockFullness::get() * max;
    let v = AdjustmentVariable::get();
    let s = Multiplier::saturating_from_rational(used.abs_diff(target), max);
    let first = v.saturating_mul(s);
    let second = v.saturating_mul(v).saturating_mul(s).saturating_mul(s) / Multiplier::saturating_from_integer(2);
    let next = if used >= target {
        previous.saturating_add(first.saturating_add(second).saturating_mul(previous))
    } else {
        previous.saturating_sub(first.saturating_sub(second).saturating_mul(previous))
    };
    next.clamp(MinimumMultiplier::get(), MaximumMultiplier::get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use frame_support::traits::Get;
    use polkadot_sdk::sp_io;
    use sp_runtime::BuildStorage;

    type RuntimeBlockWeights = <Runtime as frame_system::Config>::BlockWeights;
    type RuntimeBlockLength = <Runtime as frame_system::Config>::BlockLength;

    fn ext() -> sp_io::TestExternalities {
        frame_system::GenesisConfig::<Runtime>::default().build_storage().expect("genesis").into()
    }

    #[test]
    fn a_full_block_costs_as_much_by_length_as_by_weight() {
        let weights = RuntimeBlockWeights::get();
        let normal = weights.get(DispatchClass::Normal).max_total.expect("a normal limit").ref_time();
        let length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);
        assert!(u128::from(length) * TRANSACTION_BYTE_FEE >= u128::from(normal));
    }

    #[test]
    fn the_length_fee_follows_the_multiplier() {
        use frame_support::weights::{Weight, WeightToFee};
        ext().execute_with(|| {
            let bytes = Weight::from_parts(1_000, 0);
            assert_eq!(LengthToFee::weight_to_fee(&bytes), 1_000 * TRANSACTION_BYTE_FEE);
            pallet_transaction_payment::NextFeeMultiplier::<Runtime>::put(Multiplier::saturating_from_integer(3));
            assert_eq!(LengthToFee::weight_to_fee(&bytes), 3_000 * TRANSACTION_BYTE_FEE);
        });
    }

    #[test]
    fn a_block_full_by_length_raises_the_multiplier_as_one_full_by_weight_does() {
        ext().execute_with(|| {
            let one = Multiplier::one();
            assert_eq!(FeeAdjustment::convert(one), one, "an empty block leaves the floor");
            let full = *RuntimeBlockLength::get().max.get(DispatchClass::Normal);
            frame_system::BlockSize::<Runtime>::put(full);
            let by_length = FeeAdjustment::convert(one);
            assert!(by_length > one, "a block full of bytes raises the multiplier");
            frame_system::BlockSize::<Runtime>::kill();
            let normal = RuntimeBlockWeights::get().get(DispatchClass::Normal).max_total.expect("a normal limit");
            frame_system::Pallet::<Runtime>::register_extra_weight_unchecked(normal, DispatchClass::Normal);
            assert_eq!(FeeAdjustment::convert(one), by_length, "both dimensions follow one rule");
        });
    }

    /// A block full of operational calls (reports, redemptions) raises the multiplier as
    /// normal filler does: a censor cannot fill that class at a constant price.
    #[test]
    fn a_block_full_of_operational_calls_raises_the_multiplier() {
        ext().execute_with(|| {
            let one = Multiplier::one();
            let operational =
                RuntimeBlockWeights::get().get(DispatchClass::Operational).max_total.expect("an operational limit");
            frame_system::Pallet::<Runtime>::register_extra_weight_unchecked(operational, DispatchClass::Operational);
            assert!(FeeAdjustment::convert(one) > one, "operational filler raises the multiplier");
        });
    }

    /// Bytes a signed extrinsic adds to its call (address, signature, extensions, length
    /// prefix), rounded up.
    const SIGNED_OVERHEAD: usize = 150;

    #[test]
    fn a_normal_block_holds_twenty_worst_case_results_by_length_and_by_weight() {
        use codec::Encode;
        let max_proof: u32 = <Runtime as pallet_ghost_registry::Config>::MaxProofBytes::get();
        use frame_support::dispatch::GetDispatchInfo;
        use ghost_primitives::limits::{MAX_DIM, MAX_LAYERS};
        let call = crate::RuntimeCall::Inference(pallet_inference::Call::submit_result {
            id: u64::MAX,
            output: vec![i16::MAX; MAX_DIM as usize].try_into().expect("fits"),
            links: vec![[0xff; 32]; MAX_LAYERS as usize].try_into().expect("fits"),
            proof: vec![0xff; max_proof as usize].try_into().expect("fits"),
        });
        let len = call.encoded_size() + SIGNED_OVERHEAD;
        let normal = RuntimeBlockWeights::get().get(DispatchClass::Normal).clone();
        let weight = call.get_dispatch_info().total_weight().saturating_add(normal.base_extrinsic);
        let by_length = *RuntimeBlockLength::get().max.get(DispatchClass::Normal) as usize / len;
        let by_weight = normal.max_total.expect("a normal limit").ref_time() / weight.ref_time();
        eprintln!(
            "worst-case result: {len} bytes, {} ps; a normal block holds {by_length} by length, {by_weight} by weight",
            weight.ref_time()
        );
        assert!(by_length >= 20, "{by_length} by length");
        assert!(by_weight >= 20, "{by_weight} by weight");
    }

    #[test]
    fn the_report_reward_is_below_the_fees_of_reporting() {
        use codec::Encode;
        use frame_support::dispatch::GetDispatchInfo;
        ext().execute_with(|| {
            let commit = crate::RuntimeCall::Inference(pallet_inference::Call::commit { id: 0, digest: [0; 32] });
            // The smallest fraud proof a report can carry.
            let reveal = crate::RuntimeCall::Inference(pallet_inference::Call::report_exclusion {
                id: 0,
                salt: [0; 32],
                fraud: vec![0; 300].try_into().expect("fits"),
            });
            let fee = |call: &crate::RuntimeCall| {
                let len = (call.encoded_size() + SIGNED_OVERHEAD) as u32;
                pallet_transaction_payment::Pallet::<Runtime>::compute_fee(len, &call.get_dispatch_info(), 0)
            };
            let fees = fee(&commit) + fee(&reveal);
            let reward: Balance = <Runtime as pallet_inference::Config>::ReportReward::get();
            assert!(reward < fees, "reward {reward} against fees {fees}");
        });
    }

    /// A receipt convicts in one call, so a front-runner could copy it from the pool: what
    /// the reporter is paid must stay below the cheapest such call's fee, after its refund.
    #[test]
    fn copying_a_receipt_report_costs_more_than_it_pays() {
        use codec::Encode;
        use frame_support::dispatch::GetDispatchInfo;
        use pallet_channels::{Evidence, ReportedReceipt, WeightInfo as _};
        use pallet_inference::WeightInfo as _;
        ext().execute_with(|| {
            let nobody = crate::AccountId::from([0u8; 32]);
            let receipt = ReportedReceipt::<Runtime> {
                genesis: [0; 32],
                channel: 0,
                seq: 0,
                at: 0,
                prover: nobody.clone(),
                client: nobody,
                model: [0; 32],
                price: 0,
                input: [0; 32],
                output: Default::default(),
                links: Default::default(),
                proof: [0; 32],
            };
            let fraud = vec![0u8; 300];
            let call = crate::RuntimeCall::Channels(pallet_channels::Call::report_receipt {
                receipt: Box::new(receipt),
                signature: sp_runtime::MultiSignature::Sr25519(polkadot_sdk::sp_core::sr25519::Signature::from_raw(
                    [0; 64],
                )),
                input: pallet_inference::BoundedInput::Token(0),
                evidence: Evidence::Fraud(fraud.clone().try_into().expect("fits")),
            });
            // The least it can be charged: a model with an empty ghost file.
            let mut info = call.get_dispatch_info();
            info.call_weight = pallet_channels::weights::SubstrateWeight::<Runtime>::report_receipt().saturating_add(
                pallet_inference::weights::SubstrateWeight::<Runtime>::report_exclusion(fraud.len() as u32),
            );
            let len = (call.encoded_size() + SIGNED_OVERHEAD) as u32;
            let fee = pallet_transaction_payment::Pallet::<Runtime>::compute_fee(len, &info, 0);
            let reward: Balance = <Runtime as pallet_inference::Config>::ReportReward::get();
            assert!(reward < fee, "reward {reward} against the fee {fee}");
        });
    }
}
