//! Documents as Telegram HTML: every run of text escaped, markup only around it, the
//! buttons as an inline keyboard, long texts split within Telegram's limit. The
//! documents themselves come from `view`; nothing here talks to Telegram.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html::escape as esc;

use crate::view::{Button, Doc, Intent, Style};

/// Telegram's message limit, in UTF-16 units.
pub const MESSAGE_LIMIT: usize = 4096;

/// A document's text as Telegram HTML (`<b>`, `<i>`, `<blockquote>`; all text escaped).
pub fn html(doc: &Doc) -> String {
    let mut out = String::new();
    for span in &doc.spans {
        let text = esc(&span.text);
        match span.style {
            Style::Plain => out.push_str(&text),
            Style::Bold => out.push_str(&format!("<b>{text}</b>")),
            Style::Italic => out.push_str(&format!("<i>{text}</i>")),
            Style::Quote => out.push_str(&format!("<blockquote>{text}</blockquote>")),
        }
    }
    out
}

/// Rows of buttons as an inline keyboard.
pub fn keyboard(rows: &[Vec<Button>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|b| button(&b.label, b.intent.clone()))
            .collect::<Vec<_>>()
    }))
}

/// A document's keyboard, if it has buttons.
pub fn markup(doc: &Doc) -> Option<InlineKeyboardMarkup> {
    (!doc.buttons.is_empty()).then(|| keyboard(&doc.buttons))
}

pub fn button(label: &str, intent: Intent) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.to_string(), intent.encode())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Bank, Kind, OptionSet};
    use crate::lang::Lang;
    use crate::learn::{Presentation, Response, StreakChange};
    use crate::view::Front;
    use crate::view::study::{self, EXCERPT_SECTIONS, GroupLine};

    fn card_text(
        q: &crate::bank::Question,
        p: &Presentation,
        lang: Lang,
        g: Option<&GroupLine>,
    ) -> String {
        html(&study::card(q, p, lang, Front::Chat, g))
    }

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
                let text = html(&study::verdict(&bank, q, &p, &v, None, Lang::Zh));
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
            let kb = keyboard(&study::card_buttons(q, &p, OptionSet::EMPTY, Lang::Zh));
            for row in &kb.inline_keyboard {
                for b in row {
                    if let teloxide::types::InlineKeyboardButtonKind::CallbackData(d) = &b.kind {
                        assert!(d.len() <= 64);
                        assert!(Intent::decode(d).is_ok());
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
            let out = html(&study::verdict(
                &bank,
                q,
                &p,
                &v,
                Some((
                    StreakChange::Repaired {
                        missed: chrono::NaiveDate::MIN,
                    },
                    999,
                )),
                lang,
            ));
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
        let block = html(&study::excerpts(&bank, q, Lang::Zh));
        for id in q.sections.iter().take(EXCERPT_SECTIONS) {
            let title = &bank.section(id).unwrap().title;
            assert!(block.contains(&esc(title)), "{id} not quoted: {block}");
        }
    }

    #[test]
    fn user_text_is_escaped() {
        assert!(html(&study::welcome(Lang::Zh, "<b>&", false)).contains("&lt;b&gt;&amp;"));
    }
}
