//! A bulk path for loading learners' history: seeding a database (the benchmarks'
//! 100,000 learners) without posting and answering a card per logged answer; and the
//! logical size of each tree, to tell the data from sled's overhead on disk.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sled::Transactional;

use crate::learn::Progress;

use super::model::Learner;
use super::records::{Codec, LogItem, ProgressSet, month_of};
use super::{PROGRESS_TREE, Store, StoreError, keys, tx_get, tx_get_chunk};

/// One answer of a learner's history, as [`Store::import_history`] writes it to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedAnswer {
    pub at: DateTime<Utc>,
    /// The chat and message of the card it answered (with `at`, the entry's
    /// identity: an import replaces an entry with the same three).
    pub chat: i64,
    pub message: i32,
    pub question: String,
    pub right: bool,
    /// The answer as given, e.g. "BD" or "对".
    pub answer: String,
}

impl Store {
    /// Writes a learner record with their progress (question id → progress) and
    /// logged answers, in one transaction. Existing records with the same keys are
    /// replaced, so an import can be repeated. Nothing else changes: no card, streak
    /// or score is derived from the history.
    pub fn import_history(
        &self,
        learner: &Learner,
        progress: &[(String, Progress)],
        log: &[LoggedAnswer],
    ) -> Result<(), StoreError> {
        let id = learner.id;
        let mut months: BTreeMap<i32, Vec<LogItem>> = BTreeMap::new();
        for a in log {
            months.entry(month_of(a.at)).or_default().push(LogItem {
                at: a.at,
                chat: a.chat,
                message: a.message,
                question: a.question.clone(),
                right: a.right,
                answer: a.answer.clone(),
            });
        }
        let progress_key = keys::progress(id).build();
        let learner_key = keys::learner(id).build();
        let learner_value = learner.encode();
        let t = self.trees();
        let _gate = self.write_gate();
        (&t.learners, &t.progress, &t.log).transaction(|(learners, prog, logs)| {
            if !progress.is_empty() {
                let mut set: ProgressSet =
                    tx_get(prog, PROGRESS_TREE, &progress_key)?.unwrap_or_default();
                for (qid, p) in progress {
                    set.put(qid, p.clone());
                }
                prog.insert(progress_key.as_slice(), set.encode())?;
            }
            for (&month, items) in &months {
                let key = keys::log_chunk(id, month).build();
                let mut chunk = tx_get_chunk(logs, id, month, &key)?;
                for item in items {
                    chunk.put(item.clone());
                }
                logs.insert(key, chunk.encode(id, month))?;
            }
            learners.insert(learner_key.as_slice(), learner_value.as_slice())?;
            Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
        })?;
        self.wrote();
        Ok(())
    }
}

/// How many records a tree holds, and their key and value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeSize {
    pub tree: &'static str,
    pub records: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
}

impl Store {
    /// Per tree: records, key bytes and value bytes — the logical size of the data,
    /// before sled's own overhead. Walks every record: not for hot paths.
    pub fn tree_sizes(&self) -> Result<Vec<TreeSize>, StoreError> {
        let mut out = Vec::new();
        for (tree, t) in self.trees().all() {
            let mut size = TreeSize {
                tree,
                records: 0,
                key_bytes: 0,
                value_bytes: 0,
            };
            for kv in t.iter() {
                let (k, v) = kv?;
                size.records += 1;
                size.key_bytes += k.len() as u64;
                size.value_bytes += v.len() as u64;
            }
            out.push(size);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::store::Options;

    #[test]
    fn imported_history_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db"), Options::default()).expect("open");
        let t0 = Utc
            .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
            .single()
            .expect("valid");
        let learner = Learner::new(42, "Ada", t0);
        let p1 = crate::learn::update_progress(None, true, "B", t0, chrono_tz::UTC);
        let p2 = crate::learn::update_progress(None, false, "对", t0, chrono_tz::UTC);
        let progress = vec![("c1-q01".to_string(), p1.clone()), ("c1-q02".into(), p2)];
        let log: Vec<LoggedAnswer> = (0..3)
            .map(|i| LoggedAnswer {
                at: t0 + chrono::Duration::hours(i),
                chat: 42,
                message: 100 + i as i32,
                question: "c1-q01".into(),
                right: i % 2 == 0,
                answer: "B".into(),
            })
            .collect();
        store
            .import_history(&learner, &progress, &log)
            .expect("import");
        // Repeating it changes nothing (deterministic keys).
        store
            .import_history(&learner, &progress, &log)
            .expect("import again");

        assert_eq!(store.learner(42).expect("read"), Some(learner));
        let read = store.progress(42).expect("progress");
        assert_eq!(read.len(), 2);
        assert_eq!(read.get("c1-q01"), Some(&p1));
        let entries = store.log(42, t0).expect("log");
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].at, t0 + chrono::Duration::hours(1));
        assert!(!entries[1].right);
        assert!(store.progress(43).expect("other learner").is_empty());

        let sizes = store.tree_sizes().expect("sizes");
        let of = |name: &str| {
            sizes
                .iter()
                .find(|s| s.tree == name)
                .map(|s| (s.records, s.key_bytes))
                .expect("tree listed")
        };
        assert_eq!(of("learners"), (1, 8));
        // One progress record for the learner, one log chunk for the month.
        assert_eq!(of(crate::store::PROGRESS_TREE), (1, 8));
        assert_eq!(of(crate::store::LOG_TREE), (1, 8 + 4));
        assert!(sizes.iter().all(|s| s.records == 0 || s.value_bytes > 0));
    }
}
