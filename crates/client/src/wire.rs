//! JSON forms of inputs, answers, and channels' vouchers and receipts (the JSON-RPC API
//! and saved responses).
//!
//! Inputs travel as Q14 integers, already quantised by the client: the client verifies
//! against exactly the input it sent. Hashes travel as `0x`-hex strings, proofs (the
//! bulk of an answer) as base64: [`ProofBytes`].

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use ghost_primitives::{hex0x, parse_hash, quantise_vector, Claim, Input, ModelId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A model input: `{"vector": [i16, ...]}` (Q14) or `{"token": n}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum WireInput {
    /// A Q14 vector.
    Vector(Vec<i16>),
    /// A token id.
    Token(u32),
}

impl From<WireInput> for Input {
    fn from(w: WireInput) -> Self {
        match w {
            WireInput::Vector(v) => Input::Vector(v),
            WireInput::Token(t) => Input::Token(t),
        }
    }
}

impl From<&Input> for WireInput {
    fn from(i: &Input) -> Self {
        match i {
            Input::Vector(v) => WireInput::Vector(v.clone()),
            Input::Token(t) => WireInput::Token(*t),
        }
    }
}

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
    pub fn model_id(&self) -> Result<ModelId> {
        parse_hash(&self.model).context("answer's model id")
    }

    /// The claim (output and links).
    pub fn claim(&self) -> Result<Claim> {
        let links =
            self.links.iter().map(|l| parse_hash(l)).collect::<Result<Vec<_>, _>>().context("answer's links")?;
        Ok(Claim { output: self.output.clone(), links })
    }

    /// The output as real numbers.
    pub fn output_f32(&self) -> Vec<f32> {
        self.output.iter().map(|&q| ghost_primitives::to_f32(q)).collect()
    }
}

/// An encoded ghost proof as JSON carries it: standard base64, padded (a third larger
/// than the bytes, where hex is twice). The `0x`-hex form of version 0.1 is still read,
/// for one version, and never written; the two cannot be confused, as a proof's first
/// byte is its format version (1), so its base64 starts with `A`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProofBytes(pub Vec<u8>);

impl Serialize for ProofBytes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for ProofBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        let bytes = match text.strip_prefix("0x") {
            Some(hex) => hex::decode(hex).map_err(|e| format!("the proof is not 0x-hex: {e}")),
            None => BASE64.decode(text.as_bytes()).map_err(|e| format!("the proof is not base64: {e}")),
        };
        bytes.map(ProofBytes).map_err(serde::de::Error::custom)
    }
}

/// A model input as the command line gives it (`ghost infer`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct InputArgs {
    /// Input vector: comma-separated numbers or a JSON array.
    #[arg(long, conflicts_with_all = ["input_file", "token"], allow_hyphen_values = true)]
    pub input: Option<String>,
    /// File holding the input vector.
    #[arg(long, conflicts_with = "token")]
    pub input_file: Option<std::path::PathBuf>,
    /// Input token (models that start with an embedding).
    #[arg(long)]
    pub token: Option<u32>,
    /// Send the vector as given instead of normalised to unit length.
    #[arg(long)]
    pub raw: bool,
}

impl InputArgs {
    /// The input, quantised as the client sends it, and a warning about it if it deserves one.
    pub fn read(&self) -> Result<(Input, Option<&'static str>)> {
        let input = match (&self.input, &self.input_file, self.token) {
            (Some(text), _, _) => quantise_vector(&parse_vector(text)?, self.raw),
            (_, Some(path), _) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                quantise_vector(&parse_vector(&text)?, self.raw)
            }
            (_, _, Some(token)) => Input::Token(token),
            _ => bail!("give an input: --input, --input-file or --token"),
        };
        let warning = match &input {
            Input::Vector(v) if v.iter().all(|&x| x == 0) => {
                Some("the input is all zeros; the answer rests on no information")
            }
            Input::Vector(v) if self.raw && v.iter().any(|&x| x == i16::MAX || x == i16::MIN) => {
                Some("--raw input entries were clamped to the Q14 range (-2, 2)")
            }
            _ => None,
        };
        Ok((input, warning))
    }
}

/// Parse a vector given on the command line: comma- or space-separated numbers, or a
/// JSON array.
pub fn parse_vector(text: &str) -> Result<Vec<f32>> {
    let text = text.trim();
    let values: Vec<f32> = if text.starts_with('[') {
        serde_json::from_str(text).context("input is not a JSON array of numbers")?
    } else {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f32>().with_context(|| format!("'{s}' is not a number")))
            .collect::<Result<_>>()?
    };
    if values.is_empty() {
        bail!("input vector is empty");
    }
    if values.iter().any(|v| !v.is_finite()) {
        bail!("input holds NaN or infinite values");
    }
    Ok(values)
}

/// A voucher on the wire: `{"channel": 3, "amount": "1200", "signature": "0x…"}`. The
/// amount is a decimal string, as every credit amount is in JSON (it may pass 2^53).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WireVoucher {
    /// The channel.
    pub channel: u64,
    /// Credit owed on it in all, decimal.
    pub amount: String,
    /// The client's sr25519 signature of the voucher's signing message, `0x`-hex.
    pub signature: String,
}

/// A client's signature on a channel request: `{"nonce": 7, "signature": "0x…"}`, over
/// `ghost_primitives::channel::Request` (the chain, the channel, the model, the input's
/// hash and the nonce).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WireTicket {
    /// The client's number for the request, never used twice on the channel.
    pub nonce: u64,
    /// The client's sr25519 signature of the request's signing message, `0x`-hex.
    pub signature: String,
}

/// A receipt on the wire: the fields of `ghost_primitives::channel::Receipt` (hashes and accounts `0x`-hex,
/// amounts decimal strings) and the prover's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WireReceipt {
    /// The chain's genesis hash.
    pub genesis: String,
    /// The channel.
    pub channel: u64,
    /// The answer's number on the channel, from 0.
    pub seq: u64,
    /// The prover's latest finalised block when it answered.
    pub at: u32,
    /// The prover's account, `0x`-hex.
    pub prover: String,
    /// The client's account, `0x`-hex.
    pub client: String,
    /// The model id.
    pub model: String,
    /// The price, decimal.
    pub price: String,
    /// Hash of the input.
    pub input: String,
    /// The output (Q14).
    pub output: Vec<i16>,
    /// The links, one per layer.
    pub links: Vec<String>,
    /// Hash of the encoded ghost proof.
    pub proof: String,
    /// The prover's sr25519 signature of the receipt's signing message.
    pub signature: String,
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(hex0x(&[0xab, 0x01]), "0xab01");
        assert_eq!(hex0x(&[]), "0x");
    }

    #[test]
    fn inputs_parse_in_every_form() {
        assert_eq!(parse_vector("1, 2 ,3").unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(parse_vector("[0.5, -1]").unwrap(), vec![0.5, -1.0]);
        assert!(parse_vector("1,x").unwrap_err().to_string().contains("'x'"));
        assert!(parse_vector("").is_err());
        assert_eq!(quantise_vector(&[3.0, 4.0], false), Input::Vector(vec![9830, 13107]));
        let json = serde_json::to_string(&WireInput::Vector(vec![1, -2])).unwrap();
        assert_eq!(json, r#"{"vector":[1,-2]}"#);
        assert!(serde_json::from_str::<WireInput>(r#"{"vector":[1],"token":2}"#).is_err());
        assert!(serde_json::from_str::<WireInput>(r#"{"vector":[70000]}"#).is_err());
    }
}
