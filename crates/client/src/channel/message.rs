//! Vouchers and receipts on the wire: their JSON forms, signing them with an sr25519 key,
//! and the client's check of an answer and its receipt before it pays.

use crate::wire::Answer;
pub use crate::wire::{WireReceipt, WireTicket, WireVoucher};
use ghost_primitives::{
    channel::{input_hash, proof_hash, ChannelId, Receipt, Request, Voucher},
    hex0x, parse_hash, Hash, Input, ModelId, Verifier,
};
use subxt_signer::sr25519::{self, Keypair};

/// An account's raw 32 bytes (its SCALE encoding on Ghostchain).
pub type AccountBytes = [u8; 32];

/// A receipt as the chain and the primitives read it on Ghostchain.
pub type ChainReceipt = Receipt<AccountBytes, u32>;

/// Why a voucher or receipt was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    /// A field could not be read.
    #[error("the {0} is malformed: {1}")]
    Malformed(&'static str, String),
    /// The signature is not the signer's.
    #[error("the {0}'s signature is not its signer's")]
    BadSignature(&'static str),
    /// The receipt does not say what the client expects.
    #[error("the receipt's {field} is not the one expected: {why}")]
    Unexpected {
        /// Which field.
        field: &'static str,
        /// What was expected and found.
        why: String,
    },
    /// The answer's proof does not prove it for this prover.
    #[error("the answer's ghost proof does not verify for this prover: {0}")]
    Invalid(ghost_primitives::Error),
}

fn hex_bytes<const N: usize>(what: &'static str, text: &str) -> Result<[u8; N], MessageError> {
    let digits = text.strip_prefix("0x").ok_or_else(|| MessageError::Malformed(what, "not 0x-hex".into()))?;
    let bytes = hex::decode(digits).map_err(|e| MessageError::Malformed(what, e.to_string()))?;
    bytes.try_into().map_err(|b: Vec<u8>| MessageError::Malformed(what, format!("{} bytes, not {N}", b.len())))
}

fn amount(what: &'static str, text: &str) -> Result<u128, MessageError> {
    text.parse().map_err(|_| MessageError::Malformed(what, format!("the amount {text:?} is not a decimal number")))
}

/// Sign a voucher for `amount` on `channel` of the chain whose genesis is `genesis`.
pub fn sign_voucher(key: &Keypair, genesis: Hash, channel: ChannelId, amount: u128) -> WireVoucher {
    let message = Voucher { genesis, channel, amount }.signing_message();
    WireVoucher { channel, amount: amount.to_string(), signature: hex0x(&key.sign(&message).0) }
}

impl WireVoucher {
    /// The amount, if the voucher is `client`'s signature on this chain: what a prover
    /// checks before it counts a voucher as paid.
    pub fn check(&self, genesis: Hash, client: &AccountBytes) -> Result<u128, MessageError> {
        let amount = amount("voucher", &self.amount)?;
        let signature = sr25519::Signature(hex_bytes("voucher's signature", &self.signature)?);
        let message = Voucher { genesis, channel: self.channel, amount }.signing_message();
        if !sr25519::verify(&signature, message, &sr25519::PublicKey(*client)) {
            return Err(MessageError::BadSignature("voucher"));
        }
        Ok(amount)
    }

    /// The raw signature (for `redeem`).
    pub fn signature_bytes(&self) -> Result<[u8; 64], MessageError> {
        hex_bytes("voucher's signature", &self.signature)
    }
}

/// Sign the request for `input` of `model` on `channel`, numbered `nonce`.
pub fn sign_request(
    key: &Keypair,
    genesis: Hash,
    channel: ChannelId,
    model: &ModelId,
    input: &Input,
    nonce: u64,
) -> WireTicket {
    let message = Request { genesis, channel, model: *model, input: input_hash(input), nonce }.signing_message();
    WireTicket { nonce, signature: hex0x(&key.sign(&message).0) }
}

impl WireTicket {
    /// The nonce, if the ticket is `client`'s signature of this request on this chain:
    /// what a prover checks before it serves a channel's answer.
    pub fn check(
        &self,
        genesis: Hash,
        channel: ChannelId,
        model: &ModelId,
        input: &Input,
        client: &AccountBytes,
    ) -> Result<u64, MessageError> {
        let signature = sr25519::Signature(hex_bytes("request's signature", &self.signature)?);
        let message =
            Request { genesis, channel, model: *model, input: input_hash(input), nonce: self.nonce }.signing_message();
        if !sr25519::verify(&signature, message, &sr25519::PublicKey(*client)) {
            return Err(MessageError::BadSignature("request"));
        }
        Ok(self.nonce)
    }
}

/// Sign `receipt` with the prover's key.
pub fn sign_receipt(key: &Keypair, receipt: &ChainReceipt) -> WireReceipt {
    let signature = key.sign(&receipt.signing_message());
    WireReceipt::new(receipt, &signature.0)
}

impl WireReceipt {
    /// The wire form of `receipt` signed with `signature`.
    pub fn new(receipt: &ChainReceipt, signature: &[u8; 64]) -> Self {
        Self {
            genesis: hex0x(&receipt.genesis),
            channel: receipt.channel,
            seq: receipt.seq,
            at: receipt.at,
            prover: hex0x(&receipt.prover),
            client: hex0x(&receipt.client),
            model: hex0x(&receipt.model),
            price: receipt.price.to_string(),
            input: hex0x(&receipt.input),
            output: receipt.output.clone(),
            links: receipt.links.iter().map(|l| hex0x(l)).collect(),
            proof: hex0x(&receipt.proof),
            signature: hex0x(signature),
        }
    }

    /// The receipt and its signature, read and checked to be the prover's.
    pub fn parse(&self) -> Result<(ChainReceipt, [u8; 64]), MessageError> {
        let hash = |what, text: &str| parse_hash(text).map_err(|e| MessageError::Malformed(what, e.to_string()));
        let receipt = ChainReceipt {
            genesis: hash("receipt's genesis", &self.genesis)?,
            channel: self.channel,
            seq: self.seq,
            at: self.at,
            prover: hex_bytes("receipt's prover", &self.prover)?,
            client: hex_bytes("receipt's client", &self.client)?,
            model: hash("receipt's model", &self.model)?,
            price: amount("receipt", &self.price)?,
            input: hash("receipt's input", &self.input)?,
            output: self.output.clone(),
            links: self.links.iter().map(|l| hash("receipt's links", l)).collect::<Result<_, _>>()?,
            proof: hash("receipt's proof", &self.proof)?,
        };
        let signature = hex_bytes("receipt's signature", &self.signature)?;
        let valid = sr25519::verify(
            &sr25519::Signature(signature),
            receipt.signing_message(),
            &sr25519::PublicKey(receipt.prover),
        );
        if !valid {
            return Err(MessageError::BadSignature("receipt"));
        }
        Ok((receipt, signature))
    }
}

/// What a client expects of the next receipt on a channel: the channel's terms as the
/// chain recorded them, and where the client is on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The chain's genesis hash.
    pub genesis: Hash,
    /// The channel.
    pub channel: ChannelId,
    /// Its prover.
    pub prover: AccountBytes,
    /// Its client (this one).
    pub client: AccountBytes,
    /// Its model.
    pub model: ModelId,
    /// Its price.
    pub price: u128,
    /// The client's best block: a receipt's `at` may be behind it by at most
    /// [`MAX_RECEIPT_LAG`] blocks, and ahead of it by as much (another node's view).
    pub best: u32,
}

/// How far a receipt's block may be from the client's best: its window on chain starts
/// at `at`, so a receipt dated further back would leave the client less time to report,
/// and one dated ahead could outlive the prover's exposure.
pub use ghost_primitives::channel::MAX_RECEIPT_SKEW as MAX_RECEIPT_LAG;

/// Check a prover's `answer` to `input` and its `receipt` against what the client expects:
/// the receipt is the prover's, says what was asked and answered, and the answer's proof
/// verifies for this prover. The receipt, once accepted, is the client's evidence.
pub fn check_answer(
    verifier: &Verifier,
    expected: &Expected,
    input: &Input,
    answer: &Answer,
    receipt: &WireReceipt,
) -> Result<ChainReceipt, MessageError> {
    let (parsed, _) = receipt.parse()?;
    let unexpected = |field, why: String| Err(MessageError::Unexpected { field, why });
    let show = |h: &[u8]| hex0x(h);
    if parsed.genesis != expected.genesis {
        return unexpected("genesis", format!("another chain's, {}", show(&parsed.genesis)));
    }
    if parsed.channel != expected.channel {
        return unexpected("channel", format!("{} instead of {}", parsed.channel, expected.channel));
    }
    if parsed.prover != expected.prover || parsed.client != expected.client {
        return unexpected("parties", format!("{} and {}", show(&parsed.prover), show(&parsed.client)));
    }
    if parsed.model != expected.model || parsed.model != verifier.id() {
        return unexpected("model", show(&parsed.model));
    }
    if parsed.price != expected.price {
        return unexpected("price", format!("{} instead of {}", parsed.price, expected.price));
    }
    if parsed.at.saturating_add(MAX_RECEIPT_LAG) < expected.best
        || parsed.at > expected.best.saturating_add(MAX_RECEIPT_LAG)
    {
        return unexpected("block", format!("{} while the chain is at {}", parsed.at, expected.best));
    }
    if parsed.input != input_hash(input) || Input::from(answer.input.clone()) != *input {
        return unexpected("input", "not the input sent".into());
    }
    let claim = answer.claim().map_err(|e| MessageError::Malformed("answer", format!("{e:#}")))?;
    if parsed.output != claim.output || parsed.links != claim.links {
        return unexpected("answer", "its output or links differ from the answer's".into());
    }
    if parsed.proof != proof_hash(&answer.proof.0) {
        return unexpected("proof", "it names another proof than the answer's".into());
    }
    verifier.verify(&parsed.prover, input, &claim, &answer.proof.0).map_err(MessageError::Invalid)?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_primitives::{testing, Shape};

    fn setup() -> (ghost_primitives::Model, Keypair, Keypair, Input) {
        let model = testing::model(3, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap();
        (model, subxt_signer::sr25519::dev::charlie(), subxt_signer::sr25519::dev::bob(), testing::input(1, 8))
    }

    fn served(
        model: &ghost_primitives::Model,
        prover: &Keypair,
        client: &Keypair,
        input: &Input,
    ) -> (Answer, WireReceipt, Expected) {
        let account = prover.public_key().0;
        let trace = model.trace_bound(input, &account).unwrap();
        let proof = model.prove_trace(&trace).unwrap().encode();
        let claim = trace.claim();
        let answer = Answer::new(&model.id(), input, &claim, &proof);
        let expected = Expected {
            genesis: [9; 32],
            channel: 4,
            prover: account,
            client: client.public_key().0,
            model: model.id(),
            price: 25,
            best: 100,
        };
        let receipt = ChainReceipt {
            genesis: expected.genesis,
            channel: 4,
            seq: 7,
            at: 99,
            prover: account,
            client: expected.client,
            model: model.id(),
            price: 25,
            input: input_hash(input),
            output: claim.output,
            links: claim.links,
            proof: proof_hash(&proof),
        };
        (answer, sign_receipt(prover, &receipt), expected)
    }

    #[test]
    fn vouchers_are_checked_against_their_signer_and_chain() {
        let (_, prover, client, _) = setup();
        let voucher = sign_voucher(&client, [9; 32], 4, 1_200);
        assert_eq!(voucher.check([9; 32], &client.public_key().0), Ok(1_200));
        assert_eq!(voucher.check([8; 32], &client.public_key().0), Err(MessageError::BadSignature("voucher")));
        assert_eq!(voucher.check([9; 32], &prover.public_key().0), Err(MessageError::BadSignature("voucher")));
        let raised = WireVoucher { amount: "1201".into(), ..voucher.clone() };
        assert_eq!(raised.check([9; 32], &client.public_key().0), Err(MessageError::BadSignature("voucher")));
        let junk = WireVoucher { amount: "-1".into(), ..voucher };
        assert!(matches!(junk.check([9; 32], &client.public_key().0), Err(MessageError::Malformed(..))));
    }

    #[test]
    fn an_honest_answer_and_receipt_are_accepted_and_every_change_is_caught() {
        let (model, prover, client, input) = setup();
        let verifier = Verifier::try_from(model.ghost_file().clone()).unwrap();
        let (answer, receipt, expected) = served(&model, &prover, &client, &input);
        let accepted = check_answer(&verifier, &expected, &input, &answer, &receipt).unwrap();
        assert_eq!(accepted.seq, 7);
        // The same receipt read back from JSON.
        let json = serde_json::to_string(&receipt).unwrap();
        let back: WireReceipt = serde_json::from_str(&json).unwrap();
        assert!(check_answer(&verifier, &expected, &input, &answer, &back).is_ok());
        let refused = |e: &Expected, a: &Answer, r: &WireReceipt| check_answer(&verifier, e, &input, a, r).unwrap_err();
        // A field changed after signing.
        let mut forged = receipt.clone();
        forged.seq = 8;
        assert_eq!(refused(&expected, &answer, &forged), MessageError::BadSignature("receipt"));
        // Signed by another key than the channel's prover.
        let (_, by_client, _) = served(&model, &client, &client, &input);
        assert!(matches!(refused(&expected, &answer, &by_client), MessageError::Unexpected { field: "parties", .. }));
        // Not what the client expects, or dated too far back.
        for (field, e) in [
            ("price", Expected { price: 26, ..expected.clone() }),
            ("genesis", Expected { genesis: [1; 32], ..expected.clone() }),
            ("block", Expected { best: 110, ..expected.clone() }),
        ] {
            assert!(matches!(refused(&e, &answer, &receipt), MessageError::Unexpected { field: f, .. } if f == field));
        }
        // The answer differs from what the receipt names.
        let mut other = answer.clone();
        other.output[0] ^= 1;
        assert!(matches!(refused(&expected, &other, &receipt), MessageError::Unexpected { field: "answer", .. }));
        // A receipt that names a proof which does not verify: signed, so it is evidence,
        // but never accepted.
        let (mut bad, _, _) = served(&model, &prover, &client, &input);
        bad.proof.0[10] ^= 1;
        let mut parsed = receipt.parse().unwrap().0;
        parsed.proof = proof_hash(&bad.proof.0);
        let signed = sign_receipt(&prover, &parsed);
        assert!(matches!(refused(&expected, &bad, &signed), MessageError::Invalid(_)));
    }
}
