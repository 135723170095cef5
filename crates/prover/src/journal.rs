//! The prover daemon's journal: one JSON file per request it answers, written (and
//! synced) before the result is submitted, so that a daemon killed at any point restarts
//! with every answer it may have posted and can still serve and defend it.
//!
//! Layout: `DIR/request-<id>.json`, each an [`Entry`]; writes go to a temporary file that
//! is synced and renamed over the old one, so a crash leaves the old entry or the new one,
//! never a torn one. Entries of requests the chain has closed are removed.

use anyhow::{Context, Result};
use ghost_client::api::{Entry, State};

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

/// The journal directory and an in-memory copy of its entries, shared by the daemon and
/// its JSON-RPC server.
#[derive(Clone)]
pub struct Journal {
    dir: PathBuf,
    entries: Arc<RwLock<BTreeMap<u64, Entry>>>,
}

impl Journal {
    /// Open (creating) the journal in `dir` and read every entry in it. Unreadable files
    /// are reported and left in place, never deleted.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the journal directory {}", dir.display()))?;
        let mut entries = BTreeMap::new();
        for file in std::fs::read_dir(dir).with_context(|| format!("reading the journal {}", dir.display()))? {
            let path = file?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !(name.starts_with("request-") && name.ends_with(".json")) {
                continue;
            }
            let parsed = std::fs::read_to_string(&path)
                .map_err(anyhow::Error::from)
                .and_then(|text| serde_json::from_str::<Entry>(&text).map_err(anyhow::Error::from));
            match parsed {
                Ok(entry) => {
                    entries.insert(entry.request, entry);
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "skipping an unreadable journal entry"),
            }
        }
        Ok(Self { dir: dir.to_path_buf(), entries: Arc::new(RwLock::new(entries)) })
    }

    /// The entry of request `id`.
    pub fn get(&self, id: u64) -> Option<Entry> {
        self.entries.read().ok()?.get(&id).cloned()
    }

    /// Every request id in the journal.
    pub fn ids(&self) -> Vec<u64> {
        self.entries.read().map(|e| e.keys().copied().collect()).unwrap_or_default()
    }

    /// Write `entry` durably, then keep it in memory.
    pub fn put(&self, entry: Entry) -> Result<()> {
        let path = self.path(entry.request);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(&entry)?;
        let mut file = std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        // The rename is durable once the directory is synced.
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(entry.request, entry);
        }
        Ok(())
    }

    /// Move request `id` to `state`.
    pub fn set_state(&self, id: u64, state: State) -> Result<()> {
        match self.get(id) {
            Some(entry) if entry.state != state => self.put(Entry { state, ..entry }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use ghost_client::wire::ProofBytes;

    fn entry(request: u64) -> Entry {
        Entry {
            request,
            model: "0x01".into(),
            output: vec![1, -2],
            links: vec!["0xab".into()],
            proof: ProofBytes(vec![0]),
            state: State::Computed,
        }
    }

    #[test]
    fn entries_survive_a_reopen_and_unreadable_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.put(entry(3)).unwrap();
        journal.put(entry(9)).unwrap();
        journal.set_state(3, State::Posted).unwrap();
        journal.remove(9).unwrap();
        journal.remove(9).unwrap();
        std::fs::write(dir.path().join("request-5.json"), "{ torn").unwrap();
        let reopened = Journal::open(dir.path()).unwrap();
        assert_eq!(reopened.ids(), vec![3]);
        assert_eq!(reopened.get(3).map(|e| e.state), Some(State::Posted));
        assert!(dir.path().join("request-5.json").exists(), "an unreadable entry is not deleted");
    }
}
