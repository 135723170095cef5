//! The prover's JSON-RPC server: the API of [`ghost_client::api`], answered from the
//! served models (and, for `ghost_proof`, the daemon's journal).

use crate::journal::Journal;
use codec::Encode;
use ghost_client::{
    api::{
        Entry, GhostRpcServer, Health, BAD_INPUT, INTERNAL, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, NO_PROOF,
        UNAVAILABLE, UNKNOWN_MODEL,
    },
    wire::{Answer, WireInput},
};
use ghost_primitives::{hex0x, parse_hash};
use ghost_primitives::{limits, Input, Model, ModelId};
use jsonrpsee::{
    core::{async_trait, RpcResult},
    server::{Server, ServerHandle},
    types::ErrorObjectOwned,
};
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};
use tokio::sync::Semaphore;

/// How a prover misbehaves on purpose: for demonstrating and testing verification and
/// disputes, never for serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Misbehaviour {
    /// Swap a selected row of the first lookup layer for a candidate it outranks, and
    /// prove what was used (the proof verifies; an exclusion fraud proof convicts).
    SkipBestRow,
    /// Change the output after proving (the proof no longer matches).
    CorruptOutput,
    /// Flip a bit in the middle of the encoded proof.
    CorruptProof,
}

/// The served models and counters.
pub struct Prover {
    models: BTreeMap<ModelId, Arc<Model>>,
    misbehaviour: Option<Misbehaviour>,
    workers: Arc<Semaphore>,
    served: AtomicU64,
    journal: Option<Journal>,
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

impl Prover {
    /// Serve `models`, computing at most `workers` answers at once.
    pub fn new(models: Vec<Arc<Model>>, workers: usize, misbehaviour: Option<Misbehaviour>) -> Self {
        Self {
            models: models.into_iter().map(|m| (m.id(), m)).collect(),
            misbehaviour,
            workers: Arc::new(Semaphore::new(workers.max(1))),
            served: AtomicU64::new(0),
            journal: None,
        }
    }

    /// Also serve the proofs of results posted on chain, from `journal`.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    fn model(&self, id: Option<&str>) -> RpcResult<&Arc<Model>> {
        match id {
            None if self.models.len() == 1 => Ok(self.models.values().next().expect("one model")),
            None => Err(error(UNKNOWN_MODEL, "several models are served: name one (see ghost_models)")),
            Some(id) => {
                let parsed = parse_hash(id).map_err(|e| error(UNKNOWN_MODEL, e.to_string()))?;
                self.models.get(&parsed).ok_or_else(|| error(UNKNOWN_MODEL, format!("model {id} is not served here")))
            }
        }
    }
}

/// The answer to `input`, behaving as `misbehaviour` says.
pub fn answer(model: &Model, input: &Input, misbehaviour: Option<Misbehaviour>) -> ghost_primitives::Result<Answer> {
    answer_bound(model, input, &[], misbehaviour)
}

/// [`answer`] bound to `binding` (on chain: the prover's SCALE-encoded account).
pub fn answer_bound(
    model: &Model,
    input: &Input,
    binding: &[u8],
    misbehaviour: Option<Misbehaviour>,
) -> ghost_primitives::Result<Answer> {
    let trace = match misbehaviour {
        Some(Misbehaviour::SkipBestRow) => {
            let layer = first_lookup(model.ghost_file());
            model.lazy_trace(input, layer, binding)?.map_or_else(|| model.trace_bound(input, binding), Ok)?
        }
        _ => model.trace_bound(input, binding)?,
    };
    let mut claim = trace.claim();
    let mut proof = model.prove_trace(&trace)?.encode();
    match misbehaviour {
        Some(Misbehaviour::CorruptOutput) => {
            if let Some(first) = claim.output.first_mut() {
                *first = first.wrapping_add(1);
            }
        }
        Some(Misbehaviour::CorruptProof) => {
            let mid = proof.len() / 2;
            if let Some(byte) = proof.get_mut(mid) {
                *byte ^= 0x04;
            }
        }
        _ => {}
    }
    Ok(Answer::new(&model.id(), input, &claim, &proof))
}

fn first_lookup(file: &ghost_primitives::GhostFile) -> u32 {
    file.layers.iter().position(|l| matches!(l, ghost_primitives::LayerSpec::Lookup(_))).unwrap_or(0) as u32
}

#[async_trait]
impl GhostRpcServer for Prover {
    async fn health(&self) -> RpcResult<Health> {
        Ok(Health { status: "ok".into(), models: self.models.len(), served: self.served.load(Ordering::Relaxed) })
    }

    async fn models(&self) -> RpcResult<Vec<String>> {
        Ok(self.models.keys().map(|id| hex0x(id)).collect())
    }

    async fn ghost_file(&self, model: Option<String>) -> RpcResult<String> {
        Ok(hex0x(&self.model(model.as_deref())?.ghost_file().encode()))
    }

    async fn infer(&self, model: String, input: WireInput) -> RpcResult<Answer> {
        let model = self.model(Some(&model))?.clone();
        if let WireInput::Vector(v) = &input {
            if v.len() > limits::MAX_DIM as usize {
                return Err(error(
                    BAD_INPUT,
                    format!("input has {} entries; no model takes more than {}", v.len(), limits::MAX_DIM),
                ));
            }
        }
        let input: Input = input.into();
        model
            .verifier()
            .check_input(&input)
            .map_err(|e| error(BAD_INPUT, format!("input does not fit the model: {e}")))?;
        let _permit = self.workers.acquire().await.map_err(|_| error(UNAVAILABLE, "shutting down"))?;
        // The forward pass runs here, on the runtime's thread, with no hand-off to a
        // blocking pool (two thread wake-ups a request, a tenth of the server's CPU when
        // measured). It is short (a fraction of a millisecond), and the semaphore lets
        // at most `workers` run at once, so a runtime with more threads than that always
        // has one free for the network (`ghost serve` builds it so).
        let answer =
            answer(&model, &input, self.misbehaviour).map_err(|e| error(INTERNAL, format!("inference failed: {e}")))?;
        self.served.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(model = %answer.model, "answered");
        Ok(answer)
    }

    async fn proof(&self, request: u64) -> RpcResult<Entry> {
        self.journal
            .as_ref()
            .and_then(|j| j.get(request))
            .ok_or_else(|| error(NO_PROOF, format!("no proof of request {request} is kept here")))
    }
}

/// Start serving on `listen`; returns the bound address and the server's handle.
pub async fn serve(listen: SocketAddr, prover: Prover) -> anyhow::Result<(SocketAddr, ServerHandle)> {
    let server = Server::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .max_connections(1024)
        .build(listen)
        .await?;
    let addr = server.local_addr()?;
    let handle = server.start(prover.into_rpc());
    Ok((addr, handle))
}

/// Serve `prover` on `listen` until Ctrl-C, `stop` completes or the server stops; `ready`
/// is told the bound address once it listens (`ghost serve`).
pub async fn serve_until_stopped(
    listen: SocketAddr,
    prover: Prover,
    ready: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let (addr, handle) = serve(listen, prover).await.with_context(|| format!("cannot listen on {listen}"))?;
    ready(addr);
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("stopping");
            let _ = handle.stop();
        }
        _ = stop => {
            tracing::info!("asked to stop");
            let _ = handle.stop();
        }
        _ = handle.clone().stopped() => {}
    }
    Ok(())
}
