//! HTML rendering: cards, verdicts, statistics, chapters and keyboards.
//!
//! Every piece of bank or user text goes through [`esc`]; markup is only ever added
//! around escaped text. Nothing here talks to Telegram.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html::escape as esc;

use crate::bank::{Bank, Kind, OptionSet, Question, letter};
use crate::lang::Lang;
use crate::learn::{Outcome, Presentation, Response, Stats, StreakChange, Verdict};

use super::codec::{Action, NextScope};

/// Telegram's message limit, in characters.
pub const MESSAGE_LIMIT: usize = 4096;
/// Characters of section text quoted under a verdict.
pub const EXCERPT_CHARS: usize = 500;

const CHINESE_NUMERALS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn chapter_label(n: u8, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第{}章", zh_number(n)),
        Lang::En => format!("Chapter {n}"),
    }
}

fn zh_number(n: u8) -> String {
    match n {
        0..=9 => CHINESE_NUMERALS[n as usize].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", CHINESE_NUMERALS[(n - 10) as usize]),
        _ if n % 10 == 0 => format!("{}十", CHINESE_NUMERALS[(n / 10) as usize]),
        _ => format!(
            "{}十{}",
            CHINESE_NUMERALS[(n / 10 % 10) as usize],
            CHINESE_NUMERALS[(n % 10) as usize]
        ),
    }
}

fn kind_label(kind: Kind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

/// Letters of a set of shown options, spaced: `B D E`; `—` when empty.
fn spaced(set: OptionSet) -> String {
    if set.is_empty() {
        return "—".into();
    }
    set.iter()
        .map(|i| letter(i).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn response_text(r: &Response, lang: Lang) -> String {
    match r {
        Response::Choice(set) => spaced(*set),
        Response::Judge(true) => lang.pick("对", "true (对)").into(),
        Response::Judge(false) => lang.pick("错", "false (错)").into(),
    }
}

/// Extra lines of a group card: time limit and the live answer count.
pub struct GroupLine {
    pub limit_secs: u32,
    pub answered: usize,
}

/// The question card: `第N章 · 单选`, the stem, then one line per option in shown order.
pub fn card_text(q: &Question, p: &Presentation, lang: Lang, group: Option<&GroupLine>) -> String {
    let mut out = format!(
        "<b>{} · {}</b>\n\n{}\n",
        chapter_label(q.chapter, lang),
        kind_label(q.kind, lang),
        esc(&q.stem)
    );
    if q.kind != Kind::Judge {
        out.push('\n');
        for (i, text) in p.shown_options(q).iter().enumerate() {
            out.push_str(&format!("{}. {}\n", letter(i), esc(text)));
        }
    }
    let hint = match (q.kind, lang) {
        (Kind::Multi, Lang::Zh) => "点选所有正确选项后按「提交」，或直接回复字母（如 BD）。",
        (Kind::Multi, Lang::En) => {
            "Tap every right option, then 提交 (submit); or reply with letters (e.g. BD)."
        }
        (Kind::Judge, Lang::Zh) => "点按钮或回复 对 / 错。",
        (Kind::Judge, Lang::En) => "Tap a button or reply 对 (true) / 错 (false).",
        (_, Lang::Zh) => "点按钮或回复字母作答。",
        (_, Lang::En) => "Tap a button or reply with a letter.",
    };
    out.push_str(&format!("\n<i>{hint}</i>"));
    if let Some(g) = group {
        out.push_str(&match lang {
            Lang::Zh => format!("\n⏱ {} 秒 · 已作答 {} 人", g.limit_secs, g.answered),
            Lang::En => format!("\n⏱ {} s · {} answered", g.limit_secs, g.answered),
        });
    }
    out
}

/// The card's keyboard: one button per option letter, 对/错 for judge, 提交 for multi.
/// `selected` marks toggled options of a multi card (private chats only).
pub fn card_keyboard(q: &Question, p: &Presentation, selected: OptionSet) -> InlineKeyboardMarkup {
    let id = q.id.clone();
    let row: Vec<InlineKeyboardButton> = match q.kind {
        Kind::Judge => vec![
            button(
                "对",
                Action::Answer {
                    question: id.clone(),
                    index: 0,
                },
            ),
            button(
                "错",
                Action::Answer {
                    question: id.clone(),
                    index: 1,
                },
            ),
        ],
        Kind::Single => (0..p.len())
            .map(|i| {
                button(
                    &letter(i).to_string(),
                    Action::Answer {
                        question: id.clone(),
                        index: i as u8,
                    },
                )
            })
            .collect(),
        Kind::Multi => (0..p.len())
            .map(|i| {
                let label = if selected.contains(i) {
                    format!("☑ {}", letter(i))
                } else {
                    letter(i).to_string()
                };
                button(
                    &label,
                    Action::Toggle {
                        question: id.clone(),
                        index: i as u8,
                    },
                )
            })
            .collect(),
    };
    let mut rows = vec![row];
    if q.kind == Kind::Multi {
        rows.push(vec![button("提交", Action::Submit { question: id })]);
    }
    InlineKeyboardMarkup::new(rows)
}

pub fn button(label: &str, action: Action) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.to_string(), action.encode())
}

/// Linked sections quoted under a verdict, at most (they share [`EXCERPT_CHARS`]).
pub const EXCERPT_SECTIONS: usize = 3;

/// The section excerpts under a verdict or a reveal: each linked section (up to
/// [`EXCERPT_SECTIONS`]) with its title, so that a rule kept in a 【依据】 note is
/// shown beside the guide's text.
pub fn excerpt_block(bank: &Bank, q: &Question, lang: Lang) -> String {
    let sections: Vec<_> = q
        .sections
        .iter()
        .filter_map(|s| bank.section(s))
        .take(EXCERPT_SECTIONS)
        .collect();
    let budget = EXCERPT_CHARS / sections.len().max(1);
    sections
        .iter()
        .map(|section| {
            format!(
                "\n\n<b>📖 {} · {}</b>\n<blockquote>{}</blockquote>",
                chapter_label(q.chapter, lang),
                esc(&section.title),
                esc(&section.excerpt(budget))
            )
        })
        .collect()
}

/// The verdict: begins with ✅ when right and ❌ when wrong.
pub fn verdict_text(
    bank: &Bank,
    q: &Question,
    v: &Verdict,
    streak: Option<(StreakChange, u32)>,
    lang: Lang,
) -> String {
    let head = match (v.outcome, lang) {
        (Outcome::Right, Lang::Zh) => "回答正确！",
        (Outcome::Right, Lang::En) => "Correct!",
        (Outcome::Incomplete, Lang::Zh) => "答案不完整",
        (Outcome::Incomplete, Lang::En) => "Incomplete",
        (Outcome::Wrong, Lang::Zh) => "回答错误",
        (Outcome::Wrong, Lang::En) => "Wrong",
    };
    // The raw text, not only the rendered one, begins with the mark.
    let mark = if v.is_right() { "✅" } else { "❌" };
    let mut out = format!("{mark} <b>{head}</b>\n");
    out.push_str(&match lang {
        Lang::Zh => format!(
            "你的答案：{}\n正确答案：<b>{}</b>\n",
            response_text(&v.given, lang),
            response_text(&v.correct, lang)
        ),
        Lang::En => format!(
            "Your answer: {}\nRight answer: <b>{}</b>\n",
            response_text(&v.given, lang),
            response_text(&v.correct, lang)
        ),
    });
    if q.kind == Kind::Multi && !v.missed.is_empty() {
        out.push_str(&format!(
            "{}{}\n",
            lang.pick("漏选：", "Missed: "),
            spaced(v.missed)
        ));
    }
    if q.kind == Kind::Multi && !v.extra.is_empty() {
        out.push_str(&format!(
            "{}{}\n",
            lang.pick("错选：", "Wrongly chosen: "),
            spaced(v.extra)
        ));
    }
    out.push_str(&format!(
        "\n<b>{}</b>\n{}",
        lang.pick("解析", "Explanation"),
        esc(&q.explanation)
    ));
    out.push_str(&excerpt_block(bank, q, lang));
    if let Some((change, days)) = streak {
        let line = match (change, lang) {
            (StreakChange::Repaired { .. }, Lang::Zh) => {
                format!("\n\n🩹 昨天漏了一天，已为你补签（每 7 天一次）。连续学习 {days} 天")
            }
            (StreakChange::Repaired { .. }, Lang::En) => format!(
                "\n\n🩹 You missed a day; it was forgiven (once per 7 days). Streak: {days} days"
            ),
            (
                StreakChange::Started | StreakChange::Extended | StreakChange::Restarted,
                Lang::Zh,
            ) => {
                format!("\n\n🔥 连续学习 {days} 天")
            }
            (
                StreakChange::Started | StreakChange::Extended | StreakChange::Restarted,
                Lang::En,
            ) => {
                format!("\n\n🔥 Streak: {days} days")
            }
            (StreakChange::SameDay, _) => String::new(),
        };
        out.push_str(&line);
    }
    out
}

pub fn verdict_keyboard(q: &Question, next: NextScope, lang: Lang) -> InlineKeyboardMarkup {
    let mut row = Vec::new();
    if let Some(s) = q.sections.first() {
        row.push(button(
            lang.pick("📖 阅读本节", "📖 Read section"),
            Action::Read { section: s.clone() },
        ));
    }
    row.push(button(lang.pick("下一题 ▶", "Next ▶"), Action::Next(next)));
    InlineKeyboardMarkup::new(vec![row])
}

/// The text summary of `/stats` (and the console's `s`).
pub fn stats_text(bank: &Bank, s: &Stats, lang: Lang) -> String {
    let mut out = String::new();
    match lang {
        Lang::Zh => {
            out.push_str("<b>📊 学习统计</b>\n");
            out.push_str(&format!("已答：{} 题\n答对：{} 题\n", s.answered, s.right));
            out.push_str(&format!("正确率：{:.0}%\n", s.accuracy() * 100.0));
            out.push_str(&format!(
                "连续学习：{} 天（最佳 {} 天）\n",
                s.streak, s.best_streak
            ));
            out.push_str(&format!(
                "待复习：{} 题 · 未学：{} 题\n\n",
                s.due_now, s.unseen
            ));
        }
        Lang::En => {
            out.push_str("<b>📊 Statistics</b>\n");
            out.push_str(&format!(
                "已答：{} 题 (answered)\n答对：{} 题 (right)\n",
                s.answered, s.right
            ));
            out.push_str(&format!("Accuracy: {:.0}%\n", s.accuracy() * 100.0));
            out.push_str(&format!(
                "Streak: {} days (best {})\n",
                s.streak, s.best_streak
            ));
            out.push_str(&format!("Due now: {} · New: {}\n\n", s.due_now, s.unseen));
        }
    }
    for c in &s.chapters {
        let title = bank.chapter(c.number).map_or("", |ch| ch.title.as_str());
        out.push_str(&match lang {
            Lang::Zh => format!(
                "{} {}：答 {} · 对 {} · 掌握 {}/{}\n",
                chapter_label(c.number, lang),
                esc(title),
                c.answered,
                c.right,
                c.mastered,
                c.total
            ),
            Lang::En => format!(
                "Ch. {} {}: answered {} · right {} · mastered {}/{}\n",
                c.number,
                esc(title),
                c.answered,
                c.right,
                c.mastered,
                c.total
            ),
        });
    }
    out
}

/// `/chapters`: each chapter with its progress, and buttons to read or practise.
pub fn chapters_text(bank: &Bank, s: &Stats, lang: Lang) -> (String, InlineKeyboardMarkup) {
    let mut out = format!("<b>{}</b>\n\n", lang.pick("📚 章节", "📚 Chapters"));
    let mut rows = Vec::new();
    for c in bank.chapters() {
        let cs = s.chapters.iter().find(|x| x.number == c.number);
        let (seen, total) = cs.map_or((0, 0), |x| (x.seen, x.total));
        out.push_str(&format!(
            "{} {} — {}/{}\n",
            chapter_label(c.number, lang),
            esc(&c.title),
            seen,
            total
        ));
        rows.push(vec![
            button(
                &format!("📖 {}", chapter_label(c.number, lang)),
                Action::Page {
                    chapter: c.number,
                    index: 0,
                },
            ),
            button(
                lang.pick("练习", "Practise"),
                Action::Next(NextScope::Chapter(c.number)),
            ),
        ]);
    }
    (out, InlineKeyboardMarkup::new(rows))
}

/// One page of `/read N`: a section in full, with ◀ ▶ and 练习本章. The text is split
/// if a section exceeds one message; the keyboard goes on the last part.
pub fn read_page(
    bank: &Bank,
    chapter: u8,
    index: usize,
    lang: Lang,
) -> Option<(Vec<String>, InlineKeyboardMarkup)> {
    let ch = bank.chapter(chapter)?;
    let section = ch.sections.get(index)?;
    let text = format!(
        "<b>{} {}</b>\n<b>{}</b>  ({}/{})\n\n{}",
        chapter_label(chapter, lang),
        esc(&ch.title),
        esc(&section.title),
        index + 1,
        ch.sections.len(),
        esc(&section.text)
    );
    let mut nav = Vec::new();
    if index > 0 {
        nav.push(button(
            "◀",
            Action::Page {
                chapter,
                index: (index - 1) as u16,
            },
        ));
    }
    if index + 1 < ch.sections.len() {
        nav.push(button(
            "▶",
            Action::Page {
                chapter,
                index: (index + 1) as u16,
            },
        ));
    }
    let practise = vec![button(
        lang.pick("练习本章", "Practise this chapter"),
        Action::Next(NextScope::Chapter(chapter)),
    )];
    Some((
        split_message(&text, MESSAGE_LIMIT),
        InlineKeyboardMarkup::new(vec![nav, practise]),
    ))
}

/// The length of a text as Telegram measures it: UTF-16 code units (an emoji or a
/// rare CJK character outside the BMP counts two).
pub fn tg_len(text: &str) -> usize {
    crate::bank::tg_len(text)
}

/// The byte index of the longest prefix of `text` within `limit` UTF-16 units (at
/// least one character, so that a split always moves on).
fn prefix_within(text: &str, limit: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > limit {
            return if i == 0 { c.len_utf8() } else { i };
        }
    }
    text.len()
}

/// Splits a message into parts of at most `limit` UTF-16 units (Telegram's measure),
/// at paragraph boundaries when possible, then at line ends, then anywhere outside an
/// HTML entity.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while tg_len(rest) > limit {
        let cut_byte = prefix_within(rest, limit);
        let window = &rest[..cut_byte];
        let at = window
            .rfind("\n\n")
            .filter(|&i| i > 0)
            .or_else(|| window.rfind('\n').filter(|&i| i > 0))
            .unwrap_or_else(|| {
                // Never cut inside an entity such as `&amp;`.
                match window.rfind('&') {
                    Some(amp) if !window[amp..].contains(';') && amp > 0 => amp,
                    _ => cut_byte,
                }
            });
        parts.push(rest[..at].trim_end().to_string());
        rest = rest[at..].trim_start();
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.to_string());
    }
    parts
}

pub fn welcome(lang: Lang, first_name: &str) -> String {
    match lang {
        Lang::Zh => format!(
            "你好，{}！我是《客户服务管理师基础理论》练习助手。\n\n\
             • /quiz 练一题（/quiz 3 练第三章）\n\
             • /review 复习到期和答错的题\n\
             • /read 1 阅读第一章\n\
             • /chapters 章节与进度 · /stats 学习统计\n\
             • /daily 08:30 每天定时推送一题\n\n\
             点按钮或直接回复字母（如 BD、对、×）作答；每题都有解析和教材原文。\n\
             /help 查看全部命令。",
            esc(first_name)
        ),
        Lang::En => format!(
            "Hi {}! I help you practise for the 客户服务管理师 certificate.\n\n\
             • /quiz a question (/quiz 3 for chapter 3)\n\
             • /review what is due or was wrong\n\
             • /read 1 read chapter 1\n\
             • /chapters progress · /stats statistics\n\
             • /daily 08:30 a question every day\n\n\
             Tap a button or reply with letters (BD, 对, ×). Every answer comes with an explanation \
             and the guide's text. /help lists all commands.",
            esc(first_name)
        ),
    }
}

/// `/help`: every command of the chat kind.
pub fn help(lang: Lang, group: bool) -> String {
    let cmds = super::commands::list(lang, group);
    let mut out = format!("<b>{}</b>\n", lang.pick("命令", "Commands"));
    for (c, d) in cmds {
        out.push_str(&format!("/{c} — {}\n", esc(d)));
    }
    out
}

/// A local time for messages, e.g. `2026-11-29 09:00 (Asia/Shanghai)`.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "{} ({})",
        at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        tz.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_verdict_agrees_with_its_shuffled_card() {
        // For every choice question of the shipped bank, in many shuffled orders: the
        // letters of 正确答案 name, on the card as shown, exactly the key's options, and
        // the explanation names no option letter (the order it would refer to is not
        // the one shown).
        use rand::SeedableRng;
        let bank = Bank::embedded().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let mut checked = 0;
        for q in bank.questions().iter().filter(|q| q.kind != Kind::Judge) {
            let crate::bank::Key::Choice(key) = q.key else {
                continue;
            };
            let want: std::collections::BTreeSet<&str> =
                key.iter().map(|i| q.options[i].as_str()).collect();
            for _ in 0..8 {
                let p = Presentation::new(q, &mut rng);
                let card = card_text(q, &p, Lang::Zh, None);
                let shown: std::collections::HashMap<char, String> = card
                    .lines()
                    .filter_map(|l| {
                        let (letter, text) = l.split_once(". ")?;
                        let c = letter.chars().next().filter(|_| letter.len() == 1)?;
                        Some((c, html_unescape(text)))
                    })
                    .collect();
                let v = crate::learn::grade(q, &p, Response::Choice(p.to_shown(key)));
                let text = verdict_text(&bank, q, &v, None, Lang::Zh);
                let right = text
                    .split_once("正确答案：<b>")
                    .and_then(|(_, r)| r.split_once("</b>"))
                    .map(|(r, _)| r)
                    .unwrap();
                let named: std::collections::BTreeSet<String> = right
                    .split(' ')
                    .map(|l| shown[&l.chars().next().unwrap()].clone())
                    .collect();
                let named: std::collections::BTreeSet<&str> =
                    named.iter().map(String::as_str).collect();
                assert_eq!(named, want, "{}: {right}", q.id);
                if q.shuffle {
                    let letters = crate::bank::letters_named(&q.explanation, q.options.len());
                    assert!(
                        letters.is_empty(),
                        "{} explains by letters {letters:?}",
                        q.id
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    fn html_unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn chinese_numerals() {
        for (n, want) in [
            (1, "一"),
            (8, "八"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (35, "三十五"),
        ] {
            assert_eq!(zh_number(n), want);
        }
    }

    #[test]
    fn split_prefers_paragraphs_and_respects_the_limit() {
        let para = "甲".repeat(30);
        let text = format!("{para}\n\n{para}\n\n{para}");
        let parts = split_message(&text, 70);
        assert_eq!(parts, vec![format!("{para}\n\n{para}"), para.clone()]);
        let long = "乙".repeat(250);
        let parts = split_message(&long, 100);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 100));
        assert_eq!(parts.concat(), long);
        // Never inside an entity.
        let amp = format!("{}&amp;{}", "x".repeat(97), "y".repeat(10));
        let parts = split_message(&amp, 100);
        assert!(parts[1].starts_with("&amp;"), "{parts:?}");
        assert_eq!(split_message("", 10), vec![String::new()]);
        // Characters outside the BMP count two units, as Telegram counts them.
        let astral = "😀𠀀".repeat(60);
        let parts = split_message(&astral, 100);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts.iter().all(|p| tg_len(p) <= 100), "{parts:?}");
        assert_eq!(parts.concat(), astral);
        assert_eq!(split_message("😀😀", 1), ["😀", "😀"]);
    }

    #[test]
    fn embedded_bank_cards_fit_and_escape() {
        let bank = Bank::embedded().unwrap();
        for q in bank.questions() {
            let p = Presentation::identity(q.options.len());
            for lang in [Lang::Zh, Lang::En] {
                let text = card_text(
                    q,
                    &p,
                    lang,
                    Some(&GroupLine {
                        limit_secs: 600,
                        answered: 999,
                    }),
                );
                assert!(tg_len(&text) <= MESSAGE_LIMIT, "{}", q.id);
                assert!(text.starts_with("<b>第") || text.starts_with("<b>Chapter"));
            }
            let kb = card_keyboard(q, &p, OptionSet::EMPTY);
            for row in &kb.inline_keyboard {
                for b in row {
                    if let teloxide::types::InlineKeyboardButtonKind::CallbackData(d) = &b.kind {
                        assert!(d.len() <= 64);
                        assert!(Action::decode(d).is_ok());
                    }
                }
            }
        }
    }

    #[test]
    fn the_longest_verdict_the_bank_allows_fits_one_message() {
        // Worst case: a 2000-character explanation, and more linked sections than are
        // quoted, each with a 200-character title and a long text. (Telegram counts
        // after parsing the HTML; this counts the tags too.)
        let explanation = "解".repeat(2000);
        let title = "题".repeat(200);
        let text = "长句子。".repeat(400);
        let sections: String = (1..=EXCERPT_SECTIONS + 1)
            .map(|i| {
                format!("[[sections]]\nid = \"s{i}\"\ntitle = \"{title}\"\ntext = \"{text}\"\n")
            })
            .collect();
        let links: Vec<String> = (1..=EXCERPT_SECTIONS + 1)
            .map(|i| format!("\"s{i}\""))
            .collect();
        let toml = format!(
            "[chapter]\nnumber = 1\ntitle = \"t\"\n{sections}\
             [[questions]]\nid = \"q\"\nkind = \"multi\"\nstem = \"x\"\noptions = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\"]\n\
             answer = \"ABCD\"\nexplanation = \"{explanation}\"\nsections = [{}]\nsource = \"authored\"\n",
            links.join(", ")
        );
        let (bank, _) = Bank::from_sources(&[("t.toml".into(), toml)], false).unwrap();
        let q = &bank.questions()[0];
        let p = Presentation::identity(8);
        let v = crate::learn::grade(q, &p, Response::Choice(OptionSet(0b1111_0000)));
        for lang in [Lang::Zh, Lang::En] {
            let out = verdict_text(
                &bank,
                q,
                &v,
                Some((
                    StreakChange::Repaired {
                        missed: chrono::NaiveDate::MIN,
                    },
                    999,
                )),
                lang,
            );
            assert!(tg_len(&out) <= MESSAGE_LIMIT, "{}", out.chars().count());
            assert_eq!(out.matches("<blockquote>").count(), EXCERPT_SECTIONS);
        }
    }

    #[test]
    fn a_verdict_quotes_every_linked_section() {
        // c4-q01 rests on the guide's 姿态要求 and on a 【依据】 note: both are quoted.
        let bank = Bank::embedded().unwrap();
        let q = bank.question("c4-q01").unwrap();
        assert!(q.sections.len() >= 2, "{:?}", q.sections);
        let block = excerpt_block(&bank, q, Lang::Zh);
        for id in q.sections.iter().take(EXCERPT_SECTIONS) {
            let title = &bank.section(id).unwrap().title;
            assert!(block.contains(&esc(title)), "{id} not quoted: {block}");
        }
    }

    #[test]
    fn user_text_is_escaped() {
        assert!(welcome(Lang::Zh, "<b>&").contains("&lt;b&gt;&amp;"));
    }
}
