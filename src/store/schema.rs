//! The schema version in `meta` and the migrations between versions.
//!
//! History:
//! - 0: the pre-release layout, without the derived indexes `open_cards` and
//!   `schedule_by_chat`.
//! - 1: the indexes exist and are kept in step with their records.
//! - 2: a learner's progress is one record (`progress_by_learner`, key user) and
//!   their log one record per month (`log_by_month`, key user · month), instead of
//!   one sled entry per question (`progress`) and per answer (`log`): sled's own
//!   overhead per entry was several times the data. The migration packs the old
//!   entries, a group of learners per transaction that also removes what it
//!   packed, then drops the old trees.
//! - 3: memory states are FSRS-6's (the `fsrs` crate, with py-fsrs's learning
//!   steps) instead of rs-fsrs's FSRS-5. The migration recomputes every learner's
//!   memory of every question by replaying their answer log (time, question,
//!   right/wrong, in order) in their zone; the counters, the last answer and the
//!   log itself are untouched. It is a pure function of the log, written a group of
//!   learners per transaction, so a rerun after a kill recomputes the same states.
//!   A question with progress but no logged answer keeps its memory.
//!
//! A migration step must be idempotent: the version is written only after all steps
//! succeed, so a crash mid-way reruns them.

use std::path::Path;

use chrono::{DateTime, Utc};
use sled::Transactional;

use super::model::{Card, Chat, Learner};
use super::records::{Codec, LogItem, LogValue, ProgressSet, ScoreValue, month_of};
use super::schedule::decode_job;
use super::{
    PROGRESS_TREE, Store, StoreError, Trees, bad_key, decode, decode_chunk, keys, tx_get,
    tx_get_chunk,
};
use crate::learn::Progress;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 3;

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
pub(crate) fn check_and_migrate(store: &Store, existed: bool) -> Result<Migrated, StoreError> {
    let t = store.trees();
    match stored_version(t)? {
        None => {
            let has_data = t.all().iter().any(|(_, tree)| !tree.is_empty());
            if existed || has_data {
                return Err(no_schema(store.path()));
            }
            write_version(t, SCHEMA_VERSION)?;
            store.flush_blocking()?;
            Ok(Migrated::Wrote)
        }
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(SCHEMA_VERSION) => Ok(Migrated::Current),
        Some(found) => {
            tracing::info!(
                "migrating database {} from schema {found} to {SCHEMA_VERSION}",
                store.path().display()
            );
            migrate(store, found)?;
            write_version(t, SCHEMA_VERSION)?;
            store.flush_blocking()?;
            Ok(Migrated::Wrote)
        }
    }
}

/// Whether opening a database wrote to it (a new schema version, or a migration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Migrated {
    Current,
    Wrote,
}

/// Runs every step from `from` up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(store: &Store, from: u32) -> Result<(), StoreError> {
    let t = store.trees();
    for version in from..SCHEMA_VERSION {
        match version {
            0 => {
                check_records(store)?;
                rebuild_indexes(t)?;
            }
            1 => {
                check_records(store)?;
                pack_progress(store)?;
                pack_log(store)?;
            }
            2 => {
                check_records(store)?;
                replay_memory(store)?;
            }
            _ => unreachable!("no migration from schema {version}"),
        }
    }
    Ok(())
}

/// The schema-1 trees of per-question progress and per-answer log entries.
const V1_PROGRESS: &str = "progress";
const V1_LOG: &str = "log";

/// A schema-1 tree, if the database has it (opening a tree creates it).
fn v1_tree(store: &Store, name: &str) -> Result<Option<sled::Tree>, StoreError> {
    let db = &store.inner.db;
    if db
        .tree_names()
        .iter()
        .any(|n| n.as_ref() == name.as_bytes())
    {
        Ok(Some(db.open_tree(name)?))
    } else {
        Ok(None)
    }
}

/// Decodes every record, so a migration never runs over data it cannot read.
fn check_records(store: &Store) -> Result<(), StoreError> {
    fn all<T: Codec>(tree: &sled::Tree, name: &'static str) -> Result<(), StoreError> {
        for kv in tree.iter() {
            let (k, v) = kv?;
            decode::<T>(name, &k, &v)?;
        }
        Ok(())
    }
    let t = store.trees();
    all::<Learner>(&t.learners, "learners")?;
    all::<Chat>(&t.chats, "chats")?;
    all::<ProgressSet>(&t.progress, PROGRESS_TREE)?;
    for kv in t.log.iter() {
        let (k, v) = kv?;
        decode_chunk(&k, &v)?;
    }
    if let Some(tree) = v1_tree(store, V1_PROGRESS)? {
        for kv in tree.iter() {
            let (k, v) = kv?;
            v1_progress_key(&k)?;
            decode::<Progress>(V1_PROGRESS, &k, &v)?;
        }
    }
    if let Some(tree) = v1_tree(store, V1_LOG)? {
        for kv in tree.iter() {
            let (k, v) = kv?;
            v1_log_key(&k)?;
            decode::<LogValue>(V1_LOG, &k, &v)?;
        }
    }
    all::<Card>(&t.cards, "cards")?;
    all::<ScoreValue>(&t.scores, "scores")
}

/// (user, question) of a schema-1 progress key.
fn v1_progress_key(k: &[u8]) -> Result<(i64, String), StoreError> {
    let mut r = keys::Reader::new(k);
    match (r.i64(), r.str()) {
        (Some(user), Some(q)) if !q.is_empty() => Ok((user, q.to_string())),
        _ => Err(bad_key(V1_PROGRESS, k)),
    }
}

/// (user, at, chat, message) of a schema-1 log key.
fn v1_log_key(k: &[u8]) -> Result<(i64, DateTime<Utc>, i64, i32), StoreError> {
    let mut r = keys::Reader::new(k);
    match (r.i64(), r.time(), r.i64(), r.i32(), r.is_empty()) {
        (Some(user), Some(at), Some(chat), Some(message), true) => Ok((user, at, chat, message)),
        _ => Err(bad_key(V1_LOG, k)),
    }
}

/// How many old entries one migration transaction moves (at least one group).
const MIGRATION_BATCH: usize = 4096;

/// Moves the schema-1 per-question progress into one record per learner. Each
/// transaction merges a few learners' entries into their records and removes them,
/// so a rerun after a crash moves only what is left.
fn pack_progress(store: &Store) -> Result<(), StoreError> {
    let Some(old) = v1_tree(store, V1_PROGRESS)? else {
        return Ok(());
    };
    let t = store.trees();
    // Groups of one learner's entries; keys sort by user first.
    type Group = (i64, Vec<(sled::IVec, String, Progress)>);
    let mut groups: Vec<Group> = Vec::new();
    let mut pending = 0;
    let flush = |groups: &mut Vec<Group>| {
        (&old, &t.progress)
            .transaction(|(old, new)| {
                for (user, entries) in groups.iter() {
                    let key = keys::progress(*user).build();
                    let mut set: ProgressSet =
                        tx_get(new, PROGRESS_TREE, &key)?.unwrap_or_default();
                    for (k, q, p) in entries {
                        set.put(q, p.clone());
                        old.remove(k.clone())?;
                    }
                    new.insert(key, set.encode())?;
                }
                Ok(())
            })
            .map_err(StoreError::from)?;
        groups.clear();
        Ok::<_, StoreError>(())
    };
    for kv in old.iter() {
        let (k, v) = kv?;
        let (user, q) = v1_progress_key(&k)?;
        let p: Progress = decode(V1_PROGRESS, &k, &v)?;
        if groups.last().is_none_or(|(u, _)| *u != user) {
            if pending >= MIGRATION_BATCH {
                flush(&mut groups)?;
                pending = 0;
            }
            groups.push((user, Vec::new()));
        }
        if let Some((_, entries)) = groups.last_mut() {
            entries.push((k, q, p));
        }
        pending += 1;
    }
    flush(&mut groups)?;
    drop(old);
    store.inner.db.drop_tree(V1_PROGRESS)?;
    Ok(())
}

/// Moves the schema-1 per-answer log entries into one record per learner and
/// month, like [`pack_progress`].
fn pack_log(store: &Store) -> Result<(), StoreError> {
    let Some(old) = v1_tree(store, V1_LOG)? else {
        return Ok(());
    };
    let t = store.trees();
    type Group = ((i64, i32), Vec<(sled::IVec, LogItem)>);
    let mut groups: Vec<Group> = Vec::new();
    let mut pending = 0;
    let flush = |groups: &mut Vec<Group>| {
        (&old, &t.log)
            .transaction(|(old, new)| {
                for ((user, month), entries) in groups.iter() {
                    let key = keys::log_chunk(*user, *month).build();
                    let mut chunk = tx_get_chunk(new, *user, *month, &key)?;
                    for (k, item) in entries {
                        chunk.put(item.clone());
                        old.remove(k.clone())?;
                    }
                    new.insert(key, chunk.encode(*user, *month))?;
                }
                Ok(())
            })
            .map_err(StoreError::from)?;
        groups.clear();
        Ok::<_, StoreError>(())
    };
    for kv in old.iter() {
        let (k, v) = kv?;
        let (user, at, chat, message) = v1_log_key(&k)?;
        let value: LogValue = decode(V1_LOG, &k, &v)?;
        let id = (user, month_of(at));
        if groups.last().is_none_or(|(g, _)| *g != id) {
            if pending >= MIGRATION_BATCH {
                flush(&mut groups)?;
                pending = 0;
            }
            groups.push((id, Vec::new()));
        }
        if let Some((_, entries)) = groups.last_mut() {
            entries.push((
                k,
                LogItem {
                    at,
                    chat,
                    message,
                    question: value.question,
                    right: value.right,
                    answer: value.answer,
                },
            ));
        }
        pending += 1;
    }
    flush(&mut groups)?;
    drop(old);
    store.inner.db.drop_tree(V1_LOG)?;
    Ok(())
}

/// How many learners one replay transaction rewrites.
const REPLAY_BATCH: usize = 256;

/// Schema 2 → 3: every learner's memory of every question, recomputed from their
/// answer log with FSRS-6 (see the module's history).
fn replay_memory(store: &Store) -> Result<(), StoreError> {
    let t = store.trees();
    let srs = &store.srs();
    let mut batch: Vec<(sled::IVec, ProgressSet)> = Vec::new();
    let write = |batch: &mut Vec<(sled::IVec, ProgressSet)>| {
        t.progress
            .transaction(|tree| {
                for (k, set) in batch.iter() {
                    tree.insert(k.clone(), set.encode())?;
                }
                Ok(())
            })
            .map_err(StoreError::from)?;
        batch.clear();
        Ok::<_, StoreError>(())
    };
    for kv in t.progress.iter() {
        let (k, v) = kv?;
        let user = super::progress_key(&k)?;
        let set: ProgressSet = decode(PROGRESS_TREE, &k, &v)?;
        let tz = store.replay_zone(user)?;
        let log = store.log_items(user, None)?;
        let replayed = replay(srs, set, &log, tz);
        batch.push((k, replayed));
        if batch.len() >= REPLAY_BATCH {
            write(&mut batch)?;
        }
    }
    write(&mut batch)
}

/// `set` with each question's memory recomputed from `log` (oldest first): the
/// answers to it, in order, as Good or Again, in zone `tz`.
pub(crate) fn replay(
    srs: &crate::learn::Srs,
    set: ProgressSet,
    log: &[LogItem],
    tz: chrono_tz::Tz,
) -> ProgressSet {
    use crate::learn::Rating;
    let mut memories: std::collections::BTreeMap<&str, crate::learn::Memory> = Default::default();
    for item in log {
        let prev = memories.get(item.question.as_str());
        let next = srs.schedule(prev, Rating::from_right(item.right), item.at, tz);
        memories.insert(item.question.as_str(), next);
    }
    let mut out = ProgressSet::default();
    for (question, mut progress) in set.into_vec() {
        if let Some(m) = memories.get(question.as_str()) {
            progress.memory = m.clone();
        }
        out.put(&question, progress);
    }
    out
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
