//! The schema version in `meta` and the migrations between versions.
//!
//! History:
//! - 0: the pre-release layout, without the derived indexes `open_cards` and
//!   `schedule_by_chat`.
//! - 1: the indexes exist and are kept in step with their records.
//!
//! A migration step must be idempotent: the version is written only after all steps
//! succeed, so a crash mid-way reruns them.

use std::path::Path;

use super::model::{Card, Chat, Learner};
use super::records::{Codec, LogValue, ScoreValue};
use super::schedule::decode_job;
use super::{Store, StoreError, Trees, decode, keys};
use crate::learn::Progress;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

pub(crate) const SCHEMA_KEY: &[u8] = b"schema";

/// The schema version stored in `meta`, if any.
pub(crate) fn stored_version(t: &Trees) -> Result<Option<u32>, StoreError> {
    match t.meta.get(SCHEMA_KEY)? {
        None => Ok(None),
        Some(v) => <[u8; 4]>::try_from(v.as_ref())
            .map(|b| Some(u32::from_be_bytes(b)))
            .map_err(|_| StoreError::Corrupt(format!("schema version {v:?} is malformed"))),
    }
}

pub(crate) fn write_version(t: &Trees, version: u32) -> Result<(), StoreError> {
    t.meta.insert(SCHEMA_KEY, &version.to_be_bytes())?;
    Ok(())
}

/// The error for database files without a schema version: sled recovers a
/// truncated or garbled log as far as it can, possibly to nothing, and starting
/// afresh there would silently wipe the learners' data.
pub(crate) fn no_schema(path: &Path) -> StoreError {
    StoreError::Corrupt(format!(
        "{} holds database files but no tutor schema version: it is truncated, damaged \
         or not a tutor database. Nothing was initialised in it; restore a backup or move \
         it away",
        path.display()
    ))
}

/// Checks a freshly opened database: initialises a new one, refuses a newer or a
/// damaged one, migrates an older one.
pub(crate) fn check_and_migrate(store: &Store, existed: bool) -> Result<(), StoreError> {
    let t = store.trees();
    match stored_version(t)? {
        None => {
            let has_data = t.all().iter().any(|(_, tree)| !tree.is_empty());
            if existed || has_data {
                return Err(no_schema(store.path()));
            }
            write_version(t, SCHEMA_VERSION)?;
            store.flush_blocking()
        }
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(SCHEMA_VERSION) => Ok(()),
        Some(found) => {
            tracing::info!(
                "migrating database {} from schema {found} to {SCHEMA_VERSION}",
                store.path().display()
            );
            migrate(t, found)?;
            write_version(t, SCHEMA_VERSION)?;
            store.flush_blocking()
        }
    }
}

/// Runs every step from `from` up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(t: &Trees, from: u32) -> Result<(), StoreError> {
    for version in from..SCHEMA_VERSION {
        match version {
            0 => {
                check_records(t)?;
                rebuild_indexes(t)?;
            }
            _ => unreachable!("no migration from schema {version}"),
        }
    }
    Ok(())
}

/// Decodes every record, so a migration never runs over data it cannot read.
fn check_records(t: &Trees) -> Result<(), StoreError> {
    fn all<T: Codec>(tree: &sled::Tree, name: &'static str) -> Result<(), StoreError> {
        for kv in tree.iter() {
            let (k, v) = kv?;
            decode::<T>(name, &k, &v)?;
        }
        Ok(())
    }
    all::<Learner>(&t.learners, "learners")?;
    all::<Chat>(&t.chats, "chats")?;
    all::<Progress>(&t.progress, "progress")?;
    all::<LogValue>(&t.log, "log")?;
    all::<Card>(&t.cards, "cards")?;
    all::<ScoreValue>(&t.scores, "scores")
}

/// Rebuilds the derived indexes from the records they index: `open_cards` from
/// `cards`, and `schedule_by_chat` from `schedule` (keeping only the latest time of
/// a (chat, kind) that has several).
pub(crate) fn rebuild_indexes(t: &Trees) -> Result<(), StoreError> {
    t.open_cards.clear()?;
    let mut batch = sled::Batch::default();
    for kv in t.cards.iter() {
        let (k, v) = kv?;
        let card: Card = decode("cards", &k, &v)?;
        if card.open {
            batch.insert(k, &[][..]);
        }
    }
    t.open_cards.apply_batch(batch)?;

    t.schedule_by_chat.clear()?;
    let mut latest = std::collections::BTreeMap::new();
    let mut stale = sled::Batch::default();
    for kv in t.schedule.iter() {
        let (k, _) = kv?;
        let job = decode_job(&k)?;
        // Keys are in time order: a later key of the same job supersedes an earlier.
        if let Some(old) = latest.insert((job.chat, job.kind.code()), job.at) {
            stale.remove(keys::job(old, job.chat, job.kind.code()).build());
        }
    }
    t.schedule.apply_batch(stale)?;
    let mut batch = sled::Batch::default();
    for ((chat, kind), at) in latest {
        batch.insert(
            keys::job_by_chat(chat, kind).build(),
            keys::enc_i64(at.timestamp_millis()).to_vec(),
        );
    }
    t.schedule_by_chat.apply_batch(batch)?;
    Ok(())
}
