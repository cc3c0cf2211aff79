//! Plain-text forms of what Telegram shows, plus the console's own few lines.
//!
//! The wording and layout of cards, verdicts, statistics and sections live in
//! [`crate::telegram::render`]; the console reuses them through [`plain`], which turns
//! that small HTML subset (`<b>`, `<i>`, `<blockquote>`, escaped text) into terminal
//! text. Nothing here talks to the terminal or the store.

use std::fmt::Write as _;

use crate::bank::{Bank, Kind, Question};
use crate::lang::Lang;
use crate::learn::{Presentation, Stats, StreakChange, Verdict};
use crate::telegram::render;

/// ANSI styles, used only when stdout is a terminal.
const BOLD: &str = "\x1b[1m";
const NOT_BOLD: &str = "\x1b[22m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const DEFAULT_COLOUR: &str = "\x1b[39m";

/// The prefix of a quoted line (`<blockquote>`).
const QUOTE: &str = "│ ";

/// How [`plain`] renders the HTML subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// `<b>` as ANSI bold (a terminal); otherwise tags are simply dropped.
    pub ansi: bool,
    /// Drop `<i>…</i>` elements with their text (Telegram's button hints on a card).
    pub drop_italic: bool,
}

/// Telegram HTML (the subset [`render`] produces) → plain text.
///
/// Tags are removed (`<b>` becomes ANSI bold with `style.ansi`), the entities
/// `&lt; &gt; &amp; &quot; &#39;` are decoded, and each line of a `<blockquote>` is
/// prefixed with `│ `. Bank and user text inside is always escaped by `render`, so a
/// literal `<` is always a tag. Malformed input never panics (an unclosed `<` is text).
pub fn plain(html: &str, style: Style) -> String {
    let mut out = String::with_capacity(html.len());
    let mut quote: Option<String> = None;
    let mut italic_depth = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if italic_depth == 0 {
                push_text(&mut out, &mut quote, rest);
            }
            break;
        };
        if italic_depth == 0 {
            push_text(&mut out, &mut quote, &rest[..lt]);
        }
        let Some(gt) = rest[lt..].find('>') else {
            if italic_depth == 0 {
                push_text(&mut out, &mut quote, &rest[lt..]);
            }
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match name.as_str() {
            "i" | "em" if style.drop_italic => {
                italic_depth = if closing {
                    italic_depth.saturating_sub(1)
                } else {
                    italic_depth + 1
                };
            }
            _ if italic_depth > 0 => {}
            "blockquote" if !closing => {
                quote.get_or_insert_with(String::new);
            }
            "blockquote" => {
                if let Some(q) = quote.take() {
                    let lines: Vec<String> = q
                        .lines()
                        .map(|l| format!("{QUOTE}{l}").trim_end().into())
                        .collect();
                    out.push_str(&lines.join("\n"));
                }
            }
            "b" | "strong" if style.ansi => {
                let code = if closing { NOT_BOLD } else { BOLD };
                match quote.as_mut() {
                    Some(q) => q.push_str(code),
                    None => out.push_str(code),
                }
            }
            "br" => push_text(&mut out, &mut quote, "\n"),
            _ => {}
        }
    }
    if let Some(q) = quote {
        // An unclosed quote: keep its text.
        out.push_str(&q);
    }
    out
}

fn push_text(out: &mut String, quote: &mut Option<String>, text: &str) {
    let target = match quote.as_mut() {
        Some(q) => q,
        None => out,
    };
    unescape_into(target, text);
}

/// Decodes the HTML entities `render` can produce; anything else stays as it is.
fn unescape_into(out: &mut String, text: &str) {
    const ENTITIES: [(&str, char); 6] = [
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&amp;", '&'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&#x27;", '\''),
    ];
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        match ENTITIES.iter().find(|(e, _)| tail.starts_with(e)) {
            Some((e, c)) => {
                out.push(*c);
                rest = &tail[e.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
}

/// The question card, as on Telegram (`第N章 · 单选`, the stem, `A. …` in shown
/// order), with the console's answer hint instead of Telegram's button hint.
pub fn card(q: &Question, p: &Presentation, ansi: bool) -> String {
    let html = render::card_text(q, p, Lang::Zh, None);
    let style = Style {
        ansi,
        drop_italic: true,
    };
    let mut out = plain(&html, style).trim_end().to_string();
    out.push_str("\n\n");
    out.push_str(answer_hint(q.kind));
    out
}

/// What to type at the answer prompt.
pub fn answer_hint(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "输入选项字母作答（如 B），? 查看帮助",
        Kind::Multi => "输入所有正确选项的字母作答（如 BD），? 查看帮助",
        Kind::Judge => "输入 对 或 错 作答（也可用 √ ×），? 查看帮助",
    }
}

/// The line under a verdict.
pub const AFTER_VERDICT: &str = "回车 下一题 · r 阅读本节全文 · s 统计 · q 退出";

/// The hint for unexpected input after a verdict.
pub const AFTER_VERDICT_HINT: &str = "按回车进入下一题，r 阅读本节全文，? 查看帮助";

/// The verdict, as on Telegram; its first line (✅ / ❌) in green or red with `ansi`.
pub fn verdict(
    bank: &Bank,
    q: &Question,
    v: &Verdict,
    streak: Option<(StreakChange, u32)>,
    ansi: bool,
) -> String {
    let html = render::verdict_text(bank, q, v, streak, Lang::Zh);
    let text = plain(
        &html,
        Style {
            ansi,
            drop_italic: false,
        },
    );
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
    let html = render::stats_text(bank, s, Lang::Zh);
    plain(
        &html,
        Style {
            ansi,
            drop_italic: false,
        },
    )
    .trim_end()
    .to_string()
}

/// The whole section `id`, as `/read` shows it; `None` for an unknown section.
pub fn section(bank: &Bank, id: &str, ansi: bool) -> Option<String> {
    let (chapter, index) = bank.section_position(id)?;
    let (parts, _keyboard) = render::read_page(bank, chapter, index, Lang::Zh)?;
    let style = Style {
        ansi,
        drop_italic: false,
    };
    Some(plain(&parts.join("\n"), style).trim_end().to_string())
}

/// `第N章 标题` for messages about switching chapters.
pub fn chapter_name(bank: &Bank, n: u8) -> String {
    let title = bank.chapter(n).map_or("", |c| c.title.as_str());
    format!("第{n}章 {title}").trim_end().to_string()
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
    let mut out = String::from(
        "命令：\n\
         \u{20} 字母        作答，如 B、BD、b,d、ＢＤ；判断题答 对 / 错（√ ×）\n\
         \u{20} 回车        （看完解析后）下一题\n\
         \u{20} r           （看完解析后）阅读本节全文\n\
         \u{20} s           学习统计\n\
         \u{20} c N         只练第 N 章；c 0 练全部章节\n\
         \u{20} ?           显示本帮助\n\
         \u{20} q           退出（Ctrl-D、Ctrl-C 亦可；进度每答一题即已保存）\n",
    );
    if !bank.chapters().is_empty() {
        out.push_str("\n章节：\n");
        for c in bank.chapters() {
            let _ = writeln!(
                out,
                "  {:>2}  {}（{} 题）",
                c.number,
                c.title,
                bank.questions_in(c.number).count()
            );
        }
    }
    out.trim_end().to_string()
}

/// The session summary printed on the way out.
pub fn summary(answered: u32, right: u32) -> String {
    if answered == 0 {
        return "本次没有作答。再见！".to_string();
    }
    let pct = f64::from(right) / f64::from(answered) * 100.0;
    format!("本次练习：作答 {answered} 题，答对 {right} 题，正确率 {pct:.0}%。再见！")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const PLAIN: Style = Style {
        ansi: false,
        drop_italic: false,
    };

    #[test]
    fn plain_handles_the_render_subset() {
        for (html, want) in [
            ("<b>第一章 · 单选</b>\n\n题干", "第一章 · 单选\n\n题干"),
            (
                "a &lt;b&gt; &amp;amp; &quot;x&quot; &#39;",
                "a <b> &amp; \"x\" '",
            ),
            ("x<blockquote>一\n二</blockquote>y", "x│ 一\n│ 二y"),
            ("<blockquote>\n\n</blockquote>", "│\n│"),
            ("AT&T & co", "AT&T & co"),
            ("unclosed < tag", "unclosed < tag"),
            ("<b>unterminated", "unterminated"),
            ("<blockquote>open", "open"),
            ("", ""),
        ] {
            assert_eq!(plain(html, PLAIN), want, "{html:?}");
        }
        let drop = Style {
            ansi: false,
            drop_italic: true,
        };
        assert_eq!(plain("a\n<i>hint <b>x</b></i>\nb", drop), "a\n\nb");
        assert_eq!(
            plain("<b>h</b>", Style { ansi: true, ..drop }),
            "\x1b[1mh\x1b[22m"
        );
    }

    proptest! {
        #[test]
        fn escaped_text_round_trips(s in "\\PC*") {
            let html = teloxide::utils::html::escape(&s);
            prop_assert_eq!(plain(&html, PLAIN), s);
        }

        #[test]
        fn never_panics(s in "[<>&a-z/ \n;#]*") {
            let _ = plain(&s, PLAIN);
            let _ = plain(&s, Style { ansi: true, drop_italic: true });
        }
    }

    #[test]
    fn summary_lines() {
        assert_eq!(summary(0, 0), "本次没有作答。再见！");
        assert_eq!(
            summary(3, 2),
            "本次练习：作答 3 题，答对 2 题，正确率 67%。再见！"
        );
    }
}
