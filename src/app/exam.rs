//! Mock exams (`/exam`, `exam` in `tutor play`): start or resume a paper, answer and
//! change answers, move between questions, hand in (with a warning about unanswered
//! questions first), the deadline's automatic hand-in, results and their history.
//!
//! Each call names the paper by its nonce: a sheet's button for another paper (an old
//! one, or another learner's) changes nothing. The deadline is a stored instant and a
//! scheduled job (`JobKind::Exam`), so a restart neither loses the paper nor stops the
//! clock. Nothing is graded before 交卷; then every answered question is recorded as
//! a practice answer is (FSRS, the log, the streak), in the hand-in's transaction.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::bank::{Blueprint, Kind, OptionSet, Question};
use crate::learn::{self, Presentation, Response, Verdict};
use crate::store::{Exam, ExamAnswer, ExamItem, ExamResult, JobKind, NotSubmitted, StoreError};

use super::Tutor;

/// How many results `/stats` shows.
pub const STATS_RESULTS: usize = 5;
/// How many results `/exam history` shows.
pub const HISTORY_RESULTS: usize = 20;

/// How often the sheet's countdown is refreshed while a paper is open (the exam job
/// runs at most this often; the deadline itself is never late for it).
pub const COUNTDOWN_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// What the scheduler's exam job found.
#[derive(Debug)]
pub enum ExamDue<'a> {
    /// The time was up: handed in now.
    Submitted(Report<'a>),
    /// Still open: the sheet with its countdown, to refresh the sheet message.
    Countdown {
        sheet: Sheet<'a>,
        message: i32,
    },
    Nothing,
}

/// The exam job's next time: a minute on, never after the deadline.
fn next_tick(now: DateTime<Utc>, deadline: DateTime<Utc>) -> DateTime<Utc> {
    (now + COUNTDOWN_EVERY).min(deadline)
}

/// What a learner does on their paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExamOp {
    /// Show question `i`.
    Go(u16),
    /// Tap shown option `option` of question `i`: a 单选 or 判断 (0 = 对, 1 = 错)
    /// takes it as the answer, a 多选 toggles it.
    Pick(u16, u8),
    /// Set question `i`'s answer (typed, in shown letters).
    Set(u16, Response),
    /// 交卷: warns first when questions are unanswered.
    Submit,
    /// 交卷 after the warning.
    ConfirmSubmit,
}

/// The sheet: the question shown, its answer so far and the state of the paper.
#[derive(Debug, Clone)]
pub struct Sheet<'a> {
    pub nonce: u32,
    pub index: usize,
    pub question: &'a Question,
    pub presentation: Presentation,
    pub answer: Option<Response>,
    /// Whether each question is answered, in paper order.
    pub answered: Vec<bool>,
    pub seconds_left: i64,
    pub deadline: DateTime<Utc>,
}

/// A wrong (or unanswered) question of a handed-in paper, for the review.
#[derive(Debug, Clone)]
pub struct Wrong<'a> {
    pub index: usize,
    pub question: &'a Question,
    pub presentation: Presentation,
    /// `None`: left unanswered.
    pub verdict: Option<Verdict>,
}

/// A handed-in paper: its result and the review of what was wrong.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub result: ExamResult,
    pub wrong: Vec<Wrong<'a>>,
}

/// What an exam use case did.
#[derive(Debug, Clone)]
pub enum ExamOutcome<'a> {
    /// The sheet to show (a new paper, a resumed one, after a move or an answer).
    Sheet(Sheet<'a>),
    /// 交卷 with unanswered questions: the warning (their numbers, 1-based), to confirm.
    Confirm {
        sheet: Sheet<'a>,
        unanswered: Vec<usize>,
    },
    /// Handed in now.
    Submitted(Report<'a>),
    /// The time was up: the paper was handed in by the deadline; what was asked
    /// (an answer, a move) was refused.
    TimeUp(Report<'a>),
    /// The paper was already handed in: nothing changed (a late answer).
    AlreadySubmitted,
    /// No such paper for this learner (none, an old one, or a forged button).
    NoExam,
    /// The bank has no questions.
    Empty,
}

impl Tutor {
    /// `/exam`: resumes the open paper, or (none open) draws a new one by the bank's
    /// blueprint and schedules its deadline. An open paper past its deadline is
    /// handed in first ([`ExamOutcome::TimeUp`]).
    pub fn exam_start<R: Rng + ?Sized>(
        &self,
        user: i64,
        rng: &mut R,
    ) -> Result<ExamOutcome<'_>, StoreError> {
        let now = self.now();
        let last = self.store.exam(user)?;
        let last_nonce = last.as_ref().map(|e| e.nonce);
        if let Some(exam) = last.filter(Exam::is_open) {
            if now >= exam.deadline {
                return self.hand_in(user, &exam, true);
            }
            return Ok(ExamOutcome::Sheet(
                self.sheet(&exam, usize::from(exam.current)),
            ));
        }
        let bp = learn::exam::blueprint(&self.bank);
        let paper = learn::exam::draw(&self.bank, &bp, rng);
        if paper.is_empty() {
            return Ok(ExamOutcome::Empty);
        }
        // A new paper never takes the last one's nonce: its old sheet stays stale.
        let mut nonce: u32 = rng.random();
        if Some(nonce) == last_nonce {
            nonce = nonce.wrapping_add(1);
        }
        let exam = Exam {
            user,
            nonce,
            answers: vec![None; paper.len()],
            items: paper
                .into_iter()
                .map(|i| ExamItem {
                    question: i.question,
                    order: i.presentation.order().to_vec(),
                })
                .collect(),
            current: 0,
            started: now,
            deadline: learn::exam::deadline(now, &bp),
            pass: bp.pass,
            points: bp.points,
            message: None,
            result: None,
        };
        self.store.update_exam(user, |_| (Some(exam.clone()), ()))?;
        self.store
            .schedule(user, JobKind::Exam, Some(next_tick(now, exam.deadline)))?;
        self.wake.notify_one();
        Ok(ExamOutcome::Sheet(self.sheet(&exam, 0)))
    }

    /// Does `op` on paper `nonce` of `user`. Refused after 交卷 and past the deadline
    /// (then the paper is handed in), and for any paper but the learner's open one.
    pub fn exam_op(
        &self,
        user: i64,
        nonce: u32,
        op: ExamOp,
    ) -> Result<ExamOutcome<'_>, StoreError> {
        let now = self.now();
        let Some(exam) = self.store.exam(user)?.filter(|e| e.nonce == nonce) else {
            return Ok(ExamOutcome::NoExam);
        };
        if !exam.is_open() {
            return Ok(ExamOutcome::AlreadySubmitted);
        }
        if now >= exam.deadline {
            return self.hand_in(user, &exam, true);
        }
        let n = exam.items.len();
        let index = |i: u16| usize::from(i).min(n.saturating_sub(1));
        match op {
            ExamOp::Go(i) => {
                let exam = self.change(user, nonce, |e| e.current = index(i) as u16)?;
                Ok(self.shown(exam))
            }
            ExamOp::Pick(i, option) => {
                let i = index(i);
                let Some(kind) = self.bank.question(&exam.items[i].question).map(|q| q.kind) else {
                    return Ok(ExamOutcome::Sheet(self.sheet(&exam, i)));
                };
                let width = exam.items[i].order.len();
                let exam = self.change(user, nonce, |e| {
                    e.current = i as u16;
                    e.answers[i] = picked(kind, width, e.answers[i], option);
                })?;
                Ok(self.shown(exam))
            }
            ExamOp::Set(i, response) => {
                let i = index(i);
                let exam = self.change(user, nonce, |e| {
                    e.current = i as u16;
                    e.answers[i] = Some(response);
                })?;
                Ok(self.shown(exam))
            }
            ExamOp::Submit => {
                let unanswered: Vec<usize> = (0..n)
                    .filter(|&i| exam.answers.get(i).is_none_or(Option::is_none))
                    .map(|i| i + 1)
                    .collect();
                if unanswered.is_empty() {
                    return self.hand_in(user, &exam, false);
                }
                let sheet = self.sheet(&exam, usize::from(exam.current));
                Ok(ExamOutcome::Confirm { sheet, unanswered })
            }
            ExamOp::ConfirmSubmit => self.hand_in(user, &exam, false),
        }
    }

    /// The scheduler's exam job for `user`: hands in a paper whose deadline passed
    /// (to tell the learner), else plans itself again (a minute on, at most to the
    /// deadline) and gives the sheet for its countdown when it was sent.
    pub fn exam_due(&self, user: i64) -> Result<ExamDue<'_>, StoreError> {
        let Some(exam) = self.store.exam(user)?.filter(Exam::is_open) else {
            self.store.schedule(user, JobKind::Exam, None)?;
            return Ok(ExamDue::Nothing);
        };
        let now = self.now();
        if now < exam.deadline {
            self.store
                .schedule(user, JobKind::Exam, Some(next_tick(now, exam.deadline)))?;
            return Ok(match exam.message {
                Some(message) => ExamDue::Countdown {
                    sheet: self.sheet(&exam, usize::from(exam.current)),
                    message,
                },
                None => ExamDue::Nothing,
            });
        }
        match self.hand_in(user, &exam, true)? {
            ExamOutcome::TimeUp(report) => Ok(ExamDue::Submitted(report)),
            _ => Ok(ExamDue::Nothing),
        }
    }

    /// The learner's open paper's nonce and sheet message (for the bot to edit).
    pub fn exam_message(&self, user: i64) -> Result<Option<(u32, Option<i32>)>, StoreError> {
        Ok(self.store.exam(user)?.map(|e| (e.nonce, e.message)))
    }

    /// Remembers the message that shows paper `nonce`'s sheet.
    pub fn set_exam_message(&self, user: i64, nonce: u32, message: i32) -> Result<(), StoreError> {
        self.store.update_exam(user, |cur| match cur {
            Some(mut e) if e.nonce == nonce => {
                e.message = Some(message);
                (Some(e), ())
            }
            _ => (None, ()),
        })
    }

    /// The learner's results, newest first.
    pub fn exam_history(&self, user: i64, limit: usize) -> Result<Vec<ExamResult>, StoreError> {
        self.store.exam_results(user, limit)
    }

    /// Changes the open paper `nonce` (atomically) and returns it as stored.
    fn change(
        &self,
        user: i64,
        nonce: u32,
        mut f: impl FnMut(&mut Exam),
    ) -> Result<Option<Exam>, StoreError> {
        self.store.update_exam(user, |cur| match cur {
            Some(mut e) if e.nonce == nonce && e.is_open() => {
                f(&mut e);
                (Some(e.clone()), Some(e))
            }
            _ => (None, None),
        })
    }

    fn shown(&self, exam: Option<Exam>) -> ExamOutcome<'_> {
        match exam {
            Some(e) => ExamOutcome::Sheet(self.sheet(&e, usize::from(e.current))),
            None => ExamOutcome::AlreadySubmitted,
        }
    }

    fn sheet(&self, exam: &Exam, index: usize) -> Sheet<'_> {
        let index = index.min(exam.items.len().saturating_sub(1));
        let item = &exam.items[index];
        let question = self
            .bank
            .question(&item.question)
            .unwrap_or(&self.bank.questions()[0]);
        let presentation = presentation(item, question);
        Sheet {
            nonce: exam.nonce,
            index,
            question,
            presentation,
            answer: exam.answers.get(index).copied().flatten(),
            answered: exam.answers.iter().map(Option::is_some).collect(),
            seconds_left: learn::exam::seconds_left(exam.deadline, self.now()),
            deadline: exam.deadline,
        }
    }

    /// Marks and hands in `exam` (durably recorded by the caller's flush).
    fn hand_in(
        &self,
        user: i64,
        exam: &Exam,
        timed_out: bool,
    ) -> Result<ExamOutcome<'_>, StoreError> {
        let now = self.now();
        let bp = Blueprint {
            minutes: 0,
            pass: exam.pass,
            points: exam.points,
            parts: Vec::new(),
        };
        let paper: Vec<learn::exam::PaperItem> = exam
            .items
            .iter()
            .map(|i| learn::exam::PaperItem {
                question: i.question.clone(),
                presentation: Presentation::from_order(i.order.clone())
                    .unwrap_or_else(|| Presentation::identity(i.order.len())),
            })
            .collect();
        let score = learn::exam::mark(&self.bank, &bp, &paper, &exam.answers);
        let submitted = if timed_out {
            exam.deadline.max(exam.started)
        } else {
            now
        };
        let used = learn::exam::time_used(exam.started, exam.deadline, submitted);
        let result = ExamResult {
            nonce: exam.nonce,
            started: exam.started,
            submitted,
            timed_out,
            points: score.points,
            total: score.total,
            pass: score.pass,
            passed: score.passed,
            right: score.right,
            questions: score.questions,
            unanswered: score.unanswered,
            seconds_used: u32::try_from(used.num_seconds()).unwrap_or(u32::MAX),
            chapters: score.chapters.clone(),
        };
        let answers: Vec<ExamAnswer> = score
            .items
            .iter()
            .filter_map(|m| {
                let v = m.verdict.as_ref()?;
                Some(ExamAnswer {
                    index: m.index,
                    question: v.question.clone(),
                    right: v.is_right(),
                    text: v.given.to_string(),
                })
            })
            .collect();
        let name = self
            .store
            .learner(user)?
            .map(|l| l.name)
            .unwrap_or_default();
        let tz = self.learner_tz_of(user)?;
        let done = self
            .store
            .submit_exam(&self.bank, user, &name, tz, &result, &answers)?;
        self.store.schedule(user, JobKind::Exam, None)?;
        match done {
            Ok(_) => {}
            Err(NotSubmitted::AlreadySubmitted) => return Ok(ExamOutcome::AlreadySubmitted),
            Err(NotSubmitted::NoSuchExam) => return Ok(ExamOutcome::NoExam),
        }
        let wrong = score
            .items
            .iter()
            .filter(|m| !m.is_right())
            .filter_map(|m| {
                let q = self.bank.question(&paper[m.index].question)?;
                Some(Wrong {
                    index: m.index,
                    question: q,
                    presentation: paper[m.index].presentation.clone(),
                    verdict: m.verdict.clone(),
                })
            })
            .collect();
        let report = Report { result, wrong };
        Ok(if timed_out {
            ExamOutcome::TimeUp(report)
        } else {
            ExamOutcome::Submitted(report)
        })
    }
}

fn presentation(item: &ExamItem, q: &Question) -> Presentation {
    Presentation::from_order(item.order.clone())
        .filter(|p| p.fits(q))
        .unwrap_or_else(|| match q.kind {
            Kind::Judge => Presentation::identity(0),
            _ => Presentation::identity(q.options.len()),
        })
}

/// The answer after tapping shown option `option`: 单选 and 判断 take it, 多选
/// toggles it (none chosen: unanswered). An option the question lacks changes nothing.
fn picked(kind: Kind, width: usize, before: Option<Response>, option: u8) -> Option<Response> {
    let i = usize::from(option);
    match kind {
        Kind::Judge if i < 2 => Some(Response::Judge(i == 0)),
        Kind::Single if i < width => Some(Response::Choice(OptionSet::single(i))),
        Kind::Multi if i < width => {
            let mut set = match before {
                Some(Response::Choice(s)) => s,
                _ => OptionSet::EMPTY,
            };
            set.toggle(i);
            (!set.is_empty()).then_some(Response::Choice(set))
        }
        _ => before,
    }
}

#[cfg(test)]
mod tests;
