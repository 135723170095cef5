//! Genesis presets: `development` (Alice validates) and `local_testnet` (Alice and Bob),
//! and [`local_testnet_of`] for a local network of more validators. All endow the well-known dev accounts, give them credit lines, and make Alice sudo,
//! so the chain is usable at once.

use crate::{AccountId, BalancesConfig, MutualCreditConfig, RuntimeGenesisConfig, SudoConfig, UNIT};
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
    frame_support::build_struct_json_patch,
    sp_consensus_aura::sr25519::AuthorityId as AuraId,
    sp_consensus_grandpa::AuthorityId as GrandpaId,
    sp_genesis_builder::{self, PresetId},
    sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;

/// Native tokens of each dev account.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;
/// Credit limit granted to each dev account.
pub const DEV_CREDIT: u128 = 1_000_000;

fn genesis(authorities: Vec<(AuraId, GrandpaId)>, endowed: Vec<AccountId>, root: AccountId) -> Value {
    build_struct_json_patch!(RuntimeGenesisConfig {
        balances: BalancesConfig { balances: endowed.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>() },
        aura: polkadot_sdk::pallet_aura::GenesisConfig {
            authorities: authorities.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
        },
        grandpa: polkadot_sdk::pallet_grandpa::GenesisConfig {
            authorities: authorities.iter().map(|(_, g)| (g.clone(), 1)).collect::<Vec<_>>(),
        },
        sudo: SudoConfig { key: Some(root) },
        mutual_credit: MutualCreditConfig {
            limits: endowed.iter().cloned().map(|k| (k, DEV_CREDIT)).collect::<Vec<_>>()
        },
    })
}

fn authority(aura: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
    (aura.public().into(), grandpa.public().into())
}

/// One validator (Alice).
pub fn development_config_genesis() -> Value {
    genesis(
        vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
        Sr25519Keyring::Alice.to_account_id(),
    )
}

/// Two validators (Alice and Bob).
pub fn local_config_genesis() -> Value {
    local_testnet_of(2).unwrap_or_default()
}

/// The most validators [`local_testnet_of`] names: the well-known dev keys, Alice to Ferdie.
pub const MAX_LOCAL_VALIDATORS: usize = 6;

/// A local network whose validators are the first `validators` well-known dev keys (Alice,
/// Bob, Charlie, ...), or `None` beyond [`MAX_LOCAL_VALIDATORS`] or for none. GRANDPA
/// finalises with more than two thirds of them, so four is the fewest that finalise with
/// one down (three need all three).
pub fn local_testnet_of(validators: usize) -> Option<Value> {
    const KEYS: [(Sr25519Keyring, Ed25519Keyring); MAX_LOCAL_VALIDATORS] = [
        (Sr25519Keyring::Alice, Ed25519Keyring::Alice),
        (Sr25519Keyring::Bob, Ed25519Keyring::Bob),
        (Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
        (Sr25519Keyring::Dave, Ed25519Keyring::Dave),
        (Sr25519Keyring::Eve, Ed25519Keyring::Eve),
        (Sr25519Keyring::Ferdie, Ed25519Keyring::Ferdie),
    ];
    let chosen = KEYS.get(..validators).filter(|k| !k.is_empty())?;
    Some(genesis(
        chosen.iter().map(|(aura, grandpa)| authority(*aura, *grandpa)).collect(),
        Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
        Sr25519Keyring::Alice.to_account_id(),
    ))
}

/// The preset named `id`.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let patch = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
        _ => return None,
    };
    serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
    vec![
        PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
        PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
    ]
}
