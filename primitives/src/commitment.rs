//! The commit–reveal digests of the chain's calls: what a registration and a dispute are
//! committed as, so that nothing copied from the transaction pool can be revealed by
//! another account. Accounts enter in their SCALE encoding (32 raw bytes on Ghostchain).

use crate::hash::{blake2_256, Hash};
use alloc::vec::Vec;
use codec::Encode;

/// `BLAKE2b-256(SCALE(owner) ‖ model id)`: what `commit_registration` commits to.
pub fn registration(owner: &impl Encode, model: &crate::ModelId) -> Hash {
    let mut preimage = owner.encode();
    preimage.extend_from_slice(model);
    blake2_256(&preimage)
}

/// `BLAKE2b-256(SCALE(who) ‖ SCALE(request id) ‖ evidence)`: what a dispute is committed
/// as; `evidence` is empty for a prove-it challenge and the encoded fraud proof for an
/// exclusion.
pub fn dispute(who: &impl Encode, request: u64, evidence: &[u8]) -> Hash {
    let mut preimage: Vec<u8> = who.encode();
    request.encode_to(&mut preimage);
    preimage.extend_from_slice(evidence);
    blake2_256(&preimage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_over_the_documented_bytes() {
        let who = [7u8; 32];
        let mut preimage = who.to_vec();
        preimage.extend_from_slice(&5u64.to_le_bytes());
        preimage.extend_from_slice(b"ev");
        assert_eq!(dispute(&who, 5, b"ev"), blake2_256(&preimage));
        assert_ne!(dispute(&who, 5, b""), dispute(&who, 6, b""), "bound to the request");
        assert_ne!(dispute(&who, 5, b""), dispute(&[8u8; 32], 5, b""), "bound to the account");
        let mut preimage = who.to_vec();
        preimage.extend_from_slice(&[1; 32]);
        assert_eq!(registration(&who, &[1; 32]), blake2_256(&preimage));
    }
}
