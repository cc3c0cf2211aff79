//! Hostile input: forged and stale callback data, floods, odd messages and updates,
//! malformed content and database directories, and the security checks (the token in
//! logs, the database directory's mode, `/export` scoped to the asker).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::support::{
    FakeApi, Fault, Sent, T, TEST_TOKEN, TestApp, answer_taps, bank_dir, builder_on, card_after,
    data, eventually, is_card, is_verdict, parse_stats, right_button, run_tutor, spawn, stats, tg,
    toast_after, typed, verdict_after, verdict_text,
};

// ----- callback data ----------------------------------------------------------------

#[tokio::test]
async fn hostile_callback_data_gets_a_toast_and_changes_nothing() {
    let app = spawn().await;
    let (a, b) = (401, 402);
    let card_a = card_after(&app, a, a, "/quiz").await;
    let card_b = card_after(&app, b, b, "/quiz").await;
    let (ida, idb) = (card_a.message_id.unwrap(), card_b.message_id.unwrap());
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7u64);
    // Flood control allows a user 30 updates in 10 s: random bytes on a's card, the
    // near misses on c's.
    let random: Vec<String> = (0..16)
        .map(|_| {
            let n = rng.random_range(0..=64);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            let mut s = String::from_utf8_lossy(&bytes).into_owned();
            while s.len() > 64 {
                s.pop();
            }
            s
        })
        .collect();
    let near_misses = [
        "",
        "0:a:e1-q01:0",  // an old codec version
        "2:a:e1-q01:0",  // a future one
        "1:a:e1-q03:0",  // another question's data on this card
        "1:a:e1-q01:7",  // an option beyond the card
        "1:t:e1-q01:0",  // a toggle on a single-choice card
        "1:s:e1-q01",    // a submit on a single-choice card
        "1:a:e1-q01:0:", // a trailing field
        "1:a:e1-q01:-1",
        "1:a:e1-q01:255",
        "1:p:1:65535",
        "1:n:255",
        "1:r:../../etc/passwd",
        "1:a:e1-q01\u{0}:0",
    ]
    .map(String::from);
    let c = 403;
    let card_c = card_after(&app, c, c, "/quiz").await;
    let idc = card_c.message_id.unwrap();
    for (user, id, d) in random
        .iter()
        .map(|d| (a, ida, d))
        .chain(near_misses.iter().map(|d| (c, idc, d)))
    {
        let mark = app.fake.mark();
        app.fake.push_callback(user, user, id, d);
        // Any answer to the tap (a toast, or a silent acknowledgement) is fine, as long
        // as the card was not graded.
        let ack = app
            .fake
            .wait_for_sent(|s| s.seq >= mark && s.method == "answercallbackquery", T)
            .await;
        let toast = ack.text.unwrap_or_default();
        assert!(
            !toast.starts_with('✅') && !toast.starts_with('❌'),
            "{d:?}: {toast}"
        );
    }
    // b taps a's card (a forged update: Telegram would not deliver it) and a's data
    // on b's card; a taps a card of a chat it is not in.
    for (chat, user, msg, d) in [
        (a, b, ida, data(&card_a, "A")),
        (b, a, idb, data(&card_b, "A")),
        (-4001, a, ida, data(&card_a, "A")),
        (a, a, ida + 10_000, data(&card_a, "A")),
    ] {
        let mark = app.fake.mark();
        app.fake.push_callback(chat, user, msg, &d);
        let toast = toast_after(&app, mark).await;
        assert!(
            !toast.starts_with('✅') && !toast.starts_with('❌'),
            "chat {chat} user {user}: {toast}"
        );
    }
    app.fake.wait_updates_confirmed(T).await;
    for u in [a, b, c] {
        let s = stats(&app, u).await;
        assert_eq!(parse_stats(&s), (0, 0), "{u}: {s}");
    }
    // The cards are still open for their owners; a closed card answers with a toast.
    let mark = app.fake.mark();
    app.fake.push_callback(a, a, ida, &right_button(&card_a));
    assert!(verdict_after(&app, a, mark).await.starts_with('✅'));
    let mark = app.fake.mark();
    app.fake.push_callback(a, a, ida, &data(&card_a, "B"));
    assert!(toast_after(&app, mark).await.contains("已结束"));
    let s = stats(&app, a).await;
    assert_eq!(parse_stats(&s), (1, 1), "{s}");
    assert!(!app.output().contains("panicked"), "{}", app.output());
}

// ----- floods -------------------------------------------------------------------------

/// The `q`-th percentile of `samples` (nearest rank).
fn percentile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

/// Like `FakeApi::wait_for_sent` for sends and toasts, but returns `None` on timeout
/// instead of panicking with a dump (a flood's dump is huge).
async fn quiet_wait(
    fake: &FakeApi,
    timeout: Duration,
    pred: impl Fn(&Sent) -> bool,
) -> Option<Sent> {
    eventually(timeout, || {
        let found = fake.find(|r| {
            r.ok()
                && matches!(
                    r.method.as_str(),
                    "sendmessage" | "editmessagetext" | "answercallbackquery"
                )
                && pred(&Sent {
                    seq: r.seq,
                    method: r.method.clone(),
                    chat_id: r.chat_id(),
                    message_id: r
                        .result()
                        .and_then(|m| m.get("message_id"))
                        .and_then(Value::as_i64),
                    text: r.text().map(str::to_owned),
                    reply_markup: r.body.get("reply_markup").cloned(),
                    callback_query_id: r.str("callback_query_id").map(str::to_owned),
                    show_alert: false,
                    at: r.at,
                    body: r.body.clone(),
                })
        })?;
        fake.sent().into_iter().find(|s| s.seq == found.seq)
    })
    .await
}

#[tokio::test]
async fn a_flood_from_one_user_leaves_the_others_responsive() {
    const FLOOD: usize = 10_000;
    const FLOOD_SECS: f64 = 20.0;
    let app = spawn().await;
    let flooder = 501;
    let others: Vec<i64> = (511..517).collect();
    let fake = app.fake.clone();
    let flood = tokio::spawn(async move {
        let start = Instant::now();
        let batch = 100;
        for i in 0..FLOOD / batch {
            for j in 0..batch {
                fake.push_text(flooder, flooder, &format!("spam {}", i * batch + j));
            }
            let due = Duration::from_secs_f64(FLOOD_SECS * (i + 1) as f64 / (FLOOD / batch) as f64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        start.elapsed()
    });
    // Meanwhile each other learner practises at a human pace (Throttle allows a chat
    // 20 messages a minute: a card and a verdict every 6.5 s).
    let mut tasks = Vec::new();
    for (i, u) in others.iter().copied().enumerate() {
        let fake = app.fake.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(400 * i as u64)).await;
            let mut samples = Vec::new();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs_f64(FLOOD_SECS) {
                let cycle = Instant::now();
                let mark = fake.mark();
                let asked = Instant::now();
                fake.push_text(u, u, "/quiz");
                let card = quiet_wait(&fake, T, |s| {
                    s.seq >= mark && s.chat_id == Some(u) && is_card(s)
                })
                .await
                .unwrap_or_else(|| panic!("{u}: no card within {T:?}"));
                samples.push(card.at.duration_since(asked));
                tokio::time::sleep(Duration::from_millis(1100)).await;
                let taps = answer_taps(&card, true);
                let mark = fake.mark();
                let mut answered = Instant::now();
                for t in &taps {
                    answered = Instant::now();
                    fake.push_callback(u, u, card.message_id.unwrap(), t);
                }
                let verdict = quiet_wait(&fake, T, |s| {
                    s.seq >= mark
                        && s.chat_id == Some(u)
                        && verdict_text(s).is_some_and(|t| t.starts_with('✅'))
                })
                .await
                .unwrap_or_else(|| panic!("{u}: no verdict within {T:?}"));
                samples.push(verdict.at.duration_since(answered));
                let rest = Duration::from_millis(6500).saturating_sub(cycle.elapsed());
                tokio::time::sleep(rest).await;
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.expect("learner task"));
    }
    let flood_took = flood.await.expect("flood task");
    let n = samples.len();
    let p50 = percentile(&mut samples, 0.50);
    let p99 = percentile(&mut samples, 0.99);
    let max = *samples.last().unwrap();
    eprintln!(
        "flood: {FLOOD} messages in {flood_took:?}; others' answers and cards: n={n} \
         p50={p50:?} p99={p99:?} max={max:?}"
    );
    assert!(n >= 30, "only {n} samples");
    assert!(
        p99 < Duration::from_secs(1),
        "p99 {p99:?} (p50 {p50:?}, max {max:?})"
    );
    // The flooder was told once, and most of the flood was dropped.
    eventually(Duration::from_secs(30), || {
        app.fake.pending_updates().is_empty().then_some(())
    })
    .await
    .expect("every update confirmed");
    let to_flooder = app.fake.sent_to(flooder);
    let notices = to_flooder
        .iter()
        .filter(|s| s.text.as_deref().is_some_and(|t| t.contains("消息太多了")))
        .count();
    assert_eq!(notices, 1, "one notice: {to_flooder:#?}");
    assert!(
        to_flooder.len() <= 40,
        "{} replies to the flooder",
        to_flooder.len()
    );
    assert!(!app.output().contains("panicked"));
}

// ----- odd messages and updates ---------------------------------------------------------

/// Every kind of non-text message, as Telegram sends it.
fn non_text_contents() -> Vec<(&'static str, Value)> {
    let file = |id: &str| json!({ "file_id": id, "file_unique_id": format!("{id}-u") });
    let with = |mut base: Value, extra: Value| {
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    };
    vec![
        ("sticker", json!({ "sticker": tg::sticker() })),
        (
            "photo",
            json!({ "photo": tg::photo_sizes("p1", 1000), "caption": "A" }),
        ),
        (
            "document",
            json!({ "document": tg::document("d1", "x.pdf", 10) }),
        ),
        (
            "voice",
            json!({ "voice": with(file("v1"), json!({ "duration": 3 })) }),
        ),
        (
            "audio",
            json!({ "audio": with(file("a1"), json!({ "duration": 3 })) }),
        ),
        (
            "video",
            json!({ "video": with(file("vi1"), json!({ "duration": 3, "width": 10, "height": 10 })) }),
        ),
        (
            "video_note",
            json!({ "video_note": with(file("vn1"), json!({ "duration": 3, "length": 10 })) }),
        ),
        (
            "animation",
            json!({
                "animation": with(file("an1"), json!({ "duration": 3, "width": 10, "height": 10 })),
                "document": with(file("an1"), json!({})),
            }),
        ),
        (
            "location",
            json!({ "location": { "latitude": 31.23, "longitude": 121.47 } }),
        ),
        (
            "venue",
            json!({
                "location": { "latitude": 31.23, "longitude": 121.47 },
                "venue": {
                    "location": { "latitude": 31.23, "longitude": 121.47 },
                    "title": "外滩", "address": "上海",
                },
            }),
        ),
        (
            "contact",
            json!({ "contact": { "phone_number": "+8613800000000", "first_name": "张" } }),
        ),
        (
            "poll",
            json!({ "poll": {
                "id": "poll-x", "question": "A or B?", "options": [
                    { "text": "A", "voter_count": 0 }, { "text": "B", "voter_count": 0 }],
                "total_voter_count": 0, "is_closed": false, "is_anonymous": true,
                "type": "regular", "allows_multiple_answers": false,
            }}),
        ),
        ("dice", json!({ "dice": { "emoji": "🎲", "value": 6 } })),
    ]
}

#[tokio::test]
async fn every_tap_of_a_burst_is_answered_even_when_its_work_is_shed() {
    // 65 taps on one private card (the flood gate mutes after 30) and 450 members'
    // taps on one group card (past the group's backlog of 400): each callback query
    // gets an answerCallbackQuery, so no client spins.
    let app = spawn().await;
    let u = 881;
    let card = card_after(&app, u, u, "/quiz").await;
    let tap = card.buttons()[0].1.clone();
    let mut ids = Vec::new();
    for _ in 0..65 {
        ids.push(
            app.fake
                .push_callback_id(u, u, card.message_id.unwrap(), &tap)
                .1,
        );
    }
    let g = -8801;
    let card = card_after(&app, g, 1, "/quiz").await;
    let tap = card.buttons()[0].1.clone();
    for member in 0..450 {
        ids.push(
            app.fake
                .push_callback_id(g, 10_000 + member, card.message_id.unwrap(), &tap)
                .1,
        );
    }
    app.fake
        .wait_updates_confirmed(Duration::from_secs(60))
        .await;
    let answered = || -> HashSet<String> {
        app.fake
            .requests_of("answercallbackquery")
            .iter()
            .filter_map(|r| r.str("callback_query_id").map(str::to_owned))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while ids.iter().any(|id| !answered().contains(id)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let missing: Vec<_> = ids.iter().filter(|id| !answered().contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} taps unanswered: {missing:?}",
        missing.len()
    );
    assert!(!app.output().contains("panicked"));
}

#[tokio::test]
async fn odd_messages_get_a_short_answer_and_never_crash() {
    let app = spawn().await;
    // Every non-text kind, each from its own learner (a chat may get 20 messages a
    // minute): one hint, no grading.
    for (i, (kind, content)) in non_text_contents().into_iter().enumerate() {
        let u = 600 + i as i64;
        card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        app.fake.msg(u, u).content(content).push();
        let hint = app
            .fake
            .wait_for_sent(
                |s| s.seq >= mark && s.chat_id == Some(u) && s.method == "sendmessage",
                T,
            )
            .await;
        assert!(
            hint.text.as_deref().unwrap().contains("我只看得懂文字"),
            "{kind}: {:?}",
            hint.text
        );
    }
    // Very long texts: an answer attempt, chatter, a command, a name.
    let u = 650;
    card_after(&app, u, u, "/quiz").await;
    for text in [
        "A".repeat(4096),
        "啊".repeat(4096),
        format!("/quiz {}", "9".repeat(4090)),
        format!("/tz {}", "Ω".repeat(4092)),
        format!("/daily {}", "1".repeat(4089)),
        format!("/lang {}", "\u{202E}".repeat(4090)),
    ] {
        let mark = app.fake.mark();
        app.fake.push_text(u, u, &text);
        let reply = app
            .fake
            .wait_for_sent(
                |s| s.seq >= mark && s.chat_id == Some(u) && s.method == "sendmessage",
                T,
            )
            .await;
        let reply = reply.text.unwrap();
        assert!(
            !reply.starts_with('✅') && !reply.starts_with('❌'),
            "{reply}"
        );
    }
    // RTL marks, zero-width characters and a hostile display name.
    let u = 651;
    app.fake
        .msg(u, u)
        .text("/start")
        .first_name(&format!(
            "\u{202E}<b>evil</b>\u{200B}&amp;{}",
            "名".repeat(300)
        ))
        .push();
    app.fake.wait_for_text(u, "你好", T).await;
    for text in [
        "\u{200F}A",
        "A\u{200B}",
        "\u{202E}A\u{202C}",
        "\u{FEFF}A",
        "\u{200D}",
        "\u{2066}对\u{2069}",
    ] {
        let card = card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        app.fake.push_text(u, u, text);
        // A verdict, a hint or a "no open question": never silence, never a crash.
        app.fake
            .wait_for_sent(
                |s| s.seq >= mark && s.chat_id == Some(u) && s.method == "sendmessage",
                Duration::from_secs(20),
            )
            .await;
        let _ = card;
    }
    // In a group, non-text messages and chatter are ignored; a long reply to a card gets
    // a hint.
    let (g, member) = (-6001, 660);
    let card = card_after(&app, g, member, "/quiz").await;
    let mark = app.fake.mark();
    for (_, content) in non_text_contents() {
        app.fake.msg(g, member).content(content).push();
    }
    app.fake
        .msg(g, member)
        .reply_to(card.message_id.unwrap())
        .text(&"Ｂ".repeat(4096))
        .push();
    let hint = app
        .fake
        .wait_for_sent(|s| s.seq >= mark && s.chat_id == Some(g), T)
        .await;
    assert!(hint.text.as_deref().unwrap().contains("回复"), "{hint:?}");
    app.fake.wait_updates_confirmed(T).await;
    // Nothing the bot sent is over Telegram's limit (in UTF-16 units, its measure).
    for s in app.fake.sent() {
        if let Some(t) = &s.text {
            assert!(
                t.encode_utf16().count() <= 4096,
                "{} UTF-16 units sent: {}…",
                t.encode_utf16().count(),
                t.chars().take(80).collect::<String>()
            );
        }
    }
    // Still serving.
    card_after(&app, 652, 652, "/quiz").await;
    assert!(!app.output().contains("panicked"), "{}", app.output());
}

#[tokio::test]
async fn chat_and_user_ids_up_to_52_bits_are_served() {
    // The Bot API's ids have up to 52 significant bits; MTProto's 40-bit ranges are
    // not the wire's. Users and groups past them get cards and verdicts, and the bot
    // stays up to exit cleanly.
    let mut app = spawn().await;
    let big = (1i64 << 52) - 1;
    for u in [1i64 << 41, big] {
        let card = card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        for tap in answer_taps(&card, true) {
            app.fake.push_callback(u, u, card.message_id.unwrap(), &tap);
        }
        assert!(verdict_after(&app, u, mark).await.starts_with('✅'));
    }
    for g in [-(1i64 << 41), -big] {
        let card = card_after(&app, g, 1 << 41, "/quiz").await;
        assert!(card.message_id.is_some());
        let mark = app.fake.mark();
        app.fake.push_text(g, big, "/stats");
        app.fake
            .wait_for_sent(|s| s.seq >= mark && s.chat_id == Some(g), T)
            .await;
    }
    assert!(app.is_running(), "{}", app.output());
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    assert!(!app.output().contains("panicked"), "{}", app.output());
}

#[tokio::test]
async fn an_update_that_cannot_be_read_is_skipped_and_the_rest_are_served() {
    // An update nested 600 levels deep fails serde_json's recursion limit; one of
    // 20 MiB is over the size the bot reads. Each is skipped by its id (the only thing
    // logged), and the updates around them are served.
    let app = spawn().await;
    let u = 771;
    let mut deep = json!(1);
    for _ in 0..600 {
        deep = json!([deep]);
    }
    let before = app.fake.push_text(u, u, "/quiz");
    let poisoned = app.fake.push_raw(json!({
        "message": app.fake.user_message_json(u, u, json!({ "text": "DEEPSECRET", "entities": deep })),
    }));
    let after = app.fake.push_text(u + 1, u + 1, "/quiz");
    for chat in [u, u + 1] {
        app.fake
            .wait_for_sent(|s| s.chat_id == Some(chat) && s.method == "sendmessage", T)
            .await;
    }
    app.fake.wait_updates_confirmed(T).await;
    assert!(before < poisoned && poisoned < after);
    let out = app.output();
    assert!(out.contains(&format!("update_id={poisoned}")), "{out}");

    // A batch over the size limit is read again one update at a time; the one that
    // is too big alone is skipped.
    let big = app.fake.push_raw(json!({
        "message": app.fake.user_message_json(u, u, json!({ "text": format!("BIGSECRET{}", "x".repeat(20 << 20)) })),
    }));
    let mark = app.fake.mark();
    app.fake.push_text(u + 2, u + 2, "/quiz");
    app.fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(u + 2) && s.method == "sendmessage",
            Duration::from_secs(30),
        )
        .await;
    app.fake.wait_updates_confirmed(T).await;
    let out = app.output();
    assert!(out.contains(&format!("update_id={big}")), "{out:.2000}");
    for secret in ["DEEPSECRET", "BIGSECRET", "xxxxxxxx"] {
        assert!(!out.contains(secret), "{secret} logged");
    }
    assert!(!out.contains("panicked"));
}

#[tokio::test]
async fn edited_messages_channel_posts_and_unknown_updates_are_ignored() {
    let app = spawn().await;
    let u = 701;
    let card = card_after(&app, u, u, "/quiz").await;
    // u writes chatter (a hint), then edits it into an answer: the edit is ignored.
    let mark = app.fake.mark();
    let chatter = app.fake.msg(u, u).text("嗯");
    let chatter_msg = chatter.build();
    let chatter_id = chatter_msg["message_id"].as_i64().unwrap();
    app.fake.push_raw(json!({ "message": chatter_msg }));
    app.fake
        .wait_for_sent(|s| s.seq >= mark && s.chat_id == Some(u), T)
        .await;
    app.fake.msg(u, u).text("A").edited(chatter_id).push();
    let channel = -1_000_000_007_001;
    let id = app.fake.next_message_id();
    app.fake
        .push_raw(json!({ "channel_post": tg::channel_post(id, channel, "/quiz") }));
    app.fake
        .push_raw(json!({ "edited_channel_post": tg::channel_post(id, channel, "A") }));
    let user = app.fake.user_json(u);
    for raw in [
        json!({ "poll_answer": { "poll_id": "p", "user": user, "option_ids": [0] } }),
        json!({ "inline_query": { "id": "iq", "from": user, "query": "A", "offset": "" } }),
        json!({ "message_reaction": {
            "chat": tg::chat(u), "message_id": card.message_id.unwrap(), "user": user,
            "date": tg::now(), "old_reaction": [],
            "new_reaction": [{ "type": "emoji", "emoji": "👍" }],
        }}),
        json!({ "chat_join_request": {
            "chat": tg::chat(-1_000_000_007_002), "from": user, "user_chat_id": u,
            "date": tg::now(),
        }}),
        json!({ "some_future_update": { "x": 1 } }),
        json!({ "message": { "garbage": true } }),
        json!({ "callback_query": { "id": "cbq-bad", "from": user, "chat_instance": "ci",
            "data": "1:a:e1-q01:0" } }),
    ] {
        app.fake.push_raw(raw);
    }
    app.fake.wait_updates_confirmed(T).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Nothing was graded; the channel got nothing.
    assert!(
        app.fake.sent_to(u).iter().all(|s| !is_verdict(s)),
        "{}",
        app.fake.dump(30)
    );
    assert!(app.fake.sent_to(channel).is_empty());
    // The card is still open and the bot still serves.
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &right_button(&card));
    assert!(verdict_after(&app, u, mark).await.starts_with('✅'));
    assert!(!app.output().contains("panicked"), "{}", app.output());
}

// ----- odd files --------------------------------------------------------------------------

/// `tutor run --content dir` with a well-formed token: validation fails before any I/O.
fn run_with_content(dir: &Path, db: &Path) -> std::process::Output {
    crate::support::app::run_tutor_with(
        &[
            "run",
            "--db",
            db.to_str().unwrap(),
            "--content",
            dir.to_str().unwrap(),
        ],
        "",
        &[
            ("TELOXIDE_TOKEN", TEST_TOKEN),
            ("TELOXIDE_API_URL", "http://127.0.0.1:9/"),
        ],
    )
}

#[tokio::test]
async fn a_malformed_content_directory_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(format!("{}/ch01.toml", bank_dir())).unwrap();
    type Files = Vec<(&'static str, Vec<u8>)>;
    let cases: Vec<(&str, Files)> = vec![
        ("empty", vec![]),
        (
            "not_utf8",
            vec![("ch01.toml", vec![0xff, 0xfe, b'[', 0x80])],
        ),
        (
            "binary",
            vec![("ch01.toml", (0..=255u8).cycle().take(5000).collect())],
        ),
        (
            "syntax",
            vec![("ch01.toml", b"[[[chapter\nnumber = ".to_vec())],
        ),
        (
            "wrong_shape",
            vec![("ch01.toml", b"chapter = 1\nquestions = \"x\"\n".to_vec())],
        ),
        (
            "truncated",
            vec![("ch01.toml", good.as_bytes()[..good.len() / 2].to_vec())],
        ),
        (
            "duplicate",
            vec![
                ("ch01.toml", good.clone().into_bytes()),
                ("ch02.toml", good.clone().into_bytes()),
            ],
        ),
        (
            "huge_numbers",
            vec![(
                "ch01.toml",
                good.replace("number = 1", "number = 99999999999999999999")
                    .into_bytes(),
            )],
        ),
        (
            "nul",
            vec![("ch01.toml", good.replace("测试章", "\u{0}").into_bytes())],
        ),
    ];
    for (name, files) in cases {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for (f, bytes) in files {
            std::fs::write(dir.join(f), bytes).unwrap();
        }
        let db = tmp.path().join(format!("{name}-db"));
        let out = run_with_content(&dir, &db);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains("error"), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(!db.exists(), "{name}: the database was touched");
        let check = run_tutor(&["check", dir.to_str().unwrap()], "");
        assert_eq!(check.status.code(), Some(1), "{name}");
    }
    // Not a directory, and a directory that does not exist.
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    for dir in [file, tmp.path().join("missing")] {
        let out = run_with_content(&dir, &tmp.path().join("x-db"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("cannot read directory"), "{stderr}");
    }
}

/// Runs `tutor run --db db` against a new fake until it polls (`Ok`) or exits (`Err`).
async fn start_on(db: &Path) -> Result<TestApp, (Option<i32>, String)> {
    let mut app = builder_on(db).no_wait().spawn().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if app.fake.find(|r| r.method == "getupdates").is_some() {
            return Ok(app);
        }
        if !app.is_running() {
            let status = app.wait_exit(T).await;
            return Err((status.code(), app.stderr()));
        }
        assert!(
            Instant::now() < deadline,
            "neither started nor exited\n{}",
            app.output()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A database with `n` answers of learner 801, made by the real bot.
async fn make_db(dir: &Path, n: usize) {
    let mut app = start_on(dir).await.expect("starts");
    let u = 801;
    for i in 0..n {
        let card = card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        app.fake.push_text(u, u, typed(&card, i % 2 == 0));
        verdict_after(&app, u, mark).await;
    }
    app.sigterm();
    assert!(app.wait_exit(T).await.success());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
}

fn dir_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_damaged_database_is_a_clear_error_never_a_panic_or_a_wipe() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("pristine");
    make_db(&pristine, 6).await;
    let db_len = std::fs::metadata(pristine.join("db")).unwrap().len();
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage)> = vec![
        (
            "db_emptied",
            Box::new(|d: &Path| std::fs::write(d.join("db"), b"").unwrap()),
        ),
        (
            "db_garbage",
            Box::new(move |d: &Path| {
                let mut rng = rand::rngs::StdRng::seed_from_u64(1);
                let bytes: Vec<u8> = (0..db_len).map(|_| rng.random()).collect();
                std::fs::write(d.join("db"), bytes).unwrap()
            }),
        ),
        (
            "db_zeroed",
            Box::new(move |d: &Path| {
                std::fs::write(d.join("db"), vec![0u8; db_len as usize]).unwrap()
            }),
        ),
        (
            "db_removed",
            Box::new(|d: &Path| std::fs::remove_file(d.join("db")).unwrap()),
        ),
        (
            "conf_garbage",
            Box::new(|d: &Path| std::fs::write(d.join("conf"), b"\xff\xfe garbage").unwrap()),
        ),
        (
            "conf_removed",
            Box::new(|d: &Path| std::fs::remove_file(d.join("conf")).unwrap()),
        ),
        (
            "db_truncated_to_half",
            Box::new(move |d: &Path| {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(d.join("db"))
                    .unwrap();
                f.set_len(db_len / 2).unwrap();
            }),
        ),
        (
            "db_truncated_by_100_bytes",
            Box::new(move |d: &Path| {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(d.join("db"))
                    .unwrap();
                f.set_len(db_len.saturating_sub(100)).unwrap();
            }),
        ),
        (
            "db_one_byte_flipped_no_snapshot",
            Box::new(move |d: &Path| {
                for e in std::fs::read_dir(d).unwrap().flatten() {
                    if e.file_name().to_string_lossy().starts_with("snap.") {
                        std::fs::remove_file(e.path()).unwrap();
                    }
                }
                let mut bytes = std::fs::read(d.join("db")).unwrap();
                let i = bytes.len() * 3 / 4;
                bytes[i] ^= 0x01;
                std::fs::write(d.join("db"), bytes).unwrap()
            }),
        ),
        (
            "db_bytes_flipped",
            Box::new(move |d: &Path| {
                let mut bytes = std::fs::read(d.join("db")).unwrap();
                let mut rng = rand::rngs::StdRng::seed_from_u64(2);
                for _ in 0..64 {
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] ^= 0xff;
                }
                std::fs::write(d.join("db"), bytes).unwrap()
            }),
        ),
    ];
    let mut report = Vec::new();
    for (name, damage) in cases {
        let db = tmp.path().join(name);
        copy_dir(&pristine, &db);
        damage(&db);
        let before = dir_bytes(&db);
        match start_on(&db).await {
            Err((code, stderr)) => {
                // A clear one-line error, exit code 1, and the files left as they were.
                // sled's recovery may already have truncated the damaged log while
                // opening it (documented in docs/reliability.md).
                let changed = if dir_bytes(&db) == before {
                    ""
                } else {
                    " [sled rewrote the files]"
                };
                report.push(format!(
                    "{name}: refused (exit {code:?}){changed}: {}",
                    stderr.lines().last().unwrap_or("")
                ));
                assert_eq!(code, Some(1), "{name}: {stderr}");
                assert!(
                    stderr.contains("tutor: ") && stderr.contains("database"),
                    "{name}: {stderr}"
                );
                assert!(!stderr.contains("panicked"), "{name}: {stderr}");
            }
            Ok(mut app) => {
                // Opened: only with every record there (the seal of the last clean
                // shutdown matched), never with some silently lost.
                let s = stats(&app, 801).await;
                let (answered, right) = parse_stats(&s);
                assert!(answered == 6 && right <= answered, "{name}: {s}");
                app.sigterm();
                app.wait_exit(T).await;
                assert!(!app.output().contains("panicked"), "{name}");
                report.push(format!("{name}: opened; {answered} of 6 answers kept"));
            }
        }
    }
    eprintln!("damaged databases:\n  {}", report.join("\n  "));
    // Total loss is always refused.
    for name in ["db_emptied", "db_garbage", "db_zeroed", "db_removed"] {
        assert!(
            report
                .iter()
                .any(|r| r.starts_with(&format!("{name}: refused"))),
            "{name} was opened: {report:?}"
        );
    }
}

#[tokio::test]
async fn backup_and_restore_refuse_what_is_not_a_database_and_leave_the_source_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    // A mistyped --db: refused, and nothing is created there.
    let out = run_tutor(&["backup", "--db", &p("mistyped"), &p("out")], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mistyped") && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert!(!tmp.path().join("mistyped").exists() && !tmp.path().join("out").exists());
    // A real database: backed up, then restored twice from the same, unchanged files.
    let db = tmp.path().join("db");
    make_db(&db, 2).await;
    let out = run_tutor(&["backup", "--db", &p("db"), &p("snap")], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The source keeps its seal, and the backup has its own.
    assert!(db.join("tutor-seal").exists() && tmp.path().join("snap/tutor-seal").exists());
    let before = dir_bytes(&tmp.path().join("snap"));
    for target in ["r1", "r2"] {
        let out = run_tutor(&["restore", &p("snap"), "--db", &p(target)], "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        dir_bytes(&tmp.path().join("snap")),
        before,
        "restore wrote to its source"
    );
    let mut app = start_on(&tmp.path().join("r2"))
        .await
        .expect("the restored db starts");
    assert_eq!(parse_stats(&stats(&app, 801).await), (2, 1));
    app.sigterm();
    assert!(app.wait_exit(T).await.success());
}

// ----- security -----------------------------------------------------------------------------

#[tokio::test]
async fn the_database_directory_is_private() {
    let mut app = spawn().await;
    let mode = std::fs::metadata(&app.db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{mode:o}");
    app.sigterm();
    app.wait_exit(T).await;
    // A directory made readable by others is made private again at start.
    std::fs::set_permissions(&app.db, std::fs::Permissions::from_mode(0o755)).unwrap();
    app.restart().await;
    let mode = std::fs::metadata(&app.db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "{mode:o}");
    assert!(app.output().contains("making it private"));
}

/// The bytes of the document sent to `chat` after `mark`.
async fn document_after(app: &TestApp, chat: i64, mark: u64) -> Vec<u8> {
    let r = app
        .fake
        .wait_for(
            |r| r.seq >= mark && r.method == "senddocument" && r.chat_id() == Some(chat) && r.ok(),
            T,
        )
        .await;
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].bytes.len(), r.files[0].len);
    r.files[0].bytes.clone()
}

/// Every number anywhere in a JSON value.
fn numbers(v: &Value, out: &mut HashSet<i64>) {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.insert(i);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| numbers(v, out)),
        Value::Object(o) => o.values().for_each(|v| numbers(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn export_returns_only_the_askers_data() {
    let app = spawn().await;
    let (alice, bob, group) = (777_001, 888_002, -6002);
    for u in [alice, bob] {
        app.fake.push_text(u, u, "/start");
        app.fake.wait_for_text(u, "你好", T).await;
        let card = card_after(&app, u, u, "/quiz").await;
        let mark = app.fake.mark();
        app.fake.push_text(u, u, typed(&card, u == alice));
        verdict_after(&app, u, mark).await;
    }
    // Both answer the same group card: the card and the scores mention both.
    let card = card_after(&app, group, alice, "/quiz").await;
    for u in [alice, bob] {
        let mark = app.fake.mark();
        for tap in answer_taps(&card, true) {
            app.fake
                .push_callback(group, u, card.message_id.unwrap(), &tap);
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
    }
    app.fake.push_text(group, alice, "/reveal");
    app.fake.wait_for_text(group, "U888002", T).await;
    for (me, other) in [(alice, bob), (bob, alice)] {
        let other_name = format!("U{other}");
        let mark = app.fake.mark();
        app.fake.push_text(me, me, "/export");
        let bytes = document_after(&app, me, mark).await;
        let text = String::from_utf8(bytes).expect("UTF-8 JSON");
        let doc: Value = serde_json::from_str(&text).expect("JSON");
        let mut ids = HashSet::new();
        numbers(&doc, &mut ids);
        assert!(ids.contains(&me), "{text}");
        assert!(
            !ids.contains(&other),
            "{me}'s export mentions {other}: {text}"
        );
        assert!(
            !text.contains(&other.to_string()) && !text.contains(&other_name),
            "{me}'s export mentions {other_name}: {text}"
        );
    }
}

/// A minimal HTTP server that answers every request with `answer(request line)`.
fn echo_server(answer: fn(&str) -> (u16, &'static str, String)) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let line = head.lines().next().unwrap_or("").to_owned();
                let (code, ctype, body) = answer(&line);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {code} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn the_token_never_reaches_the_output_even_at_trace_level() {
    // A whole session at trace level, with errors on the way.
    let mut app = TestApp::builder()
        .arg("--content")
        .arg(bank_dir())
        .env("RUST_LOG", "trace")
        .spawn()
        .await;
    let u = 901;
    app.fake.push_text(u, u, "/start");
    app.fake.wait_for_text(u, "你好", T).await;
    let card = card_after(&app, u, u, "/quiz").await;
    app.fake
        .fail_next("sendMessage", Some(u), Fault::RetryAfter(1), 1);
    let mark = app.fake.mark();
    app.fake.push_text(u, u, typed(&card, true));
    verdict_after(&app, u, mark).await;
    stats(&app, u).await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/export");
    document_after(&app, u, mark).await;
    app.fake.block_chat(u);
    app.fake.push_text(u, u, "/quiz");
    app.fake.wait_updates_confirmed(T).await;
    app.sigterm();
    app.wait_exit(T).await;
    assert!(app.output().contains("TRACE") || app.output().contains("trace"));
    app.assert_no_token_leak();

    // 401 from the API: a clear error, exit code 1, no token.
    let fake = FakeApi::start_with_token("42:ANOTHER-token-abcdefghijklmnopqrstuvwxyz");
    let mut app = TestApp::builder()
        .fake(fake)
        .env("TELOXIDE_TOKEN", TEST_TOKEN)
        .env("RUST_LOG", "trace")
        .no_wait()
        .spawn()
        .await;
    let status = app.wait_exit(T).await;
    assert_eq!(status.code(), Some(1), "{}", app.output());
    assert!(
        app.stderr().contains("refused the token"),
        "{}",
        app.output()
    );
    app.assert_no_token_leak();

    // Servers that echo the request path (with the token) back in their errors.
    for answer in [
        (|line: &str| {
            (
                404,
                "text/html",
                format!("<html><body>Cannot {line}</body></html>"),
            )
        }) as fn(&str) -> (u16, &'static str, String),
        |line: &str| {
            (
                401,
                "application/json",
                json!({ "ok": false, "error_code": 401, "description": format!("Unauthorized: {line}") })
                    .to_string(),
            )
        },
        |line: &str| {
            (
                200,
                "application/json",
                json!({ "ok": true, "result": { "echo": line } }).to_string(),
            )
        },
    ] {
        let url = echo_server(answer);
        let mut app = TestApp::builder()
            .env("TELOXIDE_API_URL", url)
            .env("RUST_LOG", "trace")
            .no_wait()
            .spawn()
            .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        if app.is_running() {
            app.sigterm();
        }
        app.wait_exit(T).await;
        app.assert_no_token_leak();
    }

    // Nothing listening at the API URL.
    let mut app = TestApp::builder()
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9/")
        .env("RUST_LOG", "trace")
        .no_wait()
        .spawn()
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.sigterm();
    let status = app.wait_exit(T).await;
    assert!(status.success(), "{}", app.output());
    assert!(app.stderr().contains("getMe failed"), "{}", app.output());
    app.assert_no_token_leak();
}

/// Sixteen study groups, each with a burst of 20 taps whose answers are slow: the bot
/// takes no more updates than its intake bound while none is finished (a chat counts
/// for at most `PER_CHAT` of its own), the rest wait at Telegram, and every tap is
/// answered.
#[tokio::test]
async fn a_burst_past_the_intake_bound_waits_at_telegram_and_is_all_served() {
    use tg_transport::intake::{INTAKE, PER_CHAT};
    const GROUPS: i64 = 16;
    const TAPS: i64 = 20;
    assert_eq!(
        GROUPS as usize * PER_CHAT,
        INTAKE,
        "the groups fill the intake"
    );
    let app = spawn().await;
    // The first answers come 1.5 s late: none of those handlers finishes before then.
    let late = Fault::Delay(Duration::from_millis(1500));
    app.fake
        .fail_next("answerCallbackQuery", None, late, INTAKE);
    let t0 = Instant::now();
    let mut first = u32::MAX;
    for tap in 0..TAPS {
        for g in 0..GROUPS {
            let user = 700_000 + g * TAPS + tap;
            first = first.min(app.fake.push_callback(-800_000 - g, user, 1, "1:x"));
        }
    }
    let window = Duration::from_millis(1200);
    tokio::time::sleep(window).await;
    // What the bot had taken by then: the highest offset it asked for.
    let asked = app
        .fake
        .requests_of("getupdates")
        .into_iter()
        .filter(|r| r.at >= t0 && r.at <= t0 + window)
        .filter_map(|r| r.i64("offset"))
        .max()
        .unwrap_or(0);
    let taken = asked - i64::from(first);
    assert!(
        (64..=INTAKE as i64).contains(&taken),
        "{taken} updates taken while none was finished (bound {INTAKE})"
    );
    // The rest waited at Telegram, and every tap is answered.
    let all = (GROUPS * TAPS) as usize;
    eventually(Duration::from_secs(40), || {
        (app.fake.callback_answers().len() >= all).then_some(())
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "{} of {all} taps answered",
            app.fake.callback_answers().len()
        )
    });
    assert!(!app.output().contains("panicked"), "{}", app.output());
}
