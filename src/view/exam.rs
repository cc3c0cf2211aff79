//! The mock exam's documents: the sheet (question, answer so far, countdown, the
//! answer-sheet keyboard), the warning before 交卷, the result with its review, the
//! history, and the last results under `/stats`.

use chrono_tz::Tz;

use crate::app::exam::{Report, Sheet};
use crate::bank::{Bank, Kind, letter};
use crate::lang::Lang;
use crate::learn::Response;
use crate::store::ExamResult;

use super::catalogue as cat;
use super::doc::{Button, Doc, Intent, SheetOp};
use super::study::{response_text, right_answer};
use super::{Front, Say};

/// Numbered buttons per row of the answer sheet.
pub const SHEET_ROW: usize = 8;

/// The sheet: which question, its text and options, the answer so far, the countdown;
/// in a chat, option buttons, the numbered answer sheet, ◀ ▶ and 交卷.
pub fn sheet(s: &Sheet<'_>, lang: Lang, front: Front) -> Doc {
    let q = s.question;
    let total = s.answered.len();
    let answered = s.answered.iter().filter(|a| **a).count();
    let mut d = Doc::new();
    d.bold(cat::exam_head(s.index, total, lang)).text(format!(
        " · {} · {}\n{}\n\n{}\n",
        cat::chapter_label(q.chapter, lang),
        cat::kind_label(q.kind, lang),
        cat::exam_countdown(s.seconds_left, answered, total, lang),
        q.stem
    ));
    if q.kind != Kind::Judge {
        d.text("\n");
        for (i, text) in s.presentation.shown_options(q).iter().enumerate() {
            d.text(format!("{}. {text}\n", letter(i)));
        }
    }
    let given = s.answer.as_ref().map(|r| response_text(r, lang));
    d.text("\n")
        .bold(cat::exam_your_answer(given.as_deref(), lang))
        .text("\n");
    d.italic(cat::exam_hint(front, lang));
    if front == Front::Chat {
        d = d.with_buttons(sheet_buttons(s, lang));
    }
    d
}

/// The option buttons (chosen ones marked ✔), the numbered sheet (✔ answered, ·N·
/// the one shown), then ◀ ▶ and 交卷.
pub fn sheet_buttons(s: &Sheet<'_>, lang: Lang) -> Vec<Vec<Button>> {
    let exam = s.nonce;
    let at = s.index as u16;
    let button = |label: String, op| Button::new(label, Intent::Exam { exam, op });
    let chosen = |i: usize| match s.answer {
        Some(Response::Choice(set)) => set.contains(i),
        Some(Response::Judge(v)) => (i == 0) == v,
        None => false,
    };
    let mark = |i: usize, label: String| {
        if chosen(i) {
            format!("✔ {label}")
        } else {
            label
        }
    };
    let mut rows = Vec::new();
    let options: Vec<Button> = match s.question.kind {
        Kind::Judge => [true, false]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let label = mark(i, cat::judge(*v, lang).to_string());
                button(label, SheetOp::Pick(at, i as u8))
            })
            .collect(),
        _ => (0..s.presentation.len())
            .map(|i| button(mark(i, letter(i).to_string()), SheetOp::Pick(at, i as u8)))
            .collect(),
    };
    rows.push(options);
    let numbers: Vec<Button> = s
        .answered
        .iter()
        .enumerate()
        .map(|(i, done)| {
            let n = i + 1;
            let label = match (i == s.index, *done) {
                (true, _) => format!("·{n}·"),
                (false, true) => format!("✔{n}"),
                (false, false) => n.to_string(),
            };
            button(label, SheetOp::Go(i as u16))
        })
        .collect();
    for chunk in numbers.chunks(SHEET_ROW) {
        rows.push(chunk.to_vec());
    }
    let last = s.answered.len().saturating_sub(1) as u16;
    let mut nav = Vec::new();
    if at > 0 {
        nav.push(button(cat::exam_prev(lang).into(), SheetOp::Go(at - 1)));
    }
    if at < last {
        nav.push(button(cat::exam_next(lang).into(), SheetOp::Go(at + 1)));
    }
    nav.push(button(cat::exam_submit(lang).into(), SheetOp::Submit));
    rows.push(nav);
    rows
}

/// The warning before handing in with unanswered questions: confirm, or go back.
pub fn confirm(s: &Sheet<'_>, unanswered: &[usize], lang: Lang) -> Doc {
    let exam = s.nonce;
    let mut d = Doc::new();
    d.bold(cat::exam_unanswered_warning(unanswered, lang));
    d.with_buttons(vec![vec![
        Button::new(
            cat::exam_confirm(lang),
            Intent::Exam {
                exam,
                op: SheetOp::Confirm,
            },
        ),
        Button::new(
            cat::exam_keep_going(lang),
            Intent::Exam {
                exam,
                op: SheetOp::Go(s.index as u16),
            },
        ),
    ]])
}

/// The result: score against the pass mark, time used, each chapter, and the review
/// of every wrong or unanswered question with its right answer and explanation.
pub fn result(bank: &Bank, report: &Report<'_>, lang: Lang) -> Doc {
    let r = &report.result;
    let mut d = Doc::new();
    d.bold(cat::exam_result_head(r.timed_out, lang))
        .text("\n")
        .bold(cat::exam_score_line(
            r.points, r.total, r.pass, r.passed, lang,
        ))
        .text(format!(
            "\n{}\n\n",
            cat::exam_summary_line(r.seconds_used, r.right, r.questions, r.unanswered, lang)
        ))
        .bold(cat::exam_chapters_heading(lang))
        .text("\n");
    for c in &r.chapters {
        let title = bank.chapter(c.chapter).map_or("", |ch| ch.title.as_str());
        let label = cat::chapter_label(c.chapter, lang);
        let figures = [c.right, c.questions, c.points, c.total];
        d.text(cat::exam_chapter_line(&label, title, figures, lang));
    }
    d.text("\n").bold(cat::exam_review_heading(lang)).text("\n");
    if report.wrong.is_empty() {
        d.text(format!("{}\n", cat::exam_all_right(lang)));
    }
    for w in &report.wrong {
        let q = w.question;
        let head = cat::exam_review_item(
            w.index,
            &cat::chapter_label(q.chapter, lang),
            cat::kind_label(q.kind, lang),
            lang,
        );
        d.text("\n").bold(head).text(format!("\n{}\n", q.stem));
        if q.kind != Kind::Judge {
            for (i, text) in w.presentation.shown_options(q).iter().enumerate() {
                d.text(format!("{}. {text}\n", letter(i)));
            }
        }
        let given = match &w.verdict {
            Some(v) => response_text(&v.given, lang),
            None => cat::exam_unanswered(lang).to_string(),
        };
        let (right, _) = right_answer(q, &w.presentation, lang);
        d.text(format!(
            "{}{given}\n{}{right}\n",
            cat::your_answer(lang),
            cat::right_answer(lang)
        ));
        d.italic(format!("{}：", Say::Explanation.text(lang)))
            .text(format!("{}\n", q.explanation));
    }
    d.text("\n").italic(cat::exam_after(lang));
    d
}

fn history_lines(d: &mut Doc, results: &[ExamResult], tz: Tz, lang: Lang) {
    for r in results {
        let when = cat::exam_date(r.submitted.with_timezone(&tz).naive_local(), lang);
        d.text(cat::exam_history_line(
            &when,
            r.points,
            r.total,
            r.passed,
            r.seconds_used,
            lang,
        ));
    }
}

/// `/exam history`: every kept result, newest first.
pub fn history(results: &[ExamResult], tz: Tz, lang: Lang) -> Doc {
    let mut d = Doc::new();
    d.bold(cat::exam_history_title(lang)).text("\n\n");
    if results.is_empty() {
        d.text(cat::exam_history_empty(lang));
    }
    history_lines(&mut d, results, tz, lang);
    d
}

/// The last results under `/stats` (nothing when there are none).
pub fn stats_lines(results: &[ExamResult], tz: Tz, lang: Lang) -> Doc {
    let mut d = Doc::new();
    if results.is_empty() {
        return d;
    }
    d.text("\n\n")
        .bold(cat::exam_stats_heading(lang))
        .text("\n");
    history_lines(&mut d, results, tz, lang);
    d
}

#[cfg(test)]
mod tests;
