//! The prover daemon's journal: one JSON file per request it answers, written (and
//! synced) before the result is submitted, so that a daemon killed at any point restarts
//! with every answer it may have posted and can still serve it and settle it.
//!
//! An answer is bound to a chain, to the prover's account (its links commit to it) and to
//! the request's model and input, so the journal is too. Layout:
//! `DIR/<genesis hash>/<account, SS58>/`, holding `journal.json` (the chain's genesis
//! hash and the account, checked at every opening: a directory copied or moved to
//! another chain's or key's place is refused), `lock` (held while a daemon has the
//! journal open: a second daemon on the same chain and key is refused), and one
//! `request-<id>.json` per request: the [`Entry`] and a hash of the request's input. An
//! entry is reused for a request only when its model and input hash are the request's.
//!
//! Writes go to a temporary file that is synced and renamed over the old one, so a crash
//! leaves the old entry or the new one, never a torn one (the header too). Entries of
//! requests the chain has closed are removed. How the last entry write went is told to
//! the daemon's [`Liveness`] (`ghost_health`'s `journal`).

use anyhow::{Context, Result};
use codec::Encode;
use ghost_client::{
    api::{Entry, State},
    durable::write_atomic,
    liveness::Liveness,
};
use ghost_primitives::{blake2_256, hex0x, Hash, Input, ModelId};
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};
use subxt::utils::AccountId32;

/// Why a journal cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The directory names another chain than the one the daemon is connected to.
    #[error(
        "the journal {dir} belongs to the chain with genesis {found}, not to this chain ({expected}): \
         its answers are not this chain's; give this chain's journal, or another --journal"
    )]
    OtherChain {
        /// The journal directory.
        dir: PathBuf,
        /// The genesis hash it records.
        found: String,
        /// This chain's.
        expected: String,
    },
    /// The directory names another account than the daemon's key.
    #[error(
        "the journal {dir} belongs to the account {found}, not to {expected}: its answers are bound \
         to that account; give this key's journal, or another --journal"
    )]
    OtherAccount {
        /// The journal directory.
        dir: PathBuf,
        /// The account it records.
        found: String,
        /// The daemon's.
        expected: String,
    },
    /// Another daemon has the journal open.
    #[error(
        "the journal {dir} is in use by another daemon: two daemons of one key on one chain would answer \
         the same requests; stop the other one first"
    )]
    Locked {
        /// The journal directory.
        dir: PathBuf,
    },
    /// The header cannot be read.
    #[error("the journal header {path} is unreadable ({why}): it is not a journal this daemon can trust")]
    BadHeader {
        /// The header file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// A file operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The failure.
        source: std::io::Error,
    },
}

/// What a journal directory belongs to (`journal.json`).
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    /// The chain's genesis hash, `0x`-hex.
    genesis: String,
    /// The prover's account, SS58.
    account: String,
}

/// One `request-<id>.json`: the entry and what it answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    /// The hash of the request's input ([`input_hash`]), `0x`-hex.
    input: String,
    /// The answer and its state.
    entry: Entry,
}

/// The hash an entry keeps of the input it answers: BLAKE2b-256 of its SCALE encoding.
pub fn input_hash(input: &Input) -> Hash {
    blake2_256(&input.encode())
}

/// The journal directory and an in-memory copy of its entries, shared by the daemon and
/// its JSON-RPC server. The directory stays locked while any copy lives.
#[derive(Clone)]
pub struct Journal {
    dir: PathBuf,
    entries: Arc<RwLock<BTreeMap<u64, Record>>>,
    _lock: Arc<File>,
    /// Told how each entry write went.
    liveness: Arc<Liveness>,
}

/// The journal's name in `ghost_health`'s `journal`.
pub const STORE: &str = "journal";

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> JournalError {
    let what = what.into();
    move |source| JournalError::Io { what, source }
}

/// Take the `lock` file of `dir`, held for as long as the returned file lives; `None`
/// when another process holds it. The journal and the watcher's reports are locked so.
pub(crate) fn lock(dir: &Path) -> std::io::Result<Option<File>> {
    let lock = File::options().create(true).truncate(false).write(true).open(dir.join("lock"))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

impl Journal {
    /// Open (creating) the journal of `account` on the chain of genesis hash `genesis`,
    /// under `root`, lock it, and read every entry in it. Unreadable entries are reported
    /// and left in place, never deleted.
    pub fn open(root: &Path, genesis: [u8; 32], account: &AccountId32) -> Result<Self, JournalError> {
        let expected = Header { genesis: hex0x(&genesis), account: account.to_string() };
        let dir = root.join(&expected.genesis).join(&expected.account);
        std::fs::create_dir_all(&dir).map_err(io(format!("creating the journal directory {}", dir.display())))?;
        let lock = lock(&dir)
            .map_err(io(format!("locking the journal {}", dir.display())))?
            .ok_or_else(|| JournalError::Locked { dir: dir.clone() })?;
        check_header(&dir, &expected)?;
        warn_of_old_entries(root);
        let mut entries = BTreeMap::new();
        let listing = std::fs::read_dir(&dir).map_err(io(format!("reading the journal {}", dir.display())))?;
        for file in listing {
            let path = file.map_err(io(format!("reading the journal {}", dir.display())))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !(name.starts_with("request-") && name.ends_with(".json")) {
                continue;
            }
            let parsed = std::fs::read_to_string(&path)
                .map_err(anyhow::Error::from)
                .and_then(|text| serde_json::from_str::<Record>(&text).map_err(anyhow::Error::from));
            match parsed {
                Ok(record) => {
                    entries.insert(record.entry.request, record);
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "skipping an unreadable journal entry"),
            }
        }
        Ok(Self { dir, entries: Arc::new(RwLock::new(entries)), _lock: Arc::new(lock), liveness: Default::default() })
    }

    /// Tell `liveness` how each entry write goes (before the journal is cloned: the
    /// clones share it).
    pub fn reporting_to(mut self, liveness: Arc<Liveness>) -> Self {
        self.liveness = liveness;
        self
    }

    /// The directory the entries are in (`root/<genesis>/<account>`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry of request `id`.
    pub fn get(&self, id: u64) -> Option<Entry> {
        self.entries.read().ok()?.get(&id).map(|r| r.entry.clone())
    }

    /// The entry of request `id` if it answers `model` on `input`: the only one a daemon
    /// may post for that request. Another (a request id reused by a reset chain, say) is
    /// reported and not returned, so a fresh answer replaces it.
    pub fn answer_for(&self, id: u64, model: &ModelId, input: &Input) -> Option<Entry> {
        let record = self.entries.read().ok()?.get(&id).cloned()?;
        if record.entry.model == hex0x(model) && record.input == hex0x(&input_hash(input)) {
            return Some(record.entry);
        }
        tracing::warn!(request = id, "the journal's entry answers another model or input: not reusing it");
        None
    }

    /// Every request id in the journal.
    pub fn ids(&self) -> Vec<u64> {
        self.entries.read().map(|e| e.keys().copied().collect()).unwrap_or_default()
    }

    /// Write `entry`, the answer to an input of hash `input` ([`input_hash`]), durably,
    /// then keep it in memory.
    pub fn put(&self, entry: Entry, input: &Hash) -> Result<()> {
        self.write(Record { input: hex0x(input), entry })
    }

    fn write(&self, record: Record) -> Result<()> {
        let written = self.write_file(&record);
        self.liveness.wrote(STORE, &written);
        written?;
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(record.entry.request, record);
        }
        Ok(())
    }

    fn write_file(&self, record: &Record) -> Result<()> {
        let path = self.path(record.entry.request);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(record)?;
        let mut file = std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        file.write_all(&text).with_context(|| format!("writing {}", tmp.display()))?;
        file.sync_all().with_context(|| format!("syncing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        // The rename is durable once the directory is synced.
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Move request `id` to `state`.
    pub fn set_state(&self, id: u64, state: State) -> Result<()> {
        let record = self.entries.read().ok().and_then(|e| e.get(&id).cloned());
        match record {
            Some(record) if record.entry.state != state => {
                self.write(Record { entry: Entry { state, ..record.entry }, ..record })
            }
            _ => Ok(()),
        }
    }

    /// Forget request `id` (the chain closed it).
    pub fn remove(&self, id: u64) -> Result<()> {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
        match std::fs::remove_file(self.path(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn path(&self, id: u64) -> PathBuf {
        self.dir.join(format!("request-{id}.json"))
    }
}

/// Write `dir`'s header, or check the one it has against `expected`.
fn check_header(dir: &Path, expected: &Header) -> Result<(), JournalError> {
    let path = dir.join("journal.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = serde_json::to_string_pretty(expected).expect("a header serialises");
            // Whole or absent: a header torn by a crash or a full disk would lock the
            // daemon out of its own journal.
            write_atomic(&path, text.as_bytes()).map_err(io(format!("writing {}", path.display())))?;
            return Ok(());
        }
        Err(e) => return Err(io(format!("reading {}", path.display()))(e)),
    };
    let found: Header =
        serde_json::from_str(&text).map_err(|e| JournalError::BadHeader { path: path.clone(), why: e.to_string() })?;
    if found.genesis != expected.genesis {
        return Err(JournalError::OtherChain {
            dir: dir.to_path_buf(),
            found: found.genesis,
            expected: expected.genesis.clone(),
        });
    }
    if found.account != expected.account {
        return Err(JournalError::OtherAccount {
            dir: dir.to_path_buf(),
            found: found.account,
            expected: expected.account.clone(),
        });
    }
    Ok(())
}

/// Entries written straight under `root` (the layout before journals were bound to a
/// chain and a key) are never used: say so, once.
fn warn_of_old_entries(root: &Path) {
    let old = std::fs::read_dir(root)
        .map(|files| {
            files
                .flatten()
                .filter(|f| f.file_name().to_str().is_some_and(|n| n.starts_with("request-") && n.ends_with(".json")))
                .count()
        })
        .unwrap_or(0);
    if old > 0 {
        tracing::warn!(
            journal = %root.display(),
            entries = old,
            "the journal holds entries not bound to a chain or key (an older layout): they are not used"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::wire::ProofBytes;

    const CHAIN: [u8; 32] = [1; 32];
    const OTHER_CHAIN: [u8; 32] = [2; 32];

    fn me() -> AccountId32 {
        AccountId32([7; 32])
    }

    fn model() -> ModelId {
        [9; 32]
    }

    fn input() -> Input {
        Input::Vector(vec![1, -2, 3])
    }

    fn entry(request: u64) -> Entry {
        Entry {
            request,
            model: hex0x(&model()),
            output: vec![1, -2],
            links: vec!["0xab".into()],
            proof: ProofBytes(vec![0]),
            state: State::Computed,
        }
    }

    #[test]
    fn entries_survive_a_reopen_and_unreadable_files_are_kept() {
        let root = tempfile::tempdir().unwrap();
        let journal = Journal::open(root.path(), CHAIN, &me()).unwrap();
        let hash = input_hash(&input());
        journal.put(entry(3), &hash).unwrap();
        journal.put(entry(9), &hash).unwrap();
        journal.set_state(3, State::Posted).unwrap();
        journal.remove(9).unwrap();
        journal.remove(9).unwrap();
        let dir = journal.dir().to_path_buf();
        std::fs::write(dir.join("request-5.json"), "{ torn").unwrap();
        drop(journal);
        let reopened = Journal::open(root.path(), CHAIN, &me()).unwrap();
        assert_eq!(reopened.ids(), vec![3]);
        assert_eq!(reopened.get(3).map(|e| e.state), Some(State::Posted));
        assert_eq!(reopened.answer_for(3, &model(), &input()).map(|e| e.state), Some(State::Posted));
        assert!(dir.join("request-5.json").exists(), "an unreadable entry is not deleted");
    }

    /// A write that fails (here: its directory gone) is told to the daemon's liveness and
    /// not kept; the next write that succeeds clears it.
    #[test]
    fn a_failed_write_is_reported_and_not_kept() {
        let root = tempfile::tempdir().unwrap();
        let liveness = Arc::new(Liveness::new());
        let journal = Journal::open(root.path(), CHAIN, &me()).unwrap().reporting_to(liveness.clone());
        let hash = input_hash(&input());
        journal.put(entry(1), &hash).unwrap();
        assert_eq!(liveness.health(1, 0).journal.as_deref(), Some("ok"));
        let (dir, aside) = (journal.dir().to_path_buf(), root.path().join("aside"));
        std::fs::rename(&dir, &aside).unwrap();
        assert!(journal.put(entry(2), &hash).is_err());
        let health = liveness.health(1, 0);
        assert_eq!(health.status, "degraded");
        assert!(health.journal.as_deref().is_some_and(|j| j.starts_with("journal: ")), "{health:?}");
        assert_eq!(journal.ids(), vec![1], "a failed write is not kept");
        std::fs::rename(&aside, &dir).unwrap();
        journal.set_state(1, State::Posted).unwrap();
        let health = liveness.health(1, 0);
        assert_eq!((health.status.as_str(), health.journal.as_deref()), ("ok", Some("ok")));
    }

    #[test]
    fn an_entry_is_reused_only_for_its_model_and_input() {
        let root = tempfile::tempdir().unwrap();
        let journal = Journal::open(root.path(), CHAIN, &me()).unwrap();
        journal.put(entry(4), &input_hash(&input())).unwrap();
        assert!(journal.answer_for(4, &model(), &input()).is_some());
        assert!(journal.answer_for(4, &model(), &Input::Vector(vec![1, -2, 4])).is_none(), "another input");
        assert!(journal.answer_for(4, &[8; 32], &input()).is_none(), "another model");
        assert!(journal.answer_for(5, &model(), &input()).is_none());
    }

    #[test]
    fn a_second_daemon_is_refused_and_the_first_can_reopen() {
        let root = tempfile::tempdir().unwrap();
        let first = Journal::open(root.path(), CHAIN, &me()).unwrap();
        first.put(entry(1), &input_hash(&input())).unwrap();
        let second = Journal::open(root.path(), CHAIN, &me());
        assert!(matches!(second, Err(JournalError::Locked { .. })), "a second opener got in");
        // Clones share the one lock; it is released with the last of them.
        let clone = first.clone();
        drop(first);
        assert!(matches!(Journal::open(root.path(), CHAIN, &me()), Err(JournalError::Locked { .. })));
        drop(clone);
        let again = Journal::open(root.path(), CHAIN, &me()).unwrap();
        assert_eq!(again.ids(), vec![1]);
        // Another key on the same chain has a journal of its own, open at the same time.
        let other = Journal::open(root.path(), CHAIN, &AccountId32([8; 32])).unwrap();
        assert!(other.ids().is_empty());
    }

    #[test]
    fn another_chains_or_keys_journal_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let journal = Journal::open(root.path(), CHAIN, &me()).unwrap();
        journal.put(entry(1), &input_hash(&input())).unwrap();
        let dir = journal.dir().to_path_buf();
        drop(journal);
        // On another chain the same root holds another journal, empty.
        assert!(Journal::open(root.path(), OTHER_CHAIN, &me()).unwrap().ids().is_empty());

        // A journal copied to another chain's place, or another key's, is refused.
        let copy = |to: &Path| {
            std::fs::create_dir_all(to).unwrap();
            for name in ["journal.json", "request-1.json"] {
                std::fs::copy(dir.join(name), to.join(name)).unwrap();
            }
        };
        let elsewhere = tempfile::tempdir().unwrap();
        copy(&elsewhere.path().join(hex0x(&OTHER_CHAIN)).join(me().to_string()));
        let refused = Journal::open(elsewhere.path(), OTHER_CHAIN, &me()).err().expect("another chain's journal");
        assert!(matches!(refused, JournalError::OtherChain { .. }), "{refused}");
        assert!(refused.to_string().contains("belongs to the chain"), "{refused}");

        let stranger = AccountId32([8; 32]);
        copy(&elsewhere.path().join(hex0x(&CHAIN)).join(stranger.to_string()));
        let refused = Journal::open(elsewhere.path(), CHAIN, &stranger).err().expect("another key's journal");
        assert!(matches!(refused, JournalError::OtherAccount { .. }), "{refused}");
        assert!(refused.to_string().contains("belongs to the account"), "{refused}");
    }
}
