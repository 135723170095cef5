//! Answers off chain: ask a prover directly, keep an answer and read it back, and verify
//! an answer against a ghost file with the primitives' verifier.

use crate::{
    api::{self, GhostRpcClient},
    wire::Answer,
};
use anyhow::{Context, Result};
use ghost_primitives::{hex0x, Input, Verifier};
use std::{
    path::Path,
    time::{Duration, Instant},
};

/// Why an answer was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// The answer names another model than the ghost file.
    #[error("the answer is for model {answer}, the ghost file is model {expected}")]
    WrongModel {
        /// The model the answer names.
        answer: String,
        /// The ghost file's model.
        expected: String,
    },
    /// The answer is for another input than the one asked.
    #[error("the answer is for another input than the one sent")]
    WrongInput,
    /// A field could not be read.
    #[error("the answer is malformed: {0}")]
    Malformed(String),
    /// The proof does not prove the claim.
    #[error("the ghost proof does not verify: {0}")]
    Invalid(ghost_primitives::Error),
}

/// What a successful verification measured.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Encoded proof size.
    pub proof_bytes: usize,
    /// Time to decode and verify.
    pub elapsed: Duration,
}

/// Verify `answer` against `file`, and, when given, against the input the client sent.
pub fn verify_answer(
    file: &Verifier,
    answer: &Answer,
    sent: Option<&Input>,
) -> std::result::Result<Verified, Rejection> {
    let expected = hex0x(&file.id());
    let model = answer.model_id().map_err(|e| Rejection::Malformed(e.to_string()))?;
    if model != file.id() {
        return Err(Rejection::WrongModel { answer: answer.model.clone(), expected });
    }
    let input: Input = answer.input.clone().into();
    if sent.is_some_and(|s| s != &input) {
        return Err(Rejection::WrongInput);
    }
    let claim = answer.claim().map_err(|e| Rejection::Malformed(format!("{e:#}")))?;
    let bytes = &answer.proof.0;
    let started = Instant::now();
    file.verify(&[], &input, &claim, bytes).map_err(Rejection::Invalid)?;
    Ok(Verified { proof_bytes: bytes.len(), elapsed: started.elapsed() })
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
