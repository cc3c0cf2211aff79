//! Composite sled keys: the one place that knows how keys are laid out.
//!
//! Every integer is big-endian; signed integers have their sign bit flipped so that
//! byte order equals numeric order (negative group chat ids sort before positive
//! private ones). A string may only be the last component (it is written raw).
//!
//! | tree                  | key                                       | value                  |
//! |-----------------------|-------------------------------------------|------------------------|
//! | `meta`                | `b"schema"`                               | u32 BE                 |
//! | `meta`                | `b"fsrs_parameters"`                      | `FsrsParametersRecord`: the set `tutor optimize` chose |
//! | `learners`            | user i64                                  | `LearnerRecord`        |
//! | `chats`               | chat i64                                  | `ChatRecord`           |
//! | `progress_by_learner` | user i64                                  | `ProgressSetRecord`: every question they answered |
//! | `log_by_month`        | user i64 · month i32 (UTC, from 0000-01)  | `LogChunkRecord`: that month's answers |
//! | `cards`               | chat i64 · message i32                    | `CardRecord`           |
//! | `open_cards`          | chat i64 · message i32                    | empty                  |
//! | `scores`              | chat i64 · user i64                       | `ScoreRecord`          |
//! | `schedule`            | at ms i64 · chat i64 · kind u8            | empty                  |
//! | `schedule_by_chat`    | chat i64 · kind u8                        | at ms i64 (8 bytes)    |
//! | `exams`               | user i64                                  | `ExamRecord`: their current or last paper |
//! | `exam_results`        | user i64 · started ms i64                 | `ExamResultRecord`     |
//! | `shelf`               | user i64                                  | `ShelfRecord`: favourites, practice set, last search |
//! | `reports`             | user i64                                  | `ReportRecord`: the weekly report's setting and last week sent |
//!
//! Until schema 2 a learner's progress and log were one sled entry per question and
//! per answer, in trees that the migration to schema 2 reads and then drops:
//!
//! | tree       | key                                        | value            |
//! |------------|--------------------------------------------|------------------|
//! | `progress` | user i64 · question id (utf-8)             | `ProgressRecord` |
//! | `log`      | user i64 · at ms i64 · chat i64 · msg i32  | `LogRecord`      |
//!
//! sled pays about a hundred bytes of its own per entry (message and node headers,
//! leaves of at most 16 entries, superseded versions in its log), more than these
//! records' data, so a learner's progress and log, always read together, are packed.
//! An answer rewrites its learner's progress record and month chunk (a few KiB).

use chrono::{DateTime, Utc};

/// A key under construction: `Key::new().i64(chat).i32(msg).str(qid)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl Key {
    pub fn new() -> Key {
        Key(Vec::with_capacity(24))
    }

    pub fn i64(mut self, v: i64) -> Key {
        self.0.extend_from_slice(&enc_i64(v));
        self
    }

    pub fn i32(mut self, v: i32) -> Key {
        self.0
            .extend_from_slice(&((v as u32) ^ (1 << 31)).to_be_bytes());
        self
    }

    pub fn u8(mut self, v: u8) -> Key {
        self.0.push(v);
        self
    }

    /// A timestamp as milliseconds since the epoch (an order-preserving i64).
    pub fn time(self, at: DateTime<Utc>) -> Key {
        self.i64(at.timestamp_millis())
    }

    /// Raw UTF-8; only valid as the last component.
    pub fn str(mut self, s: &str) -> Key {
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.0
    }
}

impl AsRef<[u8]> for Key {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Key> for sled::IVec {
    fn from(k: Key) -> sled::IVec {
        sled::IVec::from(k.0)
    }
}

pub fn enc_i64(v: i64) -> [u8; 8] {
    ((v as u64) ^ (1 << 63)).to_be_bytes()
}

/// Reads a key back, component by component.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(key: &'a [u8]) -> Reader<'a> {
        Reader { rest: key }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        if self.rest.len() < N {
            return None;
        }
        let (head, tail) = self.rest.split_at(N);
        self.rest = tail;
        head.try_into().ok()
    }

    pub fn i64(&mut self) -> Option<i64> {
        self.take::<8>()
            .map(|b| (u64::from_be_bytes(b) ^ (1 << 63)) as i64)
    }

    pub fn i32(&mut self) -> Option<i32> {
        self.take::<4>()
            .map(|b| (u32::from_be_bytes(b) ^ (1 << 31)) as i32)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }

    pub fn time(&mut self) -> Option<DateTime<Utc>> {
        self.i64().and_then(DateTime::from_timestamp_millis)
    }

    /// The rest of the key as a string.
    pub fn str(&mut self) -> Option<&'a str> {
        let s = std::str::from_utf8(self.rest).ok()?;
        self.rest = &[];
        Some(s)
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// Lowercase hex of a key, for error messages.
pub fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn learner(user: i64) -> Key {
    Key::new().i64(user)
}

pub fn chat(chat: i64) -> Key {
    Key::new().i64(chat)
}

/// A learner's progress on every question (schema 2).
pub fn progress(user: i64) -> Key {
    Key::new().i64(user)
}

/// A learner's answers in one month (schema 2; the month as `records::month_of`).
pub fn log_chunk(user: i64, month: i32) -> Key {
    Key::new().i64(user).i32(month)
}

/// Schema 1: progress on one question (the migration reads these keys back).
#[cfg(test)]
pub fn progress_v1(user: i64, question: &str) -> Key {
    Key::new().i64(user).str(question)
}

/// Schema 1: one logged answer.
#[cfg(test)]
pub fn log_v1(user: i64, at: DateTime<Utc>, chat: i64, message: i32) -> Key {
    Key::new().i64(user).time(at).i64(chat).i32(message)
}

pub fn card(chat: i64, message: i32) -> Key {
    Key::new().i64(chat).i32(message)
}

pub fn score(chat: i64, user: i64) -> Key {
    Key::new().i64(chat).i64(user)
}

pub fn job(at: DateTime<Utc>, chat: i64, kind: u8) -> Key {
    Key::new().time(at).i64(chat).u8(kind)
}

/// A learner's current (or last) mock exam.
pub fn exam(user: i64) -> Key {
    Key::new().i64(user)
}

/// One of a learner's mock-exam results.
pub fn exam_result(user: i64, started: DateTime<Utc>) -> Key {
    Key::new().i64(user).time(started)
}

pub fn job_by_chat(chat: i64, kind: u8) -> Key {
    Key::new().i64(chat).u8(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_integers_sort_numerically() {
        let values = [
            i64::MIN,
            -1_001_234_567_890,
            -100,
            -1,
            0,
            1,
            42,
            7_000_000_000,
            i64::MAX,
        ];
        let keys: Vec<Vec<u8>> = values.iter().map(|&v| Key::new().i64(v).build()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for (v, k) in values.iter().zip(&keys) {
            assert_eq!(Reader::new(k).i64(), Some(*v));
        }

        let small = [i32::MIN, -5, -1, 0, 1, 9, i32::MAX];
        let keys: Vec<Vec<u8>> = small.iter().map(|&v| Key::new().i32(v).build()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for (v, k) in small.iter().zip(&keys) {
            assert_eq!(Reader::new(k).i32(), Some(*v));
        }
    }

    #[test]
    fn composite_keys_sort_by_components() {
        // A group (negative id) sorts before a private chat; within a chat, by message.
        let a = card(-1_001_234_567_890, 5).build();
        let b = card(-1_001_234_567_890, 6).build();
        let c = card(-5, 1).build();
        let d = card(12345, -1).build();
        let e = card(12345, 0).build();
        let mut v = vec![e.clone(), c.clone(), a.clone(), d.clone(), b.clone()];
        v.sort();
        assert_eq!(v, vec![a, b, c, d, e]);

        let t1 = DateTime::from_timestamp_millis(1_000).unwrap();
        let t2 = DateTime::from_timestamp_millis(2_000).unwrap();
        assert!(job(t1, 99, 3).build() < job(t2, -99, 0).build());
        assert!(job(t1, -99, 3).build() < job(t1, 99, 0).build());

        let k = log_v1(-7, t2, -100, 42).build();
        let mut r = Reader::new(&k);
        assert_eq!(r.i64(), Some(-7));
        assert_eq!(r.time(), Some(t2));
        assert_eq!(r.i64(), Some(-100));
        assert_eq!(r.i32(), Some(42));
        assert!(r.is_empty());

        let k = progress_v1(3, "c1-q01").build();
        let mut r = Reader::new(&k);
        assert_eq!(r.i64(), Some(3));
        assert_eq!(r.str(), Some("c1-q01"));
        assert_eq!(r.i64(), None);

        // Chunks of a learner's log sort by month, and a learner's keys by user first.
        assert!(log_chunk(3, -1).build() < log_chunk(3, 0).build());
        assert!(log_chunk(3, 24_400).build() < log_chunk(3, 24_401).build());
        assert!(log_chunk(3, i32::MAX).build() < log_chunk(4, i32::MIN).build());
        assert!(
            log_chunk(3, 24_400)
                .build()
                .starts_with(&progress(3).build())
        );
    }
}
