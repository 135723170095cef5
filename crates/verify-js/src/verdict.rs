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

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode;
    use ghost_primitives::{testing, Shape};

    fn served() -> (Vec<u8>, String, String, Answer) {
        let model = testing::model(1, &[Shape::new(64, 4).widths(8, 4).select(3, 2)]).unwrap();
        let input = testing::input(2, 8);
        let (trace, proof) = model.prove(&input).unwrap();
        let answer = Answer::new(&model.id(), &input, &trace.claim(), &proof.encode());
        let sent = serde_json::to_string(&WireInput::from(&input)).unwrap();
        (model.ghost_file().encode(), hex0x(&model.id()), sent, answer)
    }

    #[test]
    fn an_honest_answer_shows_the_rows_it_opened_with_their_weights() {
        let (file, id, sent, answer) = served();
        let verdict = verify(&file, &id, &sent, &serde_json::to_string(&answer).unwrap());
        assert!(verdict.verified, "{verdict:?}");
        assert_eq!(verdict.output, answer.output);
        assert_eq!(verdict.proof_bytes, answer.proof.0.len());
        let rows = &verdict.layers[0].rows;
        assert_eq!(rows.len(), 3, "k rows opened");
        let total: f64 = rows.iter().map(|r| r.weight.unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "the weights sum to one: {total}");
        // The best-scoring row weighs most.
        let best = rows.iter().max_by(|a, b| a.score.unwrap().total_cmp(&b.score.unwrap())).unwrap();
        assert!(rows.iter().all(|r| r.weight.unwrap() <= best.weight.unwrap()));
        assert!(rows.iter().all(|r| r.key.len() == 8 && r.value.len() == 4));
        // Unverified, the same openings come without scores.
        let opened = crate::decode_proof(&file, &answer.proof.0).unwrap();
        assert_eq!(
            opened[0].rows.iter().map(|r| r.row).collect::<Vec<_>>(),
            rows.iter().map(|r| r.row).collect::<Vec<_>>()
        );
        assert!(opened[0].rows.iter().all(|r| r.score.is_none()));
    }

    #[test]
    fn every_bad_input_has_its_kind_and_a_sentence() {
        let (file, id, sent, answer) = served();
        let text = serde_json::to_string(&answer).unwrap();
        let kind = |v: Verdict| (v.verified, v.kind, v.reason.is_some_and(|r| !r.is_empty()));
        assert_eq!(kind(verify(&file, "0x12", &sent, &text)), (false, Some("bad-model-id"), true));
        assert_eq!(kind(verify(&file, &hex0x(&[1; 32]), &sent, &text)), (false, Some("bad-ghost-file"), true));
        assert_eq!(kind(verify(&file[1..], &id, &sent, &text)), (false, Some("bad-ghost-file"), true));
        assert_eq!(kind(verify(&file, &id, "[1,2]", &text)), (false, Some("bad-input"), true));
        assert_eq!(kind(verify(&file, &id, &sent, "{}")), (false, Some("malformed"), true));
        let extra = text.replacen('{', r#"{"extra":1,"#, 1);
        assert_eq!(kind(verify(&file, &id, &sent, &extra)), (false, Some("malformed"), true));
        let mut forged = answer.clone();
        forged.output[0] ^= 1;
        let forged = serde_json::to_string(&forged).unwrap();
        assert_eq!(kind(verify(&file, &id, &sent, &forged)), (false, Some("invalid"), true));
        assert!(crate::decode_ghost_file(&file[..10]).is_err());
        assert!(crate::decode_proof(&file, &[1, 2, 3]).is_err());
    }

    #[test]
    fn the_file_view_and_quantisation_are_the_primitives() {
        let (file, id, _, _) = served();
        let view = crate::decode_ghost_file(&file).unwrap();
        assert_eq!(view.id, id);
        assert_eq!(model_id(&file), id);
        assert_eq!((view.version, view.layers.len(), view.layers[0].k, view.layers[0].d), (1, 1, 3, 8));
        assert_eq!(view.input, crate::InputView::Vector(8));
        let values = [3.0, -4.0, 0.5];
        assert_eq!(Input::Vector(crate::quantise(&values, false)), ghost_primitives::quantise_vector(&values, false));
    }
}
