//! `ghost bench serve`: the serving path under a bounded loopback load. Starts `ghost
//! serve` on a model as a child process, sends it a fixed number of `ghost_infer`
//! requests at each concurrency, and reports requests/s, latency percentiles and the
//! server's CPU time per request, beside the CPU a proof itself takes (measured in this
//! process on the same inputs). What is left is the serving overhead: RPC, JSON, proof
//! transport, task hand-offs.

use crate::bench::layer::{key_row, peak_rss_mib_of, queries_near};
use anyhow::{bail, Context, Result};
use futures::StreamExt;
use ghost_client::{
    api::{self, GhostRpcClient},
    wire::WireInput,
};
use ghost_model::store;
use ghost_primitives::hex0x;
use ghost_primitives::{FloatInput, Input, LayerWeights, LookupWeights};
use serde::Serialize;
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// What to load the server with.
#[derive(Clone, Debug, clap::Args)]
pub struct ServeBenchParams {
    /// Model directory to serve (its first layer must be a lookup layer).
    #[arg(long)]
    pub model: PathBuf,
    /// Requests at each concurrency.
    #[arg(long, default_value_t = 2000)]
    pub requests: usize,
    /// Concurrencies to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "1,2,8")]
    pub concurrency: Vec<usize>,
    /// The server's workers (`ghost serve --workers`; default: the number of cores).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Distinct queries, sent round-robin.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    /// Seed of the queries.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Figures at one concurrency.
#[derive(Clone, Debug, Serialize)]
pub struct LoadFigures {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests answered.
    pub requests: usize,
    /// Requests answered per second of wall time.
    pub requests_per_s: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// The server's CPU time (user + system, all threads) per request, µs.
    pub server_cpu_us: f64,
    /// `1 - prove_us / server_cpu_us`: the share of the server's CPU not spent proving.
    pub overhead: f64,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct ServeBenchReport {
    /// Model id served.
    pub model: String,
    /// Seconds from starting `ghost serve` to its listening (loading the weights and
    /// rebuilding the trees).
    pub startup_s: f64,
    /// The server's peak resident memory at the end, MiB.
    pub server_peak_rss_mib: f64,
    /// Bytes of one `ghost_infer` response (mean over the queries).
    pub response_bytes: f64,
    /// Bytes of the encoded proof in it (mean).
    pub proof_bytes: f64,
    /// CPU of one forward pass with proof and encoding in this process, µs (mean).
    pub prove_us: f64,
    /// One row per concurrency.
    pub loads: Vec<LoadFigures>,
}

/// A `ghost serve` child, stopped (by its PID) and reaped when dropped.
struct Server {
    child: Child,
    url: String,
    startup: Duration,
}

impl Server {
    fn start(model: &Path, workers: Option<usize>) -> Result<Self> {
        let started = Instant::now();
        let exe = std::env::current_exe().context("locating the ghost binary")?;
        let mut command = Command::new(exe);
        // The server stops when this process's end of its standard input closes: on drop,
        // and also when this process is killed, which runs no drop.
        // No call rate: one connection is the load at concurrency 1.
        command
            .args(["--quiet", "serve", "--stop-on-stdin-close", "--calls-per-second", "0", "--listen", "127.0.0.1:0"])
            .arg("--model")
            .arg(model);
        if let Some(w) = workers {
            command.args(["--workers", &w.to_string()]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting ghost serve")?;
        let stdout = child.stdout.take().context("ghost serve's output")?;
        // Kill the child on every error path below.
        let mut server = Self { child, url: String::new(), startup: Duration::ZERO };
        let mut lines = BufReader::new(stdout).lines();
        let banner = lines.next().context("ghost serve exited before listening")??;
        let Some(url) = banner.split_whitespace().find(|w| w.starts_with("http://")) else {
            bail!("ghost serve printed {banner:?}, not the address it listens on");
        };
        server.url = url.to_string();
        server.startup = started.elapsed();
        // Drain the rest of its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(server)
    }

    /// CPU time of the server's threads so far, to the nanosecond (Linux
    /// `/proc/PID/task/*/schedstat`, whose first field is the time a thread ran). The
    /// server's threads live as long as it does: it answers on its runtime's threads.
    fn cpu(&self) -> Result<Duration> {
        let tasks = format!("/proc/{}/task", self.child.id());
        let mut total = 0u64;
        for task in std::fs::read_dir(&tasks).with_context(|| format!("reading {tasks} (Linux only)"))? {
            // A thread may end between listing and reading: it no longer counts.
            let Ok(stat) = std::fs::read_to_string(task?.path().join("schedstat")) else { continue };
            let ran = stat.split_whitespace().next().context("empty schedstat")?;
            total += ran.parse::<u64>().with_context(|| format!("schedstat {stat:?}"))?;
        }
        Ok(Duration::from_nanos(total))
    }

    /// The server's peak resident memory, MiB (`VmHWM`).
    fn peak_rss_mib(&self) -> Result<f64> {
        peak_rss_mib_of(&format!("/proc/{}/status", self.child.id()))
            .context("reading the server's peak memory (Linux /proc)")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e6
}

/// Run the load.
pub fn run(p: &ServeBenchParams) -> Result<ServeBenchReport> {
    if p.concurrency.contains(&0) || p.requests == 0 || p.queries == 0 {
        bail!("concurrency, requests and queries must be at least 1");
    }
    let model = store::load(&p.model)?;
    let Some(LayerWeights::Lookup(LookupWeights { params, keys, .. })) = model.weights().first() else {
        bail!("{}: the first layer is not a lookup layer, so there is nothing to query near", p.model.display());
    };
    let d = params.d as usize;
    let rows = keys.len() / d.max(1);
    let q14 = |i: usize| key_row(keys, d, i).iter().map(|&q| ghost_primitives::to_f32(q)).collect::<Vec<f32>>();
    let inputs: Vec<Input> = queries_near(rows, q14, p.queries, p.seed)
        .into_iter()
        .map(|q| ghost_primitives::quantise_input(&FloatInput::Vector(q)))
        .collect();

    // The proving CPU per request, as the server spends it.
    let started = Instant::now();
    let mut proof_bytes = 0usize;
    for input in &inputs {
        let (_, proof) = model.prove(input)?;
        proof_bytes += proof.encode().len();
    }
    let prove_us = started.elapsed().as_secs_f64() * 1e6 / inputs.len() as f64;
    let model_id = hex0x(&model.id());
    drop(model);

    let server = Server::start(&p.model, p.workers)?;
    tracing::info!(url = %server.url, "server started");
    // The benchmark's own server, on loopback: the one private endpoint it talks to.
    ghost_client::endpoint::allow_private(true);
    let client = api::client(&server.url, Duration::from_secs(60))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let wire: Vec<WireInput> = inputs.iter().map(WireInput::from).collect();

    let mut response_bytes = 0usize;
    runtime.block_on(async {
        for input in &wire {
            let answer = client.infer(model_id.clone(), input.clone()).await?;
            response_bytes += serde_json::to_vec(&answer)?.len();
        }
        anyhow::Ok(())
    })?;

    let mut loads = Vec::new();
    for &concurrency in &p.concurrency {
        let cpu_before = server.cpu()?;
        let started = Instant::now();
        let mut latencies: Vec<Duration> = runtime.block_on(async {
            futures::stream::iter((0..p.requests).map(|i| {
                let (client, model, input) = (&client, model_id.clone(), wire[i % wire.len()].clone());
                async move {
                    let sent = Instant::now();
                    client.infer(model, input).await.map(|_| sent.elapsed())
                }
            }))
            .buffer_unordered(concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<std::result::Result<Vec<_>, _>>()
        })?;
        let wall = started.elapsed();
        let cpu = server.cpu()?.saturating_sub(cpu_before);
        latencies.sort_unstable();
        let server_cpu_us = cpu.as_secs_f64() * 1e6 / p.requests as f64;
        loads.push(LoadFigures {
            concurrency,
            requests: p.requests,
            requests_per_s: p.requests as f64 / wall.as_secs_f64(),
            p50_us: percentile(&latencies, 0.50),
            p99_us: percentile(&latencies, 0.99),
            server_cpu_us,
            overhead: 1.0 - prove_us / server_cpu_us,
        });
        tracing::info!(concurrency, "load done");
    }
    let (startup_s, server_peak_rss_mib) = (server.startup.as_secs_f64(), server.peak_rss_mib()?);
    drop(server);
    Ok(ServeBenchReport {
        model: model_id,
        startup_s,
        server_peak_rss_mib,
        response_bytes: response_bytes as f64 / wire.len() as f64,
        proof_bytes: proof_bytes as f64 / inputs.len() as f64,
        prove_us,
        loads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_rank_at_or_above() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v[..1], 0.99), 1.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
