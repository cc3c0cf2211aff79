//! The store's public record types. They carry no serde: the on-disk forms are the
//! versioned mirrors in `records.rs`.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::bank::OptionSet;
use crate::lang::Lang;
use crate::learn::{Bag, MemberScore, Response, StreakChange, Verdict};

pub use crate::learn::Streak;

/// The zone a stored zone name falls back to when this build does not know it (the
/// product's default zone).
pub const FALLBACK_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// The default time limit of a group question, in seconds.
pub const DEFAULT_TIME_LIMIT_SECS: u32 = 60;

/// A person who talks to the bot.
#[derive(Debug, Clone, PartialEq)]
pub struct Learner {
    pub id: i64,
    pub name: String,
    /// `None`: follow Telegram's `language_code`.
    pub lang: Option<Lang>,
    /// Their own zone (`/tz` in their private chat); `None`: the chat's zone.
    pub tz: Option<Tz>,
    /// False once they blocked the bot.
    pub active: bool,
    pub streak: Streak,
    pub remind: bool,
    pub created: DateTime<Utc>,
}

impl Learner {
    /// A fresh learner: following Telegram's language, active, reminders on, no streak.
    pub fn new(id: i64, name: impl Into<String>, now: DateTime<Utc>) -> Learner {
        Learner {
            id,
            name: name.into(),
            lang: None,
            tz: None,
            active: true,
            streak: empty_streak(),
            remind: true,
            created: now,
        }
    }
}

pub(crate) fn empty_streak() -> Streak {
    Streak {
        current: 0,
        best: 0,
        last_day: None,
        last_repair: None,
    }
}

pub(crate) fn empty_score() -> MemberScore {
    MemberScore {
        total: 0,
        week: 0,
        week_of: None,
        correct: 0,
        answered: 0,
        streak: 0,
        best_streak: 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    Private,
    Group,
}

/// The daily question of a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daily {
    /// Local time (in the chat's zone) the question is posted.
    pub time: NaiveTime,
    /// Groups: local time the answer is revealed.
    pub reveal: Option<NaiveTime>,
    pub last_sent: Option<NaiveDate>,
    pub remind: bool,
    pub last_reminded: Option<NaiveDate>,
}

/// A group quiz round in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub total: u8,
    pub asked: u8,
    pub started_by: i64,
    /// (user, display name, points this round).
    pub scores: Vec<(i64, String, u64)>,
    /// `/round N CHAPTER`: every question from that chapter.
    pub chapter: Option<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    pub id: i64,
    pub kind: ChatKind,
    pub title: String,
    /// The chat's zone, parsed once when the record is read (a stored name this
    /// build's zone database does not know reads as [`FALLBACK_ZONE`]).
    pub tz: Tz,
    /// Groups: the group's language (`/lang` in the group; `None`: Chinese).
    /// Private chats: the language the learner's client (Telegram's `language_code`)
    /// last reported, remembered for what the scheduler sends unprompted (the
    /// learner's own `/lang`, `Learner::lang`, comes first); `None`: never reported.
    pub lang: Option<Lang>,
    pub daily: Option<Daily>,
    pub active: bool,
    pub time_limit_secs: u32,
    pub bag: Bag,
    pub round: Option<Round>,
    /// Groups: message id of the one open question.
    pub open_card: Option<i32>,
    /// Groups: typed answers are deleted once recorded (`/settings hide_typed on`),
    /// so that nobody reads them before the reveal.
    pub hide_typed: bool,
    /// Groups: right answers in a row earn the streak bonus (`/settings streak_bonus
    /// off` turns it off, so that points are for speed alone).
    pub streak_bonus: bool,
}

impl Chat {
    /// A fresh chat with the defaults: no daily question, 60 s limit, an empty bag.
    pub fn new(id: i64, kind: ChatKind, title: impl Into<String>, tz: Tz) -> Chat {
        Chat {
            id,
            kind,
            title: title.into(),
            tz,
            lang: None,
            daily: None,
            active: true,
            time_limit_secs: DEFAULT_TIME_LIMIT_SECS,
            bag: Bag {
                remaining: Vec::new(),
                last: None,
            },
            round: None,
            open_card: None,
            hide_typed: false,
            streak_bonus: true,
        }
    }
}

/// One answer on a card.
#[derive(Debug, Clone, PartialEq)]
pub struct CardAnswer {
    pub user: i64,
    pub name: String,
    pub response: Response,
    pub right: bool,
    pub at: DateTime<Utc>,
    pub points: u32,
}

/// Who answers a card, and why it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// A learner alone: `/quiz`, a review, the terminal.
    Practice,
    /// A learner's daily question.
    Daily,
    /// A group question (`/quiz`, a round), open for the chat's time limit.
    GroupQuiz,
    /// A group's daily question, open until its reveal time.
    GroupDaily,
}

impl CardKind {
    pub fn of(group: bool, daily: bool) -> CardKind {
        match (group, daily) {
            (false, false) => CardKind::Practice,
            (false, true) => CardKind::Daily,
            (true, false) => CardKind::GroupQuiz,
            (true, true) => CardKind::GroupDaily,
        }
    }

    pub fn is_group(self) -> bool {
        matches!(self, CardKind::GroupQuiz | CardKind::GroupDaily)
    }

    pub fn is_daily(self) -> bool {
        matches!(self, CardKind::Daily | CardKind::GroupDaily)
    }
}

/// A question as presented in a chat (one Telegram message).
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub chat: i64,
    pub message: i32,
    pub question: String,
    /// The shown permutation: `order[shown] = original option index`.
    pub order: Vec<u8>,
    pub asked_by: i64,
    pub posted: DateTime<Utc>,
    /// Group time limit.
    pub limit_secs: Option<u32>,
    pub deadline: Option<DateTime<Utc>>,
    pub open: bool,
    pub kind: CardKind,
    pub answers: Vec<CardAnswer>,
    /// Multiple-choice toggles before 提交, per user, in shown letters.
    pub selections: Vec<(i64, OptionSet)>,
}

impl Card {
    /// A new open card a learner answers alone (a private chat, the terminal): no
    /// time limit, asked by the chat itself.
    pub fn private(
        chat: i64,
        message: i32,
        question: &str,
        order: Vec<u8>,
        posted: DateTime<Utc>,
    ) -> Card {
        Card {
            chat,
            message,
            question: question.to_string(),
            order,
            asked_by: chat,
            posted,
            limit_secs: None,
            deadline: None,
            open: true,
            kind: CardKind::Practice,
            answers: Vec::new(),
            selections: Vec::new(),
        }
    }

    /// A new open group card, asked by `asked_by`, open for `limit_secs` from `posted`.
    pub fn group(
        chat: i64,
        message: i32,
        question: &str,
        order: Vec<u8>,
        asked_by: i64,
        posted: DateTime<Utc>,
        limit_secs: u32,
    ) -> Card {
        Card {
            asked_by,
            limit_secs: Some(limit_secs),
            deadline: Some(posted + chrono::Duration::seconds(i64::from(limit_secs))),
            kind: CardKind::GroupQuiz,
            ..Card::private(chat, message, question, order, posted)
        }
    }

    /// The same card as the chat's daily question (or not).
    pub fn daily(self, daily: bool) -> Card {
        let kind = CardKind::of(self.kind.is_group(), daily);
        Card { kind, ..self }
    }

    /// A group card: answered by many, revealed once.
    pub fn is_group(&self) -> bool {
        self.kind.is_group()
    }

    /// The chat's daily question.
    pub fn is_daily(&self) -> bool {
        self.kind.is_daily()
    }

    pub fn answer_of(&self, user: i64) -> Option<&CardAnswer> {
        self.answers.iter().find(|a| a.user == user)
    }

    pub fn selection_of(&self, user: i64) -> OptionSet {
        self.selections
            .iter()
            .find(|(u, _)| *u == user)
            .map_or(OptionSet::EMPTY, |(_, s)| *s)
    }
}

/// A kind of timed job in the schedule index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    Daily,
    Reminder,
    /// Group daily: reveal the answer.
    Reveal,
    /// Group card: the deadline passed.
    Close,
    /// A private chat's mock exam: its deadline passed (or the sheet's countdown is due).
    Exam,
    /// A learner's weekly report (or a look at it: see `learn::report::REPORT_HOP`).
    Report,
}

impl JobKind {
    pub const ALL: [JobKind; 6] = [
        JobKind::Daily,
        JobKind::Reminder,
        JobKind::Reveal,
        JobKind::Close,
        JobKind::Exam,
        JobKind::Report,
    ];

    pub(crate) fn code(self) -> u8 {
        match self {
            JobKind::Daily => 0,
            JobKind::Reminder => 1,
            JobKind::Reveal => 2,
            JobKind::Close => 3,
            JobKind::Exam => 4,
            JobKind::Report => 5,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A learner's weekly report (`/report on|off`; tree `reports`, one record per
/// learner).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportSetting {
    pub on: bool,
    /// The Monday of the last local week a report was claimed for (or skipped:
    /// turned on after that week's time).
    pub last_sent: Option<NaiveDate>,
}

/// A due job from the schedule index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    pub at: DateTime<Utc>,
    pub chat: i64,
    pub kind: JobKind,
}

/// One answer to record (see [`super::Store::record_answer`]).
#[derive(Debug, Clone)]
pub struct AnswerRequest {
    pub chat: i64,
    pub message: i32,
    pub user: i64,
    pub name: String,
    /// In shown letters.
    pub response: Response,
    /// The answer as the learner saw it (e.g. "BD", "对"), kept in progress.
    pub answer_text: String,
    pub now: DateTime<Utc>,
    pub learner_tz: Tz,
    pub chat_tz: Tz,
    /// The chat's `/settings streak_bonus` (group scoring).
    pub streak_bonus: bool,
}

#[derive(Debug, Clone)]
pub enum AnswerOutcome {
    Recorded {
        verdict: Verdict,
        /// Group points earned (0 in private chats).
        points: u32,
        streak: StreakChange,
        /// The learner's streak in days after this answer (computed in the same
        /// transaction: no re-read).
        streak_days: u32,
        /// The card after the update.
        card: Card,
    },
    /// This user already answered this card: recorded zero times.
    AlreadyAnswered {
        card: Card,
    },
    /// The card is closed (answered in private, revealed in a group).
    Closed,
    NoSuchCard,
    /// The card's question left the bank (or changed shape).
    UnknownQuestion,
}

#[cfg(test)]
mod card_tests {
    use super::*;

    #[test]
    fn card_constructors_set_what_their_kind_implies() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let p = Card::private(5, 7, "c1-q01", vec![1, 0], t0);
        assert_eq!((p.chat, p.message, p.asked_by), (5, 7, 5));
        assert!(p.open && p.kind == CardKind::Practice && p.deadline.is_none());
        assert!(p.answers.is_empty() && p.selections.is_empty());
        let g = Card::group(-9, 3, "c1-q02", vec![0], 42, t0, 60).daily(true);
        assert_eq!((g.asked_by, g.limit_secs), (42, Some(60)));
        assert_eq!(g.deadline, Some(t0 + chrono::Duration::seconds(60)));
        assert!(g.open && g.kind == CardKind::GroupDaily);
    }
}

/// The FSRS parameter set `tutor optimize` chose, with when and on what evidence
/// (one record, in `meta`). The bot schedules with it from its next start.
#[derive(Debug, Clone, PartialEq)]
pub struct FsrsParameters {
    /// The 21 FSRS-6 parameters in use.
    pub parameters: Vec<f32>,
    /// Whether they were fitted (false: the defaults, kept after a comparison).
    pub fitted: bool,
    /// When `tutor optimize` chose them.
    pub at: DateTime<Utc>,
    /// Answers and learners in the log it fitted on.
    pub reviews: u64,
    pub learners: u64,
    /// Log loss and RMSE on the held-out learners: the defaults, the fitted set.
    pub default_log_loss: f64,
    pub default_rmse: f64,
    pub fitted_log_loss: f64,
    pub fitted_rmse: f64,
}

/// A learner's own collections (tree `shelf`, one record per learner): their
/// favourites, the set they are practising, and their last search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shelf {
    /// Starred questions, with when they were starred, oldest first.
    pub starred: Vec<(String, DateTime<Utc>)>,
    /// The set the learner practises now (a verdict's 下一题 goes on with it).
    pub drill: Option<crate::learn::Drill>,
    /// The last search, as typed (its page buttons carry only a hash of it).
    pub search: Option<String>,
    /// Questions seen in study mode (背题), with when each was last seen there.
    pub studied: Vec<(String, DateTime<Utc>)>,
    /// Where the learner is in each `/practice` walk: one per mode and chapter
    /// (`None`: the whole bank).
    pub walks: Vec<(Option<u8>, crate::learn::Walk)>,
}

impl Shelf {
    /// The walk of `chapter` (or the whole bank) in `mode`, if begun.
    pub fn walk(
        &self,
        mode: crate::learn::Mode,
        chapter: Option<u8>,
    ) -> Option<&crate::learn::Walk> {
        let mut walks = self.walks.iter();
        walks
            .find(|(c, w)| *c == chapter && w.mode() == mode)
            .map(|(_, w)| w)
    }

    /// Keeps `walk` as the walk of `chapter` in its mode.
    pub fn set_walk(&mut self, chapter: Option<u8>, walk: crate::learn::Walk) {
        let mode = walk.mode();
        self.walks
            .retain(|(c, w)| !(*c == chapter && w.mode() == mode));
        self.walks.push((chapter, walk));
    }

    pub fn is_starred(&self, question: &str) -> bool {
        self.starred.iter().any(|(q, _)| q == question)
    }

    /// Notes `question` seen in study mode at `now`.
    pub fn studied(&mut self, question: &str, now: DateTime<Utc>) {
        self.studied.retain(|(q, _)| q != question);
        self.studied.push((question.to_string(), now));
    }

    /// Stars `question`, or unstars it; true when it is starred now.
    pub fn toggle_star(&mut self, question: &str, now: DateTime<Utc>) -> bool {
        if self.is_starred(question) {
            self.starred.retain(|(q, _)| q != question);
            false
        } else {
            self.starred.push((question.to_string(), now));
            true
        }
    }
}
