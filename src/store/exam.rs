//! Mock exams: each learner's current paper (at most one open) and their results.
//!
//! `exams` holds one record per learner: the paper (question ids and the shown option
//! order), the answers so far, the start and the deadline (instants, so a restart
//! stops no clock), and, once handed in, its result. `exam_results` keeps every result,
//! keyed by learner and start. Handing in is one transaction: the paper is marked
//! submitted, its result kept, and each answered question recorded through
//! `cards::tx_learn`, the path of every practice answer (FSRS, the log, the streak).

use chrono::{DateTime, Utc};
use sled::Transactional;

use crate::bank::{Bank, KindPoints};
use crate::learn::Response;
use crate::learn::exam::ChapterScore;

use super::cards::{Learned, tx_learn};
use super::records::Codec;
use super::{Store, StoreError, bad_key, decode, keys, tx_get};

pub(crate) const EXAMS_TREE: &str = "exams";
pub(crate) const EXAM_RESULTS_TREE: &str = "exam_results";

/// One question of a paper: its id and the bank option index shown at each place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamItem {
    pub question: String,
    pub order: Vec<u8>,
}

/// A learner's paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub user: i64,
    /// Tells this paper from the learner's others (carried by its sheet's buttons).
    pub nonce: u32,
    pub items: Vec<ExamItem>,
    /// One slot per item, in shown letters.
    pub answers: Vec<Option<Response>>,
    /// The question the sheet shows.
    pub current: u16,
    pub started: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The marking it is scored by (kept: a bank edit cannot change a running paper's).
    pub pass: u32,
    pub points: KindPoints,
    /// The Telegram message showing the sheet, once sent.
    pub message: Option<i32>,
    /// Set at 交卷 (by the learner or the deadline).
    pub result: Option<ExamResult>,
}

impl Exam {
    pub fn is_open(&self) -> bool {
        self.result.is_none()
    }
}

/// A handed-in paper's result, kept in the learner's history.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamResult {
    pub nonce: u32,
    pub started: DateTime<Utc>,
    pub submitted: DateTime<Utc>,
    /// Handed in by the deadline, not the learner.
    pub timed_out: bool,
    pub points: u32,
    pub total: u32,
    pub pass: u32,
    pub passed: bool,
    pub right: u32,
    pub questions: u32,
    pub unanswered: u32,
    pub seconds_used: u32,
    pub chapters: Vec<ChapterScore>,
}

/// One answered question of a paper handed in, to record for spaced repetition.
#[derive(Debug, Clone)]
pub struct ExamAnswer {
    /// Its place on the paper (0-based).
    pub index: usize,
    pub question: String,
    pub right: bool,
    /// As the learner saw it ("BD", "对").
    pub text: String,
}

/// Why a hand-in changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSubmitted {
    /// No paper, or another one than the caller marked.
    NoSuchExam,
    /// Already handed in.
    AlreadySubmitted,
}

impl Store {
    /// The learner's current (or last handed-in) paper.
    pub fn exam(&self, user: i64) -> Result<Option<Exam>, StoreError> {
        self.get(&self.trees().exams, EXAMS_TREE, &keys::exam(user).build())
    }

    /// Read-modify-write of the learner's paper, atomically (`f` may run more than
    /// once): `f` returns the new paper (`None`: leave it) and a result.
    pub fn update_exam<Out>(
        &self,
        user: i64,
        mut f: impl FnMut(Option<Exam>) -> (Option<Exam>, Out),
    ) -> Result<Out, StoreError> {
        let key = keys::exam(user).build();
        self.cas(&self.trees().exams, EXAMS_TREE, &key, |cur| {
            let (next, out) = f(cur);
            (
                next.map(|mut e| {
                    e.user = user;
                    e
                }),
                out,
            )
        })
    }

    /// Hands in paper `nonce` of `user` with `result`, in one transaction: the paper
    /// is marked submitted, the result kept in the history, and each of `answers`
    /// recorded like a practice answer (progress, log, streak) at `result.submitted`.
    /// Nothing changes when the paper is not `nonce` or was already handed in, so
    /// the learner's 交卷 and the deadline cannot both count.
    pub fn submit_exam(
        &self,
        bank: &Bank,
        user: i64,
        name: &str,
        tz: chrono_tz::Tz,
        result: &ExamResult,
        answers: &[ExamAnswer],
    ) -> Result<Result<Exam, NotSubmitted>, StoreError> {
        let t = self.trees();
        let srs = self.srs();
        let _gate = self.write_gate();
        let exam_key = keys::exam(user).build();
        let result_key = keys::exam_result(user, result.started).build();
        let done = (&t.exams, &t.exam_results, &t.progress, &t.log, &t.learners).transaction(
            |(exams, results, progress, log, learners)| {
                let Some(mut exam) = tx_get::<Exam>(exams, EXAMS_TREE, &exam_key)? else {
                    return Ok(Err(NotSubmitted::NoSuchExam));
                };
                if exam.nonce != result.nonce {
                    return Ok(Err(NotSubmitted::NoSuchExam));
                }
                if exam.result.is_some() {
                    return Ok(Err(NotSubmitted::AlreadySubmitted));
                }
                exam.result = Some(result.clone());
                exams.insert(exam_key.clone(), exam.encode())?;
                results.insert(result_key.clone(), result.encode())?;
                for a in answers {
                    let Some(q) = bank.question(&a.question) else {
                        continue;
                    };
                    let learned = Learned {
                        user,
                        name,
                        chat: user,
                        // Never a Telegram message id: exam answers are told apart
                        // from cards' in the log by their negative numbers.
                        message: -1 - i32::try_from(a.index).unwrap_or(i32::MAX - 1),
                        question: &a.question,
                        kind: q.kind,
                        right: a.right,
                        answer_text: &a.text,
                        now: result.submitted,
                        tz,
                    };
                    tx_learn(&srs, &learned, progress, log, learners)?;
                }
                Ok(Ok(exam))
            },
        );
        let done = self.checked(done.map_err(StoreError::from))?;
        if done.is_ok() {
            self.wrote();
        }
        Ok(done)
    }

    /// The learner's results, newest first (at most `limit`).
    pub fn exam_results(&self, user: i64, limit: usize) -> Result<Vec<ExamResult>, StoreError> {
        let mut out = Vec::new();
        for kv in self
            .trees()
            .exam_results
            .scan_prefix(keys::learner(user))
            .rev()
            .take(limit)
        {
            let (k, v) = kv?;
            if k.len() != 16 {
                return Err(bad_key(EXAM_RESULTS_TREE, &k));
            }
            out.push(decode(EXAM_RESULTS_TREE, &k, &v)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::OptionSet;

    #[test]
    fn an_exam_and_its_result_round_trip() {
        let t = |ms| DateTime::from_timestamp_millis(ms).unwrap();
        let result = ExamResult {
            nonce: 7,
            started: t(1_000),
            submitted: t(61_000),
            timed_out: true,
            points: 4,
            total: 7,
            pass: 5,
            passed: false,
            right: 2,
            questions: 3,
            unanswered: 1,
            seconds_used: 60,
            chapters: vec![ChapterScore {
                chapter: 1,
                right: 2,
                questions: 3,
                points: 4,
                total: 7,
            }],
        };
        let exam = Exam {
            user: -3,
            nonce: 7,
            items: vec![
                ExamItem {
                    question: "c1-q01".into(),
                    order: vec![2, 0, 1],
                },
                ExamItem {
                    question: "c1-q02".into(),
                    order: vec![],
                },
            ],
            answers: vec![Some(Response::Choice(OptionSet(0b101))), None],
            current: 1,
            started: t(1_000),
            deadline: t(601_000),
            pass: 5,
            points: crate::bank::DEFAULT_POINTS,
            message: Some(42),
            result: Some(result.clone()),
        };
        assert_eq!(Exam::decode(&exam.encode()), Ok(exam));
        assert_eq!(ExamResult::decode(&result.encode()), Ok(result));
        assert!(Exam::decode(&[9, 9]).is_err());
    }
}
