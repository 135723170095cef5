//! Channels on chain: typed reads of `pallet-channels` at the finalised block, and its
//! calls (open, top up, close, finish, redeem, report a receipt), each returning what the
//! chain's events say happened.

use super::message::{AccountBytes, ChainReceipt, WireVoucher};
use crate::{
    chain::{runtime, Chain, Wait},
    outcome::Outcome,
};
use anyhow::{anyhow, Result};
use ghost_primitives::{channel::ChannelId, Hash, Input, ModelId};
use subxt::utils::{AccountId32, Static};
use subxt_signer::sr25519::Keypair;

/// An open channel as the chain records it.
pub type ChannelInfo = runtime::runtime_types::pallet_channels::pallet::Channel;
/// A finished channel's parties and terms, kept while its receipts can be reported.
pub type FinishedChannel = runtime::runtime_types::pallet_channels::pallet::Parties;
use crate::chain::BoundedVec as Bounded;

/// What a `redeem` did, voucher by voucher.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redemption {
    /// Vouchers paid: channel, redeemed in all, fee now, royalty now.
    pub paid: Vec<(ChannelId, u128, u128, u128)>,
    /// Vouchers refused: channel and why.
    pub refused: Vec<(ChannelId, String)>,
}

/// What is shown against a receipt on chain.
#[derive(Clone, Debug)]
pub enum Evidence {
    /// The ghost proof the receipt names (which does not prove it).
    Proof(Vec<u8>),
    /// An exclusion fraud proof (SCALE-encoded).
    Fraud(Vec<u8>),
}

impl Chain {
    /// The chain's genesis hash: every voucher and receipt names it.
    pub fn genesis(&self) -> Hash {
        self.api.genesis_hash().0
    }

    /// Channel `id` at the finalised block (`None` when it is not open there).
    pub async fn channel(&self, id: ChannelId) -> Result<Option<ChannelInfo>> {
        let (_, hash) = self.finalized().await?;
        Ok(self.api.storage().at(hash).fetch(&runtime::storage().channels().channels(id)).await?)
    }

    /// The parties and terms of a finished channel whose receipts can still be reported,
    /// at the finalised block.
    pub async fn finished_channel(&self, id: ChannelId) -> Result<Option<FinishedChannel>> {
        let (_, hash) = self.finalized().await?;
        Ok(self.api.storage().at(hash).fetch(&runtime::storage().channels().finished(id)).await?)
    }

    /// Whether the receipt of `digest` has convicted its prover (at the finalised block).
    pub async fn receipt_convicted(&self, digest: &Hash) -> Result<bool> {
        let (_, hash) = self.finalized().await?;
        Ok(self.api.storage().at(hash).fetch(&runtime::storage().channels().convicted(*digest)).await?.is_some())
    }

    /// Every open channel at the finalised block, by id.
    pub async fn channels(&self) -> Result<Vec<(ChannelId, ChannelInfo)>> {
        let (_, hash) = self.finalized().await?;
        let at = self.api.storage().at(hash);
        let mut all = Vec::new();
        let mut stream = at.iter(runtime::storage().channels().channels_iter()).await?;
        while let Some(kv) = stream.next().await {
            let kv = kv?;
            let key = kv.key_bytes.len().checked_sub(8).map(|s| &kv.key_bytes[s..]).unwrap_or_default();
            let id = u64::from_le_bytes(key.try_into().map_err(|_| anyhow!("a channel key is too short"))?);
            all.push((id, kv.value));
        }
        all.sort_by_key(|(id, _)| *id);
        Ok(all)
    }

    /// The number of the best block.
    pub async fn best_number(&self) -> Result<u32> {
        Ok(self.api.blocks().at_latest().await?.number())
    }
}

/// Open a channel to `prover` for `model`, escrowing `deposit`: the new channel's id.
pub async fn open(
    chain: &Chain,
    key: &Keypair,
    prover: &AccountId32,
    model: &ModelId,
    deposit: u128,
) -> Result<(ChannelId, Outcome)> {
    let call = runtime::tx().channels().open(prover.clone(), *model, deposit);
    let outcome = chain.submit(&call, key, Wait::Finalized).await?;
    let id = outcome
        .events
        .as_ref()
        .and_then(|e| e.find_first::<runtime::channels::events::Opened>().ok().flatten())
        .map(|e| e.channel)
        .ok_or_else(|| anyhow!("opening the channel left no Opened event"))?;
    Ok((id, outcome))
}

/// Escrow `amount` more in `channel`.
pub async fn top_up(chain: &Chain, key: &Keypair, channel: ChannelId, amount: u128) -> Result<Outcome> {
    chain.submit(&runtime::tx().channels().top_up(channel, amount), key, Wait::Finalized).await
}

/// Close `channel`: its client starts the timeout; its prover closes it at once.
pub async fn close(chain: &Chain, key: &Keypair, channel: ChannelId) -> Result<Outcome> {
    chain.submit(&runtime::tx().channels().close(channel), key, Wait::Finalized).await
}

/// Finish closing `channel` after its timeout.
pub async fn finish(chain: &Chain, key: &Keypair, channel: ChannelId) -> Result<Outcome> {
    chain.submit(&runtime::tx().channels().finish(channel), key, Wait::Finalized).await
}

/// Redeem `vouchers` (at most the chain's `MaxRedeem`) in one call.
pub async fn redeem(chain: &Chain, key: &Keypair, vouchers: &[WireVoucher]) -> Result<Redemption> {
    use runtime::runtime_types::{pallet_channels::pallet::SignedVoucher, sp_runtime::MultiSignature};
    let signed = vouchers
        .iter()
        .map(|v| {
            let amount =
                v.amount.parse::<u128>().map_err(|_| anyhow!("voucher amount {:?} is not a number", v.amount))?;
            Ok(SignedVoucher { channel: v.channel, amount, signature: MultiSignature::Sr25519(v.signature_bytes()?) })
        })
        .collect::<Result<Vec<_>>>()?;
    let outcome = chain.submit(&runtime::tx().channels().redeem(Bounded(signed)), key, Wait::Finalized).await?;
    let mut report = Redemption::default();
    if let Some(events) = &outcome.events {
        for event in events.iter() {
            let event = event?;
            if let Some(e) = event.as_event::<runtime::channels::events::Redeemed>()? {
                report.paid.push((e.channel, e.redeemed, e.fee, e.royalty));
            } else if let Some(e) = event.as_event::<runtime::channels::events::RedeemRefused>()? {
                report.refused.push((e.channel, format!("{:?}", e.reason)));
            }
        }
    }
    Ok(report)
}

/// Report `receipt` (signed by its prover: `signature`) with `input` and `evidence`.
pub async fn report_receipt(
    chain: &Chain,
    key: &Keypair,
    receipt: &ChainReceipt,
    signature: &[u8; 64],
    input: &Input,
    evidence: Evidence,
) -> Result<Outcome> {
    use runtime::runtime_types::{
        pallet_channels::pallet::{Evidence as E, ReportedReceipt},
        sp_runtime::MultiSignature,
    };
    let account = |a: &AccountBytes| AccountId32(*a);
    let reported = ReportedReceipt {
        genesis: receipt.genesis,
        channel: receipt.channel,
        seq: receipt.seq,
        at: receipt.at,
        prover: account(&receipt.prover),
        client: account(&receipt.client),
        model: receipt.model,
        price: receipt.price,
        input: receipt.input,
        output: Bounded(receipt.output.clone()),
        links: Bounded(receipt.links.clone()),
        proof: receipt.proof,
    };
    let evidence = match evidence {
        Evidence::Proof(bytes) => E::Proof(Bounded(bytes)),
        Evidence::Fraud(bytes) => E::Fraud(Bounded(bytes)),
    };
    let call = runtime::tx().channels().report_receipt(
        reported,
        MultiSignature::Sr25519(*signature),
        Static(input.clone()),
        evidence,
    );
    chain.submit(&call, key, Wait::Finalized).await
}
