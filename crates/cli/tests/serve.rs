//! The prover as users run it: `ghost serve` on a synthetic model, many concurrent
//! clients verifying every answer, bad inputs answered with typed errors while serving
//! goes on, floods (batches, slow headers, big bodies, fast callers) bounded while
//! others are still answered, tampered answers refused by `ghost infer` and `ghost
//! verify`, private endpoints refused unless allowed, key files and secrets on the
//! command line, and a lazy prover convicted by a watcher's exclusion fraud proof.

use ghost_client::{
    answer::verify_answer,
    api::{GhostRpcClient, BAD_INPUT, MAX_BATCH, MAX_REQUEST_BYTES, UNAVAILABLE, UNKNOWN_MODEL},
    wire::{Answer, ProofBytes},
};
use ghost_model::{
    build::{commit, lookup_layer, synthetic_matrices, IndexParams, LayerParams},
    store,
};
use ghost_primitives::{hex0x, quantise_vector};
use ghost_primitives::{Beta, Input, LookupParams, Model, Verifier};
use ghost_testkit::flood::{batch, post, slowloris, Connection};
use jsonrpsee::{
    core::{client::ClientT, ClientError},
    http_client::{HttpClient, HttpClientBuilder},
    rpc_params,
};
use rand::{Rng, SeedableRng};
use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const GHOST: &str = env!("CARGO_BIN_EXE_ghost");

/// A two-layer synthetic model saved in `dir`.
fn make_model(dir: &Path) -> Model {
    let params = LayerParams {
        layer: LookupParams { k: 8, n_probe: 3, beta: Beta::from_int(12), ..LookupParams::DEFAULT },
        index: IndexParams { lists: 16, kmeans_iterations: 4, ..IndexParams::DEFAULT },
    };
    let (k0, v0) = synthetic_matrices(3000, 16, 8, 16, 1);
    let (k1, v1) = synthetic_matrices(1000, 8, 4, 16, 2);
    let layers = vec![
        lookup_layer(k0, v0, &params, false).unwrap().0.into(),
        lookup_layer(k1, v1, &params, false).unwrap().0.into(),
    ];
    let (model, stats) = commit("served", &layers).unwrap();
    store::save(dir, &model, &stats, "test").unwrap();
    model
}

/// A running `ghost serve`, killed on drop.
struct Server {
    child: Child,
    url: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(GHOST)
            .args(["--quiet", "serve", "--listen", "127.0.0.1:0", "--model"])
            .arg(dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ghost serve starts");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("serve prints its address");
        let url = line.split_whitespace().last().expect("address").to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line: {line}");
        Self { child, url, _stdout: stdout }
    }

    fn client(&self) -> HttpClient {
        HttpClientBuilder::default().build(&self.url).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn query(seed: u64, d: usize) -> Vec<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..d).map(|_| rng.gen::<f32>() - 0.5).collect()
}

fn code(err: ClientError) -> i32 {
    match err {
        ClientError::Call(e) => e.code(),
        other => panic!("expected a JSON-RPC error, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serves_many_clients_and_survives_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let file = model.verifier().clone();
    let id = hex0x(&model.id());
    let server = Server::start(dir.path(), &[]);

    // 24 clients x 6 requests, each answer verified and equal to the local computation.
    let mut tasks = Vec::new();
    for c in 0..24u64 {
        let (client, file, id) = (server.client(), file.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for r in 0..6u64 {
                let input = quantise_vector(&query(c * 100 + r, 16), false);
                let answer = client.infer(id.clone(), (&input).into()).await.expect("answer");
                verify_answer(&file, &answer, Some(&input)).expect("every answer verifies");
                answers.push((input, answer));
            }
            answers
        }));
    }
    let mut total = 0;
    for task in tasks {
        for (input, answer) in task.await.unwrap() {
            let (trace, proof) = model.prove(&input).unwrap();
            assert_eq!(answer, Answer::new(&model.id(), &input, &trace.claim(), &proof.encode()));
            total += 1;
        }
    }
    assert_eq!(total, 144);

    let client = server.client();
    // Unknown model, wrong width, wrong kind, too wide, malformed params.
    let good = quantise_vector(&query(1, 16), false);
    let other_id = hex0x(&[7u8; 32]);
    assert_eq!(code(client.infer(other_id, (&good).into()).await.unwrap_err()), UNKNOWN_MODEL);
    assert_eq!(code(client.infer("0x12".into(), (&good).into()).await.unwrap_err()), UNKNOWN_MODEL);
    let narrow = quantise_vector(&query(1, 15), false);
    assert_eq!(code(client.infer(id.clone(), (&narrow).into()).await.unwrap_err()), BAD_INPUT);
    assert_eq!(code(client.infer(id.clone(), (&Input::Token(3)).into()).await.unwrap_err()), BAD_INPUT);
    let wide = Input::Vector(vec![1; 5000]);
    assert_eq!(code(client.infer(id.clone(), (&wide).into()).await.unwrap_err()), BAD_INPUT);
    let malformed: Result<serde_json::Value, _> =
        client.request("ghost_infer", rpc_params![id.clone(), "not an input"]).await;
    assert_eq!(code(malformed.unwrap_err()), -32602);
    let out_of_range: Result<serde_json::Value, _> =
        client.request("ghost_infer", rpc_params![id.clone(), serde_json::json!({"vector": [40000]})]).await;
    assert_eq!(code(out_of_range.unwrap_err()), -32602);
    // A request body far over the bound is refused by the transport.
    let huge: Result<serde_json::Value, _> =
        client.request("ghost_infer", rpc_params![id.clone(), serde_json::json!({"vector": vec![1; 200_000]})]).await;
    assert!(huge.is_err());

    // Still serving (on a new connection: the server closes the one it refused a body on).
    let client = server.client();
    let health = client.health().await.unwrap();
    assert_eq!((health.status.as_str(), health.models, health.served), ("ok", 1, 144));
    let answer = client.infer(id.clone(), (&good).into()).await.unwrap();
    verify_answer(&file, &answer, Some(&good)).unwrap();
    let served_file = client.ghost_file(None).await.unwrap();
    assert_eq!(hex::decode(served_file.trim_start_matches("0x")).unwrap(), codec::Encode::encode(file.file()));
}

fn ghost(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(GHOST).arg("--quiet").args(args).env("RUST_LOG", "warn").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn tampered_answers_are_refused_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    make_model(dir.path());
    let server = Server::start(dir.path(), &[]);
    let saved = dir.path().join("answer.json");
    let dir_s = dir.path().to_str().unwrap();
    let input = "0.3,-0.1,0.2,0.5,0,0,0.1,-0.4,0.2,0.2,0.1,-0.3,0.05,0.6,-0.2,0.1";
    // The server is on loopback: refused unless private endpoints are allowed.
    let (code, _, err) = ghost(&[
        "infer",
        "--prover",
        &server.url,
        "--ghost-file",
        dir_s,
        "--input",
        "0.1,0.2,0.3,0.4,0,0,0,0,0,0,0,0,0,0,0,0",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("a loopback address") && err.contains("--allow-private-endpoints"), "{err}");
    let (code, out, err) = ghost(&[
        "--allow-private-endpoints",
        "infer",
        "--prover",
        &server.url,
        "--ghost-file",
        dir_s,
        "--input",
        input,
        "--save",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verified"), "{out}");
    let (code, out, _) = ghost(&["verify", "--ghost-file", dir_s, "--response", saved.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    let answer: Answer = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let tampered = dir.path().join("tampered.json");
    let check = |a: &Answer, expect: &str| {
        std::fs::write(&tampered, serde_json::to_string(a).unwrap()).unwrap();
        let (code, _, err) = ghost(&["verify", "--ghost-file", dir_s, "--response", tampered.to_str().unwrap()]);
        assert_eq!(code, 2, "tampered answer accepted: {err}");
        assert!(err.contains("REJECTED") && err.contains(expect), "unclear message: {err}");
    };
    let mut a = answer.clone();
    a.output[0] = a.output[0].wrapping_add(1);
    check(&a, "output");
    let proof = answer.proof.0.clone();
    for at in [0, 1, proof.len() / 3, proof.len() / 2, proof.len() - 33, proof.len() - 1] {
        let mut bad = proof.clone();
        bad[at] ^= 0x01;
        let mut a = answer.clone();
        a.proof = ProofBytes(bad);
        check(&a, "does not verify");
    }
    let mut a = answer.clone();
    a.links[0] = hex0x(&[0u8; 32]);
    check(&a, "commitment");

    // A dishonest prover is caught by `ghost infer` itself.
    drop(server);
    for mode in ["corrupt-output", "corrupt-proof"] {
        let bad = Server::start(dir.path(), &["--misbehave", mode]);
        let (code, _, err) = ghost(&[
            "infer",
            "--allow-private-endpoints",
            "--prover",
            &bad.url,
            "--ghost-file",
            dir_s,
            "--input",
            input,
        ]);
        assert_eq!(code, 2, "{mode}: {err}");
        assert!(err.contains("REJECTED"), "{mode}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lazy_prover_is_convicted_by_a_watcher() {
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(dir.path());
    let file: Verifier = model.verifier().clone();
    let server = Server::start(dir.path(), &["--misbehave", "skip-best-row"]);
    let input = quantise_vector(&query(9, 16), false);
    let answer = server.client().infer(hex0x(&model.id()), (&input).into()).await.unwrap();
    // Its own proof checks out: it really used the rows it claims...
    verify_answer(&file, &answer, Some(&input)).expect("the lazy answer's proof verifies");
    // ...but a watcher holding the weights finds the row it skipped.
    let claim = answer.claim().unwrap();
    let trace = file.verify(&[], &input, &claim, &answer.proof.0).unwrap();
    let fraud = model.find_fraud(&input, &trace).unwrap().expect("an excluded row");
    assert_eq!(file.verify_fraud(&[], &input, &claim.links, &fraud), Ok(()));
}

/// A small inverted-file index, for the models these tests build.
const SMALL_INDEX: [&str; 6] = ["--lists", "8", "--n-probe", "2", "--k", "4"];

/// Whether a `ghost serve` of `model` is running.
fn serving(model: &Path) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        let cmdline = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        cmdline.contains("serve\0--stop-on-stdin-close") && cmdline.contains(model.to_str().unwrap())
    })
}

/// `ghost bench serve` starts `ghost serve` itself, loads it, reports every concurrency
/// asked, and stops its server.
#[test]
fn the_serving_benchmark_measures_and_stops_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    let (code, _, err) =
        ghost(&["model", "build", "synthetic", "--rows", "2048", "--lists", "16", "--out", model.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = ghost(&[
        "bench",
        "serve",
        "--model",
        model.to_str().unwrap(),
        "--requests",
        "40",
        "--concurrency",
        "1,3",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let loads = report["loads"].as_array().unwrap();
    assert_eq!(loads.iter().map(|l| l["concurrency"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 3]);
    for l in loads {
        assert_eq!(l["requests"], 40);
        assert!(l["requests_per_s"].as_f64().unwrap() > 0.0);
        let (p50, p99) = (l["p50_us"].as_f64().unwrap(), l["p99_us"].as_f64().unwrap());
        assert!(0.0 < p50 && p50 <= p99, "{l}");
        // The server did the proving, so it spent at least that much CPU per request.
        assert!(l["server_cpu_us"].as_f64().unwrap() > 0.0, "{l}");
    }
    // A base64 proof: a third larger than the bytes, well under hex's double.
    let (response, proof) = (report["response_bytes"].as_f64().unwrap(), report["proof_bytes"].as_f64().unwrap());
    assert!(proof > 0.0 && response < 1.5 * proof + 4096.0, "{report}");
    assert!(!serving(&model), "the benchmark left its server running");

    // Killed outright (no destructor runs), it still takes its server down with it.
    let mut bench = Command::new(GHOST)
        .args(["--quiet", "bench", "serve", "--requests", "1000000", "--model", model.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !serving(&model) {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the benchmark's server never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    bench.kill().unwrap();
    bench.wait().unwrap();
    let killed = std::time::Instant::now();
    while serving(&model) {
        assert!(killed.elapsed() < std::time::Duration::from_secs(10), "the server outlived its killed benchmark");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (code, _, err) = ghost(&["bench", "serve", "--model", model.to_str().unwrap(), "--concurrency", "0"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("at least 1"), "{err}");
}

/// `ghost model build matrices --embedding` puts a token table in front of the lookup:
/// the model is served, answers a token with a proof the CLI verifies, and refuses a
/// token past the table; a table of the wrong width is refused when building.
#[test]
fn a_model_with_an_embedding_serves_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let csv = |name: &str, rows: usize, cols: usize, salt: f32| {
        let text: Vec<String> = (0..rows)
            .map(|i| {
                (0..cols).map(|j| format!("{:.4}", ((i * cols + j) as f32 * salt).sin())).collect::<Vec<_>>().join(",")
            })
            .collect();
        let path = dir.path().join(name);
        std::fs::write(&path, text.join("\n")).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (keys, values) = (csv("k.csv", 128, 8, 0.31), csv("v.csv", 128, 4, 0.17));
    let (table, narrow) = (csv("emb.csv", 20, 8, 0.53), csv("narrow.csv", 20, 6, 0.53));
    let model = dir.path().join("m");
    let m = model.to_str().unwrap();
    let build = |table: &str| {
        ghost(
            &["model", "build", "matrices", "--keys", &keys, "--values", &values, "--embedding", table, "--out", m]
                .iter()
                .chain(&SMALL_INDEX)
                .copied()
                .collect::<Vec<_>>(),
        )
    };
    let (code, _, err) = build(&narrow);
    assert_eq!(code, 1);
    assert!(err.contains("6 entries but the keys have 8"), "{err}");
    let (code, _, err) = build(&table);
    assert_eq!(code, 0, "{err}");

    let server = Server::start(&model, &[]);
    let saved = dir.path().join("answer.json");
    let (s, url) = (saved.to_str().unwrap(), server.url.as_str());
    let local = "--allow-private-endpoints";
    let (code, out, err) = ghost(&["infer", local, "--prover", url, "--ghost-file", m, "--token", "7", "--save", s]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = ghost(&["verify", "--ghost-file", m, "--response", s]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verified"), "{out}");
    let answer: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(answer["input"], serde_json::json!({"token": 7}));
    let (code, _, err) = ghost(&["infer", local, "--prover", url, "--ghost-file", m, "--token", "20"]);
    assert_ne!(code, 0);
    assert!(err.contains("token"), "{err}");
}

/// `ghost model tune` and `merge` from the command line: the records they write, and
/// the inputs they refuse (wrong widths, a directory that is no tuning, overwriting the
/// version tuned from).
#[test]
fn tuning_and_merging_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (base, a, b, merged) = (path("base"), path("a"), path("b"), path("merged"));
    let (code, _, err) = ghost(
        &["model", "build", "synthetic", "--rows", "512", "--dim", "8", "--value-dim", "4", "--out", &base]
            .iter()
            .chain(&SMALL_INDEX)
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{err}");
    let data = |name: &str, cols: usize, salt: f32| {
        let rows: Vec<String> = (0..10)
            .map(|i| {
                (0..cols).map(|j| format!("{:.3}", ((i * cols + j) as f32 * salt).cos())).collect::<Vec<_>>().join(",")
            })
            .collect();
        std::fs::write(dir.path().join(name), rows.join("\n")).unwrap();
        path(name)
    };
    let (da, db, narrow) = (data("a.csv", 12, 0.7), data("b.csv", 12, 1.3), data("n.csv", 11, 0.7));
    let (code, _, err) = ghost(&["model", "tune", "--model", &base, "--data", &narrow, "--out", &a]);
    assert_eq!(code, 1);
    assert!(err.contains("11 columns") && err.contains("12 are expected"), "{err}");
    let (code, _, err) = ghost(&["model", "tune", "--model", &base, "--data", &da, "--out", &base]);
    assert_eq!(code, 1);
    assert!(err.contains("is an input of this command"), "{err}");
    for (data, out) in [(&da, &a), (&db, &b)] {
        let (code, out_text, err) =
            ghost(&["model", "tune", "--model", &base, "--data", data, "--out", out, "--max-rows", "5"]);
        assert_eq!(code, 0, "{err}");
        assert!(out_text.contains("10 example(s)"), "{out_text}");
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(out).join("tune.json")).unwrap()).unwrap();
        assert!(record["changedRows"].as_array().unwrap().len() <= 5, "{record}");
    }
    let (code, _, err) = ghost(&["model", "merge", "--base", &base, "--from", &a, "--from", &base, "--out", &merged]);
    assert_eq!(code, 1);
    assert!(err.contains("has no tune.json: it is not a tuning"), "{err}");
    let (code, out_text, err) =
        ghost(&["model", "merge", "--base", &base, "--from", &a, "--from", &b, "--out", &merged]);
    assert_eq!(code, 0, "{err}");
    assert!(out_text.contains("commits to 2 contribution(s)"), "{out_text}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("merged").join("tune.json")).unwrap()).unwrap();
    assert_eq!(record["contributions"].as_array().unwrap().len(), 2);
}

/// The endpoint is public, so what a client sends is bounded: a batch over `MAX_BATCH`
/// is refused, a body over `MAX_REQUEST_BYTES` too, a connection dripping its headers (or
/// sending nothing) is cut after the header timeout, one connection's calls are held to
/// its rate; and while all of that runs at once, a fresh client's `ghost_health` is
/// answered promptly.
#[test]
fn floods_are_bounded_and_others_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    make_model(dir.path());
    let server = Server::start(dir.path(), &[]);
    let addr = server.url.trim_start_matches("http://").to_string();
    let limits = ghost_prover::server::Limits::DEFAULT;

    // Batches: within the bound answered call by call, over it refused whole.
    let (status, body) = post(&addr, &batch(MAX_BATCH, "ghost_health"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&body).unwrap().len(), MAX_BATCH as usize);
    let (status, body) = post(&addr, &batch(MAX_BATCH + 1, "ghost_health"));
    let refused: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(status == 200 && refused["error"]["code"] == -32010, "a batch over the bound: {status} {body}");

    // A body over the bound is refused before it is parsed.
    let (status, _) = post(&addr, &vec![b' '; MAX_REQUEST_BYTES as usize + 1]);
    assert_eq!(status, 413);

    // One connection's calls are held to its rate: three seconds' worth, sent in batches
    // on one kept-alive connection, are answered no faster than a full bucket plus what
    // refilled while they ran. The bound is on what the clock allows, so a slow machine
    // loosens it but never fails it.
    let mut connection = Connection::open(&addr).unwrap();
    let started = std::time::Instant::now();
    let mut codes: Vec<i64> = Vec::new();
    for _ in 0..limits.calls_per_second * 3 / MAX_BATCH {
        let (status, body) = connection.post(&batch(MAX_BATCH, "ghost_health")).unwrap();
        assert_eq!(status, 200, "{body}");
        let answers: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
        codes.extend(answers.iter().map(|a| a["error"]["code"].as_i64().unwrap_or(0)));
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert!(codes[..MAX_BATCH as usize].iter().all(|&c| c == 0), "{codes:?}");
    assert!(codes.iter().all(|&c| c == 0 || c == i64::from(UNAVAILABLE)), "{codes:?}");
    let answered = codes.iter().filter(|&&c| c == 0).count();
    let allowed = f64::from(limits.calls_per_second) * (1.0 + elapsed);
    assert!(
        answered as f64 <= allowed.ceil(),
        "{answered} of {} calls answered in {elapsed:.2} s, over the rate's {allowed:.0}: {codes:?}",
        codes.len()
    );

    // The flood: slow headers and idle connections, oversized bodies and batches over the
    // bound, all at once, from threads of their own.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let give_up = limits.header_timeout * 3;
    let slow: Vec<_> = (0..16)
        .map(|i| {
            let addr = addr.clone();
            let pause = if i == 0 { give_up } else { Duration::from_millis(300) };
            std::thread::spawn(move || slowloris(&addr, pause, give_up))
        })
        .collect();
    let noisy: Vec<_> = (0..4)
        .map(|i| {
            let (addr, stop) = (addr.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if i % 2 == 0 {
                        post(&addr, &vec![b'['; MAX_REQUEST_BYTES as usize * 2]);
                    } else {
                        post(&addr, &batch(64, "ghost_ghostFile"));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fresh = server.client();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let asked = Instant::now();
        let health = runtime.block_on(fresh.health()).expect("health answered during the flood");
        assert_eq!(health.status, "ok");
        slowest = slowest.max(asked.elapsed());
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(slowest < Duration::from_secs(2), "health took {slowest:?} during the flood");
    for (i, connection) in slow.into_iter().enumerate() {
        let cut = connection.join().unwrap().unwrap_or_else(|| panic!("slow connection {i} was never cut"));
        assert!(
            cut >= limits.header_timeout - Duration::from_secs(1) && cut < limits.header_timeout * 2,
            "slow connection {i} cut after {cut:?}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    noisy.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(runtime.block_on(server.client().health()).unwrap().status, "ok");
}

/// A key file must be private to its owner, a path is never taken for a secret, and a
/// real secret on the command line is warned about (a dev URI is not).
#[test]
fn keys_come_from_private_files_and_secrets_are_not_paths() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "//Alice\n").unwrap();
    let key_s = key.to_str().unwrap();
    let set_mode = |mode| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    // A command that signs, against no node: the key is read before the connection.
    let unbond = |key_args: &[&str]| {
        let mut args = vec!["--chain-url", "ws://127.0.0.1:1", "prover", "unbond", "--model"];
        let id = hex0x(&[1u8; 32]);
        args.push(&id);
        args.extend(key_args);
        let out = Command::new(GHOST).args(&args).env("RUST_LOG", "warn").env_remove("GHOST_SURI").output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    set_mode(0o644);
    let (code, err) = unbond(&["--suri-file", key_s]);
    assert_eq!(code, 1);
    assert!(err.contains("chmod 600") && err.contains("644") && !err.contains("Alice"), "{err}");
    set_mode(0o600);
    let (_, err) = unbond(&["--suri-file", key_s]);
    assert!(err.contains("cannot reach"), "the key file was refused: {err}");
    let (code, err) = unbond(&["--suri", key_s]);
    assert_eq!(code, 1);
    assert!(err.contains("looks like a file path") && err.contains("--suri-file"), "{err}");
    let (_, err) = unbond(&["--suri", "//Alice"]);
    assert!(!err.contains("visible"), "a dev URI warned: {err}");
    let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
    let (_, err) = unbond(&["--suri", phrase]);
    assert!(err.contains("visible to every user"), "no warning for a secret on the command line: {err}");
    assert!(!err.contains("bottom drive"), "the secret was echoed: {err}");
    let out = Command::new(GHOST)
        .args(["--chain-url", "ws://127.0.0.1:1", "prover", "unbond", "--model", &hex0x(&[1u8; 32])])
        .env("GHOST_SURI", phrase)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("visible"), "a secret from the environment warned: {err}");
    let (code, err) = unbond(&["--suri", "//Alice", "--suri-file", key_s]);
    assert_eq!(code, 1);
    assert!(err.contains("not both"), "{err}");
}
