//! Chain specifications: `dev` and `local`, from the runtime's genesis presets.

use ghost_runtime::{
    genesis_config_presets::{local_testnet_of, MAX_LOCAL_VALIDATORS},
    WASM_BINARY,
};
use polkadot_sdk::{sc_service, sc_service::ChainType, sp_genesis_builder};

/// A chain specification of this runtime.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
    WASM_BINARY.ok_or_else(|| "the node was built without its wasm runtime (SKIP_WASM_BUILD)".to_string())
}

/// One validator, Alice; dev accounts endowed and given credit.
pub fn development() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Ghostchain Development")
        .with_id("dev")
        .with_chain_type(ChainType::Development)
        .with_properties(properties())
        .with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
        .build())
}

/// Two validators, Alice and Bob.
pub fn local() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Ghostchain Local Testnet")
        .with_id("ghost_local")
        .with_chain_type(ChainType::Local)
        .with_properties(properties())
        .with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
        .build())
}

/// A local network of the first `validators` dev keys (`--chain local-N`, N from 1 to
/// [`MAX_LOCAL_VALIDATORS`]); `local-2` is `local`.
pub fn local_of(validators: usize) -> Result<ChainSpec, String> {
    if validators == 2 {
        return local();
    }
    let patch = local_testnet_of(validators).ok_or_else(|| {
        format!("a local network has from 1 to {MAX_LOCAL_VALIDATORS} validators (the dev keys), not {validators}")
    })?;
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name(&format!("Ghostchain Local Testnet of {validators}"))
        .with_id(&format!("ghost_local_{validators}"))
        .with_chain_type(ChainType::Local)
        .with_properties(properties())
        .with_genesis_config_patch(patch)
        .build())
}

fn properties() -> sc_service::Properties {
    let mut p = sc_service::Properties::new();
    p.insert("tokenSymbol".into(), "GHOST".into());
    p.insert("tokenDecimals".into(), 12.into());
    p.insert("ss58Format".into(), 42.into());
    p
}
