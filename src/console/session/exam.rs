//! `exam` in `tutor play`: the same paper, sheet and result as `/exam`, typed.

use std::io::Write;

use crate::app::exam::{ExamOp, ExamOutcome, HISTORY_RESULTS};
use crate::learn::parse::fold_width;
use crate::learn::{Parsed, parse_answer};
use crate::view::catalogue as cat;
use crate::view::{Front, exam as view};

use super::{Ended, Input, Session, text};

/// A line typed during the exam.
enum Typed {
    Go(i64),
    Next,
    Prev,
    Submit,
    Help,
    Leave,
    Other(String),
}

fn typed(line: &str) -> Typed {
    let folded: String = line
        .trim()
        .chars()
        .map(|c| fold_width(c).to_ascii_lowercase())
        .collect();
    match folded.as_str() {
        "" | "n" | "next" | "下一题" => Typed::Next,
        "p" | "prev" | "上一题" => Typed::Prev,
        "交卷" | "submit" => Typed::Submit,
        "?" | "？" | "help" | "帮助" => Typed::Help,
        "q" | "quit" | "退出" => Typed::Leave,
        w => match w.strip_prefix('g').map(str::trim).map(str::parse::<i64>) {
            Some(Ok(n)) => Typed::Go(n),
            _ => Typed::Other(line.trim().to_string()),
        },
    }
}

/// Where the paper stands after an outcome: the question shown and how to read input.
struct At {
    nonce: u32,
    index: usize,
    kind: crate::bank::Kind,
    width: usize,
    confirming: bool,
}

impl<W: Write> Session<'_, W> {
    /// Runs a mock exam until it is handed in (`None`: back to practice) or the input
    /// ends (`Some`). Leaving keeps the paper and its clock.
    pub(super) fn exam(
        &mut self,
        input: &mut dyn FnMut() -> Input,
    ) -> anyhow::Result<Option<Ended>> {
        let tutor = self.s.tutor;
        let user = self.s.learner;
        let mut outcome = tutor.exam_start(user, &mut rand::rng())?;
        loop {
            tutor.durable_blocking()?;
            let Some(at) = self.show_exam(&outcome)? else {
                return Ok(None);
            };
            let At {
                nonce,
                index,
                kind,
                width,
                confirming,
            } = at;
            let line = match self.read(input, "考试> ")? {
                Input::Line(line) => line,
                Input::End => return self.leave_exam(Ended::End),
                Input::Interrupt => return self.leave_exam(Ended::Interrupted),
            };
            let at = index as i64;
            let go = |n: i64| ExamOp::Go(n.clamp(0, i64::from(u16::MAX)) as u16);
            let op = match typed(&line) {
                _ if confirming && matches!(line.trim(), "y" | "Y" | "是") => {
                    ExamOp::ConfirmSubmit
                }
                _ if confirming => go(at),
                Typed::Next => go(at + 1),
                Typed::Prev => go(at - 1),
                Typed::Go(n) => go(n - 1),
                Typed::Submit => ExamOp::Submit,
                Typed::Leave => return self.leave_exam(Ended::Quit),
                Typed::Help => {
                    self.say(cat::exam_hint(Front::Terminal, text::LANG))?;
                    go(at)
                }
                Typed::Other(answer) => match parse_answer(&answer, kind, width) {
                    Parsed::Answer(r) => ExamOp::Set(index as u16, r),
                    Parsed::NotAnswer => {
                        self.say(cat::exam_hint(Front::Terminal, text::LANG))?;
                        go(at)
                    }
                    Parsed::Invalid(why) => {
                        self.say(&cat::invalid_answer(&why, kind, text::LANG))?;
                        go(at)
                    }
                },
            };
            outcome = tutor.exam_op(user, nonce, op)?;
        }
    }

    /// Shows an exam outcome; where the paper stands, unless it is over.
    fn show_exam(&mut self, outcome: &ExamOutcome<'_>) -> anyhow::Result<Option<At>> {
        Ok(Some(match outcome {
            ExamOutcome::Sheet(s) => {
                let shown = text::show(&view::sheet(s, text::LANG, Front::Terminal), self.s.ansi);
                self.blank_line()?;
                self.say(&shown)?;
                At {
                    nonce: s.nonce,
                    index: s.index,
                    kind: s.question.kind,
                    width: s.presentation.len(),
                    confirming: false,
                }
            }
            ExamOutcome::Confirm { sheet, unanswered } => {
                let doc = view::confirm(sheet, unanswered, text::LANG);
                self.say(&text::show(&doc, self.s.ansi))?;
                self.say(cat::exam_terminal_confirm(text::LANG))?;
                let s = sheet;
                At {
                    nonce: s.nonce,
                    index: s.index,
                    kind: s.question.kind,
                    width: s.presentation.len(),
                    confirming: true,
                }
            }
            ExamOutcome::Submitted(r) | ExamOutcome::TimeUp(r) => {
                let doc = view::result(self.bank(), r, text::LANG);
                self.blank_line()?;
                self.say(&text::show(&doc, self.s.ansi))?;
                return Ok(None);
            }
            ExamOutcome::AlreadySubmitted => {
                self.say(cat::exam_already_submitted(text::LANG))?;
                return Ok(None);
            }
            ExamOutcome::NoExam => {
                self.say(cat::exam_no_such(text::LANG))?;
                return Ok(None);
            }
            ExamOutcome::Empty => {
                self.say(cat::exam_empty(text::LANG))?;
                return Ok(None);
            }
        }))
    }

    fn leave_exam(&mut self, ended: Ended) -> anyhow::Result<Option<Ended>> {
        self.say(cat::exam_terminal_left(text::LANG))?;
        Ok(Some(ended))
    }

    /// `exam history`.
    pub(super) fn exam_history(&mut self) -> anyhow::Result<()> {
        let results = self.s.tutor.exam_history(self.s.learner, HISTORY_RESULTS)?;
        let doc = view::history(&results, self.s.tz, text::LANG);
        self.blank_line()?;
        self.say(&text::show(&doc, self.s.ansi))?;
        Ok(())
    }
}
