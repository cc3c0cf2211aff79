//! Whether writes reach the disk.
//!
//! A failed write or flush (disk full, a read-only or immutable file, an I/O error)
//! puts the store into an outage: [`Store::writable`] turns false, and it is logged
//! once. The bot then stops starting work it could not record and tells learners to
//! try again, while it calls [`Store::probe`] with backoff. A probe writes and flushes
//! one small record: when that works again the outage is over (logged once more).
//!
//! sled 0.34 makes some failures sticky: after an I/O error in its log writer every
//! later write of that process fails, even once the disk has room again. A probe
//! tells that case apart by also testing the directory itself ([`Probe::Stuck`]): the
//! disk takes writes but sled does not, and only reopening the database helps, so
//! the bot exits for its service manager to restart it (docs/reliability.md).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::{error, info};

use super::{Store, StoreError};

/// The outage state of one store.
#[derive(Default)]
pub(super) struct Health {
    failing: AtomicBool,
}

/// What a [`Store::probe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Writes work (again).
    Healthy,
    /// Writes fail, and so does writing to the database's directory: the disk is
    /// full, read-only or failing. Try again later.
    Failing(String),
    /// The directory takes writes but the database does not: sled cannot recover in
    /// this process. Reopening the database (a restart) is the cure.
    Stuck(String),
}

impl StoreError {
    /// Whether this error means a write did not reach the disk (as opposed to a
    /// record that failed to decode, or a refused operation).
    pub fn is_write_failure(&self) -> bool {
        matches!(self, StoreError::Io(_) | StoreError::Sled(_))
    }
}

/// The key of the probe record in `meta`.
const PROBE_KEY: &[u8] = b"health_probe";
/// The bytes a directory probe writes and syncs: more than a page, so a full disk
/// shows (a tiny file can fit in space the filesystem keeps for metadata).
const DIR_PROBE_BYTES: usize = 64 * 1024;

impl Store {
    /// False while writes are failing (from the first failed write or flush until a
    /// [`Store::probe`] succeeds).
    pub fn writable(&self) -> bool {
        !self.inner.health.failing.load(Ordering::SeqCst)
    }

    /// Passes `result` through, entering the outage when it is a failed write.
    pub(super) fn checked<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &result
            && e.is_write_failure()
        {
            self.enter_outage(e);
        }
        result
    }

    /// Marks writes as failing; logs only the change of state.
    fn enter_outage(&self, e: &StoreError) {
        let health = &self.inner.health;
        if !health.failing.swap(true, Ordering::SeqCst) {
            error!(error = %e, "database writes are failing: not starting new work until they work again");
        }
    }

    /// Tries a small write and flush. Ends the outage when it works; otherwise tells
    /// whether the disk or only this process's database is at fault.
    pub async fn probe(&self) -> Probe {
        let written = self
            .trees()
            .meta
            .insert(PROBE_KEY, &chrono::Utc::now().timestamp().to_be_bytes()[..])
            .map_err(StoreError::from);
        let result = match written {
            Ok(_) => {
                self.wrote_meta();
                self.inner
                    .db
                    .flush_async()
                    .await
                    .map(|_| ())
                    .map_err(StoreError::from)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                if self.inner.health.failing.swap(false, Ordering::SeqCst) {
                    info!("database writes work again");
                }
                Probe::Healthy
            }
            Err(e) => {
                self.enter_outage(&e);
                match directory_takes_writes(self.path()) {
                    Ok(()) => Probe::Stuck(e.to_string()),
                    Err(dir) => Probe::Failing(format!("{e} ({dir})")),
                }
            }
        }
    }
}

/// Whether the database directory and its files take writes now: the data file can
/// be opened for writing, and a scratch file of [`DIR_PROBE_BYTES`] can be written
/// and synced.
fn directory_takes_writes(dir: &Path) -> Result<(), String> {
    let data = dir.join("db");
    if data.exists() {
        OpenOptions::new()
            .write(true)
            .open(&data)
            .map_err(|e| format!("{}: {e}", data.display()))?;
    }
    let scratch = dir.join(".write-probe");
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&scratch)?;
        f.write_all(&[0u8; DIR_PROBE_BYTES])?;
        f.sync_all()
    })();
    let _ = fs::remove_file(&scratch);
    written.map_err(|e| format!("{}: {e}", scratch.display()))
}
