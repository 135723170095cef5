//! The history: one JSON line for each thing an actor did or saw, with its time. The
//! checker reads it back with the actors' own journals and the final chain state.

use crate::schedule::Fault;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::{
    fs::File,
    io::{BufRead, BufReader, Write},
    path::Path,
    sync::Mutex,
    time::Instant,
};

/// What happened. Externally tagged (`{"ran": {...}}`): a tag inside would make serde
/// buffer the fields, which fails on numbers where `serde_json/arbitrary_precision` is on
/// (as the polkadot-sdk graph turns it on).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    /// The run moved to a phase (faults, heal, settle, check).
    Phase {
        /// Its name.
        name: String,
    },
    /// A fault began.
    FaultStarted {
        /// The fault.
        fault: Fault,
        /// How long it is to last.
        lasts_ms: u64,
        /// What doing it did (e.g. the PIDs signalled), or why it was skipped.
        detail: String,
    },
    /// A fault ended.
    FaultEnded {
        /// The fault.
        fault: Fault,
    },
    /// A process started.
    Started {
        /// The actor's name.
        actor: String,
        /// Its PID.
        pid: u32,
    },
    /// A process ended.
    Exited {
        /// The actor's name.
        actor: String,
        /// Its PID.
        pid: u32,
        /// Its exit code, if it exited rather than being killed.
        code: Option<i32>,
        /// Whether a fault or the harness ended it.
        by_harness: bool,
        /// Whether it is a daemon (a client's run ends on its own as a matter of course).
        daemon: bool,
    },
    /// A client finished one run of its command.
    Ran {
        /// The actor's name.
        actor: String,
        /// The run's number.
        run: u64,
        /// Its exit code (none: killed).
        code: Option<i32>,
        /// How long it took.
        seconds: f64,
        /// What it printed last (its summary).
        said: String,
    },
    /// A validator's finalised head, as sampled (written when it changes).
    Finalized {
        /// The validator.
        node: usize,
        /// The block number.
        number: u32,
        /// Its hash.
        hash: String,
    },
    /// A validator's best block, as sampled (written when it changes).
    Best {
        /// The validator.
        node: usize,
        /// The block number.
        number: u32,
    },
    /// A process's resident memory, as sampled.
    Memory {
        /// The actor's name.
        actor: String,
        /// Its PID.
        pid: u32,
        /// Resident set, KiB.
        kib: u64,
    },
}

/// One line: seconds since the run began, and the event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Seconds since the run began.
    pub t: f64,
    /// What happened.
    pub event: Event,
}

/// The history being written; shared by every task of the run.
pub struct History {
    began: Instant,
    file: Mutex<File>,
}

impl History {
    /// A new history at `path` (truncated).
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("creating the history {}", path.display()))?;
        Ok(Self { began: Instant::now(), file: Mutex::new(file) })
    }

    /// Seconds since the run began.
    pub fn now(&self) -> f64 {
        self.began.elapsed().as_secs_f64()
    }

    /// Append `event`. A line that cannot be written is logged, not fatal: the run goes on,
    /// and the checker fails on a history it cannot read.
    pub fn record(&self, event: Event) {
        let line = Line { t: (self.now() * 1000.0).round() / 1000.0, event };
        let text = match serde_json::to_string(&line) {
            Ok(text) => text,
            Err(e) => return tracing::error!(error = %e, "a history line could not be encoded"),
        };
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = writeln!(file, "{text}") {
            tracing::error!(error = %e, "a history line could not be written");
        }
    }
}

/// Every line of the history at `path`.
pub fn read(path: &Path) -> Result<Vec<Line>> {
    let file = File::open(path).with_context(|| format!("opening the history {}", path.display()))?;
    BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(n, line)| {
            let line = line.with_context(|| format!("reading line {} of the history", n + 1))?;
            serde_json::from_str(&line).with_context(|| format!("line {} of the history is not an event", n + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Actor;

    #[test]
    fn the_history_reads_back_what_was_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let history = History::create(&path).unwrap();
        let events = vec![
            Event::Phase { name: "faults".into() },
            Event::FaultStarted { fault: Fault::Partition(vec![0, 2]), lasts_ms: 900, detail: "routes".into() },
            Event::FaultEnded { fault: Fault::Kill(Actor::Prover(1)) },
            Event::Ran { actor: "client-bob".into(), run: 3, code: None, seconds: 1.5, said: "{}".into() },
            Event::Finalized { node: 1, number: 7, hash: "0x01".into() },
        ];
        for e in &events {
            history.record(e.clone());
        }
        let read = read(&path).unwrap();
        assert_eq!(read.iter().map(|l| l.event.clone()).collect::<Vec<_>>(), events);
        assert!(read.windows(2).all(|w| w[0].t <= w[1].t));
        std::fs::write(&path, "{\"t\":1}\n").unwrap();
        assert!(super::read(&path).is_err(), "a line without an event is refused");
    }
}
