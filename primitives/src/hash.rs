//! BLAKE2b-256 and the domain tags that keep every kind of hashed message apart.
//!
//! Every hash the protocol takes starts with one tag byte, so a leaf can never pass for
//! an inner node, a trace link for a leaf, and so on. The model id is the one exception:
//! it hashes the ghost file as is, whose first bytes are the magic `GHST`, a value no
//! tagged message starts with.

/// A BLAKE2b-256 digest.
pub type Hash = [u8; 32];

/// A model's identity: BLAKE2b-256 of its encoded ghost file.
pub type ModelId = Hash;

/// Tag of a leaf: `H(LEAF || tree tag || layer || index || row)`.
pub const TAG_LEAF: u8 = 0x00;
/// Tag of an inner node: `H(NODE || left || right)`.
pub const TAG_NODE: u8 = 0x01;
/// Tag of a ghost root: `H(ROOT || leaf count || tree root)`.
pub const TAG_ROOT: u8 = 0x02;
/// Tag of a trace link: `H(LINK || SCALE(LinkOpening))`.
pub const TAG_LINK: u8 = 0x03;
/// Tag of a trace seed: `H(SEED || model id || SCALE(Input) || binding)`.
pub const TAG_SEED: u8 = 0x04;

/// A BLAKE2b-256 hasher fed in parts (same digest as `sp_crypto_hashing::blake2_256`).
pub struct Blake2b256(blake2b_simd::State);

impl Blake2b256 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self(blake2b_simd::Params::new().hash_length(32).to_state())
    }

    /// A hasher that has already taken the tag byte `tag`.
    pub fn tagged(tag: u8) -> Self {
        let mut hasher = Self::new();
        hasher.update(&[tag]);
        hasher
    }

    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        self.0.update(data);
        self
    }

    /// The digest.
    pub fn finalize(&self) -> Hash {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finalize().as_bytes());
        out
    }
}

impl Default for Blake2b256 {
    fn default() -> Self {
        Self::new()
    }
}

/// BLAKE2b-256 of one message, one-shot (no incremental state to buffer through).
pub fn blake2_256(data: &[u8]) -> Hash {
    let mut out = [0u8; 32];
    out.copy_from_slice(blake2b_simd::Params::new().hash_length(32).hash(data).as_bytes());
    out
}

/// `H(tag || a || b)` for two hashes, one-shot: an inner node of a tree. Every proof
/// verification computes hundreds of these.
pub fn hash_pair(tag: u8, a: &Hash, b: &Hash) -> Hash {
    blake2_256(&pair_message(tag, a, b))
}

/// The message [`hash_pair`] hashes: `tag || a || b`.
pub fn pair_message(tag: u8, a: &Hash, b: &Hash) -> [u8; 65] {
    let mut message = [0u8; 65];
    message[0] = tag;
    message[1..33].copy_from_slice(a);
    message[33..].copy_from_slice(b);
    message
}

/// BLAKE2b-256 of each message, several at a time: four lanes with AVX2 (detected at
/// run time with `std`), else one at a time as in the wasm runtime. The digests are
/// [`blake2_256`]'s; only the speed differs.
pub fn blake2_256_many<'a>(messages: impl IntoIterator<Item = &'a [u8]>) -> alloc::vec::Vec<Hash> {
    let mut params = blake2b_simd::Params::new();
    params.hash_length(32);
    let mut jobs: alloc::vec::Vec<_> =
        messages.into_iter().map(|m| blake2b_simd::many::HashManyJob::new(&params, m)).collect();
    blake2b_simd::many::hash_many(jobs.iter_mut());
    jobs.iter()
        .map(|job| {
            let mut out = [0u8; 32];
            out.copy_from_slice(job.to_hash().as_bytes());
            out
        })
        .collect()
}

/// `codec::Output` adaptor, so SCALE values are hashed without an intermediate buffer.
impl codec::Output for Blake2b256 {
    fn write(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_chain_hash() {
        for len in [0usize, 1, 31, 32, 33, 127, 128, 129, 1000] {
            let data: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            assert_eq!(blake2_256(&data), sp_crypto_hashing::blake2_256(&data));
        }
    }

    #[test]
    fn lanes_hash_like_one_at_a_time() {
        // Lengths around the block size, more messages than lanes, and none at all.
        let messages: alloc::vec::Vec<alloc::vec::Vec<u8>> =
            (0..23usize).map(|n| (0..n * 13 % 300).map(|i| (i * 31 + n) as u8).collect()).collect();
        let many = blake2_256_many(messages.iter().map(|m| m.as_slice()));
        let one: alloc::vec::Vec<Hash> = messages.iter().map(|m| blake2_256(m)).collect();
        assert_eq!(many, one);
        assert!(blake2_256_many(core::iter::empty()).is_empty());
    }

    #[test]
    fn parts_hash_like_the_whole() {
        let mut hasher = Blake2b256::tagged(TAG_LINK);
        hasher.update(b"ab").update(b"c");
        assert_eq!(hasher.finalize(), blake2_256(&[TAG_LINK, b'a', b'b', b'c']));
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let whole = Blake2b256::tagged(TAG_NODE).update(&a).update(&b).finalize();
        assert_eq!(hash_pair(TAG_NODE, &a, &b), whole);
    }
}
