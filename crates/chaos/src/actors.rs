//! The processes of the system. A daemon (validator, prover, watcher) is kept running as a
//! supervisor would: restarted a second after it exits, unless a fault holds it down. A
//! client runs its command again and again. Either can be signalled by its current PID.

use crate::history::{Event, History};
use std::{
    fs::{File, OpenOptions},
    path::PathBuf,
    process::Stdio,
    sync::{
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::{process::Command, sync::watch};

/// How to start one process.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The actor's name (`prover-charlie`).
    pub name: String,
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables set for it.
    pub env: Vec<(String, String)>,
    /// Where its output is appended.
    pub log: PathBuf,
    /// A log of the process's that it rewrites when it starts (the watcher keeps only the
    /// audits under way): before each start, whatever holds this name under the directory
    /// (at any depth up to two) is appended to the archive, so that no evidence is lost.
    pub archive: Option<Archive>,
}

/// What [`Spec::archive`] keeps.
#[derive(Clone, Debug)]
pub struct Archive {
    /// The directory the process keeps its state in.
    pub under: PathBuf,
    /// The file's name.
    pub name: &'static str,
    /// Where its contents are appended.
    pub to: PathBuf,
}

impl Archive {
    /// Append every file of that name to the archive.
    pub fn keep(&self) {
        use std::io::Write;
        let Ok(mut to) = OpenOptions::new().create(true).append(true).open(&self.to) else { return };
        for path in find(&self.under, self.name, 2) {
            if let Ok(bytes) = std::fs::read(&path) {
                let _ = to.write_all(&bytes);
                if !bytes.ends_with(b"\n") && !bytes.is_empty() {
                    let _ = to.write_all(b"\n");
                }
            }
        }
    }
}

/// Every file named `name` under `dir`, at most `depth` directories down.
pub fn find(dir: &std::path::Path, name: &str, depth: u32) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && depth > 0 {
            found.extend(find(&path, name, depth - 1));
        } else if path.file_name().is_some_and(|n| n == name) {
            found.push(path);
        }
    }
    found.sort();
    found
}

impl Spec {
    fn command(&self, args: &[String]) -> std::io::Result<Command> {
        let log = OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .stderr(Stdio::from(log.try_clone()?))
            .kill_on_drop(true);
        command.stdout(Stdio::from(log));
        Ok(command)
    }
}

/// Send `signal` (`KILL`, `STOP`, `CONT`, `TERM`) to `pid`.
pub fn signal(pid: u32, signal: &str) -> bool {
    std::process::Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A process kept running, or a client's loop.
pub struct Actor {
    /// How it starts.
    pub spec: Spec,
    pid: AtomicU32,
    held: AtomicBool,
    ended_by_harness: AtomicBool,
    runs: AtomicU64,
    /// When (history seconds, in milliseconds) the last run that went well began.
    last_good_run: AtomicU64,
}

impl Actor {
    /// An actor that is not running yet.
    pub fn new(spec: Spec) -> Arc<Self> {
        Arc::new(Self {
            spec,
            pid: AtomicU32::new(0),
            held: AtomicBool::new(false),
            ended_by_harness: AtomicBool::new(false),
            runs: AtomicU64::new(0),
            last_good_run: AtomicU64::new(0),
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The PID of its process now, if one runs.
    pub fn pid(&self) -> Option<u32> {
        Some(self.pid.load(Ordering::SeqCst)).filter(|p| *p != 0)
    }

    /// SIGKILL it and keep it down until [`Actor::release`]; the PID killed.
    pub fn kill_and_hold(&self) -> Option<u32> {
        self.held.store(true, Ordering::SeqCst);
        let pid = self.pid()?;
        self.ended_by_harness.store(true, Ordering::SeqCst);
        signal(pid, "KILL").then_some(pid)
    }

    /// Let it start again.
    pub fn release(&self) {
        self.held.store(false, Ordering::SeqCst);
    }

    /// Whether a run that went well began after `t` (history seconds).
    pub fn served_since(&self, t: f64) -> bool {
        self.last_good_run.load(Ordering::SeqCst) as f64 / 1000.0 > t
    }

    /// Whether a fault holds it down.
    pub fn held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// Keep it running until `stop` turns true; then SIGTERM it, and SIGKILL it after
    /// `grace`.
    pub async fn supervise(self: Arc<Self>, history: Arc<History>, mut stop: watch::Receiver<bool>, grace: Duration) {
        loop {
            while self.held() && !*stop.borrow() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if *stop.borrow() {
                return;
            }
            let Some(mut child) = self.spawn(&self.spec.args, &history).await else { continue };
            let pid = child.id().unwrap_or_default();
            let status = tokio::select! {
                status = child.wait() => status.ok(),
                _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                    self.ended_by_harness.store(true, Ordering::SeqCst);
                    signal(pid, "CONT");
                    signal(pid, "TERM");
                    match tokio::time::timeout(grace, child.wait()).await {
                        Ok(status) => status.ok(),
                        Err(_) => {
                            let _ = child.kill().await;
                            None
                        }
                    }
                }
            };
            self.exited(pid, status, &history, true);
            if *stop.borrow() {
                return;
            }
            // As a supervisor would: a second before a restart.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Run `args_of(run)` again and again until `stop`, each run ended after `patience`;
    /// each run's last line of output is recorded.
    pub async fn repeat(
        self: Arc<Self>,
        history: Arc<History>,
        stop: watch::Receiver<bool>,
        patience: Duration,
        args_of: impl Fn(u64) -> Vec<String>,
    ) {
        loop {
            while self.held() && !*stop.borrow() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if *stop.borrow() {
                return;
            }
            let run = self.runs.fetch_add(1, Ordering::SeqCst);
            let began = Instant::now();
            let began_ms = (history.now() * 1000.0) as u64;
            let Some(mut child) = self.spawn(&args_of(run), &history).await else { continue };
            let pid = child.id().unwrap_or_default();
            let status = match tokio::time::timeout(patience, child.wait()).await {
                Ok(status) => status.ok(),
                Err(_) => {
                    self.ended_by_harness.store(true, Ordering::SeqCst);
                    let _ = child.kill().await;
                    None
                }
            };
            self.exited(pid, status, &history, false);
            history.record(Event::Ran {
                actor: self.spec.name.clone(),
                run,
                code: status.and_then(|s| s.code()),
                seconds: began.elapsed().as_secs_f64(),
                said: last_line(&self.spec.log),
            });
            if status.is_some_and(|s| s.success()) {
                self.last_good_run.fetch_max(began_ms, Ordering::SeqCst);
            } else {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn spawn(&self, args: &[String], history: &History) -> Option<tokio::process::Child> {
        if let Some(archive) = &self.spec.archive {
            archive.keep();
        }
        let spawned = self.spec.command(args).and_then(|mut c| c.spawn());
        match spawned {
            Ok(child) => {
                let pid = child.id().unwrap_or_default();
                self.pid.store(pid, Ordering::SeqCst);
                history.record(Event::Started { actor: self.spec.name.clone(), pid });
                Some(child)
            }
            Err(e) => {
                tracing::error!(actor = %self.spec.name, error = %e, "could not start");
                tokio::time::sleep(Duration::from_secs(1)).await;
                None
            }
        }
    }

    /// Record an exit; a daemon's that no fault caused is logged too (a client's run ends
    /// on its own as a matter of course).
    fn exited(&self, pid: u32, status: Option<std::process::ExitStatus>, history: &History, daemon: bool) {
        self.pid.store(0, Ordering::SeqCst);
        let by_harness = self.ended_by_harness.swap(false, Ordering::SeqCst);
        let code = status.and_then(|s| s.code());
        if daemon && !by_harness {
            tracing::warn!(actor = %self.spec.name, pid, ?code, "exited on its own");
        }
        history.record(Event::Exited { actor: self.spec.name.clone(), pid, code, by_harness, daemon });
    }
}

/// The last non-empty line of a log, at most 400 characters of it.
fn last_line(path: &PathBuf) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = File::open(path) else { return String::new() };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(4096)));
    let mut tail = String::new();
    let _ = file.read_to_string(&mut tail);
    let line = tail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
    line.chars().take(400).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &std::path::Path, script: &str) -> Spec {
        Spec {
            name: "sh".into(),
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            env: vec![],
            log: dir.join("sh.log"),
            archive: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_killed_daemon_stays_down_while_held_and_comes_back_after() {
        let dir = tempfile::tempdir().unwrap();
        let history = Arc::new(History::create(&dir.path().join("h.jsonl")).unwrap());
        let actor = Actor::new(spec(dir.path(), "echo up; exec sleep 60"));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(actor.clone().supervise(history.clone(), stopped, Duration::from_secs(2)));
        let first = wait_pid(&actor).await;
        assert_eq!(actor.kill_and_hold(), Some(first));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(actor.pid(), None, "held down");
        actor.release();
        let second = wait_pid(&actor).await;
        assert_ne!(first, second);
        stop.send(true).unwrap();
        task.await.unwrap();
        let lines = crate::history::read(&dir.path().join("h.jsonl")).unwrap();
        let exits: Vec<bool> = lines
            .iter()
            .filter_map(|l| match &l.event {
                Event::Exited { by_harness, .. } => Some(*by_harness),
                _ => None,
            })
            .collect();
        assert_eq!(exits, vec![true, true], "both ends were the harness's");
        assert_eq!(std::fs::read_to_string(dir.path().join("sh.log")).unwrap(), "up\nup\n");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_runs_again_and_each_run_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let history = Arc::new(History::create(&dir.path().join("h.jsonl")).unwrap());
        let actor = Actor::new(spec(dir.path(), ""));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(actor.clone().repeat(history.clone(), stopped, Duration::from_secs(5), |run| {
            vec!["-c".into(), format!("echo run {run}; exit {}", run % 2)]
        }));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        stop.send(true).unwrap();
        task.await.unwrap();
        let ran: Vec<(u64, Option<i32>, String)> = crate::history::read(&dir.path().join("h.jsonl"))
            .unwrap()
            .into_iter()
            .filter_map(|l| match l.event {
                Event::Ran { run, code, said, .. } => Some((run, code, said)),
                _ => None,
            })
            .collect();
        assert!(ran.len() >= 2, "{ran:?}");
        for (run, code, said) in ran {
            assert_eq!(code, Some((run % 2) as i32));
            assert_eq!(said, format!("run {run}"));
        }
    }

    async fn wait_pid(actor: &Actor) -> u32 {
        for _ in 0..100 {
            if let Some(pid) = actor.pid() {
                return pid;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never started");
    }
}
