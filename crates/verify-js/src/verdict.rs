//! The verdict on an answer: the same checks, in the same order, as `ghost verify`
//! (`ghost_wire::check_answer`), with what the page shows of a verified answer.

use crate::view::{opened, OpenedLayer};
use ghost_primitives::{hex0x, parse_hash, GhostProof, Input, Verifier};
use ghost_wire::{check_answer, Answer, Rejection, WireInput};
use serde::Serialize;

/// Whether an answer verified, and why not, or what it opened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The answer's proof verified for its claim, against the model given.
    pub verified: bool,
    /// Why not, as a stable kind: `bad-model-id`, `bad-ghost-file`, `bad-input`,
    /// `malformed`, `wrong-model`, `wrong-input` or `invalid`.
    pub kind: Option<&'static str>,
    /// Why not, as `ghost verify` says it.
    pub reason: Option<String>,
    /// The verified output, Q14.
    pub output: Vec<i16>,
    /// The index of the largest output (the first of equals): a classifier's class.
    pub class: Option<usize>,
    /// The proof's encoded size.
    pub proof_bytes: usize,
    /// The rows the proof opened, layer by layer, with their scores and weights.
    pub layers: Vec<OpenedLayer>,
}

impl Verdict {
    fn rejected(kind: &'static str, reason: String) -> Self {
        Self {
            verified: false,
            kind: Some(kind),
            reason: Some(reason),
            output: Vec::new(),
            class: None,
            proof_bytes: 0,
            layers: Vec::new(),
        }
    }
}

impl From<Rejection> for Verdict {
    fn from(why: Rejection) -> Self {
        Self::rejected(why.kind(), why.to_string())
    }
}

/// Verify `answer` (a prover's JSON answer) for `input` (`{"vector": [...]}` or
/// `{"token": n}`, the input sent) against the ghost file `ghost_file`, which must be the
/// model `model_id` (`0x`-hex): the model's id is the hash of its ghost file.
pub fn verify(ghost_file: &[u8], model_id: &str, input: &str, answer: &str) -> Verdict {
    let id = match parse_hash(model_id) {
        Ok(id) => id,
        Err(e) => return Verdict::rejected("bad-model-id", format!("the model id is not 0x-hex of 32 bytes: {e}")),
    };
    let file = match Verifier::decode_expecting(ghost_file, &id) {
        Ok(file) => file,
        Err(e) => return Verdict::rejected("bad-ghost-file", format!("the ghost file is not model {model_id}: {e}")),
    };
    let sent: Input = match serde_json::from_str::<WireInput>(input) {
        Ok(input) => input.into(),
        Err(e) => {
            return Verdict::rejected(
                "bad-input",
                format!("the input is not {{\"vector\": [...]}} or {{\"token\": n}}: {e}"),
            )
        }
    };
    let answer: Answer = match serde_json::from_str(answer) {
        Ok(answer) => answer,
        Err(e) => return Verdict::rejected("malformed", format!("the answer is malformed: {e}")),
    };
    let trace = match check_answer(&file, &answer, Some(&sent)) {
        Ok(trace) => trace,
        Err(why) => return why.into(),
    };
    // Verified, so the proof decodes against this file.
    let layers = GhostProof::decode(&answer.proof.0, file.file())
        .map(|proof| opened(file.file(), &proof, Some((&trace, &sent))))
        .unwrap_or_default();
    Verdict {
        verified: true,
        kind: None,
        reason: None,
        class: argmax(&answer.output),
        output: answer.output,
        proof_bytes: answer.proof.0.len(),
        layers,
    }
}

/// The class a classifier's output names: the primitives' `argmax` of its real values.
fn argmax(output: &[i16]) -> Option<usize> {
    let values: Vec<f32> = output.iter().map(|&q| ghost_primitives::to_f32(q)).collect();
    (!values.is_empty()).then(|| ghost_primitives::argmax(&values))
}

/// The id of a ghost file: `0x`-hex of its hash.
pub fn model_id(ghost_file: &[u8]) -> String {
    hex0x(&ghost_primitives::blake2_256(ghost_file))
}
