//! A prover daemon keeps its chain duties while its public JSON-RPC is flooded: paid
//! requests arrive on a real `ghost-node --dev` while batches, oversized bodies and
//! connections dripping their headers hit the daemon's endpoint (bounded in count and
//! time, on loopback), and every result is still posted within the result window, with
//! its proof, and settled by the daemon itself once the challenge window is over.

use ghost_client::chain::{requested_id, runtime, Chain, Wait};
use ghost_testkit::{
    flood::{Flood, FloodPlan},
    kill, DevNode,
};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Child, Command, Output},
    time::{Duration, Instant},
};
use subxt::utils::Static;

const GHOST: &str = env!("CARGO_BIN_EXE_ghost");
const INPUT: &str = "0.3,-0.2,0.5,0.1,0.9,-0.4,0.2,0.05,-0.7,0.3,0.1,0.2,-0.1,0.6,0.4,-0.3";

fn ghost(url: &str, args: &[&str]) -> Output {
    ghost_testkit::run_ghost(GHOST, url, args)
}

fn expect(url: &str, args: &[&str]) -> String {
    let out = ghost(url, args);
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ghost {} failed:\n{printed}", args.join(" "));
    printed
}

/// A small synthetic model (16-wide input) in `dir`.
fn build_model(dir: &Path) -> PathBuf {
    let out = dir.join("flooded");
    let args = ghost_testkit::synthetic_model_args("flooded", 5, &out);
    expect("", &args.iter().map(String::as_str).collect::<Vec<_>>());
    out
}

/// The running daemon, killed on drop.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// What the chain said about one request.
#[derive(Default, Debug)]
struct Seen {
    result_deadline: u32,
    posted_at: Option<u32>,
    challenge_until: Option<u32>,
    settled_at: Option<u32>,
    settled_by_prover: bool,
    expired: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_daemon_posts_and_settles_on_time() {
    let node_binary = Path::new(GHOST).with_file_name("ghost-node");
    assert!(node_binary.exists(), "{} is missing: build the workspace first", node_binary.display());
    let node = DevNode::start(&node_binary, &["--dev", "--tmp", "--listen-addr", "/ip4/127.0.0.1/tcp/0"]);
    let url = node.url();
    let chain = Chain::connect(&url, Duration::from_secs(60)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = build_model(dir.path());
    let registered = expect(
        &url,
        &["model", "register", model.to_str().unwrap(), "--price", "10", "--royalty", "10", "--suri", "//Alice"],
    );
    let id = registered.lines().find_map(|l| l.strip_prefix("model ")).expect("the model id").trim().to_string();
    let model_id = ghost_primitives::parse_hash(&id).unwrap();

    let log = dir.path().join("charlie.log");
    let out = std::fs::File::create(&log).unwrap();
    let journal = dir.path().join("journal");
    let child = Command::new(GHOST)
        .args(["prover", "run", "--model", model.to_str().unwrap(), "--suri", "//Charlie"])
        .args(["--listen", "127.0.0.1:0", "--journal", journal.to_str().unwrap()])
        .env("GHOST_CHAIN_URL", &url)
        .env("RUST_LOG", "info")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("the daemon starts");
    let daemon = Daemon { child, log };
    let charlie = ghost_client::keys::parse_account("charlie").unwrap();
    let started = Instant::now();
    while chain.bond(&model_id, &charlie).await.unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(90), "never bonded:\n{}", daemon.log());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let text = daemon.log();
    let addr = text
        .split("serving proofs on http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in the banner:\n{text}"))
        .to_string();

    // The flood, on threads of its own, for at most three minutes.
    let plan = FloodPlan {
        slow: 24,
        big_bodies: 2,
        body_bytes: ghost_client::api::MAX_REQUEST_BYTES as usize * 2,
        batches: 4,
        batch_calls: ghost_client::api::MAX_BATCH,
        at_most: Duration::from_secs(180),
    };
    let flood = Flood::start(&addr, &plan);

    // Paid requests from two clients while the flood runs.
    let result_window = chain.constant_u32("Inference", "ResultWindow").unwrap();
    let challenge_window = chain.constant_u32("Inference", "ChallengeWindow").unwrap();
    let input = ghost_primitives::quantise_vector(&ghost_client::wire::parse_vector(INPUT).unwrap(), false);
    let mut heads = chain.api.blocks().subscribe_finalized().await.unwrap();
    let mut seen: BTreeMap<u64, Seen> = BTreeMap::new();
    for (round, client) in ["//Bob", "//Dave", "//Bob", "//Dave"].into_iter().enumerate() {
        let key = ghost_client::keys::keypair(client).unwrap();
        let call = runtime::tx().inference().request(model_id, Static(input.clone()), 10);
        let outcome = chain.submit(&call, &key, Wait::InBlock).await.unwrap();
        let request = requested_id(outcome.events.as_ref().unwrap()).unwrap();
        let block = outcome.block.unwrap();
        seen.insert(request, Seen { result_deadline: block + result_window, ..Seen::default() });
        if round == 1 {
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
    }

    // Follow the chain until every request closed, or the last deadline is well past.
    let last = seen.values().map(|s| s.result_deadline).max().unwrap() + challenge_window + 15;
    let give_up = Instant::now() + Duration::from_secs(u64::from(last) * 2 + 120);
    while seen.values().any(|s| s.settled_at.is_none() && !s.expired) {
        let block = tokio::time::timeout_at(tokio::time::Instant::from_std(give_up), heads.next())
            .await
            .unwrap_or_else(|_| panic!("no end in time: {seen:?}\n{}", daemon.log()))
            .expect("the node keeps reporting")
            .unwrap();
        let number = block.number();
        assert!(number <= last, "block #{number} and still open: {seen:?}\n{}", daemon.log());
        for event in block.events().await.unwrap().iter() {
            let event = event.unwrap();
            use runtime::inference::events as ev;
            if let Some(e) = event.as_event::<ev::ResultSubmitted>().unwrap() {
                if let Some(s) = seen.get_mut(&e.id) {
                    assert_eq!(e.prover, charlie);
                    s.posted_at = Some(number);
                    s.challenge_until = Some(e.challenge_until);
                }
            } else if let Some(e) = event.as_event::<ev::Settled>().unwrap() {
                if let Some(s) = seen.get_mut(&e.id) {
                    s.settled_at = Some(number);
                    s.settled_by_prover = e.prover == charlie;
                }
            } else if let Some(e) = event.as_event::<ev::Expired>().unwrap() {
                if let Some(s) = seen.get_mut(&e.id) {
                    s.expired = true;
                }
            }
        }
    }
    let sent = flood.stop();
    assert!(sent > 50, "the flood sent only {sent} requests");
    for (request, s) in &seen {
        assert!(!s.expired, "request {request} expired unanswered under the flood: {s:?}\n{}", daemon.log());
        let posted = s.posted_at.expect("posted");
        assert!(posted <= s.result_deadline, "request {request} posted late: {s:?}");
        let until = s.challenge_until.expect("a challenge window");
        let settled = s.settled_at.expect("settled");
        assert!(settled > until, "request {request} settled inside its window: {s:?}");
        // The daemon settles lazily, soon after the window: finality and a block of slack.
        assert!(settled <= until + 10, "request {request} settled late: {s:?}\n{}", daemon.log());
        assert!(s.settled_by_prover, "request {request}: the wrong prover was paid");
    }
    // The endpoint still answers once the flood is over.
    let (status, body) = ghost_testkit::flood::post(&addr, br#"{"jsonrpc":"2.0","id":1,"method":"ghost_health"}"#);
    assert_eq!(status, 200, "{body}");
    drop(daemon);
    drop(node);
}
