//! The store's health while the bot runs: the watchdog that ends an outage.

use std::time::Duration;

use tokio::sync::watch;
use tracing::{error, warn};

use crate::store::Probe;

use super::Tutor;

/// The first probe after an outage starts, and the longest wait between probes.
const FIRST_PROBE: Duration = Duration::from_millis(500);
const MAX_PROBE_WAIT: Duration = Duration::from_secs(30);
/// How often the watchdog looks at the store's state while writes work.
const WATCH: Duration = Duration::from_millis(250);
/// Probes in a row that find sled stuck (the disk takes writes, the database does
/// not) before the bot stops for a restart.
const STUCK_PROBES: u32 = 3;

impl Tutor {
    /// The watchdog: while writes fail it probes the store with backoff, and wakes
    /// the scheduler when they work again. When sled is stuck it sends the reason on
    /// `fatal` (the front end then stops, for its service manager to restart it) and
    /// returns; it also returns when `stop` changes.
    pub async fn watchdog(
        &self,
        mut stop: watch::Receiver<bool>,
        fatal: watch::Sender<Option<String>>,
    ) {
        let mut wait = FIRST_PROBE;
        let mut stuck = 0;
        loop {
            let next = if self.writable() {
                wait = FIRST_PROBE;
                stuck = 0;
                WATCH
            } else {
                wait
            };
            tokio::select! {
                _ = tokio::time::sleep(next) => {}
                _ = stop.changed() => return,
            }
            if self.writable() {
                continue;
            }
            match self.probe().await {
                Probe::Healthy => self.wake.notify_one(),
                Probe::Failing(why) => {
                    stuck = 0;
                    tracing::debug!(error = %why, "database writes still fail");
                    wait = (wait * 2).min(MAX_PROBE_WAIT);
                }
                Probe::Stuck(why) => {
                    stuck += 1;
                    if stuck >= STUCK_PROBES {
                        error!(error = %why, "the disk takes writes again but the database does not");
                        let _ = fatal.send(Some(format!(
                            "database writes failed ({why}) and the database cannot recover in this \
                             process; exiting so that the service manager restarts tutor"
                        )));
                        return;
                    }
                    warn!(error = %why, "the disk takes writes again; checking the database once more");
                    wait = FIRST_PROBE;
                }
            }
        }
    }
}
