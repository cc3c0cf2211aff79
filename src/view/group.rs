//! What a group sees: its cards with their status line, reveals, podiums, the
//! leaderboard and the daily question's setting.

use chrono::NaiveTime;

use crate::app::group::{Board, CardLook, CardStatus, Podium, Reveal};
use crate::bank::{Bank, OptionSet};
use crate::lang::Lang;
use crate::learn::{self, class::ClassReport};
use crate::view::catalogue::{self as cat, CardState, Say, status_line};
use crate::view::{Doc, Front, study};

/// Right answers named in a reveal; the rest are counted.
pub const REVEAL_NAMES: usize = 30;

/// A group card: the private layout, then the status line; buttons while it is open.
pub fn card(look: &CardLook<'_>) -> Doc {
    let (q, p, lang) = (look.question, &look.presentation, look.lang);
    let mut d = study::card(q, p, lang, Front::Chat, None);
    let at;
    let state = match look.status {
        CardStatus::Open {
            limit_secs,
            answered,
            round,
        } => CardState::Open {
            limit_secs,
            answered,
            round,
        },
        CardStatus::Daily {
            reveal_at,
            tz,
            answered,
        } => {
            at = hhmm(reveal_at.with_timezone(&tz).time());
            CardState::Daily {
                reveal_at: &at,
                answered,
            }
        }
        CardStatus::Closed { answered } => CardState::Closed { answered },
    };
    d.text(format!("\n{}", status_line(state, lang)));
    if matches!(look.status, CardStatus::Closed { .. }) {
        d
    } else {
        d.with_buttons(study::card_buttons(q, p, OptionSet::EMPTY, lang))
    }
}

pub(super) fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// The reveal: the answer, the explanation and the section excerpt; then who was
/// right, fastest first with points, and how many were wrong.
pub fn reveal(bank: &Bank, r: &Reveal<'_>, lang: Lang) -> Doc {
    let (q, p) = (r.question, &r.presentation);
    let (correct, options) = study::right_answer(q, p, lang);
    let head = cat::reveal_head(r.daily, r.round, lang);
    let mut d = Doc::new();
    d.bold(format!(
        "{head} · {}{correct}",
        Say::RevealAnswer.text(lang)
    ));
    for line in options {
        d.text(line);
    }
    d.text("\n\n")
        .bold(Say::Explanation.text(lang))
        .text(format!("\n{}", q.explanation))
        .append(study::excerpts(bank, q, lang));
    d.text("\n\n").append(results(r, lang));
    d
}

/// Who was right (fastest first, with points) and how many were wrong.
fn results(r: &Reveal<'_>, lang: Lang) -> Doc {
    if r.right.is_empty() && r.wrong == 0 {
        return Doc::plain(Say::NobodyAnswered.text(lang));
    }
    let mut d = Doc::new();
    d.bold(cat::right_count(r.right.len(), lang));
    for (i, f) in r.right.iter().take(REVEAL_NAMES).enumerate() {
        d.text(cat::reveal_line(i + 1, &f.name, f.secs, f.points, lang));
        if f.bonus > 0 {
            d.text(cat::points_breakdown(f.points - f.bonus, f.bonus, lang));
        }
    }
    if r.right.len() > REVEAL_NAMES {
        d.text(cat::and_more(r.right.len() - REVEAL_NAMES, lang));
    }
    if r.wrong > 0 {
        d.text(cat::wrong_count(r.wrong, lang));
    }
    d
}

/// The end of a round: medals for the top three (ties share), then everyone's score.
pub fn podium(p: &Podium, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(Say::RoundOver.text(lang));
    if p.scores.is_empty() {
        d.text(format!("\n{}", Say::NobodyThisRound.text(lang)));
        return d;
    }
    // One ranking: medals for the top three (ties share; none for no points), then
    // everyone else by rank.
    let medals = ["🥇", "🥈", "🥉"];
    for (name, pts, rank) in &p.scores {
        let mark = match medals.get(*rank).filter(|_| *pts > 0) {
            Some(medal) => (*medal).to_string(),
            None => format!("{}.", rank + 1),
        };
        d.text(cat::medal_line(&mark, name, *pts, lang));
    }
    d
}

/// `/top`: rank, name, points, right answers, current answer streak.
pub fn board(b: &Board, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(cat::top_title(b.all, lang));
    if b.rows.is_empty() {
        d.text(format!("\n{}", Say::NoPointsYet.text(lang)));
    }
    for (i, (name, s)) in b.rows.iter().enumerate() {
        d.text(cat::top_line(
            i + 1,
            name,
            s.points,
            s.correct,
            s.streak,
            lang,
        ));
    }
    if !b.all && !b.rows.is_empty() {
        d.text(Say::WeeklyReset.text(lang));
    }
    d
}

// ----- the class report ---------------------------------------------------------

/// At most this many members in `/class`; the rest are in `/class csv`.
pub const CLASS_ROWS: usize = 30;
/// The text budget of `/class` in UTF-16 units, below Telegram's 4096 so that the
/// report stays one message (escaping may lengthen it a little).
const CLASS_BUDGET: usize = 3600;

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A last answer in the group's zone: `3月4日 12:00`, `Mar 4 12:00`; `—` for none.
fn last_active(at: Option<chrono::DateTime<chrono::Utc>>, tz: chrono_tz::Tz, lang: Lang) -> String {
    use chrono::{Datelike, Timelike};
    let Some(at) = at else {
        return "—".into();
    };
    let l = at.with_timezone(&tz);
    match lang {
        Lang::Zh => format!(
            "{}月{}日 {:02}:{:02}",
            l.month(),
            l.day(),
            l.hour(),
            l.minute()
        ),
        Lang::En => l.format("%b %-d %H:%M").to_string(),
    }
}

/// `/class`: the members, most answers first, as many as fit one message (at most
/// [`CLASS_ROWS`]), a note pointing to `/class csv` for the rest, and the group's
/// weakest chapter.
pub fn class_report(r: &ClassReport, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(cat::class_title(r.rows.len(), r.week_of, lang));
    if r.rows.is_empty() {
        d.text(format!("\n{}", Say::ClassEmpty.text(lang)));
        return d;
    }
    let mut used = utf16_len(&cat::class_title(r.rows.len(), r.week_of, lang)) + 300;
    let mut shown = 0;
    for (i, row) in r.rows.iter().take(CLASS_ROWS).enumerate() {
        let weak = row
            .weakest
            .map(|c| (cat::chapter_label(c.chapter, lang), c.percent()));
        let line = cat::class_line(
            i + 1,
            &row.name,
            (row.answered, learn::class::percent(row.right, row.answered)),
            (
                row.week_answered,
                learn::class::percent(row.week_right, row.week_answered),
            ),
            row.streak,
            &last_active(row.last_active, r.tz, lang),
            weak.as_ref().map(|(c, p)| (c.as_str(), *p)),
            lang,
        );
        // What HTML escaping adds (`&amp;` is 4 more than `&`): names are the user's.
        let escaped = row
            .name
            .chars()
            .filter(|c| matches!(c, '<' | '>' | '&' | '"'))
            .count();
        used += utf16_len(&line) + 5 * escaped;
        if used > CLASS_BUDGET {
            break;
        }
        d.text(line);
        shown += 1;
    }
    if let Some(w) = r.weakest {
        let label = cat::chapter_label(w.chapter, lang);
        d.text(cat::class_weakest(&label, w.percent(), w.answered, lang));
    }
    if shown < r.rows.len() {
        d.text(cat::class_truncated(shown, r.rows.len(), lang));
    } else {
        d.text(cat::class_csv_hint(lang));
    }
    d
}

/// `/class csv`: every member, UTF-8 with a byte-order mark (so that Excel reads the
/// Chinese right), times in the group's zone as `2026-03-04 12:00`.
pub fn class_csv(r: &ClassReport, lang: Lang) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Writing to memory cannot fail.
        let _ = w.write_record(cat::class_csv_header(lang));
        for row in &r.rows {
            let last = row
                .last_active
                .map(|t| t.with_timezone(&r.tz).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let weak = row
                .weakest
                .map(|c| format!("{} ({}%)", cat::chapter_label(c.chapter, lang), c.percent()))
                .unwrap_or_default();
            let _ = w.write_record([
                row.name.clone(),
                row.user.to_string(),
                row.answered.to_string(),
                row.right.to_string(),
                learn::class::percent(row.right, row.answered).to_string(),
                row.week_answered.to_string(),
                row.week_right.to_string(),
                row.streak.to_string(),
                last,
                weak,
            ]);
        }
        let _ = w.flush();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_row(i: u32, name: &str) -> learn::class::ClassRow {
        learn::class::ClassRow {
            user: i64::from(i),
            name: name.into(),
            answered: 10,
            right: 7,
            week_answered: 3,
            week_right: 1,
            streak: 2,
            last_active: chrono::DateTime::from_timestamp(1_772_596_800, 0), // 2026-03-04 04:00 UTC
            weakest: Some(learn::class::ChapterTally {
                chapter: 2,
                answered: 4,
                right: 1,
            }),
        }
    }

    fn class(rows: Vec<learn::class::ClassRow>) -> ClassReport {
        ClassReport {
            rows,
            weakest: Some(learn::class::ChapterTally {
                chapter: 3,
                answered: 9,
                right: 3,
            }),
            week_of: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            tz: chrono_tz::Asia::Shanghai,
        }
    }

    #[test]
    fn a_class_report_in_both_languages() {
        let r = class(vec![class_row(1, "林")]);
        assert_eq!(
            class_report(&r, Lang::Zh).plain_text(),
            "📋 班级报告（1 人；本周自 3月2日 起）\n1. 林 — 答 10 题 · 正确率 70% · 本周 3 题（33%） · 连对 2 · 最近 3月4日 12:00 · 最弱 第二章（25%）\n\n全群最弱：第三章（正确率 33%，共 9 次作答）\n表格版：/class csv"
        );
        assert_eq!(
            class_report(&r, Lang::En).plain_text(),
            "📋 Class report (1 member; this week from Mar 2)\n1. 林 — 10 answers · 70% right · this week 3 (33%) · streak 2 · last Mar 4 12:00 · weakest Chapter 2 (25%)\n\nThe group's weakest: Chapter 3 (33% right of 9 answers)\nAs a spreadsheet: /class csv"
        );
        let empty = ClassReport {
            rows: Vec::new(),
            weakest: None,
            ..r
        };
        assert!(
            class_report(&empty, Lang::Zh)
                .plain_text()
                .ends_with("本群还没有人答过题。")
        );
    }

    /// A big group with long names full of characters HTML must escape: one message
    /// under Telegram's 4096 UTF-16 units (escaped), and a note pointing to the CSV.
    #[test]
    fn a_big_class_fits_one_message_and_points_to_the_csv() {
        for name in ["名".repeat(64), "&".repeat(64), "𝒜".repeat(64)] {
            let rows = (0..500).map(|i| class_row(i, &name)).collect();
            let r = class(rows);
            for lang in [Lang::Zh, Lang::En] {
                let text = class_report(&r, lang).plain_text();
                let escaped = text.replace('&', "&amp;");
                assert!(
                    utf16_len(&escaped) <= 4096 - 16,
                    "{lang:?} {}",
                    utf16_len(&escaped)
                );
                let shown = text.matches(" — ").count();
                assert!((5..=CLASS_ROWS).contains(&shown), "{shown}");
                assert!(
                    text.contains("/class csv") && text.contains("500"),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn the_class_csv_has_a_bom_a_header_and_every_member() {
        let rows = (0..100).map(|i| class_row(i, "王, \"小\"明")).collect();
        let csv = class_csv(&class(rows), Lang::Zh);
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&csv[3..]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 101);
        assert_eq!(
            lines[0],
            "姓名,用户ID,答题数,答对数,正确率%,本周答题数,本周答对数,连对,最近答题,最弱章节"
        );
        assert_eq!(
            lines[1],
            "\"王, \"\"小\"\"明\",0,10,7,70,3,1,2,2026-03-04 12:00,第二章 (25%)"
        );
        let en = class_csv(&class(vec![class_row(1, "Lin")]), Lang::En);
        let en = std::str::from_utf8(&en[3..]).unwrap();
        assert!(en.starts_with("name,user id,answers,"), "{en}");
        assert!(
            en.contains("Lin,1,10,7,70,3,1,2,2026-03-04 12:00,Chapter 2 (25%)"),
            "{en}"
        );
    }

    #[test]
    fn status_lines() {
        let open = CardState::Open {
            limit_secs: 60,
            answered: 3,
            round: None,
        };
        assert_eq!(status_line(open, Lang::Zh), "⏱ 60 秒 · 已作答 3 人");
        let round = CardState::Open {
            limit_secs: 10,
            answered: 0,
            round: Some((2, 5)),
        };
        assert_eq!(
            status_line(round, Lang::Zh),
            "⏱ 10 秒 · 已作答 0 人 · 第 2/5 题"
        );
        assert_eq!(
            status_line(round, Lang::En),
            "⏱ 10 s · 0 answered · question 2/5"
        );
        let daily = CardState::Daily {
            reveal_at: "22:00",
            answered: 1,
        };
        assert_eq!(
            status_line(daily, Lang::Zh),
            "☀️ 每日群题 · 22:00 公布答案 · 已作答 1 人"
        );
        // The closed line does not look like a live count.
        let closed = status_line(CardState::Closed { answered: 4 }, Lang::Zh);
        assert!(
            !closed.contains("已作答") && closed.contains('4'),
            "{closed}"
        );
    }
}
