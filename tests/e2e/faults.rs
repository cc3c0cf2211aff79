//! Bot API faults injected by the fake: the bot recovers by itself, loses nothing and
//! keeps serving the other chats meanwhile.
//!
//! - 429 with `retry_after` (Throttle waits it out);
//! - bursts of 5xx (teloxide sleeps 10 s after each; the bot retries the verdict);
//! - 403 blocked / deactivated and 400 chat not found (the chat is deactivated);
//! - `migrate_to_chat_id` (the group's data moves to the supergroup);
//! - a response delayed past the client timeout (17 s), for a send and for `getUpdates`;
//! - the Bot API refusing connections for 30 s;
//! - the same faults on the daily send (`daily_sends_survive_api_faults`).

use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};

use crate::support::{
    FakeApi, Fault, T, TestApp, answer_taps, bank_dir, card_after, data, is_card, parse_stats,
    spawn, stats, stop_and_open, verdict_after,
};

/// Answers one card by typing `text` and returns the time the answer was pushed.
async fn typed_answer(app: &TestApp, u: i64, text: &str) -> Instant {
    let at = Instant::now();
    app.fake.push_text(u, u, text);
    at
}

/// Another learner gets a card and a verdict promptly while `chat` is stuck.
async fn others_are_served(app: &TestApp, other: i64, within: Duration) {
    let start = Instant::now();
    let card = card_after(app, other, other, "/quiz").await;
    let mark = app.fake.mark();
    app.fake
        .push_callback(other, other, card.message_id.unwrap(), &data(&card, "A"));
    verdict_after(app, other, mark).await;
    assert!(
        start.elapsed() < within,
        "another chat waited {:?} (limit {within:?})\n{}",
        start.elapsed(),
        app.fake.dump(40)
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_the_verdict_delivered() {
    let app = spawn().await;
    let (u, other) = (201, 202);
    card_after(&app, u, u, "/quiz").await;
    // The verdict's first attempt gets 429 "retry after 3".
    app.fake
        .fail_next("sendMessage", Some(u), Fault::RetryAfter(3), 1);
    let mark = app.fake.mark();
    typed_answer(&app, u, "A").await;
    let refused = app
        .fake
        .wait_for(
            |r| r.seq >= mark && r.method == "sendmessage" && r.status == 429,
            T,
        )
        .await;
    // While that request waits out its 429, another chat is served at once.
    others_are_served(&app, other, Duration::from_millis(2500)).await;
    let verdict = verdict_after(&app, u, mark).await;
    assert!(verdict.starts_with('✅'), "{verdict}");
    let delivered = app
        .fake
        .sent_to(u)
        .into_iter()
        .find(|s| s.seq > refused.seq && s.text.as_deref() == Some(verdict.as_str()))
        .expect("the verdict");
    let waited = delivered.at.duration_since(refused.at);
    assert!(
        waited >= Duration::from_millis(2900),
        "retried after {waited:?}, before retry_after (3 s)"
    );
    // Exactly one refused and one delivered verdict: nothing lost, nothing doubled.
    let verdicts = app
        .fake
        .sent_to(u)
        .into_iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.starts_with('✅')))
        .count();
    assert_eq!(verdicts, 1);
    let s = stats(&app, u).await;
    assert_eq!(parse_stats(&s), (1, 1), "{s}");
}

#[tokio::test]
async fn a_verdict_answered_with_a_body_that_is_not_json_is_sent_again() {
    // A proxy's HTML error page (5xx or 200), an empty 200 and a cut JSON body: the
    // answer is recorded once and the verdict is sent again until it gets through.
    // The body never reaches the log.
    let app = spawn().await;
    let faults = [
        (
            211,
            502,
            "<html><body><h1>502 Bad Gateway</h1>nginx RAWSECRET</body></html>",
        ),
        (
            212,
            200,
            "<html><body>Welcome to our proxy RAWSECRET</body></html>",
        ),
        (213, 200, ""),
        (
            214,
            200,
            r#"{"ok":true,"result":{"message_id":5,"text":"RAWSECRET"#,
        ),
    ];
    for (u, status, body) in faults {
        card_after(&app, u, u, "/quiz").await;
        app.fake.fail_next(
            "sendMessage",
            Some(u),
            Fault::Raw {
                status,
                body: body.to_owned(),
            },
            1,
        );
        let mark = app.fake.mark();
        typed_answer(&app, u, "A").await;
        let verdict = app
            .fake
            .wait_for_text_after(u, mark, "✅", Duration::from_secs(30))
            .await;
        assert!(verdict.text.unwrap().starts_with('✅'));
        let s = stats(&app, u).await;
        assert_eq!(parse_stats(&s), (1, 1), "HTTP {status} {body:?}: {s}");
    }
    assert!(!app.output().contains("RAWSECRET"), "{}", app.output());
}

#[tokio::test]
async fn a_burst_of_5xx_is_retried_while_other_chats_are_served() {
    let app = spawn().await;
    let (u, other) = (211, 212);
    card_after(&app, u, u, "/quiz").await;
    // Server errors in a row on the verdict; teloxide waits 10 s after each. (502 is
    // also in `daily_sends_survive_api_faults`.)
    for (code, description) in [(500, "Internal Server Error"), (503, "Service Unavailable")] {
        app.fake.fail_next(
            "sendMessage",
            Some(u),
            Fault::Error {
                code,
                description: description.into(),
            },
            1,
        );
    }
    let mark = app.fake.mark();
    typed_answer(&app, u, "B").await;
    app.fake
        .wait_for(
            |r| r.seq >= mark && r.method == "sendmessage" && r.status == 500,
            T,
        )
        .await;
    // While u's verdict is stuck behind the 5xx, another learner is served at once.
    others_are_served(&app, other, Duration::from_secs(5)).await;
    let verdict = app
        .fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.chat_id == Some(u)
                    && s.text.as_deref().is_some_and(|t| t.starts_with('❌'))
            },
            Duration::from_secs(60),
        )
        .await;
    let failed = app
        .fake
        .requests_of("sendmessage")
        .into_iter()
        .filter(|r| r.seq >= mark && r.chat_id() == Some(u) && r.status >= 500)
        .count();
    assert_eq!(failed, 2, "{}", app.fake.dump(30));
    assert!(verdict.text.unwrap().contains("正确答案"));
    let s = stats(&app, u).await;
    assert_eq!(parse_stats(&s), (1, 0), "{s}");
}

#[tokio::test]
async fn blocked_deactivated_and_missing_chats_are_deactivated() {
    let mut app = spawn().await;
    let (blocked, deactivated, missing, other) = (221, 222, 223, 224);
    for u in [blocked, deactivated, missing] {
        card_after(&app, u, u, "/quiz").await;
    }
    // 403 "bot was blocked by the user" on everything sent to `blocked`.
    app.fake.block_chat(blocked);
    // 403 "user is deactivated" and 400 "chat not found" on the verdict.
    app.fake
        .fail_next("sendMessage", Some(deactivated), Fault::Deactivated, 1);
    app.fake
        .fail_next("sendMessage", Some(missing), Fault::ChatNotFound, 1);
    let mark = app.fake.mark();
    for u in [blocked, deactivated, missing] {
        app.fake.push_text(u, u, "A");
    }
    for u in [blocked, deactivated, missing] {
        app.fake
            .wait_for(
                |r| r.seq >= mark && r.method == "sendmessage" && r.chat_id() == Some(u) && !r.ok(),
                T,
            )
            .await;
    }
    others_are_served(&app, other, Duration::from_secs(5)).await;
    app.fake.wait_updates_confirmed(T).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Nothing is retried into a chat that is gone.
    for u in [blocked, deactivated, missing] {
        let tries = app
            .fake
            .requests_of("sendmessage")
            .into_iter()
            .filter(|r| r.seq >= mark && r.chat_id() == Some(u))
            .count();
        assert_eq!(tries, 1, "chat {u}\n{}", app.fake.dump(30));
    }
    let store = stop_and_open(&mut app).await;
    for u in [blocked, deactivated, missing] {
        let chat = store.chat(u).unwrap().unwrap();
        assert!(!chat.active, "chat {u} should be inactive");
        assert!(!store.learner(u).unwrap().unwrap().active, "learner {u}");
        // The answer itself was recorded before the verdict failed.
        let s = store
            .stats(
                &tutor::bank::Bank::load_dir(std::path::Path::new(&bank_dir()))
                    .unwrap()
                    .0,
                u,
                Utc::now(),
                chrono_tz::Asia::Shanghai,
            )
            .unwrap();
        assert_eq!(s.answered, 1, "chat {u}");
    }
    assert!(store.chat(other).unwrap().unwrap().active);
    drop(store);
    // A learner who comes back is active again.
    app.restart().await;
    app.fake.unblock_chat(blocked);
    card_after(&app, blocked, blocked, "/quiz").await;
    let store = stop_and_open(&mut app).await;
    assert!(store.chat(blocked).unwrap().unwrap().active);
}

#[tokio::test]
async fn migrate_to_chat_id_moves_the_group_data() {
    let mut app = spawn().await;
    let (old, new) = (-5001, -1_000_000_005_001);
    let (admin, member) = (231, 232);
    app.fake.set_member_status(old, admin, "administrator");
    app.fake.push_my_chat_member(old, "left", "member");
    app.fake.wait_for_text(old, "/quiz", T).await;
    app.fake.push_text(old, admin, "/settime 30");
    app.fake.wait_for_text(old, "30", T).await;
    // A scored answer, revealed.
    let card = card_after(&app, old, admin, "/quiz").await;
    let mark = app.fake.mark();
    for tap in answer_taps(&card, true) {
        app.fake
            .push_callback(old, member, card.message_id.unwrap(), &tap);
    }
    app.fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.method == "answercallbackquery"
                    && s.text.as_deref().is_some_and(|t| t.starts_with('✅'))
            },
            T,
        )
        .await;
    app.fake.push_text(old, admin, "/reveal");
    app.fake.wait_for_text(old, "U232", T).await;

    // The next post fails: the group became a supergroup.
    app.fake
        .fail_next("sendMessage", Some(old), Fault::Migrate(new), 1);
    let mark = app.fake.mark();
    app.fake.push_text(old, admin, "/quiz");
    app.fake
        .wait_for(
            |r| r.seq >= mark && r.method == "sendmessage" && r.status == 400,
            T,
        )
        .await;
    // The supergroup works at once, with the old group's settings and scores.
    let card = card_after(&app, new, admin, "/quiz").await;
    assert!(
        card.text.as_deref().unwrap().contains("30"),
        "{:?}",
        card.text
    );
    app.fake.push_text(new, member, "/top all");
    app.fake.wait_for_text(new, "U232", T).await;
    let store = stop_and_open(&mut app).await;
    let moved = store.chat(new).unwrap().expect("the supergroup's record");
    assert_eq!(moved.time_limit_secs, 30);
    assert!(store.scores(new).unwrap().iter().any(|s| s.0 == member));
    assert!(store.scores(old).unwrap().is_empty());
    assert!(store.chat(old).unwrap().is_none_or(|c| !c.active));
}

#[tokio::test]
async fn a_response_delayed_past_the_client_timeout_is_recovered() {
    let app = spawn().await;
    let (u, other, late) = (241, 242, 243);
    card_after(&app, u, u, "/quiz").await;
    // The verdict's answer comes after 20 s: past reqwest's 17 s timeout.
    app.fake.fail_next(
        "sendMessage",
        Some(u),
        Fault::Delay(Duration::from_secs(20)),
        1,
    );
    let mark = app.fake.mark();
    let pushed = typed_answer(&app, u, "A").await;
    others_are_served(&app, other, Duration::from_secs(5)).await;

    // Meanwhile, a long poll held past the timeout: the bot polls again and loses
    // nothing.
    let polls = app.fake.mark();
    app.fake
        .fail_next("getUpdates", None, Fault::Delay(Duration::from_secs(25)), 1);
    // The next poll (after the current one ends) is the delayed one.
    let held = app
        .fake
        .wait_for(|r| r.seq >= polls && r.method == "getupdates", T)
        .await;
    app.fake.push_text(late, late, "/quiz");

    let verdict = app
        .fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.chat_id == Some(u)
                    && s.text.as_deref().is_some_and(|t| t.starts_with('✅'))
            },
            Duration::from_secs(45),
        )
        .await;
    assert!(verdict.at.duration_since(pushed) >= Duration::from_secs(17));
    let verdicts = app
        .fake
        .sent_to(u)
        .into_iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.starts_with('✅')))
        .count();
    eprintln!(
        "delayed verdict: delivered after {:?}, {verdicts} verdict(s) shown",
        verdict.at.duration_since(pushed)
    );
    let card = app
        .fake
        .wait_for_sent(
            |s| s.chat_id == Some(late) && is_card(s),
            Duration::from_secs(45),
        )
        .await;
    eprintln!(
        "held poll: the update pushed meanwhile was answered {:?} after the poll began",
        card.at.duration_since(held.at)
    );
    let s = stats(&app, u).await;
    assert_eq!(parse_stats(&s), (1, 1), "{s}");
}

#[tokio::test]
async fn the_api_refusing_connections_for_30_s_is_survived() {
    let mut app = spawn().await;
    let (u, other) = (251, 252);
    let card = card_after(&app, u, u, "/quiz").await;
    app.fake.wait_updates_confirmed(T).await;
    app.fake.stop().await;
    let down = Instant::now();
    // Updates arrive at Telegram while the bot cannot reach it.
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &data(&card, "A"));
    app.fake.push_text(other, other, "/quiz");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(app.is_running(), "the bot gave up\n{}", app.output());
    let mark = app.fake.mark();
    app.fake.restart().await;
    let up = Instant::now();
    let verdict = verdict_after(&app, u, mark).await;
    assert!(verdict.starts_with('✅'), "{verdict}");
    app.fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(other) && is_card(s),
            T,
        )
        .await;
    let recovery = up.elapsed();
    eprintln!(
        "refused for {:?}: served again {recovery:?} after the API came back",
        up - down
    );
    assert!(
        recovery < Duration::from_secs(10),
        "took {recovery:?} to come back after {:?} down",
        up - down
    );
    let s = stats(&app, u).await;
    assert_eq!(parse_stats(&s), (1, 1), "{s}");
    app.assert_no_token_leak();
}

/// `HH:MM` of the next minute at least 6 s away, in `tz`, and that instant.
fn next_minute(tz: chrono_tz::Tz) -> (String, chrono::DateTime<Utc>) {
    let now = Utc::now();
    let mut at = now + chrono::Duration::seconds(60 - i64::from(now.second()));
    at = at.with_nanosecond(0).unwrap();
    if at - now < chrono::Duration::seconds(6) {
        at += chrono::Duration::seconds(60);
    }
    let local = at.with_timezone(&tz);
    (format!("{:02}:{:02}", local.hour(), local.minute()), at)
}

#[tokio::test]
async fn daily_sends_survive_api_faults() {
    let mut app = spawn().await;
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let (hhmm, at) = next_minute(tz);
    let (slow, flaky, deactivated, missing, timeout, fine) = (261, 262, 263, 264, 265, 266);
    let (group, supergroup, admin) = (-5002, -1_000_000_005_002, 267);
    let private = [slow, flaky, deactivated, missing, timeout, fine];
    for u in private {
        app.fake.push_text(u, u, &format!("/daily {hhmm}"));
    }
    app.fake.set_member_status(group, admin, "administrator");
    app.fake.push_text(group, admin, &format!("/daily {hhmm}"));
    for c in private.into_iter().chain([group]) {
        app.fake.wait_for_text(c, "⏰", T).await;
    }
    let mark = app.fake.mark();
    app.fake
        .fail_next("sendMessage", Some(slow), Fault::RetryAfter(2), 1);
    app.fake.fail_next(
        "sendMessage",
        Some(flaky),
        Fault::Error {
            code: 502,
            description: "Bad Gateway".into(),
        },
        1,
    );
    app.fake
        .fail_next("sendMessage", Some(deactivated), Fault::Deactivated, 1);
    app.fake
        .fail_next("sendMessage", Some(missing), Fault::ChatNotFound, 1);
    app.fake.fail_next(
        "sendMessage",
        Some(timeout),
        Fault::Delay(Duration::from_secs(20)),
        1,
    );
    app.fake
        .fail_next("sendMessage", Some(group), Fault::Migrate(supergroup), 1);

    let wait = (at - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(45);
    for c in [slow, flaky, fine, supergroup] {
        app.fake
            .wait_for_sent(
                |s| s.seq >= mark && s.chat_id == Some(c) && is_card(s),
                wait,
            )
            .await;
    }
    // The 429'd card went out no earlier than retry_after after the refusal.
    let refused = app
        .fake
        .find(|r| r.seq >= mark && r.chat_id() == Some(slow) && r.status == 429)
        .expect("the 429");
    let card = app
        .fake
        .sent_to(slow)
        .into_iter()
        .find(|s| s.seq >= mark && is_card(s))
        .unwrap();
    assert!(card.at.duration_since(refused.at) >= Duration::from_millis(1900));
    // The timed-out send (reqwest gives up after 17 s) is not retried: Telegram may
    // have delivered it, and a daily card is sent at most once (docs/reliability.md).
    // The fake drops a request whose client went away, so none arrives here.
    let sent = app
        .fake
        .wait_for(
            |r| r.seq >= mark && r.method == "sendmessage" && r.chat_id() == Some(timeout),
            T,
        )
        .await;
    tokio::time::sleep(Duration::from_secs(19).saturating_sub(sent.at.elapsed())).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let attempts = app
        .fake
        .requests_of("sendmessage")
        .into_iter()
        .filter(|r| r.seq >= mark && r.chat_id() == Some(timeout))
        .count();
    assert_eq!(attempts, 1, "a timed-out daily send is not retried");
    for c in private.into_iter().chain([group, supergroup]) {
        let cards = app
            .fake
            .sent_to(c)
            .into_iter()
            .filter(|s| s.seq >= mark && is_card(s))
            .count();
        let want = match c {
            c if c == deactivated || c == missing || c == group => 0..=0,
            c if c == timeout => 0..=1,
            _ => 1..=1,
        };
        assert!(
            want.contains(&cards),
            "chat {c}: {cards} daily cards\n{}",
            app.fake.dump(60)
        );
    }
    let store = stop_and_open(&mut app).await;
    for c in [deactivated, missing] {
        assert!(!store.chat(c).unwrap().unwrap().active, "chat {c}");
        assert_eq!(
            store.scheduled(c, tutor::store::JobKind::Daily).unwrap(),
            None
        );
    }
    let moved = store.chat(supergroup).unwrap().expect("moved");
    assert!(moved.daily.is_some() && moved.active);
    assert!(
        store
            .scheduled(supergroup, tutor::store::JobKind::Daily)
            .unwrap()
            .is_some()
    );
    assert!(store.chat(group).unwrap().is_none_or(|c| !c.active));
    for c in [slow, flaky, fine] {
        assert!(store.chat(c).unwrap().unwrap().active);
    }
}

#[tokio::test]
async fn a_signal_during_start_up_ends_the_run_at_once() {
    // setMyCommands answers only after 20 s: a SIGTERM meanwhile must not wait for it.
    let fake = FakeApi::start();
    fake.fail_next(
        "setMyCommands",
        None,
        Fault::Delay(Duration::from_secs(20)),
        4,
    );
    let mut app = TestApp::builder()
        .fake(fake)
        .arg("--content")
        .arg(bank_dir())
        .no_wait()
        .spawn()
        .await;
    app.fake.wait_for(|r| r.method == "setmycommands", T).await;
    let start = Instant::now();
    app.sigterm();
    let status = app.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "{status}\n{}", app.output());
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "exited {:?} after SIGTERM",
        start.elapsed()
    );
    // The next start finds the database as it left it (sealed and unchanged).
    assert!(app.db.join("tutor-seal").exists());
}

#[tokio::test]
async fn a_failed_toast_does_not_hold_back_the_verdict() {
    // A 500 on answerCallbackQuery makes teloxide wait 10 s before it returns: the
    // toast gives up after 3 s, and the verdict follows at once.
    let app = spawn().await;
    let u = 231;
    let card = card_after(&app, u, u, "/quiz").await;
    app.fake.fail_next(
        "answerCallbackQuery",
        None,
        Fault::Error {
            code: 500,
            description: "Internal Server Error".into(),
        },
        1,
    );
    let mark = app.fake.mark();
    let tapped = Instant::now();
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &card.buttons()[0].1);
    verdict_after(&app, u, mark).await;
    let waited = tapped.elapsed();
    assert!(
        waited < Duration::from_secs(6),
        "the verdict came {waited:?} after the tap"
    );
}
