//! The one verifier entry: a validated ghost file whose model id is known.
//!
//! Every consumer (the inference pallet, the runtime API, the CLI's client and watcher,
//! the benchmarks) holds a [`Verifier`] and calls [`Verifier::verify`] with the proof's
//! bytes, or [`Verifier::verify_fraud`]. The file is validated and hashed once, when the
//! verifier is made, never per proof.

use crate::{
    fraud::{self, FraudProof},
    ghost_file::{GhostFile, InputShape},
    hash::{blake2_256, Hash, ModelId},
    limits,
    proof::{self, GhostProof},
    trace::{bound_seed, Claim, Input, Trace},
    Error, Result,
};
use alloc::vec::Vec;
use codec::Encode;

/// A ghost file that passed validation, with its model id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    file: GhostFile,
    id: ModelId,
}

impl Verifier {
    /// Validate `file` and hash it.
    pub fn new(file: GhostFile) -> Result<Self> {
        Self::with_bytes(file).map(|(verifier, _)| verifier)
    }

    /// [`Verifier::new`], also giving the file's encoding (what a registry stores), which
    /// the id is the hash of: encoded once.
    pub fn with_bytes(file: GhostFile) -> Result<(Self, Vec<u8>)> {
        file.validate()?;
        let bytes = file.encode();
        Ok((Self { id: blake2_256(&bytes), file }, bytes))
    }

    /// Decode and validate untrusted bytes (`GhostFile::decode_bounded`); the id is their hash.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let file = GhostFile::decode_bounded(bytes)?;
        Ok(Self { file, id: blake2_256(bytes) })
    }

    /// [`Verifier::decode`], requiring the bytes to be the model `expected` (a ghost file
    /// fetched from someone else).
    pub fn decode_expecting(bytes: &[u8], expected: &ModelId) -> Result<Self> {
        if bytes.len() <= limits::MAX_GHOST_FILE_BYTES && &blake2_256(bytes) != expected {
            return Err(Error::ModelIdMismatch);
        }
        let file = GhostFile::decode_bounded(bytes)?;
        Ok(Self { file, id: *expected })
    }

    /// A file the chain accepted earlier, read back from its storage under its id: decoded
    /// but neither validated nor hashed again (the registry stores only files it validated,
    /// under their hash).
    pub fn registered(bytes: &[u8], id: ModelId) -> Result<Self> {
        Ok(Self { file: GhostFile::decode_unvalidated(bytes)?, id })
    }

    /// The ghost file.
    pub fn file(&self) -> &GhostFile {
        &self.file
    }

    /// The model id.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// The file, given up.
    pub fn into_file(self) -> GhostFile {
        self.file
    }

    /// Whether `input` fits the model's first layer, or why not.
    pub fn check_input(&self, input: &Input) -> Result<()> {
        InputShape::of(&self.file).ok_or(Error::WrongInputKind)?.check(input)
    }

    /// The start of the commitment chain of a prover bound to `binding` for `input`:
    /// `H(0x04 || model id || SCALE(input) || binding)`. The chain binds a result to its
    /// prover's account (the SCALE encoding of the account id), so that links copied from
    /// another prover's result open to nothing under the copier's seed; off-chain answers
    /// use the empty binding.
    pub fn seed(&self, input: &Input, binding: &[u8]) -> Hash {
        bound_seed(&self.id, input, binding)
    }

    /// Decode the ghost proof `proof` and verify it against `claim` for `input`, answered
    /// by the prover bound to `binding` (on chain the prover's encoded account, off chain
    /// empty). Returns the trace the proof opens.
    ///
    /// Checks the input's kind and width, the proof's canonical encoding within its bounds,
    /// every opened row against its root, the layer rules (`n_probe` lists, `min(k, rows)`
    /// rows, each in a probed list), every output recomputed bit for bit, and last every
    /// link of the claim.
    pub fn verify(&self, binding: &[u8], input: &Input, claim: &Claim, proof: &[u8]) -> Result<Trace> {
        self.check_input(input)?;
        let proof = GhostProof::decode(proof, &self.file)?;
        self.check_claim(binding, input, claim, &proof)
    }

    /// [`Verifier::verify`] of a proof already decoded (the prover's own, in tests and
    /// benchmarks).
    pub fn verify_decoded(&self, binding: &[u8], input: &Input, claim: &Claim, proof: &GhostProof) -> Result<Trace> {
        self.check_input(input)?;
        self.check_claim(binding, input, claim, proof)
    }

    /// The proof against the claim, for an input already checked.
    fn check_claim(&self, binding: &[u8], input: &Input, claim: &Claim, proof: &GhostProof) -> Result<Trace> {
        let file = &self.file;
        if claim.links.len() != file.layers.len() {
            return Err(Error::TraceLength { expected: file.layers.len() as u32, got: claim.links.len() as u32 });
        }
        let trace = proof::verify_output(file, self.seed(input, binding), input, &claim.output, proof)?;
        for (l, (opening, link)) in trace.openings.iter().zip(&claim.links).enumerate() {
            if &opening.hash() != link {
                return Err(Error::TraceMismatch { layer: l as u32 });
            }
        }
        Ok(trace)
    }

    /// `Ok(())` when `fraud` convicts the prover bound to `binding` of the claim whose
    /// links are `links`, for `input`; otherwise the reason the fraud proof fails.
    pub fn verify_fraud(&self, binding: &[u8], input: &Input, links: &[Hash], fraud: &FraudProof) -> Result<()> {
        fraud::verify(&self.file, self.seed(input, binding), input, links, fraud)
    }
}

impl TryFrom<GhostFile> for Verifier {
    type Error = Error;

    fn try_from(file: GhostFile) -> Result<Self> {
        Self::new(file)
    }
}
