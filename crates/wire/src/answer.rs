//! A prover's answer, and the check a client makes of it before trusting it.

use crate::WireInput;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use ghost_primitives::{hex0x, parse_hash, Claim, Input, ModelId, Trace, Verifier};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A prover's answer: everything a client needs to verify it, and to keep as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    /// `0x`-hex model id.
    pub model: String,
    /// The input answered.
    pub input: WireInput,
    /// The output, Q14.
    pub output: Vec<i16>,
    /// The commitment links, `0x`-hex, one per layer.
    pub links: Vec<String>,
    /// The encoded ghost proof.
    pub proof: ProofBytes,
}

impl Answer {
    /// Build from the primitives' values.
    pub fn new(model: &ModelId, input: &Input, claim: &Claim, proof: &[u8]) -> Self {
        Self {
            model: hex0x(model),
            input: input.into(),
            output: claim.output.clone(),
            links: claim.links.iter().map(|l| hex0x(l)).collect(),
            proof: ProofBytes(proof.to_vec()),
        }
    }

    /// The model id.
    pub fn model_id(&self) -> Result<ModelId, Rejection> {
        parse_hash(&self.model).map_err(|e| Rejection::Malformed(format!("answer's model id: {e}")))
    }

    /// The claim (output and links).
    pub fn claim(&self) -> Result<Claim, Rejection> {
        let links = self
            .links
            .iter()
            .map(|l| parse_hash(l))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Rejection::Malformed(format!("answer's links: {e}")))?;
        Ok(Claim { output: self.output.clone(), links })
    }
}

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

impl Rejection {
    /// A stable name for the kind of rejection (`wrong-model`, `wrong-input`,
    /// `malformed`, `invalid`), for programs that branch on it.
    pub fn kind(&self) -> &'static str {
        match self {
            Rejection::WrongModel { .. } => "wrong-model",
            Rejection::WrongInput => "wrong-input",
            Rejection::Malformed(_) => "malformed",
            Rejection::Invalid(_) => "invalid",
        }
    }
}

/// Check `answer` against `file`, and, when given, against the input the client sent, in
/// this order: the answer's model is the ghost file's id; its input is the one sent; its
/// model id and links parse; its proof verifies its claim (`docs/protocol.md` §9.3).
/// Returns the verified trace: the rows the proof opened, layer by layer.
pub fn check_answer(file: &Verifier, answer: &Answer, sent: Option<&Input>) -> Result<Trace, Rejection> {
    let model = answer.model_id()?;
    if model != file.id() {
        return Err(Rejection::WrongModel { answer: answer.model.clone(), expected: hex0x(&file.id()) });
    }
    let input: Input = answer.input.clone().into();
    if sent.is_some_and(|s| s != &input) {
        return Err(Rejection::WrongInput);
    }
    let claim = answer.claim()?;
    file.verify(&[], &input, &claim, &answer.proof.0).map_err(Rejection::Invalid)
}

/// An encoded ghost proof as JSON carries it: standard base64, padded (a third larger
/// than the bytes, where hex is twice). The `0x`-hex form of version 0.1 is still read,
/// for one version, and never written; the two cannot be confused, as a proof's first
/// byte is its format version (1), so its base64 starts with `A`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProofBytes(pub Vec<u8>);

impl Serialize for ProofBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for ProofBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        let bytes = match text.strip_prefix("0x") {
            Some(hex) => hex::decode(hex).map_err(|e| format!("the proof is not 0x-hex: {e}")),
            None => BASE64.decode(text.as_bytes()).map_err(|e| format!("the proof is not base64: {e}")),
        };
        bytes.map(ProofBytes).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_primitives::{testing, Shape};

    #[test]
    fn proofs_travel_as_base64_and_old_hex_is_read() {
        let proof = ProofBytes(vec![1, 0, 0xff, 0x10]);
        let json = serde_json::to_string(&proof).unwrap();
        assert_eq!(json, "\"AQD/EA==\"");
        assert_eq!(serde_json::from_str::<ProofBytes>(&json).unwrap(), proof);
        assert_eq!(serde_json::from_str::<ProofBytes>("\"0x0100ff10\"").unwrap(), proof);
        for bad in ["\"0xzz\"", "\"AQD/E\"", "\"A?==\"", "12"] {
            assert!(serde_json::from_str::<ProofBytes>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_check_names_the_first_fault_it_finds() {
        let model = testing::model(1, &[Shape::new(64, 4).widths(8, 4).select(3, 2)]).unwrap();
        let file = model.verifier();
        let input = testing::input(2, 8);
        let (trace, proof) = model.prove(&input).unwrap();
        let honest = Answer::new(&model.id(), &input, &trace.claim(), &proof.encode());
        let verified = check_answer(file, &honest, Some(&input)).expect("the honest answer verifies");
        assert_eq!(verified.claim(), trace.claim());

        let mut other = honest.clone();
        other.model = hex0x(&[7; 32]);
        assert_eq!(check_answer(file, &other, None).unwrap_err().kind(), "wrong-model");
        let sent = testing::input(3, 8);
        assert_eq!(check_answer(file, &honest, Some(&sent)).unwrap_err().kind(), "wrong-input");
        let mut bad_link = honest.clone();
        bad_link.links[0] = "0x12".into();
        assert_eq!(check_answer(file, &bad_link, None).unwrap_err().kind(), "malformed");
        let mut forged = honest.clone();
        forged.output[0] ^= 1;
        assert!(matches!(check_answer(file, &forged, None), Err(Rejection::Invalid(_))));
        // The model is checked before the input: a wrong model with a wrong input is a wrong model.
        assert_eq!(check_answer(file, &other, Some(&sent)).unwrap_err().kind(), "wrong-model");
    }
}
