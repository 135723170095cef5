//! # ghost-testkit
//!
//! What the integration tests of `ghost-node` and `ghost` share: a real node started on
//! ports the OS picks (so tests running side by side never share one), its RPC port read
//! from its log, and stopped (killed and reaped) on drop. It knows nothing of the chain's
//! types: tests talk to the node through their own clients. [`flood`] floods a public
//! JSON-RPC endpoint, bounded in count and time. [`browser`] drives the system's headless
//! Chromium through its WebDriver, for the verification page.

pub mod browser;
pub mod flood;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// Flags every test node takes: no metrics, no telemetry, no peer discovery on the LAN.
const QUIET_FLAGS: [&str; 3] = ["--no-prometheus", "--no-telemetry", "--no-mdns"];

/// How long a node may take to open its JSON-RPC.
const STARTUP: Duration = Duration::from_secs(60);

/// A running `ghost-node`, killed on drop.
pub struct DevNode {
    child: Child,
    port: u16,
}

impl DevNode {
    /// Start `binary` with `args` (chain, storage, ports) and the quiet flags; `--rpc-port
    /// 0` unless `args` names a port. Returns once the node logs its JSON-RPC address.
    pub fn start(binary: &Path, args: &[&str]) -> Self {
        let mut command = Command::new(binary);
        command.args(args).args(QUIET_FLAGS);
        if !args.contains(&"--rpc-port") {
            command.args(["--rpc-port", "0"]);
        }
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("ghost-node starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Keep draining the log after the port is found, or the node blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = rpc_port_in(&line) {
                    let _ = tx.send(port);
                }
            }
        });
        match rx.recv_timeout(STARTUP) {
            Ok(port) => Self { child, port },
            Err(_) => {
                stop(&mut child);
                panic!("{} did not log its JSON-RPC address within {STARTUP:?}", binary.display())
            }
        }
    }

    /// The JSON-RPC port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The WebSocket JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The HTTP JSON-RPC URL.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop the node (SIGTERM, then SIGKILL after a grace period) and reap it; done on drop.
    pub fn stop(&mut self) {
        stop(&mut self.child);
    }

    /// Kill the node outright, as a crash would, and reap it.
    pub fn kill(&mut self) {
        kill(&mut self.child);
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How long a process is given to stop after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(5);

/// Stop a child process and reap it: SIGTERM first, so that a node removes its `--tmp`
/// directory, then SIGKILL after a grace period.
pub fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let asked = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().is_ok_and(|s| s.success());
    if asked {
        let deadline = std::time::Instant::now() + GRACE;
        while std::time::Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    kill(child);
}

/// Kill a child process outright (SIGKILL: a crash, for tests of what survives one) and
/// reap it.
pub fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The port of `Running JSON-RPC server: addr=127.0.0.1:PORT,...`.
pub fn rpc_port_in(line: &str) -> Option<u16> {
    let addr = line.split("Running JSON-RPC server: addr=").nth(1)?;
    addr.split(',').next()?.trim().rsplit(':').next()?.parse().ok()
}

/// The `ghost` arguments that build the integration tests' small synthetic model (1,024
/// rows, 16-wide input, 8-wide values, 16 lists) named `name` into `out`.
pub fn synthetic_model_args(name: &str, seed: u64, out: &Path) -> Vec<String> {
    let fixed = [
        "--quiet",
        "model",
        "build",
        "synthetic",
        "--name",
        name,
        "--rows",
        "1024",
        "--dim",
        "16",
        "--value-dim",
        "8",
        "--lists",
        "16",
        "--k",
        "4",
        "--n-probe",
        "2",
        "--kmeans-sample",
        "1024",
    ];
    let mut args: Vec<String> = fixed.iter().map(|a| a.to_string()).collect();
    args.extend(["--seed".to_string(), seed.to_string(), "--out".to_string(), out.display().to_string()]);
    args
}

/// Run the `ghost` binary at `binary` with `args` against the node at `url` (private
/// endpoints allowed, as on a dev chain), and wait for it.
pub fn run_ghost(binary: &str, url: &str, args: &[&str]) -> std::process::Output {
    Command::new(binary)
        .args(args)
        .env("GHOST_CHAIN_URL", url)
        .env("GHOST_ALLOW_PRIVATE_ENDPOINTS", "true")
        .output()
        .expect("ghost runs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rpc_port_is_read_from_the_log_line() {
        let line = "2026-12-02 INFO Running JSON-RPC server: addr=127.0.0.1:40123,[::1]:40123";
        assert_eq!(rpc_port_in(line), Some(40123));
        assert_eq!(rpc_port_in("Running JSON-RPC server: addr=nonsense"), None);
        assert_eq!(rpc_port_in("something else"), None);
    }
}
