//! The whole on-chain story against the real `ghost-node --dev` and the real `ghost` binary:
//! paid inferences verified from the proofs the chain accepted and settled after their
//! windows, a lazy prover convicted by a watcher, a forged proof refused at submission,
//! missed deadlines, a sparse update, a prover killed and restarted, a node restarted
//! under a running prover, and bad input. Credit is
//! checked to the unit, and to sum to zero, after each case.

use ghost_client::{chain::Chain, keys::parse_account, tokens::UNIT, wire::ProofBytes};
use ghost_testkit::{kill, DevNode};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output},
    time::{Duration, Instant},
};
use subxt::utils::AccountId32;

const GHOST: &str = env!("CARGO_BIN_EXE_ghost");

/// `ghost-node`, built beside `ghost` by the workspace build.
fn node_binary() -> PathBuf {
    let path = Path::new(GHOST).with_file_name("ghost-node");
    assert!(path.exists(), "{} is missing: build the workspace (cargo test --workspace) first", path.display());
    path
}

/// A dev chain; on `base` (kept across restarts, on `port`) or in a temporary directory
/// on a port the OS picks.
fn start_node(base: Option<(&Path, u16)>) -> DevNode {
    let port;
    let mut args = vec!["--dev", "--listen-addr", "/ip4/127.0.0.1/tcp/0"];
    match base {
        Some((dir, p)) => {
            port = p.to_string();
            args.extend(["--base-path", dir.to_str().expect("a UTF-8 path"), "--rpc-port", &port]);
        }
        None => args.push("--tmp"),
    }
    DevNode::start(&node_binary(), &args)
}

/// A background `ghost` process (prover or watcher) logging to a file, killed on drop.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(url: &str, log: impl Into<PathBuf>, args: &[&str]) -> Self {
        let log = log.into();
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new(GHOST)
            .args(args)
            .env("GHOST_CHAIN_URL", url)
            // Every prover of the dev chain listens on loopback.
            .env("GHOST_ALLOW_PRIVATE_ENDPOINTS", "true")
            .env("RUST_LOG", "info")
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("ghost starts");
        Self { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait until the log holds `text`.
    fn wait_for(&self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.log().contains(text) {
            assert!(Instant::now() < deadline, "no '{text}' in the log after {within:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn kill(&mut self) {
        kill(&mut self.child);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `ghost prover run` with `key` on `models`, journalling in `journal`, on a port the OS
/// picks, logging to `log`; `extra` arguments last.
fn prover(url: &str, log: PathBuf, key: &str, models: &[&Path], journal: &Path, extra: &[&str]) -> Daemon {
    let mut args: Vec<&str> = vec!["prover", "run"];
    for model in models {
        args.extend(["--model", model.to_str().unwrap()]);
    }
    args.extend(["--suri", key, "--listen", "127.0.0.1:0", "--journal", journal.to_str().unwrap()]);
    args.extend(extra);
    Daemon::start(url, log, &args)
}

fn ghost(url: &str, args: &[&str]) -> Output {
    ghost_testkit::run_ghost(GHOST, url, args)
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Run `ghost`, require exit code `code`, return what it printed.
fn expect(url: &str, args: &[&str], code: i32) -> String {
    let out = ghost(url, args);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(code), "ghost {} exited {:?}:\n{printed}", args.join(" "), out.status.code());
    printed
}

/// Build a small synthetic model named `name` (16-wide input) in `dir`.
fn build_model(dir: &Path, name: &str, seed: u64) -> PathBuf {
    let out = dir.join(name);
    let args = ghost_testkit::synthetic_model_args(name, seed, &out);
    expect("", &args.iter().map(String::as_str).collect::<Vec<_>>(), 0);
    out
}

fn register(url: &str, dir: &Path) -> String {
    let printed = expect(
        url,
        &["model", "register", dir.to_str().unwrap(), "--price", "10", "--royalty", "10", "--suri", "//Alice"],
        0,
    );
    printed.lines().find_map(|l| l.strip_prefix("model ")).expect("the model id is printed").trim().to_string()
}

const INPUT: &str = "0.3,-0.2,0.5,0.1,0.9,-0.4,0.2,0.05,-0.7,0.3,0.1,0.2,-0.1,0.6,0.4,-0.3";

fn account(name: &str) -> AccountId32 {
    parse_account(name).unwrap()
}

async fn credit(chain: &Chain, name: &str) -> i128 {
    chain.account(&account(name)).await.unwrap().credit
}

async fn credits(chain: &Chain) -> Vec<i128> {
    let mut all = Vec::new();
    for name in ["alice", "bob", "charlie", "dave", "eve", "ferdie"] {
        all.push(credit(chain, name).await);
    }
    assert_eq!(chain.credit_total().await.unwrap(), 0, "credit sums to zero");
    all
}

/// Wait until `prover` is bonded on `model`.
async fn wait_bonded(chain: &Chain, model: &str, prover: &str) {
    let id = ghost_primitives::parse_hash(model).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while chain.bond(&id, &account(prover)).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "{prover} never bonded on {model}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn differences(before: &[i128], after: &[i128]) -> Vec<i128> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_inference_is_paid_a_new_version_is_served_and_bad_input_changes_nothing() {
    let node = start_node(None);
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let m1 = build_model(dir.path(), "m1", 1);
    let before = credits(&chain).await;

    // Bad input: typed errors, clear messages, nothing changes.
    let junk = dir.path().join("junk");
    std::fs::create_dir_all(&junk).unwrap();
    std::fs::write(junk.join("ghost-file.scale"), b"\x07not a ghost file").unwrap();
    let said = expect(&url, &["model", "register", junk.to_str().unwrap(), "--price", "1", "--suri", "//Alice"], 1);
    assert!(said.contains("not a valid ghost file"), "{said}");
    let said = expect(&url, &["model", "register", m1.to_str().unwrap(), "--price", "1", "--suri", "//NoFunds"], 1);
    assert!(said.contains("refused") && said.contains("pay"), "a key without funds: {said}");
    let unknown = format!("0x{}", "ab".repeat(32));
    let said = expect(&url, &["infer", "--on-chain", "--model", &unknown, "--input", INPUT, "--suri", "//Bob"], 1);
    assert!(said.contains("no model"), "{said}");
    let said = expect("ws://127.0.0.1:1", &["model", "list"], 1);
    assert!(said.contains("cannot reach a Ghostchain node at ws://127.0.0.1:1"), "{said}");
    assert_eq!(credits(&chain).await, before, "refused calls change no credit");

    let id = register(&url, &m1);
    let journal = dir.path().join("journal");
    let mut charlie =
        prover(&url, dir.path().join("charlie.log"), "//Charlie", &[&m1], &journal, &["--serve-free-inference"]);
    wait_bonded(&chain, &id, "charlie").await;
    let said = expect(&url, &["infer", "--on-chain", "--model", &id, "--input", "1,2,3", "--suri", "//Bob"], 1);
    assert!(said.contains("does not fit"), "a wrong input width: {said}");

    let said =
        expect(&url, &["infer", "--on-chain", "--model", &id, "--input", INPUT, "--suri", "//Bob", "--accept"], 0);
    assert!(said.contains("verdict: verified and paid"), "{said}");
    // Bob paid 10; Charlie earned 9, Alice (the owner) a royalty of 1.
    assert_eq!(differences(&before, &credits(&chain).await), vec![1, -10, 9, 0, 0, 0]);

    // The daemon also answers off chain (asked to); a forged proof of that answer is rejected by name.
    let log = charlie.log();
    let served = log.split("serving proofs on ").nth(1).and_then(|r| r.split_whitespace().next()).expect("banner");
    let saved = dir.path().join("answer.json");
    let (saved_s, m1_s) = (saved.to_str().unwrap(), m1.to_str().unwrap());
    expect(&url, &["infer", "--prover", served, "--ghost-file", m1_s, "--input", INPUT, "--save", saved_s], 0);
    let mut answer: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let mut proof: ProofBytes = serde_json::from_value(answer["proof"].clone()).unwrap();
    let mid = proof.0.len() / 2;
    proof.0[mid] ^= 1;
    answer["proof"] = serde_json::to_value(&proof).unwrap();
    std::fs::write(&saved, answer.to_string()).unwrap();
    let said = expect(&url, &["verify", "--ghost-file", m1_s, "--response", saved_s], 2);
    assert!(said.contains("REJECTED: the ghost proof does not verify"), "{said}");
    assert_eq!(differences(&before, &credits(&chain).await), vec![1, -10, 9, 0, 0, 0], "nothing moved");

    // Version 2: two sites tune version 1 on their own examples (16 inputs, 8 targets a
    // row), the tunings are merged and published as one sparse update, then served and
    // verified against its own roots.
    let m2 = dir.path().join("m2");
    let mut sites = Vec::new();
    for (site, salt) in [("a", 1.0f32), ("b", -1.0)] {
        let rows: Vec<String> = (0..12)
            .map(|i| {
                (0..24)
                    .map(|j| format!("{:.3}", ((i * 24 + j) as f32 * 0.37 * salt).sin()))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let data = dir.path().join(format!("{site}.csv"));
        std::fs::write(&data, rows.join("\n")).unwrap();
        let out = dir.path().join(format!("tuned-{site}"));
        let (m1_s, data_s, out_s) = (m1.to_str().unwrap(), data.to_str().unwrap(), out.to_str().unwrap());
        let said = expect(&url, &["model", "tune", "--model", m1_s, "--data", data_s, "--out", out_s], 0);
        assert!(said.contains("12 example(s)"), "{said}");
        sites.push(out);
    }
    let (a, b) = (sites[0].to_str().unwrap(), sites[1].to_str().unwrap());
    let said = expect(
        &url,
        &["model", "merge", "--base", m1.to_str().unwrap(), "--from", a, "--from", b, "--out", m2.to_str().unwrap()],
        0,
    );
    assert!(said.contains("commits to 2 contribution(s)"), "{said}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(m2.join("tune.json")).unwrap()).unwrap();
    let merged_hash = record["trainingData"].as_str().unwrap().to_string();
    let rows = record["changedRows"].as_array().unwrap().len();
    let said = expect(
        &url,
        &["model", "update", m2.to_str().unwrap(), "--from", m1.to_str().unwrap(), "--suri", "//Alice"],
        0,
    );
    let v2 = said.lines().find_map(|l| l.strip_prefix("version ")).expect("the version is printed");
    let v2 = v2.split_whitespace().next().unwrap().to_string();
    assert!(said.contains(&format!("{rows} row(s) changed")), "{said}");
    charlie.kill();
    let _charlie = prover(&url, dir.path().join("charlie2.log"), "//Charlie", &[&m1, &m2], &journal, &[]);
    wait_bonded(&chain, &v2, "charlie").await;
    let shown = expect(&url, &["model", "show", &v2], 0);
    assert!(shown.contains(&format!("trained on  {merged_hash}")), "{shown}");
    assert!(shown.contains(&format!("lineage     {} -> {}", &id[..14], &v2[..14])), "{shown}");
    assert!(shown.contains(&format!("v1  {id}  first version")), "{shown}");
    assert!(shown.contains(&format!("v2  {v2}  parent {}, trained on {merged_hash}", &id[..14])), "{shown}");
    let said =
        expect(&url, &["infer", "--on-chain", "--model", &v2, "--input", INPUT, "--suri", "//Bob", "--accept"], 0);
    assert!(said.contains("verdict: verified and paid"), "{said}");
    assert_eq!(differences(&before, &credits(&chain).await), vec![2, -20, 18, 0, 0, 0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liars_are_convicted_or_refused_and_the_honest_are_paid_when_they_settle() {
    let node = start_node(None);
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let honest = build_model(dir.path(), "honest", 1);
    let lazy = build_model(dir.path(), "lazy", 2);
    let wrong = build_model(dir.path(), "wrong", 3);
    let orphan = build_model(dir.path(), "orphan", 4);
    let ids: Vec<String> = [&honest, &lazy, &wrong, &orphan].iter().map(|m| register(&url, m)).collect();
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    let charlie =
        prover(&url, dir.path().join("charlie.log"), "//Charlie", &[&honest], &dir.path().join("j.charlie"), &[]);
    let _dave = prover(
        &url,
        dir.path().join("dave.log"),
        "//Dave",
        &[&lazy],
        &dir.path().join("j.dave"),
        &["--misbehave", "skip-best-row"],
    );
    let eve = prover(
        &url,
        dir.path().join("eve.log"),
        "//Eve",
        &[&wrong],
        &dir.path().join("j.eve"),
        &["--misbehave", "corrupt-proof"],
    );
    let watch_args = ["watch", "--model", &s(&lazy), "--suri", "//Ferdie", "--state", &path("j.ferdie")];
    let ferdie = Daemon::start(&url, path("ferdie.log"), &watch_args);
    for (model, prover) in [(&ids[0], "charlie"), (&ids[1], "dave"), (&ids[2], "eve")] {
        wait_bonded(&chain, model, prover).await;
    }
    ferdie.wait_for("watcher", Duration::from_secs(30));
    let bond = |name: &'static str, model: usize| {
        let (chain, id) = (chain.clone(), ghost_primitives::parse_hash(&ids[model]).unwrap());
        async move { chain.bond(&id, &account(name)).await.unwrap().expect("bonded") }
    };
    let (dave_bond, eve_bond, charlie_bond) = (bond("dave", 1).await, bond("eve", 2).await, bond("charlie", 0).await);
    let before = credits(&chain).await;
    async fn held(chain: &Chain) -> (u128, u128) {
        (chain.account(&account("alice")).await.unwrap().held, chain.account(&account("bob")).await.unwrap().held)
    }
    let held_before = held(&chain).await;
    let ferdie_before = chain.account(&account("ferdie")).await.unwrap();
    // A result on a price of 10 credit locks the larger of MinSlash and 10 SlashPerCredit.
    let slash = chain
        .constant_u128("Inference", "MinSlash")
        .unwrap()
        .max(chain.constant_u128("Inference", "SlashPerCredit").unwrap() * 10);

    // Two clients at once, two cases each.
    let (u1, u2) = (url.clone(), url.clone());
    let (i0, i1, i2, i3) = (ids[0].clone(), ids[1].clone(), ids[2].clone(), ids[3].clone());
    let bob = std::thread::spawn(move || {
        // A valid answer, left open to reports for the challenge window, then settled.
        let paid = expect(&u1, &["infer", "--on-chain", "--model", &i0, "--input", INPUT, "--suri", "//Bob"], 0);
        // Nobody serves this model: settled after its result deadline, refunded.
        let expired = expect(&u1, &["infer", "--on-chain", "--model", &i3, "--input", INPUT, "--suri", "//Bob"], 2);
        (paid, expired)
    });
    let alice = std::thread::spawn(move || {
        // A lazy answer verifies, but the watcher's exclusion fraud proof convicts it.
        let lazy = expect(&u2, &["infer", "--on-chain", "--model", &i1, "--input", INPUT, "--suri", "//Alice"], 2);
        // A forged proof: the chain refuses the result; the request expires, refunded.
        let wrong = expect(&u2, &["infer", "--on-chain", "--model", &i2, "--input", INPUT, "--suri", "//Alice"], 2);
        (lazy, wrong)
    });
    // The honest prover is not paid when its result is posted: only once it is settled.
    charlie.wait_for("result posted", Duration::from_secs(90));
    assert_eq!(credit(&chain, "charlie").await, before[2], "paid before the window closed");
    let (paid, expired) = bob.join().unwrap();
    let (lazy_said, wrong_said) = alice.join().unwrap();
    assert!(paid.contains("ghost proof verified locally"), "{paid}");
    assert!(paid.contains("settled: 9 credit to the prover, 1 to the owner"), "{paid}");
    assert!(charlie.log().contains("settled: paid"), "the daemon settles its own result:\n{}", charlie.log());
    assert!(expired.contains("no result in time; 10 credit refunded"), "{expired}");
    assert!(lazy_said.contains("convicted (Excluded"), "{lazy_said}");
    assert!(wrong_said.contains("no result in time; 10 credit refunded"), "{wrong_said}");
    assert!(eve.log().contains("ProofRejected"), "the chain refuses a forged proof:\n{}", eve.log());
    assert!(ferdie.log().contains("reporting the exclusion"), "{}", ferdie.log());
    assert!(ferdie.log().contains("convicted (Excluded"), "{}", ferdie.log());

    // Credit: only the honest answer was paid (Bob 10 -> Charlie 9, Alice 1); the rest refunded.
    assert_eq!(differences(&before, &credits(&chain).await), vec![1, -10, 9, 0, 0, 0]);
    // The lazy prover lost the slash its result locked; the forger posted nothing and lost
    // nothing but fees; nothing stays locked; the honest bond is whole.
    let (dave_after, eve_after, charlie_after) =
        (bond("dave", 1).await, bond("eve", 2).await, bond("charlie", 0).await);
    assert_eq!((dave_after.amount, dave_after.locked), (dave_bond.amount - slash, 0));
    assert_eq!((eve_after.amount, eve_after.locked), (eve_bond.amount, 0));
    assert_eq!((charlie_after.amount, charlie_after.locked), (charlie_bond.amount, 0));
    // No request deposit stays held from the clients.
    assert_eq!(held(&chain).await, held_before);
    // The watcher got the report reward and its bond back, less its transaction fees.
    let ferdie = chain.account(&account("ferdie")).await.unwrap();
    let reward = chain.constant_u128("Inference", "ReportReward").unwrap();
    let gained = (ferdie.free + ferdie.held) as i128 - (ferdie_before.free + ferdie_before.held) as i128;
    assert!(gained <= reward as i128 && gained > reward as i128 - (UNIT / 10) as i128, "Ferdie gained {gained}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_prover_and_a_restarted_node_lose_nothing() {
    let base = tempfile::tempdir().unwrap();
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let mut node = start_node(Some((base.path(), port)));
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = build_model(dir.path(), "m", 7);
    let id = register(&url, &model);
    let journal = dir.path().join("journal");
    let start = |log: &str| prover(&url, dir.path().join(log), "//Charlie", &[&model], &journal, &[]);
    let mut charlie = start("charlie1.log");
    wait_bonded(&chain, &id, "charlie").await;
    let before = credits(&chain).await;

    // SIGKILL between the result and its settlement: the restarted prover still settles it.
    let (u, i) = (url.clone(), id.clone());
    let client = std::thread::spawn(move || {
        expect(&u, &["infer", "--on-chain", "--model", &i, "--input", INPUT, "--suri", "//Bob"], 0)
    });
    charlie.wait_for("result posted", Duration::from_secs(60));
    charlie.kill();
    let restarted = start("charlie2.log");
    let said = client.join().unwrap();
    assert!(said.contains("settled: 9 credit to the prover"), "{said}");
    assert!(restarted.log().contains("settled"), "{}", restarted.log());
    assert_eq!(differences(&before, &credits(&chain).await), vec![1, -10, 9, 0, 0, 0]);

    // The node restarts under the running prover, which reconnects and serves again.
    node.kill();
    std::thread::sleep(Duration::from_secs(2));
    let _node = start_node(Some((base.path(), port)));
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let said =
        expect(&url, &["infer", "--on-chain", "--model", &id, "--input", INPUT, "--suri", "//Bob", "--accept"], 0);
    assert!(said.contains("verdict: verified and paid"), "{said}");
    assert!(restarted.log().contains("reconnecting"), "{}", restarted.log());
    assert_eq!(differences(&before, &credits(&chain).await), vec![2, -20, 18, 0, 0, 0]);

    // Leaving: unbond now, withdraw only after the delay (a typed, explained refusal).
    let said = expect(&url, &["prover", "withdraw", "--model", &id, "--suri", "//Charlie"], 1);
    assert!(said.contains("GhostRegistry.StillBonded"), "{said}");
    let said = expect(&url, &["prover", "unbond", "--model", &id, "--suri", "//Charlie"], 0);
    assert!(said.contains("event GhostRegistry.Unbonding"), "{said}");
    assert!(expect(&url, &["model", "show", &id], 0).contains("(unbonding)"));
    let said = expect(&url, &["prover", "withdraw", "--model", &id, "--suri", "//Charlie"], 1);
    assert!(said.contains("GhostRegistry.TooEarly"), "{said}");
}

/// The application example of the client library's docs, run as written.
#[path = "../../../docs/examples/client.rs"]
mod client_example;

/// The client library alone, as an application uses it: find the model's prover on chain,
/// verify its answer, then pay for the same input; exactly the price moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_library_example_pays_for_a_verified_answer() {
    let node = start_node(None);
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = build_model(dir.path(), "example", 7);
    let id = register(&url, &model);
    let journal = dir.path().join("journal");
    let _charlie =
        prover(&url, dir.path().join("charlie.log"), "//Charlie", &[&model], &journal, &["--serve-free-inference"]);
    wait_bonded(&chain, &id, "charlie").await;
    let before = credits(&chain).await;
    // The prover listens on loopback, which clients refuse unless allowed.
    ghost_client::endpoint::allow_private(true);

    let input = ghost_primitives::quantise_vector(&ghost_client::wire::parse_vector(INPUT).unwrap(), false);
    let id = ghost_primitives::parse_hash(&id).unwrap();
    let report = client_example::pay_and_verify(&url, id, "//Bob", &input).await.unwrap();
    // Verified, left open for the challenge window, then settled.
    assert!(matches!(report.verdict, ghost_client::paid::Verdict::Settled));
    assert!(report.served.failed.is_empty() && report.served.verified.proof_bytes > 0);
    let paid = report.paid.expect("a result was posted");
    assert_eq!(paid.output, report.served.answer.output, "the result paid for is the answer verified");
    assert!(report.steps.iter().any(|s| s.contains("ghost proof verified locally")), "{:?}", report.steps);
    // Bob paid 10; Charlie earned 9, Alice (the owner) a royalty of 1.
    assert_eq!(differences(&before, &credits(&chain).await), vec![1, -10, 9, 0, 0, 0]);
}

/// Paid, verified inference on a payment channel, against the real binaries: Bob opens a
/// channel with Charlie and takes 200 verified answers, eight in flight, paid by vouchers
/// with no transaction at all; Charlie is SIGKILLed holding the vouchers, restarts and
/// redeems them from its log in one call; Bob closes and, after the timeout, gets the rest
/// back. Credit is checked to the unit, and to sum to zero, at each step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_pay_verified_answers_off_chain_and_a_killed_prover_redeems_them() {
    let node = start_node(None);
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = build_model(dir.path(), "channelled", 11);
    let id = register(&url, &model);
    let journal = dir.path().join("journal");
    let never = ["--redeem-threshold", "1000000000", "--redeem-every", "100000"];
    let mut charlie = prover(&url, dir.path().join("charlie1.log"), "//Charlie", &[&model], &journal, &never);
    wait_bonded(&chain, &id, "charlie").await;
    let before = credits(&chain).await;

    let said = expect(
        &url,
        &["channel", "open", "--model", &id, "--prover", "charlie", "--deposit", "10000", "--suri", "//Bob"],
        0,
    );
    let channel: u64 = said
        .split("opened channel ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.trim_end_matches(':').parse().ok())
        .unwrap_or_else(|| panic!("no channel id in:\n{said}"));
    assert_eq!(differences(&before, &credits(&chain).await), vec![0, -10_000, 0, 0, 0, 0]);

    let state = dir.path().join("bob-channels");
    let (ch, st) = (channel.to_string(), state.to_str().unwrap().to_string());
    let said = expect(
        &url,
        &[
            "channel",
            "ask",
            &ch,
            "--input",
            INPUT,
            "--count",
            "200",
            "--concurrency",
            "8",
            "--state",
            &st,
            "--suri",
            "//Bob",
        ],
        0,
    );
    assert!(said.contains("200 verified answer(s)") && said.contains("voucher signed for 2000"), "{said}");
    // Paid off chain: nothing moved on chain yet.
    assert_eq!(differences(&before, &credits(&chain).await), vec![0, -10_000, 0, 0, 0, 0]);
    let kept =
        std::fs::read_to_string(state.join(ghost_primitives::hex0x(&chain.genesis())).join(&ch).join("receipts.jsonl"))
            .unwrap();
    assert_eq!(kept.lines().count(), 200, "every receipt is kept as evidence");

    // Killed while holding every voucher: the restarted prover redeems them from its log.
    charlie.kill();
    let restarted =
        prover(&url, dir.path().join("charlie2.log"), "//Charlie", &[&model], &journal, &["--redeem-every", "0"]);
    let deadline = Instant::now() + Duration::from_secs(90);
    while chain.channel(channel).await.unwrap().map(|c| c.redeemed) != Some(2_000) {
        assert!(Instant::now() < deadline, "the vouchers were never redeemed:\n{}", restarted.log());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(restarted.log().contains("redeemed"), "{}", restarted.log());
    // 2,000 redeemed: 1,800 to Charlie, the 10% royalty to Alice; the rest still escrowed.
    assert_eq!(differences(&before, &credits(&chain).await), vec![200, -10_000, 1_800, 0, 0, 0]);

    // Bob closes; after the timeout anyone finishes, and Bob has the unspent 8,000 back.
    expect(&url, &["channel", "close", &ch, "--suri", "//Bob"], 0);
    let closes_at = chain.channel(channel).await.unwrap().and_then(|c| c.closes_at).expect("closing");
    let said = expect(&url, &["channel", "finish", &ch, "--suri", "//Ferdie"], 1);
    assert!(said.contains("Channels.TooEarly"), "{said}");
    while chain.best_number().await.unwrap() <= closes_at + 1 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    expect(&url, &["channel", "finish", &ch, "--suri", "//Ferdie"], 0);
    assert_eq!(differences(&before, &credits(&chain).await), vec![200, -2_000, 1_800, 0, 0, 0]);
    assert!(chain.channel(channel).await.unwrap().is_none());
    drop(restarted);
}

/// The id of the channel with `prover`, from the lines `ghost load --channels` or `ghost
/// infer` print on joining.
fn channel_with(said: &str, prover: &str) -> u64 {
    let who = ghost_client::keys::show_account(&account(prover));
    said.lines()
        .filter(|l| l.contains(&format!("with prover {who}")))
        .find_map(|l| l.strip_prefix("channel ")?.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no channel with {prover} in:\n{said}"))
}

/// Verified receipts the client keeps for `channel`.
fn verified_receipts(state: &Path, genesis: &str, channel: u64) -> u128 {
    let log = std::fs::read_to_string(state.join(genesis).join(channel.to_string()).join("receipts.jsonl"))
        .unwrap_or_default();
    log.lines().filter(|l| l.contains("\"verified\":true")).count() as u128
}

/// A paid swarm: Bob asks a model with three provers for 4,000 answers over channels it
/// opens, eight in flight; Charlie is SIGKILLed mid-run, and its requests fail over to the
/// others. Every answer is verified and its receipt kept; restarted, Charlie takes the
/// voucher for what it answered before it died; Bob closes, every prover redeems, and
/// each channel has paid exactly the price of the verified answers its receipts show:
/// nothing twice, nothing unverified, nothing acknowledged lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_swarm_fails_over_from_a_killed_prover_and_pays_every_answer_once() {
    let node = start_node(None);
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = build_model(dir.path(), "swarmed", 17);
    let id = register(&url, &model);
    let never = ["--redeem-threshold", "1000000000", "--redeem-every", "100000"];
    let journal = |name: &str| dir.path().join(format!("journal.{name}"));
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let mut charlie = prover(&url, log("charlie"), "//Charlie", &[&model], &journal("charlie"), &never);
    let dave = prover(&url, log("dave"), "//Dave", &[&model], &journal("dave"), &never);
    let eve = prover(&url, log("eve"), "//Eve", &[&model], &journal("eve"), &never);
    for name in ["charlie", "dave", "eve"] {
        wait_bonded(&chain, &id, name).await;
    }
    let before = credits(&chain).await;

    let state = dir.path().join("bob-channels");
    let st = state.to_str().unwrap().to_string();
    let load_log = dir.path().join("load.log");
    let mut load = Daemon::start(
        &url,
        &load_log,
        &[
            "load",
            "--channels",
            "--model",
            &id,
            "--input",
            INPUT,
            "--client",
            "//Bob",
            "--requests",
            "4000",
            "--concurrency",
            "8",
            "--provers",
            "3",
            "--deposit",
            "100000",
            "--state",
            &st,
        ],
    );
    // Once the three channels are open and answers flow, Charlie dies.
    let deadline = Instant::now() + Duration::from_secs(120);
    while load.log().matches(": opened with").count() < 3 {
        assert!(Instant::now() < deadline, "the channels were not opened:\n{}", load.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(700));
    charlie.kill();
    let status = load.child.wait().unwrap();
    let said = load.log();
    assert!(status.success(), "ghost load --channels failed:\n{said}");
    assert!(said.contains("4000 paid, verified answer(s)"), "{said}");
    let failed_over: u64 = said
        .split("; ")
        .find_map(|part| part.strip_suffix(" failed over"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no fail-over count in:\n{said}"));
    assert!(failed_over > 0, "no request failed over from the killed prover:\n{said}");
    let channels: Vec<(u64, &str)> =
        ["charlie", "dave", "eve"].iter().map(|name| (channel_with(&said, name), *name)).collect();
    // Paid off chain: on chain, only the three deposits moved.
    assert_eq!(differences(&before, &credits(&chain).await), vec![0, -300_000, 0, 0, 0, 0]);

    // Charlie restarts from its journal; one more answer pays every channel up.
    let charlie = prover(&url, log("charlie2"), "//Charlie", &[&model], &journal("charlie"), &never);
    charlie.wait_for("published as ", Duration::from_secs(60));
    // On a new port: clients find it once its bond publishes the new endpoint.
    let published = charlie.log();
    let endpoint = published
        .split("published as ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the daemon says where it is published")
        .to_string();
    let model_id = ghost_primitives::parse_hash(&id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while chain.bond(&model_id, &account("charlie")).await.unwrap().map(|b| b.endpoint.0)
        != Some(endpoint.clone().into())
    {
        assert!(Instant::now() < deadline, "the restarted prover never published {endpoint}:\n{}", charlie.log());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let loaded = said;
    let said = expect(&url, &["infer", "--model", &id, "--input", INPUT, "--state", &st, "--suri", "//Bob"], 0);
    assert!(said.contains("verdict: verified and paid") && !said.contains("not paid yet"), "{said}");
    assert_eq!(said.matches(": reused").count(), 3, "the open channels are reused:\n{said}");

    // Bob closes all three; each prover redeems at once what it holds.
    let genesis = ghost_primitives::hex0x(&chain.genesis());
    let mut answers = 0;
    for (channel, name) in &channels {
        expect(&url, &["channel", "close", &channel.to_string(), "--suri", "//Bob"], 0);
        let owed = 10 * verified_receipts(&state, &genesis, *channel);
        assert!(owed > 0, "{name} answered nothing:\n{loaded}");
        answers += owed / 10;
        let deadline = Instant::now() + Duration::from_secs(90);
        while chain.channel(*channel).await.unwrap().map(|c| c.redeemed) != Some(owed) {
            let redeemed = chain.channel(*channel).await.unwrap().map(|c| c.redeemed);
            assert!(redeemed.is_none_or(|r| r < owed), "{name} redeemed {redeemed:?}, more than the {owed} verified");
            assert!(Instant::now() < deadline, "{name} never redeemed the {owed} owed (at {redeemed:?})");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    assert_eq!(answers, 4001, "every answer verified and kept, once");
    let paid: Vec<i128> = channels.iter().map(|(c, _)| 9 * verified_receipts(&state, &genesis, *c) as i128).collect();
    assert_eq!(
        differences(&before, &credits(&chain).await),
        vec![answers as i128, -300_000, paid[0], paid[1], paid[2], 0],
        "each prover earned 9 of every answer it gave, Alice the 10% royalty"
    );
    drop((charlie, dave, eve));
}
