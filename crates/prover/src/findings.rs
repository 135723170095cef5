//! What a model's weights show of an answer someone else gave: the honest answer, or the
//! exclusion fraud proof that convicts it. A result posted on chain (the watcher) and a
//! channel receipt handed in (the audit endpoint) are weighed alike.

use anyhow::Result;
use codec::Encode;
use ghost_primitives::{Claim, Input, Model};

/// What the weights found wrong with an answer.
#[derive(Clone, Debug)]
pub enum Finding {
    /// The prover left out a better row or list: this fraud proof (encoded) convicts it.
    Excluded(Vec<u8>),
    /// The result differs from the honest one, but no fraud proof shows it (why).
    Unexplained(String),
}

/// What `model`'s weights show of `claim` with `proof` on `input`, bound to `binding`:
/// `None` when it is the honest answer, else the fraud proof that convicts it or why none
/// does. A posted result and a channel receipt are weighed alike.
pub fn weigh(model: &Model, input: &Input, binding: &[u8], claim: &Claim, proof: &[u8]) -> Result<Option<Finding>> {
    if &model.trace_bound(input, binding)?.claim() == claim {
        return Ok(None);
    }
    let trace = match model.verifier().verify(binding, input, claim, proof) {
        Ok(trace) => trace,
        Err(e) => return Ok(Some(Finding::Unexplained(format!("its proof does not verify here: {e}")))),
    };
    Ok(Some(match model.find_fraud(input, &trace) {
        Ok(Some(fraud)) => Finding::Excluded(fraud.encode()),
        Ok(None) => Finding::Unexplained("no fraud proof shows it".into()),
        Err(e) => Finding::Unexplained(format!("no fraud proof could be built: {e}")),
    }))
}
