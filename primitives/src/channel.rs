//! Payment channels' signed messages and the judgement of a receipt.
//!
//! A client pays a prover through a channel with **vouchers**: each names the channel and
//! the cumulative amount the client owes on it, so only the latest counts. A prover answers
//! with a **receipt**: the answer it stands behind (output, links, the hashes of the input
//! and the proof) under its signature. A receipt whose proof does not verify, or whose
//! retrieval an exclusion fraud proof refutes, convicts its prover ([`judge`]).
//!
//! Both are signed over [`SigningMessage`]: a 16-byte domain tag followed by the
//! BLAKE2b-256 of the message's SCALE encoding. The tag keeps a voucher from being read as
//! a receipt or a transaction; the chain's genesis hash inside every message keeps it from
//! being replayed on another chain; the channel id keeps it from being replayed on another
//! channel. The signature scheme is the chain's (sr25519 on Ghostchain): this crate only
//! says what is signed.

use crate::{
    decode_fraud,
    hash::{blake2_256, Hash, ModelId},
    Claim, Error, Evidence, Input, Verifier,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A channel's id, assigned by the chain in order.
pub type ChannelId = u64;

/// What a voucher or receipt signature is over: domain tag ‖ BLAKE2b-256(SCALE(message)).
pub type SigningMessage = [u8; 48];

/// Blocks a receipt's `at` may be ahead of or behind the client's view of the chain: a
/// client refuses a receipt dated further from its best block, and the chain keeps a
/// prover exposed this much longer than the receipt window, so that no accepted receipt
/// outlives the bond behind it.
pub const MAX_RECEIPT_SKEW: u32 = 5;

/// Domain tag of a voucher's signing message.
pub const VOUCHER_DOMAIN: [u8; 16] = *b"ghost/voucher/v1";
/// Domain tag of a receipt's signing message.
pub const RECEIPT_DOMAIN: [u8; 16] = *b"ghost/receipt/v1";
/// Domain tag of a channel request's signing message.
pub const REQUEST_DOMAIN: [u8; 16] = *b"ghost/request/v1";

fn signing_message(domain: &[u8; 16], message: &impl Encode) -> SigningMessage {
    let mut out = [0u8; 48];
    out[..16].copy_from_slice(domain);
    out[16..].copy_from_slice(&blake2_256(&message.encode()));
    out
}

/// A client's promise: it owes `amount` credit in all on `channel`. Cumulative, so a
/// prover redeems only its latest voucher and a replayed older one pays nothing.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub struct Voucher {
    /// The chain's genesis hash.
    pub genesis: Hash,
    /// The channel.
    pub channel: ChannelId,
    /// Credit owed on the channel in all, since it opened.
    pub amount: u128,
}

impl Voucher {
    /// The bytes the client signs.
    pub fn signing_message(&self) -> SigningMessage {
        signing_message(&VOUCHER_DOMAIN, self)
    }
}

/// A client's request on a channel, signed by the client: only it spends the answers the
/// prover serves before they are paid. `nonce` is the client's, never used twice on a
/// channel (a prover refuses one it saw, or one below what it has seen long ago).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Request {
    /// The chain's genesis hash.
    pub genesis: Hash,
    /// The channel.
    pub channel: ChannelId,
    /// The model asked.
    pub model: ModelId,
    /// `input_hash` of the input.
    pub input: Hash,
    /// The client's number for this request.
    pub nonce: u64,
}

impl Request {
    /// The bytes the client signs.
    pub fn signing_message(&self) -> SigningMessage {
        signing_message(&REQUEST_DOMAIN, self)
    }
}

/// A prover's signed answer on a channel: evidence against it if the answer is wrong.
/// `AccountId` and `BlockNumber` are the chain's.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Receipt<AccountId, BlockNumber> {
    /// The chain's genesis hash.
    pub genesis: Hash,
    /// The channel the answer was asked on.
    pub channel: ChannelId,
    /// The answer's number on the channel, from 0.
    pub seq: u64,
    /// The prover's latest finalised block when it answered: the receipt can be reported until
    /// `at` plus the chain's receipt window.
    pub at: BlockNumber,
    /// Who answered and signs (its account is bound into the links' seed).
    pub prover: AccountId,
    /// Who asked: compensated if the receipt convicts.
    pub client: AccountId,
    /// The model.
    pub model: ModelId,
    /// The answer's price in credit, the channel's: what a conviction slashes in proportion to.
    pub price: u128,
    /// [`input_hash`] of the input.
    pub input: Hash,
    /// The output (Q14).
    pub output: Vec<i16>,
    /// One commitment link per layer.
    pub links: Vec<Hash>,
    /// [`proof_hash`] of the encoded ghost proof.
    pub proof: Hash,
}

impl<AccountId: Encode, BlockNumber: Encode> Receipt<AccountId, BlockNumber> {
    /// The bytes the prover signs.
    pub fn signing_message(&self) -> SigningMessage {
        signing_message(&RECEIPT_DOMAIN, self)
    }

    /// BLAKE2b-256 of the receipt's SCALE encoding: its identity (a receipt convicts once).
    pub fn digest(&self) -> Hash {
        blake2_256(&self.encode())
    }

    /// The claim the receipt stands behind.
    pub fn claim(&self) -> Claim {
        Claim { output: self.output.clone(), links: self.links.clone() }
    }
}

/// The hash a receipt names its input by: BLAKE2b-256 of its SCALE encoding.
pub fn input_hash(input: &Input) -> Hash {
    blake2_256(&input.encode())
}

/// The hash a receipt names its proof by: BLAKE2b-256 of the encoded ghost proof.
pub fn proof_hash(proof: &[u8]) -> Hash {
    blake2_256(proof)
}

/// What is shown against a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptEvidence<'a> {
    /// The encoded ghost proof the receipt names: it does not prove the receipt's answer.
    Proof(&'a [u8]),
    /// An encoded exclusion fraud proof: the prover left out a better row or list.
    Fraud(&'a [u8]),
}

/// Why a receipt convicts its prover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
pub enum ReceiptFault {
    /// Its ghost proof does not prove its output for its input.
    BadProof,
    /// A row it left out outranks one it used.
    ExcludedRow,
    /// A list it did not probe outranks one it did.
    ExcludedList,
}

/// Why a receipt does not convict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acquittal {
    /// The input shown is not the one the receipt names.
    OtherInput,
    /// The proof shown is not the one the receipt names.
    OtherProof,
    /// The receipt is for another model than the verifier's.
    OtherModel,
    /// The evidence does not refute the answer: the proof verifies, or the fraud proof
    /// fails for this reason.
    Honest(Option<Error>),
}

/// Judge `receipt` on `evidence`: the fault that convicts its prover, or why it does not.
/// `verifier` is the receipt's model's. The chain, clients and watchers all decide here.
pub fn judge<A: Encode, B: Encode>(
    verifier: &Verifier,
    receipt: &Receipt<A, B>,
    input: &Input,
    evidence: ReceiptEvidence<'_>,
) -> core::result::Result<ReceiptFault, Acquittal> {
    if verifier.id() != receipt.model {
        return Err(Acquittal::OtherModel);
    }
    if input_hash(input) != receipt.input {
        return Err(Acquittal::OtherInput);
    }
    let binding = receipt.prover.encode();
    match evidence {
        ReceiptEvidence::Proof(proof) => {
            if proof_hash(proof) != receipt.proof {
                return Err(Acquittal::OtherProof);
            }
            match verifier.verify(&binding, input, &receipt.claim(), proof) {
                Ok(_) => Err(Acquittal::Honest(None)),
                Err(_) => Ok(ReceiptFault::BadProof),
            }
        }
        ReceiptEvidence::Fraud(bytes) => {
            let fraud = decode_fraud(bytes).map_err(|e| Acquittal::Honest(Some(e)))?;
            verifier.verify_fraud(&binding, input, &receipt.links, &fraud).map_err(|e| Acquittal::Honest(Some(e)))?;
            Ok(match fraud.evidence {
                Evidence::ExcludedRow(_) => ReceiptFault::ExcludedRow,
                Evidence::ExcludedList(_) => ReceiptFault::ExcludedList,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{testing, Shape};

    fn receipt(model: &crate::Model, input: &Input, claim: &Claim, proof: &[u8]) -> Receipt<[u8; 32], u32> {
        Receipt {
            genesis: [1; 32],
            channel: 3,
            seq: 0,
            at: 10,
            prover: [7; 32],
            client: [8; 32],
            model: model.id(),
            price: 5,
            input: input_hash(input),
            output: claim.output.clone(),
            links: claim.links.clone(),
            proof: proof_hash(proof),
        }
    }

    #[test]
    fn signing_messages_are_tagged_and_bound_to_every_field() {
        let voucher = Voucher { genesis: [1; 32], channel: 3, amount: 10 };
        let message = voucher.signing_message();
        assert_eq!(&message[..16], b"ghost/voucher/v1");
        assert_eq!(&message[16..], &blake2_256(&voucher.encode()));
        for other in [
            Voucher { genesis: [2; 32], ..voucher.clone() },
            Voucher { channel: 4, ..voucher.clone() },
            Voucher { amount: 11, ..voucher.clone() },
        ] {
            assert_ne!(other.signing_message(), message);
        }
        let r = Receipt {
            genesis: [1; 32],
            channel: 3,
            seq: 0,
            at: 1u32,
            prover: [7u8; 32],
            client: [8u8; 32],
            model: [0; 32],
            price: 1,
            input: [0; 32],
            output: Vec::new(),
            links: Vec::new(),
            proof: [0; 32],
        };
        assert_eq!(&r.signing_message()[..16], b"ghost/receipt/v1");
        assert_ne!(Receipt { seq: 1, ..r.clone() }.signing_message(), r.signing_message());
        // Same fields, other message kind: never the same bytes.
        assert_ne!(r.signing_message()[..16], message[..16]);
    }

    #[test]
    fn an_honest_receipt_is_acquitted_and_a_forged_one_convicts() {
        let model = testing::model(2, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap();
        let verifier = Verifier::try_from(model.ghost_file().clone()).unwrap();
        let input = testing::input(3, 8);
        let trace = model.trace_bound(&input, &[7u8; 32].encode()).unwrap();
        let (claim, proof) = (trace.claim(), model.prove_trace(&trace).unwrap().encode());
        let honest = receipt(&model, &input, &claim, &proof);
        let judged = judge(&verifier, &honest, &input, ReceiptEvidence::Proof(&proof));
        assert_eq!(judged, Err(Acquittal::Honest(None)));
        assert_eq!(
            judge(&verifier, &honest, &testing::input(4, 8), ReceiptEvidence::Proof(&proof)),
            Err(Acquittal::OtherInput)
        );
        assert_eq!(judge(&verifier, &honest, &input, ReceiptEvidence::Proof(b"junk")), Err(Acquittal::OtherProof));
        let mut lie = honest.clone();
        lie.output[0] ^= 1;
        assert_eq!(judge(&verifier, &lie, &input, ReceiptEvidence::Proof(&proof)), Ok(ReceiptFault::BadProof));
        // Signed for another prover: the links' seed differs, so the proof does not prove it.
        let other = Receipt { prover: [9u8; 32], ..honest.clone() };
        assert_eq!(judge(&verifier, &other, &input, ReceiptEvidence::Proof(&proof)), Ok(ReceiptFault::BadProof));
        assert!(matches!(
            judge(&verifier, &honest, &input, ReceiptEvidence::Fraud(b"junk")),
            Err(Acquittal::Honest(Some(_)))
        ));
        let elsewhere = Receipt { model: [5; 32], ..honest };
        assert_eq!(judge(&verifier, &elsewhere, &input, ReceiptEvidence::Proof(&proof)), Err(Acquittal::OtherModel));
    }
}
