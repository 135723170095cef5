//! The real `ghost-node`: a dev chain that finalises, a model registered by a signed
//! extrinsic through subxt and read back, the `GhostApi` runtime API verifying an honest
//! ghost proof and rejecting a forged one, and a two-validator network on loopback that
//! finalises and agrees on its head.

use codec::{Decode, Encode};
use ghost_primitives::{testing, Model, Shape};
use ghost_testkit::DevNode;
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use std::{
    path::Path,
    time::{Duration, Instant},
};
use subxt::{
    dynamic::{self, Value},
    OnlineClient, PolkadotConfig,
};

const NODE: &str = env!("CARGO_BIN_EXE_ghost-node");

/// A node on ports the OS picks, in a temporary directory.
fn start(args: &[&str]) -> DevNode {
    let mut all = args.to_vec();
    all.push("--tmp");
    DevNode::start(Path::new(NODE), &all)
}

/// A subxt client of `node`, once its RPC answers.
async fn client(node: &DevNode) -> OnlineClient<PolkadotConfig> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match OnlineClient::<PolkadotConfig>::from_insecure_url(node.url()).await {
            Ok(client) => return client,
            Err(e) if Instant::now() > deadline => panic!("node RPC never came up: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

async fn finalized_number(client: &OnlineClient<PolkadotConfig>) -> u32 {
    let hash = client.backend().latest_finalized_block_ref().await.expect("finalized head").hash();
    client.blocks().at(hash).await.expect("block").number()
}

async fn wait_finalized(client: &OnlineClient<PolkadotConfig>, at_least: u32, within: Duration) -> u32 {
    let deadline = Instant::now() + within;
    loop {
        let n = finalized_number(client).await;
        if n >= at_least {
            return n;
        }
        assert!(Instant::now() < deadline, "finalised only up to #{n} in {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn model() -> Model {
    testing::model(3, &[Shape::new(256, 8).widths(16, 8).select(4, 2)]).expect("test model")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_chain_registers_models_and_verifies_proofs() {
    let node = start(&["--dev", "--listen-addr", "/ip4/127.0.0.1/tcp/0"]);
    let api = client(&node).await;
    wait_finalized(&api, 2, Duration::from_secs(60)).await;

    // Register a model by a signed extrinsic, built from the chain's metadata.
    let m = model();
    let bytes = m.ghost_file().encode();
    let alice = subxt_signer::sr25519::dev::alice();
    // Registration is commit-reveal: commit to H(owner ‖ model id), register a block later.
    let mut preimage = alice.public_key().0.to_vec();
    preimage.extend_from_slice(&m.id());
    let commitment = ghost_primitives::blake2_256(&preimage);
    let commit = dynamic::tx("GhostRegistry", "commit_registration", vec![Value::from_bytes(commitment)]);
    api.tx()
        .sign_and_submit_then_watch_default(&commit, &alice)
        .await
        .expect("submitted")
        .wait_for_finalized_success()
        .await
        .expect("the commitment is finalised");
    let tx = dynamic::tx(
        "GhostRegistry",
        "register",
        vec![Value::from_bytes(&bytes), Value::u128(7), Value::unnamed_composite([Value::u128(100_000_000)])],
    );
    let sent = Instant::now();
    let events = api
        .tx()
        .sign_and_submit_then_watch_default(&tx, &alice)
        .await
        .expect("submitted")
        .wait_for_finalized_success()
        .await
        .expect("registration succeeds and is finalised");
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(20), "registration took {took:?} to finalise");
    println!("registration finalised {took:?} after submission");
    assert!(events
        .iter()
        .flatten()
        .any(|e| e.pallet_name() == "GhostRegistry" && e.variant_name() == "ModelRegistered"));

    // Read it back from storage.
    let storage = api.storage().at_latest().await.expect("storage");
    let stored = storage
        .fetch(&dynamic::storage("GhostRegistry", "GhostFiles", vec![Value::from_bytes(m.id())]))
        .await
        .expect("fetch")
        .expect("the ghost file is stored");
    assert_eq!(stored.encoded(), (bytes.clone()).encode().as_slice(), "stored bytes are the ghost file");

    // The runtime API verifies an honest proof and rejects a forged one.
    let input = testing::input(4, 16);
    let (trace, proof) = m.prove(&input).expect("prove");
    let claim = trace.claim();
    let at = api.runtime_api().at_latest().await.expect("runtime api");
    let call_as = |prover: Option<[u8; 32]>, proof: Vec<u8>, claim: ghost_primitives::Claim| {
        // No prover: an off-chain (unbound) answer.
        let params = (m.id(), prover, input.clone(), claim, proof).encode();
        let at = at.clone();
        async move {
            let raw = at.call_raw("GhostApi_verify_proof", Some(&params)).await.expect("state_call");
            Result::<(), ghost_primitives::Error>::decode(&mut &raw[..]).expect("decodes")
        }
    };
    let call = |proof: Vec<u8>, claim: ghost_primitives::Claim| call_as(None, proof, claim);
    assert_eq!(call(proof.encode(), claim.clone()).await, Ok(()));
    // An on-chain claim is bound to its prover: it verifies for that account only.
    let bound = m.trace_bound(&input, &alice.public_key().0).expect("trace");
    let bound_proof = m.prove_trace(&bound).expect("proof").encode();
    assert_eq!(call_as(Some(alice.public_key().0), bound_proof.clone(), bound.claim()).await, Ok(()));
    assert_eq!(
        call_as(Some([9; 32]), bound_proof, bound.claim()).await,
        Err(ghost_primitives::Error::TraceMismatch { layer: 0 })
    );
    // Proofs above the chain's own limit are refused before decoding.
    let max = ghost_runtime::configs::MAX_PROOF_BYTES;
    assert!(matches!(
        call(vec![0; max as usize + 1], claim.clone()).await,
        Err(ghost_primitives::Error::ProofTooLarge { max: m, .. }) if m == max
    ));
    let mut forged = proof.encode();
    let mid = forged.len() / 2;
    forged[mid] ^= 1;
    assert!(call(forged, claim.clone()).await.is_err(), "a flipped bit is rejected on chain");
    let mut wrong = claim.clone();
    wrong.output[0] = wrong.output[0].wrapping_add(1);
    assert_eq!(call(proof.encode(), wrong).await, Err(ghost_primitives::Error::OutputMismatch));

    // The chain runs the wasm runtime this build made (with whichever wasm target the
    // toolchain has: `wasm32v1-none` when installed, else `wasm32-unknown-unknown`).
    let code = storage.fetch_raw(b":code".to_vec()).await.expect("fetch").expect("the chain has its code");
    let built = ghost_runtime::WASM_BINARY.expect("the test build includes the wasm runtime");
    assert!(code == built, "the node runs this build's runtime ({} bytes on chain, {} built)", code.len(), built.len());

    // Metadata lists the Ghostchain pallets for any standard client.
    let metadata = api.metadata();
    for pallet in ["MutualCredit", "GhostRegistry", "Inference"] {
        assert!(metadata.pallet_by_name(pallet).is_some(), "{pallet} in metadata");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_network_of_two_validators_finalises_and_agrees() {
    // Validators of a live chain need a network key of their own: fixed ones here.
    const ALICE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
    const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";
    let alice =
        start(&["--chain", "local", "--alice", "--node-key", ALICE_KEY, "--listen-addr", "/ip4/127.0.0.1/tcp/0"]);
    // Bob boots from the address Alice actually listens on, with her peer id.
    let http = HttpClientBuilder::default().build(alice.http_url()).expect("http client");
    let deadline = Instant::now() + Duration::from_secs(60);
    let boot = loop {
        let addrs: Vec<String> = http.request("system_localListenAddresses", rpc_params![]).await.unwrap_or_default();
        if let Some(a) = addrs.into_iter().find(|a| a.starts_with("/ip4/127.0.0.1/tcp/")) {
            break a;
        }
        assert!(Instant::now() < deadline, "Alice never reported a loopback listen address");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let bob = start(&[
        "--chain",
        "local",
        "--bob",
        "--node-key",
        BOB_KEY,
        "--listen-addr",
        "/ip4/127.0.0.1/tcp/0",
        "--bootnodes",
        &boot,
    ]);
    let (a, b) = (client(&alice).await, client(&bob).await);
    let n = wait_finalized(&a, 3, Duration::from_secs(120)).await;
    wait_finalized(&b, n, Duration::from_secs(60)).await;
    // Both finalised the same chain: their blocks at the lower head's height are equal.
    let (head_a, head_b) = (finalized_number(&a).await, finalized_number(&b).await);
    let height = head_a.min(head_b);
    assert_eq!(
        finalized_hash_at(&a, height).await,
        finalized_hash_at(&b, height).await,
        "the nodes disagree at #{height}"
    );
}

/// The hash of the block at `height` on `client`'s finalised chain.
async fn finalized_hash_at(client: &OnlineClient<PolkadotConfig>, height: u32) -> subxt::utils::H256 {
    let mut block = client
        .blocks()
        .at(client.backend().latest_finalized_block_ref().await.expect("head").hash())
        .await
        .expect("block");
    while block.number() > height {
        block = client.blocks().at(block.header().parent_hash).await.expect("parent");
    }
    block.hash()
}

/// `export-chain-spec` (beside the deprecated `build-spec`) prints the named chain's spec,
/// and its raw form holds the genesis storage.
#[test]
fn export_chain_spec_prints_the_dev_spec() {
    let export = |extra: &[&str]| {
        let out = std::process::Command::new(NODE)
            .args(["export-chain-spec", "--chain", "dev"])
            .args(extra)
            .output()
            .expect("ghost-node runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("a JSON chain spec")
    };
    let spec = export(&[]);
    assert_eq!(spec["id"], "dev");
    assert_eq!(spec["name"], "Ghostchain Development");
    assert_eq!(spec["properties"]["tokenSymbol"], "GHOST");
    let raw = export(&["--raw"]);
    assert!(raw["genesis"]["raw"]["top"].as_object().is_some_and(|top| !top.is_empty()), "raw genesis storage");
}

/// `--chain local-N` has the first N dev keys as validators, from 1 to 6; others are
/// refused with a sentence.
#[test]
fn local_n_names_its_validators_and_refuses_what_it_cannot() {
    let export = |chain: &str| {
        std::process::Command::new(NODE)
            .args(["export-chain-spec", "--chain", chain])
            .output()
            .expect("ghost-node runs")
    };
    let out = export("local-4");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON chain spec");
    assert_eq!(spec["id"], "ghost_local_4");
    let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
    assert_eq!(patch["aura"]["authorities"].as_array().map(Vec::len), Some(4), "{patch}");
    assert_eq!(patch["grandpa"]["authorities"].as_array().map(Vec::len), Some(4));
    for refused in ["local-0", "local-7"] {
        let out = export(refused);
        assert!(!out.status.success(), "{refused} was taken");
        assert!(String::from_utf8_lossy(&out.stderr).contains("a local network has from 1 to 6 validators"));
    }
}
