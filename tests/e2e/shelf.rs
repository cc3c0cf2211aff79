//! Issue 19 in a private chat: the wrong-answer book, favourites and search, with
//! forged buttons and a restart.

use crate::support::{
    T, card_after, data, spawn, toast_after, verdict_message_after, verdict_text,
};

#[tokio::test]
async fn the_book_fills_with_a_wrong_answer_and_empties_after_two_right_ones() {
    let app = spawn().await;
    let u = 31;
    let card = card_after(&app, u, u, "/quiz").await; // e1-q01
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &data(&card, "B"));
    let v = verdict_message_after(&app, u, mark).await;
    assert!(verdict_text(&v).unwrap().starts_with("❌"));
    assert_eq!(data(&v, "☆ 收藏"), "1:v:e1-q01");

    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/mistakes");
    let book = app.fake.wait_for_text_after(u, mark, "错题本", T).await;
    let text = book.text.clone().unwrap();
    assert!(text.contains("连续答对两次即移出错题本"), "{text}");
    assert!(text.contains("服务的本质是（　）的。"), "{text}");
    assert_eq!(data(&book, "练习第一章"), "1:n:m:1");
    assert_eq!(data(&book, "练习全部 ▶"), "1:n:m");

    // Practise it: the one question, right twice; 下一题 stays in the book.
    let mut from = (book.message_id.unwrap(), "1:n:m".to_string());
    for round in 0..2 {
        let mark = app.fake.mark();
        app.fake.push_callback(u, u, from.0, &from.1);
        let card = app
            .fake
            .wait_for_sent(
                |s| s.seq >= mark && s.chat_id == Some(u) && crate::support::is_card(s),
                T,
            )
            .await;
        assert!(
            card.text.as_deref().unwrap().contains("服务的本质"),
            "{round}"
        );
        let mark = app.fake.mark();
        app.fake
            .push_callback(u, u, card.message_id.unwrap(), &data(&card, "A"));
        let v = verdict_message_after(&app, u, mark).await;
        assert!(verdict_text(&v).unwrap().starts_with("✅"));
        from = (v.message_id.unwrap(), data(&v, "下一题 ▶"));
        assert_eq!(from.1, "1:n:m", "round {round}");
    }
    let mark = app.fake.mark();
    app.fake.push_callback(u, u, from.0, &from.1);
    app.fake
        .wait_for_text_after(u, mark, "没有要练的题", T)
        .await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/mistakes");
    app.fake
        .wait_for_text_after(u, mark, "错题本是空的", T)
        .await;
    app.assert_no_token_leak();
}

#[tokio::test]
async fn a_star_is_stored_before_its_toast_survives_a_restart_and_a_forged_one_changes_nothing() {
    let mut app = spawn().await;
    let u = 32;
    let card = card_after(&app, u, u, "/quiz").await;
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &data(&card, "A"));
    let v = verdict_message_after(&app, u, mark).await;
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, v.message_id.unwrap(), &data(&v, "☆ 收藏"));
    assert!(toast_after(&app, mark).await.contains("已收藏"));
    let edit = app
        .fake
        .wait_for_sent(|s| s.seq >= mark && s.method == "editmessagereplymarkup", T)
        .await;
    assert!(
        edit.buttons()
            .iter()
            .any(|(l, d)| l == "★ 已收藏" && d == "1:v:e1-q01"),
        "{:?}",
        edit.buttons()
    );
    // Forged: a question the bank does not have.
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, v.message_id.unwrap(), "1:v:nope-q99");
    assert!(toast_after(&app, mark).await.contains("无效操作"));

    app.restart().await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/starred");
    let list = app.fake.wait_for_text_after(u, mark, "收藏夹", T).await;
    let text = list.text.clone().unwrap();
    assert!(text.contains("服务的本质是（　）的。"), "{text}");
    assert!(!text.contains("nope"), "{text}");
    assert_eq!(data(&list, "练习全部 ▶"), "1:n:s");
}

#[tokio::test]
async fn search_highlights_opens_a_question_and_refuses_what_it_cannot_search() {
    let app = spawn().await;
    let u = 33;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/search 无形，本质");
    let found = app.fake.wait_for_text_after(u, mark, "🔍", T).await;
    let text = found.text.clone().unwrap();
    assert!(text.contains("找到 2 条"), "{text}");
    assert!(text.contains("<b>本质</b>"), "{text}");
    assert_eq!(data(&found, "练习 1"), "1:o:e1-q01");
    assert_eq!(data(&found, "📖 2"), "1:r:e1-s01");

    // Open result 1: its card.
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, found.message_id.unwrap(), "1:o:e1-q01");
    app.fake
        .wait_for_sent(
            |s| s.seq >= mark && crate::support::is_card(s) && s.chat_id == Some(u),
            T,
        )
        .await;
    // Forged: a question the bank lacks, a page of another search.
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, found.message_id.unwrap(), "1:o:nope-q99");
    assert!(toast_after(&app, mark).await.contains("没有这道题"));
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, found.message_id.unwrap(), "1:g:00000000:1");
    assert!(toast_after(&app, mark).await.contains("之前的搜索"));

    // Too long, and nothing to search for: short messages.
    let mark = app.fake.mark();
    app.fake
        .push_text(u, u, &format!("/search {}", "服务".repeat(2000)));
    app.fake.wait_for_text_after(u, mark, "关键词太长", T).await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/search ，。");
    app.fake
        .wait_for_text_after(u, mark, "用法：/search", T)
        .await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/search 火星");
    app.fake.wait_for_text_after(u, mark, "没有找到", T).await;
}

#[tokio::test]
async fn search_pages_turn_in_place_and_still_turn_after_a_restart() {
    let bank = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bank");
    let mut app = crate::support::TestApp::builder()
        .arg("--content")
        .arg(bank)
        .spawn()
        .await;
    let u = 34;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/search 的");
    let first = app.fake.wait_for_text_after(u, mark, "🔍", T).await;
    let text = first.text.clone().unwrap();
    assert!(text.contains("（第 1/"), "{text}");
    let next = data(&first, "▶");
    assert!(next.starts_with("1:g:") && next.ends_with(":1"), "{next}");
    assert!(next.len() <= 64);

    app.restart().await;
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, first.message_id.unwrap(), &next);
    let edit = app
        .fake
        .wait_for_sent(|s| s.seq >= mark && s.method == "editmessagetext", T)
        .await;
    let text = edit.text.clone().unwrap();
    assert!(text.contains("（第 2/"), "{text}");
    assert!(
        edit.buttons().iter().any(|(l, _)| l == "◀"),
        "{:?}",
        edit.buttons()
    );
    // A page the search does not have.
    let forged = format!("{}:999", next.rsplit_once(':').unwrap().0);
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, first.message_id.unwrap(), &forged);
    assert!(toast_after(&app, mark).await.contains("无效操作"));
}

#[tokio::test]
async fn study_mode_shows_answers_grades_nothing_and_is_counted_in_stats() {
    let app = spawn().await;
    let u = 35;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/study");
    let first = app.fake.wait_for_text_after(u, mark, "📖 背题", T).await;
    let text = first.text.clone().unwrap();
    assert!(text.contains("✅ <b>A. 抽象和无形</b>"), "{text}");
    assert!(text.contains("解析"), "{text}");
    assert_eq!(data(&first, "下一题 ▶"), "1:y");
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, first.message_id.unwrap(), "1:y");
    let second = app.fake.wait_for_text_after(u, mark, "📖 背题", T).await;
    assert!(second.text.as_deref().unwrap().contains("多选"));
    let s = crate::support::stats(&app, u).await;
    assert!(s.contains("已答：0 题"), "{s}");
    assert!(s.contains("背题模式已看：2 题"), "{s}");
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/study 9");
    app.fake
        .wait_for_text_after(u, mark, "请输入章节号", T)
        .await;
}

#[tokio::test]
async fn practice_in_order_resumes_after_the_answered_question() {
    let app = spawn().await;
    let u = 35;
    let mark = app.fake.mark();
    let card = card_after(&app, u, u, "/practice order").await;
    app.fake
        .wait_for_text_after(u, mark, "顺序练习 · 全部章节：第 1/3 题", T)
        .await;
    assert!(card.text.as_deref().unwrap().contains("服务的本质"));
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, card.message_id.unwrap(), &data(&card, "A"));
    let v = verdict_message_after(&app, u, mark).await;
    assert!(verdict_text(&v).unwrap().starts_with("✅"));
    assert_eq!(data(&v, "下一题 ▶"), "1:n:o");

    // Later: /practice order goes on with the next question in bank order.
    let mark = app.fake.mark();
    let card = card_after(&app, u, u, "/practice order").await;
    app.fake.wait_for_text_after(u, mark, "第 2/3 题", T).await;
    assert!(card.text.as_deref().unwrap().contains("以下属于服务特性"));
    // The verdict's 下一题 goes on with the walk too: the question not yet answered.
    let mark = app.fake.mark();
    app.fake.push_callback(u, u, v.message_id.unwrap(), "1:n:o");
    let next = app
        .fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(u) && crate::support::is_card(s),
            T,
        )
        .await;
    assert!(next.text.as_deref().unwrap().contains("以下属于服务特性"));

    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/practice sideways");
    app.fake
        .wait_for_text_after(u, mark, "/practice order", T)
        .await;
    let mark = app.fake.mark();
    app.fake.push_text(u, u, "/practice random 99");
    app.fake.wait_for_text_after(u, mark, "章节号", T).await;
    app.assert_no_token_leak();
}
