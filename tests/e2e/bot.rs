//! Private chats: start, cards, grading by button and by text, stats, restarts,
//! forged callbacks, double taps, blocked learners, 429s.

use std::time::Duration;

use crate::support::{
    Fault, Sent, T, TestApp, card_after, data, spawn, stats, toast_after, verdict_after,
    verdict_message_after,
};

#[tokio::test]
async fn start_welcomes_and_offers_daily() {
    let app = spawn().await;
    app.fake.push_text(7, 7, "/start");
    let s = app.fake.wait_for_text(7, "你好", T).await;
    assert!(
        s.buttons().iter().any(|(_, d)| d == "1:d"),
        "{:?}",
        s.buttons()
    );
    // Commands are registered, Chinese by default and English for `en`.
    let cmds = app.fake.requests_of("setmycommands");
    assert!(cmds.iter().any(|r| r.body.get("language_code").is_none()));
    assert!(cmds.iter().any(|r| r.body["language_code"] == "en"));
    app.assert_no_token_leak();
}

#[tokio::test]
async fn deep_link_starts_a_chapter_and_english_users_get_english() {
    let app = spawn().await;
    app.fake.msg(8, 8).text("/start ch1").lang("en").push();
    app.fake.wait_for_text(8, "Hi", T).await;
    let card = app.fake.wait_for_text(8, "Chapter 1", T).await;
    assert!(!card.buttons().is_empty());
}

#[tokio::test]
async fn right_and_wrong_by_button_for_each_kind() {
    let app = spawn().await;
    let u = 11;
    // single, wrong then a new card right
    let card = card_after(&app, u, u, "/quiz").await;
    assert!(card.text.as_deref().unwrap().contains("第一章 · 单选"));
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &data(&card, "B"));
    let v = verdict_after(&app, u, mark).await;
    assert!(v.starts_with("❌"), "{v}");
    assert!(
        v.contains("正确答案：<b>A</b>") && v.contains("解析") && v.contains("服务的本质"),
        "{v}"
    );
    assert!(toast_after(&app, mark).await.starts_with("❌"));
    // The card itself became the verdict: the question above it, its buttons gone.
    let edit = verdict_message_after(&app, u, mark).await;
    assert_eq!(
        (edit.method.as_str(), edit.message_id),
        ("editmessagetext", card.message_id)
    );
    assert!(edit.text.as_deref().unwrap().contains("服务的本质是"));
    assert!(!edit.buttons().iter().any(|(_, d)| d == &data(&card, "A")));

    // The wrongly answered single comes back (due in a minute) — take the next new one: multi.
    let card = card_after(&app, u, u, "/quiz").await;
    let text = card.text.clone().unwrap();
    assert!(text.contains("多选"), "{text}");
    {
        let mark = app.fake.mark();
        app.fake
            .push_callback(u, u, card.message_id.unwrap(), &data(&card, "A"));
        toast_after(&app, mark).await;
        let mark = app.fake.mark();
        app.fake
            .push_callback(u, u, card.message_id.unwrap(), &data(&card, "C"));
        assert!(toast_after(&app, mark).await.contains("AC"));
        let mark = app.fake.mark();
        app.fake
            .push_callback(u, u, card.message_id.unwrap(), &data(&card, "提交"));
        let v = verdict_after(&app, u, mark).await;
        assert!(v.starts_with("✅"), "{v}");
    }
    // judge: right by button
    let card = card_after(&app, u, u, "/quiz").await;
    assert!(card.text.as_deref().unwrap().contains("判断"));
    {
        let mark = app.fake.mark();
        app.fake
            .push_callback(u, u, card.message_id.unwrap(), &data(&card, "对"));
        assert!(verdict_after(&app, u, mark).await.starts_with("✅"));
    }
    let s = stats(&app, u).await;
    assert!(s.contains("已答："), "{s}");
}

/// The Bot API calls since `mark`, `getUpdates` aside, once the bot has gone quiet.
async fn calls_since(app: &TestApp, mark: u64) -> Vec<String> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.fake
        .requests()
        .into_iter()
        .filter(|r| r.seq >= mark && r.method != "getupdates")
        .map(|r| r.method)
        .collect()
}

/// README, "Bot API calls per answer": a tap is the toast and one edit, a typed answer
/// one message, and a verdict that cannot be an edit falls back to a reply.
#[tokio::test]
async fn each_answer_kind_costs_the_calls_the_readme_names() {
    let app = spawn().await;
    let u = 13;
    let tap = |card: &Sent, label: &str| {
        app.fake
            .push_callback(u, u, card.message_id.unwrap(), &data(card, label));
    };
    let card = card_after(&app, u, u, "/quiz").await;
    assert!(card.text.as_deref().unwrap().contains("单选"));
    let mark = app.fake.mark();
    tap(&card, "A");
    verdict_after(&app, u, mark).await;
    assert_eq!(
        calls_since(&app, mark).await,
        ["answercallbackquery", "editmessagetext"]
    );

    let card = card_after(&app, u, u, "/quiz").await;
    assert!(card.text.as_deref().unwrap().contains("多选"));
    let mark = app.fake.mark();
    tap(&card, "A");
    assert_eq!(
        calls_since(&app, mark).await,
        ["answercallbackquery", "editmessagereplymarkup"]
    );
    let mark = app.fake.mark();
    tap(&card, "提交");
    verdict_after(&app, u, mark).await;
    assert_eq!(
        calls_since(&app, mark).await,
        ["answercallbackquery", "editmessagetext"]
    );

    // Typed: one message; the card keeps its buttons, and they say it is over.
    let card = card_after(&app, u, u, "/quiz").await;
    assert!(card.text.as_deref().unwrap().contains("判断"));
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "对");
    assert!(verdict_after(&app, u, mark).await.starts_with('✅'));
    assert_eq!(calls_since(&app, mark).await, ["sendmessage"]);
    let mark = app.fake.mark();
    tap(&card, "错");
    assert_eq!(toast_after(&app, mark).await, "这道题已结束");
    assert_eq!(calls_since(&app, mark).await, ["answercallbackquery"]);

    // The edit refused: the card loses its keyboard and the verdict is a reply.
    let card = card_after(&app, u, u, "/quiz").await;
    let fault = Fault::Error {
        code: 400,
        description: "Bad Request: message can't be edited".into(),
    };
    app.fake.fail_next("editMessageText", Some(u), fault, 1);
    let first = card.buttons()[0].0.clone();
    let mark = app.fake.mark();
    tap(&card, &first);
    let v = verdict_message_after(&app, u, mark).await;
    assert_eq!(v.method, "sendmessage");
    assert_eq!(
        calls_since(&app, mark).await,
        [
            "answercallbackquery",
            "editmessagetext",
            "editmessagereplymarkup",
            "sendmessage"
        ]
    );
}

#[tokio::test]
async fn multi_toggle_marks_and_an_incomplete_answer_names_the_missed() {
    let app = spawn().await;
    let u = 12;
    let card = card_after(&app, u, u, "/quiz").await; // single
    app.fake.push_text(u, u, "A");
    app.fake.wait_for_text(u, "✅", T).await;
    let card2 = card_after(&app, u, u, "/quiz").await;
    assert!(
        card2.text.as_deref().unwrap().contains("多选"),
        "{:?}",
        card2.text
    );
    let id = card2.message_id.unwrap();
    let mark = app.fake.mark();
    app.fake.push_callback(u, u, id, &data(&card2, "A"));
    // The private keyboard shows the toggled option.
    let edit = app
        .fake
        .wait_for_sent(|s| s.seq >= mark && s.method == "editmessagereplymarkup", T)
        .await;
    assert!(
        edit.buttons().iter().any(|(l, _)| l == "☑ A"),
        "{:?}",
        edit.buttons()
    );
    let mark = app.fake.mark();
    app.fake.push_callback(u, u, id, &data(&card2, "提交"));
    let v = verdict_after(&app, u, mark).await;
    assert!(v.starts_with("❌") && v.contains("漏选：C"), "{v}");
    let _ = card;
}

#[tokio::test]
async fn typed_answers_in_several_spellings() {
    let app = spawn().await;
    for (u, single, multi, judge) in [
        (21, "a", "ＡＣ", "对"),
        (22, "答案：A", "a, c", "√"),
        (23, "我选A", "c和a", "正确"),
    ] {
        card_after(&app, u, u, "/quiz").await;
        app.fake.push_text(u, u, single);
        app.fake.wait_for_text(u, "✅", T).await;
        card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        app.fake.push_text(u, u, multi);
        assert!(
            verdict_after(&app, u, mark).await.starts_with("✅"),
            "{multi}"
        );
        card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        app.fake.push_text(u, u, judge);
        assert!(
            verdict_after(&app, u, mark).await.starts_with("✅"),
            "{judge}"
        );
    }
    // Chatter is not graded; an impossible answer says what is accepted.
    let u = 24;
    card_after(&app, u, u, "/quiz").await;
    app.fake.push_text(u, u, "这题好难啊");
    app.fake.wait_for_text(u, "例如 B", T).await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "对");
    app.fake
        .wait_for_sent(
            |s| {
                let t = s.text.as_deref().unwrap_or_default();
                s.seq >= mark && (t.contains("这是单选题") || t.contains("这是多选题"))
            },
            T,
        )
        .await;
    let s = stats(&app, u).await;
    assert!(s.contains("已答：0 题"), "{s}");
}

#[tokio::test]
async fn stats_count_and_survive_a_sigterm_restart() {
    let mut app = spawn().await;
    let u = 31;
    card_after(&app, u, u, "/quiz").await;
    app.fake.push_text(u, u, "A");
    app.fake.wait_for_text(u, "✅", T).await;
    card_after(&app, u, u, "/quiz").await;
    app.fake.push_text(u, u, "B");
    app.fake.wait_for_text(u, "❌", T).await;
    let before = stats(&app, u).await;
    assert!(
        before.contains("已答：2 题") && before.contains("答对：1 题"),
        "{before}"
    );
    // The PNG chart follows the text.
    app.fake
        .wait_for_sent(|s| s.chat_id == Some(u) && s.method == "sendphoto", T)
        .await;

    app.sigterm();
    let status = app.wait_exit(Duration::from_secs(20)).await;
    assert!(status.success(), "{status}\n{}", app.output());
    app.restart().await;
    let after = stats(&app, u).await;
    assert!(
        after.contains("已答：2 题") && after.contains("答对：1 题"),
        "{after}"
    );
    app.assert_no_token_leak();
}

#[tokio::test]
async fn forged_stale_and_foreign_callbacks_get_a_toast_and_change_nothing() {
    let app = spawn().await;
    let u = 41;
    let card = card_after(&app, u, u, "/quiz").await;
    let id = card.message_id.unwrap();
    for data in [
        "garbage".to_string(),
        "\u{0}\u{1}\u{ff}".to_string(),
        "0:a:e1-q01:0".to_string(), // old codec version
        "1:a:e1-q03:0".to_string(), // another question's data on this card
        "1:a:e1-q01:7".to_string(), // option beyond the card
        "x".repeat(64),
    ] {
        let mark = app.fake.mark();
        app.fake.push_callback(u, u, id, &data);
        let t = toast_after(&app, mark).await;
        assert!(
            t.contains("无效操作") || t.contains("已结束"),
            "{data:?}: {t}"
        );
    }
    // A card of another chat (message id unknown here).
    let mark = app.fake.mark();
    app.fake.push_callback(u, u, id + 1000, &data(&card, "A"));
    assert!(toast_after(&app, mark).await.contains("无效操作"));
    let s = stats(&app, u).await;
    assert!(s.contains("已答：0 题"), "{s}");
}

#[tokio::test]
async fn a_double_tap_is_counted_once() {
    let app = spawn().await;
    let u = 51;
    let card = card_after(&app, u, u, "/quiz").await;
    let id = card.message_id.unwrap();
    let a = data(&card, "A");
    app.fake.push_callback(u, u, id, &a);
    app.fake.push_callback(u, u, id, &a);
    app.fake.wait_for_text(u, "✅", T).await;
    app.fake.wait_updates_confirmed(T).await;
    let s = stats(&app, u).await;
    assert!(s.contains("已答：1 题") && s.contains("答对：1 题"), "{s}");
    let toasts: Vec<String> = app
        .fake
        .callback_answers()
        .into_iter()
        .filter_map(|s| s.text)
        .collect();
    assert!(toasts.iter().any(|t| t.contains("已结束")), "{toasts:?}");
}

#[tokio::test]
async fn a_learner_who_blocked_the_bot_is_marked_inactive() {
    let app = spawn().await;
    let (u, other) = (61, 62);
    app.fake.push_text(u, u, "/start");
    app.fake.wait_for_text(u, "你好", T).await;
    app.fake.block_chat(u);
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/quiz");
    app.fake
        .wait_for(
            |r| r.seq >= mark && r.method == "sendmessage" && r.chat_id() == Some(u) && !r.ok(),
            T,
        )
        .await;
    // Others are still served.
    card_after(&app, other, other, "/quiz").await;
    let mut app = app;
    app.sigterm();
    app.wait_exit(T).await;
    let store = tutor::store::Store::open(&app.db, Default::default()).unwrap();
    assert!(!store.chat(u).unwrap().unwrap().active);
    assert!(!store.learner(u).unwrap().unwrap().active);
    assert!(store.chat(other).unwrap().unwrap().active);
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_card_delivered() {
    let app = spawn().await;
    let u = 71;
    app.fake
        .fail_next("sendMessage", Some(u), Fault::RetryAfter(1), 1);
    let card = card_after(&app, u, u, "/quiz").await;
    assert!(card.text.is_some());
    let refused = app
        .fake
        .requests_of("sendmessage")
        .into_iter()
        .filter(|r| r.chat_id() == Some(u) && !r.ok())
        .count();
    assert_eq!(
        refused, 1,
        "the injected 429 was hit once, then the card went through"
    );
}

#[tokio::test]
async fn unknown_commands_and_stickers_get_one_hint() {
    let app = spawn().await;
    let u = 81;
    app.fake.push_text(u, u, "/nonsense");
    app.fake.wait_for_text(u, "/help", T).await;
    app.fake
        .msg(u, u)
        .content(crate::support::tg::sticker())
        .push();
    app.fake.wait_for_text(u, "我只看得懂文字", T).await;
}
