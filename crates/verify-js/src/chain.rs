//! A model's record on chain, as the page reads it through a node's JSON-RPC: the bytes
//! of `state_call` to `GhostApi` and of the registry's `Bonds` storage, decoded here.
//!
//! The layouts are the runtime's (`pallet_ghost_registry::{ModelInfo, BondInfo}` with
//! the runtime's account, balance and block number types). This crate is off chain and
//! does not link the pallet: `runtime/tests/browser_verifier.rs` encodes the runtime's
//! own values and requires these decoders to read them back field for field.

use codec::Decode;
use ghost_primitives::{blake2_256, hex0x, Hash, ModelId, ModelShape};
use serde::Serialize;

/// An account id (sr25519 public key).
pub type Account = [u8; 32];

/// `ModelStatus`, variant for variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Decode, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Takes requests.
    Active,
    /// Takes no new requests.
    Retired,
    /// Retired, its ghost file deleted.
    Reaped,
}

/// `ModelInfo<AccountId32, u128, u32>`, field for field.
#[derive(Clone, Debug, PartialEq, Eq, Decode)]
pub struct ModelRecord {
    /// Registrant; receives royalties.
    pub owner: Account,
    /// Price of one inference, in credit.
    pub price: u128,
    /// Owner's share of each price, in parts per billion (a `Perbill`).
    pub royalty: u32,
    /// Storage deposit held from the owner.
    pub deposit: u128,
    /// Active, retired or reaped.
    pub status: Status,
    /// The version this one was derived from.
    pub parent: Option<ModelId>,
    /// Declared training-data hash.
    pub training_data: Option<Hash>,
    /// Block of registration.
    pub registered_at: u32,
    /// Layers, input, output width and worst-case proof.
    pub shape: ModelShape,
    /// The digest of its layers' roots.
    pub roots: Hash,
}

/// `BondInfo<u128, u32, BoundedVec<u8, _>>`, field for field.
#[derive(Clone, Debug, PartialEq, Eq, Decode)]
pub struct BondRecord {
    /// Held amount.
    pub amount: u128,
    /// The part backing open results.
    pub locked: u128,
    /// When unbonding, the first block withdrawal is allowed.
    pub withdrawable_at: Option<u32>,
    /// Where the prover serves.
    pub endpoint: Vec<u8>,
}

/// What the page shows of a model's record.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    /// The owner's account, `0x`-hex.
    pub owner: String,
    /// The price, decimal (it may pass 2^53).
    pub price: String,
    /// The royalty, in percent.
    pub royalty_percent: f64,
    /// The storage deposit, decimal.
    pub deposit: String,
    /// `active`, `retired` or `reaped`.
    pub status: Status,
    /// The parent version, `0x`-hex.
    pub parent: Option<String>,
    /// The declared training data, `0x`-hex.
    pub training_data: Option<String>,
    /// Block of registration.
    pub registered_at: u32,
    /// Layers.
    pub layers: u32,
    /// The ghost file the chain holds hashes to the model id asked for.
    pub file_matches: bool,
    /// The ghost file the chain holds, `0x`-hex (a reaped model has none, and no record
    /// is returned for it).
    pub ghost_file: String,
}

/// A bonded prover.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BondView {
    /// The prover's account, `0x`-hex.
    pub prover: String,
    /// Held, decimal.
    pub amount: String,
    /// Backing open results, decimal.
    pub locked: String,
    /// Unbonding from this block on, if unbonding.
    pub withdrawable_at: Option<u32>,
    /// Its endpoint (lossy UTF-8).
    pub endpoint: String,
}

/// Why chain bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Not `0x`-hex.
    #[error("the node's answer is not 0x-hex: {0}")]
    Hex(String),
    /// Not the layout expected.
    #[error("the node's answer is not a {what}: {error}")]
    Layout {
        /// What was expected.
        what: &'static str,
        /// The decoder's complaint.
        error: String,
    },
    /// A storage key too short for a bond.
    #[error("the storage key is not a bond's")]
    Key,
}

fn unhex(text: &str) -> Result<Vec<u8>, ChainError> {
    let digits = text.strip_prefix("0x").ok_or_else(|| ChainError::Hex("no 0x prefix".into()))?;
    hex::decode(digits).map_err(|e| ChainError::Hex(e.to_string()))
}

fn decode_all<T: Decode>(bytes: &[u8], what: &'static str) -> Result<T, ChainError> {
    codec::DecodeAll::decode_all(&mut &bytes[..])
        .map_err(|e: codec::Error| ChainError::Layout { what, error: e.to_string() })
}

/// `GhostApi_model`'s answer (`0x`-hex of `Option<(ModelInfo, Vec<u8>)>`) for `model`:
/// the record, or `None` for a model the chain does not know.
pub fn decode_model(model: &ModelId, result: &str) -> Result<Option<RecordView>, ChainError> {
    let found: Option<(ModelRecord, Vec<u8>)> = decode_all(&unhex(result)?, "model record")?;
    Ok(found.map(|(r, file)| RecordView {
        owner: hex0x(&r.owner),
        price: r.price.to_string(),
        royalty_percent: f64::from(r.royalty) / 1e7,
        deposit: r.deposit.to_string(),
        status: r.status,
        parent: r.parent.as_ref().map(|p| hex0x(p)),
        training_data: r.training_data.as_ref().map(|t| hex0x(t)),
        registered_at: r.registered_at,
        layers: r.shape.layers,
        file_matches: &blake2_256(&file) == model,
        ghost_file: hex0x(&file),
    }))
}

/// `GhostApi_versions`'s answer: the model and its ancestors, newest first, `0x`-hex.
pub fn decode_versions(result: &str) -> Result<Vec<String>, ChainError> {
    let versions: Vec<ModelId> = decode_all(&unhex(result)?, "list of versions")?;
    Ok(versions.iter().map(|v| hex0x(v)).collect())
}

/// The storage key prefix of `model`'s bonds (`GhostRegistry::Bonds`, keyed by the model
/// as is, then by `Blake2_128Concat` of the prover's account), for `state_getKeysPaged`.
pub fn bonds_prefix(model: &ModelId) -> String {
    let mut key = sp_crypto_hashing::twox_128(b"GhostRegistry").to_vec();
    key.extend_from_slice(&sp_crypto_hashing::twox_128(b"Bonds"));
    key.extend_from_slice(model);
    hex0x(&key)
}

/// One bond: its storage key (whose last 32 bytes are the prover's account) and value.
pub fn decode_bond(key: &str, value: &str) -> Result<BondView, ChainError> {
    // twox128(pallet) ‖ twox128(storage) ‖ model ‖ blake2_128(account) ‖ account
    const KEY_BYTES: usize = 16 + 16 + 32 + 16 + 32;
    let key = unhex(key)?;
    if key.len() != KEY_BYTES {
        return Err(ChainError::Key);
    }
    let prover = &key[KEY_BYTES - 32..];
    let bond: BondRecord = decode_all(&unhex(value)?, "bond")?;
    Ok(BondView {
        prover: hex0x(prover),
        amount: bond.amount.to_string(),
        locked: bond.locked.to_string(),
        withdrawable_at: bond.withdrawable_at,
        endpoint: String::from_utf8_lossy(&bond.endpoint).into_owned(),
    })
}
