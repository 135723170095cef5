//! Floods of a public JSON-RPC endpoint over plain HTTP/1.1, bounded in count and time,
//! on loopback: oversized bodies, batches, and connections that drip their headers. The
//! tests of the prover's endpoint use them alone (`ghost serve`) and while a daemon must
//! keep its chain duties (`ghost prover run`).

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

/// One HTTP/1.1 POST of `body` to `addr` (`host:port`) on a new connection: the status
/// and the body (status 0 when the server answered nothing readable).
pub fn post(addr: &str, body: &[u8]) -> (u16, String) {
    let Ok(mut socket) = TcpStream::connect(addr) else { return (0, String::new()) };
    let _ = socket.set_read_timeout(Some(Duration::from_secs(30)));
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if socket.write_all(head.as_bytes()).is_err() {
        return (0, String::new());
    }
    // A server that refuses the body may close before reading all of it.
    let _ = socket.write_all(body);
    let mut response = Vec::new();
    let _ = socket.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// One kept-alive HTTP/1.1 connection, for posts that must share it (a per-connection
/// rate): a pooled client may open a new connection for any request.
pub struct Connection {
    socket: TcpStream,
    addr: String,
}

impl Connection {
    /// Connect to `addr` (`host:port`).
    pub fn open(addr: &str) -> std::io::Result<Self> {
        let socket = TcpStream::connect(addr)?;
        socket.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self { socket, addr: addr.to_string() })
    }

    /// POST `body` and read the response (its body by `Content-Length`): the status and
    /// the body; an error when the server closed the connection or sent no length.
    pub fn post(&mut self, body: &[u8]) -> std::io::Result<(u16, String)> {
        let head = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        self.socket.write_all(head.as_bytes())?;
        self.socket.write_all(body)?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if self.socket.read(&mut byte)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length = head
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .ok_or_else(|| std::io::Error::other("the response has no Content-Length"))?;
        let mut body = vec![0u8; length];
        self.socket.read_exact(&mut body)?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// A batch of `n` calls of `method` (no parameters), as JSON.
pub fn batch(n: u32, method: &str) -> Vec<u8> {
    let calls: Vec<String> =
        (0..n).map(|id| format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":[]}}"#)).collect();
    format!("[{}]", calls.join(",")).into_bytes()
}

/// A connection that sends a request's headers a byte at a time, `pause` apart: how long
/// until the server cuts it (`None`: it did not within `give_up`).
pub fn slowloris(addr: &str, pause: Duration, give_up: Duration) -> Option<Duration> {
    let started = Instant::now();
    let Ok(mut socket) = TcpStream::connect(addr) else { return Some(started.elapsed()) };
    socket.set_read_timeout(Some(pause)).ok()?;
    let headers = b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().chain(std::iter::repeat(&b'a'));
    let mut buf = [0u8; 512];
    for byte in headers {
        if started.elapsed() > give_up {
            return None;
        }
        if socket.write_all(&[*byte]).is_err() {
            return Some(started.elapsed());
        }
        match socket.read(&mut buf) {
            Ok(_) => return Some(started.elapsed()),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    unreachable!("the header never ends")
}

/// What a flood sends, and for how long at most.
#[derive(Clone, Debug)]
pub struct FloodPlan {
    /// Connections dripping their headers at once (each reopened when cut).
    pub slow: usize,
    /// Threads posting bodies of this many bytes, over and over.
    pub big_bodies: usize,
    /// The size of each of those bodies.
    pub body_bytes: usize,
    /// Threads posting batches of `batch_calls` calls of `ghost_ghostFile`, over and over.
    pub batches: usize,
    /// Calls in each batch.
    pub batch_calls: u32,
    /// The flood stops by itself after this long, even if never stopped.
    pub at_most: Duration,
}

/// A flood under way on threads of its own, stopped (and joined) by [`Flood::stop`] or
/// on drop.
pub struct Flood {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    threads: Vec<JoinHandle<()>>,
}

impl Flood {
    /// Start flooding `addr` (`host:port`) as `plan` says.
    pub fn start(addr: &str, plan: &FloodPlan) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + plan.at_most;
        let over = move |stop: &AtomicBool| stop.load(Ordering::Relaxed) || Instant::now() > until;
        let mut threads = Vec::new();
        let mut spawn = |work: Box<dyn Fn() + Send>| {
            let (stop, sent) = (stop.clone(), sent.clone());
            threads.push(std::thread::spawn(move || {
                while !over(&stop) {
                    work();
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }));
        };
        for _ in 0..plan.slow {
            let addr = addr.to_string();
            let left = plan.at_most;
            spawn(Box::new(move || {
                slowloris(&addr, Duration::from_millis(300), left.min(Duration::from_secs(30)));
            }));
        }
        for _ in 0..plan.big_bodies {
            let (addr, body) = (addr.to_string(), vec![b'['; plan.body_bytes]);
            spawn(Box::new(move || {
                post(&addr, &body);
            }));
        }
        for _ in 0..plan.batches {
            let (addr, body) = (addr.to_string(), batch(plan.batch_calls, "ghost_ghostFile"));
            spawn(Box::new(move || {
                post(&addr, &body);
            }));
        }
        Self { stop, sent, threads }
    }

    /// Requests and connections sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Stop flooding and wait for every thread; what was sent in all.
    pub fn stop(mut self) -> u64 {
        self.halt();
        self.sent()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.halt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_a_json_array_of_calls() {
        let text = String::from_utf8(batch(2, "ghost_health")).unwrap();
        assert_eq!(
            text,
            r#"[{"jsonrpc":"2.0","id":0,"method":"ghost_health","params":[]},{"jsonrpc":"2.0","id":1,"method":"ghost_health","params":[]}]"#
        );
    }

    #[test]
    fn a_flood_of_a_closed_port_stops_in_time() {
        // Nothing listens on port 9 of loopback: every connection fails fast.
        let plan = FloodPlan {
            slow: 1,
            big_bodies: 1,
            body_bytes: 16,
            batches: 1,
            batch_calls: 2,
            at_most: Duration::from_millis(300),
        };
        let started = Instant::now();
        let flood = Flood::start("127.0.0.1:9", &plan);
        std::thread::sleep(Duration::from_millis(500));
        assert!(flood.stop() > 0);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
