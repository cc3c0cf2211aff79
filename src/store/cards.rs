//! Cards (presented questions) and answers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::TransactionalTree;

use crate::bank::{Bank, OptionSet};
use crate::learn::{self, Presentation};

use super::model::{self, AnswerOutcome, AnswerRequest, Card, CardAnswer, DEFAULT_TIME_LIMIT_SECS};
use super::records::{Codec, LogItem, ProgressSet, ScoreValue, month_of};
use super::{PROGRESS_TREE, Store, StoreError, Trees, TxError, decode, keys, tx_get, tx_get_chunk};

/// Writes a card and keeps the open-card index in step with it.
pub(crate) fn tx_put_card(
    cards: &TransactionalTree,
    open: &TransactionalTree,
    card: &Card,
) -> Result<(), TxError> {
    let key = keys::card(card.chat, card.message).build();
    if card.open {
        open.insert(key.clone(), &[][..])?;
    } else {
        open.remove(key.clone())?;
    }
    cards.insert(key, card.encode())?;
    Ok(())
}

impl Store {
    /// Stores a card (new or replaced), indexing it while it is open.
    ///
    /// Two plain writes, not a transaction (sled writes out its log buffer for every
    /// transaction; this runs for every card sent). Their order keeps the index safe
    /// for its readers, which skip an entry without an open card: an open card is
    /// indexed before it is written, a closed one unindexed after.
    pub fn put_card(&self, card: &Card) -> Result<(), StoreError> {
        let t = self.trees();
        let _gate = self.write_gate();
        let key = keys::card(card.chat, card.message).build();
        self.checked((|| {
            if card.open {
                t.open_cards.insert(key.clone(), &[][..])?;
                t.cards.insert(key, card.encode())?;
            } else {
                t.cards.insert(key.clone(), card.encode())?;
                t.open_cards.remove(key)?;
            }
            Ok(())
        })())?;
        self.wrote();
        Ok(())
    }

    pub fn card(&self, chat: i64, message: i32) -> Result<Option<Card>, StoreError> {
        self.get(
            &self.trees().cards,
            "cards",
            &keys::card(chat, message).build(),
        )
    }

    /// The open card of a chat with the highest message id.
    pub fn latest_open_card(&self, chat: i64) -> Result<Option<Card>, StoreError> {
        let t = self.trees();
        for kv in t.open_cards.scan_prefix(keys::chat(chat)).rev() {
            let (k, _) = kv?;
            if let Some(bytes) = t.cards.get(&k)? {
                let card: Card = decode("cards", &k, &bytes)?;
                if card.open {
                    return Ok(Some(card));
                }
            }
        }
        Ok(None)
    }

    /// The card of `chat` with the highest message id below `before` (message ids grow
    /// within a chat: the last card posted before that message); with `open_only`, the
    /// last open one.
    pub fn card_before(
        &self,
        chat: i64,
        before: i32,
        open_only: bool,
    ) -> Result<Option<Card>, StoreError> {
        let t = self.trees();
        let index = if open_only { &t.open_cards } else { &t.cards };
        let range = keys::chat(chat).build()..keys::card(chat, before).build();
        for kv in index.range(range).rev() {
            let (k, _) = kv?;
            if let Some(bytes) = t.cards.get(&k)? {
                let card: Card = decode("cards", &k, &bytes)?;
                if card.open || !open_only {
                    return Ok(Some(card));
                }
            }
        }
        Ok(None)
    }

    /// Every open card of a chat, oldest (lowest message id) first.
    pub fn open_cards(&self, chat: i64) -> Result<Vec<Card>, StoreError> {
        let t = self.trees();
        let mut out = Vec::new();
        for kv in t.open_cards.scan_prefix(keys::chat(chat)) {
            let (k, _) = kv?;
            if let Some(bytes) = t.cards.get(&k)? {
                let card: Card = decode("cards", &k, &bytes)?;
                if card.open {
                    out.push(card);
                }
            }
        }
        Ok(out)
    }

    /// Every open card with a deadline (to re-arm the timers after a restart).
    pub fn open_group_cards(&self) -> Result<Vec<Card>, StoreError> {
        let t = self.trees();
        let mut out = Vec::new();
        for kv in t.open_cards.iter() {
            let (k, _) = kv?;
            if let Some(bytes) = t.cards.get(&k)? {
                let card: Card = decode("cards", &k, &bytes)?;
                if card.open && card.deadline.is_some() {
                    out.push(card);
                }
            }
        }
        Ok(out)
    }

    /// Toggles option `option` (a shown letter index) in `user`'s pending
    /// multiple-choice selection. Returns the card and the user's new selection, or
    /// `None` when there is no such card or it is closed. An index beyond the card's
    /// options, or a user who already answered, leaves the selection unchanged.
    pub fn toggle_selection(
        &self,
        chat: i64,
        message: i32,
        user: i64,
        option: usize,
    ) -> Result<Option<(Card, OptionSet)>, StoreError> {
        let key = keys::card(chat, message).build();
        let t = self.trees();
        let _gate = self.write_gate();
        let out = t.cards.transaction(|cards| {
            let Some(mut card) = tx_get::<Card>(cards, "cards", &key)? else {
                return Ok((None, false));
            };
            if !card.open {
                return Ok((None, false));
            }
            let mut sel = card.selection_of(user);
            if option >= card.order.len() || card.answer_of(user).is_some() {
                return Ok((Some((card, sel)), false));
            }
            sel.toggle(option);
            card.selections.retain(|(u, _)| *u != user);
            if !sel.is_empty() {
                card.selections.push((user, sel));
            }
            cards.insert(key.as_slice(), card.encode())?;
            Ok((Some((card, sel)), true))
        });
        let (out, changed) = self.checked(out.map_err(StoreError::from))?;
        if changed {
            self.wrote();
        }
        Ok(out)
    }

    /// Closes an open card. `Some(card)` (closed) only for the one caller that closed
    /// it, so the reveal happens once; `None` if it was already closed or is unknown.
    pub fn close_card(&self, chat: i64, message: i32) -> Result<Option<Card>, StoreError> {
        let key = keys::card(chat, message).build();
        let t = self.trees();
        let _gate = self.write_gate();
        let out = (&t.cards, &t.open_cards).transaction(|(cards, open)| {
            let Some(mut card) = tx_get::<Card>(cards, "cards", &key)? else {
                return Ok(None);
            };
            if !card.open {
                return Ok(None);
            }
            card.open = false;
            tx_put_card(cards, open, &card)?;
            Ok(Some(card))
        });
        let out = self.checked(out.map_err(StoreError::from))?;
        if out.is_some() {
            self.wrote();
        }
        Ok(out)
    }

    /// Removes closed cards posted before `before` (housekeeping: cards are
    /// otherwise kept forever). Returns how many were removed. A button on a pruned
    /// card's message then gets [`AnswerOutcome::NoSuchCard`].
    pub fn prune_cards(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let t = self.trees();
        let mut old = Vec::new();
        for kv in t.cards.iter() {
            let (k, v) = kv?;
            let card: Card = decode("cards", &k, &v)?;
            if !card.open && card.posted < before {
                old.push(k);
            }
        }
        let mut removed = 0;
        for chunk in old.chunks(512) {
            let _gate = self.write_gate();
            removed += t.cards.transaction(|cards| {
                let mut n = 0;
                for k in chunk {
                    // Re-checked inside the transaction: it may have changed since.
                    match tx_get::<Card>(cards, "cards", k)? {
                        Some(card) if !card.open && card.posted < before => {
                            cards.remove(k.clone())?;
                            n += 1;
                        }
                        _ => {}
                    }
                }
                Ok(n)
            })?;
            self.wrote();
        }
        Ok(removed)
    }

    /// Records one answer, all of it in one transaction: grades it against the
    /// card's presentation, updates the learner's progress, log, streak and (in a
    /// group) score, and adds it to the card (closing a private card).
    ///
    /// A redelivered answer or a second tap is recorded zero times
    /// ([`AnswerOutcome::AlreadyAnswered`]). Await [`Store::flush`] before telling
    /// the learner the result.
    pub fn record_answer(
        &self,
        bank: &Bank,
        req: &AnswerRequest,
    ) -> Result<AnswerOutcome, StoreError> {
        let mut outcomes = self.record_answers(bank, std::slice::from_ref(req))?;
        Ok(outcomes.remove(0))
    }

    /// [`Store::record_answer`] for answers that arrived together, in one transaction:
    /// the outcomes are those of recording them one after another, in order (a second
    /// answer to the same card by the same user is `AlreadyAnswered`). sled writes its
    /// log out for every transaction, so this is what a burst of answers costs once.
    pub fn record_answers(
        &self,
        bank: &Bank,
        reqs: &[AnswerRequest],
    ) -> Result<Vec<AnswerOutcome>, StoreError> {
        let t: &Trees = self.trees();
        let srs = self.srs();
        let _gate = self.write_gate();
        let outcomes = (
            &t.cards,
            &t.open_cards,
            &t.progress,
            &t.log,
            &t.learners,
            &t.scores,
        )
            .transaction(|(cards, open, progress, log, learners, scores)| {
                reqs.iter()
                    .map(|req| {
                        answer_tx(
                            bank, &srs, req, cards, open, progress, log, learners, scores,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()
            });
        let outcomes = self.checked(outcomes.map_err(StoreError::from))?;
        if outcomes
            .iter()
            .any(|o| matches!(o, AnswerOutcome::Recorded { .. }))
        {
            self.wrote();
        }
        Ok(outcomes)
    }
}

/// One graded answer as spaced repetition and the statistics see it: a practice
/// card's, or one question of a mock exam handed in (see `store::exam`).
pub(crate) struct Learned<'a> {
    pub user: i64,
    pub name: &'a str,
    /// The log entry's identity with `now`: the card's chat and message (an exam's
    /// answers use the learner's chat and negative numbers, never a message id).
    pub chat: i64,
    pub message: i32,
    pub question: &'a str,
    pub kind: crate::bank::Kind,
    pub right: bool,
    pub answer_text: &'a str,
    pub now: DateTime<Utc>,
    pub tz: chrono_tz::Tz,
}

/// Records an answer in the learner's progress (FSRS), their log and their streak,
/// inside a transaction: the one path every graded answer takes.
pub(crate) fn tx_learn(
    srs: &learn::Srs,
    a: &Learned<'_>,
    progress: &TransactionalTree,
    log: &TransactionalTree,
    learners: &TransactionalTree,
) -> Result<(model::Learner, learn::StreakChange), TxError> {
    // Progress: the learner's one record of every question.
    let progress_key = keys::progress(a.user).build();
    let mut set: ProgressSet = tx_get(progress, PROGRESS_TREE, &progress_key)?.unwrap_or_default();
    let next = srs.update_progress(
        set.get(a.question),
        learn::Rating::of(a.kind, a.right),
        a.answer_text,
        a.now,
        a.tz,
    );
    set.put(a.question, next);
    progress.insert(progress_key, set.encode())?;

    // Log: this month's chunk. An entry's identity is (time, chat, message), so a
    // retried transaction replaces rather than adds.
    let month = month_of(a.now);
    let log_key = keys::log_chunk(a.user, month).build();
    let mut chunk = tx_get_chunk(log, a.user, month, &log_key)?;
    chunk.put(LogItem {
        at: a.now,
        chat: a.chat,
        message: a.message,
        question: a.question.to_string(),
        right: a.right,
        answer: a.answer_text.to_string(),
    });
    log.insert(log_key, chunk.encode(a.user, month))?;

    // Learner and streak.
    let learner_key = keys::learner(a.user).build();
    let mut learner = tx_get(learners, "learners", &learner_key)?
        .unwrap_or_else(|| model::Learner::new(a.user, a.name.to_string(), a.now));
    if !a.name.is_empty() {
        learner.name = a.name.to_string();
    }
    learner.active = true;
    let (streak, change) = learn::record_day(&learner.streak, learn::local_day(a.now, a.tz));
    learner.streak = streak;
    learners.insert(learner_key, learner.encode())?;
    Ok((learner, change))
}

/// The body of [`Store::record_answer`]: pure apart from the transactional trees.
#[allow(clippy::too_many_arguments)]
fn answer_tx(
    bank: &Bank,
    srs: &learn::Srs,
    req: &AnswerRequest,
    cards: &TransactionalTree,
    open: &TransactionalTree,
    progress: &TransactionalTree,
    log: &TransactionalTree,
    learners: &TransactionalTree,
    scores: &TransactionalTree,
) -> Result<AnswerOutcome, TxError> {
    let card_key = keys::card(req.chat, req.message).build();
    let Some(mut card) = tx_get::<Card>(cards, "cards", &card_key)? else {
        return Ok(AnswerOutcome::NoSuchCard);
    };
    if card.answer_of(req.user).is_some() {
        return Ok(AnswerOutcome::AlreadyAnswered { card });
    }
    if !card.open {
        return Ok(AnswerOutcome::Closed);
    }
    let Some(question) = bank.question(&card.question) else {
        return Ok(AnswerOutcome::UnknownQuestion);
    };
    // A card whose question changed shape since it was posted cannot be graded: its
    // shown letters name options the question no longer has.
    let Some(presentation) =
        Presentation::from_order(card.order.clone()).filter(|p| p.fits(question))
    else {
        return Ok(AnswerOutcome::UnknownQuestion);
    };
    let verdict = learn::grade(question, &presentation, req.response);
    let right = verdict.is_right();

    let learned = Learned {
        user: req.user,
        name: &req.name,
        chat: req.chat,
        message: req.message,
        question: &card.question,
        kind: question.kind,
        right,
        answer_text: &req.answer_text,
        now: req.now,
        tz: req.learner_tz,
    };
    let (learner, change) = tx_learn(srs, &learned, progress, log, learners)?;

    // Group score.
    let mut points = 0;
    if card.is_group() {
        let score_key = keys::score(req.chat, req.user).build();
        let (prev, prev_name) = match tx_get::<ScoreValue>(scores, "scores", &score_key)? {
            Some(s) => (s.score, s.name),
            None => (model::empty_score(), String::new()),
        };
        let elapsed = (req.now - card.posted).to_std().unwrap_or(Duration::ZERO);
        let limit = Duration::from_secs(u64::from(
            card.limit_secs.unwrap_or(DEFAULT_TIME_LIMIT_SECS),
        ));
        let (score, earned) = learn::score::apply(
            &prev,
            right,
            elapsed,
            limit,
            req.now,
            req.chat_tz,
            req.streak_bonus,
        );
        points = earned;
        let value = ScoreValue {
            name: if req.name.is_empty() {
                prev_name
            } else {
                req.name.clone()
            },
            score,
        };
        scores.insert(score_key, value.encode())?;
    }

    // The card.
    card.selections.retain(|(u, _)| *u != req.user);
    card.answers.push(CardAnswer {
        user: req.user,
        name: req.name.clone(),
        response: req.response,
        right,
        at: req.now,
        points,
    });
    if !card.is_group() {
        card.open = false;
    }
    tx_put_card(cards, open, &card)?;

    Ok(AnswerOutcome::Recorded {
        verdict,
        points,
        streak: change,
        streak_days: learner.streak.current,
        card,
    })
}
