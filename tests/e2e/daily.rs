//! The daily question: delivered at the chat's local time, exactly once a day, across a
//! restart; a blocked chat is deactivated while the others still get theirs.

use std::time::Duration;

use chrono::{Timelike, Utc};

use crate::bot::{T, spawn};

fn is_daily_card(s: &crate::support::Sent) -> bool {
    s.method == "sendmessage"
        && s.buttons()
            .iter()
            .any(|(_, d)| d.starts_with("1:a:") || d.starts_with("1:t:"))
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
            text.contains(&hhmm) && text.contains("Asia/Shanghai") && text.contains("下一题"),
            "{text}"
        );
    }
    app.fake.block_chat(b);

    let card = app
        .fake
        .wait_for_sent(
            |s| s.chat_id == Some(a) && is_daily_card(s),
            Duration::from_secs(150),
        )
        .await;
    assert!(card.text.as_deref().unwrap().contains("第一章"));
    // b's send was refused with 403, and nothing else was tried for b.
    app.fake
        .wait_for(
            |r| r.method == "sendmessage" && r.chat_id() == Some(b) && !r.ok(),
            T,
        )
        .await;

    // A restart right after delivery sends nothing more that day.
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    app.restart().await;
    app.fake.expect_silence(a, Duration::from_secs(5)).await;
    let daily_cards = app
        .fake
        .sent_to(a)
        .into_iter()
        .filter(is_daily_card)
        .count();
    assert_eq!(daily_cards, 1, "exactly one daily card");

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
    app.fake.push_text(u, u, "/daily 25:00");
    app.fake.wait_for_text(u, "用法：/daily 08:30", T).await;
    app.fake.push_text(u, u, "/daily");
    let s = app.fake.wait_for_text(u, "已订阅每日一题", T).await;
    assert!(s.text.unwrap().contains("09:00"));
    app.fake.push_text(u, u, "/tz Europe/Berlin");
    app.fake
        .wait_for_text(u, "时区已设为 Europe/Berlin", T)
        .await;
    app.fake.push_text(u, u, "/tz Mars/Olympus");
    app.fake.wait_for_text(u, "IANA", T).await;
    app.fake.push_text(u, u, "/daily remind on");
    app.fake.wait_for_text(u, "提醒", T).await;
    app.fake.push_text(u, u, "/daily off");
    app.fake.wait_for_text(u, "已取消每日一题", T).await;
}
