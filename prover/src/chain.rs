//! The chain client: a connection to a Ghostchain node, keys, transactions that wait for
//! finality and say what happened, and typed reads of the three pallets.
//!
//! The types come from the runtime's metadata, generated at compile time from the committed
//! copy `prover/metadata/ghost-runtime.scale` (a runtime test fails when the copy is stale).
//! The primitives' own types (model shape, sparse update, verifier error) are substituted
//! for their generated twins, so there is one definition of each.

use crate::wire::hex0x;
use anyhow::{anyhow, bail, Context, Result};
use ghost_primitives::ModelId;
use std::{str::FromStr, time::Duration};
use subxt::ext::scale_value::{Composite, Primitive, Value, ValueDef};
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    blocks::ExtrinsicEvents,
    config::DefaultExtrinsicParamsBuilder,
    error::DispatchError,
    tx::{Payload, TxStatus},
    utils::AccountId32,
    OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

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
/// A request's input, as the chain stores it.
pub type ChainInput = runtime::runtime_types::pallet_inference::pallet::BoundedInput;

/// The node's default JSON-RPC address (`ghost-node --dev`).
pub const DEFAULT_URL: &str = "ws://127.0.0.1:9944";
/// Decimals of the native token (GHOST).
pub const DECIMALS: u32 = 12;
/// One GHOST in its smallest unit.
pub const UNIT: u128 = 10u128.pow(DECIMALS);

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

/// What a transaction did.
pub struct Outcome {
    /// Block number it landed in (`None` when not waited for).
    pub block: Option<u32>,
    /// Its events (`None` when not waited for).
    pub events: Option<ExtrinsicEvents<PolkadotConfig>>,
    /// The extrinsic's hash.
    pub hash: String,
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

    /// Sign `call` with `signer`, submit it and follow it as `wait` says. A call the
    /// runtime refuses is an error naming the pallet's error and its documentation.
    pub async fn submit<Call: Payload>(&self, call: &Call, signer: &Keypair, wait: Wait) -> Result<Outcome> {
        let what = call
            .validation_details()
            .map(|d| format!("{}.{}", d.pallet_name, d.call_name))
            .unwrap_or_else(|| "the transaction".into());
        let submitting = self.submitting.lock().await;
        // The next nonce counting the node's pool and best block (subxt's own default reads
        // the finalised block, which is stale right after a transaction of ours landed).
        let nonce = self
            .rpc
            .system_account_next_index(&account_of(signer))
            .await
            .map_err(|e| anyhow!("reading the account's nonce: {e}"))?;
        let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
        let mut progress = self
            .api
            .tx()
            .sign_and_submit_then_watch(call, signer, params)
            .await
            .map_err(|e| anyhow!("the node refused {what}: {}", explain(&e)))?;
        drop(submitting);
        let hash = hex0x(progress.extrinsic_hash().as_ref());
        if wait == Wait::Submitted {
            return Ok(Outcome { block: None, events: None, hash });
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
            return Ok(Outcome { block: Some(block), events: Some(events), hash });
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

    /// Who holds the prove-it challenge on request `id`, once the finalised state shows one
    /// (waiting a few blocks for finality to catch up); `None` if none shows.
    pub async fn challenger(&self, id: u64) -> Result<Option<AccountId32>> {
        for _ in 0..8 {
            match self.request(id).await?.map(|r| r.phase) {
                Some(Phase::Challenged { challenger, .. }) => return Ok(Some(challenger)),
                None => return Ok(None),
                Some(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
        Ok(None)
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

/// The last `N` bytes of a storage key: the plain key of an `Identity` or `*Concat` hasher.
fn tail_array<const N: usize>(key: &[u8]) -> Result<[u8; N]> {
    key.len()
        .checked_sub(N)
        .and_then(|start| key[start..].try_into().ok())
        .ok_or_else(|| anyhow!("a storage key of {} bytes is shorter than its {N}-byte key", key.len()))
}

/// The key of `--suri`: a secret URI (`//Alice`, a mnemonic with optional `//derivation`,
/// a `0x` seed), or the path of a file holding one.
pub fn keypair(suri: &str) -> Result<Keypair> {
    let text = if std::path::Path::new(suri).is_file() {
        std::fs::read_to_string(suri).with_context(|| format!("reading the key file {suri}"))?.trim().to_string()
    } else {
        suri.to_string()
    };
    let refused = |e: &dyn std::fmt::Display| {
        anyhow!("the key is not a secret URI (//Alice, a mnemonic, a 0x seed) nor a file holding one: {e}")
    };
    let uri = SecretUri::from_str(&text).map_err(|e| refused(&e))?;
    Keypair::from_uri(&uri).map_err(|e| refused(&e))
}

/// The account of a key.
pub fn account_of(key: &Keypair) -> AccountId32 {
    key.public_key().to_account_id()
}

/// An account given on the command line: SS58 or `0x`-hex, or a dev name (`alice`).
pub fn parse_account(text: &str) -> Result<AccountId32> {
    let dev = match text.to_ascii_lowercase().as_str() {
        "alice" => Some(subxt_signer::sr25519::dev::alice()),
        "bob" => Some(subxt_signer::sr25519::dev::bob()),
        "charlie" => Some(subxt_signer::sr25519::dev::charlie()),
        "dave" => Some(subxt_signer::sr25519::dev::dave()),
        "eve" => Some(subxt_signer::sr25519::dev::eve()),
        "ferdie" => Some(subxt_signer::sr25519::dev::ferdie()),
        _ => None,
    };
    if let Some(key) = dev {
        return Ok(account_of(&key));
    }
    if let Some(hex) = text.strip_prefix("0x") {
        let bytes: [u8; 32] = hex::decode(hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| anyhow!("{text} is not a 32-byte hex account"))?;
        return Ok(AccountId32(bytes));
    }
    AccountId32::from_str(text).map_err(|e| anyhow!("{text} is not an account (SS58, 0x-hex or a dev name): {e}"))
}

/// The id of an open request, from the chain's `Requested` event.
pub fn requested_id(events: &ExtrinsicEvents<PolkadotConfig>) -> Result<u64> {
    events
        .find_first::<runtime::inference::events::Requested>()?
        .map(|e| e.id)
        .ok_or_else(|| anyhow!("the request left no Requested event"))
}

/// Native tokens in GHOST with up to 12 decimals ("1.5" → 1.5 GHOST).
pub fn parse_tokens(text: &str) -> Result<u128> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > DECIMALS as usize || (whole.is_empty() && frac.is_empty()) {
        bail!("{text} is not an amount of GHOST (at most {DECIMALS} decimals)");
    }
    let whole: u128 =
        if whole.is_empty() { 0 } else { whole.parse().with_context(|| format!("{text} is not a number"))? };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        let digits: u128 = frac.parse().with_context(|| format!("{text} is not a number"))?;
        digits * 10u128.pow(DECIMALS - frac.len() as u32)
    };
    whole.checked_mul(UNIT).and_then(|w| w.checked_add(frac_units)).ok_or_else(|| anyhow!("{text} GHOST is too much"))
}

/// Native tokens as GHOST, trailing zeros dropped.
pub fn fmt_tokens(units: u128) -> String {
    let whole = units / UNIT;
    let frac = units % UNIT;
    if frac == 0 {
        return format!("{whole} GHOST");
    }
    let digits = format!("{frac:012}");
    format!("{whole}.{} GHOST", digits.trim_end_matches('0'))
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

/// The primitives' input of a request.
pub fn input_of(input: &ChainInput) -> ghost_primitives::Input {
    match input {
        ChainInput::Token(t) => ghost_primitives::Input::Token(*t),
        ChainInput::Vector(v) => ghost_primitives::Input::Vector(v.0.clone()),
    }
}

/// The chain's form of an input.
pub fn chain_input(input: &ghost_primitives::Input) -> ChainInput {
    match input {
        ghost_primitives::Input::Token(t) => ChainInput::Token(*t),
        ghost_primitives::Input::Vector(v) => ChainInput::Vector(BoundedVec(v.clone())),
    }
}

/// Print a transaction's block and events, one line each.
pub fn print_outcome(what: &str, outcome: &Outcome) {
    match (outcome.block, &outcome.events) {
        (Some(block), Some(events)) => {
            println!("{what}: in block #{block} (extrinsic {})", outcome.hash);
            for event in events.iter().flatten() {
                let (pallet, variant) = (event.pallet_name(), event.variant_name());
                if matches!(pallet, "System" | "TransactionPayment") {
                    continue;
                }
                let fields = event.field_values().map(|v| fmt_composite(&v)).unwrap_or_default();
                println!("  event {pallet}.{variant} {fields}");
            }
        }
        _ => println!("{what}: submitted (extrinsic {}); not waiting for a block", outcome.hash),
    }
}

/// An event's fields for people: byte arrays as `0x`-hex (long ones shortened), accounts
/// in SS58, nesting of single fields removed.
fn fmt_composite<T>(c: &Composite<T>) -> String {
    if let Some(bytes) = bytes_of(c) {
        return match bytes.len() {
            32 => format!("{} ({})", AccountId32(bytes.clone().try_into().unwrap_or([0; 32])), hex0x(&bytes[..4])),
            n if n > 48 => format!("{}... ({n} bytes)", hex0x(&bytes[..16])),
            _ => hex0x(&bytes),
        };
    }
    match c {
        Composite::Named(fields) => {
            let shown: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {}", fmt_value(v))).collect();
            format!("{{ {} }}", shown.join(", "))
        }
        Composite::Unnamed(values) if values.len() == 1 => fmt_value(&values[0]),
        Composite::Unnamed(values) => {
            let shown: Vec<String> = values.iter().map(fmt_value).collect();
            format!("[{}]", shown.join(", "))
        }
    }
}

fn fmt_value<T>(v: &Value<T>) -> String {
    match &v.value {
        ValueDef::Composite(c) => fmt_composite(c),
        ValueDef::Variant(var) => match &var.values {
            Composite::Named(f) if f.is_empty() => var.name.clone(),
            Composite::Unnamed(f) if f.is_empty() => var.name.clone(),
            inner => format!("{}({})", var.name, fmt_composite(inner)),
        },
        ValueDef::Primitive(Primitive::U128(n)) => n.to_string(),
        ValueDef::Primitive(Primitive::I128(n)) => n.to_string(),
        ValueDef::Primitive(Primitive::Bool(b)) => b.to_string(),
        ValueDef::Primitive(Primitive::String(s)) => s.clone(),
        ValueDef::Primitive(p) => format!("{p:?}"),
        ValueDef::BitSequence(_) => "bits".into(),
    }
}

/// The bytes of a composite of at least 8 byte-sized numbers (through single-field nesting).
fn bytes_of<T>(c: &Composite<T>) -> Option<Vec<u8>> {
    let values: Vec<&Value<T>> = c.values().collect();
    if let [only] = values.as_slice() {
        if let ValueDef::Composite(inner) = &only.value {
            return bytes_of(inner);
        }
    }
    if values.len() < 8 {
        return None;
    }
    values
        .iter()
        .map(|v| match v.value {
            ValueDef::Primitive(Primitive::U128(n)) => u8::try_from(n).ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_round_trip() {
        assert_eq!(parse_tokens("1").unwrap(), UNIT);
        assert_eq!(parse_tokens("1.5").unwrap(), UNIT + UNIT / 2);
        assert_eq!(parse_tokens(".001").unwrap(), UNIT / 1000);
        assert_eq!(parse_tokens("0.000000000001").unwrap(), 1);
        assert!(parse_tokens("0.0000000000001").is_err(), "13 decimals");
        assert!(parse_tokens("x").is_err());
        assert!(parse_tokens("-1").is_err());
        assert!(parse_tokens(".").is_err());
        assert!(parse_tokens("1000000000000000000000000000000").is_err(), "overflow");
        assert_eq!(fmt_tokens(UNIT + UNIT / 2), "1.5 GHOST");
        assert_eq!(fmt_tokens(100 * UNIT), "100 GHOST");
        assert_eq!(fmt_tokens(1), "0.000000000001 GHOST");
    }

    proptest::proptest! {
        /// Every amount prints as GHOST and parses back to itself.
        #[test]
        fn printed_amounts_parse_back(units in 0u128..u128::MAX / 2) {
            let shown = fmt_tokens(units);
            proptest::prop_assert_eq!(parse_tokens(shown.trim_end_matches(" GHOST")).unwrap(), units);
        }
    }

    #[test]
    fn keys_and_accounts_parse_in_every_form() {
        let alice = account_of(&keypair("//Alice").unwrap());
        assert_eq!(alice, account_of(&subxt_signer::sr25519::dev::alice()));
        assert_eq!(parse_account("alice").unwrap(), alice);
        assert_eq!(parse_account(&alice.to_string()).unwrap(), alice);
        assert_eq!(parse_account(&hex0x(&alice.0)).unwrap(), alice);
        assert!(parse_account("0x12").is_err());
        assert!(parse_account("nobody").is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "//Alice\n").unwrap();
        assert_eq!(account_of(&keypair(path.to_str().unwrap()).unwrap()), alice);
        let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
        assert_eq!(account_of(&keypair(&format!("{phrase}//Alice")).unwrap()), alice);
        assert!(keypair("not a key").unwrap_err().to_string().contains("secret URI"));
    }
}
