//! The chain client: a connection to a Ghostchain node, keys, transactions that wait for
//! finality and say what happened, and typed reads of the three pallets.
//!
//! The types come from the runtime's metadata, generated at compile time from the committed
//! copy `crates/client/metadata/ghost-runtime.scale` (a runtime test fails when the copy is
//! stale); this is the one crate that generates them. The primitives' own types (model
//! shape, sparse update, verifier error, model input) are substituted for their generated
//! twins, so there is one definition of each and no conversions.

use crate::{keys::account_of, outcome::Outcome};
use anyhow::{anyhow, bail, Context, Result};
use ghost_primitives::{hex0x, Claim, ModelId};
use std::time::Duration;
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    blocks::ExtrinsicEvents,
    config::DefaultExtrinsicParamsBuilder,
    error::DispatchError,
    events::Phase as EventPhase,
    tx::{Payload, TxStatus},
    utils::AccountId32,
    OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// The chain's calls, storage, events and constants, generated from its metadata.
#[allow(missing_docs)] // generated: the docs are the runtime's, in the metadata
#[subxt::subxt(
    runtime_metadata_path = "metadata/ghost-runtime.scale",
    derive_for_all_types = "Clone",
    substitute_type(
        path = "ghost_primitives::ghost_file::ModelShape",
        with = "::subxt::utils::Static<::ghost_primitives::ModelShape>"
    ),
    substitute_type(
        path = "ghost_primitives::update::ModelUpdate",
        with = "::subxt::utils::Static<::ghost_primitives::ModelUpdate>"
    ),
    substitute_type(
        path = "ghost_primitives::error::Error",
        with = "::subxt::utils::Static<::ghost_primitives::Error>"
    ),
    substitute_type(
        path = "pallet_inference::pallet::BoundedInput",
        with = "::subxt::utils::Static<::ghost_primitives::Input>"
    )
)]
pub mod runtime {}

pub use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
/// A model's on-chain record.
pub type ModelInfo = runtime::runtime_types::pallet_ghost_registry::pallet::ModelInfo<AccountId32, u128, u32>;
/// A prover's bond.
pub type BondInfo = runtime::runtime_types::pallet_ghost_registry::pallet::BondInfo<u128, u32, BoundedVec<u8>>;
/// An open inference request.
pub type Request = runtime::runtime_types::pallet_inference::pallet::Request;
/// A request's phase.
pub type Phase = runtime::runtime_types::pallet_inference::pallet::Phase;

/// The node's default JSON-RPC address (`ghost-node --dev`).
pub const DEFAULT_URL: &str = "ws://127.0.0.1:9944";
/// Longest wait for the next finalised block: a node (or a connection) silent for longer
/// is taken for stalled.
pub const STALL: Duration = Duration::from_secs(60);
/// Longest wait for a submitted transaction to reach the state asked of it ([`STALL`]
/// twice over: a transaction is finalised in seconds).
pub const SUBMIT_TIMEOUT: Duration = Duration::from_secs(2 * STALL.as_secs());
/// A connection to a node.
#[derive(Clone)]
pub struct Chain {
    /// The subxt client.
    pub api: OnlineClient<PolkadotConfig>,
    /// The node's legacy RPC methods (for the pool-aware account nonce).
    rpc: LegacyRpcMethods<PolkadotConfig>,
    url: String,
    /// Held while a transaction is signed and handed to the node, so that concurrent
    /// submissions from one key read consecutive nonces.
    submitting: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// How a transaction is followed after submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Until its block is finalised (the default of every command).
    Finalized,
    /// Until it is in a block.
    InBlock,
    /// Not at all: return once the node accepted it into its pool.
    Submitted,
}

impl Wait {
    /// This, but at least until the transaction is in a block (for a commitment that a
    /// later call reveals).
    pub fn at_least_in_block(self) -> Self {
        if self == Wait::Submitted {
            Wait::InBlock
        } else {
            self
        }
    }
}

impl Chain {
    /// Connect to the node at `url`, retrying for up to `patience` while it is not up.
    pub async fn connect(url: &str, patience: Duration) -> Result<Self> {
        let deadline = std::time::Instant::now() + patience;
        let mut delay = Duration::from_millis(200);
        loop {
            let connected = match RpcClient::from_insecure_url(url).await {
                Ok(rpc) => OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone()).await.map(|api| (api, rpc)),
                Err(e) => Err(e.into()),
            };
            match connected {
                Ok((api, rpc)) => {
                    let rpc = LegacyRpcMethods::new(rpc);
                    return Ok(Self { api, rpc, url: url.to_string(), submitting: Default::default() });
                }
                Err(e) if std::time::Instant::now() + delay > deadline => {
                    bail!("cannot reach a Ghostchain node at {url}: {} (is `ghost-node --dev` running?)", root(&e))
                }
                Err(e) => {
                    tracing::debug!(%url, error = %e, "node not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// The URL connected to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The latest finalised block's number and hash.
    pub async fn finalized(&self) -> Result<(u32, subxt::utils::H256)> {
        let at = self.api.backend().latest_finalized_block_ref().await.context("reading the finalised head")?;
        let block = self.api.blocks().at(at.hash()).await.context("reading the finalised block")?;
        Ok((block.number(), block.hash()))
    }

    /// Sign `call` with `signer`, submit it and follow it as `wait` says, for up to
    /// [`SUBMIT_TIMEOUT`] (a transaction stuck in the pool, or a connection gone silent, is
    /// an error; the caller may try again). A call the runtime refuses is an error naming
    /// the pallet's error and its documentation.
    pub async fn submit<Call: Payload>(&self, call: &Call, signer: &Keypair, wait: Wait) -> Result<Outcome> {
        let what = call
            .validation_details()
            .map(|d| format!("{}.{}", d.pallet_name, d.call_name))
            .unwrap_or_else(|| "the transaction".into());
        within(SUBMIT_TIMEOUT, self.submit_unbounded(call, signer, wait, &what), || {
            let state = if wait == Wait::Finalized { "finalised" } else { "in a block" };
            format!(
                "{what} was not {state} within {} s (stuck in the node's pool, or the connection went silent); it \
                 may still land",
                SUBMIT_TIMEOUT.as_secs()
            )
        })
        .await
    }

    async fn submit_unbounded<Call: Payload>(
        &self,
        call: &Call,
        signer: &Keypair,
        wait: Wait,
        what: &str,
    ) -> Result<Outcome> {
        let submitting = self.submitting.lock().await;
        // The next nonce counting the node's pool and best block (subxt's own default reads
        // the finalised block, which is stale right after a transaction of ours landed).
        let nonce = self
            .rpc
            .system_account_next_index(&account_of(signer))
            .await
            .map_err(|e| anyhow!("reading the account's nonce: {e}"))?;
        let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
        let signed = self
            .api
            .tx()
            .create_signed(call, signer, params)
            .await
            .map_err(|e| anyhow!("signing {what}: {}", explain(&e)))?;
        let mut progress = match signed.submit_and_watch().await {
            Ok(progress) => progress,
            // The very bytes are in the pool already: a request the connection resent. It
            // is followed in the blocks instead of failing a transaction that will land.
            Err(e) if explain(&e).contains("Already Imported") => {
                drop(submitting);
                return self.follow_in_blocks(signed.hash(), wait, what).await;
            }
            Err(e) => bail!("the node refused {what}: {}", explain(&e)),
        };
        drop(submitting);
        let hash = hex0x(progress.extrinsic_hash().as_ref());
        if wait == Wait::Submitted {
            return Ok(Outcome { block: None, events: None, hash, metadata: self.api.metadata() });
        }
        while let Some(status) = progress.next().await {
            let status = status.map_err(|e| anyhow!("following {what}: {}", explain(&e)))?;
            let in_block = match status {
                TxStatus::InFinalizedBlock(b) => b,
                TxStatus::InBestBlock(b) if wait == Wait::InBlock => b,
                TxStatus::Error { message } | TxStatus::Invalid { message } | TxStatus::Dropped { message } => {
                    bail!("{what} did not make it into a block: {message}")
                }
                _ => continue,
            };
            let events = in_block.wait_for_success().await.map_err(|e| anyhow!("{what} failed: {}", explain(&e)))?;
            let block = self.api.blocks().at(in_block.block_hash()).await?.number();
            return Ok(Outcome { block: Some(block), events: Some(events), hash, metadata: self.api.metadata() });
        }
        bail!("the node stopped reporting on {what}")
    }

    /// The outcome of the extrinsic `hash`, already in the pool, once a block (finalised if
    /// `wait` says so) includes it.
    async fn follow_in_blocks(&self, hash: subxt::utils::H256, wait: Wait, what: &str) -> Result<Outcome> {
        let shown = hex0x(hash.as_ref());
        if wait == Wait::Submitted {
            return Ok(Outcome { block: None, events: None, hash: shown, metadata: self.api.metadata() });
        }
        let mut blocks = if wait == Wait::Finalized {
            self.api.blocks().subscribe_finalized().await?
        } else {
            self.api.blocks().subscribe_best().await?
        };
        while let Some(block) = blocks.next().await {
            let block = block.map_err(|e| anyhow!("following {what}: {}", explain(&e)))?;
            let extrinsics = block.extrinsics().await?;
            let Some(found) = extrinsics.iter().find(|e| e.hash() == hash) else { continue };
            let events = found.events().await?;
            if events.find_first::<runtime::system::events::ExtrinsicFailed>()?.is_some() {
                bail!("{what} failed in block #{}", block.number());
            }
            return Ok(Outcome {
                block: Some(block.number()),
                events: Some(events),
                hash: shown,
                metadata: self.api.metadata(),
            });
        }
        bail!("the node stopped reporting on {what}")
    }

    /// A model's record, or `None`.
    pub async fn model(&self, id: &ModelId) -> Result<Option<ModelInfo>> {
        let at = self.api.storage().at_latest().await?;
        Ok(at.fetch(&runtime::storage().ghost_registry().models(*id)).await?)
    }

    /// A model's ghost file bytes, or `None`.
    pub async fn ghost_file(&self, id: &ModelId) -> Result<Option<Vec<u8>>> {
        let at = self.api.storage().at_latest().await?;
        Ok(at.fetch(&runtime::storage().ghost_registry().ghost_files(*id)).await?.map(|b| b.0))
    }

    /// Every registered model, by id.
    pub async fn models(&self) -> Result<Vec<(ModelId, ModelInfo)>> {
        let at = self.api.storage().at_latest().await?;
        let mut all = Vec::new();
        let mut stream = at.iter(runtime::storage().ghost_registry().models_iter()).await?;
        while let Some(kv) = stream.next().await {
            let kv = kv?;
            all.push((tail_array(&kv.key_bytes)?, kv.value));
        }
        all.sort_by_key(|(_, info)| info.registered_at);
        Ok(all)
    }

    /// The provers bonded on `model`, with their bonds (and endpoints).
    pub async fn provers(&self, model: &ModelId) -> Result<Vec<(AccountId32, BondInfo)>> {
        let at = self.api.storage().at_latest().await?;
        let mut all = Vec::new();
        let mut stream = at.iter(runtime::storage().ghost_registry().bonds_iter1(*model)).await?;
        while let Some(kv) = stream.next().await {
            let kv = kv?;
            all.push((AccountId32(tail_array(&kv.key_bytes)?), kv.value));
        }
        Ok(all)
    }

    /// `who`'s bond on `model`.
    pub async fn bond(&self, model: &ModelId, who: &AccountId32) -> Result<Option<BondInfo>> {
        let at = self.api.storage().at_latest().await?;
        Ok(at.fetch(&runtime::storage().ghost_registry().bonds(*model, who.clone())).await?)
    }

    /// Every open request, by id, at the latest finalised block.
    pub async fn requests(&self) -> Result<Vec<(u64, Request)>> {
        let (_, hash) = self.finalized().await?;
        let at = self.api.storage().at(hash);
        let mut all = Vec::new();
        let mut stream = at.iter(runtime::storage().inference().requests_iter()).await?;
        while let Some(kv) = stream.next().await {
            let kv = kv?;
            let key: [u8; 8] = tail_array(&kv.key_bytes)?;
            all.push((u64::from_le_bytes(key), kv.value));
        }
        all.sort_by_key(|(id, _)| *id);
        Ok(all)
    }

    /// Open request `id`, at the latest finalised block.
    pub async fn request(&self, id: u64) -> Result<Option<Request>> {
        let at = self.api.storage().at_latest().await?;
        Ok(at.fetch(&runtime::storage().inference().requests(id)).await?)
    }

    /// The hash of finalised-or-best block `number`, or an error if the node has none.
    pub async fn block_hash(&self, number: u32) -> Result<subxt::utils::H256> {
        self.rpc
            .chain_get_block_hash(Some(number.into()))
            .await
            .map_err(|e| anyhow!("reading the hash of block #{number}: {e}"))?
            .ok_or_else(|| anyhow!("the node has no block #{number}"))
    }

    /// The result of request `id` as the chain accepted it in the block `at`: the
    /// `submit_result` extrinsic that emitted its `ResultSubmitted` event there (found by
    /// the event's phase, never by looking for any call of that name: a junk or failed
    /// submission in the same block is never read).
    pub async fn posted_result(&self, at: subxt::utils::H256, id: u64) -> Result<Posted> {
        let block = self.api.blocks().at(at).await.context("reading the block of the result")?;
        let events = block.events().await.context("reading the block's events")?;
        let mut found = Vec::new();
        for event in events.iter() {
            let event = event?;
            if let Some(e) = event.as_event::<runtime::inference::events::ResultSubmitted>()? {
                found.push((event.phase(), e));
            }
        }
        let (index, event) = emitting_extrinsic(found, id)
            .ok_or_else(|| anyhow!("block #{} holds no accepted result of request {id}", block.number()))?;
        let extrinsics = block.extrinsics().await.context("reading the block's extrinsics")?;
        let extrinsic = extrinsics
            .iter()
            .find(|x| x.index() == index)
            .ok_or_else(|| anyhow!("block #{} has no extrinsic {index}", block.number()))?;
        let call = extrinsic
            .as_extrinsic::<runtime::inference::calls::types::SubmitResult>()?
            .ok_or_else(|| anyhow!("extrinsic {index} of block #{} is not Inference.submit_result", block.number()))?;
        posted_from(event, call, block.number())
    }

    /// The result of open request `id` (`request`, in phase `Answered`) as the chain
    /// accepted it: read from the block it was posted in (its deadline less the
    /// challenge window).
    pub async fn posted_result_of(&self, id: u64, request: &Request) -> Result<Posted> {
        if !matches!(request.phase, Phase::Answered) {
            bail!("request {id} has no result yet");
        }
        let window = self.constant_u32("Inference", "ChallengeWindow")?;
        let number = request.deadline.saturating_sub(window);
        self.posted_result(self.block_hash(number).await?, id).await
    }

    /// `who`'s native balance and credit.
    pub async fn account(&self, who: &AccountId32) -> Result<Account> {
        let at = self.api.storage().at_latest().await?;
        let data = at.fetch(&runtime::storage().system().account(who.clone())).await?.map(|a| a.data);
        let credit = at.fetch(&runtime::storage().mutual_credit().balances(who.clone())).await?.unwrap_or(0);
        let line = at.fetch(&runtime::storage().mutual_credit().lines(who.clone())).await?;
        Ok(Account {
            free: data.as_ref().map_or(0, |d| d.free),
            held: data.as_ref().map_or(0, |d| d.reserved),
            credit,
            credit_limit: line.as_ref().map_or(0, |l| l.granted),
            collateral: line.as_ref().map_or(0, |l| l.collateral),
        })
    }

    /// The sum of every account's credit balance (zero, by the mutual-credit invariant).
    pub async fn credit_total(&self) -> Result<i128> {
        let at = self.api.storage().at_latest().await?;
        let mut stream = at.iter(runtime::storage().mutual_credit().balances_iter()).await?;
        let mut total: i128 = 0;
        while let Some(kv) = stream.next().await {
            total = total.checked_add(kv?.value).ok_or_else(|| anyhow!("credit balances overflow"))?;
        }
        Ok(total)
    }

    /// A constant of the runtime, by pallet and name.
    pub fn constant_u32(&self, pallet: &str, name: &str) -> Result<u32> {
        let address = subxt::dynamic::constant(pallet, name);
        let value = self.api.constants().at(&address).with_context(|| format!("constant {pallet}.{name}"))?;
        value.as_type::<u32>().with_context(|| format!("constant {pallet}.{name} is not a u32"))
    }

    /// A balance constant of the runtime, by pallet and name.
    pub fn constant_u128(&self, pallet: &str, name: &str) -> Result<u128> {
        let address = subxt::dynamic::constant(pallet, name);
        let value = self.api.constants().at(&address).with_context(|| format!("constant {pallet}.{name}"))?;
        value.as_type::<u128>().with_context(|| format!("constant {pallet}.{name} is not a u128"))
    }
}

/// An account's money: native tokens and mutual credit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Free native balance.
    pub free: u128,
    /// Native balance on hold (deposits, bonds, collateral).
    pub held: u128,
    /// Credit balance (negative: owed to the network).
    pub credit: i128,
    /// Credit limit granted by root.
    pub credit_limit: u128,
    /// Native collateral backing credit.
    pub collateral: u128,
}

/// A result as the chain accepted it, with the ghost proof it verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    /// Request id.
    pub id: u64,
    /// The prover (its account is bound into the links and the proof).
    pub prover: AccountId32,
    /// The output and links posted.
    pub claim: Claim,
    /// The encoded ghost proof (`GhostProof::encode()`).
    pub proof: Vec<u8>,
    /// The block it was accepted in.
    pub block: u32,
    /// The last block it can be reported in.
    pub challenge_until: u32,
}

/// Of a block's `ResultSubmitted` events with their phases, the index of the extrinsic
/// that emitted request `id`'s, and the event: only an event of an applied extrinsic counts.
fn emitting_extrinsic(
    events: impl IntoIterator<Item = (EventPhase, runtime::inference::events::ResultSubmitted)>,
    id: u64,
) -> Option<(u32, runtime::inference::events::ResultSubmitted)> {
    events.into_iter().find_map(|(phase, e)| match phase {
        EventPhase::ApplyExtrinsic(index) if e.id == id => Some((index, e)),
        _ => None,
    })
}

/// The result that `event` announced, from the `call` that emitted it; refused when the
/// two disagree (another request, another output).
fn posted_from(
    event: runtime::inference::events::ResultSubmitted,
    call: runtime::inference::calls::types::SubmitResult,
    block: u32,
) -> Result<Posted> {
    if call.id != event.id {
        bail!("the extrinsic of request {}'s result submits request {} instead", event.id, call.id);
    }
    if call.output.0 != event.output {
        bail!("the extrinsic of request {}'s result posts another output than its event", event.id);
    }
    Ok(Posted {
        id: event.id,
        prover: event.prover,
        claim: Claim { output: call.output.0, links: call.links.0 },
        proof: call.proof.0,
        block,
        challenge_until: event.challenge_until,
    })
}

/// The last `N` bytes of a storage key: the plain key of an `Identity` or `*Concat` hasher.
fn tail_array<const N: usize>(key: &[u8]) -> Result<[u8; N]> {
    key.len()
        .checked_sub(N)
        .and_then(|start| key[start..].try_into().ok())
        .ok_or_else(|| anyhow!("a storage key of {} bytes is shorter than its {N}-byte key", key.len()))
}

/// The id of an open request, from the chain's `Requested` event.
pub fn requested_id(events: &ExtrinsicEvents<PolkadotConfig>) -> Result<u64> {
    events
        .find_first::<runtime::inference::events::Requested>()?
        .map(|e| e.id)
        .ok_or_else(|| anyhow!("the request left no Requested event"))
}

/// A node URL as given on the command line: `ws://` or `wss://` (any case) with a host.
pub fn parse_url(text: &str) -> Result<String> {
    let scheme = |s: &str| text.get(..s.len()).filter(|p| p.eq_ignore_ascii_case(s)).map(|_| &text[s.len()..]);
    let rest = scheme("ws://")
        .or_else(|| scheme("wss://"))
        .ok_or_else(|| anyhow!("'{text}' is not a node URL: it starts with ws:// or wss://"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        bail!("'{text}' is not a node URL: it names no host");
    }
    Ok(text.to_string())
}

/// A chain-side failure explained as a sentence: the pallet error's name and its docs.
pub fn explain(e: &subxt::Error) -> String {
    match e {
        subxt::Error::Runtime(DispatchError::Module(m)) => match m.details() {
            Ok(d) => {
                let docs = d.variant.docs.join(" ");
                format!("{}.{}: {}", d.pallet.name(), d.variant.name, docs.trim())
            }
            Err(_) => m.to_string(),
        },
        subxt::Error::Runtime(other) => other.to_string(),
        // The node's reason for refusing a transaction is in the error's data.
        subxt::Error::Rpc(subxt::error::RpcError::ClientError(subxt::ext::subxt_rpcs::Error::User(user))) => {
            match &user.data {
                Some(data) => format!("{}: {}", user.message, data.get().trim_matches('"')),
                None => user.message.clone(),
            }
        }
        other => {
            let (top, inner) = (other.to_string(), root(other));
            if top.contains(&inner) {
                top
            } else {
                format!("{top}: {inner}")
            }
        }
    }
}

/// The innermost cause of a client error, without `Debug` dumps.
fn root(e: &subxt::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    text
}

/// `work`, given up after `limit` with the error `late` says.
pub async fn within<T>(
    limit: Duration,
    work: impl std::future::Future<Output = Result<T>>,
    late: impl FnOnce() -> String,
) -> Result<T> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| Err(anyhow!(late())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_urls_are_websockets_with_a_host() {
        assert_eq!(parse_url("ws://127.0.0.1:9944").unwrap(), "ws://127.0.0.1:9944");
        assert!(parse_url("wss://node.example:443").is_ok());
        assert!(parse_url("WS://127.0.0.1:9944").is_ok(), "the scheme in any case");
        for bad in ["", "http://127.0.0.1:9944", "ws://", "127.0.0.1:9944", "ws:///x", "ws://a b", "wé"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    /// Work that never ends (a transaction stuck in the pool, a silent socket) is given up
    /// with the sentence asked for; work done in time is returned.
    #[tokio::test]
    async fn waits_are_bounded() {
        let limit = Duration::from_millis(20);
        let stuck = within(limit, std::future::pending::<Result<()>>(), || "the commit was stuck".into()).await;
        assert_eq!(stuck.unwrap_err().to_string(), "the commit was stuck");
        assert_eq!(within(limit, async { Ok(5) }, || unreachable!()).await.unwrap(), 5);
        assert!(STALL < SUBMIT_TIMEOUT);
    }

    #[test]
    fn storage_keys_end_in_their_plain_key() {
        assert_eq!(tail_array::<2>(&[9, 9, 1, 2]).unwrap(), [1, 2]);
        assert!(tail_array::<4>(&[1, 2]).is_err());
    }

    fn submitted(id: u64, output: Vec<i16>) -> runtime::inference::events::ResultSubmitted {
        runtime::inference::events::ResultSubmitted {
            id,
            prover: AccountId32([7; 32]),
            output,
            locked: 50,
            challenge_until: 40,
        }
    }

    fn call(id: u64, output: Vec<i16>, proof: &[u8]) -> runtime::inference::calls::types::SubmitResult {
        runtime::inference::calls::types::SubmitResult {
            id,
            output: BoundedVec(output),
            links: BoundedVec(vec![[1; 32]]),
            proof: BoundedVec(proof.to_vec()),
        }
    }

    /// The proof is read from the extrinsic whose phase the request's event names, and
    /// only from one of an applied extrinsic: other requests' results in the block, and
    /// events of no extrinsic, are passed over.
    #[test]
    fn the_proof_is_read_from_the_extrinsic_that_emitted_the_event() {
        let events = vec![
            (EventPhase::Initialization, submitted(5, vec![1])),
            (EventPhase::ApplyExtrinsic(2), submitted(4, vec![2])),
            (EventPhase::ApplyExtrinsic(3), submitted(5, vec![3])),
        ];
        let (index, event) = emitting_extrinsic(events.clone(), 5).expect("request 5's event");
        assert_eq!((index, event.output.clone()), (3, vec![3]));
        assert_eq!(emitting_extrinsic(events.clone(), 4).map(|(i, _)| i), Some(2));
        assert!(emitting_extrinsic(events, 6).is_none(), "no event, no extrinsic");
        assert!(emitting_extrinsic(vec![(EventPhase::Finalization, submitted(5, vec![3]))], 5).is_none());

        let posted = posted_from(event.clone(), call(5, vec![3], b"proof"), 21).unwrap();
        assert_eq!(posted.proof, b"proof");
        assert_eq!(posted.claim, Claim { output: vec![3], links: vec![[1; 32]] });
        assert_eq!((posted.block, posted.challenge_until), (21, 40));
        // A call of another request, or of another output, is never taken for the result.
        assert!(posted_from(event.clone(), call(4, vec![3], b"junk"), 21).is_err());
        assert!(posted_from(event, call(5, vec![9], b"junk"), 21).is_err());
    }
}
