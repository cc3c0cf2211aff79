//! The weekly report: `/report on`, then the report (a message and the chart) at
//! Monday 09:00 in the learner's zone, exactly once across restarts; a learner who
//! blocked the bot is deactivated; `/report now` sends one at once.

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};

use crate::support::{
    Sent, T, TestApp, bank_dir, card_after, once_across_restart, refused, reply, restart_with_clock,
};

fn is_report(s: &Sent) -> bool {
    s.method == "sendmessage"
        && s.text
            .as_deref()
            .is_some_and(|t| t.contains("📊 学习周报 · "))
}

/// `3月2日–3月8日`, as a report's title names its days.
fn days(first: NaiveDate, last: NaiveDate) -> String {
    format!(
        "{}月{}日–{}月{}日",
        first.month(),
        first.day(),
        last.month(),
        last.day()
    )
}

/// The bot's clock `seconds` before `at`, as a `TUTOR_CLOCK_OFFSET`.
fn offset_to(at: DateTime<Utc>, seconds: i64) -> String {
    ((at - Utc::now()).num_seconds() - seconds).to_string()
}

#[tokio::test]
async fn the_weekly_report_comes_on_monday_at_nine_once_across_restarts() {
    let tz = chrono_tz::Asia::Shanghai;
    // A Monday at least a day ahead.
    let mut monday = (Utc::now() + chrono::Duration::days(1))
        .with_timezone(&tz)
        .date_naive();
    while monday.weekday() != Weekday::Mon {
        monday = monday.succ_opt().unwrap();
    }
    let nine = tz
        .from_local_datetime(&monday.and_hms_opt(9, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    // Monday 08:00 on the bot's clock.
    let mut app = TestApp::builder()
        .arg("--content")
        .arg(bank_dir())
        .env("TUTOR_CLOCK_OFFSET", offset_to(nine, 3600))
        .spawn()
        .await;
    let (a, b) = (201, 202);
    for u in [a, b] {
        let on = reply(&app, u, "/report on", "已开启每周学习报告").await;
        let text = on.text.unwrap();
        assert!(
            text.contains("每周一 09:00（北京时间）") && text.contains("下一份："),
            "{text}"
        );
    }
    // An answer today (Monday), then /report now: the last 7 days, today included.
    card_after(&app, a, a, "/quiz").await;
    app.fake.push_text(a, a, "A");
    app.fake.wait_for_text(a, "✅", T).await;
    let mark = app.fake.mark();
    app.fake.push_text(a, a, "/report now");
    let now = app
        .fake
        .wait_for_sent(|s| s.seq >= mark && is_report(s), T)
        .await;
    let week = monday - chrono::Days::new(6);
    let text = now.text.unwrap();
    assert!(text.contains(&days(week, monday)), "{text}");
    assert!(
        text.contains("作答：1 题\n正确率：100%\n连续学习：1 天"),
        "{text}"
    );
    app.fake
        .wait_for_sent(
            |s| s.seq > now.seq && s.chat_id == Some(a) && s.method == "sendphoto",
            T,
        )
        .await;
    let status = reply(&app, a, "/report", "已开启").await;
    assert!(status.text.unwrap().contains("下一份：今天 09:00"));
    app.fake.push_text(a, a, "/report maybe");
    app.fake
        .wait_for_text(a, "/report on 开启每周学习报告", T)
        .await;
    app.fake.block_chat(b);
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());

    // Five seconds before 09:00 on the bot's clock: the report comes at 09:00.
    let due = Instant::now() + Duration::from_secs(5);
    let mark = restart_with_clock(&mut app, Some(&offset_to(nine, 5))).await;
    let report = app
        .fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(a) && is_report(s),
            Duration::from_secs(60),
        )
        .await;
    assert!(
        report.at + Duration::from_millis(50) >= due,
        "sent {:?} before 09:00",
        due - report.at
    );
    // Last week, Monday to Sunday: today's answer is not in it.
    let last_week = days(monday - chrono::Days::new(7), monday - chrono::Days::new(1));
    let text = report.text.unwrap();
    assert!(text.contains(&last_week), "{text}");
    assert!(text.contains("作答：0 题\n正确率：暂无"), "{text}");
    assert!(text.contains("连续学习：1 天"), "{text}");
    app.fake
        .wait_for_sent(
            |s| s.seq > report.seq && s.chat_id == Some(a) && s.method == "sendphoto",
            T,
        )
        .await;
    // b blocked the bot: refused with 403.
    refused(&app, b).await;

    // A restart after the send sends nothing more this week.
    let of_last_week =
        |s: &Sent| is_report(s) && s.text.as_deref().is_some_and(|t| t.contains(&last_week));
    once_across_restart(&mut app, a, "weekly report", of_last_week).await;
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());

    let store = tutor::store::Store::open(&app.db, Default::default()).unwrap();
    let setting = store.report_setting(a).unwrap();
    assert!(setting.on);
    assert_eq!(setting.last_sent, Some(monday));
    let report_job = tutor::store::JobKind::Report;
    assert!(store.scheduled(a, report_job).unwrap().is_some());
    assert!(!store.chat(b).unwrap().unwrap().active, "b is deactivated");
    assert_eq!(store.scheduled(b, report_job).unwrap(), None);
}
