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

/// A commitment's secret salt: 32 random bytes the reporter keeps until it reveals.
pub type Salt = [u8; 32];

/// `BLAKE2b-256(SCALE(who) ‖ SCALE(request id) ‖ salt ‖ fraud proof)`: what an exclusion
/// report is committed as. The salt hides the report until it is revealed: without it a
/// digest of a guessable fraud proof could be recognised in the pool.
pub fn dispute(who: &impl Encode, request: u64, salt: &Salt, fraud: &[u8]) -> Hash {
    let mut preimage: Vec<u8> = who.encode();
    request.encode_to(&mut preimage);
    preimage.extend_from_slice(salt);
    preimage.extend_from_slice(fraud);
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
        preimage.extend_from_slice(&[9; 32]);
        preimage.extend_from_slice(b"ev");
        assert_eq!(dispute(&who, 5, &[9; 32], b"ev"), blake2_256(&preimage));
        assert_ne!(dispute(&who, 5, &[9; 32], b""), dispute(&who, 6, &[9; 32], b""), "bound to the request");
        assert_ne!(dispute(&who, 5, &[9; 32], b""), dispute(&[8u8; 32], 5, &[9; 32], b""), "bound to the account");
        assert_ne!(dispute(&who, 5, &[9; 32], b""), dispute(&who, 5, &[10; 32], b""), "hidden by the salt");
        let mut preimage = who.to_vec();
        preimage.extend_from_slice(&[1; 32]);
        assert_eq!(registration(&who, &[1; 32]), blake2_256(&preimage));
    }
}
