//! The documents of a learner's own collections (issue 19): the wrong-answer book
//! (`/mistakes`), the favourites (`/starred`) with their "practise these" buttons,
//! the ☆ button of a verdict, and pages of search results (`/search`).

use crate::app::{BookItem, ChapterSet};
use crate::bank::search::{Found, Marked};
use crate::bank::{Bank, Question};
use crate::lang::Lang;
use crate::learn::Drill;

use super::catalogue::{self as cat, Say};
use super::{Button, Doc, Intent, NextScope};

/// Characters of a stem in a list.
const STEM_CHARS: usize = 40;
/// Results on one page of a search (each at most a few hundred characters, so a
/// page stays far below Telegram's 4096).
pub const PAGE_SIZE: usize = 6;

/// `text` cut to `max` characters, with `…` when cut; one line.
fn cut(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let mut out: String = one_line.chars().take(max).collect();
    if one_line.chars().count() > max {
        out.push('…');
    }
    out
}

/// The ☆ / ★ button of a verdict.
pub fn star_button(question: &str, starred: bool, lang: Lang) -> Button {
    let label = if starred {
        Say::UnstarButton
    } else {
        Say::StarButton
    };
    Button::new(
        label.text(lang),
        Intent::Star {
            question: question.to_string(),
        },
    )
}

/// A chapter's head line in a list.
fn chapter_head(d: &mut Doc, bank: &Bank, chapter: u8, n: usize, lang: Lang) {
    let title = bank.chapter(chapter).map_or("", |c| c.title.as_str());
    let label = cat::chapter_label(chapter, lang);
    d.text("\n")
        .bold(cat::set_chapter_head(&label, title, n, lang))
        .text("\n");
}

/// The "practise these" buttons: one per chapter (three to a row), then all.
fn practise_buttons<T>(
    sets: &[ChapterSet<T>],
    drill: fn(Option<u8>) -> Drill,
    lang: Lang,
) -> Vec<Vec<Button>> {
    let mut rows: Vec<Vec<Button>> = sets
        .chunks(3)
        .map(|chunk| {
            chunk
                .iter()
                .map(|s| {
                    let label = cat::chapter_label(s.chapter, lang);
                    Button::new(
                        cat::practise_chapter_button(&label, lang),
                        Intent::Next(NextScope::Drill(drill(Some(s.chapter)))),
                    )
                })
                .collect()
        })
        .collect();
    rows.push(vec![Button::new(
        Say::PractiseAll.text(lang),
        Intent::Next(NextScope::Drill(drill(None))),
    )]);
    rows
}

/// `/mistakes`: the book per chapter, the rule, and the practice buttons.
pub fn mistakes(bank: &Bank, sets: &[ChapterSet<BookItem<'_>>], lang: Lang) -> Doc {
    if sets.is_empty() {
        return Doc::plain(Say::MistakesEmpty.text(lang));
    }
    let mut d = Doc::new();
    d.bold(Say::MistakesTitle.text(lang))
        .text("\n")
        .italic(Say::MistakesRule.text(lang))
        .text("\n");
    for s in sets {
        chapter_head(&mut d, bank, s.chapter, s.items.len(), lang);
        for i in &s.items {
            let stem = cut(&i.question.stem, STEM_CHARS);
            d.text(cat::book_line(&stem, i.wrong, i.right_since, lang));
        }
    }
    d.with_buttons(practise_buttons(sets, Drill::Mistakes, lang))
}

/// `/starred`: the favourites per chapter, and the practice buttons.
pub fn starred(bank: &Bank, sets: &[ChapterSet<&Question>], lang: Lang) -> Doc {
    if sets.is_empty() {
        return Doc::plain(Say::StarredEmpty.text(lang));
    }
    let mut d = Doc::new();
    d.bold(Say::StarredTitle.text(lang)).text("\n");
    for s in sets {
        chapter_head(&mut d, bank, s.chapter, s.items.len(), lang);
        for q in &s.items {
            d.text(cat::starred_line(&cut(&q.stem, STEM_CHARS)));
        }
    }
    d.with_buttons(practise_buttons(sets, Drill::Starred, lang))
}

/// A practice set that has nothing (left) to ask.
pub fn drill_empty(drill: Drill, lang: Lang) -> Doc {
    Doc::plain(match drill {
        Drill::Mistakes(_) => Say::MistakesCleared.text(lang),
        Drill::Starred(_) => Say::StarredEmpty.text(lang),
        Drill::Practice(..) => Say::NothingToPractise.text(lang),
    })
}

/// Study mode (背题): the question with its right options marked ✅, the answer, the
/// explanation and the guide's text, and 下一题 (of the same chapter, or all).
pub fn study_card(bank: &Bank, q: &Question, chapter: Option<u8>, lang: Lang) -> Doc {
    let p = crate::learn::Presentation::identity(q.options.len());
    let mut d = Doc::new();
    d.bold(format!(
        "{} · {} · {}",
        Say::StudyHead.text(lang),
        cat::chapter_label(q.chapter, lang),
        cat::kind_label(q.kind, lang)
    ))
    .text(format!("\n\n{}\n", q.stem));
    let right = match q.key {
        crate::bank::Key::Choice(set) => set,
        crate::bank::Key::Judge(_) => crate::bank::OptionSet::EMPTY,
    };
    for (i, text) in q.options.iter().enumerate() {
        let line = format!("{}. {text}", crate::bank::letter(i));
        if right.contains(i) {
            d.text("✅ ").bold(line).text("\n");
        } else {
            d.text(format!("▫️ {line}\n"));
        }
    }
    let (answer, _) = super::study::right_answer(q, &p, lang);
    d.text(format!("\n{}", cat::right_answer(lang)))
        .bold(answer)
        .text("\n\n")
        .bold(Say::Explanation.text(lang))
        .text(format!("\n{}", q.explanation))
        .append(super::study::excerpts(bank, q, lang));
    d.with_buttons(vec![vec![Button::new(
        Say::Next.text(lang),
        Intent::Study { chapter },
    )]])
}

/// `/stats`' line of study mode (nothing when nothing was studied).
pub fn studied(n: usize, lang: Lang) -> Doc {
    match n {
        0 => Doc::new(),
        n => Doc::plain(cat::studied_line(n, lang)),
    }
}

/// Marked text: hits in bold.
fn marked(d: &mut Doc, m: &Marked) {
    for (text, hit) in &m.0 {
        if *hit {
            d.bold(text.clone());
        } else {
            d.text(text.clone());
        }
    }
}

/// How many pages `found` takes.
pub fn pages(found: &Found<'_>) -> usize {
    found.len().div_ceil(PAGE_SIZE).max(1)
}

/// Page `page` (from 0) of a search: the questions, then the sections, numbered
/// across pages, hits in bold; a button per result (practise a question, read a
/// section) and ◀ ▶ between pages. `None` for a page the search does not have.
pub fn search_page(
    query: &str,
    hash: u32,
    found: &Found<'_>,
    page: usize,
    lang: Lang,
) -> Option<Doc> {
    if found.is_empty() {
        return (page == 0).then(|| Doc::plain(cat::search_none(query, lang)));
    }
    let pages = pages(found);
    if page >= pages {
        return None;
    }
    let mut d = Doc::new();
    d.bold(cat::search_head(query, found.len(), page + 1, pages, lang))
        .text("\n");
    let first = page * PAGE_SIZE;
    let mut buttons = Vec::new();
    for (i, q) in found
        .questions
        .iter()
        .enumerate()
        .skip(first)
        .take(PAGE_SIZE)
    {
        if i == first || i == 0 {
            d.text("\n")
                .bold(Say::SearchQuestions.text(lang))
                .text("\n");
        }
        d.text(format!(
            "{}. {} · {}\n",
            i + 1,
            cat::chapter_label(q.question.chapter, lang),
            cat::kind_label(q.question.kind, lang)
        ));
        marked(&mut d, &q.stem);
        if let Some(more) = &q.more {
            d.text("\n  ");
            marked(&mut d, more);
        }
        d.text("\n");
        buttons.push(Button::new(
            cat::open_result_button(i + 1, lang),
            Intent::Open {
                question: q.question.id.clone(),
            },
        ));
    }
    let n_q = found.questions.len();
    let from = first.max(n_q) - n_q;
    let room = (first + PAGE_SIZE).saturating_sub(first.max(n_q));
    for (j, s) in found.sections.iter().enumerate().skip(from).take(room) {
        let i = n_q + j;
        if j == from {
            d.text("\n").bold(Say::SearchSections.text(lang)).text("\n");
        }
        d.text(format!(
            "{}. 📖 {} · ",
            i + 1,
            cat::chapter_label(s.chapter, lang)
        ));
        marked(&mut d, &s.title);
        if let Some(text) = &s.text {
            d.text("\n  ");
            marked(&mut d, text);
        }
        d.text("\n");
        buttons.push(Button::new(
            cat::read_result_button(i + 1),
            Intent::Read {
                section: s.section.id.clone(),
            },
        ));
    }
    let mut rows: Vec<Vec<Button>> = buttons.chunks(3).map(<[Button]>::to_vec).collect();
    let mut nav = Vec::new();
    if page > 0 {
        let page = (page - 1) as u16;
        nav.push(Button::new("◀", Intent::SearchPage { hash, page }));
    }
    if page + 1 < pages {
        let page = (page + 1) as u16;
        nav.push(Button::new("▶", Intent::SearchPage { hash, page }));
    }
    rows.push(nav);
    Some(d.with_buttons(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::search::{Query, search};

    #[test]
    fn search_pages_fit_a_message_and_number_results_across_pages() {
        let bank = crate::test_bank::bank();
        let query = Query::parse("的").unwrap();
        let found = search(&bank, &query);
        assert!(
            found.len() > PAGE_SIZE,
            "the test needs two pages: {}",
            found.len()
        );
        let pages = pages(&found);
        let mut numbers = Vec::new();
        for page in 0..pages {
            let d = search_page("的", 7, &found, page, Lang::Zh).unwrap();
            let text = d.plain_text();
            assert!(crate::bank::tg_len(&text) < 4096, "{text}");
            assert!(
                d.spans
                    .iter()
                    .any(|s| s.style == super::super::Style::Bold && s.text == "的")
            );
            let intents: Vec<&Intent> = d.buttons.iter().flatten().map(|b| &b.intent).collect();
            numbers.extend(
                d.buttons
                    .iter()
                    .flatten()
                    .filter(|b| !matches!(b.intent, Intent::SearchPage { .. }))
                    .map(|b| b.label.clone()),
            );
            assert_eq!(
                intents.contains(&&Intent::SearchPage { hash: 7, page: 1 }),
                page == 0 && pages > 1
            );
        }
        assert_eq!(numbers.len(), found.len(), "{numbers:?}");
        assert!(search_page("的", 7, &found, pages, Lang::Zh).is_none());
        let none = search(&bank, &Query::parse("火星").unwrap());
        let d = search_page("火星", 7, &none, 0, Lang::Zh).unwrap();
        assert!(d.plain_text().contains("没有找到“火星”"));
    }

    #[test]
    fn empty_lists_say_what_they_are_for() {
        let bank = crate::test_bank::bank();
        assert!(
            mistakes(&bank, &[], Lang::Zh)
                .plain_text()
                .contains("连续答对两次")
        );
        assert!(
            starred(&bank, &[], Lang::En)
                .plain_text()
                .contains("☆ Star")
        );
        assert_eq!(star_button("e1-q01", true, Lang::Zh).label, "★ 已收藏");
    }
}
