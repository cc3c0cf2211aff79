//! Group quizzes: `/quiz` and `/round`, the reveal, deadlines, the daily group
//! question, joining and leaving, and the leaderboard.
//!
//! Posting a card takes two steps around the front end's send: [`Tutor::draw`] takes
//! the next question of the chat's shuffle bag and returns a [`Draft`] to show; once
//! the message is visible, [`Tutor::posted`] records the card with its deadline and
//! schedules its end (the clock starts when the card can be seen). Closing is
//! [`Tutor::close`]: once per card and durable before anything is shown, it moves the
//! chat's round on and returns what the reveal shows.
//!
//! A chat has at most one open `/quiz` card (`Chat::open_card`) plus possibly its daily
//! card. The open card's deadline is a `Close` job; a round's next question is the
//! same job with no card open, so rounds survive a restart.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rand::Rng;
use tracing::warn;

use crate::bank::Question;
use crate::lang::Lang;
use crate::learn::{self, Parsed, Presentation, Response, RevealLine, Standing};
use crate::store::{Card, Chat, ChatKind, JobKind, Round, StoreError};

use super::Tutor;

/// The most questions in one `/round`.
pub const MAX_ROUND: u8 = 20;
/// The shortest and longest time limit `/settime` accepts, in seconds.
pub const MIN_LIMIT_SECS: u32 = 10;
pub const MAX_LIMIT_SECS: u32 = 600;
/// Pause between a reveal and the next question of a round.
pub const ROUND_PAUSE: Duration = Duration::from_secs(3);
/// Rows of `/top`.
pub const TOP_N: usize = 10;

/// Why a new question or round cannot start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    QuestionOpen,
    RoundRunning,
}

/// What a card's status line says.
#[derive(Debug, Clone, PartialEq)]
pub enum CardStatus {
    /// A `/quiz` card: its limit, the answers so far, the round's progress.
    Open {
        limit_secs: u32,
        answered: usize,
        round: Option<(u8, u8)>,
    },
    /// The daily card, revealed at a set time.
    Daily {
        reveal_at: DateTime<Utc>,
        tz: Tz,
        answered: usize,
    },
    Closed {
        answered: usize,
    },
}

/// A group card as it should look now.
#[derive(Debug, Clone)]
pub struct CardLook<'b> {
    pub question: &'b Question,
    pub presentation: Presentation,
    pub status: CardStatus,
    pub lang: Lang,
}

/// What a new group card is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    /// `/quiz` or a round's question, asked by a member, open for the chat's limit.
    Quiz { asked_by: i64, chapter: Option<u8> },
    /// The daily group question, open until its reveal.
    Daily { reveal_at: DateTime<Utc> },
}

/// A drawn question, to be sent and then recorded with [`Tutor::posted`].
#[derive(Debug)]
pub struct Draft<'b> {
    pub look: CardLook<'b>,
    post: Post,
    card: Card,
}

impl Draft<'_> {
    /// The chat the card goes to.
    pub fn chat(&self) -> i64 {
        self.card.chat
    }
}

/// A right answer in a reveal.
#[derive(Debug, Clone, PartialEq)]
pub struct Finisher {
    pub name: String,
    pub secs: f64,
    pub points: u32,
    /// Of `points`, the streak bonus (the rest is for speed).
    pub bonus: u32,
}

/// What a reveal shows: the answer, and who was right (fastest first).
#[derive(Debug, Clone)]
pub struct Reveal<'b> {
    pub question: &'b Question,
    pub presentation: Presentation,
    pub daily: bool,
    /// The round's question number and length.
    pub round: Option<(u8, u8)>,
    pub right: Vec<Finisher>,
    pub wrong: usize,
}

/// The end of a round: (name, points, rank), best first; ties share a rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Podium {
    pub scores: Vec<(String, u64, usize)>,
}

/// A closed card: its final look, the reveal and, when a round ended, its podium.
#[derive(Debug)]
pub struct Closed<'b> {
    pub chat: Chat,
    pub message: i32,
    /// None for a question no longer in the bank.
    pub look: Option<CardLook<'b>>,
    pub reveal: Option<Reveal<'b>>,
    pub podium: Option<Podium>,
}

/// `/top`: this week's or all-time standings, with names.
#[derive(Debug, Clone)]
pub struct Board {
    pub all: bool,
    pub rows: Vec<(String, Standing)>,
}

/// What the chat's `Close` job means now.
#[derive(Debug)]
pub enum Deadline {
    Nothing,
    /// Reveal this card.
    Reveal(i32),
    /// The next question of a round.
    NextQuestion {
        chat: Chat,
        asked_by: i64,
        /// The round's chapter, if it has one.
        chapter: Option<u8>,
    },
}

/// A typed reply to a group card (see [`Tutor::group_reply`]).
#[derive(Debug)]
pub enum GroupReply<'b> {
    /// An answer to a card: record it (the result stays private until the reveal).
    Answer { card: Card, response: Response },
    /// An answer to a closed card, or one past its time (`reveal_due`: the reveal
    /// has not run yet).
    Closed { card: Card, reveal_due: bool },
    /// The learner answered this card already.
    AlreadyAnswered,
    /// Text that is no answer under an open card: the hint for its kind.
    NotAnswer(&'b Question),
    /// An answer that cannot be one (a letter the card lacks …).
    Invalid(learn::Invalid, &'b Question),
}

impl Tutor {
    fn group_lang(chat: &Chat) -> Lang {
        chat.lang.unwrap_or_default()
    }

    /// The chat's open `/quiz` card, if it is still open.
    pub fn open_card(&self, chat: &Chat) -> Result<Option<Card>, StoreError> {
        let Some(m) = chat.open_card else {
            return Ok(None);
        };
        Ok(self.store.card(chat.id, m)?.filter(|c| c.open))
    }

    /// The group card `message` is (a reply to the intro or a reveal is none).
    pub fn group_card(&self, chat: i64, message: i32) -> Result<Option<Card>, StoreError> {
        Ok(self.store.card(chat, message)?.filter(|c| c.is_group()))
    }

    /// What a reply to a message of the bot's in a group is: an answer to one of its
    /// open cards, or something to say about it. `None`: not a reply to a group card
    /// (the intro, a reveal), nothing to do.
    pub fn group_reply(
        &self,
        chat: i64,
        replied_to: i32,
        user: i64,
        text: &str,
    ) -> Result<Option<GroupReply<'_>>, StoreError> {
        let Some(card) = self.group_card(chat, replied_to)? else {
            return Ok(None);
        };
        let Some(q) = self.bank.question(&card.question) else {
            return Ok(None);
        };
        let closed = !card.open || learn::is_late(card.deadline, self.now());
        Ok(Some(
            match learn::parse_answer(text, q.kind, card.order.len()) {
                Parsed::Answer(_) if closed => GroupReply::Closed {
                    reveal_due: card.open,
                    card,
                },
                Parsed::Answer(_) if card.answer_of(user).is_some() => GroupReply::AlreadyAnswered,
                Parsed::Answer(response) => GroupReply::Answer { card, response },
                // Chatter under a closed card is nobody's business.
                _ if closed => return Ok(None),
                Parsed::NotAnswer => GroupReply::NotAnswer(q),
                Parsed::Invalid(why) => GroupReply::Invalid(why, q),
            },
        ))
    }

    /// Why a new question or round cannot start now, if it cannot. Between two
    /// questions of a round, a lost next-question job (a crash mid-way) is re-armed.
    pub fn busy(&self, chat: &Chat) -> Result<Option<Busy>, StoreError> {
        if self.open_card(chat)?.is_some() {
            return Ok(Some(Busy::QuestionOpen));
        }
        if let Some(r) = &chat.round {
            if r.asked < r.total {
                if self.store.scheduled(chat.id, JobKind::Close)?.is_none() {
                    self.store
                        .schedule(chat.id, JobKind::Close, Some(self.now()))?;
                    self.wake.notify_one();
                }
                return Ok(Some(Busy::RoundRunning));
            }
            self.end_round(chat.id);
        }
        Ok(None)
    }

    /// `/round N [CHAPTER]`: the round, recorded before its first question is drawn.
    pub fn start_round(
        &self,
        chat: i64,
        started_by: i64,
        total: u8,
        chapter: Option<u8>,
    ) -> Result<Chat, StoreError> {
        self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            c.round = Some(Round {
                total,
                asked: 0,
                started_by,
                scores: Vec::new(),
                chapter,
            });
            c
        })
    }

    /// `/settings hide_typed on|off`: typed answers deleted once recorded, or not.
    pub fn set_hide_typed(&self, chat: i64, on: bool) -> Result<(), StoreError> {
        self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            c.hide_typed = on;
            c
        })?;
        Ok(())
    }

    /// `/settings streak_bonus on|off`: right answers in a row earn the streak bonus
    /// in group scoring, or points are for speed alone (from the next answer on).
    pub fn set_streak_bonus(&self, chat: i64, on: bool) -> Result<(), StoreError> {
        self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            c.streak_bonus = on;
            c
        })?;
        Ok(())
    }

    /// Ends the chat's round without a podium (nothing left to ask, or a failed send).
    pub fn end_round(&self, chat: i64) {
        if let Err(e) = self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            c.round = None;
            c
        }) {
            warn!(chat, error = %e, "ending a round failed");
        }
    }

    /// `/settime S`: false when `secs` is out of range (nothing changes).
    pub fn set_time_limit(&self, chat: i64, secs: u32) -> Result<bool, StoreError> {
        if !(MIN_LIMIT_SECS..=MAX_LIMIT_SECS).contains(&secs) {
            return Ok(false);
        }
        self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            c.time_limit_secs = secs;
            c
        })?;
        Ok(true)
    }

    /// A group's `/lang`.
    pub fn set_chat_lang(&self, chat: i64, lang: Lang) -> Result<(), StoreError> {
        self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            c.lang = Some(lang);
            c
        })?;
        Ok(())
    }

    /// The next question of the chat's shuffle bag (`chat` stands in for a record that
    /// vanished meanwhile). None when there is nothing to draw.
    pub fn draw<R: Rng + ?Sized>(
        &self,
        chat: &Chat,
        post: Post,
        rng: &mut R,
    ) -> Result<Option<Draft<'_>>, StoreError> {
        let chapter = match post {
            Post::Quiz { chapter, .. } => chapter,
            Post::Daily { .. } => None,
        };
        let mut picked = None;
        let c = self.store.update_chat(chat.id, |old| {
            let mut c = old.unwrap_or_else(|| chat.clone());
            picked = learn::draw(&mut c.bag, &self.bank, chapter, rng);
            c
        })?;
        let Some(q) = picked.and_then(|id| self.bank.question(&id)) else {
            return Ok(None);
        };
        let p = Presentation::new(q, rng);
        let now = self.now();
        let (asked_by, limit, daily) = match post {
            Post::Quiz { asked_by, .. } => (asked_by, c.time_limit_secs, false),
            Post::Daily { reveal_at } => {
                let limit = (reveal_at - now).num_seconds().clamp(60, 24 * 3600);
                (0, u32::try_from(limit).unwrap_or(60), true)
            }
        };
        let mut card =
            Card::group(c.id, 0, &q.id, p.order().to_vec(), asked_by, now, limit).daily(daily);
        if let Post::Daily { reveal_at } = post {
            card.deadline = Some(reveal_at);
        }
        let look = self.look(Some(&c), &card, q);
        Ok(Some(Draft { look, post, card }))
    }

    /// Records a drafted card once its message is visible: its clock starts now, and
    /// its end is scheduled (the deadline, or the daily reveal).
    pub fn posted(&self, draft: Draft<'_>, message: i32) -> Result<Card, StoreError> {
        let Draft { post, mut card, .. } = draft;
        card.message = message;
        card.posted = self.now();
        let chat = card.chat;
        let limit = i64::from(card.limit_secs.unwrap_or(0));
        card.deadline = Some(match post {
            Post::Quiz { .. } => card.posted + chrono::Duration::seconds(limit),
            // Revealed at the set time, whatever the send's latency.
            Post::Daily { reveal_at } => reveal_at,
        });
        if let Err(e) = self.store.put_card(&card) {
            warn!(chat, error = %e, "could not record a group card");
        }
        match post {
            Post::Quiz { .. } => {
                self.store.update_chat(chat, |old| {
                    let mut c = self.chat_or_new(chat, ChatKind::Group, old);
                    c.open_card = Some(message);
                    c
                })?;
                self.store.schedule(chat, JobKind::Close, card.deadline)?;
            }
            Post::Daily { .. } => {
                if let Err(e) = self.store.schedule(chat, JobKind::Reveal, card.deadline) {
                    warn!(chat, error = %e, "could not schedule the daily reveal");
                }
            }
        }
        self.wake.notify_one();
        Ok(card)
    }

    /// How `card` should look now (`chat` gives its language, zone and round).
    pub fn look<'b>(&'b self, chat: Option<&Chat>, card: &Card, q: &'b Question) -> CardLook<'b> {
        let answered = card.answers.len();
        let status = if !card.open {
            CardStatus::Closed { answered }
        } else if card.is_daily() {
            CardStatus::Daily {
                reveal_at: card.deadline.unwrap_or(card.posted),
                tz: chat.map_or(self.default_tz, |c| c.tz),
                answered,
            }
        } else {
            let round = chat
                .and_then(|c| c.round.as_ref())
                .map(|r| (r.asked.saturating_add(1).min(r.total), r.total));
            CardStatus::Open {
                limit_secs: card.limit_secs.unwrap_or(0),
                answered,
                round,
            }
        };
        CardLook {
            question: q,
            presentation: presentation(card, q),
            status,
            lang: chat.map(Self::group_lang).unwrap_or_default(),
        }
    }

    /// The look of an open card whose answer count differs from `shown`, for a live
    /// edit; None once it closed or shows its count already.
    pub fn live_look(
        &self,
        chat: i64,
        message: i32,
        shown: Option<usize>,
    ) -> Option<(usize, CardLook<'_>)> {
        let card = self.store.card(chat, message).ok().flatten()?;
        if !card.open || shown == Some(card.answers.len()) {
            return None;
        }
        let q = self.bank.question(&card.question)?;
        let c = self.store.chat(chat).ok().flatten();
        Some((card.answers.len(), self.look(c.as_ref(), &card, q)))
    }

    /// Closes a card, once: durable, then the chat's round moves on (its next question
    /// is scheduled) or ends with a podium. None if it was closed already.
    pub async fn close(&self, chat: i64, message: i32) -> Result<Option<Closed<'_>>, StoreError> {
        let Some(card) = self.store.close_card(chat, message)? else {
            return Ok(None);
        };
        self.durable().await?;
        let mut number = None;
        let mut over = None;
        let c = self.store.update_chat(chat, |old| {
            let mut c = self.chat_or_new(chat, ChatKind::Group, old);
            (number, over) = (None, None);
            if c.open_card == Some(message) {
                c.open_card = None;
            }
            if card.is_daily() {
                return c;
            }
            let active = c.active;
            if let Some(r) = c.round.as_mut() {
                let (asked, step) = learn::round_step(r.asked, r.total, active);
                r.asked = asked;
                number = Some((r.asked, r.total));
                add_round_scores(r, &card);
                if step == learn::RoundStep::Over {
                    over = c.round.take();
                }
            }
            c
        })?;
        if !card.is_daily() {
            let next_question = c.round.is_some() && over.is_none();
            let next = next_question
                .then(|| self.now() + chrono::Duration::from_std(ROUND_PAUSE).unwrap_or_default());
            self.store.schedule(chat, JobKind::Close, next)?;
            self.wake.notify_one();
        }
        let q = self.bank.question(&card.question);
        Ok(Some(Closed {
            look: q.map(|q| self.look(Some(&c), &card, q)),
            reveal: q.map(|q| reveal(&card, q, number)),
            podium: over.map(|r| podium(&r)),
            message,
            chat: c,
        }))
    }

    /// The chat's `Close` job: the open card's deadline, or a round's next question.
    /// A job that came early (a stale one) is re-armed for the card's own deadline.
    pub fn deadline(&self, chat: i64) -> Result<Deadline, StoreError> {
        let c = match self.store.chat(chat)? {
            Some(c) if c.active => c,
            _ => return Ok(Deadline::Nothing),
        };
        if let Some(card) = self.open_card(&c)? {
            if self.not_yet(card.deadline) {
                self.store.schedule(chat, JobKind::Close, card.deadline)?;
                self.wake.notify_one();
                return Ok(Deadline::Nothing);
            }
            return Ok(Deadline::Reveal(card.message));
        }
        match c.round.as_ref().filter(|r| r.asked < r.total) {
            Some(r) => Ok(Deadline::NextQuestion {
                asked_by: r.started_by,
                chapter: r.chapter,
                chat: c,
            }),
            None => Ok(Deadline::Nothing),
        }
    }

    /// A deadline still ahead (one set while the clock ran fast counts as due).
    fn not_yet(&self, deadline: Option<DateTime<Utc>>) -> bool {
        let now = self.now();
        deadline
            .is_some_and(|d| d > now + learn::LATE_GRACE && !learn::daily::beyond_horizon(d, now))
    }

    /// The daily cards of `chat` that are still open (yesterday's, before today's).
    pub fn open_daily_cards(&self, chat: i64) -> Result<Vec<i32>, StoreError> {
        let cards = self.store.open_cards(chat)?;
        Ok(cards
            .iter()
            .filter(|c| c.is_daily())
            .map(|c| c.message)
            .collect())
    }

    /// The daily reveal job: the chat's daily cards that are due. The job is re-armed
    /// for any that are not due yet.
    pub fn due_daily_reveals(&self, chat: i64) -> Result<Vec<i32>, StoreError> {
        let mut later: Option<DateTime<Utc>> = None;
        let mut due = Vec::new();
        for card in self
            .store
            .open_cards(chat)?
            .into_iter()
            .filter(|c| c.is_daily())
        {
            match card.deadline {
                Some(d) if self.not_yet(Some(d)) => later = Some(later.map_or(d, |l| l.min(d))),
                _ => due.push(card.message),
            }
        }
        if let Some(at) = later {
            self.store.schedule(chat, JobKind::Reveal, Some(at))?;
            self.wake.notify_one();
        }
        Ok(due)
    }

    /// Back in a group after a removal: its daily question resumes.
    pub fn rejoined(&self, chat: &Chat) -> Result<(), StoreError> {
        if let Some(d) = &chat.daily {
            if self.store.scheduled(chat.id, JobKind::Daily)?.is_none() {
                self.set_daily(chat, d.time, d.reveal)?;
            }
        }
        Ok(())
    }

    /// Removed from a group: its open cards end quietly (no reveal goes to a chat we
    /// are not in), sends stop, scores stay.
    pub async fn left_group(&self, chat: i64) -> Result<(), StoreError> {
        for card in self.store.open_cards(chat)? {
            self.store.close_card(chat, card.message)?;
        }
        self.deactivate(chat)?;
        self.durable().await
    }

    /// `/top`: this week's standings, or all time.
    pub fn board(&self, chat: &Chat, all: bool) -> Result<Board, StoreError> {
        let entries = self.store.scores(chat.id)?;
        let plain: Vec<(i64, learn::MemberScore)> =
            entries.iter().map(|(u, _, s)| (*u, s.clone())).collect();
        let tz = chat.tz;
        let board = learn::leaderboard(&plain, !all, self.now(), tz, TOP_N);
        let name_of = |user: i64| {
            entries
                .iter()
                .find(|(u, _, _)| *u == user)
                .map_or_else(|| "?".to_string(), |(_, n, _)| n.clone())
        };
        let rows = board.into_iter().map(|s| (name_of(s.user), s)).collect();
        Ok(Board { all, rows })
    }
}

/// The card's option order, or the bank's if the stored one no longer fits.
pub fn presentation(card: &Card, q: &Question) -> Presentation {
    Presentation::from_order(card.order.clone())
        .filter(|p| p.fits(q))
        .unwrap_or_else(|| Presentation::identity(q.options.len()))
}

/// Adds a revealed card's points to the round: right answers their points, wrong
/// ones 0 (so everyone who took part is on the podium's list).
fn add_round_scores(r: &mut Round, card: &Card) {
    for a in &card.answers {
        let earned = if a.right { u64::from(a.points) } else { 0 };
        match r.scores.iter_mut().find(|(u, _, _)| *u == a.user) {
            Some(s) => {
                s.2 += earned;
                s.1.clone_from(&a.name);
            }
            None => r.scores.push((a.user, a.name.clone(), earned)),
        }
    }
}

/// The reveal of a closed card: the right answers fastest first, the wrong counted.
pub fn reveal<'b>(card: &Card, q: &'b Question, round: Option<(u8, u8)>) -> Reveal<'b> {
    let lines: Vec<RevealLine> = card
        .answers
        .iter()
        .filter(|a| a.right)
        .map(|a| RevealLine {
            user: a.user,
            elapsed_ms: u64::try_from((a.at - card.posted).num_milliseconds()).unwrap_or(0),
            points: a.points,
        })
        .collect();
    let name_of = |u: i64| {
        card.answer_of(u)
            .map_or_else(|| format!("#{u}"), |a| a.name.clone())
    };
    let limit = Duration::from_secs(u64::from(
        card.limit_secs
            .unwrap_or(crate::store::DEFAULT_TIME_LIMIT_SECS),
    ));
    let right = learn::reveal_order(&lines)
        .iter()
        .map(|l| Finisher {
            name: name_of(l.user),
            secs: l.elapsed_ms as f64 / 1000.0,
            points: l.points,
            bonus: learn::score::breakdown(l.points, Duration::from_millis(l.elapsed_ms), limit).1,
        })
        .collect();
    Reveal {
        question: q,
        presentation: presentation(card, q),
        daily: card.is_daily(),
        round,
        right,
        wrong: card.answers.iter().filter(|a| !a.right).count(),
    }
}

/// A finished round's podium. Ties keep the order in which members first answered.
pub fn podium(r: &Round) -> Podium {
    let scores = learn::podium(
        &r.scores
            .iter()
            .map(|(_, name, pts)| (name.clone(), *pts))
            .collect::<Vec<_>>(),
    );
    Podium { scores }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration as Span, NaiveTime};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::app::Clock;
    use crate::app::testing::{TestTutor, at, t0};
    use crate::bank::OptionSet;
    use crate::learn::Response;
    use crate::store::{CardAnswer, ChatKind};

    const G: i64 = -42;

    fn answer(user: i64, name: &str, right: bool, ms: i64, points: u32) -> CardAnswer {
        CardAnswer {
            user,
            name: name.into(),
            response: Response::Choice(OptionSet::single(0)),
            right,
            at: t0() + Span::milliseconds(ms),
            points,
        }
    }

    fn card(question: &str, answers: Vec<CardAnswer>) -> Card {
        let mut c = Card::group(G, 7, question, Vec::new(), 1, t0(), 60);
        c.answers = answers;
        c
    }

    fn group(t: &Tutor) -> Chat {
        t.ensure_chat(G, ChatKind::Group, "G").unwrap()
    }

    fn chat(t: &Tutor) -> Chat {
        t.store.chat(G).unwrap().unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn set_clock(t: &mut TestTutor, now: DateTime<Utc>) {
        t.tutor.clock = Clock::Fixed(now);
    }

    /// Draws and posts a `/quiz` card of chapter 1 as message `message`.
    fn post(t: &Tutor, message: i32) -> Card {
        let mut rng = StdRng::seed_from_u64(1);
        let quiz = Post::Quiz {
            asked_by: 7,
            chapter: Some(1),
        };
        let draft = t
            .draw(&chat(t), quiz, &mut rng)
            .unwrap()
            .expect("a question");
        t.posted(draft, message).unwrap()
    }

    #[test]
    fn round_scores_add_up_across_cards() {
        let mut r = Round {
            total: 2,
            asked: 0,
            started_by: 1,
            scores: Vec::new(),
            chapter: None,
        };
        add_round_scores(
            &mut r,
            &card(
                "e1-q01",
                vec![answer(1, "A", true, 1, 990), answer(2, "B", false, 2, 0)],
            ),
        );
        add_round_scores(
            &mut r,
            &card(
                "e1-q03",
                vec![
                    answer(2, "B2", true, 1, 1000),
                    answer(1, "A", true, 5, 1080),
                ],
            ),
        );
        assert_eq!(
            r.scores,
            vec![(1, "A".to_string(), 2070), (2, "B2".to_string(), 1000)]
        );
    }

    #[tokio::test]
    async fn a_round_asks_its_questions_then_ends() {
        let mut t = at(t0());
        assert_eq!(t.busy(&group(&t)).unwrap(), None);
        t.start_round(G, 7, 2, Some(1)).unwrap();
        let first = post(&t, 100);
        assert_eq!(first.deadline, Some(t0() + Span::seconds(60)));
        assert_eq!(t.scheduled(G, JobKind::Close), first.deadline);
        assert_eq!(t.busy(&chat(&t)).unwrap(), Some(Busy::QuestionOpen));
        let q = t.bank.question(&first.question).unwrap();
        let look = t.look(Some(&chat(&t)), &first, q);
        assert_eq!(
            look.status,
            CardStatus::Open {
                limit_secs: 60,
                answered: 0,
                round: Some((1, 2)),
            }
        );

        // Early, the job waits for the card's own deadline; at it, the card is revealed.
        assert!(matches!(t.deadline(G).unwrap(), Deadline::Nothing));
        set_clock(&mut t, t0() + Span::seconds(60));
        assert!(matches!(t.deadline(G).unwrap(), Deadline::Reveal(100)));
        let closed = t.close(G, 100).await.unwrap().expect("closed");
        assert_eq!(closed.reveal.as_ref().unwrap().round, Some((1, 2)));
        assert!(closed.podium.is_none());
        assert!(matches!(
            closed.look.unwrap().status,
            CardStatus::Closed { answered: 0 }
        ));
        assert!(
            t.close(G, 100).await.unwrap().is_none(),
            "a card closes once"
        );

        // The next question comes after the pause; a lost job is re-armed by `busy`.
        let pause = Span::from_std(ROUND_PAUSE).unwrap();
        assert_eq!(t.scheduled(G, JobKind::Close), Some(t.now() + pause));
        t.store.schedule(G, JobKind::Close, None).unwrap();
        assert_eq!(t.busy(&chat(&t)).unwrap(), Some(Busy::RoundRunning));
        assert_eq!(t.scheduled(G, JobKind::Close), Some(t.now()));
        match t.deadline(G).unwrap() {
            // The round's chapter goes with it to every question.
            Deadline::NextQuestion {
                asked_by, chapter, ..
            } => assert_eq!((asked_by, chapter), (7, Some(1))),
            other => panic!("{other:?}"),
        }

        post(&t, 101);
        let closed = t.close(G, 101).await.unwrap().expect("closed");
        assert_eq!(closed.reveal.unwrap().round, Some((2, 2)));
        assert_eq!(closed.podium, Some(Podium { scores: Vec::new() }));
        assert!(chat(&t).round.is_none() && chat(&t).open_card.is_none());
        assert_eq!(t.scheduled(G, JobKind::Close), None);
        assert_eq!(t.busy(&chat(&t)).unwrap(), None);
    }

    #[tokio::test]
    async fn the_daily_card_is_revealed_at_its_time() {
        let mut t = at(t0());
        let g = group(&t);
        let reveal_at = t0() + Span::hours(2);
        let mut rng = StdRng::seed_from_u64(1);
        let draft = t
            .draw(&g, Post::Daily { reveal_at }, &mut rng)
            .unwrap()
            .unwrap();
        assert!(matches!(
            draft.look.status,
            CardStatus::Daily { reveal_at: at, .. } if at == reveal_at
        ));
        let card = t.posted(draft, 200).unwrap();
        assert!(card.is_daily() && card.deadline == Some(reveal_at));
        assert_eq!(t.scheduled(G, JobKind::Reveal), Some(reveal_at));
        assert_eq!(
            chat(&t).open_card,
            None,
            "the daily card is not the open /quiz"
        );
        assert_eq!(t.open_daily_cards(G).unwrap(), vec![200]);

        t.store.schedule(G, JobKind::Reveal, None).unwrap();
        assert!(t.due_daily_reveals(G).unwrap().is_empty());
        assert_eq!(t.scheduled(G, JobKind::Reveal), Some(reveal_at), "re-armed");
        set_clock(&mut t, reveal_at);
        assert_eq!(t.due_daily_reveals(G).unwrap(), vec![200]);
        let closed = t.close(G, 200).await.unwrap().unwrap();
        assert!(closed.reveal.unwrap().daily);
    }

    #[tokio::test]
    async fn leaving_closes_cards_quietly_and_rejoining_resumes_the_daily() {
        let t = at(t0());
        group(&t);
        t.daily(&chat(&t), crate::app::DailyArg::At(hm(8, 0)))
            .unwrap();
        post(&t, 300);
        t.left_group(G).await.unwrap();
        let c = chat(&t);
        assert!(!c.active && c.open_card.is_none());
        assert!(t.store.open_cards(G).unwrap().is_empty());
        assert!(t.scheduled(G, JobKind::Daily).is_none());
        let c = group(&t);
        t.rejoined(&c).unwrap();
        assert!(t.scheduled(G, JobKind::Daily).is_some());
    }

    #[test]
    fn settings_and_an_empty_board() {
        let t = at(t0());
        group(&t);
        assert!(!t.set_time_limit(G, MIN_LIMIT_SECS - 1).unwrap());
        assert!(!t.set_time_limit(G, MAX_LIMIT_SECS + 1).unwrap());
        assert!(t.set_time_limit(G, 30).unwrap());
        assert_eq!(chat(&t).time_limit_secs, 30);
        t.set_chat_lang(G, Lang::En).unwrap();
        assert_eq!(chat(&t).lang, Some(Lang::En));
        let board = t.board(&chat(&t), false).unwrap();
        assert!(!board.all && board.rows.is_empty());
    }

    #[test]
    fn a_reveal_orders_the_right_fastest_first() {
        let t = at(t0());
        let q = t.bank.question("e1-q01").unwrap();
        let c = card(
            "e1-q01",
            vec![
                answer(3, "Slow", true, 9_000, 925),
                answer(2, "Wrong", false, 1_000, 0),
                answer(1, "Fast", true, 1_500, 988),
            ],
        );
        let r = reveal(&c, q, None);
        let names: Vec<&str> = r.right.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Fast", "Slow"]);
        assert_eq!((r.right[0].secs, r.right[0].points, r.wrong), (1.5, 988, 1));
    }

    #[test]
    fn a_typed_reply_to_a_group_card_is_read_by_the_cards_state() {
        let mut t = at(t0());
        group(&t);
        let card = post(&t, 7);
        let q = t.bank.question(&card.question).unwrap();
        // An answer of its kind, and one of the other kind.
        let (answer, invalid) = match q.kind {
            crate::bank::Kind::Judge => ("对", "A"),
            _ => ("A", "对"),
        };
        type Want = fn(&Option<GroupReply>) -> bool;
        // (user, text, seconds after the post, what it is)
        let cases: [(i64, &str, i64, Want); 5] = [
            (1, answer, 1, |r| {
                matches!(r, Some(GroupReply::Answer { .. }))
            }),
            (1, "大家好", 1, |r| {
                matches!(r, Some(GroupReply::NotAnswer(_)))
            }),
            (1, invalid, 1, |r| {
                matches!(r, Some(GroupReply::Invalid(..)))
            }),
            (1, answer, 3_600, |r| {
                matches!(
                    r,
                    Some(GroupReply::Closed {
                        reveal_due: true,
                        ..
                    })
                )
            }),
            // Chatter under a closed card: nothing to say.
            (1, "大家好", 3_600, |r| r.is_none()),
        ];
        for (i, (user, text, secs, want)) in cases.into_iter().enumerate() {
            set_clock(&mut t, card.posted + Span::seconds(secs));
            let reply = t.group_reply(G, 7, user, text).unwrap();
            assert!(want(&reply), "case {i}: {text:?} at +{secs} s: {reply:?}");
        }
        // Not a reply to a card.
        assert!(t.group_reply(G, 8, 1, answer).unwrap().is_none());
        // The same learner again, once their answer is on the card.
        let mut answered = t.store.card(G, 7).unwrap().unwrap();
        answered.answers.push(answer_of(1));
        t.store.put_card(&answered).unwrap();
        set_clock(&mut t, card.posted + Span::seconds(2));
        let again = t.group_reply(G, 7, 1, answer).unwrap();
        assert!(
            matches!(again, Some(GroupReply::AlreadyAnswered)),
            "{again:?}"
        );
        // A card closed by its reveal: a late answer is told so, and no reveal is due.
        answered.open = false;
        t.store.put_card(&answered).unwrap();
        let closed = t.group_reply(G, 7, 2, answer).unwrap();
        assert!(
            matches!(
                closed,
                Some(GroupReply::Closed {
                    reveal_due: false,
                    ..
                })
            ),
            "{closed:?}"
        );
    }

    fn answer_of(user: i64) -> CardAnswer {
        answer(user, "A", true, 1, 900)
    }
}
