//! A whole database as main wrote it before the records were refactored (commit
//! e4efb6d), frozen in `src/store/fixtures/main-db/`: it must open with today's code
//! and keep every learner, chat, card, answer, progress and score.
//!
//! The fixture is the sled directory after a clean shutdown (`Store::seal`), seal
//! included, as plain files (12.5 KB, read with `include_bytes!`: no archive format,
//! no dependency). A copy of a sealed database opens like the original: the seal
//! holds each tree's record count and CRC, not file details, so the open checks that
//! every record is the one main sealed, and then removes the seal (from the copy).
//! The values below are what went in: the inputs as given to the store, and what it
//! derived from them then (FSRS memory, points, streaks), as main computed it. The
//! schema-3 migration replaces main's rs-fsrs memory with FSRS-6's, replayed from
//! the log ([`fsrs6_progress`]); everything else reads back as main wrote it.

use std::path::Path;

use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};

use super::{Codec, LogChunk, LogItem, ProgressSet, ScoreValue};
use crate::bank::OptionSet;
use crate::lang::Lang;
use crate::learn::{Bag, MemberScore, Memory, Phase, Progress, Response, Streak};
use crate::store::{
    Card, CardAnswer, Chat, ChatKind, Daily, JobKind, Learner, Options, Round, Store, keys,
};

const GROUP: i64 = -1_001_234_567_890;
const ADA: i64 = 7_123_456_789;
const LEI: i64 = 42;
const MEI: i64 = 5;
const DAY: i64 = 86_400;

/// `s` seconds after 2025-06-20 10:00 UTC.
fn at(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap() + TimeDelta::seconds(s)
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn clock(h: u32, m: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// One answer recorded through `Store::record_answers`.
struct Answer {
    user: i64,
    chat: i64,
    message: i32,
    /// Seconds, as [`at`] counts.
    at: i64,
    question: &'static str,
    /// As shown: letters of the card's order, or 对 / 错.
    answer: &'static str,
    right: bool,
    /// Group points main gave it.
    points: u32,
}

#[allow(clippy::too_many_arguments)]
const fn a(
    user: i64,
    chat: i64,
    message: i32,
    at: i64,
    question: &'static str,
    answer: &'static str,
    right: bool,
    points: u32,
) -> Answer {
    Answer {
        user,
        chat,
        message,
        at,
        question,
        answer,
        right,
        points,
    }
}

/// The group cards: message, question, shown order, posted (seconds), limit, daily.
#[allow(clippy::type_complexity)]
const GROUP_CARDS: [(i32, &str, &[u8], i64, u32, bool); 3] = [
    (100, "c1-q01", &[1, 0, 2, 3], 0, 60, false),
    (101, "c1-q02", &[0, 1, 2, 3, 4], 3_600, 60, false),
    (102, "c1-q03", &[], 20 * DAY, 120, true),
];

/// Every answer, in the order recorded: over two months (June and July 2025), in the
/// group and in each learner's private chat (one private card per answer, posted 30 s
/// before it, options in bank order).
const ANSWERS: [Answer; 16] = [
    a(ADA, GROUP, 100, 12, "c1-q01", "A", true, 900),
    a(LEI, GROUP, 100, 31, "c1-q01", "C", false, 0),
    a(MEI, GROUP, 100, 75, "c1-q01", "A", true, 500),
    a(LEI, GROUP, 101, 3_610, "c1-q02", "BDE", true, 917),
    a(MEI, GROUP, 101, 3_640, "c1-q02", "BD", false, 0),
    a(ADA, ADA, 1, 5 * DAY, "c1-q02", "BDE", true, 0),
    a(ADA, ADA, 2, 10 * DAY, "c1-q03", "错", false, 0),
    a(ADA, ADA, 3, 15 * DAY, "c1-q01", "B", true, 0),
    a(ADA, ADA, 4, 20 * DAY + 7, "c1-q02", "BD", false, 0),
    a(ADA, GROUP, 102, 20 * DAY + 40, "c1-q03", "对", true, 933),
    a(MEI, GROUP, 102, 20 * DAY + 50, "c1-q03", "错", false, 0),
    a(LEI, GROUP, 102, 20 * DAY + 130, "c1-q03", "对", true, 600),
    a(ADA, ADA, 5, 25 * DAY, "c1-q03", "对", true, 0),
    a(LEI, LEI, 1, 9 * DAY, "c1-q01", "B", true, 0),
    a(LEI, LEI, 2, 18 * DAY, "c1-q02", "ABDE", false, 0),
    a(LEI, LEI, 3, 36 * DAY, "c1-q01", "D", false, 0),
];

/// MEI's history, imported (`Store::import_history`) before any answer: question ids
/// that do not have the bank's form, and a log over both months.
fn imported_progress() -> Vec<(String, Progress)> {
    let p = |q: &str, review: i64, due: i64, phase: Phase, answer: &str| {
        (
            q.to_string(),
            Progress {
                memory: Memory {
                    due: at(due),
                    stability: 4.5,
                    difficulty: 6.25,
                    elapsed_days: 2,
                    scheduled_days: 5,
                    reps: 2,
                    lapses: 0,
                    phase,
                    last_review: at(review),
                },
                seen: 2,
                right: 1,
                last_seen: at(review + 1),
                last_right: answer == "B",
                last_answer: answer.into(),
            },
        )
    };
    vec![
        p("c1-q1", -10 * DAY, -5 * DAY, Phase::Review, "B"),
        p("题-1", -5 * DAY, 30 * DAY + 17, Phase::Learning, "对"),
    ]
}

fn imported_log() -> Vec<LogItem> {
    let item = |s: i64, message: i32, question: &str, right: bool, answer: &str| LogItem {
        at: at(s),
        chat: MEI,
        message,
        question: question.into(),
        right,
        answer: answer.into(),
    };
    vec![
        item(-10 * DAY, 1, "c1-q1", true, "B"),
        item(-5 * DAY, 2, "题-1", false, "错"),
        item(-5 * DAY + 1, 3, "题-1", true, "对"),
        item(22 * DAY, 4, "c1-q1", false, "C"),
    ]
}

fn response(answer: &str) -> Response {
    match answer {
        "对" => Response::Judge(true),
        "错" => Response::Judge(false),
        letters => {
            let mut s = OptionSet::EMPTY;
            for c in letters.bytes() {
                s.insert(usize::from(c - b'A'));
            }
            Response::Choice(s)
        }
    }
}

fn name(user: i64) -> &'static str {
    match user {
        ADA => "Ada",
        LEI => "李雷",
        _ => "韩梅梅",
    }
}

fn group_chat() -> Chat {
    Chat {
        lang: Some(Lang::Zh),
        daily: Some(Daily {
            time: clock(9, 0),
            reveal: Some(clock(21, 0)),
            last_sent: Some(date(2025, 7, 10)),
            remind: false,
            last_reminded: None,
        }),
        time_limit_secs: 60,
        bag: Bag {
            remaining: vec!["c1-q02".into(), "c1-q01".into()],
            last: Some("c1-q03".into()),
        },
        round: Some(Round {
            total: 5,
            asked: 2,
            started_by: LEI,
            scores: vec![(LEI, "李雷".into(), 10), (MEI, "韩梅梅".into(), 0)],
            chapter: None,
        }),
        open_card: Some(102),
        ..Chat::new(GROUP, ChatKind::Group, "学习群", chrono_tz::Asia::Shanghai)
    }
}

fn chats() -> Vec<Chat> {
    let mut ada = Chat::new(ADA, ChatKind::Private, "Ada", chrono_tz::Europe::Berlin);
    ada.lang = Some(Lang::En);
    ada.daily = Some(Daily {
        time: clock(7, 15),
        reveal: None,
        last_sent: Some(date(2025, 7, 15)),
        remind: true,
        last_reminded: Some(date(2025, 7, 14)),
    });
    vec![
        group_chat(),
        ada,
        Chat::new(LEI, ChatKind::Private, "李雷", chrono_tz::Asia::Shanghai),
        Chat::new(MEI, ChatKind::Private, "韩梅梅", chrono_tz::Asia::Shanghai),
    ]
}

/// The learners as main left them (their streaks derived from the answers above).
fn learners() -> Vec<Learner> {
    let streak = |current, best, last_day| Streak {
        current,
        best,
        last_day: Some(last_day),
        last_repair: None,
    };
    vec![
        Learner {
            lang: Some(Lang::En),
            tz: Some(chrono_tz::Europe::Berlin),
            streak: streak(1, 1, date(2025, 7, 15)),
            remind: false,
            ..Learner::new(ADA, "Ada", at(12))
        },
        Learner {
            active: false,
            streak: streak(1, 2, date(2025, 7, 26)),
            ..Learner::new(LEI, "李雷", at(31))
        },
        Learner {
            streak: streak(1, 1, date(2025, 7, 10)),
            ..Learner::new(MEI, "韩梅梅", at(-30 * DAY))
        },
    ]
}

/// The FSRS memory main computed for each answered question: user, question, due
/// (ms), stability, difficulty, elapsed and scheduled days, reps, lapses, phase.
#[rustfmt::skip]
#[allow(clippy::type_complexity)]
const MEMORY: [(i64, &str, i64, f64, f64, i64, i64, i32, i32, Phase); 9] = [
    (ADA, "c1-q01", 1752055200000, 4.350979488306093, 5.267035550345074, 14, 4, 2, 0, Phase::Review),
    (ADA, "c1-q02", 1752141907000, 1.5897885015306676, 7.347388870345075, 15, 0, 2, 0, Phase::Learning),
    (ADA, "c1-q03", 1753178400000, 6.842050962052953, 7.028550780181856, 4, 7, 3, 0, Phase::Review),
    (LEI, "c1-q01", 1753524300000, 1.1316165763261608, 9.108904100181856, 27, 0, 3, 1, Phase::Relearning),
    (LEI, "c1-q02", 1751969100000, 1.5897885015306676, 7.347388870345075, 17, 0, 2, 0, Phase::Learning),
    (LEI, "c1-q03", 1752142330000, 3.1262, 5.314577829570867, 0, 0, 1, 0, Phase::Learning),
    (MEI, "c1-q01", 1750414275000, 3.1262, 5.314577829570867, 0, 0, 1, 0, Phase::Learning),
    (MEI, "c1-q02", 1750417300000, 0.4072, 7.2102, 0, 0, 1, 0, Phase::Learning),
    (MEI, "c1-q03", 1752141710000, 0.4072, 7.2102, 0, 0, 1, 0, Phase::Learning),
];

/// A learner's progress: the imported records, and for each answered question its
/// memory above with the counts and last answer of [`ANSWERS`].
fn progress(user: i64) -> Vec<(String, Progress)> {
    let mut out: Vec<(String, Progress)> = if user == MEI {
        imported_progress()
    } else {
        Vec::new()
    };
    for &(u, q, due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, phase) in
        &MEMORY
    {
        if u != user {
            continue;
        }
        let answers: Vec<&Answer> = ANSWERS
            .iter()
            .filter(|x| x.user == user && x.question == q)
            .collect();
        let last = answers.last().unwrap();
        out.push((
            q.to_string(),
            Progress {
                memory: Memory {
                    due: DateTime::from_timestamp_millis(due).unwrap(),
                    stability,
                    difficulty,
                    elapsed_days,
                    scheduled_days,
                    reps,
                    lapses,
                    phase,
                    last_review: at(last.at),
                },
                seen: answers.len() as u32,
                right: answers.iter().filter(|x| x.right).count() as u32,
                last_seen: at(last.at),
                last_right: last.right,
                last_answer: last.answer.into(),
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A learner's log: every answer of theirs, oldest first.
fn log(user: i64) -> Vec<LogItem> {
    let mut out: Vec<LogItem> = if user == MEI {
        imported_log()
    } else {
        Vec::new()
    };
    out.extend(ANSWERS.iter().filter(|x| x.user == user).map(|x| LogItem {
        at: at(x.at),
        chat: x.chat,
        message: x.message,
        question: x.question.into(),
        right: x.right,
        answer: x.answer.into(),
    }));
    out.sort_by_key(|e| (e.at, e.chat, e.message));
    out
}

/// The group's scores, highest total first.
fn scores() -> Vec<(i64, String, MemberScore)> {
    let score = |total, week, correct, answered, streak, best_streak| MemberScore {
        total,
        week,
        week_of: Some(date(2025, 7, 7)),
        correct,
        answered,
        streak,
        best_streak,
    };
    vec![
        (ADA, "Ada".into(), score(1833, 933, 2, 2, 2, 2)),
        (LEI, "李雷".into(), score(1517, 600, 2, 3, 2, 2)),
        (MEI, "韩梅梅".into(), score(500, 0, 1, 3, 0, 1)),
    ]
}

fn options(question: &str) -> u8 {
    match question {
        "c1-q01" => 4,
        "c1-q02" => 5,
        _ => 0,
    }
}

/// Every card: the group's three (the first closed, a pending selection on the
/// second), and the private ones, each closed by its answer.
fn cards() -> Vec<Card> {
    let answer = |x: &Answer| CardAnswer {
        user: x.user,
        name: name(x.user).into(),
        response: response(x.answer),
        right: x.right,
        at: at(x.at),
        points: x.points,
    };
    let mut out = Vec::new();
    for (message, q, order, posted, limit, daily) in GROUP_CARDS {
        let mut card =
            Card::group(GROUP, message, q, order.to_vec(), LEI, at(posted), limit).daily(daily);
        card.answers = ANSWERS
            .iter()
            .filter(|x| x.chat == GROUP && x.message == message)
            .map(answer)
            .collect();
        card.open = message != 100;
        if message == 101 {
            card.selections = vec![(ADA, OptionSet(0b1010))];
        }
        out.push(card);
    }
    for x in ANSWERS.iter().filter(|x| x.chat != GROUP) {
        let order = (0..options(x.question)).collect();
        let mut card = Card::private(x.chat, x.message, x.question, order, at(x.at - 30));
        card.answers = vec![answer(x)];
        card.open = false;
        out.push(card);
    }
    out
}

/// The files of `src/store/fixtures/main-db/`: sled's, and the seal.
const FILES: [(&str, &[u8]); 3] = [
    ("conf", include_bytes!("../fixtures/main-db/conf")),
    ("db", include_bytes!("../fixtures/main-db/db")),
    (
        super::super::seal::SEAL_FILE,
        include_bytes!("../fixtures/main-db/tutor-seal"),
    ),
];

/// The frozen database, copied to `dir` (the test opens the copy, never the
/// committed files).
fn copy_main_db(dir: &Path) {
    std::fs::create_dir(dir).unwrap();
    for (name, bytes) in FILES {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn a_database_written_by_main_before_the_refactoring_opens_and_keeps_every_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    copy_main_db(&dir);
    let seal = dir.join(super::super::seal::SEAL_FILE);
    assert!(seal.exists());
    let store = Store::open(&dir, Options::default()).unwrap();
    // The seal matched (every tree's count and CRC as main sealed them) and was broken.
    assert!(!seal.exists());

    every_answer_and_progress_is_there(&store);
    every_learner_chat_score_card_and_job_is_there(&store);
    every_record_is_the_bytes_main_wrote(&store);
    the_replay_is_idempotent_and_resumable(&store);
}

/// The schema-3 replay run again, after a kill that left one learner's record as
/// main wrote it and the version at 2, ends with the same records; so does a plain
/// rerun.
fn the_replay_is_idempotent_and_resumable(store: &Store) {
    use crate::store::schema;
    let t = store.trees();
    let snapshot = |t: &crate::store::Trees| -> Vec<(Vec<u8>, Vec<u8>)> {
        t.progress
            .iter()
            .map(|kv| {
                let (k, v) = kv.unwrap();
                (k.to_vec(), v.to_vec())
            })
            .collect()
    };
    let migrated = snapshot(t);
    assert_eq!(
        schema::stored_version(t).unwrap(),
        Some(schema::SCHEMA_VERSION)
    );
    // Killed mid-way: Lei's batch not written yet, the version not yet moved.
    let mut main_set = ProgressSet::default();
    for (q, p) in progress(LEI) {
        main_set.put(&q, p);
    }
    let key = keys::progress(LEI).build();
    t.progress.insert(&key, main_set.encode()).unwrap();
    assert_ne!(snapshot(t), migrated);
    schema::write_version(t, 2).unwrap();
    schema::check_and_migrate(store, true).unwrap();
    assert_eq!(snapshot(t), migrated);
    assert_eq!(schema::stored_version(t).unwrap(), Some(3));
    // Run once more over migrated records: nothing changes.
    schema::migrate(store, 2).unwrap();
    assert_eq!(snapshot(t), migrated);
}

/// Main's progress of `user` after the schema-3 migration: every counter and last
/// answer as main wrote them, and the memory of each question FSRS-6's after its
/// logged answers, replayed here one by one through `learn` in the learner's zone.
fn fsrs6_progress(store: &Store, user: i64) -> Vec<(String, Progress)> {
    let tz = store.replay_zone(user).unwrap();
    if user == ADA {
        assert_eq!(tz, chrono_tz::Europe::Berlin);
    }
    let srs = crate::learn::Srs::default();
    let log = log(user);
    progress(user)
        .into_iter()
        .map(|(q, p)| {
            let answers: Vec<&LogItem> = log.iter().filter(|e| e.question == q).collect();
            assert!(!answers.is_empty(), "{user} {q}: no logged answer");
            let mut memory: Option<Memory> = None;
            for e in &answers {
                let rating = crate::learn::Rating::from_right(e.right);
                memory = Some(srs.schedule(memory.as_ref(), rating, e.at, tz));
            }
            let memory = memory.unwrap();
            assert_eq!(memory.reps as usize, answers.len(), "{user} {q}");
            assert_eq!(memory.last_review, answers.last().unwrap().at);
            (q, Progress { memory, ..p })
        })
        .collect()
}

/// Every learner's log and progress, as [`log`] and [`fsrs6_progress`] give them.
fn every_answer_and_progress_is_there(store: &Store) {
    // The answers span two months, in the group and in private chats.
    let months: std::collections::BTreeSet<u32> =
        ANSWERS.iter().map(|x| at(x.at).month()).collect();
    assert_eq!(months.into_iter().collect::<Vec<_>>(), [6, 7]);
    assert!(ANSWERS.iter().any(|x| x.chat == GROUP));
    assert!(ANSWERS.iter().any(|x| x.chat == x.user));
    for user in [ADA, LEI, MEI] {
        assert_eq!(store.log_items(user, None).unwrap(), log(user), "{user}");
        let mut got: Vec<_> = store.progress(user).unwrap().into_iter().collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, fsrs6_progress(store, user), "{user}");
    }
    let answered: usize = [ADA, LEI, MEI]
        .iter()
        .map(|&u| store.log_items(u, None).unwrap().len())
        .sum();
    assert_eq!(answered, ANSWERS.len() + imported_log().len());
}

fn every_learner_chat_score_card_and_job_is_there(store: &Store) {
    for l in learners() {
        assert_eq!(store.learner(l.id).unwrap().as_ref(), Some(&l));
    }
    let mut got = store.chats().unwrap();
    got.sort_by_key(|c| c.id);
    let mut want = chats();
    want.sort_by_key(|c| c.id);
    assert_eq!(got, want);
    assert_eq!(store.scores(GROUP).unwrap(), scores());
    for c in &cards() {
        assert_eq!(store.card(c.chat, c.message).unwrap().as_ref(), Some(c));
    }
    let mut open: Vec<_> = store
        .open_group_cards()
        .unwrap()
        .iter()
        .map(|c| (c.chat, c.message))
        .collect();
    open.sort();
    assert_eq!(open, [(GROUP, 101), (GROUP, 102)]);
    assert_eq!(
        store.scheduled(GROUP, JobKind::Daily).unwrap(),
        Some(at(21 * DAY - 8 * 3600))
    );
    assert_eq!(
        store.scheduled(GROUP, JobKind::Reveal).unwrap(),
        Some(at(20 * DAY + 11 * 3600))
    );
    assert_eq!(
        store.scheduled(ADA, JobKind::Daily).unwrap(),
        Some(at(26 * DAY - 3 * 3600))
    );
}

/// Nothing else is there, and every record reads back into the very bytes main
/// wrote: today's encoders are main's, except the chat's, which is at version 2
/// since (a round's chapter, hidden typed answers): main's version 1 chats read,
/// and keep all they held when written again.
fn every_record_is_the_bytes_main_wrote(store: &Store) {
    let t = store.trees();
    assert_eq!(t.learners.len(), 3);
    assert_eq!(t.chats.len(), 4);
    assert_eq!(t.cards.len(), cards().len());
    assert_eq!(t.progress.len(), 3);
    assert_eq!(t.log.len(), 6);
    assert_eq!(t.scores.len(), 3);
    fn same<T: Codec>(tree: &sled::Tree) {
        for kv in tree.iter() {
            let (k, v) = kv.unwrap();
            let value = T::decode(&v).unwrap();
            assert_eq!(value.encode(), v.as_ref(), "{}", keys::hex(&k));
        }
    }
    same::<Learner>(&t.learners);
    for kv in t.chats.iter() {
        let (k, v) = kv.unwrap();
        let chat = Chat::decode(&v).unwrap();
        assert_eq!(
            v.first(),
            Some(&0),
            "main wrote version 1: {}",
            keys::hex(&k)
        );
        assert_eq!(
            Chat::decode(&chat.encode()).unwrap(),
            chat,
            "{}",
            keys::hex(&k)
        );
        assert!(chat.round.as_ref().is_none_or(|r| r.chapter.is_none()) && !chat.hide_typed);
    }
    same::<Card>(&t.cards);
    same::<ProgressSet>(&t.progress);
    same::<ScoreValue>(&t.scores);
    for kv in t.log.iter() {
        let (k, v) = kv.unwrap();
        let mut r = keys::Reader::new(&k);
        let (user, month) = (r.i64().unwrap(), r.i32().unwrap());
        let chunk = LogChunk::decode(user, month, &v).unwrap();
        assert_eq!(chunk.encode(user, month), v.as_ref(), "{}", keys::hex(&k));
    }
}
