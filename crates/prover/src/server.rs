//! The HTTP server the prover's JSON-RPC runs in, bounded so that nothing a client sends
//! can exhaust the process behind a public endpoint (in a daemon, the process that must
//! also answer the chain in time).
//!
//! jsonrpsee answers the calls, with bodies bounded both ways
//! (`ghost_client::api::{MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES}`) and batches of at most
//! `MAX_BATCH` calls. The connections are this module's own loop, because jsonrpsee's
//! server sets no timer on them (so no header or idle timeout) and bounds requests in
//! flight, not connections: [`Limits`] says what is bounded here. [`spawn`] runs a server
//! on a runtime and threads of its own.

use crate::rpc::Prover;
use anyhow::{Context, Result};
use futures::future::{self, Either};
use ghost_client::api::{GhostRpcServer, MAX_BATCH, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, UNAVAILABLE};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use jsonrpsee::{
    core::BoxError,
    server::{
        middleware::rpc::{RpcServiceBuilder, RpcServiceT},
        stop_channel, BatchRequestConfig, HttpBody, HttpRequest, HttpResponse, Server, ServerHandle, StopHandle,
    },
    types::{ErrorObject, Request},
    MethodResponse, Methods,
};
use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{oneshot, OwnedSemaphorePermit, Semaphore},
};

/// What one server allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once; one more is closed as soon as it is accepted. With
    /// [`MAX_RESPONSE_BYTES`], it bounds the memory responses can take.
    pub connections: usize,
    /// Time a client has to send a request's headers, counted from when the connection is
    /// ready for one: a slowloris client and an idle keep-alive connection are both cut.
    pub header_timeout: Duration,
    /// Time a request may take from its headers to its response, its body read included.
    pub request_timeout: Duration,
    /// Longest a connection lives: one whose client stopped reading is freed then.
    pub connection_lifetime: Duration,
    /// Calls a second on one connection, a burst of as many allowed, each call of a batch
    /// counted; over it a call is answered `-32003`. Zero: no bound.
    pub calls_per_second: u32,
}

impl Limits {
    /// The bounds of a public endpoint.
    pub const DEFAULT: Limits = Limits {
        connections: 64,
        header_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(30),
        connection_lifetime: Duration::from_secs(300),
        calls_per_second: 100,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Static files served on `GET` and `HEAD` beside the JSON-RPC (the verification page of
/// `--ui`): a request path to its [`Page`]. The server knows nothing of the page: the CLI
/// passes `ghost_ui`'s assets. Without pages, `GET` goes to jsonrpsee as before.
pub type Pages = fn(&str) -> Option<Page>;

/// One static file.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// The same gzipped, sent to a client that accepts it (the wasm: a third the size).
    pub gzipped: Option<&'static [u8]>,
    /// Its version, for `ETag` and `If-None-Match`: a browser that has it reads nothing again.
    pub tag: &'static str,
}

/// Page reads a second for the whole server, beside each connection's own rate: what
/// page reads can cost in bytes sent (the wasm is 113 KB gzipped) whatever the number of
/// connections, so that a flood of reads cannot crowd out the JSON-RPC's work.
pub const PAGES_PER_SECOND: u32 = 20;

/// How long a stopping connection may take to finish its response before it is dropped.
const GRACE: Duration = Duration::from_secs(5);
/// Pause after a failed accept (out of file descriptors, say), so the loop never spins.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Start serving `prover` on `listen`, on the current runtime; returns the bound address
/// and the handle that stops the server.
pub async fn serve(
    listen: SocketAddr,
    prover: Prover,
    limits: Limits,
    pages: Option<Pages>,
) -> Result<(SocketAddr, ServerHandle)> {
    bind(listen, prover.into_rpc().into(), limits, pages).await
}

/// Start serving `methods` (any of this crate's JSON-RPC APIs: a watcher's audit endpoint
/// too) on `listen`, bounded alike; returns the bound address and the stopping handle.
pub async fn serve_methods(listen: SocketAddr, methods: Methods, limits: Limits) -> Result<(SocketAddr, ServerHandle)> {
    bind(listen, methods, limits, None).await
}

async fn bind(
    listen: SocketAddr,
    methods: Methods,
    limits: Limits,
    pages: Option<Pages>,
) -> Result<(SocketAddr, ServerHandle)> {
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let (stop, handle) = stop_channel();
    tokio::spawn(accept(listener, methods, stop, limits, pages));
    Ok((addr, handle))
}

/// Serve `prover` on `listen` until Ctrl-C, `stop` completes or the server stops; `ready`
/// is told the bound address once it listens (`ghost serve`).
pub async fn serve_until_stopped(
    listen: SocketAddr,
    prover: Prover,
    limits: Limits,
    pages: Option<Pages>,
    ready: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let (addr, handle) = serve(listen, prover, limits, pages).await?;
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

/// A server running on a runtime and threads of its own, so that no load its clients
/// bring can delay the tasks of the runtime that started it. Dropping it stops the
/// server without waiting; [`Detached::stop`] also waits for its threads to end.
pub struct Detached {
    addr: SocketAddr,
    handle: ServerHandle,
    done: Option<oneshot::Receiver<()>>,
}

/// Serve `prover` (and `pages`, if any) on `listen` from a new thread that owns a runtime
/// of `threads` worker threads.
pub async fn spawn(
    listen: SocketAddr,
    prover: Prover,
    limits: Limits,
    pages: Option<Pages>,
    threads: usize,
) -> Result<Detached> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name("ghost-rpc")
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    let (bound, bound_rx) = oneshot::channel();
    let (done, done_rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("ghost-rpc".into())
        .spawn(move || {
            runtime.block_on(async move {
                let served = serve(listen, prover, limits, pages).await;
                let handle = served.as_ref().ok().map(|(_, handle)| handle.clone());
                let _ = bound.send(served);
                if let Some(handle) = handle {
                    handle.stopped().await;
                }
            });
            runtime.shutdown_timeout(GRACE);
            let _ = done.send(());
        })
        .context("starting the server's thread")?;
    let (addr, handle) = bound_rx.await.context("the server's thread ended before it listened")??;
    Ok(Detached { addr, handle, done: Some(done_rx) })
}

impl Detached {
    /// The address bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop serving, and wait until the connections are closed and the threads ended.
    pub async fn stop(mut self) {
        let _ = self.handle.stop();
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        let _ = self.handle.stop();
    }
}

/// Accept connections until stopped, each served by its own task, at most
/// `limits.connections` at once.
async fn accept(listener: TcpListener, methods: Methods, stop: StopHandle, limits: Limits, pages: Option<Pages>) {
    let calls = Server::builder()
        .http_only()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .max_connections(limits.connections as u32)
        .set_batch_request_config(BatchRequestConfig::Limit(MAX_BATCH))
        .to_service_builder();
    let open = Arc::new(Semaphore::new(limits.connections));
    let budget = Arc::new(Mutex::new(Bucket::new(PAGES_PER_SECOND)));
    let stopped = stop.clone().shutdown();
    tokio::pin!(stopped);
    loop {
        let (socket, peer) = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::debug!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::debug!(%peer, open = limits.connections, "too many connections: closing a new one");
            continue;
        };
        let _ = socket.set_nodelay(true);
        // One bucket per connection, shared by every request made on it.
        let bucket = (limits.calls_per_second > 0).then(|| Arc::new(Mutex::new(Bucket::new(limits.calls_per_second))));
        let throttle = bucket.clone();
        let service = calls
            .clone()
            .set_rpc_middleware(
                RpcServiceBuilder::new().layer_fn(move |inner| Throttle { inner, bucket: throttle.clone() }),
            )
            .build(methods.clone(), stop.clone());
        let service = Calls::new(service);
        let pages = pages.map(|pages| Site { pages, bucket, budget: budget.clone() });
        tokio::spawn(connection(socket, service, stop.clone(), limits, pages, permit));
    }
}

/// The pages a connection may read, and its bucket: a page read costs a call, so a
/// client cannot read the page (the wasm: 300 KB) faster than it may call.
#[derive(Clone)]
struct Site {
    pages: Pages,
    bucket: Option<Arc<Mutex<Bucket>>>,
    /// The server's budget of page reads, shared by every connection.
    budget: Arc<Mutex<Bucket>>,
}

/// jsonrpsee's service of one connection, its type erased.
type Calls = tower::util::BoxCloneService<HttpRequest<Incoming>, HttpResponse, BoxError>;

/// Serve one connection until its client is done, a timeout cuts it or the server stops.
async fn connection(
    socket: TcpStream,
    service: Calls,
    stop: StopHandle,
    limits: Limits,
    site: Option<Site>,
    _open: OwnedSemaphorePermit,
) {
    let timeout = limits.request_timeout;
    let service = hyper::service::service_fn(move |request: HttpRequest<Incoming>| {
        if let Some(site) = site.as_ref().filter(|_| is_read(request.method())) {
            let take = |b: &Arc<Mutex<Bucket>>| b.lock().map_or(true, |mut b| b.take());
            let allowed = site.bucket.as_ref().is_none_or(take) && take(&site.budget);
            let response = match allowed {
                true => page(site.pages, &request),
                false => status(hyper::StatusCode::TOO_MANY_REQUESTS, "too many requests on this connection"),
            };
            let page: future::BoxFuture<'static, Result<HttpResponse, Infallible>> =
                Box::pin(future::ready(Ok(response)));
            return page;
        }
        let call = tower::ServiceExt::oneshot(service.clone(), request);
        // Every outcome is a response (the error type is `Infallible`, which also spares
        // the compiler a higher-ranked `From` it cannot prove for a boxed error).
        let answered: future::BoxFuture<'static, Result<HttpResponse, Infallible>> = Box::pin(async move {
            Ok(match tokio::time::timeout(timeout, call).await {
                Ok(Ok(response)) => response,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "a request failed");
                    status(hyper::StatusCode::INTERNAL_SERVER_ERROR, "the request failed")
                }
                Err(_) => status(hyper::StatusCode::REQUEST_TIMEOUT, "the request took too long"),
            })
        });
        answered
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let conn = http.serve_connection(TokioIo::new(socket), service);
    tokio::pin!(conn);
    tokio::select! {
        ended = conn.as_mut() => {
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection closed");
            }
            return;
        }
        _ = stop.shutdown() => {}
        _ = tokio::time::sleep(limits.connection_lifetime) => tracing::debug!("connection lived its time: closing it"),
    }
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(GRACE, conn).await;
}

fn is_read(method: &hyper::Method) -> bool {
    method == hyper::Method::GET || method == hyper::Method::HEAD
}

/// The static file a `GET` or `HEAD` asks for, or 404. The page may load only itself and
/// its own scripts and wasm, and may connect to the node a person names (`connect-src`).
fn page(pages: Pages, request: &HttpRequest<Incoming>) -> HttpResponse {
    use hyper::header::{self, HeaderValue};
    let Some(found) = pages(request.uri().path()) else {
        return status(hyper::StatusCode::NOT_FOUND, "no such page");
    };
    let header = |name| request.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or("");
    let fresh = header(header::IF_NONE_MATCH).split(',').any(|tag| tag.trim().trim_matches('"') == found.tag);
    let gzip = header(header::ACCEPT_ENCODING).split(',').any(|e| e.trim().split(';').next() == Some("gzip"));
    let (bytes, encoding) = match found.gzipped {
        Some(gzipped) if gzip => (gzipped, Some("gzip")),
        _ => (found.bytes, None),
    };
    let body = match (fresh, request.method() == hyper::Method::HEAD) {
        (false, false) => HttpBody::new(http_body_util::Full::new(bytes::Bytes::from_static(bytes))),
        _ => HttpBody::empty(),
    };
    let mut response = HttpResponse::new(body);
    if fresh {
        *response.status_mut() = hyper::StatusCode::NOT_MODIFIED;
    }
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(found.content_type));
    if !fresh {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", found.tag)) {
        headers.insert(header::ETAG, tag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(headers);
    response
}

/// What every page answer says: no sniffing, and a policy that runs only the page's own
/// scripts and wasm, loads nothing from elsewhere, and connects to this server and to the
/// nodes a person names (any `http(s)` origin: the page cannot know which node is theirs).
fn secure(headers: &mut hyper::HeaderMap) {
    use hyper::header::{self, HeaderValue};
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' http: https:; \
             object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
}

/// A plain response: `status`, and why.
fn status(status: hyper::StatusCode, why: &'static str) -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(why));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    secure(headers);
    response
}

/// A token bucket: `rate` tokens a second, at most `rate` held.
struct Bucket {
    rate: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: u32) -> Self {
        Self { rate: rate as f64, tokens: rate as f64, at: Instant::now() }
    }

    /// Take a token if there is one.
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.rate);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The per-connection call rate: a call over it is answered `-32003` without running.
#[derive(Clone)]
struct Throttle<S> {
    inner: S,
    bucket: Option<Arc<Mutex<Bucket>>>,
}

impl<'a, S: RpcServiceT<'a>> RpcServiceT<'a> for Throttle<S> {
    type Future = Either<S::Future, future::Ready<MethodResponse>>;

    fn call(&self, request: Request<'a>) -> Self::Future {
        // A poisoned lock only means another call panicked: let this one through.
        let allowed = self.bucket.as_ref().is_none_or(|b| b.lock().map_or(true, |mut b| b.take()));
        if allowed {
            Either::Left(self.inner.call(request))
        } else {
            let refused = ErrorObject::owned(UNAVAILABLE, "too many calls on this connection: slow down", None::<()>);
            Either::Right(future::ready(MethodResponse::error(request.id, refused)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::api::GhostRpcClient;
    use ghost_primitives::{testing, Shape};

    /// A detached server answers while the runtime that started it is blocked (as a
    /// starved chain loop would be), and stops cleanly: its port is closed after `stop`.
    #[tokio::test(flavor = "current_thread")]
    async fn a_detached_server_answers_while_its_starter_is_blocked() {
        let model = testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap();
        let prover = Prover::new(vec![Arc::new(model)], 1, None);
        let served = spawn("127.0.0.1:0".parse().unwrap(), prover, Limits::DEFAULT, None, 2).await.unwrap();
        let url = format!("http://{}", served.addr());
        let asker = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let client = jsonrpsee::http_client::HttpClientBuilder::default().build(&url).unwrap();
            let asked = Instant::now();
            let health = runtime.block_on(client.health()).map(|h| h.status);
            (health, asked.elapsed())
        });
        // Block this runtime's only thread longer than an answer takes.
        std::thread::sleep(Duration::from_secs(2));
        let (health, took) = asker.join().unwrap();
        assert_eq!(health.unwrap(), "ok");
        assert!(took < Duration::from_secs(1), "answered only after {took:?}");
        let addr = served.addr();
        served.stop().await;
        assert!(std::net::TcpStream::connect(addr).is_err(), "still listening after stop");
    }

    fn page(path: &str) -> Option<Page> {
        (path == "/").then_some(Page {
            content_type: "text/html; charset=utf-8",
            bytes: b"<p>page</p>",
            gzipped: Some(b"GZ"),
            tag: "v1",
        })
    }

    /// One raw HTTP/1.1 exchange, the connection closed after it.
    async fn exchange(addr: SocketAddr, request: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        socket.read_to_string(&mut response).await.unwrap();
        response
    }

    /// With pages, `GET` and `HEAD` read them (a path not there is 404) and the JSON-RPC
    /// is answered as before; without, `GET` never reaches a page.
    #[tokio::test(flavor = "current_thread")]
    async fn pages_are_served_beside_the_json_rpc_and_only_when_given() {
        let model = Arc::new(testing::model(5, &[Shape::new(64, 4).widths(8, 4).select(2, 2)]).unwrap());
        let prover = || Prover::new(vec![model.clone()], 1, None);
        let (addr, handle) =
            serve("127.0.0.1:0".parse().unwrap(), prover(), Limits::DEFAULT, Some(page)).await.unwrap();
        let get = exchange(addr, "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
        assert!(get.starts_with("HTTP/1.1 200"), "{get}");
        assert!(get.contains("content-type: text/html; charset=utf-8"), "{get}");
        assert!(get.contains("content-security-policy: default-src 'self'"), "{get}");
        assert!(get.ends_with("<p>page</p>"), "{get}");
        let head = exchange(addr, "HEAD / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.1 200") && !head.contains("<p>"), "{head}");
        let missing = exchange(addr, "GET /../Cargo.toml HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
        assert!(missing.starts_with("HTTP/1.1 404") && missing.contains("nosniff"), "{missing}");
        // Gzipped to a client that takes it; not again to a browser that has this version.
        let gz =
            exchange(addr, "GET / HTTP/1.1\r\nhost: x\r\naccept-encoding: br, gzip;q=0.8\r\nconnection: close\r\n\r\n")
                .await;
        assert!(gz.contains("content-encoding: gzip") && gz.ends_with("GZ"), "{gz}");
        assert!(get.contains("etag: \"v1\""), "{get}");
        let cached =
            exchange(addr, "GET / HTTP/1.1\r\nhost: x\r\nif-none-match: \"v1\"\r\nconnection: close\r\n\r\n").await;
        assert!(cached.starts_with("HTTP/1.1 304") && !cached.contains("<p>"), "{cached}");
        let client = jsonrpsee::http_client::HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();
        assert_eq!(client.health().await.unwrap().status, "ok");
        let _ = handle.stop();

        // Reads count against the connection's calls a second, as calls do...
        let slow = Limits { calls_per_second: 5, ..Limits::DEFAULT };
        let (addr, handle) = serve("127.0.0.1:0".parse().unwrap(), prover(), slow, Some(page)).await.unwrap();
        let burst =
            "GET / HTTP/1.1\r\nhost: x\r\n\r\n".repeat(10) + "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
        let answers = exchange(addr, &burst).await;
        assert!(answers.matches("HTTP/1.1 200").count() <= 7, "{answers}");
        assert!(answers.contains("HTTP/1.1 429"), "a burst beyond the connection's rate is refused");
        let _ = handle.stop();
        // ...and against the server's page budget, however many connections read.
        let unbounded = Limits { calls_per_second: 0, ..Limits::DEFAULT };
        let (addr, handle) = serve("127.0.0.1:0".parse().unwrap(), prover(), unbounded, Some(page)).await.unwrap();
        let reads = 3 * PAGES_PER_SECOND as usize;
        let burst = "GET / HTTP/1.1\r\nhost: x\r\n\r\n".repeat(reads)
            + "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
        let answers = exchange(addr, &burst).await;
        assert!(answers.matches("HTTP/1.1 200").count() < reads, "{} read", answers.matches("HTTP/1.1 200").count());
        assert!(answers.contains("HTTP/1.1 429"), "a burst beyond the server's budget is refused");
        let client = jsonrpsee::http_client::HttpClientBuilder::default().build(format!("http://{addr}")).unwrap();
        assert_eq!(client.health().await.unwrap().status, "ok", "calls are still answered");
        let _ = handle.stop();

        let (addr, handle) = serve("127.0.0.1:0".parse().unwrap(), prover(), Limits::DEFAULT, None).await.unwrap();
        let get = exchange(addr, "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
        assert!(!get.contains("<p>page</p>") && !get.starts_with("HTTP/1.1 200"), "{get}");
        let _ = handle.stop();
    }

    #[test]
    fn a_bucket_allows_its_rate_and_refills() {
        let mut bucket = Bucket::new(5);
        assert_eq!((0..8).filter(|_| bucket.take()).count(), 5);
        std::thread::sleep(Duration::from_millis(450));
        assert_eq!((0..8).filter(|_| bucket.take()).count(), 2);
    }
}
