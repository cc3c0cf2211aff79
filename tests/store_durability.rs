//! An acknowledged answer survives SIGKILL.
//!
//! The test runs this test binary again as a child (selected by an environment
//! variable). The child records N answers, each flushed with `Store::flush` before it
//! prints `ack <i>`; the parent kills it with SIGKILL right after the last ack and
//! reopens the database: every acknowledged answer must be there.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tutor::bank::{Bank, OptionSet};
use tutor::learn::Response;
use tutor::store::{AnswerOutcome, AnswerRequest, Card, CardKind, Options, Store, StoreError};

const N: i64 = 200;
const ROLE: &str = "TUTOR_STORE_DURABILITY_CHILD_DB";
const USER: i64 = 424_242;
const GROUP: i64 = -1_000_000_000_777;

/// The test bank (`tests/fixtures/bank/`): c4-q01 is a three-option single choice,
/// c3-q03 a judge question.
fn bank() -> Bank {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank");
    Bank::load_dir(&dir).unwrap_or_else(|e| panic!("{e}")).0
}

const CHOICE: &str = "c4-q01";
const JUDGE: &str = "c3-q03";

fn at(i: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000 + i * 7, 0).unwrap()
}

/// Answer `i`: even ones in the learner's private chat, odd ones in a group.
fn card(i: i64) -> Card {
    let group = i % 2 == 1;
    Card {
        chat: if group { GROUP } else { USER },
        message: i as i32 + 1,
        question: if i % 3 == 0 { JUDGE } else { CHOICE }.to_string(),
        order: if i % 3 == 0 { vec![] } else { vec![2, 0, 1] },
        asked_by: USER,
        posted: at(i),
        limit_secs: group.then_some(60),
        deadline: None,
        open: true,
        kind: CardKind::of(group, false),
        answers: Vec::new(),
        selections: Vec::new(),
    }
}

fn request(i: i64) -> AnswerRequest {
    let c = card(i);
    let response = if c.question == JUDGE {
        Response::Judge(i % 4 == 0)
    } else {
        Response::Choice(OptionSet::single((i % 3) as usize))
    };
    AnswerRequest {
        chat: c.chat,
        message: c.message,
        user: USER,
        name: "学员".to_string(),
        response,
        answer_text: format!("answer {i}"),
        now: at(i) + chrono::Duration::seconds(3),
        learner_tz: chrono_tz::Asia::Shanghai,
        chat_tz: chrono_tz::Asia::Shanghai,
        streak_bonus: true,
    }
}

/// The child: record N answers, acknowledging each once it is flushed, then wait
/// to be killed.
fn child(db: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let bank = bank();
        let store = Store::open(db, Options::default()).unwrap();
        for i in 0..N {
            store.put_card(&card(i)).unwrap();
            match store.record_answer(&bank, &request(i)).unwrap() {
                AnswerOutcome::Recorded { .. } => {}
                other => panic!("answer {i}: {other:?}"),
            }
            store.flush().await.unwrap();
            println!("ack {i}");
        }
        // Keep writing unacknowledged data until the kill, so the kill lands
        // mid-write rather than on an idle database (for a while at most, should
        // the parent be gone).
        let start = std::time::Instant::now();
        for i in 0.. {
            if start.elapsed() > Duration::from_secs(30) {
                break;
            }
            store
                .update_learner(USER + 1 + i, |_| {
                    tutor::store::Learner::new(USER + 1 + i, "filler", at(0))
                })
                .unwrap();
        }
    });
}

#[test]
fn acknowledged_answers_survive_sigkill() {
    if let Ok(db) = std::env::var(ROLE) {
        child(Path::new(&db));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "acknowledged_answers_survive_sigkill",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = proc.stdout.take().unwrap();
    let mut acks = 0;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest may have started the line ("test … ack 0").
        if let Some(pos) = line.find("ack ") {
            let n: i64 = line[pos + 4..].trim().parse().unwrap();
            assert_eq!(n, acks, "acks in order");
            if acks == 0 {
                // Another process holds the database: refused, not a panic.
                match Store::open(&db, Options::default()) {
                    Err(e @ StoreError::Locked(_)) => {
                        assert!(e.to_string().contains("another tutor process"))
                    }
                    other => panic!("expected Locked, got {other:?}"),
                }
            }
            acks += 1;
            if acks == N {
                break;
            }
        }
    }
    // `Child::kill` sends SIGKILL on Unix: no destructor, no final flush.
    proc.kill().unwrap();
    let status = proc.wait().unwrap();
    assert_eq!(acks, N, "the child acknowledged every answer ({status})");
    assert!(!status.success(), "the child was killed: {status}");

    let store = reopen(&db);
    let log = store.log(USER, at(-1)).unwrap();
    assert_eq!(
        log.len() as i64,
        N,
        "every acknowledged answer is in the log"
    );
    let progress = store.progress(USER).unwrap();
    let seen: u32 = progress.values().map(|p| p.seen).sum();
    assert_eq!(i64::from(seen), N);
    for i in 0..N {
        let c = card(i);
        let stored = store.card(c.chat, c.message).unwrap().unwrap();
        assert_eq!(stored.answers.len(), 1, "card {i}");
        assert_eq!(stored.answers[0].user, USER);
        assert_eq!(
            stored.open,
            c.is_group(),
            "private cards closed, group cards open"
        );
    }
    let scores = store.scores(GROUP).unwrap();
    assert_eq!(scores.len(), 1);
    assert_eq!(i64::from(scores[0].2.answered), N / 2);
}

/// The killed child's lock is released by the kernel; retry briefly anyway.
fn reopen(db: &Path) -> Store {
    for _ in 0..100 {
        match Store::open(db, Options::default()) {
            Err(StoreError::Locked(_)) => std::thread::sleep(Duration::from_millis(50)),
            other => return other.unwrap(),
        }
    }
    Store::open(db, Options::default()).unwrap()
}
