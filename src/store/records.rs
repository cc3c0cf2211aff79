//! On-disk encodings: postcard of versioned serde mirrors of the domain types.
//!
//! Every value is a `…Record` enum whose variant index (postcard's first byte) is the
//! record version. A new version adds a variant, and decoding converts any older
//! variant to the current domain type, so old values stay readable forever.
//! Times are stored as i64 milliseconds since the epoch, dates as i32 days from CE,
//! times of day as u32 seconds from midnight.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::bank::OptionSet;
use crate::lang::Lang;
use crate::learn::{Bag, MemberScore, Memory, Phase, Progress, Response, Streak};

use super::model::{Card, CardAnswer, Chat, ChatKind, Daily, Learner, Round};

type R<T> = Result<T, String>;

/// A value stored in a tree, with its on-disk encoding.
pub(crate) trait Codec: Sized {
    fn encode(&self) -> Vec<u8>;
    fn decode(bytes: &[u8]) -> R<Self>;
}

fn to_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    // Serializing plain structs into a Vec cannot fail.
    postcard::to_stdvec(v).expect("postcard encoding of a plain record")
}

fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> R<T> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

// ---- scalar helpers -------------------------------------------------------------

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> R<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| format!("timestamp {ms} out of range"))
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(n: i32) -> R<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(n).ok_or_else(|| format!("date {n} out of range"))
}

fn opt_date(n: Option<i32>) -> R<Option<NaiveDate>> {
    n.map(date).transpose()
}

fn secs(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight()
}

fn clock(s: u32) -> R<NaiveTime> {
    NaiveTime::from_num_seconds_from_midnight_opt(s, 0)
        .ok_or_else(|| format!("time of day {s} out of range"))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum LangRec {
    Zh,
    En,
}

impl From<Lang> for LangRec {
    fn from(l: Lang) -> Self {
        match l {
            Lang::Zh => LangRec::Zh,
            Lang::En => LangRec::En,
        }
    }
}

impl From<LangRec> for Lang {
    fn from(l: LangRec) -> Self {
        match l {
            LangRec::Zh => Lang::Zh,
            LangRec::En => Lang::En,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StreakRec {
    current: u32,
    best: u32,
    last_day: Option<i32>,
    last_repair: Option<i32>,
}

impl From<&Streak> for StreakRec {
    fn from(s: &Streak) -> Self {
        StreakRec {
            current: s.current,
            best: s.best,
            last_day: s.last_day.map(day),
            last_repair: s.last_repair.map(day),
        }
    }
}

impl StreakRec {
    fn into_domain(self) -> R<Streak> {
        Ok(Streak {
            current: self.current,
            best: self.best,
            last_day: opt_date(self.last_day)?,
            last_repair: opt_date(self.last_repair)?,
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum ResponseRec {
    Choice(u8),
    Judge(bool),
}

impl From<Response> for ResponseRec {
    fn from(r: Response) -> Self {
        match r {
            Response::Choice(s) => ResponseRec::Choice(s.0),
            Response::Judge(b) => ResponseRec::Judge(b),
        }
    }
}

impl From<ResponseRec> for Response {
    fn from(r: ResponseRec) -> Self {
        match r {
            ResponseRec::Choice(s) => Response::Choice(OptionSet(s)),
            ResponseRec::Judge(b) => Response::Judge(b),
        }
    }
}

// ---- learners -------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LearnerV1 {
    id: i64,
    name: String,
    lang: Option<LangRec>,
    tz: Option<String>,
    active: bool,
    streak: StreakRec,
    remind: bool,
    created: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum LearnerRecord {
    V1(LearnerV1),
}

impl Codec for Learner {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&LearnerRecord::V1(LearnerV1 {
            id: self.id,
            name: self.name.clone(),
            lang: self.lang.map(Into::into),
            tz: self.tz.clone(),
            active: self.active,
            streak: (&self.streak).into(),
            remind: self.remind,
            created: ms(self.created),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            LearnerRecord::V1(r) => Ok(Learner {
                id: r.id,
                name: r.name,
                lang: r.lang.map(Into::into),
                tz: r.tz,
                active: r.active,
                streak: r.streak.into_domain()?,
                remind: r.remind,
                created: time(r.created)?,
            }),
        }
    }
}

// ---- chats ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum ChatKindRec {
    Private,
    Group,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DailyRec {
    time: u32,
    reveal: Option<u32>,
    last_sent: Option<i32>,
    remind: bool,
    last_reminded: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BagRec {
    remaining: Vec<String>,
    last: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoundRec {
    total: u8,
    asked: u8,
    started_by: i64,
    scores: Vec<(i64, String, u64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChatV1 {
    id: i64,
    kind: ChatKindRec,
    title: String,
    tz: String,
    lang: Option<LangRec>,
    daily: Option<DailyRec>,
    active: bool,
    time_limit_secs: u32,
    bag: BagRec,
    round: Option<RoundRec>,
    open_card: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ChatRecord {
    V1(ChatV1),
}

impl Codec for Chat {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ChatRecord::V1(ChatV1 {
            id: self.id,
            kind: match self.kind {
                ChatKind::Private => ChatKindRec::Private,
                ChatKind::Group => ChatKindRec::Group,
            },
            title: self.title.clone(),
            tz: self.tz.clone(),
            lang: self.lang.map(Into::into),
            daily: self.daily.as_ref().map(|d| DailyRec {
                time: secs(d.time),
                reveal: d.reveal.map(secs),
                last_sent: d.last_sent.map(day),
                remind: d.remind,
                last_reminded: d.last_reminded.map(day),
            }),
            active: self.active,
            time_limit_secs: self.time_limit_secs,
            bag: BagRec {
                remaining: self.bag.remaining.clone(),
                last: self.bag.last.clone(),
            },
            round: self.round.as_ref().map(|r| RoundRec {
                total: r.total,
                asked: r.asked,
                started_by: r.started_by,
                scores: r.scores.clone(),
            }),
            open_card: self.open_card,
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ChatRecord::V1(r) => Ok(Chat {
                id: r.id,
                kind: match r.kind {
                    ChatKindRec::Private => ChatKind::Private,
                    ChatKindRec::Group => ChatKind::Group,
                },
                title: r.title,
                tz: r.tz,
                lang: r.lang.map(Into::into),
                daily: match r.daily {
                    None => None,
                    Some(d) => Some(Daily {
                        time: clock(d.time)?,
                        reveal: d.reveal.map(clock).transpose()?,
                        last_sent: opt_date(d.last_sent)?,
                        remind: d.remind,
                        last_reminded: opt_date(d.last_reminded)?,
                    }),
                },
                active: r.active,
                time_limit_secs: r.time_limit_secs,
                bag: Bag {
                    remaining: r.bag.remaining,
                    last: r.bag.last,
                },
                round: r.round.map(|r| Round {
                    total: r.total,
                    asked: r.asked,
                    started_by: r.started_by,
                    scores: r.scores,
                }),
                open_card: r.open_card,
            }),
        }
    }
}

// ---- progress -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum PhaseRec {
    New,
    Learning,
    Review,
    Relearning,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemoryRec {
    due: i64,
    stability: f64,
    difficulty: f64,
    elapsed_days: i64,
    scheduled_days: i64,
    reps: i32,
    lapses: i32,
    phase: PhaseRec,
    last_review: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProgressV1 {
    memory: MemoryRec,
    seen: u32,
    right: u32,
    last_seen: i64,
    last_right: bool,
    last_answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ProgressRecord {
    V1(ProgressV1),
}

impl Codec for Progress {
    fn encode(&self) -> Vec<u8> {
        let m = &self.memory;
        to_bytes(&ProgressRecord::V1(ProgressV1 {
            memory: MemoryRec {
                due: ms(m.due),
                stability: m.stability,
                difficulty: m.difficulty,
                elapsed_days: m.elapsed_days,
                scheduled_days: m.scheduled_days,
                reps: m.reps,
                lapses: m.lapses,
                phase: match m.phase {
                    Phase::New => PhaseRec::New,
                    Phase::Learning => PhaseRec::Learning,
                    Phase::Review => PhaseRec::Review,
                    Phase::Relearning => PhaseRec::Relearning,
                },
                last_review: ms(m.last_review),
            },
            seen: self.seen,
            right: self.right,
            last_seen: ms(self.last_seen),
            last_right: self.last_right,
            last_answer: self.last_answer.clone(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ProgressRecord::V1(r) => {
                let m = r.memory;
                Ok(Progress {
                    memory: Memory {
                        due: time(m.due)?,
                        stability: m.stability,
                        difficulty: m.difficulty,
                        elapsed_days: m.elapsed_days,
                        scheduled_days: m.scheduled_days,
                        reps: m.reps,
                        lapses: m.lapses,
                        phase: match m.phase {
                            PhaseRec::New => Phase::New,
                            PhaseRec::Learning => Phase::Learning,
                            PhaseRec::Review => Phase::Review,
                            PhaseRec::Relearning => Phase::Relearning,
                        },
                        last_review: time(m.last_review)?,
                    },
                    seen: r.seen,
                    right: r.right,
                    last_seen: time(r.last_seen)?,
                    last_right: r.last_right,
                    last_answer: r.last_answer,
                })
            }
        }
    }
}

// ---- log ------------------------------------------------------------------------

/// One answer in the log; the key holds user, time, chat and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogValue {
    pub question: String,
    pub right: bool,
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LogV1 {
    question: String,
    right: bool,
    answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum LogRecord {
    V1(LogV1),
}

impl Codec for LogValue {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&LogRecord::V1(LogV1 {
            question: self.question.clone(),
            right: self.right,
            answer: self.answer.clone(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            LogRecord::V1(r) => Ok(LogValue {
                question: r.question,
                right: r.right,
                answer: r.answer,
            }),
        }
    }
}

// ---- cards ----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CardAnswerRec {
    user: i64,
    name: String,
    response: ResponseRec,
    right: bool,
    at: i64,
    points: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CardV1 {
    chat: i64,
    message: i32,
    question: String,
    order: Vec<u8>,
    asked_by: i64,
    posted: i64,
    limit_secs: Option<u32>,
    deadline: Option<i64>,
    open: bool,
    group: bool,
    daily: bool,
    answers: Vec<CardAnswerRec>,
    selections: Vec<(i64, u8)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum CardRecord {
    V1(CardV1),
}

impl Codec for Card {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&CardRecord::V1(CardV1 {
            chat: self.chat,
            message: self.message,
            question: self.question.clone(),
            order: self.order.clone(),
            asked_by: self.asked_by,
            posted: ms(self.posted),
            limit_secs: self.limit_secs,
            deadline: self.deadline.map(ms),
            open: self.open,
            group: self.group,
            daily: self.daily,
            answers: self
                .answers
                .iter()
                .map(|a| CardAnswerRec {
                    user: a.user,
                    name: a.name.clone(),
                    response: a.response.into(),
                    right: a.right,
                    at: ms(a.at),
                    points: a.points,
                })
                .collect(),
            selections: self.selections.iter().map(|(u, s)| (*u, s.0)).collect(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            CardRecord::V1(r) => Ok(Card {
                chat: r.chat,
                message: r.message,
                question: r.question,
                order: r.order,
                asked_by: r.asked_by,
                posted: time(r.posted)?,
                limit_secs: r.limit_secs,
                deadline: r.deadline.map(time).transpose()?,
                open: r.open,
                group: r.group,
                daily: r.daily,
                answers: r
                    .answers
                    .into_iter()
                    .map(|a| {
                        Ok(CardAnswer {
                            user: a.user,
                            name: a.name,
                            response: a.response.into(),
                            right: a.right,
                            at: time(a.at)?,
                            points: a.points,
                        })
                    })
                    .collect::<R<Vec<_>>>()?,
                selections: r
                    .selections
                    .into_iter()
                    .map(|(u, s)| (u, OptionSet(s)))
                    .collect(),
            }),
        }
    }
}

// ---- scores ---------------------------------------------------------------------

/// A member's score in a chat, with their display name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScoreValue {
    pub name: String,
    pub score: MemberScore,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ScoreV1 {
    name: String,
    total: u64,
    week: u64,
    week_of: Option<i32>,
    correct: u32,
    answered: u32,
    streak: u32,
    best_streak: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ScoreRecord {
    V1(ScoreV1),
}

impl Codec for ScoreValue {
    fn encode(&self) -> Vec<u8> {
        let s = &self.score;
        to_bytes(&ScoreRecord::V1(ScoreV1 {
            name: self.name.clone(),
            total: s.total,
            week: s.week,
            week_of: s.week_of.map(day),
            correct: s.correct,
            answered: s.answered,
            streak: s.streak,
            best_streak: s.best_streak,
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ScoreRecord::V1(r) => Ok(ScoreValue {
                name: r.name,
                score: MemberScore {
                    total: r.total,
                    week: r.week,
                    week_of: opt_date(r.week_of)?,
                    correct: r.correct,
                    answered: r.answered,
                    streak: r.streak,
                    best_streak: r.best_streak,
                },
            }),
        }
    }
}
