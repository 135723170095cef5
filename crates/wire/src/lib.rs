//! # ghost-wire
//!
//! The JSON forms of Ghostchain's answers, and the one check of an answer against its
//! ghost file. The prover writes these forms, the client and the CLI read them, and
//! the browser verifier (`crates/verify-js`) reads them too: so this crate reads no clock,
//! no file and no network, and builds for `wasm32-unknown-unknown`.
//!
//! Inputs travel as Q14 integers, already quantised by the client: the client verifies
//! against exactly the input it sent. Hashes travel as `0x`-hex strings, proofs (the bulk
//! of an answer) as base64: [`ProofBytes`]. (A channel's signed messages stay with the
//! client that signs them, `ghost_client::wire`.)
//!
//! * [`input`]: the input, [`WireInput`].
//! * [`answer`]: [`Answer`], [`ProofBytes`], and [`check_answer`] with its [`Rejection`]s.

pub mod answer;
pub mod input;

pub use answer::{check_answer, Answer, ProofBytes, Rejection};
pub use input::WireInput;
