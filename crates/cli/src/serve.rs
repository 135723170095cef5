//! `ghost serve`: serve models over JSON-RPC with ghost proofs (off chain).

use crate::global;
use anyhow::Result;
use clap::Args;
use ghost_model::store;
use ghost_primitives::hex0x;
use ghost_prover::{
    rpc::{Misbehaviour, Prover},
    server::{self, Limits},
};
use std::{net::SocketAddr, path::PathBuf, sync::Arc};

#[derive(Args)]
pub struct ServeArgs {
    /// Model directory; repeat to serve several.
    #[arg(long = "model", required = true)]
    models: Vec<PathBuf>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:9955")]
    listen: SocketAddr,
    /// Answers computed at once (default: the number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Misbehave on purpose, to demonstrate verification and disputes.
    #[arg(long, value_enum)]
    misbehave: Option<Misbehaviour>,
    /// Calls a second one connection may make, each call of a batch counted (0: no bound).
    #[arg(long, default_value_t = Limits::DEFAULT.calls_per_second)]
    calls_per_second: u32,
    /// Also serve the verification page on the listen address (`GET /`): a person draws a
    /// digit, the page asks this server and verifies the answer in the browser.
    #[arg(long)]
    ui: bool,
    /// Stop when standard input closes: a supervisor that holds the other end of a pipe
    /// stops the server by exiting, however it exits.
    #[arg(long)]
    stop_on_stdin_close: bool,
}

/// The verification page's files (`--ui`), as the server serves them.
pub fn page(path: &str) -> Option<server::Page> {
    ghost_ui::asset(path).map(|a| server::Page {
        content_type: a.content_type,
        bytes: a.bytes,
        gzipped: a.gzipped,
        tag: ghost_ui::TAG,
    })
}

/// Serve until Ctrl-C (or standard input closes, when asked).
pub fn run(args: ServeArgs) -> Result<()> {
    let models = args.models.iter().map(|dir| store::load(dir)).collect::<Result<Vec<_>>>()?;
    let ids: Vec<String> = models.iter().map(|m| hex0x(&m.id())).collect();
    let workers = global::workers(args.workers);
    if let Some(m) = args.misbehave {
        tracing::warn!(misbehaviour = ?m, "serving DISHONEST answers on purpose");
    }
    let prover = Prover::new(models.into_iter().map(Arc::new).collect(), workers, args.misbehave);
    let runtime = global::answering_runtime(workers)?;
    let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    if args.stop_on_stdin_close {
        // A plain thread, not the runtime's blocking pool: the runtime would wait for it
        // when shutting down for another reason.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            let _ = closed.send(());
        });
    }
    // Without the flag the sender is dropped unsent: that never stops the server.
    let stop = async move {
        if stdin_closed.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let limits = Limits { calls_per_second: args.calls_per_second, ..Limits::DEFAULT };
    runtime.block_on(server::serve_until_stopped(
        args.listen,
        prover,
        limits,
        args.ui.then_some(page as server::Pages),
        |addr| {
            // One write, errors ignored: a closed stdout must not stop a serving prover.
            let mut banner = format!("serving {} model(s) on http://{addr}\n", ids.len());
            for id in &ids {
                banner.push_str(&format!("  model {id}\n"));
            }
            if args.ui {
                banner.push_str(&format!("verification page on http://{addr}/\n"));
            }
            let mut stdout = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut stdout, banner.as_bytes())
                .and_then(|_| std::io::Write::flush(&mut stdout));
            tracing::info!(%addr, workers, "prover listening");
        },
        stop,
    ))
}
