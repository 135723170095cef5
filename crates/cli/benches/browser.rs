//! The browser verifier's figures (`docs/benchmarks.md`): run with
//! `bash scripts/browser-bench.sh` (`cargo bench -p ghost-cli --bench browser`).
//!
//! One answer of `ghost serve --ui` on the digits classifier, verified many times by the
//! same call natively and in headless Chromium (`ghost_verify::verify`, from the answer's
//! JSON text, in the wasm package the page loads); `check_answer` alone, what `ghost
//! verify` runs; the page's load time; the package's size.
//! Not a criterion bench: the browser side is timed by the browser's own clock.

use ghost_client::{
    answer::check_answer,
    api::GhostRpcClient,
    wire::{Answer, WireInput},
};
use ghost_model::digits;
use ghost_primitives::{hex0x, quantise_vector, Verifier};
use ghost_testkit::browser::{self, Browser};
use serde_json::json;
use std::time::{Duration, Instant};

const GHOST: &str = env!("CARGO_BIN_EXE_ghost");
/// Batches of verifications timed on each side, and verifications a batch.
const BATCHES: usize = 40;
const BATCH: usize = 100;
/// Page loads timed.
const LOADS: usize = 10;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The fastest batch (the figure least disturbed by whatever else the machine runs) and
/// the median.
fn summary(mut micros: Vec<f64>) -> (f64, f64) {
    micros.sort_by(f64::total_cmp);
    (micros[0], percentile(&micros, 0.5))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs benches as tests with no flag.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Some(why) = browser::missing() {
        eprintln!("{why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("digits");
    browser::digits(GHOST, &model_dir);
    let (_server, url) = browser::ghost_page(
        GHOST,
        &["--quiet", "serve", "--ui", "--listen", "127.0.0.1:0", "--model", model_dir.to_str().unwrap()],
        &[],
    );
    let rpc = jsonrpsee::http_client::HttpClientBuilder::default().build(&url).unwrap();
    let id = rpc.models().await.unwrap().remove(0);
    let file_hex = rpc.ghost_file(Some(id.clone())).await.unwrap();
    let file_bytes = hex::decode(file_hex.trim_start_matches("0x")).unwrap();
    let file = Verifier::decode(&file_bytes).unwrap();
    assert_eq!(hex0x(&file.id()), id);
    let samples = digits::load(digits::DIGITS_CSV_GZ).unwrap();
    let input = quantise_vector(&samples[1].pixels, false);
    let answer: Answer = rpc.infer(id.clone(), WireInput::from(&input)).await.unwrap();

    // The same call on both sides: `ghost_verify::verify` from the answer's JSON text, as
    // the page makes it (parsing, the check `ghost verify` runs, the display's views),
    // timed in batches (browsers round `performance.now()` to 100 us without isolation).
    let answer_text = serde_json::to_string(&answer).unwrap();
    let input_text = serde_json::to_string(&WireInput::from(&input)).unwrap();
    let mut native = Vec::with_capacity(BATCHES);
    let mut check_only = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let started = Instant::now();
        for _ in 0..BATCH {
            assert!(ghost_verify::verify(&file_bytes, &id, &input_text, &answer_text).verified);
        }
        native.push(started.elapsed().as_secs_f64() * 1e6 / BATCH as f64);
        let started = Instant::now();
        for _ in 0..BATCH {
            check_answer(&file, &answer, Some(&input)).expect("the answer verifies");
        }
        check_only.push(started.elapsed().as_secs_f64() * 1e6 / BATCH as f64);
    }

    let page = Browser::start(&dir.path().join("profile")).await;
    let mut loads = Vec::with_capacity(LOADS);
    let mut ready = Vec::with_capacity(LOADS);
    for _ in 0..LOADS {
        page.open(&url).await;
        // Navigation start to the load event, and to the page's ready mark (wasm compiled,
        // model read and decoded).
        let timing = page
            .client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; \
                 return [n.loadEventEnd, performance.getEntriesByName('ready')[0]?.startTime ?? null];",
                vec![],
            )
            .await
            .unwrap();
        loads.push(timing[0].as_f64().unwrap() * 1e3);
        ready.push(timing[1].as_f64().expect("the page marks when it is ready") * 1e3);
    }
    // In the browser: the same call on the same bytes, through the page's module.
    let script = "const [file, id, input, answer, batches, batch, done] = arguments; \
        import('/pkg/ghost_verify.js').then((m) => { \
          const bytes = Uint8Array.from(file); const times = []; let verified = true; \
          for (let b = 0; b < batches; b++) { const t = performance.now(); \
            for (let i = 0; i < batch; i++) verified = m.verify(bytes, id, input, answer).verified && verified; \
            times.push((performance.now() - t) * 1000 / batch); } \
          done({ verified, times }); });";
    let args = vec![json!(file_bytes), json!(id), json!(input_text), json!(answer_text), json!(BATCHES), json!(BATCH)];
    let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(300)), None, None);
    page.client.update_timeouts(timeouts).await.unwrap();
    let measured = page.client.execute_async(script, args).await.unwrap();
    assert_eq!(measured["verified"], true, "the browser verified the answer");
    let wasm: Vec<f64> = measured["times"].as_array().unwrap().iter().map(|t| t.as_f64().unwrap()).collect();
    let package = ghost_ui::PACKAGE.iter().find(|a| a.path.ends_with(".wasm")).unwrap().bytes;
    let gzipped = {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(package).unwrap();
        gz.finish().unwrap().len()
    };
    let (native_min, native_p50) = summary(native);
    let (check_min, check_p50) = summary(check_only);
    let (wasm_min, wasm_p50) = summary(wasm);
    let (_, load_p50) = summary(loads);
    let (_, ready_p50) = summary(ready);
    println!(
        "digits classifier, one answer ({} proof bytes); per verification, over {BATCHES} batches of {BATCH}",
        answer.proof.0.len()
    );
    println!("native ghost_verify::verify: min {native_min:.1} us, p50 {native_p50:.1} us (JSON in, views out)");
    println!("native check_answer alone:   min {check_min:.1} us, p50 {check_p50:.1} us");
    println!(
        "wasm verify in Chromium:     min {wasm_min:.1} us, p50 {wasm_p50:.1} us ({:.2}x native at the min, {:.2}x at p50)",
        wasm_min / native_min,
        wasm_p50 / native_p50
    );
    println!("page load (load event):      p50 {:.1} ms over {LOADS} loads", load_p50 / 1e3);
    println!("page ready (wasm + model):   p50 {:.1} ms", ready_p50 / 1e3);
    println!("wasm package:                {} bytes, {gzipped} gzipped", package.len());
    page.client.clone().close().await.unwrap();
}
