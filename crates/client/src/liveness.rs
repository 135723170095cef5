//! What a long-running agent (the prover daemon, the watcher) knows of its own health, as
//! `ghost_health` reports it ([`Health`]): the finalised chain it follows, which
//! [`crate::follow::follow`] keeps up to date, and whether its stores on disk (a journal, a
//! log) still take writes, which each store records after every write.
//!
//! One [`Liveness`] is shared, behind an `Arc`, by the loop that follows the chain, the
//! stores that write, and the endpoint that answers `ghost_health`: the one place these
//! facts are kept. Time is the monotonic clock's, so a process paused (SIGSTOP) and resumed
//! sees the pause as lag.

use crate::{api::Health, chain::STALL};
use std::{
    collections::BTreeMap,
    error::Error,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long the chain may go without a new finalised block seen before `ghost_health`
/// says `"degraded"`: [`STALL`], after which [`crate::follow::follow`] takes the node for
/// stalled and reconnects.
pub const DEGRADED_AFTER: Duration = STALL;

/// The connection to the chain, as `ghost_health`'s `chain` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Not connected yet since start.
    Connecting,
    /// Connected and caught up: following finalised blocks.
    Connected,
    /// The last connection was lost (or caught up with an error): reconnecting with backoff.
    Reconnecting,
}

impl Connection {
    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Connected => "connected",
            Connection::Reconnecting => "reconnecting",
        }
    }
}

/// What an agent has seen of the chain and of its own writes.
#[derive(Debug)]
pub struct Liveness {
    started: Instant,
    seen: Mutex<Seen>,
}

#[derive(Debug)]
struct Seen {
    connection: Connection,
    /// The last finalised block seen, and when a new one was last seen.
    finalized: Option<(u32, Instant)>,
    /// The stores whose last write failed, with why.
    failing: BTreeMap<&'static str, String>,
}

impl Default for Liveness {
    fn default() -> Self {
        Self::new()
    }
}

impl Liveness {
    /// Nothing seen yet: connecting, no block, every store fine.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            seen: Mutex::new(Seen { connection: Connection::Connecting, finalized: None, failing: BTreeMap::new() }),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Every update leaves the facts whole: a panic elsewhere does not spoil them.
        self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Connected and caught up.
    pub fn connected(&self) {
        self.seen().connection = Connection::Connected;
    }

    /// The connection was lost: reconnecting.
    pub fn reconnecting(&self) {
        self.seen().connection = Connection::Reconnecting;
    }

    /// A finalised block `number` was handed to the agent. Only a number other than the
    /// last one seen counts as new (a reconnection is handed the head it had already).
    pub fn finalized(&self, number: u32) {
        self.finalized_at(number, Instant::now());
    }

    fn finalized_at(&self, number: u32, at: Instant) {
        let mut seen = self.seen();
        if seen.finalized.is_none_or(|(last, _)| last != number) {
            seen.finalized = Some((number, at));
        }
    }

    /// How the last write to `store` (a short name: "journal", "voucher log") went. A
    /// failure stands until a write to the same store succeeds.
    pub fn wrote<T, E: WriteError>(&self, store: &'static str, result: &Result<T, E>) {
        let mut seen = self.seen();
        match result {
            Ok(_) => {
                seen.failing.remove(store);
            }
            Err(e) => {
                seen.failing.insert(store, sentence(e.as_error()));
            }
        }
    }

    /// The connection's state.
    pub fn connection(&self) -> Connection {
        self.seen().connection
    }

    /// `ghost_health`'s answer now, for an agent serving `models` that has served `served`.
    pub fn health(&self, models: usize, served: u64) -> Health {
        self.health_at(Instant::now(), models, served)
    }

    /// [`Liveness::health`] as of `now`.
    pub fn health_at(&self, now: Instant, models: usize, served: u64) -> Health {
        let seen = self.seen();
        let since = seen.finalized.map_or(self.started, |(_, at)| at);
        let lag = now.saturating_duration_since(since);
        let journal = if seen.failing.is_empty() {
            Health::OK.to_string()
        } else {
            seen.failing.iter().map(|(store, why)| format!("{store}: {why}")).collect::<Vec<_>>().join("; ")
        };
        // In whole seconds, as `lagSeconds` shows it.
        let degraded = lag.as_secs() > DEGRADED_AFTER.as_secs() || !seen.failing.is_empty();
        Health {
            status: if degraded { Health::DEGRADED } else { Health::OK }.to_string(),
            models,
            served,
            finalized: seen.finalized.map(|(number, _)| number),
            lag_seconds: Some(lag.as_secs()),
            chain: Some(seen.connection.as_str().to_string()),
            journal: Some(journal),
            audits_queued: None,
        }
    }
}

/// An error a store's write fails with: an I/O error, or one with context added.
pub trait WriteError {
    /// As a standard error, its causes reachable through `source`.
    fn as_error(&self) -> &(dyn Error + 'static);
}

impl WriteError for std::io::Error {
    fn as_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

impl WriteError for anyhow::Error {
    fn as_error(&self) -> &(dyn Error + 'static) {
        self.as_ref()
    }
}

/// A failed write as a short sentence: what the operator can act on ("the disk is full"),
/// else the underlying I/O error's own words.
fn sentence(e: &(dyn Error + 'static)) -> String {
    let mut cause = Some(e);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::StorageFull => "the disk is full".into(),
                std::io::ErrorKind::QuotaExceeded => "the disk quota is exceeded".into(),
                std::io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
                _ => io.to_string(),
            };
        }
        cause = current.source();
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lag grows while no new block comes (a block seen again does not reset it), and
    /// past the bound the status is degraded; a new block brings it back.
    #[test]
    fn lag_grows_without_new_blocks_and_degrades_past_the_bound() {
        let liveness = Liveness::new();
        let start = liveness.started;
        let fresh = liveness.health_at(start, 1, 0);
        assert_eq!((fresh.status.as_str(), fresh.finalized, fresh.lag_seconds), ("ok", None, Some(0)));
        assert_eq!(fresh.chain.as_deref(), Some("connecting"));
        assert_eq!(fresh.journal.as_deref(), Some("ok"));
        // Never connected: the lag counts from the start.
        let never = liveness.health_at(start + DEGRADED_AFTER + Duration::from_secs(1), 1, 0);
        assert_eq!((never.status.as_str(), never.lag_seconds), ("degraded", Some(61)));

        liveness.connected();
        liveness.finalized_at(7, start + Duration::from_secs(100));
        let at = |secs| liveness.health_at(start + Duration::from_secs(secs), 1, 3);
        let now = at(110);
        assert_eq!((now.status.as_str(), now.finalized, now.lag_seconds), ("ok", Some(7), Some(10)));
        assert_eq!(now.chain.as_deref(), Some("connected"));
        // The same head again (a reconnection) is not news.
        liveness.finalized_at(7, start + Duration::from_secs(150));
        assert_eq!(at(160).lag_seconds, Some(60));
        assert_eq!(at(160).status, "ok", "at the bound, not past it");
        liveness.reconnecting();
        let stalled = at(161);
        assert_eq!((stalled.status.as_str(), stalled.lag_seconds), ("degraded", Some(61)));
        assert_eq!(stalled.chain.as_deref(), Some("reconnecting"));
        liveness.finalized_at(8, start + Duration::from_secs(162));
        assert_eq!((at(163).status.as_str(), at(163).finalized, at(163).lag_seconds), ("ok", Some(8), Some(1)));
    }

    /// A store whose last write failed degrades the status and says why, in words an
    /// operator acts on; a write that succeeds clears it.
    #[test]
    fn a_failed_write_is_reported_until_one_succeeds() {
        let liveness = Liveness::new();
        liveness.finalized(1);
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        liveness.wrote("voucher log", &Err::<(), _>(full));
        let broken = anyhow::Error::new(std::io::Error::other("an earlier append failed")).context("writing x");
        liveness.wrote("journal", &Err::<(), _>(broken));
        let health = liveness.health(2, 0);
        assert_eq!(health.status, "degraded");
        assert_eq!(health.journal.as_deref(), Some("journal: an earlier append failed; voucher log: the disk is full"));
        liveness.wrote::<_, std::io::Error>("voucher log", &Ok(()));
        assert_eq!(liveness.health(2, 0).journal.as_deref(), Some("journal: an earlier append failed"));
        liveness.wrote::<_, std::io::Error>("journal", &Ok(()));
        let health = liveness.health(2, 0);
        assert_eq!((health.status.as_str(), health.journal.as_deref()), ("ok", Some("ok")));
    }
}
