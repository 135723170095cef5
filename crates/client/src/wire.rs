//! JSON forms of inputs and answers (`ghost-wire`'s, one implementation for every party
//! and the browser), of channels' tickets, vouchers and receipts, and the command line's
//! input arguments.

use anyhow::{bail, Context, Result};
use ghost_primitives::{quantise_vector, Input};
pub use ghost_wire::{Answer, ProofBytes, WireInput};
use serde::{Deserialize, Serialize};

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
    fn inputs_parse_in_every_form() {
        assert_eq!(parse_vector("1, 2 ,3").unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(parse_vector("[0.5, -1]").unwrap(), vec![0.5, -1.0]);
        assert!(parse_vector("1,x").unwrap_err().to_string().contains("'x'"));
        assert!(parse_vector("").is_err());
        assert_eq!(quantise_vector(&[3.0, 4.0], false), Input::Vector(vec![9830, 13107]));
    }
}

/// Byte rules of the JSON forms (`docs/protocol.md` §9.3), as vectors: what a reader in
/// another language must accept and refuse.
#[cfg(test)]
mod spec_vectors {
    use super::*;

    const MODEL: &str = "fdcd22a4c528ee8f381f12ff657f684e4fad717d8f639c06963d648baa4ed8a9";

    fn proof(json: &str) -> Result<Vec<u8>, String> {
        serde_json::from_str::<ProofBytes>(json).map(|p| p.0).map_err(|e| e.to_string())
    }

    /// An answer's JSON with `fields` (already joined) between the braces.
    fn answer(fields: &str) -> Result<Answer, String> {
        serde_json::from_str::<Answer>(&format!("{{{fields}}}")).map_err(|e| e.to_string())
    }

    fn fields(model: &str, proof: &str) -> String {
        format!(
            r#""model":"{model}","input":{{"vector":[9830,13107]}},"output":[1203,-77],"links":["0x{MODEL}"],"proof":"{proof}""#
        )
    }

    /// Standard alphabet, padded, and the unused bits of the last symbol zero.
    #[test]
    fn proofs_are_canonical_padded_base64() {
        assert_eq!(proof(r#""AQD/EA==""#), Ok(vec![0x01, 0x00, 0xff, 0x10]));
        assert_eq!(proof(r#""AQA=""#), Ok(vec![0x01, 0x00]));
        assert_eq!(proof(r#""AQ==""#), Ok(vec![0x01]));
        assert_eq!(proof(r#""""#), Ok(vec![]));
        for bad in [
            r#""AQD/EB==""#, // pad bits 0001 after 0x10
            r#""AQB=""#,     // pad bits 01 after 0x00
            r#""AR==""#,     // pad bits 0001 after 0x01
            r#""AQD/EA""#,   // padding missing
            r#""AQD/EA=""#,  // padding short
            r#""AQD/EA===""#,
            r#""AQD_EA==""#, // URL-safe alphabet
            r#""AQD/ EA==""#,
            r#""AQD/EA==\n""#,
        ] {
            assert!(proof(bad).is_err(), "{bad} is refused");
        }
        assert!(proof(r#""AQD/EB==""#).expect_err("non-zero pad bits").contains("not base64"));
    }

    /// The legacy `0x`-hex proof: hex digits of either case after exactly `0x`.
    #[test]
    fn legacy_hex_proofs_take_either_case() {
        assert_eq!(proof(r#""0x0100ff10""#), Ok(vec![0x01, 0x00, 0xff, 0x10]));
        assert_eq!(proof(r#""0x0100FF10""#), Ok(vec![0x01, 0x00, 0xff, 0x10]));
        for bad in [r#""0x0100ff1""#, r#""0x0x0100ff10""#, r#""0X0100ff10""#, r#""0x0100ff1g""#] {
            assert!(proof(bad).is_err(), "{bad} is refused");
        }
    }

    /// Hashes (model, links): 64 hex digits of either case, `0x` optional.
    #[test]
    fn answer_hashes_take_either_case_with_or_without_0x() {
        let lower = answer(&fields(&format!("0x{MODEL}"), "AQ==")).expect("lower case, 0x");
        let upper = answer(&fields(&MODEL.to_uppercase(), "AQ==")).expect("upper case, bare");
        assert_eq!(lower.model_id().expect("parses"), upper.model_id().expect("parses"));
        assert_eq!(lower.claim().expect("links parse").links, upper.claim().expect("links parse").links);
        let prefix = answer(&fields(&format!("0X{MODEL}"), "AQ==")).expect("read as text");
        assert!(prefix.model_id().is_err(), "0X is not a prefix");
        let short = answer(&fields(&format!("0x{}", &MODEL[..62]), "AQ==")).expect("read as text");
        assert!(short.model_id().is_err(), "31 bytes is not a hash");
    }

    /// Unknown, duplicate and missing fields are refused; field order is free.
    #[test]
    fn answers_refuse_unknown_duplicate_and_missing_fields() {
        let good = fields(&format!("0x{MODEL}"), "AQ==");
        assert!(answer(&good).is_ok());
        let reordered = format!(
            r#""proof":"AQ==","links":["0x{MODEL}"],"output":[1203,-77],"input":{{"vector":[9830,13107]}},"model":"0x{MODEL}""#
        );
        assert_eq!(answer(&reordered), answer(&good));
        let unknown = answer(&format!(r#"{good},"extra":1"#)).expect_err("an unknown field");
        assert!(unknown.contains("unknown field `extra`"), "{unknown}");
        let duplicate = answer(&format!(r#"{good},"model":"0x{MODEL}""#)).expect_err("a duplicate field");
        assert!(duplicate.contains("duplicate field `model`"), "{duplicate}");
        let missing = answer(&good.replace(r#","proof":"AQ==""#, "")).expect_err("a missing field");
        assert!(missing.contains("missing field `proof`"), "{missing}");
        assert!(answer(&good.replace("[1203,-77]", "[1203,32768]")).is_err(), "an output entry above i16");
        assert!(answer(&good.replace(r#""AQ==""#, "null")).is_err(), "a null proof");
        assert!(answer(&good.replace(r#""AQ==""#, r#""AR==""#)).is_err(), "a proof with pad bits");
    }

    /// An input is one object with one key, `vector` or `token`.
    #[test]
    fn inputs_are_one_key_objects() {
        let input = |json: &str| serde_json::from_str::<WireInput>(json);
        assert_eq!(input(r#"{"token":7}"#).expect("a token"), WireInput::Token(7));
        assert_eq!(input(r#"{"vector":[-32768,32767]}"#).expect("a vector"), WireInput::Vector(vec![-32768, 32767]));
        for bad in [
            r#"{"vector":[1],"token":2}"#,
            r#"{"vector":[1],"vector":[1]}"#,
            r#"{"Vector":[1]}"#,
            r#"{"vector":[1.0]}"#,
            r#"{"vector":[-32769]}"#,
            r#"{"token":-1}"#,
            r#"{"token":4294967296}"#,
            r#""token""#,
            r#"{}"#,
        ] {
            assert!(input(bad).is_err(), "{bad} is refused");
        }
    }
}
