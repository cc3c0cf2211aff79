//! `view` documents as terminal text (plain, or ANSI bold and colour), plus the
//! console's few compositions of catalogue lines. Nothing here talks to the terminal
//! or the store.

use crate::bank::{Bank, Question};
use crate::lang::Lang;
use crate::learn::{Presentation, Stats, StreakChange, Verdict};
use crate::view::catalogue as cat;
use crate::view::{Doc, Front, Style, study};

/// ANSI styles, used only when stdout is a terminal.
const BOLD: &str = "\x1b[1m";
const NOT_BOLD: &str = "\x1b[22m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const DEFAULT_COLOUR: &str = "\x1b[39m";

/// The prefix of a quoted line.
const QUOTE: &str = "│ ";

/// The console's language (the catalogue has both; the terminal speaks Chinese).
pub const LANG: Lang = Lang::Zh;

/// A document as terminal text: bold as ANSI bold with `ansi` (otherwise plain),
/// italic as plain text, each line of a quote prefixed with `│ `. Buttons are not
/// shown: the terminal has typed commands instead.
pub fn show(doc: &Doc, ansi: bool) -> String {
    let mut out = String::new();
    for span in &doc.spans {
        match span.style {
            Style::Plain | Style::Italic => out.push_str(&span.text),
            Style::Bold if ansi => {
                out.push_str(BOLD);
                out.push_str(&span.text);
                out.push_str(NOT_BOLD);
            }
            Style::Bold => out.push_str(&span.text),
            Style::Quote => out.push_str(&quote(&span.text, textwrap::termwidth())),
        }
    }
    out
}

/// A quote as terminal lines of at most `width` columns (a CJK character takes two),
/// each one prefixed with `│ `: wrapped here, so that the terminal's own wrapping
/// never leaves a line without it.
fn quote(text: &str, width: usize) -> String {
    let room = width.saturating_sub(QUOTE.len()).max(10);
    let mut lines = Vec::new();
    for line in text.lines() {
        let pieces = textwrap::wrap(line, room);
        if pieces.is_empty() {
            lines.push(QUOTE.trim_end().to_string());
        }
        for piece in pieces {
            lines.push(format!("{QUOTE}{piece}").trim_end().to_string());
        }
    }
    lines.join("\n")
}

/// A search's results, every page one after another (the terminal has no buttons),
/// or why it could not search.
pub fn search(searched: crate::app::Searched<'_>, ansi: bool) -> String {
    use crate::app::Searched;
    use crate::bank::search::QueryError;
    use crate::view::{Say, shelf};
    match searched {
        Searched::Found { query, hash, found } => {
            let pages = (0..shelf::pages(&found))
                .filter_map(|page| shelf::search_page(&query, hash, &found, page, LANG))
                .map(|doc| show(&doc, ansi))
                .collect::<Vec<_>>()
                .join("\n");
            match found.is_empty() {
                true => pages,
                false => format!("{pages}\n{}", Say::TerminalOpenResult.text(LANG)),
            }
        }
        Searched::Bad(QueryError::Empty) => Say::SearchUsage.text(LANG).to_string(),
        Searched::Bad(QueryError::TooLong) | Searched::Stale => {
            Say::SearchTooLong.text(LANG).to_string()
        }
    }
}

/// The question card, as on Telegram, with the terminal's answer hint.
pub fn card(q: &Question, p: &Presentation, ansi: bool) -> String {
    show(&study::card(q, p, LANG, Front::Terminal, None), ansi)
}

/// The verdict, as on Telegram; its first line (✅ / ❌) in green or red with `ansi`.
pub fn verdict(
    bank: &Bank,
    q: &Question,
    p: &Presentation,
    v: &Verdict,
    streak: Option<(StreakChange, u32)>,
    ansi: bool,
) -> String {
    let text = show(&study::verdict(bank, q, p, v, streak, LANG), ansi);
    if !ansi {
        return text;
    }
    let colour = if v.is_right() { GREEN } else { RED };
    match text.split_once('\n') {
        Some((head, rest)) => format!("{colour}{head}{DEFAULT_COLOUR}\n{rest}"),
        None => format!("{colour}{text}{DEFAULT_COLOUR}"),
    }
}

/// The statistics, as `/stats` shows them.
pub fn stats(bank: &Bank, s: &Stats, ansi: bool) -> String {
    show(&study::stats(bank, s, LANG), ansi)
        .trim_end()
        .to_string()
}

/// The whole section `id`, as `/read` shows it; `None` for an unknown section.
pub fn section(bank: &Bank, id: &str, ansi: bool) -> Option<String> {
    let (chapter, index) = bank.section_position(id)?;
    let doc = study::read_page(bank, chapter, index, LANG)?;
    Some(show(&doc, ansi).trim_end().to_string())
}

/// `第N章 标题` for messages about switching chapters.
pub fn chapter_name(bank: &Bank, n: u8) -> String {
    cat::chapter_name(n, bank.chapter(n).map_or("", |c| c.title.as_str()))
}

/// The valid chapter numbers, e.g. `1–8` or `1、3、4`.
pub fn chapter_range(bank: &Bank) -> String {
    let numbers: Vec<u8> = bank.chapters().iter().map(|c| c.number).collect();
    match (numbers.first(), numbers.last()) {
        (Some(a), Some(b)) if usize::from(b - a) + 1 == numbers.len() && a != b => {
            format!("{a}–{b}")
        }
        _ => numbers
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("、"),
    }
}

/// `?`: every command, and the chapters.
pub fn help(bank: &Bank) -> String {
    let mut out = cat::terminal_help(LANG).to_string();
    if !bank.chapters().is_empty() {
        out.push_str(cat::terminal_chapters_heading(LANG));
        for c in bank.chapters() {
            let n = bank.questions_in(c.number).count();
            out.push_str(&cat::terminal_chapter_line(c.number, &c.title, n, LANG));
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Doc;

    #[test]
    fn documents_become_terminal_text() {
        let mut d = Doc::new();
        d.bold("第一章 · 单选")
            .text("\n\n题干 <b> &amp;\n")
            .quote("一\n二")
            .text("y");
        assert_eq!(
            show(&d, false),
            "第一章 · 单选\n\n题干 <b> &amp;\n│ 一\n│ 二y"
        );
        assert_eq!(show(&Doc::plain(""), true), "");
        let mut d = Doc::new();
        d.bold("h").italic("i").quote("\n\n");
        assert_eq!(show(&d, true), "\x1b[1mh\x1b[22mi│\n│");
    }

    #[test]
    fn a_long_quote_line_is_wrapped_with_its_prefix_on_every_line() {
        let text = "客户服务是指企业在适当的时间和地点，以适当的方式和价格，为目标客户提供适当的产品和服务，满足客户的适当需求，使企业和客户的价值都得到提升的活动过程。\n\nshort";
        let out = quote(text, 40);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 4, "{out}");
        for line in &lines {
            assert!(line.starts_with('│'), "{line:?} in\n{out}");
            assert!(textwrap::core::display_width(line) <= 40, "{line:?}");
        }
        assert_eq!(lines.last(), Some(&"│ short"));
        assert!(lines.contains(&"│"), "the blank line keeps its bar: {out}");
    }
}
