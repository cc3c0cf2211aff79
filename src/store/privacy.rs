//! Whole-database operations on one person or one chat: export, forget, and moving
//! a chat to a new id (a Telegram group upgraded to a supergroup).

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use sled::IVec;
use sled::Transactional;

use crate::learn::{MemberScore, Phase, Progress, Response};

use super::cards::tx_put_card;
use super::model::{Card, Chat, JobKind, Learner};
use super::records::{Codec, ScoreValue};
use super::schedule::{decode_job, tx_schedule};
use super::{Store, StoreError, bad_key, decode, keys};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn response_json(r: &Response) -> Value {
    match r {
        Response::Choice(set) => json!(set.letters()),
        Response::Judge(true) => json!("对"),
        Response::Judge(false) => json!("错"),
    }
}

fn phase_name(p: &Phase) -> &'static str {
    match p {
        Phase::New => "new",
        Phase::Learning => "learning",
        Phase::Review => "review",
        Phase::Relearning => "relearning",
    }
}

fn learner_json(l: &Learner) -> Value {
    json!({
        "id": l.id,
        "name": l.name,
        "lang": l.lang.map(|l| l.code()),
        "tz": l.tz.map(|tz| tz.name()),
        "active": l.active,
        "remind": l.remind,
        "created": ts(l.created),
        "streak": {
            "current": l.streak.current,
            "best": l.streak.best,
            "last_day": l.streak.last_day.map(|d| d.to_string()),
            "last_repair": l.streak.last_repair.map(|d| d.to_string()),
        },
    })
}

fn progress_json(question: &str, p: &Progress) -> Value {
    let m = &p.memory;
    json!({
        "question": question,
        "seen": p.seen,
        "right": p.right,
        "last_seen": ts(p.last_seen),
        "last_right": p.last_right,
        "last_answer": p.last_answer,
        "memory": {
            "due": ts(m.due),
            "stability": m.stability,
            "difficulty": m.difficulty,
            "elapsed_days": m.elapsed_days,
            "scheduled_days": m.scheduled_days,
            "reps": m.reps,
            "lapses": m.lapses,
            "phase": phase_name(&m.phase),
            "last_review": ts(m.last_review),
        },
    })
}

fn score_json(chat: i64, name: &str, s: &MemberScore) -> Value {
    json!({
        "chat": chat,
        "name": name,
        "total": s.total,
        "week": s.week,
        "week_of": s.week_of.map(|d| d.to_string()),
        "correct": s.correct,
        "answered": s.answered,
        "streak": s.streak,
        "best_streak": s.best_streak,
    })
}

fn chat_json(c: &Chat) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "tz": c.tz.name(),
        "lang": c.lang.map(|l| l.code()),
        "active": c.active,
        "time_limit_secs": c.time_limit_secs,
        "daily": c.daily.as_ref().map(|d| json!({
            "time": d.time.to_string(),
            "reveal": d.reveal.map(|t| t.to_string()),
            "last_sent": d.last_sent.map(|x| x.to_string()),
            "remind": d.remind,
            "last_reminded": d.last_reminded.map(|x| x.to_string()),
        })),
    })
}

/// A `/practice` walk of one chapter (`null`: the whole bank).
fn walk_json((chapter, walk): &(Option<u8>, crate::learn::Walk)) -> Value {
    match walk {
        crate::learn::Walk::Order { last, place } => {
            json!({ "mode": "order", "chapter": chapter, "last": last, "place": place })
        }
        crate::learn::Walk::Random { answered } => {
            json!({ "mode": "random", "chapter": chapter, "answered": answered })
        }
    }
}

fn exam_result_json(r: &super::ExamResult) -> Value {
    json!({
        "started": ts(r.started),
        "submitted": ts(r.submitted),
        "timed_out": r.timed_out,
        "points": r.points,
        "total": r.total,
        "pass": r.pass,
        "passed": r.passed,
        "right": r.right,
        "questions": r.questions,
        "unanswered": r.unanswered,
        "seconds_used": r.seconds_used,
        "chapters": r.chapters.iter().map(|c| json!({
            "chapter": c.chapter,
            "right": c.right,
            "questions": c.questions,
            "points": c.points,
            "total": c.total,
        })).collect::<Vec<_>>(),
    })
}

fn exam_json(e: &super::Exam) -> Value {
    json!({
        "started": ts(e.started),
        "deadline": ts(e.deadline),
        "questions": e.items.iter().zip(&e.answers).map(|(i, a)| json!({
            "question": i.question,
            "answer": a.as_ref().map(response_json),
        })).collect::<Vec<_>>(),
        "submitted": e.result.as_ref().map(exam_result_json),
    })
}

/// Planned changes to one tree.
#[derive(Default)]
struct Changes {
    remove: Vec<IVec>,
    put: Vec<(IVec, Vec<u8>)>,
}

impl Changes {
    fn apply(&self, t: &sled::transaction::TransactionalTree) -> Result<(), super::TxError> {
        for k in &self.remove {
            t.remove(k.clone())?;
        }
        for (k, v) in &self.put {
            t.insert(k.clone(), v.clone())?;
        }
        Ok(())
    }
}

/// Whether a card mentions `user` other than through its chat id.
fn card_mentions(card: &Card, user: i64) -> bool {
    card.asked_by == user
        || card.answers.iter().any(|a| a.user == user)
        || card.selections.iter().any(|(u, _)| *u == user)
}

impl Store {
    /// Everything stored about a learner, as one JSON document: their learner
    /// record, private chat settings, progress, answer log, mock exams and results,
    /// scores in chats, and
    /// their answers and pending selections on cards.
    pub fn export(&self, user: i64) -> Result<Value, StoreError> {
        let t = self.trees();
        let learner = self.learner(user)?;
        let private_chat = self.chat(user)?;

        let mut progress: Vec<(String, Progress)> = self.progress(user)?.into_iter().collect();
        progress.sort_by(|a, b| a.0.cmp(&b.0));

        let log: Vec<Value> = self
            .log_items(user, None)?
            .into_iter()
            .map(|e| {
                json!({
                    "at": ts(e.at),
                    "chat": e.chat,
                    "message": e.message,
                    "question": e.question,
                    "right": e.right,
                    "answer": e.answer,
                })
            })
            .collect();

        let mut scores = Vec::new();
        for kv in t.scores.iter() {
            let (k, v) = kv?;
            let mut r = keys::Reader::new(&k);
            let chat = r.i64().ok_or_else(|| bad_key("scores", &k))?;
            if r.i64() == Some(user) {
                let value: ScoreValue = decode("scores", &k, &v)?;
                scores.push(score_json(chat, &value.name, &value.score));
            }
        }

        let mut answers = Vec::new();
        let mut selections = Vec::new();
        for kv in t.cards.iter() {
            let (k, v) = kv?;
            let card: Card = decode("cards", &k, &v)?;
            if let Some(a) = card.answer_of(user) {
                answers.push(json!({
                    "chat": card.chat,
                    "message": card.message,
                    "question": card.question,
                    "posted": ts(card.posted),
                    "answer": response_json(&a.response),
                    "name": a.name,
                    "right": a.right,
                    "at": ts(a.at),
                    "points": a.points,
                }));
            }
            let sel = card.selection_of(user);
            if !sel.is_empty() {
                selections.push(json!({
                    "chat": card.chat,
                    "message": card.message,
                    "question": card.question,
                    "letters": sel.letters(),
                }));
            }
        }

        let exam = self.exam(user)?.map(|e| exam_json(&e));
        let results: Vec<Value> = self
            .exam_results(user, usize::MAX)?
            .iter()
            .map(exam_result_json)
            .collect();

        let report = self.report_setting(user)?;
        let shelf = self.shelf(user)?;
        let starred: Vec<Value> = shelf
            .starred
            .iter()
            .map(|(q, at)| json!({ "question": q, "at": ts(*at) }))
            .collect();
        let items = self.log_items(user, None)?;
        let book: Vec<Value> =
            crate::learn::wrong_book(items.iter().map(|e| (e.question.as_str(), e.right, e.at)))
                .into_iter()
                .map(|e| {
                    json!({
                        "question": e.question,
                        "wrong": e.wrong,
                        "right_since": e.right_since,
                        "last_wrong": ts(e.last_wrong),
                    })
                })
                .collect();

        Ok(json!({
            "user": user,
            "weekly_report": {
                "on": report.on,
                "last_sent": report.last_sent.map(|d| d.to_string()),
            },
            "exam": exam,
            "exam_results": results,
            "starred": starred,
            "wrong_book": book,
            "practising": shelf.drill.map(|d| {
                let set = match d {
                    crate::learn::Drill::Mistakes(_) => "wrong_book",
                    crate::learn::Drill::Starred(_) => "starred",
                    crate::learn::Drill::Practice(crate::learn::Mode::Order, _) => "in_order",
                    crate::learn::Drill::Practice(crate::learn::Mode::Random, _) => "at_random",
                };
                json!({ "set": set, "chapter": d.chapter() })
            }),
            "practice_walks": shelf.walks.iter().map(walk_json).collect::<Vec<_>>(),
            "last_search": shelf.search,
            "studied": shelf
                .studied
                .iter()
                .map(|(q, at)| json!({ "question": q, "at": ts(*at) }))
                .collect::<Vec<_>>(),
            "learner": learner.as_ref().map(learner_json),
            "private_chat": private_chat.as_ref().map(chat_json),
            "progress": progress.iter().map(|(q, p)| progress_json(q, p)).collect::<Vec<_>>(),
            "log": log,
            "scores": scores,
            "card_answers": answers,
            "pending_selections": selections,
        }))
    }

    /// Removes every key that mentions `user`: their learner record, progress, log,
    /// mock exams and results, shelf (favourites; the wrong-answer book goes with the log),
    /// the weekly report's setting,
    /// scores, their private chat with its cards and jobs, and their answers and
    /// selections on other cards (a card or round they started keeps no trace of
    /// them: its `asked_by`/`started_by` becomes 0). One transaction, then flushed.
    ///
    /// sled may keep superseded bytes in its log files until it rewrites those
    /// segments; backups keep what they held.
    pub fn forget(&self, user: i64) -> Result<(), StoreError> {
        let _x = self.exclusive();
        let t = self.trees();
        let prefix = keys::learner(user).build();

        let mut learners = Changes::default();
        learners.remove.push(prefix.clone().into());

        let mut progress = Changes::default();
        for kv in t.progress.scan_prefix(&prefix) {
            progress.remove.push(kv?.0);
        }
        let mut log = Changes::default();
        for kv in t.log.scan_prefix(&prefix) {
            log.remove.push(kv?.0);
        }
        let mut shelf = Changes::default();
        shelf.remove.push(prefix.clone().into());
        let mut reports = Changes::default();
        reports.remove.push(prefix.clone().into());

        let mut scores = Changes::default();
        for kv in t.scores.iter() {
            let (k, _) = kv?;
            let mut r = keys::Reader::new(&k);
            let chat = r.i64();
            if chat == Some(user) || r.i64() == Some(user) {
                scores.remove.push(k);
            }
        }

        let mut chats = Changes::default();
        for kv in t.chats.iter() {
            let (k, v) = kv?;
            if k.as_ref() == prefix.as_slice() {
                chats.remove.push(k);
                continue;
            }
            let mut chat: Chat = decode("chats", &k, &v)?;
            if let Some(round) = chat.round.as_mut() {
                let before = round.scores.len();
                round.scores.retain(|(u, _, _)| *u != user);
                if round.started_by == user || round.scores.len() != before {
                    if round.started_by == user {
                        round.started_by = 0;
                    }
                    chats.put.push((k, chat.encode()));
                }
            }
        }

        let mut cards = Changes::default();
        let mut open = Changes::default();
        for kv in t.cards.iter() {
            let (k, v) = kv?;
            if k.starts_with(&prefix) {
                open.remove.push(k.clone());
                cards.remove.push(k);
                continue;
            }
            let mut card: Card = decode("cards", &k, &v)?;
            if card_mentions(&card, user) {
                card.answers.retain(|a| a.user != user);
                card.selections.retain(|(u, _)| *u != user);
                if card.asked_by == user {
                    card.asked_by = 0;
                }
                cards.put.push((k, card.encode()));
            }
        }
        for kv in t.open_cards.scan_prefix(&prefix) {
            open.remove.push(kv?.0);
        }

        let mut schedule = Changes::default();
        for kv in t.schedule.iter() {
            let (k, _) = kv?;
            if decode_job(&k)?.chat == user {
                schedule.remove.push(k);
            }
        }
        let mut by_chat = Changes::default();
        for kv in t.schedule_by_chat.scan_prefix(&prefix) {
            by_chat.remove.push(kv?.0);
        }

        let mut exams = Changes::default();
        exams.remove.push(keys::exam(user).build().into());
        let mut results = Changes::default();
        for kv in t.exam_results.scan_prefix(&prefix) {
            results.remove.push(kv?.0);
        }

        (
            &t.learners,
            &t.progress,
            &t.log,
            &t.scores,
            &t.chats,
            &t.cards,
            &t.open_cards,
            &t.schedule,
            &t.schedule_by_chat,
            &t.exams,
            &t.exam_results,
            &t.shelf,
            &t.reports,
        )
            .transaction(|(l, p, g, s, c, cd, o, sc, b, ex, er, sh, rp)| {
                exams.apply(ex)?;
                results.apply(er)?;
                learners.apply(l)?;
                progress.apply(p)?;
                log.apply(g)?;
                scores.apply(s)?;
                chats.apply(c)?;
                cards.apply(cd)?;
                open.apply(o)?;
                schedule.apply(sc)?;
                by_chat.apply(b)?;
                shelf.apply(sh)?;
                reports.apply(rp)?;
                Ok(())
            })?;
        self.wrote();
        self.flush_blocking()
    }

    /// Moves a chat to a new id (Telegram upgraded a group to a supergroup): its
    /// record, cards, scores and scheduled jobs. The old chat's record replaces any
    /// record the new id already has; a card already stored under the new id (same
    /// message id) is kept; for a member with a score under both ids the
    /// higher total is kept; a job the new id already has is kept. Moving a chat
    /// that has nothing stored does nothing.
    pub fn migrate_chat(&self, old: i64, new: i64) -> Result<(), StoreError> {
        if old == new {
            return Ok(());
        }
        let _x = self.exclusive();
        let t = self.trees();

        let chat = self.chat(old)?;
        let mut cards = Vec::new();
        for kv in t.cards.scan_prefix(keys::chat(old)) {
            let (k, v) = kv?;
            cards.push((k.clone(), decode::<Card>("cards", &k, &v)?));
        }
        let stale_open: Vec<IVec> = t
            .open_cards
            .scan_prefix(keys::chat(old))
            .map(|kv| kv.map(|(k, _)| k))
            .collect::<Result<_, _>>()?;
        let mut existing: HashMap<i64, ScoreValue> = HashMap::new();
        for kv in t.scores.scan_prefix(keys::chat(new)) {
            let (k, v) = kv?;
            let mut r = keys::Reader::new(&k);
            r.i64();
            let user = r.i64().ok_or_else(|| bad_key("scores", &k))?;
            existing.insert(user, decode("scores", &k, &v)?);
        }
        let mut scores = Vec::new();
        for kv in t.scores.scan_prefix(keys::chat(old)) {
            let (k, v) = kv?;
            let mut r = keys::Reader::new(&k);
            r.i64();
            let user = r.i64().ok_or_else(|| bad_key("scores", &k))?;
            let value: ScoreValue = decode("scores", &k, &v)?;
            let keep = match existing.get(&user) {
                Some(n) if n.score.total >= value.score.total => n.clone(),
                _ => value,
            };
            scores.push((k, user, keep));
        }
        let mut jobs = Vec::new();
        for kind in JobKind::ALL {
            if let Some(at) = self.scheduled(old, kind)? {
                let keep_new = self.scheduled(new, kind)?.is_some();
                jobs.push((kind, at, keep_new));
            }
        }

        (
            &t.chats,
            &t.cards,
            &t.open_cards,
            &t.scores,
            &t.schedule,
            &t.schedule_by_chat,
        )
            .transaction(|(tc, tcards, topen, tscores, tsched, tby)| {
                if let Some(chat) = &chat {
                    let mut moved = chat.clone();
                    moved.id = new;
                    tc.remove(keys::chat(old).build())?;
                    tc.insert(keys::chat(new).build(), moved.encode())?;
                }
                for k in &stale_open {
                    topen.remove(k.clone())?;
                }
                for (k, card) in &cards {
                    tcards.remove(k.clone())?;
                    // Message ids of the new chat may repeat the old ones: a card
                    // already under the new id wins.
                    if tcards.get(keys::card(new, card.message).build())?.is_none() {
                        let mut moved = card.clone();
                        moved.chat = new;
                        tx_put_card(tcards, topen, &moved)?;
                    }
                }
                for (k, user, value) in &scores {
                    tscores.remove(k.clone())?;
                    tscores.insert(keys::score(new, *user).build(), value.encode())?;
                }
                for (kind, at, keep_new) in &jobs {
                    tx_schedule(tsched, tby, old, *kind, None)?;
                    if !keep_new {
                        tx_schedule(tsched, tby, new, *kind, Some(*at))?;
                    }
                }
                Ok(())
            })?;
        self.wrote();
        Ok(())
    }
}
