//! Answers off chain: ask a prover directly, keep an answer and read it back, and verify
//! an answer against a ghost file with the primitives' verifier.

use crate::api::{self, GhostRpcClient};
use anyhow::{Context, Result};
use ghost_primitives::{hex0x, Input, Verifier};
pub use ghost_wire::{check_answer, Answer, Rejection};
use std::{
    path::Path,
    time::{Duration, Instant},
};

/// What a successful verification measured.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Encoded proof size.
    pub proof_bytes: usize,
    /// Time to decode and verify.
    pub elapsed: Duration,
}

/// Verify `answer` against `file`, and, when given, against the input the client sent
/// ([`ghost_wire::check_answer`]), timing it.
pub fn verify_answer(
    file: &Verifier,
    answer: &Answer,
    sent: Option<&Input>,
) -> std::result::Result<Verified, Rejection> {
    let started = Instant::now();
    check_answer(file, answer, sent)?;
    Ok(Verified { proof_bytes: answer.proof.0.len(), elapsed: started.elapsed() })
}

/// Ask the prover at `url` (`http://host:port`) to answer `input` with `model`; an
/// endpoint that is not public is refused ([`crate::endpoint`]).
pub async fn ask(url: &str, model: &Verifier, input: &Input) -> Result<Answer> {
    model.check_input(input).context("the input does not fit this model")?;
    crate::endpoint::check(url).await?;
    let model_id = hex0x(&model.id());
    let client = api::client(url, Duration::from_secs(60))?;
    client.infer(model_id.clone(), input.into()).await.with_context(|| format!("asking {url} for model {model_id}"))
}

/// Keep `answer` as pretty JSON at `path` (`ghost infer --save`).
pub fn save_answer(path: &Path, answer: &Answer) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(answer)?).with_context(|| format!("writing {}", path.display()))
}

/// Read an answer saved by `ghost infer --save`; `Ok(Err(..))` when the file is not one.
pub fn read_answer(path: &Path) -> Result<std::result::Result<Answer, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(serde_json::from_str(&text).map_err(|e| format!("{} is not a saved answer: {e}", path.display())))
}
