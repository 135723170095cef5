//! The prover's JSON-RPC API (jsonrpsee): the methods, their types and error codes, and
//! a typed client. Both sides' traits are generated here, from one definition; the
//! server is `ghost-prover`'s.
//!
//! | method            | params                    | result                         |
//! |-------------------|---------------------------|--------------------------------|
//! | `ghost_health`    | —                         | a [`Health`]: `{ status, models, served }`, and on a daemon `finalized`, `lagSeconds`, `chain`, `journal` |
//! | `ghost_models`    | —                         | model ids (`0x`-hex)           |
//! | `ghost_ghostFile` | `model?`                  | the ghost file, `0x`-hex       |
//! | `ghost_infer`     | `model`, `input`          | an [`Answer`]                  |
//! | `ghost_proof`     | `request` (on-chain id)   | a journal [`Entry`]: the posted output, links and ghost proof |
//! | `ghost_channelInfer` | `channel`, `model`, `input`, `ticket`, `voucher?` | a [`ChannelAnswer`]: the answer and the prover's signed receipt |
//! | `ghost_channelPay` | `voucher`                | credit the channel has paid in all, decimal |
//!
//! A watcher's audit endpoint (`ghost watch --listen`) serves one method of its own:
//!
//! | method              | params                      | result                       |
//! |---------------------|-----------------------------|------------------------------|
//! | `ghost_auditReceipt` | `receipt`, `input`, `proof` | an [`AuditTicket`]: `"taken"` |
//! | `ghost_health`      | —                           | a [`Health`], without counts  |
//!
//! Errors: `-32001` unknown model, `-32002` input does not fit the model, `-32003` the
//! prover is shutting down or overloaded (every worker busy, or this connection over its
//! call rate), `-32004` no proof of that request here (not posted by this prover, or
//! closed), `-32005` this prover sells inference on chain only (a bonded daemon without
//! `--serve-free-inference`), `-32006` the channel is not served (not open to this prover
//! on the finalised chain, another model, closing, or its deposit spent), `-32007` too
//! many answers on the channel are unpaid (send a voucher: the message says for how
//! much), `-32008` the voucher or the request's ticket is not the channel's client's (or the
//! ticket's nonce was seen), `-32009` the receipt is not
//! taken for audit (not signed by its prover, another chain, a model not watched there, an
//! input or proof that is not the one it names, or too old to be reported), `-32603` internal; malformed params get JSON-RPC's own
//! `-32602`.
//!
//! Bounds: a request body up to [`MAX_REQUEST_BYTES`], a response up to
//! [`MAX_RESPONSE_BYTES`], a batch of up to [`MAX_BATCH`] calls.

use crate::wire::{Answer, ProofBytes, WireInput, WireReceipt, WireTicket, WireVoucher};
use anyhow::Context;
use ghost_primitives::limits;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Unknown model id.
pub const UNKNOWN_MODEL: i32 = -32001;
/// The input does not fit the model (kind, width, token range).
pub const BAD_INPUT: i32 = -32002;
/// Too busy to take the request: every worker busy, the connection over its call rate,
/// or shutting down.
pub const UNAVAILABLE: i32 = -32003;
/// No proof of that request is kept here.
pub const NO_PROOF: i32 = -32004;
/// This prover sells inference on chain: `ghost_infer` is not served for free here.
pub const ON_CHAIN_ONLY: i32 = -32005;
/// The channel is not served here (unknown, another model, closing, deposit spent).
pub const CHANNEL_REFUSED: i32 = -32006;
/// Too many answers on the channel are unpaid: a voucher must come first.
pub const PAYMENT_REQUIRED: i32 = -32007;
/// The voucher is not the channel's client's signature on this chain.
pub const BAD_VOUCHER: i32 = -32008;
/// The receipt is not taken for audit (see [`AuditRpcServer::audit_receipt`]).
pub const AUDIT_REFUSED: i32 = -32009;
/// Something failed inside the prover.
pub const INTERNAL: i32 = -32603;

/// Largest JSON-RPC request accepted (a 1,024-wide vector is ~8 KB of JSON).
pub const MAX_REQUEST_BYTES: u32 = 256 * 1024;
/// Largest response: the JSON of the largest ghost proof a verifier decodes
/// (`limits::MAX_PROOF_BYTES`, base64: four characters for three bytes), with room for the
/// rest of an answer (input, output, links: tens of KB at most). Every response a server
/// builds, a batch's included, stays under it, and a client reads no more.
pub const MAX_RESPONSE_BYTES: u32 = (limits::MAX_PROOF_BYTES as u32).div_ceil(3) * 4 + 256 * 1024;
/// Most calls in one JSON-RPC batch: a client has no use for more, and each call of a
/// batch is answered before any byte is sent.
pub const MAX_BATCH: u32 = 8;

/// `ghost_health`'s answer (camelCase on the wire). `ghost serve`, which has no chain,
/// answers the first three fields only; the prover daemon (`ghost prover run`) and the
/// watcher's audit endpoint (`ghost watch --listen`) answer the others too, from their
/// [`crate::liveness::Liveness`]. The fields after the first three are optional, so that
/// either side may be older than the other.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `"ok"` while serving and keeping up; `"degraded"` when no new finalised block was
    /// seen for longer than [`crate::liveness::DEGRADED_AFTER`] (60 s; also while it has
    /// not connected for that long since start), or when a store's last write failed
    /// (`journal`). It answers at all only while it serves.
    pub status: String,
    /// Models served (a watcher: models watched).
    pub models: usize,
    /// Answers given since start (a watcher: receipts taken for audit since start).
    pub served: u64,
    /// The last finalised block number seen (none before the first, and without a chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalized: Option<u32>,
    /// Whole seconds since a new finalised block was last seen (since start, before the
    /// first one); none without a chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<u64>,
    /// The connection to the node: `"connecting"` (not yet since start), `"connected"`
    /// (caught up and following finalised blocks) or `"reconnecting"` (lost, retrying with
    /// backoff); none without a chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    /// `"ok"` when the last write to each durable store (the daemon's journal and voucher
    /// log; the watcher's report records and audit log) succeeded, else each failing
    /// store with why, e.g. `"voucher log: the disk is full"`; none without a journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
    /// A watcher's receipts taken and not audited to their end yet (waiting, being judged,
    /// or being reported); none on a prover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audits_queued: Option<usize>,
}

impl Health {
    /// `status` while serving and keeping up.
    pub const OK: &'static str = "ok";
    /// `status` while serving but not keeping up with the chain, or unable to write.
    pub const DEGRADED: &'static str = "degraded";

    /// The health of a server with no chain and no journal (`ghost serve`).
    pub fn serving(models: usize, served: u64) -> Self {
        Self { status: Self::OK.into(), models, served, ..Self::default() }
    }
}

#[rpc(server, client, namespace = "ghost")]
pub trait GhostRpc {
    /// Liveness and counters.
    #[method(name = "health")]
    async fn health(&self) -> RpcResult<Health>;

    /// Ids of the models served.
    #[method(name = "models")]
    async fn models(&self) -> RpcResult<Vec<String>>;

    /// A served model's ghost file (the only model when `model` is omitted).
    #[method(name = "ghostFile")]
    async fn ghost_file(&self, model: Option<String>) -> RpcResult<String>;

    /// Answer `input` with `model`, with a ghost proof.
    #[method(name = "infer")]
    async fn infer(&self, model: String, input: WireInput) -> RpcResult<Answer>;

    /// The ghost proof of the result this prover posted on chain for request `request`
    /// (the same bytes its `submit_result` carried), served while the request is open.
    #[method(name = "proof")]
    async fn proof(&self, request: u64) -> RpcResult<Entry>;

    /// Answer `input` with `model` on payment channel `channel`, with a ghost proof bound to
    /// the prover's account and a signed receipt. `ticket` is the channel client's
    /// signature of the request (only the client spends the channel's unpaid answers);
    /// `voucher`, when given, pays for earlier answers and is counted first.
    #[method(name = "channelInfer")]
    async fn channel_infer(
        &self,
        channel: u64,
        model: String,
        input: WireInput,
        ticket: WireTicket,
        voucher: Option<WireVoucher>,
    ) -> RpcResult<ChannelAnswer>;

    /// Take a voucher on its own: what the channel has paid in all (decimal).
    #[method(name = "channelPay")]
    async fn channel_pay(&self, voucher: WireVoucher) -> RpcResult<String>;
}

/// A watcher's audit endpoint: clients hand it the receipts of their channels.
#[rpc(server, client, namespace = "ghost")]
pub trait AuditRpc {
    /// Take `receipt`, with the `input` it answers and the ghost `proof` it names, for audit:
    /// kept durably before the ticket is returned, then checked against the weights, and
    /// reported on chain if its proof does not verify or its retrieval was lazy.
    #[method(name = "auditReceipt")]
    async fn audit_receipt(&self, receipt: WireReceipt, input: WireInput, proof: ProofBytes) -> RpcResult<AuditTicket>;

    /// The watcher's liveness (`ghost_health`, as a prover's): the chain it follows and its
    /// stores; not how many receipts it took (`served` is 0, `auditsQueued` absent), which
    /// would tell a prover which of its answers were handed in.
    #[method(name = "health")]
    async fn watcher_health(&self) -> RpcResult<Health>;
}

/// The data of a `-32008` refusal of a request whose nonce was seen: number the next
/// request above `above`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replayed {
    /// The highest nonce the prover remembers on the channel.
    pub above: u64,
}

/// The data of a `PAYMENT_REQUIRED` refusal: what the prover counts as owed on the
/// channel (every answer it served, taken by the client or not), decimal, and how many
/// answers that is beyond the client's last voucher. Informative: a client decides whether
/// a channel is stuck from what it verified and paid, never from the prover's word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Unpaid {
    /// The cumulative amount that pays every answer served, decimal.
    pub owed: String,
    /// Answers served and not paid.
    pub unpaid: u64,
}

/// What a watcher did with a receipt handed to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AuditTicket {
    /// Kept, and queued for audit (a receipt handed in before is audited once, and
    /// answered alike: the answer says nothing of who else handed it in).
    Taken,
}

/// An answer on a channel: the answer (its proof bound to the prover's account) and the
/// prover's receipt for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelAnswer {
    /// The answer.
    pub answer: Answer,
    /// The signed receipt.
    pub receipt: WireReceipt,
}

/// What the daemon knows of one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// Request id.
    pub request: u64,
    /// `0x`-hex model id.
    pub model: String,
    /// The output posted (Q14).
    pub output: Vec<i16>,
    /// The links posted, `0x`-hex.
    pub links: Vec<String>,
    /// The encoded ghost proof of exactly this claim.
    pub proof: ProofBytes,
    /// Where the entry is in the request's life.
    pub state: State,
}

/// The life of a journal entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// Computed; the result may or may not have reached the chain.
    Computed,
    /// The result is on chain.
    Posted,
    /// The result's deadline passed: its settlement (the prover's pay) was sent.
    Settling,
}

/// A client of the prover JSON-RPC.
pub type Client = jsonrpsee::http_client::HttpClient<PublicOnly<jsonrpsee::http_client::transport::HttpBackend>>;

/// A client of the prover JSON-RPC at `url`, taking responses up to [`MAX_RESPONSE_BYTES`],
/// that refuses to send anything to an endpoint that is not public (see
/// [`crate::endpoint`]): every request checks the URL first.
pub fn client(url: &str, timeout: Duration) -> anyhow::Result<Client> {
    jsonrpsee::http_client::HttpClientBuilder::default()
        .max_response_size(MAX_RESPONSE_BYTES)
        .request_timeout(timeout)
        .set_http_middleware(tower::ServiceBuilder::new().layer_fn(|inner| PublicOnly { inner }))
        .build(url)
        .with_context(|| format!("prover URL {url}"))
}

/// The HTTP layer of [`client`] that applies [`crate::endpoint::check`] to every request.
#[derive(Clone, Debug)]
pub struct PublicOnly<S> {
    inner: S,
}

impl<S, B> tower::Service<jsonrpsee::http_client::HttpRequest<B>> for PublicOnly<S>
where
    S: tower::Service<jsonrpsee::http_client::HttpRequest<B>, Error = jsonrpsee::http_client::transport::Error>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: jsonrpsee::http_client::HttpRequest<B>) -> Self::Future {
        let url = request.uri().to_string();
        // The service made ready is the one called; a clone stays for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            crate::endpoint::check(&url).await.map_err(|refused| {
                jsonrpsee::http_client::transport::Error::Http(jsonrpsee::core::http_helpers::HttpError::Stream(
                    Box::new(refused),
                ))
            })?;
            inner.call(request).await
        })
    }
}

/// A prover's JSON-RPC URL as given on the command line: `http://` or `https://` and a
/// host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProverUrl(String);

impl ProverUrl {
    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ProverUrl {
    type Err = anyhow::Error;
    fn from_str(text: &str) -> anyhow::Result<Self> {
        let rest = text
            .strip_prefix("http://")
            .or_else(|| text.strip_prefix("https://"))
            .ok_or_else(|| anyhow::anyhow!("{text} is not a prover URL: it starts with http:// or https://"))?;
        if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
            anyhow::bail!("{text} is not a prover URL: it names no host");
        }
        Ok(Self(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prover_urls_are_http_with_a_host() {
        assert_eq!("http://127.0.0.1:9955".parse::<ProverUrl>().unwrap().as_str(), "http://127.0.0.1:9955");
        assert!("https://prover.example".parse::<ProverUrl>().is_ok());
        for bad in ["ws://127.0.0.1:1", "http://", "127.0.0.1:9955", "http:///x"] {
            assert!(bad.parse::<ProverUrl>().is_err(), "{bad}");
        }
    }
}
