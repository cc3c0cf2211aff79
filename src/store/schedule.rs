//! The schedule index: timed jobs keyed by (time, chat, kind), so finding what is
//! due is a range scan up to `now`. A reverse entry per (chat, kind) lets
//! re-scheduling remove the old key.

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::TransactionalTree;

use super::model::{Job, JobKind};
use super::{Store, StoreError, TxError, bad_key, keys};

/// Sets (or with `at == None` removes) the job (chat, kind) inside a transaction.
pub(crate) fn tx_schedule(
    schedule: &TransactionalTree,
    by_chat: &TransactionalTree,
    chat: i64,
    kind: JobKind,
    at: Option<DateTime<Utc>>,
) -> Result<(), TxError> {
    let rev = keys::job_by_chat(chat, kind.code()).build();
    let old = by_chat
        .get(&rev)?
        .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok());
    if let Some(at_bytes) = old {
        let mut k = at_bytes.to_vec();
        k.extend_from_slice(&keys::enc_i64(chat));
        k.push(kind.code());
        schedule.remove(k)?;
    }
    match at {
        Some(at) => {
            let fwd = keys::job(at, chat, kind.code()).build();
            by_chat.insert(rev, fwd[..8].to_vec())?;
            schedule.insert(fwd, &[][..])?;
        }
        None => {
            by_chat.remove(rev)?;
        }
    }
    Ok(())
}

/// Decodes a schedule key.
pub(crate) fn decode_job(k: &[u8]) -> Result<Job, StoreError> {
    let mut r = keys::Reader::new(k);
    let at = r.time();
    let chat = r.i64();
    let kind = r.u8().and_then(JobKind::from_code);
    match (at, chat, kind, r.is_empty()) {
        (Some(at), Some(chat), Some(kind), true) => Ok(Job { at, chat, kind }),
        _ => Err(bad_key("schedule", k)),
    }
}

impl Store {
    /// Schedules job `kind` of `chat` at `at`, replacing its previous time;
    /// `None` removes it.
    pub fn schedule(
        &self,
        chat: i64,
        kind: JobKind,
        at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let t = self.trees();
        let _gate = self.write_gate();
        let done = (&t.schedule, &t.schedule_by_chat)
            .transaction(|(s, b)| tx_schedule(s, b, chat, kind, at));
        self.checked(done.map_err(StoreError::from))?;
        self.wrote();
        Ok(())
    }

    /// [`Store::schedule`] for many jobs in one transaction (the scheduler reschedules
    /// a chunk of due jobs at once: one transaction, not one per job).
    pub fn schedule_many(
        &self,
        jobs: &[(i64, JobKind, Option<DateTime<Utc>>)],
    ) -> Result<(), StoreError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let t = self.trees();
        let _gate = self.write_gate();
        let done = (&t.schedule, &t.schedule_by_chat).transaction(|(s, b)| {
            for &(chat, kind, at) in jobs {
                tx_schedule(s, b, chat, kind, at)?;
            }
            Ok(())
        });
        self.checked(done.map_err(StoreError::from))?;
        self.wrote();
        Ok(())
    }

    /// When job `kind` of `chat` is scheduled.
    pub fn scheduled(&self, chat: i64, kind: JobKind) -> Result<Option<DateTime<Utc>>, StoreError> {
        let rev = keys::job_by_chat(chat, kind.code()).build();
        match self.trees().schedule_by_chat.get(&rev)? {
            None => Ok(None),
            Some(v) => keys::Reader::new(&v)
                .time()
                .map(Some)
                .ok_or_else(|| bad_key("schedule_by_chat", &rev)),
        }
    }

    /// Jobs due at `now` (at ≤ now), oldest first, at most `limit`. They stay
    /// scheduled until re-scheduled or removed.
    pub fn due_jobs(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Job>, StoreError> {
        let end = keys::Key::new().time(now).i64(i64::MAX).u8(u8::MAX).build();
        let mut out = Vec::new();
        for kv in self.trees().schedule.range(..=end).take(limit) {
            let (k, _) = kv?;
            out.push(decode_job(&k)?);
        }
        Ok(out)
    }

    /// Jobs scheduled after `after`, latest first, at most `limit` (the scheduler
    /// looks here for times set while the clock ran fast).
    pub fn jobs_after(&self, after: DateTime<Utc>, limit: usize) -> Result<Vec<Job>, StoreError> {
        let start = keys::Key::new()
            .time(after)
            .i64(i64::MAX)
            .u8(u8::MAX)
            .build();
        let mut out = Vec::new();
        for kv in self.trees().schedule.range(start..).rev().take(limit) {
            let (k, _) = kv?;
            out.push(decode_job(&k)?);
        }
        Ok(out)
    }

    /// The time of the earliest scheduled job.
    pub fn next_job_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self.trees().schedule.first()? {
            None => Ok(None),
            Some((k, _)) => decode_job(&k).map(|j| Some(j.at)),
        }
    }
}
