//! The shipped bank through the real bot: every choice question is answered once,
//! rightly, from the card as Telegram shows it (options shuffled), and its verdict
//! must agree with that card: 正确答案 names the key's options by the letters shown,
//! and the explanation names no option letter of its own.

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use tg_transport::gate::{FLOOD_LIMIT, FLOOD_WINDOW};

use tutor::bank::{Bank, Key, Kind};

use crate::support::{Sent, TestApp, card_after, data, verdict_after};

/// The shown letter of each option text on a card (`A. text` lines).
fn shown_options(card: &Sent) -> Vec<(char, String)> {
    card.text
        .as_deref()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (letter, text) = l.split_once(". ")?;
            let c = letter.chars().next().filter(|_| letter.len() == 1)?;
            Some((c, unescape(text)))
        })
        .collect()
}

/// `html` without its tags (the verdict's `<b>` and `<i>`), entities kept.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The question id on a card's buttons.
fn question_of(card: &Sent) -> String {
    card.buttons()
        .iter()
        .find_map(|(_, d)| {
            d.strip_prefix("1:a:")
                .or_else(|| d.strip_prefix("1:t:"))
                .and_then(|r| r.split(':').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("not a card: {:?}", card.buttons()))
}

/// A learner's pace: at most `FLOOD_LIMIT` − 2 updates in any `FLOOD_WINDOW`, as fast
/// as a person may go before the bot mutes them.
#[derive(Default)]
struct Budget(VecDeque<Instant>);

impl Budget {
    async fn spend(&mut self, updates: usize) {
        let most = FLOOD_LIMIT as usize - 2;
        loop {
            let now = Instant::now();
            while self.0.front().is_some_and(|t| now - *t >= FLOOD_WINDOW) {
                self.0.pop_front();
            }
            match self.0.front() {
                Some(&oldest) if self.0.len() + updates > most => {
                    tokio::time::sleep((oldest + FLOOD_WINDOW).saturating_duration_since(now))
                        .await;
                }
                _ => return self.0.extend(std::iter::repeat_n(now, updates)),
            }
        }
    }
}

/// Answers every question of `chapter` as learner `u`, checking each verdict.
async fn answer_chapter(app: &TestApp, bank: &Bank, chapter: u8, u: i64) -> usize {
    let total = bank
        .questions()
        .iter()
        .filter(|q| q.chapter == chapter)
        .count();
    let (mut choice, mut budget) = (0, Budget::default());
    for _ in 0..total {
        budget.spend(1).await;
        let card = card_after(app, u, u, &format!("/quiz {chapter}")).await;
        let id = question_of(&card);
        let q = bank.question(&id).expect("a question of the bank");
        assert_eq!(q.chapter, chapter, "{id}");
        let message = card.message_id.unwrap();
        let mark = app.fake.mark();
        let want: BTreeSet<String> = match q.key {
            Key::Choice(set) => set.iter().map(|i| q.options[i].clone()).collect(),
            Key::Judge(_) => BTreeSet::new(),
        };
        let shown = shown_options(&card);
        budget
            .spend(match q.key {
                Key::Choice(set) if q.kind == Kind::Multi => set.len() + 1,
                _ => 1,
            })
            .await;
        match q.key {
            Key::Judge(right) => {
                app.fake.push_callback(
                    u,
                    u,
                    message,
                    &data(&card, if right { "对" } else { "错" }),
                );
            }
            Key::Choice(_) => {
                choice += 1;
                let letters: Vec<char> = shown
                    .iter()
                    .filter(|(_, text)| want.contains(text))
                    .map(|(c, _)| *c)
                    .collect();
                assert_eq!(letters.len(), want.len(), "{id}: {shown:?}");
                for l in &letters {
                    app.fake
                        .push_callback(u, u, message, &data(&card, &l.to_string()));
                }
                if q.kind == Kind::Multi {
                    app.fake.push_callback(u, u, message, &data(&card, "提交"));
                }
            }
        }
        let verdict = strip_tags(&verdict_after(app, u, mark).await);
        assert!(verdict.starts_with('✅'), "{id}: {verdict}");
        if matches!(q.key, Key::Choice(_)) {
            let right = verdict
                .split_once("正确答案：")
                .map(|(_, r)| r.lines().next().unwrap_or_default().to_owned())
                .unwrap_or_default();
            let right = unescape(&right);
            let named: BTreeSet<String> = right
                .split_whitespace()
                .filter_map(|l| l.chars().next())
                .filter_map(|c| shown.iter().find(|(s, _)| *s == c).map(|(_, t)| t.clone()))
                .collect();
            assert_eq!(named, want, "{id}: 正确答案 {right} on {shown:?}");
            let explanation = verdict.split_once("解析").map_or("", |(_, e)| e);
            let explanation = explanation.split("\n\n").next().unwrap_or_default();
            let letters = tutor::bank::letters_named(explanation, q.options.len());
            assert!(
                !q.shuffle || letters.is_empty(),
                "{id}: the explanation names {letters:?}: {explanation}"
            );
        }
    }
    choice
}

#[tokio::test]
async fn every_shipped_choice_question_gets_a_verdict_that_agrees_with_its_card() {
    let bank = Bank::embedded().expect("the shipped bank");
    let app = TestApp::builder()
        .start_timeout(Duration::from_secs(60))
        .spawn()
        .await;
    // One learner per chapter, in parallel (a chat gets 20 messages a minute).
    let chapters: Vec<u8> = bank.chapters().iter().map(|c| c.number).collect();
    let runs = chapters
        .iter()
        .map(|&n| answer_chapter(&app, &bank, n, 9_000 + i64::from(n)));
    let answered: usize = futures::future::join_all(runs).await.into_iter().sum();
    let choice = bank
        .questions()
        .iter()
        .filter(|q| q.kind != Kind::Judge)
        .count();
    assert_eq!(answered, choice);
    assert!(!app.output().contains("panicked"));
}
