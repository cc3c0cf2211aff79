//! Group quizzes, with privacy mode on: commands addressed to the bot and replies to
//! its cards. Private ✅/❌ toasts, typed replies, the reveal, double taps and late
//! answers, /reveal rights, /top, rounds with a podium, admin-only settings (also for
//! anonymous admins), being kicked, supergroup migration, the time limit and the
//! throttled live answer count.
//!
//! The group's questions come from a shuffle bag, so a test reads the question id off
//! the card's buttons and answers accordingly (e1-q01 single A, e1-q02 multi AC,
//! e1-q03 judge 对).

use std::time::Duration;

use chrono::{Timelike, Utc};
use serde_json::json;

use crate::support::{Sent, T, TestApp, card_after, spawn, stats, tg};

const G: i64 = -4001;
/// An administrator of every test group.
const ADMIN: i64 = 900;
/// Telegram's `@GroupAnonymousBot`, the sender of an anonymous admin's messages.
const ANONYMOUS: i64 = 1_087_968_824;

/// The bot added to group `g`, its introduction seen, the time limit set to 10 s.
async fn group_app(g: i64) -> TestApp {
    let app = spawn().await;
    join(&app, g).await;
    app.fake.set_member_status(g, ADMIN, "administrator");
    let mark = app.fake.mark();
    app.fake.push_text(g, ADMIN, "/settime@tutor_test_bot 10");
    wait_text_after(&app, g, mark, "答题时限已设为 10 秒").await;
    app
}

/// Adds the bot to `g` and waits for its one introduction.
async fn join(app: &TestApp, g: i64) -> Sent {
    let mark = app.fake.mark();
    app.fake.push_my_chat_member(g, "left", "member");
    let intro = wait_text_after(app, g, mark, "大家好").await;
    let text = intro.text.clone().unwrap();
    assert!(
        text.contains("/quiz") && text.contains("/top") && text.contains("仅管理员"),
        "{text}"
    );
    intro
}

/// The next text to `chat` containing `needle`, sent after `mark`.
async fn wait_text_after(app: &TestApp, chat: i64, mark: u64, needle: &str) -> Sent {
    app.fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.chat_id == Some(chat)
                    && s.method == "sendmessage"
                    && s.text.as_deref().is_some_and(|t| t.contains(needle))
            },
            T,
        )
        .await
}

async fn quiz(app: &TestApp, g: i64, user: i64) -> Sent {
    let card = card_after(app, g, user, "/quiz@tutor_test_bot").await;
    let text = card.text.clone().unwrap();
    assert!(text.contains("已作答 0 人"), "{text}");
    card
}

/// The card's question id, read off its buttons (`1:a:<id>:<i>`).
fn question(card: &Sent) -> String {
    let (_, data) = card
        .buttons()
        .into_iter()
        .next()
        .expect("a card has buttons");
    data.split(':').nth(2).expect("question id").to_string()
}

/// The callback data to press, in order, for a right or a wrong answer.
fn presses(card: &Sent, right: bool) -> Vec<String> {
    let q = question(card);
    let d = |i: u8| {
        let op = if q == "e1-q02" { "t" } else { "a" };
        format!("1:{op}:{q}:{i}")
    };
    match (q.as_str(), right) {
        ("e1-q01", true) => vec![d(0)],
        ("e1-q01", false) => vec![d(1)],
        ("e1-q02", true) => vec![d(0), d(2), format!("1:s:{q}")],
        ("e1-q02", false) => vec![d(1), format!("1:s:{q}")],
        ("e1-q03", true) => vec![d(0)],
        ("e1-q03", false) => vec![d(1)],
        _ => panic!("unknown question {q}"),
    }
}

/// A typed right or wrong answer for the card.
fn typed(card: &Sent, right: bool) -> &'static str {
    match (question(card).as_str(), right) {
        ("e1-q01", true) => "A",
        ("e1-q01", false) => "B",
        ("e1-q02", true) => "a c",
        ("e1-q02", false) => "B",
        ("e1-q03", true) => "对",
        ("e1-q03", false) => "错",
        (q, _) => panic!("unknown question {q}"),
    }
}

/// Presses the buttons of a right or wrong answer; returns the last press's toast.
async fn tap(app: &TestApp, g: i64, user: i64, card: &Sent, right: bool) -> String {
    tap_data(app, g, user, card, &presses(card, right)).await
}

async fn tap_data(app: &TestApp, g: i64, user: i64, card: &Sent, data: &[String]) -> String {
    let id = card.message_id.unwrap();
    let mut last = None;
    for d in data {
        last = Some(app.fake.push_callback_id(g, user, id, d).1);
    }
    let last = last.expect("at least one press");
    app.fake
        .wait_for_sent(
            |s| s.method == "answercallbackquery" && s.callback_query_id.as_ref() == Some(&last),
            T,
        )
        .await
        .text
        .unwrap_or_default()
}

/// Points in a ✅ toast (`✅ 正确！+988 分`).
fn points(toast: &str) -> u64 {
    let plus = toast
        .find('+')
        .unwrap_or_else(|| panic!("no points in {toast:?}"));
    toast[plus + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// The reveal sent to `g` after `mark`.
async fn reveal_after(app: &TestApp, g: i64, mark: u64) -> Sent {
    wait_text_after(app, g, mark, "正确答案：").await
}

/// `/reveal` by `user`; the reveal.
async fn reveal_now(app: &TestApp, g: i64, user: i64) -> String {
    let mark = app.fake.mark();
    app.fake.push_text(g, user, "/reveal@tutor_test_bot");
    reveal_after(app, g, mark).await.text.unwrap()
}

async fn top(app: &TestApp, g: i64, args: &str) -> String {
    let mark = app.fake.mark();
    app.fake
        .push_text(g, 1, format!("/top@tutor_test_bot {args}").trim());
    wait_text_after(app, g, mark, "排行").await.text.unwrap()
}

/// The line of `/top` naming `name`, if any.
fn line_of<'a>(board: &'a str, name: &str) -> Option<&'a str> {
    board.lines().find(|l| l.contains(&format!(" {name} — ")))
}

/// Sends from the group to itself in `[from, to)` (messages, not toasts or edits).
fn group_sends(app: &TestApp, g: i64, from: u64, to: u64) -> Vec<Sent> {
    app.fake
        .sent_to(g)
        .into_iter()
        .filter(|s| s.seq >= from && s.seq < to && s.method == "sendmessage")
        .collect()
}

#[tokio::test]
async fn three_members_answer_one_card_and_the_reveal_ranks_them() {
    let app = group_app(G).await;
    let (right_tap, wrong_tap, right_typed, chatter) = (201, 202, 203, 204);
    let card = quiz(&app, G, right_tap).await;
    let card_id = card.message_id.unwrap();

    let toast = tap(&app, G, right_tap, &card, true).await;
    assert!(toast.starts_with("✅"), "{toast}");
    let earned = points(&toast);
    assert!((500..=1000).contains(&earned), "{toast}");
    let toast = tap(&app, G, wrong_tap, &card, false).await;
    assert!(toast.starts_with("❌"), "{toast}");
    // A typed answer is a reply to the card; it gets no reply in the group.
    let typed_mark = app.fake.mark();
    app.fake
        .push_reply(G, right_typed, card_id, typed(&card, true));
    // Chatter under the card is not an answer: a short hint to that member.
    app.fake.push_reply(G, chatter, card_id, "这题好难啊");
    let hint = wait_text_after(&app, G, typed_mark, "回复").await;
    assert!(
        hint.body["reply_parameters"]["message_id"]
            .as_i64()
            .is_some(),
        "the hint replies to the member: {:?}",
        hint.body
    );
    app.fake.wait_updates_confirmed(T).await;
    // The typed answer was acknowledged with ✍ on it, not with a message.
    let reacted = crate::support::flow::eventually(T, || {
        app.fake
            .requests_of("setmessagereaction")
            .iter()
            .any(|r| r.body["chat_id"] == G && r.body["reaction"][0]["emoji"] == "✍")
            .then_some(())
    })
    .await;
    assert!(reacted.is_some(), "no ✍ on the typed answer");
    let before_reveal = app.fake.mark();

    let text = reveal_now(&app, G, right_tap).await;
    // Nothing but the hint went to the group between the card and the reveal: the
    // verdicts stayed private.
    let sends = group_sends(&app, G, card.seq + 1, before_reveal);
    assert_eq!(sends.len(), 1, "{sends:#?}");
    assert!(sends[0].text.as_deref().unwrap().contains("回复"));

    assert!(text.contains("解析") && text.contains("📖"), "{text}");
    let first = text
        .find(&format!("1. U{right_tap} — "))
        .unwrap_or_else(|| panic!("{text}"));
    let second = text
        .find(&format!("2. U{right_typed} — "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(first < second, "{text}");
    assert!(text.contains(&format!("+{earned}")), "{text}");
    assert!(
        text.contains("答对：2 人") && text.contains("答错：1 人"),
        "{text}"
    );
    assert!(!text.contains(&format!("U{wrong_tap}")), "{text}");
    assert!(!text.contains(&format!("U{chatter}")), "{text}");

    // The card keeps its final count and loses its buttons.
    let last = app.fake.message(G, card_id).unwrap();
    assert!(last.get("reply_markup").is_none(), "{last}");
    let final_text = last["text"].as_str().unwrap();
    assert!(final_text.contains("共 3 人作答"), "{final_text}");

    // Group answers count toward each member's own progress.
    let s = stats(&app, right_typed).await;
    assert!(s.contains("已答：1 题") && s.contains("答对：1 题"), "{s}");
    let s = stats(&app, chatter).await;
    assert!(s.contains("已答：0 题"), "{s}");
    app.assert_no_token_leak();
}

#[tokio::test]
async fn a_double_tap_counts_once_and_a_late_answer_scores_nothing() {
    let app = group_app(G).await;
    let (u, late) = (211, 212);
    let card = quiz(&app, G, u).await;
    let data = presses(&card, true);
    let first = tap_data(&app, G, u, &card, &data).await;
    assert!(first.starts_with("✅"), "{first}");
    // The same final press again, and a typed answer too: both refused.
    let again = tap_data(&app, G, u, &card, &data[data.len() - 1..]).await;
    assert!(again.contains("已经作答"), "{again}");
    let mark = app.fake.mark();
    app.fake
        .push_reply(G, u, card.message_id.unwrap(), typed(&card, false));
    wait_text_after(&app, G, mark, "已经作答").await;

    let text = reveal_now(&app, G, u).await;
    assert!(
        text.contains("答对：1 人") && !text.contains("答错"),
        "{text}"
    );

    // After the reveal: a tap gets a toast, a typed answer a short reply; no points.
    let toast = tap(&app, G, late, &card, true).await;
    assert!(toast.contains("这道题已结束"), "{toast}");
    let mark = app.fake.mark();
    app.fake
        .push_reply(G, late, card.message_id.unwrap(), typed(&card, true));
    wait_text_after(&app, G, mark, "这道题已结束").await;

    let board = top(&app, G, "all").await;
    let line = line_of(&board, &format!("U{u}")).unwrap_or_else(|| panic!("{board}"));
    assert!(
        line.contains(&format!("{} 分", points(&first))) && line.contains("答对 1"),
        "{board}"
    );
    assert!(line_of(&board, &format!("U{late}")).is_none(), "{board}");
    let s = stats(&app, u).await;
    assert!(s.contains("已答：1 题"), "{s}");
}

#[tokio::test]
async fn only_the_starter_or_an_admin_reveals_early() {
    let app = group_app(G).await;
    let (starter, other) = (221, 222);
    let card = quiz(&app, G, starter).await;
    let mark = app.fake.mark();
    app.fake.push_text(G, other, "/reveal@tutor_test_bot");
    let refusal = wait_text_after(&app, G, mark, "仅").await;
    let text = refusal.text.unwrap();
    assert!(text.contains("仅") && text.contains("可以"), "{text}");
    // Still open: answers are taken.
    let toast = tap(&app, G, other, &card, true).await;
    assert!(toast.starts_with("✅"), "{toast}");
    // An admin may.
    let text = reveal_now(&app, G, ADMIN).await;
    assert!(text.contains(&format!("1. U{other}")), "{text}");
    // Nothing left to reveal.
    let mark = app.fake.mark();
    app.fake.push_text(G, starter, "/reveal@tutor_test_bot");
    wait_text_after(&app, G, mark, "没有进行中的题").await;
}

#[tokio::test]
async fn top_after_two_questions() {
    let app = group_app(G).await;
    let (ann, bob, cy) = (231, 232, 233);
    let mut ann_points = 0;
    let mut bob_points = 0;
    for round in 0..2 {
        let card = quiz(&app, G, ann).await;
        ann_points += points(&tap(&app, G, ann, &card, true).await);
        let bob_right = round == 0;
        let t = tap(&app, G, bob, &card, bob_right).await;
        if bob_right {
            bob_points += points(&t);
        }
        assert!(tap(&app, G, cy, &card, false).await.starts_with("❌"));
        // One open question at a time.
        let mark = app.fake.mark();
        app.fake.push_text(G, bob, "/quiz@tutor_test_bot");
        wait_text_after(&app, G, mark, "已经有一道题在进行中").await;
        reveal_now(&app, G, ann).await;
    }
    // Ann's second right answer carries the streak bonus.
    assert!(ann_points > bob_points + 500, "{ann_points} {bob_points}");

    let week = top(&app, G, "").await;
    assert!(week.contains("本周排行"), "{week}");
    let ann_line = line_of(&week, &format!("U{ann}")).unwrap_or_else(|| panic!("{week}"));
    assert!(
        ann_line.starts_with("1. ")
            && ann_line.contains(&format!("{ann_points} 分"))
            && ann_line.contains("答对 2")
            && ann_line.contains("连对 2"),
        "{week}"
    );
    let bob_line = line_of(&week, &format!("U{bob}")).unwrap_or_else(|| panic!("{week}"));
    assert!(
        bob_line.starts_with("2. ")
            && bob_line.contains(&format!("{bob_points} 分"))
            && bob_line.contains("答对 1")
            && bob_line.contains("连对 0"),
        "{week}"
    );
    // No points this week: not on the weekly board, but on the all-time one.
    assert!(line_of(&week, &format!("U{cy}")).is_none(), "{week}");
    let all = top(&app, G, "all").await;
    assert!(all.contains("总排行"), "{all}");
    let cy_line = line_of(&all, &format!("U{cy}")).unwrap_or_else(|| panic!("{all}"));
    assert!(
        cy_line.starts_with("3. ") && cy_line.contains("0 分"),
        "{all}"
    );
}

#[tokio::test]
async fn a_round_of_three_ends_with_a_podium() {
    let app = group_app(G).await;
    let (ann, bob, cy) = (241, 242, 243);
    let mark = app.fake.mark();
    app.fake.push_text(G, ann, "/round@tutor_test_bot 3");
    wait_text_after(&app, G, mark, "开始一轮 3 题").await;
    let mut ann_total = 0;
    let mut bob_total = 0;
    let mut asked = Vec::new();
    for n in 1..=3 {
        let card = app
            .fake
            .wait_for_sent(
                |s| {
                    s.seq >= mark
                        && s.chat_id == Some(G)
                        && s.method == "sendmessage"
                        && s.text
                            .as_deref()
                            .is_some_and(|t| t.contains(&format!("第 {n}/3 题")))
                        && !s.buttons().is_empty()
                },
                T,
            )
            .await;
        asked.push(question(&card));
        // A round owns the chat: no /quiz in between. (The card may reach us a moment
        // before the bot has recorded it open: then the round is what it names.)
        let m = app.fake.mark();
        app.fake.push_text(G, cy, "/quiz@tutor_test_bot");
        let busy = app
            .fake
            .wait_for_sent(
                |s| {
                    s.seq >= m
                        && s.chat_id == Some(G)
                        && s.method == "sendmessage"
                        && s.text.as_deref().is_some_and(|t| {
                            t.contains("已经有一道题在进行中") || t.contains("一轮题目正在进行中")
                        })
                },
                T,
            )
            .await;
        assert!(busy.buttons().is_empty(), "no new card: {:?}", busy.text);

        ann_total += points(&tap(&app, G, ann, &card, true).await);
        let bob_right = n != 2;
        let t = tap(&app, G, bob, &card, bob_right).await;
        if bob_right {
            bob_total += points(&t);
        }
        if n == 3 {
            tap(&app, G, cy, &card, false).await;
        }
        let text = reveal_now(&app, G, ann).await;
        assert!(text.contains(&format!("第 {n}/3 题")), "{text}");
    }
    // The bag: three different questions.
    asked.sort();
    asked.dedup();
    assert_eq!(asked.len(), 3, "{asked:?}");

    let podium = wait_text_after(&app, G, mark, "本轮结束")
        .await
        .text
        .unwrap();
    assert!(
        podium.contains(&format!("🥇 U{ann} — {ann_total} 分")),
        "{podium}"
    );
    assert!(
        podium.contains(&format!("🥈 U{bob} — {bob_total} 分")),
        "{podium}"
    );
    assert!(!podium.contains("🥉"), "no medal for 0 points: {podium}");
    assert!(
        podium.contains(&format!("3. U{cy} — 0")),
        "everyone's score: {podium}"
    );
    // The round is over: /quiz works again.
    quiz(&app, G, cy).await;
}

#[tokio::test]
async fn a_round_survives_a_restart() {
    let mut app = group_app(G).await;
    let ann = 245;
    let mark = app.fake.mark();
    app.fake.push_text(G, ann, "/round@tutor_test_bot 2");
    let first = wait_text_after(&app, G, mark, "第 1/2 题").await;
    let earned = points(&tap(&app, G, ann, &first, true).await);
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    app.restart().await;
    // The deadline, then the next question, come from the stored schedule.
    let revealed = wait_text_after(&app, G, first.seq, "🔔 第 1/2 题").await;
    assert!(
        revealed.text.unwrap().contains(&format!("1. U{ann}")),
        "the answer from before the restart counts"
    );
    let second = app
        .fake
        .wait_for_sent(
            |s| {
                s.chat_id == Some(G)
                    && s.text.as_deref().is_some_and(|t| t.contains("第 2/2 题"))
                    && !s.buttons().is_empty()
            },
            T,
        )
        .await;
    assert_ne!(question(&second), question(&first));
    let more = points(&tap(&app, G, ann, &second, true).await);
    reveal_now(&app, G, ann).await;
    let podium = wait_text_after(&app, G, second.seq, "本轮结束").await;
    assert!(
        podium
            .text
            .unwrap()
            .contains(&format!("🥇 U{ann} — {} 分", earned + more))
    );
}

/// `/daily` as an anonymous admin: from `@GroupAnonymousBot`, as the group.
fn push_as_anonymous_admin(app: &TestApp, g: i64, text: &str) {
    let mut message = app
        .fake
        .user_message_json(g, ANONYMOUS, json!({ "text": text }));
    message["from"] = json!({
        "id": ANONYMOUS, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot",
    });
    message["sender_chat"] = tg::chat(g);
    message["entities"] = tg::command_entities(text).unwrap();
    app.fake.push_raw(json!({ "message": message }));
}

#[tokio::test]
async fn only_admins_change_settings_anonymous_admins_included() {
    let app = group_app(G).await;
    let member = 251;
    for cmd in [
        "/daily@tutor_test_bot 20:00",
        "/settime@tutor_test_bot 30",
        "/tz@tutor_test_bot Europe/Berlin",
    ] {
        let mark = app.fake.mark();
        app.fake.push_text(G, member, cmd);
        let refusal = wait_text_after(&app, G, mark, "仅管理员可以").await;
        assert!(refusal.text.unwrap().chars().count() < 40);
    }
    let mark = app.fake.mark();
    app.fake.push_text(G, ADMIN, "/daily@tutor_test_bot 20:00");
    let ok = wait_text_after(&app, G, mark, "每日群题")
        .await
        .text
        .unwrap();
    assert!(ok.contains("20:00") && ok.contains("22:00"), "{ok}");

    let mark = app.fake.mark();
    push_as_anonymous_admin(&app, G, "/daily@tutor_test_bot reveal 23:30");
    let ok = wait_text_after(&app, G, mark, "每日群题")
        .await
        .text
        .unwrap();
    assert!(ok.contains("20:00") && ok.contains("23:30"), "{ok}");
    let mark = app.fake.mark();
    push_as_anonymous_admin(&app, G, "/settime@tutor_test_bot 45");
    wait_text_after(&app, G, mark, "答题时限已设为 45 秒").await;

    // The member's refusals did not change anything.
    let mut app = app;
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    let store = tutor::store::Store::open(&app.db, Default::default()).unwrap();
    let chat = store.chat(G).unwrap().unwrap();
    assert_eq!(chat.time_limit_secs, 45);
    assert_eq!(chat.tz, chrono_tz::Asia::Shanghai);
    let daily = chat.daily.unwrap();
    assert_eq!(daily.time.format("%H:%M").to_string(), "20:00");
    assert_eq!(daily.reveal.unwrap().format("%H:%M").to_string(), "23:30");
    assert!(
        store
            .scheduled(G, tutor::store::JobKind::Daily)
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn the_daily_group_question_is_posted_and_revealed_at_its_times() {
    let app = group_app(G).await;
    let (ann, bob) = (261, 262);
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    // The next minute, with at least 15 s to set both times before it.
    let now = Utc::now();
    let mut post = (now + chrono::Duration::seconds(61)).with_timezone(&tz);
    if post.with_second(0).unwrap() - now.with_timezone(&tz) < chrono::Duration::seconds(15) {
        post += chrono::Duration::minutes(1);
    }
    let reveal = post + chrono::Duration::minutes(1);
    let hhmm = |t: chrono::DateTime<chrono_tz::Tz>| format!("{:02}:{:02}", t.hour(), t.minute());
    let mark = app.fake.mark();
    app.fake
        .push_text(G, ADMIN, &format!("/daily@tutor_test_bot {}", hhmm(post)));
    wait_text_after(&app, G, mark, "每日群题").await;
    let mark = app.fake.mark();
    app.fake.push_text(
        G,
        ADMIN,
        &format!("/daily@tutor_test_bot reveal {}", hhmm(reveal)),
    );
    let ok = wait_text_after(&app, G, mark, &format!("{} 公布答案", hhmm(reveal)))
        .await
        .text
        .unwrap();
    assert!(ok.contains(&hhmm(post)), "{ok}");

    let card = app
        .fake
        .wait_for_sent(
            |s| {
                s.chat_id == Some(G)
                    && s.method == "sendmessage"
                    && s.text.as_deref().is_some_and(|t| t.contains("每日群题"))
                    && !s.buttons().is_empty()
            },
            Duration::from_secs(150),
        )
        .await;
    let text = card.text.clone().unwrap();
    assert!(
        text.contains(&format!("{} 公布答案", hhmm(reveal))),
        "{text}"
    );
    assert!(tap(&app, G, ann, &card, true).await.starts_with("✅"));
    assert!(tap(&app, G, bob, &card, false).await.starts_with("❌"));
    // Open until its time: /reveal has no /quiz card to reveal, a /quiz can run alongside.
    let mark = app.fake.mark();
    app.fake.push_text(G, ann, "/reveal@tutor_test_bot");
    wait_text_after(&app, G, mark, "没有进行中的题").await;

    let revealed = app
        .fake
        .wait_for_sent(
            |s| {
                s.chat_id == Some(G)
                    && s.method == "sendmessage"
                    && s.text.as_deref().is_some_and(|t| t.contains("今日群题"))
            },
            Duration::from_secs(100),
        )
        .await;
    // Not before its time (the wait returns as soon as it arrives).
    let due = reveal.with_second(0).unwrap().with_nanosecond(0).unwrap();
    assert!(Utc::now() >= due, "revealed before {due}");
    let text = revealed.text.unwrap();
    assert!(
        text.contains(&format!("1. U{ann}")) && text.contains("答错：1 人"),
        "{text}"
    );
    let toast = tap(&app, G, bob, &card, true).await;
    assert!(toast.contains("已结束"), "{toast}");
}

#[tokio::test]
async fn a_kicked_bot_stops_sending_and_keeps_the_scores() {
    let mut app = group_app(G).await;
    let (ann, bob) = (271, 272);
    let card = quiz(&app, G, ann).await;
    let earned = points(&tap(&app, G, ann, &card, true).await);
    reveal_now(&app, G, ann).await;
    // An open card when the bot is removed: never revealed.
    let card = quiz(&app, G, bob).await;
    let bob_earned = points(&tap(&app, G, bob, &card, true).await);
    app.fake.push_my_chat_member(G, "member", "kicked");
    app.fake.wait_updates_confirmed(T).await;
    // Past the card's 10 s deadline, and the live count's next edit: nothing at all.
    app.fake.expect_silence(G, Duration::from_secs(13)).await;

    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    {
        let store = tutor::store::Store::open(&app.db, Default::default()).unwrap();
        let chat = store.chat(G).unwrap().unwrap();
        assert!(!chat.active);
        assert_eq!(chat.open_card, None);
        assert!(
            !store
                .card(G, card.message_id.unwrap() as i32)
                .unwrap()
                .unwrap()
                .open
        );
        let scores = store.scores(G).unwrap();
        let of = |u: i64| scores.iter().find(|(id, _, _)| *id == u).unwrap().2.total;
        assert_eq!(of(ann), earned);
        assert_eq!(of(bob), bob_earned);
        for kind in tutor::store::JobKind::ALL {
            assert_eq!(store.scheduled(G, kind).unwrap(), None, "{kind:?}");
        }
    }

    // Added again after a restart: one new introduction, the old scores.
    app.restart().await;
    app.fake.expect_silence(G, Duration::from_secs(2)).await;
    join(&app, G).await;
    let board = top(&app, G, "all").await;
    assert!(
        line_of(&board, &format!("U{ann}")).is_some_and(|l| l.contains(&format!("{earned} 分"))),
        "{board}"
    );
    assert!(line_of(&board, &format!("U{bob}")).is_some(), "{board}");
    let intros = app
        .fake
        .sent_to(G)
        .into_iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.contains("大家好")))
        .count();
    assert_eq!(intros, 2, "one per joining");
}

#[tokio::test]
async fn a_group_migrated_to_a_supergroup_keeps_its_data() {
    let app = group_app(G).await;
    let sg = -1_001_234_567_890;
    let ann = 281;
    let card = quiz(&app, G, ann).await;
    let earned = points(&tap(&app, G, ann, &card, true).await);
    reveal_now(&app, G, ann).await;

    app.fake.push_migrate(G, sg);
    app.fake.push_migrate_from(sg, G);
    app.fake.wait_updates_confirmed(T).await;
    let board = top(&app, sg, "all").await;
    assert!(
        line_of(&board, &format!("U{ann}")).is_some_and(|l| l.contains(&format!("{earned} 分"))),
        "{board}"
    );
    // The settings moved too: the time limit is still 10 s.
    let card = quiz(&app, sg, ann).await;
    assert!(card.text.unwrap().contains("⏱ 10 秒"));
}

#[tokio::test]
async fn the_time_limit_reveals_on_its_own() {
    let app = group_app(G).await;
    let ann = 291;
    let card = quiz(&app, G, ann).await;
    assert!(card.text.as_deref().unwrap().contains("⏱ 10 秒"));
    tap(&app, G, ann, &card, true).await;
    let revealed = app
        .fake
        .wait_for_sent(
            |s| {
                s.seq > card.seq
                    && s.chat_id == Some(G)
                    && s.method == "sendmessage"
                    && s.text.as_deref().is_some_and(|t| t.contains("正确答案："))
            },
            Duration::from_secs(20),
        )
        .await;
    let after = revealed.at.duration_since(card.at);
    assert!(
        (Duration::from_millis(9_500)..Duration::from_secs(13)).contains(&after),
        "revealed after {after:?}"
    );
    assert!(revealed.text.unwrap().contains(&format!("1. U{ann}")));
    // The buttons are gone; a late tap is refused.
    let toast = tap(&app, G, 292, &card, true).await;
    assert!(toast.contains("已结束"), "{toast}");
}

#[tokio::test]
async fn the_live_count_is_edited_at_most_every_five_seconds() {
    let app = group_app(G).await;
    let mark = app.fake.mark();
    app.fake.push_text(G, ADMIN, "/settime@tutor_test_bot 60");
    wait_text_after(&app, G, mark, "60 秒").await;
    let card = quiz(&app, G, 300).await;
    let id = card.message_id.unwrap();
    let live = |app: &TestApp| -> Vec<Sent> {
        app.fake
            .sent_to(G)
            .into_iter()
            .filter(|s| {
                s.method == "editmessagetext"
                    && s.message_id == Some(id)
                    && s.text.as_deref().is_some_and(|t| t.contains("已作答"))
            })
            .collect()
    };
    // Eight members over ~8 s, in bursts.
    for (i, u) in (301..=308).enumerate() {
        tap(&app, G, u, &card, i % 3 != 0).await;
        if i % 2 == 1 {
            tokio::time::sleep(Duration::from_millis(2_000)).await;
        }
    }
    // The final count shows up within one interval.
    let done = app
        .fake
        .wait_for_sent(
            |s| {
                s.method == "editmessagetext"
                    && s.message_id == Some(id)
                    && s.text.as_deref().is_some_and(|t| t.contains("已作答 8 人"))
            },
            T,
        )
        .await;
    // The live edits keep the buttons.
    assert!(!done.buttons().is_empty());
    let edits = live(&app);
    assert!(edits.len() >= 2, "{edits:#?}");
    assert!(
        edits[0].text.as_deref().unwrap().contains("已作答 1 人"),
        "the first answer shows at once: {:?}",
        edits[0].text
    );
    for pair in edits.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_secs(5), "edits {gap:?} apart");
    }
    // Counts only go up.
    let count = |s: &Sent| {
        let t = s.text.as_deref().unwrap();
        let at = t.find("已作答 ").unwrap() + "已作答 ".len();
        t[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .unwrap()
    };
    assert!(edits.windows(2).all(|p| count(&p[0]) < count(&p[1])));

    // The reveal's final edit: the total, no buttons; no live edit after it.
    reveal_now(&app, G, 300).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let last = app.fake.message(G, id).unwrap();
    assert!(last.get("reply_markup").is_none(), "{last}");
    assert!(
        last["text"].as_str().unwrap().contains("共 8 人作答"),
        "{last}"
    );
    assert_eq!(live(&app).len(), edits.len());
}

#[tokio::test]
async fn a_round_on_one_chapter_and_typed_answers_hidden_by_the_admins_choice() {
    let app = group_app(G).await;
    let member = 261;
    // Only admins change settings; an admin hides typed answers.
    let mark = app.fake.mark();
    app.fake
        .push_text(G, member, "/settings@tutor_test_bot hide_typed on");
    wait_text_after(&app, G, mark, "只有管理员可以修改群设置").await;
    let mark = app.fake.mark();
    app.fake
        .push_text(G, ADMIN, "/settings@tutor_test_bot hide_typed on");
    wait_text_after(&app, G, mark, "已开启").await;

    // /round N CHAPTER: every question from that chapter (one the bank has).
    let mark = app.fake.mark();
    app.fake.push_text(G, member, "/round@tutor_test_bot 2 9");
    wait_text_after(&app, G, mark, "用法：/round N [章]").await;
    let mark = app.fake.mark();
    app.fake.push_text(G, member, "/round@tutor_test_bot 2 1");
    wait_text_after(&app, G, mark, "开始一轮 2 题（第一章）").await;
    let card = app
        .fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(G) && !s.buttons().is_empty(),
            T,
        )
        .await;
    assert!(question(&card).starts_with("e1-"), "{}", question(&card));

    // A typed answer is recorded, then deleted: nobody reads it before the reveal.
    app.fake
        .push_reply(G, member, card.message_id.unwrap(), typed(&card, true));
    let deleted = crate::support::flow::eventually(T, || {
        app.fake
            .requests_of("deletemessage")
            .into_iter()
            .find(|r| r.body["chat_id"] == G)
    })
    .await
    .expect("the typed answer is deleted");
    // The member's message, never the card.
    assert_ne!(
        deleted.body["message_id"],
        card.message_id.unwrap(),
        "{:?}",
        deleted.body
    );
    assert!(app.fake.requests_of("setmessagereaction").is_empty());
}

/// `/class` for admins: each member's answers, accuracy, streak and last answer; the
/// CSV as a document with a byte-order mark; members get a refusal. With the streak
/// bonus off, a second right answer in a row earns no bonus.
#[tokio::test]
async fn the_class_report_and_the_streak_bonus_setting() {
    let app = group_app(G).await;
    let (ann, bob) = (271, 272);
    let mark = app.fake.mark();
    app.fake
        .push_text(G, ADMIN, "/settings@tutor_test_bot streak_bonus off");
    wait_text_after(&app, G, mark, "已关闭连对加分").await;
    let mut ann_points = Vec::new();
    for round in 0..2 {
        let card = quiz(&app, G, ann).await;
        ann_points.push(points(&tap(&app, G, ann, &card, true).await));
        tap(&app, G, bob, &card, round == 0).await;
        reveal_now(&app, G, ann).await;
    }
    // Points for speed alone: at most 1000 each, never 1000 + a bonus.
    assert!(ann_points.iter().all(|p| *p <= 1000), "{ann_points:?}");

    let mark = app.fake.mark();
    app.fake.push_text(G, bob, "/class@tutor_test_bot");
    wait_text_after(&app, G, mark, "只有管理员可以查看班级报告").await;

    let mark = app.fake.mark();
    app.fake.push_text(G, ADMIN, "/class@tutor_test_bot");
    let report = wait_text_after(&app, G, mark, "班级报告")
        .await
        .text
        .unwrap();
    let line = |name: &str| {
        report
            .lines()
            .find(|l| l.contains(&format!(" {name} — ")))
            .unwrap_or_else(|| panic!("{report}"))
            .to_string()
    };
    let ann_line = line(&format!("U{ann}"));
    assert!(
        ann_line.starts_with("1. ")
            && ann_line.contains("答 2 题 · 正确率 100%")
            && ann_line.contains("连对 2")
            && ann_line.contains("最近 "),
        "{report}"
    );
    let bob_line = line(&format!("U{bob}"));
    assert!(
        bob_line.contains("答 2 题 · 正确率 50%") && bob_line.contains("连对 0"),
        "{report}"
    );
    assert!(report.contains("/class csv"), "{report}");

    let mark = app.fake.mark();
    app.fake.push_text(G, ADMIN, "/class@tutor_test_bot csv");
    let doc = crate::support::flow::eventually(T, || {
        app.fake
            .requests_of("senddocument")
            .into_iter()
            .find(|r| r.seq >= mark && r.body["chat_id"] == G)
    })
    .await
    .expect("the CSV is sent");
    assert_eq!(doc.files.len(), 1);
    let file = &doc.files[0];
    assert_eq!(file.file_name.as_deref(), Some("class.csv"));
    assert!(file.bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let csv = std::str::from_utf8(&file.bytes[3..]).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("姓名,用户ID,答题数"), "{csv}");
    assert!(
        lines[1].starts_with(&format!("U{ann},{ann},2,2,100,2,2,2,")),
        "{csv}"
    );
    assert!(
        lines[2].starts_with(&format!("U{bob},{bob},2,1,50,2,1,0,")),
        "{csv}"
    );
    let caption = doc.body["caption"].as_str().unwrap_or_default();
    assert!(caption.contains("2 人"), "{caption}");
}
