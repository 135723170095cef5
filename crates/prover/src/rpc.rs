//! The prover's JSON-RPC server: the API of [`ghost_client::api`], answered from the
//! served models (and, for `ghost_proof`, the daemon's journal).
//! `ghost_infer` waits a bounded time ([`WORKER_WAIT`]) for one of the `workers`, then
//! answers `-32003` instead of queueing without end; a bonded daemon serves it only when
//! its operator says so ([`Prover::serve_free_inference`]). `ghost_health` reports the
//! daemon's [`Liveness`] (the chain it follows, its journal's writes) when it has one
//! ([`Prover::with_liveness`]). The server it runs in, and what bounds it, is
//! [`crate::server`]'s.

use crate::{
    channels::{Desk, Refusal},
    journal::Journal,
};
use codec::Encode;
use ghost_client::{
    api::{
        ChannelAnswer, Entry, GhostRpcServer, Health, BAD_INPUT, BAD_VOUCHER, CHANNEL_REFUSED, INTERNAL, NO_PROOF,
        ON_CHAIN_ONLY, PAYMENT_REQUIRED, UNAVAILABLE, UNKNOWN_MODEL,
    },
    api::{Replayed, Unpaid},
    channel::{WireTicket, WireVoucher},
    liveness::Liveness,
    wire::{Answer, WireInput},
};
use ghost_primitives::{hex0x, parse_hash};
use ghost_primitives::{limits, Input, Model, ModelId};
use jsonrpsee::{
    core::{async_trait, RpcResult},
    types::ErrorObjectOwned,
};
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::Semaphore;

/// How long `ghost_infer` waits for a free worker before it answers `-32003`: long enough
/// to ride out a burst (an answer takes milliseconds), short enough that a flood of
/// requests cannot keep connections waiting.
pub const WORKER_WAIT: Duration = Duration::from_secs(1);

/// How a prover misbehaves on purpose: for demonstrating and testing verification and
/// disputes, never for serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Misbehaviour {
    /// Swap a selected row of the first lookup layer for a candidate it outranks, and
    /// prove what was used (the proof verifies; an exclusion fraud proof convicts).
    SkipBestRow,
    /// Change the output after proving (the proof no longer matches: a client rejects the
    /// answer, and the chain refuses the result at submission, `ProofRejected`).
    CorruptOutput,
    /// Flip a bit in the middle of the encoded proof (refused the same way).
    CorruptProof,
}

/// The served models and counters.
pub struct Prover {
    models: BTreeMap<ModelId, Arc<Model>>,
    misbehaviour: Option<Misbehaviour>,
    workers: Arc<Semaphore>,
    served: AtomicU64,
    journal: Option<Journal>,
    free_inference: bool,
    channels: Option<Arc<Desk>>,
    /// What the daemon knows of its chain and its stores (none for `ghost serve`).
    liveness: Option<Arc<Liveness>>,
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
            free_inference: true,
            channels: None,
            liveness: None,
        }
    }

    /// Whether `ghost_infer` is answered (the default, `ghost serve`). A bonded daemon sells
    /// inference on chain, so it answers only when its operator asks for it: otherwise its
    /// published endpoint would give every verifiable answer away, price and royalty unpaid.
    pub fn serve_free_inference(mut self, yes: bool) -> Self {
        self.free_inference = yes;
        self
    }

    /// Also serve the proofs of results posted on chain, from `journal`.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Serve paid answers on the payment channels of `desk`.
    pub fn with_channels(mut self, desk: Arc<Desk>) -> Self {
        self.channels = Some(desk);
        self
    }

    /// Report `liveness` in `ghost_health`: the finalised block seen, the lag, the
    /// connection and the stores' last writes, and `"degraded"` when they say so.
    pub fn with_liveness(mut self, liveness: Arc<Liveness>) -> Self {
        self.liveness = Some(liveness);
        self
    }

    /// `input` read and checked against `model`.
    fn input_for(model: &Model, input: WireInput) -> RpcResult<Input> {
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
        Ok(input)
    }

    /// Wait a bounded time for a worker.
    async fn worker(&self) -> RpcResult<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(WORKER_WAIT, self.workers.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(error(UNAVAILABLE, "shutting down")),
            Err(_) => Err(error(UNAVAILABLE, "every worker is busy: try again later")),
        }
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
        let (models, served) = (self.models.len(), self.served.load(Ordering::Relaxed));
        Ok(match &self.liveness {
            Some(liveness) => liveness.health(models, served),
            None => Health::serving(models, served),
        })
    }

    async fn models(&self) -> RpcResult<Vec<String>> {
        Ok(self.models.keys().map(|id| hex0x(id)).collect())
    }

    async fn ghost_file(&self, model: Option<String>) -> RpcResult<String> {
        Ok(hex0x(&self.model(model.as_deref())?.ghost_file().encode()))
    }

    async fn infer(&self, model: String, input: WireInput) -> RpcResult<Answer> {
        if !self.free_inference {
            return Err(error(
                ON_CHAIN_ONLY,
                "this prover sells inference on chain: request it there (ghost infer --model ID); \
                 here it serves only the proofs of its posted results",
            ));
        }
        let model = self.model(Some(&model))?.clone();
        let input = Self::input_for(&model, input)?;
        let _permit = self.worker().await?;
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

    async fn channel_infer(
        &self,
        channel: u64,
        model: String,
        input: WireInput,
        ticket: WireTicket,
        voucher: Option<WireVoucher>,
    ) -> RpcResult<ChannelAnswer> {
        let desk = self.channels.as_ref().ok_or_else(|| error(CHANNEL_REFUSED, "this prover serves no channels"))?;
        let model = self.model(Some(&model))?.clone();
        let input = Self::input_for(&model, input)?;
        desk.ensure(channel).await.map_err(refusal)?;
        // Only the channel's client spends its unpaid answers.
        let nonce = desk.ticket(channel, &model.id(), &input, &ticket).map_err(refusal)?;
        // A worker first: a request that waits in vain reserves nothing.
        let _permit = self.worker().await?;
        if let Some(voucher) = &voucher {
            if voucher.channel != channel {
                return Err(error(
                    BAD_VOUCHER,
                    format!("the voucher is for channel {}, not {channel}", voucher.channel),
                ));
            }
        }
        let reserved = match desk.book.reserve(channel, &model.id(), nonce, voucher.as_ref()) {
            // The deposit may have been topped up, or the channel closed, since last read.
            Err(Refusal::DepositSpent(_) | Refusal::Closing(_)) => {
                desk.refresh(channel).await.map_err(refusal)?;
                desk.book.reserve(channel, &model.id(), nonce, None)
            }
            other => other,
        };
        let (seq, terms) = reserved.map_err(refusal)?;
        // A reservation whose answer is not given is given back: the client owes nothing.
        let answered = answer_bound(&model, &input, &desk.me(), self.misbehaviour)
            .map_err(|e| error(INTERNAL, format!("inference failed: {e}")))
            .and_then(|answer| {
                let receipt = desk
                    .receipt(channel, seq, &terms, &input, &answer)
                    .map_err(|e| error(INTERNAL, format!("signing the receipt failed: {e:#}")))?;
                Ok((answer, receipt))
            });
        let (answer, receipt) = answered.inspect_err(|_| desk.book.unreserve(channel))?;
        self.served.fetch_add(1, Ordering::Relaxed);
        Ok(ChannelAnswer { answer, receipt })
    }

    async fn channel_pay(&self, voucher: WireVoucher) -> RpcResult<String> {
        let desk = self.channels.as_ref().ok_or_else(|| error(CHANNEL_REFUSED, "this prover serves no channels"))?;
        desk.ensure(voucher.channel).await.map_err(refusal)?;
        desk.book.pay(&voucher).map(|paid| paid.to_string()).map_err(refusal)
    }
}

/// A channel refusal as a JSON-RPC error.
fn refusal(refused: Refusal) -> ErrorObjectOwned {
    // A client numbering below what the prover remembers learns where to start again.
    if let Refusal::Replayed { floor, .. } = &refused {
        return ErrorObjectOwned::owned(BAD_VOUCHER, refused.to_string(), Some(Replayed { above: *floor }));
    }
    // A client learns what is counted against it, and so whether answers it never took are.
    if let Refusal::Unpaid { owed, unpaid, .. } = &refused {
        let data = Unpaid { owed: owed.to_string(), unpaid: u64::try_from(*unpaid).unwrap_or(u64::MAX) };
        return ErrorObjectOwned::owned(PAYMENT_REQUIRED, refused.to_string(), Some(data));
    }
    let code = match &refused {
        Refusal::Unpaid { .. } => PAYMENT_REQUIRED,
        Refusal::BadVoucher(_) | Refusal::BadTicket(_) | Refusal::Replayed { .. } => BAD_VOUCHER,
        Refusal::Log(_) => INTERNAL,
        _ => CHANNEL_REFUSED,
    };
    error(code, refused.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_primitives::{testing, Shape};

    fn prover() -> (Prover, String, WireInput) {
        let model = testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap();
        let id = hex0x(&model.id());
        let input = (&testing::input(1, 8)).into();
        (Prover::new(vec![Arc::new(model)], 1, None), id, input)
    }

    fn code<T: std::fmt::Debug>(result: RpcResult<T>) -> i32 {
        result.expect_err("an error").code()
    }

    /// With every worker busy, `ghost_infer` answers "overloaded" after a bounded wait,
    /// instead of queueing until a worker frees up.
    #[tokio::test]
    async fn a_busy_prover_refuses_instead_of_queueing() {
        let (prover, id, input) = prover();
        assert!(prover.infer(id.clone(), input.clone()).await.is_ok());
        let busy = prover.workers.clone().acquire_owned().await.unwrap();
        let waited = tokio::time::timeout(WORKER_WAIT * 3, prover.infer(id.clone(), input.clone())).await;
        assert_eq!(code(waited.expect("still queued after three times the bound")), UNAVAILABLE);
        drop(busy);
        assert!(prover.infer(id, input).await.is_ok());
    }

    /// A bonded daemon's endpoint gives no inference away unless its operator says so.
    #[tokio::test]
    async fn free_inference_is_served_only_when_asked() {
        let (prover, id, input) = prover();
        let prover = prover.serve_free_inference(false);
        let refused = prover.infer(id.clone(), input.clone()).await.expect_err("free inference");
        assert_eq!(refused.code(), ON_CHAIN_ONLY);
        assert!(refused.message().contains("sells inference on chain"), "{}", refused.message());
        assert!(prover.health().await.is_ok() && prover.ghost_file(None).await.is_ok());
        assert!(prover.serve_free_inference(true).infer(id, input).await.is_ok());
    }

    /// `ghost serve` answers `ghost_health` as it always did; a daemon adds what its
    /// liveness holds (camelCase on the wire), and says "degraded" while its journal
    /// refuses writes. Either side reads the other's, older or newer.
    #[tokio::test]
    async fn health_says_what_the_daemon_knows_of_its_chain_and_journal() {
        let (prover, id, input) = prover();
        assert!(prover.infer(id, input).await.is_ok());
        let plain = serde_json::to_value(prover.health().await.unwrap()).unwrap();
        assert_eq!(plain, serde_json::json!({ "status": "ok", "models": 1, "served": 1 }));

        let liveness = Arc::new(Liveness::new());
        let prover = prover.with_liveness(liveness.clone());
        liveness.connected();
        liveness.finalized(42);
        let wire = serde_json::to_value(prover.health().await.unwrap()).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({
                "status": "ok", "models": 1, "served": 1, "finalized": 42, "lagSeconds": 0,
                "chain": "connected", "journal": "ok",
            })
        );
        let full: std::io::Result<()> = Err(std::io::ErrorKind::StorageFull.into());
        liveness.wrote(crate::channels::STORE, &full);
        let health = prover.health().await.unwrap();
        assert_eq!(health.status, Health::DEGRADED);
        assert_eq!(health.journal.as_deref(), Some("voucher log: the disk is full"));

        let older: Health = serde_json::from_str(r#"{"status":"ok","models":1,"served":2}"#).unwrap();
        assert_eq!(older, Health::serving(1, 2));
        let newer: Health = serde_json::from_value(wire).unwrap();
        assert_eq!(newer.lag_seconds, Some(0));
    }

    /// Only the channel's client spends its unpaid answers: a request signed by anyone
    /// else is refused, and a request is served once.
    #[tokio::test]
    async fn only_the_channels_client_is_served_and_once_a_request() {
        use crate::channels::{Desk, Terms};
        use ghost_client::channel::sign_request;
        use subxt_signer::sr25519::dev;
        let model = testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap();
        let (id, genesis) = (model.id(), [3; 32]);
        let dir = tempfile::tempdir().unwrap();
        let desk = Arc::new(Desk::open(dir.path(), dev::charlie(), genesis, 2).unwrap());
        let terms = Terms {
            client: dev::bob().public_key().0,
            model: id,
            price: 10,
            deposit: 100,
            redeemed: 0,
            closing: false,
        };
        desk.book.set_terms(4, terms, 1);
        let prover = Prover::new(vec![Arc::new(model)], 1, None).with_channels(desk);
        let input = testing::input(1, 8);
        let ask = |ticket| prover.channel_infer(4, hex0x(&id), (&input).into(), ticket, None);
        let stranger = sign_request(&dev::alice(), genesis, 4, &id, &input, 1);
        assert_eq!(code(ask(stranger).await), BAD_VOUCHER);
        let elsewhere = sign_request(&dev::bob(), [0; 32], 4, &id, &input, 1);
        assert_eq!(code(ask(elsewhere).await), BAD_VOUCHER);
        let bobs = sign_request(&dev::bob(), genesis, 4, &id, &input, 1);
        assert!(ask(bobs.clone()).await.is_ok());
        let replayed = ask(bobs).await.expect_err("a request replayed is not served again");
        assert_eq!(replayed.code(), BAD_VOUCHER);
        // It says where to number from: above the highest nonce seen.
        let data: ghost_client::api::Replayed = serde_json::from_str(replayed.data().unwrap().get()).unwrap();
        assert_eq!(data.above, 1);
        assert!(ask(sign_request(&dev::bob(), genesis, 4, &id, &input, 2)).await.is_ok());
    }
}

/// What `docs/protocol.md` §9.2 says of malformed model ids and oversized request bodies,
/// as vectors.
#[cfg(test)]
mod spec_vectors {
    use super::*;
    use crate::server::{serve_methods, Limits};
    use ghost_client::api::MAX_REQUEST_BYTES;
    use ghost_primitives::{testing, Shape};
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn prover() -> (Prover, String, WireInput) {
        let model = testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).expect("a model");
        let id = hex0x(&model.id());
        let input = (&testing::input(1, 8)).into();
        (Prover::new(vec![Arc::new(model)], 1, None), id, input)
    }

    /// A model id that is not 64 hex digits is `-32001`, as an id not served is, with the
    /// hex reader's reason as the message. Either case, `0x` or not, names the model.
    #[tokio::test]
    async fn a_malformed_model_id_is_an_unknown_model() {
        let (prover, id, input) = prover();
        for bad in ["0x12".to_string(), "0xzz".into(), format!("0X{}", &id[2..]), String::new(), hex0x(&[7; 32])] {
            let refused = prover.infer(bad.clone(), input.clone()).await.expect_err("not a served model");
            assert_eq!(refused.code(), UNKNOWN_MODEL, "{bad:?}");
            let refused = prover.ghost_file(Some(bad.clone())).await.expect_err("not a served model");
            assert_eq!(refused.code(), UNKNOWN_MODEL, "{bad:?}");
        }
        let short = prover.infer("0x12".into(), input.clone()).await.expect_err("one byte");
        assert_eq!(short.message(), "a hash is 32 bytes (64 hex digits), this is 1");
        assert!(prover.infer(id[2..].to_uppercase(), input).await.is_ok(), "bare upper-case hex names the model");
    }

    /// Write `request` on a fresh connection to `addr` (while reading), and return the
    /// response read until the server closes the connection.
    async fn exchange(addr: SocketAddr, request: Vec<u8>) -> String {
        let (mut read, mut write) = tokio::net::TcpStream::connect(addr).await.expect("connects").into_split();
        // The server may answer before it has read everything: write while reading.
        let writer = tokio::spawn(async move {
            let _ = write.write_all(&request).await;
            write
        });
        let mut response = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), read.read_to_end(&mut response)).await;
        assert!(read.is_ok(), "the server answered and closed within 20 s");
        let _ = writer.await;
        String::from_utf8_lossy(&response).into_owned()
    }

    fn post(headers: &str, body: &[u8]) -> Vec<u8> {
        let mut request = format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n{headers}\r\n"
        )
        .into_bytes();
        request.extend_from_slice(body);
        request
    }

    /// A body of exactly 256 KiB is served; one byte more, announced by `Content-Length`,
    /// is HTTP 413 with jsonrpsee's `-32007` and a null id, before the body is read; sent
    /// chunked, it is cut at the bound and answered HTTP 500, `-32603`. Params that do not
    /// parse are `-32602`.
    #[tokio::test]
    async fn request_bodies_above_the_bound_are_refused() {
        let (prover, ..) = prover();
        let (addr, handle) =
            serve_methods("127.0.0.1:0".parse().expect("an address"), prover.into_rpc().into(), Limits::DEFAULT)
                .await
                .expect("serves");
        let bound = MAX_REQUEST_BYTES as usize;
        assert_eq!(bound, 262_144);
        let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"ghost_models"}"#.to_vec();
        body.resize(bound, b' ');
        let served = exchange(addr, post(&format!("Content-Length: {bound}\r\n"), &body)).await;
        assert!(served.starts_with("HTTP/1.1 200"), "{served}");
        assert!(served.contains(r#""result":["0x"#), "{served}");

        // Announced: refused on the header alone (nothing of the body is sent).
        let announced = exchange(addr, post(&format!("Content-Length: {}\r\n", bound + 1), &[])).await;
        assert!(announced.starts_with("HTTP/1.1 413"), "{announced}");
        assert!(
            announced.ends_with(
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32007,"message":"Request is too big","data":"Exceeded max limit of 262144"}}"#
            ),
            "{announced}"
        );

        // Chunked: read up to the bound, then refused. The chunk's last byte is the one over
        // the bound, and nothing follows it (no bytes are left unread when the server closes).
        body.push(b' ');
        let mut chunked = format!("{:x}\r\n", body.len()).into_bytes();
        chunked.extend_from_slice(&body);
        let cut = exchange(addr, post("Transfer-Encoding: chunked\r\n", &chunked)).await;
        assert!(cut.starts_with("HTTP/1.1 500"), "{cut}");
        assert!(cut.contains(r#""code":-32603"#) && cut.contains(r#""id":null"#), "{cut}");

        // Params that do not parse are -32602, whatever the model: an input entry outside
        // i16, an input of another form, a request id that is not a u64.
        for (method, params) in [
            ("ghost_infer", r#"["0x12",{"vector":[70000]}]"#),
            ("ghost_infer", r#"["0x12",{"vector":[1],"token":2}]"#),
            ("ghost_proof", r#"[-1]"#),
        ] {
            let call = format!(r#"{{"jsonrpc":"2.0","id":7,"method":"{method}","params":{params}}}"#);
            let refused = exchange(addr, post(&format!("Content-Length: {}\r\n", call.len()), call.as_bytes())).await;
            assert!(refused.starts_with("HTTP/1.1 200"), "{refused}");
            assert!(refused.contains(r#""code":-32602"#), "{method} {params}: {refused}");
        }
        let _ = handle.stop();
    }
}
