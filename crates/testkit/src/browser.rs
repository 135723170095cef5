//! A real browser for the page's tests and benchmark: Debian's headless Chromium, driven
//! through its own WebDriver (chromedriver) by fantoccini, and the `ghost` server whose
//! page it opens. Nothing is downloaded: where the packages are missing, [`missing`]
//! says why and the caller skips.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (package `chromium-driver`).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Long enough for a page on a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Why the browser cannot run here (Chromium or its driver is not installed), or `None`;
/// the caller says it and skips.
pub fn missing() -> Option<String> {
    [CHROMIUM, CHROMEDRIVER].into_iter().find(|path| !Path::new(path).exists()).map(|path| {
        format!("skipped: {path} is not installed (scripts/setup.sh installs Debian's chromium and chromium-driver)")
    })
}

/// A child process, stopped (and reaped) on drop; one started by [`Process::group`] takes
/// the processes it started with it (chromedriver's browsers).
pub struct Process(pub Child, bool);

impl Process {
    /// `command` started in a process group of its own.
    pub fn group(command: &mut Command) -> Self {
        use std::os::unix::process::CommandExt;
        Self(command.process_group(0).spawn().expect("the process starts"), true)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.1 {
            // The whole group: a browser outlives a driver killed alone.
            let group = format!("-{}", self.0.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            std::thread::sleep(Duration::from_millis(200));
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        }
        crate::stop(&mut self.0);
    }
}

/// chromedriver and one headless Chromium session on it; the driver (and its browser)
/// stops on drop.
pub struct Browser {
    /// The session.
    pub client: Client,
    _driver: Process,
}

impl Browser {
    /// Start chromedriver on a port the OS picked and open a session, with a fresh
    /// profile in `profile`.
    pub async fn start(profile: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Process::group(
            Command::new(CHROMEDRIVER).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()),
        );
        let mut caps = serde_json::Map::new();
        // The flags of a closed machine: no background traffic, no sandbox (tests run as
        // root), a profile of its own, no crash handler (it would leave its own process
        // group behind).
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-crash-reporter", "--disable-breakpad", "--window-size=1280,1400", format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Self { client, _driver: driver },
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(e) => panic!("no WebDriver session on {url}: {e}"),
            }
        }
    }

    /// Open `url` and wait until the page says it started; panics with the page's status
    /// line if it did not.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.client.wait().at_most(PATIENCE).for_element(Locator::Css("body[data-ready]")).await.unwrap();
        let ready = self.client.find(Locator::Css("body")).await.unwrap().attr("data-ready").await.unwrap();
        let status = self.text("status").await;
        assert_eq!(ready.as_deref(), Some("true"), "the page did not start: {status}");
    }

    /// The text of the element with id `id`.
    pub async fn text(&self, id: &str) -> String {
        self.client.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
    }
}

/// `ghost` started with `args` (and `env`), and the page URL its banner prints
/// (`verification page on URL`); its output is drained after.
pub fn ghost_page(ghost: &str, args: &[&str], env: &[(&str, &str)]) -> (Process, String) {
    let mut child = Command::new(ghost)
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("ghost starts");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let (found, page) = std::sync::mpsc::channel();
    // Read the banner, then keep draining, or the server blocks on a full pipe.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("verification page on ") {
                let _ = found.send(url.trim().to_string());
            }
        }
    });
    let process = Process(child, false);
    let page = page.recv_timeout(PATIENCE).expect("the banner names the page's URL");
    (process, page)
}

/// The digits classifier built by `ghost` into `dir`.
pub fn digits(ghost: &str, dir: &Path) {
    let out = Command::new(ghost)
        .args(["--quiet", "model", "build", "digits", "--name", "digits", "--out"])
        .arg(dir)
        .output()
        .expect("ghost runs");
    assert!(out.status.success(), "building the digits model failed: {}", String::from_utf8_lossy(&out.stderr));
}
