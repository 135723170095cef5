//! A disk that can fill up: a size-limited tmpfs under an actor's journal or receipts, and a
//! filler file that takes every free byte until the fault ends. Without the rights to mount
//! one (not root), a plain directory, which the harness cannot fill.

use anyhow::{bail, Context, Result};
use std::{
    fs::{self, File},
    io::{ErrorKind, Write},
    path::{Path, PathBuf},
    process::Command,
};

/// A directory on a disk of its own.
pub struct Disk {
    path: PathBuf,
    mounted: bool,
}

const FILLER: &str = ".chaos-filler";

impl Disk {
    /// A tmpfs of `mib` MiB at `path` (made if missing), or a plain directory if it cannot
    /// be mounted.
    pub fn mount(path: &Path, mib: u32) -> Result<Self> {
        fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m,mode=0700"), "tmpfs"])
            .arg(path)
            .output()
            .is_ok_and(|out| out.status.success());
        if !mounted {
            tracing::warn!(path = %path.display(), "no tmpfs could be mounted: this disk cannot be filled");
        }
        Ok(Self { path: path.to_path_buf(), mounted })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Take every free byte; returns how many were taken.
    pub fn fill(&self) -> Result<u64> {
        if !self.mounted {
            bail!("{} is not a disk of its own", self.path.display());
        }
        let mut file = File::create(self.path.join(FILLER))?;
        let mut taken = 0u64;
        // Large writes first, then small ones for the last bytes.
        for chunk in [1 << 20, 4096, 1] {
            let block = vec![0u8; chunk];
            loop {
                match file.write(&block) {
                    Ok(0) => break,
                    Ok(n) => taken += n as u64,
                    Err(e) if e.kind() == ErrorKind::StorageFull => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e).context("filling the disk"),
                }
            }
        }
        Ok(taken)
    }

    /// Give the bytes back.
    pub fn free(&self) {
        let _ = fs::remove_file(self.path.join(FILLER));
    }

    /// Copy what the disk holds to `to` (before it is unmounted).
    pub fn keep(&self, to: &Path) -> Result<()> {
        let out = Command::new("cp").arg("-a").arg(&self.path).arg(to).output()?;
        if !out.status.success() {
            bail!("copying {} failed: {}", self.path.display(), String::from_utf8_lossy(&out.stderr).trim());
        }
        if let Some(name) = self.path.file_name() {
            let _ = fs::remove_file(to.join(name).join(FILLER));
        }
        Ok(())
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        self.free();
        if self.mounted {
            let _ = Command::new("umount").arg("-l").arg(&self.path).output();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_refuses_writes_until_freed() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::mount(&dir.path().join("d"), 1).unwrap();
        if !disk.mounted {
            assert!(disk.fill().is_err(), "a plain directory is not filled");
            return; // not root here: nothing more to see
        }
        let taken = disk.fill().unwrap();
        assert!(taken > 900 * 1024, "took only {taken} bytes of 1 MiB");
        let err = fs::write(disk.path().join("journal"), [1u8; 8192]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StorageFull);
        disk.free();
        fs::write(disk.path().join("journal"), [1u8; 8192]).unwrap();
    }
}
