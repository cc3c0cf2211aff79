use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::records::{Codec, LogChunk, LogItem, LogValue, ProgressSet, ScoreValue, month_of};
use super::*;
use crate::bank::{Bank, OptionSet};
use crate::lang::Lang;
use crate::learn::{Bag, Memory, Outcome, Phase, Progress, Response};
use crate::test_bank::{self, bank};

const TZ: Tz = chrono_tz::Asia::Shanghai;
const GROUP: i64 = -1_001_234_567_890;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000 + s, 0).unwrap()
}

fn open(dir: &Path) -> Store {
    Store::open(dir, Options::default()).unwrap()
}

/// Reopens a database just closed in this process: sled's worker threads may hold
/// the file lock a moment longer.
fn reopen(dir: &Path) -> Result<Store, StoreError> {
    for _ in 0..100 {
        match Store::open(dir, Options::default()) {
            Err(StoreError::Locked(_)) => std::thread::sleep(Duration::from_millis(50)),
            other => return other,
        }
    }
    Store::open(dir, Options::default())
}

fn tmp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("db"));
    (dir, store)
}

fn order_for(bank: &Bank, qid: &str) -> Vec<u8> {
    (0..bank.question(qid).unwrap().options.len() as u8).collect()
}

fn card(bank: &Bank, chat: i64, message: i32, qid: &str, group: bool) -> Card {
    Card {
        chat,
        message,
        question: qid.to_string(),
        order: order_for(bank, qid),
        asked_by: 0,
        posted: t(0),
        limit_secs: group.then_some(60),
        deadline: group.then(|| t(60)),
        open: true,
        kind: CardKind::of(group, false),
        answers: Vec::new(),
        selections: Vec::new(),
    }
}

fn req(chat: i64, message: i32, user: i64, response: Response, at: i64) -> AnswerRequest {
    AnswerRequest {
        chat,
        message,
        user,
        name: format!("学员{}", user % 1000),
        response,
        answer_text: match response {
            Response::Choice(s) => s.letters(),
            Response::Judge(b) => if b { "对" } else { "错" }.to_string(),
        },
        now: t(at),
        learner_tz: TZ,
        chat_tz: TZ,
        streak_bonus: true,
    }
}

fn choice(letters: &str) -> Response {
    let mut s = OptionSet::EMPTY;
    for c in letters.chars() {
        s.insert((c as u8 - b'A') as usize);
    }
    Response::Choice(s)
}

fn recorded(outcome: AnswerOutcome) -> (crate::learn::Verdict, u32, Card) {
    match outcome {
        AnswerOutcome::Recorded {
            verdict,
            points,
            card,
            ..
        } => (verdict, points, card),
        other => panic!("expected Recorded, got {other:?}"),
    }
}

fn sample_progress() -> Progress {
    Progress {
        memory: Memory {
            due: t(86_400),
            stability: 2.5,
            difficulty: 5.25,
            elapsed_days: 1,
            scheduled_days: 3,
            reps: 4,
            lapses: 1,
            phase: Phase::Review,
            last_review: t(10),
        },
        seen: 4,
        right: 3,
        last_seen: t(10),
        last_right: true,
        last_answer: "BDE".into(),
    }
}

fn sample_chat() -> Chat {
    let mut chat = Chat::new(GROUP, ChatKind::Group, "学习群", chrono_tz::Asia::Shanghai);
    chat.lang = Some(Lang::En);
    chat.daily = Some(Daily {
        time: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
        reveal: Some(NaiveTime::from_hms_opt(20, 0, 0).unwrap()),
        last_sent: NaiveDate::from_ymd_opt(2025, 6, 1),
        remind: true,
        last_reminded: None,
    });
    chat.time_limit_secs = 45;
    chat.bag = Bag {
        remaining: vec!["c1-q01".into(), "c1-q02".into()],
        last: Some("c1-q03".into()),
    };
    chat.round = Some(Round {
        total: 10,
        asked: 3,
        started_by: 42,
        scores: vec![(42, "甲".into(), 30), (-7, "乙".into(), 10)],
        chapter: None,
    });
    chat.open_card = Some(77);
    chat
}

#[test]
fn every_record_round_trips() {
    let mut learner = Learner::new(-5, "小明", t(0));
    learner.lang = Some(Lang::Zh);
    learner.tz = Some(chrono_tz::Europe::Berlin);
    learner.active = false;
    learner.remind = false;
    learner.streak.current = 3;
    learner.streak.best = 9;
    learner.streak.last_day = NaiveDate::from_ymd_opt(2025, 6, 2);
    learner.streak.last_repair = NaiveDate::from_ymd_opt(2025, 5, 20);
    assert_eq!(Learner::decode(&learner.encode()).unwrap(), learner);

    let chat = sample_chat();
    assert_eq!(Chat::decode(&chat.encode()).unwrap(), chat);

    let p = sample_progress();
    assert_eq!(Progress::decode(&p.encode()).unwrap(), p);

    let log = LogValue {
        question: "c1-q02".into(),
        right: false,
        answer: "BD".into(),
    };
    assert_eq!(LogValue::decode(&log.encode()).unwrap(), log);

    // A learner's progress set: sorted by question, instants relative to the review.
    let mut set = ProgressSet::default();
    let mut odd = sample_progress();
    odd.memory.due = t(-30);
    odd.last_seen = t(999_999);
    odd.memory.phase = Phase::New;
    set.put("c1-q02", odd.clone());
    set.put("c1-q01", p.clone());
    set.put("c2-q10", p.clone());
    set.put("c2-q10", odd.clone());
    let back = ProgressSet::decode(&set.encode()).unwrap();
    assert_eq!(back, set);
    assert_eq!(back.get("c1-q01"), Some(&p));
    assert_eq!(back.get("c2-q10"), Some(&odd));
    assert_eq!(back.get("c9-q99"), None);
    assert_eq!(
        back.into_vec()
            .iter()
            .map(|(q, _)| q.as_str())
            .collect::<Vec<_>>(),
        ["c1-q01", "c1-q02", "c2-q10"]
    );

    // A month of a learner's log, from the month's first to its last millisecond.
    let user = 7_000_000_001;
    let first = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let last =
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() - chrono::TimeDelta::milliseconds(1);
    let month = month_of(first);
    assert_eq!(month_of(last), month);
    assert_eq!(
        month_of(last + chrono::TimeDelta::milliseconds(1)),
        month + 1
    );
    let item = |at: DateTime<Utc>, chat: i64, message: i32, right: bool| LogItem {
        at,
        chat,
        message,
        question: "c1-q03".into(),
        right,
        answer: "对".into(),
    };
    let mut chunk = LogChunk::default();
    chunk.put(item(last, GROUP, i32::MAX, true));
    chunk.put(item(first, user, -3, false));
    chunk.put(item(first, GROUP, 5, true));
    chunk.put(item(
        first + chrono::TimeDelta::milliseconds(1),
        i64::MIN,
        i32::MIN,
        true,
    ));
    // The same time, chat and message: replaced, not added.
    chunk.put(item(first, user, -3, true));
    let back = LogChunk::decode(user, month, &chunk.encode(user, month)).unwrap();
    assert_eq!(back, chunk);
    let items = back.into_items();
    assert_eq!(items.len(), 4);
    assert_eq!((items[0].chat, items[0].message), (GROUP, 5));
    assert_eq!((items[1].chat, items[1].right), (user, true));
    assert_eq!(items[3].at, last);
    // A private chat's entry costs a few bytes beyond its strings.
    let mut one = LogChunk::default();
    one.put(item(first + chrono::TimeDelta::days(3), user, 1234, true));
    assert!(one.encode(user, month).len() <= 2 + 5 + 1 + 3 + 7 + 1 + 4);
    assert!(LogChunk::decode(user, month, &[9, 9]).is_err());

    let bank = bank();
    let mut c = card(&bank, GROUP, 9, "c3-q02", true);
    c.answers.push(CardAnswer {
        user: 3,
        name: "三".into(),
        response: choice("BD"),
        right: false,
        at: t(5),
        points: 0,
    });
    c.answers.push(CardAnswer {
        user: 4,
        name: "四".into(),
        response: Response::Judge(true),
        right: true,
        at: t(6),
        points: 17,
    });
    c.selections.push((5, OptionSet(0b10110)));
    assert_eq!(Card::decode(&c.encode()).unwrap(), c);

    let mut score = model::empty_score();
    score.total = 120;
    score.week = 40;
    score.week_of = NaiveDate::from_ymd_opt(2025, 6, 2);
    score.correct = 7;
    score.answered = 9;
    score.streak = 2;
    score.best_streak = 5;
    let sv = ScoreValue {
        name: "成员".into(),
        score,
    };
    assert_eq!(ScoreValue::decode(&sv.encode()).unwrap(), sv);

    // The first byte is the record version (variant index 0 = V1).
    assert_eq!(learner.encode()[0], 0);
    // Garbage is a decode error, not a panic.
    assert!(Card::decode(&[7, 1, 2]).is_err());
    assert!(Learner::decode(&[]).is_err());

    // Through the store.
    let (_dir, store) = tmp();
    store.update_learner(-5, |_| learner.clone()).unwrap();
    assert_eq!(store.learner(-5).unwrap(), Some(learner.clone()));
    store.update_chat(GROUP, |_| chat.clone()).unwrap();
    assert_eq!(store.chat(GROUP).unwrap(), Some(chat.clone()));
    store.put_card(&c).unwrap();
    assert_eq!(store.card(GROUP, 9).unwrap(), Some(c));
    assert_eq!(store.learner(1).unwrap(), None);
    assert_eq!(store.card(GROUP, 10).unwrap(), None);
}

#[test]
fn update_forces_the_id_and_sees_the_current_value() {
    let (_dir, store) = tmp();
    let l = store
        .update_learner(8, |cur| {
            assert!(cur.is_none());
            Learner::new(999, "x", t(0))
        })
        .unwrap();
    assert_eq!(l.id, 8);
    let l = store
        .update_learner(8, |cur| {
            let mut l = cur.unwrap();
            l.name = "y".into();
            l
        })
        .unwrap();
    assert_eq!(store.learner(8).unwrap(), Some(l));
}

#[test]
fn record_answer_grades_right_wrong_incomplete() {
    let bank = bank();
    let (_dir, store) = tmp();
    let user = 1001;
    for (msg, qid) in [(1, "c3-q01"), (2, "c3-q02"), (3, "c3-q02"), (4, "c3-q03")] {
        store.put_card(&card(&bank, user, msg, qid, false)).unwrap();
    }
    let (v, points, c) = recorded(
        store
            .record_answer(&bank, &req(user, 1, user, choice("B"), 1))
            .unwrap(),
    );
    assert_eq!(v.outcome, Outcome::Right);
    assert_eq!(points, 0);
    assert!(!c.open, "a private card closes once answered");

    let (v, _, _) = recorded(
        store
            .record_answer(&bank, &req(user, 2, user, choice("BD"), 2))
            .unwrap(),
    );
    assert_eq!(v.outcome, Outcome::Incomplete);
    let (v, _, _) = recorded(
        store
            .record_answer(&bank, &req(user, 3, user, choice("AB"), 3))
            .unwrap(),
    );
    assert_eq!(v.outcome, Outcome::Wrong);
    let (v, _, _) = recorded(
        store
            .record_answer(&bank, &req(user, 4, user, Response::Judge(true), 4))
            .unwrap(),
    );
    assert_eq!(v.outcome, Outcome::Right);

    let progress = store.progress(user).unwrap();
    assert_eq!(progress.len(), 3);
    let q2 = &progress["c3-q02"];
    assert_eq!((q2.seen, q2.right), (2, 0));
    assert_eq!(q2.last_answer, "AB");
    assert_eq!(progress["c3-q01"].right, 1);

    let log = store.log(user, t(0)).unwrap();
    assert_eq!(
        log.iter()
            .map(|e| (e.question.as_str(), e.right))
            .collect::<Vec<_>>(),
        vec![
            ("c3-q01", true),
            ("c3-q02", false),
            ("c3-q02", false),
            ("c3-q03", true)
        ]
    );
    assert_eq!(store.log(user, t(3)).unwrap().len(), 2);
    assert!(store.log(user + 1, t(0)).unwrap().is_empty());

    // A learner record was created, with a streak.
    let l = store.learner(user).unwrap().unwrap();
    assert_eq!(l.name, "学员1");
    assert_eq!(l.streak.current, 1);
    assert!(
        store.scores(user).unwrap().is_empty(),
        "no scores in private"
    );
}

#[test]
fn presentation_maps_shown_letters() {
    let bank = bank();
    let (_dir, store) = tmp();
    // Shown A is option B and shown B is option A (a swap reads the same both ways).
    let mut c = card(&bank, 5, 1, "c3-q01", false);
    c.order = vec![1, 0, 2, 3];
    store.put_card(&c).unwrap();
    let (v, _, _) = recorded(
        store
            .record_answer(&bank, &req(5, 1, 5, choice("A"), 1))
            .unwrap(),
    );
    assert_eq!(v.outcome, Outcome::Right);
}

#[test]
fn unusual_cards() {
    let bank = bank();
    let (_dir, store) = tmp();
    assert!(matches!(
        store
            .record_answer(&bank, &req(5, 1, 5, choice("A"), 1))
            .unwrap(),
        AnswerOutcome::NoSuchCard
    ));
    let mut gone = card(&bank, 5, 2, "c3-q01", false);
    gone.question = "c9-q99".into();
    store.put_card(&gone).unwrap();
    assert!(matches!(
        store
            .record_answer(&bank, &req(5, 2, 5, choice("A"), 1))
            .unwrap(),
        AnswerOutcome::UnknownQuestion
    ));
    let mut closed = card(&bank, 5, 3, "c3-q01", false);
    closed.open = false;
    store.put_card(&closed).unwrap();
    assert!(matches!(
        store
            .record_answer(&bank, &req(5, 3, 5, choice("B"), 1))
            .unwrap(),
        AnswerOutcome::Closed
    ));
    assert!(store.progress(5).unwrap().is_empty());
    assert!(store.log(5, t(0)).unwrap().is_empty());
    assert_eq!(store.learner(5).unwrap(), None);
}

#[test]
fn redelivery_is_recorded_once() {
    let bank = bank();
    let (_dir, store) = tmp();
    store.put_card(&card(&bank, 7, 1, "c3-q01", false)).unwrap();
    let r = req(7, 1, 7, choice("B"), 1);
    recorded(store.record_answer(&bank, &r).unwrap());
    match store.record_answer(&bank, &r).unwrap() {
        AnswerOutcome::AlreadyAnswered { card } => assert_eq!(card.answers.len(), 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.log(7, t(0)).unwrap().len(), 1);
    assert_eq!(store.progress(7).unwrap()["c3-q01"].seen, 1);
}

#[test]
fn group_card_stays_open_and_a_double_tap_counts_once() {
    let bank = bank();
    let (_dir, store) = tmp();
    store
        .put_card(&card(&bank, GROUP, 10, "c3-q03", true))
        .unwrap();
    let (_, points, c) = recorded(
        store
            .record_answer(&bank, &req(GROUP, 10, 1, Response::Judge(true), 5))
            .unwrap(),
    );
    assert!(c.open, "a group card stays open");
    assert_eq!(c.answers[0].points, points);
    // The same member taps the other button.
    assert!(matches!(
        store
            .record_answer(&bank, &req(GROUP, 10, 1, Response::Judge(false), 6))
            .unwrap(),
        AnswerOutcome::AlreadyAnswered { .. }
    ));
    let c = store.card(GROUP, 10).unwrap().unwrap();
    assert_eq!(c.answers.len(), 1);
    assert!(c.answers[0].right);
    let scores = store.scores(GROUP).unwrap();
    assert_eq!(scores.len(), 1);
    assert_eq!(scores[0].0, 1);
    assert_eq!(scores[0].2.answered, 1);
    assert_eq!(scores[0].2.total, u64::from(points));
    assert_eq!(store.progress(1).unwrap()["c3-q03"].seen, 1);
}

#[test]
fn answers_recorded_together_are_what_one_by_one_would_be() {
    let bank = bank();
    let (_dir, store) = tmp();
    store.put_card(&card(&bank, 7, 1, "c3-q01", false)).unwrap();
    store.put_card(&card(&bank, 8, 2, "c3-q01", false)).unwrap();
    store
        .put_card(&card(&bank, GROUP, 10, "c3-q03", true))
        .unwrap();
    let reqs = [
        req(7, 1, 7, choice("B"), 1),
        // A redelivery in the same batch counts once.
        req(7, 1, 7, choice("B"), 1),
        req(8, 2, 8, choice("A"), 1),
        req(GROUP, 10, 1, Response::Judge(true), 2),
        req(GROUP, 10, 2, Response::Judge(false), 3),
        // A second tap of member 1, and a card that does not exist.
        req(GROUP, 10, 1, Response::Judge(false), 4),
        req(GROUP, 99, 1, Response::Judge(false), 4),
    ];
    let out = store.record_answers(&bank, &reqs).unwrap();
    assert_eq!(out.len(), reqs.len());
    recorded(out[0].clone());
    assert!(matches!(out[1], AnswerOutcome::AlreadyAnswered { .. }));
    recorded(out[2].clone());
    let (_, first_points, _) = recorded(out[3].clone());
    let (_, _, group_card) = recorded(out[4].clone());
    assert_eq!(group_card.answers.len(), 2, "the second sees the first");
    assert!(matches!(out[5], AnswerOutcome::AlreadyAnswered { .. }));
    assert!(matches!(out[6], AnswerOutcome::NoSuchCard));
    assert!(store.record_answers(&bank, &[]).unwrap().is_empty());

    assert_eq!(store.log(7, t(0)).unwrap().len(), 1);
    assert_eq!(store.progress(7).unwrap()["c3-q01"].seen, 1);
    assert_eq!(store.log(8, t(0)).unwrap().len(), 1);
    let scores = store.scores(GROUP).unwrap();
    assert_eq!(scores.len(), 2);
    let one = scores.iter().find(|s| s.0 == 1).unwrap();
    assert_eq!((one.2.answered, one.2.total), (1, u64::from(first_points)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_members_answer_one_card_at_once() {
    let bank = Arc::new(bank());
    let (_dir, store) = tmp();
    store
        .put_card(&card(&bank, GROUP, 20, "c3-q03", true))
        .unwrap();
    let mut tasks = Vec::new();
    for user in 1..=50i64 {
        let (store, bank) = (store.clone(), bank.clone());
        tasks.push(tokio::spawn(async move {
            // Odd members are right; everybody taps twice.
            let r = req(GROUP, 20, user, Response::Judge(user % 2 == 1), 3);
            let first = store.record_answer(&bank, &r).unwrap();
            let second = store.record_answer(&bank, &r).unwrap();
            store.flush().await.unwrap();
            (first, second)
        }));
    }
    let mut total_points = 0u64;
    for task in tasks {
        let (first, second) = task.await.unwrap();
        let (_, points, _) = recorded(first);
        total_points += u64::from(points);
        assert!(matches!(second, AnswerOutcome::AlreadyAnswered { .. }));
    }
    let c = store.card(GROUP, 20).unwrap().unwrap();
    assert_eq!(c.answers.len(), 50);
    let users: HashSet<i64> = c.answers.iter().map(|a| a.user).collect();
    assert_eq!(users.len(), 50);
    assert_eq!(c.answers.iter().filter(|a| a.right).count(), 25);

    let scores = store.scores(GROUP).unwrap();
    assert_eq!(scores.len(), 50);
    for (user, _, s) in &scores {
        assert_eq!(s.answered, 1);
        assert_eq!(s.correct, u32::from(user % 2 == 1));
    }
    assert_eq!(scores.iter().map(|s| s.2.total).sum::<u64>(), total_points);
    assert!(total_points > 0);
    for user in 1..=50 {
        assert_eq!(store.log(user, t(0)).unwrap().len(), 1);
    }
}

#[test]
fn close_card_succeeds_exactly_once() {
    let bank = bank();
    let (_dir, store) = tmp();
    store
        .put_card(&card(&bank, GROUP, 30, "c3-q01", true))
        .unwrap();
    assert_eq!(store.latest_open_card(GROUP).unwrap().unwrap().message, 30);
    let winners: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| store.close_card(GROUP, 30).unwrap().is_some()))
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(winners, 1);
    assert!(!store.card(GROUP, 30).unwrap().unwrap().open);
    assert_eq!(store.close_card(GROUP, 30).unwrap(), None);
    assert_eq!(store.close_card(GROUP, 31).unwrap(), None);
    assert_eq!(store.latest_open_card(GROUP).unwrap(), None);
    assert!(matches!(
        store
            .record_answer(&bank, &req(GROUP, 30, 1, choice("B"), 5))
            .unwrap(),
        AnswerOutcome::Closed
    ));
}

#[test]
fn open_card_lookups() {
    let bank = bank();
    let (_dir, store) = tmp();
    store
        .put_card(&card(&bank, GROUP, 1, "c3-q01", true))
        .unwrap();
    store
        .put_card(&card(&bank, GROUP, 2, "c3-q02", true))
        .unwrap();
    let mut closed = card(&bank, GROUP, 3, "c3-q03", true);
    closed.open = false;
    store.put_card(&closed).unwrap();
    store
        .put_card(&card(&bank, GROUP + 1, 9, "c3-q01", true))
        .unwrap();
    store
        .put_card(&card(&bank, 77, 4, "c3-q01", false))
        .unwrap();

    assert_eq!(store.latest_open_card(GROUP).unwrap().unwrap().message, 2);
    assert_eq!(store.latest_open_card(77).unwrap().unwrap().message, 4);
    assert_eq!(store.latest_open_card(78).unwrap(), None);
    let mut open: Vec<(i64, i32)> = store
        .open_group_cards()
        .unwrap()
        .iter()
        .map(|c| (c.chat, c.message))
        .collect();
    open.sort();
    assert_eq!(open, vec![(GROUP, 1), (GROUP, 2), (GROUP + 1, 9)]);

    // Re-putting a card as closed drops it from the index.
    let mut c = store.card(GROUP, 2).unwrap().unwrap();
    c.open = false;
    store.put_card(&c).unwrap();
    assert_eq!(store.latest_open_card(GROUP).unwrap().unwrap().message, 1);
}

#[test]
fn selections_toggle_and_are_consumed_by_the_answer() {
    let bank = bank();
    let (_dir, store) = tmp();
    store
        .put_card(&card(&bank, GROUP, 5, "c3-q02", true))
        .unwrap();
    assert_eq!(store.toggle_selection(GROUP, 6, 1, 0).unwrap(), None);
    for option in [1, 3, 4, 0, 0] {
        store
            .toggle_selection(GROUP, 5, 1, option)
            .unwrap()
            .unwrap();
    }
    let (c, sel) = store.toggle_selection(GROUP, 5, 2, 2).unwrap().unwrap();
    assert_eq!(sel.letters(), "C");
    assert_eq!(c.selection_of(1).letters(), "BDE");
    // Beyond the options: unchanged.
    let (_, sel) = store.toggle_selection(GROUP, 5, 1, 7).unwrap().unwrap();
    assert_eq!(sel.letters(), "BDE");

    let (v, _, c) = recorded(
        store
            .record_answer(&bank, &req(GROUP, 5, 1, choice("BDE"), 4))
            .unwrap(),
    );
    assert!(v.is_right());
    assert_eq!(c.selection_of(1), OptionSet::EMPTY);
    assert_eq!(c.selection_of(2).letters(), "C");

    store.close_card(GROUP, 5).unwrap().unwrap();
    assert_eq!(store.toggle_selection(GROUP, 5, 2, 1).unwrap(), None);
}

#[test]
fn schedule_index_is_a_range_scan() {
    let (_dir, store) = tmp();
    assert_eq!(store.next_job_time().unwrap(), None);
    store.schedule(GROUP, JobKind::Daily, Some(t(100))).unwrap();
    store.schedule(5, JobKind::Daily, Some(t(50))).unwrap();
    store.schedule(-3, JobKind::Reminder, Some(t(50))).unwrap();
    store.schedule(5, JobKind::Reveal, Some(t(300))).unwrap();
    store.schedule(6, JobKind::Close, Some(t(200))).unwrap();

    let due = store.due_jobs(t(100), 10).unwrap();
    assert_eq!(
        due.iter()
            .map(|j| (j.at, j.chat, j.kind))
            .collect::<Vec<_>>(),
        vec![
            (t(50), -3, JobKind::Reminder),
            (t(50), 5, JobKind::Daily),
            (t(100), GROUP, JobKind::Daily),
        ]
    );
    assert_eq!(store.due_jobs(t(100), 1).unwrap().len(), 1);
    assert!(store.due_jobs(t(49), 10).unwrap().is_empty());
    assert_eq!(store.next_job_time().unwrap(), Some(t(50)));

    // Re-scheduling moves the job; None removes it.
    store.schedule(5, JobKind::Daily, Some(t(86_450))).unwrap();
    store.schedule(-3, JobKind::Reminder, None).unwrap();
    store.schedule(-3, JobKind::Reminder, None).unwrap();
    let due = store.due_jobs(t(1_000), 10).unwrap();
    assert_eq!(
        due.iter().map(|j| (j.chat, j.kind)).collect::<Vec<_>>(),
        vec![
            (GROUP, JobKind::Daily),
            (6, JobKind::Close),
            (5, JobKind::Reveal)
        ]
    );
    assert_eq!(store.scheduled(5, JobKind::Daily).unwrap(), Some(t(86_450)));
    assert_eq!(store.scheduled(-3, JobKind::Reminder).unwrap(), None);
    assert_eq!(store.trees().schedule.len(), 4);
    assert_eq!(store.trees().schedule_by_chat.len(), 4);
}

#[test]
fn schedule_many_moves_adds_and_removes_in_one_go() {
    let (_dir, store) = tmp();
    store.schedule(1, JobKind::Daily, Some(t(10))).unwrap();
    store.schedule(2, JobKind::Daily, Some(t(20))).unwrap();
    store
        .schedule_many(&[
            (1, JobKind::Daily, Some(t(500))),
            (2, JobKind::Daily, None),
            (3, JobKind::Daily, Some(t(30))),
            // The same job twice in a batch: the last time wins, no stray entry.
            (3, JobKind::Daily, Some(t(40))),
        ])
        .unwrap();
    store.schedule_many(&[]).unwrap();
    let due = store.due_jobs(t(1_000), 10).unwrap();
    assert_eq!(
        due.iter().map(|j| (j.at, j.chat)).collect::<Vec<_>>(),
        vec![(t(40), 3), (t(500), 1)]
    );
    assert_eq!(store.scheduled(2, JobKind::Daily).unwrap(), None);
    assert_eq!(store.trees().schedule.len(), 2);
    assert_eq!(store.trees().schedule_by_chat.len(), 2);
}

#[test]
fn a_card_index_entry_without_its_card_is_skipped() {
    // What a crash between put_card's two writes can leave: an index entry only.
    let (_dir, store) = tmp();
    let k = keys::card(GROUP, 9).build();
    store.trees().open_cards.insert(k, &[][..]).unwrap();
    assert_eq!(store.latest_open_card(GROUP).unwrap(), None);
    assert!(store.open_cards(GROUP).unwrap().is_empty());
}

#[test]
fn a_weekly_report_is_claimed_once_a_week_and_only_while_on() {
    let (_dir, store) = tmp();
    let week = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    assert_eq!(store.report_setting(7).unwrap(), ReportSetting::default());
    assert!(!store.claim_report(7, week).unwrap(), "never turned on");
    store.set_report(7, true, None).unwrap();
    assert!(store.claim_report(7, week).unwrap());
    assert!(!store.claim_report(7, week).unwrap(), "once a week");
    // Off and on again: the week sent is kept (an older skip changes nothing).
    store.set_report(7, false, None).unwrap();
    assert!(!store.claim_report(7, week.succ_opt().unwrap()).unwrap());
    let earlier = week - chrono::Days::new(7);
    let on = store.set_report(7, true, Some(earlier)).unwrap();
    assert_eq!(on.last_sent, Some(week));
    assert!(!store.claim_report(7, week).unwrap());
    // A week skipped counts as sent.
    let next = week + chrono::Days::new(7);
    let on = store.set_report(7, true, Some(next)).unwrap();
    assert_eq!(on.last_sent, Some(next));
    assert!(!store.claim_report(7, next).unwrap());
    assert!(store.claim_report(7, next + chrono::Days::new(7)).unwrap());
}

#[test]
fn claim_daily_once_a_day() {
    let (_dir, store) = tmp();
    let day = NaiveDate::from_ymd_opt(2025, 6, 3).unwrap();
    assert!(!store.claim_daily(GROUP, day).unwrap(), "no such chat");
    store.update_chat(GROUP, |_| sample_chat()).unwrap();
    let claims: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| store.claim_daily(GROUP, day).unwrap()))
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(claims, 1);
    assert!(!store.claim_daily(GROUP, day).unwrap());
    assert!(store.claim_daily(GROUP, day.succ_opt().unwrap()).unwrap());

    assert!(store.claim_reminder(GROUP, day).unwrap());
    assert!(!store.claim_reminder(GROUP, day).unwrap());
    let daily = store.chat(GROUP).unwrap().unwrap().daily.unwrap();
    assert_eq!(daily.last_sent, day.succ_opt());
    assert_eq!(daily.last_reminded, Some(day));

    store
        .update_chat(GROUP, |c| Chat {
            daily: None,
            ..c.unwrap()
        })
        .unwrap();
    assert!(!store.claim_daily(GROUP, day).unwrap(), "no daily question");
}

#[test]
fn migrate_chat_moves_everything() {
    let bank = bank();
    let (_dir, store) = tmp();
    let new = -1_009_999_999_999;
    store.update_chat(GROUP, |_| sample_chat()).unwrap();
    store
        .put_card(&card(&bank, GROUP, 1, "c3-q03", true))
        .unwrap();
    let mut closed = card(&bank, GROUP, 2, "c3-q01", true);
    closed.open = false;
    store.put_card(&closed).unwrap();
    recorded(
        store
            .record_answer(&bank, &req(GROUP, 1, 11, Response::Judge(true), 2))
            .unwrap(),
    );
    store.schedule(GROUP, JobKind::Daily, Some(t(500))).unwrap();
    store.schedule(GROUP, JobKind::Close, Some(t(60))).unwrap();

    store.migrate_chat(GROUP, new).unwrap();

    assert_eq!(store.chat(GROUP).unwrap(), None);
    let moved = store.chat(new).unwrap().unwrap();
    assert_eq!(moved.id, new);
    assert_eq!(moved.title, "学习群");
    assert_eq!(store.card(GROUP, 1).unwrap(), None);
    let c = store.card(new, 1).unwrap().unwrap();
    assert_eq!(c.chat, new);
    assert_eq!(c.answers.len(), 1);
    assert!(store.card(new, 2).unwrap().is_some());
    assert_eq!(store.latest_open_card(new).unwrap().unwrap().message, 1);
    assert_eq!(store.latest_open_card(GROUP).unwrap(), None);
    assert!(store.scores(GROUP).unwrap().is_empty());
    assert_eq!(store.scores(new).unwrap()[0].0, 11);
    assert_eq!(store.scheduled(GROUP, JobKind::Daily).unwrap(), None);
    assert_eq!(store.scheduled(new, JobKind::Daily).unwrap(), Some(t(500)));
    let due: Vec<i64> = store
        .due_jobs(t(1_000), 10)
        .unwrap()
        .iter()
        .map(|j| j.chat)
        .collect();
    assert_eq!(due, vec![new, new]);

    // Answers keep working under the new id; moving again does nothing.
    recorded(
        store
            .record_answer(&bank, &req(new, 1, 12, Response::Judge(false), 3))
            .unwrap(),
    );
    store.migrate_chat(GROUP, new).unwrap();
    assert_eq!(store.scores(new).unwrap().len(), 2);
}

#[test]
fn export_contains_the_learners_data() {
    let bank = bank();
    let (_dir, store) = tmp();
    let user = 4242;
    store
        .put_card(&card(&bank, user, 1, "c3-q01", false))
        .unwrap();
    store
        .put_card(&card(&bank, GROUP, 2, "c3-q03", true))
        .unwrap();
    store
        .update_chat(user, |_| {
            Chat::new(user, ChatKind::Private, "", chrono_tz::Asia::Shanghai)
        })
        .unwrap();
    recorded(
        store
            .record_answer(&bank, &req(user, 1, user, choice("C"), 1))
            .unwrap(),
    );
    recorded(
        store
            .record_answer(&bank, &req(GROUP, 2, user, Response::Judge(true), 2))
            .unwrap(),
    );
    let doc = store.export(user).unwrap();
    assert_eq!(doc["user"], user);
    assert_eq!(doc["learner"]["name"], "学员242");
    assert_eq!(doc["private_chat"]["id"], user);
    assert_eq!(doc["progress"].as_array().unwrap().len(), 2);
    assert_eq!(doc["log"].as_array().unwrap().len(), 2);
    assert_eq!(doc["log"][0]["answer"], "C");
    assert_eq!(doc["log"][0]["right"], false);
    assert_eq!(doc["scores"][0]["chat"], GROUP);
    assert_eq!(doc["card_answers"].as_array().unwrap().len(), 2);
    let other = store.export(1).unwrap();
    assert!(other["learner"].is_null());
    assert!(other["log"].as_array().unwrap().is_empty());
}

/// Every key and value of every tree, for the privacy checks.
fn everything(store: &Store) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let db = &store.inner.db;
    let mut out = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).unwrap();
        for kv in tree.iter() {
            let (k, v) = kv.unwrap();
            out.push((
                String::from_utf8_lossy(&name).into_owned(),
                k.to_vec(),
                v.to_vec(),
            ));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn forget_leaves_no_trace() {
    let bank = bank();
    let (_dir, store) = tmp();
    let user: i64 = 7_123_456_789;
    let other: i64 = 5_550_001;
    // Their private chat, with cards and jobs.
    store
        .update_chat(user, |_| {
            Chat::new(user, ChatKind::Private, "", chrono_tz::Asia::Shanghai)
        })
        .unwrap();
    store
        .put_card(&card(&bank, user, 1, "c3-q01", false))
        .unwrap();
    store
        .put_card(&card(&bank, user, 2, "c3-q02", false))
        .unwrap();
    recorded(
        store
            .record_answer(&bank, &req(user, 1, user, choice("B"), 1))
            .unwrap(),
    );
    store.toggle_selection(user, 2, user, 1).unwrap().unwrap();
    store.schedule(user, JobKind::Daily, Some(t(100))).unwrap();
    store
        .schedule(user, JobKind::Reminder, Some(t(200)))
        .unwrap();
    // A group they play in, with a round they started and a card they asked.
    let mut chat = sample_chat();
    chat.round = Some(Round {
        total: 5,
        asked: 1,
        started_by: user,
        scores: vec![(user, "Z".into(), 10), (other, "O".into(), 5)],
        chapter: None,
    });
    store.update_chat(GROUP, |_| chat.clone()).unwrap();
    let mut gc = card(&bank, GROUP, 3, "c3-q03", true);
    gc.asked_by = user;
    store.put_card(&gc).unwrap();
    store
        .put_card(&card(&bank, GROUP, 4, "c3-q02", true))
        .unwrap();
    for u in [user, other] {
        let mut r = req(GROUP, 3, u, Response::Judge(true), 5);
        r.name = if u == user { "Zed" } else { "Olga" }.into();
        recorded(store.record_answer(&bank, &r).unwrap());
    }
    store.toggle_selection(GROUP, 4, user, 0).unwrap().unwrap();
    store.toggle_selection(GROUP, 4, other, 1).unwrap().unwrap();
    store
        .update_learner(user, |l| {
            let mut l = l.unwrap();
            l.tz = Some(chrono_tz::Asia::Tokyo);
            l
        })
        .unwrap();
    store.schedule(GROUP, JobKind::Daily, Some(t(300))).unwrap();
    // Their weekly report, on and claimed for a week.
    store.set_report(user, true, None).unwrap();
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    assert!(store.claim_report(user, monday).unwrap());
    store.schedule(user, JobKind::Report, Some(t(400))).unwrap();
    let export = store.export(user).unwrap();
    assert_eq!(export["weekly_report"]["on"], serde_json::json!(true));
    assert_eq!(
        export["weekly_report"]["last_sent"],
        serde_json::json!("2026-03-09")
    );
    assert!(
        store
            .trees()
            .reports
            .get(keys::learner(user).build())
            .unwrap()
            .is_some()
    );

    let be = user.to_be_bytes();
    let ordered = keys::enc_i64(user);
    let decimal = user.to_string();
    let varint = postcard::to_stdvec(&user).unwrap();
    assert!(
        everything(&store)
            .iter()
            .any(|(_, k, _)| contains(k, &ordered))
    );

    store.forget(user).unwrap();

    for (tree, k, v) in everything(&store) {
        for needle in [&be[..], &ordered[..], decimal.as_bytes()] {
            assert!(
                !contains(&k, needle),
                "{tree} key {} mentions the user",
                keys::hex(&k)
            );
        }
        for needle in [&varint[..], decimal.as_bytes(), b"Zed"] {
            assert!(
                !contains(&v, needle),
                "{tree} value at {} mentions the user",
                keys::hex(&k)
            );
        }
    }
    assert!(store.trees().reports.is_empty());
    assert_eq!(
        store.report_setting(user).unwrap(),
        ReportSetting::default()
    );
    // Everybody else is intact.
    assert!(store.learner(other).unwrap().is_some());
    assert_eq!(store.scores(GROUP).unwrap().len(), 1);
    let gc = store.card(GROUP, 3).unwrap().unwrap();
    assert_eq!(gc.answers.len(), 1);
    assert_eq!(gc.asked_by, 0);
    assert_eq!(
        store
            .card(GROUP, 4)
            .unwrap()
            .unwrap()
            .selection_of(other)
            .letters(),
        "B"
    );
    let round = store.chat(GROUP).unwrap().unwrap().round.unwrap();
    assert_eq!(round.scores.len(), 1);
    assert_eq!(
        store.scheduled(GROUP, JobKind::Daily).unwrap(),
        Some(t(300))
    );
    assert_eq!(store.due_jobs(t(1_000), 10).unwrap().len(), 1);
    assert!(store.export(user).unwrap()["learner"].is_null());
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = open(&path);
        schema::write_version(store.trees(), SCHEMA_VERSION + 1).unwrap();
        store.flush_blocking().unwrap();
    }
    match reopen(&path) {
        Err(e @ StoreError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            assert!(e.to_string().contains("newer"), "{e}");
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

#[test]
fn older_schema_is_migrated() {
    let bank = bank();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = open(&path);
        store
            .put_card(&card(&bank, GROUP, 1, "c3-q01", true))
            .unwrap();
        let mut closed = card(&bank, GROUP, 2, "c3-q01", true);
        closed.open = false;
        store.put_card(&closed).unwrap();
        store.schedule(GROUP, JobKind::Daily, Some(t(100))).unwrap();
        store
            .update_learner(3, |_| Learner::new(3, "x", t(0)))
            .unwrap();
        // Fake the version-0 layout: no derived indexes, and a job scheduled twice.
        let tr = store.trees();
        tr.open_cards.clear().unwrap();
        tr.schedule_by_chat.clear().unwrap();
        tr.schedule
            .insert(
                keys::job(t(50), GROUP, JobKind::Daily.code()).build(),
                &[][..],
            )
            .unwrap();
        schema::write_version(tr, 0).unwrap();
        store.flush_blocking().unwrap();
    }
    let store = reopen(&path).unwrap();
    assert_eq!(
        schema::stored_version(store.trees()).unwrap(),
        Some(SCHEMA_VERSION)
    );
    assert_eq!(store.latest_open_card(GROUP).unwrap().unwrap().message, 1);
    assert_eq!(
        store.scheduled(GROUP, JobKind::Daily).unwrap(),
        Some(t(100))
    );
    store.schedule(GROUP, JobKind::Daily, Some(t(900))).unwrap();
    let due = store.due_jobs(t(1_000), 10).unwrap();
    assert_eq!(due.len(), 1, "the old keys are gone: {due:?}");
    assert_eq!(store.learner(3).unwrap().unwrap().name, "x");
}

#[test]
fn a_locked_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let _first = open(&path);
    match Store::open(&path, Options::default()) {
        Err(e @ StoreError::Locked(_)) => {
            assert!(
                e.to_string().contains("in use by another tutor process"),
                "{e}"
            );
        }
        other => panic!("expected Locked, got {other:?}"),
    }
}

#[test]
fn the_directory_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("db");
    let store = open(&path);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    drop(store);

    // An existing directory open to others is tightened.
    let loose = dir.path().join("loose");
    std::fs::create_dir(&loose).unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _s = open(&loose);
    let mode = std::fs::metadata(&loose).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

/// A small database at `path`, closed again.
fn make_db(path: &Path) {
    let bank = bank();
    let store = open(path);
    for m in 0..50 {
        store
            .put_card(&card(&bank, GROUP, m, "c3-q01", true))
            .unwrap();
    }
    store.flush_blocking().unwrap();
    drop(store);
    // Wait until sled's threads have let go of the lock.
    drop(reopen(path).unwrap());
}

#[test]
fn damaged_databases_are_refused_not_wiped() {
    use std::os::unix::fs::FileExt;
    let dir = tempfile::tempdir().unwrap();

    // The data file truncated to nothing: sled alone would start afresh.
    let path = dir.path().join("truncated");
    make_db(&path);
    let data = std::fs::OpenOptions::new()
        .write(true)
        .open(path.join("db"))
        .unwrap();
    data.set_len(0).unwrap();
    match reopen(&path) {
        Err(StoreError::Corrupt(msg)) => assert!(!msg.is_empty()),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // Still refused the second time: the failed open initialised nothing.
    assert!(matches!(reopen(&path), Err(StoreError::Corrupt(_))));

    // Its first segment overwritten.
    let path = dir.path().join("garbled");
    make_db(&path);
    let data = std::fs::OpenOptions::new()
        .write(true)
        .open(path.join("db"))
        .unwrap();
    data.write_all_at(&[0x5a; 64], 0).unwrap();
    assert!(matches!(reopen(&path), Err(StoreError::Corrupt(_))));

    // A damaged config file.
    let path = dir.path().join("conf");
    make_db(&path);
    std::fs::write(path.join("conf"), b"garbage garbage garbage").unwrap();
    assert!(matches!(reopen(&path), Err(StoreError::Corrupt(_))));

    // A directory of junk: an error, never a panic.
    let junk = dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("conf"), b"not a sled config at all").unwrap();
    std::fs::write(junk.join("db"), vec![0xAB; 4096]).unwrap();
    assert!(reopen(&junk).is_err());
}

#[test]
fn backup_and_restore_round_trip() {
    let bank = bank();
    let dir = tempfile::tempdir().unwrap();
    let (path, snap, back) = (
        dir.path().join("db"),
        dir.path().join("snap"),
        dir.path().join("restored"),
    );
    let store = open(&path);
    store.update_chat(GROUP, |_| sample_chat()).unwrap();
    store
        .put_card(&card(&bank, GROUP, 1, "c3-q03", true))
        .unwrap();
    recorded(
        store
            .record_answer(&bank, &req(GROUP, 1, 9, Response::Judge(true), 2))
            .unwrap(),
    );
    store.schedule(GROUP, JobKind::Daily, Some(t(100))).unwrap();
    store.backup(&snap).unwrap();
    assert!(matches!(store.backup(&snap), Err(StoreError::NotEmpty(_))));
    // Changes after the backup are not in it.
    store
        .update_learner(10, |_| Learner::new(10, "later", t(0)))
        .unwrap();

    assert!(matches!(
        Store::restore(&snap, &path),
        Err(StoreError::NotEmpty(_))
    ));
    Store::restore(&snap, &back).unwrap();
    let mode = std::fs::metadata(&back).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let restored = reopen(&back).unwrap();
    assert_eq!(restored.chat(GROUP).unwrap(), store.chat(GROUP).unwrap());
    assert_eq!(
        restored.card(GROUP, 1).unwrap(),
        store.card(GROUP, 1).unwrap()
    );
    assert_eq!(restored.progress(9).unwrap(), store.progress(9).unwrap());
    assert_eq!(restored.log(9, t(0)).unwrap(), store.log(9, t(0)).unwrap());
    assert_eq!(
        restored.scores(GROUP).unwrap(),
        store.scores(GROUP).unwrap()
    );
    assert_eq!(
        restored.due_jobs(t(200), 5).unwrap(),
        store.due_jobs(t(200), 5).unwrap()
    );
    assert_eq!(
        restored.latest_open_card(GROUP).unwrap().unwrap().message,
        1
    );
    assert_eq!(restored.learner(10).unwrap(), None);
    assert!(restored.size_on_disk().unwrap() > 0);

    // Not a backup.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(matches!(
        Store::restore(&empty, &dir.path().join("x")),
        Err(StoreError::Corrupt(_))
    ));
}

/// Every file under `dir` with its bytes, for "nothing changed" checks.
fn tree_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(tree_bytes(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn a_backup_needs_a_database_and_a_restore_only_reads_it() {
    let bank = bank();
    let dir = tempfile::tempdir().unwrap();
    // A mistyped or empty source is an error naming it, and creates nothing.
    for (name, make) in [("missing", false), ("empty", true)] {
        let src = dir.path().join(name);
        if make {
            std::fs::create_dir(&src).unwrap();
        }
        let e = Store::open_existing(&src, Options::default()).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
        assert!(!has_sled_files(&src), "{name}: a database was created");
    }
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let e = Store::open_existing(&file, Options::default()).unwrap_err();
    assert!(e.to_string().contains("is a file"), "{e}");

    let (path, snap) = (dir.path().join("db"), dir.path().join("snap"));
    let store = open(&path);
    store.put_card(&card(&bank, 5, 1, "c3-q03", false)).unwrap();
    recorded(
        store
            .record_answer(&bank, &req(5, 1, 5, Response::Judge(true), 1))
            .unwrap(),
    );
    store.backup(&snap).unwrap();
    drop(store);
    // A read-only backup restores, and is byte for byte as it was.
    let before = tree_bytes(&snap);
    let read_only = |dir: &Path, on: bool| {
        for (p, _) in tree_bytes(dir) {
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            perm.set_readonly(on);
            std::fs::set_permissions(&p, perm).unwrap();
        }
    };
    read_only(&snap, true);
    let back = dir.path().join("restored");
    Store::restore(&snap, &back).unwrap();
    read_only(&snap, false);
    assert_eq!(tree_bytes(&snap), before, "the restore changed its source");
    let restored = reopen(&back).unwrap();
    assert_eq!(restored.progress(5).unwrap().len(), 1);
    // No staging directory is left beside the target.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A backup that changed after it was written is refused, naming the backup.
    let data = snap.join("db");
    let mut bytes = std::fs::read(&data).unwrap();
    let at = bytes.len() / 2;
    bytes.truncate(at);
    std::fs::write(&data, bytes).unwrap();
    let e = Store::restore(&snap, &dir.path().join("again")).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
    assert!(e.to_string().contains(&snap.display().to_string()), "{e}");
    assert!(!dir.path().join("again").exists());
}

#[test]
fn a_db_path_that_cannot_be_a_database_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let e = Store::open(&file, Options::default()).unwrap_err();
    assert!(matches!(e, StoreError::Path { .. }), "{e}");
    assert!(
        e.to_string().contains("a-file") && e.to_string().contains("is a file"),
        "{e}"
    );
    let under = file.join("db");
    let e = Store::open(&under, Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("a-file"), "{e}");
    // Permissions (root ignores them: then there is nothing to see).
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(locked.join("probe"), "x").is_err() {
        let e = Store::open(&locked.join("db"), Options::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("locked") && e.contains("ermission"), "{e}");
    } else {
        eprintln!("skipped the permission case: this user may write anywhere (root)");
    }
}

#[test]
fn progress_on_a_question_that_left_the_bank_is_kept() {
    let bank = bank();
    let (_dir, store) = tmp();
    store.put_card(&card(&bank, 5, 1, "c3-q01", false)).unwrap();
    recorded(
        store
            .record_answer(&bank, &req(5, 1, 5, choice("B"), 1))
            .unwrap(),
    );
    // A later bank without c3-q01.
    let smaller: Vec<(String, String)> = (1..=6)
        .map(|n| {
            let text = test_bank::text(n).replace("id = \"c3-q01\"", "id = \"c3-q09\"");
            (format!("ch{n:02}.toml"), text)
        })
        .collect();
    let smaller = test_bank::from(&smaller);
    assert!(store.progress(5).unwrap().contains_key("c3-q01"));
    let stats = store.stats(&smaller, 5, t(100), TZ).unwrap();
    assert_eq!(
        (stats.answered, stats.right),
        (0, 0),
        "ignored by the stats"
    );
    let stats = store.stats(&bank, 5, t(100), TZ).unwrap();
    assert_eq!((stats.answered, stats.right), (1, 1));
    assert_eq!(stats.streak, 1);
    assert_eq!(stats.last_30_days.iter().map(|d| d.1).sum::<u32>(), 1);
    assert_eq!(store.stats(&bank, 6, t(100), TZ).unwrap().answered, 0);
    // ... and kept: the question may come back.
    assert!(store.progress(5).unwrap().contains_key("c3-q01"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flushes_are_shared() {
    let (_dir, store) = tmp();
    // Nothing written since the open-time flush: returns at once.
    store.flush().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..32i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .update_learner(i, |_| Learner::new(i, "n", t(0)))
                .unwrap();
            store.flush().await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let inner = &store.inner;
    assert_eq!(
        inner.flushed.load(std::sync::atomic::Ordering::SeqCst),
        inner.written.load(std::sync::atomic::Ordering::SeqCst)
    );
    store.flush_blocking().unwrap();
}

#[test]
fn prune_removes_only_old_closed_cards() {
    let bank = bank();
    let (_dir, store) = tmp();
    let mut old_closed = card(&bank, 5, 1, "c3-q01", false);
    old_closed.open = false;
    store.put_card(&old_closed).unwrap();
    store.put_card(&card(&bank, 5, 2, "c3-q01", false)).unwrap(); // old but open
    let mut new_closed = card(&bank, 5, 3, "c3-q01", false);
    new_closed.open = false;
    new_closed.posted = t(1_000);
    store.put_card(&new_closed).unwrap();
    assert_eq!(store.prune_cards(t(500)).unwrap(), 1);
    assert_eq!(store.card(5, 1).unwrap(), None);
    assert!(store.card(5, 2).unwrap().is_some());
    assert!(store.card(5, 3).unwrap().is_some());
    assert_eq!(store.prune_cards(t(500)).unwrap(), 0);
}

/// Writes a learner's progress and log in the schema-1 layout (one sled entry per
/// question and per answer), as a tutor of that schema did.
fn write_v1(store: &Store, user: i64, progress: &[(&str, Progress)], log: &[LogItem]) {
    let db = &store.inner.db;
    let tp = db.open_tree("progress").unwrap();
    for (q, p) in progress {
        tp.insert(keys::progress_v1(user, q).build(), p.encode())
            .unwrap();
    }
    let tl = db.open_tree("log").unwrap();
    for e in log {
        let value = LogValue {
            question: e.question.clone(),
            right: e.right,
            answer: e.answer.clone(),
        };
        tl.insert(
            keys::log_v1(user, e.at, e.chat, e.message).build(),
            value.encode(),
        )
        .unwrap();
    }
}

/// `got` is `written` after the schema-3 migration: the same counters and last
/// answer, and the memory FSRS-6's after the learner's logged answers to `q`.
fn assert_replayed(store: &Store, user: i64, q: &str, got: &Progress, written: &Progress) {
    let kept = Progress {
        memory: written.memory.clone(),
        ..got.clone()
    };
    assert_eq!(&kept, written, "{user} {q}");
    let answers: Vec<LogItem> = store
        .log_items(user, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.question == q)
        .collect();
    assert!(!answers.is_empty());
    let srs = crate::learn::Srs::default();
    let tz = store.replay_zone(user).unwrap();
    let mut memory = None;
    for e in &answers {
        let rating = crate::learn::Rating::from_right(e.right);
        memory = Some(srs.schedule(memory.as_ref(), rating, e.at, tz));
    }
    assert_eq!(memory.as_ref(), Some(&got.memory), "{user} {q}");
    assert_eq!(got.memory.reps as usize, answers.len());
    assert_eq!(got.memory.last_review, answers.last().unwrap().at);
}

fn v1_history(n: usize, chat: i64) -> Vec<LogItem> {
    // Six hours apart: they cross month boundaries.
    (0..n)
        .map(|i| LogItem {
            at: t(i as i64 * 6 * 3600 + 7),
            chat,
            message: 100 + i as i32,
            question: format!("c1-q0{}", 1 + i % 3),
            right: i % 3 != 1,
            answer: if i % 2 == 0 { "B" } else { "对" }.into(),
        })
        .collect()
}

#[test]
fn a_schema_1_database_is_migrated_to_packed_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let a: i64 = 7_123_456_789;
    let b: i64 = 5;
    let mut p2 = sample_progress();
    p2.last_answer = "对".into();
    p2.memory.due = t(-5);
    // More entries than one migration transaction moves.
    let history_a = v1_history(5_000, a);
    let history_b = v1_history(40, GROUP);
    {
        let store = open(&path);
        store
            .update_learner(a, |_| Learner::new(a, "甲", t(0)))
            .unwrap();
        write_v1(
            &store,
            a,
            &[("c1-q01", sample_progress()), ("c1-q02", p2.clone())],
            &history_a,
        );
        write_v1(&store, b, &[("c1-q03", p2.clone())], &history_b);
        schema::write_version(store.trees(), 1).unwrap();
        store.flush_blocking().unwrap();
    }
    let store = reopen(&path).unwrap();
    assert_eq!(
        schema::stored_version(store.trees()).unwrap(),
        Some(SCHEMA_VERSION)
    );
    let pa = store.progress(a).unwrap();
    assert_eq!(pa.len(), 2);
    assert_replayed(&store, a, "c1-q01", &pa["c1-q01"], &sample_progress());
    assert_replayed(&store, a, "c1-q02", &pa["c1-q02"], &p2);
    let pb = store.progress(b).unwrap();
    assert_replayed(&store, b, "c1-q03", &pb["c1-q03"], &p2);

    let log = store.log(a, t(0)).unwrap();
    assert_eq!(log.len(), history_a.len());
    for (got, want) in log.iter().zip(&history_a) {
        assert_eq!(
            (got.at, &got.question, got.right),
            (want.at, &want.question, want.right)
        );
    }
    assert_eq!(store.log(b, t(0)).unwrap().len(), history_b.len());
    // A range that starts mid-month.
    let since = history_a[1234].at;
    assert_eq!(store.log(a, since).unwrap().len(), history_a.len() - 1234);
    assert_eq!(store.log_items(b, None).unwrap(), history_b);

    let doc = store.export(a).unwrap();
    assert_eq!(doc["log"].as_array().unwrap().len(), history_a.len());
    assert_eq!(doc["log"][3]["chat"], a);
    assert_eq!(doc["log"][3]["message"], 103);
    assert_eq!(doc["progress"].as_array().unwrap().len(), 2);

    // The old trees are gone; a learner's log is one entry per month.
    let names = store.inner.db.tree_names();
    assert!(
        !names
            .iter()
            .any(|n| n.as_ref() == b"progress" || n.as_ref() == b"log")
    );
    let months = history_a
        .iter()
        .map(|e| month_of(e.at))
        .collect::<HashSet<_>>()
        .len();
    assert!(months > 10);
    assert_eq!(
        store.trees().log.scan_prefix(keys::learner(a)).count(),
        months
    );
    assert_eq!(store.trees().progress.len(), 2);

    // Answering after the migration adds to the packed records.
    let bank = bank();
    store
        .put_card(&card(&bank, a, 99_999, "c3-q03", false))
        .unwrap();
    let at = (history_a.last().unwrap().at - t(0)).num_seconds() + 60;
    recorded(
        store
            .record_answer(&bank, &req(a, 99_999, a, Response::Judge(true), at))
            .unwrap(),
    );
    assert_eq!(store.log(a, t(0)).unwrap().len(), history_a.len() + 1);
    assert_eq!(store.progress(a).unwrap().len(), 3);
    // Forgetting a migrated learner removes their packed records.
    store.forget(a).unwrap();
    assert!(store.progress(a).unwrap().is_empty());
    assert!(store.log_items(a, None).unwrap().is_empty());
    assert_eq!(store.log(b, t(0)).unwrap().len(), history_b.len());
}

#[test]
fn an_interrupted_migration_resumes_without_loss() {
    // A crash between two migration transactions: some of a learner's entries are
    // already packed, the rest still in the schema-1 trees.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let user = 77;
    let history = v1_history(30, user);
    let mut p2 = sample_progress();
    p2.seen = 9;
    {
        let store = open(&path);
        store
            .import_history(
                &Learner::new(user, "x", t(0)),
                &[("c1-q01".to_string(), sample_progress())],
                &history[..12]
                    .iter()
                    .map(|e| LoggedAnswer {
                        at: e.at,
                        chat: e.chat,
                        message: e.message,
                        question: e.question.clone(),
                        right: e.right,
                        answer: e.answer.clone(),
                    })
                    .collect::<Vec<_>>(),
            )
            .unwrap();
        // Entry 11 in both layouts (one transaction moves and removes, so this
        // cannot happen; the merge keeps one anyway).
        write_v1(&store, user, &[("c1-q02", p2.clone())], &history[11..]);
        schema::write_version(store.trees(), 1).unwrap();
        store.flush_blocking().unwrap();
    }
    let store = reopen(&path).unwrap();
    let progress = store.progress(user).unwrap();
    assert_eq!(progress.len(), 2);
    assert_replayed(&store, user, "c1-q02", &progress["c1-q02"], &p2);
    assert_eq!(store.log_items(user, None).unwrap(), history);
    assert_eq!(store.learner(user).unwrap().unwrap().name, "x");
}

#[test]
fn a_damaged_schema_1_record_stops_the_migration_before_it_moves_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = open(&path);
        write_v1(
            &store,
            3,
            &[("c1-q01", sample_progress())],
            &v1_history(5, 3),
        );
        store
            .inner
            .db
            .open_tree("log")
            .unwrap()
            .insert(keys::log_v1(9, t(0), 9, 1).build(), &[200, 1][..])
            .unwrap();
        schema::write_version(store.trees(), 1).unwrap();
        store.flush_blocking().unwrap();
    }
    match reopen(&path) {
        Err(StoreError::Decode { tree, .. }) => assert_eq!(tree, "log"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    // Nothing was moved: the version and the old entries are as they were.
    let db = sled::open(&path).unwrap();
    assert_eq!(db.open_tree("log").unwrap().len(), 6);
    assert_eq!(db.open_tree("progress").unwrap().len(), 1);
    assert!(db.open_tree(super::PROGRESS_TREE).unwrap().is_empty());
}

/// Puts `user`'s progress and log as the first schema-2 build wrote them (frozen
/// bytes, see `records/tests.rs`) straight into the trees; returns the progress and
/// the answers they hold, and the months of log, in order.
fn put_first_packed_records(store: &Store, user: i64) -> (ProgressSet, Vec<LogItem>, Vec<i32>) {
    let mut set = ProgressSet::default();
    set.put("c1-q01", sample_progress());
    set.put("c1-q1", sample_progress());
    set.put("题-1", sample_progress());
    let history = v1_history(100, user);
    let mut chunks: std::collections::BTreeMap<i32, LogChunk> = Default::default();
    for e in &history {
        chunks.entry(month_of(e.at)).or_default().put(e.clone());
    }
    assert!(chunks.len() > 1);
    let v1_progress = include_bytes!("fixtures/first-packed-progress-v1.bin").as_slice();
    let v1_chunks = [
        include_bytes!("fixtures/first-packed-log-2025-06-v1.bin").as_slice(),
        include_bytes!("fixtures/first-packed-log-2025-07-v1.bin").as_slice(),
    ];
    assert_eq!(ProgressSet::decode(v1_progress).unwrap(), set);
    assert_eq!(chunks.len(), v1_chunks.len());
    let tr = store.trees();
    tr.progress
        .insert(keys::progress(user).build(), v1_progress)
        .unwrap();
    for ((&month, chunk), bytes) in chunks.iter().zip(v1_chunks) {
        assert_eq!(&LogChunk::decode(user, month, bytes).unwrap(), chunk);
        tr.log
            .insert(keys::log_chunk(user, month).build(), bytes)
            .unwrap();
    }
    (set, history, chunks.into_keys().collect())
}

/// Packed records as the first schema-2 build wrote them (question ids as strings):
/// still read, rewritten in the current form when next written, and copied in the
/// current form by a backup.
#[test]
fn packed_records_of_the_first_version_still_read() {
    let (dir, store) = tmp();
    let user: i64 = 7_123_456_789;
    let (set, history, months) = put_first_packed_records(&store, user);
    let expect_progress: std::collections::HashMap<String, Progress> =
        set.clone().into_vec().into_iter().collect();
    assert_eq!(store.progress(user).unwrap(), expect_progress);
    let log = store.log(user, t(-1)).unwrap();
    assert_eq!(log.len(), history.len());
    assert!(
        log.iter()
            .zip(&history)
            .all(|(a, b)| a.at == b.at && a.question == b.question && a.right == b.right)
    );
    assert_eq!(store.log_items(user, None).unwrap(), history);

    // A backup holds them in the current form; the restored copy reads the same.
    let backup = dir.path().join("backup");
    store.backup(&backup).unwrap();
    let restored_path = dir.path().join("restored");
    Store::restore(&backup, &restored_path).unwrap();
    let restored = open(&restored_path);
    assert_eq!(restored.progress(user).unwrap(), expect_progress);
    assert_eq!(restored.log_items(user, None).unwrap(), history);
    let first_bytes = |s: &Store| {
        let tr = s.trees();
        tr.progress
            .iter()
            .chain(tr.log.iter())
            .map(|kv| kv.unwrap().1[0])
            .collect::<Vec<u8>>()
    };
    assert!(first_bytes(&store).iter().all(|&b| b == 0));
    assert_eq!(first_bytes(&restored), vec![1; 1 + months.len()]);
    assert!(restored.tree_sizes().unwrap() != store.tree_sizes().unwrap());

    // The next write of a learner's records writes the current form.
    let learner = Learner::new(user, "Ada", t(0));
    let extra = crate::store::LoggedAnswer {
        at: history[0].at + chrono::TimeDelta::seconds(1),
        chat: user,
        message: 9,
        question: "c1-q1".into(),
        right: true,
        answer: "B".into(),
    };
    let mut p = sample_progress();
    p.seen = 99;
    store
        .import_history(&learner, &[("c2-q03".into(), p.clone())], &[extra])
        .unwrap();
    let read = store.progress(user).unwrap();
    assert_eq!(read.len(), 4);
    assert_eq!(read["c2-q03"], p);
    assert_eq!(read["c1-q1"], expect_progress["c1-q1"]);
    assert_eq!(
        store.log_items(user, None).unwrap().len(),
        history.len() + 1
    );
    let tr = store.trees();
    assert_eq!(
        tr.progress
            .get(keys::progress(user).build())
            .unwrap()
            .unwrap()[0],
        1
    );
    assert_eq!(
        tr.log
            .get(keys::log_chunk(user, months[0]).build())
            .unwrap()
            .unwrap()[0],
        1
    );
}

#[test]
fn a_bad_stored_parameter_set_is_a_clear_error_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut p = FsrsParameters {
        parameters: fsrs::DEFAULT_PARAMETERS.to_vec(),
        fitted: true,
        at: t(0),
        reviews: 1,
        learners: 1,
        default_log_loss: 0.4,
        default_rmse: 0.1,
        fitted_log_loss: 0.3,
        fitted_rmse: 0.05,
    };
    // (what is stored, whether the open refuses it)
    let mut nan = p.parameters.clone();
    nan[4] = f32::NAN;
    let cases: Vec<(Vec<u8>, bool)> = vec![
        (p.encode(), false),
        (
            FsrsParameters {
                parameters: vec![0.5; 3],
                ..p.clone()
            }
            .encode(),
            true,
        ),
        (
            FsrsParameters {
                parameters: nan,
                ..p.clone()
            }
            .encode(),
            true,
        ),
        (vec![0, 200], true),
        (vec![9], true),
    ];
    for (i, (bytes, refused)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("db{i}"));
        {
            let store = open(&path);
            store
                .trees()
                .meta
                .insert(FSRS_PARAMETERS_KEY, bytes)
                .unwrap();
            store.flush_blocking().unwrap();
        }
        match reopen(&path) {
            Ok(store) => {
                assert!(!refused, "case {i}");
                assert_eq!(store.fsrs_parameters().unwrap(), Some(p.clone()));
            }
            Err(e) => {
                assert!(refused, "case {i}: {e}");
                let msg = e.to_string();
                assert!(msg.contains("meta"), "case {i}: {msg}");
            }
        }
    }
    // Refused before it is stored, too.
    let store = open(&path);
    assert!(store.srs().is_default());
    p.parameters.truncate(3);
    assert!(store.put_fsrs_parameters(&p).is_err());
    assert_eq!(store.fsrs_parameters().unwrap(), None);
    assert!(store.srs().is_default());
}

#[test]
fn a_seal_reuses_the_opens_measurement_only_while_nothing_but_meta_changed() {
    let bank = Bank::embedded().unwrap();
    let params = FsrsParameters {
        parameters: fsrs::DEFAULT_PARAMETERS.to_vec(),
        fitted: false,
        at: t(0),
        reviews: 0,
        learners: 0,
        default_log_loss: 0.4,
        default_rmse: 0.1,
        fitted_log_loss: 0.4,
        fitted_rmse: 0.1,
    };
    type Step = fn(&Store, &Bank, &FsrsParameters);
    // Between an open that measured a sealed database and the next seal: each case's
    // writes. Debug builds check the seal against a full measurement; every case must
    // also reopen (a stale seal would be refused) and keep what was written.
    let cases: [(&str, Step, usize); 4] = [
        ("nothing", |_, _, _| {}, 1),
        ("meta only", |s, _, p| s.put_fsrs_parameters(p).unwrap(), 1),
        (
            "a card",
            |s, b, _| {
                s.put_card(&card(b, 7, 2, &b.questions()[1].id, false))
                    .unwrap()
            },
            2,
        ),
        (
            "meta, then a card",
            |s, b, p| {
                s.put_fsrs_parameters(p).unwrap();
                s.put_card(&card(b, 7, 2, &b.questions()[1].id, false))
                    .unwrap();
            },
            2,
        ),
    ];
    for (name, step, cards) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let store = open(&path);
        store
            .put_card(&card(&bank, 7, 1, &bank.questions()[0].id, false))
            .unwrap();
        store.seal().unwrap();
        drop(store);
        for round in 0..2 {
            let store = reopen(&path).unwrap_or_else(|e| panic!("{name}, {round}: {e}"));
            if round == 0 {
                step(&store, &bank, &params);
            }
            store.seal().unwrap();
        }
        let store = reopen(&path).unwrap();
        assert_eq!(store.trees().cards.len(), cards, "{name}");
    }
}
