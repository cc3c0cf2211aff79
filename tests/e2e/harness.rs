//! Self-tests of the e2e support code: the fake Bot API driven by teloxide
//! itself as the client, and `TestApp` driving a tiny echo bot (this test
//! binary re-run as a child process) instead of `tutor`.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use serde_json::json;
use teloxide::{
    ApiError, RequestError,
    adaptors::throttle::Limits,
    prelude::*,
    types::{
        CallbackQueryId, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
        MessageEntityKind, UpdateKind, UserId,
    },
};

use crate::support::{FakeApi, Fault, TEST_TOKEN, WAIT, app::run_command, bot_for, tg};

fn keyboard() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback("A", "ans:a"),
        InlineKeyboardButton::callback("B", "ans:b"),
    ]])
}

fn expect_err<T: std::fmt::Debug>(r: Result<T, RequestError>) -> RequestError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn get_me_answers_the_bot_and_records_the_request() {
    let fake = FakeApi::start();
    let me = bot_for(&fake).get_me().await.expect("getMe");
    assert_eq!(me.user.id, UserId(tg::BOT_ID as u64));
    assert_eq!(me.username(), tg::BOT_USERNAME);
    assert!(me.user.is_bot);

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "getme");
    assert_eq!(reqs[0].token, TEST_TOKEN);
    assert_eq!(reqs[0].status, 200);
}

#[tokio::test]
async fn wrong_token_is_unauthorized() {
    let fake = FakeApi::start();
    let bot = teloxide::Bot::with_client(
        "42:wrong",
        teloxide::net::default_reqwest_settings()
            .no_proxy()
            .build()
            .unwrap(),
    )
    .set_api_url(fake.api_url());
    let err = expect_err(bot.get_me().await);
    assert!(
        matches!(err, RequestError::Api(ApiError::InvalidToken)),
        "{err:?}"
    );
    assert_eq!(fake.requests()[0].token, "42:wrong");
}

#[tokio::test]
async fn raw_http_method_names_are_case_insensitive() {
    let fake = FakeApi::start();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for method in ["getme", "GETME", "getMe"] {
        let res = client
            .post(format!("{}bot{TEST_TOKEN}/{method}", fake.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let v: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
        assert_eq!(v["result"]["username"], tg::BOT_USERNAME);
    }
    let res = client
        .post(format!("{}nothing/here", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn send_message_returns_a_message_and_is_recorded() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let msg = bot
        .send_message(ChatId(42), "你好 <b>learner</b>")
        .reply_markup(keyboard())
        .await
        .expect("sendMessage");
    assert_eq!(msg.text(), Some("你好 <b>learner</b>"));
    assert!(msg.chat.is_private());
    assert_eq!(msg.from.as_ref().unwrap().id, UserId(tg::BOT_ID as u64));
    assert_eq!(msg.reply_markup(), Some(&keyboard()));
    let second = bot.send_message(ChatId(42), "again").await.unwrap();
    assert!(second.id.0 > msg.id.0, "message ids increase");

    let sent = fake.sent_to(42);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].method, "sendmessage");
    assert_eq!(sent[0].message_id, Some(i64::from(msg.id.0)));
    assert_eq!(sent[0].text.as_deref(), Some("你好 <b>learner</b>"));
    assert_eq!(
        sent[0].buttons(),
        vec![("A".into(), "ans:a".into()), ("B".into(), "ans:b".into())]
    );
    assert!(fake.sent_to(43).is_empty());
    fake.wait_for_text(42, "again", WAIT).await;
}

#[tokio::test]
async fn group_and_supergroup_chats_have_their_types() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let group = bot.send_message(ChatId(-4242), "g").await.unwrap();
    assert!(group.chat.is_group());
    let supergroup = bot
        .send_message(ChatId(-1_001_234_567_890), "s")
        .await
        .unwrap();
    assert!(supergroup.chat.is_supergroup());
}

#[tokio::test]
async fn reply_keyboards_are_not_echoed_into_the_message() {
    // Message.reply_markup is an InlineKeyboardMarkup: echoing a reply
    // keyboard would make the whole answer unparsable.
    let fake = FakeApi::start();
    let kb = teloxide::types::KeyboardMarkup::new([[teloxide::types::KeyboardButton::new("x")]]);
    let msg = bot_for(&fake)
        .send_message(ChatId(1), "k")
        .reply_markup(kb)
        .await
        .expect("a reply keyboard must not break parsing");
    assert!(msg.reply_markup().is_none());
}

#[tokio::test]
async fn send_photo_multipart_is_recorded_with_file_length() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let msg = bot
        .send_photo(
            ChatId(42),
            InputFile::memory(vec![7u8; 1234]).file_name("chart.png"),
        )
        .caption("42")
        .reply_markup(keyboard())
        .await
        .expect("sendPhoto");
    assert!(msg.photo().is_some());
    assert_eq!(msg.caption(), Some("42"));

    let r = fake.requests_of("sendPhoto").pop().unwrap();
    assert_eq!(r.body["chat_id"], json!(42));
    assert_eq!(r.body["caption"], json!("42"), "captions stay strings");
    assert_eq!(r.body["photo"]["len"], json!(1234));
    assert_eq!(r.body["photo"]["file_name"], json!("chart.png"));
    assert_eq!(
        r.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        json!("ans:a")
    );
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].len, 1234);
    let sent = fake.wait_for_text(42, "42", WAIT).await;
    assert_eq!(sent.method, "sendphoto");

    let doc = bot
        .send_document(
            ChatId(42),
            InputFile::memory(b"a,b\n1,2\n".to_vec()).file_name("x.csv"),
        )
        .await
        .expect("sendDocument");
    assert_eq!(doc.document().unwrap().file_name.as_deref(), Some("x.csv"));
    assert_eq!(
        fake.requests_of("senddocument")[0].body["document"]["len"],
        json!(8)
    );
}

#[tokio::test]
async fn edits_update_the_stored_card_and_callback_answers_are_recorded() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let card = bot
        .send_message(ChatId(42), "Q1")
        .reply_markup(keyboard())
        .await
        .unwrap();

    // Telegram drops the keyboard when editMessageText does not repeat it.
    let edited = bot
        .edit_message_text(ChatId(42), card.id, "Q1 ✔")
        .await
        .unwrap();
    assert_eq!(edited.id, card.id);
    assert_eq!(edited.text(), Some("Q1 ✔"));
    assert!(edited.reply_markup().is_none());
    let again = bot
        .edit_message_reply_markup(ChatId(42), card.id)
        .reply_markup(keyboard())
        .await
        .unwrap();
    assert_eq!(again.text(), Some("Q1 ✔"));
    assert_eq!(again.reply_markup(), Some(&keyboard()));
    let stored = fake.message(42, i64::from(card.id.0)).unwrap();
    assert_eq!(stored["text"], json!("Q1 ✔"));

    fake.set_not_modified_errors(true);
    let err = expect_err(
        bot.edit_message_reply_markup(ChatId(42), card.id)
            .reply_markup(keyboard())
            .await,
    );
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );

    let (_, query_id) = fake.push_callback_id(42, 42, i64::from(card.id.0), "ans:a");
    bot.answer_callback_query(CallbackQueryId(query_id.clone()))
        .text("right!")
        .show_alert(true)
        .await
        .unwrap();
    let answers = fake.callback_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].callback_query_id.as_deref(),
        Some(query_id.as_str())
    );
    assert_eq!(answers[0].chat_id, Some(42));
    assert_eq!(answers[0].text.as_deref(), Some("right!"));
    assert!(answers[0].show_alert);

    let methods: Vec<String> = fake.sent_to(42).into_iter().map(|s| s.method).collect();
    assert_eq!(
        methods,
        [
            "sendmessage",
            "editmessagetext",
            "editmessagereplymarkup",
            "answercallbackquery"
        ]
    );
}

#[tokio::test]
async fn chat_members_and_chats_parse() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let g = -1_001_000_000_001;
    fake.set_member_status(g, 1, "creator");
    fake.set_member_status(g, 2, "administrator");
    fake.set_member_status(g, 4, "restricted");
    fake.set_member_status(g, 5, "kicked");
    fake.set_member_status(g, 6, "left");
    let m = |u| bot.get_chat_member(ChatId(g), UserId(u));
    assert!(m(1).await.unwrap().is_owner());
    assert!(m(2).await.unwrap().is_administrator());
    let member = m(3).await.unwrap();
    assert!(member.is_member());
    assert_eq!(member.user.id, UserId(3));
    assert!(m(4).await.unwrap().is_restricted());
    assert!(m(5).await.unwrap().is_banned());
    assert!(m(6).await.unwrap().is_left());
    let me = m(tg::BOT_ID as u64).await.unwrap();
    assert!(me.user.is_bot);

    let admins = bot.get_chat_administrators(ChatId(g)).await.unwrap();
    assert_eq!(admins.len(), 2);

    for id in [42, -4242, g] {
        let chat = bot.get_chat(ChatId(id)).await.expect("getChat parses");
        assert_eq!(chat.id, ChatId(id));
    }
    assert!(bot.get_chat(ChatId(42)).await.unwrap().is_private());
    assert!(bot.get_chat(ChatId(g)).await.unwrap().is_supergroup());
}

#[tokio::test]
async fn faults_surface_as_teloxide_errors() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);

    fake.fail_next("sendMessage", Some(42), Fault::RetryAfter(3), 1);
    let err = expect_err(bot.send_message(ChatId(42), "x").await);
    assert!(
        matches!(err, RequestError::RetryAfter(s) if s.seconds() == 3),
        "{err:?}"
    );
    bot.send_message(ChatId(42), "x")
        .await
        .expect("fault consumed");

    fake.fail_next("SendMessage", Some(-4242), Fault::Migrate(-1_009_999), 1);
    let err = expect_err(bot.send_message(ChatId(-4242), "x").await);
    assert!(
        matches!(err, RequestError::MigrateToChatId(c) if c == ChatId(-1_009_999)),
        "{err:?}"
    );

    // A chat filter leaves other chats alone; `times` counts.
    fake.fail_next("sendmessage", Some(1), Fault::ChatNotFound, 2);
    bot.send_message(ChatId(2), "x").await.expect("other chat");
    for _ in 0..2 {
        let err = expect_err(bot.send_message(ChatId(1), "x").await);
        assert!(
            matches!(err, RequestError::Api(ApiError::ChatNotFound)),
            "{err:?}"
        );
    }
    bot.send_message(ChatId(1), "x").await.expect("consumed");

    fake.fail_next("sendmessage", None, Fault::Blocked, 1);
    let err = expect_err(bot.send_message(ChatId(3), "x").await);
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );

    fake.fail_next("sendmessage", None, Fault::Deactivated, 1);
    let err = expect_err(bot.send_message(ChatId(3), "x").await);
    assert!(
        matches!(err, RequestError::Api(ApiError::UserDeactivated)),
        "{err:?}"
    );

    fake.fail_next(
        "*",
        None,
        Fault::Error {
            code: 400,
            description: "Bad Request: something odd".into(),
        },
        1,
    );
    let err = expect_err(bot.get_me().await);
    assert!(
        matches!(&err, RequestError::Api(ApiError::Unknown(d)) if d == "Bad Request: something odd"),
        "{err:?}"
    );
    let r = fake.requests_of("getme").pop().unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.response["error_code"], json!(400));

    fake.fail_next("getMe", None, Fault::Delay(Duration::from_millis(300)), 1);
    let t = Instant::now();
    bot.get_me().await.expect("delayed, then answered");
    assert!(t.elapsed() >= Duration::from_millis(300));

    // Failed sends are not "sent".
    assert_eq!(fake.sent_to(3).len(), 0);
}

#[tokio::test]
async fn blocked_chats_fail_until_unblocked() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let card = bot.send_message(ChatId(7), "card").await.unwrap();
    fake.block_chat(7);
    let err = expect_err(bot.send_message(ChatId(7), "x").await);
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );
    let err = expect_err(bot.edit_message_text(ChatId(7), card.id, "y").await);
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );
    bot.send_message(ChatId(8), "x")
        .await
        .expect("other chats work");
    fake.unblock_chat(7);
    bot.send_message(ChatId(7), "x").await.expect("unblocked");
}

#[tokio::test]
async fn rate_limits_answer_429_and_are_counted() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    fake.set_rate_limit(Some(1.0), None);
    bot.send_message(ChatId(1), "1").await.unwrap();
    for _ in 0..2 {
        let err = expect_err(bot.send_message(ChatId(1), "2").await);
        assert!(
            matches!(err, RequestError::RetryAfter(s) if s.seconds() >= 1),
            "{err:?}"
        );
    }
    bot.send_message(ChatId(2), "other chat").await.unwrap();
    // Edits and callback answers are not counted.
    let last = fake.sent_to(2)[0].message_id.unwrap();
    bot.edit_message_text(ChatId(2), teloxide::types::MessageId(last as i32), "e")
        .await
        .unwrap();
    assert_eq!(fake.rate_limited_count(), 2);

    fake.set_rate_limit(None, Some(2.0));
    bot.send_message(ChatId(10), "a").await.unwrap();
    bot.send_message(ChatId(11), "b").await.unwrap();
    let err = expect_err(bot.send_message(ChatId(12), "c").await);
    assert!(matches!(err, RequestError::RetryAfter(_)), "{err:?}");
    assert_eq!(fake.rate_limited_count(), 3);
}

#[tokio::test]
async fn throttle_adaptor_retries_after_retry_after() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake).throttle(Limits::default());
    fake.fail_next("sendmessage", Some(9), Fault::RetryAfter(1), 1);
    bot.send_message(ChatId(9), "patient")
        .await
        .expect("retried");
    let tries = fake.requests_of("sendmessage");
    assert_eq!(tries.len(), 2);
    assert!(tries[1].at.duration_since(tries[0].at) >= Duration::from_millis(900));
    assert_eq!(fake.sent_to(9).len(), 1);
}

#[tokio::test]
async fn get_updates_long_polls_when_empty() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let t = Instant::now();
    let updates = bot.get_updates().timeout(1).await.unwrap();
    assert!(updates.is_empty());
    let held = t.elapsed();
    assert!(
        held >= Duration::from_millis(900) && held < Duration::from_secs(3),
        "{held:?}"
    );

    // timeout 0 answers at once.
    let t = Instant::now();
    bot.get_updates().await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn get_updates_returns_as_soon_as_an_update_is_pushed() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let pusher = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        pusher.push_text(5, 5, "wake up");
    });
    let t = Instant::now();
    let updates = bot.get_updates().timeout(8).await.unwrap();
    let waited = t.elapsed();
    assert_eq!(updates.len(), 1);
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn unconfirmed_updates_are_redelivered_and_confirmed_ones_are_not() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let ids: Vec<u32> = (0..3)
        .map(|i| fake.push_text(5, 5, &format!("m{i}")))
        .collect();
    assert!(ids.windows(2).all(|w| w[1] > w[0]), "update ids increase");

    let got = |ups: Vec<Update>| ups.into_iter().map(|u| u.id.0).collect::<Vec<_>>();
    assert_eq!(got(bot.get_updates().await.unwrap()), ids);
    assert_eq!(got(bot.get_updates().await.unwrap()), ids, "redelivered");
    let rest = bot.get_updates().offset(ids[1] as i32 + 1).await.unwrap();
    assert_eq!(got(rest), [ids[2]]);
    assert_eq!(fake.pending_updates(), [ids[2]]);

    let more = fake.push_text(5, 5, "m3");
    let one = bot.get_updates().limit(1).await.unwrap();
    assert_eq!(got(one), [ids[2]]);
    let after = bot.get_updates().offset(more as i32 + 1).await.unwrap();
    assert!(after.is_empty());
    assert!(fake.pending_updates().is_empty());
    fake.wait_updates_confirmed(WAIT).await;
}

#[tokio::test]
async fn a_newer_get_updates_ends_a_held_one_with_409() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let old = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(8).await }
    });
    fake.wait_for(|r| r.method == "getupdates", WAIT).await;
    let t = Instant::now();
    bot.get_updates().await.unwrap();
    let err = expect_err(old.await.unwrap());
    assert!(
        matches!(
            err,
            RequestError::Api(ApiError::TerminatedByOtherGetUpdates)
        ),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn every_update_builder_parses_in_teloxide() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    let card = bot
        .send_message(ChatId(42), "Q: 1+1?")
        .reply_markup(keyboard())
        .await
        .unwrap();
    let card_id = i64::from(card.id.0);
    let group = -4242;
    let supergroup = -1_001_234_567_890;

    fake.push_text(42, 42, "/start hello");
    fake.msg(42, 42)
        .text("hi")
        .lang("en")
        .first_name("Ann")
        .push();
    fake.push_text(group, 43, "/quiz@tutor_test_bot");
    fake.push_reply(42, 42, card_id, "2");
    let (_, query_id) = fake.push_callback_id(42, 42, card_id, "ans:a");
    fake.push_my_chat_member(group, "left", "member");
    fake.push_my_chat_member(42, "member", "kicked");
    fake.push_migrate(group, supergroup);
    fake.push_migrate_from(supergroup, group);
    fake.msg(42, 42).text("edited!").edited(1).push();
    fake.push_raw(json!({
        "channel_post": tg::channel_post(fake.next_message_id(), -1_005_555_555_555, "news"),
    }));
    fake.push_raw(json!({
        "message": fake.user_message_json(42, 42, json!({ "sticker": tg::sticker() })),
    }));
    fake.push_raw(json!({
        "message": fake.user_message_json(42, 42, json!({
            "photo": tg::photo_sizes("p1", 5000), "caption": "my notes",
        })),
    }));

    let updates = bot.get_updates().await.unwrap();
    assert_eq!(updates.len(), 13);
    for u in &updates {
        assert!(
            !matches!(u.kind, UpdateKind::Error(_)),
            "update {} did not parse: {:?}",
            u.id.0,
            u.kind
        );
    }
    let msg = |i: usize| match &updates[i].kind {
        UpdateKind::Message(m) => m.clone(),
        other => panic!("update {i} is not a message: {other:?}"),
    };

    let start = msg(0);
    assert_eq!(start.text(), Some("/start hello"));
    let from = start.from.as_ref().unwrap();
    assert_eq!(from.id, UserId(42));
    assert_eq!(from.language_code.as_deref(), Some("zh-hans"));
    assert!(matches!(
        start.entities().unwrap()[0].kind,
        MessageEntityKind::BotCommand
    ));
    assert!(start.chat.is_private());

    let en = msg(1);
    assert_eq!(
        en.from.as_ref().unwrap().language_code.as_deref(),
        Some("en")
    );
    assert_eq!(en.from.as_ref().unwrap().first_name, "Ann");

    let in_group = msg(2);
    assert!(in_group.chat.is_group());
    assert_eq!(in_group.from.as_ref().unwrap().id, UserId(43));

    let reply = msg(3);
    let replied = reply.reply_to_message().expect("reply_to_message");
    assert_eq!(replied.id, card.id);
    assert_eq!(replied.from.as_ref().unwrap().id, UserId(tg::BOT_ID as u64));
    assert_eq!(replied.text(), Some("Q: 1+1?"));

    match &updates[4].kind {
        UpdateKind::CallbackQuery(q) => {
            assert_eq!(q.id.0, query_id);
            assert_eq!(q.data.as_deref(), Some("ans:a"));
            assert_eq!(q.from.id, UserId(42));
            let m = q
                .message
                .as_ref()
                .unwrap()
                .regular_message()
                .expect("accessible");
            assert_eq!(m.id, card.id);
            assert_eq!(m.reply_markup(), Some(&keyboard()));
        }
        other => panic!("not a callback: {other:?}"),
    }
    match &updates[5].kind {
        UpdateKind::MyChatMember(c) => {
            assert!(c.chat.is_group());
            assert!(c.old_chat_member.is_left());
            assert!(c.new_chat_member.is_member());
            assert_eq!(c.new_chat_member.user.id, UserId(tg::BOT_ID as u64));
        }
        other => panic!("not my_chat_member: {other:?}"),
    }
    match &updates[6].kind {
        UpdateKind::MyChatMember(c) => {
            assert!(c.chat.is_private());
            assert!(c.new_chat_member.is_banned());
        }
        other => panic!("not my_chat_member: {other:?}"),
    }
    assert_eq!(msg(7).migrate_to_chat_id(), Some(&ChatId(supergroup)));
    assert_eq!(msg(7).chat.id, ChatId(group));
    assert_eq!(msg(8).migrate_from_chat_id(), Some(&ChatId(group)));
    assert!(msg(8).chat.is_supergroup());
    match &updates[9].kind {
        UpdateKind::EditedMessage(m) => {
            assert_eq!(m.text(), Some("edited!"));
            assert!(m.edit_date().is_some());
        }
        other => panic!("not an edited message: {other:?}"),
    }
    match &updates[10].kind {
        UpdateKind::ChannelPost(m) => {
            assert!(m.chat.is_channel());
            assert_eq!(m.text(), Some("news"));
        }
        other => panic!("not a channel post: {other:?}"),
    }
    assert!(msg(11).sticker().is_some());
    assert!(msg(12).photo().is_some());
    assert_eq!(msg(12).caption(), Some("my notes"));
}

#[tokio::test]
async fn a_teloxide_dispatcher_starts_and_answers_against_the_fake() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake).throttle(Limits::default());
    let handler = Update::filter_message().endpoint(
        |bot: teloxide::adaptors::Throttle<Bot>, msg: Message| async move {
            bot.send_message(msg.chat.id, format!("echo: {}", msg.text().unwrap_or("")))
                .await?;
            respond(())
        },
    );
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    fake.wait_for(|r| r.method == "getupdates", WAIT).await;
    fake.push_text(77, 77, "ping");
    fake.push_text(-4242, 78, "pong");
    fake.wait_for_text(77, "echo: ping", WAIT).await;
    fake.wait_for_text(-4242, "echo: pong", WAIT).await;
    fake.wait_updates_confirmed(WAIT).await;
    let methods: Vec<String> = fake.requests().into_iter().map(|r| r.method).collect();
    assert!(methods.contains(&"getme".to_owned()), "{methods:?}");
    running.abort();
}

#[tokio::test]
async fn stop_refuses_connections_and_restart_listens_on_the_same_port() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    bot.get_me().await.unwrap();
    let addr = fake.addr();

    let held = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(10).await }
    });
    fake.wait_for(|r| r.method == "getupdates", WAIT).await;
    let t = Instant::now();
    fake.stop().await;
    let err = expect_err(held.await.unwrap());
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(3), "a held poll is cut");

    let refused = tokio::net::TcpStream::connect(addr).await;
    assert_eq!(
        refused.map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::ConnectionRefused
    );
    let err = expect_err(bot.get_me().await);
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");

    fake.restart().await;
    assert_eq!(fake.addr(), addr);
    bot.get_me().await.expect("listening again");
    fake.restart().await; // no-op while running
    bot.get_me().await.unwrap();
}

#[tokio::test]
#[should_panic(expected = "no matching request")]
async fn wait_for_panics_with_a_dump_on_timeout() {
    let fake = FakeApi::start();
    bot_for(&fake).get_me().await.unwrap();
    fake.wait_for(|r| r.method == "sendmessage", Duration::from_millis(200))
        .await;
}

#[tokio::test]
async fn dump_lists_recent_requests() {
    let fake = FakeApi::start();
    let bot = bot_for(&fake);
    bot.send_message(ChatId(3), "hello dump").await.unwrap();
    fake.fail_next("sendmessage", None, Fault::Blocked, 1);
    let _ = bot.send_message(ChatId(3), "nope").await;
    let dump = fake.dump(10);
    assert!(dump.contains("sendmessage -> 200 chat=3"), "{dump}");
    assert!(dump.contains("\"hello dump\""), "{dump}");
    assert!(dump.contains("403") && dump.contains("blocked"), "{dump}");
    fake.clear_log();
    assert!(fake.requests().is_empty());
    assert!(fake.mark() > 0, "seq survives clear_log");
}

// ----- TestApp (the real binary is exercised in bot.rs, daily.rs, …) -------

#[test]
fn run_command_pipes_stdin_and_isolates_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_command(
        Path::new("/bin/sh"),
        &[
            "-c".into(),
            "cat; echo; echo \"home=$HOME token=${TELOXIDE_TOKEN:-none} x=$X\"".into(),
        ],
        "line one\nline two",
        dir.path(),
        &[("X", "y")],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("line one\nline two\n"), "{stdout}");
    let home = dir.path().join("home");
    assert!(
        stdout.contains(&format!("home={} token=none x=y", home.display())),
        "{stdout}"
    );
}
