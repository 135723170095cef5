//! The model registry: register a model, publish a new version by a sparse update, read a
//! model's record with its lineage and provers, list models, unbond and withdraw.

use crate::{
    chain::{runtime, BondInfo, BoundedVec, Chain, ModelInfo, Wait},
    keys::{account_of, show_account},
    outcome::Outcome,
    tokens::fmt_tokens,
};
use anyhow::{anyhow, bail, Result};
use codec::Encode;
use ghost_primitives::{hex0x, Hash, ModelId, ModelUpdate, Verifier};
use std::fmt;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// A royalty given in percent (`10`, `2.5`) as the chain's parts per billion.
pub fn royalty_parts(percent: f64) -> Result<u32> {
    if !(0.0..=100.0).contains(&percent) || !percent.is_finite() {
        bail!("a royalty is a percentage from 0 to 100, not {percent}");
    }
    Ok((percent * 10_000_000.0).round() as u32)
}

/// `ghost model register`: commit to the ghost file `file` (encoded as `bytes`), tell
/// `committed` what the commitment did, then register it in a later block, so that the
/// registration cannot be copied in flight. Returns the registration's outcome.
#[allow(clippy::too_many_arguments)] // the call's own parameters, and where to report
pub async fn register(
    chain: &Chain,
    key: &Keypair,
    file: &Verifier,
    bytes: Vec<u8>,
    price: u128,
    royalty: u32,
    wait: Wait,
    committed: impl FnOnce(&Outcome),
) -> Result<Outcome> {
    let id = file.id();
    let owner = account_of(key);
    if let Some(info) = chain.model(&id).await? {
        bail!("model {} is registered already (owner {})", hex0x(&id), show_account(&info.owner));
    }
    let commitment = ghost_primitives::commitment::registration(&owner, &id);
    let commitment = chain
        .submit(&runtime::tx().ghost_registry().commit_registration(commitment), key, wait.at_least_in_block())
        .await?;
    committed(&commitment);
    let call = runtime::tx().ghost_registry().register(
        BoundedVec(bytes),
        price,
        runtime::runtime_types::sp_arithmetic::per_things::Perbill(royalty),
    );
    chain.submit(&call, key, wait).await
}

/// What [`publish_update`] did.
pub struct Published {
    /// The new version's ghost file (it names its parent), as the chain holds it.
    pub next: Verifier,
    /// The version it updates.
    pub parent: ModelId,
    /// The transaction.
    pub outcome: Outcome,
}

/// The size of a sparse update, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateSummary {
    /// The layer changed.
    pub layer: u32,
    /// The tree changed (`Patterns`, ...).
    pub tree: String,
    /// Rows changed.
    pub rows: usize,
    /// Encoded bytes.
    pub bytes: usize,
}

impl UpdateSummary {
    /// The size of `update`.
    pub fn of(update: &ModelUpdate) -> Self {
        Self {
            layer: update.layer,
            tree: format!("{:?}", update.tree),
            rows: update.indices.len(),
            bytes: update.encode().len(),
        }
    }
}

impl fmt::Display for UpdateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "update: layer {}, {} tree, {} row(s) changed, {} bytes",
            self.layer, self.tree, self.rows, self.bytes
        )
    }
}

/// `ghost model update`: publish `update` of the registered version `old` as the next
/// version, at the parent's price and royalty unless `terms` says otherwise. An update
/// larger than the chain takes is refused before anything is submitted (its size:
/// [`UpdateSummary::of`]).
pub async fn publish_update(
    chain: &Chain,
    key: &Keypair,
    old: &Verifier,
    update: ModelUpdate,
    terms: (Option<u128>, Option<u32>),
    wait: Wait,
) -> Result<Published> {
    let parent = old.id();
    let info = chain
        .model(&parent)
        .await?
        .ok_or_else(|| anyhow!("the old version {} is not registered on this chain", hex0x(&parent)))?;
    let max_rows = chain.constant_u32("GhostRegistry", "MaxUpdateRows")?;
    if update.indices.len() > max_rows as usize {
        bail!(
            "the update changes {} rows; this chain takes at most {max_rows} a version. Keep the rows that \
             changed most with `ghost model merge --max-rows {max_rows}` (or `model tune --max-rows`), or \
             publish the change as several versions",
            update.indices.len()
        );
    }
    let next = old.file().apply_update(&update).map_err(|e| anyhow!("the update does not apply: {e}"))?;
    let next = Verifier::new(next).map_err(|e| anyhow!("the updated ghost file: {e}"))?;
    let price = terms.0.unwrap_or(info.price);
    let royalty = terms.1.unwrap_or(info.royalty.0);
    let call = runtime::tx().ghost_registry().publish_update(
        parent,
        subxt::utils::Static(update),
        price,
        runtime::runtime_types::sp_arithmetic::per_things::Perbill(royalty),
    );
    let outcome = chain.submit(&call, key, wait).await?;
    Ok(Published { next, parent, outcome })
}

/// A model's on-chain record, its lineage back to the first version and its provers
/// (`ghost model show`).
pub struct ModelRecord {
    /// The model id.
    pub id: ModelId,
    /// The record.
    pub info: ModelInfo,
    /// Every version from the first to this one, each with its declared training data.
    pub lineage: Vec<(ModelId, Option<Hash>)>,
    /// The bonded provers.
    pub provers: Vec<(AccountId32, BondInfo)>,
}

/// Longest lineage followed (a guard against a cycle the chain would never store).
const MAX_LINEAGE: usize = 64;

/// Read model `id`'s record, lineage and provers.
pub async fn show(chain: &Chain, id: &ModelId) -> Result<ModelRecord> {
    let info = chain.model(id).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(id)))?;
    let mut lineage = vec![(*id, info.training_data)];
    let mut parent = info.parent;
    while let Some(p) = parent.take() {
        if lineage.len() > MAX_LINEAGE || lineage.iter().any(|(v, _)| *v == p) {
            break;
        }
        let above = chain.model(&p).await?;
        lineage.push((p, above.as_ref().and_then(|i| i.training_data)));
        parent = above.and_then(|i| i.parent);
    }
    lineage.reverse();
    let provers = chain.provers(id).await?;
    Ok(ModelRecord { id: *id, info, lineage, provers })
}

fn short(id: &ModelId) -> String {
    hex0x(&id[..6])
}

impl fmt::Display for ModelRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, info) = (&self.id, &self.info);
        let shape = &info.shape.0;
        writeln!(f, "model       {}", hex0x(id))?;
        writeln!(f, "owner       {}", show_account(&info.owner))?;
        writeln!(f, "status      {:?}", info.status)?;
        writeln!(f, "price       {} credit, royalty {:.2}%", info.price, info.royalty.0 as f64 / 10_000_000.0)?;
        writeln!(f, "deposit     {}", fmt_tokens(info.deposit))?;
        writeln!(f, "registered  at block #{}", info.registered_at)?;
        writeln!(
            f,
            "shape       {} layer(s), output width {}, ghost file {} bytes, proofs at most {} bytes",
            shape.layers, shape.output_dim, shape.file_bytes, shape.proof.bytes
        )?;
        if let Some(hash) = info.training_data {
            writeln!(f, "trained on  {}", hex0x(&hash))?;
        }
        let lineage = &self.lineage;
        writeln!(f, "lineage     {}", lineage.iter().map(|(v, _)| short(v)).collect::<Vec<_>>().join(" -> "))?;
        for (n, (version, trained)) in lineage.iter().enumerate() {
            let parent = match n.checked_sub(1) {
                Some(p) => format!("parent {}", short(&lineage[p].0)),
                None => "first version".to_string(),
            };
            let trained =
                trained.map_or("no training data declared".to_string(), |h| format!("trained on {}", hex0x(&h)));
            writeln!(f, "  v{}  {}  {parent}, {trained}", n + 1, hex0x(version))?;
        }
        if self.provers.is_empty() {
            write!(f, "provers     none bonded")?;
        }
        for (n, (who, bond)) in self.provers.iter().enumerate() {
            let state = if bond.withdrawable_at.is_some() { " (unbonding)" } else { "" };
            if n > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "prover      {}: bond {}, locked {}{state}, endpoint {}",
                show_account(who),
                fmt_tokens(bond.amount),
                fmt_tokens(bond.locked),
                String::from_utf8_lossy(&bond.endpoint.0)
            )?;
        }
        Ok(())
    }
}

/// One registered model, as `ghost model list` shows it.
pub struct ModelLine {
    /// The model id.
    pub id: ModelId,
    /// Its record.
    pub info: ModelInfo,
    /// Provers bonded on it.
    pub provers: usize,
}

/// Every registered model, oldest first.
pub async fn list(chain: &Chain) -> Result<Vec<ModelLine>> {
    let mut lines = Vec::new();
    for (id, info) in chain.models().await? {
        let provers = chain.provers(&id).await?.len();
        lines.push(ModelLine { id, info, provers });
    }
    Ok(lines)
}

impl fmt::Display for ModelLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = &self.info;
        let parent = info.parent.map(|p| format!(", parent {}", short(&p))).unwrap_or_default();
        write!(
            f,
            "{}  {:?}, price {} credit, {} prover(s), block #{}{parent}",
            hex0x(&self.id),
            info.status,
            info.price,
            self.provers,
            info.registered_at
        )
    }
}

/// `ghost prover unbond`: stop serving `model`; the bond can be withdrawn after the
/// unbonding delay, once no open result locks it.
pub async fn unbond(chain: &Chain, key: &Keypair, model: ModelId, wait: Wait) -> Result<Outcome> {
    chain.submit(&runtime::tx().ghost_registry().unbond(model), key, wait).await
}

/// `ghost prover withdraw`: release an unbonded bond after the delay.
pub async fn withdraw(chain: &Chain, key: &Keypair, model: ModelId, wait: Wait) -> Result<Outcome> {
    chain.submit(&runtime::tx().ghost_registry().withdraw(model), key, wait).await
}
