//! The client side: verify an answer against a ghost file, alone, with the primitives.

use crate::wire::Answer;
use ghost_primitives::{
    proof::{verify_claim, GhostProof},
    GhostFile, Input,
};
use std::time::{Duration, Instant};

/// Why an answer was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// The answer names another model than the ghost file.
    #[error("the answer is for model {answer}, the ghost file is model {expected}")]
    WrongModel { answer: String, expected: String },
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
pub fn verify_answer(file: &GhostFile, answer: &Answer, sent: Option<&Input>) -> Result<Verified, Rejection> {
    let expected = crate::store::hex0x(&file.id());
    let model = answer.model_id().map_err(|e| Rejection::Malformed(e.to_string()))?;
    if model != file.id() {
        return Err(Rejection::WrongModel { answer: answer.model.clone(), expected });
    }
    let input: Input = answer.input.clone().into();
    if sent.is_some_and(|s| s != &input) {
        return Err(Rejection::WrongInput);
    }
    let claim = answer.claim().map_err(|e| Rejection::Malformed(format!("{e:#}")))?;
    let bytes = answer.proof_bytes().map_err(|e| Rejection::Malformed(format!("{e:#}")))?;
    let started = Instant::now();
    let proof = GhostProof::decode(&bytes, file).map_err(Rejection::Invalid)?;
    verify_claim(file, &input, &claim, &proof).map_err(Rejection::Invalid)?;
    Ok(Verified { proof_bytes: bytes.len(), elapsed: started.elapsed() })
}
