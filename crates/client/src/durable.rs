//! Durable records: what a party is owed (a prover's vouchers) or must prove (a client's
//! receipts) reaches the disk before it is acknowledged, so a process killed at any point
//! restarts with all of it.
//!
//! A log is a file of JSON lines, each appended and synced before the append returns. A
//! crash can tear only the last line, which reading skips (and reports); every line before
//! it was synced whole.

use serde::{de::DeserializeOwned, Serialize};
use std::{
    fs::File,
    io::{BufReader, Read as _, Write},
    path::{Path, PathBuf},
};

/// An append-only log of JSON lines, synced on every append.
pub struct Log {
    path: PathBuf,
    file: File,
    /// An append failed and its partial line could not be cut: no more appends.
    broken: bool,
}

/// What reading a log found.
#[derive(Debug)]
pub struct Read<T> {
    /// Every whole record, in order.
    pub records: Vec<T>,
    /// Lines that did not parse (a torn last line after a crash).
    pub skipped: usize,
}

impl Log {
    /// Open (creating) the log at `path` and read every record in it. A torn last line
    /// (a crash during its append, so never acknowledged) is cut off, so the next record
    /// starts on a line of its own.
    pub fn open<T: DeserializeOwned>(path: &Path) -> std::io::Result<(Self, Read<T>)> {
        let file = File::options().create(true).append(true).read(true).open(path)?;
        let mut bytes = Vec::new();
        BufReader::new(&file).read_to_end(&mut bytes)?;
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut read = Read { records: Vec::new(), skipped: 0 };
        if whole < bytes.len() {
            file.set_len(whole as u64)?;
            file.sync_data()?;
            read.skipped += 1;
        }
        for line in bytes[..whole].split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice(line) {
                Ok(record) => read.records.push(record),
                Err(_) => read.skipped += 1,
            }
        }
        if read.skipped > 0 {
            tracing::warn!(log = %path.display(), lines = read.skipped, "skipped unreadable lines (a torn write)");
        }
        Ok((Self { path: path.to_path_buf(), file, broken: false }, read))
    }

    /// Append `record` as one line and sync it to the disk before returning.
    pub fn append<T: Serialize>(&mut self, record: &T) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other("an earlier append failed and could not be undone: reopen the log"));
        }
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let before = self.file.metadata()?.len();
        let written = self.file.write_all(&line).and_then(|()| self.file.sync_data());
        if written.is_err() {
            // A partial line (a full disk) must not be joined to the next record: cut it.
            if self.file.set_len(before).and_then(|()| self.file.sync_data()).is_err() {
                self.broken = true;
            }
        }
        written
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Replace the file at `path` with `bytes` so that a crash leaves the old content or the
/// new, never a mix: write a temporary file, sync it, rename it over, sync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_a_reopen_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let (mut log, read) = Log::open::<u32>(&path).unwrap();
        assert!(read.records.is_empty());
        log.append(&1u32).unwrap();
        log.append(&2u32).unwrap();
        drop(log);
        // A crash in the middle of the third append.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"3").unwrap();
        let (mut log, read) = Log::open::<u32>(&path).unwrap();
        assert_eq!((read.records, read.skipped), (vec![1, 2], 1));
        log.append(&4u32).unwrap();
        let read = Log::open::<u32>(&path).unwrap().1;
        assert_eq!((read.records, read.skipped), (vec![1, 2, 4], 0), "the torn record was cut, not joined to the next");
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!path.with_extension("tmp").exists());
    }
}
