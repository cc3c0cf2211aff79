//! The pure core of the tutor: every rule, and nothing else.
//!
//! No Telegram, no storage, no files and no clocks: the current instant (`now`), the
//! learner's or chat's time zone and a random-number generator are always arguments,
//! so every rule is a plain function with table-driven tests beside it.
//!
//! - [`present`]: the shuffled order in which a card shows a question's options.
//! - [`parse`]: a typed reply → an answer, chatter, or an invalid attempt with a hint.
//! - [`grade`]: an answer → a verdict (right, wrong, incomplete; missed and extra letters).
//! - [`fit`]: FSRS-6 parameters fitted to the pooled answer log, judged on held-out
//!   learners.
//! - [`srs`]: spaced repetition (FSRS-6 via the `fsrs` crate, with learning steps) and
//!   per-question progress.
//! - [`pick`]: the next question for a learner, and the group shuffle bag.
//! - [`book`]: the wrong-answer book (错题本), derived from the answer log.
//! - [`streak`]: daily study streaks on the learner's local calendar, with repair.
//! - [`stats`]: a learner's statistics.
//! - [`class`]: a study group's class report (`/class`).
//! - [`score`]: group quiz points, weekly totals and leaderboards.
//! - [`report`]: the weekly report: when it goes out (Mondays, across DST), its figures.
//! - [`daily`]: when a chat's daily question is due, right across DST changes.
//! - [`exam`]: mock exams: the default blueprint, drawing a paper, marking it.
//! - [`zone`]: a typed time zone (IANA names in any case, common names, offsets).
//!
//! Everything public is re-exported here, so `learn::grade`, `learn::Presentation` etc.

#![warn(missing_docs)]

pub mod book;
pub mod class;
pub mod daily;
pub mod exam;
pub mod fit;
pub mod grade;
pub mod parse;
pub mod pick;
pub mod present;
pub mod report;
pub mod score;
pub mod srs;
pub mod stats;
pub mod streak;
pub mod walk;
pub mod zone;

pub use book::{BookEntry, LEAVE_AFTER, wrong_book};
pub use daily::{
    DEFAULT_DAILY_TIME, DailyAction, REMIND_AT, REMIND_MIN_STREAK, daily_action, default_reveal,
    first_send, next_reminder, parse_hhmm, reveal_instant, send_instant, should_remind,
};
pub use grade::{Outcome, Verdict, grade};
pub use parse::{Invalid, Parsed, Response, parse_answer};
pub use pick::{Bag, Drill, Pick, Scope, draw, next_in_set, next_question, next_to_study};
pub use present::Presentation;
pub use report::{ReportAction, Week, WeekSummary, report_action};
pub use score::{
    LATE_GRACE, MemberScore, RevealLine, RoundStep, Standing, apply, is_late, leaderboard, podium,
    points, reveal_order, round_step, week_points, week_start,
};
pub use srs::{
    DESIRED_RETENTION, LEARNING_STEPS, Memory, Phase, Progress, RELEARNING_STEPS, Rating, Srs,
    retrievability, schedule, update_progress,
};
pub use stats::{ChapterStats, LogEntry, Stats, compute};
pub use streak::{Streak, StreakChange, local_day, record_day, shown_streak};
pub use walk::{Mode, Walk};
pub use zone::{ZoneArg, parse_zone};
