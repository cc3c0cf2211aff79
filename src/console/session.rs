//! The practice loop: pick a question, show its card, read answers and commands,
//! record each answer through the store, show the verdict.
//!
//! Generic over the output and the input source, so it runs the same on a terminal,
//! on a script and in tests.

use std::io::{self, Write};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::app::{Answer, Answered, Next, Person, Tutor};
use crate::bank::{Bank, Question};
use crate::learn::parse::fold_width;
use crate::learn::{Drill, Mode, Parsed, Presentation, Response, Scope, parse_answer};
use crate::store::Card;
use crate::view::Say;
use crate::view::catalogue as cat;

use super::input::Input;
use super::text;

mod exam;

/// Who is practising, where, and how the terminal looks.
pub struct Setup<'a> {
    pub tutor: &'a Tutor,
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

/// Where a card's prompt leaves the session.
enum Step {
    Answered,
    NextCard,
    Stop(Ended),
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
    /// `exam`: a mock exam (start or resume); `exam history`: the results.
    Exam,
    ExamHistory,
    // Issue 19.
    /// `mistakes`: the wrong-answer book.
    Mistakes,
    /// `starred`: the favourites.
    Starred,
    /// `star`: star or unstar the question of the last verdict.
    Star,
    /// `search …`.
    Search(String),
    /// `pm [N]` / `ps [N]`: practise the book or the favourites (of chapter N);
    /// `po [N]` / `pr [N]`: walk the bank (or chapter N) in order or at random.
    Drill(Drill),
    /// `study [N]`: the next question with its answer (背题), of chapter N or all.
    Study(Option<u8>),
    /// `report`: the weekly report of the last 7 days (as `/report now`).
    Report,
    /// `open N`: result N of the last search (0: not a number).
    Open(usize),
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
        "exam" | "考试" | "模拟考试" => Command::Exam,
        "exam history" | "考试记录" => Command::ExamHistory,
        "mistakes" | "错题本" | "错题" => Command::Mistakes,
        "starred" | "收藏夹" => Command::Starred,
        "star" | "收藏" => Command::Star,
        "search" | "搜索" | "搜" => Command::Search(String::new()),
        "study" | "背题" => Command::Study(None),
        "report" | "周报" => Command::Report,
        _ if shelf_command(word).is_some() => return shelf_command(word),
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

/// `search …`, `pm [N]`, `ps [N]`, `po [N]`, `pr [N]` (issue 19).
fn shelf_command(word: &str) -> Option<Command> {
    for prefix in ["search ", "搜索 ", "搜 "] {
        if let Some(rest) = word.strip_prefix(prefix) {
            return Some(Command::Search(rest.trim().to_string()));
        }
    }
    for prefix in ["open ", "打开 "] {
        if let Some(n) = word.strip_prefix(prefix) {
            return Some(Command::Open(n.trim().parse().unwrap_or(0)));
        }
    }
    for prefix in ["study ", "背题 "] {
        if let Some(n) = word.strip_prefix(prefix) {
            return n.trim().parse().ok().map(|n| Command::Study(Some(n)));
        }
    }
    let (set, rest): (fn(Option<u8>) -> Drill, &str) = match word.get(..2)? {
        "pm" => (Drill::Mistakes, word[2..].trim()),
        "ps" => (Drill::Starred, word[2..].trim()),
        "po" => (|c| Drill::Practice(Mode::Order, c), word[2..].trim()),
        "pr" => (|c| Drill::Practice(Mode::Random, c), word[2..].trim()),
        _ => return None,
    };
    match rest {
        "" => Some(Command::Drill(set(None))),
        n => n.parse().ok().map(|n| Command::Drill(set(Some(n)))),
    }
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
    /// The wrong-answer book, the favourites or a walk, while practising them.
    drill: Option<Drill>,
    /// A walk was just entered: its next card says where the walk is.
    walk_head: bool,
    /// A search result opened to practise: the next card.
    opened: Option<Next<'a>>,
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
            drill: None,
            walk_head: false,
            opened: None,
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
                let summary = format!(
                    "{}{}",
                    cat::terminal_interrupted(text::LANG),
                    cat::terminal_summary(self.answered, self.right, text::LANG)
                );
                self.say(&summary)
            }
            Ended::Quit | Ended::End => {
                let lead = if self.s.prompt { "\n" } else { "" };
                let summary = format!(
                    "{lead}{}",
                    cat::terminal_summary(self.answered, self.right, text::LANG)
                );
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
        loop {
            let next = self.next_card()?;
            let (q, p) = match next {
                Next::Post {
                    question,
                    presentation,
                    again,
                } => {
                    if again {
                        self.blank_line()?;
                        self.say(Say::OnlyThisOne.text(text::LANG))?;
                    }
                    (question, presentation)
                }
                Next::NothingDue { next_due } => {
                    if self.review_done(next_due, asked_any)? {
                        continue;
                    }
                    return Ok(Ended::NothingToDo);
                }
            };
            asked_any = true;
            let card = self.put_card(q, &p)?;
            self.blank_line()?;
            self.say(&text::card(q, &p, self.s.ansi))?;
            match self.answer_prompt(input, &card, q, &p)? {
                Step::Answered => self.last = Some(q.id.clone()),
                Step::NextCard => continue,
                Step::Stop(ended) => return Ok(ended),
            }
            if let Step::Stop(ended) = self.after_verdict(input, q)? {
                return Ok(ended);
            }
        }
    }

    /// The next card: of the drill while there is one (said so when it is done),
    /// else of the scope.
    fn next_card(&mut self) -> anyhow::Result<Next<'a>> {
        let tutor = self.s.tutor;
        let (learner, last) = (self.s.learner, self.last.clone());
        let last = last.as_deref();
        if let Some(next) = self.opened.take() {
            return Ok(next);
        }
        if let Some(Drill::Practice(mode, chapter)) = self.drill {
            if let Some(next) = self.walk(mode, chapter)? {
                return Ok(next);
            }
        }
        if let Some(drill) = self.drill {
            if let Some(next) = tutor.next_drill_card(learner, drill, last, &mut rand::rng())? {
                return Ok(next);
            }
            self.drill = None;
            let done = text::show(&crate::view::shelf::drill_empty(drill, text::LANG), false);
            self.blank_line()?;
            self.say(&done)?;
        }
        Ok(tutor.next_card(learner, self.s.scope, last, &mut rand::rng())?)
    }

    /// The next card of a walk, after the line saying where it is (just entered) or
    /// that it begins again; `None` when its scope has no questions.
    fn walk(&mut self, mode: Mode, chapter: Option<u8>) -> anyhow::Result<Option<Next<'a>>> {
        let tutor = self.s.tutor;
        let Some(w) = tutor.practice_card(self.s.learner, mode, chapter, &mut rand::rng())? else {
            return Ok(None);
        };
        let head = std::mem::take(&mut self.walk_head);
        if w.restart {
            self.blank_line()?;
            self.say(cat::practice_restart(chapter, text::LANG))?;
        } else if head {
            self.blank_line()?;
            self.say(&cat::practice_head(
                mode,
                chapter,
                w.done,
                w.total,
                text::LANG,
            ))?;
        }
        Ok(Some(Next::Post {
            question: w.question,
            presentation: w.presentation,
            again: false,
        }))
    }

    /// `mistakes`, `starred`, `search …`, `star` (after a verdict, `q`), `pm` / `ps`:
    /// true when the session goes on to another card.
    fn shelf(&mut self, cmd: Command, q: Option<&Question>) -> anyhow::Result<bool> {
        let (tutor, learner, lang) = (self.s.tutor, self.s.learner, text::LANG);
        let shown = match cmd {
            Command::Mistakes => {
                let doc =
                    crate::view::shelf::mistakes(self.bank(), &tutor.mistakes(learner)?, lang);
                format!(
                    "{}\n{}",
                    text::show(&doc, self.s.ansi),
                    Say::TerminalPractiseMistakes.text(lang)
                )
            }
            Command::Starred => {
                let doc = crate::view::shelf::starred(self.bank(), &tutor.starred(learner)?, lang);
                format!(
                    "{}\n{}",
                    text::show(&doc, self.s.ansi),
                    Say::TerminalPractiseStarred.text(lang)
                )
            }
            Command::Search(query) => text::search(tutor.search(learner, &query)?, self.s.ansi),
            Command::Star => match q.map(|q| tutor.toggle_star(learner, &q.id)).transpose()? {
                Some(crate::app::Starred::Now(on)) => {
                    tutor.durable_blocking()?;
                    let say = if on {
                        Say::StarredToast
                    } else {
                        Say::UnstarredToast
                    };
                    say.text(lang).to_string()
                }
                _ => Say::TerminalStarFirst.text(lang).to_string(),
            },
            Command::Drill(drill) => {
                self.drill = Some(drill);
                self.walk_head = matches!(drill, Drill::Practice(..));
                return Ok(true);
            }
            Command::Open(n) => match tutor.search_result(learner, n)? {
                Some(crate::app::SearchHit::Question(q)) => {
                    self.opened = tutor.open_question(&q.id, &mut rand::rng());
                    return Ok(self.opened.is_some());
                }
                Some(crate::app::SearchHit::Section(id)) => {
                    text::section(self.bank(), id, self.s.ansi)
                        .unwrap_or_else(|| Say::NoSectionText.text(lang).to_string())
                }
                None => Say::TerminalNoSuchResult.text(lang).to_string(),
            },
            Command::Study(chapter) => match tutor.study_next(learner, chapter)? {
                Some(q) => {
                    tutor.durable_blocking()?;
                    let doc = crate::view::shelf::study_card(self.bank(), q, chapter, lang);
                    text::show(&doc, self.s.ansi)
                }
                None => Say::NothingToPractise.text(lang).to_string(),
            },
            _ => return Ok(false),
        };
        self.blank_line()?;
        self.say(&shown)?;
        Ok(false)
    }

    /// Reads until `card` is answered (or left for another card, or the end).
    fn answer_prompt(
        &mut self,
        input: &mut dyn FnMut() -> Input,
        card: &Card,
        q: &Question,
        p: &Presentation,
    ) -> anyhow::Result<Step> {
        loop {
            let line = match self.read(input, "答案> ")? {
                Input::Line(line) => line,
                Input::End => return self.abandon(card, Ended::End).map(Step::Stop),
                Input::Interrupt => return self.abandon(card, Ended::Interrupted).map(Step::Stop),
            };
            match command(&line) {
                Some(Command::Quit) => return self.abandon(card, Ended::Quit).map(Step::Stop),
                Some(Command::Help) => self.say(&text::help(self.bank()))?,
                Some(Command::Stats) => self.stats()?,
                Some(Command::Read) => self.say(Say::ReadAfterAnswering.text(text::LANG))?,
                Some(Command::Chapter(n)) => {
                    if self.switch_chapter(n)? {
                        self.s.tutor.abandon(card)?;
                        return Ok(Step::NextCard);
                    }
                }
                Some(Command::BadChapter(n)) => self.bad_chapter(&n)?,
                Some(Command::Exam) => {
                    self.s.tutor.abandon(card)?;
                    return Ok(match self.exam(input)? {
                        Some(ended) => Step::Stop(ended),
                        None => Step::NextCard,
                    });
                }
                Some(Command::ExamHistory) => self.exam_history()?,
                Some(Command::Report) => self.report()?,
                Some(
                    cmd @ (Command::Mistakes
                    | Command::Starred
                    | Command::Star
                    | Command::Search(_)
                    | Command::Study(_)
                    | Command::Open(_)
                    | Command::Drill(_)),
                ) => {
                    if self.shelf(cmd, None)? {
                        self.s.tutor.abandon(card)?;
                        return Ok(Step::NextCard);
                    }
                }
                // An empty line, or `n` / `next` when `n` is no answer here.
                Some(Command::Next) | None => match parse_answer(&line, q.kind, p.len()) {
                    Parsed::Answer(response) => {
                        let graded = self.answer(card, q, response, &line)?;
                        return Ok(if graded {
                            Step::Answered
                        } else {
                            Step::NextCard
                        });
                    }
                    Parsed::NotAnswer => self.say(crate::view::not_an_answer(
                        q.kind,
                        text::LANG,
                        crate::view::Front::Terminal,
                    ))?,
                    Parsed::Invalid(why) => {
                        let hint = crate::view::catalogue::invalid_answer(&why, q.kind, text::LANG);
                        self.say(&hint)?
                    }
                },
            }
        }
    }

    /// After a verdict: reading the section, statistics, on to the next card.
    fn after_verdict(
        &mut self,
        input: &mut dyn FnMut() -> Input,
        q: &Question,
    ) -> anyhow::Result<Step> {
        loop {
            let line = match self.read(input, "> ")? {
                Input::Line(line) => line,
                Input::End => return Ok(Step::Stop(Ended::End)),
                Input::Interrupt => return Ok(Step::Stop(Ended::Interrupted)),
            };
            match command(&line) {
                Some(Command::Next) => return Ok(Step::NextCard),
                Some(Command::Read) => self.read_section(q)?,
                Some(Command::Quit) => return Ok(Step::Stop(Ended::Quit)),
                Some(Command::Help) => self.say(&text::help(self.bank()))?,
                Some(Command::Stats) => self.stats()?,
                Some(Command::Chapter(n)) => {
                    if self.switch_chapter(n)? {
                        return Ok(Step::NextCard);
                    }
                }
                Some(Command::BadChapter(n)) => self.bad_chapter(&n)?,
                Some(Command::Exam) => {
                    return Ok(match self.exam(input)? {
                        Some(ended) => Step::Stop(ended),
                        None => Step::NextCard,
                    });
                }
                Some(Command::ExamHistory) => self.exam_history()?,
                Some(Command::Report) => self.report()?,
                Some(cmd) => {
                    if self.shelf(cmd, Some(q))? {
                        return Ok(Step::NextCard);
                    }
                }
                None => self.say(Say::AfterVerdictHint.text(text::LANG))?,
            }
        }
    }

    fn welcome(&mut self) -> anyhow::Result<()> {
        let scope = match self.s.scope {
            Scope::All => Say::AllChapters.text(text::LANG).to_string(),
            Scope::Chapter(n) => text::chapter_name(self.bank(), n),
            Scope::Review => Say::ReviewScope.text(text::LANG).to_string(),
        };
        let mut msg = cat::terminal_welcome(&self.s.name, &scope, text::LANG);
        // A learner who comes back hears where they stand.
        let stats = self.s.tutor.stats(self.s.learner)?;
        if stats.answered > 0 {
            let back = cat::terminal_welcome_back(stats.answered, stats.due_now, text::LANG);
            msg.push_str(&back);
        }
        Ok(self.say(&msg)?)
    }

    /// Nothing to ask. In review: says when the next review falls due; returns true
    /// (go on with every chapter) unless nothing was asked yet in this session.
    fn review_done(
        &mut self,
        next_due: Option<DateTime<Utc>>,
        asked_any: bool,
    ) -> anyhow::Result<bool> {
        if self.s.scope != Scope::Review {
            self.say(Say::NothingToPractise.text(text::LANG))?;
            return Ok(false);
        }
        let now = self.s.tutor.now();
        let at = next_due.map(|at| crate::view::time::when(at, now, self.s.tz, text::LANG));
        let mut msg = cat::terminal_review_done(at.as_deref(), text::LANG);
        if !asked_any {
            msg.push_str(cat::terminal_review_only(text::LANG));
            self.blank_line()?;
            self.say(&msg)?;
            return Ok(false);
        }
        msg.push_str(cat::terminal_review_then_all(text::LANG));
        self.blank_line()?;
        self.say(&msg)?;
        self.s.scope = Scope::All;
        Ok(true)
    }

    /// Records the card as presented, under a message id no earlier card of this
    /// learner used.
    fn put_card(&mut self, q: &Question, p: &Presentation) -> anyhow::Result<Card> {
        let chat = self.s.learner;
        let message = self
            .s
            .tutor
            .free_message(chat, self.next_message)?
            .context("no free card number left")?;
        self.next_message = message.saturating_add(1);
        let card = Card::private(chat, message, &q.id, p.order().to_vec(), self.s.tutor.now());
        self.s.tutor.presented(&card)?;
        Ok(card)
    }

    /// Leaves the current card unanswered (closed, so it is not left in the index).
    fn abandon(&mut self, card: &Card, ended: Ended) -> anyhow::Result<Ended> {
        self.s.tutor.abandon(card)?;
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
        let answer = Answer {
            card,
            who: Person {
                id: self.s.learner,
                name: &self.s.name,
                lang_code: None,
            },
            response,
            text: line,
        };
        // Recorded and flushed: on disk before the learner sees the verdict.
        match self.s.tutor.answer_blocking(answer)? {
            Answered::Graded {
                verdict,
                streak,
                streak_days,
                ..
            } => {
                self.answered += 1;
                if verdict.is_right() {
                    self.right += 1;
                }
                let days = Some((streak, streak_days));
                let p = crate::app::group::presentation(card, q);
                let shown = text::verdict(self.bank(), q, &p, &verdict, days, self.s.ansi);
                self.blank_line()?;
                self.say(&shown)?;
                self.blank_line()?;
                self.say(Say::AfterVerdict.text(text::LANG))?;
                Ok(true)
            }
            _ => {
                self.say(Say::QuestionGone.text(text::LANG))?;
                Ok(false)
            }
        }
    }

    fn bank(&self) -> &'a Bank {
        &self.s.tutor.bank
    }

    fn stats(&mut self) -> anyhow::Result<()> {
        let stats = self.s.tutor.stats(self.s.learner)?;
        let mut shown = text::stats(self.bank(), &stats, self.s.ansi);
        let exams = self
            .s
            .tutor
            .exam_history(self.s.learner, crate::app::exam::STATS_RESULTS)?;
        let lines = crate::view::exam::stats_lines(&exams, self.s.tz, text::LANG);
        shown.push_str(&text::show(&lines, self.s.ansi));
        let studied = self.s.tutor.studied(self.s.learner)?;
        shown.push_str(&text::show(
            &crate::view::shelf::studied(studied, text::LANG),
            false,
        ));
        self.blank_line()?;
        self.say(&shown)?;
        Ok(())
    }

    /// `report`: the figures of `/report now`; the chart is Telegram's.
    fn report(&mut self) -> anyhow::Result<()> {
        let tutor = self.s.tutor;
        let outcome = tutor.report(self.s.learner, crate::app::ReportArg::Now)?;
        let doc = crate::view::report::reply(self.bank(), &outcome, true, text::LANG);
        self.blank_line()?;
        self.say(&text::show(&doc, self.s.ansi))?;
        Ok(())
    }

    fn read_section(&mut self, q: &Question) -> anyhow::Result<()> {
        let shown = q
            .sections
            .first()
            .and_then(|id| text::section(self.bank(), id, self.s.ansi));
        match shown {
            Some(t) => {
                self.blank_line()?;
                self.say(&t)?;
                self.blank_line()?;
                self.say(Say::AfterSection.text(text::LANG))?;
            }
            None => self.say(Say::NoSectionText.text(text::LANG))?,
        }
        Ok(())
    }

    /// `c N`: true when the scope changed.
    fn switch_chapter(&mut self, n: Option<u8>) -> anyhow::Result<bool> {
        match n {
            None => {
                self.s.scope = Scope::All;
                self.drill = None;
                self.say(Say::SwitchedToAll.text(text::LANG))?;
                Ok(true)
            }
            Some(n) if self.bank().questions_in(n).next().is_some() => {
                self.s.scope = Scope::Chapter(n);
                self.drill = None;
                let msg =
                    cat::terminal_switched_to(&text::chapter_name(self.bank(), n), text::LANG);
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
        let msg = cat::terminal_no_chapter(n, &text::chapter_range(self.bank()), text::LANG);
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
            ("exam", Some(Command::Exam)),
            ("EXAM", Some(Command::Exam)),
            ("考试", Some(Command::Exam)),
            ("exam history", Some(Command::ExamHistory)),
            ("mistakes", Some(Command::Mistakes)),
            ("错题本", Some(Command::Mistakes)),
            ("starred", Some(Command::Starred)),
            ("STAR", Some(Command::Star)),
            (
                "search 服务 特性",
                Some(Command::Search("服务 特性".into())),
            ),
            ("搜 无形", Some(Command::Search("无形".into()))),
            ("pm", Some(Command::Drill(Drill::Mistakes(None)))),
            ("pm 3", Some(Command::Drill(Drill::Mistakes(Some(3))))),
            ("ps", Some(Command::Drill(Drill::Starred(None)))),
            ("ps2", Some(Command::Drill(Drill::Starred(Some(2))))),
            ("pmx", None),
            (
                "po",
                Some(Command::Drill(Drill::Practice(Mode::Order, None))),
            ),
            (
                "PO 3",
                Some(Command::Drill(Drill::Practice(Mode::Order, Some(3)))),
            ),
            (
                "pr2",
                Some(Command::Drill(Drill::Practice(Mode::Random, Some(2)))),
            ),
            ("pr x", None),
            ("open 2", Some(Command::Open(2))),
            ("打开 x", Some(Command::Open(0))),
            ("study", Some(Command::Study(None))),
            ("背题 2", Some(Command::Study(Some(2)))),
            ("report", Some(Command::Report)),
            ("周报", Some(Command::Report)),
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
