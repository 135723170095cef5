//! An application that pays for inference on a Ghostchain and trusts only what it has
//! verified, written against `ghost-client` alone. The chain test
//! (`crates/cli/tests/chain.rs`) runs it against a dev chain.
//!
//! It connects, reads the model's ghost file from the chain, finds the model's provers,
//! asks them directly until one answer verifies, then pays for the same input on chain,
//! where the client reads the proof the chain accepted with the result, verifies it, and
//! pays once the challenge window has passed (the prover settles, or the client does).

use anyhow::{anyhow, Context, Result};
use ghost_client::{
    chain::Chain,
    keys,
    paid::{self, InferOptions, Verdict},
    provers::{self, Served},
};
use ghost_primitives::{Claim, Input, ModelId, Verifier};
use std::time::Duration;

/// What the application got.
pub struct Report {
    /// The answer one of the model's provers gave directly, verified here.
    pub served: Served,
    /// How the paid request ended.
    pub verdict: Verdict,
    /// The result paid for, as posted on chain.
    pub paid: Option<Claim>,
    /// Each step of the paid request, as the library reported it.
    pub steps: Vec<String>,
}

/// Ask `model`'s provers for `input` and verify the answer, then pay for it on chain with
/// the key `suri`.
pub async fn pay_and_verify(url: &str, model: ModelId, suri: &str, input: &Input) -> Result<Report> {
    // Connect, and take the model's identity from the chain: its ghost file, hashed.
    let chain = Chain::connect(url, Duration::from_secs(10)).await?;
    let file = chain.ghost_file(&model).await?.context("no such model on this chain")?;
    let verifier = Verifier::decode_expecting(&file, &model)?;

    // Find the provers and ask them in turn; the first answer that verifies is kept.
    let urls: Vec<String> = provers::endpoints(&chain, &model).await?.into_iter().map(|e| e.url).collect();
    let served = provers::ask_any(&urls, &verifier, input)
        .await
        .map_err(|failed| anyhow!("none of {} prover(s) gave a verified answer", failed.len()))?;

    // Pay on chain: verify the posted proof, wait out the window, settle.
    let key = keys::keypair(suri)?;
    let mut steps = Vec::new();
    let (verdict, paid) =
        paid::infer(&chain, &key, &model, input, InferOptions::default(), |step| steps.push(step.to_string())).await?;
    Ok(Report { served, verdict, paid, steps })
}
