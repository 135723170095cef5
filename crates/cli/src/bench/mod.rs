//! `ghost bench`: the layer (sparse with proof against dense, recall, proof size,
//! verification, memory) and the serving path under load.

pub mod layer;
pub mod serve;

use anyhow::Result;
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct BenchArgs {
    /// Another benchmark than the layer's.
    #[command(subcommand)]
    other: Option<BenchCommand>,
    /// What to measure.
    #[command(flatten)]
    params: layer::BenchParams,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Benchmarks besides the layer's.
#[derive(Subcommand)]
enum BenchCommand {
    /// `ghost serve` under a bounded loopback load: requests/s, latency, CPU per request.
    #[command(after_help = "Example:\n  ghost bench serve --model ./model --requests 2000 --concurrency 1,2,8")]
    Serve {
        /// The load.
        #[command(flatten)]
        params: serve::ServeBenchParams,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Run `ghost bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    match args.other {
        Some(BenchCommand::Serve { params, json }) => {
            let r = serve::run(&params)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                print_serve(&r);
            }
        }
        None => {
            let r = layer::run(&args.params, !args.json)?;
            if args.json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                print_layer(&r);
            }
        }
    }
    Ok(())
}

fn print_serve(r: &serve::ServeBenchReport) {
    println!("model {}: started in {:.1} s, peak memory {:.0} MiB", r.model, r.startup_s, r.server_peak_rss_mib);
    println!(
        "response {:.0} bytes (proof {:.0}); proving takes {:.1} us a request in-process",
        r.response_bytes, r.proof_bytes, r.prove_us
    );
    println!("concurrency  requests/s     p50 us     p99 us  server CPU us/request  overhead");
    for l in &r.loads {
        println!(
            "{:>11} {:>11.0} {:>10.0} {:>10.0} {:>22.1} {:>8.1}%",
            l.concurrency,
            l.requests_per_s,
            l.p50_us,
            l.p99_us,
            l.server_cpu_us,
            100.0 * l.overhead
        );
    }
}

fn print_layer(r: &layer::BenchReport) {
    println!(
        "N = {}, d = e = {}, C = {}, k = {}, n_probe = {} (one thread, setup {:.1} s)",
        r.rows, r.dim, r.lists, r.k, r.n_probe, r.setup_s
    );
    println!("sparse forward          {:>10.1} us", r.forward_us);
    println!("sparse forward + proof  {:>10.1} us", r.sparse_us);
    println!("dense forward (f32)     {:>10.1} us   speedup {:.1}x", r.dense_us, r.speedup);
    println!("recall vs exact top-k   {:>10.3}", r.recall);
    println!(
        "proof bytes             {:>10.0}   floor {:.0} (ratio {:.3})",
        r.proof_bytes,
        r.floor_bytes,
        r.proof_bytes / r.floor_bytes
    );
    println!("verify (decode + check) {:>10.1} us", r.verify_us);
    println!(
        "hash floor of verify    {:>10.1} us   {:.0} compressions x {:.3} us; verify / floor {:.2}",
        r.verify_floor_us,
        r.compressions,
        r.compression_us,
        r.verify_us / r.verify_floor_us
    );
    println!("peak memory             {:>10.0} MiB", r.peak_rss_mib);
}
