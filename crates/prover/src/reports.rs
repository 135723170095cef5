//! The watcher's durable record of its reports: one JSON file per commitment, written
//! (and synced) before the commitment is sent, so that a watcher stopped at any point
//! restarts knowing every report bond it may hold, and can still reveal the report before
//! the deadline or reclaim the bond after it.
//!
//! Layout: `DIR/<genesis hash>/<account, SS58>/report-<id>-<digest>.json`, each holding a
//! [`Report`], and `lock` (held while a watcher has the directory open, as the daemon's
//! journal is: a second watcher of the same key on the same chain is refused). Writes go to
//! a temporary file, readable by its owner only (the salts are secrets until revealed),
//! that is synced and renamed, so a crash leaves the whole record or none. A record is
//! removed once its report is revealed or its bond reclaimed. How the last write went is
//! told to the watcher's [`Liveness`] (`ghost_health`'s `journal`).

use anyhow::{anyhow, Context, Result};
use ghost_client::{dispute::Commitment, liveness::Liveness};
use ghost_primitives::{hex0x, parse_hash};
use serde::{Deserialize, Serialize};
use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};
use subxt::utils::AccountId32;

/// One commitment, as kept on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Report {
    /// Request id.
    pub id: u64,
    /// The secret salt, `0x`-hex.
    pub salt: String,
    /// The digest committed to, `0x`-hex.
    pub digest: String,
    /// The encoded fraud proof, `0x`-hex.
    pub fraud: String,
}

impl Report {
    /// The record of `commitment` to `fraud`.
    pub fn new(commitment: &Commitment, fraud: &[u8]) -> Self {
        Self {
            id: commitment.id,
            salt: hex0x(&commitment.salt),
            digest: hex0x(&commitment.digest),
            fraud: hex0x(fraud),
        }
    }

    /// The commitment and the fraud proof it commits to.
    pub fn commitment(&self) -> Result<(Commitment, Vec<u8>)> {
        let salt = parse_hash(&self.salt).map_err(|e| anyhow!("the salt of a report record: {e}"))?;
        let digest = parse_hash(&self.digest).map_err(|e| anyhow!("the digest of a report record: {e}"))?;
        let fraud = hex::decode(self.fraud.trim_start_matches("0x"))
            .map_err(|e| anyhow!("the fraud proof of a report record: {e}"))?;
        Ok((Commitment { id: self.id, salt, digest }, fraud))
    }

    fn file_name(&self) -> String {
        format!("report-{}-{}.json", self.id, self.digest.trim_start_matches("0x"))
    }
}

/// The directory of a watcher's report records, locked while any copy lives.
#[derive(Clone, Debug)]
pub struct Reports {
    dir: PathBuf,
    _lock: Arc<File>,
    /// Told how each write goes.
    liveness: Arc<Liveness>,
}

/// The records' name in `ghost_health`'s `journal`.
pub const STORE: &str = "report records";

impl Reports {
    /// Open (creating) the records of `account` on the chain of genesis hash `genesis`,
    /// under `root`.
    pub fn open(root: &Path, genesis: [u8; 32], account: &AccountId32) -> Result<Self> {
        let dir = root.join(hex0x(&genesis)).join(account.to_string());
        std::fs::create_dir_all(&dir).with_context(|| format!("creating the report directory {}", dir.display()))?;
        let lock = crate::journal::lock(&dir)
            .with_context(|| format!("locking the report directory {}", dir.display()))?
            .ok_or_else(|| {
                anyhow!(
                    "the report directory {} is in use by another watcher: two watchers of one key on one chain \
                     would commit the same reports; stop the other one first",
                    dir.display()
                )
            })?;
        Ok(Self { dir, _lock: Arc::new(lock), liveness: Default::default() })
    }

    /// Tell `liveness` how each write goes (before the records are cloned).
    pub fn reporting_to(mut self, liveness: Arc<Liveness>) -> Self {
        self.liveness = liveness;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keep `report`, durably, before its commitment is sent.
    pub fn put(&self, report: &Report) -> Result<()> {
        let path = self.dir.join(report.file_name());
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut file = private(&tmp)?;
            file.write_all(serde_json::to_string_pretty(report)?.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&self.dir)?.sync_all()
        };
        let written = write().with_context(|| format!("writing the report record {}", path.display()));
        self.liveness.wrote(STORE, &written);
        written
    }

    /// Forget `report` (revealed, or its bond reclaimed).
    pub fn remove(&self, report: &Report) -> Result<()> {
        let path = self.dir.join(report.file_name());
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing the report record {}", path.display()))
            }
            _ => Ok(()),
        }
    }

    /// Every record kept; unreadable files are logged and left in place.
    pub fn all(&self) -> Vec<Report> {
        let Ok(listing) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut all = Vec::new();
        for path in listing.flatten().map(|e| e.path()) {
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let read = std::fs::read_to_string(&path).map_err(anyhow::Error::from);
            match read.and_then(|text| Ok(serde_json::from_str::<Report>(&text)?)) {
                Ok(report) => all.push(report),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "an unreadable report record; left in place")
                }
            }
        }
        all.sort_by_key(|r| r.id);
        all
    }
}

/// Create (truncating) `path`, readable and writable by its owner only.
fn private(path: &Path) -> std::io::Result<File> {
    let mut options = File::options();
    options.create(true).truncate(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_a_reopening_until_removed() {
        let root = tempfile::tempdir().unwrap();
        let me = AccountId32([3; 32]);
        let reports = Reports::open(root.path(), [1; 32], &me).unwrap();
        let commitment = Commitment::new(&me, 7, b"fraud");
        let report = Report::new(&commitment, b"fraud");
        reports.put(&report).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = reports.dir().join(report.file_name());
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a record holds a secret salt: its owner's only");
        }
        let second = Reports::open(root.path(), [1; 32], &me).unwrap_err();
        assert!(format!("{second:#}").contains("in use by another watcher"), "{second:#}");
        drop(reports);
        let reopened = Reports::open(root.path(), [1; 32], &me).unwrap();
        assert_eq!(reopened.all(), vec![report.clone()]);
        assert_eq!(report.commitment().unwrap(), (commitment, b"fraud".to_vec()));
        assert!(Reports::open(root.path(), [2; 32], &me).unwrap().all().is_empty(), "another chain's are apart");
        reopened.remove(&report).unwrap();
        reopened.remove(&report).unwrap();
        assert!(reopened.all().is_empty());
    }
}
