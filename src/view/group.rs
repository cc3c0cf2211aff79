//! What a group sees: its cards with their status line, reveals, podiums, the
//! leaderboard and the daily question's setting.

use chrono::NaiveTime;

use crate::app::group::{Board, CardLook, CardStatus, Podium, Reveal};
use crate::bank::{Bank, OptionSet};
use crate::lang::Lang;
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

#[cfg(test)]
mod tests {
    use super::*;

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
