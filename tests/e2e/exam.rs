//! The mock exam against the fake Bot API: a full paper handed in, a late answer
//! refused, a forged sheet tap, a restart mid-exam and a paper timed out.
//!
//! The e2e bank's paper (the default blueprint gives all three questions, 单选 then
//! 多选 then 判断, never shuffled): 1 e1-q01 (A), 2 e1-q02 (AC), 3 e1-q03 (对);
//! 7 points (2 + 3 + 2), pass 5, 4 minutes.

use crate::support::fake_api::Sent;
use crate::support::flow::{self, T};
use crate::support::{reply, restart_with_clock};

/// Sends `/exam` and waits for the sheet; returns it and its paper's nonce.
async fn start(app: &crate::support::app::TestApp, user: i64) -> (Sent, String) {
    let sheet = reply(app, user, "/exam", "模拟考试").await;
    let nonce = nonce(&sheet);
    (sheet, nonce)
}

/// The bot's message, sent at or after `mark`, whose text contains `needle`.
async fn message_after(app: &crate::support::app::TestApp, mark: u64, needle: &str) -> Sent {
    app.fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.method == "sendmessage"
                    && s.text.as_deref().is_some_and(|t| t.contains(needle))
            },
            T,
        )
        .await
}

fn nonce(sheet: &Sent) -> String {
    let (_, data) = sheet
        .buttons()
        .into_iter()
        .find(|(_, d)| d.starts_with("1:x:"))
        .expect("a sheet button");
    data.split(':').nth(2).unwrap().to_string()
}

/// Taps `op` on the sheet and waits for the tap's answer (and any edit before it).
async fn tap(app: &crate::support::app::TestApp, user: i64, sheet: &Sent, data: &str) -> u64 {
    let mark = app.fake.mark();
    app.fake
        .push_callback(user, user, sheet.message_id.unwrap(), data);
    app.fake
        .wait_for_sent(|s| s.seq >= mark && s.method == "answercallbackquery", T)
        .await;
    mark
}

async fn sheet_edit_after(app: &crate::support::app::TestApp, user: i64, mark: u64) -> Sent {
    app.fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(user) && s.method == "editmessagetext",
            T,
        )
        .await
}

#[tokio::test]
async fn a_full_exam_is_handed_in_and_a_late_answer_is_refused() {
    let app = flow::spawn().await;
    let u = 7101;
    let (sheet, n) = start(&app, u).await;
    assert!(sheet.text.as_deref().unwrap().contains("第 1/3 题"));
    // Answer every question, changing the first: B, then A.
    for op in ["p:0:1", "p:0:0", "p:1:0", "p:1:2", "p:2:0"] {
        let mark = tap(&app, u, &sheet, &format!("1:x:{n}:{op}")).await;
        let edit = sheet_edit_after(&app, u, mark).await;
        assert_eq!(edit.message_id, sheet.message_id, "edited in place");
    }
    let mark = tap(&app, u, &sheet, &format!("1:x:{n}:s")).await;
    let result = message_after(&app, mark, "得分").await;
    let text = result.text.unwrap();
    assert!(text.contains("得分：7 / 7（及格线 5）· ✅ 通过"), "{text}");
    assert!(text.contains("全部答对"), "{text}");
    // A late answer after 交卷 is refused.
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, sheet.message_id.unwrap(), &format!("1:x:{n}:p:0:1"));
    assert_eq!(
        flow::toast_after(&app, mark).await,
        "已交卷，答案不能再修改。"
    );
    // The answers feed spaced repetition and the statistics; the result is listed.
    let stats = flow::stats(&app, u).await;
    assert!(stats.contains("已答：3 题"), "{stats}");
    assert!(
        stats.contains("最近模拟考试") && stats.contains("7/7"),
        "{stats}"
    );
    let h = reply(&app, u, "/exam history", "模拟考试记录").await;
    assert!(h.text.unwrap().contains("7/7 · ✅ 通过"));
    app.assert_no_token_leak();
}

#[tokio::test]
async fn a_forged_sheet_tap_for_another_learners_exam_changes_nothing() {
    let app = flow::spawn().await;
    let (ann, bob) = (7201, 7202);
    let (sheet, n) = start(&app, ann).await;
    let (_, bob_nonce) = start(&app, bob).await;
    // Bob taps, in his own chat, a sheet button naming Ann's paper.
    if bob_nonce != n {
        let mark = app.fake.mark();
        app.fake
            .push_callback(bob, bob, sheet.message_id.unwrap(), &format!("1:x:{n}:c"));
        assert!(flow::toast_after(&app, mark).await.contains("试卷已失效"));
    }
    // Bob's tap on a message in Ann's chat is refused outright.
    let mark = app.fake.mark();
    app.fake
        .push_callback(ann, bob, sheet.message_id.unwrap(), &format!("1:x:{n}:c"));
    flow::toast_after(&app, mark).await;
    // Ann's paper is still open and unanswered: her /exam resumes it.
    let (again, n2) = start(&app, ann).await;
    assert_eq!(n2, n);
    assert!(again.text.unwrap().contains("已答 0/3"));
}

#[tokio::test]
async fn a_restart_mid_exam_keeps_the_paper_and_the_clock_hands_it_in() {
    let mut app = flow::spawn().await;
    let u = 7301;
    let (sheet, n) = start(&app, u).await;
    let mark = tap(&app, u, &sheet, &format!("1:x:{n}:p:0:0")).await;
    sheet_edit_after(&app, u, mark).await;
    // Restarted: the paper and its answer survive.
    app.restart().await;
    let (again, n2) = start(&app, u).await;
    assert_eq!(n2, n);
    assert!(again.text.as_deref().unwrap().contains("已答 1/3"));
    // Restarted 90 s later: the exam job refreshes the countdown on the sheet.
    let mark = restart_with_clock(&mut app, Some("90")).await;
    let tick = sheet_edit_after(&app, u, mark).await;
    // (The first sheet, or the resumed one: the bot is SIGKILLed at once, maybe
    // before it recorded the new sheet's message.)
    assert!([sheet.message_id, again.message_id].contains(&tick.message_id));
    let text = tick.text.unwrap();
    assert!(
        text.contains("剩余 3 分钟") || text.contains("剩余 2 分钟"),
        "{text}"
    );
    // Restarted ten minutes later (the paper has four): the deadline hands it in.
    let mark = restart_with_clock(&mut app, Some("600")).await;
    let result = message_after(&app, mark, "考试时间到").await;
    let text = result.text.unwrap();
    assert!(
        text.contains("得分：2 / 7（及格线 5）· ❌ 未通过"),
        "{text}"
    );
    assert!(text.contains("用时 4 分 0 秒"), "{text}");
    assert!(text.contains("未作答"), "{text}");
    // An answer now is refused: the paper is in.
    let mark = app.fake.mark();
    app.fake
        .push_callback(u, u, sheet.message_id.unwrap(), &format!("1:x:{n}:p:1:0"));
    assert_eq!(
        flow::toast_after(&app, mark).await,
        "已交卷，答案不能再修改。"
    );
}
