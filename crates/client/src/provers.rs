//! Prover discovery and fail-over: the endpoints a model's bonded provers publish, and an
//! answer from the first of them whose answer verifies. An endpoint that is not public is
//! not asked ([`crate::endpoint`]).

use crate::{
    answer::{self, Rejection, Verified},
    chain::Chain,
    endpoint::{self, EndpointError},
    wire::Answer,
};
use anyhow::Result;
use ghost_primitives::{Input, ModelId, Verifier};
use subxt::utils::AccountId32;

/// A prover serving a model, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The prover's account.
    pub prover: AccountId32,
    /// Its JSON-RPC URL, as published with its bond.
    pub url: String,
}

/// The endpoints of `model`'s bonded provers that still serve it (not unbonding, with an
/// endpoint published).
pub async fn endpoints(chain: &Chain, model: &ModelId) -> Result<Vec<Endpoint>> {
    Ok(chain
        .provers(model)
        .await?
        .into_iter()
        .filter(|(_, bond)| bond.withdrawable_at.is_none() && !bond.endpoint.0.is_empty())
        .map(|(prover, bond)| Endpoint { prover, url: String::from_utf8_lossy(&bond.endpoint.0).into_owned() })
        .collect())
}

/// Why one endpoint gave no usable answer.
#[derive(Debug)]
pub enum Failure {
    /// It was not asked: its address is not public (or does not resolve).
    Refused(EndpointError),
    /// It could not be asked (down, slow, refused).
    Unreachable(anyhow::Error),
    /// It answered, and the answer did not verify.
    Rejected(Rejection),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused(e) => write!(f, "not asked: {e}"),
            Failure::Unreachable(e) => write!(f, "unreachable: {e:#}"),
            Failure::Rejected(r) => write!(f, "rejected: {r}"),
        }
    }
}

/// What [`ask_any`] got: the first verified answer, from which URL, and why each endpoint
/// asked before it failed.
pub struct Served {
    /// The verified answer.
    pub answer: Answer,
    /// What its verification measured.
    pub verified: Verified,
    /// The URL that gave it.
    pub url: String,
    /// The endpoints tried before it, each with its failure.
    pub failed: Vec<(String, Failure)>,
}

/// Ask each of `urls` in turn for `input` and keep the first answer that verifies against
/// `model`; `Err` with every failure when none does.
pub async fn ask_any(
    urls: &[String],
    model: &Verifier,
    input: &Input,
) -> std::result::Result<Served, Vec<(String, Failure)>> {
    let mut failed = Vec::new();
    for url in urls {
        if let Err(refused) = endpoint::check(url).await {
            failed.push((url.clone(), Failure::Refused(refused)));
            continue;
        }
        let answer = match answer::ask(url, model, input).await {
            Ok(answer) => answer,
            Err(e) => {
                failed.push((url.clone(), Failure::Unreachable(e)));
                continue;
            }
        };
        match answer::verify_answer(model, &answer, Some(input)) {
            Ok(verified) => return Ok(Served { answer, verified, url: url.clone(), failed }),
            Err(rejection) => failed.push((url.clone(), Failure::Rejected(rejection))),
        }
    }
    Err(failed)
}
