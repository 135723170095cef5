//! A wasm module around `ghost-primitives` built without `std`, as the runtime builds it.
//!
//! The host writes a SCALE-encoded [`Job`] into memory from [`ghost_alloc`], calls
//! [`ghost_run`], and reads back a SCALE-encoded [`Outcome`]. The native test runs the same
//! [`run`] and requires identical bytes.

use codec::{Decode, Encode};
use ghost_primitives::{Input, LayerWeights, Model, ProofFault};

/// What to compute.
#[derive(Encode, Decode)]
pub struct Job {
    /// The model's weights.
    pub layers: Vec<LayerWeights>,
    /// The input.
    pub input: Input,
    /// A proof to verify against the model (e.g. one made natively, possibly tampered).
    pub foreign_proof: Vec<u8>,
}

/// What was computed: everything a verifier or prover would hand on.
#[derive(Encode, Decode, PartialEq, Eq, Debug)]
pub struct Outcome {
    /// The ghost file bytes (so its id).
    pub ghost_file: Vec<u8>,
    /// Output and links of the honest forward pass.
    pub claim: ghost_primitives::Claim,
    /// The encoded honest proof.
    pub proof: Vec<u8>,
    /// Whether the foreign proof verifies against the honest claim, and if not why.
    pub foreign_verdict: Result<(), ghost_primitives::Error>,
}

/// The computation, identical natively and in wasm.
pub fn run(job: &Job) -> Result<Outcome, ghost_primitives::Error> {
    let model = Model::new(b"harness".to_vec(), job.layers.clone())?;
    let (trace, proof) = model.prove(&job.input)?;
    let claim = trace.claim();
    let foreign_verdict = model.verifier().verify(&[], &job.input, &claim, &job.foreign_proof).map(drop);
    Ok(Outcome { ghost_file: model.ghost_file().encode(), claim, proof: proof.encode(), foreign_verdict })
}

/// Reserve `len` bytes for the host to write a job into.
#[no_mangle]
pub extern "C" fn ghost_alloc(len: u32) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len as usize);
    let ptr = buf.as_mut_ptr();
    core::mem::forget(buf);
    ptr
}

/// Run the job at `ptr..ptr+len`; returns `(out_ptr << 32) | out_len` of the encoded
/// `Result<Outcome, Error>`.
///
/// # Safety
/// `ptr` must come from [`ghost_alloc`] with at least `len` bytes written.
#[no_mangle]
pub unsafe extern "C" fn ghost_run(ptr: *mut u8, len: u32) -> u64 {
    let bytes = Vec::from_raw_parts(ptr, len as usize, len as usize);
    let result = Job::decode(&mut &bytes[..])
        .map_err(|_| ghost_primitives::Error::ProofMalformed { offset: 0, fault: ProofFault::NotScale });
    let out = result.and_then(|job| run(&job)).encode();
    let out = out.into_boxed_slice();
    let out_len = out.len() as u64;
    let out_ptr = Box::into_raw(out) as *mut u8 as u64;
    (out_ptr << 32) | out_len
}
