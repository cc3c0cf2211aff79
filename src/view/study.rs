//! The documents of private practice: cards, verdicts, statistics, chapters and
//! pages of the guide. The same documents are shown by the bot and the terminal.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::bank::{Bank, Key, Kind, OptionSet, Question, letter};
use crate::lang::Lang;
use crate::learn::{Presentation, Response, Stats, StreakChange, Verdict};

use super::catalogue::{self as cat, Say};
use super::{Button, Doc, Front, Intent, NextScope};

/// Characters of section text quoted under a verdict.
pub const EXCERPT_CHARS: usize = 500;
/// Linked sections quoted under a verdict, at most (they share [`EXCERPT_CHARS`]).
pub const EXCERPT_SECTIONS: usize = 3;

/// Letters of a set of shown options, spaced: `B D E`; `—` when empty.
pub fn spaced(set: OptionSet) -> String {
    if set.is_empty() {
        return "—".into();
    }
    set.iter()
        .map(|i| letter(i).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn response_text(r: &Response, lang: Lang) -> String {
    match r {
        Response::Choice(set) => spaced(*set),
        Response::Judge(v) => cat::judge(*v, lang).into(),
    }
}

/// The extra line of a group card: time limit and the live answer count.
pub struct GroupLine {
    pub limit_secs: u32,
    pub answered: usize,
}

/// The question card: `第N章 · 单选`, the stem, one line per option in shown order,
/// and how to answer (buttons in a chat, typing on the terminal). The buttons are
/// [`card_buttons`].
pub fn card(
    q: &Question,
    p: &Presentation,
    lang: Lang,
    front: Front,
    group: Option<&GroupLine>,
) -> Doc {
    let mut d = question(q, p, lang);
    d.text("\n");
    match front {
        Front::Chat => d.italic(cat::card_hint(q.kind, lang, front)),
        Front::Terminal => d.text(cat::card_hint(q.kind, lang, front)),
    };
    if let Some(g) = group {
        d.text(format!(
            "\n{}",
            cat::group_card_line(g.limit_secs, g.answered, lang)
        ));
    }
    d
}

/// A learner's daily question: the card under `📅 每日一题 · 3月3日` (its local day).
pub fn daily_card(q: &Question, p: &Presentation, day: chrono::NaiveDate, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(cat::daily_card_head(day, lang)).text("\n");
    d.append(card(q, p, lang, Front::Chat, None));
    d
}

/// The question as a card shows it: chapter and kind, the stem, the options in their
/// shown order.
fn question(q: &Question, p: &Presentation, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(format!(
        "{} · {}",
        cat::chapter_label(q.chapter, lang),
        cat::kind_label(q.kind, lang)
    ))
    .text(format!("\n\n{}\n", q.stem));
    if q.kind != Kind::Judge {
        d.text("\n");
        for (i, text) in p.shown_options(q).iter().enumerate() {
            d.text(format!("{}. {text}\n", letter(i)));
        }
    }
    d
}

/// A private card answered by a tap, as the one message that replaces it: the
/// question as it was shown (under its daily head, for a daily card), without the
/// hint, then the verdict with its buttons.
pub fn answered_card(
    q: &Question,
    p: &Presentation,
    daily: Option<chrono::NaiveDate>,
    verdict: Doc,
    lang: Lang,
) -> Doc {
    let mut d = Doc::new();
    if let Some(day) = daily {
        d.bold(cat::daily_card_head(day, lang)).text("\n");
    }
    d.append(question(q, p, lang)).text("\n").append(verdict);
    d
}

/// The card's buttons: one per option letter, 对/错 for judge, 提交 for multi.
/// `selected` marks toggled options of a multi card (private chats only).
pub fn card_buttons(
    q: &Question,
    p: &Presentation,
    selected: OptionSet,
    lang: Lang,
) -> Vec<Vec<Button>> {
    let id = || q.id.clone();
    let row: Vec<Button> = match q.kind {
        Kind::Judge => ["对", "错"]
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Button::new(
                    *l,
                    Intent::Answer {
                        question: id(),
                        index: i as u8,
                    },
                )
            })
            .collect(),
        Kind::Single => (0..p.len())
            .map(|i| {
                Button::new(
                    letter(i).to_string(),
                    Intent::Answer {
                        question: id(),
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
                Button::new(
                    label,
                    Intent::Toggle {
                        question: id(),
                        index: i as u8,
                    },
                )
            })
            .collect(),
    };
    let mut rows = vec![row];
    if q.kind == Kind::Multi {
        let submit = Intent::Submit { question: id() };
        rows.push(vec![Button::new(Say::Submit.text(lang), submit)]);
    }
    rows
}

/// The section excerpts under a verdict or a reveal: each linked section (up to
/// [`EXCERPT_SECTIONS`]) with its title, so that a rule kept in a 【依据】 note is
/// shown beside the guide's text.
pub fn excerpts(bank: &Bank, q: &Question, lang: Lang) -> Doc {
    let sections: Vec<_> = q
        .sections
        .iter()
        .filter_map(|s| bank.section(s))
        .take(EXCERPT_SECTIONS)
        .collect();
    let budget = EXCERPT_CHARS / sections.len().max(1);
    let mut d = Doc::new();
    for section in sections {
        d.text("\n\n")
            .bold(format!(
                "📖 {} · {}",
                cat::chapter_label(q.chapter, lang),
                section.title
            ))
            .text("\n")
            .quote(section.excerpt(budget));
    }
    d
}

/// The right answer as shown on the card: its letters (or 对 / 错) and, for a choice,
/// a line `\nB. text` for each right option.
pub fn right_answer(q: &Question, p: &Presentation, lang: Lang) -> (String, Vec<String>) {
    match q.key {
        Key::Judge(value) => (cat::judge(value, lang).to_string(), Vec::new()),
        Key::Choice(set) => {
            let shown = p.to_shown(set);
            let texts = p.shown_options(q);
            let lines = shown
                .iter()
                .filter_map(|i| texts.get(i).map(|t| format!("\n{}. {t}", letter(i))))
                .collect();
            (shown.letters(), lines)
        }
    }
}

/// The verdict: begins with ✅ when right and ❌ when wrong; then the answers, the
/// explanation, the guide's text and, on the first answer of a day, the streak.
pub fn verdict(
    bank: &Bank,
    q: &Question,
    p: &Presentation,
    v: &Verdict,
    streak: Option<(StreakChange, u32)>,
    lang: Lang,
) -> Doc {
    // The raw text, not only the rendered one, begins with the mark.
    let mark = if v.is_right() { "✅" } else { "❌" };
    let mut d = Doc::new();
    d.text(format!("{mark} "))
        .bold(cat::verdict_head(v.outcome, lang))
        .text(format!(
            "\n{}{}\n{}",
            cat::your_answer(lang),
            response_text(&v.given, lang),
            cat::right_answer(lang)
        ))
        .bold(response_text(&v.correct, lang));
    // The right options' text too: the learner may not remember which letter said what.
    for line in right_answer(q, p, lang).1 {
        d.text(line);
    }
    d.text("\n");
    if q.kind == Kind::Multi && !v.missed.is_empty() {
        d.text(format!("{}{}\n", Say::Missed.text(lang), spaced(v.missed)));
    }
    if q.kind == Kind::Multi && !v.extra.is_empty() {
        d.text(format!(
            "{}{}\n",
            Say::WronglyChosen.text(lang),
            spaced(v.extra)
        ));
    }
    d.text("\n")
        .bold(Say::Explanation.text(lang))
        .text(format!("\n{}", q.explanation))
        .append(excerpts(bank, q, lang));
    if let Some((change, days)) = streak {
        let line = cat::streak_line(change, days, lang);
        if !line.is_empty() {
            d.text(format!("\n\n{line}"));
        }
    }
    d
}

/// The buttons under a private verdict: read the section, star it (☆ / ★ as it is
/// now), next question.
pub fn verdict_buttons(
    q: &Question,
    next: NextScope,
    starred: bool,
    lang: Lang,
) -> Vec<Vec<Button>> {
    let mut row = Vec::new();
    if let Some(s) = q.sections.first() {
        row.push(Button::new(
            Say::ReadSection.text(lang),
            Intent::Read { section: s.clone() },
        ));
    }
    row.push(super::shelf::star_button(&q.id, starred, lang));
    row.push(Button::new(Say::Next.text(lang), Intent::Next(next)));
    vec![row]
}

/// The text summary of `/stats` (and the terminal's `s`).
pub fn stats(bank: &Bank, s: &Stats, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(Say::StatsTitle.text(lang))
        .text("\n")
        .text(cat::stats_summary(s, lang));
    for c in &s.chapters {
        let title = bank.chapter(c.number).map_or("", |ch| ch.title.as_str());
        d.text(cat::stats_chapter(c, title, lang));
    }
    d.italic(cat::mastered_means(lang));
    d
}

/// `/chapters`: each chapter with its progress, and buttons to read or practise.
pub fn chapters(bank: &Bank, s: &Stats, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(Say::ChaptersTitle.text(lang)).text("\n\n");
    for c in bank.chapters() {
        let cs = s.chapters.iter().find(|x| x.number == c.number);
        let (seen, total) = cs.map_or((0, 0), |x| (x.seen, x.total));
        let label = cat::chapter_label(c.number, lang);
        d.text(cat::chapters_line(&label, &c.title, seen, total, lang));
        d.row(vec![
            Button::new(
                format!("📖 {}", cat::chapter_label(c.number, lang)),
                Intent::Page {
                    chapter: c.number,
                    index: 0,
                },
            ),
            Button::new(
                Say::Practise.text(lang),
                Intent::Next(NextScope::Chapter(c.number)),
            ),
        ]);
    }
    d
}

/// One page of `/read N`: a section in full, with ◀ ▶ and 练习本章. `None` when the
/// bank has no such section.
pub fn read_page(bank: &Bank, chapter: u8, index: usize, lang: Lang) -> Option<Doc> {
    let ch = bank.chapter(chapter)?;
    let section = ch.sections.get(index)?;
    let mut d = Doc::new();
    d.bold(format!(
        "{} {}",
        cat::chapter_label(chapter, lang),
        ch.title
    ))
    .text("\n")
    .bold(section.title.clone())
    .text(format!(
        "  ({}/{})\n\n{}",
        index + 1,
        ch.sections.len(),
        section.text
    ));
    let mut nav = Vec::new();
    if index > 0 {
        nav.push(Button::new(
            "◀",
            Intent::Page {
                chapter,
                index: (index - 1) as u16,
            },
        ));
    }
    if index + 1 < ch.sections.len() {
        nav.push(Button::new(
            "▶",
            Intent::Page {
                chapter,
                index: (index + 1) as u16,
            },
        ));
    } else if let Some(next) = bank
        .chapters()
        .iter()
        .skip_while(|c| c.number != chapter)
        .skip(1)
        .find(|c| !c.sections.is_empty())
    {
        // The chapter's last page leads on to the next chapter.
        nav.push(Button::new(
            Say::NextChapter.text(lang),
            Intent::Page {
                chapter: next.number,
                index: 0,
            },
        ));
    }
    d.row(nav).row(vec![Button::new(
        Say::PractiseChapter.text(lang),
        Intent::Next(NextScope::Chapter(chapter)),
    )]);
    Some(d)
}

/// `/start`: the welcome, a one-tap daily subscription and a start button.
/// `/start`: the welcome, a start button and, unless `subscribed`, a button to
/// subscribe to the daily question.
pub fn welcome(lang: Lang, first_name: &str, subscribed: bool) -> Doc {
    let subscribe = Button::new(
        cat::subscribe_button(crate::learn::DEFAULT_DAILY_TIME, lang),
        Intent::Subscribe,
    );
    let start = Button::new(Say::StartPractice.text(lang), Intent::Next(NextScope::All));
    let subscribe = if subscribed { vec![] } else { vec![subscribe] };
    Doc::plain(cat::welcome(lang, first_name)).with_buttons(vec![subscribe, vec![start]])
}

/// `/help`: every command of the chat kind.
pub fn help(lang: Lang, group: bool) -> Doc {
    let mut d = Doc::new();
    d.bold(Say::Commands.text(lang)).text("\n");
    for (c, desc) in cat::commands(lang, group) {
        d.text(format!("/{c} — {desc}\n"));
    }
    d
}

/// `/forget`: the question, with confirm and cancel.
pub fn forget_question(lang: Lang) -> Doc {
    Doc::plain(Say::ForgetQuestion.text(lang)).with_buttons(vec![vec![
        Button::new(
            Say::ForgetConfirm.text(lang),
            Intent::Forget { confirm: true },
        ),
        Button::new(Say::Cancel.text(lang), Intent::Forget { confirm: false }),
    ]])
}

/// No question to ask: when the next review falls due, if ever.
pub fn nothing_due(next_due: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz, lang: Lang) -> Doc {
    Doc::plain(match next_due {
        Some(at) => cat::nothing_due_until(&super::time::when(at, now, tz, lang), lang),
        None => Say::NothingToReview.text(lang).into(),
    })
}

/// An operator's upload: the counts, the problems with their places, and where
/// the bank went.
pub fn upload_report(r: &crate::app::upload::UploadReport, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(cat::upload_counts(
        &r.file,
        r.questions,
        r.chapters,
        r.sections,
        lang,
    ));
    if !r.problems.is_empty() {
        d.text(cat::upload_problems(r.errors, r.warnings, lang));
        for p in &r.problems {
            d.text(format!("\n• {p}"));
        }
        if r.more > 0 {
            d.text(cat::upload_more(r.more, lang));
        }
    }
    match &r.written {
        Some(dir) => d.text(cat::upload_written(&dir.display().to_string(), lang)),
        None => d.text(cat::upload_nothing(lang)),
    };
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_hint_depends_on_the_front() {
        let bank = crate::test_bank::bank();
        let q = &bank.questions()[0];
        let p = Presentation::identity(q.options.len());
        let chat = card(q, &p, Lang::Zh, Front::Chat, None);
        let term = card(q, &p, Lang::Zh, Front::Terminal, None);
        assert!(
            chat.spans
                .iter()
                .any(|s| s.style == super::super::Style::Italic)
        );
        assert!(
            term.plain_text()
                .ends_with(cat::card_hint(q.kind, Lang::Zh, Front::Terminal))
        );
        assert!(chat.plain_text().starts_with("第一章 · 单选\n\n"));
    }

    #[test]
    fn a_daily_card_is_labelled_with_its_day() {
        let bank = crate::test_bank::bank();
        let q = &bank.questions()[0];
        let p = Presentation::identity(q.options.len());
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let zh = daily_card(q, &p, day, Lang::Zh).plain_text();
        assert!(
            zh.starts_with("📅 每日一题 · 3月3日\n第一章 · 单选\n\n"),
            "{zh}"
        );
        let en = daily_card(q, &p, day, Lang::En).plain_text();
        assert!(en.starts_with("📅 Daily question · Mar 3\n"), "{en}");
    }

    #[test]
    fn a_verdict_names_the_right_options_by_their_text_too() {
        let bank = crate::test_bank::bank();
        let q = bank
            .questions()
            .iter()
            .find(|q| q.kind == Kind::Multi)
            .unwrap();
        let p = Presentation::identity(q.options.len());
        let v = crate::learn::grade(q, &p, Response::Choice(OptionSet(0b1)));
        let text = verdict(&bank, q, &p, &v, None, Lang::Zh).plain_text();
        let Key::Choice(key) = q.key else {
            unreachable!()
        };
        for i in key.iter() {
            let line = format!("\n{}. {}", letter(i), q.options[i]);
            assert!(text.contains(&line), "{line:?} in {text}");
        }
    }

    #[test]
    fn a_tapped_card_becomes_the_question_as_shown_with_its_verdict_and_buttons() {
        let bank = crate::test_bank::bank();
        let q = &bank.questions()[0];
        let p = Presentation::identity(q.options.len());
        let v = crate::learn::grade(q, &p, Response::Choice(OptionSet(0b10)));
        let read = Button::new(
            "📖",
            Intent::Read {
                section: "s".into(),
            },
        );
        let verdict = verdict(&bank, q, &p, &v, None, Lang::Zh).with_buttons(vec![vec![read]]);
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        for daily in [None, Some(day)] {
            let doc = answered_card(q, &p, daily, verdict.clone(), Lang::Zh);
            let text = doc.plain_text();
            let shown = card(q, &p, Lang::Zh, Front::Chat, None).plain_text();
            let hint = cat::card_hint(q.kind, Lang::Zh, Front::Chat);
            let question = shown.strip_suffix(hint).unwrap().trim_end();
            let head = daily.map_or(String::new(), |d| {
                format!("{}\n", cat::daily_card_head(d, Lang::Zh))
            });
            let want = format!("{head}{question}\n\n{}", verdict.plain_text());
            assert_eq!(text, want);
            assert!(!text.contains(hint));
            assert_eq!(doc.buttons, verdict.buttons);
        }
    }

    #[test]
    fn small_things_people_noticed() {
        let bank = crate::test_bank::bank();
        // /start offers the daily question only to who has none.
        let labels = |d: &Doc| {
            d.buttons
                .iter()
                .flatten()
                .map(|b| b.label.clone())
                .collect::<Vec<_>>()
        };
        assert!(labels(&welcome(Lang::Zh, "Ann", false))[0].contains("订阅每日一题"));
        assert!(
            !labels(&welcome(Lang::Zh, "Ann", true))
                .iter()
                .any(|l| l.contains("订阅"))
        );
        // The last page of a chapter leads on to the next chapter.
        let first = &bank.chapters()[0];
        let last = first.sections.len() - 1;
        let page = read_page(&bank, first.number, last, Lang::Zh).unwrap();
        assert!(
            labels(&page).contains(&"下一章 ▶".to_string()),
            "{:?}",
            labels(&page)
        );
        // The submit button speaks the learner's language.
        let multi = bank
            .questions()
            .iter()
            .find(|q| q.kind == Kind::Multi)
            .unwrap();
        let p = Presentation::identity(multi.options.len());
        let en = card_buttons(multi, &p, OptionSet::EMPTY, Lang::En);
        assert_eq!(en.last().unwrap()[0].label, "Submit");
    }
}

#[cfg(test)]
mod readme {
    //! README's "What learners see" shows these texts: they are what the bot sends.

    use super::*;
    use crate::learn::ChapterStats;

    /// The texts as the README shows them: the card, a wrong answer's verdict, and
    /// the statistics, for c1-q09 of the shipped bank in its own order.
    fn samples() -> [(String, &'static str); 3] {
        let bank = Bank::embedded().expect("the shipped bank");
        let q = bank.question("c1-q09").expect("c1-q09");
        let p = Presentation::identity(q.options.len());
        let card = card(q, &p, Lang::Zh, Front::Chat, None).plain_text();
        let v = crate::learn::grade(q, &p, Response::Choice(OptionSet::single(1)));
        let verdict = super::verdict(&bank, q, &p, &v, None, Lang::Zh).plain_text();
        let chapter = |number: u8, seen, mastered| ChapterStats {
            number,
            title: bank
                .chapter(number)
                .map_or(String::new(), |c| c.title.clone()),
            total: bank.questions_in(number).count(),
            seen,
            answered: seen as u32 + 1,
            right: seen as u32,
            mastered,
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let s = Stats {
            answered: 23,
            right: 17,
            streak: 4,
            best_streak: 6,
            due_now: 3,
            unseen: 41,
            wrong: 5,
            chapters: vec![chapter(1, 12, 4), chapter(2, 8, 2)],
            last_30_days: vec![],
            due_forecast: (0..7)
                .map(|i| {
                    (
                        day + chrono::Days::new(i),
                        [3, 2, 4, 0, 1, 5, 2][i as usize],
                    )
                })
                .collect(),
            average_retrievability: Some(0.87),
        };
        let stats = stats(&bank, &s, Lang::Zh).plain_text();
        [(card, "card"), (verdict, "verdict"), (stats, "stats")]
    }

    /// The block under `#### {heading}` of README's "What learners see".
    fn block(readme: &str, heading: &str) -> Option<String> {
        let section = readme.split_once("## What learners see")?.1;
        let after = section
            .split_once(&format!("#### {heading}\n\n```text\n"))?
            .1;
        Some(after.split_once("\n```")?.0.to_string())
    }

    #[test]
    fn the_readme_shows_what_the_bot_sends() {
        let readme = include_str!("../../README.md");
        let headings = [
            ("card", "The card"),
            ("verdict", "The verdict"),
            ("stats", "The statistics"),
        ];
        for ((text, name), (_, heading)) in samples().into_iter().zip(headings) {
            let shown = block(readme, heading).unwrap_or_else(|| panic!("README has no {name}"));
            assert_eq!(shown, text, "README's {name} is not what the bot sends");
        }
    }
}
