//! Payment channels off chain: the JSON forms of vouchers and receipts, signing them with
//! an sr25519 key, and checking a receipt against what the client asked and expects.
//! What is signed, and how a receipt is judged, is `ghost_primitives::channel`'s.
//!
//! A client checks every answer before it pays: the receipt must be signed by the
//! channel's prover and name this chain, this channel, the model, the channel's price, a
//! recent block, the input sent, the answer's output and links, and the hash
//! of the answer's proof; and the proof must verify, bound to the prover's account.
//!
//! * [`message`]: the JSON forms, signing, the client's check of an answer and receipt.
//! * [`onchain`]: the chain's side: reading channels, opening, topping up, closing,
//!   redeeming and reporting.
//! * [`session`]: a client's session on one channel: ask, verify, keep the receipt, pay.

pub mod message;
pub mod onchain;
pub mod session;

pub use message::*;
