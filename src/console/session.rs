//! The practice loop: pick a question, show its card, read answers and commands,
//! record each answer through the store, show the verdict.
//!
//! Generic over the output and the input source, so it runs the same on a terminal,
//! on a script and in tests.

use std::io::{self, Write};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::bank::{Bank, Question};
use crate::lang::Lang;
use crate::learn::parse::fold_width;
use crate::learn::{Parsed, Pick, Presentation, Response, Scope, next_question, parse_answer};
use crate::store::{AnswerOutcome, AnswerRequest, Card, Store};
use crate::telegram::render;

use super::input::Input;
use super::text;

/// Who is practising, where, and how the terminal looks.
pub struct Setup<'a> {
    pub bank: &'a Bank,
    pub store: &'a Store,
    /// The learner's id in the store, also the console's "chat" id for cards.
    pub learner: i64,
    pub name: String,
    /// The learner's zone (streak days, due times).
    pub tz: Tz,
    pub scope: Scope,
    /// Print prompts (stdin is a terminal).
    pub prompt: bool,
    /// ANSI colour and bold (stdout is a terminal, and colour is not turned off).
    pub ansi: bool,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `q`.
    Quit,
    /// End of input (Ctrl-D, end of a script).
    End,
    /// Ctrl-C, SIGTERM or SIGHUP.
    Interrupted,
    /// `--review` with nothing to review, or an empty bank: said so, nothing asked.
    NothingToDo,
}

/// A command typed at a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Quit,
    Help,
    Stats,
    Read,
    Next,
    /// `c N`; `None`: every chapter (`c 0`, `c all`, `c 全部`).
    Chapter(Option<u8>),
    /// `c` with a number that cannot be a chapter.
    BadChapter(String),
}

/// Reads a command. Only words that cannot be answers are commands at the answer
/// prompt (`c 3` is not a letter answer; a lone `c` is option C), see [`Session`].
fn command(line: &str) -> Option<Command> {
    let folded: String = line
        .trim()
        .chars()
        .map(|c| fold_width(c).to_ascii_lowercase())
        .collect();
    let word = folded.trim();
    Some(match word {
        "q" | "quit" | "exit" | "退出" => Command::Quit,
        "?" | "help" | "帮助" => Command::Help,
        "s" | "stats" | "统计" => Command::Stats,
        "r" | "read" | "阅读" => Command::Read,
        "" | "n" | "next" | "下一题" => Command::Next,
        _ => {
            let rest = word.strip_prefix('c')?.trim();
            match rest {
                "0" | "all" | "全部" => Command::Chapter(None),
                _ if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) => {
                    match rest.parse::<u8>() {
                        Ok(n) => Command::Chapter(Some(n)),
                        Err(_) => Command::BadChapter(rest.chars().take(8).collect()),
                    }
                }
                _ => return None,
            }
        }
    })
}

/// One practice session.
pub struct Session<'a, W: Write> {
    s: Setup<'a>,
    out: W,
    /// The next card's message id (see [`Session::new_message_id`]).
    next_message: i32,
    /// The question answered last (not asked again at once).
    last: Option<String>,
    answered: u32,
    right: u32,
}

/// Message ids count seconds from this instant (2024-01-01 UTC), so they grow across
/// sessions and fit an `i32` until 2092.
const MESSAGE_EPOCH_SECS: i64 = 1_704_067_200;

impl<'a, W: Write> Session<'a, W> {
    pub fn new(setup: Setup<'a>, out: W) -> Self {
        let secs = Utc::now().timestamp() - MESSAGE_EPOCH_SECS;
        let next_message = i32::try_from(secs.max(1)).unwrap_or(i32::MAX / 2);
        Session {
            s: setup,
            out,
            next_message,
            last: None,
            answered: 0,
            right: 0,
        }
    }

    /// Runs the session until `q`, end of input or an interruption, then prints the
    /// summary. Every answer is recorded and flushed before its verdict is shown.
    /// A closed stdout (e.g. `tutor play | head`) ends the session quietly.
    pub fn run(&mut self, input: &mut dyn FnMut() -> Input) -> anyhow::Result<Ended> {
        let ended = match self.practise(input) {
            Ok(e) => e,
            Err(e) if is_broken_pipe(&e) => return Ok(Ended::End),
            Err(e) => return Err(e),
        };
        let farewell = match ended {
            Ended::NothingToDo => Ok(()),
            Ended::Interrupted => {
                let summary = format!("\n已中断。{}", text::summary(self.answered, self.right));
                self.say(&summary)
            }
            Ended::Quit | Ended::End => {
                let lead = if self.s.prompt { "\n" } else { "" };
                let summary = format!("{lead}{}", text::summary(self.answered, self.right));
                self.say(&summary)
            }
        };
        match farewell {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(ended),
        }
    }

    fn practise(&mut self, input: &mut dyn FnMut() -> Input) -> anyhow::Result<Ended> {
        self.welcome()?;
        let mut asked_any = false;
        'cards: loop {
            let now = Utc::now();
            let progress = self.s.store.progress(self.s.learner)?;
            let pick = next_question(
                self.s.bank,
                &progress,
                self.s.scope,
                now,
                self.last.as_deref(),
            );
            let Some(q) = pick.question().and_then(|id| self.s.bank.question(id)) else {
                if self.review_done(&pick, asked_any)? {
                    continue;
                }
                return Ok(Ended::NothingToDo);
            };
            asked_any = true;
            let p = Presentation::new(q, &mut rand::rng());
            let card = self.put_card(q, &p, now)?;
            self.blank_line()?;
            self.say(&text::card(q, &p, self.s.ansi))?;

            // The answer prompt.
            loop {
                let line = match self.read(input, "答案> ")? {
                    Input::Line(line) => line,
                    Input::End => return self.abandon(&card, Ended::End),
                    Input::Interrupt => return self.abandon(&card, Ended::Interrupted),
                };
                match command(&line) {
                    Some(Command::Quit) => return self.abandon(&card, Ended::Quit),
                    Some(Command::Help) => self.say(&text::help(self.s.bank))?,
                    Some(Command::Stats) => self.stats()?,
                    Some(Command::Read) => {
                        self.say("先作答；看完解析后可用 r 阅读本节全文。")?;
                    }
                    Some(Command::Chapter(n)) => {
                        if self.switch_chapter(n)? {
                            self.s.store.close_card(card.chat, card.message)?;
                            continue 'cards;
                        }
                    }
                    Some(Command::BadChapter(n)) => self.bad_chapter(&n)?,
                    // An empty line, or `n` / `next` when `n` is no answer here.
                    Some(Command::Next) | None => match parse_answer(&line, q.kind, p.len()) {
                        Parsed::Answer(response) => {
                            if self.answer(&card, q, response, &line)? {
                                break;
                            }
                            continue 'cards;
                        }
                        Parsed::NotAnswer => self.say(crate::view::not_an_answer(
                            q.kind,
                            crate::lang::Lang::Zh,
                            crate::view::Front::Terminal,
                        ))?,
                        Parsed::Invalid(why) => self.say(&why.message(Lang::Zh))?,
                    },
                }
            }
            self.last = Some(q.id.clone());

            // After the verdict.
            loop {
                let line = match self.read(input, "> ")? {
                    Input::Line(line) => line,
                    Input::End => return Ok(Ended::End),
                    Input::Interrupt => return Ok(Ended::Interrupted),
                };
                match command(&line) {
                    Some(Command::Next) => continue 'cards,
                    Some(Command::Read) => self.read_section(q)?,
                    Some(Command::Quit) => return Ok(Ended::Quit),
                    Some(Command::Help) => self.say(&text::help(self.s.bank))?,
                    Some(Command::Stats) => self.stats()?,
                    Some(Command::Chapter(n)) => {
                        if self.switch_chapter(n)? {
                            continue 'cards;
                        }
                    }
                    Some(Command::BadChapter(n)) => self.bad_chapter(&n)?,
                    None => self.say(text::AFTER_VERDICT_HINT)?,
                }
            }
        }
    }

    fn welcome(&mut self) -> anyhow::Result<()> {
        let scope = match self.s.scope {
            Scope::All => "全部章节".to_string(),
            Scope::Chapter(n) => text::chapter_name(self.s.bank, n),
            Scope::Review => "复习到期和答错的题".to_string(),
        };
        let msg = format!(
            "《客户服务管理师》练习 · 学习者：{} · {}\n输入 ? 查看命令，q 退出。",
            self.s.name, scope
        );
        Ok(self.say(&msg)?)
    }

    /// Nothing to ask. In review: says when the next review falls due; returns true
    /// (go on with every chapter) unless nothing was asked yet in this session.
    fn review_done(&mut self, pick: &Pick, asked_any: bool) -> anyhow::Result<bool> {
        if self.s.scope != Scope::Review {
            self.say("没有可练的题目。")?;
            return Ok(false);
        }
        let mut msg = match pick {
            Pick::Done { next_due: Some(at) } => format!(
                "🎉 没有需要复习的题了。下一题到期：{}。",
                render::local_time(*at, self.s.tz)
            ),
            _ => "🎉 没有需要复习的题了。".to_string(),
        };
        if !asked_any {
            msg.push_str("不带 --review 运行 tutor play 可练新题。");
            self.blank_line()?;
            self.say(&msg)?;
            return Ok(false);
        }
        msg.push_str("接下来练习全部章节（q 退出）。");
        self.blank_line()?;
        self.say(&msg)?;
        self.s.scope = Scope::All;
        Ok(true)
    }

    /// Records the card as presented, under a message id no earlier card of this
    /// learner used.
    fn put_card(
        &mut self,
        q: &Question,
        p: &Presentation,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Card> {
        let chat = self.s.learner;
        let mut message = self.next_message;
        while self.s.store.card(chat, message)?.is_some() {
            message = message.checked_add(1).context("no free card number left")?;
        }
        self.next_message = message.saturating_add(1);
        let card = Card::private(chat, message, &q.id, p.order().to_vec(), now);
        self.s.store.put_card(&card)?;
        Ok(card)
    }

    /// Leaves the current card unanswered (closed, so it is not left in the index).
    fn abandon(&mut self, card: &Card, ended: Ended) -> anyhow::Result<Ended> {
        self.s.store.close_card(card.chat, card.message)?;
        Ok(ended)
    }

    /// Records, flushes, then shows the verdict. False when the card could not be
    /// graded (the caller moves on to another card).
    fn answer(
        &mut self,
        card: &Card,
        q: &Question,
        response: Response,
        line: &str,
    ) -> anyhow::Result<bool> {
        let req = AnswerRequest {
            chat: card.chat,
            message: card.message,
            user: self.s.learner,
            name: self.s.name.clone(),
            response,
            answer_text: line.trim().chars().take(64).collect(),
            now: Utc::now(),
            learner_tz: self.s.tz,
            chat_tz: self.s.tz,
        };
        match self.s.store.record_answer(self.s.bank, &req)? {
            AnswerOutcome::Recorded {
                verdict, streak, ..
            } => {
                // On disk before the learner sees the verdict.
                self.s.store.flush_blocking()?;
                self.answered += 1;
                if verdict.is_right() {
                    self.right += 1;
                }
                let days = self
                    .s
                    .store
                    .learner(self.s.learner)?
                    .map_or(0, |l| l.streak.current);
                let shown =
                    text::verdict(self.s.bank, q, &verdict, Some((streak, days)), self.s.ansi);
                self.blank_line()?;
                self.say(&shown)?;
                self.blank_line()?;
                self.say(text::AFTER_VERDICT)?;
                Ok(true)
            }
            _ => {
                self.say("这道题已失效，换一道。")?;
                Ok(false)
            }
        }
    }

    fn stats(&mut self) -> anyhow::Result<()> {
        let stats = self
            .s
            .store
            .stats(self.s.bank, self.s.learner, Utc::now(), self.s.tz)?;
        let shown = text::stats(self.s.bank, &stats, self.s.ansi);
        self.blank_line()?;
        self.say(&shown)?;
        Ok(())
    }

    fn read_section(&mut self, q: &Question) -> anyhow::Result<()> {
        let shown = q
            .sections
            .first()
            .and_then(|id| text::section(self.s.bank, id, self.s.ansi));
        match shown {
            Some(t) => {
                self.blank_line()?;
                self.say(&t)?;
                self.blank_line()?;
                self.say("回车 下一题 · q 退出")?;
            }
            None => self.say("本题没有对应的教材原文。")?,
        }
        Ok(())
    }

    /// `c N`: true when the scope changed.
    fn switch_chapter(&mut self, n: Option<u8>) -> anyhow::Result<bool> {
        match n {
            None => {
                self.s.scope = Scope::All;
                self.say("已切换到全部章节。")?;
                Ok(true)
            }
            Some(n) if self.s.bank.questions_in(n).next().is_some() => {
                self.s.scope = Scope::Chapter(n);
                let msg = format!("已切换到{}。", text::chapter_name(self.s.bank, n));
                self.say(&msg)?;
                Ok(true)
            }
            Some(n) => {
                self.bad_chapter(&n.to_string())?;
                Ok(false)
            }
        }
    }

    fn bad_chapter(&mut self, n: &str) -> anyhow::Result<()> {
        let msg = format!(
            "没有第 {n} 章（可选：{}；c 0 练全部章节）。",
            text::chapter_range(self.s.bank)
        );
        Ok(self.say(&msg)?)
    }

    /// Prints the prompt (only on a terminal) and waits for input.
    fn read(&mut self, input: &mut dyn FnMut() -> Input, prompt: &str) -> io::Result<Input> {
        if self.s.prompt {
            write!(self.out, "{prompt}")?;
            self.out.flush()?;
        }
        Ok(input())
    }

    fn say(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }

    fn blank_line(&mut self) -> io::Result<()> {
        self.say("")
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        for (line, want) in [
            ("q", Some(Command::Quit)),
            (" Ｑ ", Some(Command::Quit)),
            ("退出", Some(Command::Quit)),
            ("?", Some(Command::Help)),
            ("？", Some(Command::Help)),
            ("s", Some(Command::Stats)),
            ("r", Some(Command::Read)),
            ("", Some(Command::Next)),
            ("   ", Some(Command::Next)),
            ("c 3", Some(Command::Chapter(Some(3)))),
            ("C3", Some(Command::Chapter(Some(3)))),
            ("ｃ　３", Some(Command::Chapter(Some(3)))),
            ("c 0", Some(Command::Chapter(None))),
            ("c 全部", Some(Command::Chapter(None))),
            ("c 999", Some(Command::BadChapter("999".into()))),
            // Answers, not commands.
            ("c", None),
            ("c d", None),
            ("c,d", None),
            ("B", None),
            ("hello", None),
        ] {
            assert_eq!(command(line), want, "{line:?}");
        }
    }
}
