//! The steps the scenario files share: spawning the bot on the e2e bank, waiting for
//! its cards, verdicts, toasts and stats, and answering the e2e bank's questions.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::app::{TUTOR_BIN, TestApp, TestAppBuilder};
use super::fake_api::Sent;

pub const T: Duration = Duration::from_secs(15);

/// The e2e bank: chapter 1 of the test bank (`tests/fixtures/bank/ch01.toml`) alone in
/// a directory: e1-q01 single (A right), e1-q02 multi (AC right), e1-q03 judge (对),
/// never shuffled.
pub fn bank_dir() -> String {
    static DIR: OnceLock<String> = OnceLock::new();
    DIR.get_or_init(|| {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank/ch01.toml");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-bank");
        std::fs::create_dir_all(&dir).expect("create the e2e bank directory");
        // Copied aside, then renamed: another test process may be reading it.
        let aside = dir.join(format!("ch01.toml.{}", std::process::id()));
        std::fs::copy(&from, &aside).expect("copy the e2e bank");
        std::fs::rename(&aside, dir.join("ch01.toml")).expect("place the e2e bank");
        dir.display().to_string()
    })
    .clone()
}

/// `tutor run --db <db> --content <e2e bank>`, for a database outside the harness's
/// temp dir.
pub fn builder_on(db: &Path) -> TestAppBuilder {
    TestApp::builder().program(
        TUTOR_BIN,
        vec![
            "run".into(),
            "--db".into(),
            db.to_string_lossy().into_owned(),
            "--content".into(),
            bank_dir(),
        ],
    )
}

pub async fn spawn() -> TestApp {
    TestApp::builder()
        .arg("--content")
        .arg(bank_dir())
        .spawn()
        .await
}

/// Sends `/quiz` (or another command) and waits for the next card to `chat`.
pub async fn card_after(app: &TestApp, chat: i64, user: i64, text: &str) -> Sent {
    let mark = app.fake.mark();
    app.fake.push_text(chat, user, text);
    app.fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.chat_id == Some(chat)
                    && s.method == "sendmessage"
                    && s.buttons()
                        .iter()
                        .any(|(_, d)| d.starts_with("1:a:") || d.starts_with("1:t:"))
            },
            T,
        )
        .await
}

pub fn data(card: &Sent, label: &str) -> String {
    card.buttons()
        .into_iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {:?}", card.buttons()))
        .1
}

/// The verdict part of a private message: all of a message that starts with ✅/❌ (a
/// typed answer's, or a tap's when the card could not become it), or the part from
/// the ✅/❌ line on of a tapped card edited into its verdict.
pub fn verdict_text(s: &Sent) -> Option<&str> {
    let text = s.text.as_deref()?;
    match s.method.as_str() {
        "sendmessage" => (text.starts_with('✅') || text.starts_with('❌')).then_some(text),
        "editmessagetext" => ["\n✅ ", "\n❌ "]
            .iter()
            .filter_map(|m| text.find(m))
            .min()
            .map(|at| &text[at + 1..]),
        _ => None,
    }
}

pub fn is_verdict(s: &Sent) -> bool {
    verdict_text(s).is_some()
}

/// Waits for a verdict message (✅/❌) sent to `chat` after `mark`.
pub async fn verdict_after(app: &TestApp, chat: i64, mark: u64) -> String {
    let s = app
        .fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(chat) && is_verdict(s),
            T,
        )
        .await;
    verdict_text(&s).unwrap_or_default().to_string()
}

/// The verdict message (✅/❌, with its buttons) shown to `chat` after `mark`.
pub async fn verdict_message_after(app: &TestApp, chat: i64, mark: u64) -> Sent {
    app.fake
        .wait_for_sent(
            |s| s.seq >= mark && s.chat_id == Some(chat) && is_verdict(s),
            T,
        )
        .await
}

/// The toast answering the callback pushed after `mark`.
pub async fn toast_after(app: &TestApp, mark: u64) -> String {
    app.fake
        .wait_for_sent(
            |s| s.seq >= mark && s.method == "answercallbackquery" && s.text.is_some(),
            T,
        )
        .await
        .text
        .unwrap()
}

pub async fn stats(app: &TestApp, chat: i64) -> String {
    let mark = app.fake.mark();
    app.fake.push_text(chat, chat, "/stats");
    app.fake
        .wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.chat_id == Some(chat)
                    && s.text.as_deref().is_some_and(|t| t.contains("已答"))
            },
            T,
        )
        .await
        .text
        .unwrap()
}

/// Polls `f` every 25 ms until it gives a value or `timeout` passes.
pub async fn eventually<R>(timeout: Duration, mut f: impl FnMut() -> Option<R>) -> Option<R> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A question card: a sent message with answer or toggle buttons.
pub fn is_card(s: &Sent) -> bool {
    s.method == "sendmessage"
        && s.buttons()
            .iter()
            .any(|(_, d)| d.starts_with("1:a:") || d.starts_with("1:t:"))
}

/// Parses `已答：N 题` and `答对：M 题` out of a /stats text.
pub fn parse_stats(text: &str) -> (u32, u32) {
    let num = |label: &str| -> u32 {
        let at = text
            .find(label)
            .unwrap_or_else(|| panic!("no {label} in {text}"));
        text[at + label.len()..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or_else(|_| panic!("no number after {label} in {text}"))
    };
    (num("已答："), num("答对："))
}

/// SIGTERMs the bot, checks it exits 0, and opens its database.
pub async fn stop_and_open(app: &mut TestApp) -> tutor::store::Store {
    app.sigterm();
    let status = app.wait_exit(Duration::from_secs(30)).await;
    assert!(status.success(), "{status}\n{}", app.output());
    tutor::store::Store::open(&app.db, Default::default()).expect("open the database")
}

/// The callback data that answers `card` rightly (`right`) or wrongly, in order: one
/// tap for single/judge, toggles then submit for multi. The e2e bank's answers:
/// e1-q01 A, e1-q02 AC, e1-q03 对 (its options are never shuffled).
pub fn answer_taps(card: &Sent, right: bool) -> Vec<String> {
    let buttons = card.buttons();
    let q = buttons
        .iter()
        .find_map(|(_, d)| {
            d.strip_prefix("1:a:")
                .or_else(|| d.strip_prefix("1:t:"))
                .and_then(|r| r.split(':').next())
        })
        .unwrap_or_else(|| panic!("not a card: {buttons:?}"))
        .to_string();
    let labels: &[&str] = match (q.as_str(), right) {
        ("e1-q01", true) => &["A"],
        ("e1-q01", false) => &["B"],
        ("e1-q02", true) => &["A", "C", "提交"],
        ("e1-q02", false) => &["B", "提交"],
        ("e1-q03", true) => &["对"],
        ("e1-q03", false) => &["错"],
        _ => panic!("unknown question {q}"),
    };
    labels.iter().map(|l| data(card, l)).collect()
}

/// The one tap that answers a single or judge card rightly.
pub fn right_button(card: &Sent) -> String {
    let taps = answer_taps(card, true);
    assert_eq!(taps.len(), 1, "a multiple-choice card: {:?}", card.text);
    taps[0].clone()
}

/// A typed answer for `card` (right or wrong).
pub fn typed(card: &Sent, right: bool) -> &'static str {
    let q = card
        .buttons()
        .iter()
        .find_map(|(_, d)| d.split(':').nth(2).map(str::to_owned))
        .unwrap_or_default();
    match (q.as_str(), right) {
        ("e1-q01", true) => "A",
        ("e1-q01", false) => "c",
        ("e1-q02", true) => "A C",
        ("e1-q02", false) => "ＢＤ",
        ("e1-q03", true) => "√",
        _ => "错",
    }
}
