//! The verification page in a real browser: Debian's headless Chromium, driven through
//! its WebDriver by `ghost_testkit::browser`, against the real `ghost` and `ghost-node`.
//!
//! * `ghost serve --ui` on the digits classifier: a person's stroke (WebDriver pointer
//!   actions on the canvas) is asked and verified in the browser; a one is classified as
//!   one, with the `k` stored images the proof opened; with tampering on, the answer is
//!   refused with the verifier's reason.
//! * `ghost prover run --ui` on a dev chain, with the model registered and the prover
//!   bonded: the page reads the record through the node (`state_call` to `GhostApi`,
//!   decoded in wasm) and shows its owner, price, royalty, versions and bonded provers.
//!
//! Chromium and chromedriver come from `scripts/setup.sh`; where they could not be
//! installed, each test says so and skips.

use fantoccini::{
    actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT},
    Locator,
};
use ghost_testkit::{
    browser::{self, Browser, PATIENCE},
    run_ghost, DevNode,
};
use std::{path::Path, time::Duration};

const GHOST: &str = env!("CARGO_BIN_EXE_ghost");

/// Draw a one: a short flag, then a long downstroke, by WebDriver pointer actions.
async fn draw_one(page: &Browser) {
    let canvas = page.client.find(Locator::Id("canvas")).await.unwrap();
    let stroke = MouseActions::new("pen".into())
        .then(PointerAction::MoveToElement { element: canvas, duration: None, x: -30.0, y: -70.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(60)), x: 30.0, y: -30.0 })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(120)), x: 0.0, y: 100.0 })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(120)), x: 0.0, y: 100.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    page.client.perform_actions(stroke).await.expect("the stroke is drawn");
}

/// What the page showed of one verdict.
#[derive(Debug)]
struct Shown {
    state: String,
    class: String,
    reason: String,
    patterns: usize,
}

/// Ask and wait for the verdict.
async fn ask(page: &Browser) -> Shown {
    page.client.execute("document.getElementById('verdict').dataset.state = 'waiting'", vec![]).await.unwrap();
    page.client.find(Locator::Id("ask")).await.unwrap().click().await.unwrap();
    let verdict = page
        .client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#verdict[data-state='verified'], #verdict[data-state='rejected']"))
        .await
        .unwrap_or_else(|e| panic!("no verdict: {e}"));
    Shown {
        state: verdict.attr("data-state").await.unwrap().unwrap_or_default(),
        class: page.text("class").await,
        reason: page.text("reason").await,
        patterns: page.client.find_all(Locator::Css("#patterns figure")).await.unwrap().len(),
    }
}

/// A directory holding the digits classifier, unless the browser is missing (said).
fn digits() -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    if let Some(why) = browser::missing() {
        eprintln!("{why}");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("digits");
    browser::digits(GHOST, &model);
    Some((dir, model))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drawn_one_is_verified_in_the_browser_and_a_tampered_answer_refused() {
    let Some((dir, model)) = digits() else { return };
    let (_server, url) = browser::ghost_page(
        GHOST,
        &["--quiet", "serve", "--ui", "--listen", "127.0.0.1:0", "--model", model.to_str().unwrap()],
        &[],
    );
    let page = Browser::start(&dir.path().join("profile")).await;
    page.open(&url).await;
    let id_check = page.client.find(Locator::Id("id-check")).await.unwrap().attr("data-ok").await.unwrap();
    assert_eq!(id_check.as_deref(), Some("true"), "the model id is the ghost file's hash");

    draw_one(&page).await;
    let shown = ask(&page).await;
    assert_eq!((shown.state.as_str(), shown.class.as_str()), ("verified", "1"), "{shown:?}");
    assert!(page.text("against").await.contains("the ghost file this prover gave"));
    // The proof opened the k stored images of the digits model's one lookup layer.
    assert_eq!(shown.patterns, ghost_model::digits::params().layer.k as usize);
    if let Some(path) = std::env::var_os("GHOST_SCREENSHOT") {
        std::fs::write(path, page.client.screenshot().await.unwrap()).unwrap();
    }

    page.client.find(Locator::Id("tamper")).await.unwrap().click().await.unwrap();
    let shown = ask(&page).await;
    assert_eq!(shown.state, "rejected");
    assert!(shown.reason.starts_with("the ghost proof does not verify: "), "{shown:?}");
    assert_eq!((shown.class.as_str(), shown.patterns), ("–", 0));
    page.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_of_a_bonded_prover_shows_the_models_record_on_chain() {
    let Some((dir, model)) = digits() else { return };
    let node = DevNode::start(
        &Path::new(GHOST).with_file_name("ghost-node"),
        &["--dev", "--tmp", "--listen-addr", "/ip4/127.0.0.1/tcp/0"],
    );
    let model_dir = model.to_str().unwrap();
    let registered = run_ghost(
        GHOST,
        &node.url(),
        &["model", "register", model_dir, "--price", "10", "--royalty", "10", "--suri", "//Alice"],
    );
    assert!(registered.status.success(), "{}", String::from_utf8_lossy(&registered.stderr));
    let text = String::from_utf8_lossy(&registered.stdout);
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("model "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("register prints the model id")
        .to_string();
    let journal = dir.path().join("journal");
    let chain_env = [("GHOST_CHAIN_URL", node.url()), ("GHOST_ALLOW_PRIVATE_ENDPOINTS", "true".into())];
    let chain_env: Vec<(&str, &str)> = chain_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_prover, url) = browser::ghost_page(
        GHOST,
        &[
            "prover",
            "run",
            "--ui",
            "--serve-free-inference",
            "--model",
            model_dir,
            "--suri",
            "//Charlie",
            "--listen",
            "127.0.0.1:0",
            "--journal",
            journal.to_str().unwrap(),
        ],
        &chain_env,
    );
    // The daemon bonds as it starts; the page reads the chain once that is in a block.
    let deadline = std::time::Instant::now() + 3 * PATIENCE;
    loop {
        let shown = run_ghost(GHOST, &node.url(), &["model", "show", &id]);
        if String::from_utf8_lossy(&shown.stdout).lines().any(|l| l.starts_with("prover ")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "Charlie never bonded");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let page = Browser::start(&dir.path().join("profile")).await;
    page.open(&format!("{url}?chain={}", node.http_url())).await;
    let status =
        page.client.wait().at_most(PATIENCE).for_element(Locator::Css("#chain-status[data-ok]")).await.unwrap();
    let said = status.text().await.unwrap();
    assert_eq!(status.attr("data-ok").await.unwrap().as_deref(), Some("true"), "{said}");
    // Alice's and Charlie's accounts, as every dev chain has them.
    assert_eq!(page.text("chain-owner").await, "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    assert_eq!(page.text("chain-price").await, "10 credit per answer");
    assert_eq!(page.text("chain-royalty").await, "10 % to the owner");
    assert_eq!(page.text("chain-state").await, "active");
    assert_eq!(page.text("chain-versions").await, id);
    let provers = page.text("chain-provers").await;
    assert!(provers.starts_with("0x90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22:"), "{provers}");

    // Answers are now checked against the ghost file the chain holds, on the chain named.
    assert!(page.text("file-source").await.starts_with(&format!("the chain at {}", node.http_url())));
    draw_one(&page).await;
    let shown = ask(&page).await;
    assert_eq!((shown.state.as_str(), shown.class.as_str()), ("verified", "1"), "{shown:?}");
    assert!(page.text("against").await.starts_with("against the ghost file on chain (genesis 0x"));

    // A model the prover does not serve is named: the page says so and verifies nothing.
    page.client.goto(&format!("{url}?model=0x{}", "ab".repeat(32))).await.unwrap();
    page.client.wait().at_most(PATIENCE).for_element(Locator::Css("body[data-ready='failed']")).await.unwrap();
    assert!(page.text("status").await.contains("does not serve model"));
    page.client.clone().close().await.unwrap();
}
