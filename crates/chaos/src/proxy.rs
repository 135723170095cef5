//! A TCP proxy in front of a prover's RPC: the URL on its bond. While cutting, every
//! response chunk it relays is sent only in part and the connection is dropped, so clients
//! see answers torn in the middle.

use anyhow::Result;
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// A running proxy; stopped on drop.
pub struct Proxy {
    /// Where it listens.
    pub addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    cutting: AtomicBool,
    cuts: AtomicU64,
}

impl Proxy {
    /// Listen on `listen` and relay to `upstream`.
    pub async fn start(listen: SocketAddr, upstream: SocketAddr) -> Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                tokio::spawn(relay(client, upstream, shared.clone()));
            }
        });
        Ok(Self { addr, state, task })
    }

    /// Start or stop cutting.
    pub fn set_cutting(&self, on: bool) {
        self.state.cutting.store(on, Ordering::SeqCst);
    }

    /// Responses cut so far.
    pub fn cuts(&self) -> u64 {
        self.state.cuts.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, state: Arc<State>) {
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    });
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = match server_read.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if state.cutting.load(Ordering::SeqCst) {
            // Half of what came, then the connection goes: a response torn mid-way.
            let _ = client_write.write_all(&chunk[..n / 2]).await;
            state.cuts.fetch_add(1, Ordering::Relaxed);
            break;
        }
        if client_write.write_all(&chunk[..n]).await.is_err() {
            break;
        }
    }
    requests.abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers each connection's first read with `reply`.
    async fn upstream(reply: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut buf = [0u8; 64];
                    let _ = s.read(&mut buf).await;
                    let _ = s.write_all(reply).await;
                });
            }
        });
        addr
    }

    async fn ask(addr: SocketAddr) -> Vec<u8> {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"ask").await.unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got).await;
        got
    }

    #[tokio::test]
    async fn responses_pass_whole_until_cut_then_arrive_torn() {
        let reply: &[u8] = b"a whole response of some length";
        let proxy = Proxy::start("127.0.0.1:0".parse().unwrap(), upstream(reply).await).await.unwrap();
        assert_eq!(ask(proxy.addr).await, reply);
        proxy.set_cutting(true);
        let torn = ask(proxy.addr).await;
        assert!(torn.len() < reply.len() && reply.starts_with(&torn), "got {torn:?}");
        assert_eq!(proxy.cuts(), 1);
        proxy.set_cutting(false);
        assert_eq!(ask(proxy.addr).await, reply);
    }
}
