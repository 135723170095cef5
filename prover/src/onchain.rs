//! The chain commands behind `ghost model register|update|show|list`, `ghost credit` and
//! `ghost infer --model ID`: each submits through [`Chain`], waits as told, and prints
//! what happened.

use crate::{
    chain::{self, fmt_tokens, runtime, BoundedVec, Chain, Wait},
    rpc::{self, GhostRpcClient},
    store,
    wire::hex0x,
};
use anyhow::{anyhow, bail, Context, Result};
use codec::Encode;
use ghost_primitives::{Claim, Input, ModelId, Verifier};
use std::{path::Path, time::Duration};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// A royalty given in percent (`10`, `2.5`) as the chain's parts per billion.
pub fn royalty_parts(percent: f64) -> Result<u32> {
    if !(0.0..=100.0).contains(&percent) || !percent.is_finite() {
        bail!("a royalty is a percentage from 0 to 100, not {percent}");
    }
    Ok((percent * 10_000_000.0).round() as u32)
}

/// `ghost model register`: commit, then register the ghost file in a later block.
pub async fn register(
    chain: &Chain,
    key: &Keypair,
    dir: &Path,
    price: u128,
    royalty: u32,
    wait: Wait,
) -> Result<ModelId> {
    let (file, bytes) = store::read_ghost_file(dir)?;
    let id = file.id();
    let owner = chain::account_of(key);
    if let Some(info) = chain.model(&id).await? {
        bail!("model {} is registered already (owner {})", hex0x(&id), info.owner);
    }
    let commitment = ghost_primitives::commitment::registration(&owner, &id);
    let committed = chain
        .submit(&runtime::tx().ghost_registry().commit_registration(commitment), key, wait.at_least_in_block())
        .await?;
    chain::print_outcome("committed to the registration", &committed);
    let call = runtime::tx().ghost_registry().register(
        BoundedVec(bytes),
        price,
        runtime::runtime_types::sp_arithmetic::per_things::Perbill(royalty),
    );
    let outcome = chain.submit(&call, key, wait).await?;
    chain::print_outcome("registered", &outcome);
    println!("model {}", hex0x(&id));
    Ok(id)
}

/// `ghost model update`: the sparse update from the version in `from` to the one in `dir`,
/// published as the next version; `dir`'s ghost file becomes the published one (it names
/// its parent), so that it can be served.
pub async fn update(
    chain: &Chain,
    key: &Keypair,
    dir: &Path,
    from: &Path,
    training_data: Option<[u8; 32]>,
    terms: (Option<u128>, Option<u32>),
    wait: Wait,
) -> Result<ModelId> {
    let old = store::load(from)?;
    let new = store::load(dir)?;
    let parent = old.id();
    let info = chain
        .model(&parent)
        .await?
        .ok_or_else(|| anyhow!("the old version {} is not registered on this chain", hex0x(&parent)))?;
    let update = crate::update::diff(&old, &new, training_data)?;
    let max_rows = chain.constant_u32("GhostRegistry", "MaxUpdateRows")?;
    if update.indices.len() > max_rows as usize {
        bail!(
            "the update changes {} rows; this chain takes at most {max_rows} a version. Keep the rows that \
             changed most with `ghost model merge --max-rows {max_rows}` (or `model tune --max-rows`), or \
             publish the change as several versions",
            update.indices.len()
        );
    }
    let next = old.ghost_file().apply_update(&update).map_err(|e| anyhow!("the update does not apply: {e}"))?;
    let next = Verifier::new(next).map_err(|e| anyhow!("the updated ghost file: {e}"))?;
    let id = next.id();
    println!(
        "update: layer {}, {:?} tree, {} row(s) changed, {} bytes",
        update.layer,
        update.tree,
        update.indices.len(),
        update.encode().len()
    );
    let price = terms.0.unwrap_or(info.price);
    let royalty = terms.1.unwrap_or(info.royalty.0);
    let call = runtime::tx().ghost_registry().publish_update(
        parent,
        subxt::utils::Static(update),
        price,
        runtime::runtime_types::sp_arithmetic::per_things::Perbill(royalty),
    );
    let outcome = chain.submit(&call, key, wait).await?;
    chain::print_outcome("published", &outcome);
    // Serve the version the chain holds: the same weights under the published ghost file.
    let served = ghost_primitives::Model::for_ghost_file(next, new.weights().to_vec())
        .map_err(|e| anyhow!("the published version does not match {}: {e}", dir.display()))?;
    store::save_ghost_file(dir, &served)?;
    println!("version {} (parent {})", hex0x(&id), hex0x(&parent));
    Ok(id)
}

/// `ghost model show`.
pub async fn show(chain: &Chain, id: &ModelId) -> Result<()> {
    let info = chain.model(id).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(id)))?;
    let shape = &info.shape.0;
    println!("model       {}", hex0x(id));
    println!("owner       {}", info.owner);
    println!("status      {:?}", info.status);
    println!("price       {} credit, royalty {:.2}%", info.price, info.royalty.0 as f64 / 10_000_000.0);
    println!("deposit     {}", fmt_tokens(info.deposit));
    println!("registered  at block #{}", info.registered_at);
    println!(
        "shape       {} layer(s), output width {}, ghost file {} bytes, proofs at most {} bytes",
        shape.layers, shape.output_dim, shape.file_bytes, shape.proof.bytes
    );
    if let Some(hash) = info.training_data {
        println!("trained on  {}", hex0x(&hash));
    }
    // Lineage: parents back to the first version, each with what it was trained on.
    let mut lineage = vec![(*id, info.training_data)];
    let mut parent = info.parent;
    while let Some(p) = parent.take() {
        if lineage.len() > 64 || lineage.iter().any(|(v, _)| *v == p) {
            break;
        }
        let above = chain.model(&p).await?;
        lineage.push((p, above.as_ref().and_then(|i| i.training_data)));
        parent = above.and_then(|i| i.parent);
    }
    lineage.reverse();
    println!("lineage     {}", lineage.iter().map(|(v, _)| short(v)).collect::<Vec<_>>().join(" -> "));
    for (n, (version, trained)) in lineage.iter().enumerate() {
        let parent = match n.checked_sub(1) {
            Some(p) => format!("parent {}", short(&lineage[p].0)),
            None => "first version".to_string(),
        };
        let trained = trained.map_or("no training data declared".to_string(), |h| format!("trained on {}", hex0x(&h)));
        println!("  v{}  {}  {parent}, {trained}", n + 1, hex0x(version));
    }
    let provers = chain.provers(id).await?;
    if provers.is_empty() {
        println!("provers     none bonded");
    }
    for (who, bond) in provers {
        let state = if bond.withdrawable_at.is_some() { " (unbonding)" } else { "" };
        println!(
            "prover      {who}: bond {}, locked {}{state}, endpoint {}",
            fmt_tokens(bond.amount),
            fmt_tokens(bond.locked),
            String::from_utf8_lossy(&bond.endpoint.0)
        );
    }
    Ok(())
}

/// `ghost model list`.
pub async fn list(chain: &Chain) -> Result<()> {
    let models = chain.models().await?;
    if models.is_empty() {
        println!("no models registered");
    }
    for (id, info) in models {
        let provers = chain.provers(&id).await?.len();
        let parent = info.parent.map(|p| format!(", parent {}", short(&p))).unwrap_or_default();
        println!(
            "{}  {:?}, price {} credit, {} prover(s), block #{}{parent}",
            hex0x(&id),
            info.status,
            info.price,
            provers,
            info.registered_at
        );
    }
    Ok(())
}

fn short(id: &ModelId) -> String {
    hex0x(&id[..6])
}

/// `ghost credit show`: one line per account.
pub async fn credit_show(chain: &Chain, who: &[AccountId32]) -> Result<()> {
    println!("{:<50} {:>28} {:>20} {:>12} {:>12}", "account", "free", "held", "credit", "limit");
    for account in who {
        let a = chain.account(account).await?;
        println!(
            "{:<50} {:>28} {:>20} {:>12} {:>12}",
            account.to_string(),
            fmt_tokens(a.free),
            fmt_tokens(a.held),
            a.credit,
            a.credit_limit
        );
    }
    let total = chain.credit_total().await?;
    println!("credit sums to {total} over all accounts");
    Ok(())
}

/// What `ghost infer --model ID` found.
pub enum Verdict {
    /// The proof verified; the result was accepted (and paid).
    Accepted,
    /// The prover proved its result on chain against a challenge; it was paid at the deadline.
    ProvenOnChain,
    /// The prover was convicted or never answered; the client was refunded (why).
    Refunded(String),
}

/// How `ghost infer --model ID` treats the result.
#[derive(Clone, Copy, Debug, Default)]
pub struct InferOptions {
    /// Most credit to pay (default: the model's price).
    pub max_price: Option<u128>,
    /// Challenge (prove-it) even a result whose proof verifies: the prover must prove it
    /// on chain.
    pub challenge: bool,
    /// Do not accept a verified result at once: let the chain settle it after the challenge
    /// window, during which watchers holding the weights can still convict an excluded row.
    pub wait_settlement: bool,
}

/// `ghost infer --model ID`: request and pay, wait for the result, verify it against the
/// prover's proof, accept it, or challenge it and follow the dispute to its end.
pub async fn infer(
    chain: &Chain,
    key: &Keypair,
    model: &ModelId,
    input: &Input,
    options: InferOptions,
) -> Result<(Verdict, Option<Claim>)> {
    let max_price = options.max_price;
    let me = chain::account_of(key);
    let info = chain.model(model).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(model)))?;
    let bytes = chain.ghost_file(model).await?.ok_or_else(|| anyhow!("model {} has no ghost file", hex0x(model)))?;
    let file = Verifier::decode_expecting(&bytes, model).map_err(|e| anyhow!("the chain's ghost file: {e}"))?;
    info.shape.0.input.check(input).map_err(|e| anyhow!("the input does not fit model {}: {e}", hex0x(model)))?;
    let before = chain.account(&me).await?;
    // Follow finalised blocks from before the request, so no event of it is missed.
    let mut heads = chain.api.blocks().subscribe_finalized().await?;
    let call = runtime::tx().inference().request(*model, chain::chain_input(input), max_price.unwrap_or(info.price));
    let asked = std::time::Instant::now();
    let outcome = chain.submit(&call, key, Wait::Finalized).await?;
    let id = chain::requested_id(outcome.events.as_ref().ok_or_else(|| anyhow!("no events"))?)?;
    let requested_in = outcome.block.unwrap_or_default();
    println!("request {id}: paid {} credit into escrow (block #{})", info.price, outcome.block.unwrap_or_default());
    let mut challenged = false;
    // A commitment of ours that someone else's challenge made moot: reclaimed at the close.
    let mut committed = false;
    let mut claim = None;
    while let Some(block) = heads.next().await {
        let block = block?;
        for event in block.events().await?.iter() {
            let event = event?;
            use runtime::inference::events as ev;
            if let Some(e) = event.as_event::<ev::ResultSubmitted>()?.filter(|e| e.id == id) {
                println!("request {id}: result posted by {} in block #{}", e.prover, block.number());
                let request = chain.request(id).await?.ok_or_else(|| anyhow!("request {id} closed"))?;
                let result = request.result.ok_or_else(|| anyhow!("request {id} has no result"))?;
                let posted = Claim { output: result.output.0.clone(), links: result.links.0.clone() };
                claim = Some(posted.clone());
                let checked = fetch_and_verify(chain, &file, model, &e.prover, id, input, &posted).await;
                let checked = match checked {
                    Ok(()) if options.challenge => {
                        println!("request {id}: ghost proof verified locally");
                        Err(anyhow!("challenging anyway, as asked (--challenge)"))
                    }
                    Ok(()) if options.wait_settlement => {
                        println!("request {id}: ghost proof verified locally; waiting for the chain to settle it");
                        continue;
                    }
                    other => other,
                };
                match checked {
                    Ok(()) => {
                        println!(
                            "request {id}: ghost proof verified locally, {} block(s) and {:.1} s after the request was \
                             submitted; accepting",
                            block.number().saturating_sub(requested_in),
                            asked.elapsed().as_secs_f64()
                        );
                        let accepted =
                            chain.submit(&runtime::tx().inference().accept(id), key, Wait::Finalized).await?;
                        chain::print_outcome("accepted", &accepted);
                        print_spent(chain, &me, &before).await?;
                        return Ok((Verdict::Accepted, claim));
                    }
                    Err(why) => {
                        println!("request {id}: {why:#}; challenging (prove-it)");
                        challenged = true;
                        committed = prove_it(chain, key, &me, id).await?;
                    }
                }
            } else if let Some(e) = event.as_event::<ev::ChallengeAnswered>()?.filter(|e| e.id == id) {
                println!(
                    "request {id}: the prover proved its result on chain; bond of {} forfeited; open to fraud proofs until block #{}",
                    fmt_tokens(e.forfeited),
                    e.challenge_until
                );
            } else if let Some(e) = event.as_event::<ev::Settled>()?.filter(|e| e.id == id) {
                println!("request {id}: settled: {} credit to the prover, {} to the owner", e.fee, e.royalty);
                reclaim(chain, key, id, committed).await?;
                print_spent(chain, &me, &before).await?;
                let verdict = if challenged { Verdict::ProvenOnChain } else { Verdict::Accepted };
                return Ok((verdict, claim));
            } else if let Some(e) = event.as_event::<ev::ProverConvicted>()?.filter(|e| e.id == id) {
                println!(
                    "request {id}: prover {} convicted ({:?}); slashed {}; {} credit refunded",
                    e.prover,
                    e.reason,
                    fmt_tokens(e.slashed),
                    e.refund
                );
                reclaim(chain, key, id, committed).await?;
                print_spent(chain, &me, &before).await?;
                return Ok((Verdict::Refunded(format!("the prover was convicted ({:?})", e.reason)), claim));
            } else if let Some(e) = event.as_event::<ev::Expired>()?.filter(|e| e.id == id) {
                println!("request {id}: no result in time; {} credit refunded", e.refund);
                print_spent(chain, &me, &before).await?;
                return Ok((Verdict::Refunded("no prover answered in time".into()), claim));
            }
        }
    }
    bail!("the node stopped reporting blocks before request {id} closed")
}

/// Commit to a prove-it challenge of request `id` and reveal it a block later. `true` when
/// the commitment stays unrevealed because someone else challenged first (reclaim it once
/// the request closes).
async fn prove_it(chain: &Chain, key: &Keypair, me: &AccountId32, id: u64) -> Result<bool> {
    let digest = ghost_primitives::commitment::dispute(me, id, &[]);
    chain.submit(&runtime::tx().inference().commit(id, digest), key, Wait::InBlock).await?;
    match chain.submit(&runtime::tx().inference().challenge(id), key, Wait::InBlock).await {
        Ok(opened) => {
            chain::print_outcome("challenged", &opened);
            Ok(false)
        }
        Err(e) => match chain.challenger(id).await? {
            Some(challenger) if &challenger != me => {
                println!("request {id}: {challenger} challenged it first; following the dispute");
                Ok(true)
            }
            _ => Err(e),
        },
    }
}

/// Release the bond of an unrevealed commitment once its request closed.
async fn reclaim(chain: &Chain, key: &Keypair, id: u64, committed: bool) -> Result<()> {
    if committed {
        let outcome = chain.submit(&runtime::tx().inference().reclaim(id), key, Wait::InBlock).await?;
        chain::print_outcome("reclaimed the unused challenge bond", &outcome);
    }
    Ok(())
}

async fn print_spent(chain: &Chain, me: &AccountId32, before: &chain::Account) -> Result<()> {
    let after = chain.account(me).await?;
    println!(
        "credit spent: {} (balance {} -> {}); native: {} -> {} free",
        before.credit - after.credit,
        before.credit,
        after.credit,
        fmt_tokens(before.free),
        fmt_tokens(after.free)
    );
    Ok(())
}

/// The ghost proof `prover` serves for request `id` (`ghost_proof`), from the endpoint
/// published with its bond on `model`.
pub async fn served_proof(chain: &Chain, model: &ModelId, prover: &AccountId32, id: u64) -> Result<Vec<u8>> {
    let bond = chain.bond(model, prover).await?.ok_or_else(|| anyhow!("the prover has no bond"))?;
    let url = String::from_utf8_lossy(&bond.endpoint.0).into_owned();
    if url.is_empty() {
        bail!("the prover publishes no endpoint");
    }
    let client = rpc::client(&url, Duration::from_secs(20))?;
    let entry = client.proof(id).await.with_context(|| format!("the proof is missing at {url}"))?;
    Ok(entry.proof.0)
}

/// Fetch the proof of request `id` from `prover`'s registered endpoint and verify the
/// posted claim with it.
async fn fetch_and_verify(
    chain: &Chain,
    file: &Verifier,
    model: &ModelId,
    prover: &AccountId32,
    id: u64,
    input: &Input,
    posted: &Claim,
) -> Result<()> {
    let bytes = served_proof(chain, model, prover, id).await?;
    file.verify(&prover.encode(), input, posted, &bytes).map(drop).map_err(|e| anyhow!("the proof is rejected: {e}"))
}

/// What one block of a load run held.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct BlockLoad {
    /// Block number.
    pub number: u32,
    /// Extrinsics in it (the timestamp inherent included).
    pub extrinsics: usize,
    /// Requests opened, results posted and requests settled in it.
    pub requested: u32,
    /// Results posted.
    pub results: u32,
    /// Requests settled (paid).
    pub settled: u32,
    /// Requests that expired unanswered (refunded).
    pub expired: u32,
    /// Share of the block's normal-class weight (ref time) used, in percent.
    pub weight_percent: f64,
    /// Bytes of extrinsics.
    pub length: u32,
}

/// `ghost load`: `requests` paid requests from each of `clients` on `model`, each
/// accepted as soon as its result is posted; the blocks they took, one line each.
pub async fn load(
    chain: &Chain,
    clients: &[Keypair],
    model: &ModelId,
    input: &Input,
    requests: u32,
    patience: Duration,
) -> Result<Vec<BlockLoad>> {
    let info = chain.model(model).await?.ok_or_else(|| anyhow!("no model {} on this chain", hex0x(model)))?;
    info.shape.0.input.check(input).map_err(|e| anyhow!("the input does not fit model {}: {e}", hex0x(model)))?;
    let max_ref_time = {
        let weights = chain.api.constants().at(&runtime::constants().system().block_weights())?;
        weights.per_class.normal.max_total.map_or(weights.max_block.ref_time, |w| w.ref_time)
    };
    let owners: Vec<AccountId32> = clients.iter().map(chain::account_of).collect();
    let total = requests as usize * clients.len();
    let mut heads = chain.api.blocks().subscribe_finalized().await?;
    let started = std::time::Instant::now();
    for round in 0..requests {
        for key in clients {
            let call = runtime::tx().inference().request(*model, chain::chain_input(input), info.price);
            chain.submit(&call, key, Wait::Submitted).await.with_context(|| format!("request {round}"))?;
        }
    }
    let mut blocks = Vec::new();
    let mut accepting = Vec::new();
    let mut closed = 0usize;
    while closed < total {
        if started.elapsed() > patience {
            bail!("only {closed} of {total} requests closed in {patience:?}");
        }
        let Some(block) = heads.next().await else { bail!("the node stopped reporting blocks") };
        let block = block?;
        let mut row = BlockLoad { number: block.number(), ..Default::default() };
        let extrinsics = block.extrinsics().await?;
        row.extrinsics = extrinsics.len();
        row.length = extrinsics.iter().map(|x| x.bytes().len() as u32).sum();
        let at = chain.api.storage().at(block.hash());
        if let Some(w) = at.fetch(&runtime::storage().system().block_weight()).await? {
            row.weight_percent = w.normal.ref_time as f64 * 100.0 / max_ref_time.max(1) as f64;
        }
        for event in block.events().await?.iter() {
            let event = event?;
            use runtime::inference::events as ev;
            if let Some(e) = event.as_event::<ev::Requested>()? {
                row.requested += u32::from(owners.contains(&e.client));
            } else if let Some(e) = event.as_event::<ev::ResultSubmitted>()? {
                if let Some(request) = chain.request(e.id).await? {
                    if let Some(i) = owners.iter().position(|o| o == &request.client) {
                        row.results += 1;
                        let (chain, key) = (chain.clone(), clients[i].clone());
                        accepting.push(tokio::spawn(async move {
                            chain.submit(&runtime::tx().inference().accept(e.id), &key, Wait::Submitted).await
                        }));
                    }
                }
            } else if event.as_event::<ev::Settled>()?.is_some() {
                row.settled += 1;
            } else if event.as_event::<ev::Expired>()?.is_some() {
                row.expired += 1;
            }
        }
        closed += (row.settled + row.expired) as usize;
        println!(
            "block #{:<6} {:>4} extrinsics {:>4} requested {:>4} results {:>4} settled {:>4} expired {:>5.1}% weight {:>7} bytes",
            row.number, row.extrinsics, row.requested, row.results, row.settled, row.expired, row.weight_percent, row.length
        );
        blocks.push(row);
    }
    for task in accepting {
        task.await??;
    }
    Ok(blocks)
}

/// What a whole `ghost load` run did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoadSummary {
    /// Requests sent.
    pub requests: usize,
    /// Requests that expired unanswered.
    pub expired: u32,
    /// Blocks until every request closed.
    pub blocks: usize,
    /// Seconds until every request closed.
    pub seconds: f64,
    /// Most requests settled in one block.
    pub settled_per_block_peak: u32,
    /// Requests settled per block that settled any.
    pub settled_per_block_mean: f64,
    /// Requests settled per second.
    pub settled_per_second: f64,
    /// The busiest block's share of its normal-class weight, in percent.
    pub peak_weight_percent: f64,
}

impl LoadSummary {
    /// The summary of `blocks`, for `requests` requests closed in `seconds`.
    pub fn of(blocks: &[BlockLoad], requests: usize, seconds: f64) -> Self {
        let expired: u32 = blocks.iter().map(|b| b.expired).sum();
        let settled = (requests as f64 - f64::from(expired)).max(0.0);
        let busy = blocks.iter().filter(|b| b.settled > 0).count();
        Self {
            requests,
            expired,
            blocks: blocks.len(),
            seconds,
            settled_per_block_peak: blocks.iter().map(|b| b.settled).max().unwrap_or(0),
            settled_per_block_mean: settled / busy.max(1) as f64,
            settled_per_second: settled / seconds.max(f64::MIN_POSITIVE),
            peak_weight_percent: blocks.iter().map(|b| b.weight_percent).fold(0.0, f64::max),
        }
    }
}

/// A mutual-credit call `ghost credit` makes.
#[derive(Clone, Debug)]
pub enum CreditCall {
    /// Move credit units to an account.
    Transfer {
        /// The receiver.
        to: AccountId32,
        /// Credit units.
        amount: u128,
    },
    /// Hold native collateral (planck) to raise one's limit.
    Open {
        /// Planck to hold.
        collateral: u128,
    },
    /// Release native collateral (planck).
    Close {
        /// Planck to release.
        collateral: u128,
    },
    /// Grant an account a credit limit, through sudo.
    Limit {
        /// The account.
        who: AccountId32,
        /// The limit, in credit units.
        granted: u128,
    },
}

/// Submit a `ghost credit` call; returns its outcome and the accounts whose credit it moved.
pub async fn credit(
    chain: &Chain,
    key: &Keypair,
    call: CreditCall,
    wait: Wait,
) -> Result<(chain::Outcome, Vec<AccountId32>)> {
    use runtime::runtime_types::{ghost_runtime::RuntimeCall, pallet_mutual_credit::pallet::Call};
    let mut moved = vec![chain::account_of(key)];
    let outcome = match call {
        CreditCall::Transfer { to, amount } => {
            moved.push(to.clone());
            chain.submit(&runtime::tx().mutual_credit().transfer(to, amount), key, wait).await?
        }
        CreditCall::Open { collateral } => {
            chain.submit(&runtime::tx().mutual_credit().open_credit(collateral), key, wait).await?
        }
        CreditCall::Close { collateral } => {
            chain.submit(&runtime::tx().mutual_credit().close_credit(collateral), key, wait).await?
        }
        CreditCall::Limit { who, granted } => {
            moved.push(who.clone());
            let inner = RuntimeCall::MutualCredit(Call::set_credit_limit { who, granted });
            chain.submit(&runtime::tx().sudo().sudo(inner), key, wait).await?
        }
    };
    Ok((outcome, moved))
}

/// `ghost prover unbond`: stop serving `model`; the bond can be withdrawn after the
/// unbonding delay, once no open result locks it.
pub async fn unbond(chain: &Chain, key: &Keypair, model: ModelId, wait: Wait) -> Result<chain::Outcome> {
    chain.submit(&runtime::tx().ghost_registry().unbond(model), key, wait).await
}

/// `ghost prover withdraw`: release an unbonded bond after the delay.
pub async fn withdraw(chain: &Chain, key: &Keypair, model: ModelId, wait: Wait) -> Result<chain::Outcome> {
    chain.submit(&runtime::tx().ghost_registry().withdraw(model), key, wait).await
}
