//! The system under test: validators, provers, watchers and clients as real processes of
//! `ghost-node` and `ghost`, started, faulted, healed and settled.

use crate::{
    actors::{signal, Actor, Archive, Spec},
    disk::Disk,
    history::{Event, History},
    inputs::Inputs,
    net::{free_port, Net},
    proxy::Proxy,
    schedule::{self, Fault, Planned},
};
use anyhow::{anyhow, bail, Context, Result};
use ghost_client::chain::Chain;
use ghost_primitives::{parse_hash, ModelId};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{sync::watch, task::JoinHandle};

/// The validators: their names are their dev keys' (`--alice` …).
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];
/// The provers: name, secret URI and whether it is lazy (skips the best row).
pub const PROVERS: [(&str, &str, bool); 3] =
    [("charlie", "//Charlie", false), ("eve", "//Eve", false), ("dave", "//Dave", true)];
/// The watchers: name and secret URI.
pub const WATCHERS: [(&str, &str); 2] = [("ferdie", "//Ferdie"), ("alice", "//Alice")];
/// The clients: name, secret URI, whether it pays over channels (else on chain).
pub const CLIENTS: [(&str, &str, bool); 3] =
    [("bob", "//Bob", true), ("alice-stash", "//Alice//stash", true), ("bob-stash", "//Bob//stash", false)];
/// The model's price, credit an answer.
pub const PRICE: u128 = 10;
/// What a channel client escrows in each channel it opens.
pub const DEPOSIT: u128 = 100_000;
/// The lazy prover's bond, GHOST: 8,000 convictions at the dev chain's 50 GHOST a slash.
const LAZY_BOND: &str = "400000";
/// The size of each disk that can fill up.
const DISK_MIB: u32 = 256;

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The seed of the fault schedule and of the clients' inputs.
    pub seed: u64,
    /// How long faults are injected.
    pub length: Duration,
    /// One fault is drawn a window.
    pub window: Duration,
    /// Where everything is kept.
    pub work: PathBuf,
    /// Where `ghost` and `ghost-node` are.
    pub bin: PathBuf,
    /// The digits data (`data/digits.csv.gz`).
    pub data: PathBuf,
    /// Put validators in network namespaces (partitions) when possible.
    pub namespaces: bool,
}

/// A prover daemon, its proxy (the URL on its bond) and the disk under its journal.
pub struct Prover {
    /// The process.
    pub actor: Arc<Actor>,
    /// Its account's name.
    pub name: &'static str,
    suri: &'static str,
    /// Whether it is lazy.
    pub lazy: bool,
    proxy: Proxy,
    disk: Disk,
}

/// A watcher and where clients hand it receipts.
pub struct Watcher {
    /// The process.
    pub actor: Arc<Actor>,
    /// Its account's name.
    pub name: &'static str,
    audit_url: String,
}

/// A client's loop and the disk under its receipts.
pub struct Client {
    /// The loop.
    pub actor: Arc<Actor>,
    /// Its account's name.
    pub name: &'static str,
    suri: &'static str,
    disk: Option<Disk>,
}

/// The running system. Fields drop in order: processes before their disks and network.
pub struct Cluster {
    tasks: Vec<JoinHandle<()>>,
    clients_tasks: Vec<JoinHandle<()>>,
    stop_daemons: watch::Sender<bool>,
    stop_clients: watch::Sender<bool>,
    /// The validators.
    pub validators: Vec<Arc<Actor>>,
    /// The provers.
    pub provers: Vec<Prover>,
    /// The watchers.
    pub watchers: Vec<Watcher>,
    /// The clients.
    pub clients: Vec<Client>,
    /// The history.
    pub history: Arc<History>,
    /// The model served.
    pub model: ModelId,
    options: Options,
    /// The validators' network.
    pub net: Net,
}

impl Cluster {
    /// Start everything: the network, the validators, the model, the provers, the watchers
    /// and the clients.
    pub async fn start(options: Options) -> Result<Self> {
        let work = &options.work;
        for dir in ["logs", "nodes", "disk", "model"] {
            std::fs::create_dir_all(work.join(dir))?;
        }
        let history = Arc::new(History::create(&work.join("history.jsonl"))?);
        history.record(Event::Phase { name: "start".into() });
        let net = Net::create(VALIDATORS.len(), options.namespaces, &work.join("net.tag"))?;
        let (stop_daemons, stopped) = watch::channel(false);
        let (stop_clients, _) = watch::channel(false);
        let mut tasks = Vec::new();
        let grace = Duration::from_secs(10);

        let ghost_node = options.bin.join("ghost-node").display().to_string();
        let peers = VALIDATORS
            .iter()
            .enumerate()
            .map(|(i, _)| peer_id(&ghost_node, &node_key(i), work))
            .collect::<Result<Vec<_>>>()?;
        let mut validators = Vec::new();
        for (i, name) in VALIDATORS.iter().enumerate() {
            let mut args = strings(&[
                "--chain",
                "local-4",
                &format!("--{name}"),
                "--base-path",
                &work.join("nodes").join(name).display().to_string(),
                "--node-key",
                &node_key(i),
                "--state-pruning",
                "archive",
                "--no-prometheus",
                "--no-telemetry",
                "--no-mdns",
                "--rpc-cors",
                "all",
            ]);
            args.extend(net.node_args(i));
            for (j, peer) in peers.iter().enumerate().filter(|(j, _)| *j != i) {
                args.extend(["--bootnodes".into(), net.boot_addr(j, peer)]);
            }
            let (program, args) = net.wrap(i, &ghost_node, args);
            let actor = Actor::new(Spec {
                name: format!("validator-{name}"),
                program,
                args,
                env: vec![],
                log: work.join("logs").join(format!("validator-{name}.log")),
                archive: None,
            });
            tasks.push(tokio::spawn(actor.clone().supervise(history.clone(), stopped.clone(), grace)));
            validators.push(actor);
        }
        let mut cluster = Self {
            tasks,
            clients_tasks: Vec::new(),
            stop_daemons,
            stop_clients,
            validators,
            provers: Vec::new(),
            watchers: Vec::new(),
            clients: Vec::new(),
            history,
            model: ModelId::default(),
            options,
            net,
        };
        for i in 0..VALIDATORS.len() {
            cluster.wait_finalized(i, 1, Duration::from_secs(180)).await?;
        }
        tracing::info!("the validators finalise");
        cluster.model = cluster.register_model().await?;
        cluster.start_provers(stopped.clone()).await?;
        cluster.start_watchers(stopped).await?;
        cluster.wait_bonded(Duration::from_secs(180)).await?;
        tracing::info!("every prover is bonded");
        cluster.start_clients()?;
        cluster.tasks.push(tokio::spawn(crate::sample::run(
            cluster.history.clone(),
            (0..VALIDATORS.len()).map(|i| cluster.net.http_url(i)).collect(),
            cluster.everyone(),
            cluster.stop_daemons.subscribe(),
        )));
        Ok(cluster)
    }

    fn env(&self, validator: usize) -> Vec<(String, String)> {
        vec![
            ("GHOST_CHAIN_URL".into(), self.net.ws_url(validator)),
            ("GHOST_ALLOW_PRIVATE_ENDPOINTS".into(), "true".into()),
        ]
    }

    fn ghost_path(&self) -> String {
        self.options.bin.join("ghost").display().to_string()
    }

    fn model_dir(&self) -> PathBuf {
        self.options.work.join("model").join("digits")
    }

    fn log(&self, name: &str) -> PathBuf {
        self.options.work.join("logs").join(format!("{name}.log"))
    }

    /// Run `ghost args` once against validator 0; its output, or why it failed.
    pub async fn ghost(&self, args: &[&str]) -> Result<String> {
        let out = tokio::process::Command::new(self.ghost_path())
            .args(args)
            .envs(self.env(0))
            .output()
            .await
            .context("running ghost")?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        use std::io::Write;
        if let Ok(mut log) = std::fs::OpenOptions::new().create(true).append(true).open(self.log("harness")) {
            let _ = writeln!(log, "$ ghost {}\n{text}", args.join(" "));
        }
        if !out.status.success() {
            bail!("ghost {} failed: {}", args.join(" "), text.trim());
        }
        Ok(text)
    }

    async fn register_model(&self) -> Result<ModelId> {
        let dir = self.model_dir().display().to_string();
        self.ghost(&["--quiet", "model", "build", "digits", "--name", "digits", "--out", &dir]).await?;
        let mut last = anyhow!("not tried");
        for _ in 0..3 {
            match self.ghost(&["model", "register", &dir, "--price", &PRICE.to_string(), "--suri", "//Alice"]).await {
                Ok(out) => {
                    let id = out
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("model 0x")
                                .map(|h| format!("0x{}", h.split_whitespace().next().unwrap_or("")))
                        })
                        .ok_or_else(|| anyhow!("registering printed no model id"))?;
                    return parse_hash(&id).map_err(|e| anyhow!("the model id {id}: {e}"));
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn start_provers(&mut self, stopped: watch::Receiver<bool>) -> Result<()> {
        for (i, (name, suri, lazy)) in PROVERS.iter().enumerate() {
            let disk = Disk::mount(&self.options.work.join("disk").join(format!("prover-{name}")), DISK_MIB)?;
            let real: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
            let proxy = Proxy::start("127.0.0.1:0".parse()?, real).await?;
            let mut args = strings(&[
                "prover",
                "run",
                "--model",
                &self.model_dir().display().to_string(),
                "--suri",
                suri,
                "--listen",
                &real.to_string(),
                "--public-url",
                &format!("http://{}", proxy.addr),
                "--journal",
                &disk.path().display().to_string(),
            ]);
            if *lazy {
                // A bond for thousands of convictions: the lazy answers stay convictable all
                // run, so that the checker's "every lazy answer audited in time is
                // convicted" is tested to the end, not excused once the bond is gone.
                args.extend(["--misbehave".into(), "skip-best-row".into(), "--bond".into(), LAZY_BOND.into()]);
            }
            let actor = Actor::new(Spec {
                name: format!("prover-{name}"),
                program: self.ghost_path(),
                args,
                env: self.env(node_of(schedule::Actor::Prover(i))),
                log: self.log(&format!("prover-{name}")),
                archive: None,
            });
            self.tasks.push(tokio::spawn(actor.clone().supervise(
                self.history.clone(),
                stopped.clone(),
                Duration::from_secs(10),
            )));
            self.provers.push(Prover { actor, name, suri, lazy: *lazy, proxy, disk });
        }
        Ok(())
    }

    async fn start_watchers(&mut self, stopped: watch::Receiver<bool>) -> Result<()> {
        for (i, (name, suri)) in WATCHERS.iter().enumerate() {
            let state = self.options.work.join(format!("watch-{name}"));
            let listen = format!("127.0.0.1:{}", free_port()?);
            let actor = Actor::new(Spec {
                name: format!("watcher-{name}"),
                program: self.ghost_path(),
                args: strings(&[
                    "watch",
                    "--model",
                    &self.model_dir().display().to_string(),
                    "--suri",
                    suri,
                    "--state",
                    &state.display().to_string(),
                    "--listen",
                    &listen,
                ]),
                env: self.env(node_of(schedule::Actor::Watcher(i))),
                log: self.log(&format!("watcher-{name}")),
                archive: Some(Archive {
                    under: state.clone(),
                    name: "audits.jsonl",
                    to: self.options.work.join(format!("audits-{name}.jsonl")),
                }),
            });
            self.tasks.push(tokio::spawn(actor.clone().supervise(
                self.history.clone(),
                stopped.clone(),
                Duration::from_secs(10),
            )));
            self.watchers.push(Watcher { actor, name, audit_url: format!("http://{listen}") });
        }
        Ok(())
    }

    fn start_clients(&mut self) -> Result<()> {
        let inputs = Arc::new(Inputs::load(&self.options.data)?);
        for (i, (name, suri, channels)) in CLIENTS.iter().enumerate() {
            let disk = if *channels {
                Some(Disk::mount(&self.options.work.join("disk").join(format!("client-{name}")), DISK_MIB)?)
            } else {
                None
            };
            let model = ghost_primitives::hex0x(&self.model);
            let state = disk.as_ref().map(|d| d.path().display().to_string());
            let audit = self.watchers[i % self.watchers.len()].audit_url.clone();
            let (inputs, seed) = (inputs.clone(), self.options.seed);
            let args_of = move |run: u64| -> Vec<String> {
                let (input, requests) = inputs.pick(seed, i as u64, run);
                match &state {
                    Some(state) => strings(&[
                        "load",
                        "--model",
                        &model,
                        "--input",
                        &input,
                        "--client",
                        suri,
                        "--channels",
                        "--requests",
                        &requests.to_string(),
                        "--concurrency",
                        "2",
                        "--state",
                        state,
                        "--audit",
                        &audit,
                        "--audit-rate",
                        "0.3",
                        "--deposit",
                        &DEPOSIT.to_string(),
                        "--json",
                    ]),
                    None => strings(&["infer", "--on-chain", "--model", &model, "--suri", suri, "--input", &input]),
                }
            };
            let actor = Actor::new(Spec {
                name: format!("client-{name}"),
                program: self.ghost_path(),
                args: vec![],
                env: self.env(node_of(schedule::Actor::Client(i))),
                log: self.log(&format!("client-{name}")),
                archive: None,
            });
            self.clients_tasks.push(tokio::spawn(actor.clone().repeat(
                self.history.clone(),
                self.stop_clients.subscribe(),
                Duration::from_secs(240),
                args_of,
            )));
            self.clients.push(Client { actor, name, suri, disk });
        }
        Ok(())
    }

    /// Every process of the system.
    pub fn everyone(&self) -> Vec<Arc<Actor>> {
        let mut all = self.validators.clone();
        all.extend(self.provers.iter().map(|p| p.actor.clone()));
        all.extend(self.watchers.iter().map(|w| w.actor.clone()));
        all.extend(self.clients.iter().map(|c| c.actor.clone()));
        all
    }

    fn actor(&self, a: schedule::Actor) -> Option<&Arc<Actor>> {
        match a {
            schedule::Actor::Validator(i) => self.validators.get(i),
            schedule::Actor::Prover(i) => self.provers.get(i).map(|p| &p.actor),
            schedule::Actor::Watcher(i) => self.watchers.get(i).map(|w| &w.actor),
            schedule::Actor::Client(i) => self.clients.get(i).map(|c| &c.actor),
        }
    }

    fn disk(&self, a: schedule::Actor) -> Option<&Disk> {
        match a {
            schedule::Actor::Prover(i) => self.provers.get(i).map(|p| &p.disk),
            schedule::Actor::Client(i) => self.clients.get(i).and_then(|c| c.disk.as_ref()),
            _ => None,
        }
    }

    /// The system's shape for the schedule.
    pub fn shape(&self) -> schedule::Shape {
        shape(self.net.partitions())
    }

    /// Begin `fault`; what was done, in words.
    pub fn begin(&self, fault: &Fault) -> Result<String> {
        let missing = || anyhow!("{fault} names nothing that exists");
        match fault {
            Fault::Kill(a) => {
                let actor = self.actor(*a).ok_or_else(missing)?;
                Ok(match actor.kill_and_hold() {
                    Some(pid) => format!("{} (pid {pid}) killed", actor.name()),
                    None => format!("{} was not running; held down", actor.name()),
                })
            }
            Fault::Pause(a) => {
                let actor = self.actor(*a).ok_or_else(missing)?;
                let pid = actor.pid().ok_or_else(|| anyhow!("{} is not running", actor.name()))?;
                signal(pid, "STOP");
                Ok(format!("{} (pid {pid}) stopped", actor.name()))
            }
            Fault::Stall(a, b) => {
                let mut done = Vec::new();
                for i in [a, b] {
                    let actor = self.validators.get(*i).ok_or_else(missing)?;
                    if let Some(pid) = actor.pid() {
                        signal(pid, "STOP");
                        done.push(format!("{} (pid {pid})", actor.name()));
                    }
                }
                Ok(format!("stopped {}", done.join(", ")))
            }
            Fault::Partition(side) => {
                self.net.partition(side)?;
                Ok(format!("blackhole routes between {side:?} and the rest"))
            }
            Fault::DiskFull(a) => {
                let disk = self.disk(*a).ok_or_else(missing)?;
                Ok(format!("{} bytes taken under {}", disk.fill()?, disk.path().display()))
            }
            Fault::CutRpc(p) => {
                self.provers.get(*p).ok_or_else(missing)?.proxy.set_cutting(true);
                Ok("cutting".into())
            }
        }
    }

    /// End `fault`.
    pub fn end(&self, fault: &Fault) {
        match fault {
            Fault::Kill(a) => {
                if let Some(actor) = self.actor(*a) {
                    actor.release();
                }
            }
            Fault::Pause(a) => {
                if let Some(pid) = self.actor(*a).and_then(|a| a.pid()) {
                    signal(pid, "CONT");
                }
            }
            Fault::Stall(a, b) => {
                for i in [a, b] {
                    if let Some(pid) = self.validators.get(*i).and_then(|v| v.pid()) {
                        signal(pid, "CONT");
                    }
                }
            }
            Fault::Partition(_) => {
                if let Err(e) = self.net.heal() {
                    tracing::error!(error = %format!("{e:#}"), "healing the partition");
                }
            }
            Fault::DiskFull(a) => {
                if let Some(disk) = self.disk(*a) {
                    disk.free();
                }
            }
            Fault::CutRpc(p) => {
                if let Some(prover) = self.provers.get(*p) {
                    prover.proxy.set_cutting(false);
                }
            }
        }
    }

    /// Undo every fault that may still hold: resume every process, release every one held
    /// down, heal the network, free the disks, stop cutting.
    pub fn heal_all(&self) {
        for actor in self.everyone() {
            actor.release();
            if let Some(pid) = actor.pid() {
                signal(pid, "CONT");
            }
        }
        let _ = self.net.heal();
        for p in &self.provers {
            p.disk.free();
            p.proxy.set_cutting(false);
        }
        for c in &self.clients {
            if let Some(d) = &c.disk {
                d.free();
            }
        }
    }

    /// Run the faults of `plan`, then heal. Returns the cuts made by proxies.
    pub async fn run_faults(self: &Arc<Self>, plan: Vec<Planned>) -> u64 {
        self.history.record(Event::Phase { name: "faults".into() });
        let (heal, healed) = watch::channel(false);
        let began = Instant::now();
        let mut running = Vec::new();
        for planned in plan {
            let at = began + Duration::from_millis(planned.at_ms);
            tokio::time::sleep_until(at.into()).await;
            let (me, mut healed) = (self.clone(), healed.clone());
            running.push(tokio::spawn(async move {
                let detail = match me.begin(&planned.fault) {
                    Ok(detail) => detail,
                    Err(e) => format!("skipped: {e:#}"),
                };
                tracing::info!(fault = %planned.fault, %detail, lasts_ms = planned.lasts_ms, "fault");
                me.history.record(Event::FaultStarted {
                    fault: planned.fault.clone(),
                    lasts_ms: planned.lasts_ms,
                    detail,
                });
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(planned.lasts_ms)) => {}
                    _ = async { let _ = healed.wait_for(|h| *h).await; } => {}
                }
                me.end(&planned.fault);
                me.history.record(Event::FaultEnded { fault: planned.fault });
            }));
        }
        tokio::time::sleep_until((began + self.options.length).into()).await;
        let _ = heal.send(true);
        for task in running {
            let _ = task.await;
        }
        self.history.record(Event::Phase { name: "healed".into() });
        self.heal_all();
        self.provers.iter().map(|p| p.proxy.cuts()).sum()
    }

    /// Stop the clients (each finishes its run), let finality catch up, close and finish
    /// every channel, and wait for the on-chain requests to close.
    pub async fn settle(&self) -> Result<()> {
        // Every client is served again before they stop (the checker holds them to it).
        let healed = self.history.now();
        let deadline = Instant::now() + Duration::from_secs(240);
        while !self.clients.iter().all(|c| c.actor.served_since(healed)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.history.record(Event::Phase { name: "settle".into() });
        let _ = self.stop_clients.send(true);
        tracing::info!("waiting for the clients' last runs");
        let chain = Chain::connect(&self.net.ws_url(0), Duration::from_secs(60)).await?;
        let (head, _) = chain.finalized().await?;
        for i in 0..self.validators.len() {
            self.wait_finalized(i, head + 3, Duration::from_secs(300)).await?;
        }
        while self.clients.iter().any(|c| c.actor.pid().is_some()) {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Closing: each client closes its channels; their provers redeem at once.
        let mut closing = Vec::new();
        for (id, channel) in chain.channels().await? {
            let Some((_, suri)) = self.client_of(&channel.client.0) else { continue };
            if channel.closes_at.is_none() {
                self.retry(&["channel", "close", &id.to_string(), "--suri", suri], 5).await?;
            }
            closing.push((id, suri));
        }
        tracing::info!(channels = closing.len(), "closing the clients' channels");
        for (id, suri) in closing {
            let deadline = Instant::now() + Duration::from_secs(300);
            loop {
                match self.ghost(&["channel", "finish", &id.to_string(), "--suri", suri]).await {
                    Ok(_) => break,
                    Err(e) if Instant::now() < deadline => {
                        tracing::debug!(channel = id, error = %format!("{e:#}"), "not finished yet");
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    Err(e) => return Err(e.context(format!("finishing channel {id}"))),
                }
            }
        }
        // On chain: every request is settled by its prover or expires; the harness only waits.
        let deadline = Instant::now() + Duration::from_secs(300);
        while !chain.requests().await?.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        Ok(())
    }

    async fn retry(&self, args: &[&str], tries: u32) -> Result<String> {
        let mut last = anyhow!("not tried");
        for _ in 0..tries {
            match self.ghost(args).await {
                Ok(out) => return Ok(out),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        Err(last)
    }

    fn client_of(&self, who: &[u8; 32]) -> Option<(&'static str, &'static str)> {
        CLIENTS.iter().find(|(_, suri, _)| account(suri).is_some_and(|a| &a == who)).map(|(n, s, _)| (*n, *s))
    }

    /// Stop the provers, the watchers and the client loops (the validators run on for the
    /// checker).
    pub async fn stop_actors(&mut self) {
        let _ = self.stop_clients.send(true);
        for task in self.clients_tasks.drain(..) {
            let _ = task.await;
        }
        for actor in self.provers.iter().map(|p| &p.actor).chain(self.watchers.iter().map(|w| &w.actor)) {
            if let Some(pid) = actor.kill_and_hold().or(actor.pid()) {
                tracing::debug!(actor = actor.name(), pid, "stopped");
            }
        }
    }

    /// Stop everything.
    pub async fn shutdown(mut self) {
        let _ = self.stop_clients.send(true);
        let _ = self.stop_daemons.send(true);
        for task in self.clients_tasks.drain(..).chain(self.tasks.drain(..)) {
            let _ = task.await;
        }
    }

    /// Copy the disks' contents under `work/kept` (before they are unmounted).
    pub fn keep_disks(&self) -> Result<PathBuf> {
        let kept = self.options.work.join("kept");
        std::fs::create_dir_all(&kept)?;
        for disk in self.provers.iter().map(|p| &p.disk).chain(self.clients.iter().filter_map(|c| c.disk.as_ref())) {
            disk.keep(&kept)?;
        }
        Ok(kept)
    }

    /// Where each channel client keeps its receipts, by name.
    pub fn client_states(&self) -> Vec<(&'static str, &'static str, PathBuf)> {
        self.clients.iter().filter_map(|c| c.disk.as_ref().map(|d| (c.name, c.suri, d.path().to_path_buf()))).collect()
    }

    /// Where each prover journals: name, secret URI, whether it is lazy, directory.
    pub fn prover_journals(&self) -> Vec<(&'static str, &'static str, bool, PathBuf)> {
        self.provers.iter().map(|p| (p.name, p.suri, p.lazy, p.disk.path().to_path_buf())).collect()
    }

    /// Every receipt each watcher took (its audit logs over all its lives, archived), and
    /// the validator it follows.
    pub fn watcher_audits(&self) -> Vec<(PathBuf, usize)> {
        self.watchers
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let archive = w.actor.spec.archive.as_ref().expect("a watcher's audits are archived");
                archive.keep(); // its last life's
                (archive.to.clone(), node_of(schedule::Actor::Watcher(i)))
            })
            .collect()
    }

    /// Wait until validator `i` has finalised block `number`.
    pub async fn wait_finalized(&self, i: usize, number: u32, patience: Duration) -> Result<()> {
        let deadline = Instant::now() + patience;
        let url = self.net.http_url(i);
        loop {
            if let Ok((n, _)) = crate::sample::finalized(&url).await {
                if n >= number {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("validator {i} did not finalise block {number} within {patience:?}");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn wait_bonded(&self, patience: Duration) -> Result<()> {
        let chain = Chain::connect(&self.net.ws_url(0), Duration::from_secs(60)).await?;
        let deadline = Instant::now() + patience;
        while chain.provers(&self.model).await?.len() < self.provers.len() {
            if Instant::now() > deadline {
                bail!("not every prover bonded within {patience:?}");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(())
    }

    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }
}

/// What the faults can reach, with or without partitions.
pub fn shape(partitions: bool) -> schedule::Shape {
    schedule::Shape {
        validators: VALIDATORS.len(),
        provers: PROVERS.len(),
        watchers: WATCHERS.len(),
        clients: CLIENTS.len(),
        channel_clients: CLIENTS.iter().filter(|c| c.2).count(),
        partitions,
    }
}

/// The validator an actor talks to: spread, so that one validator down takes some of
/// each kind of actor off the chain, not all.
pub fn node_of(actor: schedule::Actor) -> usize {
    let i = match actor {
        schedule::Actor::Validator(i) | schedule::Actor::Client(i) => i,
        schedule::Actor::Prover(i) => i + 1,
        schedule::Actor::Watcher(i) => i + 2,
    };
    i % VALIDATORS.len()
}

/// Validator `i`'s network key (fixed, so that the others know its peer id).
fn node_key(i: usize) -> String {
    format!("{:064x}", i + 1)
}

/// The peer id of a network key, as the node computes it.
fn peer_id(node: &str, key: &str, work: &Path) -> Result<String> {
    let file = work.join("nodes").join(format!("key-{key}"));
    std::fs::write(&file, key)?;
    let out = std::process::Command::new(node)
        .args(["key", "inspect-node-key", "--file"])
        .arg(&file)
        .output()
        .with_context(|| format!("running {node}"))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || text.is_empty() {
        bail!("ghost-node key inspect-node-key failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(text)
}

/// The account of a secret URI.
pub fn account(suri: &str) -> Option<[u8; 32]> {
    ghost_client::keys::keypair(suri).ok().map(|k| ghost_client::keys::account_of(&k).0)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}
