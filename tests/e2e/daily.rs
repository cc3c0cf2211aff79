//! The daily question: delivered at the chat's local time, exactly once a day, across a
//! restart; a blocked chat is deactivated while the others still get theirs.

use std::time::Duration;

use chrono::{Timelike, Utc};

use crate::support::{
    Sent, T, TestApp, answer_taps, bank_dir, once_across_restart, refused, reply,
    restart_with_clock, spawn, verdict_after,
};

/// A daily question card: under its 📅 head (每日一题 · 3月3日), with answer buttons.
fn is_daily_card(s: &Sent) -> bool {
    s.method == "sendmessage"
        && s.text.as_deref().is_some_and(|t| t.starts_with("<b>📅 "))
        && s.buttons()
            .iter()
            .any(|(_, d)| d.starts_with("1:a:") || d.starts_with("1:t:"))
}

/// The daily card `chat` gets next (set for the next minute: within two and a half).
async fn daily_card(app: &TestApp, chat: i64) -> Sent {
    let card = |s: &Sent| s.chat_id == Some(chat) && is_daily_card(s);
    app.fake.wait_for_sent(card, Duration::from_secs(150)).await
}

#[tokio::test]
async fn subscribed_chats_get_one_card_at_their_time_and_blocked_ones_are_deactivated() {
    let mut app = spawn().await;
    let (a, b) = (101, 102);
    // The next minute in the default zone (Asia/Shanghai).
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let at = (Utc::now() + chrono::Duration::seconds(61)).with_timezone(&tz);
    let hhmm = format!("{:02}:{:02}", at.hour(), at.minute());
    for u in [a, b] {
        app.fake.push_text(u, u, &format!("/daily {hhmm}"));
        let confirm = app.fake.wait_for_text(u, "已订阅每日一题", T).await;
        let text = confirm.text.unwrap();
        assert!(
            text.contains(&hhmm) && text.contains("北京时间") && text.contains("下一题"),
            "{text}"
        );
    }
    app.fake.block_chat(b);

    let card = daily_card(&app, a).await;
    assert!(card.text.as_deref().unwrap().contains("第一章"));
    // b's send was refused with 403, and nothing else was tried for b.
    refused(&app, b).await;

    // A restart right after delivery sends nothing more that day.
    once_across_restart(&mut app, a, "daily card", is_daily_card).await;

    app.sigterm();
    app.wait_exit(T).await;
    let store = tutor::store::Store::open(&app.db, Default::default()).unwrap();
    let chat_a = store.chat(a).unwrap().unwrap();
    let today = at.date_naive();
    assert_eq!(chat_a.daily.unwrap().last_sent, Some(today));
    assert!(chat_a.active);
    let chat_b = store.chat(b).unwrap().unwrap();
    assert!(!chat_b.active, "a blocked chat is deactivated");
    assert_eq!(
        store.scheduled(b, tutor::store::JobKind::Daily).unwrap(),
        None,
        "and has nothing scheduled"
    );
    assert!(
        store
            .scheduled(a, tutor::store::JobKind::Daily)
            .unwrap()
            .is_some()
    );
    app.assert_no_token_leak();
}

#[tokio::test]
async fn daily_off_and_bad_times_are_explained() {
    let app = spawn().await;
    let u = 111;
    reply(&app, u, "/daily 25:00", "用法：/daily 08:30").await;
    // Plain /daily only shows the setting; /daily on subscribes at the default time.
    reply(&app, u, "/daily", "还没有订阅每日一题").await;
    let s = reply(&app, u, "/daily on", "已订阅每日一题").await;
    assert!(s.text.unwrap().contains("09:00"));
    reply(&app, u, "/daily", "⏰ 每日一题：每天 09:00").await;
    reply(&app, u, "/tz Europe/Berlin", "时区已设为 Europe/Berlin").await;
    reply(&app, u, "/tz Mars/Olympus", "没有识别出这个时区").await;
    // Common names and any case are zones too; the daily time is restated.
    let set = reply(&app, u, "/tz 北京", "时区已设为 北京时间").await;
    assert!(set.text.unwrap().contains("每日一题：每天 09:00"));
    reply(&app, u, "/daily remind on", "提醒").await;
    reply(&app, u, "/daily off", "已取消每日一题").await;
}

#[tokio::test]
async fn a_clock_that_ran_fast_and_was_set_right_does_not_silence_the_daily_question() {
    // A month ahead, a learner subscribes (this minute: the card comes at once) and
    // answers. Back on the right clock, the day claimed a month ahead must neither
    // hold back today's card nor freeze the streak.
    const MONTH: i64 = 30 * 86_400;
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    if Utc::now().second() > 50 {
        tokio::time::sleep(Duration::from_secs(11)).await;
    }
    let mut app = TestApp::builder()
        .arg("--content")
        .arg(bank_dir())
        .env("TUTOR_CLOCK_OFFSET", MONTH.to_string())
        .spawn()
        .await;
    let u = 171;
    let ahead = (Utc::now() + chrono::Duration::seconds(MONTH)).with_timezone(&tz);
    let hhmm = format!("{:02}:{:02}", ahead.hour(), ahead.minute());
    app.fake.push_text(u, u, &format!("/daily {hhmm}"));
    app.fake.wait_for_text(u, "已订阅每日一题", T).await;
    let card = app
        .fake
        .wait_for_sent(|s| s.chat_id == Some(u) && is_daily_card(s), T)
        .await;
    let mark = app.fake.mark();
    for tap in answer_taps(&card, true) {
        app.fake.push_callback(u, u, card.message_id.unwrap(), &tap);
    }
    verdict_after(&app, u, mark).await;
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());

    // The clock is set right: today's card comes (its time has just passed), the
    // clock jump is logged once, and /daily names tomorrow as the next send.
    let mark = restart_with_clock(&mut app, None).await;
    let card = app
        .fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(u) && is_daily_card(s),
            T,
        )
        .await;
    let mark = app.fake.mark();
    for tap in answer_taps(&card, true) {
        app.fake.push_callback(u, u, card.message_id.unwrap(), &tap);
    }
    verdict_after(&app, u, mark).await;
    let status = reply(&app, u, "/daily", "下一题").await.text.unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    // Times read as people read them: 明天 07:30 (or, just before midnight, 今天).
    assert!(
        status.contains("下一题：明天") || status.contains("下一题：今天"),
        "{status}"
    );
    assert_eq!(
        app.output().matches("beyond the planning horizon").count(),
        1,
        "{}",
        app.output()
    );
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    // The second day extends the streak; today is recorded as the last day.
    let store = tutor::store::Store::open(&app.db, Default::default()).unwrap();
    let learner = store.learner(u).unwrap().unwrap();
    assert_eq!(learner.streak.current, 2, "{:?}", learner.streak);
    assert_eq!(learner.streak.last_day, Some(today));
    let daily = store.chat(u).unwrap().unwrap().daily.unwrap();
    assert_eq!(daily.last_sent, Some(today));
    let next = store
        .scheduled(u, tutor::store::JobKind::Daily)
        .unwrap()
        .unwrap();
    assert!(
        next < Utc::now() + chrono::Duration::days(2),
        "next daily at {next}"
    );
}

#[tokio::test]
async fn an_english_client_gets_the_daily_question_in_english() {
    // No /lang: the learner follows Telegram's language, also for what the scheduler
    // sends without an update to answer.
    let app = spawn().await;
    let u = 181;
    app.fake.set_user_lang(u, "en");
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let at = (Utc::now() + chrono::Duration::seconds(61)).with_timezone(&tz);
    let hhmm = format!("{:02}:{:02}", at.hour(), at.minute());
    app.fake.push_text(u, u, &format!("/daily {hhmm}"));
    app.fake.wait_for_text(u, "Daily question at", T).await;
    let card = daily_card(&app, u).await;
    let text = card.text.unwrap();
    assert!(text.contains("Chapter 1"), "{text}");
}
