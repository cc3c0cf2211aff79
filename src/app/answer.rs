//! Answers: record and grade, on disk before anyone is told.
//!
//! The bot records through [`AnswerWriter`], a group commit: every handler hands its
//! answer to one writer task, which records all the answers waiting at that moment in
//! one store transaction, flushes once, and then releases each handler with its
//! outcome. The terminal records one answer at a time with
//! [`Tutor::answer_blocking`]: one transaction, one flush.
//!
//! sled writes its log out (a synchronous write) for every transaction, and the flush
//! before a verdict waits for all of those before it: one transaction per answer
//! capped the bot at ~1,700 answers/s and put that queue into every verdict's latency
//! (docs/benchmarks.md). A burst of answers now costs one transaction and one flush,
//! and the writer is pipelined: the answers that arrive during a flush are recorded
//! meanwhile as the next batch, whose flush starts as soon as that one ends.
//! The guarantees are the same as answering one by one: an outcome is returned only
//! once it is on disk, and a batch is recorded exactly as its answers would be in turn.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use crate::bank::Bank;
use crate::learn::{self, Response, StreakChange, Verdict};
use crate::store::{AnswerOutcome, AnswerRequest, Card, Store, StoreError};

use super::{Person, Tutor};

/// An answer to a card, as a front end received it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub card: &'a Card,
    pub who: Person<'a>,
    /// In shown letters.
    pub response: Response,
    /// The answer as typed or tapped (`BD`, `对`), kept in the log (64 characters).
    pub text: &'a str,
}

/// What became of an answer.
#[derive(Debug, Clone)]
pub enum Answered {
    /// Recorded and durable.
    Graded {
        verdict: Verdict,
        /// The streak change, and the streak in days after this answer.
        streak: StreakChange,
        streak_days: u32,
        /// Group points earned (0 in private chats).
        points: u32,
        /// The card after the answer.
        card: Card,
    },
    /// A group card whose time is up (with its grace): not recorded, it scores
    /// nothing; the card's reveal is due.
    Late,
    /// This learner already answered this card: recorded zero times.
    AlreadyAnswered { card: Card },
    /// The card is closed (answered in private, revealed in a group).
    Closed,
    /// No such card, or its question left the bank (or changed shape).
    Invalid,
}

impl From<AnswerOutcome> for Answered {
    fn from(o: AnswerOutcome) -> Answered {
        match o {
            AnswerOutcome::Recorded {
                verdict,
                points,
                streak,
                streak_days,
                card,
            } => Answered::Graded {
                verdict,
                streak,
                streak_days,
                points,
                card,
            },
            AnswerOutcome::AlreadyAnswered { card } => Answered::AlreadyAnswered { card },
            AnswerOutcome::Closed => Answered::Closed,
            AnswerOutcome::NoSuchCard | AnswerOutcome::UnknownQuestion => Answered::Invalid,
        }
    }
}

impl Tutor {
    /// The store's request for an answer (the learner is ensured; days count in their
    /// zone, group weeks in the chat's); `None` when a group card's time is up.
    fn answer_request(&self, a: &Answer<'_>) -> anyhow::Result<Option<AnswerRequest>> {
        let now = self.now();
        if a.card.is_group() && learn::is_late(a.card.deadline, now) {
            return Ok(None);
        }
        let learner = self.ensure_learner(a.who)?;
        let (chat_tz, streak_bonus) = match self.store.chat(a.card.chat)? {
            Some(c) => (c.tz, c.streak_bonus),
            None => (self.default_tz, true),
        };
        Ok(Some(AnswerRequest {
            chat: a.card.chat,
            message: a.card.message,
            user: a.who.id,
            name: learner.name.clone(),
            response: a.response,
            answer_text: a.text.trim().chars().take(64).collect(),
            now,
            learner_tz: self.learner_tz(Some(&learner)),
            chat_tz,
            streak_bonus,
        }))
    }

    /// Records and grades an answer through the bot's group commit; returns once it
    /// is durable.
    pub async fn answer(&self, writer: &AnswerWriter, a: Answer<'_>) -> anyhow::Result<Answered> {
        let answered = match self.answer_request(&a)? {
            Some(req) => writer.record(req).await?.into(),
            None => Answered::Late,
        };
        self.walked(&a, &answered);
        Ok(answered)
    }

    /// A private answer graded: the learner's `/practice` walk moves on. The answer
    /// is recorded whatever becomes of this.
    fn walked(&self, a: &Answer<'_>, answered: &Answered) {
        if a.card.is_group() || !matches!(answered, Answered::Graded { .. }) {
            return;
        }
        if let Err(e) = self.walk_answered(a.who.id, &a.card.question) {
            warn!(error = %e, "a practice walk could not note an answer");
        }
    }

    /// Records and grades one answer, flushed before it returns (the terminal).
    pub fn answer_blocking(&self, a: Answer<'_>) -> anyhow::Result<Answered> {
        let Some(req) = self.answer_request(&a)? else {
            return Ok(Answered::Late);
        };
        let outcome = self.store.record_answer(&self.bank, &req)?;
        self.store.flush_blocking()?;
        let answered = outcome.into();
        self.walked(&a, &answered);
        Ok(answered)
    }
}

/// Answers recorded in one transaction, at most.
const MAX_BATCH: usize = 128;
/// Answers waiting for the writer, at most (handlers wait beyond it).
const QUEUE: usize = 1024;

type Reply = oneshot::Sender<anyhow::Result<AnswerOutcome>>;

/// The handle handlers record answers through.
pub struct AnswerWriter {
    tx: mpsc::Sender<(AnswerRequest, Reply)>,
}

impl AnswerWriter {
    /// Starts the writer task on the current runtime.
    pub fn spawn(store: Store, bank: Arc<Bank>) -> AnswerWriter {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, bank, rx));
        AnswerWriter { tx }
    }

    /// Records an answer; returns once it is durable (or was not recorded).
    async fn record(&self, req: AnswerRequest) -> anyhow::Result<AnswerOutcome> {
        let (reply, outcome) = oneshot::channel();
        self.tx
            .send((req, reply))
            .await
            .map_err(|_| anyhow::anyhow!("the answer writer has stopped"))?;
        outcome
            .await
            .map_err(|_| anyhow::anyhow!("the answer writer has stopped"))?
    }
}

/// Answers recorded in memory, each with its handler's reply, waiting for a flush.
type Recorded = Vec<(Reply, anyhow::Result<AnswerOutcome>)>;

/// The writer, pipelined: while one batch is being flushed, the answers that arrive
/// meanwhile are recorded as the next batch (one transaction), and its flush starts
/// the moment the one before ends. A handler is released only when its own batch is
/// on disk; at most one batch waits behind the flush.
async fn run(store: Store, bank: Arc<Bank>, mut rx: mpsc::Receiver<(AnswerRequest, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut flushing: Option<(Recorded, BoxFuture<'static, Result<(), StoreError>>)> = None;
    let mut next: Option<Recorded> = None;
    let mut open = true;
    loop {
        let Some((_, flush)) = flushing.as_mut() else {
            let recorded = match next.take() {
                Some(r) => r,
                None if open && rx.recv_many(&mut batch, MAX_BATCH).await > 0 => {
                    record(&store, &bank, &mut batch)
                }
                None => return,
            };
            let s = store.clone();
            flushing = Some((recorded, Box::pin(async move { s.flush().await })));
            continue;
        };
        tokio::select! {
            biased;
            flushed = flush => {
                let (recorded, _) = flushing.take().expect("a batch is being flushed");
                release(recorded, &flushed);
            }
            n = rx.recv_many(&mut batch, MAX_BATCH), if open && next.is_none() => match n {
                0 => open = false,
                _ => next = Some(record(&store, &bank, &mut batch)),
            },
        }
    }
}

/// Records the batch's answers in one transaction (in memory until the next flush).
fn record(store: &Store, bank: &Bank, batch: &mut Vec<(AnswerRequest, Reply)>) -> Recorded {
    let (reqs, replies): (Vec<AnswerRequest>, Vec<Reply>) = batch.drain(..).unzip();
    let outcomes: Vec<_> = match store.record_answers(bank, &reqs) {
        Ok(o) => o.into_iter().map(Ok).collect(),
        // One bad record must not fail the answers beside it: each on its own.
        Err(e) if reqs.len() > 1 => {
            warn!(error = %e, count = reqs.len(), "recording a batch of answers failed; one by one");
            reqs.iter()
                .map(|r| store.record_answer(bank, r).map_err(Into::into))
                .collect()
        }
        Err(e) => vec![Err(e.into())],
    };
    replies.into_iter().zip(outcomes).collect()
}

/// Releases each handler of a flushed batch with its outcome (an error if the flush
/// failed: the answer may not be on disk).
fn release(recorded: Recorded, flushed: &Result<(), StoreError>) {
    for (reply, outcome) in recorded {
        let outcome = match flushed {
            Ok(()) => outcome,
            Err(e) => Err(anyhow::anyhow!("flushing answers failed: {e}")),
        };
        // A handler that has gone away (shutdown) needs no reply.
        let _ = reply.send(outcome);
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::learn::Presentation;
    use crate::store::Options;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_answers_are_each_recorded_once_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), Options::default()).unwrap();
        let bank = Arc::new(Bank::embedded().unwrap());
        let question = bank.question("c1-q03").unwrap();
        let (q, order) = (
            question.id.clone(),
            Presentation::new(question, &mut rand::rng())
                .order()
                .to_vec(),
        );
        let now = Utc::now();
        for chat in 1..=100i64 {
            store
                .put_card(&Card::private(chat, 1, &q, order.clone(), now))
                .unwrap();
        }
        let writer = Arc::new(AnswerWriter::spawn(store.clone(), bank.clone()));
        let tasks: Vec<_> = (1..=100i64)
            .flat_map(|chat| [chat, chat]) // every answer delivered twice
            .map(|chat| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .record(AnswerRequest {
                            chat,
                            message: 1,
                            user: chat,
                            name: format!("u{chat}"),
                            response: Response::Judge(true),
                            answer_text: "对".into(),
                            now,
                            learner_tz: chrono_tz::Asia::Shanghai,
                            chat_tz: chrono_tz::Asia::Shanghai,
                            streak_bonus: true,
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut recorded = 0;
        for t in tasks {
            match t.await.unwrap() {
                AnswerOutcome::Recorded { .. } => recorded += 1,
                AnswerOutcome::AlreadyAnswered { .. } => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(recorded, 100, "each chat's answer once");
        for chat in 1..=100i64 {
            assert_eq!(
                store
                    .log(chat, now - chrono::Duration::days(1))
                    .unwrap()
                    .len(),
                1
            );
        }
    }
}

#[cfg(test)]
mod use_case_tests {
    use super::super::testing;
    use super::*;
    use crate::bank::OptionSet;
    use crate::store::Card;

    fn who() -> Person<'static> {
        Person {
            id: 5,
            name: "Lin",
            lang_code: None,
        }
    }

    #[test]
    fn a_private_answer_is_graded_once_with_its_streak() {
        let t = testing::at(testing::t0());
        let card = Card::private(5, 10, "c3-q01", vec![0, 1, 2, 3], t.now());
        t.presented(&card).unwrap();
        let answer = Answer {
            card: &card,
            who: who(),
            response: Response::Choice(OptionSet::single(1)),
            text: " b ",
        };
        match t.answer_blocking(answer).unwrap() {
            Answered::Graded {
                verdict,
                streak,
                streak_days,
                points,
                card,
            } => {
                assert!(verdict.is_right());
                assert_eq!((streak, streak_days, points), (StreakChange::Started, 1, 0));
                assert!(!card.open);
            }
            other => panic!("{other:?}"),
        }
        // Delivered again: already answered, and counted once.
        assert!(matches!(
            t.answer_blocking(answer).unwrap(),
            Answered::AlreadyAnswered { .. }
        ));
        let stats = t.stats(5).unwrap();
        assert_eq!((stats.answered, stats.right, stats.streak), (1, 1, 1));
        assert_eq!(t.store.learner(5).unwrap().unwrap().name, "Lin");
    }

    /// `/settings streak_bonus off`: the same three instant right answers earn
    /// 1000, 1100, 1200 with the bonus and 1000 each without it.
    #[test]
    fn a_group_without_the_streak_bonus_scores_speed_alone() {
        let t = testing::at(testing::t0());
        for (chat, bonus, want) in [(-100, true, [1000, 1100, 1200]), (-200, false, [1000; 3])] {
            t.ensure_chat(chat, crate::store::ChatKind::Group, "G")
                .unwrap();
            t.set_streak_bonus(chat, bonus).unwrap();
            for (message, want) in (1..).zip(want) {
                let card = Card::group(chat, message, "c3-q03", Vec::new(), 9, t.now(), 60);
                t.presented(&card).unwrap();
                let answer = Answer {
                    card: &card,
                    who: who(),
                    response: Response::Judge(true),
                    text: "对",
                };
                match t.answer_blocking(answer).unwrap() {
                    Answered::Graded { points, .. } => assert_eq!(points, want, "{chat} {message}"),
                    other => panic!("{other:?}"),
                }
            }
            assert_eq!(t.store.chat(chat).unwrap().unwrap().streak_bonus, bonus);
        }
    }

    #[test]
    fn a_late_group_answer_is_not_recorded_and_an_unknown_card_is_invalid() {
        let t = testing::at(testing::t0() + chrono::Duration::seconds(62));
        let card = Card::group(-100, 3, "c3-q03", vec![0, 1], 9, testing::t0(), 60);
        t.presented(&card).unwrap();
        let answer = Answer {
            card: &card,
            who: who(),
            response: Response::Judge(true),
            text: "对",
        };
        assert!(matches!(t.answer_blocking(answer).unwrap(), Answered::Late));
        assert!(t.store.card(-100, 3).unwrap().unwrap().answers.is_empty());
        let ghost = Card::private(5, 99, "c3-q01", vec![0, 1, 2, 3], t.now());
        let answer = Answer {
            card: &ghost,
            ..answer
        };
        assert!(matches!(
            t.answer_blocking(answer).unwrap(),
            Answered::Invalid
        ));
    }
}
